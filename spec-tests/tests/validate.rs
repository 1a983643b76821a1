//! The official spec testsuite, validation only: every module a script
//! expects to be valid must decode and validate, and every module of an
//! `assert_invalid` must decode and then fail validation with a message
//! containing the script's text.
//!
//! Directories, features, file-level skips and the script walk come from
//! the `weft-spec-tests` library. One `#[test]` per group of directories;
//! each prints its counts and every failure as `file:line:col: message`,
//! and fails on any failure. What validation does not cover yet beyond the
//! library's skips is listed once, in [`VALIDATION_SKIPS`], with reasons.

use std::panic::{AssertUnwindSafe, catch_unwind};

use weft_decode::{Features, Module};
use weft_spec_tests::{
    Expect, SKIPPED_MODULES, Suite, directives, files, for_each_module, message_matches, skip_reason, suites,
};

/// Files, or single directives (`file:line:col`), whose validation weft does
/// not cover yet, each with its reason. Everything else must pass.
const VALIDATION_SKIPS: &[(&str, &str)] = &[(
    "proposals/reference-types/unreached-invalid.wast:539:2",
    "old rule that refined unknown operands in br_table; wasm-v2 and wasm-v3 (unreached-valid.wast) say valid",
)];

fn validation_skip(path: &str, location: &str) -> Option<&'static str> {
    VALIDATION_SKIPS
        .iter()
        .chain(SKIPPED_MODULES)
        .find_map(|&(entry, reason)| (entry == path || entry == location).then_some(reason))
}

#[derive(Default)]
struct Counts {
    files: usize,
    skipped_files: usize,
    valid_accepted: usize,
    invalid_rejected: usize,
    skipped_modules: usize,
    failures: Vec<String>,
}

enum Outcome {
    Valid,
    Invalid(String),
    Malformed(String),
    Panicked,
}

fn check(bytes: &[u8], features: Features) -> Outcome {
    let run = catch_unwind(AssertUnwindSafe(|| match Module::decode_with(bytes, features) {
        Err(e) => Outcome::Malformed(e.to_string()),
        Ok(module) => match weft_validate::validate(&module) {
            Ok(_) => Outcome::Valid,
            Err(e) => Outcome::Invalid(e.to_string()),
        },
    }));
    run.unwrap_or(Outcome::Panicked)
}

/// The features a script is validated with: `Features::default()` plus GC
/// for wasm-v3 and the proposals, the spec version's own for wasm-v1 (plus the
/// mutable globals that 1.0 as published includes) and wasm-v2. Four
/// proposal snapshots predate a later proposal that changed some of their
/// verdicts; they get the library's features for their directory plus the
/// proposals that only add instructions or lift restrictions.
fn validation_features(suite: &str, base: Features) -> Features {
    let lifted = Features {
        mutable_global: true,
        sign_extension: true,
        saturating_float_to_int: true,
        multi_value: true,
        ..base
    };
    match suite {
        "wasm-v1" => Features { mutable_global: true, ..base },
        "wasm-v2" => base,
        // Written before extended-const made `i32.add` constant.
        "proposals/function-references" => lifted,
        // Written before multi-memory ("multiple memories").
        "proposals/memory64" | "proposals/reference-types" => lifted,
        // Written on top of 1.0 ("multiple tables", "multiple memories").
        "proposals/threads" => Features {
            threads: true,
            reference_types: false,
            bulk_memory: false,
            multi_memory: false,
            memory64: false,
            ..lifted
        },
        // Wasm 3.0 and its proposals include GC.
        _ => Features { gc: true, ..Features::default() },
    }
}

