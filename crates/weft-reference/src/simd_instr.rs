//! Vector instructions (spec 4.4.3 "vector instructions" and the `v128`
//! loads and stores of 4.4.7). Each arm pops its operands, applies the
//! instruction's function from [`weft_exec::simd`], and pushes the result; the
//! lane semantics live there, not here.

use std::sync::Arc;

use weft_decode::MemArg;

use super::{Instr, Instruction as I, Machine};
use weft_exec::Trap;
use weft_exec::Val;
use weft_exec::executor::EngineStore;
use weft_exec::executor::InstanceData;
use weft_exec::simd::{self as s, V128};

impl Machine {
    #[inline]
    fn pop_v128(&mut self) -> Result<V128, Trap> {
        match self.pop()? {
            Val::V128(v) => Ok(s::from_u128(v)),
            v => Err(Trap::host(format!("operand type mismatch: expected v128, found {}", v.ty()))),
        }
    }

    #[inline]
    fn pop_f32_bits(&mut self) -> Result<u32, Trap> {
        match self.pop()? {
            Val::F32(bits) => Ok(bits),
            v => Err(Trap::host(format!("operand type mismatch: expected f32, found {}", v.ty()))),
        }
    }

    #[inline]
    fn pop_f64_bits(&mut self) -> Result<u64, Trap> {
        match self.pop()? {
            Val::F64(bits) => Ok(bits),
            v => Err(Trap::host(format!("operand type mismatch: expected f64, found {}", v.ty()))),
        }
    }

    /// Pushes the vector `v`.
    #[inline]
    fn push_v128(&mut self, v: V128) {
        self.stack.push(Val::V128(s::to_u128(v)));
    }

    /// `v128 -> v128`.
    #[inline]
    fn v_unary(&mut self, f: fn(V128) -> V128) -> Result<(), Trap> {
        let a = self.pop_v128()?;
        self.push_v128(f(a));
        Ok(())
    }

    /// `v128 v128 -> v128`.
    #[inline]
    fn v_binary(&mut self, f: fn(V128, V128) -> V128) -> Result<(), Trap> {
        let b = self.pop_v128()?;
        let a = self.pop_v128()?;
        self.push_v128(f(a, b));
        Ok(())
    }

    /// `v128 v128 v128 -> v128`.
    #[inline]
    fn v_ternary(&mut self, f: fn(V128, V128, V128) -> V128) -> Result<(), Trap> {
        let c = self.pop_v128()?;
        let b = self.pop_v128()?;
        let a = self.pop_v128()?;
        self.push_v128(f(a, b, c));
        Ok(())
    }

    /// `v128 -> i32`, a test (`any_true`, `all_true`).
    #[inline]
    fn v_test(&mut self, f: fn(V128) -> bool) -> Result<(), Trap> {
        let a = self.pop_v128()?;
        self.push(i32::from(f(a)));
        Ok(())
    }

    /// `v128 -> i32` (`bitmask`).
    #[inline]
    fn v_bitmask(&mut self, f: fn(V128) -> i32) -> Result<(), Trap> {
        let a = self.pop_v128()?;
        self.push(f(a));
        Ok(())
    }

    /// `v128 i32 -> v128`, a shift by the `i32` count.
    #[inline]
    fn v_shift(&mut self, f: fn(V128, u32) -> V128) -> Result<(), Trap> {
        let count: i32 = self.pop_as()?;
        let a = self.pop_v128()?;
        self.push_v128(f(a, count as u32));
        Ok(())
    }

    /// `v128.load*` that read `N` bytes and build the vector with `f`.
    #[inline]
    fn v_load<const N: usize>(
        &mut self,
        store: &dyn EngineStore,
        inst: &InstanceData,
        memarg: MemArg,
        f: fn([u8; N]) -> V128,
    ) -> Result<(), Trap> {
        let bytes = self.load::<N>(store, inst, memarg)?;
        self.push_v128(f(bytes));
        Ok(())
    }

    /// `v128.loadN_lane`: `[addr v128] -> [v128]`.
    #[inline]
    fn v_load_lane<const N: usize>(
        &mut self,
        store: &dyn EngineStore,
        inst: &InstanceData,
        memarg: MemArg,
        lane: u8,
    ) -> Result<(), Trap> {
        let v = self.pop_v128()?;
        let bytes = self.load::<N>(store, inst, memarg)?;
        self.push_v128(s::v128_load_lane(v, lane, bytes));
        Ok(())
    }

    /// `v128.storeN_lane`: `[addr v128] -> []`.
    #[inline]
    fn v_store_lane<const N: usize>(
        &mut self,
        store: &mut dyn EngineStore,
        inst: &InstanceData,
        memarg: MemArg,
        lane: u8,
    ) -> Result<(), Trap> {
        let v = self.pop_v128()?;
        self.store_bytes(store, inst, memarg, s::v128_store_lane::<N>(v, lane))
    }

