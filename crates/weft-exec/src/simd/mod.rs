//! Vector semantics (spec 4.3.4 "vector operations"), once, as plain
//! functions on [`V128`] byte arrays. Both engines call these; nothing here knows about
//! stacks, frames or memories.
//!
//! # Conventions
//!
//! * A `v128` is a [`V128`], its 16 bytes in memory order, so lane `i` of
//!   shape `tNxM` is the little-endian number in bytes `[i*N/8, (i+1)*N/8)`.
//!   ([`Val::V128`](crate::Val) holds the same value as a `u128` whose
//!   little-endian bytes these are: [`from_u128`], [`to_u128`].) A byte
//!   array, not a `u128`, because LLVM keeps a vector that is an array
//!   in a vector register, so each lane loop below compiles to one vector
//!   instruction (see [`Lane`]); a `u128` result is split across two
//!   general-purpose registers and reassembled lane by lane.
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

/// A `v128` value: its 16 bytes in memory order (see the module
/// documentation).
pub type V128 = [u8; 16];

/// The [`V128`] of a [`Val::V128`](crate::Val)'s `u128`.
#[inline(always)]
pub fn from_u128(v: u128) -> V128 {
    v.to_le_bytes()
}

/// The `u128` of a [`Val::V128`](crate::Val) holding `v`.
#[inline(always)]
pub fn to_u128(v: V128) -> u128 {
    u128::from_le_bytes(v)
}

/// A lane type: how a lane's bytes are read.
///
/// A vector is read as `[T; M]` with each lane's `from_le_bytes` and
/// written back with `to_le_bytes`: on a little-endian host every step is
/// a no-op, so LLVM sees a plain reinterpretation of 16 bytes as
/// `<M x T>` and turns the lane loops it is given into single vector
/// instructions (`addps`, `paddd`, `pcmpeqb`, `psrlw`... on x86-64's SSE2
/// baseline; `fadd`, `add`, `cmeq` on aarch64's NEON). The earlier
/// representation, a `u128` cut into lanes with 64-bit shifts and
/// reassembled with shifts and ors, compiled to a dozen scalar
/// instructions per lane.
pub trait Lane: Copy {
    /// The lane's width in bits.
    const BITS: u32;
    /// The lane whose little-endian bytes start at `bytes[at]`.
    fn read(bytes: &[u8; 16], at: usize) -> Self;
    /// Writes the lane's little-endian bytes to `bytes[at..]`.
    fn write(self, bytes: &mut [u8; 16], at: usize);
    /// A boolean lane: all ones for `true`, zero for `false`.
    fn mask(b: bool) -> Self;
}

macro_rules! int_lanes {
    ($($t:ty),*) => {$(
        impl Lane for $t {
            const BITS: u32 = <$t>::BITS;
            #[inline(always)]
            fn read(bytes: &[u8; 16], at: usize) -> Self {
                const N: usize = size_of::<$t>();
                let mut b = [0u8; N];
                b.copy_from_slice(&bytes[at..at + N]);
                <$t>::from_le_bytes(b)
            }
            #[inline(always)]
            fn write(self, bytes: &mut [u8; 16], at: usize) {
                bytes[at..at + size_of::<$t>()].copy_from_slice(&self.to_le_bytes());
            }
            #[inline(always)]
            fn mask(b: bool) -> Self {
                // All ones (`-1` for the signed types) or zero.
                (0 as $t).wrapping_sub(<$t>::from(b))
            }
        }
    )*};
}

int_lanes!(i8, u8, i16, u16, i32, u32, i64, u64);

macro_rules! float_lanes {
    ($($t:ty => $u:ty),*) => {$(
        impl Lane for $t {
            const BITS: u32 = <$u>::BITS;
            #[inline(always)]
            fn read(bytes: &[u8; 16], at: usize) -> Self {
                <$t>::from_bits(<$u>::read(bytes, at))
            }
            #[inline(always)]
            fn write(self, bytes: &mut [u8; 16], at: usize) {
                self.to_bits().write(bytes, at)
            }
            #[inline(always)]
            fn mask(b: bool) -> Self {
                <$t>::from_bits(<$u>::mask(b))
            }
        }
    )*};
}

