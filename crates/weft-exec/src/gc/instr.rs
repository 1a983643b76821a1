//! The semantics of the GC instructions that both engines share (spec
//! 4.4.2 "reference instructions", 4.4.5 "aggregate instructions"): each
//! rule once, over [`GcRef`]s and [`Val`]s, so the reference engine
//! (`weft-reference/src/gc_instr.rs`, values on its operand stack) and the
//! threaded engine (`weft-threaded/src/exec/gc.rs`, raw bits in slots)
//! differ only in where their operands come from.
//!
//! None of these allocates: allocation is [`alloc_struct`](super::alloc_struct)
//! and its siblings, whose roots only the engine knows.

use std::sync::Arc;

use weft_decode::{HeapType, RefType};

use super::{AnyRef, FieldLayout, GcComposite, GcRef, GcType, Obj, elem_at};
use crate::instance::InstanceData;
use crate::module::ModuleInner;
use crate::store::StoreInner;
use crate::trap::{Trap, TrapKind};
use crate::value::Val;

/// Type `type_index` of `inst`'s module.
pub fn gc_type(inst: &InstanceData, type_index: u32) -> Result<&Arc<GcType>, Trap> {
    inst.module.gc_types.get(type_index as usize).ok_or_else(|| Trap::host("no such type"))
}

/// Field `field_index` of struct type `type_index`.
pub fn struct_field(inst: &InstanceData, type_index: u32, field_index: u32) -> Result<FieldLayout, Trap> {
    match &gc_type(inst, type_index)?.composite {
        GcComposite::Struct { fields, .. } => fields.get(field_index as usize).copied().ok_or_else(|| not_a("field")),
        _ => Err(not_a("struct")),
    }
}

/// The element layout of array type `ty`.
pub fn array_elem(ty: &GcType) -> Result<FieldLayout, Trap> {
    match &ty.composite {
        GcComposite::Array(e) => Ok(*e),
        _ => Err(not_a("array")),
    }
}

/// The object `r` refers to.
pub fn live(store: &StoreInner, r: GcRef) -> Result<Obj<'_>, Trap> {
    store.gc.get(r).ok_or_else(collected)
}

/// Writes `v` to field `f` at `at` of object `r`.
pub fn write(store: &mut StoreInner, r: GcRef, f: &FieldLayout, at: usize, v: Val) -> Result<(), Trap> {
    if store.gc.write(r, f, at, v) { Ok(()) } else { Err(collected()) }
}

/// `n` elements read from data segment `data_index` at byte `s`
/// (`array.new_data`, `array.init_data`): out of bounds traps as a memory access.
pub fn data_values(
    store: &StoreInner,
    inst: &InstanceData,
    data_index: u32,
    elem: &FieldLayout,
    s: u32,
    n: u32,
) -> Result<Vec<Val>, Trap> {
    let addr = *inst.datas.get(data_index as usize).ok_or_else(|| Trap::host("no such data segment"))?;
    let bytes = &store.datas[addr as usize].bytes;
    let size = u64::from(elem.size());
    let end = u64::from(s) + u64::from(n) * size;
    if end > bytes.len() as u64 {
        return Err(Trap::new(TrapKind::MemoryOutOfBounds));
    }
    let bytes = &bytes[s as usize..end as usize];
    Ok((0..n).map(|i| super::read_packed(bytes, elem.storage, elem_at(elem, i))).collect())
}

/// `n` references of element segment `elem_index` from `s`: out of bounds
/// traps as a table access.
pub fn elem_values(store: &StoreInner, inst: &InstanceData, elem_index: u32, s: u32, n: u32) -> Result<Vec<Val>, Trap> {
    let addr = *inst.elems.get(elem_index as usize).ok_or_else(|| Trap::host("no such element segment"))?;
    let items = &store.elems[addr as usize].items;
    let end = u64::from(s) + u64::from(n);
    if end > items.len() as u64 {
        return Err(Trap::new(TrapKind::TableOutOfBounds));
    }
    Ok(items[s as usize..end as usize].to_vec())
}

/// Traps "out of bounds array access" unless `at + n <= len`.
fn in_bounds(at: u32, n: u32, len: u32) -> Result<(), Trap> {
    if u64::from(at) + u64::from(n) > u64::from(len) { Err(Trap::new(TrapKind::ArrayOutOfBounds)) } else { Ok(()) }
}

/// `array.fill`: elements `d..d + n` of `r` become `v`.
pub fn array_fill(store: &mut StoreInner, r: GcRef, elem: &FieldLayout, d: u32, v: Val, n: u32) -> Result<(), Trap> {
    in_bounds(d, n, live(store, r)?.len())?;
    for i in d..d + n {
        write(store, r, elem, elem_at(elem, i), v)?;
    }
    Ok(())
}

