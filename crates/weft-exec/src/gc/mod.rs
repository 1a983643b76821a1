//! The GC heap (Wasm 3.0 garbage collection): store-owned struct and array
//! objects and the collector that reclaims them.
//!
//! # References
//!
//! The `any` hierarchy's values are [`Val::AnyRef`]: `None` is null, and
//! an [`AnyRef`] is one of
//!
//! * [`AnyRef::I31`] — an unboxed 31-bit integer (`ref.i31`), never on the heap;
//! * [`AnyRef::Object`] — a struct or array on this store's heap, by
//!   [`GcRef`] (store id, slot, generation);
//! * [`AnyRef::Host`] — host data internalized by `any.convert_extern`.
//!
//! `extern.convert_any` of a host value gives back the plain
//! [`Val::ExternRef`]; of any other reference a [`Val::Externalized`], which
//! `any.convert_extern` unwraps, so both conversions round-trip exactly.
//!
//! # Objects
//!
//! An object (`heap.rs`) is a 16-byte slot (generation, the heap's number
//! for its [`GcType`], array length, where its words are) and its fields
//! in 64-bit words: reference fields first, 8 bytes each in the raw
//! encoding of [`raw`] (shared with the threaded engine's slots), then the
//! non-reference fields packed little-endian (`i8`/`i16` take one and two
//! bytes, every field aligned to its size). Small objects live in one
//! arena with exact-size free lists, large arrays in a boxed slice each.
//! [`GcHeap::get`] lends an [`Obj`] view that reads fields as [`Val`]s;
//! [`GcHeap::write`] writes them.
//!
//! # Collection
//!
//! Mark-sweep over the object table ([`GcHeap`]): a free list recycles
//! slots, and each slot has a generation that changes when its object is
//! freed, so a stale [`GcRef`] (one the host kept without rooting it) is
//! detected ("GC object was collected"), never read as another object.
//! Mark bits live outside the objects (a bitset beside the bitset of
//! allocated slots), so the sweep is a word-at-a-time `allocated & !marked`
//! that visits only the garbage. Roots are everything a running program can
//! reach: the operand stacks and locals of the running engine (passed to
//! [`alloc_struct`] and its siblings by the engine that allocates) and of every activation
//! suspended below it ([`GcHeap::suspend`], pushed when an engine calls
//! out to the host or another executor), globals, tables, element
//! segments, the host's rooted handles ([`GcHeap::root`]), and exception
//! instances that are in flight or pinned. Marking uses explicit work
//! lists (no recursion on object depth). Exception instances that became
//! `exnref`s are traced like objects (through roots, `exnref` fields and
//! other instances' payloads, and the threaded engine's slots scanned
//! conservatively: a word whose tag, index and generation name a current
//! instance, see [`raw`]) and freed when nothing reaches them
//! (`crate::exception`).
//!
//! A collection runs only inside an allocation ([`alloc_struct`],
//! [`alloc_array`], [`alloc_array_of`], [`exception_allocating`]), before the new object exists
//! and while no engine holds a reference to an object's fields: engines
//! copy field values out and back in by value, never keeping a borrow of
//! the heap across an allocation. It is triggered by allocation volume
//! (bytes allocated since the last collection exceeding the larger of
//! 1 MiB and the bytes live after it), or after every allocation under
//! [`Config::gc_stress`](crate::Config::gc_stress). Before the heap grows,
//! the store's [`ResourceLimiter::gc_heap_growing`](crate::ResourceLimiter::gc_heap_growing)
//! is asked; if it refuses, the heap is collected and asked again, and a
//! second refusal traps with "out of GC heap memory" (as a denied
//! `memory.grow` answers -1: the guest is refused, the host never
//! allocates unchecked).

mod api;
mod heap;
pub mod instr;
pub mod raw;
mod types;

use std::sync::Arc;

pub use api::Rooted;
pub use types::{FieldLayout, GcComposite, GcType, TypeRegistry, default_of, null_of, storage_size};

use weft_decode::{StorageType, ValType};

use crate::exception::Exn;
use crate::store::{EngineStore, StoreId, StoreInner, Stored};
use crate::trap::{Trap, TrapKind};
use crate::value::{ExternRef, Val};
use raw::Hierarchy;

/// A reference to a struct or array on a store's GC heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GcRef {
    /// The store.
    #[doc(hidden)]
    pub store: StoreId,
    /// The object's slot.
    #[doc(hidden)]
    pub index: u32,
    /// The slot's generation when the object was allocated (low 31
    /// bits), and whether the object is an array (top bit), so a
    /// reference says what it points to without the heap.
    #[doc(hidden)]
    pub generation: u32,
}

/// The bit of [`GcRef::generation`] that marks an array.
const ARRAY_BIT: u32 = 1 << 31;

impl GcRef {
    /// Whether the object is an array (else a struct).
    pub fn is_array(&self) -> bool {
        self.generation & ARRAY_BIT != 0
    }

    /// Whether the object is a struct.
    pub fn is_struct(&self) -> bool {
        !self.is_array()
    }

    pub(crate) fn slot_generation(&self) -> u32 {
        self.generation & !ARRAY_BIT
    }
}

/// A non-null reference of the `any` hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnyRef {
    /// An unboxed 31-bit integer (`ref.i31`): the low 31 bits are the value.
    I31(u32),
    /// A struct or array on the heap.
    Object(GcRef),
    /// Host data internalized by `any.convert_extern`.
    Host(ExternRef),
}

impl AnyRef {
    /// `ref.i31`: the low 31 bits of `v`.
    pub fn i31(v: i32) -> AnyRef {
        AnyRef::I31(v as u32 & 0x7fff_ffff)
    }

