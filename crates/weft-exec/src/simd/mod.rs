//! Vector semantics (spec 4.3.4 "vector operations"), once, as plain
//! functions on `u128`. Both engines call these; nothing here knows about
//! stacks, frames or memories.
//!
//! # Conventions
//!
//! * A `v128` is a `u128` whose little-endian bytes are the vector's bytes
//!   in memory order, so lane `i` of shape `tNxM` is bits `[i*N, (i+1)*N)`.
//! * [`lanes`] reads a vector as `[T; M]` and [`from_lanes`] writes one back;
//!   [`map`], [`zip`], [`zip3`] and [`compare`] lift a lane function to a
//!   vector. The lane type says how lanes are read: `i8` lanes are signed,
//!   `u8` lanes unsigned, `f32` lanes floats.
//! * Floats cross the API as their bits (`u32`/`u64`), like
//!   [`Val::F32`](crate::Val); the scalar float helpers of
//!   [`crate::numeric`] (`min`, `max`, `nearest`, saturating truncation,
//!   demotion) are reused, so their NaN rules live once.
//! * Operations whose result is a boolean vector produce lanes of all ones
//!   (true) or zeros (false).
//! * Lane indices (`extract_lane`, `replace_lane`, `shuffle`, `load_lane`)
//!   are proved in range by the validator; here they are reduced modulo the
//!   lane count, so an unvalidated index never panics.
//!
//! The instructions are grouped by lane kind: `int.rs` and `int_width.rs`
//! (integer lanes, keeping or changing their width), `float.rs` (float
//! lanes and conversions) and `relaxed.rs` (relaxed SIMD with weft's
//! deterministic choices); this module keeps the
//! shape-independent ones (bitwise operations, splats, lane access,
//! shuffles, the lane parts of loads and stores).

mod float;
mod int;
mod int_width;
mod relaxed;

use std::array;

pub use float::*;
pub use int::*;
pub use int_width::*;
pub use relaxed::*;

/// A lane type: how a lane's bits are read.
pub trait Lane: Copy {
    /// The lane's width in bits.
    const BITS: u32;
    /// The lane held in the low `BITS` bits of `x`.
    fn from_low_bits(x: u128) -> Self;
    /// The lane's bits, zero-extended.
    fn to_bits(self) -> u128;
}

macro_rules! int_lanes {
    ($($t:ty => $u:ty),*) => {$(
        impl Lane for $t {
            const BITS: u32 = <$t>::BITS;
            #[inline]
            fn from_low_bits(x: u128) -> Self {
                x as $u as $t
            }
            #[inline]
            fn to_bits(self) -> u128 {
                u128::from(self as $u)
            }
        }
    )*};
}

int_lanes!(i8 => u8, u8 => u8, i16 => u16, u16 => u16, i32 => u32, u32 => u32, i64 => u64, u64 => u64);

impl Lane for f32 {
    const BITS: u32 = 32;
    #[inline]
    fn from_low_bits(x: u128) -> Self {
        f32::from_bits(x as u32)
    }
    #[inline]
    fn to_bits(self) -> u128 {
        u128::from(f32::to_bits(self))
    }
}

impl Lane for f64 {
    const BITS: u32 = 64;
    #[inline]
    fn from_low_bits(x: u128) -> Self {
        f64::from_bits(x as u64)
    }
    #[inline]
    fn to_bits(self) -> u128 {
        u128::from(f64::to_bits(self))
    }
}

/// The vector `v` as `M` lanes of type `T` (`M * T::BITS == 128`).
#[inline]
pub fn lanes<T: Lane, const M: usize>(v: u128) -> [T; M] {
    const { assert!(M as u32 * T::BITS == 128) };
    // Lane by lane from the two 64-bit halves: shifts of a `u64` by a
    // constant, which compile to far fewer instructions than shifts of the
    // whole `u128` by each lane's offset.
    let (lo, hi) = (v as u64, (v >> 64) as u64);
    array::from_fn(|i| {
        let half = if i < M / 2 { lo } else { hi };
        T::from_low_bits(u128::from(half >> ((i % (M / 2)) as u32 * T::BITS)))
    })
}

/// The vector made of `lanes` (`M * T::BITS == 128`).
#[inline]
pub fn from_lanes<T: Lane, const M: usize>(lanes: [T; M]) -> u128 {
    const { assert!(M as u32 * T::BITS == 128) };
    // Into the two 64-bit halves, as `lanes` reads them.
    let (mut lo, mut hi) = (0u64, 0u64);
    for (i, x) in lanes.iter().enumerate() {
        let bits = (x.to_bits() as u64) << ((i % (M / 2)) as u32 * T::BITS);
        if i < M / 2 {
            lo |= bits;
        } else {
            hi |= bits;
        }
    }
    u128::from(lo) | (u128::from(hi) << 64)
}

