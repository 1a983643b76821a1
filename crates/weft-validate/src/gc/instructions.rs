//! The rules of the GC instructions in function bodies (spec 3.3.3 and
//! 3.3.4: reference and aggregate instructions), one function per family,
//! dispatched from [`OpValidator::visit_gc`].
//!
//! Conventions as in `gc/mod.rs`; `[t1*] -> [t2*]` in the docs is the rule's
//! instruction type.

use weft_decode::{CastBranch, FieldType, HeapType, Operator, RefType, StorageType, ValType};

use super::{Result, ref_diff, ref_null, ref_to, unpack};
use crate::func::OpValidator;
use crate::types::{is_defaultable, require};

use ValType::I32;

impl OpValidator<'_, '_> {
    fn gc(&self) -> Result {
        require(self.ctx.types.features().gc, "GC", self.offset).map_err(Box::new)
    }

    fn struct_field(&self, x: u32, y: u32) -> Result<FieldType> {
        let fields = self.ctx.types.struct_fields(x, self.offset)?;
        fields.get(y as usize).copied().ok_or_else(|| self.error(format!("unknown field {y}")))
    }

    /// `struct.new x`: `[unpack(ft)*] -> [(ref x)]`.
    pub(crate) fn struct_new(&mut self, x: u32) -> Result {
        self.gc()?;
        let fields = self.ctx.types.struct_fields(x, self.offset)?;
        for ft in fields.iter().rev() {
            self.pop(unpack(ft.storage))?;
        }
        self.push(ref_to(x));
        Ok(())
    }

    /// `struct.new_default x`: every field defaultable; `[] -> [(ref x)]`.
    pub(crate) fn struct_new_default(&mut self, x: u32) -> Result {
        self.gc()?;
        let fields = self.ctx.types.struct_fields(x, self.offset)?;
        if !fields.iter().all(|ft| is_defaultable(unpack(ft.storage))) {
            return Err(self.error("field type is not defaultable"));
        }
        self.push(ref_to(x));
        Ok(())
    }

    /// `struct.get[_s|_u] x y`: `[(ref null x)] -> [unpack(st)]`, the
    /// sign-extending forms exactly for packed fields.
    pub(crate) fn struct_get(&mut self, x: u32, y: u32, packed: bool) -> Result {
        self.gc()?;
        let ft = self.struct_field(x, y)?;
        self.check_packed(ft.storage, packed)?;
        self.pop(ref_null(HeapType::Concrete(x)))?;
        self.push(unpack(ft.storage));
        Ok(())
    }

    /// `struct.set x y`: a mutable field; `[(ref null x) unpack(st)] -> []`.
    pub(crate) fn struct_set(&mut self, x: u32, y: u32) -> Result {
        self.gc()?;
        let ft = self.struct_field(x, y)?;
        if !ft.mutable {
            return Err(self.error("immutable field"));
        }
        self.pop(unpack(ft.storage))?;
        self.pop(ref_null(HeapType::Concrete(x)))?;
        Ok(())
    }

    fn check_packed(&self, st: StorageType, packed: bool) -> Result {
        let is_packed = !matches!(st, StorageType::Val(_));
        match (is_packed, packed) {
            (true, false) => Err(self.error("type mismatch: field is packed, use the _s or _u form")),
            (false, true) => Err(self.error("type mismatch: field is not packed")),
            _ => Ok(()),
        }
    }

    fn array(&self, x: u32) -> Result<FieldType> {
        self.ctx.types.array_field(x, self.offset)
    }

    fn mutable_array(&self, x: u32) -> Result<FieldType> {
        let ft = self.array(x)?;
        if !ft.mutable {
            return Err(self.error("immutable array"));
        }
        Ok(ft)
    }

    /// The data segments of `array.new_data`/`array.init_data` hold bytes:
    /// the element type must be numeric or a vector.
    fn numeric_array(&self, ft: FieldType, y: u32) -> Result {
        if let StorageType::Val(ValType::Ref(_)) = ft.storage {
            return Err(self.error("array type is not numeric or vector"));
        }
        self.ctx.data(y, self.offset).map_err(Box::new)
    }

