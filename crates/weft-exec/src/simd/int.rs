//! Integer lane operations that keep the lane width (spec 4.3.4: `ivunop`,
//! `ivbinop`, `ivshiftop`, `ivrelop`, `vitestop`, `vbitmask`,
//! `q15mulr_sat`), one function per instruction, in shape order `i8x16`,
//! `i16x8`, `i32x4`, `i64x2`; those that change it are in `int_width.rs`. The lane type in each
//! body (`i8` or `u8`...) is the signedness the instruction reads.

use super::{V128, compare, lanes, map, zip};

/// `q15mulr_sat_s` on one lane: `(a * b + 2^14) >> 15`, saturated; only
/// `-32768 * -32768` saturates.
#[inline(always)]
pub fn q15mulr_sat(a: i16, b: i16) -> i16 {
    ((i32::from(a) * i32::from(b) + 0x4000) >> 15).clamp(-32768, 32767) as i16
}

/// `i8x16.abs`: wrapping absolute value (`MIN` stays `MIN`).
#[inline(always)]
pub fn i8x16_abs(a: V128) -> V128 {
    map::<i8, 16>(a, i8::wrapping_abs)
}

/// `i8x16.neg`: wrapping negation.
#[inline(always)]
pub fn i8x16_neg(a: V128) -> V128 {
    map::<i8, 16>(a, i8::wrapping_neg)
}

/// `i8x16.popcnt`: the number of set bits of each lane.
#[inline(always)]
pub fn i8x16_popcnt(a: V128) -> V128 {
    map::<u8, 16>(a, |x| x.count_ones() as u8)
}

/// `i8x16.all_true`: whether every lane is non-zero.
#[inline(always)]
pub fn i8x16_all_true(a: V128) -> bool {
    lanes::<u8, 16>(a).iter().all(|x| *x != 0)
}

/// `i8x16.bitmask`: bit `i` is the sign bit of lane `i`.
#[inline(always)]
pub fn i8x16_bitmask(a: V128) -> i32 {
    lanes::<i8, 16>(a).iter().rev().fold(0, |mask, x| (mask << 1) | i32::from(*x < 0))
}

/// `i8x16.shl`: shift left by `count` modulo the lane width.
#[inline(always)]
pub fn i8x16_shl(a: V128, count: u32) -> V128 {
    map::<i8, 16>(a, |x| x.wrapping_shl(count))
}

/// `i8x16.shr_s`: arithmetic shift right by `count` modulo the lane width.
#[inline(always)]
pub fn i8x16_shr_s(a: V128, count: u32) -> V128 {
    map::<i8, 16>(a, |x| x.wrapping_shr(count))
}

/// `i8x16.shr_u`: logical shift right by `count` modulo the lane width.
#[inline(always)]
pub fn i8x16_shr_u(a: V128, count: u32) -> V128 {
    map::<u8, 16>(a, |x| x.wrapping_shr(count))
}

/// `i8x16.add`: wrapping addition.
#[inline(always)]
pub fn i8x16_add(a: V128, b: V128) -> V128 {
    zip::<i8, 16>(a, b, i8::wrapping_add)
}

/// `i8x16.sub`: wrapping subtraction.
#[inline(always)]
pub fn i8x16_sub(a: V128, b: V128) -> V128 {
    zip::<i8, 16>(a, b, i8::wrapping_sub)
}

/// `i8x16.add_sat_s`: signed saturating addition.
#[inline(always)]
pub fn i8x16_add_sat_s(a: V128, b: V128) -> V128 {
    zip::<i8, 16>(a, b, i8::saturating_add)
}

/// `i8x16.add_sat_u`: unsigned saturating addition.
#[inline(always)]
pub fn i8x16_add_sat_u(a: V128, b: V128) -> V128 {
    zip::<u8, 16>(a, b, u8::saturating_add)
}

/// `i8x16.sub_sat_s`: signed saturating subtraction.
#[inline(always)]
pub fn i8x16_sub_sat_s(a: V128, b: V128) -> V128 {
    zip::<i8, 16>(a, b, i8::saturating_sub)
}

/// `i8x16.sub_sat_u`: unsigned saturating subtraction.
#[inline(always)]
pub fn i8x16_sub_sat_u(a: V128, b: V128) -> V128 {
    zip::<u8, 16>(a, b, u8::saturating_sub)
}

