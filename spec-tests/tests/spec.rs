//! One test per `.wast` file of the official testsuite per engine, e.g.
//! `reference::wasm-v2/i32.wast`. Filter as usual:
//! `cargo test -p weft-spec-tests --test spec -- wasm-v2/`.
//! Skipped files (one list, `weft_spec_tests::SKIPS`) show as ignored.

use libtest_mimic::{Arguments, Failed, Trial};
use weft::EngineKind;
use weft_spec_tests::{Skip, all_files, run_script, skip_reason};

/// The engines every file runs on. The threaded engine runs functions it
/// does not translate on the reference engine, so every file that passes on
/// one must pass on the other.
const ENGINES: &[(&str, EngineKind)] = &[("reference", EngineKind::Reference), ("threaded", EngineKind::Threaded)];

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for file in all_files() {
        for &(engine_name, kind) in ENGINES {
            let name = format!("{engine_name}::{}", file.path());
            let ignored = skip_reason(&file, Skip::Running).is_some();
            let script = file.script();
            let trial = Trial::test(name, move || {
                let outcome = run_script(&script, kind);
                if outcome.failures.is_empty() {
                    return Ok(());
                }
                let mut report = String::new();
                for f in &outcome.failures {
                    report.push_str(&format!("{f}\n"));
                }
                report.push_str(&format!("{} passed, {} failed", outcome.passed, outcome.failures.len()));
                Err(Failed::from(report))
            })
            .with_ignored_flag(ignored);
            trials.push(trial);
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
