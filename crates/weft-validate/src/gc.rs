//! Garbage collection in validation (Wasm 3.0, spec 3.2 and 3.3): recursive
//! type groups and their iso-recursive canonicalization ([`TypeRegistry`]),
//! declared subtyping of defined types, and the rules of the GC
//! instructions (`struct.*`, `array.*`, `ref.i31`, `i31.get_*`, `ref.eq`,
//! `ref.test`, `ref.cast`, `br_on_cast[_fail]`, `any.convert_extern`,
//! `extern.convert_any`), in function bodies and constant expressions.
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

use weft_decode::{
    CastBranch, CompositeType, FieldType, FuncType, HeapType, Module, Operator, RefType, StorageType, SubType, ValType,
};

use crate::func::OpValidator;
use crate::types::{TypeContext, is_defaultable, require};
use crate::{ValidationError, err};

use ValType::I32;

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
        let mut ids = Vec::with_capacity(module.types.len());
        let mut start = 0;
        while start < module.types.len() {
            let len = (module.types[start].rec_group_len as usize).clamp(1, module.types.len() - start);
            self.intern_group(&module.types[start..start + len], &mut ids);
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
    fn struct_fields(&self, x: u32, offset: usize) -> Result<&[FieldType]> {
        match self.composite(x, offset)? {
            CompositeType::Struct(fields) => Ok(fields),
            _ => Err(Box::new(err(format!("type mismatch: type {x} is not a struct type"), offset))),
        }
    }

    /// The element field of array type `x`.
    fn array_field(&self, x: u32, offset: usize) -> Result<FieldType> {
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
        StorageType::I8 | StorageType::I16 => I32,
    }
}

/// `(ref x)`.
fn ref_to(x: u32) -> ValType {
    ValType::Ref(RefType { nullable: false, heap: HeapType::Concrete(x) })
}

/// `(ref null ht)`.
fn ref_null(heap: HeapType) -> ValType {
    ValType::Ref(RefType { nullable: true, heap })
}

/// `rt1 \ rt2`: what is left of `rt1` when `rt2` is taken out; only the
/// nullability can change.
fn ref_diff(rt1: RefType, rt2: RefType) -> RefType {
    RefType { nullable: rt1.nullable && !rt2.nullable, heap: rt1.heap }
}

// ---------------------------------------------------------------------------
// Instructions (spec 3.3.3 and 3.3.4: reference and aggregate instructions)

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
            Option::None => false,
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
            _ => return Option::None,
        })
    }
}

// ---------------------------------------------------------------------------
// Constant expressions (spec 3.3.10: the GC instructions that are constant)

/// The type a constant GC instruction leaves on `stack` after popping its
/// operands, or `None` if `op` is not a constant GC instruction.
pub(crate) fn const_instr(
    types: &TypeContext<'_>,
    op: &Operator<'_>,
    stack: &mut Vec<ValType>,
    at: usize,
) -> Option<std::result::Result<ValType, ValidationError>> {
    use Operator as O;
    match op {
        O::StructNew { .. }
        | O::StructNewDefault { .. }
        | O::ArrayNew { .. }
        | O::ArrayNewDefault { .. }
        | O::ArrayNewFixed { .. }
        | O::RefI31 {}
        | O::AnyConvertExtern {}
        | O::ExternConvertAny {} => Some(const_instr_type(types, op, stack, at)),
        _ => Option::None,
    }
}

