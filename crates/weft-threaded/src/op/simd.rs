//! The threaded engine's vector sub-operations: one table
//! ([`simd_sub_ops!`]) lists every `v128` instruction that runs through a
//! shared handler (`exec/simd.rs`), grouped by signature, each with its
//! semantics as a call into [`weft_exec::simd`] (the lane functions the
//! reference engine uses too). For each group the table derives an enum
//! (stored in the op, one byte), its mapping from the decoder's operator
//! and an out-of-line `apply` that takes and returns plain integers, so a
//! handler calling it keeps no stack slot whose address escapes.
//!
//! The most common vector ops (`v128` loads and stores, `i32x4.add`, ...)
//! have dedicated ops and handlers instead (see [`super::Op`]).

use weft_decode::Operator;

use weft_exec::simd::{self as s, V128};

/// Derives, per group `Enum (args) (call) -> ret { Name = semantics, ... }`, the
/// enum `Enum` of the group's operators, `Enum::from_operator`,
/// `Enum::apply` and `Enum::native`. A row `Name = f => Native = g` (the
/// relaxed instructions) also has a variant `Native` computing the host's
/// native choice `g`, which `from_operator` never returns: the translator
/// picks it with `native()` unless `Config::deterministic_relaxed_simd`.
/// `f(a(), b(), ...)` for a row's call `(a, b, ...)`: its operands read
/// from the closures of [`simd_sub_ops!`]' `apply_lazy`.
macro_rules! lazy_call {
    ($f:expr, ($($x:ident),*)) => {
        ($f)($($x()),*)
    };
}

