;; Bit operations: fill 1 MiB with a linear congruential generator's bytes,
;; then hash it eight times with an FNV-1a variant (xor, multiply, rotate).
(module
  (memory 16)
  (func (export "run") (result i64)
    (local $i i32) (local $x i32) (local $h i32) (local $pass i32) (local $acc i64)
    (local.set $x (i32.const 12345))
    (loop $fill
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store8 (local.get $i) (i32.shr_u (local.get $x) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 1048576))))
    (loop $passes
      (local.set $h (i32.xor (i32.const 0x811c9dc5) (local.get $pass)))
      (local.set $i (i32.const 0))
      (loop $l
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i))) (i32.const 16777619)))
        (local.set $h (i32.xor (local.get $h) (i32.rotl (local.get $h) (i32.const 5))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 1048576))))
      (local.set $acc (i64.add (i64.shl (local.get $acc) (i64.const 7))
                               (i64.extend_i32_u (i32.popcnt (local.get $h)))))
      (local.set $acc (i64.xor (local.get $acc) (i64.extend_i32_u (local.get $h))))
      (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
      (br_if $passes (i32.lt_u (local.get $pass) (i32.const 8))))
    (local.get $acc)))
