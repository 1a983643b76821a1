//! [`WasiCtx`], the state of one WASI guest (arguments, environment, its
//! descriptor table, its exit status), built with [`WasiCtxBuilder`];
//! [`Stdio`] and the in-memory [`Pipe`] for standard streams.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::table::{Desc, DirDesc, FdTable};
use crate::types::Rights;

/// Where a standard stream goes.
#[derive(Debug, Clone, Default)]
pub enum Stdio {
    /// Nothing: reads see end of file, writes are discarded.
    #[default]
    Null,
    /// The host process's own stream.
    Inherit,
    /// An in-memory [`Pipe`] the embedder can fill or read.
    Pipe(Pipe),
}

impl From<Pipe> for Stdio {
    fn from(p: Pipe) -> Stdio {
        Stdio::Pipe(p)
    }
}

/// An in-memory byte stream, shared between the embedder and the guest:
/// clones are handles to the same buffer. As stdin the guest reads what
/// was put in ([`Pipe::with_input`], [`Pipe::push`]); as stdout or stderr
/// the embedder reads what the guest wrote ([`Pipe::contents`]).
///
/// A pipe holds at most [`Pipe::DEFAULT_CAPACITY`] bytes unless made with
/// [`Pipe::with_capacity`]; a guest write beyond that fails with `ENOSPC`,
/// so a guest cannot grow host memory without bound.
#[derive(Debug, Clone)]
pub struct Pipe(Arc<Mutex<PipeBuf>>);

#[derive(Debug)]
struct PipeBuf {
    bytes: VecDeque<u8>,
    capacity: usize,
}

impl Default for Pipe {
    fn default() -> Self {
        Pipe::with_capacity(Pipe::DEFAULT_CAPACITY)
    }
}

impl Pipe {
    /// The default capacity: 64 MiB.
    pub const DEFAULT_CAPACITY: usize = 64 << 20;

    /// An empty pipe.
    pub fn new() -> Pipe {
        Pipe::default()
    }

    /// An empty pipe holding at most `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Pipe {
        Pipe(Arc::new(Mutex::new(PipeBuf { bytes: VecDeque::new(), capacity })))
    }

    /// A pipe holding `bytes`, e.g. a guest's standard input.
    pub fn with_input(bytes: impl AsRef<[u8]>) -> Pipe {
        let p = Pipe::with_capacity(Pipe::DEFAULT_CAPACITY.max(bytes.as_ref().len()));
        p.lock().bytes.extend(bytes.as_ref());
        p
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PipeBuf> {
        // A panic while holding the lock leaves plain bytes behind; they
        // are still consistent, so a poisoned lock is simply taken over.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends bytes for a reader.
    pub fn push(&self, bytes: &[u8]) {
        self.lock().bytes.extend(bytes);
    }

    /// The bytes currently buffered, without consuming them.
    pub fn contents(&self) -> Vec<u8> {
        self.lock().bytes.iter().copied().collect()
    }

    /// The bytes currently buffered, as text (lossily).
    pub fn contents_string(&self) -> String {
        String::from_utf8_lossy(&self.contents()).into_owned()
    }

    /// Removes and returns the buffered bytes.
    pub fn take(&self) -> Vec<u8> {
        self.lock().bytes.drain(..).collect()
    }

    /// Reads up to `buf.len()` bytes from the front.
    pub(crate) fn read(&self, buf: &mut [u8]) -> usize {
        let mut p = self.lock();
        let n = buf.len().min(p.bytes.len());
        for (dst, src) in buf.iter_mut().zip(p.bytes.drain(..n)) {
            *dst = src;
        }
        n
    }

    /// The number of bytes buffered.
    pub(crate) fn available(&self) -> usize {
        self.lock().bytes.len()
    }

    /// Appends `buf`, or as much as fits; `None` if nothing fits.
    pub(crate) fn write(&self, buf: &[u8]) -> Option<usize> {
        let mut p = self.lock();
        let room = p.capacity.saturating_sub(p.bytes.len());
        if room == 0 && !buf.is_empty() {
            return None;
        }
        let n = room.min(buf.len());
        p.bytes.extend(&buf[..n]);
        Some(n)
    }
}

/// Why a [`WasiCtx`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A preopened directory could not be opened.
    #[error("cannot open directory `{path}`: {source}")]
    Preopen {
        /// The host path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An argument or environment entry contains a NUL byte, which WASI
    /// strings cannot carry.
    #[error("argument or environment entry contains a NUL byte: {0:?}")]
    Nul(String),
}

struct Preopen {
    host: PathBuf,
    guest: String,
    read_only: bool,
}

/// Builds a [`WasiCtx`]: arguments, environment, preopened directories
/// and standard streams. Nothing is granted unless asked for: no
/// arguments, an empty environment, no directories, and [`Stdio::Null`]
/// streams.
#[derive(Default)]
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    preopens: Vec<Preopen>,
    stdio: [Stdio; 3],
}