fn const_instr_type(
    types: &TypeContext<'_>,
    op: &Operator<'_>,
    stack: &mut Vec<ValType>,
    at: usize,
) -> std::result::Result<ValType, ValidationError> {
    use Operator as O;
    require(types.features().gc, "GC", at)?;
    let pop = |stack: &mut Vec<ValType>, t: ValType| match stack.pop() {
        Some(actual) if types.val_subtype(actual, t) => Ok(()),
        _ => Err(err("type mismatch", at)),
    };
    match *op {
        O::StructNew { type_index: x } => {
            let fields = types.struct_fields(x, at).map_err(|e| *e)?;
            for ft in fields.iter().rev() {
                pop(stack, unpack(ft.storage))?;
            }
            Ok(ref_to(x))
        }
        O::StructNewDefault { type_index: x } => {
            let fields = types.struct_fields(x, at).map_err(|e| *e)?;
            if !fields.iter().all(|ft| is_defaultable(unpack(ft.storage))) {
                return Err(err("field type is not defaultable", at));
            }
            Ok(ref_to(x))
        }
        O::ArrayNew { type_index: x } => {
            let ft = types.array_field(x, at).map_err(|e| *e)?;
            pop(stack, I32)?;
            pop(stack, unpack(ft.storage))?;
            Ok(ref_to(x))
        }
        O::ArrayNewDefault { type_index: x } => {
            let ft = types.array_field(x, at).map_err(|e| *e)?;
            if !is_defaultable(unpack(ft.storage)) {
                return Err(err("array type is not defaultable", at));
            }
            pop(stack, I32)?;
            Ok(ref_to(x))
        }
        O::ArrayNewFixed { type_index: x, size } => {
            let ft = types.array_field(x, at).map_err(|e| *e)?;
            if size > crate::limits::MAX_ARRAY_NEW_FIXED {
                return Err(err("array.new_fixed has too many operands", at));
            }
            for _ in 0..size {
                pop(stack, unpack(ft.storage))?;
            }
            Ok(ref_to(x))
        }
        O::RefI31 {} => {
            pop(stack, I32)?;
            Ok(ValType::Ref(RefType { nullable: false, heap: HeapType::I31 }))
        }
        O::AnyConvertExtern {} | O::ExternConvertAny {} => {
            let (from, to) = if let O::AnyConvertExtern {} = op {
                (HeapType::Extern, HeapType::Any)
            } else {
                (HeapType::Any, HeapType::Extern)
            };
            match stack.pop() {
                Some(ValType::Ref(rt)) if types.heap_subtype(rt.heap, from) => {
                    Ok(ValType::Ref(RefType { nullable: rt.nullable, heap: to }))
                }
                _ => Err(err("type mismatch", at)),
            }
        }
        _ => Err(err("constant expression required", at)),
    }
}

// ---------------------------------------------------------------------------
// `weft validate --explain`: the rules of the GC instructions, with the
// types of the context filled in

/// `(struct (field i32) (field (mut i8)))`, `(array (mut (ref null 0)))`,
/// `(func (param i32))`.
pub(crate) struct CompositeText<'a>(pub(crate) &'a CompositeType);

impl std::fmt::Display for CompositeText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = |f: &mut std::fmt::Formatter<'_>, ft: &FieldType| {
            let st = match ft.storage {
                StorageType::I8 => "i8".to_string(),
                StorageType::I16 => "i16".to_string(),
                StorageType::Val(t) => t.to_string(),
            };
            if ft.mutable { write!(f, "(mut {st})") } else { f.write_str(&st) }
        };
        match self.0 {
            CompositeType::Func(ft) => write!(f, "{ft}"),
            CompositeType::Struct(fields) => {
                f.write_str("(struct")?;
                for ft in fields.iter() {
                    f.write_str(" (field ")?;
                    field(f, ft)?;
                    f.write_str(")")?;
                }
                f.write_str(")")
            }
            CompositeType::Array(ft) => {
                f.write_str("(array ")?;
                field(f, ft)?;
                f.write_str(")")
            }
        }
    }
}

