//! Traps (spec 4.4.1 "trap") and the errors of instantiation and embedding.

use std::fmt;

use crate::exception::Thrown;

/// Why execution trapped. The `Display` texts are exactly the spec
/// testsuite's `assert_trap`/`assert_exhaustion` texts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrapKind {
    /// `unreachable` was executed.
    Unreachable,
    /// Integer division or remainder by zero.
    IntegerDivideByZero,
    /// Signed division overflow or float-to-int truncation out of range.
    IntegerOverflow,
    /// Truncation of a NaN to an integer.
    InvalidConversionToInteger,
    /// A memory access outside the memory (or a segment).
    MemoryOutOfBounds,
    /// A table access outside the table (or a segment).
    TableOutOfBounds,
    /// `call_indirect` with an index beyond the table.
    UndefinedElement,
    /// `call_indirect` through a null table entry, at this table index.
    /// Printed "uninitialized element N", as the spec interpreter does (the
    /// testsuite's texts are prefixes of that).
    UninitializedElement(u64),
    /// `call_indirect` to a function of another type.
    IndirectCallTypeMismatch,
    /// A null reference where a non-null one was required.
    NullReference,
    /// `call_ref` through a null function reference.
    NullFunctionReference,
    /// The configured maximum call depth was exceeded.
    CallStackExhausted,
    /// The store's fuel ran out.
    OutOfFuel,
    /// An [`InterruptHandle`](crate::InterruptHandle) of the store asked
    /// running wasm to stop (engines configured
    /// [`interruptible`](crate::Config::interruptible) only).
    Interrupted,
    /// An instruction this engine does not implement yet.
    Unsupported(String),
    /// A host function returned an error.
    Host(String),
    /// `throw_ref` of a null exception reference.
    NullExceptionReference,
    /// A wasm exception no handler caught: it left the outermost wasm
    /// frame (printed "uncaught exception"). Unlike every other kind, a
    /// host function that returns this error re-throws the exception into
    /// its wasm caller, where a handler may catch it (as wasmtime does).
    Exception(Thrown),
    /// `struct.get`/`struct.set` on a null reference.
    NullStructReference,
    /// An array instruction on a null reference.
    NullArrayReference,
    /// `i31.get_s`/`i31.get_u` on a null reference.
    NullI31Reference,
    /// An array index or range outside the array.
    ArrayOutOfBounds,
    /// `ref.cast` of a value not of the target type.
    CastFailure,
    /// A GC allocation the store's resource limiter refused (after a collection).
    GcHeapExhausted,
    /// The program asked to end with this exit status (WASI `proc_exit`):
    /// a host function returned [`Trap::exit`]. Not a fault of the guest;
    /// embedders read the status with [`Trap::exit_status`].
    Exit(i32),
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::IntegerDivideByZero => "integer divide by zero",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::InvalidConversionToInteger => "invalid conversion to integer",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::TableOutOfBounds => "out of bounds table access",
            TrapKind::UndefinedElement => "undefined element",
            TrapKind::UninitializedElement(index) => return write!(f, "uninitialized element {index}"),
            TrapKind::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapKind::NullReference => "null reference",
            TrapKind::NullFunctionReference => "null function reference",
            TrapKind::CallStackExhausted => "call stack exhausted",
            TrapKind::OutOfFuel => "all fuel consumed",
            TrapKind::Interrupted => "interrupted",
            TrapKind::Unsupported(op) => return write!(f, "unsupported instruction {op}"),
            TrapKind::Host(msg) => return f.write_str(msg),
            TrapKind::NullExceptionReference => "null exception reference",
            TrapKind::Exception(_) => "uncaught exception",
            TrapKind::NullStructReference => "null structure reference",
            TrapKind::NullArrayReference => "null array reference",
            TrapKind::NullI31Reference => "null i31 reference",
            TrapKind::ArrayOutOfBounds => "out of bounds array access",
            TrapKind::CastFailure => "cast failure",
            TrapKind::GcHeapExhausted => "out of GC heap memory",
            TrapKind::Exit(status) => return write!(f, "exited with status {status}"),
        };
        f.write_str(s)
    }
}

