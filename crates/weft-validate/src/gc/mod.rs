//! Garbage collection in validation (Wasm 3.0, spec 3.2 and 3.3): recursive
//! type groups and their iso-recursive canonicalization ([`TypeRegistry`]),
//! declared subtyping of defined types, and the rules of the GC
//! instructions (`struct.*`, `array.*`, `ref.i31`, `i31.get_*`, `ref.eq`,
//! `ref.test`, `ref.cast`, `br_on_cast[_fail]`, `any.convert_extern`,
//! `extern.convert_any`), in function bodies and constant expressions.
//!
//! This file has the types; `instructions.rs` the rules of the function-body
//! instructions, `const_expr.rs` the constant ones, `explain.rs` their text
//! for `weft validate --explain`.
//!
//! Conventions: `x`, `y` are type (or segment) indices, `t` a value type,
//! `st` a storage type, `rt` a reference type, `ht` a heap type, `l` a
//! label depth. `unpack(st)` is `i32` for the packed `i8`/`i16`.
//!
//! # Canonical types
//!
//! Two defined types are equal (spec 3.3, "type equivalence") when their
//! recursion groups are the same after every type index outside the group
//! is replaced by its canonical type and every index inside the group by its
//! position in the group, and they sit at the same position. A
//! [`TypeRegistry`] interns recursion groups in that form and gives every
//! defined type a [`TypeId`]: equal ids exactly for equal types, in one
//! module or across all the modules interned into the same registry. Each
//! interned type keeps its *display*, the chain of its declared supertypes
//! from the root down to itself, so `a <: b` between defined types is one
//! bounds-checked array read ([`TypeRegistry::is_subtype`]), the technique
//! production engines use for casts.
//!
//! The validator interns each module into a registry of its own; an engine
//! keeps one registry for all its modules and uses the ids for run-time
//! casts and for checking imports and `call_indirect` across modules.

use std::collections::HashMap;

use weft_decode::{CompositeType, FieldType, FuncType, HeapType, Module, RefType, StorageType, SubType, ValType};

use crate::types::TypeContext;
use crate::{ValidationError, err};

mod const_expr;
mod explain;
mod instructions;

pub(crate) use const_expr::const_instr;
pub(crate) use explain::explain_rule;

type Result<T = ()> = std::result::Result<T, Box<ValidationError>>;

// ---------------------------------------------------------------------------
// Canonical type ids

/// A defined type's canonical id in a [`TypeRegistry`]: two defined types
/// are equivalent exactly when their ids in the same registry are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub u32);

/// A defined type as a [`TypeRegistry`] keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonType {
    /// The type with every `HeapType::Concrete` (and the supertype) being a
    /// [`TypeId`] of the same registry, and `rec_group_start` the id of the
    /// first type of its recursion group.
    pub sub: SubType,
    /// The display: the declared supertypes from the root of the chain down
    /// to the type itself (so the last entry is this type's id, and the
    /// length is the depth plus one).
    pub supertypes: Box<[TypeId]>,
}

impl CanonType {
    /// The number of declared supertypes above this type.
    pub fn depth(&self) -> usize {
        self.supertypes.len() - 1
    }

    /// The declared (direct) supertype, if any.
    pub fn supertype(&self) -> Option<TypeId> {
        self.supertypes.len().checked_sub(2).map(|i| self.supertypes[i])
    }
}

