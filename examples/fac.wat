;; Factorial, recursively: the smallest program that shows calls, blocks
;; and the operand stack at work. Trace it with
;;
;;   weft trace --invoke fac examples/fac.wat 5
(module
  (func $fac (export "fac") (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 1))
      (else
        (i64.mul
          (local.get $n)
          (call $fac (i64.sub (local.get $n) (i64.const 1))))))))
