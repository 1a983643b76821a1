//! The GC instructions (`op/gc.rs` has the ops, `exec/gc.rs` the handlers).
//!
//! * Field and element accesses, `ref.i31`, `i31.get_*`, `ref.eq`,
//!   `ref.test` and `ref.cast` read their operands wherever they are and
//!   write their home slot, as numeric ops do; the access kind (packed,
//!   4 or 8 bytes, `v128`, reference) and a struct field's position come
//!   from the static type, so the handler does not look at the field's
//!   type to move bits. The accesses have ops of their own
//!   (`Op::StructGet`, ...; `v128` ones are `Op::Gc` sub-ops).
//! * Allocations and the bulk array ops take their operands in
//!   consecutive home slots, as a call takes its arguments.
//! * `br_on_cast[_fail]` translate as `br_if` does, with the reference
//!   staying on the stack on both paths.
//! * `any.convert_extern` and `extern.convert_any` emit nothing: `any`
//!   and `extern` references share one raw encoding.
//!
//! A `v128` field or element needs the frame's v-slots: in code translated
//! without them it is [`Unsupported`], and translation retries with them
//! (`translate`).

use weft_decode::{CompositeType, Operator, RefType, StorageType, ValType};

use super::{Result, Translator, Unsupported, unsupported};
use crate::op::gc::{FieldKind, GcArg, GcBrOp, GcOp};
use crate::op::{Op, Slot};
use weft_exec::executor::Decline;
use weft_exec::gc::raw::Hierarchy;