/// Interns recursion groups, once each, under their iso-recursive canonical
/// form; see the module docs.
///
/// ```
/// use weft_validate::{Features, TypeRegistry, validate_bytes};
/// let gc = Features { gc: true, ..Features::default() };
/// let a = wat::parse_str("(module (type $p (sub (struct (field i32)))) (type (array (ref $p))))").unwrap();
/// let b = wat::parse_str(
///     "(module (type (func)) (type $q (sub (struct (field i32)))) (type (array (ref $q)))
///              (type (sub $q (struct (field i32) (field f64)))))",
/// )
/// .unwrap();
/// let (a, _) = validate_bytes(&a, gc).unwrap();
/// let (b, _) = validate_bytes(&b, gc).unwrap();
/// let mut registry = TypeRegistry::new();
/// let ids_a = registry.intern_module(&a);
/// let ids_b = registry.intern_module(&b);
/// // The array types refer to equal structs, at different indices: equal.
/// assert_eq!(ids_a[1], ids_b[2]);
/// assert_ne!(ids_b[0], ids_b[1]);
/// // Type 3 of `b` declares the struct (of either module) its supertype.
/// assert!(registry.is_subtype(ids_b[3], ids_a[0]));
/// assert!(!registry.is_subtype(ids_a[0], ids_b[3]));
/// assert_eq!(registry.get(ids_b[3]).depth(), 1);
/// ```
#[derive(Debug, Default, Clone)]
pub struct TypeRegistry {
    /// Canonical group (indices inside the group marked with [`REC`]) to
    /// the id of its first type.
    groups: HashMap<Box<[SubType]>, TypeId>,
    types: Vec<CanonType>,
}

/// Marks a type index that is relative to its own recursion group in a
/// canonical group key; canonical ids stay below it.
const REC: u32 = 1 << 31;

impl TypeRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of distinct defined types interned.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether nothing was interned yet.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The interned type with id `id`.
    ///
    /// # Panics
    ///
    /// If `id` does not come from this registry.
    pub fn get(&self, id: TypeId) -> &CanonType {
        &self.types[id.0 as usize]
    }

    /// Interns every type of a **valid** module (see [`crate::validate`]);
    /// returns the canonical id of each of its type indices. Type indices
    /// that a valid module cannot have (forward or out of range) map to
    /// ids that compare unequal to everything else rather than panicking.
    pub fn intern_module(&mut self, module: &Module) -> Vec<TypeId> {
        self.intern_types(&module.types)
    }

    /// [`intern_module`](TypeRegistry::intern_module) of a module's type
    /// section `types` (the engine's registry interns each module's types
    /// through this, so validation and run time share one canonicalization).
    pub fn intern_types(&mut self, types: &[SubType]) -> Vec<TypeId> {
        let mut ids = Vec::with_capacity(types.len());
        let mut start = 0;
        while start < types.len() {
            let len = (types[start].rec_group_len as usize).clamp(1, types.len() - start);
            self.intern_group(&types[start..start + len], &mut ids);
            start += len;
        }
        ids
    }

    /// Interns one recursion group whose first type has index `ids.len()`,
    /// pushing the ids of its types onto `ids`.
    pub(crate) fn intern_group(&mut self, group: &[SubType], ids: &mut Vec<TypeId>) {
        let base = ids.len() as u32;
        let key: Box<[SubType]> = group
            .iter()
            .map(|sub| {
                map_sub(sub, 0, group.len() as u32, |i| match i.checked_sub(base) {
                    Some(rel) => REC | rel.min(REC - 1),
                    None => ids[i as usize].0,
                })
            })
            .collect();
        if let Some(&first) = self.groups.get(&key) {
            ids.extend((0..group.len() as u32).map(|j| TypeId(first.0 + j)));
            return;
        }
        let first = self.types.len() as u32;
        let resolve = |i: u32| if i & REC != 0 { first + (i & !REC) } else { i };
        for sub in key.iter() {
            let id = TypeId(self.types.len() as u32);
            let canon = map_sub(sub, first, group.len() as u32, resolve);
            let mut supertypes = match canon.supertype.filter(|&s| s < id.0) {
                Some(s) => self.types[s as usize].supertypes.to_vec(),
                None => Vec::new(),
            };
            supertypes.push(id);
            self.types.push(CanonType { sub: canon, supertypes: supertypes.into_boxed_slice() });
        }
        ids.extend((0..group.len() as u32).map(|j| TypeId(first + j)));
        self.groups.insert(key, TypeId(first));
    }

    /// Whether a value of defined type `id` matches heap type `ht`, where a
    /// concrete `ht` names a [`TypeId`] of this registry (see
    /// [`canonical_heap`]): the test of a run-time cast (`ref.test`,
    /// `ref.cast`, `br_on_cast`) on a non-null reference to an object or
    /// function of type `id`. `i31` values and host references have no
    /// defined type and are the caller's to match.
    pub fn matches_heap(&self, id: TypeId, ht: HeapType) -> bool {
        let Some(t) = self.types.get(id.0 as usize) else { return false };
        match ht {
            HeapType::Concrete(j) => self.is_subtype(id, TypeId(j)),
            HeapType::Func => matches!(t.sub.composite, CompositeType::Func(_)),
            HeapType::Struct => matches!(t.sub.composite, CompositeType::Struct(_)),
            HeapType::Array => matches!(t.sub.composite, CompositeType::Array(_)),
            HeapType::Eq | HeapType::Any => !matches!(t.sub.composite, CompositeType::Func(_)),
            _ => false,
        }
    }

    /// `a <: b` for defined types by their declared supertypes: `b` is in
    /// `a`'s display at `b`'s depth.
    #[inline]
    pub fn is_subtype(&self, a: TypeId, b: TypeId) -> bool {
        a == b || {
            let (Some(ta), Some(tb)) = (self.types.get(a.0 as usize), self.types.get(b.0 as usize)) else {
                return false;
            };
            ta.supertypes.get(tb.depth()) == Some(&b)
        }
    }
}