/// `array.copy`: elements `s..s + n` of `src` to `d..` of `dst`
/// (read all, then write all: right for overlapping ranges of one array).
#[allow(clippy::too_many_arguments)]
pub fn array_copy(
    store: &mut StoreInner,
    dst: GcRef,
    dst_elem: &FieldLayout,
    d: u32,
    src: GcRef,
    src_elem: &FieldLayout,
    s: u32,
    n: u32,
) -> Result<(), Trap> {
    in_bounds(d, n, live(store, dst)?.len())?;
    let from = live(store, src)?;
    in_bounds(s, n, from.len())?;
    let values: Vec<Val> = (s..s + n).map(|i| from.read(src_elem, elem_at(src_elem, i))).collect();
    for (k, v) in values.into_iter().enumerate() {
        write(store, dst, dst_elem, elem_at(dst_elem, d + k as u32), v)?;
    }
    Ok(())
}

/// `array.init_data` and `array.init_elem`: `values` (read by
/// `values(store)` once the destination range is known to be in bounds)
/// to elements `d..` of `r`.
pub fn array_init(
    store: &mut StoreInner,
    r: GcRef,
    elem: &FieldLayout,
    d: u32,
    n: u32,
    values: impl FnOnce(&StoreInner) -> Result<Vec<Val>, Trap>,
) -> Result<(), Trap> {
    in_bounds(d, n, live(store, r)?.len())?;
    for (k, v) in values(store)?.into_iter().enumerate() {
        write(store, r, elem, elem_at(elem, d + k as u32), v)?;
    }
    Ok(())
}

/// `any.convert_extern`.
pub fn any_convert_extern(v: Val) -> Val {
    match v {
        Val::ExternRef(Some(e)) => Val::AnyRef(Some(AnyRef::Host(e))),
        Val::Externalized(a) => Val::AnyRef(Some(a)),
        _ => Val::AnyRef(None),
    }
}

/// `extern.convert_any`.
pub fn extern_convert_any(v: Val) -> Val {
    match v {
        Val::AnyRef(Some(AnyRef::Host(e))) => Val::ExternRef(Some(e)),
        Val::AnyRef(Some(a)) => Val::Externalized(a),
        _ => Val::ExternRef(None),
    }
}

/// `ref.eq`: identity of objects and host data, value of i31s; two nulls
/// are equal.
pub fn ref_eq(a: Val, b: Val) -> bool {
    match (a, b) {
        (Val::AnyRef(a), Val::AnyRef(b)) => a == b,
        (a, b) => a.is_null() && b.is_null(),
    }
}

/// Whether reference `v` matches reference type `rt` of `module` (spec
/// 4.4.2 `ref.test`: the value's runtime type is a subtype of `rt`), for
/// `ref.test`, `ref.cast` and `br_on_cast[_fail]`. Defined types compare
/// by supertype display: an index compare and a bounded lookup.
pub fn ref_matches(store: &StoreInner, module: &ModuleInner, v: &Val, rt: RefType) -> bool {
    if v.is_null() {
        return rt.nullable;
    }
    match v {
        Val::AnyRef(Some(a)) => match rt.heap {
            HeapType::Any => true,
            HeapType::Eq => !matches!(a, AnyRef::Host(_)),
            HeapType::I31 => matches!(a, AnyRef::I31(_)),
            HeapType::Struct => matches!(a, AnyRef::Object(r) if r.is_struct()),
            HeapType::Array => matches!(a, AnyRef::Object(r) if r.is_array()),
            HeapType::Concrete(t) => match (a, module.gc_types.get(t as usize)) {
                (AnyRef::Object(r), Some(target)) => store.gc.get(*r).is_some_and(|o| o.ty().is_subtype_of(target)),
                _ => false,
            },
            _ => false,
        },
        Val::FuncRef(Some(f)) => match rt.heap {
            HeapType::Func => true,
            HeapType::Concrete(t) => super::func_matches(store, f.index(), module, t),
            _ => false,
        },
        Val::ExternRef(Some(_)) | Val::Externalized(_) => rt.heap == HeapType::Extern,
        Val::ExnRef(Some(_)) => rt.heap == HeapType::Exn,
        _ => false,
    }
}

#[cold]
fn not_a(what: &str) -> Trap {
    Trap::host(format!("type is not a {what} (module not validated?)"))
}

#[cold]
/// The trap of an access to an object that was collected (a reference
/// the host kept without rooting it).
pub fn collected() -> Trap {
    Trap::host("reference to a collected object")
}
