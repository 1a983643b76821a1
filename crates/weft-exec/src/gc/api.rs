//! The GC embedding API: host-held roots, and structs and arrays the host
//! allocates, reads and writes (in the spirit of wasmtime's `Rooted`,
//! `StructRef` and `ArrayRef`, on [`Store`] so it works the same from a
//! host function through its [`Caller`](crate::Caller)'s
//! [`as_context_mut`](crate::AsContextMut::as_context_mut)).
//!
//! References in [`Val`]s the host holds are **not** roots: a collection
//! (which only allocation triggers) frees an object nothing in the store
//! reaches. A host that keeps a reference across calls into wasm or
//! allocations roots it with [`Store::root`]; using a collected reference
//! is an [`Error::Usage`], never another object.

use weft_decode::{HeapType, StorageType, ValType};

use super::{AnyRef, FieldLayout, GcComposite, GcRef, Obj, elem_at};
use crate::module::Module;
use crate::store::{Store, StoreId};
use crate::trap::{Error, Result};
use crate::value::Val;

/// A reference kept alive by the host until [`Store::unroot`]
/// (wasmtime's `ManuallyRooted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rooted {
    store: StoreId,
    id: u32,
}

impl<T> Store<T> {
    /// Roots `v`: it and everything it reaches survive collections until
    /// [`unroot`](Store::unroot).
    pub fn root(&mut self, v: Val) -> Result<Rooted> {
        crate::externals::check_val_store(self, &v)?;
        Ok(Rooted { store: self.inner.id, id: self.inner.gc.root(v) })
    }

    /// The value of a root.
    pub fn rooted(&self, r: Rooted) -> Result<Val> {
        self.check_root(r)?;
        self.inner.gc.rooted(r.id).ok_or_else(|| Error::usage("root used after unroot"))
    }

    /// Releases a root.
    pub fn unroot(&mut self, r: Rooted) -> Result<()> {
        self.check_root(r)?;
        self.inner.gc.unroot(r.id);
        Ok(())
    }

    fn check_root(&self, r: Rooted) -> Result<()> {
        if r.store == self.inner.id { Ok(()) } else { Err(Error::usage("root used with the wrong store")) }
    }

    /// Allocates a struct of type `type_index` of `module` (compiled for
    /// this store's engine) with `fields` in declaration order (packed
    /// fields as `i32`). May collect first.
    pub fn alloc_struct(&mut self, module: &Module, type_index: u32, fields: &[Val]) -> Result<Val> {
        let ty = self.gc_type_of(module, type_index)?;
        let GcComposite::Struct { fields: layout, .. } = &ty.composite else {
            return Err(Error::usage(format!("type {type_index} is not a struct type")));
        };
        if layout.len() != fields.len() {
            return Err(Error::usage(format!("struct type {type_index} has {} fields", layout.len())));
        }
        for (f, v) in layout.iter().zip(fields) {
            self.check_field_value(module, f, v)?;
        }
        let r = super::alloc_struct(self, &ty, fields, &[fields]).map_err(Error::Trap)?;
        Ok(Val::AnyRef(Some(AnyRef::Object(r))))
    }

    /// Allocates an array of type `type_index` of `module` with `len`
    /// copies of `init`. May collect first.
    pub fn alloc_array(&mut self, module: &Module, type_index: u32, len: u32, init: Val) -> Result<Val> {
        let ty = self.gc_type_of(module, type_index)?;
        let GcComposite::Array(elem) = ty.composite else {
            return Err(Error::usage(format!("type {type_index} is not an array type")));
        };
        self.check_field_value(module, &elem, &init)?;
        let r = super::alloc_array(self, &ty, len, init, &[&[init]]).map_err(Error::Trap)?;
        Ok(Val::AnyRef(Some(AnyRef::Object(r))))
    }