fn run_suite(suite: &Suite, counts: &mut Counts) {
    for file in files(suite) {
        counts.files += 1;
        let path = file.path();
        if skip_reason(&file, weft_spec_tests::Skip::Everything).is_some() || validation_skip(&path, "").is_some() {
            counts.skipped_files += 1;
            continue;
        }
        let buf = match file.parse_buffer() {
            Ok(b) => b,
            Err(e) => {
                counts.failures.push(format!("{path}: cannot lex: {e}"));
                continue;
            }
        };
        let mut dirs = match directives(&buf) {
            Ok(d) => d,
            Err(e) => {
                counts.failures.push(format!("{path}: cannot parse: {e}"));
                continue;
            }
        };
        for_each_module(&mut dirs, &mut |found| {
            let found = match found {
                Ok(found) => found,
                Err((span, e)) => {
                    // Text modules the `wast` crate rejects are the text
                    // parser's business, except where a valid one was expected.
                    let _ = (span, e);
                    return;
                }
            };
            let at = file.location(found.span);
            if validation_skip(&path, &at).is_some() {
                counts.skipped_modules += 1;
                return;
            }
            match (found.expect, check(&found.bytes, validation_features(file.suite, file.features))) {
                (Expect::Malformed(_), _) => {}
                (Expect::Decode, Outcome::Valid) => counts.valid_accepted += 1,
                (Expect::Decode, Outcome::Invalid(e)) => {
                    counts.failures.push(format!("{at}: valid module rejected: {e}"))
                }
                (Expect::Decode, Outcome::Malformed(e)) => {
                    counts.failures.push(format!("{at}: valid module failed to decode: {e}"));
                }
                (Expect::Invalid(msg), Outcome::Invalid(e)) if message_matches(file.suite, &e, msg) => {
                    counts.invalid_rejected += 1;
                }
                (Expect::Invalid(msg), Outcome::Invalid(e)) => {
                    counts.failures.push(format!("{at}: expected \"{msg}\", got \"{e}\""));
                }
                (Expect::Invalid(msg), Outcome::Valid) => {
                    counts.failures.push(format!("{at}: invalid module accepted (expected \"{msg}\")"));
                }
                (Expect::Invalid(msg), Outcome::Malformed(e)) => {
                    counts.failures.push(format!("{at}: expected invalid \"{msg}\", but failed to decode: {e}"));
                }
                (_, Outcome::Panicked) => counts.failures.push(format!("{at}: panicked")),
            }
        });
    }
}

fn run(name: &str, pick: impl Fn(&str) -> bool) {
    let mut total = Counts::default();
    for suite in suites().iter().filter(|s| pick(s.dir)) {
        let mut counts = Counts::default();
        run_suite(suite, &mut counts);
        println!(
            "{}: {} files ({} skipped), {} valid accepted, {} invalid rejected, {} modules skipped, {} failures",
            suite.dir,
            counts.files,
            counts.skipped_files,
            counts.valid_accepted,
            counts.invalid_rejected,
            counts.skipped_modules,
            counts.failures.len()
        );
        total.files += counts.files;
        total.skipped_files += counts.skipped_files;
        total.valid_accepted += counts.valid_accepted;
        total.invalid_rejected += counts.invalid_rejected;
        total.skipped_modules += counts.skipped_modules;
        total.failures.extend(counts.failures);
    }
    for failure in &total.failures {
        println!("{failure}");
    }
    println!(
        "{name} total: {} files ({} skipped), {} valid accepted, {} invalid rejected, {} modules skipped, {} failures",
        total.files,
        total.skipped_files,
        total.valid_accepted,
        total.invalid_rejected,
        total.skipped_modules,
        total.failures.len()
    );
    assert!(total.failures.is_empty(), "{name}: {} failures", total.failures.len());
}

#[test]
fn wasm_v1() {
    run("wasm-v1", |d| d == "wasm-v1");
}

#[test]
fn wasm_v2() {
    run("wasm-v2", |d| d == "wasm-v2");
}

#[test]
fn wasm_v3() {
    run("wasm-v3", |d| d == "wasm-v3");
}

#[test]
fn wasm_latest() {
    run("wasm-latest", |d| d == "wasm-latest");
}

#[test]
fn proposals() {
    run("proposals", |d| d.starts_with("proposals/"));
}
