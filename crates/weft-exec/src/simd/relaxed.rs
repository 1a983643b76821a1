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
//! These deterministic choices are what [`Config::deterministic_relaxed_simd`](crate::Config)
//! selects. By default both engines use the functions of [`native`]
//! instead: the result the host CPU's own instruction gives, so the fast
//! instruction can be used (a fused multiply-add where the CPU has one,
//! `pshufb`'s reading of swizzle indices on x86-64, ...). They are fixed
//! per machine, never per call: the same inputs give the same result for
//! the life of the process, on both engines.

use super::{
    V128, f32x4_max, f32x4_min, f64x2_max, f64x2_min, from_lanes, i8x16_swizzle, i16x8_q15mulr_sat_s,
    i32x4_trunc_sat_f32x4_s, i32x4_trunc_sat_f32x4_u, i32x4_trunc_sat_f64x2_s_zero, i32x4_trunc_sat_f64x2_u_zero,
    lanes, v128_bitselect, zip3,
};

/// `x[j] * y[j] + x[j+1] * y[j+1]`, both signed, wrapped to `i16`:
/// `-128 * -128 * 2` is -32768 (testsuite 0.7.7 allows that or x86's
/// signed-by-unsigned saturation, not a signed saturation to 32767).
#[inline(always)]
fn dot_pair(x: &[i8; 16], y: &[i8; 16], j: usize) -> i16 {
    let product = |k: usize| i16::from(x[k]) * i16::from(y[k]);
    product(j).wrapping_add(product(j + 1))
}

/// `i8x16.relaxed_swizzle`: as `i8x16.swizzle` (out-of-range indices give 0).
#[inline(always)]
pub fn i8x16_relaxed_swizzle(a: V128, b: V128) -> V128 {
    i8x16_swizzle(a, b)
}

/// `i32x4.relaxed_trunc_f32x4_s`: as `i32x4.trunc_sat_f32x4_s`.
#[inline(always)]
pub fn i32x4_relaxed_trunc_f32x4_s(a: V128) -> V128 {
    i32x4_trunc_sat_f32x4_s(a)
}

/// `i32x4.relaxed_trunc_f32x4_u`: as `i32x4.trunc_sat_f32x4_u`.
#[inline(always)]
pub fn i32x4_relaxed_trunc_f32x4_u(a: V128) -> V128 {
    i32x4_trunc_sat_f32x4_u(a)
}

/// `i32x4.relaxed_trunc_f64x2_s_zero`: as `i32x4.trunc_sat_f64x2_s_zero`.
#[inline(always)]
pub fn i32x4_relaxed_trunc_f64x2_s_zero(a: V128) -> V128 {
    i32x4_trunc_sat_f64x2_s_zero(a)
}

/// `i32x4.relaxed_trunc_f64x2_u_zero`: as `i32x4.trunc_sat_f64x2_u_zero`.
#[inline(always)]
pub fn i32x4_relaxed_trunc_f64x2_u_zero(a: V128) -> V128 {
    i32x4_trunc_sat_f64x2_u_zero(a)
}

/// `f32x4.relaxed_madd`: `a * b + c`, unfused (two roundings).
#[inline(always)]
pub fn f32x4_relaxed_madd(a: V128, b: V128, c: V128) -> V128 {
    zip3::<f32, 4>(a, b, c, |x, y, z| x * y + z)
}

/// `f32x4.relaxed_nmadd`: `-a * b + c`, unfused (two roundings).
#[inline(always)]
pub fn f32x4_relaxed_nmadd(a: V128, b: V128, c: V128) -> V128 {
    zip3::<f32, 4>(a, b, c, |x, y, z| -x * y + z)
}

/// `f64x2.relaxed_madd`: `a * b + c`, unfused (two roundings).
#[inline(always)]
pub fn f64x2_relaxed_madd(a: V128, b: V128, c: V128) -> V128 {
    zip3::<f64, 2>(a, b, c, |x, y, z| x * y + z)
}

/// `f64x2.relaxed_nmadd`: `-a * b + c`, unfused (two roundings).
#[inline(always)]
pub fn f64x2_relaxed_nmadd(a: V128, b: V128, c: V128) -> V128 {
    zip3::<f64, 2>(a, b, c, |x, y, z| -x * y + z)
}

/// `i8x16.relaxed_laneselect`: as `v128.bitselect` (the mask is used bit by bit).
#[inline(always)]
pub fn i8x16_relaxed_laneselect(a: V128, b: V128, c: V128) -> V128 {
    v128_bitselect(a, b, c)
}

/// `i16x8.relaxed_laneselect`: as `v128.bitselect` (the mask is used bit by bit).
#[inline(always)]
pub fn i16x8_relaxed_laneselect(a: V128, b: V128, c: V128) -> V128 {
    v128_bitselect(a, b, c)
}