/// A module's heap type with a concrete type index replaced by its
/// canonical id, given the module's ids from
/// [`TypeRegistry::intern_module`]; abstract heap types are unchanged, and
/// an index out of range stays as it is.
pub fn canonical_heap(ids: &[TypeId], ht: HeapType) -> HeapType {
    match ht {
        HeapType::Concrete(i) => ids.get(i as usize).map_or(ht, |id| HeapType::Concrete(id.0)),
        ht => ht,
    }
}

/// `sub` with every type index mapped by `f`, and its group recorded as
/// starting at `group_start` with `group_len` types.
fn map_sub(sub: &SubType, group_start: u32, group_len: u32, f: impl Fn(u32) -> u32) -> SubType {
    let val = |t: ValType| match t {
        ValType::Ref(RefType { nullable, heap: HeapType::Concrete(i) }) if i != BOTTOM_INDEX => {
            ValType::Ref(RefType { nullable, heap: HeapType::Concrete(f(i)) })
        }
        t => t,
    };
    let field = |ft: &FieldType| FieldType {
        storage: match ft.storage {
            StorageType::Val(t) => StorageType::Val(val(t)),
            packed => packed,
        },
        mutable: ft.mutable,
    };
    let composite = match &sub.composite {
        CompositeType::Func(ft) => CompositeType::Func(FuncType::new(
            ft.params().iter().map(|&t| val(t)),
            ft.results().iter().map(|&t| val(t)),
        )),
        CompositeType::Struct(fields) => CompositeType::Struct(fields.iter().map(field).collect()),
        CompositeType::Array(ft) => CompositeType::Array(field(ft)),
    };
    SubType {
        is_final: sub.is_final,
        supertype: sub.supertype.map(&f),
        supertype_count: sub.supertype_count,
        composite,
        rec_group_start: group_start,
        rec_group_len: group_len,
    }
}

const BOTTOM_INDEX: u32 = u32::MAX;

// ---------------------------------------------------------------------------
// Type definitions (spec 3.2.x "Recursive types", "Sub types")