    /// The 31 bits of an i31 (0 for other references).
    pub fn bits(&self) -> u32 {
        if let AnyRef::I31(b) = self { *b } else { 0 }
    }

    /// `i31.get_s`: the 31-bit value sign-extended.
    pub fn i31_get_s(bits: u32) -> i32 {
        ((bits << 1) as i32) >> 1
    }

    /// `ref.eq` on two non-null references: identity (and value for i31).
    pub fn ref_eq(a: Option<AnyRef>, b: Option<AnyRef>) -> bool {
        a == b
    }
}

/// A live struct or array, as [`GcHeap::get`] lends it: its type, length
/// and fields, read by value (the heap stores them as words).
#[derive(Clone, Copy)]
pub struct Obj<'a> {
    heap: &'a GcHeap,
    slot: heap::Slot,
    store: StoreId,
}

impl std::fmt::Debug for Obj<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Obj").field("type", &self.ty().id).field("len", &self.len()).finish()
    }
}

impl<'a> Obj<'a> {
    /// Its runtime type.
    #[inline]
    pub fn ty(&self) -> &'a Arc<GcType> {
        &self.heap.objects.types[self.slot.ty as usize].ty
    }

    /// For an array, its length (0 for a struct).
    #[inline]
    pub fn len(&self) -> u32 {
        self.slot.len
    }

    /// Whether it is an array of no elements (or a struct).
    pub fn is_empty(&self) -> bool {
        self.slot.len == 0
    }

    /// The field layout of struct field `i`.
    pub fn struct_field(&self, i: u32) -> Option<FieldLayout> {
        match &self.ty().composite {
            GcComposite::Struct { fields, .. } => fields.get(i as usize).copied(),
            _ => None,
        }
    }

    /// The element layout, if this is an array.
    pub fn array_elem(&self) -> Option<FieldLayout> {
        match &self.ty().composite {
            GcComposite::Array(e) => Some(*e),
            _ => None,
        }
    }

    /// Reads field `f` at position `at` (a struct field's `at`, or
    /// [`elem_at`] of an array element). Packed fields come back as `i32`,
    /// zero-extended ([`sign_extend`] for `_s` reads).
    #[inline]
    pub fn read(&self, f: &FieldLayout, at: usize) -> Val {
        let words = self.heap.objects.words_of(&self.slot);
        let base = self.heap.objects.types[self.slot.ty as usize].byte_base;
        let Ok(bits) = heap::read(words, base, f, at) else { return f.default };
        if f.is_ref() {
            self.heap.decode(bits, heap::hierarchy(f), self.store)
        } else {
            let high = if f.size() == 16 { heap::read_high(words, base, at) } else { 0 };
            heap::number(f.storage, bits, high)
        }
    }

    /// The raw word of reference field or element `at` ([`raw`]), if there is one.
    #[inline]
    pub fn raw(&self, at: usize) -> Option<u64> {
        self.heap.objects.words_of(&self.slot).get(at).copied()
    }
}

/// A live object's words, as [`GcHeap::fields_of_raw`] lends them: the
/// reference fields (or elements) are `words[at]`, raw words; a numeric
/// field at byte `at` of the packed part is in `words[byte_base + at / 8]`
/// at bit `(at % 8) * 8` (no field but a `v128` straddles a word). A
/// struct field's `at` is the same in every subtype of its struct type
/// (fields are laid out in order, subtypes extend), but `byte_base` (the
/// number of reference words) is the object's own.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    /// The object's words.
    pub words: &'a [u64],
    /// Where its packed numeric part starts, in words.
    pub byte_base: usize,
    /// An array's length (0 for a struct).
    pub len: u32,
}

/// [`Fields`], mutable.
#[derive(Debug)]
pub struct FieldsMut<'a> {
    /// The object's words.
    pub words: &'a mut [u64],
    /// Where its packed numeric part starts, in words.
    pub byte_base: usize,
    /// An array's length (0 for a struct).
    pub len: u32,
}

/// Array element `i`'s position for [`Obj::read`] and [`GcHeap::write`]:
/// its index for references, its byte offset for numbers.
#[inline]
pub fn elem_at(elem: &FieldLayout, i: u32) -> usize {
    let size = elem.size() as usize;
    if size == 0 { i as usize } else { i as usize * size }
}

/// Reads a non-reference value of storage type `s` from `bytes` at byte
/// `at` (little-endian; packed types zero-extended to `i32`; missing bytes
/// read as zero). Also reads array elements out of data segments.
pub fn read_packed(bytes: &[u8], s: StorageType, at: usize) -> Val {
    let get = |n: usize| -> [u8; 16] {
        let mut out = [0u8; 16];
        if let Some(src) = bytes.get(at..at + n) {
            out[..n].copy_from_slice(src);
        }
        out
    };
    let u32_at = || u32::from_le_bytes([get(4)[0], get(4)[1], get(4)[2], get(4)[3]]);
    let u64_at = || {
        let b = get(8);
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    };
    match s {
        StorageType::I8 => Val::I32(i32::from(get(1)[0])),
        StorageType::I16 => Val::I32(i32::from(u16::from_le_bytes([get(2)[0], get(2)[1]]))),
        StorageType::Val(ValType::I32) => Val::I32(u32_at() as i32),
        StorageType::Val(ValType::F32) => Val::F32(u32_at()),
        StorageType::Val(ValType::I64) => Val::I64(u64_at() as i64),
        StorageType::Val(ValType::F64) => Val::F64(u64_at()),
        StorageType::Val(ValType::V128) => Val::V128(u128::from_le_bytes(get(16))),
        StorageType::Val(ValType::Ref(_)) => Val::AnyRef(None),
    }
}

