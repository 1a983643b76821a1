//! `fd_*`: operations on open descriptors.

use std::io::{IsTerminal, Write};
use std::time::{Duration, SystemTime};

use cap_fs_ext::OsMetadataExt;
use cap_std::fs::FileExt;

use super::{Args, INTERRUPT_POLL, WasiResult};
use crate::ctx::{Stdio, WasiCtx};
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::table::{Desc, FileDesc};
use crate::types::{Fdflags, Fstflags, Rights, filetype, layout, whence};

/// The WASI file type of host metadata.
pub(crate) fn filetype_of(ft: cap_std::fs::FileType) -> u8 {
    use cap_std::fs::FileTypeExt;
    if ft.is_dir() {
        filetype::DIRECTORY
    } else if ft.is_file() {
        filetype::REGULAR_FILE
    } else if ft.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ft.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ft.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if ft.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}

/// Writes a `filestat` record for host metadata.
pub(crate) fn write_filestat(mem: &mut GuestMemory<'_>, at: u32, m: &cap_std::fs::Metadata) -> WasiResult {
    let ns = |secs: i64, nsec: i64| (secs as u64).wrapping_mul(1_000_000_000).wrapping_add(nsec as u64);
    write_filestat_fields(
        mem,
        at,
        [m.dev(), m.ino()],
        filetype_of(m.file_type()),
        [
            m.nlink(),
            m.size(),
            ns(m.atime(), m.atime_nsec()),
            ns(m.mtime(), m.mtime_nsec()),
            ns(m.ctime(), m.ctime_nsec()),
        ],
    )
}

fn write_filestat_fields(mem: &mut GuestMemory<'_>, at: u32, dev_ino: [u64; 2], ft: u8, rest: [u64; 5]) -> WasiResult {
    let mut filestat = mem.record_mut(at, layout::FILESTAT_SIZE)?;
    filestat.u64(0, dev_ino[0]).u64(8, dev_ino[1]).u8(16, ft);
    for (i, v) in rest.into_iter().enumerate() {
        filestat.u64(24 + 8 * i, v);
    }
    Ok(())
}

/// The file type a standard stream reports: a character device when it
/// is the host's terminal, otherwise unknown (a pipe or a file).
fn stdio_filetype(stream: u8, io: &Stdio) -> u8 {
    let tty = match (io, stream) {
        (Stdio::Inherit, 0) => std::io::stdin().is_terminal(),
        (Stdio::Inherit, 1) => std::io::stdout().is_terminal(),
        (Stdio::Inherit, _) => std::io::stderr().is_terminal(),
        _ => false,
    };
    if tty { filetype::CHARACTER_DEVICE } else { filetype::UNKNOWN }
}

/// Validates `fst_flags` and turns them into the times to set (`None`
/// leaves a time unchanged).
pub(crate) fn times(atim: u64, mtim: u64, fst: u16) -> Result<[Option<SystemTime>; 2], Errno> {
    let f = Fstflags::from_bits(fst).ok_or(Errno::Inval)?;
    if f.contains(Fstflags::ATIM | Fstflags::ATIM_NOW) || f.contains(Fstflags::MTIM | Fstflags::MTIM_NOW) {
        return Err(Errno::Inval);
    }
    let at = |ns: u64| SystemTime::UNIX_EPOCH.checked_add(Duration::from_nanos(ns)).ok_or(Errno::Overflow);
    let pick = |set: Fstflags, now: Fstflags, ns: u64| -> Result<Option<SystemTime>, Errno> {
        if f.contains(set) {
            at(ns).map(Some)
        } else if f.contains(now) {
            Ok(Some(SystemTime::now()))
        } else {
            Ok(None)
        }
    };
    Ok([pick(Fstflags::ATIM, Fstflags::ATIM_NOW, atim)?, pick(Fstflags::MTIM, Fstflags::MTIM_NOW, mtim)?])
}

