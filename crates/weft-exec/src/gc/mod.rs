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
//! An object ([`GcObject`]) is its runtime type ([`GcType`], with the
//! canonical id and supertype display casts compare) plus two parts: the
//! non-reference fields packed into `bytes` (`i8`/`i16` take one and two
//! bytes, every field aligned to its size; an array of `n` elements of
//! size `s` is `n*s` bytes), and the reference fields or elements in
//! `refs`, which is all the collector has to trace.
//!
//! # Collection
//!
//! Mark-sweep over the object table ([`GcHeap`]): slots hold objects, a
//! free list recycles slots, and each slot has a generation that changes
//! when its object is freed, so a stale [`GcRef`] (one the host kept
//! without rooting it) is detected ("GC object was collected"), never
//! read as another object. Roots are everything a running program can
//! reach: the operand stacks and locals of the running engine (passed to
//! [`alloc`] by the engine that allocates) and of every activation
//! suspended below it ([`GcHeap::suspend`], pushed when an engine calls
//! out to the host or another executor), globals, tables, element
//! segments, exception payloads, and the host's rooted handles
//! ([`GcHeap::root`]). Marking uses an explicit work list (no recursion on
//! object depth).
//!
//! A collection runs only inside [`alloc`], before the new object exists
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
pub mod raw;
mod types;

use std::sync::Arc;

pub use api::Rooted;
pub use types::{FieldLayout, GcComposite, GcType, TypeRegistry, default_of, null_of, storage_size};

use weft_decode::{StorageType, ValType};

