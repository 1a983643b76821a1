//! `v128` values: vector instructions, and the moves of code that uses them.
//!
//! A function is first translated as code without `v128` values; anything
//! of type `v128` (a vector instruction, a local, parameter, result,
//! block type, call signature or global of that type) makes that attempt
//! fail, and the function is translated again in *v128 mode*
//! (`Code::v128`). There a `v128` in slot `x` lives in the frame's v-slot
//! `x` (`exec/simd.rs`), with the same slot numbering: stack positions,
//! home slots and call bases are unchanged. The translator does not track
//! which entries are vectors; instead every move in v128 code moves both
//! halves of a slot ([`move_both_halves`] rewrites `Copy`, `Select` and the
//! returns once translation is done), and each vector instruction reads and
//! writes the half its type says. Calls need nothing: a callee's frame
//! starts at its arguments' slots, v-slots included.
//!
//! Vector loads and stores on memory 0 with 32-bit addresses have their
//! own ops; those on other memories share [`Op::VMemExt`]. Not translated
//! in v128 mode (the function falls back to the reference engine):
//! exception handling.

use weft_decode::{ImportType, MemArg, Operator, ValType};

use super::{Code, Entry, Result, Translator, supported_type, unsupported};
use crate::op::Slot;
use crate::op::simd::{
    VBinOp, VExtractOp, VLoadKind, VMemKind, VReplaceOp, VShiftOp, VSplatOp, VTernOp, VTestOp, VUnOp,
};
use crate::op::{MemArgExt, Op};
use weft_exec::executor::Decline;

/// Whether slots hold values of type `t` in code with (`v128`) or without
/// v-slots.
pub(super) fn holds(v128: bool, t: ValType) -> bool {
    supported_type(t) || (v128 && t == ValType::V128)
}

/// Rewrites the moves of v128 code to move slots and v-slots.
pub(super) fn move_both_halves(code: &mut Code) {
    for op in &mut code.ops {
        *op = match *op {
            Op::Copy { d, a } => Op::VCopy { d, a },
            Op::Select { d, a, b, c } => Op::VSelect { d, a, b, c },
            Op::Return1 { a } => Op::VReturn1 { a },
            Op::ReturnN { a, n } => Op::VReturnN { a, n },
            other => other,
        };
    }
}

/// The dedicated op of a common binary vector instruction.
fn fast_binary(op: &Operator<'_>) -> Option<fn(u16, u16, u16) -> Op> {
    Some(match op {
        Operator::V128And {} => |d, a, b| Op::VAnd { d, a, b },
        Operator::V128Or {} => |d, a, b| Op::VOr { d, a, b },
        Operator::V128Xor {} => |d, a, b| Op::VXor { d, a, b },
        Operator::V128AndNot {} => |d, a, b| Op::VAndNot { d, a, b },
        Operator::I8x16Add {} => |d, a, b| Op::VI8x16Add { d, a, b },
        Operator::I16x8Add {} => |d, a, b| Op::VI16x8Add { d, a, b },
        Operator::I32x4Add {} => |d, a, b| Op::VI32x4Add { d, a, b },
        Operator::I32x4Sub {} => |d, a, b| Op::VI32x4Sub { d, a, b },
        Operator::I32x4Mul {} => |d, a, b| Op::VI32x4Mul { d, a, b },
        Operator::I64x2Add {} => |d, a, b| Op::VI64x2Add { d, a, b },
        Operator::I64x2Sub {} => |d, a, b| Op::VI64x2Sub { d, a, b },
        Operator::F32x4Add {} => |d, a, b| Op::VF32x4Add { d, a, b },
        Operator::F32x4Sub {} => |d, a, b| Op::VF32x4Sub { d, a, b },
        Operator::F32x4Mul {} => |d, a, b| Op::VF32x4Mul { d, a, b },
        Operator::F64x2Add {} => |d, a, b| Op::VF64x2Add { d, a, b },
        Operator::F64x2Sub {} => |d, a, b| Op::VF64x2Sub { d, a, b },
        Operator::F64x2Mul {} => |d, a, b| Op::VF64x2Mul { d, a, b },
        Operator::I8x16Eq {} => |d, a, b| Op::VI8x16Eq { d, a, b },
        Operator::I32x4Eq {} => |d, a, b| Op::VI32x4Eq { d, a, b },
        Operator::I32x4LtS {} => |d, a, b| Op::VI32x4LtS { d, a, b },
        Operator::I32x4GtS {} => |d, a, b| Op::VI32x4GtS { d, a, b },
        Operator::F32x4Lt {} => |d, a, b| Op::VF32x4Lt { d, a, b },
        Operator::F32x4Gt {} => |d, a, b| Op::VF32x4Gt { d, a, b },
        _ => return None,
    })
}