/// A file offset moved past `n` bytes just transferred: `EOVERFLOW` rather
/// than a wrap for a guest-given offset near 2^64.
fn advance(offset: u64, n: usize) -> Result<u64, Errno> {
    offset.checked_add(n as u64).ok_or(Errno::Overflow)
}

/// Checks every buffer of an iovec array lies in memory before any I/O,
/// so a bad buffer fails the call without side effects.
fn check_buffers(mem: &GuestMemory<'_>, iovs: u32, count: u32) -> WasiResult {
    mem.check_iovecs(iovs, count)?;
    for i in 0..count {
        let (ptr, len) = mem.iovec(iovs, i)?;
        mem.slice(ptr, len)?;
    }
    Ok(())
}

/// Fills the guest buffers of an iovec array in order, straight from
/// `read` (no host-side copy), stopping at a short read. Returns the total.
fn read_into(
    mem: &mut GuestMemory<'_>,
    iovs: u32,
    count: u32,
    mut read: impl FnMut(&mut [u8]) -> Result<usize, Errno>,
) -> Result<u32, Errno> {
    check_buffers(mem, iovs, count)?;
    let mut total: u32 = 0;
    for i in 0..count {
        let (ptr, len) = mem.iovec(iovs, i)?;
        let len = len.min(u32::MAX - total);
        if len == 0 {
            continue;
        }
        let n = read(mem.slice_mut(ptr, len)?)?;
        total += n as u32;
        if n < len as usize {
            break;
        }
    }
    Ok(total)
}

/// Hands the guest buffers of an iovec array to `write` in order,
/// stopping at a short write. Returns the total.
fn write_from(
    mem: &GuestMemory<'_>,
    iovs: u32,
    count: u32,
    mut write: impl FnMut(&[u8]) -> Result<usize, Errno>,
) -> Result<u32, Errno> {
    check_buffers(mem, iovs, count)?;
    let mut total: u32 = 0;
    for i in 0..count {
        let (ptr, len) = mem.iovec(iovs, i)?;
        let len = len.min(u32::MAX - total);
        if len == 0 {
            continue;
        }
        let n = write(mem.slice(ptr, len)?)?;
        total += n as u32;
        if n < len as usize {
            break;
        }
    }
    Ok(total)
}

fn stdio_read(io: &Stdio, buf: &mut [u8], a: &Args<'_>) -> Result<usize, Errno> {
    match io {
        Stdio::Null => Ok(0),
        Stdio::Inherit => read_host_stdin(buf, a),
        Stdio::Pipe(p) => Ok(p.read(buf)),
    }
}

/// Reads the host's standard input straight from its descriptor (std's
/// buffer would hold bytes back from the guest, and hide them from
/// `poll`). When the call is interruptible, it first waits for input in
/// slices of [`INTERRUPT_POLL`], so a guest blocked on a terminal or an
/// idle pipe can be stopped; `EINTR` then (the call ends with the
/// interrupt trap).
fn read_host_stdin(buf: &mut [u8], a: &Args<'_>) -> Result<usize, Errno> {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let stdin = std::io::stdin();
    if a.interruptible() {
        let slice = Timespec { tv_sec: 0, tv_nsec: INTERRUPT_POLL.as_nanos() as _ };
        loop {
            if a.take_interrupt() {
                return Err(Errno::Intr);
            }
            let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
            match rustix::event::poll(&mut fds, Some(&slice)) {
                Ok(0) | Err(rustix::io::Errno::INTR) => continue,
                // Readable, at its end, or an error the read reports.
                _ => break,
            }
        }
    }
    loop {
        match rustix::io::read(&stdin, &mut *buf) {
            Err(rustix::io::Errno::INTR) => continue,
            result => return result.map_err(|e| Errno::from(std::io::Error::from(e))),
        }
    }
}

