//! End-to-end tests of the `weft` binary: exit codes, error lines and
//! golden output (regenerate with `BLESS=1 cargo test -p weft-cli`).

mod common;

use std::path::PathBuf;

use common::{golden, weft};

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn inspect_hello() {
    let out = weft(&["inspect", "examples/hello.wat"]);
    assert!(out.status.success());
    golden("inspect-hello.txt", &String::from_utf8(out.stdout).unwrap());
}

/// `weft inspect` names the functions the threaded engine leaves to the
/// reference engine, with the seam's reason; a module without any prints
/// no such section (the golden file above).
#[test]
fn inspect_lists_fallback_functions() {
    let wat = br#"(module (memory 1 1 shared)
        (func $plain (result i32) i32.const 1)
        (func $atomic (result i32) i32.const 0 i32.atomic.load))"#;
    let path = temp_file("atomics.wat", wat);
    let out = weft(&["inspect", path.to_str().unwrap()]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("fallbacks: 1 function runs on another engine"), "{stdout}");
    assert!(stdout.contains("  func 1 $atomic: reference engine (instruction i32.atomic.load)"), "{stdout}");
    assert!(!stdout.contains("$plain: reference"), "{stdout}");
}

/// A function with a loop, a `br_table`, a call and a store, for
/// `weft inspect --threaded`.
const THREADED_WAT: &[u8] = br#"(module (memory 1)
    (func $sum (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
      (block $out
        (loop $top
          (br_if $out (i32.ge_s (local.get $i) (local.get $n)))
          (local.set $s (i32.add (local.get $s) (call $pick (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $top)))
      (i32.store offset=8 (i32.const 0) (local.get $s))
      (local.get $s))
    (func $pick (param i32) (result i32)
      (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 10))) (return (i32.const 20)))
      (i32.const 30)))"#;

