//! `v128` runs natively on the threaded engine: modules with `v128`
//! parameters, results, locals, globals, block results, calls (to wasm,
//! to the host with `v128` arguments, through tables) and the vector
//! instructions translate fully (no function falls back to the reference
//! engine), and their results agree with the reference engine's.

use weft::raw::threaded::translate_all;
use weft::{Config, Engine, EngineKind, FuncType, Linker, Module, Store, Val, ValType};

/// Translates every function of `wat` and asserts none fell back.
fn assert_native(name: &str, wat: &str) {
    let module = Module::new(&Engine::default(), wat).unwrap_or_else(|e| panic!("{name}: {e}"));
    let stats = translate_all(&module);
    assert!(stats.functions > 0, "{name}: no functions");
    assert_eq!(stats.translated, stats.functions, "{name}: some functions fall back: {stats:?}");
}

/// Calls export `func` with `args` on `kind`: its results, or the trap
/// message. The host import `env.mix` takes and returns `v128`s.
fn run(kind: EngineKind, wat: &str, func: &str, args: &[Val]) -> Result<Vec<Val>, String> {
    let mut config = Config::default();
    config.engine_kind(kind);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, wat).unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_new(
            "env",
            "mix",
            FuncType::new([ValType::V128, ValType::I32, ValType::V128], [ValType::V128, ValType::I64]),
            |_, args, results| {
                let (Val::V128(a), Val::I32(k), Val::V128(b)) = (args[0], args[1], args[2]) else {
                    panic!("argument types: {args:?}");
                };
                results[0] = Val::V128(a.rotate_left(k as u32) ^ b);
                results[1] = Val::I64((a >> 64) as i64);
                Ok(())
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let f = instance.get_func(func).unwrap();
    let mut results = vec![Val::I32(0); f.ty(&store).unwrap().results().len()];
    f.call(&mut store, args, &mut results).map_err(|t| t.message())?;
    Ok(results)
}

/// Asserts both engines agree on `func(args)`, and returns the result.
fn agree(wat: &str, func: &str, args: &[Val]) -> Result<Vec<Val>, String> {
    let threaded = run(EngineKind::Threaded, wat, func, args);
    let reference = run(EngineKind::Reference, wat, func, args);
    assert_eq!(threaded, reference, "{func}({args:?})");
    threaded
}

const V: u128 = 0x0011_2233_4455_6677_8899_aabb_ccdd_eeff;
const W: u128 = 0xfedc_ba98_7654_3210_0123_4567_89ab_cdef;

const MODULE: &str = r#"(module
    (import "env" "mix" (func $mix (param v128 i32 v128) (result v128 i64)))
    (memory 1)
    (global $g (mut v128) (v128.const i32x4 1 2 3 4))
    (type $vv (func (param v128 v128) (result v128)))
    (table funcref (elem $add $sub))

    (func $add (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
    (func $sub (param v128 v128) (result v128) (i32x4.sub (local.get 0) (local.get 1)))
    (func (export "id") (param v128) (result v128) (local.get 0))
    (func (export "swap") (param v128 v128) (result v128 v128) (local.get 1) (local.get 0))
    (func (export "mixed") (param i32 v128 i64 v128) (result i64 v128 i32)
        (local.get 2) (v128.xor (local.get 1) (local.get 3)) (local.get 0))
    (func (export "call") (param v128 v128) (result v128)
        (call $add (local.get 0) (call $sub (local.get 1) (local.get 0))))
    (func (export "indirect") (param v128 v128 i32) (result v128)
        (call_indirect (type $vv) (local.get 0) (local.get 1) (local.get 2)))
    (func (export "host") (param v128 v128) (result v128 i64)
        (call $mix (local.get 0) (i32.const 8) (local.get 1)))
    (func (export "global") (param v128) (result v128)
        (local $old v128)
        (local.set $old (global.get $g))
        (global.set $g (i32x4.add (global.get $g) (local.get 0)))
        (v128.or (local.get $old) (global.get $g)))
    (func (export "locals") (param i32) (result v128)
        (local $acc v128) (local $i i32)
        (local.set $acc (v128.const i64x2 7 9))
        (block $done
            (loop $l
                (br_if $done (i32.ge_u (local.get $i) (local.get 0)))
                (local.set $acc (i64x2.add (local.get $acc) (i64x2.splat (i64.extend_i32_u (local.get $i)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $l)))
        (local.get $acc))
    (func (export "blocks") (param v128 i32) (result v128)
        (block (result v128)
            (if (result v128) (local.get 1)
                (then (f32x4.mul (local.get 0) (local.get 0)))
                (else (br 1 (f32x4.neg (local.get 0)))))))
    (func (export "select") (param v128 v128 i32) (result v128)
        (select (local.get 0) (local.get 1) (local.get 2)))
    (func (export "typed_select") (param v128 v128 i32) (result v128)
        (select (result v128) (local.get 0) (local.get 1) (local.get 2)))
    (func (export "br_table") (param v128 i32) (result v128)
        (block (result v128)
            (block (result v128)
                (br_table 0 1 (i8x16.abs (local.get 0)) (local.get 1)))
            (i16x8.neg)))
    (func (export "memory") (param v128 i32) (result v128 i32 i64)
        (v128.store offset=16 (local.get 1) (local.get 0))
        (v128.store8_lane 3 (i32.const 100) (local.get 0))
        (v128.load offset=16 (local.get 1))
        (i32.load8_u (i32.const 100))
        (i64x2.extract_lane 1 (v128.load32x2_s offset=16 (local.get 1))))
    (func (export "lanes") (param v128 v128) (result v128)
        (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get 0) (local.get 1))
        (i32x4.replace_lane 2 (i32.const -1))
        (v128.bitselect (local.get 1) (local.get 0))
        (i8x16.swizzle (v128.const i8x16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0)))
    (func (export "tests") (param v128) (result i32 i32 i32 i32)
        (v128.any_true (local.get 0))
        (i8x16.all_true (local.get 0))
        (i16x8.bitmask (local.get 0))
        (f32x4.extract_lane 3 (local.get 0)) (i32.trunc_sat_f32_s))
    (func (export "arith") (param v128 v128) (result v128)
        (f64x2.add (local.get 0) (local.get 1))
        (i32x4.shl (i32.const 3))
        (i16x8.narrow_i32x4_s (local.get 1))
        (i32x4.dot_i16x8_s (local.get 0))
        (f32x4.relaxed_madd (local.get 0) (local.get 1))
        (i32x4.relaxed_trunc_f32x4_s)
        (i8x16.relaxed_laneselect (local.get 0) (local.get 1)))
    (func (export "splats") (result v128 v128 v128 v128 v128 v128)
        (i8x16.splat (i32.const -3)) (i16x8.splat (i32.const 70000)) (i32x4.splat (i32.const -5))
        (i64x2.splat (i64.const -7)) (f32x4.splat (f32.const -0.5)) (f64x2.splat (f64.const 1e300)))
    (func (export "oob") (param i32) (result v128) (v128.load (local.get 0))))"#;

#[test]
fn v128_code_is_native() {
    assert_native("simd module", MODULE);
}

#[test]
fn v128_results_agree_with_the_reference_engine() {
    let (v, w) = (Val::V128(V), Val::V128(W));
    assert_eq!(agree(MODULE, "id", &[v]), Ok(vec![v]));
    assert_eq!(agree(MODULE, "swap", &[v, w]), Ok(vec![w, v]));
    assert_eq!(
        agree(MODULE, "mixed", &[Val::I32(5), v, Val::I64(-3), w]),
        Ok(vec![Val::I64(-3), Val::V128(V ^ W), Val::I32(5)])
    );
    agree(MODULE, "call", &[v, w]).unwrap();
    for i in 0..2 {
        agree(MODULE, "indirect", &[v, w, Val::I32(i)]).unwrap();
    }
    assert_eq!(agree(MODULE, "indirect", &[v, w, Val::I32(2)]), Err("undefined element".to_string()));
    assert_eq!(agree(MODULE, "host", &[v, w]), Ok(vec![Val::V128(V.rotate_left(8) ^ W), Val::I64((V >> 64) as i64)]));
    agree(MODULE, "global", &[w]).unwrap();
    agree(MODULE, "locals", &[Val::I32(1000)]).unwrap();
    for c in 0..2 {
        agree(MODULE, "blocks", &[v, Val::I32(c)]).unwrap();
        agree(MODULE, "select", &[v, w, Val::I32(c)]).unwrap();
        agree(MODULE, "typed_select", &[v, w, Val::I32(c)]).unwrap();
    }
    for i in 0..3 {
        agree(MODULE, "br_table", &[v, Val::I32(i)]).unwrap();
    }
    agree(MODULE, "memory", &[v, Val::I32(40)]).unwrap();
    agree(MODULE, "lanes", &[v, w]).unwrap();
    agree(MODULE, "tests", &[v]).unwrap();
    agree(MODULE, "tests", &[Val::V128(0)]).unwrap();
    agree(MODULE, "arith", &[v, w]).unwrap();
    agree(MODULE, "splats", &[]).unwrap();
    assert_eq!(agree(MODULE, "oob", &[Val::I32(65530)]), Err("out of bounds memory access".to_string()));
}

/// The kitchen-sink loop of `threaded_stack.rs` relies on its `v128`
/// function being threaded code.
#[test]
fn scalar_signature_v128_body_is_native() {
    let wat = r#"(module (memory 1)
        (func (export "f") (param i32) (result i32)
            (i32x4.extract_lane 1 (i32x4.add (i32x4.splat (local.get 0)) (v128.load (i32.const 0))))))"#;
    assert_native("scalar signature", wat);
    assert_eq!(agree(wat, "f", &[Val::I32(41)]), Ok(vec![Val::I32(41)]));
}

/// Vector loads and stores on a second memory and a 64-bit one (the
/// `VMemExt` op), bounds checks included.
#[test]
fn v128_on_other_memories_is_native() {
    let wat = r#"(module
        (memory $m0 1)
        (memory $m1 1)
        (memory $m64 i64 1)
        (func (export "f") (param $x v128) (param $a i32) (result v128 v128 i64)
            (v128.store $m1 offset=3 (local.get $a) (local.get $x))
            (v128.store $m64 (i64.extend_i32_u (local.get $a)) (i8x16.neg (local.get $x)))
            (v128.store16_lane $m1 5 (i32.const 200) (local.get $x))
            (v128.load $m1 offset=3 (local.get $a))
            (v128.load8_lane $m64 9 (i64.const 3) (v128.load16x4_s $m1 (i32.const 200)))
            (i64x2.extract_lane 0 (v128.load64_splat $m64 (i64.extend_i32_u (local.get $a)))))
        (func (export "oob") (param $a i64) (result v128) (v128.load $m64 offset=4 (local.get $a))))"#;
    assert_native("other memories", wat);
    agree(wat, "f", &[Val::V128(V), Val::I32(17)]).unwrap();
    assert_eq!(agree(wat, "f", &[Val::V128(V), Val::I32(65530)]), Err("out of bounds memory access".to_string()));
    assert_eq!(agree(wat, "oob", &[Val::I64(65520)]), Err("out of bounds memory access".to_string()));
    agree(wat, "oob", &[Val::I64(65516)]).unwrap();
}

/// A binary op fused with the `v128.load` or `v128.const` before it
/// (`VBinLoad`, `VBinConst`) computes what the two instructions do, and
/// the load still traps out of bounds.
#[test]
fn fused_pairs_agree_and_trap() {
    let wat = r#"(module (memory 1)
        (data (i32.const 16) "\00\00\80\3f\00\00\00\40\00\00\40\40\00\00\80\c0")
        (func (export "mul") (param i32 v128) (result v128)
            (f32x4.mul (local.get 1) (v128.load offset=16 (local.get 0))))
        (func (export "mask") (param v128) (result v128)
            (v128.and (local.get 0) (v128.const i64x2 0xff 0xff00))))"#;
    assert_native("fused", wat);
    let twos = Val::V128(0x4000_0000_4000_0000_4000_0000_4000_0000);
    let r = agree(wat, "mul", &[Val::I32(0), twos]).unwrap();
    assert_eq!(r, [Val::V128(0xc100_0000_40c0_0000_4080_0000_4000_0000)]);
    let err = agree(wat, "mul", &[Val::I32(65536 - 16), twos]).unwrap_err();
    assert!(err.contains("out of bounds"), "{err}");
    assert_eq!(agree(wat, "mask", &[Val::V128(V)]).unwrap(), [Val::V128(V & ((0xff00 << 64) | 0xff))]);
}

/// `f32x4.mul` of a load then `f32x4.add` of a local, one op on the
/// threaded engine (`VF32x4MulAddLoad`), rounds twice as the two
/// instructions do (no fused multiply-add), keeps NaNs as the reference
/// engine does and traps out of bounds.
#[test]
fn multiply_load_add_agrees_and_traps() {
    // Memory at 16: f32 3.0, 3.0, 1e38, -2.0.
    let wat = r#"(module (memory 1)
        (data (i32.const 16) "\00\00\40\40\00\00\40\40\99\76\96\7e\00\00\00\c0")
        (func (export "f") (param i32 v128 v128) (result v128)
            (local.set 2 (f32x4.add (f32x4.mul (local.get 1) (v128.load offset=16 (local.get 0))) (local.get 2)))
            (local.get 2)))"#;
    assert_native("mul_add", wat);
    let lanes = |l: [f32; 4]| {
        let mut b = [0u8; 16];
        for (i, x) in l.iter().enumerate() {
            b[4 * i..4 * i + 4].copy_from_slice(&x.to_le_bytes());
        }
        Val::V128(u128::from_le_bytes(b))
    };
    // Lane 0: 0.33333334 * 3 rounds to 1.0, minus 1.0 is 0 (a fused
    // multiply-add would give 2.98e-8); lane 2 overflows to infinity.
    let x = lanes([f32::from_bits(0x3eaa_aaab), f32::NAN, 1e38, -0.0]);
    let c = lanes([-1.0, 2.0, 1.0, -0.0]);
    let r = agree(wat, "f", &[Val::I32(0), x, c]).unwrap();
    let Val::V128(bits) = r[0] else { panic!("{r:?}") };
    let out = bits.to_le_bytes();
    let lane = |i: usize| f32::from_le_bytes(out[4 * i..4 * i + 4].try_into().unwrap());
    assert_eq!((lane(0), lane(2), lane(3)), (0.0, f32::INFINITY, 0.0), "{r:?}");
    assert!(lane(1).is_nan(), "{r:?}");
    let err = agree(wat, "f", &[Val::I32(65536 - 16), x, c]).unwrap_err();
    assert!(err.contains("out of bounds"), "{err}");
}

