//! Float lane operations (spec 4.3.4: `fvunop`, `fvbinop`, `fvrelop`) and
//! the conversions between lane kinds (`trunc_sat`, `convert`, `demote`,
//! `promote`), one function per instruction. The scalar helpers of
//! [`crate::numeric`] give `min`, `max`, `ceil`, `floor`, `trunc`,
//! `nearest`, saturating truncation and demotion/promotion their NaN and
//! rounding rules, once for both the scalar and the vector instructions. `abs`, `neg`, `pmin` and `pmax` are
//! bit operations on the lanes: they never touch a NaN's payload.

use super::{V128, compare, each, from_lanes, lanes, map, widen, zip};
use crate::numeric as n;

/// `f32x4.ceil`.
#[inline(always)]
pub fn f32x4_ceil(a: V128) -> V128 {
    map::<f32, 4>(a, n::f32_ceil)
}

/// `f32x4.floor`.
#[inline(always)]
pub fn f32x4_floor(a: V128) -> V128 {
    map::<f32, 4>(a, n::f32_floor)
}

/// `f32x4.trunc`.
#[inline(always)]
pub fn f32x4_trunc(a: V128) -> V128 {
    map::<f32, 4>(a, n::f32_trunc)
}

/// `f32x4.sqrt`.
#[inline(always)]
pub fn f32x4_sqrt(a: V128) -> V128 {
    map::<f32, 4>(a, f32::sqrt)
}

/// `f32x4.nearest`: round to nearest, ties to even.
#[inline(always)]
pub fn f32x4_nearest(a: V128) -> V128 {
    map::<f32, 4>(a, n::f32_nearest)
}

/// `f32x4.abs`: clears the sign bits (a bit operation: NaNs keep their payload).
#[inline(always)]
pub fn f32x4_abs(a: V128) -> V128 {
    map::<u32, 4>(a, |x| x & !(0x8000_0000))
}

/// `f32x4.neg`: flips the sign bits (a bit operation: NaNs keep their payload).
#[inline(always)]
pub fn f32x4_neg(a: V128) -> V128 {
    map::<u32, 4>(a, |x| x ^ (0x8000_0000))
}

/// `f32x4.add`.
#[inline(always)]
pub fn f32x4_add(a: V128, b: V128) -> V128 {
    zip::<f32, 4>(a, b, |x, y| x + y)
}

/// `f32x4.sub`.
#[inline(always)]
pub fn f32x4_sub(a: V128, b: V128) -> V128 {
    zip::<f32, 4>(a, b, |x, y| x - y)
}

/// `f32x4.mul`.
#[inline(always)]
pub fn f32x4_mul(a: V128, b: V128) -> V128 {
    zip::<f32, 4>(a, b, |x, y| x * y)
}

/// `f32x4.div`.
#[inline(always)]
pub fn f32x4_div(a: V128, b: V128) -> V128 {
    zip::<f32, 4>(a, b, |x, y| x / y)
}

/// `f32x4.min`: NaN if either lane is NaN, `-0 < +0`.
#[inline(always)]
pub fn f32x4_min(a: V128, b: V128) -> V128 {
    zip::<f32, 4>(a, b, n::f32_min)
}

/// `f32x4.max`: NaN if either lane is NaN, `+0 > -0`.
#[inline(always)]
pub fn f32x4_max(a: V128, b: V128) -> V128 {
    zip::<f32, 4>(a, b, n::f32_max)
}

/// `f32x4.pmin`: pseudo-minimum `b < a ? b : a`, returning a lane unchanged.
#[inline(always)]
pub fn f32x4_pmin(a: V128, b: V128) -> V128 {
    zip::<u32, 4>(a, b, |x, y| if f32::from_bits(y) < f32::from_bits(x) { y } else { x })
}

/// `f32x4.pmax`: pseudo-maximum `a < b ? b : a`, returning a lane unchanged.
#[inline(always)]
pub fn f32x4_pmax(a: V128, b: V128) -> V128 {
    zip::<u32, 4>(a, b, |x, y| if f32::from_bits(x) < f32::from_bits(y) { y } else { x })
}

/// `f32x4.eq`.
#[inline(always)]
pub fn f32x4_eq(a: V128, b: V128) -> V128 {
    compare::<f32, 4>(a, b, |x, y| x == y)
}

/// `f32x4.ne`.
#[inline(always)]
pub fn f32x4_ne(a: V128, b: V128) -> V128 {
    compare::<f32, 4>(a, b, |x, y| x != y)
}

/// `f32x4.lt`.
#[inline(always)]
pub fn f32x4_lt(a: V128, b: V128) -> V128 {
    compare::<f32, 4>(a, b, |x, y| x < y)
}

