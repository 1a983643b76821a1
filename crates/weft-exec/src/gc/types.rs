//! Runtime type descriptors for GC objects, and the engine-wide registry
//! that gives every defined type a canonical id.
//!
//! A type index means nothing outside its module, so the runtime interns
//! each type by its iso-recursive structure (spec 3.2 "closed types"):
//! a recursion group is keyed by its types with references into the group
//! written `Rec(k)` and references to earlier groups written as those
//! types' canonical ids. Keys are flat (ids, never nested types), so
//! interning never recurses, whatever the depth of the type graph.
//! Structurally equal types of any two modules of one engine get the same
//! id, and type equality is an integer compare.
//!
//! Each type also gets its **supertype display**: the ids of its declared
//! supertype chain, root first, ending with itself. `t <: u` for defined
//! types is `display(t).get(depth(u)) == Some(id(u))`: one bounds check and
//! one compare, as in production engines.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use weft_decode::{CompositeType, HeapType, StorageType, SubType, ValType};

use crate::value::Val;

/// A heap type in a registry key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeyHeap {
    Abstract(HeapType),
    /// The `k`th type of the same recursion group.
    Rec(u32),
    /// An earlier group's type, by canonical id.
    Id(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeyVal {
    Plain(ValType),
    Ref(bool, KeyHeap),
    Packed(u8),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyComposite {
    Func(Box<[KeyVal]>, Box<[KeyVal]>),
    Struct(Box<[(KeyVal, bool)]>),
    Array(KeyVal, bool),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct KeySub {
    is_final: bool,
    supertype: Option<KeyHeap>,
    composite: KeyComposite,
}

/// Where a field lives in an object and what it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldLayout {
    /// What the field stores (type indices are the defining module's).
    pub storage: StorageType,
    /// Whether it can be written.
    pub mutable: bool,
    /// Its byte offset in [`GcObject::bytes`](super::GcObject), or for a
    /// reference field its index in [`GcObject::refs`](super::GcObject).
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

/// The engine-wide registry of canonical types.
#[derive(Debug, Default)]
pub struct TypeRegistry {
    inner: Mutex<RegistryInner>,
}

#[derive(Debug, Default)]
struct RegistryInner {
    /// The first id of each interned recursion group.
    groups: HashMap<Box<[KeySub]>, u32>,
    /// The display of each id.
    displays: Vec<Arc<[u32]>>,
}

impl TypeRegistry {
    /// The runtime types of a module's type section, in order. Types a
    /// validated module cannot contain (forward references out of their
    /// group, bad supertypes) get ids of their own rather than a panic.
    pub fn register(&self, types: &[SubType]) -> Vec<Arc<GcType>> {
        let mut reg = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut ids: Vec<u32> = Vec::with_capacity(types.len());
        let mut i = 0;
        while i < types.len() {
            let start = (types[i].rec_group_start as usize).min(i);
            let len = (types[i].rec_group_len as usize).max(1);
            let end = (start + len).min(types.len()).max(i + 1);
            let heap = |h: HeapType, ids: &[u32]| match h {
                HeapType::Concrete(j) => {
                    let j = j as usize;
                    if j >= start && j < end {
                        KeyHeap::Rec((j - start) as u32)
                    } else if let Some(id) = ids.get(j) {
                        KeyHeap::Id(*id)
                    } else {
                        KeyHeap::Rec(u32::MAX - j as u32)
                    }
                }
                h => KeyHeap::Abstract(h),
            };
            let val = |t: ValType, ids: &[u32]| match t {
                ValType::Ref(r) => KeyVal::Ref(r.nullable, heap(r.heap, ids)),
                t => KeyVal::Plain(t),
            };
            let storage = |s: StorageType, ids: &[u32]| match s {
                StorageType::I8 => KeyVal::Packed(8),
                StorageType::I16 => KeyVal::Packed(16),
                StorageType::Val(t) => val(t, ids),
            };
            let key: Box<[KeySub]> = types[i..end]
                .iter()
                .map(|t| KeySub {
                    is_final: t.is_final,
                    supertype: t.supertype.map(|s| heap(HeapType::Concrete(s), &ids)),
                    composite: match &t.composite {
                        CompositeType::Func(f) => KeyComposite::Func(
                            f.params().iter().map(|t| val(*t, &ids)).collect(),
                            f.results().iter().map(|t| val(*t, &ids)).collect(),
                        ),
                        CompositeType::Struct(fs) => {
                            KeyComposite::Struct(fs.iter().map(|f| (storage(f.storage, &ids), f.mutable)).collect())
                        }
                        CompositeType::Array(f) => KeyComposite::Array(storage(f.storage, &ids), f.mutable),
                    },
                })
                .collect();
            let first = match reg.groups.get(&key) {
                Some(first) => *first,
                None => {
                    let first = reg.displays.len() as u32;
                    // Displays of a new group: supertypes precede their subtypes
                    // (validation), so walk the group in order.
                    let mut group_displays: Vec<Arc<[u32]>> = Vec::with_capacity(key.len());
                    for (k, sub) in key.iter().enumerate() {
                        let id = first + k as u32;
                        let mut display: Vec<u32> = match sub.supertype {
                            Some(KeyHeap::Id(s)) => reg.displays.get(s as usize).map_or(Vec::new(), |d| d.to_vec()),
                            Some(KeyHeap::Rec(r)) if (r as usize) < k => group_displays[r as usize].to_vec(),
                            _ => Vec::new(),
                        };
                        display.push(id);
                        group_displays.push(display.into());
                    }
                    reg.displays.extend(group_displays);
                    reg.groups.insert(key, first);
                    first
                }
            };
            for k in 0..(end - i) {
                ids.push(first + (i - start + k) as u32);
            }
            i = end;
        }
        types
            .iter()
            .enumerate()
            .map(|(index, t)| {
                let id = ids[index];
                let display = reg.displays[id as usize].to_vec().into_boxed_slice();
                Arc::new(GcType {
                    id,
                    display,
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