/// Whether `op` is an exception-handling instruction.
fn is_exception_op(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Throw { .. }
            | Operator::ThrowRef {}
            | Operator::TryTable { .. }
            | Operator::Try { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll {}
            | Operator::Delegate { .. }
            | Operator::Rethrow { .. }
    )
}

impl Translator<'_> {
    /// Whether any of `types` is one this code's slots cannot hold.
    pub(super) fn has_unsupported(&self, types: &[ValType]) -> bool {
        !types.iter().all(|t| holds(self.code.v128, *t))
    }

    /// The type of global `g` (module index: imports first).
    pub(super) fn global_type(&self, g: u32) -> Option<ValType> {
        let d = &self.module.decoded;
        if let Some(defined) = g.checked_sub(d.num_imported_globals) {
            // The common case (a C program's stack pointer), without a walk
            // over the imports on every `global.get`.
            return d.globals.get(defined as usize).map(|g| g.ty.content);
        }
        let imported = d.imports.iter().filter_map(|i| match &i.ty {
            ImportType::Global(g) => Some(g.content),
            _ => None,
        });
        imported.chain(d.globals.iter().map(|g| g.ty.content)).nth(g as usize)
    }

    /// Whether any tag of the module carries a `v128` (its exceptions'
    /// fields would not fit the slots the exception ops use).
    fn v128_tags(&self) -> bool {
        let d = &self.module.decoded;
        let imported = d.imports.iter().filter_map(|i| match &i.ty {
            ImportType::Tag(t) => Some(*t),
            _ => None,
        });
        imported
            .chain(d.tags.iter().copied())
            .any(|t| self.module.func_type(t.type_index).is_some_and(|f| f.params().contains(&ValType::V128)))
    }

    pub(super) fn v128_global_get(&mut self, g: u32) -> Result<()> {
        self.need_v128()?;
        let d = self.push_result()?;
        self.emit_result(Op::VGlobalGet { d, g });
        Ok(())
    }

    pub(super) fn v128_global_set(&mut self, g: u32) -> Result<()> {
        self.need_v128()?;
        let a = self.pop_slot();
        self.emit(Op::VGlobalSet { a, g });
        Ok(())
    }

    /// Fails unless the code is translated in v128 mode.
    fn need_v128(&self) -> Result<()> {
        if self.code.v128 { Ok(()) } else { unsupported(Decline::ValueType("v128 outside v128 code".into())) }
    }

    /// Pushes the result of `f(d)`, emitted as the top entry's op.
    fn v_result(&mut self, f: impl FnOnce(u16) -> Op) -> Result<()> {
        let d = self.push_result()?;
        self.emit_result(f(d));
        Ok(())
    }

    /// Pops two operands, returned bottom first.
    fn pop2(&mut self) -> (u16, u16) {
        let n = self.stack.len();
        let b = self.operand(n - 1);
        let a = self.operand(n - 2);
        self.stack.truncate(n - 2);
        (a, b)
    }

    /// The offset of a vector access on memory 0 with 32-bit addresses
    /// (the fast path), if it is one.
    fn fast_offset(&self, memarg: MemArg) -> Option<u32> {
        let d = &self.module.decoded;
        let mem0 = d
            .imports
            .iter()
            .filter_map(|i| match &i.ty {
                ImportType::Memory(m) => Some(m),
                _ => None,
            })
            .chain(d.memories.iter())
            .next();
        let fast = memarg.memory == 0 && mem0.is_some_and(|m| !m.index64);
        if fast { u32::try_from(memarg.offset).ok() } else { None }
    }

    /// A vector access of `kind` off the fast path ([`Op::VMemExt`]),
    /// pushing a result unless it is a store.
    fn v_mem_ext(&mut self, memarg: MemArg, kind: VMemKind) -> Result<()> {
        self.code.mem_args.push(MemArgExt { mem: memarg.memory, offset: memarg.offset });
        let arg = (self.code.mem_args.len() - 1) as u32;
        match kind {
            VMemKind::Load | VMemKind::Ext(_) => {
                let a = self.pop_slot();
                self.v_result(|d| Op::VMemExt { d, a, v: 0, kind, arg })
            }
            VMemKind::LoadLane { .. } => {
                let (a, v) = self.pop2();
                self.v_result(|d| Op::VMemExt { d, a, v, kind, arg })
            }
            VMemKind::Store | VMemKind::StoreLane { .. } => {
                let (a, v) = self.pop2();
                self.emit(Op::VMemExt { d: 0, a, v, kind, arg });
                Ok(())
            }
        }
    }

    /// Translates `op` if it is a vector instruction (in v128 mode; else
    /// fails, for a second translation in v128 mode). Exception handling
    /// is not translated in v128 mode, nor with tags that carry a `v128`.
    pub(super) fn translate_simd(&mut self, op: &Operator<'_>) -> Option<Result<()>> {
        if is_exception_op(op) && (self.code.v128 || self.v128_tags()) {
            return Some(unsupported(Decline::ExceptionsWithV128));
        }
        if op.opcode().0 != weft_decode::Prefix::Fd {
            return None;
        }
        if let Err(e) = self.need_v128() {
            return Some(Err(e));
        }
        Some(self.translate_vector(op))
    }

    /// Whether relaxed SIMD instructions compute the host's native choice
    /// (`weft_exec::simd::native`) rather than the deterministic one
    /// ([`Config::deterministic_relaxed_simd`](weft_exec::Config)). Code
    /// is translated for one engine, so its configuration decides.
    fn native_relaxed(&self) -> bool {
        !self.module.engine.config().deterministic_relaxed_simd
    }

    /// Fuses a binary vector op `f` with the `v128.load` or `v128.const`
    /// that produced its right operand just before (the pairs the SIMD
    /// programs run most, `v128.load` + `f32x4.mul`, `v128.const` +
    /// `v128.and`, ...): the load's or constant's op becomes
    /// [`Op::VBinLoad`] or [`Op::VBinConst`], and the vector never
    /// passes through its v-slot. `false` (nothing changed) unless the
    /// right operand is that op's result, still on the stack only.
    fn fuse_binary(&mut self, f: VBinOp) -> bool {
        let n = self.stack.len();
        let Some(at) = self.retarget else { return false };
        if at + 1 != self.code.ops.len() || self.stack[n - 1] != Entry::Stack {
            return false;
        }
        let b = self.home(n - 1);
        let fused = match self.code.ops[at] {
            Op::VLoad { d, a: addr, add, offset } if d == b => move |d, a| match f {
                VBinOp::F32x4Mul => Op::VF32x4MulLoad { d, a, addr, add, offset },
                _ => Op::VBinLoad { d, a, addr, add, offset, f },
            },
            Op::VConst { d, k } if d == b => {
                if f == VBinOp::V128And && self.fuse_shift_and(at, k) {
                    return true;
                }
                return self.fuse_into(at, move |d, a| match f {
                    VBinOp::V128And => Op::VAndConst { d, a, k },
                    _ => Op::VBinConst { d, a, k, f },
                });
            }
            _ => return false,
        };
        self.fuse_into(at, fused)
    }

    /// Fuses a `v128.and` with the [`Op::VConst`] `k` at `at` and the
    /// [`Op::VShiftImm`] just before it that computed its left operand
    /// (`(x >> 18) & 63`, a bit field of every lane) into
    /// [`Op::VShiftAndConst`]. The three ops come from three consecutive
    /// instructions (each one's op the result the next one reads, the
    /// `retarget` chain), so no label lies between them. `false` (nothing
    /// changed) otherwise.
    fn fuse_shift_and(&mut self, at: usize, k: u32) -> bool {
        let n = self.stack.len();
        if n < 2 || at == 0 || self.prev_retarget != Some(at - 1) || self.stack[n - 2] != Entry::Stack {
            return false;
        }
        let Op::VShiftImm { d, a, count, f } = self.code.ops[at - 1] else { return false };
        if d != self.home(n - 2) || f == VShiftOp::I64x2ShrS {
            return false;
        }
        self.stack.truncate(n - 2);
        let Ok(d) = self.push_result() else { return false };
        self.replace_from(at - 1, Op::VShiftAndConst { d, a, count, f, k });
        true
    }

    /// Fuses `i8x16.add` with the `i8x16.eq` and the `v128.and` of bytes
    /// of 1 (`VAndConst`, one op) that computed its right operand, the
    /// three from consecutive instructions (see [`Self::fuse_shift_and`]):
    /// `count + ((x == y) & 1)`, a byte-counting loop's step, becomes
    /// [`Op::VI8x16CountEq`] (or [`Op::VI8x16CountEqConst`] if `y` was a
    /// constant). `false` (nothing changed) otherwise.
    fn fuse_count_eq(&mut self) -> bool {
        const ONES: u128 = u128::from_le_bytes([1; 16]);
        let n = self.stack.len();
        let Some(at) = self.retarget else { return false };
        if n < 2
            || at == 0
            || at + 1 != self.code.ops.len()
            || self.prev_retarget != Some(at)
            || self.prev2_retarget != Some(at - 1)
            || self.stack[n - 1] != Entry::Stack
            || matches!(self.stack[n - 2], Entry::Const(_))
        {
            return false;
        }
        let t = self.home(n - 1);
        let Op::VAndConst { d, a, k } = self.code.ops[at] else { return false };
        if d != t || a != t || self.code.v128_consts.get(k as usize) != Some(&ONES) {
            return false;
        }
        let fused = match self.code.ops[at - 1] {
            Op::VI8x16Eq { d, a, b } if d == t => Op::VI8x16CountEq { d, c: 0, a, b },
            Op::VBinConst { d, a, k, f: VBinOp::I8x16Eq } if d == t => Op::VI8x16CountEqConst { d, c: 0, a, k },
            _ => return false,
        };
        self.stack.pop();
        let count = self.pop_slot();
        let Ok(d) = self.push_result() else { return false };
        let fused = match fused {
            Op::VI8x16CountEq { a, b, .. } => Op::VI8x16CountEq { d, c: count, a, b },
            Op::VI8x16CountEqConst { a, k, .. } => Op::VI8x16CountEqConst { d, c: count, a, k },
            other => other,
        };
        self.replace_from(at - 1, fused);
        true
    }

    /// Fuses unary vector op `g` with the [`Op::VUn`] just before it that
    /// computed its operand (still on the stack only) into [`Op::VUn2`]:
    /// `i16x8.extend_low_i8x16_s` then `i32x4.extend_low_i16x8_s`,
    /// `i8x16.popcnt` then a pairwise sum, ... `false` (nothing changed)
    /// otherwise.
    fn fuse_unary(&mut self, g: VUnOp) -> bool {
        let n = self.stack.len();
        let Some(at) = self.retarget else { return false };
        if n < 1 || at + 1 != self.code.ops.len() || self.stack[n - 1] != Entry::Stack {
            return false;
        }
        let Op::VUn { d, a, f } = self.code.ops[at] else { return false };
        if d != self.home(n - 1) {
            return false;
        }
        self.stack.pop();
        let Ok(d) = self.push_result() else { return false };
        self.replace_from(at, Op::VUn2 { d, a, f, g });
        true
    }

    /// Replaces the ops from `at` on by `op`, which writes the top entry;
    /// it keeps the first one's offset (a trap in it is that op's).
    fn replace_from(&mut self, at: usize, op: Op) {
        let offset = self.code.offsets[at];
        self.code.ops.truncate(at);
        self.code.offsets.truncate(at);
        self.emit_result(op);
        self.code.offsets[at] = offset;
    }

    /// Fuses `f32x4.add` with the [`Op::VF32x4MulLoad`] that computed its
    /// left operand two instructions before, the instruction between
    /// being the `local.get` of its right operand (`x * row` then
    /// `local.get $acc`, `f32x4.add`): the pair becomes
    /// [`Op::VF32x4MulAddLoad`]. `false` (nothing changed) otherwise.
    /// Only a `local.get` pushes a local entry, so no block, loop or
    /// branch target lies between the two ops.
    fn fuse_mul_add(&mut self) -> bool {
        let n = self.stack.len();
        let Some(at) = self.prev_retarget else { return false };
        if n < 2 || at + 1 != self.code.ops.len() || self.stack[n - 2] != Entry::Stack {
            return false;
        }
        let Entry::Local(c) = self.stack[n - 1] else { return false };
        let Op::VF32x4MulLoad { d, a, addr, add, offset } = self.code.ops[at] else { return false };
        if d != self.home(n - 2) {
            return false;
        }
        self.stack.truncate(n - 2);
        let Ok(d) = self.push_result() else { return false };
        let offset_at = self.code.offsets[at];
        self.code.ops.truncate(at);
        self.code.offsets.truncate(at);
        self.emit_result(Op::VF32x4MulAddLoad { d, a, c, addr, add, offset });
        self.code.offsets[at] = offset_at;
        true
    }

    /// Pops a `v128.load`'s address. If the op just before computed it as
    /// `i32.add` of an immediate below 2^16 into the top entry's home slot
    /// (`p + 16` in a loop over vectors, a row of a matrix), that op is
    /// dropped and its operand and immediate returned instead, for the
    /// load to add (wrapping, as the `i32.add` did): one op fewer per load.
    fn address_plus_immediate(&mut self) -> (Slot, u16) {
        let n = self.stack.len();
        if let Some(at) = self.retarget
            && at + 1 == self.code.ops.len()
            && self.stack[n - 1] == Entry::Stack
            && let Op::I32AddImm { d, a, imm } = self.code.ops[at]
            && d == self.home(n - 1)
            && let Ok(add) = u16::try_from(imm as u32)
        {
            self.stack.pop();
            self.code.ops.truncate(at);
            self.code.offsets.truncate(at);
            return (a, add);
        }
        (self.pop_slot(), 0)
    }

    /// Replaces the op at `at` (which wrote the top entry) by `fused(d, a)`
    /// with `a` the entry below and `d` the result's home. The fused op
    /// keeps the first op's offset: a trap in it is the load's.
    fn fuse_into(&mut self, at: usize, fused: impl FnOnce(Slot, Slot) -> Op) -> bool {
        let n = self.stack.len();
        if n < 2 || matches!(self.stack[n - 2], Entry::Const(_)) {
            return false;
        }
        self.stack.pop();
        let a = self.pop_slot();
        let Ok(d) = self.push_result() else { return false };
        let offset = self.code.offsets[at];
        self.code.ops.truncate(at);
        self.code.offsets.truncate(at);
        self.emit_result(fused(d, a));
        self.code.offsets[at] = offset;
        true
    }

    fn translate_vector(&mut self, op: &Operator<'_>) -> Result<()> {
        if let Some(f) = VBinOp::from_operator(op).filter(|f| !is_relaxed(*f))
            && self.fuse_binary(f)
        {
            return Ok(());
        }
        if matches!(op, Operator::F32x4Add {}) && self.fuse_mul_add() {
            return Ok(());
        }
        if matches!(op, Operator::I8x16Add {}) && self.fuse_count_eq() {
            return Ok(());
        }
        if let Some(f) = fast_binary(op) {
            let (a, b) = self.pop2();
            return self.v_result(|d| f(d, a, b));
        }
        let native = self.native_relaxed();
        if let Some(f) = VBinOp::from_operator(op) {
            let f = if native { f.native() } else { f };
            let (a, b) = self.pop2();
            return self.v_result(|d| Op::VBin { d, a, b, f });
        }
        if let Some(f) = VUnOp::from_operator(op) {
            let f = if native { f.native() } else { f };
            if self.fuse_unary(f) {
                return Ok(());
            }
            let a = self.pop_slot();
            return self.v_result(|d| Op::VUn { d, a, f });
        }
        if let Operator::V128Bitselect {} = op {
            // Its own op (`VTernOp` has it too, for the reference of the
            // group, but the shared handler dispatches on the sub-op).
            let (c, (a, b)) = (self.pop_slot(), self.pop2());
            return self.v_result(|d| Op::VBitselect { d, a, b, c });
        }
        if let Some(f) = VTernOp::from_operator(op) {
            let f = if native { f.native() } else { f };
            let (c, (a, b)) = (self.pop_slot(), self.pop2());
            return self.v_result(|d| Op::VTern { d, a, b, c, f });
        }
        if let Some(f) = VTestOp::from_operator(op) {
            let a = self.pop_slot();
            return self.v_result(|d| Op::VTest { d, a, f });
        }
        if let Some(f) = VShiftOp::from_operator(op) {
            // A shift by a constant (`i32.const 4` before `i8x16.shr_u`)
            // takes the count from the op, not a slot: one op fewer.
            if let Some(&Entry::Const(bits)) = self.stack.last() {
                self.stack.pop();
                let a = self.pop_slot();
                return self.v_result(|d| Op::VShiftImm { d, a, count: bits as u8, f });
            }
            let (a, b) = self.pop2();
            return self.v_result(|d| Op::VShift { d, a, b, f });
        }
        if let Some(f) = VSplatOp::from_operator(op) {
            // A splat of a constant is a vector constant.
            if let Some(&Entry::Const(bits)) = self.stack.last() {
                self.stack.pop();
                let k = self.v128_const(weft_exec::simd::to_u128(f.apply(bits)));
                return self.v_result(|d| Op::VConst { d, k });
            }
            let a = self.pop_slot();
            return self.v_result(|d| Op::VSplat { d, a, f });
        }
        if let Some(f) = VExtractOp::from_operator(op) {
            let lane = lane_index(op);
            let a = self.pop_slot();
            return self.v_result(|d| Op::VExtract { d, a, lane, f });
        }
        if let Some(f) = VReplaceOp::from_operator(op) {
            let lane = lane_index(op);
            let (a, b) = self.pop2();
            return self.v_result(|d| Op::VReplace { d, a, b, lane, f });
        }
        if let Some((kind, memarg)) = VLoadKind::from_operator(op) {
            let Some(offset) = self.fast_offset(memarg) else { return self.v_mem_ext(memarg, VMemKind::Ext(kind)) };
            let a = self.pop_slot();
            return self.v_result(|d| Op::VLoadExt { d, a, kind, offset });
        }
        match *op {
            Operator::V128Const { value } => {
                let k = self.v128_const(u128::from_le_bytes(value.0));
                self.v_result(|d| Op::VConst { d, k })
            }
            Operator::I8x16Shuffle { lanes } => {
                let k = self.v128_const(u128::from_le_bytes(lanes.0));
                let (a, b) = self.pop2();
                self.v_result(|d| Op::VShuffle { d, a, b, k })
            }
            Operator::V128Load { memarg } => {
                let Some(offset) = self.fast_offset(memarg) else { return self.v_mem_ext(memarg, VMemKind::Load) };
                let (a, add) = self.address_plus_immediate();
                self.v_result(|d| Op::VLoad { d, a, add, offset })
            }
            Operator::V128Store { memarg } => {
                let Some(offset) = self.fast_offset(memarg) else { return self.v_mem_ext(memarg, VMemKind::Store) };
                let (a, v) = self.pop2();
                self.emit(Op::VStore { a, v, offset });
                Ok(())
            }
            Operator::V128Load8Lane { memarg, lane }
            | Operator::V128Load16Lane { memarg, lane }
            | Operator::V128Load32Lane { memarg, lane }
            | Operator::V128Load64Lane { memarg, lane } => {
                let bytes = lane_bytes(op);
                let Some(offset) = self.fast_offset(memarg) else {
                    return self.v_mem_ext(memarg, VMemKind::LoadLane { bytes, lane });
                };
                let (a, v) = self.pop2();
                self.v_result(|d| Op::VLoadLane { d, a, v, bytes, lane, offset })
            }
            Operator::V128Store8Lane { memarg, lane }
            | Operator::V128Store16Lane { memarg, lane }
            | Operator::V128Store32Lane { memarg, lane }
            | Operator::V128Store64Lane { memarg, lane } => {
                let bytes = lane_bytes(op);
                let Some(offset) = self.fast_offset(memarg) else {
                    return self.v_mem_ext(memarg, VMemKind::StoreLane { bytes, lane });
                };
                let (a, v) = self.pop2();
                self.emit(Op::VStoreLane { a, v, bytes, lane, offset });
                Ok(())
            }
            _ => unsupported(Decline::Instruction(op.mnemonic())),
        }
    }

    /// Adds `v` to the code's vector constants, returning its index.
    fn v128_const(&mut self, v: u128) -> u32 {
        self.code.v128_consts.push(v);
        (self.code.v128_consts.len() - 1) as u32
    }
}