    /// Executes `instr` if it is a vector instruction; `Ok(false)` if not.
    #[allow(clippy::too_many_lines)]
    pub(super) fn exec_simd(
        &mut self,
        store: &mut dyn EngineStore,
        inst: &Arc<InstanceData>,
        instr: Instr,
    ) -> Result<bool, Trap> {
        match instr {
            // ---- memory (spec 4.4.7) ----
            I::V128Load { memarg } => self.v_load::<16>(store, inst, memarg, |bytes| bytes)?,
            I::V128Load8x8S { memarg } => self.v_load(store, inst, memarg, s::v128_load8x8_s)?,
            I::V128Load8x8U { memarg } => self.v_load(store, inst, memarg, s::v128_load8x8_u)?,
            I::V128Load16x4S { memarg } => self.v_load(store, inst, memarg, s::v128_load16x4_s)?,
            I::V128Load16x4U { memarg } => self.v_load(store, inst, memarg, s::v128_load16x4_u)?,
            I::V128Load32x2S { memarg } => self.v_load(store, inst, memarg, s::v128_load32x2_s)?,
            I::V128Load32x2U { memarg } => self.v_load(store, inst, memarg, s::v128_load32x2_u)?,
            I::V128Load8Splat { memarg } => self.v_load::<1>(store, inst, memarg, s::v128_load_splat)?,
            I::V128Load16Splat { memarg } => self.v_load::<2>(store, inst, memarg, s::v128_load_splat)?,
            I::V128Load32Splat { memarg } => self.v_load::<4>(store, inst, memarg, s::v128_load_splat)?,
            I::V128Load64Splat { memarg } => self.v_load::<8>(store, inst, memarg, s::v128_load_splat)?,
            I::V128Load32Zero { memarg } => self.v_load::<4>(store, inst, memarg, s::v128_load_zero)?,
            I::V128Load64Zero { memarg } => self.v_load::<8>(store, inst, memarg, s::v128_load_zero)?,
            I::V128Load8Lane { memarg, lane } => self.v_load_lane::<1>(store, inst, memarg, lane)?,
            I::V128Load16Lane { memarg, lane } => self.v_load_lane::<2>(store, inst, memarg, lane)?,
            I::V128Load32Lane { memarg, lane } => self.v_load_lane::<4>(store, inst, memarg, lane)?,
            I::V128Load64Lane { memarg, lane } => self.v_load_lane::<8>(store, inst, memarg, lane)?,
            I::V128Store { memarg } => {
                let v = self.pop_v128()?;
                self.store_bytes(store, inst, memarg, v)?;
            }
            I::V128Store8Lane { memarg, lane } => self.v_store_lane::<1>(store, inst, memarg, lane)?,
            I::V128Store16Lane { memarg, lane } => self.v_store_lane::<2>(store, inst, memarg, lane)?,
            I::V128Store32Lane { memarg, lane } => self.v_store_lane::<4>(store, inst, memarg, lane)?,
            I::V128Store64Lane { memarg, lane } => self.v_store_lane::<8>(store, inst, memarg, lane)?,

            // ---- constants, splats, lanes, permutations ----
            I::V128Const { value } => self.stack.push(Val::V128(u128::from_le_bytes(value.0))),
            I::I8x16Splat {} => {
                let x: i32 = self.pop_as()?;
                self.push_v128(s::i8x16_splat(x));
            }
            I::I16x8Splat {} => {
                let x: i32 = self.pop_as()?;
                self.push_v128(s::i16x8_splat(x));
            }
            I::I32x4Splat {} => {
                let x: i32 = self.pop_as()?;
                self.push_v128(s::i32x4_splat(x));
            }
            I::I64x2Splat {} => {
                let x: i64 = self.pop_as()?;
                self.push_v128(s::i64x2_splat(x));
            }
            I::F32x4Splat {} => {
                let x = self.pop_f32_bits()?;
                self.push_v128(s::f32x4_splat(x));
            }
            I::F64x2Splat {} => {
                let x = self.pop_f64_bits()?;
                self.push_v128(s::f64x2_splat(x));
            }
            I::I8x16ExtractLaneS { lane } => {
                let a = self.pop_v128()?;
                self.push(s::i8x16_extract_lane_s(a, lane));
            }
            I::I8x16ExtractLaneU { lane } => {
                let a = self.pop_v128()?;
                self.push(s::i8x16_extract_lane_u(a, lane));
            }
            I::I16x8ExtractLaneS { lane } => {
                let a = self.pop_v128()?;
                self.push(s::i16x8_extract_lane_s(a, lane));
            }
            I::I16x8ExtractLaneU { lane } => {
                let a = self.pop_v128()?;
                self.push(s::i16x8_extract_lane_u(a, lane));
            }
            I::I32x4ExtractLane { lane } => {
                let a = self.pop_v128()?;
                self.push(s::i32x4_extract_lane(a, lane));
            }
            I::I64x2ExtractLane { lane } => {
                let a = self.pop_v128()?;
                self.push(s::i64x2_extract_lane(a, lane));
            }
            I::F32x4ExtractLane { lane } => {
                let a = self.pop_v128()?;
                self.stack.push(Val::F32(s::f32x4_extract_lane(a, lane)));
            }
            I::F64x2ExtractLane { lane } => {
                let a = self.pop_v128()?;
                self.stack.push(Val::F64(s::f64x2_extract_lane(a, lane)));
            }
            I::I8x16ReplaceLane { lane } => {
                let x: i32 = self.pop_as()?;
                let a = self.pop_v128()?;
                self.push_v128(s::i8x16_replace_lane(a, lane, x));
            }
            I::I16x8ReplaceLane { lane } => {
                let x: i32 = self.pop_as()?;
                let a = self.pop_v128()?;
                self.push_v128(s::i16x8_replace_lane(a, lane, x));
            }
            I::I32x4ReplaceLane { lane } => {
                let x: i32 = self.pop_as()?;
                let a = self.pop_v128()?;
                self.push_v128(s::i32x4_replace_lane(a, lane, x));
            }
            I::I64x2ReplaceLane { lane } => {
                let x: i64 = self.pop_as()?;
                let a = self.pop_v128()?;
                self.push_v128(s::i64x2_replace_lane(a, lane, x));
            }
            I::F32x4ReplaceLane { lane } => {
                let x = self.pop_f32_bits()?;
                let a = self.pop_v128()?;
                self.push_v128(s::f32x4_replace_lane(a, lane, x));
            }
            I::F64x2ReplaceLane { lane } => {
                let x = self.pop_f64_bits()?;
                let a = self.pop_v128()?;
                self.push_v128(s::f64x2_replace_lane(a, lane, x));
            }
            I::I8x16Shuffle { lanes } => {
                let b = self.pop_v128()?;
                let a = self.pop_v128()?;
                self.push_v128(s::i8x16_shuffle(a, b, lanes.0));
            }
            I::I8x16Swizzle {} => self.v_binary(s::i8x16_swizzle)?,

            // ---- bitwise ----
            I::V128Not {} => self.v_unary(s::v128_not)?,
            I::V128And {} => self.v_binary(s::v128_and)?,
            I::V128AndNot {} => self.v_binary(s::v128_andnot)?,
            I::V128Or {} => self.v_binary(s::v128_or)?,
            I::V128Xor {} => self.v_binary(s::v128_xor)?,
            I::V128Bitselect {} => self.v_ternary(s::v128_bitselect)?,
            I::V128AnyTrue {} => self.v_test(s::v128_any_true)?,

            // ---- integer lanes (`simd/int.rs`, `simd/int_width.rs`) ----
            I::I8x16Abs {} => self.v_unary(s::i8x16_abs)?,
            I::I8x16Neg {} => self.v_unary(s::i8x16_neg)?,
            I::I8x16Popcnt {} => self.v_unary(s::i8x16_popcnt)?,
            I::I8x16AllTrue {} => self.v_test(s::i8x16_all_true)?,
            I::I8x16Bitmask {} => self.v_bitmask(s::i8x16_bitmask)?,
            I::I8x16Shl {} => self.v_shift(s::i8x16_shl)?,
            I::I8x16ShrS {} => self.v_shift(s::i8x16_shr_s)?,
            I::I8x16ShrU {} => self.v_shift(s::i8x16_shr_u)?,
            I::I8x16Add {} => self.v_binary(s::i8x16_add)?,
            I::I8x16Sub {} => self.v_binary(s::i8x16_sub)?,
            I::I8x16AddSatS {} => self.v_binary(s::i8x16_add_sat_s)?,
            I::I8x16AddSatU {} => self.v_binary(s::i8x16_add_sat_u)?,
            I::I8x16SubSatS {} => self.v_binary(s::i8x16_sub_sat_s)?,
            I::I8x16SubSatU {} => self.v_binary(s::i8x16_sub_sat_u)?,
            I::I8x16AvgrU {} => self.v_binary(s::i8x16_avgr_u)?,
            I::I8x16MinS {} => self.v_binary(s::i8x16_min_s)?,
            I::I8x16MinU {} => self.v_binary(s::i8x16_min_u)?,
            I::I8x16MaxS {} => self.v_binary(s::i8x16_max_s)?,
            I::I8x16MaxU {} => self.v_binary(s::i8x16_max_u)?,
            I::I8x16Eq {} => self.v_binary(s::i8x16_eq)?,
            I::I8x16Ne {} => self.v_binary(s::i8x16_ne)?,
            I::I8x16LtS {} => self.v_binary(s::i8x16_lt_s)?,
            I::I8x16LtU {} => self.v_binary(s::i8x16_lt_u)?,
            I::I8x16GtS {} => self.v_binary(s::i8x16_gt_s)?,
            I::I8x16GtU {} => self.v_binary(s::i8x16_gt_u)?,
            I::I8x16LeS {} => self.v_binary(s::i8x16_le_s)?,
            I::I8x16LeU {} => self.v_binary(s::i8x16_le_u)?,
            I::I8x16GeS {} => self.v_binary(s::i8x16_ge_s)?,
            I::I8x16GeU {} => self.v_binary(s::i8x16_ge_u)?,
            I::I16x8Abs {} => self.v_unary(s::i16x8_abs)?,
            I::I16x8Neg {} => self.v_unary(s::i16x8_neg)?,
            I::I16x8AllTrue {} => self.v_test(s::i16x8_all_true)?,
            I::I16x8Bitmask {} => self.v_bitmask(s::i16x8_bitmask)?,
            I::I16x8Shl {} => self.v_shift(s::i16x8_shl)?,
            I::I16x8ShrS {} => self.v_shift(s::i16x8_shr_s)?,
            I::I16x8ShrU {} => self.v_shift(s::i16x8_shr_u)?,
            I::I16x8Add {} => self.v_binary(s::i16x8_add)?,
            I::I16x8Sub {} => self.v_binary(s::i16x8_sub)?,
            I::I16x8Mul {} => self.v_binary(s::i16x8_mul)?,
            I::I16x8AddSatS {} => self.v_binary(s::i16x8_add_sat_s)?,
            I::I16x8AddSatU {} => self.v_binary(s::i16x8_add_sat_u)?,
            I::I16x8SubSatS {} => self.v_binary(s::i16x8_sub_sat_s)?,
            I::I16x8SubSatU {} => self.v_binary(s::i16x8_sub_sat_u)?,
            I::I16x8AvgrU {} => self.v_binary(s::i16x8_avgr_u)?,
            I::I16x8MinS {} => self.v_binary(s::i16x8_min_s)?,
            I::I16x8MinU {} => self.v_binary(s::i16x8_min_u)?,
            I::I16x8MaxS {} => self.v_binary(s::i16x8_max_s)?,
            I::I16x8MaxU {} => self.v_binary(s::i16x8_max_u)?,
            I::I16x8Eq {} => self.v_binary(s::i16x8_eq)?,
            I::I16x8Ne {} => self.v_binary(s::i16x8_ne)?,
            I::I16x8LtS {} => self.v_binary(s::i16x8_lt_s)?,
            I::I16x8LtU {} => self.v_binary(s::i16x8_lt_u)?,
            I::I16x8GtS {} => self.v_binary(s::i16x8_gt_s)?,
            I::I16x8GtU {} => self.v_binary(s::i16x8_gt_u)?,
            I::I16x8LeS {} => self.v_binary(s::i16x8_le_s)?,
            I::I16x8LeU {} => self.v_binary(s::i16x8_le_u)?,
            I::I16x8GeS {} => self.v_binary(s::i16x8_ge_s)?,
            I::I16x8GeU {} => self.v_binary(s::i16x8_ge_u)?,
            I::I32x4Abs {} => self.v_unary(s::i32x4_abs)?,
            I::I32x4Neg {} => self.v_unary(s::i32x4_neg)?,
            I::I32x4AllTrue {} => self.v_test(s::i32x4_all_true)?,
            I::I32x4Bitmask {} => self.v_bitmask(s::i32x4_bitmask)?,
            I::I32x4Shl {} => self.v_shift(s::i32x4_shl)?,
            I::I32x4ShrS {} => self.v_shift(s::i32x4_shr_s)?,
            I::I32x4ShrU {} => self.v_shift(s::i32x4_shr_u)?,
            I::I32x4Add {} => self.v_binary(s::i32x4_add)?,
            I::I32x4Sub {} => self.v_binary(s::i32x4_sub)?,
            I::I32x4Mul {} => self.v_binary(s::i32x4_mul)?,
            I::I32x4MinS {} => self.v_binary(s::i32x4_min_s)?,
            I::I32x4MinU {} => self.v_binary(s::i32x4_min_u)?,
            I::I32x4MaxS {} => self.v_binary(s::i32x4_max_s)?,
            I::I32x4MaxU {} => self.v_binary(s::i32x4_max_u)?,
            I::I32x4Eq {} => self.v_binary(s::i32x4_eq)?,
            I::I32x4Ne {} => self.v_binary(s::i32x4_ne)?,
            I::I32x4LtS {} => self.v_binary(s::i32x4_lt_s)?,
            I::I32x4LtU {} => self.v_binary(s::i32x4_lt_u)?,
            I::I32x4GtS {} => self.v_binary(s::i32x4_gt_s)?,
            I::I32x4GtU {} => self.v_binary(s::i32x4_gt_u)?,
            I::I32x4LeS {} => self.v_binary(s::i32x4_le_s)?,
            I::I32x4LeU {} => self.v_binary(s::i32x4_le_u)?,
            I::I32x4GeS {} => self.v_binary(s::i32x4_ge_s)?,
            I::I32x4GeU {} => self.v_binary(s::i32x4_ge_u)?,
            I::I64x2Abs {} => self.v_unary(s::i64x2_abs)?,
            I::I64x2Neg {} => self.v_unary(s::i64x2_neg)?,
            I::I64x2AllTrue {} => self.v_test(s::i64x2_all_true)?,
            I::I64x2Bitmask {} => self.v_bitmask(s::i64x2_bitmask)?,
            I::I64x2Shl {} => self.v_shift(s::i64x2_shl)?,
            I::I64x2ShrS {} => self.v_shift(s::i64x2_shr_s)?,
            I::I64x2ShrU {} => self.v_shift(s::i64x2_shr_u)?,
            I::I64x2Add {} => self.v_binary(s::i64x2_add)?,
            I::I64x2Sub {} => self.v_binary(s::i64x2_sub)?,
            I::I64x2Mul {} => self.v_binary(s::i64x2_mul)?,
            I::I64x2Eq {} => self.v_binary(s::i64x2_eq)?,
            I::I64x2Ne {} => self.v_binary(s::i64x2_ne)?,
            I::I64x2LtS {} => self.v_binary(s::i64x2_lt_s)?,
            I::I64x2GtS {} => self.v_binary(s::i64x2_gt_s)?,
            I::I64x2LeS {} => self.v_binary(s::i64x2_le_s)?,
            I::I64x2GeS {} => self.v_binary(s::i64x2_ge_s)?,
            I::I8x16NarrowI16x8S {} => self.v_binary(s::i8x16_narrow_i16x8_s)?,
            I::I8x16NarrowI16x8U {} => self.v_binary(s::i8x16_narrow_i16x8_u)?,
            I::I16x8NarrowI32x4S {} => self.v_binary(s::i16x8_narrow_i32x4_s)?,
            I::I16x8NarrowI32x4U {} => self.v_binary(s::i16x8_narrow_i32x4_u)?,
            I::I16x8ExtendLowI8x16S {} => self.v_unary(s::i16x8_extend_low_i8x16_s)?,
            I::I16x8ExtendLowI8x16U {} => self.v_unary(s::i16x8_extend_low_i8x16_u)?,
            I::I16x8ExtendHighI8x16S {} => self.v_unary(s::i16x8_extend_high_i8x16_s)?,
            I::I16x8ExtendHighI8x16U {} => self.v_unary(s::i16x8_extend_high_i8x16_u)?,
            I::I16x8ExtmulLowI8x16S {} => self.v_binary(s::i16x8_extmul_low_i8x16_s)?,
            I::I16x8ExtmulLowI8x16U {} => self.v_binary(s::i16x8_extmul_low_i8x16_u)?,
            I::I16x8ExtmulHighI8x16S {} => self.v_binary(s::i16x8_extmul_high_i8x16_s)?,
            I::I16x8ExtmulHighI8x16U {} => self.v_binary(s::i16x8_extmul_high_i8x16_u)?,
            I::I16x8ExtaddPairwiseI8x16S {} => self.v_unary(s::i16x8_extadd_pairwise_i8x16_s)?,
            I::I16x8ExtaddPairwiseI8x16U {} => self.v_unary(s::i16x8_extadd_pairwise_i8x16_u)?,
            I::I32x4ExtendLowI16x8S {} => self.v_unary(s::i32x4_extend_low_i16x8_s)?,
            I::I32x4ExtendLowI16x8U {} => self.v_unary(s::i32x4_extend_low_i16x8_u)?,
            I::I32x4ExtendHighI16x8S {} => self.v_unary(s::i32x4_extend_high_i16x8_s)?,
            I::I32x4ExtendHighI16x8U {} => self.v_unary(s::i32x4_extend_high_i16x8_u)?,
            I::I32x4ExtmulLowI16x8S {} => self.v_binary(s::i32x4_extmul_low_i16x8_s)?,
            I::I32x4ExtmulLowI16x8U {} => self.v_binary(s::i32x4_extmul_low_i16x8_u)?,
            I::I32x4ExtmulHighI16x8S {} => self.v_binary(s::i32x4_extmul_high_i16x8_s)?,
            I::I32x4ExtmulHighI16x8U {} => self.v_binary(s::i32x4_extmul_high_i16x8_u)?,
            I::I32x4ExtaddPairwiseI16x8S {} => self.v_unary(s::i32x4_extadd_pairwise_i16x8_s)?,
            I::I32x4ExtaddPairwiseI16x8U {} => self.v_unary(s::i32x4_extadd_pairwise_i16x8_u)?,
            I::I64x2ExtendLowI32x4S {} => self.v_unary(s::i64x2_extend_low_i32x4_s)?,
            I::I64x2ExtendLowI32x4U {} => self.v_unary(s::i64x2_extend_low_i32x4_u)?,
            I::I64x2ExtendHighI32x4S {} => self.v_unary(s::i64x2_extend_high_i32x4_s)?,
            I::I64x2ExtendHighI32x4U {} => self.v_unary(s::i64x2_extend_high_i32x4_u)?,
            I::I64x2ExtmulLowI32x4S {} => self.v_binary(s::i64x2_extmul_low_i32x4_s)?,
            I::I64x2ExtmulLowI32x4U {} => self.v_binary(s::i64x2_extmul_low_i32x4_u)?,
            I::I64x2ExtmulHighI32x4S {} => self.v_binary(s::i64x2_extmul_high_i32x4_s)?,
            I::I64x2ExtmulHighI32x4U {} => self.v_binary(s::i64x2_extmul_high_i32x4_u)?,
            I::I16x8Q15MulrSatS {} => self.v_binary(s::i16x8_q15mulr_sat_s)?,
            I::I32x4DotI16x8S {} => self.v_binary(s::i32x4_dot_i16x8_s)?,
            // ---- float lanes and conversions (`simd/float.rs`) ----
            I::F32x4Ceil {} => self.v_unary(s::f32x4_ceil)?,
            I::F32x4Floor {} => self.v_unary(s::f32x4_floor)?,
            I::F32x4Trunc {} => self.v_unary(s::f32x4_trunc)?,
            I::F32x4Sqrt {} => self.v_unary(s::f32x4_sqrt)?,
            I::F32x4Nearest {} => self.v_unary(s::f32x4_nearest)?,
            I::F32x4Abs {} => self.v_unary(s::f32x4_abs)?,
            I::F32x4Neg {} => self.v_unary(s::f32x4_neg)?,
            I::F32x4Add {} => self.v_binary(s::f32x4_add)?,
            I::F32x4Sub {} => self.v_binary(s::f32x4_sub)?,
            I::F32x4Mul {} => self.v_binary(s::f32x4_mul)?,
            I::F32x4Div {} => self.v_binary(s::f32x4_div)?,
            I::F32x4Min {} => self.v_binary(s::f32x4_min)?,
            I::F32x4Max {} => self.v_binary(s::f32x4_max)?,
            I::F32x4PMin {} => self.v_binary(s::f32x4_pmin)?,
            I::F32x4PMax {} => self.v_binary(s::f32x4_pmax)?,
            I::F32x4Eq {} => self.v_binary(s::f32x4_eq)?,
            I::F32x4Ne {} => self.v_binary(s::f32x4_ne)?,
            I::F32x4Lt {} => self.v_binary(s::f32x4_lt)?,
            I::F32x4Gt {} => self.v_binary(s::f32x4_gt)?,
            I::F32x4Le {} => self.v_binary(s::f32x4_le)?,
            I::F32x4Ge {} => self.v_binary(s::f32x4_ge)?,
            I::F64x2Ceil {} => self.v_unary(s::f64x2_ceil)?,
            I::F64x2Floor {} => self.v_unary(s::f64x2_floor)?,
            I::F64x2Trunc {} => self.v_unary(s::f64x2_trunc)?,
            I::F64x2Sqrt {} => self.v_unary(s::f64x2_sqrt)?,
            I::F64x2Nearest {} => self.v_unary(s::f64x2_nearest)?,
            I::F64x2Abs {} => self.v_unary(s::f64x2_abs)?,
            I::F64x2Neg {} => self.v_unary(s::f64x2_neg)?,
            I::F64x2Add {} => self.v_binary(s::f64x2_add)?,
            I::F64x2Sub {} => self.v_binary(s::f64x2_sub)?,
            I::F64x2Mul {} => self.v_binary(s::f64x2_mul)?,
            I::F64x2Div {} => self.v_binary(s::f64x2_div)?,
            I::F64x2Min {} => self.v_binary(s::f64x2_min)?,
            I::F64x2Max {} => self.v_binary(s::f64x2_max)?,
            I::F64x2PMin {} => self.v_binary(s::f64x2_pmin)?,
            I::F64x2PMax {} => self.v_binary(s::f64x2_pmax)?,
            I::F64x2Eq {} => self.v_binary(s::f64x2_eq)?,
            I::F64x2Ne {} => self.v_binary(s::f64x2_ne)?,
            I::F64x2Lt {} => self.v_binary(s::f64x2_lt)?,
            I::F64x2Gt {} => self.v_binary(s::f64x2_gt)?,
            I::F64x2Le {} => self.v_binary(s::f64x2_le)?,
            I::F64x2Ge {} => self.v_binary(s::f64x2_ge)?,
            I::I32x4TruncSatF32x4S {} => self.v_unary(s::i32x4_trunc_sat_f32x4_s)?,
            I::I32x4TruncSatF32x4U {} => self.v_unary(s::i32x4_trunc_sat_f32x4_u)?,
            I::I32x4TruncSatF64x2SZero {} => self.v_unary(s::i32x4_trunc_sat_f64x2_s_zero)?,
            I::I32x4TruncSatF64x2UZero {} => self.v_unary(s::i32x4_trunc_sat_f64x2_u_zero)?,
            I::F32x4ConvertI32x4S {} => self.v_unary(s::f32x4_convert_i32x4_s)?,
            I::F32x4ConvertI32x4U {} => self.v_unary(s::f32x4_convert_i32x4_u)?,
            I::F64x2ConvertLowI32x4S {} => self.v_unary(s::f64x2_convert_low_i32x4_s)?,
            I::F64x2ConvertLowI32x4U {} => self.v_unary(s::f64x2_convert_low_i32x4_u)?,
            I::F32x4DemoteF64x2Zero {} => self.v_unary(s::f32x4_demote_f64x2_zero)?,
            I::F64x2PromoteLowF32x4 {} => self.v_unary(s::f64x2_promote_low_f32x4)?,
            // ---- relaxed SIMD (`simd/relaxed.rs`): the host's native choice,
            // or the deterministic one with `Config::deterministic_relaxed_simd` ----
            I::I8x16RelaxedSwizzle {} => self.v_binary(if native_relaxed(store) {
                s::native::i8x16_relaxed_swizzle
            } else {
                s::i8x16_relaxed_swizzle
            })?,
            I::I32x4RelaxedTruncF32x4S {} => self.v_unary(if native_relaxed(store) {
                s::native::i32x4_relaxed_trunc_f32x4_s
            } else {
                s::i32x4_relaxed_trunc_f32x4_s
            })?,
            I::I32x4RelaxedTruncF32x4U {} => self.v_unary(if native_relaxed(store) {
                s::native::i32x4_relaxed_trunc_f32x4_u
            } else {
                s::i32x4_relaxed_trunc_f32x4_u
            })?,
            I::I32x4RelaxedTruncF64x2SZero {} => self.v_unary(if native_relaxed(store) {
                s::native::i32x4_relaxed_trunc_f64x2_s_zero
            } else {
                s::i32x4_relaxed_trunc_f64x2_s_zero
            })?,
            I::I32x4RelaxedTruncF64x2UZero {} => self.v_unary(if native_relaxed(store) {
                s::native::i32x4_relaxed_trunc_f64x2_u_zero
            } else {
                s::i32x4_relaxed_trunc_f64x2_u_zero
            })?,
            I::F32x4RelaxedMadd {} => self.v_ternary(if native_relaxed(store) {
                s::native::f32x4_relaxed_madd
            } else {
                s::f32x4_relaxed_madd
            })?,
            I::F32x4RelaxedNmadd {} => self.v_ternary(if native_relaxed(store) {
                s::native::f32x4_relaxed_nmadd
            } else {
                s::f32x4_relaxed_nmadd
            })?,
            I::F64x2RelaxedMadd {} => self.v_ternary(if native_relaxed(store) {
                s::native::f64x2_relaxed_madd
            } else {
                s::f64x2_relaxed_madd
            })?,
            I::F64x2RelaxedNmadd {} => self.v_ternary(if native_relaxed(store) {
                s::native::f64x2_relaxed_nmadd
            } else {
                s::f64x2_relaxed_nmadd
            })?,
            I::I8x16RelaxedLaneselect {} => self.v_ternary(if native_relaxed(store) {
                s::native::i8x16_relaxed_laneselect
            } else {
                s::i8x16_relaxed_laneselect
            })?,
            I::I16x8RelaxedLaneselect {} => self.v_ternary(if native_relaxed(store) {
                s::native::i16x8_relaxed_laneselect
            } else {
                s::i16x8_relaxed_laneselect
            })?,
            I::I32x4RelaxedLaneselect {} => self.v_ternary(if native_relaxed(store) {
                s::native::i32x4_relaxed_laneselect
            } else {
                s::i32x4_relaxed_laneselect
            })?,
            I::I64x2RelaxedLaneselect {} => self.v_ternary(if native_relaxed(store) {
                s::native::i64x2_relaxed_laneselect
            } else {
                s::i64x2_relaxed_laneselect
            })?,
            I::F32x4RelaxedMin {} => {
                self.v_binary(if native_relaxed(store) { s::native::f32x4_relaxed_min } else { s::f32x4_relaxed_min })?
            }
            I::F32x4RelaxedMax {} => {
                self.v_binary(if native_relaxed(store) { s::native::f32x4_relaxed_max } else { s::f32x4_relaxed_max })?
            }
            I::F64x2RelaxedMin {} => {
                self.v_binary(if native_relaxed(store) { s::native::f64x2_relaxed_min } else { s::f64x2_relaxed_min })?
            }
            I::F64x2RelaxedMax {} => {
                self.v_binary(if native_relaxed(store) { s::native::f64x2_relaxed_max } else { s::f64x2_relaxed_max })?
            }
            I::I16x8RelaxedQ15mulrS {} => self.v_binary(if native_relaxed(store) {
                s::native::i16x8_relaxed_q15mulr_s
            } else {
                s::i16x8_relaxed_q15mulr_s
            })?,
            I::I16x8RelaxedDotI8x16I7x16S {} => self.v_binary(if native_relaxed(store) {
                s::native::i16x8_relaxed_dot_i8x16_i7x16_s
            } else {
                s::i16x8_relaxed_dot_i8x16_i7x16_s
            })?,
            I::I32x4RelaxedDotI8x16I7x16AddS {} => self.v_ternary(if native_relaxed(store) {
                s::native::i32x4_relaxed_dot_i8x16_i7x16_add_s
            } else {
                s::i32x4_relaxed_dot_i8x16_i7x16_add_s
            })?,
            _ => return Ok(false),
        }
        if self.canonical_nans {
            self.canonicalize_vector_result(instr);
        }
        Ok(true)
    }

