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
//! # `func`
//!
//! A function is its store address plus one (0 is null), as the threaded
//! engine's slots have always held them.
//!
//! # `exn`
//!
//! ```text
//! 0                                   null
//! index << 32 | gen << 2 | 0b11       exception instance `index` (its
//!                                     store address), whose entry's
//!                                     generation is `gen` (30 bits)
//! ```
//!
//! The collector scans the threaded engine's slots conservatively: a slot
//! word is a possible exception root when it has the tag `0b11`, its index
//! names an instance of the store, and the generation matches the one the
//! heap keeps for that entry ([`GcHeap::exn_generation`], bumped whenever
//! an instance is freed). A stale word (its instance freed, the entry maybe
//! reused) therefore keeps nothing, and a number that happens to match only
//! keeps a live instance alive one collection longer than needed: a false
//! match retains, it never frees or aliases anything. Object words (tag
//! `0b10`) are never taken for exception words and vice versa.

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
/// The tag bits of an exception word.
const EXN_TAG: u64 = 0b11;
/// The generation bits an exception word keeps.
pub const EXN_GENERATION_MASK: u32 = (1 << 30) - 1;
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

/// The slot index and generation (top bit: array) of an object word.
#[inline]
pub fn object_parts(raw: u64) -> Option<(u32, u32)> {
    is_object(raw).then_some((((raw >> 2) & u64::from(MAX_OBJECTS - 1)) as u32, (raw >> 32) as u32))
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

/// The word of exception instance `index` (a store address) whose entry's
/// generation is `generation`.
#[inline]
pub fn exn(index: u32, generation: u32) -> u64 {
    (u64::from(index) << 32) | (u64::from(generation & EXN_GENERATION_MASK) << 2) | EXN_TAG
}

/// The instance scanned word `raw` names, if its tag and generation
/// match entry generations `generations` (see "# `exn`").
#[inline]
pub(crate) fn exn_candidate(generations: &[u32], raw: u64) -> Option<u32> {
    let index = exn_index(raw);
    (is_exn(raw)
        && generations.get(index as usize).is_some_and(|g| g & EXN_GENERATION_MASK == exn_word_generation(raw)))
    .then_some(index)
}

/// Whether `raw` has an exception word's tag.
#[inline]
pub fn is_exn(raw: u64) -> bool {
    raw & 0b11 == EXN_TAG
}

/// The exception instance (store address) of a non-null `exnref` word.
#[inline]
pub fn exn_index(raw: u64) -> u32 {
    (raw >> 32) as u32
}

/// The generation an exception word was made with.
#[inline]
pub fn exn_word_generation(raw: u64) -> u32 {
    (raw >> 2) as u32 & EXN_GENERATION_MASK
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
            Val::ExnRef(e) => e.map_or(NULL, |e| self.exn_word(e.0.index)),
            Val::AnyRef(None) | Val::ExternRef(None) => NULL,
            Val::AnyRef(Some(a)) | Val::Externalized(a) => self.encode_any(a),
            Val::ExternRef(Some(e)) => self.encode_any(AnyRef::Host(e)),
        }
    }

    /// The word of exception instance `index` (a live store address).
    #[inline]
    pub fn exn_word(&self, index: u32) -> u64 {
        exn(index, self.exn_generation(index))
    }

    /// The generation of exception entry `index` (0 for one never freed).
    #[inline]
    pub fn exn_generation(&self, index: u32) -> u32 {
        self.exn_generations.get(index as usize).copied().unwrap_or(0)
    }

    /// Records that exception entry `index` was freed: words made for its
    /// instance no longer match it.
    pub(crate) fn exn_freed(&mut self, index: u32) {
        if self.exn_generations.len() <= index as usize {
            self.exn_generations.resize(index as usize + 1, 0);
        }
        self.exn_generations[index as usize] = self.exn_generations[index as usize].wrapping_add(1);
    }

    /// Records that exception entry `index` exists (allocated at the end of the store's list).
    pub(crate) fn exn_allocated(&mut self, index: u32) {
        if self.exn_generations.len() <= index as usize {
            self.exn_generations.resize(index as usize + 1, 0);
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
            Hierarchy::Exn => Val::ExnRef((raw != NULL).then(|| Exn(Stored { store, index: exn_index(raw) }))),
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
        // Exception words: tagged apart from objects, with the entry's generation.
        heap.exn_allocated(3);
        let e = Val::ExnRef(Some(Exn(Stored { store, index: 3 })));
        let w = heap.encode(e);
        assert!(is_exn(w) && !is_object(w) && w != NULL);
        assert_eq!(heap.decode(w, Hierarchy::Exn, store), e);
        assert_eq!(exn_candidate(&heap.exn_generations, w), Some(3));
        assert_eq!(exn_candidate(&heap.exn_generations, object(r)), None);
        assert_eq!(exn_candidate(&heap.exn_generations, exn(4, 0)), None, "no such entry");
        heap.exn_freed(3);
        assert_eq!(exn_candidate(&heap.exn_generations, w), None, "a stale word matches no instance");
        let w2 = heap.encode(e);
        assert_ne!(w2, w);
        assert_eq!(exn_candidate(&heap.exn_generations, w2), Some(3));
    }
}
