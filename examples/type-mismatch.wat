;; An invalid module, on purpose: `i32.add` needs two i32 operands, but
;; the second one is an i64. See what the validator saw with
;;
;;   weft validate --explain examples/type-mismatch.wat
(module
  (func $add_one (export "add_one") (param $x i32) (result i32)
    (block (result i32)
      (local.get $x)
      (i64.const 1)
      (i32.add))))