/// `f32x4.gt`.
#[inline(always)]
pub fn f32x4_gt(a: V128, b: V128) -> V128 {
    compare::<f32, 4>(a, b, |x, y| x > y)
}

/// `f32x4.le`.
#[inline(always)]
pub fn f32x4_le(a: V128, b: V128) -> V128 {
    compare::<f32, 4>(a, b, |x, y| x <= y)
}

/// `f32x4.ge`.
#[inline(always)]
pub fn f32x4_ge(a: V128, b: V128) -> V128 {
    compare::<f32, 4>(a, b, |x, y| x >= y)
}

/// `f64x2.ceil`.
#[inline(always)]
pub fn f64x2_ceil(a: V128) -> V128 {
    map::<f64, 2>(a, n::f64_ceil)
}

/// `f64x2.floor`.
#[inline(always)]
pub fn f64x2_floor(a: V128) -> V128 {
    map::<f64, 2>(a, n::f64_floor)
}

/// `f64x2.trunc`.
#[inline(always)]
pub fn f64x2_trunc(a: V128) -> V128 {
    map::<f64, 2>(a, n::f64_trunc)
}

/// `f64x2.sqrt`.
#[inline(always)]
pub fn f64x2_sqrt(a: V128) -> V128 {
    map::<f64, 2>(a, f64::sqrt)
}

/// `f64x2.nearest`: round to nearest, ties to even.
#[inline(always)]
pub fn f64x2_nearest(a: V128) -> V128 {
    map::<f64, 2>(a, n::f64_nearest)
}

/// `f64x2.abs`: clears the sign bits (a bit operation: NaNs keep their payload).
#[inline(always)]
pub fn f64x2_abs(a: V128) -> V128 {
    map::<u64, 2>(a, |x| x & !(1 << 63))
}

/// `f64x2.neg`: flips the sign bits (a bit operation: NaNs keep their payload).
#[inline(always)]
pub fn f64x2_neg(a: V128) -> V128 {
    map::<u64, 2>(a, |x| x ^ (1 << 63))
}

/// `f64x2.add`.
#[inline(always)]
pub fn f64x2_add(a: V128, b: V128) -> V128 {
    zip::<f64, 2>(a, b, |x, y| x + y)
}

/// `f64x2.sub`.
#[inline(always)]
pub fn f64x2_sub(a: V128, b: V128) -> V128 {
    zip::<f64, 2>(a, b, |x, y| x - y)
}

/// `f64x2.mul`.
#[inline(always)]
pub fn f64x2_mul(a: V128, b: V128) -> V128 {
    zip::<f64, 2>(a, b, |x, y| x * y)
}

/// `f64x2.div`.
#[inline(always)]
pub fn f64x2_div(a: V128, b: V128) -> V128 {
    zip::<f64, 2>(a, b, |x, y| x / y)
}

/// `f64x2.min`: NaN if either lane is NaN, `-0 < +0`.
#[inline(always)]
pub fn f64x2_min(a: V128, b: V128) -> V128 {
    zip::<f64, 2>(a, b, n::f64_min)
}

/// `f64x2.max`: NaN if either lane is NaN, `+0 > -0`.
#[inline(always)]
pub fn f64x2_max(a: V128, b: V128) -> V128 {
    zip::<f64, 2>(a, b, n::f64_max)
}

/// `f64x2.pmin`: pseudo-minimum `b < a ? b : a`, returning a lane unchanged.
#[inline(always)]
pub fn f64x2_pmin(a: V128, b: V128) -> V128 {
    zip::<u64, 2>(a, b, |x, y| if f64::from_bits(y) < f64::from_bits(x) { y } else { x })
}

/// `f64x2.pmax`: pseudo-maximum `a < b ? b : a`, returning a lane unchanged.
#[inline(always)]
pub fn f64x2_pmax(a: V128, b: V128) -> V128 {
    zip::<u64, 2>(a, b, |x, y| if f64::from_bits(x) < f64::from_bits(y) { y } else { x })
}

/// `f64x2.eq`.
#[inline(always)]
pub fn f64x2_eq(a: V128, b: V128) -> V128 {
    compare::<f64, 2>(a, b, |x, y| x == y)
}

/// `f64x2.ne`.
#[inline(always)]
pub fn f64x2_ne(a: V128, b: V128) -> V128 {
    compare::<f64, 2>(a, b, |x, y| x != y)
}

/// `f64x2.lt`.
#[inline(always)]
pub fn f64x2_lt(a: V128, b: V128) -> V128 {
    compare::<f64, 2>(a, b, |x, y| x < y)
}