float_lanes!(f32 => u32, f64 => u64);

/// The vector `v` as `M` lanes of type `T` (`M * T::BITS == 128`).
#[inline(always)]
pub fn lanes<T: Lane, const M: usize>(v: V128) -> [T; M] {
    const { assert!(M as u32 * T::BITS == 128) };
    array::from_fn(|i| T::read(&v, i * (16 / M)))
}

/// The vector made of `lanes` (`M * T::BITS == 128`).
#[inline(always)]
pub fn from_lanes<T: Lane, const M: usize>(lanes: [T; M]) -> V128 {
    const { assert!(M as u32 * T::BITS == 128) };
    let mut bytes = [0u8; 16];
    for (i, x) in lanes.into_iter().enumerate() {
        x.write(&mut bytes, i * (16 / M));
    }
    bytes
}

/// Applies `f` to every lane.
#[inline(always)]
pub fn map<T: Lane, const M: usize>(a: V128, f: impl Fn(T) -> T) -> V128 {
    from_lanes::<T, M>(each(lanes::<T, M>(a), f))
}

/// `f` of every element of `x`: `x.map(f)` as `array::from_fn`, which LLVM
/// inlines and vectorizes (`[T; N]::map` went out of line, for
/// `i8x16.popcnt` a call and a result read back through the stack).
#[inline(always)]
pub fn each<T: Copy, U, const M: usize>(x: [T; M], f: impl Fn(T) -> U) -> [U; M] {
    array::from_fn(|i| f(x[i]))
}

/// Applies `f` to every pair of corresponding lanes.
#[inline(always)]
pub fn zip<T: Lane, const M: usize>(a: V128, b: V128, f: impl Fn(T, T) -> T) -> V128 {
    let (a, b) = (lanes::<T, M>(a), lanes::<T, M>(b));
    from_lanes::<T, M>(array::from_fn(|i| f(a[i], b[i])))
}

/// Applies `f` to every triple of corresponding lanes.
#[inline(always)]
pub fn zip3<T: Lane, const M: usize>(a: V128, b: V128, c: V128, f: impl Fn(T, T, T) -> T) -> V128 {
    let (a, b, c) = (lanes::<T, M>(a), lanes::<T, M>(b), lanes::<T, M>(c));
    from_lanes::<T, M>(array::from_fn(|i| f(a[i], b[i], c[i])))
}

/// A boolean vector: lane `i` is all ones if `f(a[i], b[i])`, else zero.
#[inline(always)]
pub fn compare<T: Lane, const M: usize>(a: V128, b: V128, f: impl Fn(T, T) -> bool) -> V128 {
    let (a, b) = (lanes::<T, M>(a), lanes::<T, M>(b));
    from_lanes::<T, M>(array::from_fn(|i| T::mask(f(a[i], b[i]))))
}

/// `M` lanes of `S` read from lane `offset` on, each converted by `f` into a
/// lane of the wider vector of `W` lanes (`extend_low`/`extend_high`,
/// `convert_low`, `promote_low`).
#[inline(always)]
pub fn widen<S: Lane, W: Lane, const N: usize, const M: usize>(a: V128, offset: usize, f: impl Fn(S) -> W) -> V128 {
    let a = lanes::<S, N>(a);
    from_lanes::<W, M>(array::from_fn(|i| f(a[i + offset])))
}

/// Like [`widen`] with two operands (`extmul_low`/`extmul_high`).
#[inline(always)]
pub fn widen2<S: Lane, W: Lane, const N: usize, const M: usize>(
    a: V128,
    b: V128,
    offset: usize,
    f: impl Fn(S, S) -> W,
) -> V128 {
    let (a, b) = (lanes::<S, N>(a), lanes::<S, N>(b));
    from_lanes::<W, M>(array::from_fn(|i| f(a[i + offset], b[i + offset])))
}

