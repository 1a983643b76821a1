//! Memory access beyond the fast path: memories other than 0 (multiple
//! memories) and 64-bit memories (memory64). Memory 0 with 32-bit
//! addresses keeps its buffer in the [`Mem`] register (`handlers.rs`);
//! these ops look their memory up in the store on every access instead,
//! and do their bounds checks in `u64` with `checked_add`, so no address
//! plus offset plus width can wrap around.
//!
//! `memory.size`, `grow`, `fill`, `copy` and `init` on such memories run
//! in the `slow` handler (through [`slow_memory_op`]) with the shared
//! [`crate::reference::ops`] functions; sizes count the memory's own
//! pages (custom page sizes).

use std::sync::Arc;

use super::backend::{Flow, next};
use super::{Exec, Ip, Mem, Sp};
use crate::instance::InstanceData;
use crate::reference::ops;
use crate::store::Store;
use crate::threaded::op::{Access, MemArgExt, Op};
use crate::trap::TrapKind;

impl<T> Exec<'_, T> {
    /// The store address, index type and effective address of the access
    /// `arg` at address `raw`; `None` if address plus offset overflows.
    #[inline(always)]
    fn effective(&self, arg: u32, raw: u64) -> Option<(usize, u64)> {
        let MemArgExt { mem, offset } = self.code().mem_args[arg as usize];
        let addr = self.inst.memories[mem as usize] as usize;
        let index = if self.store.inner.memories[addr].ty.index64 { raw } else { raw as u32 as u64 };
        Some((addr, index.checked_add(offset)?))
    }

    /// The value `access` reads at address `raw` of access `arg`; `None` if
    /// out of bounds.
    #[inline(never)]
    fn load_ext(&self, raw: u64, access: Access, arg: u32) -> Option<u64> {
        let (addr, ea) = self.effective(arg, raw)?;
        let n = usize::from(access.bytes);
        let data = &self.store.inner.memories[addr].data;
        let range = ops::range_in(ea, n as u64, data.len())?;
        let mut bytes = [0u8; 8];
        bytes[..n].copy_from_slice(&data[range]);
        let mut v = u64::from_le_bytes(bytes);
        if access.signed {
            let shift = 64 - 8 * n as u32;
            v = (((v << shift) as i64) >> shift) as u64;
        }
        Some(if access.wide { v } else { v as u32 as u64 })
    }

    /// Stores the low `bytes` bytes of `v` at address `raw` of access
    /// `arg`; `false` if out of bounds.
    #[inline(never)]
    fn store_ext(&mut self, raw: u64, v: u64, bytes: u8, arg: u32) -> bool {
        let Some((addr, ea)) = self.effective(arg, raw) else { return false };
        let n = usize::from(bytes);
        let data = &mut self.store.inner.memories[addr].data;
        let Some(range) = ops::range_in(ea, n as u64, data.len()) else { return false };
        data[range].copy_from_slice(&v.to_le_bytes()[..n]);
        true
    }
}

pub(super) fn load_ext<T>(ex: &mut Exec<'_, T>, ip: Ip, s: Sp, m: Mem) -> Flow {
    operands!(ip, LoadExt { d, a, access, arg });
    match ex.load_ext(s.raw(a), access, arg) {
        Some(v) => s.set_raw(d, v),
        None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
    }
    next(ex, ip.next(), s, m)
}

pub(super) fn store_ext<T>(ex: &mut Exec<'_, T>, ip: Ip, s: Sp, m: Mem) -> Flow {
    operands!(ip, StoreExt { a, v, bytes, arg });
    if !ex.store_ext(s.raw(a), s.raw(v), bytes, arg) {
        return ex.trap(ip, TrapKind::MemoryOutOfBounds);
    }
    next(ex, ip.next(), s, m)
}

/// An address, index or length operand of a memory with 64-bit (`index64`)
/// or 32-bit indices.
fn index(s: Sp, x: crate::threaded::op::Slot, index64: bool) -> u64 {
    if index64 { s.raw(x) } else { u64::from(s.get::<i32>(x) as u32) }
}

/// Executes one of the `Memory*Ext` ops (for the `slow` handler).
pub(super) fn slow_memory_op<T>(store: &mut Store<T>, inst: &Arc<InstanceData>, op: Op, s: Sp) -> Result<(), TrapKind> {
    let addr = |mem: u32| inst.memories[mem as usize] as usize;
    let is64 = |store: &Store<T>, a: usize| store.inner.memories[a].ty.index64;
    match op {
        Op::MemorySizeExt { d, mem } => {
            let a = addr(mem);
            let pages = store.inner.memories[a].pages();
            if is64(store, a) { s.set_raw(d, pages) } else { s.set(d, pages as i32) }
        }
        Op::MemoryGrowExt { d, a: delta, mem } => {
            let a = addr(mem);
            let wide = is64(store, a);
            let old = ops::memory_grow(store, a, index(s, delta, wide)).unwrap_or(u64::MAX);
            if wide { s.set_raw(d, old) } else { s.set(d, old as i32) }
        }
        Op::MemoryFillExt { d, v, n, mem } => {
            let a = addr(mem);
            let wide = is64(store, a);
            ops::memory_fill(store, a, index(s, d, wide), s.raw(v) as u8, index(s, n, wide))?;
        }
        Op::MemoryCopyExt { d, s: src, n, dst, src: src_mem } => {
            let (da, sa) = (addr(dst), addr(src_mem));
            let (d64, s64) = (is64(store, da), is64(store, sa));
            let (dv, sv, nv) = (index(s, d, d64), index(s, src, s64), index(s, n, d64 && s64));
            ops::memory_copy(store, da, sa, dv, sv, nv)?;
        }
        Op::MemoryInitExt { d, s: src, n, data, mem } => {
            let wide = is64(store, addr(mem));
            ops::memory_init(store, inst, mem, data, index(s, d, wide), index(s, src, false), index(s, n, false))?;
        }
        other => unreachable!("{other:?} is not an extended memory op"),
    }
    Ok(())
}