/// Applies `f` to every lane.
#[inline]
pub fn map<T: Lane, const M: usize>(a: u128, f: impl Fn(T) -> T) -> u128 {
    from_lanes::<T, M>(lanes::<T, M>(a).map(f))
}

/// Applies `f` to every pair of corresponding lanes.
#[inline]
pub fn zip<T: Lane, const M: usize>(a: u128, b: u128, f: impl Fn(T, T) -> T) -> u128 {
    let (a, b) = (lanes::<T, M>(a), lanes::<T, M>(b));
    from_lanes::<T, M>(array::from_fn(|i| f(a[i], b[i])))
}

/// Applies `f` to every triple of corresponding lanes.
#[inline]
pub fn zip3<T: Lane, const M: usize>(a: u128, b: u128, c: u128, f: impl Fn(T, T, T) -> T) -> u128 {
    let (a, b, c) = (lanes::<T, M>(a), lanes::<T, M>(b), lanes::<T, M>(c));
    from_lanes::<T, M>(array::from_fn(|i| f(a[i], b[i], c[i])))
}

/// A boolean vector: lane `i` is all ones if `f(a[i], b[i])`, else zero.
#[inline]
pub fn compare<T: Lane, const M: usize>(a: u128, b: u128, f: impl Fn(T, T) -> bool) -> u128 {
    let (a, b) = (lanes::<T, M>(a), lanes::<T, M>(b));
    let ones = u128::MAX >> (128 - T::BITS);
    (0..M).fold(0, |v, i| if f(a[i], b[i]) { v | (ones << (i as u32 * T::BITS)) } else { v })
}

/// `M` lanes of `S` read from lane `offset` on, each converted by `f` into a
/// lane of the wider vector of `W` lanes (`extend_low`/`extend_high`,
/// `convert_low`, `promote_low`).
#[inline]
pub fn widen<S: Lane, W: Lane, const N: usize, const M: usize>(a: u128, offset: usize, f: impl Fn(S) -> W) -> u128 {
    let a = lanes::<S, N>(a);
    from_lanes::<W, M>(array::from_fn(|i| f(a[i + offset])))
}

/// Like [`widen`] with two operands (`extmul_low`/`extmul_high`).
#[inline]
pub fn widen2<S: Lane, W: Lane, const N: usize, const M: usize>(
    a: u128,
    b: u128,
    offset: usize,
    f: impl Fn(S, S) -> W,
) -> u128 {
    let (a, b) = (lanes::<S, N>(a), lanes::<S, N>(b));
    from_lanes::<W, M>(array::from_fn(|i| f(a[i + offset], b[i + offset])))
}

/// Lane `i` of the result is `f(a[2i], a[2i+1])` (`extadd_pairwise`).
#[inline]
pub fn pairwise<S: Lane, W: Lane, const N: usize, const M: usize>(a: u128, f: impl Fn(S, S) -> W) -> u128 {
    let a = lanes::<S, N>(a);
    from_lanes::<W, M>(array::from_fn(|i| f(a[2 * i], a[2 * i + 1])))
}

/// The `N` wide lanes of `a` then those of `b`, each narrowed by `f` into
/// one of the `M = 2N` lanes of the result (`narrow`).
#[inline]
pub fn narrow<W: Lane, S: Lane, const N: usize, const M: usize>(a: u128, b: u128, f: impl Fn(W) -> S) -> u128 {
    let (a, b) = (lanes::<W, N>(a), lanes::<W, N>(b));
    from_lanes::<S, M>(array::from_fn(|i| if i < N { f(a[i]) } else { f(b[i - N]) }))
}

// ---- bitwise operations (spec 4.3.4: vvunop, vvbinop, vvternop, vvtestop) ----

/// `v128.not`.
#[inline]
pub fn v128_not(a: u128) -> u128 {
    !a
}

/// `v128.and`.
#[inline]
pub fn v128_and(a: u128, b: u128) -> u128 {
    a & b
}

/// `v128.andnot`: `a & !b`.
#[inline]
pub fn v128_andnot(a: u128, b: u128) -> u128 {
    a & !b
}

/// `v128.or`.
#[inline]
pub fn v128_or(a: u128, b: u128) -> u128 {
    a | b
}

/// `v128.xor`.
#[inline]
pub fn v128_xor(a: u128, b: u128) -> u128 {
    a ^ b
}

