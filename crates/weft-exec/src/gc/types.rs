//! Runtime type descriptors for GC objects, and the engine-wide registry
//! that gives every defined type a canonical id.
//!
//! A type index means nothing outside its module, so each engine interns
//! every module's types into one [`weft_validate::TypeRegistry`] — the
//! validator's own canonicalization (spec 3.3 "type equivalence":
//! iso-recursive, a recursion group keyed by its types with indices
//! inside the group relative to it and indices outside replaced by
//! canonical ids) — so structurally equal types of any two modules of one
//! engine get the same id, and type equality is an integer compare.
//!
//! Each runtime type ([`GcType`]) carries its id, its **supertype
//! display** (the ids of its declared supertype chain, root first, ending
//! with itself, as the registry computed it) and its object layout.
//! `t <: u` for defined types is `display(t).get(depth(u)) == Some(id(u))`:
//! one bounds check and one compare, as in production engines.

use std::sync::{Arc, Mutex};

use weft_decode::{CompositeType, HeapType, StorageType, SubType, ValType};

use crate::value::Val;

/// Where a field lives in an object and what it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldLayout {
    /// What the field stores (type indices are the defining module's).
    pub storage: StorageType,
    /// Whether it can be written.
    pub mutable: bool,
    /// Its byte offset in the object's packed non-reference part, or for a
    /// reference field its index among the reference words (see [`super::Obj::read`]).
    pub at: u32,
    /// Its default value (`0`, or the null of its reference's hierarchy).
    pub default: Val,
}

impl FieldLayout {
    /// Whether the field holds a reference (kept in `refs`, traced).
    pub fn is_ref(&self) -> bool {
        matches!(self.storage, StorageType::Val(ValType::Ref(_)))
    }

    /// Bytes the field takes in `bytes` (0 for a reference).
    pub fn size(&self) -> u32 {
        storage_size(self.storage)
    }
}

/// The size of a non-reference storage type in bytes (0 for references).
pub fn storage_size(s: StorageType) -> u32 {
    match s {
        StorageType::I8 => 1,
        StorageType::I16 => 2,
        StorageType::Val(ValType::I32 | ValType::F32) => 4,
        StorageType::Val(ValType::I64 | ValType::F64) => 8,
        StorageType::Val(ValType::V128) => 16,
        StorageType::Val(ValType::Ref(_)) => 0,
    }
}

/// The shape of a runtime type.
#[derive(Debug, Clone, PartialEq)]
pub enum GcComposite {
    /// A function type (objects are never of one; casts of `funcref`s use the id).
    Func,
    /// A struct: its fields in order, and the sizes of the two parts.
    Struct {
        /// The fields.
        fields: Box<[FieldLayout]>,
        /// Bytes of the non-reference fields (each aligned to its size).
        bytes: u32,
        /// Number of reference fields.
        refs: u32,
    },
    /// An array: its element (`at` is 0).
    Array(FieldLayout),
}

/// A defined type as the runtime sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct GcType {
    /// The canonical id: equal for structurally equal types of one engine.
    pub id: u32,
    /// The supertype display: canonical ids of the supertype chain, root
    /// first, ending with `id`. Its length minus one is the type's depth.
    pub display: Box<[u32]>,
    /// Whether the type is final.
    pub is_final: bool,
    /// Its shape and object layout.
    pub composite: GcComposite,
    /// The type's index in the module this descriptor was made for (for
    /// printing: `(ref $3 ...)`).
    pub module_index: u32,
}

impl GcType {
    /// Whether this type is a subtype of `other` (both of the same engine):
    /// a bounds check and a compare on the display.
    #[inline]
    pub fn is_subtype_of(&self, other: &GcType) -> bool {
        self.display.get(other.display.len() - 1) == Some(&other.id)
    }

    /// Whether it is a struct type.
    pub fn is_struct(&self) -> bool {
        matches!(self.composite, GcComposite::Struct { .. })
    }

    /// Whether it is an array type.
    pub fn is_array(&self) -> bool {
        matches!(self.composite, GcComposite::Array(_))
    }
}

/// The engine-wide registry of canonical types: the validator's
/// [`weft_validate::TypeRegistry`], shared by every module of the engine.
#[derive(Debug, Default)]
pub struct TypeRegistry {
    inner: Mutex<weft_validate::TypeRegistry>,
}

impl TypeRegistry {
    /// The runtime types of a module's type section, in order. Types a
    /// validated module cannot contain (forward references out of their
    /// group, bad supertypes) get ids of their own rather than a panic.
    pub fn register(&self, types: &[SubType]) -> Vec<Arc<GcType>> {
        let mut reg = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let ids = reg.intern_types(types);
        types
            .iter()
            .zip(ids)
            .enumerate()
            .map(|(index, (t, id))| {
                Arc::new(GcType {
                    id: id.0,
                    display: reg.get(id).supertypes.iter().map(|s| s.0).collect(),
                    is_final: t.is_final,
                    composite: layout(&t.composite, types),
                    module_index: index as u32,
                })
            })
            .collect()
    }
}

/// The null of the hierarchy a heap type belongs to, resolving defined
/// types through the module's `types`.
pub fn null_of(heap: HeapType, types: &[SubType]) -> Val {
    match heap {
        HeapType::Concrete(i) => match types.get(i as usize).map(|t| &t.composite) {
            Some(CompositeType::Struct(_) | CompositeType::Array(_)) => Val::AnyRef(None),
            _ => Val::FuncRef(None),
        },
        h => Val::null_of(h),
    }
}

/// The default value of a value type, resolving defined types through `types`.
pub fn default_of(ty: ValType, types: &[SubType]) -> Val {
    match ty {
        ValType::Ref(r) => null_of(r.heap, types),
        t => Val::default_for(t),
    }
}

fn field_default(s: StorageType, types: &[SubType]) -> Val {
    match s {
        StorageType::I8 | StorageType::I16 => Val::I32(0),
        StorageType::Val(t) => default_of(t, types),
    }
}

fn layout(c: &CompositeType, types: &[SubType]) -> GcComposite {
    match c {
        CompositeType::Func(_) => GcComposite::Func,
        CompositeType::Struct(fs) => {
            let (mut bytes, mut refs) = (0u32, 0u32);
            let mut fields: Vec<FieldLayout> = Vec::with_capacity(fs.len());
            // Reference fields go to `refs` in order; the others are packed
            // into `bytes`, each aligned to its own size.
            for f in fs.iter() {
                let size = storage_size(f.storage);
                let at = if size == 0 {
                    refs += 1;
                    refs - 1
                } else {
                    bytes = bytes.div_ceil(size) * size;
                    bytes += size;
                    bytes - size
                };
                fields.push(FieldLayout {
                    storage: f.storage,
                    mutable: f.mutable,
                    at,
                    default: field_default(f.storage, types),
                });
            }
            GcComposite::Struct { fields: fields.into(), bytes, refs }
        }
        CompositeType::Array(f) => GcComposite::Array(FieldLayout {
            storage: f.storage,
            mutable: f.mutable,
            at: 0,
            default: field_default(f.storage, types),
        }),
    }
}
