//! The GC instructions (spec 4.4.2 "reference instructions", 4.4.5
//! "aggregate instructions", Wasm 3.0): one arm per instruction, each the
//! spec's rule read aloud. Objects live in the store's heap
//! ([`weft_exec::gc`]); every allocation passes the machine's operand
//! stack, locals and the values being stored as roots, and no borrow of
//! an object is held across an allocation. `br_on_cast`/`br_on_cast_fail`
//! branch, so they are arms of `exec.rs` that call [`Machine::ref_matches`].

use weft_decode::{HeapType, RefType};
use weft_exec::executor::{EngineStore, InstanceData};
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
                if u64::from(d) + u64::from(n) > u64::from(live(store, r)?.len()) {
                    return Err(Trap::new(TrapKind::ArrayOutOfBounds));
                }
                for i in d..d + n {
                    write(store, r, &elem, elem_at(&elem, i), v)?;
                }
            }
            I::ArrayCopy { dst_type, src_type } => {
                let dst_elem = array_elem(gc_type(inst, dst_type)?)?;
                let src_elem = array_elem(gc_type(inst, src_type)?)?;
                let n = self.pop_u32()?;
                let s = self.pop_u32()?;
                let src = self.pop_object(TrapKind::NullArrayReference)?;
                let d = self.pop_u32()?;
                let dst = self.pop_object(TrapKind::NullArrayReference)?;
                let src_len = live(store, src)?.len();
                let dst_len = live(store, dst)?.len();
                if u64::from(d) + u64::from(n) > u64::from(dst_len) || u64::from(s) + u64::from(n) > u64::from(src_len)
                {
                    return Err(Trap::new(TrapKind::ArrayOutOfBounds));
                }
                // Read all, then write all: correct for overlapping ranges
                // of the same array, in either direction.
                let from = live(store, src)?;
                let values: Vec<Val> = (s..s + n).map(|i| from.read(&src_elem, elem_at(&src_elem, i))).collect();
                for (k, v) in values.into_iter().enumerate() {
                    write(store, dst, &dst_elem, elem_at(&dst_elem, d + k as u32), v)?;
                }
            }
            I::ArrayInitData { type_index, data_index } => {
                let elem = array_elem(gc_type(inst, type_index)?)?;
                let n = self.pop_u32()?;
                let s = self.pop_u32()?;
                let d = self.pop_u32()?;
                let r = self.pop_object(TrapKind::NullArrayReference)?;
                if u64::from(d) + u64::from(n) > u64::from(live(store, r)?.len()) {
                    return Err(Trap::new(TrapKind::ArrayOutOfBounds));
                }
                let values = data_values(store, inst, data_index, &elem, s, n)?;
                for (k, v) in values.into_iter().enumerate() {
                    write(store, r, &elem, elem_at(&elem, d + k as u32), v)?;
                }
            }
            I::ArrayInitElem { type_index, elem_index } => {
                let elem = array_elem(gc_type(inst, type_index)?)?;
                let n = self.pop_u32()?;
                let s = self.pop_u32()?;
                let d = self.pop_u32()?;
                let r = self.pop_object(TrapKind::NullArrayReference)?;
                if u64::from(d) + u64::from(n) > u64::from(live(store, r)?.len()) {
                    return Err(Trap::new(TrapKind::ArrayOutOfBounds));
                }
                let values = elem_values(store, inst, elem_index, s, n)?;
                for (k, v) in values.into_iter().enumerate() {
                    write(store, r, &elem, elem_at(&elem, d + k as u32), v)?;
                }
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
                let eq = match (a, b) {
                    (Val::AnyRef(a), Val::AnyRef(b)) => a == b,
                    (a, b) => a.is_null() && b.is_null(),
                };
                self.push(i32::from(eq));
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
                let v = match self.pop()? {
                    v if v.is_null() => Val::AnyRef(None),
                    Val::ExternRef(Some(e)) => Val::AnyRef(Some(AnyRef::Host(e))),
                    Val::Externalized(a) => Val::AnyRef(Some(a)),
                    v => return Err(mismatch("externref", v)),
                };
                self.stack.push(v);
            }
            I::ExternConvertAny {} => {
                let v = match self.pop()? {
                    v if v.is_null() => Val::ExternRef(None),
                    Val::AnyRef(Some(AnyRef::Host(e))) => Val::ExternRef(Some(e)),
                    Val::AnyRef(Some(a)) => Val::Externalized(a),
                    v => return Err(mismatch("anyref", v)),
                };
                self.stack.push(v);
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
        if v.is_null() {
            return rt.nullable;
        }
        let gc_types = &inst.module.gc_types;
        match v {
            Val::AnyRef(Some(a)) => match rt.heap {
                HeapType::Any => true,
                HeapType::Eq => !matches!(a, AnyRef::Host(_)),
                HeapType::I31 => matches!(a, AnyRef::I31(_)),
                HeapType::Struct => matches!(a, AnyRef::Object(r) if r.is_struct()),
                HeapType::Array => matches!(a, AnyRef::Object(r) if r.is_array()),
                HeapType::Concrete(t) => match (a, gc_types.get(t as usize)) {
                    (AnyRef::Object(r), Some(target)) => {
                        store.inner().gc.get(*r).is_some_and(|o| o.ty().is_subtype_of(target))
                    }
                    _ => false,
                },
                _ => false,
            },
            Val::FuncRef(Some(f)) => match rt.heap {
                HeapType::Func => true,
                HeapType::Concrete(t) => gc::func_matches(store.inner(), f.index(), &inst.module, t),
                _ => false,
            },
            Val::ExternRef(Some(_)) | Val::Externalized(_) => rt.heap == HeapType::Extern,
            Val::ExnRef(Some(_)) => rt.heap == HeapType::Exn,
            _ => false,
        }
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

fn gc_type(inst: &InstanceData, type_index: u32) -> Result<&std::sync::Arc<GcType>, Trap> {
    inst.module.gc_types.get(type_index as usize).ok_or_else(|| Trap::host("no such type"))
}

fn struct_field(inst: &InstanceData, type_index: u32, field_index: u32) -> Result<FieldLayout, Trap> {
    match &gc_type(inst, type_index)?.composite {
        GcComposite::Struct { fields, .. } => fields.get(field_index as usize).copied().ok_or_else(|| not_a("field")),
        _ => Err(not_a("struct")),
    }
}

fn array_elem(ty: &GcType) -> Result<FieldLayout, Trap> {
    match &ty.composite {
        GcComposite::Array(e) => Ok(*e),
        _ => Err(not_a("array")),
    }
}

fn live(store: &dyn EngineStore, r: GcRef) -> Result<Obj<'_>, Trap> {
    store.inner().gc.get(r).ok_or_else(collected)
}

