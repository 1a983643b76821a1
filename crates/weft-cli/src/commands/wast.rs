//! `weft wast FILE...`: run spec scripts through the spec-test runner.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use weft::{EngineKind, Features};
use weft_spec_tests::{Script, run_script};

/// Which interpreter runs the scripts.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum EngineArg {
    /// The fast threaded-dispatch interpreter.
    Threaded,
    /// The readable reference interpreter.
    Reference,
}

/// Arguments of `weft wast`.
#[derive(clap::Args)]
pub struct Args {
    /// The engine to run on.
    #[arg(long, value_enum, default_value = "reference")]
    engine: EngineArg,
    /// Print one JSON object with every file's counts and failures.
    #[arg(long)]
    json: bool,
    /// The scripts.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Runs `weft wast`.
pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let kind = match args.engine {
        EngineArg::Reference => EngineKind::Reference,
        EngineArg::Threaded => {
            eprintln!("error: the threaded engine is not implemented yet; use --engine reference");
            return Ok(ExitCode::from(2));
        }
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut json_files = Vec::new();
    for path in &args.files {
        let contents = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let script = Script { path: path.display().to_string(), contents: &contents, features: Features::default() };
        let outcome = run_script(&script, kind);
        passed += outcome.passed;
        failed += outcome.failures.len();
        if args.json {
            let failures: Vec<String> = outcome
                .failures
                .iter()
                .map(|f| format!("{{\"location\":{},\"message\":{}}}", json_str(&f.location), json_str(&f.message)))
                .collect();
            json_files.push(format!(
                "{{\"path\":{},\"passed\":{},\"failed\":{},\"failures\":[{}]}}",
                json_str(&script.path),
                outcome.passed,
                outcome.failures.len(),
                failures.join(",")
            ));
        } else {
            for f in &outcome.failures {
                println!("{f}");
            }
        }
    }
    if args.json {
        println!("{{\"passed\":{passed},\"failed\":{failed},\"files\":[{}]}}", json_files.join(","));
    } else {
        println!("{passed} passed, {failed} failed");
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
