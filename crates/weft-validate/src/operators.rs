//! The rule of every instruction (spec 3.3, written as in the appendix's
//! algorithm), on top of the stack helpers of `func.rs`.
//!
//! Conventions: `x` is an index immediate, `l` a label depth, `at` the
//! address type (`i32`, or `i64` for 64-bit memories and tables). Every
//! instruction with a fixed type (numeric, most vector instructions) is
//! checked from its row in the instruction table, through
//! `Operator::signature`, after its feature is checked in [`fixed_feature`];
//! the others have an arm of their own.

use weft_decode::{
    BlockType, BrTable, Catch, HeapType, MemArg, MemIdx, Operator, Prefix, RefType, TableIdx, TableType, ValType,
};

use crate::ValidationError;
use crate::func::{FrameKind, OpValidator, Types};
use crate::limits::MAX_BR_TABLE_TARGETS;
use crate::module::index_type;
use crate::types::{BOTTOM_HEAP, require};

use ValType::{F32, F64, I32, I64, V128};

type Result<T = ()> = std::result::Result<T, Box<ValidationError>>;

const EXN: RefType = RefType { nullable: false, heap: HeapType::Exn };

impl OpValidator<'_, '_> {
    /// Validates `op` against the current stacks: the rule of every
    /// instruction, for `weft validate --explain` and for the instructions
    /// the visitor (`visit.rs`) does not handle itself.
    pub(crate) fn check_operator(&mut self, op: &Operator<'_>) -> Result {
        use Operator as O;
        let f = self.ctx.types.features();
        match *op {
            // ---- control instructions (spec 3.3.8) ----
            O::Unreachable {} => self.unreachable(),
            O::Block { blockty } => self.enter_block(FrameKind::Block, blockty)?,
            O::Loop { blockty } => self.enter_block(FrameKind::Loop, blockty)?,
            O::If { blockty } => self.if_(blockty)?,
            O::Else {} => self.else_()?,
            O::End {} => self.end()?,
            O::Br { relative_depth } => self.br(relative_depth)?,
            O::BrIf { relative_depth } => self.br_if(relative_depth)?,
            O::BrTable { targets } => self.br_table(targets)?,
            O::Return {} => self.return_()?,
            O::Call { function_index } => self.call(function_index)?,
            O::CallIndirect { type_index, table_index: TableIdx(table) } => self.call_indirect(type_index, table)?,
            O::ReturnCall { function_index } => {
                require(f.tail_call, "tail calls", self.offset)?;
                let ty = self.ctx.func_type_of(function_index, self.offset)?;
                self.pop_slice(ty.params())?;
                self.return_results(ty.results())?;
            }
            O::ReturnCallIndirect { type_index, table_index } => {
                require(f.tail_call, "tail calls", self.offset)?;
                let at = self.call_table(table_index)?;
                let ty = self.ctx.types.func_type(type_index, self.offset)?;
                self.pop(at)?;
                self.pop_slice(ty.params())?;
                self.return_results(ty.results())?;
            }
            O::CallRef { type_index } => {
                require(f.function_references, "typed function references", self.offset)?;
                let ty = self.ctx.types.func_type(type_index, self.offset)?;
                self.pop(ValType::Ref(RefType { nullable: true, heap: HeapType::Concrete(type_index) }))?;
                self.pop_slice(ty.params())?;
                self.push_slice(ty.results());
            }
            O::ReturnCallRef { type_index } => {
                require(f.tail_call, "tail calls", self.offset)?;
                require(f.function_references, "typed function references", self.offset)?;
                let ty = self.ctx.types.func_type(type_index, self.offset)?;
                self.pop(ValType::Ref(RefType { nullable: true, heap: HeapType::Concrete(type_index) }))?;
                self.pop_slice(ty.params())?;
                self.return_results(ty.results())?;
            }

            // ---- exception handling ----
            O::TryTable { blockty, catches } => {
                require(f.exceptions, "exception handling", self.offset)?;
                self.check_block_type(blockty)?;
                for catch in catches.iter() {
                    self.check_catch(catch)?;
                }
                self.enter_block(FrameKind::TryTable, blockty)?;
            }
            O::Throw { tag_index } => {
                require(f.exceptions || f.legacy_exceptions, "exception handling", self.offset)?;
                let ty = self.ctx.tag(tag_index, self.offset)?;
                self.pop_slice(ty.params())?;
                self.unreachable();
            }
            O::ThrowRef {} => {
                require(f.exceptions, "exception handling", self.offset)?;
                self.pop(ValType::EXNREF)?;
                self.unreachable();
            }
            O::Try { blockty } => {
                require(f.legacy_exceptions, "legacy exception handling", self.offset)?;
                self.enter_block(FrameKind::Try, blockty)?;
            }
            O::Catch { tag_index } => {
                require(f.legacy_exceptions, "legacy exception handling", self.offset)?;
                let frame = self.pop_ctrl()?;
                let ty = self.ctx.tag(tag_index, self.offset)?;
                self.push_ctrl(FrameKind::Catch, frame.block_type, Types::Empty);
                self.push_slice(ty.params());
            }
            O::CatchAll {} => {
                require(f.legacy_exceptions, "legacy exception handling", self.offset)?;
                let frame = self.pop_ctrl()?;
                self.push_ctrl(FrameKind::CatchAll, frame.block_type, Types::Empty);
            }
            O::Delegate { relative_depth } => {
                require(f.legacy_exceptions, "legacy exception handling", self.offset)?;
                let frame = self.pop_ctrl()?;
                self.label(relative_depth)?;
                self.push_types(self.end_types(frame.block_type));
            }
            O::Rethrow { relative_depth } => {
                require(f.legacy_exceptions, "legacy exception handling", self.offset)?;
                let frame = self.label(relative_depth)?;
                if !matches!(frame.kind, FrameKind::Catch | FrameKind::CatchAll) {
                    return Err(self.error("invalid rethrow label"));
                }
                self.unreachable();
            }

            // ---- parametric instructions (spec 3.3.4) ----
            O::Drop {} => self.drop_()?,
            O::Select {} => self.select()?,
            O::TypedSelect { types } => {
                require(f.reference_types, "reference types", self.offset)?;
                let (1, Some(t)) = (types.count, types.first) else {
                    return Err(self.error("invalid result arity"));
                };
                self.ctx.types.check_val_type(t, self.offset)?;
                self.pop(I32)?;
                self.pop(t)?;
                self.pop(t)?;
                self.push(t);
            }

            // ---- variable instructions (spec 3.3.5) ----
            O::LocalGet { local_index } => self.local_get(local_index)?,
            O::LocalSet { local_index } => self.local_set(local_index)?,
            O::LocalTee { local_index } => self.local_tee(local_index)?,
            O::GlobalGet { global_index } => self.global_get(global_index)?,
            O::GlobalSet { global_index } => self.global_set(global_index)?,

            // ---- table instructions (spec 3.3.6) ----
            O::TableGet { table_index } => {
                require(f.reference_types, "reference types", self.offset)?;
                let tt = self.ctx.table(table_index, self.offset)?;
                self.pop(index_type(tt.index64))?;
                self.push(ValType::Ref(tt.element));
            }
            O::TableSet { table_index } => {
                require(f.reference_types, "reference types", self.offset)?;
                let tt = self.ctx.table(table_index, self.offset)?;
                self.pop(ValType::Ref(tt.element))?;
                self.pop(index_type(tt.index64))?;
            }
            O::TableSize { table_index } => {
                require(f.reference_types, "reference types", self.offset)?;
                let tt = self.ctx.table(table_index, self.offset)?;
                self.push(index_type(tt.index64));
            }
            O::TableGrow { table_index } => {
                require(f.reference_types, "reference types", self.offset)?;
                let tt = self.ctx.table(table_index, self.offset)?;
                let at = index_type(tt.index64);
                self.pop(at)?;
                self.pop(ValType::Ref(tt.element))?;
                self.push(at);
            }
            O::TableFill { table_index } => {
                require(f.reference_types, "reference types", self.offset)?;
                let tt = self.ctx.table(table_index, self.offset)?;
                let at = index_type(tt.index64);
                self.pop(at)?;
                self.pop(ValType::Ref(tt.element))?;
                self.pop(at)?;
            }
            O::TableInit { elem_index, table_index } => {
                require(f.bulk_memory, "bulk memory", self.offset)?;
                let tt = self.ctx.table(table_index, self.offset)?;
                let et = self.ctx.elem(elem_index, self.offset)?;
                if !self.ctx.types.ref_subtype(et, tt.element) {
                    return Err(self.mismatch());
                }
                self.pop(I32)?;
                self.pop(I32)?;
                self.pop(index_type(tt.index64))?;
            }
            O::ElemDrop { elem_index } => {
                require(f.bulk_memory, "bulk memory", self.offset)?;
                self.ctx.elem(elem_index, self.offset)?;
            }
            O::TableCopy { dst_table, src_table } => {
                require(f.bulk_memory, "bulk memory", self.offset)?;
                let dst = self.ctx.table(dst_table, self.offset)?;
                let src = self.ctx.table(src_table, self.offset)?;
                if !self.ctx.types.ref_subtype(src.element, dst.element) {
                    return Err(self.mismatch());
                }
                self.pop(index_type(dst.index64 && src.index64))?;
                self.pop(index_type(src.index64))?;
                self.pop(index_type(dst.index64))?;
            }

            // ---- memory instructions (spec 3.3.7) ----
            O::I32Load { memarg } => self.load(memarg, 2, I32)?,
            O::I64Load { memarg } => self.load(memarg, 3, I64)?,
            O::F32Load { memarg } => self.load(memarg, 2, F32)?,
            O::F64Load { memarg } => self.load(memarg, 3, F64)?,
            O::I32Load8S { memarg } | O::I32Load8U { memarg } => self.load(memarg, 0, I32)?,
            O::I32Load16S { memarg } | O::I32Load16U { memarg } => self.load(memarg, 1, I32)?,
            O::I64Load8S { memarg } | O::I64Load8U { memarg } => self.load(memarg, 0, I64)?,
            O::I64Load16S { memarg } | O::I64Load16U { memarg } => self.load(memarg, 1, I64)?,
            O::I64Load32S { memarg } | O::I64Load32U { memarg } => self.load(memarg, 2, I64)?,
            O::I32Store { memarg } => self.store(memarg, 2, I32)?,
            O::I64Store { memarg } => self.store(memarg, 3, I64)?,
            O::F32Store { memarg } => self.store(memarg, 2, F32)?,
            O::F64Store { memarg } => self.store(memarg, 3, F64)?,
            O::I32Store8 { memarg } => self.store(memarg, 0, I32)?,
            O::I32Store16 { memarg } => self.store(memarg, 1, I32)?,
            O::I64Store8 { memarg } => self.store(memarg, 0, I64)?,
            O::I64Store16 { memarg } => self.store(memarg, 1, I64)?,
            O::I64Store32 { memarg } => self.store(memarg, 2, I64)?,
            O::MemorySize { mem: MemIdx(mem) } => self.memory_size(mem)?,
            O::MemoryGrow { mem: MemIdx(mem) } => self.memory_grow(mem)?,
            O::MemoryInit { data_index, mem } => {
                require(f.bulk_memory, "bulk memory", self.offset)?;
                let at = index_type(self.ctx.memory(mem, self.offset)?.index64);
                self.ctx.data(data_index, self.offset)?;
                self.pop(I32)?;
                self.pop(I32)?;
                self.pop(at)?;
            }
            O::DataDrop { data_index } => {
                require(f.bulk_memory, "bulk memory", self.offset)?;
                self.ctx.data(data_index, self.offset)?;
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                require(f.bulk_memory, "bulk memory", self.offset)?;
                let dst = self.ctx.memory(dst_mem, self.offset)?.index64;
                let src = self.ctx.memory(src_mem, self.offset)?.index64;
                self.pop(index_type(dst && src))?;
                self.pop(index_type(src))?;
                self.pop(index_type(dst))?;
            }
            O::MemoryFill { mem } => {
                require(f.bulk_memory, "bulk memory", self.offset)?;
                let at = index_type(self.ctx.memory(mem, self.offset)?.index64);
                self.pop(at)?;
                self.pop(I32)?;
                self.pop(at)?;
            }

            // ---- reference instructions (spec 3.3.3) ----
            O::RefNull { hty } => {
                require(f.reference_types, "reference types", self.offset)?;
                self.ctx.types.check_heap_type(hty, self.offset)?;
                self.push(ValType::Ref(RefType { nullable: true, heap: hty }));
            }
            O::RefIsNull {} => {
                require(f.reference_types, "reference types", self.offset)?;
                self.pop_ref()?;
                self.push(I32);
            }
            O::RefFunc { function_index } => {
                require(f.reference_types, "reference types", self.offset)?;
                let Some(ty) = self.ctx.func_type_index(function_index) else {
                    return Err(self.error(format!("unknown function {function_index}")));
                };
                if !self.ctx.is_declared(function_index) {
                    return Err(self.error("undeclared function reference"));
                }
                self.push(ValType::Ref(RefType { nullable: false, heap: HeapType::Concrete(ty) }));
            }
            O::RefAsNonNull {} => {
                require(f.function_references, "typed function references", self.offset)?;
                let rt = self.pop_ref()?;
                self.push(ValType::Ref(RefType { nullable: false, ..rt }));
            }
            O::BrOnNull { relative_depth } => {
                require(f.function_references, "typed function references", self.offset)?;
                let frame = self.label(relative_depth)?;
                let rt = self.pop_ref()?;
                let types = self.label_types(&frame);
                self.pop_types(types)?;
                self.push_types(types);
                self.push(ValType::Ref(RefType { nullable: false, ..rt }));
            }
            O::BrOnNonNull { relative_depth } => {
                require(f.function_references, "typed function references", self.offset)?;
                let frame = self.label(relative_depth)?;
                let rt = self.pop_ref()?;
                let types = self.label_types(&frame);
                let Some(n) = types.len().checked_sub(1) else {
                    return Err(self.mismatch());
                };
                if !self.ctx.types.val_subtype(ValType::Ref(RefType { nullable: false, ..rt }), types.get(n)) {
                    return Err(self.mismatch());
                }
                for i in (0..n).rev() {
                    self.pop(types.get(i))?;
                }
                for i in 0..n {
                    self.push(types.get(i));
                }
            }

            // ---- vector instructions with immediates (spec 3.3.2) ----
            O::I8x16Shuffle { lanes } => {
                if lanes.0.iter().any(|&l| l >= 32) {
                    return Err(self.error("invalid lane index"));
                }
                self.fixed(op)?;
            }
            O::I8x16ExtractLaneS { lane } | O::I8x16ExtractLaneU { lane } | O::I8x16ReplaceLane { lane } => {
                self.lane(lane, 16)?;
                self.fixed(op)?;
            }
            O::I16x8ExtractLaneS { lane } | O::I16x8ExtractLaneU { lane } | O::I16x8ReplaceLane { lane } => {
                self.lane(lane, 8)?;
                self.fixed(op)?;
            }
            O::I32x4ExtractLane { lane }
            | O::I32x4ReplaceLane { lane }
            | O::F32x4ExtractLane { lane }
            | O::F32x4ReplaceLane { lane } => {
                self.lane(lane, 4)?;
                self.fixed(op)?;
            }
            O::I64x2ExtractLane { lane }
            | O::I64x2ReplaceLane { lane }
            | O::F64x2ExtractLane { lane }
            | O::F64x2ReplaceLane { lane } => {
                self.lane(lane, 2)?;
                self.fixed(op)?;
            }
            O::V128Load { memarg } => self.v128_load(memarg, 4)?,
            O::V128Load8x8S { memarg }
            | O::V128Load8x8U { memarg }
            | O::V128Load16x4S { memarg }
            | O::V128Load16x4U { memarg }
            | O::V128Load32x2S { memarg }
            | O::V128Load32x2U { memarg }
            | O::V128Load64Splat { memarg }
            | O::V128Load64Zero { memarg } => self.v128_load(memarg, 3)?,
            O::V128Load8Splat { memarg } => self.v128_load(memarg, 0)?,
            O::V128Load16Splat { memarg } => self.v128_load(memarg, 1)?,
            O::V128Load32Splat { memarg } | O::V128Load32Zero { memarg } => self.v128_load(memarg, 2)?,
            O::V128Store { memarg } => {
                require(f.simd, "SIMD", self.offset)?;
                self.store(memarg, 4, V128)?;
            }
            O::V128Load8Lane { memarg, lane } => self.v128_lane(memarg, lane, 0, true)?,
            O::V128Load16Lane { memarg, lane } => self.v128_lane(memarg, lane, 1, true)?,
            O::V128Load32Lane { memarg, lane } => self.v128_lane(memarg, lane, 2, true)?,
            O::V128Load64Lane { memarg, lane } => self.v128_lane(memarg, lane, 3, true)?,
            O::V128Store8Lane { memarg, lane } => self.v128_lane(memarg, lane, 0, false)?,
            O::V128Store16Lane { memarg, lane } => self.v128_lane(memarg, lane, 1, false)?,
            O::V128Store32Lane { memarg, lane } => self.v128_lane(memarg, lane, 2, false)?,
            O::V128Store64Lane { memarg, lane } => self.v128_lane(memarg, lane, 3, false)?,

            // ---- threads: atomic memory instructions ----
            O::MemoryAtomicNotify { memarg } => self.atomic(memarg, 2, &[I32], Some(I32))?,
            O::MemoryAtomicWait32 { memarg } => self.atomic(memarg, 2, &[I32, I64], Some(I32))?,
            O::MemoryAtomicWait64 { memarg } => self.atomic(memarg, 3, &[I64, I64], Some(I32))?,
            O::I32AtomicLoad { memarg } => self.atomic(memarg, 2, &[], Some(I32))?,
            O::I64AtomicLoad { memarg } => self.atomic(memarg, 3, &[], Some(I64))?,
            O::I32AtomicLoad8U { memarg } => self.atomic(memarg, 0, &[], Some(I32))?,
            O::I32AtomicLoad16U { memarg } => self.atomic(memarg, 1, &[], Some(I32))?,
            O::I64AtomicLoad8U { memarg } => self.atomic(memarg, 0, &[], Some(I64))?,
            O::I64AtomicLoad16U { memarg } => self.atomic(memarg, 1, &[], Some(I64))?,
            O::I64AtomicLoad32U { memarg } => self.atomic(memarg, 2, &[], Some(I64))?,
            O::I32AtomicStore { memarg } => self.atomic(memarg, 2, &[I32], None)?,
            O::I64AtomicStore { memarg } => self.atomic(memarg, 3, &[I64], None)?,
            O::I32AtomicStore8 { memarg } => self.atomic(memarg, 0, &[I32], None)?,
            O::I32AtomicStore16 { memarg } => self.atomic(memarg, 1, &[I32], None)?,
            O::I64AtomicStore8 { memarg } => self.atomic(memarg, 0, &[I64], None)?,
            O::I64AtomicStore16 { memarg } => self.atomic(memarg, 1, &[I64], None)?,
            O::I64AtomicStore32 { memarg } => self.atomic(memarg, 2, &[I64], None)?,
            O::I32AtomicRmwAdd { memarg }
            | O::I32AtomicRmwSub { memarg }
            | O::I32AtomicRmwAnd { memarg }
            | O::I32AtomicRmwOr { memarg }
            | O::I32AtomicRmwXor { memarg }
            | O::I32AtomicRmwXchg { memarg } => self.atomic(memarg, 2, &[I32], Some(I32))?,
            O::I64AtomicRmwAdd { memarg }
            | O::I64AtomicRmwSub { memarg }
            | O::I64AtomicRmwAnd { memarg }
            | O::I64AtomicRmwOr { memarg }
            | O::I64AtomicRmwXor { memarg }
            | O::I64AtomicRmwXchg { memarg } => self.atomic(memarg, 3, &[I64], Some(I64))?,
            O::I32AtomicRmw8AddU { memarg }
            | O::I32AtomicRmw8SubU { memarg }
            | O::I32AtomicRmw8AndU { memarg }
            | O::I32AtomicRmw8OrU { memarg }
            | O::I32AtomicRmw8XorU { memarg }
            | O::I32AtomicRmw8XchgU { memarg } => self.atomic(memarg, 0, &[I32], Some(I32))?,
            O::I32AtomicRmw16AddU { memarg }
            | O::I32AtomicRmw16SubU { memarg }
            | O::I32AtomicRmw16AndU { memarg }
            | O::I32AtomicRmw16OrU { memarg }
            | O::I32AtomicRmw16XorU { memarg }
            | O::I32AtomicRmw16XchgU { memarg } => self.atomic(memarg, 1, &[I32], Some(I32))?,
            O::I64AtomicRmw8AddU { memarg }
            | O::I64AtomicRmw8SubU { memarg }
            | O::I64AtomicRmw8AndU { memarg }
            | O::I64AtomicRmw8OrU { memarg }
            | O::I64AtomicRmw8XorU { memarg }
            | O::I64AtomicRmw8XchgU { memarg } => self.atomic(memarg, 0, &[I64], Some(I64))?,
            O::I64AtomicRmw16AddU { memarg }
            | O::I64AtomicRmw16SubU { memarg }
            | O::I64AtomicRmw16AndU { memarg }
            | O::I64AtomicRmw16OrU { memarg }
            | O::I64AtomicRmw16XorU { memarg }
            | O::I64AtomicRmw16XchgU { memarg } => self.atomic(memarg, 1, &[I64], Some(I64))?,
            O::I64AtomicRmw32AddU { memarg }
            | O::I64AtomicRmw32SubU { memarg }
            | O::I64AtomicRmw32AndU { memarg }
            | O::I64AtomicRmw32OrU { memarg }
            | O::I64AtomicRmw32XorU { memarg }
            | O::I64AtomicRmw32XchgU { memarg } => self.atomic(memarg, 2, &[I64], Some(I64))?,
            O::I32AtomicRmwCmpxchg { memarg } => self.atomic(memarg, 2, &[I32, I32], Some(I32))?,
            O::I64AtomicRmwCmpxchg { memarg } => self.atomic(memarg, 3, &[I64, I64], Some(I64))?,
            O::I32AtomicRmw8CmpxchgU { memarg } => self.atomic(memarg, 0, &[I32, I32], Some(I32))?,
            O::I32AtomicRmw16CmpxchgU { memarg } => self.atomic(memarg, 1, &[I32, I32], Some(I32))?,
            O::I64AtomicRmw8CmpxchgU { memarg } => self.atomic(memarg, 0, &[I64, I64], Some(I64))?,
            O::I64AtomicRmw16CmpxchgU { memarg } => self.atomic(memarg, 1, &[I64, I64], Some(I64))?,
            O::I64AtomicRmw32CmpxchgU { memarg } => self.atomic(memarg, 2, &[I64, I64], Some(I64))?,

            // ---- everything with a fixed type: numeric, most vector ----
            // (the GC instructions first: their rules are in `gc/instructions.rs`)
            _ => match self.visit_gc(op) {
                Some(result) => result?,
                None => self.fixed(op)?,
            },
        }
        Ok(())
    }