/// `v128.bitselect`: the bits of `a` where `mask` is set, of `b` elsewhere.
#[inline]
pub fn v128_bitselect(a: u128, b: u128, mask: u128) -> u128 {
    (a & mask) | (b & !mask)
}

/// `v128.any_true`: whether any bit is set.
#[inline]
pub fn v128_any_true(a: u128) -> bool {
    a != 0
}

// ---- splats (spec 4.4.3 `shape.splat`) ----

/// `i8x16.splat`: the low 8 bits of `x` in every lane.
#[inline]
pub fn i8x16_splat(x: i32) -> u128 {
    from_lanes::<u8, 16>([x as u8; 16])
}

/// `i16x8.splat`: the low 16 bits of `x` in every lane.
#[inline]
pub fn i16x8_splat(x: i32) -> u128 {
    from_lanes::<u16, 8>([x as u16; 8])
}

/// `i32x4.splat`.
#[inline]
pub fn i32x4_splat(x: i32) -> u128 {
    from_lanes::<i32, 4>([x; 4])
}

/// `i64x2.splat`.
#[inline]
pub fn i64x2_splat(x: i64) -> u128 {
    from_lanes::<i64, 2>([x; 2])
}

/// `f32x4.splat` (of the float's bits).
#[inline]
pub fn f32x4_splat(bits: u32) -> u128 {
    from_lanes::<u32, 4>([bits; 4])
}

/// `f64x2.splat` (of the float's bits).
#[inline]
pub fn f64x2_splat(bits: u64) -> u128 {
    from_lanes::<u64, 2>([bits; 2])
}

// ---- lane access (spec 4.4.3 `extract_lane`, `replace_lane`) ----

/// Lane `lane` (modulo the lane count) of `a` read as a `T`.
#[inline]
pub fn extract_lane<T: Lane, const M: usize>(a: u128, lane: u8) -> T {
    lanes::<T, M>(a)[usize::from(lane) % M]
}

/// `a` with lane `lane` (modulo the lane count) replaced by `x`.
#[inline]
pub fn replace_lane<T: Lane, const M: usize>(a: u128, lane: u8, x: T) -> u128 {
    let mut l = lanes::<T, M>(a);
    l[usize::from(lane) % M] = x;
    from_lanes::<T, M>(l)
}

/// `i8x16.extract_lane_s`.
#[inline]
pub fn i8x16_extract_lane_s(a: u128, lane: u8) -> i32 {
    i32::from(extract_lane::<i8, 16>(a, lane))
}

/// `i8x16.extract_lane_u`.
#[inline]
pub fn i8x16_extract_lane_u(a: u128, lane: u8) -> i32 {
    i32::from(extract_lane::<u8, 16>(a, lane))
}

/// `i16x8.extract_lane_s`.
#[inline]
pub fn i16x8_extract_lane_s(a: u128, lane: u8) -> i32 {
    i32::from(extract_lane::<i16, 8>(a, lane))
}

/// `i16x8.extract_lane_u`.
#[inline]
pub fn i16x8_extract_lane_u(a: u128, lane: u8) -> i32 {
    i32::from(extract_lane::<u16, 8>(a, lane))
}

/// `i32x4.extract_lane`.
#[inline]
pub fn i32x4_extract_lane(a: u128, lane: u8) -> i32 {
    extract_lane::<i32, 4>(a, lane)
}

/// `i64x2.extract_lane`.
#[inline]
pub fn i64x2_extract_lane(a: u128, lane: u8) -> i64 {
    extract_lane::<i64, 2>(a, lane)
}

/// `f32x4.extract_lane` (the float's bits).
#[inline]
pub fn f32x4_extract_lane(a: u128, lane: u8) -> u32 {
    extract_lane::<u32, 4>(a, lane)
}

/// `f64x2.extract_lane` (the float's bits).
#[inline]
pub fn f64x2_extract_lane(a: u128, lane: u8) -> u64 {
    extract_lane::<u64, 2>(a, lane)
}

/// `i8x16.replace_lane`: the low 8 bits of `x`.
#[inline]
pub fn i8x16_replace_lane(a: u128, lane: u8, x: i32) -> u128 {
    replace_lane::<u8, 16>(a, lane, x as u8)
}

/// `i16x8.replace_lane`: the low 16 bits of `x`.
#[inline]
pub fn i16x8_replace_lane(a: u128, lane: u8, x: i32) -> u128 {
    replace_lane::<u16, 8>(a, lane, x as u16)
}

