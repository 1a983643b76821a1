//! The guest's descriptor table: guest descriptor numbers mapped to the
//! host objects the guest owns. A guest names host resources only through
//! this table, so no operation (`fd_renumber`, `fd_close`, ...) can reach a
//! host descriptor the guest was not handed.

use crate::ctx::Stdio;
use crate::errno::Errno;
use crate::types::{Fdflags, Rights};

/// The most descriptors a guest may hold open at once (`EMFILE` beyond).
pub const MAX_FDS: usize = 4096;

/// One open descriptor.
pub(crate) enum Desc {
    /// Standard input (0), output (1) or error (2).
    Stdio { stream: u8, io: Stdio, rights: Rights },
    /// A regular file (or another non-directory).
    File(FileDesc),
    /// A directory capability.
    Dir(DirDesc),
}

/// An open file. The position is kept here, not in the host descriptor:
/// reads and writes go through `pread`/`pwrite` at it, which keeps
/// append mode exact (the host file is never opened `O_APPEND`).
pub(crate) struct FileDesc {
    pub(crate) file: cap_std::fs::File,
    pub(crate) position: u64,
    pub(crate) flags: Fdflags,
    pub(crate) rights: Rights,
    pub(crate) inheriting: Rights,
}

/// An open directory: everything beneath it, and nothing else.
pub(crate) struct DirDesc {
    pub(crate) dir: cap_std::fs::Dir,
    /// The name the guest sees for a preopened directory.
    pub(crate) preopen: Option<String>,
    pub(crate) rights: Rights,
    pub(crate) inheriting: Rights,
}

/// The rights of standard stream `stream` (0, 1 or 2).
pub(crate) fn stdio_rights(stream: u8) -> Rights {
    let io = if stream == 0 { Rights::FD_READ } else { Rights::FD_WRITE };
    io | Rights::POLL_FD_READWRITE | Rights::FD_FILESTAT_GET | Rights::FD_FDSTAT_SET_FLAGS
}

impl Desc {
    /// The descriptor's base rights.
    pub(crate) fn rights(&self) -> Rights {
        match self {
            Desc::Stdio { rights, .. } => *rights,
            Desc::File(f) => f.rights,
            Desc::Dir(d) => d.rights,
        }
    }

    /// Errors with `ENOTCAPABLE` unless the descriptor has every right in `needed`.
    pub(crate) fn require(&self, needed: Rights) -> Result<(), Errno> {
        if self.rights().contains(needed) { Ok(()) } else { Err(Errno::Notcapable) }
    }
}

/// Guest descriptor number → descriptor.
#[derive(Default)]
pub(crate) struct FdTable {
    slots: Vec<Option<Desc>>,
}

impl FdTable {
    /// The number of open descriptors.
    pub(crate) fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// The descriptor `fd`, or `EBADF`.
    pub(crate) fn get(&self, fd: u32) -> Result<&Desc, Errno> {
        self.slots.get(fd as usize).and_then(Option::as_ref).ok_or(Errno::Badf)
    }

    /// The descriptor `fd` mutably, or `EBADF`.
    pub(crate) fn get_mut(&mut self, fd: u32) -> Result<&mut Desc, Errno> {
        self.slots.get_mut(fd as usize).and_then(Option::as_mut).ok_or(Errno::Badf)
    }

    /// The file `fd`: `EBADF` if none, `EISDIR` for a directory.
    pub(crate) fn file_mut(&mut self, fd: u32) -> Result<&mut FileDesc, Errno> {
        match self.get_mut(fd)? {
            Desc::File(f) => Ok(f),
            Desc::Dir(_) => Err(Errno::Isdir),
            Desc::Stdio { .. } => Err(Errno::Badf),
        }
    }

    /// The directory `fd`: `EBADF` if none, `ENOTDIR` if not a directory.
    pub(crate) fn dir(&self, fd: u32) -> Result<&DirDesc, Errno> {
        match self.get(fd)? {
            Desc::Dir(d) => Ok(d),
            _ => Err(Errno::Notdir),
        }
    }

    /// Places `desc` at `fd`, replacing (and closing) what was there.
    pub(crate) fn insert_at(&mut self, fd: u32, desc: Desc) {
        let i = fd as usize;
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i] = Some(desc);
    }

    /// Places `desc` at the lowest free number; `EMFILE` when full.
    pub(crate) fn push(&mut self, desc: Desc) -> Result<u32, Errno> {
        let i = match self.slots.iter().position(Option::is_none) {
            Some(i) => i,
            None if self.slots.len() < MAX_FDS => {
                self.slots.push(None);
                self.slots.len() - 1
            }
            None => return Err(Errno::Mfile),
        };
        self.slots[i] = Some(desc);
        Ok(i as u32)
    }

    /// Removes `fd`, returning its descriptor (dropping it closes the host object).
    pub(crate) fn remove(&mut self, fd: u32) -> Result<Desc, Errno> {
        self.slots.get_mut(fd as usize).and_then(Option::take).ok_or(Errno::Badf)
    }

    /// Moves `from` to `to`, closing what `to` held. Both must be open.
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(from)?;
        self.get(to)?;
        if from != to {
            let desc = self.remove(from)?;
            self.insert_at(to, desc);
        }
        Ok(())
    }
}