impl Translator<'_> {
    /// Translates `op` if it is a GC instruction.
    pub(super) fn translate_gc(&mut self, op: &Operator<'_>) -> Option<Result<()>> {
        Some(match *op {
            Operator::StructNew { type_index } => self.struct_new(type_index),
            Operator::StructNewDefault { type_index } => self.alloc_op(GcOp::StructNewDefault, 0, 0, type_index),
            Operator::StructGet { type_index, field_index } | Operator::StructGetU { type_index, field_index } => {
                self.struct_get(type_index, field_index, false)
            }
            Operator::StructGetS { type_index, field_index } => self.struct_get(type_index, field_index, true),
            Operator::StructSet { type_index, field_index } => self.struct_set(type_index, field_index),
            Operator::ArrayNew { type_index } => self.array_new(type_index),
            Operator::ArrayNewDefault { type_index } => {
                let a = self.pop_slot();
                self.gc_result(GcOp::ArrayNewDefault, a, 0, type_index)
            }
            Operator::ArrayNewFixed { type_index, size } => {
                if let Err(e) = self.elem_kind(type_index, false) {
                    return Some(Err(e));
                }
                self.alloc_op(GcOp::ArrayNewFixed, size as usize, size as Slot, type_index)
            }
            Operator::ArrayNewData { type_index, data_index } => {
                let k = self.gc_arg(GcArg::Pair(type_index, data_index));
                self.alloc_op(GcOp::ArrayNewData, 2, 0, k)
            }
            Operator::ArrayNewElem { type_index, elem_index } => {
                let k = self.gc_arg(GcArg::Pair(type_index, elem_index));
                self.alloc_op(GcOp::ArrayNewElem, 2, 0, k)
            }
            Operator::ArrayGet { type_index } | Operator::ArrayGetU { type_index } => self.array_get(type_index, false),
            Operator::ArrayGetS { type_index } => self.array_get(type_index, true),
            Operator::ArraySet { type_index } => self.array_set(type_index),
            Operator::ArrayLen {} => {
                let a = self.pop_slot();
                let d = self.push_result();
                d.map(|d| self.emit_result(Op::ArrayLen { d, a }))
            }
            Operator::ArrayFill { type_index } => {
                if let Err(e) = self.elem_kind(type_index, false) {
                    return Some(Err(e));
                }
                self.bulk_op(GcOp::ArrayFill, 4, type_index)
            }
            Operator::ArrayCopy { dst_type, src_type } => {
                let k = self.gc_arg(GcArg::Pair(dst_type, src_type));
                self.bulk_op(GcOp::ArrayCopy, 5, k)
            }
            Operator::ArrayInitData { type_index, data_index } => {
                let k = self.gc_arg(GcArg::Pair(type_index, data_index));
                self.bulk_op(GcOp::ArrayInitData, 4, k)
            }
            Operator::ArrayInitElem { type_index, elem_index } => {
                let k = self.gc_arg(GcArg::Pair(type_index, elem_index));
                self.bulk_op(GcOp::ArrayInitElem, 4, k)
            }
            Operator::RefI31 {} => self.gc_unary(GcOp::RefI31, 0),
            Operator::I31GetS {} => self.gc_unary(GcOp::I31GetS, 0),
            Operator::I31GetU {} => self.gc_unary(GcOp::I31GetU, 0),
            Operator::RefEq {} => {
                let n = self.stack.len();
                let b = self.operand(n - 1);
                let a = self.operand(n - 2);
                self.stack.truncate(n - 2);
                self.gc_result(GcOp::RefEq, a, b, 0)
            }
            Operator::RefTest { hty } => self.cast_op(GcOp::RefTest, hty.ref_type()),
            Operator::RefTestNull { hty } => self.cast_op(GcOp::RefTest, hty.ref_type()),
            Operator::RefCast { hty } => self.cast_op(GcOp::RefCast, hty.ref_type()),
            Operator::RefCastNull { hty } => self.cast_op(GcOp::RefCast, hty.ref_type()),
            Operator::BrOnCast { cast } => {
                self.br_on_cast(cast.relative_depth, cast.to, GcBrOp::OnCast);
                Ok(())
            }
            Operator::BrOnCastFail { cast } => {
                self.br_on_cast(cast.relative_depth, cast.to, GcBrOp::OnCastFail);
                Ok(())
            }
            // The same bits in both hierarchies.
            Operator::AnyConvertExtern {} | Operator::ExternConvertAny {} => Ok(()),
            _ => return None,
        })
    }

    /// Notes a large immediate, returning its index in `Code::gc_args`.
    fn gc_arg(&mut self, arg: GcArg) -> u32 {
        self.code.gc_args.push(arg);
        (self.code.gc_args.len() - 1) as u32
    }

    /// Pushes the result of `Gc { sub, a, b, k }` into its home slot.
    fn gc_result(&mut self, sub: GcOp, a: Slot, b: Slot, k: u32) -> Result<()> {
        let d = self.push_result()?;
        self.emit_result(Op::Gc { sub, d, a, b, k });
        Ok(())
    }

    fn gc_unary(&mut self, sub: GcOp, k: u32) -> Result<()> {
        let a = self.pop_slot();
        self.gc_result(sub, a, 0, k)
    }

    /// An allocating op over the `operands` values on top, moved to
    /// consecutive home slots; its result replaces them.
    fn alloc_op(&mut self, sub: GcOp, operands: usize, b: Slot, k: u32) -> Result<()> {
        let a = self.call_args(operands);
        self.stack.truncate(self.stack.len() - operands);
        let d = self.push_result()?;
        self.emit(Op::Gc { sub, d, a, b, k });
        Ok(())
    }

    /// A bulk op over the `operands` values on top (no result).
    fn bulk_op(&mut self, sub: GcOp, operands: usize, k: u32) -> Result<()> {
        let a = self.call_args(operands);
        self.stack.truncate(self.stack.len() - operands);
        self.emit(Op::Gc { sub, d: 0, a, b: 0, k });
        Ok(())
    }

    fn struct_new(&mut self, type_index: u32) -> Result<()> {
        let n = match self.composite(type_index)? {
            CompositeType::Struct(fields) => {
                for f in fields.iter() {
                    self.kind_of(f.storage, false)?;
                }
                fields.len()
            }
            _ => return unsupported(Decline::Internal("struct.new of a non-struct type".into())),
        };
        self.alloc_op(GcOp::StructNew, n, 0, type_index)
    }

    fn struct_get(&mut self, type_index: u32, field_index: u32, signed: bool) -> Result<()> {
        let kind = self.field_kind(type_index, field_index, signed)?;
        if kind == FieldKind::V128 {
            let a = self.pop_slot();
            return self.gc_result(GcOp::StructGetV128, a, 0, field_index);
        }
        let at = self.field_at(type_index, field_index)?;
        let a = self.pop_slot();
        let d = self.push_result()?;
        self.emit_result(Op::StructGet { d, a, kind, at });
        Ok(())
    }

    fn struct_set(&mut self, type_index: u32, field_index: u32) -> Result<()> {
        let kind = self.field_kind(type_index, field_index, false)?;
        let at = self.field_at(type_index, field_index)?;
        let n = self.stack.len();
        let b = self.operand(n - 1);
        let a = self.operand(n - 2);
        self.stack.truncate(n - 2);
        self.emit(match kind {
            FieldKind::V128 => Op::Gc { sub: GcOp::StructSetV128, d: 0, a, b, k: field_index },
            _ => Op::StructSet { a, b, kind, at },
        });
        Ok(())
    }

    /// Where field `field_index` of struct type `type_index` lives in its
    /// objects ([`weft_exec::gc::Fields`]): the same in every subtype.
    fn field_at(&self, type_index: u32, field_index: u32) -> Result<u32> {
        let ty = self.module.gc_types.get(type_index as usize);
        match ty.map(|t| &t.composite) {
            Some(weft_exec::gc::GcComposite::Struct { fields, .. }) => match fields.get(field_index as usize) {
                Some(f) => Ok(f.at),
                None => unsupported(Decline::Internal("no such field".into())),
            },
            _ => unsupported(Decline::Internal("not a struct type".into())),
        }
    }

    fn array_new(&mut self, type_index: u32) -> Result<()> {
        self.elem_kind(type_index, false)?;
        let n = self.stack.len();
        let b = self.operand(n - 1);
        let a = self.operand(n - 2);
        self.stack.truncate(n - 2);
        self.gc_result(GcOp::ArrayNew, a, b, type_index)
    }

    fn array_get(&mut self, type_index: u32, signed: bool) -> Result<()> {
        let kind = self.elem_kind(type_index, signed)?;
        let n = self.stack.len();
        let b = self.operand(n - 1);
        let a = self.operand(n - 2);
        self.stack.truncate(n - 2);
        if kind == FieldKind::V128 {
            return self.gc_result(GcOp::ArrayGetV128, a, b, type_index);
        }
        let d = self.push_result()?;
        self.emit_result(Op::ArrayGet { d, a, b, kind });
        Ok(())
    }

    fn array_set(&mut self, type_index: u32) -> Result<()> {
        let kind = self.elem_kind(type_index, false)?;
        let n = self.stack.len();
        let v = self.operand(n - 1);
        let b = self.operand(n - 2);
        let a = self.operand(n - 3);
        self.stack.truncate(n - 3);
        self.emit(match kind {
            FieldKind::V128 => Op::Gc { sub: GcOp::ArraySetV128, d: v, a, b, k: type_index },
            _ => Op::ArraySet { a, b, v, kind },
        });
        Ok(())
    }

    /// `ref.test`/`ref.cast` to `rt`.
    fn cast_op(&mut self, sub: GcOp, rt: RefType) -> Result<()> {
        let k = self.cast_arg(rt);
        self.gc_unary(sub, k)
    }

    /// The cast target `rt` as a `Code::gc_args` entry.
    fn cast_arg(&mut self, rt: RefType) -> u32 {
        let h = Hierarchy::of(rt.heap, &self.module.decoded.types);
        self.gc_arg(GcArg::Cast(rt, h))
    }

    /// `br_on_cast[_fail]`: branches (with the reference) if it matches
    /// `to` (or does not); either way the reference stays on the stack.
    fn br_on_cast(&mut self, depth: u32, to: RefType, sub: GcBrOp) {
        let k = self.cast_arg(to);
        let c = self.operand(self.stack.len() - 1);
        let other = if sub == GcBrOp::OnCast { GcBrOp::OnCastFail } else { GcBrOp::OnCast };
        self.conditional_branch(depth, Op::GcBr { sub, c, k, t: 0 }, Op::GcBr { sub: other, c, k, t: 0 });
    }

    fn composite(&self, type_index: u32) -> Result<&CompositeType> {
        self.module
            .decoded
            .types
            .get(type_index as usize)
            .map(|t| &t.composite)
            .ok_or_else(|| Unsupported(Decline::Internal("no such type".into())))
    }

    fn field_kind(&self, type_index: u32, field_index: u32, signed: bool) -> Result<FieldKind> {
        match self.composite(type_index)? {
            CompositeType::Struct(fields) => match fields.get(field_index as usize) {
                Some(f) => self.kind_of(f.storage, signed),
                None => unsupported(Decline::Internal("no such field".into())),
            },
            _ => unsupported(Decline::Internal("not a struct type".into())),
        }
    }

    fn elem_kind(&self, type_index: u32, signed: bool) -> Result<FieldKind> {
        match self.composite(type_index)? {
            CompositeType::Array(f) => self.kind_of(f.storage, signed),
            _ => unsupported(Decline::Internal("not an array type".into())),
        }
    }

    /// How an access moves a field of `storage` (`signed` for `_s`
    /// reads); a `v128` needs code with v-slots.
    fn kind_of(&self, storage: StorageType, signed: bool) -> Result<FieldKind> {
        Ok(match storage {
            StorageType::I8 if signed => FieldKind::I8S,
            StorageType::I8 => FieldKind::I8U,
            StorageType::I16 if signed => FieldKind::I16S,
            StorageType::I16 => FieldKind::I16U,
            StorageType::Val(ValType::I32 | ValType::F32) => FieldKind::Bits32,
            StorageType::Val(ValType::I64 | ValType::F64) => FieldKind::Bits64,
            StorageType::Val(ValType::V128) if self.code.v128 => FieldKind::V128,
            StorageType::Val(ValType::V128) => return unsupported(Decline::ValueType("a v128 field".into())),
            StorageType::Val(ValType::Ref(_)) => FieldKind::Ref,
        })
    }
}
