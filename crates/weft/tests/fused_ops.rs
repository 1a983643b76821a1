//! The threaded engine's fused ops (`op/fused.rs`: a binary op with the
//! load that feeds it or the store that takes its result, a shift xor-ed
//! into its operand, a loop's step and test, and the others), the
//! accumulator as a right-hand operand, and immediate
//! float operands (a constant on either side of a commutative op) give
//! what the two wasm instructions give on the reference engine: the same
//! values, the same NaN bits (where one operand is a NaN), the same
//! memory, and a trap at the same instruction — the load's when the load
//! is out of bounds, the store's when the store is.

use weft::{Config, Engine, EngineKind, Linker, Module, Store, Val};

const MODULE: &str = r#"(module
    (memory 1)
    (data (i32.const 0) "\01\00\00\00\02\00\00\00\ff\ff\ff\ff\ff\ff\ff\7f")
    ;; d = a op load
    (func (export "sub_load") (param $p i32) (param $x f64) (result f64)
        (f64.sub (local.get $x) (f64.load offset=8 (local.get $p))))
    ;; the load on the left of a commutative op
    (func (export "add_load_left") (param $p i32) (param $i i32) (result i32)
        (i32.add (i32.load offset=4 (local.get $p)) (local.get $i)))
    (func (export "sub_load_i64") (param $p i32) (param $i i64) (result i64)
        (i64.sub (local.get $i) (i64.load (local.get $p))))
    ;; store(p, a op b), then read back
    (func (export "mul_store") (param $p i32) (param $x f32) (param $y f32) (result f32)
        (f32.store offset=32 (local.get $p) (f32.mul (local.get $x) (local.get $y)))
        (f32.load offset=32 (local.get $p)))
    (func (export "sub_store") (param $p i32) (param $x f64) (param $y f64) (result i64)
        (f64.store offset=40 (local.get $p) (f64.sub (local.get $x) (local.get $y)))
        (i64.load offset=40 (local.get $p)))
    ;; constants on the left, NaN or not
    (func (export "const_left") (param $x f64) (result f64)
        (f64.mul (f64.const -2.5) (f64.add (f64.const 0.25) (local.get $x))))
    (func (export "nan_left") (param $x f64) (result f64)
        (f64.add (f64.const nan:0x4) (local.get $x)))
    (func (export "f32_imm") (param $x f32) (result f32)
        (f32.div (f32.sub (local.get $x) (f32.const 1.5)) (f32.const 3)))
    ;; xorshift steps: a shift by a constant xor-ed into its operand, by
    ;; counts past the width too (taken modulo it)
    (func (export "xorshift") (param $x i64) (result i64)
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
        (local.set $x (i64.xor (i64.shr_s (local.get $x) (i64.const 71)) (local.get $x)))
        (local.set $x (i64.xor (local.get $x) (i64.rotr (local.get $x) (i64.const 17))))
        (local.get $x))
    (func (export "xorshift32") (param $h i32) (result i32)
        (local.set $h (i32.mul (local.get $h) (i32.const 16777619)))
        (local.set $h (i32.xor (local.get $h) (i32.rotl (local.get $h) (i32.const 37))))
        (i32.xor (i32.shr_u (local.get $h) (i32.const 16)) (local.get $h)))
    ;; a walk over a zero-terminated i32 array at $p: an increment kept in
    ;; two locals, an element's address, a bit field, a bit test, and a
    ;; branch on a load
    (func (export "walk") (param $p i32) (result i32) (local $q i32) (local $n i32) (local $acc i32)
        (block $done
            (loop $l
                (br_if $done (i32.eqz (i32.load (local.get $p))))
                (local.set $acc (i32.add (local.get $acc)
                    (i32.and (i32.shr_u (i32.load (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 34))))
                                        (i32.const 33))
                             (i32.const 0x7f))))
                (if (i32.and (local.get $acc) (i32.const 1))
                    (then (local.set $acc (i32.xor (local.get $acc) (i32.const 0x100)))))
                (local.set $p (local.tee $q (i32.add (local.get $p) (i32.const 4))))
                (local.set $n (i32.and (i32.add (local.get $n) (local.get $q)) (i32.const 1)))
                (br_if $l (i32.load (local.get $p)))))
        (i32.add (local.get $acc) (local.get $n)))
    ;; loops whose step and test are one op: `i += 3` against a constant,
    ;; `j += k` against a local
    (func (export "steps") (param $i i32) (param $k i32) (param $n i32) (result i32) (local $j i32) (local $c i32)
        (loop $l
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 3)))
            (br_if $l (i32.lt_s (local.get $i) (i32.const 100))))
        (loop $m
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (local.set $j (i32.add (local.get $j) (local.get $k)))
            (br_if $m (i32.ne (local.get $j) (local.get $n))))
        (i32.add (local.get $c) (local.get $i)))
    ;; the right-hand operand from the op just before: a - acc, a / acc
    (func (export "rhs_acc") (param $a i64) (param $b i64) (param $x f64) (result i64 f64)
        (i64.sub (local.get $a) (i64.div_u (local.get $a) (i64.or (local.get $b) (i64.const 1))))
        (f64.div (local.get $x) (f64.sub (local.get $x) (f64.convert_i64_s (local.get $b)))))
    ;; a C function's stack-pointer prologue, then an element and a sum's
    ;; load (the address `a + b` wraps to 32 bits before the offset)
    (global $sp (mut i32) (i32.const 1024))
    (func (export "frame") (param $i i32) (param $x i32) (result i32 i32 i32 i32) (local $fp i32)
        (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
        (local.get $fp)
        (global.get $sp)
        (i32.load offset=4 (i32.add (i32.const 0) (i32.shl (local.get $i) (i32.const 2))))
        (i32.load offset=8 (i32.add (local.get $x) (local.get $i))))
    ;; `i64.eqz` then a branch: all 64 bits are tested, not the low 32
    (func (export "eqz64") (param $n i64) (result i32) (local $r i32)
        (block $b
            (br_if $b (i64.eqz (local.get $n)))
            (local.set $r (i32.const 1)))
        (if (i64.eqz (i64.sub (local.get $n) (i64.const 1)))
            (then (local.set $r (i32.add (local.get $r) (i32.const 10)))))
        (local.get $r))
    ;; calls whose argument moves (local copies, constants of every
    ;; type) are done by the call op, directly and through a table
    (type $sum (func (param i32 i64 f64 i32) (result f64)))
    (table 2 funcref)
    (elem (i32.const 0) $sum)
    (func $sum (type $sum) (param $a i32) (param $b i64) (param $x f64) (param $c i32) (result f64)
        (f64.add (f64.add (f64.convert_i32_s (i32.sub (local.get $a) (local.get $c)))
                          (f64.convert_i64_s (local.get $b)))
                 (local.get $x)))
    (func (export "call_moves") (param $i i32) (param $x f64) (param $k i32) (result f64 f64 f64)
        (call $sum (local.get $i) (i64.const -5000000000) (local.get $x) (i32.const 3))
        (call $sum (i32.const -7) (i64.extend_i32_s (local.get $i)) (f64.const -0.5) (local.get $i))
        (call_indirect (type $sum) (local.get $i) (i64.const 2) (f64.const nan:0x8) (local.get $i) (local.get $k)))
;; moves next to loads and branches: a phi move then a load through
    ;; it, a load then a move, a load kept in a local and tested, a move
    ;; tested, three moves in a row
    (func (export "moves") (param $p i32) (param $x i32) (result i32 i32 i32 i32)
        (local $q i32) (local $v i32) (local $w i32) (local $r i32)
        (local.set $q (local.get $p))
        (local.set $v (i32.load offset=4 (local.get $q)))
        (local.set $w (local.get $x))
        (block $b
            (br_if $b (i32.eqz (local.tee $r (i32.load offset=8 (local.get $p)))))
            (br_if $b (local.tee $r (local.get $x)))
            (local.set $r (i32.const 99)))
        (local.set $x (local.get $v))
        (local.set $v (local.get $w))
        (local.set $w (local.get $x))
        (local.get $v) (local.get $w) (local.get $r) (local.get $q))
    (func (export "moves2") (param $p i32) (param $x i32) (result i32 i32 i32)
        (local $v i32) (local $w i32) (local $r i32)
        (local.set $v (i32.load offset=4 (local.get $p)))
        (local.set $w (local.get $x))
        (block $b
            (br_if $b (i32.eqz (local.tee $r (i32.load offset=8 (local.get $p)))))
            (local.set $r (i32.add (local.get $r) (i32.const 1))))
        (local.get $v) (local.get $w) (local.get $r))
    ;; `select` of two constants: immediates when both fit 32 bits
    (func (export "select_consts") (param $c i32) (result i32 i64 f32 i64)
        (select (i32.const -1) (i32.const 7) (local.get $c))
        (select (i64.const 4000000000) (i64.const 0) (i32.eqz (local.get $c)))
        (select (f32.const -0.5) (f32.const nan:0x7) (local.get $c))
        (select (i64.const -1) (i64.const 2) (local.get $c)))
    ;; two memory accesses in one op: a pointer followed, values copied in
    ;; memory; a trap reports the access that trapped
    (func (export "chase") (param $p i32) (result i32)
        (i32.load offset=4 (i32.load (local.get $p))))
    (func (export "mem_copy") (param $src i32) (param $dst i32) (result i64 i32)
        (i64.store offset=8 (local.get $dst) (i64.load (local.get $src)))
        (i32.store (local.get $dst) (i32.load offset=4 (local.get $src)))
        (i64.load offset=8 (local.get $dst))
        (i32.load (local.get $dst)))
    ;; a test and the load on its fall-through path (`if (p) x = *p`)
    (func (export "guarded") (param $p i32) (result i32) (local $x i32)
        (block $b
            (br_if $b (i32.eqz (local.get $p)))
            (local.set $x (i32.load offset=4 (local.get $p))))
        (block $c
            (br_if $c (local.get $x))
            (local.set $x (i32.add (local.get $x) (i32.load (local.get $p)))))
        (local.get $x))
    (func (export "rem_by_zero") (param $a i32) (param $b i32) (result i32)
        (i32.rem_s (local.get $a) (i32.and (local.get $b) (i32.const 0))))
)"#;

