//! # weft-wasi
//!
//! The WASI preview1 host (`wasi_snapshot_preview1`) for the weft runtime:
//! every function of the snapshot, on the real host file system, clocks
//! and randomness, behind a capability sandbox.
//!
//! * A guest reaches only the directories it was handed
//!   ([`WasiCtxBuilder::preopened_dir`], or read-only with
//!   [`WasiCtxBuilder::preopened_dir_read_only`]). Paths are resolved with
//!   `cap-std` beneath the directory capability, so `..`, absolute paths
//!   and symlinks never lead outside it, not even transiently.
//! * Every guest pointer is bounds-checked (`EFAULT`), and no guest-given
//!   size (iovec counts, lengths, path lengths) makes the host allocate
//!   more than a small fixed amount.
//! * Standard streams are inherited, discarded, or in-memory [`Pipe`]s.
//!
//! ## Example
//!
//! A command that writes to standard output, captured in a [`Pipe`]:
//!
//! ```
//! use weft::{Engine, Linker, Module, Store};
//! use weft_wasi::{Pipe, WasiCtx};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module
//!     (import "wasi_snapshot_preview1" "fd_write"
//!         (func $fd_write (param i32 i32 i32 i32) (result i32)))
//!     (memory (export "memory") 1)
//!     (data (i32.const 16) "hello, wasi\n")
//!     (func (export "_start")
//!         ;; one iovec at 0: 12 bytes at 16
//!         (i32.store (i32.const 0) (i32.const 16))
//!         (i32.store (i32.const 4) (i32.const 12))
//!         (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#)?;
//!
//! let stdout = Pipe::new();
//! let wasi = WasiCtx::builder().arg("hello").stdout(stdout.clone()).build()?;
//! let mut linker = Linker::new(&engine);
//! weft_wasi::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx)?;
//! let mut store = Store::new(&engine, wasi);
//! let instance = linker.instantiate(&mut store, &module)?;
//! instance.get_typed_func::<(), (), _>(&store, "_start")?.call(&mut store, ())?;
//! assert_eq!(stdout.contents_string(), "hello, wasi\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `proc_exit` ends the run with a trap of kind
//! [`TrapKind::Exit`](weft_exec::TrapKind::Exit) carrying the status
//! ([`Trap::exit_status`](weft_exec::Trap::exit_status)); it is also kept
//! in [`WasiCtx::exit_code`].
//!
//! With an [`interruptible`](weft_exec::Config::interruptible) engine, a
//! call that blocks (`poll_oneoff` waiting for a clock, `fd_read` of an
//! inherited standard input) looks at the store's
//! [`InterruptHandle`](weft_exec::InterruptHandle) every 10 ms and ends
//! with [`TrapKind::Interrupted`](weft_exec::TrapKind::Interrupted) when
//! asked to.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod command;
mod ctx;
mod errno;
mod memory;
mod preview1;
mod table;
pub mod types;

pub use command::{instantiate, run_command};
pub use ctx::{BuildError, Pipe, Stdio, WasiCtx, WasiCtxBuilder};
pub use errno::Errno;
pub use memory::{GuestMemory, MAX_PATH_LEN};
pub use preview1::{MODULE, add_to_linker, call};
pub use table::MAX_FDS;

/// The exit status carried by a trap that `proc_exit` raised, if `trap`
/// is one: [`TrapKind::Exit`](weft_exec::TrapKind::Exit), the same as
/// [`Trap::exit_status`](weft_exec::Trap::exit_status).
pub fn exit_status(trap: &weft_exec::Trap) -> Option<i32> {
    trap.exit_status()
}
