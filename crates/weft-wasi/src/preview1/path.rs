//! `path_*`: operations on paths beneath a directory descriptor.
//!
//! Every path is resolved by cap-std beneath the directory capability the
//! descriptor holds, one component at a time: `..` past the directory,
//! absolute paths and symlinks pointing outside fail (`EPERM`) without
//! touching anything outside, and symlink loops fail with `ELOOP`.

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, OpenOptionsSyncExt};

use super::fd::{times, write_filestat};
use super::{Args, WasiResult};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::table::{Desc, DirDesc, FileDesc};
use crate::types::{Fdflags, Lookupflags, Oflags, Rights};

/// The directory `fd`, which must hold `right`.
fn dir_with(ctx: &WasiCtx, fd: u32, right: Rights) -> Result<&DirDesc, Errno> {
    let d = ctx.table.dir(fd)?;
    if d.rights.contains(right) { Ok(d) } else { Err(Errno::Notcapable) }
}

fn follows(flags: u32) -> Result<bool, Errno> {
    Ok(Lookupflags::from_bits(flags).ok_or(Errno::Inval)?.contains(Lookupflags::SYMLINK_FOLLOW))
}

fn to_spec(t: Option<std::time::SystemTime>) -> Option<cap_fs_ext::SystemTimeSpec> {
    t.map(|t| cap_fs_ext::SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(t)))
}

/// `path_create_directory(fd, path)`.
pub(crate) fn path_create_directory(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let d = dir_with(ctx, a.u32(0), Rights::PATH_CREATE_DIRECTORY)?;
    let path = mem.read_path(a.u32(1), a.u32(2))?;
    Ok(d.dir.create_dir(path)?)
}

/// `path_filestat_get(fd, flags, path) -> filestat`.
pub(crate) fn path_filestat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let d = dir_with(ctx, a.u32(0), Rights::PATH_FILESTAT_GET)?;
    let follow = follows(a.u32(1))?;
    let path = mem.read_path(a.u32(2), a.u32(3))?;
    let meta = if follow { d.dir.metadata(path)? } else { d.dir.symlink_metadata(path)? };
    write_filestat(mem, a.u32(4), &meta)
}

/// `path_filestat_set_times(fd, flags, path, atim, mtim, fst_flags)`.
pub(crate) fn path_filestat_set_times(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let d = dir_with(ctx, a.u32(0), Rights::PATH_FILESTAT_SET_TIMES)?;
    let follow = follows(a.u32(1))?;
    let path = mem.read_path(a.u32(2), a.u32(3))?;
    let [atime, mtime] = times(a.u64(4), a.u64(5), a.u32(6) as u16)?;
    if follow {
        Ok(d.dir.set_times(path, to_spec(atime), to_spec(mtime))?)
    } else {
        Ok(d.dir.set_symlink_times(path, to_spec(atime), to_spec(mtime))?)
    }
}

/// `path_link(old_fd, old_flags, old_path, new_fd, new_path)`: a hard link.
/// Following a symlink at the source is not supported (`EINVAL`), as in
/// wasmtime.
pub(crate) fn path_link(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let old = dir_with(ctx, a.u32(0), Rights::PATH_LINK_SOURCE)?;
    let new = dir_with(ctx, a.u32(4), Rights::PATH_LINK_TARGET)?;
    if follows(a.u32(1))? {
        return Err(Errno::Inval);
    }
    let old_path = mem.read_path(a.u32(2), a.u32(3))?;
    let new_path = mem.read_path(a.u32(5), a.u32(6))?;
    Ok(old.dir.hard_link(old_path, &new.dir, new_path)?)
}

