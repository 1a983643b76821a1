;; An exception thrown 1000 frames down, through direct calls,
;; `call_indirect` and tail calls, caught by tag and by `catch_all`.
;;
;; Each `$step n` counts itself in `$entered`, then (for n > 0) descends to
;; `$step (n-1)` by one of three paths chosen by (n-1) mod 3: `call`,
;; `call_indirect` through the table, or `return_call` (which replaces its
;; own frame). At n = 0 it throws `$boom(7, 1000)`. So `$step n` always
;; throws after entering n + 1 frames, and every frame between the thrower
;; and the handler is unwound (spec: the `throw_ref` rule pops frames
;; `frame_m{F} E[throw_ref]` until a `handler` context is found).
;;
;; @expect catch_deep 1000 -> 10011007
;;   the handler `(catch $boom $h)` pushes the fields 7 and 1000:
;;   7 + 1000 + entered * 10000 = 1007 + 1001 * 10000 = 10011007
;; @expect catch_deep 0 -> 11007
;;   one frame: 1007 + 10000
;; @expect catch_all_deep 500 -> 501
;;   `(catch $quiet ..)` does not match $boom; `catch_all` does and pushes
;;   nothing; the result is entered = 501
;; @expect uncaught 10 -> exception
;;   no handler anywhere: the exception leaves the outermost frame
;; @expect uncaught_via_relay 10 -> exception
;;   the same through two functions without exception instructions (on the
;;   threaded engine they run as threaded code; the exception must pass
;;   through their frames)
;; @expect operands_discarded 3 -> 42
;;   40 and 2 lie below the handler's target block and survive; the
;;   `try_table`'s own operand 5 and the 100 pushed inside it are popped
;;   with its label; the payload (7, 1000) is dropped and 40 + 2 added
(module
  (tag $boom (param i32 i64))
  (tag $quiet)
  (type $step_t (func (param i32)))
  (global $entered (mut i32) (i32.const 0))
  (table $t funcref (elem $step))

  (func $step (param $n i32)
    (global.set $entered (i32.add (global.get $entered) (i32.const 1)))
    (if (i32.eqz (local.get $n))
      (then (throw $boom (i32.const 7) (i64.const 1000))))
    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
    (if (i32.eq (i32.rem_u (local.get $n) (i32.const 3)) (i32.const 0))
      (then (call $step (local.get $n)) (return)))
    (if (i32.eq (i32.rem_u (local.get $n) (i32.const 3)) (i32.const 1))
      (then (call_indirect $t (type $step_t) (local.get $n) (i32.const 0)) (return)))
    (return_call $step (local.get $n)))

  (func (export "catch_deep") (param $n i32) (result i32)
    (local $a i32) (local $b i64)
    (global.set $entered (i32.const 0))
    (block $h (result i32 i64)
      (try_table (catch $boom $h)
        (call $step (local.get $n)))
      (return (i32.const -1)))
    (local.set $b)
    (local.set $a)
    (i32.add
      (i32.add (local.get $a) (i32.wrap_i64 (local.get $b)))
      (i32.mul (global.get $entered) (i32.const 10000))))

  (func (export "catch_all_deep") (param $n i32) (result i32)
    (global.set $entered (i32.const 0))
    (block $h
      (block $q
        (try_table (catch $quiet $q) (catch_all $h)
          (call $step (local.get $n)))
        (return (i32.const -1)))
      (return (i32.const -2)))
    (global.get $entered))

  (func (export "uncaught") (param $n i32) (result i32)
    (call $step (local.get $n))
    (i32.const -1))

  (func $relay2 (param $n i32) (result i32)
    (call $step (local.get $n))
    (i32.const -1))
  (func $relay1 (param $n i32) (result i32)
    (i32.add (i32.const 1) (call $relay2 (local.get $n))))
  (func (export "uncaught_via_relay") (param $n i32) (result i32)
    (call $relay1 (local.get $n)))

  (func (export "operands_discarded") (param $n i32) (result i32)
    (i32.const 40)
    (i32.const 2)
    (block $h (result i32 i64)
      (i32.const 5)
      (try_table (param i32) (catch $boom $h)
        (i32.const 100)
        (call $step (local.get $n))
        (drop) (drop))
      (return (i32.const -1)))
    (drop) (drop)
    (i32.add))
)
