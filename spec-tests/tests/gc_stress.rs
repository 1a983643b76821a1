//! GC stress: every GC script of the testsuite (`proposals/gc`, the GC
//! files of `wasm-v3`, `proposals/exceptions/cast.wast`) runs on each
//! engine with a collection before every allocation (`Config::gc_stress`)
//! and gives the same result for every directive as without: nothing the
//! scripts can still reach is ever freed (on the threaded engine, that is
//! what checks the roots found in its frames' slots).

use weft::EngineKind;
use weft_spec_tests::{Skip, all_files, run_script_with, skip_reason};

const GC_FILES: &[&str] = &[
    "wasm-v3/type-rec.wast",
    "wasm-v3/type-canon.wast",
    "wasm-v3/type-equivalence.wast",
    "wasm-v3/type-subtyping.wast",
    "wasm-v3/ref_null.wast",
    "proposals/exceptions/cast.wast",
];

#[test]
fn gc_scripts_pass_identically_under_gc_stress() {
    let mut scripts = 0;
    let mut directives = 0;
    for file in all_files() {
        let path = file.path();
        if !(path.starts_with("proposals/gc/") || GC_FILES.contains(&path.as_str())) {
            continue;
        }
        assert!(skip_reason(&file, Skip::Running).is_none(), "{path} is on the skip list");
        let script = file.script();
        for kind in [EngineKind::Reference, EngineKind::Threaded] {
            let normal = run_script_with(&script, kind, false);
            let stressed = run_script_with(&script, kind, true);
            assert!(stressed.failures.is_empty(), "{path} on {kind:?} under GC stress: {:?}", stressed.failures);
            let verdicts = |o: &weft_spec_tests::Outcome| {
                o.directives.iter().map(|d| (d.location.clone(), d.failure.clone())).collect::<Vec<_>>()
            };
            assert_eq!(verdicts(&normal), verdicts(&stressed), "{path} on {kind:?}");
            directives += stressed.directives.len();
        }
        scripts += 1;
    }
    assert!(scripts >= 20, "found {scripts} GC scripts");
    assert!(directives > 1400, "{directives} directives on the two engines");
}