/// `f64x2.gt`.
#[inline(always)]
pub fn f64x2_gt(a: V128, b: V128) -> V128 {
    compare::<f64, 2>(a, b, |x, y| x > y)
}

/// `f64x2.le`.
#[inline(always)]
pub fn f64x2_le(a: V128, b: V128) -> V128 {
    compare::<f64, 2>(a, b, |x, y| x <= y)
}

/// `f64x2.ge`.
#[inline(always)]
pub fn f64x2_ge(a: V128, b: V128) -> V128 {
    compare::<f64, 2>(a, b, |x, y| x >= y)
}

/// `i32x4.trunc_sat_f32x4_s`: saturating truncation, NaN to 0.
#[inline(always)]
pub fn i32x4_trunc_sat_f32x4_s(a: V128) -> V128 {
    from_lanes::<i32, 4>(each(lanes::<f32, 4>(a), n::i32_trunc_sat_f32_s))
}

/// `i32x4.trunc_sat_f32x4_u`: saturating truncation, NaN to 0.
#[inline(always)]
pub fn i32x4_trunc_sat_f32x4_u(a: V128) -> V128 {
    from_lanes::<u32, 4>(each(lanes::<f32, 4>(a), n::i32_trunc_sat_f32_u))
}

/// `i32x4.trunc_sat_f64x2_s_zero`: both lanes truncated (saturating), two zero lanes above.
#[inline(always)]
pub fn i32x4_trunc_sat_f64x2_s_zero(a: V128) -> V128 {
    let [x, y] = lanes::<f64, 2>(a);
    from_lanes::<i32, 4>([n::i32_trunc_sat_f64_s(x), n::i32_trunc_sat_f64_s(y), 0, 0])
}

/// `i32x4.trunc_sat_f64x2_u_zero`: both lanes truncated (saturating), two zero lanes above.
#[inline(always)]
pub fn i32x4_trunc_sat_f64x2_u_zero(a: V128) -> V128 {
    let [x, y] = lanes::<f64, 2>(a);
    from_lanes::<u32, 4>([n::i32_trunc_sat_f64_u(x), n::i32_trunc_sat_f64_u(y), 0, 0])
}

/// `f32x4.convert_i32x4_s`: rounds to nearest.
#[inline(always)]
pub fn f32x4_convert_i32x4_s(a: V128) -> V128 {
    from_lanes::<f32, 4>(each(lanes::<i32, 4>(a), |x| x as f32))
}

/// `f32x4.convert_i32x4_u`: rounds to nearest.
#[inline(always)]
pub fn f32x4_convert_i32x4_u(a: V128) -> V128 {
    from_lanes::<f32, 4>(each(lanes::<u32, 4>(a), |x| x as f32))
}

/// `f64x2.convert_low_i32x4_s`: the two low lanes, exactly.
#[inline(always)]
pub fn f64x2_convert_low_i32x4_s(a: V128) -> V128 {
    widen::<i32, f64, 4, 2>(a, 0, f64::from)
}

/// `f64x2.convert_low_i32x4_u`: the two low lanes, exactly.
#[inline(always)]
pub fn f64x2_convert_low_i32x4_u(a: V128) -> V128 {
    widen::<u32, f64, 4, 2>(a, 0, f64::from)
}

/// `f32x4.demote_f64x2_zero`: both lanes rounded to `f32`, two zero lanes above.
#[inline(always)]
pub fn f32x4_demote_f64x2_zero(a: V128) -> V128 {
    let [x, y] = lanes::<f64, 2>(a);
    from_lanes::<f32, 4>([n::f32_demote_f64(x), n::f32_demote_f64(y), 0.0, 0.0])
}

/// `f64x2.promote_low_f32x4`: the two low lanes, exactly.
#[inline(always)]
pub fn f64x2_promote_low_f32x4(a: V128) -> V128 {
    widen::<f32, f64, 4, 2>(a, 0, n::f64_promote_f32)
}

/// Every NaN lane of an `f32x4` replaced by the canonical NaN of its sign
/// (for [`Config::deterministic_nans`](crate::Config)).
#[inline(always)]
pub fn f32x4_canonicalize_nans(a: V128) -> V128 {
    map::<f32, 4>(a, n::canonicalize_f32)
}

/// Every NaN lane of an `f64x2` replaced by the canonical NaN of its sign.
#[inline(always)]
pub fn f64x2_canonicalize_nans(a: V128) -> V128 {
    map::<f64, 2>(a, n::canonicalize_f64)
}

#[cfg(test)]
mod tests {
    use super::super::{from_lanes, lanes};
    use super::*;

