//! [`Errno`]: the error codes of `wasi_snapshot_preview1`, numbered exactly
//! as the spec's `errno` enum, and the mapping from host I/O errors.

use std::io;

macro_rules! errnos {
    ($($name:ident = $value:literal, $doc:literal;)*) => {
        /// An error code of `wasi_snapshot_preview1` (spec `errno`, a `u16`).
        /// The discriminants are the spec's numbers, returned to the guest
        /// as the `i32` result of every function.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Errno {
            $(
                #[doc = $doc]
                $name = $value,
            )*
        }

        impl Errno {
            /// The spec's name, e.g. `"noent"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Errno::$name => stringify!($name),)*
                }
            }
        }
    };
}

errnos! {
    Success = 0, "No error occurred.";
    TooBig = 1, "Argument list too long.";
    Acces = 2, "Permission denied.";
    Addrinuse = 3, "Address in use.";
    Addrnotavail = 4, "Address not available.";
    Afnosupport = 5, "Address family not supported.";
    Again = 6, "Resource unavailable, or operation would block.";
    Already = 7, "Connection already in progress.";
    Badf = 8, "Bad file descriptor.";
    Badmsg = 9, "Bad message.";
    Busy = 10, "Device or resource busy.";
    Canceled = 11, "Operation canceled.";
    Child = 12, "No child processes.";
    Connaborted = 13, "Connection aborted.";
    Connrefused = 14, "Connection refused.";
    Connreset = 15, "Connection reset.";
    Deadlk = 16, "Resource deadlock would occur.";
    Destaddrreq = 17, "Destination address required.";
    Dom = 18, "Mathematics argument out of domain of function.";
    Dquot = 19, "Reserved.";
    Exist = 20, "File exists.";
    Fault = 21, "Bad address.";
    Fbig = 22, "File too large.";
    Hostunreach = 23, "Host is unreachable.";
    Idrm = 24, "Identifier removed.";
    Ilseq = 25, "Illegal byte sequence.";
    Inprogress = 26, "Operation in progress.";
    Intr = 27, "Interrupted function.";
    Inval = 28, "Invalid argument.";
    Io = 29, "I/O error.";
    Isconn = 30, "Socket is connected.";
    Isdir = 31, "Is a directory.";
    Loop = 32, "Too many levels of symbolic links.";
    Mfile = 33, "File descriptor value too large.";
    Mlink = 34, "Too many links.";
    Msgsize = 35, "Message too large.";
    Multihop = 36, "Reserved.";
    Nametoolong = 37, "Filename too long.";
    Netdown = 38, "Network is down.";
    Netreset = 39, "Connection aborted by network.";
    Netunreach = 40, "Network unreachable.";
    Nfile = 41, "Too many files open in system.";
    Nobufs = 42, "No buffer space available.";
    Nodev = 43, "No such device.";
    Noent = 44, "No such file or directory.";
    Noexec = 45, "Executable file format error.";
    Nolck = 46, "No locks available.";
    Nolink = 47, "Reserved.";
    Nomem = 48, "Not enough space.";
    Nomsg = 49, "No message of the desired type.";
    Noprotoopt = 50, "Protocol not available.";
    Nospc = 51, "No space left on device.";
    Nosys = 52, "Function not supported.";
    Notconn = 53, "The socket is not connected.";
    Notdir = 54, "Not a directory or a symbolic link to a directory.";
    Notempty = 55, "Directory not empty.";
    Notrecoverable = 56, "State not recoverable.";
    Notsock = 57, "Not a socket.";
    Notsup = 58, "Not supported, or operation not supported on socket.";
    Notty = 59, "Inappropriate I/O control operation.";
    Nxio = 60, "No such device or address.";
    Overflow = 61, "Value too large to be stored in data type.";
    Ownerdead = 62, "Previous owner died.";
    Perm = 63, "Operation not permitted.";
    Pipe = 64, "Broken pipe.";
    Proto = 65, "Protocol error.";
    Protonosupport = 66, "Protocol not supported.";
    Prototype = 67, "Protocol wrong type for socket.";
    Range = 68, "Result too large.";
    Rofs = 69, "Read-only file system.";
    Spipe = 70, "Invalid seek.";
    Srch = 71, "No such process.";
    Stale = 72, "Reserved.";
    Timedout = 73, "Connection timed out.";
    Txtbsy = 74, "Text file busy.";
    Xdev = 75, "Cross-device link.";
    Notcapable = 76, "Extension: Capabilities insufficient.";
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (errno {})", self.name(), *self as u16)
    }
}

impl std::error::Error for Errno {}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        if let Some(code) = e.raw_os_error()
            && let Some(errno) = from_host_errno(code)
        {
            return errno;
        }
        from_kind(e.kind())
    }
}