/// Sign-extends a packed field read (`struct.get_s`, `array.get_s`).
pub fn sign_extend(storage: StorageType, v: Val) -> Val {
    match (storage, v) {
        (StorageType::I8, Val::I32(x)) => Val::I32(i32::from(x as i8)),
        (StorageType::I16, Val::I32(x)) => Val::I32(i32::from(x as i16)),
        (_, v) => v,
    }
}

/// Counters of a heap's life ([`Store::gc_stats`](crate::Store::gc_stats): for embedders, tests and benches).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GcStats {
    /// Objects allocated.
    pub allocated: u64,
    /// Objects freed by collections.
    pub freed: u64,
    /// Collections run.
    pub collections: u64,
    /// Objects live now.
    pub live_objects: u64,
    /// Bytes charged for the live objects.
    pub live_bytes: u64,
    /// The most bytes ever charged at once.
    pub peak_bytes: u64,
    /// Exception instances in the store now (live or not yet collected; filled in by `Store::gc_stats`).
    pub exceptions: u64,
    /// Exception instances freed by collections.
    pub exceptions_freed: u64,
}

/// The smallest allocation volume between two collections.
const MIN_THRESHOLD: usize = 1 << 20;

/// A store's GC heap: the objects (`heap.rs`), the collector's state, and
/// the roots it cannot find by itself (host handles, suspended activations).
#[derive(Debug, Default)]
pub struct GcHeap {
    objects: heap::Objects,
    marks: Vec<u64>,
    live_bytes: usize,
    since_gc: usize,
    threshold: usize,
    stats: GcStats,
    /// Host-held roots ([`GcHeap::root`]); `None` marks a free entry.
    roots: Vec<Option<Val>>,
    roots_free: Vec<u32>,
    /// Values of activations suspended below the running one.
    suspended: Vec<Val>,
    /// While non-zero, allocations never collect (instantiation: values
    /// being built for globals, tables and segments are not yet roots).
    pub inhibit: u32,
    /// The generation of each exception entry (by store address), bumped
    /// when its instance is freed, so a stale `exnref` word in a scanned
    /// slot matches no instance ([`raw`], "# `exn`").
    exn_generations: Vec<u32>,
    /// Host values too large for an inline raw word ([`raw`]), by number.
    large_host_values: Vec<u64>,
    /// The number of each large host value.
    large_hosts: std::collections::HashMap<u64, u64>,
}

impl GcHeap {
    /// The object `r` refers to, if it is still live.
    #[inline]
    pub fn get(&self, r: GcRef) -> Option<Obj<'_>> {
        let slot = self.objects.slot(r)?;
        Some(Obj { heap: self, slot, store: r.store })
    }

    /// The fields of the live object whose raw word is `raw` (an object
    /// word of this heap: its store is implied), for engines that access
    /// fields by position: `None` for null, a non-object word or a
    /// collected object. See [`Fields`].
    #[inline]
    pub fn fields_of_raw(&self, raw: u64) -> Option<Fields<'_>> {
        let (index, generation) = raw::object_parts(raw)?;
        let slot = self.objects.slots.get(index as usize)?;
        if slot.ty == heap::FREE || slot.generation != generation & !ARRAY_BIT {
            return None;
        }
        let byte_base = self.objects.types[slot.ty as usize].byte_base;
        Some(Fields { words: self.objects.words_of(slot), byte_base, len: slot.len })
    }

    /// [`fields_of_raw`](GcHeap::fields_of_raw), to write them.
    #[inline]
    pub fn fields_of_raw_mut(&mut self, raw: u64) -> Option<FieldsMut<'_>> {
        let (index, generation) = raw::object_parts(raw)?;
        let slot = *self.objects.slots.get(index as usize)?;
        if slot.ty == heap::FREE || slot.generation != generation & !ARRAY_BIT {
            return None;
        }
        let byte_base = self.objects.types[slot.ty as usize].byte_base;
        Some(FieldsMut { words: self.objects.words_of_mut(slot), byte_base, len: slot.len })
    }

    /// Writes `v` to field `f` at `at` of object `r` (a struct field's
    /// `at`, or [`elem_at`] of an array element); packed fields keep the
    /// low 8 or 16 bits of an `i32`. `false` if `r` was collected.
    #[inline]
    pub fn write(&mut self, r: GcRef, f: &FieldLayout, at: usize, v: Val) -> bool {
        let Some(slot) = self.objects.slot(r) else { return false };
        let bits = if f.is_ref() { self.encode(v) } else { heap::bits_of(v) };
        self.write_bits(slot, f, at, bits, heap::high_bits(v));
        true
    }

    /// Writes the raw word `bits` to reference field or element `at` of
    /// object `r` (the word must be of the field's hierarchy and store).
    /// `false` if `r` was collected.
    #[inline]
    pub fn write_raw(&mut self, r: GcRef, at: usize, bits: u64) -> bool {
        let Some(slot) = self.objects.slot(r) else { return false };
        if let Some(w) = self.objects.words_of_mut(slot).get_mut(at) {
            *w = bits;
        }
        true
    }

    fn write_bits(&mut self, slot: heap::Slot, f: &FieldLayout, at: usize, bits: u64, high: u64) {
        let base = self.objects.types[slot.ty as usize].byte_base;
        heap::write(self.objects.words_of_mut(slot), base, f, at, bits, high);
    }

    /// The heap's counters.
    pub fn stats(&self) -> GcStats {
        GcStats {
            live_objects: self.stats.allocated - self.stats.freed,
            live_bytes: self.live_bytes as u64,
            ..self.stats
        }
    }

    /// Whether any object or exception instance was ever allocated
    /// (engines skip root bookkeeping while none was).
    #[inline]
    pub fn in_use(&self) -> bool {
        self.stats.allocated != 0 || !self.roots.is_empty() || !self.exn_generations.is_empty()
    }

    /// Keeps `v` alive until [`unroot`](GcHeap::unroot); returns the root's id.
    pub fn root(&mut self, v: Val) -> u32 {
        match self.roots_free.pop() {
            Some(i) => {
                self.roots[i as usize] = Some(v);
                i
            }
            None => {
                self.roots.push(Some(v));
                (self.roots.len() - 1) as u32
            }
        }
    }

    /// The value of root `id`.
    pub fn rooted(&self, id: u32) -> Option<Val> {
        self.roots.get(id as usize).copied().flatten()
    }

    /// Releases root `id`.
    pub fn unroot(&mut self, id: u32) {
        if let Some(slot) = self.roots.get_mut(id as usize)
            && slot.take().is_some()
        {
            self.roots_free.push(id);
        }
    }

    /// Records the values of an activation that is about to call out (to
    /// the host, or another executor), so a collection triggered below
    /// keeps what they reach. Returns the mark to [`resume`](GcHeap::resume) with.
    pub fn suspend(&mut self, values: impl IntoIterator<Item = Val>) -> usize {
        let mark = self.suspended.len();
        self.suspended.extend(values.into_iter().filter(holds_root));
        mark
    }

    /// [`suspend`](GcHeap::suspend) for raw slots ([`raw`]): every word
    /// with an object's tag is kept as a possible object of store `store`,
    /// and every word naming a current exception instance (tag and
    /// generation match) as a possible `exnref`.
    pub fn suspend_raw(&mut self, store: StoreId, words: &[u64]) -> usize {
        let mark = self.suspended.len();
        for &w in words {
            if let Some(r) = raw::to_object(w, store) {
                self.suspended.push(Val::AnyRef(Some(AnyRef::Object(r))));
            } else if let Some(i) = raw::exn_candidate(&self.exn_generations, w) {
                self.suspended.push(Val::ExnRef(Some(Exn(Stored { store, index: i }))));
            }
        }
        mark
    }

    /// Forgets the values recorded by the [`suspend`](GcHeap::suspend) that returned `mark`.
    pub fn resume(&mut self, mark: usize) {
        self.suspended.truncate(mark);
    }
}

