;; Re-throwing with `throw_ref`: `catch_ref` and `catch_all_ref` hand the
;; handler an `exnref` to the caught exception instance; `throw_ref` raises
;; the same instance again (spec: `ref.exn a (throw_ref)` re-raises address
;; a, so the payload and tag are unchanged).
;;
;; @expect rethrow_once 5 -> 505
;;   $middle catches $e(5) with catch_ref, adds the payload 5 to $seen and
;;   re-throws; the caller catches $e by tag: payload 5 + $seen 5 * 100
;; @expect rethrow_twice 3 -> 3
;;   two catch_all_ref layers each count 1 in $seen and re-throw; the
;;   outermost catches by tag and returns the payload: 3, unchanged by two
;;   re-throws
;; @expect rethrow_count 3 -> 2
;;   the same path, returning $seen: two layers re-threw
;; @expect clause_order 0 -> 2
;;   clauses are tried in order: (catch $f) does not match $e, catch_all
;;   does (returns 2) before the later (catch $e) is considered
;; @expect inner_miss 9 -> 109
;;   the inner try_table only catches $f; $e(9) passes it and is caught by
;;   the outer one: 9 + 100
;; @expect throw_ref_null 0 -> trap null exception reference
;; @expect uncaught_rethrow 1 -> exception
(module
  (tag $e (param i32))
  (tag $f (param i32))
  (global $seen (mut i32) (i32.const 0))

  (func $thrower (param $x i32)
    (throw $e (local.get $x)))

  (func $middle (param $x i32)
    (local $ex exnref)
    (block $h (result i32 exnref)
      (try_table (catch_ref $e $h)
        (call $thrower (local.get $x)))
      (return))
    (local.set $ex)
    (global.set $seen (i32.add (global.get $seen)))
    (throw_ref (local.get $ex)))

  (func (export "rethrow_once") (param $x i32) (result i32)
    (global.set $seen (i32.const 0))
    (block $h (result i32)
      (try_table (catch $e $h)
        (call $middle (local.get $x)))
      (return (i32.const -1)))
    (i32.add (i32.mul (global.get $seen) (i32.const 100))))

  (func $layer (param $x i32) (param $depth i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h)
        (if (local.get $depth)
          (then (call $layer (local.get $x) (i32.sub (local.get $depth) (i32.const 1))))
          (else (call $thrower (local.get $x)))))
      (return))
    (global.set $seen (i32.add (global.get $seen) (i32.const 1)))
    (throw_ref))

  (func (export "rethrow_twice") (param $x i32) (result i32)
    (global.set $seen (i32.const 0))
    (block $h (result i32)
      (try_table (catch $e $h)
        (call $layer (local.get $x) (i32.const 1)))
      (return (i32.const -1))))

  (func (export "rethrow_count") (param $x i32) (result i32)
    (global.set $seen (i32.const 0))
    (block $h (result i32)
      (try_table (catch $e $h)
        (call $layer (local.get $x) (i32.const 1)))
      (return (i32.const -1)))
    (drop)
    (global.get $seen))

  (func (export "clause_order") (param $x i32) (result i32)
    (block $he (result i32)
      (block $ha
        (block $hf (result i32)
          (try_table (catch $f $hf) (catch_all $ha) (catch $e $he)
            (call $thrower (local.get $x)))
          (return (i32.const -1)))
        (return (i32.const 1)))
      (return (i32.const 2)))
    (return (i32.const 3)))

  (func (export "inner_miss") (param $x i32) (result i32)
    (block $outer (result i32)
      (try_table (catch $e $outer)
        (block $inner (result i32)
          (try_table (catch $f $inner)
            (call $thrower (local.get $x)))
          (return (i32.const -1)))
        (return (i32.const -2)))
      (return (i32.const -3)))
    (i32.add (i32.const 100)))

  (func (export "throw_ref_null") (param $x i32) (result i32)
    (throw_ref (ref.null exn)))

  (func (export "uncaught_rethrow") (param $x i32) (result i32)
    (call $middle (local.get $x))
    (i32.const -1))
)
