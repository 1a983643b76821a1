//! The `.wast` runner (`weft_spec_tests::run_script`, what `weft wast`
//! runs) on arbitrary scripts, on both engines: directives pass or fail
//! with a message, never a panic (the runner catches panics per directive
//! and reports them; under libFuzzer the panic hook aborts first, so any
//! panic in weft is a crash). Seeded with the spec testsuite's scripts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft::{EngineKind, Features};
use weft_spec_tests::{Script, run_script};

fuzz_target!(|data: &[u8]| {
    let Ok(contents) = std::str::from_utf8(data) else { return };
    let script = Script { path: "fuzz.wast".into(), key: "fuzz.wast".into(), contents, features: Features::default() };
    for kind in [EngineKind::Reference, EngineKind::Threaded] {
        let _ = run_script(&script, kind);
    }
});