/// Whether a value can keep something of the heap alive (an object, or
/// an exception instance whose payload may hold one).
fn holds_root(v: &Val) -> bool {
    matches!(v, Val::AnyRef(Some(AnyRef::Object(_))) | Val::Externalized(AnyRef::Object(_)) | Val::ExnRef(Some(_)))
}

fn object_of(v: &Val) -> Option<GcRef> {
    match v {
        Val::AnyRef(Some(AnyRef::Object(r))) | Val::Externalized(AnyRef::Object(r)) => Some(*r),
        _ => None,
    }
}

/// The runtime type of function `addr` (a store address), if it is a wasm
/// function (host functions have no declared supertypes).
pub fn func_type_of(store: &StoreInner, addr: u32) -> Option<&Arc<GcType>> {
    match store.funcs.get(addr as usize)? {
        crate::store::FuncEntity::Wasm { module, defined, .. } => {
            let index = module.decoded.num_imported_functions + defined;
            module.gc_types.get(*module.decoded.function_types.get(index as usize)? as usize)
        }
        crate::store::FuncEntity::Host { .. } => None,
    }
}

/// Whether function `addr`'s type matches type `type_index` of `module`
/// (spec: `type(f) <: t`, used by import matching, `call_indirect`,
/// `ref.test`): equal canonical types, or a declared subtype by display.
pub fn func_matches(store: &StoreInner, addr: u32, module: &crate::module::ModuleInner, type_index: u32) -> bool {
    let Some(entity) = store.funcs.get(addr as usize) else { return false };
    let Some(expected) = module.canon.get(type_index as usize) else { return false };
    if entity.canon() == expected {
        return true;
    }
    match (func_type_of(store, addr), module.gc_types.get(type_index as usize)) {
        (Some(actual), Some(expected)) => actual.is_subtype_of(expected),
        _ => false,
    }
}

/// Allocates a struct of type `ty` with `fields` in declaration order
/// (spec 4.5.3 `alloc_struct`; packed fields as `i32`, wrapped),
/// collecting first if the allocation volume or
/// [`Config::gc_stress`](crate::Config::gc_stress) says so. `roots` are
/// the allocating engine's live values (its operand stacks and locals,
/// and `fields` if they were popped from them), which the collector
/// cannot find by itself.
pub fn alloc_struct(
    store: &mut dyn EngineStore,
    ty: &Arc<GcType>,
    fields: &[Val],
    roots: &[&[Val]],
) -> Result<GcRef, Trap> {
    alloc_struct_scanning(store, ty, fields, roots, &[])
}

/// [`alloc_struct`] for an engine that keeps values as raw words ([`raw`]): every
/// word of `raw_roots` with an object's tag is a possible root
/// (conservative: an object is kept if its slot and generation match).
pub fn alloc_struct_scanning(
    store: &mut dyn EngineStore,
    ty: &Arc<GcType>,
    fields: &[Val],
    roots: &[&[Val]],
    raw_roots: &[u64],
) -> Result<GcRef, Trap> {
    let GcComposite::Struct { fields: layout, .. } = &ty.composite else { return Err(not_a("struct")) };
    let r = reserve(store, ty, 0, roots, raw_roots)?;
    let heap = &mut store.inner_mut().gc;
    let slot = heap.objects.slots[r.index as usize];
    for (f, v) in layout.iter().zip(fields) {
        let bits = if f.is_ref() { heap.encode(*v) } else { heap::bits_of(*v) };
        heap.write_bits(slot, f, f.at as usize, bits, heap::high_bits(*v));
    }
    Ok(r)
}