    /// An instruction whose type is its row's signature.
    #[inline(always)]
    fn fixed(&mut self, op: &Operator<'_>) -> Result {
        let Some(sig) = op.signature() else {
            return Err(self.error(format!("unsupported instruction {}", op.mnemonic())));
        };
        let (prefix, code) = op.opcode();
        self.fixed_row(prefix, code, sig.params, sig.results)
    }

    /// The rule of an instruction with a fixed type `[params] -> [results]`
    /// from its row of the instruction table: its feature, then its type.
    #[inline(always)]
    pub(crate) fn fixed_row(&mut self, prefix: Prefix, code: u32, params: &[ValType], results: &[ValType]) -> Result {
        if let Some((enabled, what)) = fixed_feature(prefix, code, self.ctx.types.features()) {
            require(enabled, what, self.offset)?;
        }
        match params {
            [] => {}
            [t] => {
                self.pop(*t)?;
            }
            [a, b] => {
                self.pop(*b)?;
                self.pop(*a)?;
            }
            params => self.pop_slice(params)?,
        }
        match results {
            [] => {}
            [t] => self.push(*t),
            results => self.push_slice(results),
        }
        Ok(())
    }

    // ---- the rules of the frequent instructions, one method each: the
    // match above and the visitor (`visit.rs`) both call them ----