    /// Field `field` of struct `v` (packed fields zero-extended to `i32`).
    pub fn struct_field(&self, v: &Val, field: u32) -> Result<Val> {
        let obj = self.object(v)?;
        let f = obj.struct_field(field).ok_or_else(|| Error::usage(format!("no struct field {field}")))?;
        Ok(obj.read(&f, f.at as usize))
    }

    /// Writes field `field` of struct `v` (which must be mutable).
    pub fn set_struct_field(&mut self, v: &Val, field: u32, value: Val) -> Result<()> {
        let f = self.object(v)?.struct_field(field).ok_or_else(|| Error::usage(format!("no struct field {field}")))?;
        self.check_write(&f, &value)?;
        self.write_field(v, &f, f.at as usize, value)
    }

    /// The length of array `v`.
    pub fn array_len(&self, v: &Val) -> Result<u32> {
        let obj = self.object(v)?;
        obj.array_elem().map(|_| obj.len()).ok_or_else(|| Error::usage("not an array"))
    }

    /// Element `i` of array `v` (packed elements zero-extended to `i32`).
    pub fn array_get(&self, v: &Val, i: u32) -> Result<Val> {
        let obj = self.object(v)?;
        let e = obj.array_elem().ok_or_else(|| Error::usage("not an array"))?;
        if i >= obj.len() {
            return Err(Error::usage("out of bounds array access"));
        }
        Ok(obj.read(&e, elem_at(&e, i)))
    }

    /// Writes element `i` of array `v` (whose element type must be mutable).
    pub fn array_set(&mut self, v: &Val, i: u32, value: Val) -> Result<()> {
        let obj = self.object(v)?;
        let e = obj.array_elem().ok_or_else(|| Error::usage("not an array"))?;
        if i >= obj.len() {
            return Err(Error::usage("out of bounds array access"));
        }
        self.check_write(&e, &value)?;
        self.write_field(v, &e, elem_at(&e, i), value)
    }

    fn gc_type_of(&self, module: &Module, type_index: u32) -> Result<std::sync::Arc<super::GcType>> {
        if !module.engine().same_types(&self.inner.engine) {
            return Err(Error::usage("module compiled for another engine"));
        }
        module.0.gc_types.get(type_index as usize).cloned().ok_or_else(|| Error::usage("no such type"))
    }

    fn object_ref(&self, v: &Val) -> Result<GcRef> {
        match v {
            Val::AnyRef(Some(AnyRef::Object(r))) if r.store == self.inner.id => Ok(*r),
            Val::AnyRef(Some(AnyRef::Object(_))) => Err(Error::usage("object used with the wrong store")),
            Val::AnyRef(None) => Err(Error::usage("null reference")),
            other => Err(Error::usage(format!("not a struct or array: {other}"))),
        }
    }

    fn object(&self, v: &Val) -> Result<Obj<'_>> {
        let r = self.object_ref(v)?;
        self.inner.gc.get(r).ok_or_else(collected)
    }

    fn write_field(&mut self, v: &Val, f: &FieldLayout, at: usize, value: Val) -> Result<()> {
        let r = self.object_ref(v)?;
        if self.inner.gc.write(r, f, at, value) { Ok(()) } else { Err(collected()) }
    }

    fn check_write(&self, f: &FieldLayout, value: &Val) -> Result<()> {
        if !f.mutable {
            return Err(Error::usage("field is immutable"));
        }
        // The field's reference type names types of its defining module,
        // which the object no longer records; check the hierarchy and liveness.
        check_storage(f.storage, value, None)?;
        crate::externals::check_val_store(self, value)
    }

    fn check_field_value(&self, module: &Module, f: &FieldLayout, value: &Val) -> Result<()> {
        check_storage(f.storage, value, Some((module, &self.inner.gc)))?;
        crate::externals::check_val_store(self, value)
    }
}

#[cold]
fn collected() -> Error {
    Error::usage("GC object was collected (root it to keep it alive)")
}

