//! Memory access beyond the fast path: memories other than 0 (multiple
//! memories) and 64-bit memories (memory64). Memory 0 keeps its buffer in
//! the [`Mem`] register; with 32-bit addresses its loads and stores are in
//! `handlers.rs`, with 64-bit addresses (and offsets below 2^32) they are
//! `Mem64Load`/`Mem64Store` here. Other memories, and larger offsets, use
//! `LoadExt`/`StoreExt`, which look their memory up in the store on every
//! access. All bounds checks here are in `u64` with `checked_add`, so no
//! address plus offset plus width can wrap around.
//!
//! `memory.size`, `grow`, `fill`, `copy` and `init` on such memories run
//! in the `slow` handler (through [`slow_memory_op`]) with the shared
//! [`weft_exec::executor::ops`] functions; sizes count the memory's own
//! pages (custom page sizes).

use super::backend::{Flow, next};
use super::{Exec, Ip, Mem, Sp};
use crate::op::{Access, MemArgExt, Op};
use weft_exec::TrapKind;
use weft_exec::executor::StoreInner;
use weft_exec::executor::ops;
use weft_macros::handler;

/// `v`, the little-endian bytes a load read, extended as `access` says.
#[inline(always)]
fn extend(v: u64, access: Access) -> u64 {
    let mut v = v;
    if access.signed {
        let shift = 64 - 8 * u32::from(access.bytes);
        v = (((v << shift) as i64) >> shift) as u64;
    }
    if access.wide { v } else { v as u32 as u64 }
}

impl Mem {
    /// The start of the `n` bytes at 64-bit address `addr` plus `offset`, if
    /// they are inside memory (no sum can wrap: both are checked).
    #[inline(always)]
    fn range64(self, addr: u64, offset: u32, n: u8) -> Option<usize> {
        let ea = addr.checked_add(u64::from(offset))?;
        let end = ea.checked_add(u64::from(n))?;
        if end > self.len as u64 {
            return None;
        }
        Some(ea as usize)
    }

    /// What `access` reads at 64-bit address `addr` plus `offset`.
    #[inline(always)]
    fn load64(self, addr: u64, offset: u32, access: Access) -> Option<u64> {
        let ea = self.range64(addr, offset, access.bytes)?;
        // SAFETY: `ea + bytes <= len` (`range64`), and `ptr`/`len` describe
        // memory 0's current buffer (see `Mem::load`). One read per width,
        // into registers: no buffer on the handler's stack.
        let v = unsafe {
            let p = self.ptr.add(ea);
            match access.bytes {
                1 => u64::from(*p),
                2 => u64::from(u16::from_le(std::ptr::read_unaligned(p.cast::<u16>()))),
                4 => u64::from(u32::from_le(std::ptr::read_unaligned(p.cast::<u32>()))),
                _ => u64::from_le(std::ptr::read_unaligned(p.cast::<u64>())),
            }
        };
        Some(extend(v, access))
    }

    /// Stores the low `bytes` bytes of `v` at 64-bit address `addr` plus
    /// `offset`; `None` if out of bounds.
    #[inline(always)]
    fn store64(self, addr: u64, offset: u32, bytes: u8, v: u64) -> Option<()> {
        let ea = self.range64(addr, offset, bytes)?;
        // SAFETY: as for `load64`; nothing else borrows the buffer while
        // handlers run.
        unsafe {
            let p = self.ptr.add(ea);
            match bytes {
                1 => *p = v as u8,
                2 => std::ptr::write_unaligned(p.cast::<u16>(), (v as u16).to_le()),
                4 => std::ptr::write_unaligned(p.cast::<u32>(), (v as u32).to_le()),
                _ => std::ptr::write_unaligned(p.cast::<u64>(), v.to_le()),
            }
        }
        Some(())
    }
}

