;; br_table dispatch: a tiny bytecode interpreter running a 16-op program
;; (8 opcodes on an i64 accumulator) for four million steps.
(module
  (memory 1)
  (data (i32.const 0) "\00\01\02\03\04\05\06\01\03\02\00\05\04\06\02\07")
  (func (export "run") (result i64)
    (local $pc i32) (local $acc i64) (local $n i32) (local $op i32)
    (loop $next
      (local.set $op (i32.load8_u (i32.and (local.get $pc) (i32.const 15))))
      (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
      (block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
        (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 (local.get $op)))
        (local.set $acc (i64.add (local.get $acc) (i64.const 3))) (br $b7))
        (local.set $acc (i64.mul (local.get $acc) (i64.const 5))) (br $b7))
        (local.set $acc (i64.xor (local.get $acc) (i64.const 0x55))) (br $b7))
        (local.set $acc (i64.rotl (local.get $acc) (i64.const 3))) (br $b7))
        (local.set $acc (i64.sub (local.get $acc) (i64.extend_i32_u (local.get $pc)))) (br $b7))
        (local.set $acc (i64.add (local.get $acc) (i64.shr_u (local.get $acc) (i64.const 7)))) (br $b7))
        (local.set $acc (i64.and (local.get $acc) (i64.const 0xffffffffffff))) (br $b7))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $n) (i32.const 4000000))))
    (local.get $acc)))