use crate::store::{EngineStore, StoreId, StoreInner};
use crate::trap::{Trap, TrapKind};
use crate::value::{ExternRef, Val};

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

    fn slot_generation(&self) -> u32 {
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

/// A struct or array object.
#[derive(Debug, Clone)]
pub struct GcObject {
    /// Its runtime type.
    pub ty: Arc<GcType>,
    /// Its non-reference fields or elements, packed.
    pub bytes: Box<[u8]>,
    /// Its reference fields or elements.
    pub refs: Box<[Val]>,
    /// For an array, its length (0 for a struct).
    pub len: u32,
}

/// The bytes an object is charged for: its parts plus a header.
const HEADER_BYTES: usize = 48;

impl GcObject {
    /// A struct of type `ty` with `fields` (in declaration order; packed
    /// fields given as `i32`, wrapped).
    pub fn new_struct(ty: Arc<GcType>, fields: &[Val]) -> GcObject {
        let GcComposite::Struct { fields: layout, bytes, refs } = &ty.composite else {
            return GcObject { ty, bytes: Box::default(), refs: Box::default(), len: 0 };
        };
        let mut obj = GcObject {
            bytes: vec![0; *bytes as usize].into(),
            refs: vec![Val::AnyRef(None); *refs as usize].into(),
            len: 0,
            ty: ty.clone(),
        };
        for (f, v) in layout.iter().zip(fields) {
            obj.write(f, f.at as usize, *v);
        }
        obj
    }

    /// An array of type `ty` with `len` copies of `init`.
    pub fn new_array(ty: Arc<GcType>, len: u32, init: Val) -> GcObject {
        let GcComposite::Array(elem) = ty.composite else {
            return GcObject { ty, bytes: Box::default(), refs: Box::default(), len: 0 };
        };
        let size = elem.size() as usize;
        let n = len as usize;
        let mut obj = if size == 0 {
            GcObject { bytes: Box::default(), refs: vec![init; n].into(), len, ty: ty.clone() }
        } else {
            GcObject { bytes: vec![0; n * size].into(), refs: Box::default(), len, ty: ty.clone() }
        };
        if size != 0 && !is_zero(init) {
            for i in 0..n {
                obj.write(&elem, i * size, init);
            }
        }
        obj
    }

    /// The bytes this object is charged for.
    pub fn charge(&self) -> usize {
        HEADER_BYTES + self.bytes.len() + self.refs.len() * std::mem::size_of::<Val>()
    }

    /// The field layout of struct field `i`.
    pub fn struct_field(&self, i: u32) -> Option<FieldLayout> {
        match &self.ty.composite {
            GcComposite::Struct { fields, .. } => fields.get(i as usize).copied(),
            _ => None,
        }
    }

    /// The element layout, if this is an array.
    pub fn array_elem(&self) -> Option<FieldLayout> {
        match &self.ty.composite {
            GcComposite::Array(e) => Some(*e),
            _ => None,
        }
    }

    /// Reads a value of field `f` at position `at` (a byte offset, or a
    /// ref index for reference fields). Packed fields come back as
    /// `i32`, zero-extended (`struct.get_s`/`array.get_s` sign-extend with
    /// [`sign_extend`]).
    pub fn read(&self, f: &FieldLayout, at: usize) -> Val {
        match f.storage {
            StorageType::Val(ValType::Ref(_)) => self.refs.get(at).copied().unwrap_or(f.default),
            s => read_packed(&self.bytes, s, at),
        }
    }

    /// Writes `v` to field `f` at position `at` (see [`GcObject::read`]);
    /// packed fields keep the low 8 or 16 bits of an `i32`.
    pub fn write(&mut self, f: &FieldLayout, at: usize, v: Val) {
        let mut put = |bytes: &[u8]| {
            if let Some(dst) = self.bytes.get_mut(at..at + bytes.len()) {
                dst.copy_from_slice(bytes);
            }
        };
        match (f.storage, v) {
            (StorageType::I8, Val::I32(x)) => put(&[x as u8]),
            (StorageType::I16, Val::I32(x)) => put(&(x as u16).to_le_bytes()),
            (StorageType::Val(ValType::Ref(_)), v) => {
                if let Some(slot) = self.refs.get_mut(at) {
                    *slot = v;
                }
            }
            (_, Val::I32(x)) => put(&x.to_le_bytes()),
            (_, Val::F32(x)) => put(&x.to_le_bytes()),
            (_, Val::I64(x)) => put(&x.to_le_bytes()),
            (_, Val::F64(x)) => put(&x.to_le_bytes()),
            (_, Val::V128(x)) => put(&x.to_le_bytes()),
            _ => {}
        }
    }

    /// Array element `i`'s position for [`read`](GcObject::read)/[`write`](GcObject::write).
    pub fn elem_at(elem: &FieldLayout, i: u32) -> usize {
        let size = elem.size() as usize;
        if size == 0 { i as usize } else { i as usize * size }
    }
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

fn is_zero(v: Val) -> bool {
    matches!(v, Val::I32(0) | Val::I64(0) | Val::F32(0) | Val::F64(0) | Val::V128(0))
}

/// One slot of the object table.
#[derive(Debug, Default)]
struct Slot {
    generation: u32,
    object: Option<GcObject>,
}

/// Counters of a heap's life (for `weft run --timings`, tests and benches).
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
}

/// The smallest allocation volume between two collections.
const MIN_THRESHOLD: usize = 1 << 20;

/// A store's GC heap: the object table, the collector's state, and the
/// roots it cannot find by itself (host handles, suspended activations).
#[derive(Debug, Default)]
pub struct GcHeap {
    slots: Vec<Slot>,
    free: Vec<u32>,
    marks: Vec<bool>,
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
    /// Host values too large for an inline raw word ([`raw`]), by number.
    large_host_values: Vec<u64>,
    /// The number of each large host value.
    large_hosts: std::collections::HashMap<u64, u64>,
}

impl GcHeap {
    /// The object `r` refers to, if it is still live.
    pub fn get(&self, r: GcRef) -> Option<&GcObject> {
        let slot = self.slots.get(r.index as usize)?;
        if slot.generation == r.slot_generation() { slot.object.as_ref() } else { None }
    }

    /// The object `r` refers to, mutably, if it is still live.
    pub fn get_mut(&mut self, r: GcRef) -> Option<&mut GcObject> {
        let slot = self.slots.get_mut(r.index as usize)?;
        if slot.generation == r.slot_generation() { slot.object.as_mut() } else { None }
    }

    /// The heap's counters.
    pub fn stats(&self) -> GcStats {
        GcStats {
            live_objects: self.stats.allocated - self.stats.freed,
            live_bytes: self.live_bytes as u64,
            ..self.stats
        }
    }

    /// Whether any object was ever allocated (engines skip root
    /// bookkeeping while none was).
    #[inline]
    pub fn in_use(&self) -> bool {
        self.stats.allocated != 0 || !self.roots.is_empty()
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
        self.suspended.extend(values.into_iter().filter(holds_object));
        mark
    }

    /// Forgets the values recorded by the [`suspend`](GcHeap::suspend) that returned `mark`.
    pub fn resume(&mut self, mark: usize) {
        self.suspended.truncate(mark);
    }
}

fn holds_object(v: &Val) -> bool {
    matches!(v, Val::AnyRef(Some(AnyRef::Object(_))) | Val::Externalized(AnyRef::Object(_)))
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

/// Allocates `obj` on the store's heap (spec 4.5.3 `alloc_struct`/`alloc_array`),
/// collecting first if the allocation volume or [`Config::gc_stress`](crate::Config::gc_stress)
/// says so. `roots` are the allocating engine's live values (its operand
/// stacks and locals), which the collector cannot find by itself.
pub fn alloc(store: &mut dyn EngineStore, obj: GcObject, roots: &[&[Val]]) -> Result<GcRef, Trap> {
    let charge = obj.charge();
    let array = if obj.ty.is_array() { ARRAY_BIT } else { 0 };
    let stress = store.inner().engine.config().gc_stress;
    {
        let heap = &store.inner().gc;
        if heap.inhibit == 0 && (stress || heap.since_gc + charge > heap.threshold.max(MIN_THRESHOLD)) {
            collect(store.inner_mut(), roots);
        }
    }
    let current = store.inner().gc.live_bytes;
    let desired = current.saturating_add(charge);
    if !store.gc_heap_may_grow(current, desired) {
        if store.inner().gc.inhibit == 0 {
            collect(store.inner_mut(), roots);
        }
        let current = store.inner().gc.live_bytes;
        if !store.gc_heap_may_grow(current, current.saturating_add(charge)) {
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
    let index = match heap.free.pop() {
        Some(i) => {
            heap.slots[i as usize].object = Some(obj);
            i
        }
        None => {
            heap.slots.push(Slot { generation: 0, object: Some(obj) });
            (heap.slots.len() - 1) as u32
        }
    };
    Ok(GcRef { store: id, index, generation: heap.slots[index as usize].generation | array })
}

/// Whether an allocation of `bytes` could ever succeed: the heap's bytes
/// are bounded, so a request beyond what a `usize` or the limiter allows
/// traps before anything is allocated.
pub fn check_size(store: &mut dyn EngineStore, bytes: u64, roots: &[&[Val]]) -> Result<(), Trap> {
    let bytes = usize::try_from(bytes).map_err(|_| Trap::new(TrapKind::GcHeapExhausted))?;
    let current = store.inner().gc.live_bytes;
    if store.gc_heap_may_grow(current, current.saturating_add(bytes).saturating_add(HEADER_BYTES)) {
        return Ok(());
    }
    if store.inner().gc.inhibit == 0 {
        collect(store.inner_mut(), roots);
    }
    let current = store.inner().gc.live_bytes;
    if store.gc_heap_may_grow(current, current.saturating_add(bytes).saturating_add(HEADER_BYTES)) {
        Ok(())
    } else {
        Err(Trap::new(TrapKind::GcHeapExhausted))
    }
}

/// Runs a full collection: marks from every root and `extra`, frees the rest.
pub fn collect(store: &mut StoreInner, extra: &[&[Val]]) {
    let id = store.id;
    let heap = &mut store.gc;
    heap.marks.clear();
    heap.marks.resize(heap.slots.len(), false);
    let mut work: Vec<GcRef> = Vec::new();
    {
        let mut push = |v: &Val| {
            if let Some(r) = object_of(v)
                && r.store == id
            {
                work.push(r);
            }
        };
        for vals in extra {
            vals.iter().for_each(&mut push);
        }
        heap.suspended.iter().for_each(&mut push);
        heap.roots.iter().flatten().for_each(&mut push);
        store.globals.iter().for_each(|g| push(&g.value));
        store.tables.iter().for_each(|t| t.elements.iter().for_each(&mut push));
        store.elems.iter().for_each(|e| e.items.iter().for_each(&mut push));
        store.exns.iter().for_each(|e| e.fields.iter().for_each(&mut push));
    }
    while let Some(r) = work.pop() {
        let i = r.index as usize;
        let Some(slot) = heap.slots.get(i) else { continue };
        if slot.generation != r.slot_generation() || heap.marks[i] {
            continue;
        }
        heap.marks[i] = true;
        if let Some(obj) = &slot.object {
            work.extend(obj.refs.iter().filter_map(object_of).filter(|r| r.store == id));
        }
    }
    let mut freed = 0u64;
    for (i, slot) in heap.slots.iter_mut().enumerate() {
        if !heap.marks[i]
            && let Some(obj) = slot.object.take()
        {
            heap.live_bytes -= obj.charge();
            slot.generation = slot.generation.wrapping_add(1) & !ARRAY_BIT;
            heap.free.push(i as u32);
            freed += 1;
        }
    }
    heap.stats.freed += freed;
    heap.stats.collections += 1;
    heap.since_gc = 0;
    heap.threshold = heap.live_bytes.max(MIN_THRESHOLD);
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
        let obj = GcObject::new_struct(ty.clone(), &[Val::I32(value), next]);
        Val::AnyRef(Some(AnyRef::Object(alloc(store, obj, &[&[next]]).unwrap())))
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
            let GcComposite::Struct { fields, .. } = &obj.ty.composite else { panic!() };
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
    fn cycles_are_collected_and_roots_on_the_engine_stack_kept() {
        let engine = Engine::default();
        let ty = engine.type_registry().register(&node_types()).remove(0);
        let mut store = Store::new(&engine, ());
        let a = node(&mut store, &ty, 1, Val::AnyRef(None));
        let b = node(&mut store, &ty, 2, a);
        let Val::AnyRef(Some(AnyRef::Object(ra))) = a else { panic!() };
        let f = ty.composite.clone();
        let GcComposite::Struct { fields, .. } = f else { panic!() };
        store.inner.gc.get_mut(ra).unwrap().write(&fields[1], fields[1].at as usize, b);
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
            let obj = GcObject::new_struct(ty.clone(), &[Val::I32(n), head]);
            match alloc(&mut store, obj, &[&[head]]) {
                Ok(r) => head = Val::AnyRef(Some(AnyRef::Object(r))),
                Err(e) => break e,
            }
            n += 1;
        };
        assert_eq!(err.kind(), &TrapKind::GcHeapExhausted);
        assert!(n > 10 && (n as usize) * HEADER_BYTES < 10_000, "{n}");
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
        let obj = GcObject::new_struct(ty.clone(), &[Val::I32(0x1ff), Val::I32(-2)]);
        let GcComposite::Struct { fields, bytes, .. } = &ty.composite else { panic!() };
        assert_eq!(*bytes, 4, "i8 at 0, i16 aligned at 2");
        assert_eq!(obj.read(&fields[0], 0), Val::I32(0xff));
        assert_eq!(sign_extend(StorageType::I8, obj.read(&fields[0], 0)), Val::I32(-1));
        assert_eq!(obj.read(&fields[1], fields[1].at as usize), Val::I32(0xfffe));
        assert_eq!(sign_extend(StorageType::I16, obj.read(&fields[1], 2)), Val::I32(-2));
        assert_eq!(AnyRef::i31_get_s(AnyRef::i31(-5).bits()), -5);
    }
}
