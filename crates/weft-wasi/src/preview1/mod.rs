//! The functions of `wasi_snapshot_preview1`, one table row each: name,
//! wasm signature, implementation. [`add_to_linker`] derives every host
//! function from [`FUNCTIONS`]; the implementations are plain functions of
//! the [`WasiCtx`] and the guest's [`GuestMemory`], grouped by the spec's
//! prefixes (`args_`/`environ_`, `clock_`/`poll_`/`proc_`/`random_`,
//! `fd_`, `path_`, `sock_`).

mod args;
mod fd;
mod misc;
mod path;
mod sock;

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft_exec::{AsContext, Caller, Extern, FuncType, InterruptHandle, Linker, Trap, TrapKind, Val, ValType};

use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::GuestMemory;

/// The module name guests import from.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// How long a blocking call sleeps between two looks at the store's
/// interrupt flag: the most an interrupt waits for a sleeping guest.
pub(crate) const INTERRUPT_POLL: Duration = Duration::from_millis(10);

/// The arguments of one call, read by position, and what a call that
/// blocks needs to honour the store's [`InterruptHandle`].
pub(crate) struct Args<'a> {
    params: &'a [Val],
    /// The store's interrupt handle, if its engine is
    /// [`interruptible`](weft_exec::Config::interruptible).
    interrupt: Option<InterruptHandle>,
    /// Set when a blocking call gave up because of an interrupt: the call
    /// then ends with [`TrapKind::Interrupted`], not with its errno.
    interrupted: Cell<bool>,
}

impl<'a> Args<'a> {
    fn new(params: &'a [Val], interrupt: Option<InterruptHandle>) -> Self {
        Args { params, interrupt, interrupted: Cell::new(false) }
    }

    /// Argument `i` as an unsigned 32-bit value (pointers, lengths, fds, flags).
    pub(crate) fn u32(&self, i: usize) -> u32 {
        match self.params.get(i) {
            Some(Val::I32(v)) => *v as u32,
            _ => 0,
        }
    }

    /// Argument `i` as an unsigned 64-bit value.
    pub(crate) fn u64(&self, i: usize) -> u64 {
        match self.params.get(i) {
            Some(Val::I64(v)) => *v as u64,
            _ => 0,
        }
    }

    /// Whether the call can be interrupted (the engine is interruptible).
    pub(crate) fn interruptible(&self) -> bool {
        self.interrupt.is_some()
    }

    /// Whether an interrupt was requested. A request is consumed: the call
    /// is marked interrupted and must return at once (any errno; the guest
    /// sees the interrupt trap instead).
    pub(crate) fn take_interrupt(&self) -> bool {
        let Some(handle) = &self.interrupt else { return false };
        if !handle.is_interrupted() {
            return false;
        }
        // A second request racing with this one asks for the same thing:
        // the trap this call ends with.
        handle.clear();
        self.interrupted.set(true);
        true
    }

    /// Sleeps until `deadline` (`None`: until interrupted), looking at the
    /// interrupt flag every [`INTERRUPT_POLL`]; `EINTR` if interrupted.
    pub(crate) fn sleep_until(&self, deadline: Option<Instant>) -> WasiResult {
        loop {
            if self.take_interrupt() {
                return Err(Errno::Intr);
            }
            let now = Instant::now();
            let left = match deadline {
                Some(d) if d <= now => return Ok(()),
                Some(d) => d - now,
                None => INTERRUPT_POLL,
            };
            std::thread::sleep(if self.interruptible() { left.min(INTERRUPT_POLL) } else { left });
        }
    }

    /// Argument `i` as a signed 64-bit value.
    pub(crate) fn i64(&self, i: usize) -> i64 {
        self.u64(i) as i64
    }
}

/// How a call ends other than with an errno.
pub(crate) enum Exit {
    /// The guest called `proc_exit` with this status.
    Status(i32),
}

/// What every implementation returns: `Ok(())` is errno `success`.
pub(crate) type WasiResult = Result<(), Errno>;

type Implementation = fn(&mut WasiCtx, &mut GuestMemory<'_>, &Args<'_>) -> WasiResult;