/// A load whose address is `i32.add` of an immediate carries the
/// immediate (`VLoad`/`VBinLoad` `add`) and still wraps the sum modulo
/// 2^32 before adding the offset, as the `i32.add` did.
#[test]
fn folded_address_immediates_wrap_like_i32_add() {
    let wat = r#"(module (memory 1)
        (data (i32.const 16) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
        (func (export "load") (param i32) (result v128)
            (v128.load offset=8 (i32.add (local.get 0) (i32.const 40))))
        (func (export "xor") (param i32 v128) (result v128)
            (v128.xor (local.get 1) (v128.load offset=8 (i32.add (local.get 0) (i32.const 40))))))"#;
    assert_native("folded", wat);
    let bytes = Val::V128(u128::from_le_bytes(std::array::from_fn(|i| i as u8 + 1)));
    // -32 + 40 wraps to 8; + offset 8 is address 16.
    assert_eq!(agree(wat, "load", &[Val::I32(-32)]).unwrap(), [bytes]);
    assert_eq!(agree(wat, "xor", &[Val::I32(-32), Val::V128(0)]).unwrap(), [bytes]);
    let err = agree(wat, "load", &[Val::I32(65536 - 48)]).unwrap_err();
    assert!(err.contains("out of bounds"), "{err}");
}