/// One frame of a wasm backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// The function's index in its module.
    pub func_index: u32,
    /// The function's name from the name section, if any.
    pub func_name: Option<String>,
    /// The module's name from the name section, if any.
    pub module_name: Option<String>,
    /// The byte offset of the executing instruction in the module, if known.
    pub offset: Option<usize>,
}

/// A trap: its kind and the wasm call stack at the point it happened,
/// innermost frame first. One boxed word, so `Result<T, Trap>` stays small
/// on the interpreter's hot paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap(Box<TrapInner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct TrapInner {
    kind: TrapKind,
    backtrace: Vec<FrameInfo>,
}

impl Trap {
    /// A trap of `kind` without a backtrace.
    #[cold]
    pub fn new(kind: TrapKind) -> Self {
        Trap(Box::new(TrapInner { kind, backtrace: Vec::new() }))
    }

    /// A trap raised by a host function, with the given message.
    pub fn host(message: impl Into<String>) -> Self {
        Trap::new(TrapKind::Host(message.into()))
    }

    /// A trap that ends the run with an exit status, for a host function
    /// like WASI's `proc_exit` to return: it unwinds every wasm frame (no
    /// handler catches it) and the embedder reads `status` back with
    /// [`Trap::exit_status`], typed, never parsed from a message.
    pub fn exit(status: i32) -> Self {
        Trap::new(TrapKind::Exit(status))
    }

    /// The status of a [`Trap::exit`], if this trap is one.
    pub fn exit_status(&self) -> Option<i32> {
        match self.0.kind {
            TrapKind::Exit(status) => Some(status),
            _ => None,
        }
    }

    /// An exception for a host function to throw: returning this error
    /// raises `exn` in the wasm caller, as if by `throw_ref`.
    pub fn throw(store: impl crate::AsContext, exn: crate::Exn) -> Result<Self> {
        let store = store.as_context();
        let index = store.check(exn.0)?;
        Ok(Trap::new(TrapKind::Exception(Thrown::of(&store.inner, index as u32))))
    }

    /// The uncaught wasm exception, if this is one.
    pub fn exception(&self) -> Option<&Thrown> {
        match &self.0.kind {
            TrapKind::Exception(t) => Some(t),
            _ => None,
        }
    }

    /// Why it trapped.
    pub fn kind(&self) -> &TrapKind {
        &self.0.kind
    }

    /// The message: the spec testsuite's text for the kind.
    pub fn message(&self) -> String {
        self.0.kind.to_string()
    }

    /// The wasm frames active when it trapped, innermost first.
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.0.backtrace
    }

    /// Appends the frames of the activation the trap is passing through
    /// (outer activations come after inner ones, when a host function that
    /// re-entered wasm propagates a trap).
    pub fn with_backtrace(mut self, frames: Vec<FrameInfo>) -> Self {
        self.0.backtrace.extend(frames);
        self
    }
}

impl From<TrapKind> for Trap {
    #[cold]
    fn from(kind: TrapKind) -> Self {
        Trap::new(kind)
    }
}

impl fmt::Display for Trap {
    /// Prints like wasmtime:
    ///
    /// ```text
    /// unreachable
    /// wasm backtrace:
    ///     0:   0x2a - <unknown>!inner
    ///     1:   0x31 - <unknown>!outer
    /// ```
    ///
    /// A deep backtrace stays short: a frame (or a cycle of up to four
    /// frames) repeated three times or more in a row prints once, followed
    /// by `... 9,990 more frames of <unknown>!r`, and at most 36 frame
    /// lines are printed in all (the innermost and the outermost ones,
    /// with a count of those left out between). [`Trap::backtrace`] keeps
    /// every frame.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.kind)?;
        let frames = &self.0.backtrace;
        if frames.is_empty() {
            return Ok(());
        }
        f.write_str("\nwasm backtrace:")?;
        let lines = backtrace_lines(frames);
        if lines.len() <= MAX_BACKTRACE_LINES {
            return lines.iter().try_for_each(|line| line.write(f, frames));
        }
        let head = MAX_BACKTRACE_LINES - BACKTRACE_TAIL_LINES - 1;
        let tail = lines.len() - BACKTRACE_TAIL_LINES;
        lines[..head].iter().try_for_each(|line| line.write(f, frames))?;
        let omitted: usize = lines[head..tail].iter().map(BacktraceLine::frames).sum();
        write!(f, "\n          ... {} frames left out ...", grouped(omitted))?;
        lines[tail..].iter().try_for_each(|line| line.write(f, frames))
    }
}

