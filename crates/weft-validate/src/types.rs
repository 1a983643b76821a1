//! Types in validation (spec 3.2): which value types the enabled features
//! allow, type equivalence of defined types, and subtyping / matching
//! (spec 3.3, "Matching").
//!
//! Conventions: `t` is a value type, `rt` a reference type, `ht` a heap
//! type, `x` a type index. Defined types are interned recursion group by
//! recursion group into a [`TypeRegistry`] (see `gc/mod.rs`), so two defined
//! types are equivalent exactly when their canonical ids are equal, and
//! declared subtyping is a lookup in the supertype display.

use weft_decode::{CompositeType, Features, FuncType, HeapType, Module, RefType, StorageType, SubType, ValType};

use crate::gc::{TypeId, TypeRegistry};
use crate::{ValidationError, err};

/// The module's defined types with their canonical ids.
pub(crate) struct TypeContext<'m> {
    module: &'m Module,
    features: Features,
    /// The module's types, interned.
    registry: TypeRegistry,
    /// `canon[x]`: type `x`'s id in `registry`.
    canon: Vec<TypeId>,
}

impl<'m> TypeContext<'m> {
    /// Checks every type definition, recursion group by recursion group,
    /// and computes canonical ids (spec 3.2.x, recursive types).
    pub(crate) fn new(module: &'m Module, offset: usize) -> Result<Self, ValidationError> {
        let features = module.features();
        let mut ctx = TypeContext {
            module,
            features,
            registry: TypeRegistry::new(),
            canon: Vec::with_capacity(module.types.len()),
        };
        let types = &module.types;
        let mut start = 0;
        while start < types.len() {
            let len = (types[start].rec_group_len as usize).clamp(1, types.len() - start);
            let group = &types[start..start + len];
            for sub in group {
                ctx.check_sub_type(sub, (start + len - 1) as u32, offset)?;
            }
            let mut canon = std::mem::take(&mut ctx.canon);
            ctx.registry.intern_group(group, &mut canon);
            ctx.canon = canon;
            ctx.check_sub_types(start, group, offset)?;
            start += len;
        }
        Ok(ctx)
    }

    /// One type definition on its own: its feature, its value types (which
    /// may refer up to `max_index`, the end of its recursion group) and the
    /// limits on function types.
    fn check_sub_type(&self, sub: &SubType, max_index: u32, offset: usize) -> Result<(), ValidationError> {
        let f = self.features;
        if !f.gc && (sub.rec_group_len != 1 || !sub.is_final || sub.supertype_count != 0) {
            require(false, "GC (recursion groups and subtype declarations)", offset)?;
        }
        if let Some(s) = sub.supertype.filter(|&s| s as usize >= self.len()) {
            return Err(err(format!("unknown type {s}"), offset));
        }
        match &sub.composite {
            CompositeType::Func(func) => {
                if func.params().len() > crate::limits::MAX_PARAMS {
                    return Err(err("too many function parameters", offset));
                }
                if func.results().len() > crate::limits::MAX_RESULTS {
                    return Err(err("too many function results", offset));
                }
                if !f.multi_value && func.results().len() > 1 {
                    return Err(err("invalid result arity: multiple results require the multi-value feature", offset));
                }
                for &t in func.params().iter().chain(func.results()) {
                    self.check_val_type_upto(t, max_index, offset)?;
                }
            }
            CompositeType::Struct(fields) => {
                require(f.gc, "GC (struct types)", offset)?;
                for ft in fields.iter() {
                    self.check_storage_upto(ft.storage, max_index, offset)?;
                }
            }
            CompositeType::Array(ft) => {
                require(f.gc, "GC (array types)", offset)?;
                self.check_storage_upto(ft.storage, max_index, offset)?;
            }
        }
        Ok(())
    }

    fn check_storage_upto(&self, st: StorageType, max_index: u32, offset: usize) -> Result<(), ValidationError> {
        match st {
            StorageType::Val(t) => self.check_val_type_upto(t, max_index, offset),
            StorageType::I8 | StorageType::I16 => Ok(()),
        }
    }