/// Lane `i` of the result is `f(a[2i], a[2i+1])` (`extadd_pairwise`).
#[inline(always)]
pub fn pairwise<S: Lane, W: Lane, const N: usize, const M: usize>(a: V128, f: impl Fn(S, S) -> W) -> V128 {
    let a = lanes::<S, N>(a);
    from_lanes::<W, M>(array::from_fn(|i| f(a[2 * i], a[2 * i + 1])))
}

/// The `N` wide lanes of `a` then those of `b`, each narrowed by `f` into
/// one of the `M = 2N` lanes of the result (`narrow`).
#[inline(always)]
pub fn narrow<W: Lane, S: Lane, const N: usize, const M: usize>(a: V128, b: V128, f: impl Fn(W) -> S) -> V128 {
    let (a, b) = (lanes::<W, N>(a), lanes::<W, N>(b));
    from_lanes::<S, M>(array::from_fn(|i| if i < N { f(a[i]) } else { f(b[i - N]) }))
}

// ---- bitwise operations (spec 4.3.4: vvunop, vvbinop, vvternop, vvtestop) ----

/// `v128.not`.
#[inline(always)]
pub fn v128_not(a: V128) -> V128 {
    map::<u64, 2>(a, |x| !x)
}

/// `v128.and`.
#[inline(always)]
pub fn v128_and(a: V128, b: V128) -> V128 {
    zip::<u64, 2>(a, b, |x, y| x & y)
}

/// `v128.andnot`: `a & !b`.
#[inline(always)]
pub fn v128_andnot(a: V128, b: V128) -> V128 {
    zip::<u64, 2>(a, b, |x, y| x & !y)
}

/// `v128.or`.
#[inline(always)]
pub fn v128_or(a: V128, b: V128) -> V128 {
    zip::<u64, 2>(a, b, |x, y| x | y)
}

/// `v128.xor`.
#[inline(always)]
pub fn v128_xor(a: V128, b: V128) -> V128 {
    zip::<u64, 2>(a, b, |x, y| x ^ y)
}

/// `v128.bitselect`: the bits of `a` where `mask` is set, of `b` elsewhere.
#[inline(always)]
pub fn v128_bitselect(a: V128, b: V128, mask: V128) -> V128 {
    zip3::<u64, 2>(a, b, mask, |x, y, m| (x & m) | (y & !m))
}

/// `v128.any_true`: whether any bit is set.
#[inline(always)]
pub fn v128_any_true(a: V128) -> bool {
    let [lo, hi] = lanes::<u64, 2>(a);
    lo | hi != 0
}

// ---- splats (spec 4.4.3 `shape.splat`) ----

/// `i8x16.splat`: the low 8 bits of `x` in every lane.
#[inline(always)]
pub fn i8x16_splat(x: i32) -> V128 {
    from_lanes::<u8, 16>([x as u8; 16])
}

/// `i16x8.splat`: the low 16 bits of `x` in every lane.
#[inline(always)]
pub fn i16x8_splat(x: i32) -> V128 {
    from_lanes::<u16, 8>([x as u16; 8])
}

/// `i32x4.splat`.
#[inline(always)]
pub fn i32x4_splat(x: i32) -> V128 {
    from_lanes::<i32, 4>([x; 4])
}

/// `i64x2.splat`.
#[inline(always)]
pub fn i64x2_splat(x: i64) -> V128 {
    from_lanes::<i64, 2>([x; 2])
}

/// `f32x4.splat` (of the float's bits).
#[inline(always)]
pub fn f32x4_splat(bits: u32) -> V128 {
    from_lanes::<u32, 4>([bits; 4])
}

/// `f64x2.splat` (of the float's bits).
#[inline(always)]
pub fn f64x2_splat(bits: u64) -> V128 {
    from_lanes::<u64, 2>([bits; 2])
}

// ---- lane access (spec 4.4.3 `extract_lane`, `replace_lane`) ----

/// Lane `lane` (modulo the lane count) of `a` read as a `T`.
#[inline(always)]
pub fn extract_lane<T: Lane, const M: usize>(a: V128, lane: u8) -> T {
    lanes::<T, M>(a)[usize::from(lane) % M]
}

