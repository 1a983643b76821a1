;; The legacy exception-handling form (`try`/`catch`/`catch_all`/`rethrow`/
;; `delegate`), as the legacy proposal's execution rules define it: a
;; `catch` body runs outside its `try`'s handler, `rethrow l` re-raises the
;; exception caught by the catch body at label l, and `delegate l` hands an
;; exception to the handler of label l outside its `try` (l = the function
;; body means: to the caller). Written in the flat text form.
;;
;; @expect legacy_catch 5 -> 105
;;   (catch $f) does not match $e(5); (catch $e) does: payload 5 + 100
;; @expect legacy_catch_all 0 -> 3
;;   $f does not match (catch $e); the catch_all body returns 3
;; @expect legacy_rethrow 5 -> 1005
;;   the inner catch_all re-throws with `rethrow 0`; the outer catches $e
;; @expect legacy_rethrow_depth 5 -> 4005
;;   `rethrow 1` inside a block within the catch body names the catch label
;; @expect legacy_delegate 5 -> 2005
;;   `delegate $outer` skips the middle try's (catch $e -> -1)
;; @expect legacy_delegate_caller 5 -> 3005
;;   `delegate 1` in $deleg (label 1 = its body) skips its enclosing try
;;   and reaches the caller's try
;; @expect legacy_throw_in_catch 0 -> 5009
;;   $e(9) thrown inside the inner (catch $f) body is not caught by the
;;   same try's (catch $e -> -1) but by the outer try: 9 + 5000
;; @expect legacy_no_throw 0 -> 7
;;   a body that completes skips every catch
;; @expect legacy_uncaught 0 -> exception
;;   rethrow from the only catch: nothing outside catches it
(module
  (tag $e (param i32))
  (tag $f)

  (func $throw_e (param $x i32)
    (throw $e (local.get $x)))

  (func (export "legacy_catch") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $throw_e
      i32.const 0
    catch $f
      i32.const 1
    catch $e
      i32.const 100
      i32.add
    catch_all
      i32.const 3
    end)

  (func (export "legacy_catch_all") (param $x i32) (result i32)
    try (result i32)
      throw $f
    catch $e
    catch_all
      i32.const 3
    end)

  (func (export "legacy_rethrow") (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        local.get $x
        call $throw_e
        i32.const 0
      catch_all
        rethrow 0
      end
    catch $e
      i32.const 1000
      i32.add
    end)

  (func (export "legacy_rethrow_depth") (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        local.get $x
        call $throw_e
        i32.const 0
      catch $e
        drop
        block
          rethrow 1
        end
        i32.const -1
      end
    catch $e
      i32.const 4000
      i32.add
    end)

  (func (export "legacy_delegate") (param $x i32) (result i32)
    try $outer (result i32)
      try (result i32)
        try (result i32)
          local.get $x
          call $throw_e
          i32.const 0
        delegate $outer
      catch $e
        drop
        i32.const -1
      end
    catch $e
      i32.const 2000
      i32.add
    end)

  (func $deleg (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        local.get $x
        call $throw_e
        i32.const 0
      delegate 1
    catch $e
      drop
      i32.const -1
    end)

  (func (export "legacy_delegate_caller") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $deleg
    catch $e
      i32.const 3000
      i32.add
    end)

  (func (export "legacy_throw_in_catch") (param $x i32) (result i32)
    try (result i32)
      try (result i32)
        throw $f
      catch $f
        i32.const 9
        throw $e
      catch $e
        drop
        i32.const -1
      end
    catch $e
      i32.const 5000
      i32.add
    end)

  (func (export "legacy_no_throw") (param $x i32) (result i32)
    try (result i32)
      i32.const 7
    catch $e
      drop
      i32.const -1
    catch_all
      i32.const -2
    end)

  (func (export "legacy_uncaught") (param $x i32) (result i32)
    try (result i32)
      local.get $x
      call $throw_e
      i32.const 0
    catch_all
      rethrow 0
    end)
)