fn instance(kind: EngineKind) -> (Store<()>, weft::Instance) {
    let mut config = Config::new();
    config.engine_kind(kind);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, MODULE).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    (store, instance)
}

/// The results (as raw bits) or the trap message with its backtrace, on
/// `kind`.
fn call(kind: EngineKind, name: &str, args: &[Val]) -> Result<Vec<u128>, String> {
    let (mut store, instance) = instance(kind);
    let func = instance.get_func(name).unwrap();
    let mut results = vec![Val::I32(0); func.ty(&store).unwrap().results().len()];
    match func.call(&mut store, args, &mut results) {
        Ok(()) => Ok(results.iter().map(bits).collect()),
        Err(e) => {
            let trap = e.as_trap().expect("a trap");
            Err(format!("{} at {:?}", trap.kind(), trap.backtrace().first().and_then(|f| f.offset)))
        }
    }
}

fn bits(v: &Val) -> u128 {
    match *v {
        Val::I32(x) => u128::from(x as u32),
        Val::I64(x) => u128::from(x as u64),
        Val::F32(x) => u128::from(x),
        Val::F64(x) => u128::from(x),
        ref other => panic!("unexpected result {other:?}"),
    }
}

fn both(name: &str, args: &[Val]) -> Result<Vec<u128>, String> {
    let threaded = call(EngineKind::Threaded, name, args);
    let reference = call(EngineKind::Reference, name, args);
    assert_eq!(threaded, reference, "{name}{args:?}: the engines disagree");
    threaded
}