fn stdio_write(stream: u8, io: &Stdio, buf: &[u8]) -> Result<usize, Errno> {
    match io {
        Stdio::Null => Ok(buf.len()),
        Stdio::Inherit if stream == 2 => {
            let mut e = std::io::stderr().lock();
            e.write_all(buf)?;
            Ok(buf.len())
        }
        Stdio::Inherit => {
            let mut o = std::io::stdout().lock();
            o.write_all(buf)?;
            o.flush()?;
            Ok(buf.len())
        }
        Stdio::Pipe(p) => p.write(buf).ok_or(Errno::Nospc),
    }
}

/// `fd_advise(fd, offset, len, advice)`: advice is accepted and ignored.
pub(crate) fn fd_advise(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let f = ctx.table.file_mut(a.u32(0))?;
    if f.rights.intersection(Rights::FD_ADVISE).is_empty() {
        return Err(Errno::Notcapable);
    }
    a.u64(1).checked_add(a.u64(2)).ok_or(Errno::Inval)?;
    if a.u32(3) > 5 {
        return Err(Errno::Inval);
    }
    Ok(())
}

/// `fd_allocate(fd, offset, len)`: grows the file to cover the range.
pub(crate) fn fd_allocate(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let f = ctx.table.file_mut(a.u32(0))?;
    require(f, Rights::FD_ALLOCATE)?;
    let end = a.u64(1).checked_add(a.u64(2)).ok_or(Errno::Fbig)?;
    if end > i64::MAX as u64 {
        return Err(Errno::Fbig);
    }
    if f.file.metadata()?.len() < end {
        f.file.set_len(end)?;
    }
    Ok(())
}

/// The regular file behind `fd`: a directory is EISDIR, a stream ESPIPE.
fn regular_file(ctx: &mut WasiCtx, fd: u32) -> Result<&mut FileDesc, Errno> {
    match ctx.table.get_mut(fd)? {
        Desc::File(f) => Ok(f),
        Desc::Dir(_) => Err(Errno::Isdir),
        Desc::Stdio { .. } => Err(Errno::Spipe),
    }
}

fn require(f: &FileDesc, needed: Rights) -> WasiResult {
    if f.rights.contains(needed) { Ok(()) } else { Err(Errno::Notcapable) }
}

/// `fd_close(fd)`.
pub(crate) fn fd_close(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    ctx.table.remove(a.u32(0)).map(drop)
}

fn sync(ctx: &mut WasiCtx, fd: u32, right: Rights, data_only: bool) -> WasiResult {
    let desc = ctx.table.get(fd)?;
    desc.require(right)?;
    match desc {
        Desc::File(f) if data_only => Ok(f.file.sync_data()?),
        Desc::File(f) => Ok(f.file.sync_all()?),
        Desc::Dir(d) => Ok(d.dir.try_clone()?.into_std_file().sync_all()?),
        Desc::Stdio { .. } => Err(Errno::Inval),
    }
}

/// `fd_datasync(fd)`.
pub(crate) fn fd_datasync(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    sync(ctx, a.u32(0), Rights::FD_DATASYNC, true)
}

/// `fd_sync(fd)`.
pub(crate) fn fd_sync(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    sync(ctx, a.u32(0), Rights::FD_SYNC, false)
}

/// `fd_fdstat_get(fd) -> fdstat`.
pub(crate) fn fd_fdstat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let (ft, flags, base, inheriting) = match ctx.table.get(a.u32(0))? {
        Desc::Stdio { stream, io, rights } => (stdio_filetype(*stream, io), Fdflags::empty(), *rights, Rights::empty()),
        Desc::File(f) => (filetype_of(f.file.metadata()?.file_type()), f.flags, f.rights, f.inheriting),
        Desc::Dir(d) => (filetype::DIRECTORY, Fdflags::empty(), d.rights, d.inheriting),
    };
    let mut fdstat = mem.record_mut(a.u32(1), layout::FDSTAT_SIZE)?;
    fdstat.u8(0, ft).u16(2, flags.bits()).u64(8, base.bits()).u64(16, inheriting.bits());
    Ok(())
}

