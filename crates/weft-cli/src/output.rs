//! Standard output and standard error for every subcommand.
//!
//! std's `print!` family panics when a stream is gone ("failed printing to
//! stdout: Broken pipe", with a backtrace under `RUST_BACKTRACE`), which is
//! what `weft inspect big.wasm | head` met: Rust ignores `SIGPIPE`, so a
//! write to a closed pipe is an `EPIPE` error instead of the signal that
//! quietly ends `cat`. This module gives the CLI `cat`'s behaviour without
//! `unsafe` signal handling: a write that finds its pipe closed ends the
//! process at once, silently, with status [`BROKEN_PIPE_EXIT`] — 128 +
//! `SIGPIPE`, the status a shell reports for `cat` killed by `SIGPIPE`
//! (so `set -o pipefail` scripts see the same for both). Any other write
//! error (a full disk) ends it with a one-line message and status 1.
//!
//! `main.rs` defines `print!`, `println!`, `eprint!` and `eprintln!` on
//! top of [`print`] and [`eprint`] before any command module, so every
//! command's printing goes through here without naming it; bulk output
//! written in one piece uses [`write_stdout`].
//!
//! What a guest writes through WASI is not covered: `weft run`'s guest
//! sees `EPIPE` from `fd_write`, as under wasmtime, and decides itself.

use std::fmt;
use std::io::{self, Write};

/// The exit status after standard output or error was closed under us:
/// 128 + `SIGPIPE` (13), as a shell reports for `cat`.
pub const BROKEN_PIPE_EXIT: i32 = 141;

/// Writes to standard output (the `print!`/`println!` of the CLI).
pub fn print(args: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    done_or_exit(out.write_fmt(args), "standard output");
}

/// Writes to standard error (the `eprint!`/`eprintln!` of the CLI).
pub fn eprint(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    done_or_exit(err.write_fmt(args), "standard error");
}

/// Writes `bytes` to standard output and flushes it.
pub fn write_stdout(bytes: &[u8]) {
    let mut out = io::stdout().lock();
    done_or_exit(out.write_all(bytes).and_then(|()| out.flush()), "standard output");
}

/// Returns if the write succeeded; otherwise ends the process (see the
/// module's documentation).
fn done_or_exit(result: io::Result<()>, stream: &str) {
    match result {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(BROKEN_PIPE_EXIT),
        Err(e) => {
            // Standard error may be the stream that failed: no panic if
            // this line cannot be written either.
            let _ = writeln!(io::stderr(), "error: writing to {stream}: {e}");
            std::process::exit(1);
        }
    }
}

/// `print!` for the CLI: see the module's documentation.
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::output::print(format_args!($($arg)*))
    };
}

/// `println!` for the CLI: see the module's documentation.
macro_rules! println {
    () => {
        $crate::output::print(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` for the CLI: see the module's documentation.
#[allow(unused_macros)]
macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::output::eprint(format_args!($($arg)*))
    };
}

/// `eprintln!` for the CLI: see the module's documentation.
macro_rules! eprintln {
    () => {
        $crate::output::eprint(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::eprint(format_args!("{}\n", format_args!($($arg)*)))
    };
}
