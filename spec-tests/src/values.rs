//! Script values: turning `(i32.const 1)` arguments into [`Val`]s and
//! checking results against patterns like `nan:canonical` and v128 lanes.

use wast::core::{HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};
use wast::{WastArg, WastRet};
use weft::{AnyRef, ExternRef, Val};

/// The value of an argument.
pub fn arg(a: &WastArg<'_>) -> Result<Val, String> {
    let WastArg::Core(core) = a else {
        return Err("component-model arguments are not supported".into());
    };
    Ok(match core {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(f) => Val::F32(f.bits),
        WastArgCore::F64(f) => Val::F64(f.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(h) => null_of(h)?,
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef(u64::from(*n)))),
        WastArgCore::RefHost(n) => Val::AnyRef(Some(AnyRef::Host(ExternRef(u64::from(*n))))),
    })
}

fn null_of(h: &HeapType<'_>) -> Result<Val, String> {
    use wast::core::AbstractHeapType as A;
    match h {
        HeapType::Abstract { ty: A::Extern | A::NoExtern, .. } => Ok(Val::ExternRef(None)),
        HeapType::Abstract { ty: A::Func | A::NoFunc, .. } | HeapType::Concrete(_) => Ok(Val::FuncRef(None)),
        HeapType::Abstract { ty: A::Exn | A::NoExn, .. } => Ok(Val::ExnRef(None)),
        HeapType::Abstract { ty: A::Any | A::Eq | A::I31 | A::Struct | A::Array | A::None, .. } => {
            Ok(Val::AnyRef(None))
        }
        other => Err(format!("ref.null {other:?} is not supported")),
    }
}

/// Checks `actual` against the expected result; `Err` describes the mismatch.
pub fn check(actual: &Val, expected: &WastRet<'_>) -> Result<(), String> {
    let WastRet::Core(expected) = expected else {
        return Err("component-model results are not supported".into());
    };
    if matches_core(actual, expected) {
        Ok(())
    } else {
        Err(format!("expected {}, got {}", show(expected), show_val(actual)))
    }
}

fn matches_core(actual: &Val, expected: &WastRetCore<'_>) -> bool {
    match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(p), Val::F32(a)) => f32_matches(p, *a),
        (WastRetCore::F64(p), Val::F64(a)) => f64_matches(p, *a),
        (WastRetCore::V128(p), Val::V128(a)) => v128_matches(p, *a),
        (WastRetCore::RefNull(_), v) => v.is_null(),
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_)) | Val::Externalized(_)) => true,
        (WastRetCore::RefHost(n), Val::AnyRef(Some(AnyRef::Host(r)))) => r.0 == u64::from(*n),
        (WastRetCore::RefAny, Val::AnyRef(Some(_))) => true,
        (WastRetCore::RefEq, Val::AnyRef(Some(AnyRef::I31(_) | AnyRef::Object(_)))) => true,
        (WastRetCore::RefI31, Val::AnyRef(Some(AnyRef::I31(_)))) => true,
        (WastRetCore::RefStruct, Val::AnyRef(Some(AnyRef::Object(r)))) => r.is_struct(),
        (WastRetCore::RefArray, Val::AnyRef(Some(AnyRef::Object(r)))) => r.is_array(),
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => r.0 == u64::from(*n),
        (WastRetCore::RefFunc(None), Val::FuncRef(Some(_))) => true,
        (WastRetCore::RefFunc(Some(_)), Val::FuncRef(Some(_))) => true,
        (WastRetCore::Either(options), v) => options.iter().any(|o| matches_core(v, o)),
        _ => false,
    }
}

const F32_QUIET: u32 = 0x0040_0000;
const F64_QUIET: u64 = 0x0008_0000_0000_0000;

fn f32_matches(p: &NanPattern<F32>, bits: u32) -> bool {
    let nan = bits & 0x7f80_0000 == 0x7f80_0000 && bits & 0x007f_ffff != 0;
    match p {
        NanPattern::CanonicalNan => nan && bits & 0x007f_ffff == F32_QUIET,
        NanPattern::ArithmeticNan => nan && bits & F32_QUIET != 0,
        NanPattern::Value(f) => f.bits == bits,
    }
}

fn f64_matches(p: &NanPattern<F64>, bits: u64) -> bool {
    let exp = 0x7ff0_0000_0000_0000u64;
    let frac = 0x000f_ffff_ffff_ffffu64;
    let nan = bits & exp == exp && bits & frac != 0;
    match p {
        NanPattern::CanonicalNan => nan && bits & frac == F64_QUIET,
        NanPattern::ArithmeticNan => nan && bits & F64_QUIET != 0,
        NanPattern::Value(f) => f.bits == bits,
    }
}

fn v128_matches(p: &V128Pattern, v: u128) -> bool {
    let bytes = v.to_le_bytes();
    match p {
        V128Pattern::I8x16(l) => l.iter().zip(bytes).all(|(e, a)| *e as u8 == a),
        V128Pattern::I16x8(l) => {
            l.iter().enumerate().all(|(i, e)| *e as u16 == u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]))
        }
        V128Pattern::I32x4(l) => l.iter().enumerate().all(|(i, e)| *e as u32 == lane32(&bytes, i)),
        V128Pattern::I64x2(l) => l.iter().enumerate().all(|(i, e)| *e as u64 == lane64(&bytes, i)),
        V128Pattern::F32x4(l) => l.iter().enumerate().all(|(i, e)| f32_matches(e, lane32(&bytes, i))),
        V128Pattern::F64x2(l) => l.iter().enumerate().all(|(i, e)| f64_matches(e, lane64(&bytes, i))),
    }
}

fn lane32(bytes: &[u8; 16], i: usize) -> u32 {
    u32::from_le_bytes([bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]])
}

fn lane64(bytes: &[u8; 16], i: usize) -> u64 {
    u64::from(lane32(bytes, 2 * i)) | (u64::from(lane32(bytes, 2 * i + 1)) << 32)
}

fn show(e: &WastRetCore<'_>) -> String {
    match e {
        WastRetCore::I32(v) => format!("i32:{v}"),
        WastRetCore::I64(v) => format!("i64:{v}"),
        WastRetCore::F32(NanPattern::Value(f)) => format!("f32:{} (0x{:08x})", f32::from_bits(f.bits), f.bits),
        WastRetCore::F64(NanPattern::Value(f)) => format!("f64:{} (0x{:016x})", f64::from_bits(f.bits), f.bits),
        other => format!("{other:?}"),
    }
}

/// A value as the failure lines print it.
pub fn show_val(v: &Val) -> String {
    match v {
        Val::I32(x) => format!("i32:{x}"),
        Val::I64(x) => format!("i64:{x}"),
        Val::F32(b) => format!("f32:{} (0x{b:08x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64:{} (0x{b:016x})", f64::from_bits(*b)),
        Val::V128(b) => format!("v128:0x{b:032x}"),
        other => format!("{other:?}"),
    }
}
