//! The 64-bit raw encoding of references: what a reference field of a GC
//! object holds (8 bytes), and what the threaded engine keeps in a slot.
//!
//! A raw word does not say which hierarchy it belongs to: the field's or
//! slot's static type does ([`Hierarchy`]). Nor which store: the heap or
//! frame holding it does. Within one hierarchy the encoding is canonical,
//! so `ref.eq` is `a == b` on the words.
//!
//! # `any` and `extern` share one encoding
//!
//! ```text
//! 0                                   null (of every hierarchy)
//! bits << 1 | 1                       i31 (the low 31 bits of `bits`)
//! gen << 32 | index << 2 | 0b10       a heap object: slot index < 2^30, the
//!                                     slot's generation (top bit: array)
//! (e + 1) << 2                        host data ExternRef(e), e < 2^61 - 1
//! 1 << 63 | k << 2                    host data number k of the heap's
//!                                     table of larger host values
//! ```
//!
//! Host data is the same word whether it is an `externref` or internalized
//! into `any`, and an object or i31 is the same word whether it is an
//! `anyref` or externalized: `any.convert_extern` and `extern.convert_any`
//! are the identity on raw words, and only decoding differs
//! ([`GcHeap::decode`]): `extern` decodes host data as
//! [`Val::ExternRef`] and the rest as [`Val::Externalized`], `any` decodes
//! host data as [`AnyRef::Host`].
//!
//! # `func` and `exn`
//!
//! A function or exception instance is its store address plus one (0 is
//! null), as the threaded engine's slots have always held them.

use weft_decode::{HeapType, SubType};

use super::{AnyRef, GcHeap, GcRef};
use crate::exception::Exn;
use crate::func::Func;
use crate::store::{StoreId, Stored};
use crate::value::{ExternRef, Val};

/// The null reference of every hierarchy.
pub const NULL: u64 = 0;

/// The tag bits of an object word.
const OBJECT_TAG: u64 = 0b10;
/// Bit 63 of a host word: the value is in the heap's table of large host values.
const HOST_TABLE_BIT: u64 = 1 << 63;
/// The largest host value kept inline (`(e + 1) << 2` must stay below bit 63).
const HOST_INLINE_MAX: u64 = (1 << 61) - 2;
/// Slot indices an object word can hold.
pub const MAX_OBJECTS: u32 = 1 << 30;

/// Which reference hierarchy a raw word belongs to (from the static type
/// of the field or slot holding it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hierarchy {
    /// `funcref` and defined function types.
    Func,
    /// `externref` (host data, or externalized `any` references).
    Extern,
    /// `anyref`, `eqref`, `i31ref`, `structref`, `arrayref`, defined struct
    /// and array types.
    Any,
    /// `exnref`.
    Exn,
}

impl Hierarchy {
    /// The hierarchy of heap type `heap`, resolving defined types through
    /// the module's `types`.
    pub fn of(heap: HeapType, types: &[SubType]) -> Hierarchy {
        Hierarchy::of_null(&super::null_of(heap, types))
    }

    /// The hierarchy a (null or not) reference value belongs to; `None` for numbers.
    pub fn of_val(v: &Val) -> Option<Hierarchy> {
        Some(match v {
            Val::FuncRef(_) => Hierarchy::Func,
            Val::ExternRef(_) | Val::Externalized(_) => Hierarchy::Extern,
            Val::AnyRef(_) => Hierarchy::Any,
            Val::ExnRef(_) => Hierarchy::Exn,
            _ => return None,
        })
    }

    fn of_null(v: &Val) -> Hierarchy {
        Hierarchy::of_val(v).unwrap_or(Hierarchy::Func)
    }
}

/// The word of `ref.i31` of `bits` (only the low 31 bits count).
#[inline]
pub fn i31(bits: u32) -> u64 {
    (u64::from(bits & 0x7fff_ffff) << 1) | 1
}

/// The 31 bits of an i31 word, if `raw` is one.
#[inline]
pub fn i31_bits(raw: u64) -> Option<u32> {
    (raw & 1 == 1).then_some((raw >> 1) as u32 & 0x7fff_ffff)
}

/// The word of heap object `r` (its store is implied by where the word lives).
#[inline]
pub fn object(r: GcRef) -> u64 {
    (u64::from(r.generation) << 32) | (u64::from(r.index) << 2) | OBJECT_TAG
}

/// Whether `raw` (of the `any` or `extern` hierarchy) is a heap object.
#[inline]
pub fn is_object(raw: u64) -> bool {
    raw & 0b11 == OBJECT_TAG
}

/// The heap object of store `store` that `raw` refers to, if it is an object word.
#[inline]
pub fn to_object(raw: u64, store: StoreId) -> Option<GcRef> {
    is_object(raw).then_some(GcRef {
        store,
        index: ((raw >> 2) & u64::from(MAX_OBJECTS - 1)) as u32,
        generation: (raw >> 32) as u32,
    })
}

/// The word of a non-null `any` reference whose host data, if any, is
/// small enough to be inline (every host value below 2^61 - 1); `None`
/// for host data that needs the heap's table ([`GcHeap::encode`]).
#[inline]
pub fn any_inline(a: AnyRef) -> Option<u64> {
    match a {
        AnyRef::I31(bits) => Some(i31(bits)),
        AnyRef::Object(r) => Some(object(r)),
        AnyRef::Host(e) => host_inline(e),
    }
}

/// The inline word of host value `e`, if it fits.
#[inline]
pub fn host_inline(e: ExternRef) -> Option<u64> {
    (e.0 <= HOST_INLINE_MAX).then(|| (e.0 + 1) << 2)
}