/// `a` with lane `lane` (modulo the lane count) replaced by `x`.
#[inline(always)]
pub fn replace_lane<T: Lane, const M: usize>(a: V128, lane: u8, x: T) -> V128 {
    let mut l = lanes::<T, M>(a);
    l[usize::from(lane) % M] = x;
    from_lanes::<T, M>(l)
}

/// `i8x16.extract_lane_s`.
#[inline(always)]
pub fn i8x16_extract_lane_s(a: V128, lane: u8) -> i32 {
    i32::from(extract_lane::<i8, 16>(a, lane))
}

/// `i8x16.extract_lane_u`.
#[inline(always)]
pub fn i8x16_extract_lane_u(a: V128, lane: u8) -> i32 {
    i32::from(extract_lane::<u8, 16>(a, lane))
}

/// `i16x8.extract_lane_s`.
#[inline(always)]
pub fn i16x8_extract_lane_s(a: V128, lane: u8) -> i32 {
    i32::from(extract_lane::<i16, 8>(a, lane))
}

/// `i16x8.extract_lane_u`.
#[inline(always)]
pub fn i16x8_extract_lane_u(a: V128, lane: u8) -> i32 {
    i32::from(extract_lane::<u16, 8>(a, lane))
}

/// `i32x4.extract_lane`.
#[inline(always)]
pub fn i32x4_extract_lane(a: V128, lane: u8) -> i32 {
    extract_lane::<i32, 4>(a, lane)
}

/// `i64x2.extract_lane`.
#[inline(always)]
pub fn i64x2_extract_lane(a: V128, lane: u8) -> i64 {
    extract_lane::<i64, 2>(a, lane)
}

/// `f32x4.extract_lane` (the float's bits).
#[inline(always)]
pub fn f32x4_extract_lane(a: V128, lane: u8) -> u32 {
    extract_lane::<u32, 4>(a, lane)
}

/// `f64x2.extract_lane` (the float's bits).
#[inline(always)]
pub fn f64x2_extract_lane(a: V128, lane: u8) -> u64 {
    extract_lane::<u64, 2>(a, lane)
}

/// `i8x16.replace_lane`: the low 8 bits of `x`.
#[inline(always)]
pub fn i8x16_replace_lane(a: V128, lane: u8, x: i32) -> V128 {
    replace_lane::<u8, 16>(a, lane, x as u8)
}

/// `i16x8.replace_lane`: the low 16 bits of `x`.
#[inline(always)]
pub fn i16x8_replace_lane(a: V128, lane: u8, x: i32) -> V128 {
    replace_lane::<u16, 8>(a, lane, x as u16)
}

/// `i32x4.replace_lane`.
#[inline(always)]
pub fn i32x4_replace_lane(a: V128, lane: u8, x: i32) -> V128 {
    replace_lane::<i32, 4>(a, lane, x)
}

/// `i64x2.replace_lane`.
#[inline(always)]
pub fn i64x2_replace_lane(a: V128, lane: u8, x: i64) -> V128 {
    replace_lane::<i64, 2>(a, lane, x)
}

/// `f32x4.replace_lane` (with the float's bits).
#[inline(always)]
pub fn f32x4_replace_lane(a: V128, lane: u8, bits: u32) -> V128 {
    replace_lane::<u32, 4>(a, lane, bits)
}

/// `f64x2.replace_lane` (with the float's bits).
#[inline(always)]
pub fn f64x2_replace_lane(a: V128, lane: u8, bits: u64) -> V128 {
    replace_lane::<u64, 2>(a, lane, bits)
}

// ---- byte permutations ----

/// `i8x16.shuffle`: byte `i` of the result is byte `lanes[i]` of the 32
/// bytes of `a` followed by `b`.
#[inline(always)]
pub fn i8x16_shuffle(a: V128, b: V128, lanes: [u8; 16]) -> V128 {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(&a);
    bytes[16..].copy_from_slice(&b);
    each(lanes, |i| bytes[usize::from(i) % 32])
}