/// `i8x16.avgr_u`: unsigned rounding average, `(a + b + 1) / 2`.
#[inline(always)]
pub fn i8x16_avgr_u(a: V128, b: V128) -> V128 {
    zip::<u8, 16>(a, b, |x, y| ((u16::from(x) + u16::from(y) + 1) >> 1) as u8)
}

/// `i8x16.min_s`: signed minimum.
#[inline(always)]
pub fn i8x16_min_s(a: V128, b: V128) -> V128 {
    zip::<i8, 16>(a, b, i8::min)
}

/// `i8x16.min_u`: unsigned minimum.
#[inline(always)]
pub fn i8x16_min_u(a: V128, b: V128) -> V128 {
    zip::<u8, 16>(a, b, u8::min)
}

/// `i8x16.max_s`: signed maximum.
#[inline(always)]
pub fn i8x16_max_s(a: V128, b: V128) -> V128 {
    zip::<i8, 16>(a, b, i8::max)
}

/// `i8x16.max_u`: unsigned maximum.
#[inline(always)]
pub fn i8x16_max_u(a: V128, b: V128) -> V128 {
    zip::<u8, 16>(a, b, u8::max)
}

/// `i8x16.eq`.
#[inline(always)]
pub fn i8x16_eq(a: V128, b: V128) -> V128 {
    compare::<i8, 16>(a, b, |x, y| x == y)
}

/// `i8x16.ne`.
#[inline(always)]
pub fn i8x16_ne(a: V128, b: V128) -> V128 {
    compare::<i8, 16>(a, b, |x, y| x != y)
}

/// `i8x16.lt_s`: signed.
#[inline(always)]
pub fn i8x16_lt_s(a: V128, b: V128) -> V128 {
    compare::<i8, 16>(a, b, |x, y| x < y)
}

/// `i8x16.lt_u`: unsigned.
#[inline(always)]
pub fn i8x16_lt_u(a: V128, b: V128) -> V128 {
    compare::<u8, 16>(a, b, |x, y| x < y)
}

/// `i8x16.gt_s`: signed.
#[inline(always)]
pub fn i8x16_gt_s(a: V128, b: V128) -> V128 {
    compare::<i8, 16>(a, b, |x, y| x > y)
}

/// `i8x16.gt_u`: unsigned.
#[inline(always)]
pub fn i8x16_gt_u(a: V128, b: V128) -> V128 {
    compare::<u8, 16>(a, b, |x, y| x > y)
}

/// `i8x16.le_s`: signed.
#[inline(always)]
pub fn i8x16_le_s(a: V128, b: V128) -> V128 {
    compare::<i8, 16>(a, b, |x, y| x <= y)
}

/// `i8x16.le_u`: unsigned.
#[inline(always)]
pub fn i8x16_le_u(a: V128, b: V128) -> V128 {
    compare::<u8, 16>(a, b, |x, y| x <= y)
}

/// `i8x16.ge_s`: signed.
#[inline(always)]
pub fn i8x16_ge_s(a: V128, b: V128) -> V128 {
    compare::<i8, 16>(a, b, |x, y| x >= y)
}

/// `i8x16.ge_u`: unsigned.
#[inline(always)]
pub fn i8x16_ge_u(a: V128, b: V128) -> V128 {
    compare::<u8, 16>(a, b, |x, y| x >= y)
}

/// `i16x8.abs`: wrapping absolute value (`MIN` stays `MIN`).
#[inline(always)]
pub fn i16x8_abs(a: V128) -> V128 {
    map::<i16, 8>(a, i16::wrapping_abs)
}

/// `i16x8.neg`: wrapping negation.
#[inline(always)]
pub fn i16x8_neg(a: V128) -> V128 {
    map::<i16, 8>(a, i16::wrapping_neg)
}

/// `i16x8.all_true`: whether every lane is non-zero.
#[inline(always)]
pub fn i16x8_all_true(a: V128) -> bool {
    lanes::<u16, 8>(a).iter().all(|x| *x != 0)
}

/// `i16x8.bitmask`: bit `i` is the sign bit of lane `i`.
#[inline(always)]
pub fn i16x8_bitmask(a: V128) -> i32 {
    lanes::<i16, 8>(a).iter().rev().fold(0, |mask, x| (mask << 1) | i32::from(*x < 0))
}

/// `i16x8.shl`: shift left by `count` modulo the lane width.
#[inline(always)]
pub fn i16x8_shl(a: V128, count: u32) -> V128 {
    map::<i16, 8>(a, |x| x.wrapping_shl(count))
}