    /// The element segment's type must match the array's element type.
    fn elem_array(&self, ft: FieldType, y: u32) -> Result {
        let rt = self.ctx.elem(y, self.offset).map_err(Box::new)?;
        if !self.ctx.types.storage_subtype(StorageType::Val(ValType::Ref(rt)), ft.storage) {
            return Err(self.mismatch());
        }
        Ok(())
    }

    /// `array.new x`: `[unpack(st) i32] -> [(ref x)]`.
    pub(crate) fn array_new(&mut self, x: u32) -> Result {
        self.gc()?;
        let ft = self.array(x)?;
        self.pop(I32)?;
        self.pop(unpack(ft.storage))?;
        self.push(ref_to(x));
        Ok(())
    }

    /// `array.new_default x`: a defaultable element; `[i32] -> [(ref x)]`.
    pub(crate) fn array_new_default(&mut self, x: u32) -> Result {
        self.gc()?;
        let ft = self.array(x)?;
        if !is_defaultable(unpack(ft.storage)) {
            return Err(self.error("array type is not defaultable"));
        }
        self.pop(I32)?;
        self.push(ref_to(x));
        Ok(())
    }

    /// `array.new_fixed x n`: `[unpack(st)^n] -> [(ref x)]`.
    pub(crate) fn array_new_fixed(&mut self, x: u32, n: u32) -> Result {
        self.gc()?;
        let ft = self.array(x)?;
        if n > crate::limits::MAX_ARRAY_NEW_FIXED {
            return Err(self.error("array.new_fixed has too many operands"));
        }
        for _ in 0..n {
            self.pop(unpack(ft.storage))?;
        }
        self.push(ref_to(x));
        Ok(())
    }

    /// `array.new_data x y`: `[i32 i32] -> [(ref x)]`.
    pub(crate) fn array_new_data(&mut self, x: u32, y: u32) -> Result {
        self.gc()?;
        let ft = self.array(x)?;
        self.numeric_array(ft, y)?;
        self.pop_slice(&[I32, I32])?;
        self.push(ref_to(x));
        Ok(())
    }

    /// `array.new_elem x y`: `[i32 i32] -> [(ref x)]`.
    pub(crate) fn array_new_elem(&mut self, x: u32, y: u32) -> Result {
        self.gc()?;
        let ft = self.array(x)?;
        self.elem_array(ft, y)?;
        self.pop_slice(&[I32, I32])?;
        self.push(ref_to(x));
        Ok(())
    }

    /// `array.get[_s|_u] x`: `[(ref null x) i32] -> [unpack(st)]`.
    pub(crate) fn array_get(&mut self, x: u32, packed: bool) -> Result {
        self.gc()?;
        let ft = self.array(x)?;
        self.check_packed(ft.storage, packed)?;
        self.pop(I32)?;
        self.pop(ref_null(HeapType::Concrete(x)))?;
        self.push(unpack(ft.storage));
        Ok(())
    }

    /// `array.set x`: `[(ref null x) i32 unpack(st)] -> []`.
    pub(crate) fn array_set(&mut self, x: u32) -> Result {
        self.gc()?;
        let ft = self.mutable_array(x)?;
        self.pop(unpack(ft.storage))?;
        self.pop(I32)?;
        self.pop(ref_null(HeapType::Concrete(x)))?;
        Ok(())
    }

    /// `array.len`: `[(ref null array)] -> [i32]`.
    pub(crate) fn array_len(&mut self) -> Result {
        self.gc()?;
        self.pop(ref_null(HeapType::Array))?;
        self.push(I32);
        Ok(())
    }

    /// `array.fill x`: `[(ref null x) i32 unpack(st) i32] -> []`.
    pub(crate) fn array_fill(&mut self, x: u32) -> Result {
        self.gc()?;
        let ft = self.mutable_array(x)?;
        self.pop(I32)?;
        self.pop(unpack(ft.storage))?;
        self.pop(I32)?;
        self.pop(ref_null(HeapType::Concrete(x)))?;
        Ok(())
    }