/// Allocates an array of type `ty` with `len` copies of `init` (spec
/// `alloc_array`); see [`alloc_struct`] for `roots`. An array larger than
/// the limiter allows traps before anything is allocated.
pub fn alloc_array(
    store: &mut dyn EngineStore,
    ty: &Arc<GcType>,
    len: u32,
    init: Val,
    roots: &[&[Val]],
) -> Result<GcRef, Trap> {
    alloc_array_scanning(store, ty, len, init, roots, &[])
}

/// [`alloc_array`] for an engine that keeps values as raw words ([`raw`]): every
/// word of `raw_roots` with an object's tag is a possible root
/// (conservative: an object is kept if its slot and generation match).
pub fn alloc_array_scanning(
    store: &mut dyn EngineStore,
    ty: &Arc<GcType>,
    len: u32,
    init: Val,
    roots: &[&[Val]],
    raw_roots: &[u64],
) -> Result<GcRef, Trap> {
    let GcComposite::Array(elem) = &ty.composite else { return Err(not_a("array")) };
    let r = reserve(store, ty, len, roots, raw_roots)?;
    let heap = &mut store.inner_mut().gc;
    let bits = if elem.is_ref() { heap.encode(init) } else { heap::bits_of(init) };
    let high = heap::high_bits(init);
    if bits != 0 || high != 0 {
        let slot = heap.objects.slots[r.index as usize];
        if elem.is_ref() {
            heap.objects.words_of_mut(slot).fill(bits);
        } else {
            for i in 0..len {
                heap.write_bits(slot, elem, elem_at(elem, i), bits, high);
            }
        }
    }
    Ok(r)
}

/// Allocates an array of type `ty` holding `values` (`array.new_fixed`,
/// `array.new_data`, `array.new_elem`); see [`alloc_struct`] for `roots`.
pub fn alloc_array_of(
    store: &mut dyn EngineStore,
    ty: &Arc<GcType>,
    values: &[Val],
    roots: &[&[Val]],
) -> Result<GcRef, Trap> {
    alloc_array_of_scanning(store, ty, values, roots, &[])
}

/// [`alloc_array_of`] for an engine that keeps values as raw words ([`raw`]): every
/// word of `raw_roots` with an object's tag is a possible root
/// (conservative: an object is kept if its slot and generation match).
pub fn alloc_array_of_scanning(
    store: &mut dyn EngineStore,
    ty: &Arc<GcType>,
    values: &[Val],
    roots: &[&[Val]],
    raw_roots: &[u64],
) -> Result<GcRef, Trap> {
    let GcComposite::Array(elem) = &ty.composite else { return Err(not_a("array")) };
    let len = u32::try_from(values.len()).map_err(|_| Trap::new(TrapKind::GcHeapExhausted))?;
    let r = reserve(store, ty, len, roots, raw_roots)?;
    let heap = &mut store.inner_mut().gc;
    let slot = heap.objects.slots[r.index as usize];
    for (i, v) in values.iter().enumerate() {
        let bits = if elem.is_ref() { heap.encode(*v) } else { heap::bits_of(*v) };
        heap.write_bits(slot, elem, elem_at(elem, i as u32), bits, heap::high_bits(*v));
    }
    Ok(r)
}

#[cold]
fn not_a(what: &str) -> Trap {
    Trap::host(format!("type is not a {what} type (module not validated?)"))
}

/// Makes room for a zeroed object of type `ty` with `len` elements:
/// collects when due, asks the limiter before the heap grows (collecting
/// and asking again once if it refuses), then places it.
fn reserve(
    store: &mut dyn EngineStore,
    ty: &Arc<GcType>,
    len: u32,
    roots: &[&[Val]],
    raw_roots: &[u64],
) -> Result<GcRef, Trap> {
    let stress = store.inner().engine.config().gc_stress;
    let heap = &mut store.inner_mut().gc;
    let number = heap.objects.type_number(ty);
    let words = heap.objects.types[number as usize].words(len);
    let charge = usize::try_from(words)
        .ok()
        .and_then(|w| w.checked_mul(8))
        .and_then(|b| b.checked_add(heap::SLOT_BYTES))
        .ok_or_else(|| Trap::new(TrapKind::GcHeapExhausted))?;
    if heap.inhibit == 0 && (stress || heap.since_gc + charge > heap.threshold.max(MIN_THRESHOLD)) {
        collect_scanning(store.inner_mut(), roots, raw_roots);
    }
    let full =
        |heap: &GcHeap| heap.objects.free_slots.is_empty() && heap.objects.slots.len() >= raw::MAX_OBJECTS as usize;
    let current = store.inner().gc.live_bytes;
    if full(&store.inner().gc) || !store.gc_heap_may_grow(current, current.saturating_add(charge)) {
        if store.inner().gc.inhibit == 0 {
            collect_scanning(store.inner_mut(), roots, raw_roots);
        }
        let current = store.inner().gc.live_bytes;
        if full(&store.inner().gc) || !store.gc_heap_may_grow(current, current.saturating_add(charge)) {
            return Err(Trap::new(TrapKind::GcHeapExhausted));
        }
    }
    let inner = store.inner_mut();
    let id = inner.id;
    let heap = &mut inner.gc;
    heap.live_bytes += charge;
    heap.since_gc += charge;
    heap.stats.allocated += 1;
    heap.stats.peak_bytes = heap.stats.peak_bytes.max(heap.live_bytes as u64);
    let index = heap.objects.place(number, words as usize, len);
    let slot = heap.objects.slots[index as usize];
    Ok(heap::gc_ref(id, index, &slot, ty.is_array()))
}

