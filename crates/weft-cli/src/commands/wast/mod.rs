//! `weft wast [--engine threaded|reference|both] [--features SPEC]
//! [--format text|json|junit|markdown] [--jobs N] PATH...`: runs spec
//! scripts (files, or directories searched for `*.wast`) through the
//! spec-test library, in parallel, and reports them per directory.

mod discover;
mod features;
mod output;

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use weft::EngineKind;
use weft_spec_tests::Report;

/// Which interpreter runs a program (`weft run`).
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum EngineArg {
    /// The fast threaded-dispatch interpreter.
    Threaded,
    /// The readable reference interpreter.
    Reference,
}

/// Which interpreters run the scripts.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Engines {
    /// The fast threaded-dispatch interpreter.
    Threaded,
    /// The readable reference interpreter.
    Reference,
    /// Each script on both, reported side by side.
    Both,
}

/// How the results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per failure (`file:line:col: message`), the per-directory
    /// table, then `N passed, M failed`.
    Text,
    /// One JSON document with every script's counts and failures.
    Json,
    /// JUnit XML: a `<testsuite>` per script and engine, a `<testcase>`
    /// per directive.
    Junit,
    /// The per-directory table in Markdown (as in docs/CONFORMANCE.md).
    Markdown,
}

/// Arguments of `weft wast`.
#[derive(clap::Args)]
pub struct Args {
    /// The engine to run on.
    #[arg(long, value_enum, default_value = "threaded")]
    engine: Engines,
    /// The features to run every script with: a preset (`wasm1`, `wasm2`,
    /// `wasm3`, `all`) optionally followed by `,+name`/`,-name` per
    /// proposal (`wasm-tools` names, e.g. `wasm2,+tail-call`). Without it,
    /// a script in a directory of the testsuite's layout (`wasm-v1`,
    /// `wasm-v2`, `wasm-v3`, `wasm-latest`, `proposals/NAME`) runs with that
    /// directory's features, any other with everything weft implements.
    #[arg(long, value_name = "SPEC")]
    features: Option<String>,
    /// The output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Scripts run at once (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// Scripts, or directories searched recursively for `*.wast`.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// Runs `weft wast`: exit 0 only when no directive failed.
pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let features = args.features.as_deref().map(features::parse).transpose()?;
    let jobs = discover::jobs(&args.paths, features)?;
    if jobs.is_empty() {
        return Err("no .wast scripts found".into());
    }
    let engines = match args.engine {
        Engines::Threaded => vec![EngineKind::Threaded],
        Engines::Reference => vec![EngineKind::Reference],
        Engines::Both => vec![EngineKind::Reference, EngineKind::Threaded],
    };
    let threads = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let terminal = std::io::stderr().is_terminal();
    let progress = |done: usize, total: usize| {
        if terminal {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{done}/{total} script runs");
            if done == total {
                let _ = write!(err, "\r\x1b[K");
            }
            let _ = err.flush();
        }
    };
    let report = Report::run(jobs, &engines, threads, &progress);
    let text = match args.format {
        Format::Text => output::text(&report),
        Format::Json => output::json(&report)?,
        Format::Junit => output::junit(&report)?,
        Format::Markdown => report.markdown(),
    };
    crate::output::write_stdout(text.as_bytes());
    let (_, failed, _) = report.totals();
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