    /// `array.copy x y`: `st_y <: st_x`;
    /// `[(ref null x) i32 (ref null y) i32 i32] -> []`.
    pub(crate) fn array_copy(&mut self, x: u32, y: u32) -> Result {
        self.gc()?;
        let dst = self.mutable_array(x)?;
        let src = self.array(y)?;
        if !self.ctx.types.storage_subtype(src.storage, dst.storage) {
            return Err(self.error("array types do not match"));
        }
        self.pop(I32)?;
        self.pop(I32)?;
        self.pop(ref_null(HeapType::Concrete(y)))?;
        self.pop(I32)?;
        self.pop(ref_null(HeapType::Concrete(x)))?;
        Ok(())
    }

    /// `array.init_data x y`: `[(ref null x) i32 i32 i32] -> []`.
    pub(crate) fn array_init_data(&mut self, x: u32, y: u32) -> Result {
        self.gc()?;
        let ft = self.mutable_array(x)?;
        self.numeric_array(ft, y)?;
        self.pop_slice(&[I32, I32, I32])?;
        self.pop(ref_null(HeapType::Concrete(x)))?;
        Ok(())
    }

    /// `array.init_elem x y`: `[(ref null x) i32 i32 i32] -> []`.
    pub(crate) fn array_init_elem(&mut self, x: u32, y: u32) -> Result {
        self.gc()?;
        let ft = self.mutable_array(x)?;
        self.elem_array(ft, y)?;
        self.pop_slice(&[I32, I32, I32])?;
        self.pop(ref_null(HeapType::Concrete(x)))?;
        Ok(())
    }

    /// `ref.i31`: `[i32] -> [(ref i31)]`.
    pub(crate) fn ref_i31(&mut self) -> Result {
        self.gc()?;
        self.pop(I32)?;
        self.push(ValType::Ref(RefType { nullable: false, heap: HeapType::I31 }));
        Ok(())
    }

    /// `i31.get_s` / `i31.get_u`: `[(ref null i31)] -> [i32]`.
    pub(crate) fn i31_get(&mut self) -> Result {
        self.gc()?;
        self.pop(ref_null(HeapType::I31))?;
        self.push(I32);
        Ok(())
    }

    /// `ref.eq`: `[(ref null eq) (ref null eq)] -> [i32]`.
    pub(crate) fn ref_eq(&mut self) -> Result {
        self.gc()?;
        self.pop(ref_null(HeapType::Eq))?;
        self.pop(ref_null(HeapType::Eq))?;
        self.push(I32);
        Ok(())
    }

    /// The operand of a cast to `rt`: any reference of `rt`'s hierarchy.
    fn pop_castable(&mut self, rt: RefType) -> Result {
        self.ctx.types.check_ref_type(rt, self.offset).map_err(Box::new)?;
        let top = self.ctx.types.top_heap(rt.heap);
        self.pop(ref_null(top))
    }

    /// `ref.test rt`: `[rt'] -> [i32]` with `rt` and `rt'` in one hierarchy.
    pub(crate) fn ref_test(&mut self, rt: RefType) -> Result {
        self.gc()?;
        self.pop_castable(rt)?;
        self.push(I32);
        Ok(())
    }

    /// `ref.cast rt`: `[rt'] -> [rt]` with `rt` and `rt'` in one hierarchy.
    pub(crate) fn ref_cast(&mut self, rt: RefType) -> Result {
        self.gc()?;
        self.pop_castable(rt)?;
        self.push(ValType::Ref(rt));
        Ok(())
    }