/// `weft inspect --threaded=FUNC` prints one function's threaded code, one
/// op a line with its operands and resolved branch targets (golden file);
/// an export name and an index name the same function.
#[test]
fn inspect_threaded_disassembles_a_function() {
    let path = temp_file("threaded.wat", THREADED_WAT);
    let out = weft(&["inspect", "--threaded=sum", path.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    golden("inspect-threaded-sum.txt", &stdout);
    assert!(stdout.starts_with("func 0: 1 params, 3 locals"), "{stdout}");
    assert!(stdout.contains("CallInternal"), "{stdout}");
    assert!(stdout.contains("t=@"), "{stdout}");
    let by_index = weft(&["inspect", "--threaded=0", path.to_str().unwrap()]);
    assert_eq!(String::from_utf8(by_index.stdout).unwrap(), stdout);
}

/// `weft inspect --threaded` prints every defined function (here the
/// `br_table` and its `Br` entries), says which run on the reference
/// engine and why, and exits 1 for a function that is not defined.
#[test]
fn inspect_threaded_covers_every_function() {
    let path = temp_file("threaded-all.wat", THREADED_WAT);
    let out = weft(&["inspect", "--threaded", path.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("func 1: 1 params"), "{stdout}");
    assert!(stdout.contains("BrTable"), "{stdout}");
    assert!(stdout.contains("Br               t=@"), "{stdout}");

    let wat = br#"(module (memory 1 1 shared) (func (result i32) i32.const 0 i32.atomic.load))"#;
    let atomics = temp_file("threaded-atomics.wat", wat);
    let out = weft(&["inspect", "--threaded=0", atomics.to_str().unwrap()]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout, "func 0: runs on the reference engine (instruction i32.atomic.load)\n");

    let out = weft(&["inspect", "--threaded=7", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stdout).unwrap().contains("func 7: not a defined function"));
}

#[test]
fn validate_accepts_valid_module() {
    let out = weft(&["validate", "examples/hello.wat"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "examples/hello.wat: valid\n");
}

#[test]
fn validate_reports_malformed_with_offset() {
    let path = temp_file("truncated.wasm", b"\0asm\x01\0\0\0\x01\x05");
    let out = weft(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("malformed: length out of bounds (at offset 0x9)"), "{stdout}");
}

#[test]
fn garbage_gives_one_line_and_exit_1() {
    let path = temp_file("garbage.wasm", &[0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);
    for cmd in ["inspect", "validate"] {
        let out = weft(&[cmd, path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(stdout.lines().count(), 1, "{cmd}: {stdout}");
        assert!(stdout.contains("magic header not detected (at offset 0x0)"), "{cmd}: {stdout}");
        assert!(out.stderr.is_empty(), "{cmd}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn missing_file_names_the_path() {
    let out = weft(&["inspect", "no/such/file.wasm"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no/such/file.wasm"), "{stderr}");
}

#[test]
fn bad_text_names_the_path_and_line() {
    let path = temp_file("bad.wat", b"(module (func i32.bogus))");
    let out = weft(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("bad.wat:1:"), "{stderr}");
}

#[test]
fn wast_passing_script() {
    let out = weft(&["wast", "crates/weft-cli/tests/scripts/pass.wast"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("5 passed, 0 failed"), "{stdout}");
    assert!(stdout.contains("threaded passed"), "the default engine is threaded: {stdout}");
}

#[test]
fn wast_failure_names_file_line_col() {
    let out = weft(&["wast", "crates/weft-cli/tests/scripts/fail.wast"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let mut lines = stdout.lines();
    let first = lines.next().unwrap();
    assert!(first.starts_with("crates/weft-cli/tests/scripts/fail.wast:3:2: "), "{first}");
    assert!(first.contains("expected i32:4, got i32:3"), "{first}");
    assert_eq!(stdout.lines().last(), Some("2 passed, 1 failed"), "{stdout}");
}

#[test]
fn wast_directory_on_both_engines_gives_a_table() {
    let out = weft(&["wast", "--engine", "both", "--jobs", "2", "crates/weft-cli/tests/scripts"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // The failure once per engine, named.
    assert!(stdout.contains("fail.wast:3:2: [reference] result 0"), "{stdout}");
    assert!(stdout.contains("fail.wast:3:2: [threaded] result 0"), "{stdout}");
    let row = stdout.lines().find(|l| l.starts_with("crates/weft-cli/tests/scripts ")).expect(&stdout);
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[1..], ["2", "0", "7", "1", "7", "1"], "{row}");
    assert_eq!(stdout.lines().last(), Some("14 passed, 2 failed"), "{stdout}");
}

#[test]
fn wast_json() {
    let out = weft(&["wast", "--format", "json", "crates/weft-cli/tests/scripts/fail.wast"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["passed"], 2);
    assert_eq!(doc["failed"], 1);
    let failure = &doc["scripts"][0]["engines"]["threaded"]["failures"][0];
    assert_eq!(failure["location"], "crates/weft-cli/tests/scripts/fail.wast:3:2");
}

#[test]
fn wast_junit_is_xml_with_one_testcase_per_directive() {
    let out = weft(&["wast", "--engine", "both", "--format", "junit", "crates/weft-cli/tests/scripts"]);
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8(out.stdout).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("well-formed JUnit XML");
    // Two scripts on two engines; fail.wast has 3 directives, pass.wast 5.
    assert_eq!(report.test_suites.len(), 4);
    let cases: Vec<usize> = report.test_suites.iter().map(|s| s.test_cases.len()).collect();
    assert_eq!(cases, [3, 3, 5, 5]);
    assert_eq!(report.failures, 2);
    assert!(xml.contains("<failure message=\"result 0: expected i32:4, got i32:3\""), "{xml}");
}

#[test]
fn wast_features_and_spectest_output() {
    let dir = std::env::temp_dir().join(format!("weft-cli-wast-{}", std::process::id()));
    let v1 = dir.join("wasm-v1");
    std::fs::create_dir_all(&v1).unwrap();
    // Two memories: invalid in a wasm-v1 directory, valid with everything.
    let script = "(assert_invalid (module (memory 1) (memory 1)) \"multiple memories\")\n";
    std::fs::write(v1.join("memories.wast"), script).unwrap();
    let out = weft(&["wast", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let out = weft(&["wast", "--features", "wasm1,+multi-memory", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let out = weft(&["wast", "--features", "wasm9", dir.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown feature preset"));
    // spectest.print_i32 prints as the reference interpreter does.
    let print = "(module (import \"spectest\" \"print_i32\" (func $p (param i32)))\n\
                 (func (export \"go\") (call $p (i32.const 1234567))))\n(invoke \"go\")\n";
    std::fs::write(dir.join("print.wast"), print).unwrap();
    let out = weft(&["wast", dir.join("print.wast").to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("1_234_567 : i32\n"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wast_lists_unsupported_scripts_with_their_reason() {
    let dir = std::env::temp_dir().join(format!("weft-cli-wast-skip-{}", std::process::id()));
    let threads = dir.join("proposals").join("threads");
    std::fs::create_dir_all(&threads).unwrap();
    std::fs::write(threads.join("atomic.wast"), "(module (memory 1 1 shared))\n").unwrap();
    // GC scripts run (they were on the skip list before the engines had a GC heap).
    let gc = dir.join("proposals").join("gc");
    std::fs::create_dir_all(&gc).unwrap();
    std::fs::write(gc.join("struct.wast"), "(module (type (struct)))\n").unwrap();
    let out = weft(&["wast", dir.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("atomic.wast: unsupported: threads"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("1 passed, 0 failed, 1 unsupported"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wast_custom_assertions_and_spectest_table64() {
    let dir = std::env::temp_dir().join(format!("weft-cli-wast-custom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = "(module (import \"spectest\" \"table64\" (table i64 10 funcref)))\n\
                  (assert_malformed_custom (module quote \"(@custom)\") \"@custom annotation: missing section name\")\n\
                  (assert_invalid_custom (module (@custom \"x\" \"\")) \"whatever the tool says\")\n";
    let path = dir.join("custom.wast");
    std::fs::write(&path, script).unwrap();
    let out = weft(&["wast", "--engine", "both", path.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("6 passed, 0 failed"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