/// `i32x4.replace_lane`.
#[inline]
pub fn i32x4_replace_lane(a: u128, lane: u8, x: i32) -> u128 {
    replace_lane::<i32, 4>(a, lane, x)
}

/// `i64x2.replace_lane`.
#[inline]
pub fn i64x2_replace_lane(a: u128, lane: u8, x: i64) -> u128 {
    replace_lane::<i64, 2>(a, lane, x)
}

/// `f32x4.replace_lane` (with the float's bits).
#[inline]
pub fn f32x4_replace_lane(a: u128, lane: u8, bits: u32) -> u128 {
    replace_lane::<u32, 4>(a, lane, bits)
}

/// `f64x2.replace_lane` (with the float's bits).
#[inline]
pub fn f64x2_replace_lane(a: u128, lane: u8, bits: u64) -> u128 {
    replace_lane::<u64, 2>(a, lane, bits)
}

// ---- byte permutations ----

/// `i8x16.shuffle`: byte `i` of the result is byte `lanes[i]` of the 32
/// bytes of `a` followed by `b`.
#[inline]
pub fn i8x16_shuffle(a: u128, b: u128, lanes: [u8; 16]) -> u128 {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(&a.to_le_bytes());
    bytes[16..].copy_from_slice(&b.to_le_bytes());
    u128::from_le_bytes(lanes.map(|i| bytes[usize::from(i) % 32]))
}

/// `i8x16.swizzle`: byte `i` of the result is byte `s[i]` of `a`, or 0 if
/// `s[i]` is 16 or more.
#[inline]
pub fn i8x16_swizzle(a: u128, s: u128) -> u128 {
    let a = a.to_le_bytes();
    u128::from_le_bytes(s.to_le_bytes().map(|i| a.get(usize::from(i)).copied().unwrap_or(0)))
}

// ---- the lane part of loads and stores (spec 4.4.7 `v128.load...`) ----

/// `v128.load8x8_s`: eight bytes sign-extended to `i16` lanes.
#[inline]
pub fn v128_load8x8_s(bytes: [u8; 8]) -> u128 {
    from_lanes::<i16, 8>(bytes.map(|b| i16::from(b as i8)))
}

/// `v128.load8x8_u`: eight bytes zero-extended to `i16` lanes.
#[inline]
pub fn v128_load8x8_u(bytes: [u8; 8]) -> u128 {
    from_lanes::<u16, 8>(bytes.map(u16::from))
}

/// `v128.load16x4_s`: four little-endian `i16` sign-extended to `i32` lanes.
#[inline]
pub fn v128_load16x4_s(bytes: [u8; 8]) -> u128 {
    let l: [i16; 4] = lanes64(bytes);
    from_lanes::<i32, 4>(l.map(i32::from))
}

/// `v128.load16x4_u`: four `u16` zero-extended to `i32` lanes.
#[inline]
pub fn v128_load16x4_u(bytes: [u8; 8]) -> u128 {
    let l: [u16; 4] = lanes64(bytes);
    from_lanes::<u32, 4>(l.map(u32::from))
}

/// `v128.load32x2_s`: two `i32` sign-extended to `i64` lanes.
#[inline]
pub fn v128_load32x2_s(bytes: [u8; 8]) -> u128 {
    let l: [i32; 2] = lanes64(bytes);
    from_lanes::<i64, 2>(l.map(i64::from))
}

/// `v128.load32x2_u`: two `u32` zero-extended to `i64` lanes.
#[inline]
pub fn v128_load32x2_u(bytes: [u8; 8]) -> u128 {
    let l: [u32; 2] = lanes64(bytes);
    from_lanes::<u64, 2>(l.map(u64::from))
}

/// The lanes of a little-endian 64-bit half vector.
fn lanes64<T: Lane, const M: usize>(bytes: [u8; 8]) -> [T; M] {
    let v = u64::from_le_bytes(bytes);
    array::from_fn(|i| T::from_low_bits(u128::from(v) >> (i as u32 * T::BITS)))
}

/// `v128.load32_zero` and `v128.load64_zero`: the bytes in the low lane,
/// zeros above.
#[inline]
pub fn v128_load_zero<const N: usize>(bytes: [u8; N]) -> u128 {
    let mut v = [0u8; 16];
    v[..N].copy_from_slice(&bytes);
    u128::from_le_bytes(v)
}

/// `v128.loadN_splat`: the `N` bytes in every `N`-byte lane.
#[inline]
pub fn v128_load_splat<const N: usize>(bytes: [u8; N]) -> u128 {
    let mut v = [0u8; 16];
    for chunk in v.chunks_exact_mut(N) {
        chunk.copy_from_slice(&bytes);
    }
    u128::from_le_bytes(v)
}

