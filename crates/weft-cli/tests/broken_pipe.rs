//! Every subcommand whose output pipe is closed ends quietly, as `cat`
//! does (`weft inspect big.wasm | head`): exit status 141 (128 + SIGPIPE,
//! what a shell shows for `cat`), nothing on standard error, and above
//! all no "failed printing to stdout" panic. The pipe's read end is closed
//! before weft starts, so its very first write fails: no race with the
//! reader.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Which of weft's streams the test closes.
#[derive(Clone, Copy, Debug)]
enum Closed {
    Stdout,
    Stderr,
}

/// Runs weft with `closed` connected to a pipe nobody reads.
fn weft_with_closed(closed: Closed, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weft"));
    cmd.args(args).current_dir(root()).env("RUST_BACKTRACE", "1").stdin(Stdio::null());
    match closed {
        Closed::Stdout => cmd.stdout(writer).stderr(Stdio::piped()),
        Closed::Stderr => cmd.stdout(Stdio::piped()).stderr(writer),
    };
    cmd.output().expect("weft runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn assert_quiet_141(output: &Output, what: &str) {
    let (out, err) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(141), "{what}: {:?}\nstdout: {out}\nstderr: {err}", output.status);
    assert!(!err.contains("panicked") && !out.contains("panicked"), "{what}: {err}{out}");
}

#[test]
fn every_subcommand_ends_quietly_when_its_stdout_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let answer = write(dir.path(), "answer.wat", r#"(module (func (export "answer") (result i32) i32.const 42))"#);
    let invalid = write(dir.path(), "invalid.wat", r#"(module (func (result i32) i64.const 1))"#);
    let wast = write(
        dir.path(),
        "one.wast",
        r#"(module (func (export "f") (result i32) i32.const 1)) (assert_return (invoke "f") (i32.const 1))"#,
    );
    let cases: [(&str, Vec<&str>); 7] = [
        ("inspect", vec!["inspect", "examples/cat.wasm"]),
        ("validate", vec!["validate", "examples/cat.wasm"]),
        ("validate --explain", vec!["validate", "--explain", &invalid]),
        ("run --invoke", vec!["run", "--invoke", "answer", &answer]),
        ("trace", vec!["trace", "--invoke", "answer", &answer]),
        ("wast", vec!["wast", &wast]),
        ("--help", vec!["--help"]),
    ];
    for (what, args) in &cases {
        if *what == "--help" {
            // clap prints help itself; it must not panic either (its
            // status is its own: 0, or 141 once ours).
            let output = weft_with_closed(Closed::Stdout, args);
            assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"), "{what}");
            continue;
        }
        assert_quiet_141(&weft_with_closed(Closed::Stdout, args), what);
    }
}

#[test]
fn a_closed_stderr_ends_quietly_too() {
    // `weft run ... 2>&1 | head` closes both streams; here only stderr,
    // where a trap's message goes.
    let dir = tempfile::tempdir().unwrap();
    let trap = write(dir.path(), "trap.wat", r#"(module (func (export "f") unreachable))"#);
    let output = weft_with_closed(Closed::Stderr, &["run", "--invoke", "f", &trap]);
    assert_eq!(output.status.code(), Some(141), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let output = weft_with_closed(Closed::Stderr, &["validate", "no-such-file.wasm"]);
    assert_eq!(output.status.code(), Some(141), "{output:?}");
}

#[test]
fn an_open_pipe_still_gets_everything() {
    let output = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["inspect", "examples/cat.wasm"])
        .current_dir(root())
        .output()
        .expect("weft runs");
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.lines().count() > 10, "{text}");
}
