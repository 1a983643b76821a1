//! The GC instructions (spec 4.4.2 "reference instructions", 4.4.5
//! "aggregate instructions", Wasm 3.0): one arm per instruction, each the
//! spec's rule read aloud. Objects live in the store's heap
//! ([`weft_exec::gc`]); every allocation passes the machine's operand
//! stack, locals and the values being stored as roots, and no borrow of
//! an object is held across an allocation. `br_on_cast`/`br_on_cast_fail`
//! branch, so they are arms of `exec.rs` that call [`Machine::ref_matches`].

use weft_decode::RefType;
use weft_exec::executor::{EngineStore, InstanceData};
use weft_exec::gc::instr::{self, array_elem, gc_type, struct_field};
use weft_exec::gc::{self, AnyRef, FieldLayout, GcComposite, GcRef, GcType, Obj, elem_at};
use weft_exec::{Trap, TrapKind, Val};

use super::{Instruction as I, Machine, stack_underflow};

impl Machine {
    /// Runs `instr` if it is a GC instruction; `Ok(false)` if it is not one.
    pub(super) fn exec_gc(&mut self, store: &mut dyn EngineStore, inst: &InstanceData, instr: I) -> Result<bool, Trap> {
        match instr {
            // ---- structs ----
            I::StructNew { type_index } => {
                let ty = gc_type(inst, type_index)?;
                let GcComposite::Struct { fields, .. } = &ty.composite else { return Err(not_a("struct")) };
                let start = self.stack.len().checked_sub(fields.len()).ok_or_else(stack_underflow)?;
                let values = self.stack.split_off(start);
                let r = gc::alloc_struct(store, ty, &values, &[&self.stack, &self.locals, &values])?;
                self.stack.push(object(r));
            }
            I::StructNewDefault { type_index } => {
                let ty = gc_type(inst, type_index)?;
                let GcComposite::Struct { fields, .. } = &ty.composite else { return Err(not_a("struct")) };
                let values: Vec<Val> = fields.iter().map(|f| f.default).collect();
                let r = gc::alloc_struct(store, ty, &values, &[&self.stack, &self.locals])?;
                self.stack.push(object(r));
            }
            I::StructGet { type_index, field_index } => self.struct_get(store, inst, type_index, field_index, false)?,
            I::StructGetU { type_index, field_index } => {
                self.struct_get(store, inst, type_index, field_index, false)?
            }
            I::StructGetS { type_index, field_index } => self.struct_get(store, inst, type_index, field_index, true)?,
            I::StructSet { type_index, field_index } => {
                let field = struct_field(inst, type_index, field_index)?;
                let v = self.pop()?;
                let r = self.pop_object(TrapKind::NullStructReference)?;
                write(store, r, &field, field.at as usize, v)?;
            }

            // ---- arrays ----
            I::ArrayNew { type_index } => {
                let ty = gc_type(inst, type_index)?;
                let n = self.pop_u32()?;
                let init = self.pop()?;
                self.new_array(store, ty, n, init)?;
            }
            I::ArrayNewDefault { type_index } => {
                let ty = gc_type(inst, type_index)?;
                let elem = array_elem(ty)?;
                let n = self.pop_u32()?;
                self.new_array(store, ty, n, elem.default)?;
            }
            I::ArrayNewFixed { type_index, size } => {
                let ty = gc_type(inst, type_index)?;
                let start = self.stack.len().checked_sub(size as usize).ok_or_else(stack_underflow)?;
                let values = self.stack.split_off(start);
                let r = gc::alloc_array_of(store, ty, &values, &[&self.stack, &self.locals, &values])?;
                self.stack.push(object(r));
            }
            I::ArrayNewData { type_index, data_index } => {
                let ty = gc_type(inst, type_index)?;
                let elem = array_elem(ty)?;
                let n = self.pop_u32()?;
                let s = self.pop_u32()?;
                let values = data_values(store, inst, data_index, &elem, s, n)?;
                let r = gc::alloc_array_of(store, ty, &values, &[&self.stack, &self.locals])?;
                self.stack.push(object(r));
            }
            I::ArrayNewElem { type_index, elem_index } => {
                let ty = gc_type(inst, type_index)?;
                let n = self.pop_u32()?;
                let s = self.pop_u32()?;
                let values = elem_values(store, inst, elem_index, s, n)?;
                let r = gc::alloc_array_of(store, ty, &values, &[&self.stack, &self.locals, &values])?;
                self.stack.push(object(r));
            }
            I::ArrayGet { type_index } | I::ArrayGetU { type_index } => {
                self.array_get(store, inst, type_index, false)?
            }
            I::ArrayGetS { type_index } => self.array_get(store, inst, type_index, true)?,
            I::ArraySet { type_index } => {
                let elem = array_elem(gc_type(inst, type_index)?)?;
                let v = self.pop()?;
                let i = self.pop_u32()?;
                let r = self.pop_object(TrapKind::NullArrayReference)?;
                if i >= live(store, r)?.len() {
                    return Err(Trap::new(TrapKind::ArrayOutOfBounds));
                }
                write(store, r, &elem, elem_at(&elem, i), v)?;
            }
            I::ArrayLen {} => {
                let r = self.pop_object(TrapKind::NullArrayReference)?;
                let len = live(store, r)?.len();
                self.push(len as i32);
            }
            I::ArrayFill { type_index } => {
                let elem = array_elem(gc_type(inst, type_index)?)?;
                let n = self.pop_u32()?;
                let v = self.pop()?;
                let d = self.pop_u32()?;
                let r = self.pop_object(TrapKind::NullArrayReference)?;
                instr::array_fill(store.inner_mut(), r, &elem, d, v, n)?;
            }
            I::ArrayCopy { dst_type, src_type } => {
                let dst_elem = array_elem(gc_type(inst, dst_type)?)?;
                let src_elem = array_elem(gc_type(inst, src_type)?)?;
                let n = self.pop_u32()?;
                let s = self.pop_u32()?;
                let src = self.pop_object(TrapKind::NullArrayReference)?;
                let d = self.pop_u32()?;
                let dst = self.pop_object(TrapKind::NullArrayReference)?;
                instr::array_copy(store.inner_mut(), dst, &dst_elem, d, src, &src_elem, s, n)?;
            }
            I::ArrayInitData { type_index, data_index } => {
                let elem = array_elem(gc_type(inst, type_index)?)?;
                let n = self.pop_u32()?;
                let s = self.pop_u32()?;
                let d = self.pop_u32()?;
                let r = self.pop_object(TrapKind::NullArrayReference)?;
                instr::array_init(store.inner_mut(), r, &elem, d, n, |st| {
                    instr::data_values(st, inst, data_index, &elem, s, n)
                })?;
            }
            I::ArrayInitElem { type_index, elem_index } => {
                let elem = array_elem(gc_type(inst, type_index)?)?;
                let n = self.pop_u32()?;
                let s = self.pop_u32()?;
                let d = self.pop_u32()?;
                let r = self.pop_object(TrapKind::NullArrayReference)?;
                instr::array_init(store.inner_mut(), r, &elem, d, n, |st| {
                    instr::elem_values(st, inst, elem_index, s, n)
                })?;
            }

            // ---- i31 ----
            I::RefI31 {} => {
                let v: i32 = self.pop_as()?;
                self.stack.push(Val::AnyRef(Some(AnyRef::i31(v))));
            }
            I::I31GetS {} | I::I31GetU {} => {
                let bits = match self.pop()? {
                    Val::AnyRef(Some(AnyRef::I31(bits))) => bits,
                    v if v.is_null() => return Err(Trap::new(TrapKind::NullI31Reference)),
                    v => return Err(mismatch("i31ref", v)),
                };
                let v = if matches!(instr, I::I31GetS {}) { AnyRef::i31_get_s(bits) } else { bits as i32 };
                self.push(v);
            }

            // ---- casts and conversions ----
            I::RefEq {} => {
                let b = self.pop()?;
                let a = self.pop()?;
                self.push(i32::from(instr::ref_eq(a, b)));
            }
            I::RefTest { hty } => {
                let v = self.pop()?;
                let ok = self.ref_matches(store, inst, &v, hty.ref_type());
                self.push(i32::from(ok));
            }
            I::RefTestNull { hty } => {
                let v = self.pop()?;
                let ok = self.ref_matches(store, inst, &v, hty.ref_type());
                self.push(i32::from(ok));
            }
            I::RefCast { hty } => self.cast(store, inst, hty.ref_type())?,
            I::RefCastNull { hty } => self.cast(store, inst, hty.ref_type())?,
            I::AnyConvertExtern {} => {
                let v = self.pop()?;
                if !v.is_null() && !matches!(v, Val::ExternRef(_) | Val::Externalized(_)) {
                    return Err(mismatch("externref", v));
                }
                self.stack.push(instr::any_convert_extern(v));
            }
            I::ExternConvertAny {} => {
                let v = self.pop()?;
                if !v.is_null() && !matches!(v, Val::AnyRef(_)) {
                    return Err(mismatch("anyref", v));
                }
                self.stack.push(instr::extern_convert_any(v));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `array.new`: `n` copies of `init`, with the machine's stacks and
    /// `init` as the collector's extra roots.
    fn new_array(
        &mut self,
        store: &mut dyn EngineStore,
        ty: &std::sync::Arc<GcType>,
        n: u32,
        init: Val,
    ) -> Result<(), Trap> {
        let r = gc::alloc_array(store, ty, n, init, &[&self.stack, &self.locals, &[init]])?;
        self.stack.push(object(r));
        Ok(())
    }

    fn struct_get(
        &mut self,
        store: &dyn EngineStore,
        inst: &InstanceData,
        type_index: u32,
        field_index: u32,
        signed: bool,
    ) -> Result<(), Trap> {
        let field = struct_field(inst, type_index, field_index)?;
        let r = self.pop_object(TrapKind::NullStructReference)?;
        let v = live(store, r)?.read(&field, field.at as usize);
        self.stack.push(if signed { gc::sign_extend(field.storage, v) } else { v });
        Ok(())
    }

    fn array_get(
        &mut self,
        store: &dyn EngineStore,
        inst: &InstanceData,
        type_index: u32,
        signed: bool,
    ) -> Result<(), Trap> {
        let elem = array_elem(gc_type(inst, type_index)?)?;
        let i = self.pop_u32()?;
        let r = self.pop_object(TrapKind::NullArrayReference)?;
        let obj = live(store, r)?;
        if i >= obj.len() {
            return Err(Trap::new(TrapKind::ArrayOutOfBounds));
        }
        let v = obj.read(&elem, elem_at(&elem, i));
        self.stack.push(if signed { gc::sign_extend(elem.storage, v) } else { v });
        Ok(())
    }

    /// `ref.cast rt`: the operand if it matches `rt`, else a trap.
    fn cast(&mut self, store: &dyn EngineStore, inst: &InstanceData, rt: RefType) -> Result<(), Trap> {
        let v = self.pop()?;
        if !self.ref_matches(store, inst, &v, rt) {
            return Err(Trap::new(TrapKind::CastFailure));
        }
        self.stack.push(v);
        Ok(())
    }

    /// Whether reference `v` matches reference type `rt` of `inst`'s
    /// module (spec 4.4.2 `ref.test`: the value's runtime type is a
    /// subtype of `rt`). Defined types compare by supertype display.
    pub(super) fn ref_matches(&self, store: &dyn EngineStore, inst: &InstanceData, v: &Val, rt: RefType) -> bool {
        instr::ref_matches(store.inner(), &inst.module, v, rt)
    }

    fn pop_u32(&mut self) -> Result<u32, Trap> {
        Ok(self.pop_as::<i32>()? as u32)
    }

    /// Pops a struct or array reference; null traps with `null_trap`.
    fn pop_object(&mut self, null_trap: TrapKind) -> Result<GcRef, Trap> {
        // Any null traps as null (a value's hierarchy is the validator's
        // business; slots of the threaded engine do not record it).
        match self.pop()? {
            Val::AnyRef(Some(AnyRef::Object(r))) => Ok(r),
            v if v.is_null() => Err(Trap::new(null_trap)),
            v => Err(mismatch("a struct or array reference", v)),
        }
    }
}

fn object(r: GcRef) -> Val {
    Val::AnyRef(Some(AnyRef::Object(r)))
}

#[cold]
fn not_a(what: &str) -> Trap {
    Trap::host(format!("type is not a {what} (module not validated?)"))
}

#[cold]
fn mismatch(expected: &str, v: Val) -> Trap {
    Trap::host(format!("operand type mismatch: expected {expected}, found {}", v.ty()))
}

fn live(store: &dyn EngineStore, r: GcRef) -> Result<Obj<'_>, Trap> {
    instr::live(store.inner(), r)
}

fn write(store: &mut dyn EngineStore, r: GcRef, f: &FieldLayout, at: usize, v: Val) -> Result<(), Trap> {
    instr::write(store.inner_mut(), r, f, at, v)
}

fn data_values(
    store: &dyn EngineStore,
    inst: &InstanceData,
    data_index: u32,
    elem: &FieldLayout,
    s: u32,
    n: u32,
) -> Result<Vec<Val>, Trap> {
    instr::data_values(store.inner(), inst, data_index, elem, s, n)
}

fn elem_values(
    store: &dyn EngineStore,
    inst: &InstanceData,
    elem_index: u32,
    s: u32,
    n: u32,
) -> Result<Vec<Val>, Trap> {
    instr::elem_values(store.inner(), inst, elem_index, s, n)
}
