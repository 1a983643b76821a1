//! The threaded engine translates every defined function of the valid
//! modules of `proposals/simd`, `proposals/relaxed-simd` and `wasm-v2`
//! (all of Wasm 2.0, SIMD included): none falls back to the reference
//! engine. (`threaded::` in `tests/spec.rs` checks they also pass.) The
//! same holds for every GC script (`proposals/gc` and the GC files of
//! `wasm-v3`): struct, array, i31 and cast instructions are threaded ops.

use weft::{Config, Engine, Module};
use weft_spec_tests::{Expect, Skip, SpecFile, directives, files, for_each_module, skip_reason, suites};

/// The defined functions of `file`'s valid modules, and how many of them
/// the threaded engine translates.
fn translated(file: &SpecFile) -> (usize, usize) {
    let mut config = Config::default();
    config.features(file.features);
    let engine = Engine::new(&config);
    let (mut functions, mut translated) = (0, 0);
    let buf = file.parse_buffer().unwrap();
    let mut dirs = directives(&buf).unwrap();
    for_each_module(&mut dirs, &mut |m| {
        let Ok(m) = m else { return };
        if !matches!(m.expect, Expect::Decode) {
            return;
        }
        if let Ok(module) = Module::new(&engine, &m.bytes[..]) {
            let stats = weft::raw::threaded::translate_all(&module);
            functions += stats.functions;
            translated += stats.translated;
        }
    });
    (functions, translated)
}

#[test]
fn simd_and_wasm_v2_translate_fully() {
    let mut fallbacks = Vec::new();
    let mut total = 0;
    for suite in suites() {
        if !["proposals/simd", "proposals/relaxed-simd", "wasm-v2"].contains(&suite.dir) {
            continue;
        }
        for file in files(&suite).iter().filter(|f| skip_reason(f, Skip::Running).is_none()) {
            let (functions, translated) = translated(file);
            total += functions;
            if translated < functions {
                fallbacks.push(format!("{}: {translated} of {functions}", file.path()));
            }
        }
    }
    assert!(total > 1000, "only {total} functions found");
    assert!(fallbacks.is_empty(), "functions left to the reference engine:\n{}", fallbacks.join("\n"));
}

/// The GC scripts outside `proposals/gc` (as `tests/gc_stress.rs` lists them).
const GC_FILES: &[&str] = &[
    "wasm-v3/type-rec.wast",
    "wasm-v3/type-canon.wast",
    "wasm-v3/type-equivalence.wast",
    "wasm-v3/type-subtyping.wast",
    "wasm-v3/ref_null.wast",
    "proposals/exceptions/tag.wast",
    "proposals/exceptions/cast.wast",
];

#[test]
fn gc_scripts_translate_fully() {
    let mut fallbacks = Vec::new();
    let (mut total, mut scripts) = (0, 0);
    for suite in suites() {
        for file in files(&suite).iter().filter(|f| skip_reason(f, Skip::Running).is_none()) {
            let path = file.path();
            if !(path.starts_with("proposals/gc/") || GC_FILES.contains(&path.as_str())) {
                continue;
            }
            scripts += 1;
            let (functions, translated) = translated(file);
            total += functions;
            if translated < functions {
                fallbacks.push(format!("{path}: {translated} of {functions}"));
            }
        }
    }
    assert!(scripts >= 20 && total > 300, "only {total} functions in {scripts} scripts");
    assert!(fallbacks.is_empty(), "GC functions left to the reference engine:\n{}", fallbacks.join("\n"));
}
