//! # weft-validate
//!
//! Decides, exactly as the WebAssembly specification does, which decoded
//! modules are valid (spec chapter 3 and the validation algorithm of its
//! appendix), and records per function what the engines need.
//!
//! ```
//! let bytes = wat::parse_str(r#"(module (func (result i32) i32.const 1))"#).unwrap();
//! let module = weft_decode::Module::decode(&bytes).unwrap();
//! let info = weft_validate::validate(&module).unwrap();
//! assert_eq!(info.functions.len(), 1);
//! ```
//!
//! The crate is laid out like the spec's validation chapter:
//!
//! * `types.rs`: value types, type equivalence and subtyping (matching);
//! * `gc/`: recursion groups, their canonical ids ([`TypeRegistry`]),
//!   declared subtypes, and the rules of the GC instructions;
//! * `limits.rs`: memory and table limits, and implementation limits;
//! * `const_expr.rs`: constant expressions;
//! * `module.rs`: the module-level rules (imports, tables, memories,
//!   globals, exports, start, segments) and the context `C` they build;
//! * `func.rs`: the operand and control stacks of the appendix's algorithm
//!   (`push_operand`, `pop_operand`, `push_ctrl`, `pop_ctrl`, ...);
//! * `operators.rs`: the rule of every instruction, on top of `func.rs`;
//! * `visit.rs`: the validator as the decoder's visitor, one method per
//!   frequent instruction calling its rule (no `Operator` values built);
//! * `parallel.rs`: function bodies validated on scoped threads, with
//!   the lowest-index error reported, as on one thread;
//! * `explain.rs`: [`explain`], the stacks and the rule at the instruction
//!   that failed (`weft validate --explain`).
//!
//! Validation never recurses on the nesting depth of the code and never
//! allocates per instruction: the stacks are reused across functions.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod const_expr;
mod explain;
mod func;
mod gc;
pub mod limits;
mod module;
mod operators;
mod parallel;
mod types;
mod visit;

pub use explain::{ControlFrame, Explanation, explain};
pub use gc::{CanonType, TypeId, TypeRegistry, canonical_heap};
pub use types::BOTTOM_HEAP;
pub use weft_decode::Features;
use weft_decode::{DecodeError, Module};

/// A validation error: the spec testsuite's "invalid" text, and the byte
/// offset of the offending instruction or definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at offset 0x{offset:x})")]
pub struct ValidationError {
    /// The message, e.g. "type mismatch".
    pub message: String,
    /// Where in the module's bytes.
    pub offset: usize,
}

/// Builds a validation error; kept out of line, errors are the cold path.
#[cold]
#[inline(never)]
pub(crate) fn err(message: impl Into<String>, offset: usize) -> ValidationError {
    ValidationError { message: message.into(), offset }
}

/// Either phase's error, for [`validate_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The bytes are not a well-formed module ("malformed").
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The module is well-formed but not valid ("invalid").
    #[error(transparent)]
    Validation(#[from] ValidationError),
}

/// What validation learned about one defined function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FuncInfo {
    /// The largest number of operand-stack values live at once
    /// (not counting parameters and locals).
    pub max_stack_height: u32,
    /// The largest number of control frames (blocks) open at once,
    /// counting the function's own frame.
    pub max_control_depth: u32,
}

/// The result of validating a module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleInfo {
    /// One entry per defined function (imports excluded), in order.
    pub functions: Vec<FuncInfo>,
}

/// Validates `module` with the features it was decoded with, function
/// bodies on as many threads as [`default_threads`] gives.
///
/// Function bodies are decoded here for the first time, so a malformed
/// body is reported as a `ValidationError` carrying the decoder's message;
/// [`validate_bytes`] keeps the two kinds apart.
pub fn validate(module: &Module) -> Result<ModuleInfo, ValidationError> {
    validate_with_threads(module, default_threads())
}

/// [`validate`] with function bodies split over `threads` threads (1: all
/// on the calling thread). The result, and the error if any, are the same
/// for every number of threads: the error of the lowest-index invalid
/// function, exactly as one thread reports it.
pub fn validate_with_threads(module: &Module, threads: usize) -> Result<ModuleInfo, ValidationError> {
    validate_module(module, threads).map_err(|e| match e {
        Error::Decode(d) => err(d.message(), d.offset()),
        Error::Validation(v) => v,
    })
}

/// Decodes and validates `bytes` with `features` in one call.
pub fn validate_bytes(bytes: &[u8], features: Features) -> Result<(Module, ModuleInfo), Error> {
    let module = Module::decode_with(bytes, features)?;
    let info = validate_module(&module, default_threads())?;
    Ok((module, info))
}

/// The number of threads validation uses by default: the machine's
/// available parallelism, at most 8 (past that, reading the bytes bounds
/// the speed-up).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Below this many bytes of code, a module is validated on one thread:
/// starting threads would cost more than they save.
const PARALLEL_MIN_CODE: usize = 256 * 1024;

/// Function bodies are handed to threads in runs of about this many bytes.
const CHUNK_BYTES: usize = 64 * 1024;

fn validate_module(module: &Module, threads: usize) -> Result<ModuleInfo, Error> {
    let ctx = module::ModuleContext::new(module)?;
    let n = module.code.len();
    if threads <= 1 || n < 2 || module.code_size() < PARALLEL_MIN_CODE {
        let mut validator = func::FuncValidator::default();
        let mut functions = Vec::with_capacity(n);
        for index in 0..n {
            functions.push(validator.validate(&ctx, index)?);
        }
        return Ok(ModuleInfo { functions });
    }
    parallel::validate_functions(&ctx, threads).map(|functions| ModuleInfo { functions })
}
