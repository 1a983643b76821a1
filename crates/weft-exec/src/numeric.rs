//! Numeric semantics (spec 4.3), once, as plain functions.
//!
//! Both engines call these; nothing here knows about stacks or frames.
//! Floats travel as `f32`/`f64` values whose bits are kept exactly: Rust's
//! arithmetic already produces IEEE results, and the spec only constrains
//! NaN *sign/payload* loosely (any canonical or arithmetic NaN), so plain
//! `+ - * /` and `sqrt` are conformant. The operations where Rust's library
//! differs from the spec (`min`, `max`, `nearest`, truncations) are written
//! out here.

use crate::trap::TrapKind;

/// The result of an operation that may trap.
pub type TrapResult<T> = Result<T, TrapKind>;

// ---- integer division (spec 4.3.2: idiv_s, idiv_u, irem_s, irem_u) ----

macro_rules! int_div {
    ($($div_s:ident $div_u:ident $rem_s:ident $rem_u:ident : $s:ty, $u:ty;)*) => {$(
        /// Signed division; traps on zero and on overflow (`MIN / -1`).
        #[inline]
        pub fn $div_s(a: $s, b: $s) -> TrapResult<$s> {
            if b == 0 {
                return Err(TrapKind::IntegerDivideByZero);
            }
            a.checked_div(b).ok_or(TrapKind::IntegerOverflow)
        }
        /// Unsigned division; traps on zero.
        #[inline]
        pub fn $div_u(a: $s, b: $s) -> TrapResult<$s> {
            if b == 0 {
                return Err(TrapKind::IntegerDivideByZero);
            }
            Ok(((a as $u) / (b as $u)) as $s)
        }
        /// Signed remainder; traps on zero (`MIN % -1` is 0).
        #[inline]
        pub fn $rem_s(a: $s, b: $s) -> TrapResult<$s> {
            if b == 0 {
                return Err(TrapKind::IntegerDivideByZero);
            }
            Ok(a.wrapping_rem(b))
        }
        /// Unsigned remainder; traps on zero.
        #[inline]
        pub fn $rem_u(a: $s, b: $s) -> TrapResult<$s> {
            if b == 0 {
                return Err(TrapKind::IntegerDivideByZero);
            }
            Ok(((a as $u) % (b as $u)) as $s)
        }
    )*};
}

int_div! {
    i32_div_s i32_div_u i32_rem_s i32_rem_u : i32, u32;
    i64_div_s i64_div_u i64_rem_s i64_rem_u : i64, u64;
}

// ---- float operations with spec-specific NaN and rounding rules ----

macro_rules! float_ops {
    ($($min:ident $max:ident $nearest:ident $copysign:ident : $f:ty, $bits:ty, $canon:expr;)*) => {$(
        /// `fmin`: NaN if either operand is NaN; `-0 < +0`.
        #[inline]
        pub fn $min(a: $f, b: $f) -> $f {
            if a.is_nan() || b.is_nan() {
                return <$f>::from_bits($canon | (a + b).to_bits());
            }
            if a == b {
                // Equal values differ at most in the sign of zero: prefer -0.
                return <$f>::from_bits(a.to_bits() | b.to_bits());
            }
            if a < b { a } else { b }
        }
        /// `fmax`: NaN if either operand is NaN; `+0 > -0`.
        #[inline]
        pub fn $max(a: $f, b: $f) -> $f {
            if a.is_nan() || b.is_nan() {
                return <$f>::from_bits($canon | (a + b).to_bits());
            }
            if a == b {
                return <$f>::from_bits(a.to_bits() & b.to_bits());
            }
            if a > b { a } else { b }
        }
        /// `fnearest`: round to nearest, ties to even; a NaN comes out quiet.
        #[inline]
        pub fn $nearest(a: $f) -> $f {
            if a.is_nan() {
                return <$f>::from_bits(a.to_bits() | $canon);
            }
            a.round_ties_even()
        }
        /// `fcopysign`: the magnitude of `a` with the sign bit of `b`.
        #[inline]
        pub fn $copysign(a: $f, b: $f) -> $f {
            let sign: $bits = 1 << (<$bits>::BITS - 1);
            <$f>::from_bits((a.to_bits() & !sign) | (b.to_bits() & sign))
        }
    )*};
}

float_ops! {
    f32_min f32_max f32_nearest f32_copysign : f32, u32, 0x0040_0000u32;
    f64_min f64_max f64_nearest f64_copysign : f64, u64, 0x0008_0000_0000_0000u64;
}

// ---- rounding to an integral value (spec 4.3.3: fceil, ffloor, ftrunc) ----