/// `i8x16.swizzle`: byte `i` of the result is byte `s[i]` of `a`, or 0 if
/// `s[i]` is 16 or more.
#[inline(always)]
pub fn i8x16_swizzle(a: V128, s: V128) -> V128 {
    each(s, |i| a.get(usize::from(i)).copied().unwrap_or(0))
}

// ---- the lane part of loads and stores (spec 4.4.7 `v128.load...`) ----

/// `v128.load8x8_s`: eight bytes sign-extended to `i16` lanes.
#[inline(always)]
pub fn v128_load8x8_s(bytes: [u8; 8]) -> V128 {
    from_lanes::<i16, 8>(each(bytes, |b| i16::from(b as i8)))
}

/// `v128.load8x8_u`: eight bytes zero-extended to `i16` lanes.
#[inline(always)]
pub fn v128_load8x8_u(bytes: [u8; 8]) -> V128 {
    from_lanes::<u16, 8>(each(bytes, u16::from))
}

/// `v128.load16x4_s`: four little-endian `i16` sign-extended to `i32` lanes.
#[inline(always)]
pub fn v128_load16x4_s(bytes: [u8; 8]) -> V128 {
    let l: [i16; 4] = lanes64(bytes);
    from_lanes::<i32, 4>(each(l, i32::from))
}

/// `v128.load16x4_u`: four `u16` zero-extended to `i32` lanes.
#[inline(always)]
pub fn v128_load16x4_u(bytes: [u8; 8]) -> V128 {
    let l: [u16; 4] = lanes64(bytes);
    from_lanes::<u32, 4>(each(l, u32::from))
}

/// `v128.load32x2_s`: two `i32` sign-extended to `i64` lanes.
#[inline(always)]
pub fn v128_load32x2_s(bytes: [u8; 8]) -> V128 {
    let l: [i32; 2] = lanes64(bytes);
    from_lanes::<i64, 2>(each(l, i64::from))
}

/// `v128.load32x2_u`: two `u32` zero-extended to `i64` lanes.
#[inline(always)]
pub fn v128_load32x2_u(bytes: [u8; 8]) -> V128 {
    let l: [u32; 2] = lanes64(bytes);
    from_lanes::<u64, 2>(each(l, u64::from))
}

/// The `M` lanes of a little-endian 64-bit half vector.
#[inline(always)]
fn lanes64<T: Lane, const M: usize>(bytes: [u8; 8]) -> [T; M] {
    const { assert!(M as u32 * T::BITS == 64) };
    let mut v = [0u8; 16];
    v[..8].copy_from_slice(&bytes);
    array::from_fn(|i| T::read(&v, i * (8 / M)))
}

/// `v128.load32_zero` and `v128.load64_zero`: the bytes in the low lane,
/// zeros above.
#[inline(always)]
pub fn v128_load_zero<const N: usize>(bytes: [u8; N]) -> V128 {
    let mut v = [0u8; 16];
    v[..N].copy_from_slice(&bytes);
    v
}

/// `v128.loadN_splat`: the `N` bytes in every `N`-byte lane.
#[inline(always)]
pub fn v128_load_splat<const N: usize>(bytes: [u8; N]) -> V128 {
    let mut v = [0u8; 16];
    for chunk in v.chunks_exact_mut(N) {
        chunk.copy_from_slice(&bytes);
    }
    v
}

/// `v128.loadN_lane`: `a` with its `N`-byte lane `lane` (modulo the lane
/// count) replaced by `bytes`.
#[inline(always)]
pub fn v128_load_lane<const N: usize>(a: V128, lane: u8, bytes: [u8; N]) -> V128 {
    let mut v = a;
    let at = usize::from(lane) % (16 / N) * N;
    v[at..at + N].copy_from_slice(&bytes);
    v
}