/// Counts an exception instance's allocation toward the next collection
/// and runs one if it is due (so a loop that throws and catches `exnref`s
/// stays bounded); `roots` as for [`alloc_struct`], plus the instance's
/// fields. Call before [`crate::executor::alloc_exn`].
pub fn exception_allocating(store: &mut dyn EngineStore, fields: usize, roots: &[&[Val]]) {
    exception_allocating_scanning(store, fields, roots, &[]);
}

/// [`exception_allocating`] for an engine that keeps values as raw words:
/// `raw_roots` are scanned conservatively (see [`alloc_struct_scanning`]).
pub fn exception_allocating_scanning(store: &mut dyn EngineStore, fields: usize, roots: &[&[Val]], raw_roots: &[u64]) {
    let stress = store.inner().engine.config().gc_stress;
    let heap = &mut store.inner_mut().gc;
    let charge = EXN_BYTES + fields * 8;
    heap.since_gc += charge;
    if heap.inhibit == 0 && (stress || heap.since_gc > heap.threshold.max(MIN_THRESHOLD)) {
        collect_scanning(store.inner_mut(), roots, raw_roots);
    }
}

/// What an exception instance counts toward the collection threshold
/// besides its fields.
const EXN_BYTES: usize = 64;

/// Runs a full collection: marks from every root and `extra`, frees the
/// objects (and exception instances) nothing reaches.
pub fn collect(store: &mut StoreInner, extra: &[&[Val]]) {
    collect_scanning(store, extra, &[]);
}

/// [`collect`] with raw roots scanned conservatively (see [`alloc_struct_scanning`]).
pub fn collect_scanning(store: &mut StoreInner, extra: &[&[Val]], raw_roots: &[u64]) {
    let id = store.id;
    let heap = &mut store.gc;
    heap.marks.clear();
    heap.marks.resize(heap.objects.allocated.len(), 0);
    let mut m = Marker {
        id,
        objects: &heap.objects,
        marks: &mut heap.marks,
        work: Vec::new(),
        exn_marks: vec![false; store.exns.len()],
        exn_work: Vec::new(),
    };
    for vals in extra {
        vals.iter().for_each(|v| m.val(v));
    }
    for w in raw_roots {
        if let Some(r) = raw::to_object(*w, id) {
            m.val(&Val::AnyRef(Some(AnyRef::Object(r))));
        } else if let Some(i) = raw::exn_candidate(&heap.exn_generations, *w) {
            m.exn(i);
        }
    }
    heap.suspended.iter().for_each(|v| m.val(v));
    heap.roots.iter().flatten().for_each(|v| m.val(v));
    store.globals.iter().for_each(|g| m.val(&g.value));
    store.tables.iter().for_each(|t| t.elements.iter().for_each(|v| m.val(v)));
    store.elems.iter().for_each(|e| e.items.iter().for_each(|v| m.val(v)));
    for (i, e) in store.exns.iter().enumerate() {
        // Instances the collector cannot see every reference to (pinned,
        // or in flight) are roots.
        if e.pinned || !e.escaped {
            m.exn(i as u32);
        }
    }
    loop {
        if let Some(i) = m.work.pop() {
            let objects = m.objects;
            let slot = objects.slots[i as usize];
            let t = &objects.types[slot.ty as usize];
            let words = objects.words_of(&slot);
            match t.elem_refs {
                Some(Hierarchy::Any | Hierarchy::Extern) => words.iter().for_each(|w| m.word(*w)),
                Some(Hierarchy::Exn) => words.iter().for_each(|w| m.exn_word(*w)),
                Some(Hierarchy::Func) => {}
                None => {
                    t.traced.iter().for_each(|k| m.word(words[*k as usize]));
                    t.exn_words.iter().for_each(|k| m.exn_word(words[*k as usize]));
                }
            }
        } else if let Some(e) = m.exn_work.pop() {
            store.exns[e as usize].fields.iter().for_each(|v| m.val(v));
        } else {
            break;
        }
    }
    let exn_marks = std::mem::take(&mut m.exn_marks);
    let mut freed = 0u64;
    let mut freed_bytes = 0usize;
    for w in 0..heap.marks.len() {
        let mut garbage = heap.objects.allocated[w] & !heap.marks[w];
        while garbage != 0 {
            let bit = garbage.trailing_zeros();
            garbage &= garbage - 1;
            let words = heap.objects.free(w as u32 * 64 + bit);
            freed_bytes += heap::SLOT_BYTES + words * 8;
            freed += 1;
        }
    }
    heap.live_bytes -= freed_bytes;
    heap.stats.freed += freed;
    heap.stats.collections += 1;
    heap.since_gc = 0;
    heap.threshold = heap.live_bytes.max(MIN_THRESHOLD);
    let mut n = 0;
    for (i, marked) in exn_marks.into_iter().enumerate() {
        if !marked && crate::exception::collect(store, i as u32) {
            n += 1;
        }
    }
    store.gc.stats.exceptions_freed += n;
}

/// The mark phase's state: a work list of objects (by slot) and one of
/// exception instances (by address), each marked when first pushed.
struct Marker<'a> {
    id: StoreId,
    objects: &'a heap::Objects,
    marks: &'a mut [u64],
    work: Vec<u32>,
    exn_marks: Vec<bool>,
    exn_work: Vec<u32>,
}

