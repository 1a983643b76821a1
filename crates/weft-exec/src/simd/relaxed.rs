//! Relaxed SIMD (`0xFD 0x100..=0x113`) with weft's deterministic choices.
//!
//! The relaxed instructions let an implementation pick, once and for all,
//! one of several results. weft picks the spec's *deterministic profile*
//! (the first alternative of each `relaxed(R)[...]`, Wasm 3.0 spec 4.3.4),
//! so every relaxed instruction equals a non-relaxed one and the same
//! inputs always give the same result on every host:
//!
//! | instruction | weft computes |
//! |---|---|
//! | `i8x16.relaxed_swizzle` | `i8x16.swizzle` (indices >= 16 give 0) |
//! | `i32x4.relaxed_trunc_f32x4_{s,u}`, `..._f64x2_{s,u}_zero` | the `trunc_sat` instruction (NaN gives 0, out-of-range saturates) |
//! | `f32x4/f64x2.relaxed_madd` | `a * b + c` unfused: the product is rounded, then the sum |
//! | `f32x4/f64x2.relaxed_nmadd` | `-a * b + c` unfused |
//! | `iNxM.relaxed_laneselect` | `v128.bitselect` (every mask bit selects, not just the top bit of a lane) |
//! | `f32x4/f64x2.relaxed_min`, `relaxed_max` | `min`, `max` (NaN propagates, `-0 < +0`) |
//! | `i16x8.relaxed_q15mulr_s` | `i16x8.q15mulr_sat_s` (`-32768 * -32768` gives 32767) |
//! | `i16x8.relaxed_dot_i8x16_i7x16_s` | the second operand read as signed (as the first); each sum of two products wrapped to `i16` (as ARM's `smull` + `addp`) |
//! | `i32x4.relaxed_dot_i8x16_i7x16_add_s` | the two wrapped `i16` sums of each 32-bit lane added as `i32`, plus `c`, wrapping |
//!
//! A later engine that wants the hardware's faster choice (fused
//! multiply-add, `pmaddubsw`) must still return one of the spec's allowed
//! results; the `proposals/relaxed-simd` tests accept any of them.

use super::{
    f32x4_max, f32x4_min, f64x2_max, f64x2_min, from_lanes, i8x16_swizzle, i16x8_q15mulr_sat_s,
    i32x4_trunc_sat_f32x4_s, i32x4_trunc_sat_f32x4_u, i32x4_trunc_sat_f64x2_s_zero, i32x4_trunc_sat_f64x2_u_zero,
    lanes, v128_bitselect, zip3,
};

/// `x[j] * y[j] + x[j+1] * y[j+1]`, both signed, wrapped to `i16`:
/// `-128 * -128 * 2` is -32768 (testsuite 0.7.7 allows that or x86's
/// signed-by-unsigned saturation, not a signed saturation to 32767).
#[inline]
fn dot_pair(x: &[i8; 16], y: &[i8; 16], j: usize) -> i16 {
    let product = |k: usize| i16::from(x[k]) * i16::from(y[k]);
    product(j).wrapping_add(product(j + 1))
}

/// `i8x16.relaxed_swizzle`: as `i8x16.swizzle` (out-of-range indices give 0).
#[inline]
pub fn i8x16_relaxed_swizzle(a: u128, b: u128) -> u128 {
    i8x16_swizzle(a, b)
}

/// `i32x4.relaxed_trunc_f32x4_s`: as `i32x4.trunc_sat_f32x4_s`.
#[inline]
pub fn i32x4_relaxed_trunc_f32x4_s(a: u128) -> u128 {
    i32x4_trunc_sat_f32x4_s(a)
}

/// `i32x4.relaxed_trunc_f32x4_u`: as `i32x4.trunc_sat_f32x4_u`.
#[inline]
pub fn i32x4_relaxed_trunc_f32x4_u(a: u128) -> u128 {
    i32x4_trunc_sat_f32x4_u(a)
}

/// `i32x4.relaxed_trunc_f64x2_s_zero`: as `i32x4.trunc_sat_f64x2_s_zero`.
#[inline]
pub fn i32x4_relaxed_trunc_f64x2_s_zero(a: u128) -> u128 {
    i32x4_trunc_sat_f64x2_s_zero(a)
}

/// `i32x4.relaxed_trunc_f64x2_u_zero`: as `i32x4.trunc_sat_f64x2_u_zero`.
#[inline]
pub fn i32x4_relaxed_trunc_f64x2_u_zero(a: u128) -> u128 {
    i32x4_trunc_sat_f64x2_u_zero(a)
}

/// `f32x4.relaxed_madd`: `a * b + c`, unfused (two roundings).
#[inline]
pub fn f32x4_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
    zip3::<f32, 4>(a, b, c, |x, y, z| x * y + z)
}

/// `f32x4.relaxed_nmadd`: `-a * b + c`, unfused (two roundings).
#[inline]
pub fn f32x4_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
    zip3::<f32, 4>(a, b, c, |x, y, z| -x * y + z)
}

/// `f64x2.relaxed_madd`: `a * b + c`, unfused (two roundings).
#[inline]
pub fn f64x2_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
    zip3::<f64, 2>(a, b, c, |x, y, z| x * y + z)
}

/// `f64x2.relaxed_nmadd`: `-a * b + c`, unfused (two roundings).
#[inline]
pub fn f64x2_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
    zip3::<f64, 2>(a, b, c, |x, y, z| -x * y + z)
}