    /// `if bt`.
    #[inline(always)]
    pub(crate) fn if_(&mut self, bt: BlockType) -> Result {
        if !matches!(bt, BlockType::Empty | BlockType::Value(I32 | I64 | F32 | F64)) {
            self.check_block_type(bt)?;
        }
        self.pop(I32)?;
        self.enter_block(FrameKind::If, bt)
    }

    /// `else`.
    #[inline(always)]
    pub(crate) fn else_(&mut self) -> Result {
        if self.else_fast() {
            return Ok(());
        }
        self.else_slow()
    }

    /// `else` of an `if` of type `[] -> []` or `[] -> [t]` with exactly
    /// its results on the stack: the frame becomes the `else` frame in
    /// place (what `pop_ctrl` then `push_ctrl` would leave). `false`
    /// leaves everything to the full rule.
    #[inline(always)]
    fn else_fast(&mut self) -> bool {
        let st = &mut *self.st;
        if st.tracks_inits {
            return false;
        }
        let Some(frame) = st.ctrls.last_mut() else { return false };
        let len = st.vals.len();
        let done = frame.kind == FrameKind::If
            && match frame.block_type {
                BlockType::Empty => len == frame.height,
                BlockType::Value(t) => {
                    len == frame.height + 1 && matches!(st.vals[len - 1], Some(a) if crate::func::same_type(a, t))
                }
                BlockType::Func(_) => false,
            };
        if done {
            st.vals.truncate(frame.height);
            frame.kind = FrameKind::Else;
            frame.unreachable = false;
        }
        done
    }