fn f64v(x: f64) -> Val {
    Val::F64(x.to_bits())
}

fn f32v(x: f32) -> Val {
    Val::F32(x.to_bits())
}

#[test]
fn fused_loads_compute_what_the_two_instructions_do() {
    // f64 at 8 is 0x7fffffffffffffff: a NaN with every payload bit set.
    let r = both("sub_load", &[Val::I32(0), f64v(1.0)]).unwrap();
    assert_eq!(r, vec![0x7fff_ffff_ffff_ffff]);
    assert_eq!(both("add_load_left", &[Val::I32(0), Val::I32(40)]).unwrap(), vec![42]);
    assert_eq!(
        both("sub_load_i64", &[Val::I32(0), Val::I64(10)]).unwrap(),
        vec![(10u64.wrapping_sub(0x2_0000_0001)) as u128]
    );
}

#[test]
fn fused_stores_write_what_the_two_instructions_do() {
    assert_eq!(
        both("mul_store", &[Val::I32(0), f32v(1.5), f32v(-4.0)]).unwrap(),
        vec![u128::from((-6.0f32).to_bits())]
    );
    let nan = f64::from_bits(0x7ff8_0000_0000_0abc);
    assert_eq!(both("sub_store", &[Val::I32(8), f64v(nan), f64v(1.0)]).unwrap(), vec![0x7ff8_0000_0000_0abc]);
}

