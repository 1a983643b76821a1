//! The types of `wasi_snapshot_preview1` (the spec's `typenames.witx`):
//! flag sets as `bitflags` types, enums as constants, and the byte layouts
//! of the records the host writes into guest memory.

use bitflags::bitflags;

bitflags! {
    /// File descriptor rights (spec `rights`, a `u64`): which operations a
    /// descriptor may perform. `fs_rights_inheriting` bounds the rights of
    /// descriptors opened through a directory.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Rights: u64 {
        /// `fd_datasync`.
        const FD_DATASYNC = 1 << 0;
        /// `fd_read` and `sock_recv`.
        const FD_READ = 1 << 1;
        /// `fd_seek` (implies `FD_TELL`).
        const FD_SEEK = 1 << 2;
        /// `fd_fdstat_set_flags`.
        const FD_FDSTAT_SET_FLAGS = 1 << 3;
        /// `fd_sync`.
        const FD_SYNC = 1 << 4;
        /// `fd_seek` with offset 0 and `whence::cur`, and `fd_tell`.
        const FD_TELL = 1 << 5;
        /// `fd_write` and `sock_send`.
        const FD_WRITE = 1 << 6;
        /// `fd_advise`.
        const FD_ADVISE = 1 << 7;
        /// `fd_allocate`.
        const FD_ALLOCATE = 1 << 8;
        /// `path_create_directory`.
        const PATH_CREATE_DIRECTORY = 1 << 9;
        /// `path_open` with `oflags::creat`.
        const PATH_CREATE_FILE = 1 << 10;
        /// `path_link` with the directory as source.
        const PATH_LINK_SOURCE = 1 << 11;
        /// `path_link` with the directory as target.
        const PATH_LINK_TARGET = 1 << 12;
        /// `path_open`.
        const PATH_OPEN = 1 << 13;
        /// `fd_readdir`.
        const FD_READDIR = 1 << 14;
        /// `path_readlink`.
        const PATH_READLINK = 1 << 15;
        /// `path_rename` with the directory as source.
        const PATH_RENAME_SOURCE = 1 << 16;
        /// `path_rename` with the directory as target.
        const PATH_RENAME_TARGET = 1 << 17;
        /// `path_filestat_get`.
        const PATH_FILESTAT_GET = 1 << 18;
        /// Changing a file's size through a path (`path_open` with `oflags::trunc`).
        const PATH_FILESTAT_SET_SIZE = 1 << 19;
        /// `path_filestat_set_times`.
        const PATH_FILESTAT_SET_TIMES = 1 << 20;
        /// `fd_filestat_get`.
        const FD_FILESTAT_GET = 1 << 21;
        /// `fd_filestat_set_size`.
        const FD_FILESTAT_SET_SIZE = 1 << 22;
        /// `fd_filestat_set_times`.
        const FD_FILESTAT_SET_TIMES = 1 << 23;
        /// `path_symlink`.
        const PATH_SYMLINK = 1 << 24;
        /// `path_remove_directory`.
        const PATH_REMOVE_DIRECTORY = 1 << 25;
        /// `path_unlink_file`.
        const PATH_UNLINK_FILE = 1 << 26;
        /// `poll_oneoff` subscriptions for read/write readiness.
        const POLL_FD_READWRITE = 1 << 27;
        /// `sock_shutdown`.
        const SOCK_SHUTDOWN = 1 << 28;
        /// `sock_accept`.
        const SOCK_ACCEPT = 1 << 29;
    }
}

impl Rights {
    /// What a regular file may do when readable.
    pub const FILE_READ: Rights = Rights::FD_READ
        .union(Rights::FD_SEEK)
        .union(Rights::FD_TELL)
        .union(Rights::FD_ADVISE)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::POLL_FD_READWRITE);
    /// What a regular file may do when writable.
    pub const FILE_WRITE: Rights = Rights::FD_WRITE
        .union(Rights::FD_DATASYNC)
        .union(Rights::FD_SYNC)
        .union(Rights::FD_ALLOCATE)
        .union(Rights::FD_FILESTAT_SET_SIZE)
        .union(Rights::FD_FILESTAT_SET_TIMES)
        .union(Rights::FD_SEEK)
        .union(Rights::FD_TELL)
        .union(Rights::FD_ADVISE)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::POLL_FD_READWRITE);
    /// Every right a regular file can have.
    pub const FILE_ALL: Rights = Rights::FILE_READ.union(Rights::FILE_WRITE);
    /// What a directory may do without modifying anything.
    pub const DIR_READ: Rights = Rights::PATH_OPEN
        .union(Rights::FD_READDIR)
        .union(Rights::PATH_READLINK)
        .union(Rights::PATH_FILESTAT_GET)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::FD_ADVISE);
    /// Every right a directory can have.
    pub const DIR_ALL: Rights = Rights::DIR_READ
        .union(Rights::FD_DATASYNC)
        .union(Rights::FD_SYNC)
        .union(Rights::PATH_CREATE_DIRECTORY)
        .union(Rights::PATH_CREATE_FILE)
        .union(Rights::PATH_LINK_SOURCE)
        .union(Rights::PATH_LINK_TARGET)
        .union(Rights::PATH_RENAME_SOURCE)
        .union(Rights::PATH_RENAME_TARGET)
        .union(Rights::PATH_FILESTAT_SET_SIZE)
        .union(Rights::PATH_FILESTAT_SET_TIMES)
        .union(Rights::FD_FILESTAT_SET_TIMES)
        .union(Rights::PATH_SYMLINK)
        .union(Rights::PATH_REMOVE_DIRECTORY)
        .union(Rights::PATH_UNLINK_FILE);
    /// The rights modifying a directory tree, withheld by read-only preopens.
    pub const DIR_MUTATING: Rights = Rights::DIR_ALL.difference(Rights::DIR_READ);
}