    fn f32s(l: [f32; 4]) -> V128 {
        from_lanes::<f32, 4>(l)
    }

    fn bits32(v: V128) -> [u32; 4] {
        lanes::<u32, 4>(v)
    }

    #[test]
    fn min_max_follow_the_scalar_rules() {
        let a = f32s([0.0, -0.0, f32::NAN, 1.0]);
        let b = f32s([-0.0, 0.0, 1.0, 2.0]);
        let min = lanes::<f32, 4>(f32x4_min(a, b));
        assert!(min[0].is_sign_negative() && min[1].is_sign_negative());
        assert!(min[2].is_nan());
        assert_eq!(min[3], 1.0);
        let max = lanes::<f32, 4>(f32x4_max(a, b));
        assert!(max[0].is_sign_positive() && max[1].is_sign_positive());
        assert_eq!(max[3], 2.0);
    }

    #[test]
    fn pmin_pmax_return_an_operand_unchanged() {
        let snan = 0x7fa0_0001u32;
        let a = from_lanes::<u32, 4>([snan, 0, 0x8000_0000, 1.0f32.to_bits()]);
        let b = from_lanes::<u32, 4>([0, snan, 0, 2.0f32.to_bits()]);
        assert_eq!(bits32(f32x4_pmin(a, b)), [snan, 0, 0x8000_0000, 1.0f32.to_bits()]);
        assert_eq!(bits32(f32x4_pmax(a, b)), [snan, 0, 0x8000_0000, 2.0f32.to_bits()]);
    }

    #[test]
    fn abs_and_neg_keep_nan_payloads() {
        let a = from_lanes::<u32, 4>([0xffa0_0001, 0x7fa0_0001, 0, 0x8000_0000]);
        assert_eq!(bits32(f32x4_abs(a)), [0x7fa0_0001, 0x7fa0_0001, 0, 0]);
        assert_eq!(bits32(f32x4_neg(a)), [0x7fa0_0001, 0xffa0_0001, 0x8000_0000, 0]);
    }

    #[test]
    fn rounding() {
        let a = f32s([2.5, -2.5, 1.5, -0.4]);
        assert_eq!(lanes::<f32, 4>(f32x4_nearest(a)), [2.0, -2.0, 2.0, -0.0]);
        assert!(lanes::<f32, 4>(f32x4_nearest(a))[3].is_sign_negative());
        assert_eq!(lanes::<f64, 2>(f64x2_floor(from_lanes::<f64, 2>([-1.5, 1.5]))), [-2.0, 1.0]);
    }

    #[test]
    fn conversions() {
        let a = f32s([f32::NAN, -1e10, 1e10, -1.9]);
        assert_eq!(lanes::<i32, 4>(i32x4_trunc_sat_f32x4_s(a)), [0, i32::MIN, i32::MAX, -1]);
        assert_eq!(lanes::<u32, 4>(i32x4_trunc_sat_f32x4_u(a)), [0, 0, u32::MAX, 0]);
        let d = from_lanes::<f64, 2>([-3.9, 5e9]);
        assert_eq!(lanes::<u32, 4>(i32x4_trunc_sat_f64x2_u_zero(d)), [0, u32::MAX, 0, 0]);
        assert_eq!(lanes::<i32, 4>(i32x4_trunc_sat_f64x2_s_zero(d)), [-3, i32::MAX, 0, 0]);
        let i = from_lanes::<i32, 4>([-1, 16777217, 0, 0]);
        assert_eq!(lanes::<f32, 4>(f32x4_convert_i32x4_u(i))[0], 4294967296.0);
        assert_eq!(lanes::<f32, 4>(f32x4_convert_i32x4_s(i))[1], 16777216.0);
        assert_eq!(lanes::<f64, 2>(f64x2_convert_low_i32x4_u(i)), [4294967295.0, 16777217.0]);
        let p = lanes::<f64, 2>(f64x2_promote_low_f32x4(f32s([1.5, -0.0, 9.0, 9.0])));
        assert_eq!(p[0], 1.5);
        assert!(p[1].is_sign_negative());
        let z = lanes::<f32, 4>(f32x4_demote_f64x2_zero(from_lanes::<f64, 2>([1e300, 0.1])));
        assert_eq!(z, [f32::INFINITY, 0.1, 0.0, 0.0]);
    }

    #[test]
    fn canonicalization() {
        let a = from_lanes::<u32, 4>([0xffa0_0001, 0x7f80_0001, 5, 0x7fc0_0000]);
        assert_eq!(bits32(f32x4_canonicalize_nans(a)), [0xffc0_0000, 0x7fc0_0000, 5, 0x7fc0_0000]);
    }
}