impl TypeContext<'_> {
    /// Checks a recursion group's subtype declarations once its types are
    /// interned: at most one supertype, declared before the type, not
    /// final, and with a matching composite type.
    pub(crate) fn check_sub_types(
        &self,
        first: usize,
        group: &[SubType],
        offset: usize,
    ) -> std::result::Result<(), ValidationError> {
        for (j, sub) in group.iter().enumerate() {
            let x = (first + j) as u32;
            if sub.supertype_count > 1 {
                return Err(err("multiple supertypes", offset));
            }
            let Some(s) = sub.supertype else { continue };
            if s >= x {
                return Err(err(format!("forward use of type {s} in sub type definition"), offset));
            }
            let sup = &self.module().types[s as usize];
            if sup.is_final {
                return Err(err(format!("sub type {x} has final super type {s}"), offset));
            }
            if !self.composite_subtype(&sub.composite, &sup.composite) {
                return Err(err(format!("sub type {x} does not match super type {s}"), offset));
            }
        }
        Ok(())
    }

    /// `ct1 <: ct2` (spec 3.3, composite type matching).
    fn composite_subtype(&self, c1: &CompositeType, c2: &CompositeType) -> bool {
        match (c1, c2) {
            (CompositeType::Func(f1), CompositeType::Func(f2)) => {
                self.result_subtype(f2.params(), f1.params()) && self.result_subtype(f1.results(), f2.results())
            }
            (CompositeType::Struct(a), CompositeType::Struct(b)) => {
                a.len() >= b.len() && a.iter().zip(b.iter()).all(|(x, y)| self.field_subtype(*x, *y))
            }
            (CompositeType::Array(a), CompositeType::Array(b)) => self.field_subtype(*a, *b),
            _ => false,
        }
    }

    /// Field matching: same mutability; a mutable field's storage type is
    /// invariant, an immutable one's covariant.
    fn field_subtype(&self, a: FieldType, b: FieldType) -> bool {
        a.mutable == b.mutable
            && self.storage_subtype(a.storage, b.storage)
            && (!a.mutable || self.storage_subtype(b.storage, a.storage))
    }

    /// `st1 <: st2`: packed types match only themselves.
    pub(crate) fn storage_subtype(&self, a: StorageType, b: StorageType) -> bool {
        match (a, b) {
            (StorageType::Val(t1), StorageType::Val(t2)) => self.val_subtype(t1, t2),
            (a, b) => a == b,
        }
    }

    /// The composite type of defined type `x`, or "unknown type".
    pub(crate) fn composite(&self, x: u32, offset: usize) -> Result<&CompositeType> {
        match self.module().types.get(x as usize) {
            Some(sub) => Ok(&sub.composite),
            None => Err(Box::new(err(format!("unknown type {x}"), offset))),
        }
    }

    /// The fields of struct type `x`.
    pub(super) fn struct_fields(&self, x: u32, offset: usize) -> Result<&[FieldType]> {
        match self.composite(x, offset)? {
            CompositeType::Struct(fields) => Ok(fields),
            _ => Err(Box::new(err(format!("type mismatch: type {x} is not a struct type"), offset))),
        }
    }

    /// The element field of array type `x`.
    pub(super) fn array_field(&self, x: u32, offset: usize) -> Result<FieldType> {
        match self.composite(x, offset)? {
            CompositeType::Array(ft) => Ok(*ft),
            _ => Err(Box::new(err(format!("type mismatch: type {x} is not an array type"), offset))),
        }
    }

    /// The abstract heap type at the top of `ht`'s hierarchy: `any`,
    /// `func`, `extern` or `exn`.
    pub(crate) fn top_heap(&self, ht: HeapType) -> HeapType {
        use HeapType::*;
        match ht {
            Func | NoFunc => Func,
            Extern | NoExtern => Extern,
            Exn | NoExn => Exn,
            Any | Eq | I31 | Struct | Array | None => Any,
            Concrete(x) => match self.module().types.get(x as usize).map(|t| &t.composite) {
                Some(CompositeType::Func(_)) => Func,
                Some(_) => Any,
                Option::None => ht,
            },
        }
    }
}

/// `unpack(st)`.
pub(crate) fn unpack(st: StorageType) -> ValType {
    match st {
        StorageType::Val(t) => t,
        StorageType::I8 | StorageType::I16 => ValType::I32,
    }
}

/// `(ref x)`.
pub(super) fn ref_to(x: u32) -> ValType {
    ValType::Ref(RefType { nullable: false, heap: HeapType::Concrete(x) })
}

/// `(ref null ht)`.
pub(super) fn ref_null(heap: HeapType) -> ValType {
    ValType::Ref(RefType { nullable: true, heap })
}

/// `rt1 \ rt2`: what is left of `rt1` when `rt2` is taken out; only the
/// nullability can change.
pub(super) fn ref_diff(rt1: RefType, rt2: RefType) -> RefType {
    RefType { nullable: rt1.nullable && !rt2.nullable, heap: rt1.heap }
}