/// Whether every vector op's constant index (`k`) names one of the
/// code's vector constants: the handlers read them unchecked.
pub(super) fn verify(code: &Code) -> bool {
    let count = code.v128_consts.len();
    code.ops.iter().all(|op| match *op {
        Op::VConst { k, .. }
        | Op::VShuffle { k, .. }
        | Op::VBinConst { k, .. }
        | Op::VAndConst { k, .. }
        | Op::VShiftAndConst { k, .. }
        | Op::VI8x16CountEqConst { k, .. } => (k as usize) < count,
        _ => true,
    })
}

/// Whether `f` is a relaxed instruction (left unfused: its native variant
/// is picked after this point).
fn is_relaxed(f: VBinOp) -> bool {
    f.native() != f
}

/// How many bytes a lane load or store moves.
fn lane_bytes(op: &Operator<'_>) -> u8 {
    match op {
        Operator::V128Load8Lane { .. } | Operator::V128Store8Lane { .. } => 1,
        Operator::V128Load16Lane { .. } | Operator::V128Store16Lane { .. } => 2,
        Operator::V128Load32Lane { .. } | Operator::V128Store32Lane { .. } => 4,
        _ => 8,
    }
}

/// The lane immediate of an extract or replace instruction.
fn lane_index(op: &Operator<'_>) -> u8 {
    match *op {
        Operator::I8x16ExtractLaneS { lane }
        | Operator::I8x16ExtractLaneU { lane }
        | Operator::I16x8ExtractLaneS { lane }
        | Operator::I16x8ExtractLaneU { lane }
        | Operator::I32x4ExtractLane { lane }
        | Operator::I64x2ExtractLane { lane }
        | Operator::F32x4ExtractLane { lane }
        | Operator::F64x2ExtractLane { lane }
        | Operator::I8x16ReplaceLane { lane }
        | Operator::I16x8ReplaceLane { lane }
        | Operator::I32x4ReplaceLane { lane }
        | Operator::I64x2ReplaceLane { lane }
        | Operator::F32x4ReplaceLane { lane }
        | Operator::F64x2ReplaceLane { lane } => lane,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::disassemble;

    /// The SIMD benchmark's inner loop: every value computed straight into
    /// its local, no moves, and its two vector constants fused into the
    /// ops that use them.
    #[test]
    fn simd_loop_has_no_moves() {
        let wat = include_str!("../../../../benches/programs/simd_checksum.wat");
        let text = disassemble(wat, 2);
        println!("{text}");
        // The loop: ops 2 to 23, its constants folded (`f32x4.splat` of a
        // constant is a vector constant) and fused (`f32x4.mul` and
        // `v128.and` by a constant are `VBinConst`), two unary ops in a
        // row one `VUn2`.
        let inner = text.lines().skip(2).take(22).collect::<Vec<_>>().join("\n");
        // (The target is a byte offset, which depends on the encoding.)
        assert!(inner.lines().last().is_some_and(|l| l.contains("BrI32NeImm { a: 1, imm: 65536, t: ")), "{text}");
        assert!(inner.contains("VUn2 { d: 9, a: 2, f: I8x16Popcnt, g: I16x8ExtaddPairwiseI8x16U }"), "{text}");
        assert!(!inner.contains("VCopy") && !inner.contains("VSplat") && !inner.contains("VConst"), "{text}");
        assert!(inner.contains("VBinConst { d: 9, a: 9, k: 0, f: F32x4Mul }"), "{text}");
        assert!(inner.contains("VAndConst { d: 10, a: 3, k: 1 }"), "{text}");
    }

    /// `v128.load` + a binary op is one op (its traps and results:
    /// `crates/weft/tests/threaded_simd.rs`).
    #[test]
    fn load_and_binary_op_fuse() {
        let wat = r#"(module (memory 1)
            (func (export "f") (param i32 v128) (result v128)
                (f32x4.mul (local.get 1) (v128.load offset=16 (local.get 0)))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("VF32x4MulLoad { d: 2, a: 1, addr: 0, add: 0, offset: 16 }"), "{text}");
        assert!(!text.contains("VLoad"), "{text}");
    }

    /// A matrix kernel's row update, `x * load(row)` then `local.get $acc`
    /// and `f32x4.add`, is one op, retargeted into the local it is
    /// stored to; with an instruction other than `local.get` between (a
    /// `loop` whose parameter the product is), the ops stay apart.
    #[test]
    fn multiply_load_add_fuses() {
        let wat = r#"(module (memory 1)
            (func (export "f") (param i32 v128 v128) (result v128)
                (local.set 2 (f32x4.add (f32x4.mul (local.get 1) (v128.load offset=16 (local.get 0))) (local.get 2)))
                (local.get 2))
            (func (export "g") (param i32 v128 v128) (result v128)
                (f32x4.mul (local.get 1) (v128.load offset=16 (local.get 0)))
                (loop (param v128) (result v128) (local.get 2) (f32x4.add))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("VF32x4MulAddLoad { d: 2, a: 1, c: 2, addr: 0, add: 0, offset: 16 }"), "{text}");
        assert!(!text.contains("VF32x4MulLoad") && !text.contains("VF32x4Add"), "{text}");
        let text = disassemble(wat, 1);
        assert!(text.contains("VF32x4MulLoad") && !text.contains("VF32x4MulAddLoad"), "{text}");
    }

    /// An `i32.add` of an immediate computing a load's address folds into
    /// the load (and on into a fused op); a larger immediate does not.
    #[test]
    fn address_immediate_folds_into_the_load() {
        let wat = r#"(module (memory 1)
            (func (export "f") (param i32 v128) (result v128)
                (f32x4.add (local.get 1) (v128.load offset=16 (i32.add (local.get 0) (i32.const 17648)))))
            (func (export "g") (param i32) (result v128)
                (v128.load (i32.add (local.get 0) (i32.const 65536)))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("VBinLoad { d: 2, a: 1, addr: 0, add: 17648, offset: 16, f: F32x4Add }"), "{text}");
        assert!(!text.contains("I32AddImm"), "{text}");
        let text = disassemble(wat, 1);
        assert!(text.contains("I32AddImm") && text.contains("add: 0"), "{text}");
    }
}
