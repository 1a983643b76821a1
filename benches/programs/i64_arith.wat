;; i64 arithmetic: a xorshift generator mixed by multiply, rotate and an
;; unsigned division, four million rounds.
(module
  (func (export "run") (result i64)
    (local $x i64) (local $acc i64) (local $i i32)
    (local.set $x (i64.const 0x9E3779B97F4A7C15))
    (loop $l
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
      (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
      (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 6364136223846793005))
                               (i64.rotl (local.get $x) (i64.const 11))))
      (local.set $acc (i64.sub (local.get $acc)
                               (i64.div_u (local.get $x) (i64.or (local.get $acc) (i64.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4000000))))
    (local.get $acc)))
