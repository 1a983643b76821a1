//! `weft validate FILE`: decode and validate, report the first error.
//!
//! Validation knows every feature weft decodes, GC included (which `weft
//! run` and `weft trace` enable too), so `weft validate` checks GC modules.

use std::path::PathBuf;
use std::process::ExitCode;

use weft_decode::{Features, Module};

use crate::input::read_module;

/// Arguments of `weft validate`.
#[derive(clap::Args)]
pub struct Args {
    /// For an invalid function body, also print the validator's state at
    /// the failing instruction: the operand-type stack, the control stack
    /// and the typing rule that failed.
    #[arg(long)]
    explain: bool,
    /// The module: `.wasm` or `.wat`.
    file: PathBuf,
}

/// Runs `weft validate`.
pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let bytes = read_module(&args.file)?;
    let path = args.file.display();
    let features = Features { gc: true, ..Features::default() };
    let module = match Module::decode_all(&bytes, features) {
        Ok(m) => m,
        Err(e) => {
            println!("{path}: malformed: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    match weft_validate::validate(&module) {
        Ok(_) => {
            println!("{path}: valid");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("{path}: invalid: {e}");
            if args.explain {
                print!("{}", super::explain::render(&module));
            }
            Ok(ExitCode::from(1))
        }
    }
}