impl Marker<'_> {
    /// Marks what root value `v` refers to.
    fn val(&mut self, v: &Val) {
        match v {
            Val::ExnRef(Some(e)) if e.0.store == self.id => self.exn(e.0.index),
            v => {
                if let Some(r) = object_of(v)
                    && r.store == self.id
                    && self.objects.slot(r).is_some()
                {
                    self.slot(r.index as usize);
                }
            }
        }
    }

    /// Marks the object of an `any`/`extern` raw word, if it is one.
    #[inline]
    fn word(&mut self, w: u64) {
        if raw::is_object(w) {
            let j = ((w >> 2) & u64::from(raw::MAX_OBJECTS - 1)) as usize;
            if self.objects.slots.get(j).is_some_and(|s| s.ty != heap::FREE) {
                self.slot(j);
            }
        }
    }

    #[inline]
    fn slot(&mut self, j: usize) {
        let bit = 1u64 << (j % 64);
        if self.marks[j / 64] & bit == 0 {
            self.marks[j / 64] |= bit;
            self.work.push(j as u32);
        }
    }

    /// Marks the exception instance of an `exnref` raw word, if not null.
    fn exn_word(&mut self, w: u64) {
        if w != raw::NULL {
            self.exn(raw::exn_index(w));
        }
    }

    fn exn(&mut self, i: u32) {
        if let Some(m) = self.exn_marks.get_mut(i as usize)
            && !*m
        {
            *m = true;
            self.exn_work.push(i);
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Store};
    use weft_decode::{CompositeType, FieldType, HeapType, RefType, SubType};

    fn sub(composite: CompositeType, supertype: Option<u32>, is_final: bool, start: u32, len: u32) -> SubType {
        SubType {
            is_final,
            supertype,
            composite,
            rec_group_start: start,
            rec_group_len: len,
            supertype_count: u32::from(supertype.is_some()),
        }
    }

    fn field(storage: StorageType) -> FieldType {
        FieldType { storage, mutable: true }
    }

    /// `(rec (type $node (struct (field i32) (field (ref null $node)))))`
    fn node_types() -> Vec<SubType> {
        let next = StorageType::Val(ValType::Ref(RefType { nullable: true, heap: HeapType::Concrete(0) }));
        vec![sub(
            CompositeType::Struct(vec![field(StorageType::Val(ValType::I32)), field(next)].into()),
            None,
            true,
            0,
            1,
        )]
    }

    fn node(store: &mut Store<()>, ty: &Arc<GcType>, value: i32, next: Val) -> Val {
        Val::AnyRef(Some(AnyRef::Object(alloc_struct(store, ty, &[Val::I32(value), next], &[&[next]]).unwrap())))
    }

    fn list(store: &mut Store<()>, ty: &Arc<GcType>, n: i32) -> Val {
        let mut head = Val::AnyRef(None);
        for i in 0..n {
            head = node(store, ty, i, head);
        }
        head
    }

    #[test]
    fn rooted_list_survives_and_unrooted_list_is_freed() {
        let engine = Engine::default();
        let ty = engine.type_registry().register(&node_types()).remove(0);
        let mut store = Store::new(&engine, ());
        // Allocating roots the head as it goes: each new node is passed as
        // an extra root of the next allocation, so keep collections off
        // until the list is rooted.
        store.inner.gc.inhibit += 1;
        let head = list(&mut store, &ty, 10_000);
        store.inner.gc.inhibit -= 1;
        let root = store.inner.gc.root(head);
        collect(&mut store.inner, &[]);
        assert_eq!(store.inner.gc.stats().live_objects, 10_000);
        // Walk the list: values intact after a collection.
        let mut cur = head;
        let mut sum = 0i64;
        while let Val::AnyRef(Some(AnyRef::Object(r))) = cur {
            let obj = store.inner.gc.get(r).expect("live");
            let GcComposite::Struct { fields, .. } = &obj.ty().composite else { panic!() };
            sum += i64::from(obj.read(&fields[0], fields[0].at as usize).i32().unwrap());
            cur = obj.read(&fields[1], fields[1].at as usize);
        }
        assert_eq!(sum, (0..10_000i64).sum::<i64>());
        store.inner.gc.unroot(root);
        collect(&mut store.inner, &[]);
        let stats = store.inner.gc.stats();
        assert_eq!((stats.live_objects, stats.freed, stats.live_bytes), (0, 10_000, 0));
        // A stale reference is detected, never read as another object.
        let Val::AnyRef(Some(AnyRef::Object(stale))) = head else { panic!() };
        assert!(store.inner.gc.get(stale).is_none());
        let fresh = list(&mut store, &ty, 1);
        let Val::AnyRef(Some(AnyRef::Object(fresh))) = fresh else { panic!() };
        assert!(store.inner.gc.get(stale).is_none(), "slot reused with a new generation");
        assert!(store.inner.gc.get(fresh).is_some());
    }

    #[test]
    fn raw_words_with_an_object_tag_are_roots() {
        let engine = Engine::default();
        let ty = engine.type_registry().register(&node_types()).remove(0);
        let mut store = Store::new(&engine, ());
        let a = node(&mut store, &ty, 1, Val::AnyRef(None));
        let b = node(&mut store, &ty, 2, a);
        let Val::AnyRef(Some(AnyRef::Object(rb))) = b else { panic!() };
        // A stale word (another generation of b's slot) keeps nothing.
        let stale = raw::object(GcRef { generation: rb.generation ^ 1, ..rb });
        let words = [0, raw::i31(9), raw::object(rb), 42];
        collect_scanning(&mut store.inner, &[], &words);
        assert_eq!(store.inner.gc.stats().live_objects, 2, "b from its word, a through b");
        let id = store.inner.id;
        let mark = store.inner.gc.suspend_raw(id, &words);
        collect(&mut store.inner, &[]);
        assert_eq!(store.inner.gc.stats().live_objects, 2, "suspended raw slots are roots");
        store.inner.gc.resume(mark);
        collect_scanning(&mut store.inner, &[], &[0, raw::i31(9), 42, stale]);
        assert_eq!(store.inner.gc.stats().live_objects, 0);
    }

    #[test]
    fn cycles_are_collected_and_roots_on_the_engine_stack_kept() {
        let engine = Engine::default();
        let ty = engine.type_registry().register(&node_types()).remove(0);
        let mut store = Store::new(&engine, ());
        let a = node(&mut store, &ty, 1, Val::AnyRef(None));
        let b = node(&mut store, &ty, 2, a);
        let Val::AnyRef(Some(AnyRef::Object(ra))) = a else { panic!() };
        let f = ty.composite.clone();
        let GcComposite::Struct { fields, .. } = f else { panic!() };
        assert!(store.inner.gc.write(ra, &fields[1], fields[1].at as usize, b));
        let kept = node(&mut store, &ty, 3, Val::AnyRef(None));
        collect(&mut store.inner, &[&[kept]]);
        assert_eq!(store.inner.gc.stats().live_objects, 1, "the a<->b cycle is garbage");
        let mark = store.inner.gc.suspend([kept]);
        collect(&mut store.inner, &[]);
        assert_eq!(store.inner.gc.stats().live_objects, 1, "suspended activations' values are roots");
        store.inner.gc.resume(mark);
        collect(&mut store.inner, &[]);
        assert_eq!(store.inner.gc.stats().live_objects, 0);
    }

    #[test]
    fn allocation_volume_triggers_collection_and_stress_collects_every_time() {
        let engine = Engine::default();
        let ty = engine.type_registry().register(&node_types()).remove(0);
        let mut store = Store::new(&engine, ());
        for i in 0..200_000 {
            node(&mut store, &ty, i, Val::AnyRef(None));
        }
        let stats = store.inner.gc.stats();
        assert!(stats.collections >= 1, "{stats:?}");
        assert!(stats.peak_bytes <= 2 * MIN_THRESHOLD as u64, "heap bounded under churn: {stats:?}");

        let mut config = crate::Config::default();
        config.gc_stress(true);
        let engine = Engine::new(&config);
        let ty = engine.type_registry().register(&node_types()).remove(0);
        let mut store = Store::new(&engine, ());
        let mut head = Val::AnyRef(None);
        for i in 0..100 {
            // The head is rooted only as the allocating engine's operand.
            head = node(&mut store, &ty, i, head);
        }
        assert_eq!(store.inner.gc.stats().collections, 100);
        assert_eq!(store.inner.gc.stats().live_objects, 100);
    }

    struct Tight;
    impl crate::ResourceLimiter for Tight {
        fn memory_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> bool {
            true
        }
        fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> bool {
            true
        }
        fn gc_heap_growing(&mut self, _: usize, desired: usize) -> bool {
            desired <= 10_000
        }
    }

    #[test]
    fn the_limiter_bounds_the_heap() {
        let engine = Engine::default();
        let ty = engine.type_registry().register(&node_types()).remove(0);
        let mut store = Store::new(&engine, Tight);
        store.limiter(|t| t);
        let mut head = Val::AnyRef(None);
        let mut n = 0;
        let err = loop {
            match alloc_struct(&mut store, &ty, &[Val::I32(n), head], &[&[head]]) {
                Ok(r) => head = Val::AnyRef(Some(AnyRef::Object(r))),
                Err(e) => break e,
            }
            n += 1;
        };
        assert_eq!(err.kind(), &TrapKind::GcHeapExhausted);
        // A node is a 16-byte slot and two words.
        assert_eq!(n as usize, 10_000 / 32, "{n}");
    }

    #[test]
    fn equal_types_share_an_id_and_casts_use_the_display() {
        let registry = TypeRegistry::default();
        let a = registry.register(&node_types());
        let b = registry.register(&node_types());
        assert_eq!(a[0].id, b[0].id, "iso-recursive equality across modules");
        // $base (sub (struct i32)), $derived (sub $base (struct i32 i64)), $other (struct i32)
        let i32f = field(StorageType::Val(ValType::I32));
        let types = vec![
            sub(CompositeType::Struct(vec![i32f].into()), None, false, 0, 1),
            sub(CompositeType::Struct(vec![i32f, field(StorageType::Val(ValType::I64))].into()), Some(0), false, 1, 1),
            sub(CompositeType::Struct(vec![i32f].into()), None, true, 2, 1),
        ];
        let t = registry.register(&types);
        assert!(t[1].is_subtype_of(&t[0]));
        assert!(!t[0].is_subtype_of(&t[1]));
        assert!(!t[2].is_subtype_of(&t[0]), "finality makes a different type");
        assert_eq!(&*t[1].display, &[t[0].id, t[1].id]);
    }

    #[test]
    fn packed_fields_wrap_and_extend() {
        let registry = TypeRegistry::default();
        let types = vec![sub(
            CompositeType::Struct(vec![field(StorageType::I8), field(StorageType::I16)].into()),
            None,
            true,
            0,
            1,
        )];
        let ty = registry.register(&types).remove(0);
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let r = alloc_struct(&mut store, &ty, &[Val::I32(0x1ff), Val::I32(-2)], &[]).unwrap();
        let obj = store.inner.gc.get(r).unwrap();
        let GcComposite::Struct { fields, bytes, .. } = &ty.composite else { panic!() };
        assert_eq!(*bytes, 4, "i8 at 0, i16 aligned at 2");
        assert_eq!(obj.read(&fields[0], 0), Val::I32(0xff));
        assert_eq!(sign_extend(StorageType::I8, obj.read(&fields[0], 0)), Val::I32(-1));
        assert_eq!(obj.read(&fields[1], fields[1].at as usize), Val::I32(0xfffe));
        assert_eq!(sign_extend(StorageType::I16, obj.read(&fields[1], 2)), Val::I32(-2));
        assert_eq!(AnyRef::i31_get_s(AnyRef::i31(-5).bits()), -5);
    }
}
