//! Where objects live: a slot table, and the objects' fields in words.
//!
//! An object is a 16-byte [`Slot`] (generation, type number, array
//! length, where its words are) plus its fields in 64-bit words: the
//! reference fields first, one raw word each ([`super::raw`]), then the
//! non-reference fields packed little-endian (`i8`/`i16` take one and two
//! bytes, every field aligned to its size, so no field straddles a word
//! but a `v128`, which takes two). An array of references is `len` words,
//! an array of `n` numbers of size `s` is `n*s` bytes rounded up to words.
//!
//! Small objects (up to [`SMALL_WORDS`] words) live in one arena `Vec<u64>`
//! with an exact-size free list per word count, so allocating one is a
//! `pop` and a fill, never a `malloc`; larger ones (arrays) get a boxed
//! slice each, returned to the allocator when they die. The type is a
//! number into the heap's own table of the types it has seen (no `Arc`
//! clone per object); the table also says, per type, which words the
//! collector traces.

use std::collections::HashMap;
use std::sync::Arc;

use weft_decode::{StorageType, ValType};

use super::raw::Hierarchy;
use super::{FieldLayout, GcComposite, GcRef, GcType};
use crate::store::StoreId;
use crate::value::Val;

/// Objects of at most this many words live in the arena.
pub(super) const SMALL_WORDS: usize = 64;
/// A slot's `at` with this bit set indexes [`GcHeap::large`].
const LARGE: u32 = 1 << 31;
/// The type number of a free slot.
pub(super) const FREE: u32 = u32::MAX;
/// The bytes an object is charged for besides its words (its slot).
pub(super) const SLOT_BYTES: usize = std::mem::size_of::<Slot>();

/// One slot of the object table.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    /// Changes when the slot's object is freed (31 bits).
    pub generation: u32,
    /// The object's type number ([`GcHeap::types`]), or [`FREE`].
    pub ty: u32,
    /// An array's length (0 for a struct).
    pub len: u32,
    /// The first word in the arena, or [`LARGE`] | an index into `large`.
    pub at: u32,
}

/// A type the heap has objects of, with what the collector needs.
#[derive(Debug)]
pub(super) struct HeapType {
    pub ty: Arc<GcType>,
    /// Words of a struct (refs, then the packed bytes); 0 for arrays.
    pub struct_words: usize,
    /// Where the packed bytes start (in words): after the reference fields.
    pub byte_base: usize,
    /// The words that hold `any`/`extern` references (a struct's fields).
    pub traced: Box<[u32]>,
    /// The words that hold `exnref`s (a struct's fields).
    pub exn_words: Box<[u32]>,
    /// For an array of references, their hierarchy.
    pub elem_refs: Option<Hierarchy>,
}

impl HeapType {
    fn new(ty: Arc<GcType>) -> HeapType {
        let (mut traced, mut exn_words) = (Vec::new(), Vec::new());
        let mut elem_refs = None;
        let (mut struct_words, mut byte_base) = (0, 0);
        match &ty.composite {
            GcComposite::Struct { fields, bytes, refs } => {
                for f in fields.iter().filter(|f| f.is_ref()) {
                    match hierarchy(f) {
                        Hierarchy::Any | Hierarchy::Extern => traced.push(f.at),
                        Hierarchy::Exn => exn_words.push(f.at),
                        Hierarchy::Func => {}
                    }
                }
                byte_base = *refs as usize;
                struct_words = *refs as usize + (*bytes as usize).div_ceil(8);
            }
            GcComposite::Array(e) if e.is_ref() => elem_refs = Some(hierarchy(e)),
            _ => {}
        }
        HeapType { ty, struct_words, byte_base, traced: traced.into(), exn_words: exn_words.into(), elem_refs }
    }

    /// The words of an object of this type with `len` elements.
    pub fn words(&self, len: u32) -> u64 {
        match &self.ty.composite {
            GcComposite::Array(e) if e.is_ref() => u64::from(len),
            GcComposite::Array(e) => (u64::from(len) * u64::from(e.size())).div_ceil(8),
            _ => self.struct_words as u64,
        }
    }
}

/// The hierarchy of a reference field (from its default, the null of its type).
pub(super) fn hierarchy(f: &FieldLayout) -> Hierarchy {
    Hierarchy::of_val(&f.default).unwrap_or(Hierarchy::Func)
}