    /// `br_on_cast l rt1 rt2` (`fail` false) and `br_on_cast_fail` (`fail`
    /// true): `rt2 <: rt1`; `[t* rt1] -> [t* rt]` where the branch carries
    /// `rt2` (`rt1 \ rt2` when failing) and the fall-through the other.
    pub(crate) fn br_on_cast(&mut self, cast: CastBranch, fail: bool) -> Result {
        self.gc()?;
        let CastBranch { relative_depth, from, to } = cast;
        let types = &self.ctx.types;
        types.check_ref_type(from, self.offset).map_err(Box::new)?;
        types.check_ref_type(to, self.offset).map_err(Box::new)?;
        if !types.ref_subtype(to, from) {
            return Err(self.error("type mismatch: the target type of br_on_cast must match its source type"));
        }
        let (branch, fallthrough) = if fail { (ref_diff(from, to), to) } else { (to, ref_diff(from, to)) };
        let frame = self.label(relative_depth)?;
        let label = self.label_types(&frame);
        let Some(n) = label.len().checked_sub(1) else {
            return Err(self.mismatch());
        };
        if !self.ctx.types.val_subtype(ValType::Ref(branch), label.get(n)) {
            return Err(self.mismatch());
        }
        self.pop(ValType::Ref(from))?;
        for i in (0..n).rev() {
            self.pop(label.get(i))?;
        }
        for i in 0..n {
            self.push(label.get(i));
        }
        self.push(ValType::Ref(fallthrough));
        Ok(())
    }

    /// `any.convert_extern` (`to` is `any`) and `extern.convert_any` (`to`
    /// is `extern`): `[(ref null? from)] -> [(ref null? to)]`, keeping the
    /// nullability.
    pub(crate) fn convert(&mut self, from: HeapType, to: HeapType) -> Result {
        self.gc()?;
        let nullable = match self.pop_operand()? {
            None => false,
            Some(ValType::Ref(rt)) if self.ctx.types.heap_subtype(rt.heap, from) => rt.nullable,
            Some(_) => return Err(self.mismatch()),
        };
        self.push(ValType::Ref(RefType { nullable, heap: to }));
        Ok(())
    }

    /// The GC instructions, one line each; `None` for any other.
    pub(crate) fn visit_gc(&mut self, op: &Operator<'_>) -> Option<Result> {
        use Operator as O;
        Some(match *op {
            O::StructNew { type_index } => self.struct_new(type_index),
            O::StructNewDefault { type_index } => self.struct_new_default(type_index),
            O::StructGet { type_index, field_index } => self.struct_get(type_index, field_index, false),
            O::StructGetS { type_index, field_index } => self.struct_get(type_index, field_index, true),
            O::StructGetU { type_index, field_index } => self.struct_get(type_index, field_index, true),
            O::StructSet { type_index, field_index } => self.struct_set(type_index, field_index),
            O::ArrayNew { type_index } => self.array_new(type_index),
            O::ArrayNewDefault { type_index } => self.array_new_default(type_index),
            O::ArrayNewFixed { type_index, size } => self.array_new_fixed(type_index, size),
            O::ArrayNewData { type_index, data_index } => self.array_new_data(type_index, data_index),
            O::ArrayNewElem { type_index, elem_index } => self.array_new_elem(type_index, elem_index),
            O::ArrayGet { type_index } => self.array_get(type_index, false),
            O::ArrayGetS { type_index } => self.array_get(type_index, true),
            O::ArrayGetU { type_index } => self.array_get(type_index, true),
            O::ArraySet { type_index } => self.array_set(type_index),
            O::ArrayLen {} => self.array_len(),
            O::ArrayFill { type_index } => self.array_fill(type_index),
            O::ArrayCopy { dst_type, src_type } => self.array_copy(dst_type, src_type),
            O::ArrayInitData { type_index, data_index } => self.array_init_data(type_index, data_index),
            O::ArrayInitElem { type_index, elem_index } => self.array_init_elem(type_index, elem_index),
            O::RefTest { hty } => self.ref_test(hty.ref_type()),
            O::RefTestNull { hty } => self.ref_test(hty.ref_type()),
            O::RefCast { hty } => self.ref_cast(hty.ref_type()),
            O::RefCastNull { hty } => self.ref_cast(hty.ref_type()),
            O::BrOnCast { cast } => self.br_on_cast(cast, false),
            O::BrOnCastFail { cast } => self.br_on_cast(cast, true),
            O::AnyConvertExtern {} => self.convert(HeapType::Extern, HeapType::Any),
            O::ExternConvertAny {} => self.convert(HeapType::Any, HeapType::Extern),
            O::RefI31 {} => self.ref_i31(),
            O::I31GetS {} | O::I31GetU {} => self.i31_get(),
            O::RefEq {} => self.ref_eq(),
            _ => return None,
        })
    }
}
