//! SIMD on the reference engine through the API: `Config::deterministic_nans`
//! reaches float lanes (and spares bit operations), memory traps, and the
//! relaxed instructions' deterministic choices (`Config::deterministic_relaxed_simd`;
//! the native ones are tested in `relaxed_simd.rs`). Lane semantics themselves
//! are unit-tested in `src/simd/` and checked by the spec suites.

use weft::{Config, Engine, EngineKind, Linker, Module, Store, TrapKind, Val};

fn call(deterministic_nans: bool, wat: &str, export: &str, args: &[Val]) -> weft::Result<Vec<Val>> {
    let mut config = Config::new();
    config.engine_kind(EngineKind::Reference).deterministic_nans(deterministic_nans).deterministic_relaxed_simd(true);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, wat)?;
    let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
    instance.get_func(export).unwrap().call_vec(&mut store, args)
}

const LANES: &str = r#"(module
    (func (export "add") (param v128 v128) (result v128) (f32x4.add (local.get 0) (local.get 1)))
    (func (export "abs") (param v128) (result v128) (f32x4.abs (local.get 0)))
    (func (export "max") (param v128 v128) (result v128) (f64x2.max (local.get 0) (local.get 1))))"#;

#[test]
fn deterministic_nans_canonicalize_float_lanes_only() {
    // Lane 0 a signalling NaN with a payload, lane 1 negative, lanes 2-3 numbers.
    let a = Val::V128(0x4000_0000_3f80_0000_ffa0_0001_7fa0_0001);
    let one = Val::V128(0x3f80_0000_3f80_0000_3f80_0000_3f80_0000);

    let plain = call(false, LANES, "add", &[a, one]).unwrap();
    assert_eq!(plain[0], Val::V128(0x4040_0000_4000_0000_ffe0_0001_7fe0_0001), "quieted, payload kept");
    let canonical = call(true, LANES, "add", &[a, one]).unwrap();
    assert_eq!(canonical[0], Val::V128(0x4040_0000_4000_0000_ffc0_0000_7fc0_0000));

    let abs = call(true, LANES, "abs", &[a]).unwrap();
    assert_eq!(abs[0], Val::V128(0x4000_0000_3f80_0000_7fa0_0001_7fa0_0001), "a bit operation keeps the payload");

    let nan64 = Val::V128(0x7ff4_0000_0000_0001);
    let max = call(true, LANES, "max", &[nan64, Val::V128(0)]).unwrap();
    assert_eq!(max[0], Val::V128(0x7ff8_0000_0000_0000));
}

#[test]
fn vector_memory_accesses_trap_out_of_bounds() {
    let wat = r#"(module (memory 1)
        (func (export "load") (param i32) (result v128) (v128.load offset=8 (local.get 0)))
        (func (export "store_lane") (param i32) (v128.store64_lane 1 (local.get 0) (v128.const i64x2 1 2)))
        (func (export "load_lane") (param i32) (result v128)
            (v128.load32_lane 3 (local.get 0) (v128.const i32x4 0 0 0 0))))"#;
    assert_eq!(call(false, wat, "load", &[Val::I32(65536 - 24)]).unwrap(), [Val::V128(0)]);
    for (export, addr) in [("load", 65536 - 23), ("store_lane", 65536 - 7), ("load_lane", -1)] {
        let err = call(false, wat, export, &[Val::I32(addr)]).unwrap_err();
        assert_eq!(err.as_trap().map(|t| t.kind()), Some(&TrapKind::MemoryOutOfBounds), "{export}: {err}");
    }
}

#[test]
fn relaxed_instructions_are_deterministic() {
    let wat = r#"(module
        (func (export "madd") (result f32)
            (f32x4.extract_lane 0 (f32x4.relaxed_madd
                (f32x4.splat (f32.const 0x1.001p+0)) (f32x4.splat (f32.const 0x1.001p+0))
                (f32x4.splat (f32.const -1)))))
        (func (export "swizzle") (result v128)
            (i8x16.relaxed_swizzle (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
                                   (v128.const i8x16 0 16 17 0x80 0xff 15 0 0 0 0 0 0 0 0 0 0))))"#;
    // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24: unfused, the product rounds (a tie,
    // to even) to 1 + 2^-11 before the addition; fused would give 2^-11 + 2^-24.
    assert_eq!(call(false, wat, "madd", &[]).unwrap(), [Val::f32(2f32.powi(-11))]);
    let swizzled = call(false, wat, "swizzle", &[]).unwrap();
    assert_eq!(swizzled, [Val::V128(u128::from_le_bytes([1, 0, 0, 0, 0, 16, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]))]);
}
