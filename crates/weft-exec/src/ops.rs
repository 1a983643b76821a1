//! Table and memory operations on store instances (spec 4.4.6 "table
//! instructions", 4.4.7 "memory instructions"), shared by instantiation,
//! the embedding API and the engines. Bounds are checked before anything
//! is written, so a failing operation changes nothing.

use crate::instance::InstanceData;
use crate::store::{EngineStore, StoreInner};
use crate::trap::TrapKind;
use crate::value::Val;

type R<T> = Result<T, TrapKind>;

/// `[offset, offset + len)` as a `usize` range if it lies within `size`.
#[inline]
pub fn range_in(offset: u64, len: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let end = offset.checked_add(len)?;
    if end > size as u64 {
        return None;
    }
    Some(offset as usize..end as usize)
}

/// `memory.grow` on memory address `mem`: the old size in pages, or `None`
/// if the type's maximum, the address space or the store's limiter forbid it.
pub fn memory_grow(store: &mut dyn EngineStore, mem: usize, delta: u64) -> Option<u64> {
    let entity = store.inner().memories.get(mem)?;
    let old = entity.pages();
    let new = old.checked_add(delta)?;
    let log2 = entity.ty.page_size_log2();
    // The spec's bound: the whole address space, in pages.
    let address_bits: u32 = if entity.ty.index64 { 48 } else { 32 };
    let spec_max = 1u64 << address_bits.saturating_sub(log2);
    let max = entity.ty.limits.max.unwrap_or(spec_max).min(spec_max);
    if new > max {
        return None;
    }
    let current = entity.data.len();
    let desired = usize::try_from(new.checked_shl(log2)?).ok()?;
    let max_bytes = entity.ty.limits.max.and_then(|m| m.checked_shl(log2)).and_then(|m| usize::try_from(m).ok());
    if delta == 0 {
        return Some(old);
    }
    if !store.memory_may_grow(current, desired, max_bytes) {
        return None;
    }
    // Within the reservation this moves the end only: no copy, no write.
    store.inner_mut().memories[mem].data.grow(desired, max_bytes).then_some(old)
}

/// `table.grow` on table address `table`: the old size, or `None` on failure.
pub fn table_grow(store: &mut dyn EngineStore, table: usize, delta: u64, init: Val) -> Option<u64> {
    let entity = store.inner().tables.get(table)?;
    let old = entity.elements.len() as u64;
    let new = old.checked_add(delta)?;
    let spec_max = if entity.ty.index64 { u64::MAX } else { u64::from(u32::MAX) };
    let max = entity.ty.limits.max.unwrap_or(spec_max).min(spec_max);
    if new > max {
        return None;
    }
    if delta == 0 {
        return Some(old);
    }
    let desired = usize::try_from(new).ok()?;
    let max_elems = entity.ty.limits.max.and_then(|m| usize::try_from(m).ok());
    if !store.table_may_grow(old as usize, desired, max_elems) {
        return None;
    }
    // The new elements stay lazy (`crate::table`).
    store.inner_mut().tables[table].elements.grow(desired, init).then_some(old)
}

/// `table.init`: copies `n` references from element segment `elem` at `src`
/// into table `table` at `dst` (indices are the instance's).
pub fn table_init(
    store: &mut StoreInner,
    inst: &InstanceData,
    table: u32,
    elem: u32,
    dst: u64,
    src: u64,
    n: u64,
) -> R<()> {
    let t = *inst.tables.get(table as usize).ok_or(TrapKind::TableOutOfBounds)? as usize;
    let e = *inst.elems.get(elem as usize).ok_or(TrapKind::TableOutOfBounds)? as usize;
    let inner = store;
    let items = &inner.elems.get(e).ok_or(TrapKind::TableOutOfBounds)?.items;
    let table = inner.tables.get_mut(t).ok_or(TrapKind::TableOutOfBounds)?;
    let s = range_in(src, n, items.len()).ok_or(TrapKind::TableOutOfBounds)?;
    let d = range_in(dst, n, table.elements.len()).ok_or(TrapKind::TableOutOfBounds)?;
    table.elements.slice_mut(d).copy_from_slice(&items[s]);
    Ok(())
}