/// Maps a host `errno` (Linux numbering) to WASI's.
#[cfg(target_os = "linux")]
fn from_host_errno(code: i32) -> Option<Errno> {
    use Errno::*;
    Some(match code {
        1 => Perm,
        2 => Noent,
        3 => Srch,
        4 => Intr,
        5 => Io,
        6 => Nxio,
        7 => TooBig,
        8 => Noexec,
        9 => Badf,
        10 => Child,
        11 => Again,
        12 => Nomem,
        13 => Acces,
        14 => Fault,
        16 => Busy,
        17 => Exist,
        18 => Xdev,
        19 => Nodev,
        20 => Notdir,
        21 => Isdir,
        22 => Inval,
        23 => Nfile,
        24 => Mfile,
        25 => Notty,
        26 => Txtbsy,
        27 => Fbig,
        28 => Nospc,
        29 => Spipe,
        30 => Rofs,
        31 => Mlink,
        32 => Pipe,
        33 => Dom,
        34 => Range,
        35 => Deadlk,
        36 => Nametoolong,
        37 => Nolck,
        38 => Nosys,
        39 => Notempty,
        40 => Loop,
        42 => Nomsg,
        43 => Idrm,
        67 => Nolink,
        71 => Proto,
        72 => Multihop,
        74 => Badmsg,
        75 => Overflow,
        84 => Ilseq,
        88 => Notsock,
        89 => Destaddrreq,
        90 => Msgsize,
        91 => Prototype,
        92 => Noprotoopt,
        93 => Protonosupport,
        95 => Notsup,
        97 => Afnosupport,
        98 => Addrinuse,
        99 => Addrnotavail,
        100 => Netdown,
        101 => Netunreach,
        102 => Netreset,
        103 => Connaborted,
        104 => Connreset,
        105 => Nobufs,
        106 => Isconn,
        107 => Notconn,
        110 => Timedout,
        111 => Connrefused,
        113 => Hostunreach,
        114 => Already,
        115 => Inprogress,
        116 => Stale,
        122 => Dquot,
        125 => Canceled,
        130 => Ownerdead,
        131 => Notrecoverable,
        _ => return None,
    })
}

/// Elsewhere only the portable [`io::ErrorKind`] mapping is used.
#[cfg(not(target_os = "linux"))]
fn from_host_errno(_code: i32) -> Option<Errno> {
    None
}

fn from_kind(kind: io::ErrorKind) -> Errno {
    use io::ErrorKind as K;
    match kind {
        K::NotFound => Errno::Noent,
        // cap-std reports a path that would leave the directory capability
        // ("a path led outside of the filesystem") as PermissionDenied
        // without an OS error: that is WASI's `perm`, as in wasmtime.
        K::PermissionDenied => Errno::Perm,
        K::ConnectionRefused => Errno::Connrefused,
        K::ConnectionReset => Errno::Connreset,
        K::ConnectionAborted => Errno::Connaborted,
        K::NotConnected => Errno::Notconn,
        K::AddrInUse => Errno::Addrinuse,
        K::AddrNotAvailable => Errno::Addrnotavail,
        K::BrokenPipe => Errno::Pipe,
        K::AlreadyExists => Errno::Exist,
        K::WouldBlock => Errno::Again,
        K::InvalidInput | K::InvalidData => Errno::Inval,
        K::TimedOut => Errno::Timedout,
        K::Interrupted => Errno::Intr,
        K::Unsupported => Errno::Notsup,
        K::OutOfMemory => Errno::Nomem,
        K::NotADirectory => Errno::Notdir,
        K::IsADirectory => Errno::Isdir,
        K::DirectoryNotEmpty => Errno::Notempty,
        K::ReadOnlyFilesystem => Errno::Rofs,
        K::NotSeekable => Errno::Spipe,
        K::StorageFull => Errno::Nospc,
        K::FileTooLarge => Errno::Fbig,
        K::ResourceBusy => Errno::Busy,
        K::CrossesDevices => Errno::Xdev,
        K::TooManyLinks => Errno::Mlink,
        K::InvalidFilename => Errno::Nametoolong,
        K::ArgumentListTooLong => Errno::TooBig,
        _ => Errno::Io,
    }
}

#[cfg(test)]
mod tests {
    use super::Errno;

    #[test]
    fn spec_numbers() {
        assert_eq!(Errno::Success as u16, 0);
        assert_eq!(Errno::Badf as u16, 8);
        assert_eq!(Errno::Fault as u16, 21);
        assert_eq!(Errno::Inval as u16, 28);
        assert_eq!(Errno::Loop as u16, 32);
        assert_eq!(Errno::Noent as u16, 44);
        assert_eq!(Errno::Notdir as u16, 54);
        assert_eq!(Errno::Perm as u16, 63);
        assert_eq!(Errno::Notcapable as u16, 76);
    }

    #[test]
    fn host_errors_map() {
        assert_eq!(Errno::from(std::io::Error::from_raw_os_error(40)), Errno::Loop);
        assert_eq!(Errno::from(std::io::Error::from(std::io::ErrorKind::NotFound)), Errno::Noent);
    }
}