impl WasiCtxBuilder {
    /// Appends program arguments (the first is conventionally the program name).
    pub fn args<S: AsRef<str>>(&mut self, args: impl IntoIterator<Item = S>) -> &mut Self {
        self.args.extend(args.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// Appends one program argument.
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().to_string());
        self
    }

    /// Sets environment variable `key` to `value`.
    pub fn env(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        self.env.push((key.as_ref().to_string(), value.as_ref().to_string()));
        self
    }

    /// Sets several environment variables.
    pub fn envs<K: AsRef<str>, V: AsRef<str>>(&mut self, vars: impl IntoIterator<Item = (K, V)>) -> &mut Self {
        for (k, v) in vars {
            self.env(k, v);
        }
        self
    }

    /// Grants the guest the host directory `host_path`, which it sees as
    /// `guest_name` (e.g. `"/data"` or `"."`). Paths resolve beneath it
    /// only: `..`, absolute paths and symlinks cannot leave it.
    pub fn preopened_dir(&mut self, host_path: impl AsRef<Path>, guest_name: impl AsRef<str>) -> &mut Self {
        self.preopens.push(Preopen {
            host: host_path.as_ref().to_path_buf(),
            guest: guest_name.as_ref().to_string(),
            read_only: false,
        });
        self
    }

    /// Like [`preopened_dir`](Self::preopened_dir), but the guest may only
    /// read: opening for writing, creating, removing, renaming, linking and
    /// changing sizes or times fail with `ENOTCAPABLE` (or `EPERM`/`EROFS`
    /// where the spec's tests expect those).
    pub fn preopened_dir_read_only(&mut self, host_path: impl AsRef<Path>, guest_name: impl AsRef<str>) -> &mut Self {
        self.preopens.push(Preopen {
            host: host_path.as_ref().to_path_buf(),
            guest: guest_name.as_ref().to_string(),
            read_only: true,
        });
        self
    }

    /// Sets standard input.
    pub fn stdin(&mut self, s: impl Into<Stdio>) -> &mut Self {
        self.stdio[0] = s.into();
        self
    }

    /// Sets standard output.
    pub fn stdout(&mut self, s: impl Into<Stdio>) -> &mut Self {
        self.stdio[1] = s.into();
        self
    }

    /// Sets standard error.
    pub fn stderr(&mut self, s: impl Into<Stdio>) -> &mut Self {
        self.stdio[2] = s.into();
        self
    }

    /// Connects all three standard streams to the host process's.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.stdio = [Stdio::Inherit, Stdio::Inherit, Stdio::Inherit];
        self
    }

    /// Opens the preopened directories and builds the context.
    pub fn build(&mut self) -> Result<WasiCtx, BuildError> {
        let check = |s: &str| if s.contains('\0') { Err(BuildError::Nul(s.to_string())) } else { Ok(()) };
        for a in &self.args {
            check(a)?;
        }
        let mut env = Vec::with_capacity(self.env.len());
        for (k, v) in &self.env {
            let entry = format!("{k}={v}");
            check(&entry)?;
            env.push(entry);
        }
        let mut table = FdTable::default();
        for (i, s) in self.stdio.iter().enumerate() {
            table.insert_at(
                i as u32,
                Desc::Stdio { stream: i as u8, io: s.clone(), rights: crate::table::stdio_rights(i as u8) },
            );
        }
        for p in &self.preopens {
            let dir = cap_std::fs::Dir::open_ambient_dir(&p.host, cap_std::ambient_authority())
                .map_err(|source| BuildError::Preopen { path: p.host.clone(), source })?;
            let (rights, inheriting) = if p.read_only {
                (Rights::DIR_READ, Rights::DIR_READ | Rights::FILE_READ)
            } else {
                (Rights::DIR_ALL, Rights::DIR_ALL | Rights::FILE_ALL)
            };
            table.push(Desc::Dir(DirDesc { dir, preopen: Some(p.guest.clone()), rights, inheriting })).map_err(
                |_| BuildError::Preopen { path: p.host.clone(), source: std::io::Error::other("too many descriptors") },
            )?;
        }
        Ok(WasiCtx { args: self.args.clone(), env, table, start: Instant::now(), exit_code: None })
    }
}

/// The state of one WASI guest: its arguments and environment, its
/// descriptor table (standard streams, preopened directories, everything
/// it opened), and its exit status once it called `proc_exit`.
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<String>,
    pub(crate) table: FdTable,
    /// The origin of the monotonic clock.
    pub(crate) start: Instant,
    pub(crate) exit_code: Option<i32>,
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args)
            .field("env", &self.env)
            .field("open_fds", &self.table.len())
            .field("exit_code", &self.exit_code)
            .finish_non_exhaustive()
    }
}

impl WasiCtx {
    /// A builder.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::default()
    }

    /// The status the guest passed to `proc_exit`, if it called it.
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }

    /// A context with nothing in it; stands in while a host function has
    /// the real one taken out of the store.
    pub(crate) fn placeholder() -> WasiCtx {
        WasiCtx { args: Vec::new(), env: Vec::new(), table: FdTable::default(), start: Instant::now(), exit_code: None }
    }
}
