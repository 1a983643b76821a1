//! Integer lane operations that change the lane width (spec 4.3.4:
//! `narrow`, `extend_low`/`extend_high`, `extmul`, `extadd_pairwise`,
//! `dot`), one function per instruction. Wide lanes are computed from the
//! narrow ones extended to the wide type, so only `narrow` (saturating) and
//! `i32x4.dot_i16x8_s` (wrapping) can overflow.

use super::{V128, from_lanes, lanes, narrow, pairwise, widen, widen2};

/// `i8x16.narrow_i16x8_s`: the lanes of `a` then `b`, saturated to `i8`.
#[inline(always)]
pub fn i8x16_narrow_i16x8_s(a: V128, b: V128) -> V128 {
    narrow::<i16, i8, 8, 16>(a, b, |x| x.clamp(-128, 127) as i8)
}

/// `i8x16.narrow_i16x8_u`: the signed lanes of `a` then `b`, saturated to `u8`.
#[inline(always)]
pub fn i8x16_narrow_i16x8_u(a: V128, b: V128) -> V128 {
    narrow::<i16, u8, 8, 16>(a, b, |x| x.clamp(0, 255) as u8)
}

/// `i16x8.narrow_i32x4_s`: the lanes of `a` then `b`, saturated to `i16`.
#[inline(always)]
pub fn i16x8_narrow_i32x4_s(a: V128, b: V128) -> V128 {
    narrow::<i32, i16, 4, 8>(a, b, |x| x.clamp(-32768, 32767) as i16)
}

/// `i16x8.narrow_i32x4_u`: the signed lanes of `a` then `b`, saturated to `u16`.
#[inline(always)]
pub fn i16x8_narrow_i32x4_u(a: V128, b: V128) -> V128 {
    narrow::<i32, u16, 4, 8>(a, b, |x| x.clamp(0, 65535) as u16)
}

/// `i16x8.extend_low_i8x16_s`: the low lanes sign-extended.
#[inline(always)]
pub fn i16x8_extend_low_i8x16_s(a: V128) -> V128 {
    widen::<i8, i16, 16, 8>(a, 0, i16::from)
}

/// `i16x8.extend_low_i8x16_u`: the low lanes zero-extended.
#[inline(always)]
pub fn i16x8_extend_low_i8x16_u(a: V128) -> V128 {
    widen::<u8, u16, 16, 8>(a, 0, u16::from)
}

/// `i16x8.extend_high_i8x16_s`: the high lanes sign-extended.
#[inline(always)]
pub fn i16x8_extend_high_i8x16_s(a: V128) -> V128 {
    widen::<i8, i16, 16, 8>(a, 8, i16::from)
}

/// `i16x8.extend_high_i8x16_u`: the high lanes zero-extended.
#[inline(always)]
pub fn i16x8_extend_high_i8x16_u(a: V128) -> V128 {
    widen::<u8, u16, 16, 8>(a, 8, u16::from)
}

/// `i16x8.extmul_low_i8x16_s`: the full signed products of the low lanes.
#[inline(always)]
pub fn i16x8_extmul_low_i8x16_s(a: V128, b: V128) -> V128 {
    widen2::<i8, i16, 16, 8>(a, b, 0, |x, y| i16::from(x) * i16::from(y))
}

/// `i16x8.extmul_low_i8x16_u`: the full unsigned products of the low lanes.
#[inline(always)]
pub fn i16x8_extmul_low_i8x16_u(a: V128, b: V128) -> V128 {
    widen2::<u8, u16, 16, 8>(a, b, 0, |x, y| u16::from(x) * u16::from(y))
}

/// `i16x8.extmul_high_i8x16_s`: the full signed products of the high lanes.
#[inline(always)]
pub fn i16x8_extmul_high_i8x16_s(a: V128, b: V128) -> V128 {
    widen2::<i8, i16, 16, 8>(a, b, 8, |x, y| i16::from(x) * i16::from(y))
}

/// `i16x8.extmul_high_i8x16_u`: the full unsigned products of the high lanes.
#[inline(always)]
pub fn i16x8_extmul_high_i8x16_u(a: V128, b: V128) -> V128 {
    widen2::<u8, u16, 16, 8>(a, b, 8, |x, y| u16::from(x) * u16::from(y))
}

/// `i16x8.extadd_pairwise_i8x16_s`: sums of adjacent signed lanes.
#[inline(always)]
pub fn i16x8_extadd_pairwise_i8x16_s(a: V128) -> V128 {
    pairwise::<i8, i16, 16, 8>(a, |x, y| i16::from(x) + i16::from(y))
}