/// Whether `value` can be stored in a field of storage type `s` (defined
/// reference types are checked against `module`'s types when given).
fn check_storage(s: StorageType, value: &Val, module: Option<(&Module, &super::GcHeap)>) -> Result<()> {
    let ok = match s {
        StorageType::I8 | StorageType::I16 => matches!(value, Val::I32(_)),
        StorageType::Val(ValType::Ref(rt)) => {
            value.matches(ValType::Ref(rt))
                && match (rt.heap, value, module) {
                    (HeapType::Concrete(t), Val::AnyRef(Some(AnyRef::Object(r))), Some((m, heap))) => {
                        match (heap.get(*r), m.0.gc_types.get(t as usize)) {
                            (Some(obj), Some(target)) => obj.ty().is_subtype_of(target),
                            _ => false,
                        }
                    }
                    _ => true,
                }
        }
        StorageType::Val(t) => value.ty() == t,
    };
    if ok { Ok(()) } else { Err(Error::usage(format!("value {value} does not match the field's type"))) }
}

impl<T> Store<T> {
    /// `v` as `weft trace` and the Stepper views print it: a struct as
    /// `(ref $point {x: 1, y: 2})` (type and field names from `module`'s
    /// name section, else indices; reference fields one level deep, as
    /// `(ref $node)`), an array as `(array i8 len 5)`, an i31 as
    /// `(ref.i31 5)`, other values as their `Display` (`i32:1`).
    pub fn describe_val(&self, v: &Val, module: &Module) -> String {
        describe(&self.inner.gc, v, module, true)
    }
}

fn describe(heap: &super::GcHeap, v: &Val, module: &Module, deep: bool) -> String {
    let names = &module.decoded().names();
    let type_name = |i: u32| names.types.get(&i).map_or_else(|| i.to_string(), |n| format!("${n}"));
    let a = match v {
        Val::AnyRef(Some(a)) => a,
        Val::Externalized(a) => return format!("(extern {})", describe(heap, &Val::AnyRef(Some(*a)), module, deep)),
        other => return other.to_string(),
    };
    match a {
        AnyRef::I31(bits) => format!("(ref.i31 {})", AnyRef::i31_get_s(*bits)),
        AnyRef::Host(e) => format!("(ref.host {})", e.0),
        AnyRef::Object(r) => {
            let Some(obj) = heap.get(*r) else { return "(ref collected)".to_string() };
            let index = obj.ty().module_index;
            match &obj.ty().composite {
                GcComposite::Struct { fields, .. } if deep => {
                    let field_names = names.fields.get(&index);
                    let shown: Vec<String> = fields
                        .iter()
                        .enumerate()
                        .map(|(i, f)| {
                            let name = field_names.and_then(|m| m.get(&(i as u32))).cloned().unwrap_or(i.to_string());
                            let value = obj.read(f, f.at as usize);
                            let text = match value {
                                Val::I32(x) => x.to_string(),
                                Val::I64(x) => x.to_string(),
                                Val::F32(b) => f32::from_bits(b).to_string(),
                                Val::F64(b) => f64::from_bits(b).to_string(),
                                Val::AnyRef(None) | Val::FuncRef(None) => "null".to_string(),
                                other => describe(heap, &other, module, false),
                            };
                            format!("{name}: {text}")
                        })
                        .collect();
                    format!("(ref {} {{{}}})", type_name(index), shown.join(", "))
                }
                GcComposite::Struct { .. } => format!("(ref {})", type_name(index)),
                GcComposite::Array(e) => {
                    let elem = match e.storage {
                        StorageType::I8 => "i8".to_string(),
                        StorageType::I16 => "i16".to_string(),
                        StorageType::Val(t) => t.to_string(),
                    };
                    format!("(array {elem} len {})", obj.len())
                }
                GcComposite::Func => "(ref func)".to_string(),
            }
        }
    }
}