/// `i8x16.relaxed_laneselect`: as `v128.bitselect` (the mask is used bit by bit).
#[inline]
pub fn i8x16_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
    v128_bitselect(a, b, c)
}

/// `i16x8.relaxed_laneselect`: as `v128.bitselect` (the mask is used bit by bit).
#[inline]
pub fn i16x8_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
    v128_bitselect(a, b, c)
}

/// `i32x4.relaxed_laneselect`: as `v128.bitselect` (the mask is used bit by bit).
#[inline]
pub fn i32x4_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
    v128_bitselect(a, b, c)
}

/// `i64x2.relaxed_laneselect`: as `v128.bitselect` (the mask is used bit by bit).
#[inline]
pub fn i64x2_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
    v128_bitselect(a, b, c)
}

/// `f32x4.relaxed_min`: as `f32x4.min`.
#[inline]
pub fn f32x4_relaxed_min(a: u128, b: u128) -> u128 {
    f32x4_min(a, b)
}

/// `f32x4.relaxed_max`: as `f32x4.max`.
#[inline]
pub fn f32x4_relaxed_max(a: u128, b: u128) -> u128 {
    f32x4_max(a, b)
}

/// `f64x2.relaxed_min`: as `f64x2.min`.
#[inline]
pub fn f64x2_relaxed_min(a: u128, b: u128) -> u128 {
    f64x2_min(a, b)
}

/// `f64x2.relaxed_max`: as `f64x2.max`.
#[inline]
pub fn f64x2_relaxed_max(a: u128, b: u128) -> u128 {
    f64x2_max(a, b)
}

/// `i16x8.relaxed_q15mulr_s`: as `i16x8.q15mulr_sat_s`.
#[inline]
pub fn i16x8_relaxed_q15mulr_s(a: u128, b: u128) -> u128 {
    i16x8_q15mulr_sat_s(a, b)
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`: both operands signed; each pair sum wrapped to `i16`.
#[inline]
pub fn i16x8_relaxed_dot_i8x16_i7x16_s(a: u128, b: u128) -> u128 {
    let (x, y) = (lanes::<i8, 16>(a), lanes::<i8, 16>(b));
    from_lanes::<i16, 8>(std::array::from_fn(|i| dot_pair(&x, &y, 2 * i)))
}

/// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the two
/// `i16x8.relaxed_dot_i8x16_i7x16_s` sums of each 32-bit lane, added (as
/// `i32`) to `c`, wrapping.
#[inline]
pub fn i32x4_relaxed_dot_i8x16_i7x16_add_s(a: u128, b: u128, c: u128) -> u128 {
    let (x, y, acc) = (lanes::<i8, 16>(a), lanes::<i8, 16>(b), lanes::<i32, 4>(c));
    from_lanes::<i32, 4>(std::array::from_fn(|i| {
        let sum = i32::from(dot_pair(&x, &y, 4 * i)) + i32::from(dot_pair(&x, &y, 4 * i + 2));
        sum.wrapping_add(acc[i])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn madd_is_unfused() {
        // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 rounds (a tie, to even) to
        // 1 + 2^-11 before the addition; fused would keep the 2^-24.
        let x = 1.0 + 2f32.powi(-12);
        let (a, c) = (from_lanes::<f32, 4>([x; 4]), from_lanes::<f32, 4>([-1.0; 4]));
        assert_eq!(lanes::<f32, 4>(f32x4_relaxed_madd(a, a, c))[0], 2f32.powi(-11));
        assert_ne!(x.mul_add(x, -1.0), 2f32.powi(-11));
        assert_eq!(lanes::<f32, 4>(f32x4_relaxed_nmadd(a, a, c))[0], -(1.0 + 2f32.powi(-11)) - 1.0);
        let y = from_lanes::<f64, 2>([1.0 + 2f64.powi(-27); 2]);
        let m = lanes::<f64, 2>(f64x2_relaxed_madd(y, y, from_lanes::<f64, 2>([-1.0; 2])));
        assert_eq!(m[0], 2f64.powi(-26));
    }

    #[test]
    fn dot_products() {
        let a = from_lanes::<i8, 16>([-128; 16]);
        let b = from_lanes::<i8, 16>([-127; 16]);
        assert_eq!(lanes::<i16, 8>(i16x8_relaxed_dot_i8x16_i7x16_s(a, b)), [32512; 8]);
        assert_eq!(lanes::<i16, 8>(i16x8_relaxed_dot_i8x16_i7x16_s(a, a)), [-32768; 8]);
        let c = from_lanes::<i32, 4>([1, 2, 3, i32::MAX]);
        assert_eq!(lanes::<i32, 4>(i32x4_relaxed_dot_i8x16_i7x16_add_s(a, b, c)), [65025, 65026, 65027, -2147418625]);
    }

    #[test]
    fn the_rest_are_their_deterministic_twins() {
        let v = 0x8000_0000_7fc0_0000_4f80_0000_bf80_0000u128;
        assert_eq!(i32x4_relaxed_trunc_f32x4_u(v), i32x4_trunc_sat_f32x4_u(v));
        assert_eq!(i8x16_relaxed_laneselect(u128::MAX, 0, v), v);
        assert_eq!(i16x8_relaxed_q15mulr_s(v, v), i16x8_q15mulr_sat_s(v, v));
        assert_eq!(i8x16_relaxed_swizzle(v, u128::MAX), 0);
    }
}