/// The storage half of [`GcHeap`](super::GcHeap).
#[derive(Debug, Default)]
pub(super) struct Objects {
    pub slots: Vec<Slot>,
    pub free_slots: Vec<u32>,
    /// One bit per slot: holds an object.
    pub allocated: Vec<u64>,
    pub arena: Vec<u64>,
    /// `free_blocks[n]`: arena offsets of free blocks of `n` words.
    pub free_blocks: Vec<Vec<u32>>,
    pub large: Vec<Box<[u64]>>,
    pub large_free: Vec<u32>,
    pub types: Vec<HeapType>,
    type_numbers: HashMap<usize, u32>,
    /// The last type looked up (allocation loops allocate one type).
    last_type: Option<(usize, u32)>,
}

impl Objects {
    /// The heap's number for type `ty`.
    #[inline]
    pub fn type_number(&mut self, ty: &Arc<GcType>) -> u32 {
        let key = Arc::as_ptr(ty) as usize;
        if let Some((k, n)) = self.last_type
            && k == key
        {
            return n;
        }
        let n = match self.type_numbers.get(&key) {
            Some(n) => *n,
            None => {
                // The table keeps the `Arc`, so the address stays this type's.
                let n = self.types.len() as u32;
                self.types.push(HeapType::new(ty.clone()));
                self.type_numbers.insert(key, n);
                n
            }
        };
        self.last_type = Some((key, n));
        n
    }

    /// Places a zeroed object of type number `ty` with `words` words in a
    /// free slot; returns the slot. The caller checked the limits.
    pub fn place(&mut self, ty: u32, words: usize, len: u32) -> u32 {
        let at = if words == 0 {
            0
        } else if words <= SMALL_WORDS {
            match self.free_blocks.get_mut(words).and_then(Vec::pop) {
                Some(at) => {
                    self.arena[at as usize..at as usize + words].fill(0);
                    at
                }
                None if self.arena.len() + words < LARGE as usize => {
                    let at = self.arena.len() as u32;
                    self.arena.resize(self.arena.len() + words, 0);
                    at
                }
                None => self.place_large(words),
            }
        } else {
            self.place_large(words)
        };
        let slot = match self.free_slots.pop() {
            Some(i) => {
                let s = &mut self.slots[i as usize];
                (s.ty, s.len, s.at) = (ty, len, at);
                i
            }
            None => {
                self.slots.push(Slot { generation: 0, ty, len, at });
                if self.slots.len() > self.allocated.len() * 64 {
                    self.allocated.push(0);
                }
                (self.slots.len() - 1) as u32
            }
        };
        self.allocated[slot as usize / 64] |= 1 << (slot % 64);
        slot
    }

    fn place_large(&mut self, words: usize) -> u32 {
        let block = vec![0u64; words].into_boxed_slice();
        match self.large_free.pop() {
            Some(i) => {
                self.large[i as usize] = block;
                LARGE | i
            }
            None => {
                self.large.push(block);
                LARGE | (self.large.len() - 1) as u32
            }
        }
    }

    /// Frees slot `i`'s object; returns the words it had.
    pub fn free(&mut self, i: u32) -> usize {
        let s = self.slots[i as usize];
        let words = self.types[s.ty as usize].words(s.len) as usize;
        if s.at & LARGE != 0 {
            let k = s.at & !LARGE;
            self.large[k as usize] = Box::default();
            self.large_free.push(k);
        } else if words != 0 {
            if self.free_blocks.len() <= words {
                self.free_blocks.resize_with(words + 1, Vec::new);
            }
            self.free_blocks[words].push(s.at);
        }
        let slot = &mut self.slots[i as usize];
        slot.generation = slot.generation.wrapping_add(1) & !super::ARRAY_BIT;
        slot.ty = FREE;
        self.allocated[i as usize / 64] &= !(1 << (i % 64));
        self.free_slots.push(i);
        words
    }

    /// The words of the object in slot `s`.
    #[inline]
    pub fn words_of(&self, s: &Slot) -> &[u64] {
        if s.at & LARGE != 0 {
            &self.large[(s.at & !LARGE) as usize]
        } else {
            let n = self.types[s.ty as usize].words(s.len) as usize;
            &self.arena[s.at as usize..s.at as usize + n]
        }
    }

    /// The words of the object in slot `s`, mutably.
    #[inline]
    pub fn words_of_mut(&mut self, s: Slot) -> &mut [u64] {
        if s.at & LARGE != 0 {
            &mut self.large[(s.at & !LARGE) as usize]
        } else {
            let n = self.types[s.ty as usize].words(s.len) as usize;
            &mut self.arena[s.at as usize..s.at as usize + n]
        }
    }

    /// The live slot `r` refers to.
    #[inline]
    pub fn slot(&self, r: GcRef) -> Option<Slot> {
        let s = *self.slots.get(r.index as usize)?;
        (s.ty != FREE && s.generation == r.slot_generation()).then_some(s)
    }
}