/// `i16x8.shr_s`: arithmetic shift right by `count` modulo the lane width.
#[inline(always)]
pub fn i16x8_shr_s(a: V128, count: u32) -> V128 {
    map::<i16, 8>(a, |x| x.wrapping_shr(count))
}

/// `i16x8.shr_u`: logical shift right by `count` modulo the lane width.
#[inline(always)]
pub fn i16x8_shr_u(a: V128, count: u32) -> V128 {
    map::<u16, 8>(a, |x| x.wrapping_shr(count))
}

/// `i16x8.add`: wrapping addition.
#[inline(always)]
pub fn i16x8_add(a: V128, b: V128) -> V128 {
    zip::<i16, 8>(a, b, i16::wrapping_add)
}

/// `i16x8.sub`: wrapping subtraction.
#[inline(always)]
pub fn i16x8_sub(a: V128, b: V128) -> V128 {
    zip::<i16, 8>(a, b, i16::wrapping_sub)
}

/// `i16x8.mul`: wrapping multiplication.
#[inline(always)]
pub fn i16x8_mul(a: V128, b: V128) -> V128 {
    zip::<i16, 8>(a, b, i16::wrapping_mul)
}

/// `i16x8.add_sat_s`: signed saturating addition.
#[inline(always)]
pub fn i16x8_add_sat_s(a: V128, b: V128) -> V128 {
    zip::<i16, 8>(a, b, i16::saturating_add)
}

/// `i16x8.add_sat_u`: unsigned saturating addition.
#[inline(always)]
pub fn i16x8_add_sat_u(a: V128, b: V128) -> V128 {
    zip::<u16, 8>(a, b, u16::saturating_add)
}

/// `i16x8.sub_sat_s`: signed saturating subtraction.
#[inline(always)]
pub fn i16x8_sub_sat_s(a: V128, b: V128) -> V128 {
    zip::<i16, 8>(a, b, i16::saturating_sub)
}

/// `i16x8.sub_sat_u`: unsigned saturating subtraction.
#[inline(always)]
pub fn i16x8_sub_sat_u(a: V128, b: V128) -> V128 {
    zip::<u16, 8>(a, b, u16::saturating_sub)
}

/// `i16x8.avgr_u`: unsigned rounding average, `(a + b + 1) / 2`.
#[inline(always)]
pub fn i16x8_avgr_u(a: V128, b: V128) -> V128 {
    zip::<u16, 8>(a, b, |x, y| ((u32::from(x) + u32::from(y) + 1) >> 1) as u16)
}

/// `i16x8.min_s`: signed minimum.
#[inline(always)]
pub fn i16x8_min_s(a: V128, b: V128) -> V128 {
    zip::<i16, 8>(a, b, i16::min)
}

/// `i16x8.min_u`: unsigned minimum.
#[inline(always)]
pub fn i16x8_min_u(a: V128, b: V128) -> V128 {
    zip::<u16, 8>(a, b, u16::min)
}

/// `i16x8.max_s`: signed maximum.
#[inline(always)]
pub fn i16x8_max_s(a: V128, b: V128) -> V128 {
    zip::<i16, 8>(a, b, i16::max)
}

/// `i16x8.max_u`: unsigned maximum.
#[inline(always)]
pub fn i16x8_max_u(a: V128, b: V128) -> V128 {
    zip::<u16, 8>(a, b, u16::max)
}

/// `i16x8.eq`.
#[inline(always)]
pub fn i16x8_eq(a: V128, b: V128) -> V128 {
    compare::<i16, 8>(a, b, |x, y| x == y)
}

/// `i16x8.ne`.
#[inline(always)]
pub fn i16x8_ne(a: V128, b: V128) -> V128 {
    compare::<i16, 8>(a, b, |x, y| x != y)
}

/// `i16x8.lt_s`: signed.
#[inline(always)]
pub fn i16x8_lt_s(a: V128, b: V128) -> V128 {
    compare::<i16, 8>(a, b, |x, y| x < y)
}

/// `i16x8.lt_u`: unsigned.
#[inline(always)]
pub fn i16x8_lt_u(a: V128, b: V128) -> V128 {
    compare::<u16, 8>(a, b, |x, y| x < y)
}

/// `i16x8.gt_s`: signed.
#[inline(always)]
pub fn i16x8_gt_s(a: V128, b: V128) -> V128 {
    compare::<i16, 8>(a, b, |x, y| x > y)
}