impl Exec<'_> {
    /// The store address, index type and effective address of the access
    /// `arg` at address `raw`; `None` if address plus offset overflows.
    #[inline(always)]
    fn effective(&self, arg: u32, raw: u64) -> Option<(usize, u64)> {
        let MemArgExt { mem, offset } = self.code().mem_args[arg as usize];
        let addr = self.inst.memories[mem as usize] as usize;
        let index = if self.store.memories[addr].ty.index64 { raw } else { raw as u32 as u64 };
        Some((addr, index.checked_add(offset)?))
    }

    /// The value `access` reads at address `raw` of access `arg`; `None` if
    /// out of bounds.
    #[inline(never)]
    fn load_ext(&self, raw: u64, access: Access, arg: u32) -> Option<u64> {
        let (addr, ea) = self.effective(arg, raw)?;
        let n = usize::from(access.bytes);
        let data = &self.store.memories[addr].data;
        let range = ops::range_in(ea, n as u64, data.len())?;
        let mut bytes = [0u8; 8];
        bytes[..n].copy_from_slice(&data[range]);
        Some(extend(u64::from_le_bytes(bytes), access))
    }

    /// Stores the low `bytes` bytes of `v` at address `raw` of access
    /// `arg`; `false` if out of bounds.
    #[inline(never)]
    fn store_ext(&mut self, raw: u64, v: u64, bytes: u8, arg: u32) -> bool {
        let Some((addr, ea)) = self.effective(arg, raw) else { return false };
        let n = usize::from(bytes);
        let data = &mut self.store.memories[addr].data;
        let Some(range) = ops::range_in(ea, n as u64, data.len()) else { return false };
        data[range].copy_from_slice(&v.to_le_bytes()[..n]);
        true
    }
}

#[handler]
pub(super) fn load_ext(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, LoadExt { d, a, access, arg });
    match ex.load_ext(s.raw(a), access, arg) {
        Some(v) => s.set_raw(d, v),
        None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
    }
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn mem64_load(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, Mem64Load { d, a, access, offset });
    match m.load64(s.raw(a), offset, access) {
        Some(v) => s.set_raw(d, v),
        None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
    }
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn mem64_store(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, Mem64Store { a, v, bytes, offset });
    if m.store64(s.raw(a), offset, bytes, s.raw(v)).is_none() {
        return ex.trap(ip, TrapKind::MemoryOutOfBounds);
    }
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn store_ext(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, StoreExt { a, v, bytes, arg });
    if !ex.store_ext(s.raw(a), s.raw(v), bytes, arg) {
        return ex.trap(ip, TrapKind::MemoryOutOfBounds);
    }
    next(ex, ip.next(), s, m, acc)
}

/// An address, index or length operand of a memory with 64-bit (`index64`)
/// or 32-bit indices.
fn index(s: Sp, x: crate::op::Slot, index64: bool) -> u64 {
    if index64 { s.raw(x) } else { u64::from(s.get::<i32>(x) as u32) }
}

/// Executes one of the `Memory*Ext` ops (for the `slow` handler).
pub(super) fn slow_memory_op(ex: &mut Exec<'_>, op: Op, s: Sp) -> Result<(), TrapKind> {
    let inst = ex.inst.clone();
    let addr = |mem: u32| inst.memories[mem as usize] as usize;
    let is64 = |store: &StoreInner, a: usize| store.memories[a].ty.index64;
    let store = &mut *ex.store;
    match op {
        Op::MemorySizeExt { d, mem } => {
            let a = addr(mem);
            let pages = store.memories[a].pages();
            if is64(store, a) { s.set_raw(d, pages) } else { s.set(d, pages as i32) }
        }
        Op::MemoryGrowExt { d, a: delta, mem } => {
            let a = addr(mem);
            let wide = is64(store, a);
            let old = ex.with_erased(|store| ops::memory_grow(store, a, index(s, delta, wide))).unwrap_or(u64::MAX);
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
            ops::memory_init(store, &inst, mem, data, index(s, d, wide), index(s, src, false), index(s, n, false))?;
        }
        other => unreachable!("{other:?} is not an extended memory op"),
    }
    Ok(())
}