    #[inline(never)]
    fn else_slow(&mut self) -> Result {
        let frame = self.pop_ctrl()?;
        self.push_ctrl(FrameKind::Else, frame.block_type, self.start_types(frame.block_type));
        Ok(())
    }

    /// `end`.
    #[inline(always)]
    pub(crate) fn end(&mut self) -> Result {
        if self.end_fast() {
            return Ok(());
        }
        self.end_slow()
    }

    #[inline(never)]
    fn end_slow(&mut self) -> Result {
        if self.st.ctrls.last().is_some_and(|f| f.kind == FrameKind::If) {
            // An `if` without `else` has an empty `else` branch, which
            // must turn the parameters into the results.
            let frame = self.pop_ctrl()?;
            self.push_ctrl(FrameKind::Else, frame.block_type, self.start_types(frame.block_type));
        }
        let frame = self.pop_ctrl()?;
        self.push_types(self.end_types(frame.block_type));
        Ok(())
    }

    /// `br l`.
    #[inline]
    pub(crate) fn br(&mut self, l: u32) -> Result {
        let frame = self.label(l)?;
        if !Self::label_is_empty(&frame) {
            self.pop_types(self.label_types(&frame))?;
        }
        self.unreachable();
        Ok(())
    }

    /// `br_if l`.
    #[inline(always)]
    pub(crate) fn br_if(&mut self, l: u32) -> Result {
        self.pop(I32)?;
        let frame = self.label(l)?;
        if Self::label_is_empty(&frame) {
            return Ok(());
        }
        self.br_if_values(&frame)
    }

