//! References as 64 raw bits: what the threaded engine keeps in its slots
//! and what 8-byte reference fields of objects hold.
//!
//! A raw reference is read with its *hierarchy* ([`Hierarchy`]), which
//! the static type gives (a slot's, a field's, a global's): the same bits
//! mean a function in a `funcref` slot and an object in an `anyref` slot.
//! Null is 0 in every hierarchy.
//!
//! # `any` and `extern` share one encoding
//!
//! ```text
//!   0                                   null
//!   ........................ bits31 1   i31: the 31 bits shifted up by one
//!   index:32 | array:1 | gen:29 | 10    a heap object (GcRef)
//!   0 | (host+1):61 | 00                host data (ExternRef(host)), inline
//!   1 | (box+1):61  | 00                host data too large to be inline,
//!                                       boxed in the heap's HostBoxes
//! ```
//!
//! Host data is the same bits whether it is an `externref` or an
//! `anyref` made by `any.convert_extern`, and an i31 or object is the same
//! bits whether it is an `anyref` or the `externref` `extern.convert_any`
//! made of it, so both conversions are the identity on raw bits and
//! `ref.eq` is a compare of raw bits (the encoding is injective: boxes are
//! interned by value). A heap object keeps the low 29 bits of its slot's
//! generation; the heap wraps generations at [`GENERATION_MASK`] so the
//! bits give back the exact [`GcRef`]. The store is implied: raw bits never
//! leave their store.
//!
//! Functions and exceptions are their store index plus one.
//!
//! Because an object's bits say so (tag `10`) and the collector does not
//! move objects, a scan of raw words that may hold references of any type
//! ([`object_of`]) can treat every word with that tag as a possible
//! object: a live object whose slot and generation match is kept (at
//! worst an integer that looks like one keeps it a little longer), and a
//! word that matches nothing is ignored.

use std::collections::HashMap;

use super::{AnyRef, GcRef};
use crate::exception::Exn;
use crate::func::Func;
use crate::store::{StoreId, StoreInner};
use crate::value::{ExternRef, Val};

/// A heap generation's bits in a raw reference: generations wrap here.
pub const GENERATION_MASK: u32 = (1 << 29) - 1;

/// The array bit of [`GcRef::generation`].
const ARRAY_BIT: u32 = 1 << 31;

const TAG_MASK: u64 = 0b11;
const TAG_OBJECT: u64 = 0b10;
const BOXED: u64 = 1 << 63;
/// The largest host value kept inline (larger ones are boxed).
const INLINE_HOST_LIMIT: u64 = (1 << 61) - 1;

/// Which kind of reference raw bits hold (spec: the four type
/// hierarchies, `exn` its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hierarchy {
    /// `funcref` and defined function types.
    Func,
    /// `externref`.
    Extern,
    /// `exnref`.
    Exn,
    /// `anyref` and below: `eq`, `i31`, `struct`, `array`, defined
    /// struct and array types, `none`.
    Any,
}

impl Hierarchy {
    /// The hierarchy of a value (for a null, the one its variant says).
    pub fn of_val(v: &Val) -> Option<Hierarchy> {
        Some(match v {
            Val::FuncRef(_) => Hierarchy::Func,
            Val::ExternRef(_) | Val::Externalized(_) => Hierarchy::Extern,
            Val::ExnRef(_) => Hierarchy::Exn,
            Val::AnyRef(_) => Hierarchy::Any,
            _ => return None,
        })
    }

    /// The hierarchy of heap type `heap`, resolving defined types through
    /// `types` (the module's types the heap type's index refers to).
    pub fn of_heap(heap: weft_decode::HeapType, types: &[weft_decode::SubType]) -> Hierarchy {
        Hierarchy::of_val(&super::null_of(heap, types)).unwrap_or(Hierarchy::Func)
    }