/// `v128.storeN_lane`: the bytes of `a`'s `N`-byte lane `lane` (modulo the
/// lane count).
#[inline(always)]
pub fn v128_store_lane<const N: usize>(a: V128, lane: u8) -> [u8; N] {
    let v = a;
    let at = usize::from(lane) % (16 / N) * N;
    let mut out = [0u8; N];
    out.copy_from_slice(&v[at..at + N]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONES: V128 = [0xff; 16];
    const ZERO: V128 = [0; 16];

    #[test]
    fn lanes_round_trip_and_order() {
        let v = from_u128(0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100);
        assert_eq!(v, std::array::from_fn(|i| i as u8));
        assert_eq!(lanes::<u8, 16>(v)[0], 0);
        assert_eq!(lanes::<u8, 16>(v)[15], 15);
        assert_eq!(lanes::<u16, 8>(v)[1], 0x0302);
        assert_eq!(lanes::<i64, 2>(v)[1], 0x0f0e_0d0c_0b0a_0908);
        assert_eq!(from_lanes::<i32, 4>(lanes::<i32, 4>(v)), v);
        assert_eq!(compare::<i16, 8>(v, v, |a, b| a == b), ONES);
        assert_eq!(compare::<f32, 4>(v, v, |a, b| a != b), ZERO);
        assert_eq!(to_u128(v), 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100);
    }

    #[test]
    fn lane_access() {
        let v = i8x16_splat(-1);
        assert_eq!(v, ONES);
        assert_eq!(i8x16_extract_lane_s(v, 3), -1);
        assert_eq!(i8x16_extract_lane_u(v, 3), 255);
        assert_eq!(i16x8_extract_lane_u(i16x8_splat(0x1_8000), 7), 0x8000);
        let r = i32x4_replace_lane(ZERO, 2, 7);
        assert_eq!(to_u128(r), 7u128 << 64);
        assert_eq!(f64x2_extract_lane(f64x2_replace_lane(ZERO, 1, 1.5f64.to_bits()), 1), 1.5f64.to_bits());
    }

    #[test]
    fn shuffle_and_swizzle() {
        let a: V128 = std::array::from_fn(|i| i as u8);
        let b: V128 = std::array::from_fn(|i| 16 + i as u8);
        let rev: [u8; 16] = std::array::from_fn(|i| 31 - i as u8);
        assert_eq!(i8x16_shuffle(a, b, rev), rev);
        let s = [0, 15, 16, 255, 1, 0x80, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        let r = i8x16_swizzle(a, s);
        assert_eq!(r[..6], [0, 15, 0, 0, 1, 0]);
    }

    #[test]
    fn bitwise() {
        assert_eq!(to_u128(v128_bitselect(ONES, ZERO, from_u128(0xff))), 0xff);
        assert_eq!(to_u128(v128_andnot(from_u128(0b1100), from_u128(0b1010))), 0b0100);
        assert_eq!(to_u128(v128_not(from_u128(1 << 100))), !(1u128 << 100));
        assert_eq!(to_u128(v128_xor(from_u128(3 << 70), from_u128(1 << 70))), 2 << 70);
        assert!(!v128_any_true(ZERO));
        assert!(v128_any_true(from_u128(1 << 127)));
    }

    #[test]
    fn loads_and_lanes() {
        let v = v128_load8x8_s([0x80, 1, 0xff, 0, 0, 0, 0, 0x7f]);
        assert_eq!(lanes::<i16, 8>(v), [-128, 1, -1, 0, 0, 0, 0, 127]);
        assert_eq!(lanes::<u32, 4>(v128_load16x4_u([0xff, 0xff, 1, 0, 0, 0, 0, 0])), [0xffff, 1, 0, 0]);
        assert_eq!(lanes::<i64, 2>(v128_load32x2_s([0xff; 8])), [-1, -1]);
        assert_eq!(to_u128(v128_load_zero([1u8, 2, 3, 4])), 0x0403_0201);
        assert_eq!(v128_load_splat([0xabu8, 0xcd]), i16x8_splat(0xcdab));
        let v = v128_load_lane(ZERO, 3, [1u8, 2, 3, 4]);
        assert_eq!(lanes::<u32, 4>(v), [0, 0, 0, 0x0403_0201]);
        assert_eq!(v128_store_lane::<4>(v, 3), [1, 2, 3, 4]);
        assert_eq!(v128_store_lane::<8>(v, 1), [0, 0, 0, 0, 1, 2, 3, 4]);
    }
}