    /// The rest of `br_if` when the label takes values.
    #[inline(never)]
    fn br_if_values(&mut self, frame: &crate::func::Frame) -> Result {
        let types = self.label_types(frame);
        self.pop_types(types)?;
        self.push_types(types);
        Ok(())
    }

    /// `br_table l* l_default`.
    pub(crate) fn br_table(&mut self, targets: BrTable<'_>) -> Result {
        self.pop(I32)?;
        if targets.len() > MAX_BR_TABLE_TARGETS {
            return Err(self.error("br_table has too many targets"));
        }
        let default = self.label(targets.default())?;
        let arity = self.label_types(&default).len();
        for l in targets.targets() {
            let frame = self.label(l)?;
            let types = self.label_types(&frame);
            if types.len() != arity {
                return Err(self.error("type mismatch: br_table targets have different arities"));
            }
            self.check_top(types)?;
        }
        self.pop_types(self.label_types(&default))?;
        self.unreachable();
        Ok(())
    }

    /// `return`.
    pub(crate) fn return_(&mut self) -> Result {
        self.pop_slice(self.func_type.results())?;
        self.unreachable();
        Ok(())
    }

    /// `call x`.
    #[inline]
    pub(crate) fn call(&mut self, x: u32) -> Result {
        let ty = self.ctx.func_type_of(x, self.offset)?;
        self.pop_slice(ty.params())?;
        self.push_slice(ty.results());
        Ok(())
    }