    /// The null of this hierarchy.
    pub fn null(self) -> Val {
        match self {
            Hierarchy::Func => Val::FuncRef(None),
            Hierarchy::Extern => Val::ExternRef(None),
            Hierarchy::Exn => Val::ExnRef(None),
            Hierarchy::Any => Val::AnyRef(None),
        }
    }
}

/// Host values too large to be inline in raw bits, interned so equal
/// values get equal bits. A store keeps one ([`GcHeap`](super::GcHeap)); its
/// size is bounded by the distinct large host values the store ever saw.
#[derive(Debug, Default)]
pub struct HostBoxes {
    values: Vec<u64>,
    index: HashMap<u64, u32>,
}

impl HostBoxes {
    fn intern(&mut self, v: u64) -> u64 {
        let next = self.values.len() as u32;
        let i = *self.index.entry(v).or_insert(next);
        if i == next {
            self.values.push(v);
        }
        u64::from(i)
    }

    fn get(&self, i: u64) -> u64 {
        self.values.get(i as usize).copied().unwrap_or(0)
    }
}

/// The raw bits of an `i31` (its low 31 bits).
#[inline]
pub fn i31(bits: u32) -> u64 {
    (u64::from(bits & 0x7fff_ffff) << 1) | 1
}

/// The 31 bits of an i31's raw bits (`i31.get_u`; `i31.get_s` sign-extends).
#[inline]
pub fn i31_bits(raw: u64) -> u32 {
    (raw >> 1) as u32 & 0x7fff_ffff
}

/// Whether raw `any` bits are an i31.
#[inline]
pub fn is_i31(raw: u64) -> bool {
    raw & 1 != 0
}

/// The raw bits of a heap object.
#[inline]
pub fn object(r: GcRef) -> u64 {
    (u64::from(r.index) << 32)
        | u64::from(r.generation & ARRAY_BIT)
        | (u64::from(r.generation & GENERATION_MASK) << 2)
        | TAG_OBJECT
}

/// The object raw bits refer to, if they have an object's tag (see the
/// module doc: a possible object, which the heap checks by generation).
#[inline]
pub fn object_of(store: StoreId, raw: u64) -> Option<GcRef> {
    if raw & TAG_MASK != TAG_OBJECT {
        return None;
    }
    let low = raw as u32;
    Some(GcRef { store, index: (raw >> 32) as u32, generation: (low & ARRAY_BIT) | ((low >> 2) & GENERATION_MASK) })
}

/// Whether raw `any` bits are a heap object, and if so whether an array.
#[inline]
pub fn is_object(raw: u64) -> bool {
    raw & TAG_MASK == TAG_OBJECT
}

/// Whether raw object bits are an array (meaningful only for objects).
#[inline]
pub fn is_array(raw: u64) -> bool {
    raw as u32 & ARRAY_BIT != 0
}

/// The raw bits of host data.
#[inline]
pub fn host(boxes: &mut HostBoxes, e: ExternRef) -> u64 {
    if e.0 < INLINE_HOST_LIMIT { (e.0 + 1) << 2 } else { BOXED | ((boxes.intern(e.0) + 1) << 2) }
}

fn host_of(boxes: &HostBoxes, raw: u64) -> ExternRef {
    if raw & BOXED == 0 { ExternRef((raw >> 2) - 1) } else { ExternRef(boxes.get(((raw & !BOXED) >> 2) - 1)) }
}

/// The raw bits of an `any` reference (`None` is null).
pub fn encode_any(boxes: &mut HostBoxes, r: Option<AnyRef>) -> u64 {
    match r {
        None => 0,
        Some(AnyRef::I31(b)) => i31(b),
        Some(AnyRef::Object(o)) => object(o),
        Some(AnyRef::Host(e)) => host(boxes, e),
    }
}

/// The `any` reference raw bits hold (objects of store `store`).
pub fn decode_any(boxes: &HostBoxes, store: StoreId, raw: u64) -> Option<AnyRef> {
    if raw == 0 {
        None
    } else if is_i31(raw) {
        Some(AnyRef::I31(i31_bits(raw)))
    } else if let Some(o) = object_of(store, raw) {
        Some(AnyRef::Object(o))
    } else {
        Some(AnyRef::Host(host_of(boxes, raw)))
    }
}