macro_rules! float_rounding {
    ($($ceil:ident $floor:ident $trunc:ident : $f:ty, $quiet:expr;)*) => {$(
        /// `fceil`: round toward +infinity. Rust's software rounding returns
        /// a signalling NaN unchanged; the spec wants a quiet (arithmetic) one.
        #[inline]
        pub fn $ceil(a: $f) -> $f {
            if a.is_nan() { <$f>::from_bits(a.to_bits() | $quiet) } else { a.ceil() }
        }
        /// `ffloor`: round toward -infinity; a NaN comes out quiet.
        #[inline]
        pub fn $floor(a: $f) -> $f {
            if a.is_nan() { <$f>::from_bits(a.to_bits() | $quiet) } else { a.floor() }
        }
        /// `ftrunc`: round toward zero; a NaN comes out quiet.
        #[inline]
        pub fn $trunc(a: $f) -> $f {
            if a.is_nan() { <$f>::from_bits(a.to_bits() | $quiet) } else { a.trunc() }
        }
    )*};
}

float_rounding! {
    f32_ceil f32_floor f32_trunc : f32, 0x0040_0000u32;
    f64_ceil f64_floor f64_trunc : f64, 0x0008_0000_0000_0000u64;
}

// ---- deterministic NaNs ----

/// The canonical NaN with `x`'s sign if `x` is a NaN, else `x` (for
/// [`Config::deterministic_nans`](crate::Config)).
#[inline]
pub fn canonicalize_f32(x: f32) -> f32 {
    if x.is_nan() { f32::from_bits((x.to_bits() & 0x8000_0000) | 0x7fc0_0000) } else { x }
}

/// The canonical NaN with `x`'s sign if `x` is a NaN, else `x`.
#[inline]
pub fn canonicalize_f64(x: f64) -> f64 {
    if x.is_nan() { f64::from_bits((x.to_bits() & (1 << 63)) | 0x7ff8_0000_0000_0000) } else { x }
}

// ---- truncation (spec 4.3.3: trunc_s, trunc_u, trunc_sat_s, trunc_sat_u) ----

macro_rules! trunc {
    ($($name:ident $sat:ident : $f:ty => $i:ty, $lo:expr, $hi:expr;)*) => {$(
        /// Truncates toward zero; traps on NaN ("invalid conversion to
        /// integer") and on values out of range ("integer overflow").
        #[inline]
        pub fn $name(x: $f) -> TrapResult<$i> {
            if x.is_nan() {
                return Err(TrapKind::InvalidConversionToInteger);
            }
            // `lo` and `hi` are the exclusive bounds, exactly representable.
            if !(x > $lo && x < $hi) {
                return Err(TrapKind::IntegerOverflow);
            }
            Ok(x as $i)
        }
        /// Saturating truncation: NaN gives 0, out-of-range values clamp.
        #[inline]
        pub fn $sat(x: $f) -> $i {
            // Rust's `as` casts from float to integer saturate and map NaN to 0.
            x as $i
        }
    )*};
}

trunc! {
    i32_trunc_f32_s i32_trunc_sat_f32_s : f32 => i32, -2147483904.0f32, 2147483648.0f32;
    i32_trunc_f32_u i32_trunc_sat_f32_u : f32 => u32, -1.0f32, 4294967296.0f32;
    i32_trunc_f64_s i32_trunc_sat_f64_s : f64 => i32, -2147483649.0f64, 2147483648.0f64;
    i32_trunc_f64_u i32_trunc_sat_f64_u : f64 => u32, -1.0f64, 4294967296.0f64;
    i64_trunc_f32_s i64_trunc_sat_f32_s : f32 => i64, -9223373136366403584.0f32, 9223372036854775808.0f32;
    i64_trunc_f32_u i64_trunc_sat_f32_u : f32 => u64, -1.0f32, 18446744073709551616.0f32;
    i64_trunc_f64_s i64_trunc_sat_f64_s : f64 => i64, -9223372036854777856.0f64, 9223372036854775808.0f64;
    i64_trunc_f64_u i64_trunc_sat_f64_u : f64 => u64, -1.0f64, 18446744073709551616.0f64;
}

// ---- conversions whose Rust spelling is not obvious ----

/// `f32.demote_f64`: rounds to nearest; NaNs become canonical-quiet NaNs
/// keeping the sign (the spec allows any NaN; keep the payload's sign).
#[inline]
pub fn f32_demote_f64(x: f64) -> f32 {
    x as f32
}

/// `f64.promote_f32`.
#[inline]
pub fn f64_promote_f32(x: f32) -> f64 {
    f64::from(x)
}

/// `f32.convert_i64_u`: correctly rounded (Rust's `as` rounds to nearest-even).
#[inline]
pub fn f32_convert_i64_u(x: i64) -> f32 {
    x as u64 as f32
}

/// `f64.convert_i64_u`.
#[inline]
pub fn f64_convert_i64_u(x: i64) -> f64 {
    x as u64 as f64
}

// ---- shifts and rotations take the count modulo the bit width ----