/// `i16x8.extadd_pairwise_i8x16_u`: sums of adjacent unsigned lanes.
#[inline(always)]
pub fn i16x8_extadd_pairwise_i8x16_u(a: V128) -> V128 {
    pairwise::<u8, u16, 16, 8>(a, |x, y| u16::from(x) + u16::from(y))
}

/// `i32x4.extend_low_i16x8_s`: the low lanes sign-extended.
#[inline(always)]
pub fn i32x4_extend_low_i16x8_s(a: V128) -> V128 {
    widen::<i16, i32, 8, 4>(a, 0, i32::from)
}

/// `i32x4.extend_low_i16x8_u`: the low lanes zero-extended.
#[inline(always)]
pub fn i32x4_extend_low_i16x8_u(a: V128) -> V128 {
    widen::<u16, u32, 8, 4>(a, 0, u32::from)
}

/// `i32x4.extend_high_i16x8_s`: the high lanes sign-extended.
#[inline(always)]
pub fn i32x4_extend_high_i16x8_s(a: V128) -> V128 {
    widen::<i16, i32, 8, 4>(a, 4, i32::from)
}

/// `i32x4.extend_high_i16x8_u`: the high lanes zero-extended.
#[inline(always)]
pub fn i32x4_extend_high_i16x8_u(a: V128) -> V128 {
    widen::<u16, u32, 8, 4>(a, 4, u32::from)
}

/// `i32x4.extmul_low_i16x8_s`: the full signed products of the low lanes.
#[inline(always)]
pub fn i32x4_extmul_low_i16x8_s(a: V128, b: V128) -> V128 {
    widen2::<i16, i32, 8, 4>(a, b, 0, |x, y| i32::from(x) * i32::from(y))
}

/// `i32x4.extmul_low_i16x8_u`: the full unsigned products of the low lanes.
#[inline(always)]
pub fn i32x4_extmul_low_i16x8_u(a: V128, b: V128) -> V128 {
    widen2::<u16, u32, 8, 4>(a, b, 0, |x, y| u32::from(x) * u32::from(y))
}

/// `i32x4.extmul_high_i16x8_s`: the full signed products of the high lanes.
#[inline(always)]
pub fn i32x4_extmul_high_i16x8_s(a: V128, b: V128) -> V128 {
    widen2::<i16, i32, 8, 4>(a, b, 4, |x, y| i32::from(x) * i32::from(y))
}

/// `i32x4.extmul_high_i16x8_u`: the full unsigned products of the high lanes.
#[inline(always)]
pub fn i32x4_extmul_high_i16x8_u(a: V128, b: V128) -> V128 {
    widen2::<u16, u32, 8, 4>(a, b, 4, |x, y| u32::from(x) * u32::from(y))
}

/// `i32x4.extadd_pairwise_i16x8_s`: sums of adjacent signed lanes.
#[inline(always)]
pub fn i32x4_extadd_pairwise_i16x8_s(a: V128) -> V128 {
    pairwise::<i16, i32, 8, 4>(a, |x, y| i32::from(x) + i32::from(y))
}

/// `i32x4.extadd_pairwise_i16x8_u`: sums of adjacent unsigned lanes.
#[inline(always)]
pub fn i32x4_extadd_pairwise_i16x8_u(a: V128) -> V128 {
    pairwise::<u16, u32, 8, 4>(a, |x, y| u32::from(x) + u32::from(y))
}

/// `i64x2.extend_low_i32x4_s`: the low lanes sign-extended.
#[inline(always)]
pub fn i64x2_extend_low_i32x4_s(a: V128) -> V128 {
    widen::<i32, i64, 4, 2>(a, 0, i64::from)
}

/// `i64x2.extend_low_i32x4_u`: the low lanes zero-extended.
#[inline(always)]
pub fn i64x2_extend_low_i32x4_u(a: V128) -> V128 {
    widen::<u32, u64, 4, 2>(a, 0, u64::from)
}

/// `i64x2.extend_high_i32x4_s`: the high lanes sign-extended.
#[inline(always)]
pub fn i64x2_extend_high_i32x4_s(a: V128) -> V128 {
    widen::<i32, i64, 4, 2>(a, 2, i64::from)
}

/// `i64x2.extend_high_i32x4_u`: the high lanes zero-extended.
#[inline(always)]
pub fn i64x2_extend_high_i32x4_u(a: V128) -> V128 {
    widen::<u32, u64, 4, 2>(a, 2, u64::from)
}

/// `i64x2.extmul_low_i32x4_s`: the full signed products of the low lanes.
#[inline(always)]
pub fn i64x2_extmul_low_i32x4_s(a: V128, b: V128) -> V128 {
    widen2::<i32, i64, 4, 2>(a, b, 0, |x, y| i64::from(x) * i64::from(y))
}

