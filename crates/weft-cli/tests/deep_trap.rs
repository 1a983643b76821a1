//! A runaway recursion traps with a short report: the repeated frame is
//! printed once and counted (`... 99,997 more frames of deep!r`), and the
//! whole message stays under 40 lines, where it used to print one line per
//! frame (100,000 with the default call depth).

use std::path::Path;
use std::process::Command;

#[test]
fn a_runaway_recursion_reports_a_short_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep.wat");
    std::fs::write(&file, r#"(module $deep (func $r (export "r") (call $r)))"#).unwrap();
    for engine in ["threaded", "reference"] {
        let output = Command::new(env!("CARGO_BIN_EXE_weft"))
            .args(["run", "--engine", engine, "--invoke", "r"])
            .arg(&file)
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
            .output()
            .expect("weft runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(134), "{engine}: {stderr}");
        assert!(stderr.starts_with("error: wasm trap: call stack exhausted\nwasm backtrace:\n"), "{engine}: {stderr}");
        assert!(stderr.contains(" more frames of deep!r"), "{engine}: {stderr}");
        assert!(stderr.lines().count() < 40, "{engine}: {} lines\n{stderr}", stderr.lines().count());
    }
}