/// `fd_fdstat_set_flags(fd, flags)`: files may switch `append` and
/// `nonblock`; the synchronous-I/O flags are fixed at open.
pub(crate) fn fd_fdstat_set_flags(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let flags = Fdflags::from_bits(a.u32(1) as u16).ok_or(Errno::Inval)?;
    let desc = ctx.table.get_mut(a.u32(0))?;
    desc.require(Rights::FD_FDSTAT_SET_FLAGS)?;
    let changeable = Fdflags::APPEND | Fdflags::NONBLOCK;
    match desc {
        Desc::File(f) => {
            if (flags ^ f.flags).intersects(!changeable) {
                return Err(Errno::Notsup);
            }
            f.flags = flags;
            Ok(())
        }
        _ if flags.difference(Fdflags::NONBLOCK).is_empty() => Ok(()),
        _ => Err(Errno::Notsup),
    }
}

/// `fd_fdstat_set_rights(fd, base, inheriting)`: rights can only shrink.
pub(crate) fn fd_fdstat_set_rights(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let base = Rights::from_bits_truncate(a.u64(1));
    let inheriting = Rights::from_bits_truncate(a.u64(2));
    let (cur_base, cur_inh) = match ctx.table.get_mut(a.u32(0))? {
        Desc::Stdio { rights, .. } => (rights, None),
        Desc::File(f) => (&mut f.rights, Some(&mut f.inheriting)),
        Desc::Dir(d) => (&mut d.rights, Some(&mut d.inheriting)),
    };
    let inh_ok = cur_inh.as_ref().is_none_or(|i| i.contains(inheriting)) || inheriting.is_empty();
    if !cur_base.contains(base) || !inh_ok {
        return Err(Errno::Notcapable);
    }
    *cur_base = base;
    if let Some(i) = cur_inh {
        *i = inheriting;
    }
    Ok(())
}

/// `fd_filestat_get(fd) -> filestat`.
pub(crate) fn fd_filestat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let desc = ctx.table.get(a.u32(0))?;
    desc.require(Rights::FD_FILESTAT_GET)?;
    let at = a.u32(1);
    match desc {
        Desc::File(f) => write_filestat(mem, at, &f.file.metadata()?),
        Desc::Dir(d) => write_filestat(mem, at, &d.dir.dir_metadata()?),
        Desc::Stdio { stream, io, .. } => write_filestat_fields(mem, at, [0, 0], stdio_filetype(*stream, io), [0; 5]),
    }
}

/// `fd_filestat_set_size(fd, size)`.
pub(crate) fn fd_filestat_set_size(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let f = ctx.table.file_mut(a.u32(0))?;
    require(f, Rights::FD_FILESTAT_SET_SIZE)?;
    if a.u64(1) > i64::MAX as u64 {
        return Err(Errno::Fbig);
    }
    Ok(f.file.set_len(a.u64(1))?)
}

/// `fd_filestat_set_times(fd, atim, mtim, fst_flags)`.
pub(crate) fn fd_filestat_set_times(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let desc = ctx.table.get(a.u32(0))?;
    desc.require(Rights::FD_FILESTAT_SET_TIMES)?;
    let [atime, mtime] = times(a.u64(1), a.u64(2), a.u32(3) as u16)?;
    let file = match desc {
        Desc::File(f) => f.file.try_clone()?.into_std(),
        Desc::Dir(d) => d.dir.try_clone()?.into_std_file(),
        Desc::Stdio { .. } => return Err(Errno::Badf),
    };
    let mut t = std::fs::FileTimes::new();
    if let Some(at) = atime {
        t = t.set_accessed(at);
    }
    if let Some(mt) = mtime {
        t = t.set_modified(mt);
    }
    Ok(file.set_times(t)?)
}