/// The raw bits of any value: numbers as their bits (a `v128`'s low half:
/// vectors live elsewhere), references by the module doc's encoding.
#[inline]
pub fn encode(boxes: &mut HostBoxes, v: Val) -> u64 {
    match v {
        Val::I32(x) => u64::from(x as u32),
        Val::I64(x) => x as u64,
        Val::F32(b) => u64::from(b),
        Val::F64(b) => b,
        Val::V128(b) => b as u64,
        Val::FuncRef(f) => f.map_or(0, |f| u64::from(f.index()) + 1),
        Val::ExnRef(e) => e.map_or(0, |e| u64::from(e.0.index) + 1),
        Val::ExternRef(e) => e.map_or(0, |e| host(boxes, e)),
        Val::Externalized(a) | Val::AnyRef(Some(a)) => encode_any(boxes, Some(a)),
        Val::AnyRef(None) => 0,
    }
}

/// The reference of hierarchy `h` whose raw bits are `raw`, in `store`.
pub fn decode(store: &StoreInner, raw: u64, h: Hierarchy) -> Val {
    match h {
        Hierarchy::Func => Val::FuncRef((raw != 0).then(|| Func(store.stored((raw - 1) as usize)))),
        Hierarchy::Exn => Val::ExnRef((raw != 0).then(|| Exn(store.stored((raw - 1) as usize)))),
        Hierarchy::Any => Val::AnyRef(decode_any(&store.gc.boxes, store.id, raw)),
        Hierarchy::Extern => match decode_any(&store.gc.boxes, store.id, raw) {
            None => Val::ExternRef(None),
            Some(AnyRef::Host(e)) => Val::ExternRef(Some(e)),
            Some(a) => Val::Externalized(a),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Store};

    #[test]
    fn every_reference_round_trips_and_equal_means_equal_bits() {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let inner = &mut store.inner;
        let id = inner.id;
        let obj = GcRef { store: id, index: 7, generation: ARRAY_BIT | 12345 };
        let st = GcRef { store: id, index: u32::MAX, generation: GENERATION_MASK };
        let anys = [
            None,
            Some(AnyRef::I31(0)),
            Some(AnyRef::I31(0x7fff_ffff)),
            Some(AnyRef::Object(obj)),
            Some(AnyRef::Object(st)),
            Some(AnyRef::Host(ExternRef(0))),
            Some(AnyRef::Host(ExternRef(INLINE_HOST_LIMIT - 1))),
            Some(AnyRef::Host(ExternRef(INLINE_HOST_LIMIT))),
            Some(AnyRef::Host(ExternRef(u64::MAX))),
        ];
        let mut raws = Vec::new();
        for a in anys {
            let raw = encode_any(&mut inner.gc.boxes, a);
            assert_eq!(decode_any(&inner.gc.boxes, id, raw), a, "{a:?} as {raw:#x}");
            assert_eq!(decode(inner, raw, Hierarchy::Any), Val::AnyRef(a));
            // extern.convert_any and back are the identity on bits.
            let ext = decode(inner, raw, Hierarchy::Extern);
            assert_eq!(encode(&mut inner.gc.boxes, ext), raw);
            raws.push(raw);
        }
        for (i, a) in raws.iter().enumerate() {
            for (j, b) in raws.iter().enumerate() {
                assert_eq!(a == b, i == j, "ref.eq is a bits compare");
            }
        }
        // Boxed host values are interned: the same value gets the same bits.
        let big = ExternRef(u64::MAX - 3);
        assert_eq!(host(&mut inner.gc.boxes, big), host(&mut inner.gc.boxes, big));
        assert!(is_array(object(obj)) && !is_array(object(st)));
        assert_eq!(object_of(id, i31(5)), None);
        assert_eq!(i31_bits(i31(u32::MAX)), 0x7fff_ffff);
    }
}