/// The most lines a [`Trap`]'s backtrace prints (after collapsing cycles).
const MAX_BACKTRACE_LINES: usize = 36;

/// How many of the outermost backtrace lines are kept when the backtrace
/// is cut to [`MAX_BACKTRACE_LINES`].
const BACKTRACE_TAIL_LINES: usize = 8;

/// The longest cycle of frames a backtrace collapses (1 is a function
/// calling itself, 2 two functions calling each other, ...).
const MAX_CYCLE: usize = 4;

/// One printed line of a backtrace.
enum BacktraceLine {
    /// Frame `i`.
    Frame(usize),
    /// `count` more frames repeating the `period` frames printed before,
    /// the first of which is frame `first`.
    Repeat { first: usize, period: usize, count: usize },
}

impl BacktraceLine {
    /// How many frames the line stands for.
    fn frames(&self) -> usize {
        match self {
            BacktraceLine::Frame(_) => 1,
            BacktraceLine::Repeat { count, .. } => *count,
        }
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, frames: &[FrameInfo]) -> fmt::Result {
        match *self {
            BacktraceLine::Frame(i) => {
                let frame = &frames[i];
                write!(f, "\n    {i:>2}: ")?;
                if let Some(offset) = frame.offset {
                    write!(f, "{offset:#6x} - ")?;
                }
                write_frame_name(f, frame)
            }
            BacktraceLine::Repeat { first, period: 1, count } => {
                write!(f, "\n          ... {} more frames of ", grouped(count))?;
                write_frame_name(f, &frames[first])
            }
            BacktraceLine::Repeat { period, count, .. } => {
                write!(f, "\n          ... {} more frames repeating the {period} above", grouped(count))
            }
        }
    }
}

/// `module!function`, with `<unknown>` and `<wasm function N>` for
/// missing names.
fn write_frame_name(f: &mut fmt::Formatter<'_>, frame: &FrameInfo) -> fmt::Result {
    let module = frame.module_name.as_deref().unwrap_or("<unknown>");
    match &frame.func_name {
        Some(name) => write!(f, "{module}!{name}"),
        None => write!(f, "{module}!<wasm function {}>", frame.func_index),
    }
}

/// The lines of a backtrace: every frame, except that a cycle of up to
/// [`MAX_CYCLE`] equal frames seen three times or more in a row is printed
/// once and then counted.
fn backtrace_lines(frames: &[FrameInfo]) -> Vec<BacktraceLine> {
    let mut lines = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        let cycle = (1..=MAX_CYCLE).find_map(|period| {
            let unit = frames.get(i..i + period)?;
            let repeats = frames[i..].chunks_exact(period).take_while(|chunk| *chunk == unit).count();
            (repeats >= 3).then_some((period, repeats))
        });
        match cycle {
            Some((period, repeats)) => {
                lines.extend((i..i + period).map(BacktraceLine::Frame));
                lines.push(BacktraceLine::Repeat { first: i, period, count: (repeats - 1) * period });
                i += repeats * period;
            }
            None => {
                lines.push(BacktraceLine::Frame(i));
                i += 1;
            }
        }
    }
    lines
}

/// `n` with commas between groups of three digits: `9,990`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl std::error::Error for Trap {}