/// `i16x8.gt_u`: unsigned.
#[inline(always)]
pub fn i16x8_gt_u(a: V128, b: V128) -> V128 {
    compare::<u16, 8>(a, b, |x, y| x > y)
}

/// `i16x8.le_s`: signed.
#[inline(always)]
pub fn i16x8_le_s(a: V128, b: V128) -> V128 {
    compare::<i16, 8>(a, b, |x, y| x <= y)
}

/// `i16x8.le_u`: unsigned.
#[inline(always)]
pub fn i16x8_le_u(a: V128, b: V128) -> V128 {
    compare::<u16, 8>(a, b, |x, y| x <= y)
}

/// `i16x8.ge_s`: signed.
#[inline(always)]
pub fn i16x8_ge_s(a: V128, b: V128) -> V128 {
    compare::<i16, 8>(a, b, |x, y| x >= y)
}

/// `i16x8.ge_u`: unsigned.
#[inline(always)]
pub fn i16x8_ge_u(a: V128, b: V128) -> V128 {
    compare::<u16, 8>(a, b, |x, y| x >= y)
}

/// `i32x4.abs`: wrapping absolute value (`MIN` stays `MIN`).
#[inline(always)]
pub fn i32x4_abs(a: V128) -> V128 {
    map::<i32, 4>(a, i32::wrapping_abs)
}

/// `i32x4.neg`: wrapping negation.
#[inline(always)]
pub fn i32x4_neg(a: V128) -> V128 {
    map::<i32, 4>(a, i32::wrapping_neg)
}

/// `i32x4.all_true`: whether every lane is non-zero.
#[inline(always)]
pub fn i32x4_all_true(a: V128) -> bool {
    lanes::<u32, 4>(a).iter().all(|x| *x != 0)
}

/// `i32x4.bitmask`: bit `i` is the sign bit of lane `i`.
#[inline(always)]
pub fn i32x4_bitmask(a: V128) -> i32 {
    lanes::<i32, 4>(a).iter().rev().fold(0, |mask, x| (mask << 1) | i32::from(*x < 0))
}

/// `i32x4.shl`: shift left by `count` modulo the lane width.
#[inline(always)]
pub fn i32x4_shl(a: V128, count: u32) -> V128 {
    map::<i32, 4>(a, |x| x.wrapping_shl(count))
}

/// `i32x4.shr_s`: arithmetic shift right by `count` modulo the lane width.
#[inline(always)]
pub fn i32x4_shr_s(a: V128, count: u32) -> V128 {
    map::<i32, 4>(a, |x| x.wrapping_shr(count))
}

/// `i32x4.shr_u`: logical shift right by `count` modulo the lane width.
#[inline(always)]
pub fn i32x4_shr_u(a: V128, count: u32) -> V128 {
    map::<u32, 4>(a, |x| x.wrapping_shr(count))
}

/// `i32x4.add`: wrapping addition.
#[inline(always)]
pub fn i32x4_add(a: V128, b: V128) -> V128 {
    zip::<i32, 4>(a, b, i32::wrapping_add)
}

/// `i32x4.sub`: wrapping subtraction.
#[inline(always)]
pub fn i32x4_sub(a: V128, b: V128) -> V128 {
    zip::<i32, 4>(a, b, i32::wrapping_sub)
}

/// `i32x4.mul`: wrapping multiplication.
#[inline(always)]
pub fn i32x4_mul(a: V128, b: V128) -> V128 {
    zip::<i32, 4>(a, b, i32::wrapping_mul)
}

/// `i32x4.min_s`: signed minimum.
#[inline(always)]
pub fn i32x4_min_s(a: V128, b: V128) -> V128 {
    zip::<i32, 4>(a, b, i32::min)
}

/// `i32x4.min_u`: unsigned minimum.
#[inline(always)]
pub fn i32x4_min_u(a: V128, b: V128) -> V128 {
    zip::<u32, 4>(a, b, u32::min)
}

/// `i32x4.max_s`: signed maximum.
#[inline(always)]
pub fn i32x4_max_s(a: V128, b: V128) -> V128 {
    zip::<i32, 4>(a, b, i32::max)
}

/// `i32x4.max_u`: unsigned maximum.
#[inline(always)]
pub fn i32x4_max_u(a: V128, b: V128) -> V128 {
    zip::<u32, 4>(a, b, u32::max)
}