fn write(store: &mut dyn EngineStore, r: GcRef, f: &FieldLayout, at: usize, v: Val) -> Result<(), Trap> {
    if store.inner_mut().gc.write(r, f, at, v) { Ok(()) } else { Err(collected()) }
}

#[cold]
fn collected() -> Trap {
    Trap::host("reference to a collected object")
}

/// `n` elements read from data segment `data_index` at byte `s`
/// (`array.new_data`, `array.init_data`): out of bounds traps as a memory access.
fn data_values(
    store: &dyn EngineStore,
    inst: &InstanceData,
    data_index: u32,
    elem: &FieldLayout,
    s: u32,
    n: u32,
) -> Result<Vec<Val>, Trap> {
    let addr = *inst.datas.get(data_index as usize).ok_or_else(|| Trap::host("no such data segment"))?;
    let bytes = &store.inner().datas[addr as usize].bytes;
    let size = u64::from(elem.size());
    let end = u64::from(s) + u64::from(n) * size;
    if end > bytes.len() as u64 {
        return Err(Trap::new(TrapKind::MemoryOutOfBounds));
    }
    let bytes = &bytes[s as usize..end as usize];
    Ok((0..n).map(|i| gc::read_packed(bytes, elem.storage, elem_at(elem, i))).collect())
}

/// `n` references of element segment `elem_index` from `s`: out of bounds
/// traps as a table access.
fn elem_values(
    store: &dyn EngineStore,
    inst: &InstanceData,
    elem_index: u32,
    s: u32,
    n: u32,
) -> Result<Vec<Val>, Trap> {
    let addr = *inst.elems.get(elem_index as usize).ok_or_else(|| Trap::host("no such element segment"))?;
    let items = &store.inner().elems[addr as usize].items;
    let end = u64::from(s) + u64::from(n);
    if end > items.len() as u64 {
        return Err(Trap::new(TrapKind::TableOutOfBounds));
    }
    Ok(items[s as usize..end as usize].to_vec())
}

#[cold]
fn not_a(what: &str) -> Trap {
    Trap::host(format!("type is not a {what} (module not validated?)"))
}

#[cold]
fn mismatch(expected: &str, v: Val) -> Trap {
    Trap::host(format!("operand type mismatch: expected {expected}, found {}", v.ty()))
}