    /// The module whose types these are.
    pub(crate) fn module(&self) -> &'m Module {
        self.module
    }

    /// The canonical id of defined type `x`, if there is one.
    pub(crate) fn canonical(&self, x: u32) -> Option<TypeId> {
        self.canon.get(x as usize).copied()
    }

    /// The features the module is validated with.
    pub(crate) fn features(&self) -> Features {
        self.features
    }

    /// The number of defined types.
    pub(crate) fn len(&self) -> usize {
        self.module.types.len()
    }

    /// The function type at index `x`, or "unknown type".
    #[inline]
    pub(crate) fn func_type(&self, x: u32, offset: usize) -> Result<&'m FuncType, ValidationError> {
        match self.module.types.get(x as usize).and_then(|t| t.as_func()) {
            Some(f) => Ok(f),
            None => Err(unknown("type", x, offset)),
        }
    }

    /// Checks that a value type is well-formed and its feature enabled.
    pub(crate) fn check_val_type(&self, t: ValType, offset: usize) -> Result<(), ValidationError> {
        self.check_val_type_upto(t, u32::MAX, offset)
    }

    fn check_val_type_upto(&self, t: ValType, max_index: u32, offset: usize) -> Result<(), ValidationError> {
        match t {
            ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64 => Ok(()),
            ValType::V128 => require(self.features.simd, "SIMD", offset),
            ValType::Ref(rt) => self.check_ref_type_upto(rt, max_index, offset),
        }
    }

    /// Checks that a reference type is well-formed and its feature enabled.
    pub(crate) fn check_ref_type(&self, rt: RefType, offset: usize) -> Result<(), ValidationError> {
        self.check_ref_type_upto(rt, u32::MAX, offset)
    }

    fn check_ref_type_upto(&self, rt: RefType, max_index: u32, offset: usize) -> Result<(), ValidationError> {
        let f = self.features;
        if !rt.nullable {
            require(f.function_references || f.gc, "typed function references", offset)?;
        }
        self.check_heap_type_upto(rt.heap, max_index, offset)
    }

    /// Checks that a heap type is well-formed and its feature enabled.
    pub(crate) fn check_heap_type(&self, ht: HeapType, offset: usize) -> Result<(), ValidationError> {
        self.check_heap_type_upto(ht, u32::MAX, offset)
    }

    fn check_heap_type_upto(&self, ht: HeapType, max_index: u32, offset: usize) -> Result<(), ValidationError> {
        let f = self.features;
        match ht {
            // (`funcref` as the element type of MVP tables is allowed by the
            // caller, `check_table_type`.)
            HeapType::Func | HeapType::Extern => require(f.reference_types, "reference types", offset),
            // Exception handling brings `exnref` and its bottom `nullexnref`.
            HeapType::Exn | HeapType::NoExn => require(f.exceptions, "exception handling", offset),
            // The other bottom types came with GC, not with typed function references.
            HeapType::NoFunc | HeapType::NoExtern => require(f.gc, "GC (the heap types nofunc and noextern)", offset),
            HeapType::Concrete(i) => {
                require(f.function_references || f.gc, "typed function references", offset)?;
                if i as usize >= self.len() || (max_index != u32::MAX && i > max_index) {
                    Err(err(format!("unknown type {i}"), offset))
                } else {
                    Ok(())
                }
            }
            HeapType::Any | HeapType::Eq | HeapType::I31 | HeapType::Struct | HeapType::Array | HeapType::None => {
                require(f.gc, "GC (the heap types any, eq, i31, struct, array and none)", offset)
            }
        }
    }

    /// `t1 <: t2` (spec 3.3, value type matching).
    #[inline]
    pub(crate) fn val_subtype(&self, t1: ValType, t2: ValType) -> bool {
        if t1 == t2 {
            return true;
        }
        match (t1, t2) {
            (ValType::Ref(r1), ValType::Ref(r2)) => self.ref_subtype(r1, r2),
            _ => false,
        }
    }

    /// `rt1 <: rt2`.
    pub(crate) fn ref_subtype(&self, r1: RefType, r2: RefType) -> bool {
        (!r1.nullable || r2.nullable) && self.heap_subtype(r1.heap, r2.heap)
    }

    /// `ht1 <: ht2` (spec 3.3, heap type matching): the abstract lattice
    /// `none <: i31, struct, array <: eq <: any`, `nofunc <: func`,
    /// `noextern <: extern`, `noexn <: exn`, defined types below the
    /// abstract type of their kind and below their declared supertypes.
    pub(crate) fn heap_subtype(&self, h1: HeapType, h2: HeapType) -> bool {
        use HeapType::*;
        if h1 == BOTTOM_HEAP || h1 == h2 {
            return true;
        }
        match (h1, h2) {
            (Concrete(a), Concrete(b)) => match (self.canonical(a), self.canonical(b)) {
                (Some(a), Some(b)) => self.registry.is_subtype(a, b),
                _ => false,
            },
            (Concrete(a), abs) => match self.module.types.get(a as usize).map(|t| &t.composite) {
                Some(CompositeType::Func(_)) => abs == Func,
                Some(CompositeType::Struct(_)) => matches!(abs, Struct | Eq | Any),
                Some(CompositeType::Array(_)) => matches!(abs, Array | Eq | Any),
                Option::None => false,
            },
            (NoFunc, Func) => true,
            (NoFunc, Concrete(b)) => self.is_func(b),
            (None, Concrete(b)) => self.module.types.get(b as usize).is_some_and(|t| t.as_func().is_none()),
            (NoExtern, Extern) | (NoExn, Exn) => true,
            (None, Any | Eq | I31 | Struct | Array) | (I31 | Struct | Array, Any | Eq) | (Eq, Any) => true,
            _ => false,
        }
    }

    fn is_func(&self, x: u32) -> bool {
        self.module.types.get(x as usize).is_some_and(|t| t.as_func().is_some())
    }

    /// Whether every `a[i] <: b[i]` and the lengths agree.
    pub(crate) fn result_subtype(&self, a: &[ValType], b: &[ValType]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| self.val_subtype(x, y))
    }
}

/// The heap type of a reference popped from the polymorphic stack (the
/// spec's `bot`): below every heap type. No defined type has this index
/// (there are at most a million), and it never leaves the operand stack.
pub const BOTTOM_HEAP: HeapType = HeapType::Concrete(u32::MAX);

/// Whether a value type has a default value (spec 3.2: defaultable).
pub(crate) fn is_defaultable(t: ValType) -> bool {
    match t {
        ValType::Ref(rt) => rt.nullable,
        _ => true,
    }
}

/// Fails with "... support is not enabled" when `enabled` is false.
#[inline]
pub(crate) fn require(enabled: bool, what: &str, offset: usize) -> Result<(), ValidationError> {
    if enabled { Ok(()) } else { Err(err(format!("{what} support is not enabled"), offset)) }
}

/// "unknown {what} {x}", built out of line so the lookups that may fail
/// with it inline.
#[cold]
#[inline(never)]
pub(crate) fn unknown(what: &str, x: u32, offset: usize) -> ValidationError {
    err(format!("unknown {what} {x}"), offset)
}