macro_rules! simd_sub_ops {
    ($( $(#[$doc:meta])* $Enum:ident ($($arg:ident : $argty:ty),*) $call:tt -> $ret:ty {
        $($name:ident = $f:expr $(=> $native:ident = $nf:expr)?,)*
    } )*) => {
        $(
            $(#[$doc])*
            // Variants are named after the operators (`I8x16Splat`, ...).
            #[allow(clippy::enum_variant_names)]
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub(crate) enum $Enum { $($name, $($native,)?)* }

            impl $Enum {
                /// The sub-operation of `op`, if it belongs to this group.
                pub(crate) fn from_operator(op: &Operator<'_>) -> Option<Self> {
                    Some(match op {
                        $( Operator::$name { .. } => Self::$name, )*
                        _ => return None,
                    })
                }

                /// The variant computing the host's native choice, for a
                /// relaxed instruction; `self` for any other.
                #[allow(dead_code, clippy::match_single_binding)]
                pub(crate) fn native(self) -> Self {
                    match self {
                        $($( Self::$name => Self::$native, )?)*
                        other => other,
                    }
                }

                /// The operation's result. Out of line: inlined into a
                /// step of `exec/simd.rs` (with its operands loaded before
                /// the `match`), LLVM split the 16-byte operands into
                /// scalar lanes for all ~140 arms at once; here each arm
                /// gets its operands as values and compiles to its own
                /// vector instructions.
                #[allow(dead_code)]
                #[inline(never)]
                pub(crate) fn apply(self, $($arg: $argty),*) -> $ret {
                    self.apply_inline($($arg),*)
                }

                /// [`apply`](Self::apply) inlined, for a handler of a
                /// small group (splats, lane extracts) to compute the
                /// result itself. Only for groups whose every arm stays
                /// vector code inline: with the shifts', LLVM cut the
                /// operand into scalar lanes for all arms.
                /// [`apply_inline`](Self::apply_inline) with each operand
                /// read by a closure, and the result handed to `set`,
                /// inside the arm: inlined into an out-of-line step that
                /// reads and writes v-slots, each arm is its instruction's
                /// vector code between a load and a store, with no call of
                /// `apply` between the step and the work (with the
                /// operands read before the `match` LLVM would carry them
                /// across the jump table as integer pairs, in scalar lanes).
                #[allow(dead_code)]
                #[inline(always)]
                pub(crate) fn apply_lazy(self, $($arg: impl Fn() -> $argty,)* set: impl FnOnce($ret)) {
                    match self {
                        $( Self::$name => set(lazy_call!($f, $call)), $(Self::$native => set(lazy_call!($nf, $call)),)? )*
                    }
                }

                #[allow(dead_code)]
                #[inline(always)]
                pub(crate) fn apply_inline(self, $($arg: $argty),*) -> $ret {
                    match self {
                        $( Self::$name => ($f) $call, $(Self::$native => ($nf) $call,)? )*
                    }
                }
            }
        )*
    };
}

simd_sub_ops! {
    /// `v128 -> v128`.
    VUnOp (a: V128) (a) -> V128 {
                V128Not = s::v128_not,
                I8x16Abs = s::i8x16_abs,
                I8x16Neg = s::i8x16_neg,
                I8x16Popcnt = s::i8x16_popcnt,
                I16x8Abs = s::i16x8_abs,
                I16x8Neg = s::i16x8_neg,
                I32x4Abs = s::i32x4_abs,
                I32x4Neg = s::i32x4_neg,
                I64x2Abs = s::i64x2_abs,
                I64x2Neg = s::i64x2_neg,
                I16x8ExtendLowI8x16S = s::i16x8_extend_low_i8x16_s,
                I16x8ExtendLowI8x16U = s::i16x8_extend_low_i8x16_u,
                I16x8ExtendHighI8x16S = s::i16x8_extend_high_i8x16_s,
                I16x8ExtendHighI8x16U = s::i16x8_extend_high_i8x16_u,
                I16x8ExtaddPairwiseI8x16S = s::i16x8_extadd_pairwise_i8x16_s,
                I16x8ExtaddPairwiseI8x16U = s::i16x8_extadd_pairwise_i8x16_u,
                I32x4ExtendLowI16x8S = s::i32x4_extend_low_i16x8_s,
                I32x4ExtendLowI16x8U = s::i32x4_extend_low_i16x8_u,
                I32x4ExtendHighI16x8S = s::i32x4_extend_high_i16x8_s,
                I32x4ExtendHighI16x8U = s::i32x4_extend_high_i16x8_u,
                I32x4ExtaddPairwiseI16x8S = s::i32x4_extadd_pairwise_i16x8_s,
                I32x4ExtaddPairwiseI16x8U = s::i32x4_extadd_pairwise_i16x8_u,
                I64x2ExtendLowI32x4S = s::i64x2_extend_low_i32x4_s,
                I64x2ExtendLowI32x4U = s::i64x2_extend_low_i32x4_u,
                I64x2ExtendHighI32x4S = s::i64x2_extend_high_i32x4_s,
                I64x2ExtendHighI32x4U = s::i64x2_extend_high_i32x4_u,
                F32x4Ceil = s::f32x4_ceil,
                F32x4Floor = s::f32x4_floor,
                F32x4Trunc = s::f32x4_trunc,
                F32x4Sqrt = s::f32x4_sqrt,
                F32x4Nearest = s::f32x4_nearest,
                F32x4Abs = s::f32x4_abs,
                F32x4Neg = s::f32x4_neg,
                F64x2Ceil = s::f64x2_ceil,
                F64x2Floor = s::f64x2_floor,
                F64x2Trunc = s::f64x2_trunc,
                F64x2Sqrt = s::f64x2_sqrt,
                F64x2Nearest = s::f64x2_nearest,
                F64x2Abs = s::f64x2_abs,
                F64x2Neg = s::f64x2_neg,
                I32x4TruncSatF32x4S = s::i32x4_trunc_sat_f32x4_s,
                I32x4TruncSatF32x4U = s::i32x4_trunc_sat_f32x4_u,
                I32x4TruncSatF64x2SZero = s::i32x4_trunc_sat_f64x2_s_zero,
                I32x4TruncSatF64x2UZero = s::i32x4_trunc_sat_f64x2_u_zero,
                F32x4ConvertI32x4S = s::f32x4_convert_i32x4_s,
                F32x4ConvertI32x4U = s::f32x4_convert_i32x4_u,
                F64x2ConvertLowI32x4S = s::f64x2_convert_low_i32x4_s,
                F64x2ConvertLowI32x4U = s::f64x2_convert_low_i32x4_u,
                F32x4DemoteF64x2Zero = s::f32x4_demote_f64x2_zero,
                F64x2PromoteLowF32x4 = s::f64x2_promote_low_f32x4,
                I32x4RelaxedTruncF32x4S = s::i32x4_relaxed_trunc_f32x4_s => I32x4RelaxedTruncF32x4SNative = s::native::i32x4_relaxed_trunc_f32x4_s,
                I32x4RelaxedTruncF32x4U = s::i32x4_relaxed_trunc_f32x4_u,
                I32x4RelaxedTruncF64x2SZero = s::i32x4_relaxed_trunc_f64x2_s_zero => I32x4RelaxedTruncF64x2SZeroNative = s::native::i32x4_relaxed_trunc_f64x2_s_zero,
                I32x4RelaxedTruncF64x2UZero = s::i32x4_relaxed_trunc_f64x2_u_zero,
    }
    /// `v128 v128 -> v128`.
    VBinOp (a: V128, b: V128) (a, b) -> V128 {
                I8x16Swizzle = s::i8x16_swizzle,
                V128And = s::v128_and,
                V128AndNot = s::v128_andnot,
                V128Or = s::v128_or,
                V128Xor = s::v128_xor,
                I8x16Add = s::i8x16_add,
                I8x16Sub = s::i8x16_sub,
                I8x16AddSatS = s::i8x16_add_sat_s,
                I8x16AddSatU = s::i8x16_add_sat_u,
                I8x16SubSatS = s::i8x16_sub_sat_s,
                I8x16SubSatU = s::i8x16_sub_sat_u,
                I8x16AvgrU = s::i8x16_avgr_u,
                I8x16MinS = s::i8x16_min_s,
                I8x16MinU = s::i8x16_min_u,
                I8x16MaxS = s::i8x16_max_s,
                I8x16MaxU = s::i8x16_max_u,
                I8x16Eq = s::i8x16_eq,
                I8x16Ne = s::i8x16_ne,
                I8x16LtS = s::i8x16_lt_s,
                I8x16LtU = s::i8x16_lt_u,
                I8x16GtS = s::i8x16_gt_s,
                I8x16GtU = s::i8x16_gt_u,
                I8x16LeS = s::i8x16_le_s,
                I8x16LeU = s::i8x16_le_u,
                I8x16GeS = s::i8x16_ge_s,
                I8x16GeU = s::i8x16_ge_u,
                I16x8Add = s::i16x8_add,
                I16x8Sub = s::i16x8_sub,
                I16x8Mul = s::i16x8_mul,
                I16x8AddSatS = s::i16x8_add_sat_s,
                I16x8AddSatU = s::i16x8_add_sat_u,
                I16x8SubSatS = s::i16x8_sub_sat_s,
                I16x8SubSatU = s::i16x8_sub_sat_u,
                I16x8AvgrU = s::i16x8_avgr_u,
                I16x8MinS = s::i16x8_min_s,
                I16x8MinU = s::i16x8_min_u,
                I16x8MaxS = s::i16x8_max_s,
                I16x8MaxU = s::i16x8_max_u,
                I16x8Eq = s::i16x8_eq,
                I16x8Ne = s::i16x8_ne,
                I16x8LtS = s::i16x8_lt_s,
                I16x8LtU = s::i16x8_lt_u,
                I16x8GtS = s::i16x8_gt_s,
                I16x8GtU = s::i16x8_gt_u,
                I16x8LeS = s::i16x8_le_s,
                I16x8LeU = s::i16x8_le_u,
                I16x8GeS = s::i16x8_ge_s,
                I16x8GeU = s::i16x8_ge_u,
                I32x4Add = s::i32x4_add,
                I32x4Sub = s::i32x4_sub,
                I32x4Mul = s::i32x4_mul,
                I32x4MinS = s::i32x4_min_s,
                I32x4MinU = s::i32x4_min_u,
                I32x4MaxS = s::i32x4_max_s,
                I32x4MaxU = s::i32x4_max_u,
                I32x4Eq = s::i32x4_eq,
                I32x4Ne = s::i32x4_ne,
                I32x4LtS = s::i32x4_lt_s,
                I32x4LtU = s::i32x4_lt_u,
                I32x4GtS = s::i32x4_gt_s,
                I32x4GtU = s::i32x4_gt_u,
                I32x4LeS = s::i32x4_le_s,
                I32x4LeU = s::i32x4_le_u,
                I32x4GeS = s::i32x4_ge_s,
                I32x4GeU = s::i32x4_ge_u,
                I64x2Add = s::i64x2_add,
                I64x2Sub = s::i64x2_sub,
                I64x2Mul = s::i64x2_mul,
                I64x2Eq = s::i64x2_eq,
                I64x2Ne = s::i64x2_ne,
                I64x2LtS = s::i64x2_lt_s,
                I64x2GtS = s::i64x2_gt_s,
                I64x2LeS = s::i64x2_le_s,
                I64x2GeS = s::i64x2_ge_s,
                I8x16NarrowI16x8S = s::i8x16_narrow_i16x8_s,
                I8x16NarrowI16x8U = s::i8x16_narrow_i16x8_u,
                I16x8NarrowI32x4S = s::i16x8_narrow_i32x4_s,
                I16x8NarrowI32x4U = s::i16x8_narrow_i32x4_u,
                I16x8ExtmulLowI8x16S = s::i16x8_extmul_low_i8x16_s,
                I16x8ExtmulLowI8x16U = s::i16x8_extmul_low_i8x16_u,
                I16x8ExtmulHighI8x16S = s::i16x8_extmul_high_i8x16_s,
                I16x8ExtmulHighI8x16U = s::i16x8_extmul_high_i8x16_u,
                I32x4ExtmulLowI16x8S = s::i32x4_extmul_low_i16x8_s,
                I32x4ExtmulLowI16x8U = s::i32x4_extmul_low_i16x8_u,
                I32x4ExtmulHighI16x8S = s::i32x4_extmul_high_i16x8_s,
                I32x4ExtmulHighI16x8U = s::i32x4_extmul_high_i16x8_u,
                I64x2ExtmulLowI32x4S = s::i64x2_extmul_low_i32x4_s,
                I64x2ExtmulLowI32x4U = s::i64x2_extmul_low_i32x4_u,
                I64x2ExtmulHighI32x4S = s::i64x2_extmul_high_i32x4_s,
                I64x2ExtmulHighI32x4U = s::i64x2_extmul_high_i32x4_u,
                I16x8Q15MulrSatS = s::i16x8_q15mulr_sat_s,
                I32x4DotI16x8S = s::i32x4_dot_i16x8_s,
                F32x4Add = s::f32x4_add,
                F32x4Sub = s::f32x4_sub,
                F32x4Mul = s::f32x4_mul,
                F32x4Div = s::f32x4_div,
                F32x4Min = s::f32x4_min,
                F32x4Max = s::f32x4_max,
                F32x4PMin = s::f32x4_pmin,
                F32x4PMax = s::f32x4_pmax,
                F32x4Eq = s::f32x4_eq,
                F32x4Ne = s::f32x4_ne,
                F32x4Lt = s::f32x4_lt,
                F32x4Gt = s::f32x4_gt,
                F32x4Le = s::f32x4_le,
                F32x4Ge = s::f32x4_ge,
                F64x2Add = s::f64x2_add,
                F64x2Sub = s::f64x2_sub,
                F64x2Mul = s::f64x2_mul,
                F64x2Div = s::f64x2_div,
                F64x2Min = s::f64x2_min,
                F64x2Max = s::f64x2_max,
                F64x2PMin = s::f64x2_pmin,
                F64x2PMax = s::f64x2_pmax,
                F64x2Eq = s::f64x2_eq,
                F64x2Ne = s::f64x2_ne,
                F64x2Lt = s::f64x2_lt,
                F64x2Gt = s::f64x2_gt,
                F64x2Le = s::f64x2_le,
                F64x2Ge = s::f64x2_ge,
                I8x16RelaxedSwizzle = s::i8x16_relaxed_swizzle => I8x16RelaxedSwizzleNative = s::native::i8x16_relaxed_swizzle,
                F32x4RelaxedMin = s::f32x4_relaxed_min => F32x4RelaxedMinNative = s::native::f32x4_relaxed_min,
                F32x4RelaxedMax = s::f32x4_relaxed_max => F32x4RelaxedMaxNative = s::native::f32x4_relaxed_max,
                F64x2RelaxedMin = s::f64x2_relaxed_min => F64x2RelaxedMinNative = s::native::f64x2_relaxed_min,
                F64x2RelaxedMax = s::f64x2_relaxed_max => F64x2RelaxedMaxNative = s::native::f64x2_relaxed_max,
                I16x8RelaxedQ15mulrS = s::i16x8_relaxed_q15mulr_s => I16x8RelaxedQ15mulrSNative = s::native::i16x8_relaxed_q15mulr_s,
                I16x8RelaxedDotI8x16I7x16S = s::i16x8_relaxed_dot_i8x16_i7x16_s => I16x8RelaxedDotI8x16I7x16SNative = s::native::i16x8_relaxed_dot_i8x16_i7x16_s,
    }
    /// `v128 v128 v128 -> v128`.
    VTernOp (a: V128, b: V128, c: V128) (a, b, c) -> V128 {
                V128Bitselect = s::v128_bitselect,
                F32x4RelaxedMadd = s::f32x4_relaxed_madd => F32x4RelaxedMaddNative = s::native::f32x4_relaxed_madd,
                F32x4RelaxedNmadd = s::f32x4_relaxed_nmadd => F32x4RelaxedNmaddNative = s::native::f32x4_relaxed_nmadd,
                F64x2RelaxedMadd = s::f64x2_relaxed_madd => F64x2RelaxedMaddNative = s::native::f64x2_relaxed_madd,
                F64x2RelaxedNmadd = s::f64x2_relaxed_nmadd => F64x2RelaxedNmaddNative = s::native::f64x2_relaxed_nmadd,
                I8x16RelaxedLaneselect = s::i8x16_relaxed_laneselect,
                I16x8RelaxedLaneselect = s::i16x8_relaxed_laneselect,
                I32x4RelaxedLaneselect = s::i32x4_relaxed_laneselect,
                I64x2RelaxedLaneselect = s::i64x2_relaxed_laneselect,
                I32x4RelaxedDotI8x16I7x16AddS = s::i32x4_relaxed_dot_i8x16_i7x16_add_s => I32x4RelaxedDotI8x16I7x16AddSNative = s::native::i32x4_relaxed_dot_i8x16_i7x16_add_s,
    }
    /// `v128 -> i32`: tests and bit masks.
    VTestOp (a: V128) (a) -> i32 {
                V128AnyTrue = |a| i32::from(s::v128_any_true(a)),
                I8x16AllTrue = |a| i32::from(s::i8x16_all_true(a)),
                I16x8AllTrue = |a| i32::from(s::i16x8_all_true(a)),
                I32x4AllTrue = |a| i32::from(s::i32x4_all_true(a)),
                I64x2AllTrue = |a| i32::from(s::i64x2_all_true(a)),
                I8x16Bitmask = s::i8x16_bitmask,
                I16x8Bitmask = s::i16x8_bitmask,
                I32x4Bitmask = s::i32x4_bitmask,
                I64x2Bitmask = s::i64x2_bitmask,
    }
    /// `v128 i32 -> v128`: shifts by the `i32` count.
    VShiftOp (a: V128, count: u32) (a, count) -> V128 {
                I8x16Shl = s::i8x16_shl,
                I8x16ShrS = s::i8x16_shr_s,
                I8x16ShrU = s::i8x16_shr_u,
                I16x8Shl = s::i16x8_shl,
                I16x8ShrS = s::i16x8_shr_s,
                I16x8ShrU = s::i16x8_shr_u,
                I32x4Shl = s::i32x4_shl,
                I32x4ShrS = s::i32x4_shr_s,
                I32x4ShrU = s::i32x4_shr_u,
                I64x2Shl = s::i64x2_shl,
                I64x2ShrS = s::i64x2_shr_s,
                I64x2ShrU = s::i64x2_shr_u,
    }
    /// `t -> v128`: splats of a scalar's slot bits.
    VSplatOp (x: u64) (x) -> V128 {
                I8x16Splat = |x: u64| s::i8x16_splat(x as i32),
                I16x8Splat = |x: u64| s::i16x8_splat(x as i32),
                I32x4Splat = |x: u64| s::i32x4_splat(x as i32),
                I64x2Splat = |x: u64| s::i64x2_splat(x as i64),
                F32x4Splat = |x: u64| s::f32x4_splat(x as u32),
                F64x2Splat = s::f64x2_splat,
    }
    /// `v128 -> t`: a lane's value as slot bits.
    VExtractOp (a: V128, lane: u8) (a, lane) -> u64 {
                I8x16ExtractLaneS = |a, lane| u64::from(s::i8x16_extract_lane_s(a, lane) as u32),
                I8x16ExtractLaneU = |a, lane| u64::from(s::i8x16_extract_lane_u(a, lane) as u32),
                I16x8ExtractLaneS = |a, lane| u64::from(s::i16x8_extract_lane_s(a, lane) as u32),
                I16x8ExtractLaneU = |a, lane| u64::from(s::i16x8_extract_lane_u(a, lane) as u32),
                I32x4ExtractLane = |a, lane| u64::from(s::i32x4_extract_lane(a, lane) as u32),
                I64x2ExtractLane = |a, lane| s::i64x2_extract_lane(a, lane) as u64,
                F32x4ExtractLane = |a, lane| u64::from(s::f32x4_extract_lane(a, lane)),
                F64x2ExtractLane = s::f64x2_extract_lane,
    }
    /// `v128 t -> v128`: a lane replaced by a scalar's slot bits.
    VReplaceOp (a: V128, lane: u8, x: u64) (a, lane, x) -> V128 {
                I8x16ReplaceLane = |a, lane, x: u64| s::i8x16_replace_lane(a, lane, x as i32),
                I16x8ReplaceLane = |a, lane, x: u64| s::i16x8_replace_lane(a, lane, x as i32),
                I32x4ReplaceLane = |a, lane, x: u64| s::i32x4_replace_lane(a, lane, x as i32),
                I64x2ReplaceLane = |a, lane, x: u64| s::i64x2_replace_lane(a, lane, x as i64),
                F32x4ReplaceLane = |a, lane, x: u64| s::f32x4_replace_lane(a, lane, x as u32),
                F64x2ReplaceLane = s::f64x2_replace_lane,
    }
}

/// What a [`super::Op::VLoadExt`] reads and how it builds the vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VLoadKind {
    Load8x8S,
    Load8x8U,
    Load16x4S,
    Load16x4U,
    Load32x2S,
    Load32x2U,
    Splat8,
    Splat16,
    Splat32,
    Splat64,
    Zero32,
    Zero64,
}