/// `i32x4.relaxed_laneselect`: as `v128.bitselect` (the mask is used bit by bit).
#[inline(always)]
pub fn i32x4_relaxed_laneselect(a: V128, b: V128, c: V128) -> V128 {
    v128_bitselect(a, b, c)
}

/// `i64x2.relaxed_laneselect`: as `v128.bitselect` (the mask is used bit by bit).
#[inline(always)]
pub fn i64x2_relaxed_laneselect(a: V128, b: V128, c: V128) -> V128 {
    v128_bitselect(a, b, c)
}

/// `f32x4.relaxed_min`: as `f32x4.min`.
#[inline(always)]
pub fn f32x4_relaxed_min(a: V128, b: V128) -> V128 {
    f32x4_min(a, b)
}

/// `f32x4.relaxed_max`: as `f32x4.max`.
#[inline(always)]
pub fn f32x4_relaxed_max(a: V128, b: V128) -> V128 {
    f32x4_max(a, b)
}

/// `f64x2.relaxed_min`: as `f64x2.min`.
#[inline(always)]
pub fn f64x2_relaxed_min(a: V128, b: V128) -> V128 {
    f64x2_min(a, b)
}

/// `f64x2.relaxed_max`: as `f64x2.max`.
#[inline(always)]
pub fn f64x2_relaxed_max(a: V128, b: V128) -> V128 {
    f64x2_max(a, b)
}