/// `v128.loadN_lane`: `a` with its `N`-byte lane `lane` (modulo the lane
/// count) replaced by `bytes`.
#[inline]
pub fn v128_load_lane<const N: usize>(a: u128, lane: u8, bytes: [u8; N]) -> u128 {
    let mut v = a.to_le_bytes();
    let at = usize::from(lane) % (16 / N) * N;
    v[at..at + N].copy_from_slice(&bytes);
    u128::from_le_bytes(v)
}

/// `v128.storeN_lane`: the bytes of `a`'s `N`-byte lane `lane` (modulo the
/// lane count).
#[inline]
pub fn v128_store_lane<const N: usize>(a: u128, lane: u8) -> [u8; N] {
    let v = a.to_le_bytes();
    let at = usize::from(lane) % (16 / N) * N;
    let mut out = [0u8; N];
    out.copy_from_slice(&v[at..at + N]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(b: [u8; 16]) -> u128 {
        u128::from_le_bytes(b)
    }

    #[test]
    fn lanes_round_trip_and_order() {
        let v = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128;
        assert_eq!(lanes::<u8, 16>(v)[0], 0);
        assert_eq!(lanes::<u8, 16>(v)[15], 15);
        assert_eq!(lanes::<u16, 8>(v)[1], 0x0302);
        assert_eq!(lanes::<i64, 2>(v)[1], 0x0f0e_0d0c_0b0a_0908);
        assert_eq!(from_lanes::<i32, 4>(lanes::<i32, 4>(v)), v);
        assert_eq!(compare::<i16, 8>(v, v, |a, b| a == b), u128::MAX);
    }

    #[test]
    fn lane_access() {
        let v = i8x16_splat(-1);
        assert_eq!(v, u128::MAX);
        assert_eq!(i8x16_extract_lane_s(v, 3), -1);
        assert_eq!(i8x16_extract_lane_u(v, 3), 255);
        assert_eq!(i16x8_extract_lane_u(i16x8_splat(0x1_8000), 7), 0x8000);
        let r = i32x4_replace_lane(0, 2, 7);
        assert_eq!(r, 7u128 << 64);
        assert_eq!(f64x2_extract_lane(f64x2_replace_lane(0, 1, 1.5f64.to_bits()), 1), 1.5f64.to_bits());
    }

    #[test]
    fn shuffle_and_swizzle() {
        let a = bytes(std::array::from_fn(|i| i as u8));
        let b = bytes(std::array::from_fn(|i| 16 + i as u8));
        let rev: [u8; 16] = std::array::from_fn(|i| 31 - i as u8);
        assert_eq!(i8x16_shuffle(a, b, rev).to_le_bytes(), rev);
        let s = bytes([0, 15, 16, 255, 1, 0x80, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        let r = i8x16_swizzle(a, s).to_le_bytes();
        assert_eq!(r[..6], [0, 15, 0, 0, 1, 0]);
    }

    #[test]
    fn bitwise() {
        assert_eq!(v128_bitselect(u128::MAX, 0, 0xff), 0xff);
        assert_eq!(v128_andnot(0b1100, 0b1010), 0b0100);
        assert!(!v128_any_true(0));
        assert!(v128_any_true(1 << 127));
    }

    #[test]
    fn loads_and_lanes() {
        let v = v128_load8x8_s([0x80, 1, 0xff, 0, 0, 0, 0, 0x7f]);
        assert_eq!(lanes::<i16, 8>(v), [-128, 1, -1, 0, 0, 0, 0, 127]);
        assert_eq!(lanes::<u32, 4>(v128_load16x4_u([0xff, 0xff, 1, 0, 0, 0, 0, 0])), [0xffff, 1, 0, 0]);
        assert_eq!(lanes::<i64, 2>(v128_load32x2_s([0xff; 8])), [-1, -1]);
        assert_eq!(v128_load_zero([1u8, 2, 3, 4]), 0x0403_0201);
        assert_eq!(v128_load_splat([0xabu8, 0xcd]), i16x8_splat(0xcdab));
        let v = v128_load_lane(0, 3, [1u8, 2, 3, 4]);
        assert_eq!(lanes::<u32, 4>(v), [0, 0, 0, 0x0403_0201]);
        assert_eq!(v128_store_lane::<4>(v, 3), [1, 2, 3, 4]);
        assert_eq!(v128_store_lane::<8>(v, 1), [0, 0, 0, 0, 1, 2, 3, 4]);
    }
}