/// `fd_pread(fd, iovs, iovs_len, offset) -> nread`: does not move the position.
pub(crate) fn fd_pread(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let f = regular_file(ctx, a.u32(0))?;
    require(f, Rights::FD_READ | Rights::FD_SEEK)?;
    let mut offset = a.u64(3);
    let n = read_into(mem, a.u32(1), a.u32(2), |buf| {
        let n = f.file.read_at(buf, offset)?;
        offset = advance(offset, n)?;
        Ok(n)
    })?;
    mem.write_u32(a.u32(4), n)
}

/// `fd_pwrite(fd, iovs, iovs_len, offset) -> nwritten`: does not move the
/// position, and writes at `offset` even in append mode.
pub(crate) fn fd_pwrite(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let f = regular_file(ctx, a.u32(0))?;
    require(f, Rights::FD_WRITE | Rights::FD_SEEK)?;
    let mut offset = a.u64(3);
    let n = write_from(mem, a.u32(1), a.u32(2), |buf| {
        let n = f.file.write_at(buf, offset)?;
        offset = advance(offset, n)?;
        Ok(n)
    })?;
    mem.write_u32(a.u32(4), n)
}

/// `fd_read(fd, iovs, iovs_len) -> nread`.
pub(crate) fn fd_read(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let desc = ctx.table.get_mut(a.u32(0))?;
    desc.require(Rights::FD_READ)?;
    let n = match desc {
        Desc::Stdio { io, .. } => read_into(mem, a.u32(1), a.u32(2), |buf| stdio_read(io, buf, a))?,
        Desc::File(f) => read_into(mem, a.u32(1), a.u32(2), |buf| {
            let n = f.file.read_at(buf, f.position)?;
            f.position = advance(f.position, n)?;
            Ok(n)
        })?,
        Desc::Dir(_) => return Err(Errno::Isdir),
    };
    mem.write_u32(a.u32(3), n)
}

/// `fd_write(fd, iovs, iovs_len) -> nwritten`.
pub(crate) fn fd_write(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let desc = ctx.table.get_mut(a.u32(0))?;
    desc.require(Rights::FD_WRITE)?;
    let n = match desc {
        Desc::Stdio { stream, io, .. } => write_from(mem, a.u32(1), a.u32(2), |buf| stdio_write(*stream, io, buf))?,
        Desc::File(f) => {
            if f.flags.contains(Fdflags::APPEND) {
                f.position = f.file.metadata()?.len();
            }
            write_from(mem, a.u32(1), a.u32(2), |buf| {
                let n = f.file.write_at(buf, f.position)?;
                f.position = advance(f.position, n)?;
                Ok(n)
            })?
        }
        Desc::Dir(_) => return Err(Errno::Isdir),
    };
    mem.write_u32(a.u32(3), n)
}

/// `fd_prestat_get(fd) -> prestat`.
pub(crate) fn fd_prestat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let name = match ctx.table.get(a.u32(0))? {
        Desc::Dir(d) => d.preopen.as_deref().ok_or(Errno::Badf)?,
        _ => return Err(Errno::Badf),
    };
    let len = u32::try_from(name.len()).map_err(|_| Errno::Nametoolong)?;
    mem.record_mut(a.u32(1), layout::PRESTAT_SIZE)?.u32(4, len);
    Ok(())
}

/// `fd_prestat_dir_name(fd, path, path_len)`.
pub(crate) fn fd_prestat_dir_name(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let name = match ctx.table.get(a.u32(0))? {
        Desc::Dir(d) => d.preopen.as_deref().ok_or(Errno::Badf)?,
        _ => return Err(Errno::Badf),
    };
    if (a.u32(2) as usize) < name.len() {
        return Err(Errno::Nametoolong);
    }
    mem.write_bytes(a.u32(1), name.as_bytes())
}