/// Shifts by a constant (`VShiftImm`) take the count modulo the lane
/// width as a shift by a slot does, for counts past the width, negative
/// and past 255 (only the low 8 bits are kept in the op).
#[test]
fn shifts_by_constants_agree() {
    let mut funcs = String::new();
    let shifts = ["i8x16.shl", "i8x16.shr_s", "i16x8.shr_u", "i32x4.shl", "i32x4.shr_u", "i64x2.shr_s", "i64x2.shl"];
    let counts = [0, 1, 7, 8, 9, 31, 33, 63, 64, 65, 255, 256, 257, -1, -63];
    for (i, shift) in shifts.iter().enumerate() {
        for (j, count) in counts.iter().enumerate() {
            funcs += &format!(
                "(func (export \"s{i}_{j}\") (param v128) (result v128) ({shift} (local.get 0) (i32.const {count})))\n"
            );
        }
    }
    let wat = format!("(module {funcs})");
    assert_native("shifts", &wat);
    for i in 0..shifts.len() {
        for j in 0..counts.len() {
            agree(&wat, &format!("s{i}_{j}"), &[Val::V128(V)]).unwrap();
            agree(&wat, &format!("s{i}_{j}"), &[Val::V128(W)]).unwrap();
        }
    }
}

/// The ops whose lane code runs in their handlers or with `pshufb`
/// (`v128.load32_splat`, splats, extracts, `i8x16.shuffle`,
/// `i8x16.swizzle` with indices in and out of range) agree with the
/// reference engine; the splatting load still traps out of bounds.
#[test]
fn inline_lane_ops_agree() {
    let wat = r#"(module (memory 1)
        (data (i32.const 16) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
        (func (export "splat_load") (param i32) (result v128) (v128.load32_splat offset=1 (local.get 0)))
        (func (export "splats") (param i32 i64) (result v128)
            (i8x16.add (i8x16.splat (local.get 0))
                (i16x8.add (i16x8.splat (local.get 0))
                    (i64x2.add (i64x2.splat (local.get 1)) (i32x4.splat (local.get 0))))))
        (func (export "extracts") (param v128) (result i64)
            (i64.add (i64.extend_i32_s (i8x16.extract_lane_s 15 (local.get 0)))
                (i64.add (i64.extend_i32_u (i16x8.extract_lane_u 3 (local.get 0)))
                    (i64.add (i64.extend_i32_u (i32x4.extract_lane 2 (local.get 0)))
                        (i64x2.extract_lane 1 (local.get 0))))))
        (func (export "shuffle") (param v128 v128) (result v128)
            (i8x16.shuffle 0 31 1 30 16 15 17 14 2 3 28 29 8 9 24 23 (local.get 0) (local.get 1)))
        (func (export "swizzle") (param v128 v128) (result v128) (i8x16.swizzle (local.get 0) (local.get 1))))"#;
    assert_native("inline", wat);
    for addr in [0, 15, 16, 100] {
        agree(wat, "splat_load", &[Val::I32(addr)]).unwrap();
    }
    let r = agree(wat, "splat_load", &[Val::I32(15)]).unwrap();
    assert_eq!(r, [Val::V128(0x0403_0201_0403_0201_0403_0201_0403_0201)]);
    let err = agree(wat, "splat_load", &[Val::I32(65536 - 4)]).unwrap_err();
    assert!(err.contains("out of bounds"), "{err}");
    for (x, y) in [(-1, -1), (0x1234_5678, 0x0102_0304_0506_0708), (7, i64::MIN)] {
        agree(wat, "splats", &[Val::I32(x), Val::I64(y)]).unwrap();
    }
    agree(wat, "extracts", &[Val::V128(V)]).unwrap();
    agree(wat, "extracts", &[Val::V128(W)]).unwrap();
    agree(wat, "shuffle", &[Val::V128(V), Val::V128(W)]).unwrap();
    // Indices 0..16 select, 16 and up (also with bit 7 set) give 0.
    let idx = u128::from_le_bytes([0, 15, 16, 17, 31, 32, 127, 128, 255, 1, 2, 3, 14, 0x8f, 0x70, 5]);
    let r = agree(wat, "swizzle", &[Val::V128(V), Val::V128(idx)]).unwrap();
    let v = V.to_le_bytes();
    let want = idx.to_le_bytes().map(|i| v.get(usize::from(i)).copied().unwrap_or(0));
    assert_eq!(r, [Val::V128(u128::from_le_bytes(want))]);
}