/// Any error of weft's embedding API. Each variant is one phase of the
/// spec's failure taxonomy: malformed (decode), invalid (validation),
/// unlinkable (link), trap, plus misuse of the API itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text format did not parse.
    #[error("{0}")]
    Wat(String),
    /// The binary is malformed.
    #[error(transparent)]
    Decode(#[from] weft_decode::DecodeError),
    /// The module is invalid.
    #[error(transparent)]
    Validation(#[from] weft_validate::ValidationError),
    /// Imports did not match ("unknown import", "incompatible import type").
    #[error(transparent)]
    Link(#[from] LinkError),
    /// Execution trapped (also during instantiation: segments, start function).
    #[error("{0}")]
    Trap(#[from] Trap),
    /// The embedder misused the API: a value from another store, wrong
    /// argument count or types, an out-of-range memory access from the host.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }

    /// The spec testsuite's text for this error, without offsets.
    pub fn message(&self) -> String {
        match self {
            Error::Wat(m) | Error::Usage(m) => m.clone(),
            Error::Decode(e) => e.message(),
            Error::Validation(e) => e.message.clone(),
            Error::Link(e) => e.message().to_string(),
            Error::Trap(t) => t.message(),
        }
    }

    pub(crate) fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }
}

/// Why an import could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Nothing was defined under the import's name.
    #[error("unknown import: `{module}::{name}`")]
    UnknownImport {
        /// The import's module name.
        module: String,
        /// The import's field name.
        name: String,
    },
    /// Something was defined, but its type does not match.
    #[error("incompatible import type for `{module}::{name}`: {reason}")]
    IncompatibleImportType {
        /// The import's module name.
        module: String,
        /// The import's field name.
        name: String,
        /// What differed.
        reason: String,
    },
}

impl LinkError {
    /// The spec testsuite's text: "unknown import" or "incompatible import type".
    pub fn message(&self) -> &'static str {
        match self {
            LinkError::UnknownImport { .. } => "unknown import",
            LinkError::IncompatibleImportType { .. } => "incompatible import type",
        }
    }
}

/// A result of the embedding API.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(func_index: u32, offset: usize) -> FrameInfo {
        FrameInfo { func_index, func_name: Some(format!("f{func_index}")), module_name: None, offset: Some(offset) }
    }

    fn printed(frames: Vec<FrameInfo>) -> String {
        Trap::new(TrapKind::CallStackExhausted).with_backtrace(frames).to_string()
    }

    #[test]
    fn a_recursion_prints_its_frame_once_and_counts_the_rest() {
        // $r at 0x20 trapping, 9,998 frames of $r calling itself at 0x24,
        // then the export that called it.
        let mut frames = vec![frame(1, 0x20)];
        frames.extend(std::iter::repeat_n(frame(1, 0x24), 9_998));
        frames.push(frame(0, 0x10));
        let text = printed(frames);
        assert_eq!(
            text,
            "call stack exhausted\nwasm backtrace:\n     0:   0x20 - <unknown>!f1\n     1:   0x24 - <unknown>!f1\n          ... 9,997 more frames of <unknown>!f1\n    9999:   0x10 - <unknown>!f0"
        );
    }

    #[test]
    fn cycles_of_several_frames_collapse_too() {
        let mut frames = Vec::new();
        for _ in 0..5_000 {
            frames.push(frame(2, 0x30));
            frames.push(frame(3, 0x40));
        }
        let text = printed(frames);
        assert!(text.contains("... 9,998 more frames repeating the 2 above"), "{text}");
        assert_eq!(text.lines().count(), 5, "{text}");
    }

    #[test]
    fn two_equal_frames_are_both_printed() {
        let text = printed(vec![frame(1, 0x24), frame(1, 0x24), frame(0, 0x10)]);
        assert_eq!(text.lines().count(), 5, "{text}");
        assert!(!text.contains("more frames"), "{text}");
    }

    #[test]
    fn a_deep_backtrace_without_cycles_is_cut() {
        // Every frame at another offset: nothing repeats.
        let frames: Vec<_> = (0..10_000).map(|i| frame(1, i)).collect();
        let text = printed(frames);
        assert_eq!(text.lines().count(), 2 + MAX_BACKTRACE_LINES, "{text}");
        assert!(text.contains("... 9,965 frames left out ..."), "{text}");
        assert!(text.lines().last().unwrap().contains("9999:"), "{text}");
    }

    #[test]
    fn digits_are_grouped_by_three() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(9_990), "9,990");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn exit_status_is_typed() {
        assert_eq!(Trap::exit(3).exit_status(), Some(3));
        assert_eq!(Trap::exit(-1).kind(), &TrapKind::Exit(-1));
        assert_eq!(Trap::host("wasi: proc_exit(3)").exit_status(), None);
    }

    #[test]
    fn trap_is_one_word() {
        assert_eq!(std::mem::size_of::<Trap>(), std::mem::size_of::<usize>());
        assert_eq!(std::mem::size_of::<Result<i32, Trap>>(), 2 * std::mem::size_of::<usize>());
    }
}