#[test]
fn immediates_on_either_side_keep_values_and_nan_bits() {
    assert_eq!(both("const_left", &[f64v(1.75)]).unwrap(), vec![u128::from((-5.0f64).to_bits())]);
    assert_eq!(both("nan_left", &[f64v(2.0)]).unwrap(), vec![0x7ff8_0000_0000_0004]);
    // Two NaNs: which payload survives is nondeterministic in wasm; each
    // engine returns one of the two.
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let r = call(kind, "nan_left", &[f64v(f64::from_bits(0x7ff8_0000_0000_0001))]).unwrap();
        assert!([0x7ff8_0000_0000_0001, 0x7ff8_0000_0000_0004].contains(&r[0]), "{kind:?}: {:#x}", r[0]);
    }
    assert_eq!(both("f32_imm", &[f32v(7.5)]).unwrap(), vec![u128::from(2.0f32.to_bits())]);
}

#[test]
fn xor_shift_steps_compute_what_the_two_instructions_do() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    x ^= x << 13;
    x ^= ((x as i64) >> (71 % 64)) as u64;
    x ^= x.rotate_right(17);
    assert_eq!(both("xorshift", &[Val::I64(0x9e37_79b9_7f4a_7c15u64 as i64)]).unwrap(), vec![u128::from(x)]);
    let mut h = 0x811c_9dc5u32.wrapping_mul(16_777_619);
    h ^= h.rotate_left(37 % 32);
    h ^= h >> 16;
    assert_eq!(both("xorshift32", &[Val::I32(0x811c_9dc5u32 as i32)]).unwrap(), vec![u128::from(h)]);
}

#[test]
fn fused_address_bit_field_and_branch_pairs_compute_what_the_instructions_do() {
    // The data's words: 1, 2, -1, 0x7fffffff, then zeros.
    let words: [u32; 4] = [1, 2, 0xffff_ffff, 0x7fff_ffff];
    let (mut acc, mut n, mut p) = (0u32, 0u32, 0u32);
    loop {
        let word = |at: u32| words.get(at as usize / 4).copied().unwrap_or(0);
        if word(p) == 0 {
            break;
        }
        acc = acc.wrapping_add((word(p.wrapping_add(n << 2)) >> 1) & 0x7f);
        if acc & 1 != 0 {
            acc ^= 0x100;
        }
        p += 4;
        n = (n + p) & 1;
        if word(p) == 0 {
            break;
        }
    }
    assert_eq!(both("walk", &[Val::I32(0)]).unwrap(), vec![u128::from(acc.wrapping_add(n))]);
    // Starting past the end of memory: the first load traps, on both
    // engines at the same instruction.
    let trap = both("walk", &[Val::I32(65536)]).unwrap_err();
    assert!(trap.contains("out of bounds"), "{trap}");
}