/// `i16x8.relaxed_q15mulr_s`: as `i16x8.q15mulr_sat_s`.
#[inline(always)]
pub fn i16x8_relaxed_q15mulr_s(a: V128, b: V128) -> V128 {
    i16x8_q15mulr_sat_s(a, b)
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`: both operands signed; each pair sum wrapped to `i16`.
#[inline(always)]
pub fn i16x8_relaxed_dot_i8x16_i7x16_s(a: V128, b: V128) -> V128 {
    let (x, y) = (lanes::<i8, 16>(a), lanes::<i8, 16>(b));
    from_lanes::<i16, 8>(std::array::from_fn(|i| dot_pair(&x, &y, 2 * i)))
}

/// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the two
/// `i16x8.relaxed_dot_i8x16_i7x16_s` sums of each 32-bit lane, added (as
/// `i32`) to `c`, wrapping.
#[inline(always)]
pub fn i32x4_relaxed_dot_i8x16_i7x16_add_s(a: V128, b: V128, c: V128) -> V128 {
    let (x, y, acc) = (lanes::<i8, 16>(a), lanes::<i8, 16>(b), lanes::<i32, 4>(c));
    from_lanes::<i32, 4>(std::array::from_fn(|i| {
        let sum = i32::from(dot_pair(&x, &y, 4 * i)) + i32::from(dot_pair(&x, &y, 4 * i + 2));
        sum.wrapping_add(acc[i])
    }))
}

/// Relaxed SIMD with the host's native choices (the default; see the
/// module documentation). Each function returns one of the results the
/// spec allows, the one the host's own instruction computes:
///
/// | instruction | x86-64 | aarch64 | elsewhere |
/// |---|---|---|---|
/// | `relaxed_madd`, `relaxed_nmadd` | fused (one rounding) if the CPU has FMA (detected once at run time), else unfused | fused (`fmla`) | fused if compiled with the `fma` target feature |
/// | `relaxed_swizzle` | `pshufb`: index bit 7 set gives 0, else byte `index & 15` | `tbl`: as `swizzle` | as `swizzle` |
/// | `relaxed_trunc_f32x4_s`, `..._f64x2_s_zero` | `cvttps2dq`: NaN or out of range gives `i32::MIN` | saturating | saturating |
/// | `relaxed_min`, `relaxed_max` | `minps`/`maxps`: `a < b ? a : b`, `a > b ? a : b` (a NaN or a pair of zeros gives `b`) | `fmin`/`fmax`: as `min`, `max` | as `min`, `max` |
/// | `relaxed_q15mulr_s` | `pmulhrsw`: `-32768 * -32768` wraps to -32768 | `sqrdmulh`: saturates | saturates |
/// | `relaxed_dot_i8x16_i7x16_s` (and `_add_s`) | `pmaddubsw`: `b` read as unsigned, pair sums saturated to `i16` | signed, wrapping (as the deterministic choice) | signed, wrapping |
///
/// `relaxed_laneselect` and `relaxed_trunc_..._u` keep their
/// deterministic result everywhere: on SSE2 and NEON a bit select is
/// already the fast instruction, and no baseline instruction truncates to
/// unsigned.
pub mod native {
    use super::super::{Lane, V128, each, from_lanes, lanes, zip, zip3};

    // Native and deterministic agree on these everywhere (see above).
    pub use super::{
        i8x16_relaxed_laneselect, i16x8_relaxed_laneselect, i32x4_relaxed_laneselect, i32x4_relaxed_trunc_f32x4_u,
        i32x4_relaxed_trunc_f64x2_u_zero, i64x2_relaxed_laneselect,
    };

    /// Whether the native choice is x86-64's.
    const X86: bool = cfg!(target_arch = "x86_64");

    /// Whether `relaxed_madd` fuses on this host: the CPU has a fused
    /// multiply-add instruction (checked once; `is_x86_feature_detected`
    /// caches its answer).
    #[inline(always)]
    pub fn has_fma() -> bool {
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

    /// `x * y + z`, fused if [`has_fma`].
    #[inline(always)]
    fn madd<T: Lane + core::ops::Mul<Output = T> + core::ops::Add<Output = T>>(
        fused: bool,
        fma: impl Fn(T, T, T) -> T,
        x: T,
        y: T,
        z: T,
    ) -> T {
        if fused { fma(x, y, z) } else { x * y + z }
    }

    /// `f32x4.relaxed_madd`: `a * b + c`, fused where the CPU has FMA.
    #[inline(always)]
    pub fn f32x4_relaxed_madd(a: V128, b: V128, c: V128) -> V128 {
        let fused = has_fma();
        zip3::<f32, 4>(a, b, c, |x, y, z| madd(fused, f32::mul_add, x, y, z))
    }

    /// `f32x4.relaxed_nmadd`: `-a * b + c`, fused where the CPU has FMA.
    #[inline(always)]
    pub fn f32x4_relaxed_nmadd(a: V128, b: V128, c: V128) -> V128 {
        let fused = has_fma();
        zip3::<f32, 4>(a, b, c, |x, y, z| madd(fused, f32::mul_add, -x, y, z))
    }

    /// `f64x2.relaxed_madd`: `a * b + c`, fused where the CPU has FMA.
    #[inline(always)]
    pub fn f64x2_relaxed_madd(a: V128, b: V128, c: V128) -> V128 {
        let fused = has_fma();
        zip3::<f64, 2>(a, b, c, |x, y, z| madd(fused, f64::mul_add, x, y, z))
    }

    /// `f64x2.relaxed_nmadd`: `-a * b + c`, fused where the CPU has FMA.
    #[inline(always)]
    pub fn f64x2_relaxed_nmadd(a: V128, b: V128, c: V128) -> V128 {
        let fused = has_fma();
        zip3::<f64, 2>(a, b, c, |x, y, z| madd(fused, f64::mul_add, -x, y, z))
    }

    /// `i8x16.relaxed_swizzle`: on x86-64 as `pshufb` (an index with bit 7
    /// set gives 0, any other selects byte `index & 15`), else as
    /// `i8x16.swizzle`.
    #[inline(always)]
    pub fn i8x16_relaxed_swizzle(a: V128, s: V128) -> V128 {
        if !X86 {
            return super::super::i8x16_swizzle(a, s);
        }
        each(s, |i| if i & 0x80 != 0 { 0 } else { a[usize::from(i & 15)] })
    }

    /// `cvttps2dq`/`cvttpd2dq` on one lane: `i32::MIN` for NaN and out of range.
    #[inline(always)]
    fn cvtt(x: f64) -> i32 {
        if x > -2_147_483_649.0 && x < 2_147_483_648.0 { x as i32 } else { i32::MIN }
    }

    /// `i32x4.relaxed_trunc_f32x4_s`: on x86-64 NaN and out-of-range lanes
    /// give `i32::MIN` (`cvttps2dq`), else saturating.
    #[inline(always)]
    pub fn i32x4_relaxed_trunc_f32x4_s(a: V128) -> V128 {
        if !X86 {
            return super::i32x4_relaxed_trunc_f32x4_s(a);
        }
        from_lanes::<i32, 4>(each(lanes::<f32, 4>(a), |x| cvtt(f64::from(x))))
    }

    /// `i32x4.relaxed_trunc_f64x2_s_zero`: on x86-64 NaN and out-of-range
    /// lanes give `i32::MIN` (`cvttpd2dq`), else saturating.
    #[inline(always)]
    pub fn i32x4_relaxed_trunc_f64x2_s_zero(a: V128) -> V128 {
        if !X86 {
            return super::i32x4_relaxed_trunc_f64x2_s_zero(a);
        }
        let [x, y] = lanes::<f64, 2>(a);
        from_lanes::<i32, 4>([cvtt(x), cvtt(y), 0, 0])
    }

    /// `f32x4.relaxed_min`: on x86-64 `minps` (`a < b ? a : b`), else `f32x4.min`.
    #[inline(always)]
    pub fn f32x4_relaxed_min(a: V128, b: V128) -> V128 {
        if !X86 {
            return super::f32x4_relaxed_min(a, b);
        }
        zip::<f32, 4>(a, b, |x, y| if x < y { x } else { y })
    }

    /// `f32x4.relaxed_max`: on x86-64 `maxps` (`a > b ? a : b`), else `f32x4.max`.
    #[inline(always)]
    pub fn f32x4_relaxed_max(a: V128, b: V128) -> V128 {
        if !X86 {
            return super::f32x4_relaxed_max(a, b);
        }
        zip::<f32, 4>(a, b, |x, y| if x > y { x } else { y })
    }

    /// `f64x2.relaxed_min`: on x86-64 `minpd` (`a < b ? a : b`), else `f64x2.min`.
    #[inline(always)]
    pub fn f64x2_relaxed_min(a: V128, b: V128) -> V128 {
        if !X86 {
            return super::f64x2_relaxed_min(a, b);
        }
        zip::<f64, 2>(a, b, |x, y| if x < y { x } else { y })
    }

    /// `f64x2.relaxed_max`: on x86-64 `maxpd` (`a > b ? a : b`), else `f64x2.max`.
    #[inline(always)]
    pub fn f64x2_relaxed_max(a: V128, b: V128) -> V128 {
        if !X86 {
            return super::f64x2_relaxed_max(a, b);
        }
        zip::<f64, 2>(a, b, |x, y| if x > y { x } else { y })
    }

    /// `i16x8.relaxed_q15mulr_s`: on x86-64 `pmulhrsw` (the one overflow,
    /// `-32768 * -32768`, wraps to -32768), else saturating.
    #[inline(always)]
    pub fn i16x8_relaxed_q15mulr_s(a: V128, b: V128) -> V128 {
        if !X86 {
            return super::i16x8_relaxed_q15mulr_s(a, b);
        }
        zip::<i16, 8>(a, b, |x, y| ((i32::from(x) * i32::from(y) + 0x4000) >> 15) as i16)
    }

    /// `pmaddubsw` on pair `j`: `x` signed, `y` unsigned, the sum saturated.
    #[inline(always)]
    fn dot_pair_x86(x: &[i8; 16], y: &[u8; 16], j: usize) -> i16 {
        let product = |k: usize| i32::from(x[k]) * i32::from(y[k]);
        (product(j) + product(j + 1)).clamp(-32768, 32767) as i16
    }

    /// `i16x8.relaxed_dot_i8x16_i7x16_s`: on x86-64 `pmaddubsw` (`b` read
    /// as unsigned, pair sums saturated), else both signed and wrapping.
    #[inline(always)]
    pub fn i16x8_relaxed_dot_i8x16_i7x16_s(a: V128, b: V128) -> V128 {
        if !X86 {
            return super::i16x8_relaxed_dot_i8x16_i7x16_s(a, b);
        }
        let (x, y) = (lanes::<i8, 16>(a), lanes::<u8, 16>(b));
        from_lanes::<i16, 8>(std::array::from_fn(|i| dot_pair_x86(&x, &y, 2 * i)))
    }

    /// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the two
    /// [`i16x8_relaxed_dot_i8x16_i7x16_s`] sums of each 32-bit lane added
    /// (as `i32`, as `pmaddwd` with ones does) to `c`, wrapping.
    #[inline(always)]
    pub fn i32x4_relaxed_dot_i8x16_i7x16_add_s(a: V128, b: V128, c: V128) -> V128 {
        if !X86 {
            return super::i32x4_relaxed_dot_i8x16_i7x16_add_s(a, b, c);
        }
        let (x, y, acc) = (lanes::<i8, 16>(a), lanes::<u8, 16>(b), lanes::<i32, 4>(c));
        from_lanes::<i32, 4>(std::array::from_fn(|i| {
            let sum = i32::from(dot_pair_x86(&x, &y, 4 * i)) + i32::from(dot_pair_x86(&x, &y, 4 * i + 2));
            sum.wrapping_add(acc[i])
        }))
    }
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
        let v = 0x8000_0000_7fc0_0000_4f80_0000_bf80_0000u128.to_le_bytes();
        assert_eq!(i32x4_relaxed_trunc_f32x4_u(v), i32x4_trunc_sat_f32x4_u(v));
        assert_eq!(i8x16_relaxed_laneselect([0xff; 16], [0; 16], v), v);
        assert_eq!(i16x8_relaxed_q15mulr_s(v, v), i16x8_q15mulr_sat_s(v, v));
        assert_eq!(i8x16_relaxed_swizzle(v, [0xff; 16]), [0; 16]);
    }
}