/// `i32.shl`.
#[inline]
pub fn i32_shl(a: i32, b: i32) -> i32 {
    a.wrapping_shl(b as u32)
}
/// `i32.shr_s`.
#[inline]
pub fn i32_shr_s(a: i32, b: i32) -> i32 {
    a.wrapping_shr(b as u32)
}
/// `i32.shr_u`.
#[inline]
pub fn i32_shr_u(a: i32, b: i32) -> i32 {
    (a as u32).wrapping_shr(b as u32) as i32
}
/// `i32.rotl`.
#[inline]
pub fn i32_rotl(a: i32, b: i32) -> i32 {
    a.rotate_left(b as u32 % 32)
}
/// `i32.rotr`.
#[inline]
pub fn i32_rotr(a: i32, b: i32) -> i32 {
    a.rotate_right(b as u32 % 32)
}
/// `i64.shl`.
#[inline]
pub fn i64_shl(a: i64, b: i64) -> i64 {
    a.wrapping_shl(b as u32)
}
/// `i64.shr_s`.
#[inline]
pub fn i64_shr_s(a: i64, b: i64) -> i64 {
    a.wrapping_shr(b as u32)
}
/// `i64.shr_u`.
#[inline]
pub fn i64_shr_u(a: i64, b: i64) -> i64 {
    (a as u64).wrapping_shr(b as u32) as i64
}
/// `i64.rotl`.
#[inline]
pub fn i64_rotl(a: i64, b: i64) -> i64 {
    a.rotate_left((b as u64 % 64) as u32)
}
/// `i64.rotr`.
#[inline]
pub fn i64_rotr(a: i64, b: i64) -> i64 {
    a.rotate_right((b as u64 % 64) as u32)
}

// ---- wide arithmetic (the wide-arithmetic proposal) ----

/// `i64.add128`: `(lo1, hi1) + (lo2, hi2)` as 128-bit integers, result `(lo, hi)`.
#[inline]
pub fn i64_add128(lo1: i64, hi1: i64, lo2: i64, hi2: i64) -> (i64, i64) {
    let a = u128::from(lo1 as u64) | (u128::from(hi1 as u64) << 64);
    let b = u128::from(lo2 as u64) | (u128::from(hi2 as u64) << 64);
    split128(a.wrapping_add(b))
}

/// `i64.sub128`.
#[inline]
pub fn i64_sub128(lo1: i64, hi1: i64, lo2: i64, hi2: i64) -> (i64, i64) {
    let a = u128::from(lo1 as u64) | (u128::from(hi1 as u64) << 64);
    let b = u128::from(lo2 as u64) | (u128::from(hi2 as u64) << 64);
    split128(a.wrapping_sub(b))
}

/// `i64.mul_wide_s`: the full signed 128-bit product, `(lo, hi)`.
#[inline]
pub fn i64_mul_wide_s(a: i64, b: i64) -> (i64, i64) {
    split128((i128::from(a) * i128::from(b)) as u128)
}

/// `i64.mul_wide_u`: the full unsigned 128-bit product, `(lo, hi)`.
#[inline]
pub fn i64_mul_wide_u(a: i64, b: i64) -> (i64, i64) {
    split128(u128::from(a as u64) * u128::from(b as u64))
}

fn split128(v: u128) -> (i64, i64) {
    (v as u64 as i64, (v >> 64) as u64 as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_traps() {
        assert_eq!(i32_div_s(1, 0), Err(TrapKind::IntegerDivideByZero));
        assert_eq!(i32_div_s(i32::MIN, -1), Err(TrapKind::IntegerOverflow));
        assert_eq!(i32_rem_s(i32::MIN, -1), Ok(0));
        assert_eq!(i64_div_u(-1, 2), Ok(i64::MAX));
    }

    #[test]
    fn min_max_zero_and_nan() {
        assert!(f32_min(0.0, -0.0).is_sign_negative());
        assert!(f32_max(-0.0, 0.0).is_sign_positive());
        assert!(f64_min(f64::NAN, 1.0).is_nan());
        assert_eq!(f64_nearest(2.5), 2.0);
        assert_eq!(f32_nearest(-0.5).to_bits(), (-0.0f32).to_bits());
        assert_eq!(f32_nearest(f32::from_bits(0x7fa0_0000)).to_bits(), 0x7fe0_0000);
        assert_eq!(f64_ceil(f64::from_bits(0xfff4_0000_0000_0000)).to_bits(), 0xfffc_0000_0000_0000);
        assert_eq!(f32_floor(-0.5).to_bits(), (-1.0f32).to_bits());
        assert_eq!(f32_trunc(-0.5).to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn truncation_bounds() {
        assert_eq!(i32_trunc_f32_s(-2147483648.0), Ok(i32::MIN));
        assert_eq!(i32_trunc_f32_s(2147483648.0), Err(TrapKind::IntegerOverflow));
        assert_eq!(i32_trunc_f64_u(-0.9), Ok(0));
        assert_eq!(i32_trunc_f64_s(f64::NAN), Err(TrapKind::InvalidConversionToInteger));
        assert_eq!(i64_trunc_f64_u(18446744073709549568.0), Ok(-2048i64 as u64));
        assert_eq!(i32_trunc_sat_f32_u(-5.0), 0);
    }

    #[test]
    fn wide() {
        assert_eq!(i64_add128(-1, 0, 1, 0), (0, 1));
        assert_eq!(i64_mul_wide_s(-1, 1), (-1, -1));
        assert_eq!(i64_mul_wide_u(-1, 2), (-2, 1));
    }
}