impl VLoadKind {
    /// The kind of load `op` is, if it is one of these.
    pub(crate) fn from_operator(op: &Operator<'_>) -> Option<(Self, weft_decode::MemArg)> {
        use VLoadKind as K;
        Some(match *op {
            Operator::V128Load8x8S { memarg } => (K::Load8x8S, memarg),
            Operator::V128Load8x8U { memarg } => (K::Load8x8U, memarg),
            Operator::V128Load16x4S { memarg } => (K::Load16x4S, memarg),
            Operator::V128Load16x4U { memarg } => (K::Load16x4U, memarg),
            Operator::V128Load32x2S { memarg } => (K::Load32x2S, memarg),
            Operator::V128Load32x2U { memarg } => (K::Load32x2U, memarg),
            Operator::V128Load8Splat { memarg } => (K::Splat8, memarg),
            Operator::V128Load16Splat { memarg } => (K::Splat16, memarg),
            Operator::V128Load32Splat { memarg } => (K::Splat32, memarg),
            Operator::V128Load64Splat { memarg } => (K::Splat64, memarg),
            Operator::V128Load32Zero { memarg } => (K::Zero32, memarg),
            Operator::V128Load64Zero { memarg } => (K::Zero64, memarg),
            _ => return None,
        })
    }

    /// How many bytes it reads.
    pub(crate) fn bytes(self) -> u64 {
        use VLoadKind as K;
        match self {
            K::Splat8 => 1,
            K::Splat16 => 2,
            K::Splat32 | K::Zero32 => 4,
            _ => 8,
        }
    }