#[test]
fn a_loops_step_and_test_compute_what_the_instructions_do() {
    // `i` from 90 by 3 while below 100; `j` by 2^30 until it wraps to 0.
    let (mut i, mut c) = (90i32, 0i32);
    loop {
        c += 1;
        i += 3;
        if i >= 100 {
            break;
        }
    }
    let mut j = 0i32;
    loop {
        c += 1;
        j = j.wrapping_add(1 << 30);
        if j == 0 {
            break;
        }
    }
    assert_eq!((c, i), (4 + 4, 102));
    let r = both("steps", &[Val::I32(90), Val::I32(1 << 30), Val::I32(0)]).unwrap();
    assert_eq!(r, vec![u128::from((c + i) as u32)]);
}

#[test]
fn the_right_hand_operand_can_come_from_the_op_before() {
    let (a, b, x) = (1_000_003i64, 12i64, 2.5f64);
    let expected_i = a.wrapping_sub(((a as u64) / ((b | 1) as u64)) as i64);
    let expected_f = x / (x - b as f64);
    let r = both("rhs_acc", &[Val::I64(a), Val::I64(b), f64v(x)]).unwrap();
    assert_eq!(r, vec![u128::from(expected_i as u64), u128::from(expected_f.to_bits())]);
    let trap = both("rem_by_zero", &[Val::I32(5), Val::I32(9)]).unwrap_err();
    assert!(trap.contains("divide by zero"), "{trap}");
}

#[test]
fn a_prologue_and_computed_loads_compute_what_the_instructions_do() {
    // Words at 0..16: 1, 2, 0xffffffff, 0x7fffffff.
    let r = both("frame", &[Val::I32(1), Val::I32(-1)]).unwrap();
    // fp = sp = 1008; load(0 + (1 << 2) + 4) = word 2; load((-1 + 1) + 8).
    assert_eq!(r, vec![1008, 1008, 0xffff_ffff, 0xffff_ffff]);
    // `x + i` wraps to 0xfffffffc: that plus the offset is out of bounds.
    let trap = both("frame", &[Val::I32(0), Val::I32(-4)]).unwrap_err();
    assert!(trap.contains("out of bounds"), "{trap}");
}

#[test]
fn a_fused_op_traps_at_the_instruction_that_accessed_memory() {
    let load = both("sub_load", &[Val::I32(65530), f64v(1.0)]).unwrap_err();
    let store = both("sub_store", &[Val::I32(65530), f64v(1.0), f64v(2.0)]).unwrap_err();
    assert!(load.contains("out of bounds"), "{load}");
    assert!(store.contains("out of bounds"), "{store}");
    // Each engine's offset is the access's own (checked equal above), and
    // the two functions' are different instructions.
    assert_ne!(load, store);
}

#[test]
fn i64_eqz_branches_test_all_64_bits() {
    for (n, expected) in [(0i64, 0u128), (1, 11), (1 << 32, 1), (-1, 1), ((1 << 32) + 1, 1)] {
        assert_eq!(both("eqz64", &[Val::I64(n)]).unwrap(), vec![expected], "n = {n:#x}");
    }
}

#[test]
fn argument_moves_done_by_the_call_pass_what_the_instructions_do() {
    let r = both("call_moves", &[Val::I32(10), f64v(0.25), Val::I32(0)]).unwrap();
    let first = f64::from(10 - 3) + -5_000_000_000f64 + 0.25;
    let second = f64::from(-7 - 10) + 10.0 - 0.5;
    assert_eq!(r[..2], [u128::from(first.to_bits()), u128::from(second.to_bits())]);
    // NaN plus numbers: the NaN, quieted (its payload kept).
    assert_eq!(r[2], 0x7ff8_0000_0000_0008);
    // Through an empty element and out of the table: the same traps.
    for k in [1, 2] {
        let trap = both("call_moves", &[Val::I32(10), f64v(0.25), Val::I32(k)]).unwrap_err();
        assert!(trap.contains("element"), "{trap}");
    }
}