/// `memory.init`: copies `n` bytes from data segment `data` at `src` into
/// memory `mem` at `dst` (indices are the instance's).
pub fn memory_init(
    store: &mut StoreInner,
    inst: &InstanceData,
    mem: u32,
    data: u32,
    dst: u64,
    src: u64,
    n: u64,
) -> R<()> {
    let m = *inst.memories.get(mem as usize).ok_or(TrapKind::MemoryOutOfBounds)? as usize;
    let d = *inst.datas.get(data as usize).ok_or(TrapKind::MemoryOutOfBounds)? as usize;
    let inner = store;
    let bytes = &inner.datas.get(d).ok_or(TrapKind::MemoryOutOfBounds)?.bytes;
    let memory = inner.memories.get_mut(m).ok_or(TrapKind::MemoryOutOfBounds)?;
    let s = range_in(src, n, bytes.len()).ok_or(TrapKind::MemoryOutOfBounds)?;
    let dr = range_in(dst, n, memory.data.len()).ok_or(TrapKind::MemoryOutOfBounds)?;
    memory.data[dr].copy_from_slice(&bytes[s]);
    Ok(())
}

/// `memory.copy` between memory addresses (overlap-safe).
pub fn memory_copy(store: &mut StoreInner, dst_mem: usize, src_mem: usize, dst: u64, src: u64, n: u64) -> R<()> {
    let mems = &mut store.memories;
    let src_len = mems.get(src_mem).ok_or(TrapKind::MemoryOutOfBounds)?.data.len();
    let dst_len = mems.get(dst_mem).ok_or(TrapKind::MemoryOutOfBounds)?.data.len();
    let s = range_in(src, n, src_len).ok_or(TrapKind::MemoryOutOfBounds)?;
    let d = range_in(dst, n, dst_len).ok_or(TrapKind::MemoryOutOfBounds)?;
    if dst_mem == src_mem {
        mems[dst_mem].data.copy_within(s, d.start);
    } else {
        let bytes = mems[src_mem].data[s].to_vec();
        mems[dst_mem].data[d].copy_from_slice(&bytes);
    }
    Ok(())
}

/// `memory.fill`.
pub fn memory_fill(store: &mut StoreInner, mem: usize, dst: u64, value: u8, n: u64) -> R<()> {
    let memory = store.memories.get_mut(mem).ok_or(TrapKind::MemoryOutOfBounds)?;
    let d = range_in(dst, n, memory.data.len()).ok_or(TrapKind::MemoryOutOfBounds)?;
    memory.data[d].fill(value);
    Ok(())
}

/// `table.copy` between table addresses (overlap-safe).
pub fn table_copy(store: &mut StoreInner, dst_t: usize, src_t: usize, dst: u64, src: u64, n: u64) -> R<()> {
    let tables = &mut store.tables;
    let src_len = tables.get(src_t).ok_or(TrapKind::TableOutOfBounds)?.elements.len();
    let dst_len = tables.get(dst_t).ok_or(TrapKind::TableOutOfBounds)?.elements.len();
    let s = range_in(src, n, src_len).ok_or(TrapKind::TableOutOfBounds)?;
    let d = range_in(dst, n, dst_len).ok_or(TrapKind::TableOutOfBounds)?;
    if dst_t == src_t {
        tables[dst_t].elements.copy_within(s, d.start);
    } else {
        let items = tables[src_t].elements.to_vec(s);
        tables[dst_t].elements.slice_mut(d).copy_from_slice(&items);
    }
    Ok(())
}

/// `table.fill`.
pub fn table_fill(store: &mut StoreInner, table: usize, dst: u64, value: Val, n: u64) -> R<()> {
    let t = store.tables.get_mut(table).ok_or(TrapKind::TableOutOfBounds)?;
    let d = range_in(dst, n, t.elements.len()).ok_or(TrapKind::TableOutOfBounds)?;
    t.elements.fill(d, value);
    Ok(())
}