bitflags! {
    /// File descriptor flags (spec `fdflags`, a `u16`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Fdflags: u16 {
        /// Append mode: every write goes to the end of the file.
        const APPEND = 1 << 0;
        /// Write according to synchronized I/O data integrity completion.
        const DSYNC = 1 << 1;
        /// Non-blocking mode.
        const NONBLOCK = 1 << 2;
        /// Synchronized read I/O operations.
        const RSYNC = 1 << 3;
        /// Write according to synchronized I/O file integrity completion.
        const SYNC = 1 << 4;
    }
}

bitflags! {
    /// Open flags of `path_open` (spec `oflags`, a `u16`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Oflags: u16 {
        /// Create the file if it does not exist.
        const CREAT = 1 << 0;
        /// Fail if it is not a directory.
        const DIRECTORY = 1 << 1;
        /// Fail if it already exists.
        const EXCL = 1 << 2;
        /// Truncate it to size 0.
        const TRUNC = 1 << 3;
    }
}

bitflags! {
    /// Path lookup flags (spec `lookupflags`, a `u32`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Lookupflags: u32 {
        /// Follow a symbolic link in the last component.
        const SYMLINK_FOLLOW = 1 << 0;
    }
}

bitflags! {
    /// Which timestamps to set (spec `fstflags`, a `u16`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Fstflags: u16 {
        /// Set the access time to the given value.
        const ATIM = 1 << 0;
        /// Set the access time to now.
        const ATIM_NOW = 1 << 1;
        /// Set the modification time to the given value.
        const MTIM = 1 << 2;
        /// Set the modification time to now.
        const MTIM_NOW = 1 << 3;
    }
}

bitflags! {
    /// Flags of a clock subscription (spec `subclockflags`, a `u16`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Subclockflags: u16 {
        /// The timeout is an absolute time, not relative to now.
        const SUBSCRIPTION_CLOCK_ABSTIME = 1 << 0;
    }
}

bitflags! {
    /// Flags of `sock_shutdown` (spec `sdflags`, a `u8`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Sdflags: u8 {
        /// Disable receiving.
        const RD = 1 << 0;
        /// Disable sending.
        const WR = 1 << 1;
    }
}

/// Spec `filetype` values.
pub mod filetype {
    /// Unknown, or a type the spec does not name.
    pub const UNKNOWN: u8 = 0;
    /// A block device.
    pub const BLOCK_DEVICE: u8 = 1;
    /// A character device (terminals).
    pub const CHARACTER_DEVICE: u8 = 2;
    /// A directory.
    pub const DIRECTORY: u8 = 3;
    /// A regular file.
    pub const REGULAR_FILE: u8 = 4;
    /// A datagram socket.
    pub const SOCKET_DGRAM: u8 = 5;
    /// A byte-stream socket.
    pub const SOCKET_STREAM: u8 = 6;
    /// A symbolic link.
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// Spec `whence` values for `fd_seek`.
pub mod whence {
    /// From the start of the file.
    pub const SET: u8 = 0;
    /// From the current position.
    pub const CUR: u8 = 1;
    /// From the end of the file.
    pub const END: u8 = 2;
}

/// Spec `clockid` values.
pub mod clockid {
    /// Wall-clock time since the Unix epoch.
    pub const REALTIME: u32 = 0;
    /// A clock that never goes backwards.
    pub const MONOTONIC: u32 = 1;
    /// CPU time of the process.
    pub const PROCESS_CPUTIME_ID: u32 = 2;
    /// CPU time of the thread.
    pub const THREAD_CPUTIME_ID: u32 = 3;
}

/// Spec `eventtype` values.
pub mod eventtype {
    /// A clock timeout.
    pub const CLOCK: u8 = 0;
    /// A descriptor became readable.
    pub const FD_READ: u8 = 1;
    /// A descriptor became writable.
    pub const FD_WRITE: u8 = 2;
}

/// Byte sizes and field offsets of the records in guest memory (all
/// little-endian, laid out by the witx C ABI).
pub mod layout {
    /// `iovec`/`ciovec`: `buf: u32 @0`, `buf_len: u32 @4`.
    pub const IOVEC_SIZE: u32 = 8;
    /// `fdstat`: filetype `u8 @0`, flags `u16 @2`, rights base `u64 @8`,
    /// rights inheriting `u64 @16`.
    pub const FDSTAT_SIZE: u32 = 24;
    /// `filestat`: dev @0, ino @8, filetype `u8 @16`, nlink @24, size @32,
    /// atim @40, mtim @48, ctim @56.
    pub const FILESTAT_SIZE: u32 = 64;
    /// `prestat`: tag `u8 @0`, `pr_name_len: u32 @4`.
    pub const PRESTAT_SIZE: u32 = 8;
    /// `dirent` header: next @0, ino @8, namlen `u32 @16`, type `u8 @20`;
    /// the name follows.
    pub const DIRENT_SIZE: u32 = 24;
    /// `subscription`: userdata @0, tag `u8 @8`, union @16.
    pub const SUBSCRIPTION_SIZE: u32 = 48;
    /// `event`: userdata @0, error `u16 @8`, type `u8 @10`, nbytes @16,
    /// flags `u16 @24`.
    pub const EVENT_SIZE: u32 = 32;
}