/// `fd_readdir(fd, buf, buf_len, cookie) -> bufused`. Entry `k` (counting
/// `.` and `..` first) has cookie `k`, and its `d_next` is `k + 1`; a
/// buffer that fills up ends with a truncated entry, so `bufused ==
/// buf_len` tells the guest to call again.
pub(crate) fn fd_readdir(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    use std::os::unix::fs::DirEntryExt;
    let d = match ctx.table.get(a.u32(0))? {
        Desc::Dir(d) => d,
        _ => return Err(Errno::Notdir),
    };
    if !d.rights.contains(Rights::FD_READDIR) {
        return Err(Errno::Notcapable);
    }
    let (buf, buf_len, cookie) = (a.u32(1), a.u32(2), a.u64(3));
    let self_ino = d.dir.dir_metadata()?.ino();
    // The whole buffer, checked once; entries are copied in at offsets
    // within it, so no guest address is computed.
    let out = mem.slice_mut(buf, buf_len)?;
    let mut used = 0usize;
    let mut put = |next: u64, ino: u64, ft: u8, name: &[u8]| -> bool {
        let mut header = [0u8; layout::DIRENT_SIZE as usize];
        header[0..8].copy_from_slice(&next.to_le_bytes());
        header[8..16].copy_from_slice(&ino.to_le_bytes());
        header[16..20].copy_from_slice(&u32::try_from(name.len()).unwrap_or(u32::MAX).to_le_bytes());
        header[20] = ft;
        for part in [&header[..], name] {
            let n = (out.len() - used).min(part.len());
            out[used..used + n].copy_from_slice(&part[..n]);
            used += n;
        }
        used < out.len()
    };
    let specials = [(".", self_ino), ("..", 0)];
    let mut full = false;
    for (k, (name, ino)) in specials.iter().enumerate() {
        if (k as u64) >= cookie && !put(k as u64 + 1, *ino, filetype::DIRECTORY, name.as_bytes()) {
            full = true;
            break;
        }
    }
    if !full {
        for (k, entry) in d.dir.entries()?.enumerate() {
            let k = k as u64 + 2;
            if k < cookie {
                continue;
            }
            let entry = entry?;
            let ft = entry.file_type().map(filetype_of).unwrap_or(filetype::UNKNOWN);
            let name = entry.file_name();
            if !put(k + 1, entry.ino(), ft, name.as_encoded_bytes()) {
                break;
            }
        }
    }
    // `used` is at most `buf_len`, a `u32`.
    mem.write_u32(a.u32(4), used as u32)
}

/// `fd_renumber(from, to)`: both must be the guest's own descriptors.
pub(crate) fn fd_renumber(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    ctx.table.renumber(a.u32(0), a.u32(1))
}

/// `fd_seek(fd, offset, whence) -> newoffset`.
pub(crate) fn fd_seek(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let (offset, wh) = (a.i64(1), a.u32(2));
    let f = regular_file(ctx, a.u32(0))?;
    let needed = if offset == 0 && wh == u32::from(whence::CUR) { Rights::FD_TELL } else { Rights::FD_SEEK };
    if !f.rights.intersects(needed | Rights::FD_SEEK) {
        return Err(Errno::Notcapable);
    }
    let base = match u8::try_from(wh).map_err(|_| Errno::Inval)? {
        whence::SET => 0,
        whence::CUR => f.position,
        whence::END => f.file.metadata()?.len(),
        _ => return Err(Errno::Inval),
    };
    let new = i64::try_from(base).ok().and_then(|b| b.checked_add(offset)).filter(|n| *n >= 0).ok_or(Errno::Inval)?;
    f.position = new as u64;
    mem.write_u64(a.u32(3), f.position)
}

/// `fd_tell(fd) -> offset`.
pub(crate) fn fd_tell(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let f = regular_file(ctx, a.u32(0))?;
    if !f.rights.intersects(Rights::FD_TELL | Rights::FD_SEEK) {
        return Err(Errno::Notcapable);
    }
    mem.write_u64(a.u32(1), f.position)
}