    /// `call_indirect x y` (type `x`, table `y`).
    pub(crate) fn call_indirect(&mut self, x: u32, table: u32) -> Result {
        let at = self.call_table(table)?;
        let ty = self.ctx.types.func_type(x, self.offset)?;
        self.pop(at)?;
        self.pop_slice(ty.params())?;
        self.push_slice(ty.results());
        Ok(())
    }

    /// `drop`.
    pub(crate) fn drop_(&mut self) -> Result {
        self.pop_operand()?;
        Ok(())
    }

    /// `select` without a type: numeric or vector operands only.
    pub(crate) fn select(&mut self) -> Result {
        self.pop(I32)?;
        let t1 = self.pop_operand()?;
        let t2 = self.pop_operand()?;
        let numeric_or_vector = |t: Option<ValType>| t.is_none_or(|t| t.is_num() || t == V128);
        if !numeric_or_vector(t1) || !numeric_or_vector(t2) {
            return Err(self.mismatch());
        }
        if let (Some(a), Some(b)) = (t1, t2)
            && a != b
        {
            return Err(self.mismatch());
        }
        self.push_operand(t1.or(t2));
        Ok(())
    }

    /// `local.get x`: a non-defaultable local must have been set.
    #[inline(always)]
    pub(crate) fn local_get(&mut self, x: u32) -> Result {
        let t = self.local(x)?;
        if self.st.tracks_inits && !self.st.local_inits[x as usize] {
            return Err(self.error("uninitialized local"));
        }
        self.push(t);
        Ok(())
    }

