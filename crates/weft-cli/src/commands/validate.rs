//! `weft validate FILE`: decode and validate, report the first error.
//!
//! Validation knows every feature weft decodes, GC included (which `weft
//! run` and `weft trace` enable too), so `weft validate` checks GC modules.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

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
    /// Validate function bodies on N threads (0: the machine's available
    /// parallelism, at most 8; 1: on one thread). The verdict and the
    /// error reported do not depend on it.
    #[arg(long, value_name = "N", default_value_t = 0)]
    validation_threads: usize,
    /// Print the time spent reading, decoding and validating to stderr.
    #[arg(long)]
    timings: bool,
    /// The module: `.wasm` or `.wat`.
    file: PathBuf,
}

/// Runs `weft validate`.
pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let bytes = read_module(&args.file)?;
    let path = args.file.display();
    let read_at = Instant::now();
    let features = Features::default();
    let threads = match args.validation_threads {
        0 => weft_validate::default_threads(),
        n => n,
    };
    // The sections first; the bodies are read once, by the validator.
    let (module, result) = match Module::decode_owned(bytes, features) {
        Ok(module) => {
            let decoded_at = Instant::now();
            let result = weft_validate::validate_with_threads(&module, threads);
            if args.timings {
                let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
                let done = Instant::now();
                eprintln!(
                    "timings (ms): read {:.2}  decode {:.2}  validate {:.2} ({threads} threads)  total {:.2}",
                    ms(start, read_at),
                    ms(read_at, decoded_at),
                    ms(decoded_at, done),
                    ms(start, done)
                );
            }
            (module, result)
        }
        Err(e) => {
            println!("{path}: malformed: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    match result {
        Ok(_) => {
            println!("{path}: valid");
            // The process ends now: leave the module's tens of thousands of
            // allocations (bodies, their locals) to the OS, as `weft run`
            // does.
            std::mem::forget(module);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            // A malformed body anywhere outranks an invalid one: read every
            // body in binary order, as the spec's decoder does.
            let module = match Module::decode_all(module.bytes(), features) {
                Ok(_) => module,
                Err(e) => {
                    println!("{path}: malformed: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            println!("{path}: invalid: {e}");
            if args.explain {
                print!("{}", super::explain::render(&module));
            }
            Ok(ExitCode::from(1))
        }
    }
}
