//! Inputs the `wast` fuzz target (fuzz/fuzz_targets/wast.rs) reported as
//! crashes, kept as regression tests: each script runs on both engines
//! through the runner without a panic (the runner reports one as a failure
//! naming it) and without overflowing the stack.
//!
//! The six `wast-stack-*.wast` scripts are mutated spec scripts that
//! overflowed the native stack in the AddressSanitizer build the fuzzer
//! uses: under a sanitizer LLVM keeps the threaded engine's handler calls
//! as calls, so the tail-call dispatch backend grew the stack with every
//! executed instruction. weft-exec's build script now picks the dispatch
//! loop under sanitizers; in the normal builds these scripts always ran.

use weft::{EngineKind, Features};
use weft_spec_tests::{Script, run_script};

#[test]
fn fuzz_findings_run_without_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    for path in files {
        let contents = std::fs::read_to_string(&path).unwrap();
        let path = path.display().to_string();
        let script = Script { key: path.clone(), path, contents: &contents, features: Features::default() };
        for kind in [EngineKind::Reference, EngineKind::Threaded] {
            let outcome = run_script(&script, kind);
            for failure in &outcome.failures {
                assert!(!failure.message.contains("panicked"), "{kind:?}: {failure}");
            }
        }
    }
}
