//! `args_*` and `environ_*`: the program's arguments and environment, as
//! NUL-terminated strings plus an array of pointers to them.

use super::{Args, WasiResult};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::{GuestMemory, element};

/// Writes `strings` NUL-terminated into the buffer at `buf` and a pointer
/// to each into the array at `ptrs`.
fn write_strings(mem: &mut GuestMemory<'_>, strings: &[String], ptrs: u32, buf: u32) -> WasiResult {
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        let slot = element(ptrs, u32::try_from(i).map_err(|_| Errno::Fault)?, 4)?;
        mem.write_u32(slot, at)?;
        mem.write_bytes(at, s.as_bytes())?;
        let len = u32::try_from(s.len()).map_err(|_| Errno::Fault)?;
        let end = at.checked_add(len).ok_or(Errno::Fault)?;
        mem.write_u8(end, 0)?;
        at = end.checked_add(1).ok_or(Errno::Fault)?;
    }
    Ok(())
}

/// Writes the count and the total size (NULs included) of `strings`.
fn write_sizes(mem: &mut GuestMemory<'_>, strings: &[String], count_ptr: u32, size_ptr: u32) -> WasiResult {
    let size: usize = strings.iter().map(|s| s.len() + 1).sum();
    mem.write_u32(count_ptr, u32::try_from(strings.len()).map_err(|_| Errno::Overflow)?)?;
    mem.write_u32(size_ptr, u32::try_from(size).map_err(|_| Errno::Overflow)?)
}

/// `args_get(argv, argv_buf)`.
pub(crate) fn args_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    write_strings(mem, &ctx.args, a.u32(0), a.u32(1))
}

/// `args_sizes_get() -> (argc, argv_buf_size)`.
pub(crate) fn args_sizes_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    write_sizes(mem, &ctx.args, a.u32(0), a.u32(1))
}

/// `environ_get(environ, environ_buf)`.
pub(crate) fn environ_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    write_strings(mem, &ctx.env, a.u32(0), a.u32(1))
}

/// `environ_sizes_get() -> (count, buf_size)`.
pub(crate) fn environ_sizes_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    write_sizes(mem, &ctx.env, a.u32(0), a.u32(1))
}
