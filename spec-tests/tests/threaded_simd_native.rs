//! The threaded engine translates every defined function of the valid
//! modules of `proposals/simd`, `proposals/relaxed-simd` and `wasm-v2`
//! (all of Wasm 2.0, SIMD included): none falls back to the reference
//! engine. (`threaded::` in `tests/spec.rs` checks they also pass.)

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
