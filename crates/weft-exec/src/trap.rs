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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.kind)?;
        if !self.0.backtrace.is_empty() {
            f.write_str("\nwasm backtrace:")?;
            for (i, frame) in self.0.backtrace.iter().enumerate() {
                write!(f, "\n    {i:>2}: ")?;
                if let Some(offset) = frame.offset {
                    write!(f, "{offset:#6x} - ")?;
                }
                let module = frame.module_name.as_deref().unwrap_or("<unknown>");
                match &frame.func_name {
                    Some(name) => write!(f, "{module}!{name}")?,
                    None => write!(f, "{module}!<wasm function {}>", frame.func_index)?,
                }
            }
        }
        Ok(())
    }
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
    #[test]
    fn trap_is_one_word() {
        assert_eq!(std::mem::size_of::<super::Trap>(), std::mem::size_of::<usize>());
        assert_eq!(std::mem::size_of::<Result<i32, super::Trap>>(), 2 * std::mem::size_of::<usize>());
    }
}
