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
    assert!(stdout.contains("fallbacks: 1 functions run on another engine"), "{stdout}");
    assert!(stdout.contains("  func 1 $atomic: reference engine (instruction I32AtomicLoad"), "{stdout}");
    assert!(!stdout.contains("$plain: reference"), "{stdout}");
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
    assert_eq!(stdout, "5 passed, 0 failed\n");
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
    assert_eq!(lines.next(), Some("2 passed, 1 failed"));
}

#[test]
fn wast_json() {
    let out = weft(&["wast", "--json", "crates/weft-cli/tests/scripts/fail.wast"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("{\"passed\":2,\"failed\":1,\"files\":[{\"path\":"), "{stdout}");
    assert!(stdout.contains("\"location\":\"crates/weft-cli/tests/scripts/fail.wast:3:2\""), "{stdout}");
}
