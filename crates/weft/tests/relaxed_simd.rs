//! Relaxed SIMD's two modes, on both engines: by default each relaxed
//! instruction gives the host's native choice (fused multiply-add where the
//! CPU has FMA, x86-64's `pshufb`/`minps`/`cvttps2dq`/`pmulhrsw`/
//! `pmaddubsw` readings there), and `Config::deterministic_relaxed_simd`
//! gives the portable deterministic results on every host. In either mode
//! the two engines agree, and a result never changes between calls.

use weft::{Config, Engine, EngineKind, Module, Store, Val};

const WAT: &str = r#"(module
    (func (export "madd") (param v128 v128 v128) (result v128)
        (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
    (func (export "nmadd") (param v128 v128 v128) (result v128)
        (f32x4.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
    (func (export "madd64") (param v128 v128 v128) (result v128)
        (f64x2.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
    (func (export "swizzle") (param v128 v128) (result v128)
        (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
    (func (export "min") (param v128 v128) (result v128)
        (f32x4.relaxed_min (local.get 0) (local.get 1)))
    (func (export "max64") (param v128 v128) (result v128)
        (f64x2.relaxed_max (local.get 0) (local.get 1)))
    (func (export "trunc") (param v128) (result v128)
        (i32x4.relaxed_trunc_f32x4_s (local.get 0)))
    (func (export "q15") (param v128 v128) (result v128)
        (i16x8.relaxed_q15mulr_s (local.get 0) (local.get 1)))
    (func (export "dot") (param v128 v128) (result v128)
        (i16x8.relaxed_dot_i8x16_i7x16_s (local.get 0) (local.get 1)))
    (func (export "dot_add") (param v128 v128 v128) (result v128)
        (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2)))
    (func (export "laneselect") (param v128 v128 v128) (result v128)
        (i32x4.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
)"#;

fn f32s(l: [f32; 4]) -> Val {
    Val::V128(l.iter().rev().fold(0u128, |v, x| (v << 32) | u128::from(x.to_bits())))
}

fn f64s(l: [f64; 2]) -> Val {
    Val::V128((u128::from(l[1].to_bits()) << 64) | u128::from(l[0].to_bits()))
}

fn bytes(b: [u8; 16]) -> Val {
    Val::V128(u128::from_le_bytes(b))
}

fn i16s(l: [i16; 8]) -> Val {
    Val::V128(l.iter().rev().fold(0u128, |v, x| (v << 16) | u128::from(*x as u16)))
}

fn lanes32(v: &Val) -> [u32; 4] {
    let Val::V128(v) = v else { panic!("not a v128: {v:?}") };
    std::array::from_fn(|i| (v >> (32 * i)) as u32)
}

fn lanes16(v: &Val) -> [i16; 8] {
    let Val::V128(v) = v else { panic!("not a v128: {v:?}") };
    std::array::from_fn(|i| (v >> (16 * i)) as u16 as i16)
}

/// `func(args)` on `kind`, deterministic relaxed SIMD or not; called twice,
/// which must give the same result.
fn call(kind: EngineKind, deterministic: bool, func: &str, args: &[Val]) -> Val {
    let mut config = Config::default();
    config.engine_kind(kind).deterministic_relaxed_simd(deterministic);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = weft::Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let f = instance.get_func(func).unwrap();
    let mut first = [Val::I32(0)];
    f.call(&mut store, args, &mut first).unwrap();
    let mut second = [Val::I32(0)];
    f.call(&mut store, args, &mut second).unwrap();
    assert_eq!(first, second, "{func} changed between calls");
    first[0]
}

/// `func(args)` in the given mode, the same on both engines.
fn both(deterministic: bool, func: &str, args: &[Val]) -> Val {
    let threaded = call(EngineKind::Threaded, deterministic, func, args);
    let reference = call(EngineKind::Reference, deterministic, func, args);
    assert_eq!(threaded, reference, "{func}({args:?}), deterministic: {deterministic}");
    threaded
}

const X86: bool = cfg!(target_arch = "x86_64");

fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(target_arch = "aarch64")]
    {
        true
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        cfg!(target_feature = "fma")
    }
}

/// (1 + 2^-12)^2 - 1: 2^-11 + 2^-24 fused, 2^-11 with the product rounded.
#[test]
fn madd_fuses_only_natively_where_the_cpu_has_fma() {
    let x = 1.0 + 2f32.powi(-12);
    let args = [f32s([x; 4]), f32s([x; 4]), f32s([-1.0; 4])];
    let unfused = 2f32.powi(-11);
    let fused = x.mul_add(x, -1.0);
    assert_ne!(fused, unfused);
    assert_eq!(lanes32(&both(true, "madd", &args)), [unfused.to_bits(); 4]);
    let native = if has_fma() { fused } else { unfused };
    assert_eq!(lanes32(&both(false, "madd", &args)), [native.to_bits(); 4]);
    // nmadd: -(x * x) + 1.
    let args = [f32s([x; 4]), f32s([x; 4]), f32s([1.0; 4])];
    let native = if has_fma() { (-x).mul_add(x, 1.0) } else { -(x * x) + 1.0 };
    assert_eq!(lanes32(&both(false, "nmadd", &args)), [native.to_bits(); 4]);
    assert_eq!(lanes32(&both(true, "nmadd", &args)), [(-(x * x) + 1.0).to_bits(); 4]);
    let y = 1.0 + 2f64.powi(-27);
    let args = [f64s([y; 2]), f64s([y; 2]), f64s([-1.0; 2])];
    let native = if has_fma() { y.mul_add(y, -1.0) } else { y * y - 1.0 };
    assert_eq!(both(false, "madd64", &args), f64s([native; 2]));
    assert_eq!(both(true, "madd64", &args), f64s([y * y - 1.0; 2]));
}

#[test]
fn swizzle_out_of_range_indices() {
    let a = bytes(std::array::from_fn(|i| 0x10 + i as u8));
    // In range, bit 7 set, and 16..128 (which `pshufb` reads modulo 16).
    let s = bytes([3, 0x80, 0x11, 0x7f, 15, 0xff, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let Val::V128(det) = both(true, "swizzle", &[a, s]) else { unreachable!() };
    assert_eq!(det.to_le_bytes()[..7], [0x13, 0, 0, 0, 0x1f, 0, 0]);
    let Val::V128(native) = both(false, "swizzle", &[a, s]) else { unreachable!() };
    let expected: [u8; 7] = if X86 { [0x13, 0, 0x11, 0x1f, 0x1f, 0, 0x10] } else { [0x13, 0, 0, 0, 0x1f, 0, 0] };
    assert_eq!(native.to_le_bytes()[..7], expected);
}

#[test]
fn min_max_with_nans_and_zeros() {
    let nan = f32::NAN;
    let args = [f32s([nan, 1.0, 0.0, -0.0]), f32s([1.0, nan, -0.0, 0.0])];
    let det = lanes32(&both(true, "min", &args));
    assert!(f32::from_bits(det[0]).is_nan() && f32::from_bits(det[1]).is_nan());
    assert_eq!([det[2], det[3]], [(-0.0f32).to_bits(), (-0.0f32).to_bits()]);
    let native = lanes32(&both(false, "min", &args));
    if X86 {
        // `minps`: the second operand unless the first is smaller.
        assert_eq!(native, [1.0f32.to_bits(), nan.to_bits(), (-0.0f32).to_bits(), 0.0f32.to_bits()]);
    } else {
        assert_eq!(native, det);
    }
    let args = [f64s([f64::NAN, 0.0]), f64s([2.0, -0.0])];
    let native = both(false, "max64", &args);
    if X86 {
        assert_eq!(native, f64s([2.0, -0.0]));
    }
    let Val::V128(det) = both(true, "max64", &args) else { unreachable!() };
    assert!(f64::from_bits(det as u64).is_nan());
    assert_eq!((det >> 64) as u64, 0.0f64.to_bits());
}

#[test]
fn trunc_of_nan_and_out_of_range() {
    let args = [f32s([f32::NAN, 3e9, -3e9, -7.9])];
    let det = lanes32(&both(true, "trunc", &args));
    assert_eq!(det, [0, i32::MAX as u32, i32::MIN as u32, -7i32 as u32]);
    let native = lanes32(&both(false, "trunc", &args));
    let min = i32::MIN as u32;
    assert_eq!(native, if X86 { [min, min, min, -7i32 as u32] } else { det });
}

#[test]
fn q15mulr_overflow() {
    let args = [i16s([i16::MIN, 16384, 0, 0, 0, 0, 0, -1]), i16s([i16::MIN, 16384, 0, 0, 0, 0, 0, 1])];
    assert_eq!(lanes16(&both(true, "q15", &args))[..2], [i16::MAX, 8192]);
    let native = lanes16(&both(false, "q15", &args));
    assert_eq!(native[..2], [if X86 { i16::MIN } else { i16::MAX }, 8192]);
}

#[test]
fn dot_products() {
    // -128 * -128 twice: 32768 wraps (signed, NEON) or -128 * 128 twice
    // saturates (x86 `pmaddubsw` reads the second operand unsigned).
    let a = bytes([0x80, 0x80, 0x80, 0x80, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let b = bytes([0x80, 0x80, 0x81, 0x81, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let det = lanes16(&both(true, "dot", &[a, b]));
    assert_eq!(det[..3], [-32768, 32512, 11]);
    let native = lanes16(&both(false, "dot", &[a, b]));
    assert_eq!(native[..3], if X86 { [-32768, -32768, 11] } else { [-32768, 32512, 11] });
    let c = Val::V128(1 | (2 << 32));
    let det = lanes32(&both(true, "dot_add", &[a, b, c]));
    assert_eq!(det[..2], [(-32768i32 + 32512 + 1) as u32, 11 + 2]);
    let native = lanes32(&both(false, "dot_add", &[a, b, c]));
    let first = if X86 { -32768i32 - 32768 + 1 } else { -32768 + 32512 + 1 };
    assert_eq!(native[..2], [first as u32, 11 + 2]);
}

#[test]
fn laneselect_is_a_bit_select_in_both_modes() {
    let args = [Val::V128(u128::MAX), Val::V128(0), Val::V128(0x8000_0000_0000_0001_0000_ffff_7fff_0001)];
    assert_eq!(both(true, "laneselect", &args), args[2]);
    assert_eq!(both(false, "laneselect", &args), args[2]);
}