#[test]
fn moves_fused_with_loads_and_branches_do_what_the_instructions_do() {
    // Words at 0..16: 1, 2, 0xffffffff, 0x7fffffff. At 4: 2; at 8: -1.
    let r = both("moves", &[Val::I32(0), Val::I32(0)]).unwrap();
    // v = 2, w = 0; the load at 8 is -1 (not zero), r = x = 0 (zero, no
    // branch), so r = 99; then v, w = w, v.
    assert_eq!(r, vec![0, 2, 99, 0]);
    let r = both("moves", &[Val::I32(4), Val::I32(5)]).unwrap();
    // v = load(8) = -1, w = 5; load(12) = 0x7fffffff, r = 5 (branch).
    assert_eq!(r, vec![5, 0xffff_ffff, 5, 4]);
    let r = both("moves", &[Val::I32(8), Val::I32(0)]).unwrap();
    // v = load(12); load(16) = 0: the branch, r = 0.
    assert_eq!(r, vec![0, 0x7fff_ffff, 0, 8]);
    // A load then a move; a load kept in a local and tested.
    assert_eq!(both("moves2", &[Val::I32(0), Val::I32(7)]).unwrap(), vec![2, 7, 0]);
    assert_eq!(both("moves2", &[Val::I32(8), Val::I32(7)]).unwrap(), vec![0x7fff_ffff, 7, 0]);
    assert_eq!(both("moves2", &[Val::I32(4), Val::I32(7)]).unwrap(), vec![0xffff_ffff, 7, 0x8000_0000]);
    for p in [65_532, 65_528] {
        let trap = both("moves2", &[Val::I32(p), Val::I32(0)]).unwrap_err();
        assert!(trap.contains("out of bounds"), "{trap}");
    }
    // The load through the moved address traps; then the second load.
    for p in [65_532, 65_528] {
        let trap = both("moves", &[Val::I32(p), Val::I32(0)]).unwrap_err();
        assert!(trap.contains("out of bounds"), "{trap}");
    }
}

#[test]
fn select_of_constants_picks_what_select_does() {
    let r = both("select_consts", &[Val::I32(3)]).unwrap();
    assert_eq!(r, vec![0xffff_ffff, 0, u128::from((-0.5f32).to_bits()), u128::from(u64::MAX)]);
    let r = both("select_consts", &[Val::I32(0)]).unwrap();
    assert_eq!(r, vec![7, 4_000_000_000, 0x7f80_0007, 2]);
}

#[test]
fn two_accesses_in_one_op_trap_at_the_access_that_traps() {
    // Words at 0..16: 1, 2, 0xffffffff, 0x7fffffff.
    assert_eq!(both("chase", &[Val::I32(0)]).unwrap(), vec![0xff00_0000]);
    assert_eq!(both("chase", &[Val::I32(4)]).unwrap(), vec![0xffff_0000]);
    let r = both("mem_copy", &[Val::I32(8), Val::I32(32)]).unwrap();
    assert_eq!(r, vec![0x7fff_ffff_ffff_ffff, 0x7fff_ffff]);
    // The first access traps, then the second (`both` compares the
    // offsets the engines report).
    for p in [65_534, 8] {
        let trap = both("chase", &[Val::I32(p)]).unwrap_err();
        assert!(trap.contains("out of bounds"), "{trap}");
    }
    for (src, dst) in [(65_534, 0), (0, 65_530)] {
        let trap = both("mem_copy", &[Val::I32(src), Val::I32(dst)]).unwrap_err();
        assert!(trap.contains("out of bounds"), "{trap}");
    }
    let first = both("chase", &[Val::I32(65_534)]).unwrap_err();
    let second = both("chase", &[Val::I32(8)]).unwrap_err();
    assert_ne!(first, second, "the two loads have their own offsets");
}

#[test]
fn a_branch_and_the_load_after_it_do_what_the_instructions_do() {
    // Words at 0..16: 1, 2, 0xffffffff, 0x7fffffff.
    assert_eq!(both("guarded", &[Val::I32(0)]).unwrap(), vec![1]);
    assert_eq!(both("guarded", &[Val::I32(4)]).unwrap(), vec![0xffff_ffff]);
    assert_eq!(both("guarded", &[Val::I32(16)]).unwrap(), vec![0]);
    let trap = both("guarded", &[Val::I32(65_534)]).unwrap_err();
    assert!(trap.contains("out of bounds"), "{trap}");
}