/// `path_open(fd, dirflags, path, oflags, rights_base, rights_inheriting,
/// fdflags) -> fd`. The new descriptor's rights are the requested ones
/// within the directory's inheriting rights; the host file is opened for
/// writing only when they include writing.
pub(crate) fn path_open(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let d = dir_with(ctx, a.u32(0), Rights::PATH_OPEN)?;
    let follow = follows(a.u32(1))?;
    let path = mem.read_path(a.u32(2), a.u32(3))?;
    let oflags = Oflags::from_bits(a.u32(4) as u16).ok_or(Errno::Inval)?;
    let base = Rights::from_bits_truncate(a.u64(5)) & d.inheriting;
    let inheriting = Rights::from_bits_truncate(a.u64(6)) & d.inheriting;
    let fdflags = Fdflags::from_bits(a.u32(7) as u16).ok_or(Errno::Inval)?;

    if oflags.contains(Oflags::CREAT) && !d.rights.contains(Rights::PATH_CREATE_FILE) {
        return Err(Errno::Notcapable);
    }
    if oflags.contains(Oflags::TRUNC) && !d.rights.contains(Rights::PATH_FILESTAT_SET_SIZE) {
        return Err(Errno::Perm);
    }
    // `fd_datasync` is not among them: directories may sync too.
    let write_rights = Rights::FD_WRITE | Rights::FD_ALLOCATE | Rights::FD_FILESTAT_SET_SIZE;
    let read = base.intersects(Rights::FD_READ | Rights::FD_READDIR);
    let mut write = base.intersects(write_rights);
    if fdflags.contains(Fdflags::APPEND) {
        if !d.inheriting.contains(Rights::FD_WRITE) {
            return Err(Errno::Notcapable);
        }
        write = true;
    }

    let opened = if oflags.contains(Oflags::DIRECTORY) {
        if oflags.intersects(Oflags::CREAT | Oflags::EXCL | Oflags::TRUNC) {
            return Err(Errno::Inval);
        }
        if write {
            return Err(Errno::Isdir);
        }
        let dir = if follow { d.dir.open_dir(path)? } else { d.dir.open_dir_nofollow(path)? };
        Desc::Dir(DirDesc { dir, preopen: None, rights: base & Rights::DIR_ALL, inheriting })
    } else {
        let mut opts = cap_std::fs::OpenOptions::new();
        opts.maybe_dir(true);
        opts.follow(if follow { FollowSymlinks::Yes } else { FollowSymlinks::No });
        if oflags.contains(Oflags::CREAT | Oflags::EXCL) {
            opts.create_new(true);
        } else if oflags.contains(Oflags::CREAT) {
            opts.create(true);
        }
        if oflags.contains(Oflags::TRUNC) {
            opts.truncate(true);
        }
        let host_write = write || oflags.intersects(Oflags::CREAT | Oflags::TRUNC);
        opts.write(host_write);
        opts.read(read || !host_write);
        opts.dsync(fdflags.contains(Fdflags::DSYNC));
        opts.sync(fdflags.contains(Fdflags::SYNC));
        opts.rsync(fdflags.contains(Fdflags::RSYNC));
        let file = d.dir.open_with(path, &opts)?;
        if file.metadata()?.is_dir() {
            let dir = cap_std::fs::Dir::from_std_file(file.into_std());
            Desc::Dir(DirDesc { dir, preopen: None, rights: base & Rights::DIR_ALL, inheriting })
        } else {
            let mut rights = base & Rights::FILE_ALL;
            if !read {
                rights.remove(Rights::FD_READ);
            }
            if !write {
                rights.remove(write_rights);
            }
            Desc::File(FileDesc { file, position: 0, flags: fdflags, rights, inheriting: Rights::empty() })
        }
    };
    let fd = ctx.table.push(opened)?;
    mem.write_u32(a.u32(8), fd)
}

/// `path_readlink(fd, path, buf, buf_len) -> bufused`: the link's
/// contents, truncated to the buffer.
pub(crate) fn path_readlink(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let d = dir_with(ctx, a.u32(0), Rights::PATH_READLINK)?;
    let path = mem.read_path(a.u32(1), a.u32(2))?;
    let target = d.dir.read_link(path)?;
    let bytes = target.as_os_str().as_encoded_bytes();
    let n = bytes.len().min(a.u32(4) as usize);
    mem.write_bytes(a.u32(3), &bytes[..n])?;
    mem.write_u32(a.u32(5), n as u32)
}

/// `path_remove_directory(fd, path)`.
pub(crate) fn path_remove_directory(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let d = dir_with(ctx, a.u32(0), Rights::PATH_REMOVE_DIRECTORY)?;
    let path = mem.read_path(a.u32(1), a.u32(2))?;
    Ok(d.dir.remove_dir(path)?)
}

/// `path_rename(fd, old_path, new_fd, new_path)`.
pub(crate) fn path_rename(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let old = dir_with(ctx, a.u32(0), Rights::PATH_RENAME_SOURCE)?;
    let new = dir_with(ctx, a.u32(3), Rights::PATH_RENAME_TARGET)?;
    let old_path = mem.read_path(a.u32(1), a.u32(2))?;
    let new_path = mem.read_path(a.u32(4), a.u32(5))?;
    Ok(old.dir.rename(old_path, &new.dir, new_path)?)
}

/// `path_symlink(old_path, fd, new_path)`: creates `new_path` pointing at
/// `old_path` (which must be relative).
pub(crate) fn path_symlink(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let d = dir_with(ctx, a.u32(2), Rights::PATH_SYMLINK)?;
    let target = mem.read_path(a.u32(0), a.u32(1))?;
    let path = mem.read_path(a.u32(3), a.u32(4))?;
    Ok(d.dir.symlink(target, path)?)
}

/// `path_unlink_file(fd, path)`.
pub(crate) fn path_unlink_file(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &Args<'_>) -> WasiResult {
    let d = dir_with(ctx, a.u32(0), Rights::PATH_UNLINK_FILE)?;
    let path = mem.read_path(a.u32(1), a.u32(2))?;
    Ok(d.dir.remove_file(path)?)
}