    /// `local.set x`.
    #[inline(always)]
    pub(crate) fn local_set(&mut self, x: u32) -> Result {
        let t = self.local(x)?;
        self.pop(t)?;
        self.set_local(x);
        Ok(())
    }

    /// `local.tee x`.
    #[inline(always)]
    pub(crate) fn local_tee(&mut self, x: u32) -> Result {
        let t = self.local(x)?;
        self.pop(t)?;
        self.set_local(x);
        self.push(t);
        Ok(())
    }

    /// `global.get x`.
    pub(crate) fn global_get(&mut self, x: u32) -> Result {
        let g = self.ctx.global(x, self.offset)?;
        self.push(g.content);
        Ok(())
    }

    /// `global.set x`: the global must be mutable.
    pub(crate) fn global_set(&mut self, x: u32) -> Result {
        let g = self.ctx.global(x, self.offset)?;
        if !g.mutable {
            return Err(self.error("global is immutable (global.set of an immutable global)"));
        }
        self.pop(g.content)
    }

    /// `memory.size x`.
    pub(crate) fn memory_size(&mut self, mem: u32) -> Result {
        let mt = self.ctx.memory(mem, self.offset)?;
        self.push(index_type(mt.index64));
        Ok(())
    }

    /// `memory.grow x`.
    pub(crate) fn memory_grow(&mut self, mem: u32) -> Result {
        let at = index_type(self.ctx.memory(mem, self.offset)?.index64);
        self.pop(at)?;
        self.push(at);
        Ok(())
    }

    /// `block`, `loop`, `if` (condition already popped), `try`, `try_table`.
    #[inline(always)]
    pub(crate) fn enter_block(&mut self, kind: FrameKind, bt: BlockType) -> Result {
        // No parameters, and a result type needing no check: nothing to
        // look up or pop.
        if let BlockType::Empty | BlockType::Value(I32 | I64 | F32 | F64) = bt {
            self.push_ctrl(kind, bt, Types::Empty);
            return Ok(());
        }
        self.enter_block_slow(kind, bt)
    }

    #[inline(never)]
    fn enter_block_slow(&mut self, kind: FrameKind, bt: BlockType) -> Result {
        self.check_block_type(bt)?;
        let start = self.start_types(bt);
        self.pop_types(start)?;
        self.push_ctrl(kind, bt, start);
        Ok(())
    }

    /// A `try_table` catch clause: the label must accept the values the
    /// clause branches with (the tag's payload, then an `exnref` for `_ref`).
    fn check_catch(&mut self, catch: Catch) -> Result {
        let frame = self.label(catch.label())?;
        let types = self.label_types(&frame);
        let (payload, with_ref) = match catch {
            Catch::One { tag, .. } => (self.ctx.tag(tag, self.offset)?.params(), false),
            Catch::OneRef { tag, .. } => (self.ctx.tag(tag, self.offset)?.params(), true),
            Catch::All { .. } => (&[][..], false),
            Catch::AllRef { .. } => (&[][..], true),
        };
        if types.len() != payload.len() + usize::from(with_ref) {
            return Err(self.mismatch());
        }
        for (i, &t) in payload.iter().enumerate() {
            if !self.ctx.types.val_subtype(t, types.get(i)) {
                return Err(self.mismatch());
            }
        }
        if with_ref && !self.ctx.types.val_subtype(ValType::Ref(EXN), types.get(payload.len())) {
            return Err(self.mismatch());
        }
        Ok(())
    }

    /// The address type of a table `call_indirect` may use.
    fn call_table(&self, table: u32) -> Result<ValType> {
        let tt: TableType = self.ctx.table(table, self.offset)?;
        if !self.ctx.types.ref_subtype(tt.element, RefType::FUNCREF) {
            return Err(self.mismatch());
        }
        Ok(index_type(tt.index64))
    }