/// The three-op fusions agree with the reference engine: a shift by a
/// constant then a constant mask (every shift, by counts in and past the
/// lane width), and a byte count `c + ((x == y) & 1)` with `y` a vector
/// or a constant; also where a loop label lies between the ops (not
/// fused) and where the mask is not bytes of 1.
#[test]
fn shift_mask_and_count_fusions_agree() {
    let mut funcs = String::new();
    let shifts = [
        "i8x16.shl",
        "i8x16.shr_s",
        "i8x16.shr_u",
        "i16x8.shl",
        "i16x8.shr_s",
        "i16x8.shr_u",
        "i32x4.shl",
        "i32x4.shr_s",
        "i32x4.shr_u",
        "i64x2.shl",
        "i64x2.shr_s",
        "i64x2.shr_u",
    ];
    let counts = [0, 3, 8, 18, 33, 70];
    for (i, shift) in shifts.iter().enumerate() {
        for (j, count) in counts.iter().enumerate() {
            funcs += &format!(
                "(func (export \"m{i}_{j}\") (param v128) (result v128)
                    (v128.and ({shift} (local.get 0) (i32.const {count}))
                        (v128.const i32x4 0x0000003f 0x00003f00 0x003f0000 0xff00ff01)))\n"
            );
        }
    }
    let wat = format!(
        r#"(module
        {funcs}
        (func (export "count") (param v128 v128 v128) (result v128)
            (i8x16.add (local.get 2) (v128.and (i8x16.eq (local.get 0) (local.get 1)) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))))
        (func (export "count_const") (param v128 v128 v128) (result v128)
            (i8x16.add (local.get 2)
                (v128.and (i8x16.eq (local.get 0) (v128.const i8x16 0x11 0x22 0 0xff 0x11 0x22 0 0xff 0x11 0x22 0 0xff 0x77 0x66 0x55 0x44))
                    (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))))
        (func (export "count_in_place") (param v128 v128) (result v128)
            (i8x16.add (local.get 1) (v128.and (i8x16.eq (local.get 0) (local.get 0)) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))))
        (func (export "other_mask") (param v128 v128 v128) (result v128)
            (i8x16.add (local.get 2) (v128.and (i8x16.eq (local.get 0) (local.get 1)) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 3))))
        (func (export "label_between") (param v128 v128 v128 i32) (result v128)
            (local.get 2)
            (i8x16.eq (local.get 0) (local.get 1))
            (loop $l (param v128) (result v128)
                (v128.and (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))
                (br_if $l (i32.ne (local.tee 3 (i32.sub (local.get 3) (i32.const 1))) (i32.const 0))))
            (i8x16.add)))"#
    );
    assert_native("fusions", &wat);
    let module = Module::new(&Engine::default(), wat.as_str()).unwrap();
    let text = |f: u32| weft::raw::threaded::disassemble(&module, f).unwrap().unwrap();
    assert!(text(0).contains("VShiftAndConst"), "{}", text(0));
    let last = (shifts.len() * counts.len()) as u32;
    assert!(text(last).contains("VI8x16CountEq "), "{}", text(last));
    assert!(text(last + 1).contains("VI8x16CountEqConst"), "{}", text(last + 1));
    assert!(!text(last + 3).contains("VI8x16CountEq"), "{}", text(last + 3));
    assert!(!text(last + 4).contains("VI8x16CountEq"), "{}", text(last + 4));
    for i in 0..shifts.len() {
        for j in 0..counts.len() {
            agree(&wat, &format!("m{i}_{j}"), &[Val::V128(V)]).unwrap();
            agree(&wat, &format!("m{i}_{j}"), &[Val::V128(W)]).unwrap();
        }
    }
    // Equal bytes in some lanes: V with four bytes of W, and the constant's.
    let x = (V & !0xffff_0000_ffff) | (W & 0xffff_0000_ffff);
    let c = 0x0102_0304_0506_0708_ff00_7f80_fe01_0203;
    for f in ["count", "count_const", "other_mask"] {
        agree(&wat, f, &[Val::V128(x), Val::V128(W), Val::V128(c)]).unwrap();
        agree(&wat, f, &[Val::V128(0x4455_6677_ff00_2211_4455_6677_ff00_2211), Val::V128(W), Val::V128(c)]).unwrap();
    }
    let r = agree(&wat, "count", &[Val::V128(x), Val::V128(W), Val::V128(c)]).unwrap();
    let want: [u8; 16] =
        std::array::from_fn(|i| c.to_le_bytes()[i].wrapping_add(u8::from(x.to_le_bytes()[i] == W.to_le_bytes()[i])));
    assert_eq!(r, [Val::V128(u128::from_le_bytes(want))]);
    agree(&wat, "count_in_place", &[Val::V128(V), Val::V128(c)]).unwrap();
    for n in [1, 3] {
        agree(&wat, "label_between", &[Val::V128(x), Val::V128(W), Val::V128(c), Val::I32(n)]).unwrap();
    }
}