/// The word of function `f` or of null.
#[inline]
pub fn func(f: Option<Func>) -> u64 {
    f.map_or(NULL, |f| u64::from(f.0.index) + 1)
}

/// The word of exception instance `e` or of null.
#[inline]
pub fn exn(e: Option<Exn>) -> u64 {
    e.map_or(NULL, |e| u64::from(e.0.index) + 1)
}

impl GcHeap {
    /// The raw word of reference `v` (numbers give their low 64 bits).
    /// Host values too large to be inline are added to the heap's table
    /// of large host values (kept for the store's life: one entry per
    /// distinct value, so ref.eq stays a word compare).
    pub fn encode(&mut self, v: Val) -> u64 {
        match v {
            Val::I32(x) => u64::from(x as u32),
            Val::I64(x) => x as u64,
            Val::F32(b) => u64::from(b),
            Val::F64(b) => b,
            Val::V128(b) => b as u64,
            Val::FuncRef(f) => func(f),
            Val::ExnRef(e) => exn(e),
            Val::AnyRef(None) | Val::ExternRef(None) => NULL,
            Val::AnyRef(Some(a)) | Val::Externalized(a) => self.encode_any(a),
            Val::ExternRef(Some(e)) => self.encode_any(AnyRef::Host(e)),
        }
    }

    fn encode_any(&mut self, a: AnyRef) -> u64 {
        if let Some(raw) = any_inline(a) {
            return raw;
        }
        let AnyRef::Host(e) = a else { return NULL };
        let k = match self.large_hosts.get(&e.0) {
            Some(k) => *k,
            None => {
                let k = self.large_host_values.len() as u64;
                self.large_host_values.push(e.0);
                self.large_hosts.insert(e.0, k);
                k
            }
        };
        HOST_TABLE_BIT | (k << 2)
    }

    /// The reference of hierarchy `h` in store `store` whose word is `raw`.
    pub fn decode(&self, raw: u64, h: Hierarchy, store: StoreId) -> Val {
        match h {
            Hierarchy::Func => Val::FuncRef((raw != NULL).then(|| Func(Stored { store, index: (raw - 1) as u32 }))),
            Hierarchy::Exn => Val::ExnRef((raw != NULL).then(|| Exn(Stored { store, index: (raw - 1) as u32 }))),
            Hierarchy::Any => Val::AnyRef(self.decode_any(raw, store)),
            Hierarchy::Extern => match self.decode_any(raw, store) {
                None => Val::ExternRef(None),
                Some(AnyRef::Host(e)) => Val::ExternRef(Some(e)),
                Some(a) => Val::Externalized(a),
            },
        }
    }

    /// The `any` reference whose word is `raw` (`None` for null).
    #[inline]
    pub fn decode_any(&self, raw: u64, store: StoreId) -> Option<AnyRef> {
        if raw == NULL {
            None
        } else if let Some(bits) = i31_bits(raw) {
            Some(AnyRef::I31(bits))
        } else if let Some(r) = to_object(raw, store) {
            Some(AnyRef::Object(r))
        } else if raw & HOST_TABLE_BIT == 0 {
            Some(AnyRef::Host(ExternRef((raw >> 2) - 1)))
        } else {
            let k = ((raw & !HOST_TABLE_BIT) >> 2) as usize;
            Some(AnyRef::Host(ExternRef(self.large_host_values.get(k).copied().unwrap_or(0))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_any_and_extern_value_round_trips() {
        let mut heap = GcHeap::default();
        let store = crate::store::StoreId::for_tests();
        let r = GcRef { store, index: MAX_OBJECTS - 1, generation: 0x8000_0005 };
        let anys = [
            AnyRef::I31(0),
            AnyRef::I31(0x7fff_ffff),
            AnyRef::Object(r),
            AnyRef::Object(GcRef { store, index: 0, generation: 0 }),
            AnyRef::Host(ExternRef(0)),
            AnyRef::Host(ExternRef(HOST_INLINE_MAX)),
            AnyRef::Host(ExternRef(u64::MAX)),
            AnyRef::Host(ExternRef(HOST_INLINE_MAX + 1)),
        ];
        let mut words = Vec::new();
        for a in anys {
            let raw = heap.encode(Val::AnyRef(Some(a)));
            assert_ne!(raw, NULL, "{a:?}");
            assert_eq!(heap.decode(raw, Hierarchy::Any, store), Val::AnyRef(Some(a)));
            // extern.convert_any is the identity on words.
            let ext = heap.decode(raw, Hierarchy::Extern, store);
            match a {
                AnyRef::Host(e) => assert_eq!(ext, Val::ExternRef(Some(e))),
                a => assert_eq!(ext, Val::Externalized(a)),
            }
            assert_eq!(heap.encode(ext), raw);
            words.push(raw);
        }
        let mut unique = words.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), words.len(), "distinct references, distinct words");
        assert_eq!(heap.encode(Val::ExternRef(Some(ExternRef(u64::MAX)))), words[6], "large hosts interned");
        assert_eq!(heap.decode(NULL, Hierarchy::Any, store), Val::AnyRef(None));
        assert_eq!(heap.decode(NULL, Hierarchy::Extern, store), Val::ExternRef(None));
        let f = Val::FuncRef(Some(Func(Stored { store, index: 7 })));
        let raw = heap.encode(f);
        assert_eq!(heap.decode(raw, Hierarchy::Func, store), f);
        assert_eq!(heap.decode(NULL, Hierarchy::Exn, store), Val::ExnRef(None));
    }
}