    /// The vector built from the little-endian bytes `raw` (the low
    /// [`bytes`](Self::bytes) of it).
    #[inline(never)]
    pub(crate) fn build(self, raw: u64) -> V128 {
        use VLoadKind as K;
        let b = raw.to_le_bytes();
        match self {
            K::Load8x8S => s::v128_load8x8_s(b),
            K::Load8x8U => s::v128_load8x8_u(b),
            K::Load16x4S => s::v128_load16x4_s(b),
            K::Load16x4U => s::v128_load16x4_u(b),
            K::Load32x2S => s::v128_load32x2_s(b),
            K::Load32x2U => s::v128_load32x2_u(b),
            K::Splat8 => s::v128_load_splat::<1>([b[0]]),
            K::Splat16 => s::v128_load_splat::<2>([b[0], b[1]]),
            K::Splat32 => s::v128_load_splat::<4>([b[0], b[1], b[2], b[3]]),
            K::Splat64 => s::v128_load_splat::<8>(b),
            K::Zero32 => s::v128_load_zero::<4>([b[0], b[1], b[2], b[3]]),
            K::Zero64 => s::v128_load_zero::<8>(b),
        }
    }
}

/// The vector rows of the op table (see [`super::for_each_op!`] for a
/// row's form; `vr`/`vw` operands move a slot and its v-slot). A `v128`
/// in slot `x` lives in the frame's v-slot `x` (a parallel `u128` array);
/// code that uses `v128` moves both halves of a slot (`VCopy`, `VSelect`,
/// ...). Handlers in `exec/simd.rs`.
macro_rules! simd_rows {
    ($m:ident $($rows:tt)*) => {
        $crate::op::gc::gc_rows! { $m
            $($rows)*

            // ---- v128 (`exec/simd.rs`) ----
            /// `d = a`, slot and v-slot.
            VCopy { d: vw Slot, a: vr Slot } [] => simd::vcopy;
            /// `select` of slots and v-slots.
            VSelect { d: vw Slot, a: vr Slot, b: vr Slot, c: r Slot } [] => simd::vselect;
            /// Returns the value in `a` (slot and v-slot).
            VReturn1 { a: vr Slot } [END] => simd::vreturn1;
            /// Returns the `n` values in slots and v-slots `a..a + n`.
            VReturnN { a: rs Slot, n: imm u16 } [END] => simd::vreturn_n;
            /// `v-slot d = Code::v128_consts[k]`.
            VConst { d: vw Slot, k: imm u32 } [RETARGET] => simd::vconst;
            VGlobalGet { d: vw Slot, g: imm u32 } [RETARGET] => simd::vglobal_get;
            VGlobalSet { a: vr Slot, g: imm u32 } [] => simd::vglobal_set;
            /// `v128.load` from memory 0 (32-bit addresses) at
            /// `(a + add) mod 2^32 + offset`: `add` is the immediate (below
            /// 2^16) of an `i32.add` that computed the address just before
            /// (`translate/simd.rs`), else 0.
            VLoad { d: vw Slot, a: r Slot, add: imm u16, offset: imm u32 } [RETARGET TRAP] => simd::vload;
            /// `v128.store` to memory 0 (32-bit addresses).
            VStore { a: r Slot, v: vr Slot, offset: imm u32 } [TRAP] => simd::vstore;
            /// The extending, splatting and zeroing loads.
            VLoadExt { d: vw Slot, a: r Slot, kind: imm simd::VLoadKind, offset: imm u32 } [RETARGET TRAP] => simd::vload_ext;
            /// `v128.loadN_lane`: `bytes` bytes into lane `lane` of `v`.
            VLoadLane { d: vw Slot, a: r Slot, v: vr Slot, bytes: imm u8, lane: imm u8, offset: imm u32 } [RETARGET TRAP] => simd::vload_lane;
            /// `v128.storeN_lane`.
            VStoreLane { a: r Slot, v: vr Slot, bytes: imm u8, lane: imm u8, offset: imm u32 } [TRAP] => simd::vstore_lane;
            /// A vector access of `kind` at the address in `a` to a memory off
            /// the fast path (`Code::mem_args[arg]`); loads write v-slot `d`.
            VMemExt { d: vw Slot, a: r Slot, v: vr Slot, kind: imm simd::VMemKind, arg: imm u32 } [TRAP] => simd::vmem_ext;
            VUn { d: vw Slot, a: vr Slot, f: imm simd::VUnOp } [RETARGET] => simd::vun;
            /// `d = g(f(a))`: a `VUn` whose result only the next `VUn`
            /// reads (widening chains, `popcnt` then pairwise sums), one
            /// op (`translate/simd.rs`).
            VUn2 { d: vw Slot, a: vr Slot, f: imm simd::VUnOp, g: imm simd::VUnOp } [RETARGET] => simd::vun2;
            VBin { d: vw Slot, a: vr Slot, b: vr Slot, f: imm simd::VBinOp } [RETARGET] => simd::vbin;
            VTern { d: vw Slot, a: vr Slot, b: vr Slot, c: vr Slot, f: imm simd::VTernOp } [RETARGET] => simd::vtern;
            /// `v128 -> i32` into slot `d`.
            VTest { d: w Slot, a: vr Slot, f: imm simd::VTestOp } [RETARGET] => simd::vtest;
            /// A shift of v-slot `a` by the i32 in slot `b`.
            VShift { d: vw Slot, a: vr Slot, b: r Slot, f: imm simd::VShiftOp } [RETARGET] => simd::vshift;
            /// A splat of slot `a`.
            VSplat { d: vw Slot, a: r Slot, f: imm simd::VSplatOp } [RETARGET] => simd::vsplat;
            /// A lane of v-slot `a` into slot `d`.
            VExtract { d: w Slot, a: vr Slot, lane: imm u8, f: imm simd::VExtractOp } [RETARGET] => simd::vextract;
            /// v-slot `a` with lane `lane` replaced by slot `b`.
            VReplace { d: vw Slot, a: vr Slot, b: r Slot, lane: imm u8, f: imm simd::VReplaceOp } [RETARGET] => simd::vreplace;
            /// `i8x16.shuffle` with the lane indices in `Code::v128_consts[k]`.
            VShuffle { d: vw Slot, a: vr Slot, b: vr Slot, k: imm u32 } [RETARGET] => simd::vshuffle;
            /// `v128.bitselect`.
            VBitselect { d: vw Slot, a: vr Slot, b: vr Slot, c: vr Slot } [RETARGET] => simd::vbitselect;
            // The common lane arithmetic, a handler each (`exec/simd.rs`).
            VAnd { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_and;
            VOr { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_or;
            VXor { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_xor;
            VAndNot { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_andnot;
            VI8x16Add { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i8x16_add;
            VI16x8Add { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i16x8_add;
            VI32x4Add { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i32x4_add;
            VI32x4Sub { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i32x4_sub;
            VI32x4Mul { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i32x4_mul;
            VI64x2Add { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i64x2_add;
            VI64x2Sub { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i64x2_sub;
            VF32x4Add { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_f32x4_add;
            VF32x4Sub { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_f32x4_sub;
            VF32x4Mul { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_f32x4_mul;
            VF64x2Add { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_f64x2_add;
            VF64x2Sub { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_f64x2_sub;
            VF64x2Mul { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_f64x2_mul;
            VI8x16Eq { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i8x16_eq;
            VI32x4Eq { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i32x4_eq;
            VI32x4LtS { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i32x4_lt_s;
            VI32x4GtS { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i32x4_gt_s;
            VF32x4Lt { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_f32x4_lt;
            VF32x4Gt { d: vw Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_f32x4_gt;
            // Fused pairs (`translate/simd.rs`): a binary vector op whose
            // right operand is the `v128.load` or `v128.const` just before.
            /// `d = f(a, v128.load((addr + add) mod 2^32 + offset))` on memory 0.
            VBinLoad { d: vw Slot, a: vr Slot, addr: r Slot, add: imm u16, offset: imm u32, f: imm simd::VBinOp } [RETARGET TRAP] => simd::vbin_load;
            /// `d = f(a, Code::v128_consts[k])`.
            VBinConst { d: vw Slot, a: vr Slot, k: imm u32, f: imm simd::VBinOp } [RETARGET] => simd::vbin_const;
            /// `VBinLoad` of `f32x4.mul`, the matrix kernels' pair, with
            /// no sub-op to dispatch on.
            VF32x4MulLoad { d: vw Slot, a: vr Slot, addr: r Slot, add: imm u16, offset: imm u32 } [RETARGET TRAP] => simd::v_f32x4_mul_load;
            /// `VBinConst` of `v128.and` (a constant mask, in every
            /// counting loop), with no sub-op to dispatch on.
            VAndConst { d: vw Slot, a: vr Slot, k: imm u32 } [RETARGET] => simd::v_and_const;
            /// A shift of v-slot `a` by a constant (`i32.const` then the
            /// shift): the count's low 8 bits, which the shift takes
            /// modulo its lane width (at most 64) as it would the whole.
            VShiftImm { d: vw Slot, a: vr Slot, count: imm u8, f: imm simd::VShiftOp } [RETARGET] => simd::vshift_imm;
            /// `d = f(a, count) & Code::v128_consts[k]`: a shift by a
            /// constant, then a constant mask (`VShiftImm`, `VAndConst`),
            /// cutting a bit field out of every lane, one op. Not
            /// `i64x2.shr_s` (no SSE2 instruction).
            VShiftAndConst { d: vw Slot, a: vr Slot, count: imm u8, f: imm simd::VShiftOp, k: imm u32 } [RETARGET] => simd::vshift_and_const;
            /// `d = c - i8x16.eq(a, b)`: `i8x16.eq`, a `v128.and` with
            /// bytes of 1 and an `i8x16.add` to `c` (counting equal bytes;
            /// a true lane of the compare is -1), one op.
            VI8x16CountEq { d: vw Slot, c: vr Slot, a: vr Slot, b: vr Slot } [RETARGET] => simd::v_i8x16_count_eq;
            /// `VI8x16CountEq` with `b` the vector constant `k`.
            VI8x16CountEqConst { d: vw Slot, c: vr Slot, a: vr Slot, k: imm u32 } [RETARGET] => simd::v_i8x16_count_eq_const;
            /// `d = f32x4.add(f32x4.mul(a, v128.load(..)), c)` (as
            /// `VF32x4MulLoad`, then the add, each rounded): a matrix
            /// kernel's row update `acc += x * row`, one op where wasmi
            /// runs three.
            VF32x4MulAddLoad { d: vw Slot, a: vr Slot, c: vr Slot, addr: r Slot, add: imm u16, offset: imm u32 } [RETARGET TRAP] => simd::v_f32x4_mul_add_load;
        }
    };
}

pub(crate) use simd_rows;

/// What a [`super::Op::VMemExt`] does: a vector access to a memory off
/// the fast path (memories other than 0, 64-bit memories).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VMemKind {
    /// `v128.load`.
    Load,
    /// An extending, splatting or zeroing load.
    Ext(VLoadKind),
    /// `v128.loadN_lane` of `bytes` bytes into lane `lane` of `v`.
    LoadLane { bytes: u8, lane: u8 },
    /// `v128.store` of `v`.
    Store,
    /// `v128.storeN_lane`.
    StoreLane { bytes: u8, lane: u8 },
}