/// The typing rule of a GC instruction for `weft validate --explain`, or
/// `None` if `op` is not one.
pub(crate) fn explain_rule(types: &TypeContext<'_>, op: &Operator<'_>) -> Option<String> {
    use Operator as O;
    let name = op.mnemonic();
    let ty = |x: u32| match types.module().types.get(x as usize) {
        Some(sub) => format!("type {x} is {}", CompositeText(&sub.composite)),
        None => format!("type {x} must exist"),
    };
    Some(match *op {
        O::StructNew { type_index: x } => format!("{name} {x} : [t*] -> [(ref {x})], the field values ({})", ty(x)),
        O::StructNewDefault { type_index: x } => {
            format!("{name} {x} : [] -> [(ref {x})], every field defaultable ({})", ty(x))
        }
        O::StructGet { type_index: x, field_index: y }
        | O::StructGetS { type_index: x, field_index: y }
        | O::StructGetU { type_index: x, field_index: y } => format!(
            "{name} {x} {y} : [(ref null {x})] -> [t], t the field's type (i32 for a packed field, which needs \
             the _s or _u form) ({})",
            ty(x)
        ),
        O::StructSet { type_index: x, field_index: y } => {
            format!("{name} {x} {y} : [(ref null {x}) t] -> [], the field mutable ({})", ty(x))
        }
        O::ArrayNew { type_index: x } => format!("{name} {x} : [t i32] -> [(ref {x})] ({})", ty(x)),
        O::ArrayNewDefault { type_index: x } => format!("{name} {x} : [i32] -> [(ref {x})] ({})", ty(x)),
        O::ArrayNewFixed { type_index: x, size } => {
            format!("{name} {x} {size} : [t^{size}] -> [(ref {x})] ({})", ty(x))
        }
        O::ArrayNewData { type_index: x, .. } | O::ArrayNewElem { type_index: x, .. } => {
            format!("{name} {x} : [i32 i32] -> [(ref {x})] ({})", ty(x))
        }
        O::ArrayGet { type_index: x } | O::ArrayGetS { type_index: x } | O::ArrayGetU { type_index: x } => {
            format!("{name} {x} : [(ref null {x}) i32] -> [t] ({})", ty(x))
        }
        O::ArraySet { type_index: x } => {
            format!("{name} {x} : [(ref null {x}) i32 t] -> [], the array mutable ({})", ty(x))
        }
        O::ArrayLen {} => format!("{name} : [(ref null array)] -> [i32]"),
        O::ArrayFill { type_index: x } => format!("{name} {x} : [(ref null {x}) i32 t i32] -> [] ({})", ty(x)),
        O::ArrayCopy { dst_type: x, src_type: y } => format!(
            "{name} {x} {y} : [(ref null {x}) i32 (ref null {y}) i32 i32] -> [], {y}'s elements matching {x}'s ({}; {})",
            ty(x),
            ty(y)
        ),
        O::ArrayInitData { type_index: x, .. } | O::ArrayInitElem { type_index: x, .. } => {
            format!("{name} {x} : [(ref null {x}) i32 i32 i32] -> [] ({})", ty(x))
        }
        O::RefTest { hty } => format!("{name} {} : [rt'] -> [i32], rt' of the same hierarchy", hty.ref_type()),
        O::RefTestNull { hty } => format!("{name} {} : [rt'] -> [i32], rt' of the same hierarchy", hty.ref_type()),
        O::RefCast { hty } => format!("{name} {0} : [rt'] -> [{0}], rt' of the same hierarchy", hty.ref_type()),
        O::RefCastNull { hty } => format!("{name} {0} : [rt'] -> [{0}], rt' of the same hierarchy", hty.ref_type()),
        O::BrOnCast { cast } | O::BrOnCastFail { cast } => format!(
            "{name} {} {} {} : [t* {}] -> [t* rt], the target type matching the source type, the label carrying \
             [t* rt'] with the branch's type matching rt'",
            cast.relative_depth, cast.from, cast.to, cast.from
        ),
        O::AnyConvertExtern {} => format!("{name} : [(ref null? extern)] -> [(ref null? any)]"),
        O::ExternConvertAny {} => format!("{name} : [(ref null? any)] -> [(ref null? extern)]"),
        O::RefI31 {} => format!("{name} : [i32] -> [(ref i31)]"),
        O::I31GetS {} | O::I31GetU {} => format!("{name} : [(ref null i31)] -> [i32]"),
        O::RefEq {} => format!("{name} : [(ref null eq) (ref null eq)] -> [i32]"),
        _ => return Option::None,
    })
}