    /// A tail call returns the callee's results as the caller's.
    fn return_results(&mut self, results: &[weft_decode::ValType]) -> Result {
        if !self.ctx.types.result_subtype(results, self.func_type.results()) {
            return Err(self.mismatch());
        }
        self.unreachable();
        Ok(())
    }

    /// `pop_ref()`: pops a reference; `Unknown` becomes the non-null
    /// reference to the bottom heap type, which is still a reference (an
    /// `i64` instruction after `ref.as_non_null` on it is a type error).
    fn pop_ref(&mut self) -> Result<RefType> {
        match self.pop_operand()? {
            None => Ok(RefType { nullable: false, heap: BOTTOM_HEAP }),
            Some(ValType::Ref(rt)) => Ok(rt),
            Some(_) => Err(self.mismatch()),
        }
    }

    /// Checks a memory argument; returns the memory's address type.
    #[inline(always)]
    fn memarg(&self, memarg: MemArg, natural: u32) -> Result<ValType> {
        // Memory 0 exists, the alignment and offset are in range: no error
        // to build, nothing to look up but the first memory.
        if memarg.memory == 0
            && memarg.align <= natural
            && let Some(mt) = self.ctx.memories.first()
            && (mt.index64 || memarg.offset <= u64::from(u32::MAX))
        {
            return Ok(index_type(mt.index64));
        }
        self.memarg_slow(memarg, natural)
    }

    #[inline(never)]
    fn memarg_slow(&self, memarg: MemArg, natural: u32) -> Result<ValType> {
        let mt = self.ctx.memory(memarg.memory, self.offset)?;
        if memarg.align > natural {
            return Err(self.error("alignment must not be larger than natural"));
        }
        if !mt.index64 && memarg.offset > u64::from(u32::MAX) {
            return Err(self.error("offset out of range"));
        }
        Ok(index_type(mt.index64))
    }

    #[inline]
    pub(crate) fn load(&mut self, memarg: MemArg, natural: u32, t: ValType) -> Result {
        let at = self.memarg(memarg, natural)?;
        self.pop(at)?;
        self.push(t);
        Ok(())
    }

    #[inline]
    pub(crate) fn store(&mut self, memarg: MemArg, natural: u32, t: ValType) -> Result {
        let at = self.memarg(memarg, natural)?;
        self.pop(t)?;
        self.pop(at)?;
        Ok(())
    }

    pub(crate) fn v128_load(&mut self, memarg: MemArg, natural: u32) -> Result {
        require(self.ctx.types.features().simd, "SIMD", self.offset)?;
        self.load(memarg, natural, V128)
    }

    /// `v128.loadN_lane` / `v128.storeN_lane`, N = 8 << `natural`.
    fn v128_lane(&mut self, memarg: MemArg, lane: u8, natural: u32, load: bool) -> Result {
        require(self.ctx.types.features().simd, "SIMD", self.offset)?;
        let at = self.memarg(memarg, natural)?;
        self.lane(lane, 16 >> natural)?;
        self.pop(V128)?;
        self.pop(at)?;
        if load {
            self.push(V128);
        }
        Ok(())
    }

    fn lane(&self, lane: u8, lanes: u8) -> Result {
        if lane >= lanes { Err(self.error("invalid lane index")) } else { Ok(()) }
    }

    /// An atomic instruction: `[at operands] -> [result]`, with alignment
    /// exactly natural.
    fn atomic(&mut self, memarg: MemArg, natural: u32, operands: &[ValType], result: Option<ValType>) -> Result {
        require(self.ctx.types.features().threads, "threads", self.offset)?;
        let at = self.memarg(memarg, natural)?;
        if memarg.align != natural {
            return Err(self.error("alignment must be exactly natural for atomic instructions"));
        }
        self.pop_slice(operands)?;
        self.pop(at)?;
        if let Some(t) = result {
            self.push(t);
        }
        Ok(())
    }
}

/// The feature an instruction with a fixed type belongs to, if it is not
/// in WebAssembly 1.0.
#[inline(always)]
fn fixed_feature(prefix: Prefix, code: u32, f: weft_decode::Features) -> Option<(bool, &'static str)> {
    match prefix {
        Prefix::Plain if (0xC0..=0xC4).contains(&code) => Some((f.sign_extension, "sign extension")),
        Prefix::Plain => None,
        Prefix::Fc if code <= 7 => Some((f.saturating_float_to_int, "saturating float-to-int conversions")),
        Prefix::Fc if (19..=22).contains(&code) => Some((f.wide_arithmetic, "wide arithmetic")),
        Prefix::Fc => Some((f.bulk_memory, "bulk memory")),
        Prefix::Fd if code >= 0x100 => Some((f.relaxed_simd, "relaxed SIMD")),
        Prefix::Fd => Some((f.simd, "SIMD")),
        Prefix::Fb => Some((f.gc, "GC")),
        Prefix::Fe => Some((f.threads, "threads")),
    }
}