/// Two unary vector ops in a row are one op (`VUn2`) and agree with the
/// reference engine whichever of them runs inline; a `local.tee` between
/// them keeps them apart and the local set.
#[test]
fn unary_chains_agree() {
    let wat = r#"(module
        (func (export "popcnt_sum") (param v128) (result v128)
            (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (i8x16.popcnt (local.get 0)))))
        (func (export "widen_convert") (param v128) (result v128)
            (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_high_i8x16_s (local.get 0)))))
        (func (export "out_of_line_first") (param v128) (result v128)
            (i16x8.extend_low_i8x16_u (i8x16.abs (local.get 0))))
        (func (export "out_of_line_second") (param v128) (result v128)
            (f32x4.sqrt (f32x4.convert_i32x4_s (local.get 0))))
        (func (export "both_out_of_line") (param v128) (result v128)
            (f32x4.floor (f32x4.neg (local.get 0))))
        (func (export "teed") (param v128) (result v128 v128)
            (local $t v128)
            (i16x8.extend_low_i8x16_s (local.tee $t (i8x16.popcnt (local.get 0))))
            (local.get $t)))"#;
    assert_native("unary chains", wat);
    let module = Module::new(&Engine::default(), wat).unwrap();
    let text = |f: u32| weft::raw::threaded::disassemble(&module, f).unwrap().unwrap();
    for f in 0..5 {
        assert!(text(f).contains("VUn2"), "{}", text(f));
    }
    assert!(!text(5).contains("VUn2"), "{}", text(5));
    let floats = u128::from_le_bytes(
        [1.5f32, -2.25, 7e10, -0.0].iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>().try_into().unwrap(),
    );
    for f in ["popcnt_sum", "widen_convert", "out_of_line_first", "out_of_line_second", "both_out_of_line", "teed"] {
        for v in [V, W, floats, u128::MAX, 0x8080_8080_7f7f_7f7f_0000_ffff_8000_7fff] {
            agree(wat, f, &[Val::V128(v)]).unwrap();
        }
    }
    let r = agree(wat, "popcnt_sum", &[Val::V128(u128::MAX)]).unwrap();
    assert_eq!(r, [Val::V128(u128::from_le_bytes([32, 0, 0, 0].repeat(4).try_into().unwrap()))]);
}