/// Reads field `f` at `at` (a word index for references, else a byte
/// offset into the packed part) from an object's words.
#[inline]
pub(super) fn read(words: &[u64], byte_base: usize, f: &FieldLayout, at: usize) -> Result<u64, ()> {
    if f.is_ref() {
        return words.get(at).copied().ok_or(());
    }
    let size = f.size() as usize;
    let word = byte_base + at / 8;
    let shift = (at % 8) * 8;
    let w = *words.get(word).ok_or(())?;
    Ok(match size {
        1 => (w >> shift) & 0xff,
        2 => (w >> shift) & 0xffff,
        4 => (w >> shift) & 0xffff_ffff,
        _ => w,
    })
}

/// The high word of a `v128` field at `at` (its low word is [`read`]'s).
pub(super) fn read_high(words: &[u64], byte_base: usize, at: usize) -> u64 {
    words.get(byte_base + at / 8 + 1).copied().unwrap_or(0)
}

/// Writes the low `f.size()` bytes of `bits` (or the raw word of a
/// reference) to field `f` at `at`; `high` is a `v128`'s upper half.
#[inline]
pub(super) fn write(words: &mut [u64], byte_base: usize, f: &FieldLayout, at: usize, bits: u64, high: u64) {
    if f.is_ref() {
        if let Some(w) = words.get_mut(at) {
            *w = bits;
        }
        return;
    }
    let size = f.size() as usize;
    let word = byte_base + at / 8;
    let shift = (at % 8) * 8;
    let Some(w) = words.get_mut(word) else { return };
    let mask: u64 = match size {
        1 => 0xff,
        2 => 0xffff,
        4 => 0xffff_ffff,
        _ => u64::MAX,
    };
    *w = (*w & !(mask << shift)) | ((bits & mask) << shift);
    if size == 16
        && let Some(w) = words.get_mut(word + 1)
    {
        *w = high;
    }
}

/// The value of a non-reference field from its bits (packed fields as
/// `i32`, zero-extended).
pub(super) fn number(storage: StorageType, bits: u64, high: u64) -> Val {
    match storage {
        StorageType::I8 | StorageType::I16 | StorageType::Val(ValType::I32) => Val::I32(bits as u32 as i32),
        StorageType::Val(ValType::F32) => Val::F32(bits as u32),
        StorageType::Val(ValType::I64) => Val::I64(bits as i64),
        StorageType::Val(ValType::F64) => Val::F64(bits),
        StorageType::Val(ValType::V128) => Val::V128((u128::from(high) << 64) | u128::from(bits)),
        StorageType::Val(ValType::Ref(_)) => Val::AnyRef(None),
    }
}

/// The bits of a number to store (`v128`: low half; see [`high_bits`]).
pub(super) fn bits_of(v: Val) -> u64 {
    match v {
        Val::I32(x) => u64::from(x as u32),
        Val::I64(x) => x as u64,
        Val::F32(b) => u64::from(b),
        Val::F64(b) => b,
        Val::V128(b) => b as u64,
        _ => 0,
    }
}

/// The upper half of a `v128` (0 for other values).
pub(super) fn high_bits(v: Val) -> u64 {
    if let Val::V128(b) = v { (b >> 64) as u64 } else { 0 }
}

/// The id a [`GcRef`] into slot `i` carries.
pub(super) fn gc_ref(store: StoreId, i: u32, s: &Slot, array: bool) -> GcRef {
    GcRef { store, index: i, generation: s.generation | if array { super::ARRAY_BIT } else { 0 } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_reads_and_writes_stay_in_their_bytes() {
        let f = |storage, at| FieldLayout { storage, mutable: true, at, default: Val::I32(0) };
        let mut words = [0u64; 5];
        let i8f = f(StorageType::I8, 1);
        let i16f = f(StorageType::I16, 2);
        let i32f = f(StorageType::Val(ValType::I32), 4);
        let v128f = f(StorageType::Val(ValType::V128), 16);
        write(&mut words, 1, &i8f, 1, 0x1ff, 0);
        write(&mut words, 1, &i16f, 2, 0xabcd, 0);
        write(&mut words, 1, &i32f, 4, 0xdead_beef, 0);
        write(&mut words, 1, &v128f, 16, 7, 9);
        assert_eq!(words[0], 0, "the reference word is untouched");
        assert_eq!(read(&words, 1, &i8f, 1), Ok(0xff));
        assert_eq!(read(&words, 1, &i16f, 2), Ok(0xabcd));
        assert_eq!(read(&words, 1, &i32f, 4), Ok(0xdead_beef));
        assert_eq!((read(&words, 1, &v128f, 16), read_high(&words, 1, 16)), (Ok(7), 9));
        assert_eq!(read(&words, 1, &f(StorageType::I8, 0), 0), Ok(0), "byte 0 untouched");
    }
}
