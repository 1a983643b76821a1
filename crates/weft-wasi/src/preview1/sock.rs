//! `sock_*`: weft grants no sockets, so every descriptor is either unknown
//! (`EBADF`) or not a socket (`ENOTSOCK`).

use super::{Args, WasiResult};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::GuestMemory;

fn not_a_socket(ctx: &WasiCtx, fd: u32) -> WasiResult {
    ctx.table.get(fd)?;
    Err(Errno::Notsock)
}

/// `sock_accept(fd, flags) -> fd`.
pub(crate) fn sock_accept(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    not_a_socket(ctx, a.u32(0))
}

/// `sock_recv(fd, ri_data, ri_data_len, ri_flags) -> (size, roflags)`.
pub(crate) fn sock_recv(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    not_a_socket(ctx, a.u32(0))
}

/// `sock_send(fd, si_data, si_data_len, si_flags) -> size`.
pub(crate) fn sock_send(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    not_a_socket(ctx, a.u32(0))
}

/// `sock_shutdown(fd, how)`.
pub(crate) fn sock_shutdown(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    not_a_socket(ctx, a.u32(0))
}
