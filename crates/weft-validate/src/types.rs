//! Types in validation (spec 3.2): which value types the enabled features
//! allow, type equivalence of defined types, and subtyping / matching
//! (spec 3.3, "Matching").
//!
//! Conventions: `t` is a value type, `rt` a reference type, `ht` a heap
//! type, `x` a type index. Without GC every defined type is a final
//! function type in a recursion group of its own, so two defined types are
//! equivalent exactly when their canonical ids (computed once per module in
//! [`TypeContext::new`]) are equal.

use std::collections::HashMap;

use weft_decode::{CompositeType, Features, FuncType, HeapType, Module, RefType, ValType};

use crate::{ValidationError, err};

/// The module's defined types with their canonical ids.
pub(crate) struct TypeContext<'m> {
    module: &'m Module,
    features: Features,
    /// `canon[x]`: equal for equivalent types.
    canon: Vec<u32>,
}

/// A value type in a canonical key: concrete indices are replaced by
/// canonical ids (or `u32::MAX` for a reference to the type itself).
type Key = (Vec<ValType>, usize);

impl<'m> TypeContext<'m> {
    /// Checks every type definition and computes canonical ids.
    pub(crate) fn new(module: &'m Module, offset: usize) -> Result<Self, ValidationError> {
        let features = module.features();
        let mut ctx = TypeContext { module, features, canon: Vec::with_capacity(module.types.len()) };
        let mut seen: HashMap<Key, u32> = HashMap::new();
        for (x, sub) in module.types.iter().enumerate() {
            if sub.rec_group_len != 1 || !sub.is_final || sub.supertype.is_some() {
                return Err(err(gc_unsupported("recursion groups and subtype declarations"), offset));
            }
            let func = match &sub.composite {
                CompositeType::Func(f) => f,
                CompositeType::Struct(_) | CompositeType::Array(_) => {
                    return Err(err(gc_unsupported("struct and array types"), offset));
                }
            };
            if func.params().len() > crate::limits::MAX_PARAMS {
                return Err(err("too many function parameters", offset));
            }
            if func.results().len() > crate::limits::MAX_RESULTS {
                return Err(err("too many function results", offset));
            }
            if !features.multi_value && func.results().len() > 1 {
                return Err(err("invalid result arity: multiple results require the multi-value feature", offset));
            }
            let mut key = Vec::with_capacity(func.params().len() + func.results().len());
            for &t in func.params().iter().chain(func.results()) {
                // A type may refer to itself (its own recursion group) and to
                // the types before it.
                ctx.check_val_type_upto(t, x as u32, offset)?;
                key.push(ctx.canonical_val(t, x as u32));
            }
            let next = seen.len() as u32;
            let id = *seen.entry((key, func.params().len())).or_insert(next);
            ctx.canon.push(id);
        }
        Ok(ctx)
    }

    fn canonical_val(&self, t: ValType, self_index: u32) -> ValType {
        match t {
            ValType::Ref(RefType { nullable, heap: HeapType::Concrete(i) }) => {
                let id = if i == self_index { u32::MAX } else { self.canon[i as usize] };
                ValType::Ref(RefType { nullable, heap: HeapType::Concrete(id) })
            }
            t => t,
        }
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
    pub(crate) fn func_type(&self, x: u32, offset: usize) -> Result<&'m FuncType, ValidationError> {
        match self.module.types.get(x as usize).and_then(|t| t.as_func()) {
            Some(f) => Ok(f),
            None => Err(err(format!("unknown type {x}"), offset)),
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
            require(f.function_references, "typed function references", offset)?;
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
            HeapType::NoFunc | HeapType::NoExtern => {
                Err(err(gc_unsupported("the bottom heap types nofunc and noextern"), offset))
            }
            HeapType::Concrete(i) => {
                require(f.function_references, "typed function references", offset)?;
                if i as usize >= self.len() || (max_index != u32::MAX && i > max_index) {
                    Err(err(format!("unknown type {i}"), offset))
                } else {
                    Ok(())
                }
            }
            HeapType::Any | HeapType::Eq | HeapType::I31 | HeapType::Struct | HeapType::Array | HeapType::None => {
                Err(err(gc_unsupported("GC heap types"), offset))
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

    /// `ht1 <: ht2`.
    pub(crate) fn heap_subtype(&self, h1: HeapType, h2: HeapType) -> bool {
        use HeapType::*;
        if h1 == BOTTOM_HEAP {
            return true;
        }
        match (h1, h2) {
            (Concrete(a), Concrete(b)) => a == b || self.canon.get(a as usize) == self.canon.get(b as usize),
            (a, b) if a == b => true,
            (Concrete(a), Func) => self.is_func(a),
            (NoFunc, Func) => true,
            (NoFunc, Concrete(b)) => self.is_func(b),
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
pub(crate) const BOTTOM_HEAP: HeapType = HeapType::Concrete(u32::MAX);

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

/// The error text for GC constructs, which weft does not validate yet.
pub(crate) fn gc_unsupported(what: &str) -> String {
    format!("{what} require the GC proposal, which weft does not support yet")
}