/// `i64x2.extmul_low_i32x4_u`: the full unsigned products of the low lanes.
#[inline(always)]
pub fn i64x2_extmul_low_i32x4_u(a: V128, b: V128) -> V128 {
    widen2::<u32, u64, 4, 2>(a, b, 0, |x, y| u64::from(x) * u64::from(y))
}

/// `i64x2.extmul_high_i32x4_s`: the full signed products of the high lanes.
#[inline(always)]
pub fn i64x2_extmul_high_i32x4_s(a: V128, b: V128) -> V128 {
    widen2::<i32, i64, 4, 2>(a, b, 2, |x, y| i64::from(x) * i64::from(y))
}

/// `i64x2.extmul_high_i32x4_u`: the full unsigned products of the high lanes.
#[inline(always)]
pub fn i64x2_extmul_high_i32x4_u(a: V128, b: V128) -> V128 {
    widen2::<u32, u64, 4, 2>(a, b, 2, |x, y| u64::from(x) * u64::from(y))
}

/// `i32x4.dot_i16x8_s`: sums of the signed products of adjacent lanes
/// (wrapping: only `-32768 * -32768 * 2` overflows).
#[inline(always)]
pub fn i32x4_dot_i16x8_s(a: V128, b: V128) -> V128 {
    let (x, y) = (lanes::<i16, 8>(a), lanes::<i16, 8>(b));
    let product = |j: usize| i32::from(x[j]) * i32::from(y[j]);
    from_lanes::<i32, 4>(std::array::from_fn(|i| product(2 * i).wrapping_add(product(2 * i + 1))))
}

#[cfg(test)]
mod tests {
    use super::super::{from_lanes, lanes};
    use super::*;

    fn i8s(l: [i8; 16]) -> V128 {
        from_lanes::<i8, 16>(l)
    }

    fn i16s(l: [i16; 8]) -> V128 {
        from_lanes::<i16, 8>(l)
    }

    #[test]
    fn narrowing_saturates() {
        let a = i16s([300, -300, 127, -128, 255, 256, -1, 0]);
        let n = lanes::<i8, 16>(i8x16_narrow_i16x8_s(a, a));
        assert_eq!(n[..8], [127, -128, 127, -128, 127, 127, -1, 0]);
        let n = lanes::<u8, 16>(i8x16_narrow_i16x8_u(a, [0; 16]));
        assert_eq!(n[..8], [255, 0, 127, 0, 255, 255, 0, 0]);
        assert_eq!(n[8..], [0; 8]);
        let w = from_lanes::<i32, 4>([70000, -70000, 65535, -1]);
        assert_eq!(lanes::<u16, 8>(i16x8_narrow_i32x4_u(w, w))[..4], [65535, 0, 65535, 0]);
    }

    #[test]
    fn widening() {
        let a = i8s([-1, 2, 3, 4, 5, 6, 7, 8, -9, 10, 11, 12, 13, 14, 15, -128]);
        assert_eq!(lanes::<i16, 8>(i16x8_extend_high_i8x16_s(a)), [-9, 10, 11, 12, 13, 14, 15, -128]);
        assert_eq!(lanes::<i16, 8>(i16x8_extend_low_i8x16_u(a))[0], 255);
        assert_eq!(lanes::<i16, 8>(i16x8_extmul_high_i8x16_s(a, a))[7], 16384);
        assert_eq!(lanes::<u16, 8>(i16x8_extmul_low_i8x16_u(a, a))[0], 65025);
        assert_eq!(lanes::<i16, 8>(i16x8_extadd_pairwise_i8x16_s(a))[..2], [1, 7]);
        assert_eq!(lanes::<u16, 8>(i16x8_extadd_pairwise_i8x16_u(a))[0], 257);
        let w = from_lanes::<u32, 4>([u32::MAX, 2, u32::MAX, 0]);
        assert_eq!(lanes::<u64, 2>(i64x2_extmul_low_i32x4_u(w, w))[0], 0xffff_fffe_0000_0001);
        assert_eq!(lanes::<i64, 2>(i64x2_extmul_high_i32x4_s(w, w)), [1, 0]);
    }

    #[test]
    fn dot() {
        let m = i16s([-32768; 8]);
        assert_eq!(lanes::<i32, 4>(i32x4_dot_i16x8_s(m, m)), [i32::MIN; 4]);
        let a = i16s([1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(lanes::<i32, 4>(i32x4_dot_i16x8_s(a, a)), [5, 25, 61, 113]);
    }
}