/// Every function of `wasi_snapshot_preview1`: its name, its parameters
/// (`i` = i32, `I` = i64; all return an i32 errno) and its implementation.
/// `proc_exit` (which returns nothing) is handled by [`add_to_linker`].
pub(crate) const FUNCTIONS: &[(&str, &str, Implementation)] = &[
    ("args_get", "ii", args::args_get),
    ("args_sizes_get", "ii", args::args_sizes_get),
    ("environ_get", "ii", args::environ_get),
    ("environ_sizes_get", "ii", args::environ_sizes_get),
    ("clock_res_get", "ii", misc::clock_res_get),
    ("clock_time_get", "iIi", misc::clock_time_get),
    ("fd_advise", "iIIi", fd::fd_advise),
    ("fd_allocate", "iII", fd::fd_allocate),
    ("fd_close", "i", fd::fd_close),
    ("fd_datasync", "i", fd::fd_datasync),
    ("fd_fdstat_get", "ii", fd::fd_fdstat_get),
    ("fd_fdstat_set_flags", "ii", fd::fd_fdstat_set_flags),
    ("fd_fdstat_set_rights", "iII", fd::fd_fdstat_set_rights),
    ("fd_filestat_get", "ii", fd::fd_filestat_get),
    ("fd_filestat_set_size", "iI", fd::fd_filestat_set_size),
    ("fd_filestat_set_times", "iIIi", fd::fd_filestat_set_times),
    ("fd_pread", "iiiIi", fd::fd_pread),
    ("fd_prestat_get", "ii", fd::fd_prestat_get),
    ("fd_prestat_dir_name", "iii", fd::fd_prestat_dir_name),
    ("fd_pwrite", "iiiIi", fd::fd_pwrite),
    ("fd_read", "iiii", fd::fd_read),
    ("fd_readdir", "iiiIi", fd::fd_readdir),
    ("fd_renumber", "ii", fd::fd_renumber),
    ("fd_seek", "iIii", fd::fd_seek),
    ("fd_sync", "i", fd::fd_sync),
    ("fd_tell", "ii", fd::fd_tell),
    ("fd_write", "iiii", fd::fd_write),
    ("path_create_directory", "iii", path::path_create_directory),
    ("path_filestat_get", "iiiii", path::path_filestat_get),
    ("path_filestat_set_times", "iiiiIIi", path::path_filestat_set_times),
    ("path_link", "iiiiiii", path::path_link),
    ("path_open", "iiiiiIIii", path::path_open),
    ("path_readlink", "iiiiii", path::path_readlink),
    ("path_remove_directory", "iii", path::path_remove_directory),
    ("path_rename", "iiiiii", path::path_rename),
    ("path_symlink", "iiiii", path::path_symlink),
    ("path_unlink_file", "iii", path::path_unlink_file),
    ("poll_oneoff", "iiii", misc::poll_oneoff),
    ("proc_raise", "i", misc::proc_raise),
    ("sched_yield", "", misc::sched_yield),
    ("random_get", "ii", misc::random_get),
    ("sock_accept", "iii", sock::sock_accept),
    ("sock_recv", "iiiiii", sock::sock_recv),
    ("sock_send", "iiiii", sock::sock_send),
    ("sock_shutdown", "ii", sock::sock_shutdown),
];

fn param_types(sig: &str) -> Vec<ValType> {
    sig.chars().map(|c| if c == 'I' { ValType::I64 } else { ValType::I32 }).collect()
}

/// The store's interrupt handle, if its engine is interruptible (blocking
/// calls then watch it).
fn interrupt_handle<T>(caller: &Caller<'_, T>) -> Option<InterruptHandle> {
    caller.engine().config().interruptible.then(|| caller.as_context().interrupt_handle())
}

/// Runs `f` with the guest's [`WasiCtx`] and memory. The context is moved
/// out of the store for the duration of the call so the two can be
/// borrowed together; WASI functions never call back into wasm, so nothing
/// can observe the placeholder left behind.
fn with_ctx<T, R>(
    caller: &mut Caller<'_, T>,
    get_cx: &(dyn Fn(&mut T) -> &mut WasiCtx + Send + Sync),
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> R,
) -> R {
    let mut ctx = std::mem::replace(get_cx(caller.data_mut()), WasiCtx::placeholder());
    let memory = caller.get_export("memory").and_then(Extern::into_memory);
    let mut none: [u8; 0] = [];
    let bytes: &mut [u8] = match memory {
        Some(m) => m.data_mut(caller).unwrap_or(&mut none),
        None => &mut none,
    };
    let result = f(&mut ctx, &mut GuestMemory::new(bytes));
    *get_cx(caller.data_mut()) = ctx;
    result
}

/// Defines every function of `wasi_snapshot_preview1` in `linker`;
/// `get_cx` finds the [`WasiCtx`] in the store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get_cx: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + 'static,
) -> weft_exec::Result<()> {
    let get_cx: Arc<dyn Fn(&mut T) -> &mut WasiCtx + Send + Sync> = Arc::new(get_cx);
    for &(name, sig, implementation) in FUNCTIONS {
        let get_cx = get_cx.clone();
        let ty = FuncType::new(param_types(sig), [ValType::I32]);
        linker.func_new(MODULE, name, ty, move |mut caller, params, results| {
            let args = Args::new(params, interrupt_handle(&caller));
            let errno = with_ctx(&mut caller, &*get_cx, |ctx, mem| implementation(ctx, mem, &args));
            if args.interrupted.get() {
                return Err(Trap::new(TrapKind::Interrupted));
            }
            results[0] = Val::I32(errno.err().unwrap_or(Errno::Success) as i32);
            Ok(())
        })?;
    }
    let exit_cx = get_cx.clone();
    linker.func_new(MODULE, "proc_exit", FuncType::new([ValType::I32], []), move |mut caller, params, _| {
        let Exit::Status(status) = misc::proc_exit(&Args::new(params, None));
        exit_cx(caller.data_mut()).exit_code = Some(status);
        Err(Trap::exit(status))
    })?;
    Ok(())
}

/// Calls one function by name, as a guest would, for tests that exercise
/// the host functions without a wasm module.
#[doc(hidden)]
pub fn call(ctx: &mut WasiCtx, memory: &mut [u8], name: &str, params: &[Val]) -> Result<i32, i32> {
    if name == "proc_exit" {
        let Exit::Status(status) = misc::proc_exit(&Args::new(params, None));
        ctx.exit_code = Some(status);
        return Err(status);
    }
    let (_, _, implementation) = FUNCTIONS.iter().find(|(n, _, _)| *n == name).ok_or(-1)?;
    let r = implementation(ctx, &mut GuestMemory::new(memory), &Args::new(params, None));
    Ok(r.err().unwrap_or(Errno::Success) as i32)
}