/// `i32x4.eq`.
#[inline(always)]
pub fn i32x4_eq(a: V128, b: V128) -> V128 {
    compare::<i32, 4>(a, b, |x, y| x == y)
}

/// `i32x4.ne`.
#[inline(always)]
pub fn i32x4_ne(a: V128, b: V128) -> V128 {
    compare::<i32, 4>(a, b, |x, y| x != y)
}

/// `i32x4.lt_s`: signed.
#[inline(always)]
pub fn i32x4_lt_s(a: V128, b: V128) -> V128 {
    compare::<i32, 4>(a, b, |x, y| x < y)
}

/// `i32x4.lt_u`: unsigned.
#[inline(always)]
pub fn i32x4_lt_u(a: V128, b: V128) -> V128 {
    compare::<u32, 4>(a, b, |x, y| x < y)
}

/// `i32x4.gt_s`: signed.
#[inline(always)]
pub fn i32x4_gt_s(a: V128, b: V128) -> V128 {
    compare::<i32, 4>(a, b, |x, y| x > y)
}

/// `i32x4.gt_u`: unsigned.
#[inline(always)]
pub fn i32x4_gt_u(a: V128, b: V128) -> V128 {
    compare::<u32, 4>(a, b, |x, y| x > y)
}

/// `i32x4.le_s`: signed.
#[inline(always)]
pub fn i32x4_le_s(a: V128, b: V128) -> V128 {
    compare::<i32, 4>(a, b, |x, y| x <= y)
}

/// `i32x4.le_u`: unsigned.
#[inline(always)]
pub fn i32x4_le_u(a: V128, b: V128) -> V128 {
    compare::<u32, 4>(a, b, |x, y| x <= y)
}

/// `i32x4.ge_s`: signed.
#[inline(always)]
pub fn i32x4_ge_s(a: V128, b: V128) -> V128 {
    compare::<i32, 4>(a, b, |x, y| x >= y)
}

/// `i32x4.ge_u`: unsigned.
#[inline(always)]
pub fn i32x4_ge_u(a: V128, b: V128) -> V128 {
    compare::<u32, 4>(a, b, |x, y| x >= y)
}

/// `i64x2.abs`: wrapping absolute value (`MIN` stays `MIN`).
#[inline(always)]
pub fn i64x2_abs(a: V128) -> V128 {
    map::<i64, 2>(a, i64::wrapping_abs)
}

/// `i64x2.neg`: wrapping negation.
#[inline(always)]
pub fn i64x2_neg(a: V128) -> V128 {
    map::<i64, 2>(a, i64::wrapping_neg)
}

/// `i64x2.all_true`: whether every lane is non-zero.
#[inline(always)]
pub fn i64x2_all_true(a: V128) -> bool {
    lanes::<u64, 2>(a).iter().all(|x| *x != 0)
}

/// `i64x2.bitmask`: bit `i` is the sign bit of lane `i`.
#[inline(always)]
pub fn i64x2_bitmask(a: V128) -> i32 {
    lanes::<i64, 2>(a).iter().rev().fold(0, |mask, x| (mask << 1) | i32::from(*x < 0))
}

/// `i64x2.shl`: shift left by `count` modulo the lane width.
#[inline(always)]
pub fn i64x2_shl(a: V128, count: u32) -> V128 {
    map::<i64, 2>(a, |x| x.wrapping_shl(count))
}

/// `i64x2.shr_s`: arithmetic shift right by `count` modulo the lane width.
#[inline(always)]
pub fn i64x2_shr_s(a: V128, count: u32) -> V128 {
    map::<i64, 2>(a, |x| x.wrapping_shr(count))
}

/// `i64x2.shr_u`: logical shift right by `count` modulo the lane width.
#[inline(always)]
pub fn i64x2_shr_u(a: V128, count: u32) -> V128 {
    map::<u64, 2>(a, |x| x.wrapping_shr(count))
}

/// `i64x2.add`: wrapping addition.
#[inline(always)]
pub fn i64x2_add(a: V128, b: V128) -> V128 {
    zip::<i64, 2>(a, b, i64::wrapping_add)
}

/// `i64x2.sub`: wrapping subtraction.
#[inline(always)]
pub fn i64x2_sub(a: V128, b: V128) -> V128 {
    zip::<i64, 2>(a, b, i64::wrapping_sub)
}

/// `i64x2.mul`: wrapping multiplication.
#[inline(always)]
pub fn i64x2_mul(a: V128, b: V128) -> V128 {
    zip::<i64, 2>(a, b, i64::wrapping_mul)
}