    /// Replaces NaN lanes produced by float lane arithmetic with the
    /// canonical NaN ([`Config::deterministic_nans`](weft_exec::Config)); bit
    /// operations (`abs`, `neg`, `pmin`, `pmax`, lane moves) keep their bits.
    #[cold]
    fn canonicalize_vector_result(&mut self, instr: Instr) {
        let f32_lanes = matches!(
            instr,
            I::F32x4Add {}
                | I::F32x4Ceil {}
                | I::F32x4DemoteF64x2Zero {}
                | I::F32x4Div {}
                | I::F32x4Floor {}
                | I::F32x4Max {}
                | I::F32x4Min {}
                | I::F32x4Mul {}
                | I::F32x4Nearest {}
                | I::F32x4RelaxedMadd {}
                | I::F32x4RelaxedMax {}
                | I::F32x4RelaxedMin {}
                | I::F32x4RelaxedNmadd {}
                | I::F32x4Sqrt {}
                | I::F32x4Sub {}
                | I::F32x4Trunc {}
        );
        let f64_lanes = matches!(
            instr,
            I::F64x2Add {}
                | I::F64x2Ceil {}
                | I::F64x2Div {}
                | I::F64x2Floor {}
                | I::F64x2Max {}
                | I::F64x2Min {}
                | I::F64x2Mul {}
                | I::F64x2Nearest {}
                | I::F64x2PromoteLowF32x4 {}
                | I::F64x2RelaxedMadd {}
                | I::F64x2RelaxedMax {}
                | I::F64x2RelaxedMin {}
                | I::F64x2RelaxedNmadd {}
                | I::F64x2Sqrt {}
                | I::F64x2Sub {}
                | I::F64x2Trunc {}
        );
        if let Some(Val::V128(v)) = self.stack.last_mut() {
            if f32_lanes {
                *v = s::to_u128(s::f32x4_canonicalize_nans(s::from_u128(*v)));
            } else if f64_lanes {
                *v = s::to_u128(s::f64x2_canonicalize_nans(s::from_u128(*v)));
            }
        }
    }
}

/// Whether relaxed SIMD instructions take the host's native choice
/// (`simd::native`) rather than the deterministic one
/// ([`Config::deterministic_relaxed_simd`](weft_exec::Config)).
fn native_relaxed(store: &dyn EngineStore) -> bool {
    !store.inner().engine.config().deterministic_relaxed_simd
}
