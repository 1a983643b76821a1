//! Canonical types: module-independent forms of defined types, so two
//! modules' types can be compared (import matching, `call_indirect`).
//!
//! A type index means nothing outside its module, so a function type that
//! mentions `(ref $t)` is compared by structure. This follows the spec's
//! iso-recursive type equivalence (3.2 "closed types", "type equivalence"):
//! a type is its whole recursion group plus its position in it; references
//! to earlier types are replaced by those types' canonical forms, references
//! into the same group by the relative index `Rec(k)`.

use std::sync::Arc;

use weft_decode::{CompositeType, FuncType, HeapType, StorageType, SubType, ValType};

/// A heap type with type indices resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CanonHeap {
    /// An abstract heap type (`func`, `extern`, ...).
    Abstract(HeapType),
    /// The `k`th type of the enclosing recursion group.
    Rec(u32),
    /// A type of an earlier recursion group.
    Type(Arc<CanonType>),
}

/// A value type with type indices resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CanonVal {
    /// A numeric or vector type.
    Plain(ValType),
    /// A reference type.
    Ref(bool, CanonHeap),
    /// A packed field type (`i8`, `i16`).
    Packed(u8),
}

/// A composite type with type indices resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CanonComposite {
    Func(Box<[CanonVal]>, Box<[CanonVal]>),
    Struct(Box<[(CanonVal, bool)]>),
    Array(CanonVal, bool),
}

/// One type of a recursion group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CanonSub {
    is_final: bool,
    supertype: Option<CanonHeap>,
    composite: CanonComposite,
}

/// A defined type: its recursion group and its position in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CanonType {
    group: Arc<[CanonSub]>,
    index: u32,
}

/// Canonicalizes every type of a module, in order.
pub fn canonicalize(types: &[SubType]) -> Vec<Arc<CanonType>> {
    let mut out: Vec<Arc<CanonType>> = Vec::with_capacity(types.len());
    let mut i = 0;
    while i < types.len() {
        let start = types[i].rec_group_start as usize;
        let len = (types[i].rec_group_len as usize).max(1);
        let end = (start + len).min(types.len()).max(i + 1);
        let heap = |h: HeapType| match h {
            HeapType::Concrete(j) => {
                let j = j as usize;
                if j >= start && j < end {
                    CanonHeap::Rec((j - start) as u32)
                } else if let Some(t) = out.get(j) {
                    CanonHeap::Type(t.clone())
                } else {
                    // A forward reference out of the group: invalid; keep it distinct.
                    CanonHeap::Rec(u32::MAX - j as u32)
                }
            }
            abstract_heap => CanonHeap::Abstract(abstract_heap),
        };
        let group: Arc<[CanonSub]> = types[i..end]
            .iter()
            .map(|t| CanonSub {
                is_final: t.is_final,
                supertype: t.supertype.map(|s| heap(HeapType::Concrete(s))),
                composite: composite(&t.composite, &heap),
            })
            .collect();
        for k in 0..(end - i) {
            out.push(Arc::new(CanonType { group: group.clone(), index: (i - start + k) as u32 }));
        }
        i = end;
    }
    out
}

/// The canonical form of a function type that stands alone (host functions):
/// any type index in it is kept as an opaque number.
pub fn canonicalize_func(ty: &FuncType) -> Arc<CanonType> {
    let sub = CanonSub {
        is_final: true,
        supertype: None,
        composite: composite(&CompositeType::Func(ty.clone()), &|h| match h {
            HeapType::Concrete(j) => CanonHeap::Rec(u32::MAX - j),
            h => CanonHeap::Abstract(h),
        }),
    };
    Arc::new(CanonType { group: Arc::from(vec![sub]), index: 0 })
}

/// The canonical form of a host function's type whose type indices name
/// types of a module (`types`, that module's canonical types): a
/// `(ref $point)` parameter is the module's `$point` by structure, so the
/// function matches imports of structurally equal types of any module.
pub fn canonicalize_func_in(ty: &FuncType, types: &[Arc<CanonType>]) -> Arc<CanonType> {
    let sub = CanonSub {
        is_final: true,
        supertype: None,
        composite: composite(&CompositeType::Func(ty.clone()), &|h| match h {
            HeapType::Concrete(j) => match types.get(j as usize) {
                Some(t) => CanonHeap::Type(t.clone()),
                None => CanonHeap::Rec(u32::MAX - j),
            },
            h => CanonHeap::Abstract(h),
        }),
    };
    Arc::new(CanonType { group: Arc::from(vec![sub]), index: 0 })
}

fn val(t: ValType, heap: &impl Fn(HeapType) -> CanonHeap) -> CanonVal {
    match t {
        ValType::Ref(r) => CanonVal::Ref(r.nullable, heap(r.heap)),
        t => CanonVal::Plain(t),
    }
}

fn storage(s: StorageType, heap: &impl Fn(HeapType) -> CanonHeap) -> CanonVal {
    match s {
        StorageType::I8 => CanonVal::Packed(8),
        StorageType::I16 => CanonVal::Packed(16),
        StorageType::Val(t) => val(t, heap),
    }
}

fn composite(c: &CompositeType, heap: &impl Fn(HeapType) -> CanonHeap) -> CanonComposite {
    match c {
        CompositeType::Func(f) => CanonComposite::Func(
            f.params().iter().map(|t| val(*t, heap)).collect(),
            f.results().iter().map(|t| val(*t, heap)).collect(),
        ),
        CompositeType::Struct(fields) => {
            CanonComposite::Struct(fields.iter().map(|f| (storage(f.storage, heap), f.mutable)).collect())
        }
        CompositeType::Array(f) => CanonComposite::Array(storage(f.storage, heap), f.mutable),
    }
}