/// `i64x2.eq`.
#[inline(always)]
pub fn i64x2_eq(a: V128, b: V128) -> V128 {
    compare::<i64, 2>(a, b, |x, y| x == y)
}

/// `i64x2.ne`.
#[inline(always)]
pub fn i64x2_ne(a: V128, b: V128) -> V128 {
    compare::<i64, 2>(a, b, |x, y| x != y)
}

/// `i64x2.lt_s`: signed.
#[inline(always)]
pub fn i64x2_lt_s(a: V128, b: V128) -> V128 {
    compare::<i64, 2>(a, b, |x, y| x < y)
}

/// `i64x2.gt_s`: signed.
#[inline(always)]
pub fn i64x2_gt_s(a: V128, b: V128) -> V128 {
    compare::<i64, 2>(a, b, |x, y| x > y)
}

/// `i64x2.le_s`: signed.
#[inline(always)]
pub fn i64x2_le_s(a: V128, b: V128) -> V128 {
    compare::<i64, 2>(a, b, |x, y| x <= y)
}

/// `i64x2.ge_s`: signed.
#[inline(always)]
pub fn i64x2_ge_s(a: V128, b: V128) -> V128 {
    compare::<i64, 2>(a, b, |x, y| x >= y)
}

/// `i16x8.q15mulr_sat_s`: Q15 rounding multiplication, saturated.
#[inline(always)]
pub fn i16x8_q15mulr_sat_s(a: V128, b: V128) -> V128 {
    zip::<i16, 8>(a, b, q15mulr_sat)
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
    fn wrapping_and_saturating() {
        let a = i8s([127, -128, 100, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        let b = i8s([1, -1, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(lanes::<i8, 16>(i8x16_add(a, b))[..3], [-128, 127, -56]);
        assert_eq!(lanes::<i8, 16>(i8x16_add_sat_s(a, b))[..3], [127, -128, 127]);
        assert_eq!(lanes::<u8, 16>(i8x16_add_sat_u(a, b))[..3], [128, 255, 200]);
        assert_eq!(lanes::<u8, 16>(i8x16_sub_sat_u(b, a))[..3], [0, 127, 0]);
        assert_eq!(lanes::<i8, 16>(i8x16_abs(a))[1], -128);
        assert_eq!(lanes::<u8, 16>(i8x16_avgr_u(a, b))[..3], [64, 192, 100]);
        assert_eq!(lanes::<u8, 16>(i8x16_popcnt(a))[..2], [7, 1]);
    }

    #[test]
    fn shifts_take_the_count_modulo_the_lane_width() {
        let a = i16s([-2, 1, 0x4000, 0, 0, 0, 0, 0]);
        assert_eq!(lanes::<i16, 8>(i16x8_shl(a, 17))[..3], [-4, 2, -0x8000]);
        assert_eq!(lanes::<i16, 8>(i16x8_shr_s(a, 1))[..2], [-1, 0]);
        assert_eq!(lanes::<u16, 8>(i16x8_shr_u(a, 33))[0], 0x7fff);
        assert_eq!(i64x2_shl(super::super::from_u128(1), 64), super::super::from_u128(1));
    }

    #[test]
    fn comparisons_tests_and_masks() {
        let a = i8s([-1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -5]);
        let z = [0; 16];
        assert_eq!(lanes::<i8, 16>(i8x16_lt_s(a, z))[..3], [-1, 0, 0]);
        assert_eq!(lanes::<i8, 16>(i8x16_gt_u(a, z))[..3], [-1, 0, -1]);
        assert_eq!(i8x16_bitmask(a), 0x8001);
        assert!(!i8x16_all_true(a));
        assert!(i32x4_all_true(from_lanes::<i32, 4>([1, -1, 1 << 31, 7])));
        assert_eq!(i64x2_bitmask(from_lanes::<i64, 2>([1, -1])), 0b10);
    }

    #[test]
    fn q15mulr_rounds_and_saturates() {
        assert_eq!(q15mulr_sat(-32768, -32768), 32767);
        assert_eq!(q15mulr_sat(16384, 16384), 8192);
        assert_eq!(q15mulr_sat(-1, 1), 0);
        let a = i16s([-32768, 16384, 0, 0, 0, 0, 0, 0]);
        assert_eq!(lanes::<i16, 8>(i16x8_q15mulr_sat_s(a, a))[..2], [32767, 8192]);
    }
}
