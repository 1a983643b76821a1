//! Decodes every module the official spec testsuite contains
//! (`weft_spec_tests::decode_suite`): 0 failures expected.

#[test]
fn spec_modules_decode() {
    let report = weft_spec_tests::decode_suite();
    for s in &report.skipped {
        println!("skipped {s}");
    }
    for f in &report.failures {
        println!("FAIL {f}");
    }
    println!(
        "decode: {} modules decoded, {} malformed modules rejected, {} failures",
        report.decoded,
        report.rejected,
        report.failures.len()
    );
    assert!(report.failures.is_empty(), "{} failures (see above)", report.failures.len());
}
