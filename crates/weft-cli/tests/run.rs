//! End-to-end tests of `weft run`: WASI commands, `--invoke`, exit codes
//! from `proc_exit`, traps (134 with a backtrace), link errors (1),
//! preopened directories (read-write and read-only), fuel, and the C
//! example `examples/cat.wasm`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn weft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft")).args(args).current_dir(root()).output().expect("weft runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn wat(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A command whose exit status is the number of arguments plus ten times
/// the number of environment variables.
const COUNT_ARGS_AND_ENV: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $args (i32.const 0) (i32.const 4)))
    (drop (call $env (i32.const 8) (i32.const 12)))
    (call $exit (i32.add (i32.load (i32.const 0)) (i32.mul (i32.const 10) (i32.load (i32.const 8)))))))"#;

/// Writes its first argument (argv[1]) to stdout.
const ECHO_FIRST_ARG: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $args (i32.const 16) (i32.const 256)))
    ;; iovec at 64: argv[1], strlen(argv[1])
    (i32.store (i32.const 64) (i32.load (i32.const 20)))
    (i32.store (i32.const 68) (call $strlen (i32.load (i32.const 20))))
    (drop (call $write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72)))))"#;

#[test]
fn invoke_prints_results_one_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = wat(
        dir.path(),
        "add.wat",
        r#"(module (func (export "f") (param i32 i64 f32 f64) (result i64 f64 i32)
             (i64.add (local.get 1) (i64.extend_i32_s (local.get 0)))
             (f64.add (local.get 3) (f64.promote_f32 (local.get 2)))
             (i32.const 7)))"#,
    );
    let out = weft(&["run", "--invoke", "f", &file, "-3", "9000000000", "1.5", "2.25"]);
    assert_eq!(stdout(&out), "8999999997\n3.75\n7\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn deterministic_gives_canonical_nans_and_portable_relaxed_simd() {
    let dir = tempfile::tempdir().unwrap();
    // A NaN operand's payload propagates to the result on x86-64
    // (0xffe00001 here) and not on other CPUs; canonicalized, it is
    // 0xffc00000 everywhere. `relaxed_madd` may fuse, which here leaves
    // 2^-46 where the unfused product-then-sum gives exactly 0.
    let file = wat(
        dir.path(),
        "det.wat",
        r#"(module
             (func (export "nan") (result i32)
               (i32.reinterpret_f32 (f32.add (f32.reinterpret_i32 (i32.const 0xffa00001)) (f32.const 1))))
             (func (export "madd") (result i32)
               (i32x4.extract_lane 0
                 (f32x4.relaxed_madd (f32x4.splat (f32.const 0x1.000002p+0))
                                     (f32x4.splat (f32.const 0x1.000002p+0))
                                     (f32x4.splat (f32.const -0x1.000004p+0))))))"#,
    );
    for engine in ["threaded", "reference"] {
        let out = weft(&["run", "--deterministic", "--engine", engine, "--invoke", "nan", &file]);
        assert_eq!(stdout(&out), format!("{}\n", 0xffc0_0000_u32 as i32), "{engine}: {}", stderr(&out));
        let out = weft(&["run", "--deterministic", "--engine", engine, "--invoke", "madd", &file]);
        assert_eq!(stdout(&out), "0\n", "{engine}: {}", stderr(&out));
    }
}

#[test]
fn timings_go_to_stderr_and_leave_the_run_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = wat(dir.path(), "count.wat", COUNT_ARGS_AND_ENV);
    for threads in ["0", "1", "2"] {
        let out = weft(&["run", "--timings", "--validation-threads", threads, &file, "a"]);
        // The program's exit status (2 arguments) and stdout are untouched.
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        let line = err.lines().find(|l| l.starts_with("timings (ms): ")).unwrap_or_else(|| panic!("{err}"));
        for phase in ["read ", "decode ", "validate ", "instantiate ", "run ", "total "] {
            assert!(line.contains(phase), "{phase} missing in {line}");
        }
        if threads != "0" {
            assert!(line.contains(&format!("({threads} threads)")), "{line}");
        }
    }
    // Without the flag, nothing is printed.
    let out = weft(&["run", &file, "a"]);
    assert_eq!(stderr(&out), "");
    // `weft validate --timings` reports its phases too.
    let out = weft(&["validate", "--timings", "--validation-threads", "1", &file]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.starts_with("timings (ms): read ") && err.contains("validate ") && err.contains("(1 threads)"),
        "{err}"
    );
}

#[test]
fn invoke_rejects_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let file = wat(dir.path(), "id.wat", r#"(module (func (export "id") (param i32) (result i32) local.get 0))"#);
    let out = weft(&["run", "--invoke", "id", &file, "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot parse `x` as i32"), "{}", stderr(&out));
    let out = weft(&["run", "--invoke", "id", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("takes 1 arguments"), "{}", stderr(&out));
}

#[test]
fn arguments_and_environment_reach_the_guest() {
    let dir = tempfile::tempdir().unwrap();
    let file = wat(dir.path(), "count.wat", COUNT_ARGS_AND_ENV);
    // argv = [file, a, b] and two variables: 3 + 20.
    let out = weft(&["run", "--env", "A=1", "--env", "B=2", &file, "a", "b"]);
    assert_eq!(out.status.code(), Some(23), "{}", stderr(&out));
    let file = wat(dir.path(), "echo.wat", ECHO_FIRST_ARG);
    let out = weft(&["run", &file, "--not-a-weft-flag"]);
    assert_eq!(stdout(&out), "--not-a-weft-flag");
}

#[test]
fn proc_exit_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let file = wat(
        dir.path(),
        "exit.wat",
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (func (export "_start") (call $exit (i32.const 42)) unreachable))"#,
    );
    let out = weft(&["run", &file]);
    assert_eq!(out.status.code(), Some(42));
    assert_eq!(stderr(&out), "");
}

#[test]
fn trap_exits_134_with_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    let file = wat(
        dir.path(),
        "trap.wat",
        r#"(module (func $inner unreachable) (func $outer call $inner) (export "_start" (func $outer)))"#,
    );
    for engine in ["threaded", "reference"] {
        let out = weft(&["run", "--engine", engine, &file]);
        assert_eq!(out.status.code(), Some(134));
        let err = stderr(&out);
        assert!(err.contains("unreachable"), "{err}");
        assert!(err.contains("wasm backtrace:"), "{err}");
        assert!(err.contains("inner") && err.contains("outer"), "{err}");
    }
}

#[test]
fn unknown_import_is_a_link_error_naming_module_field_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let file = wat(
        dir.path(),
        "imp.wat",
        r#"(module (import "env" "missing" (func (param i32) (result i64))) (func (export "_start")))"#,
    );
    let out = weft(&["run", &file]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("env::missing"), "{err}");
    assert!(err.contains("(func (param i32) (result i64))"), "{err}");
}

#[test]
fn fuel_runs_out_with_a_trap() {
    let dir = tempfile::tempdir().unwrap();
    let file = wat(dir.path(), "loop.wat", r#"(module (func (export "_start") (loop $l (br $l))))"#);
    let out = weft(&["run", "--fuel", "1000", &file]);
    assert_eq!(out.status.code(), Some(134));
    assert!(stderr(&out).contains("fuel"), "{}", stderr(&out));
}

/// `path_open` with `oflags::creat` of `name` beneath fd 3, exit status = errno.
fn create_file_module(name: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "{name}")
  (func (export "_start")
    (call $exit (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const {len})
      (i32.const 1) (i64.const 0x7f) (i64.const 0) (i32.const 0) (i32.const 0)))))"#,
        len = name.len()
    )
}

#[test]
fn dir_grants_write_and_dir_ro_does_not() {
    let work = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    let file = wat(work.path(), "create.wat", &create_file_module("made.txt"));
    let spec = format!("{}::/sandbox", shared.path().display());

    let out = weft(&["run", "--dir-ro", &spec, &file]);
    assert_eq!(out.status.code(), Some(76), "ENOTCAPABLE expected: {}", stderr(&out));
    assert!(!shared.path().join("made.txt").exists());

    let out = weft(&["run", "--dir", &spec, &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(shared.path().join("made.txt").exists());

    // `..` cannot leave the preopen: EPERM (63), nothing created outside.
    let file = wat(work.path(), "escape.wat", &create_file_module("../escaped.txt"));
    let out = weft(&["run", "--dir", &spec, &file]);
    assert_eq!(out.status.code(), Some(63), "{}", stderr(&out));
    assert!(!shared.path().parent().unwrap().join("escaped.txt").exists());
}

#[test]
fn cat_example_prints_a_preopened_file() {
    let out = weft(&["run", "--dir", "examples/data::/data", "examples/cat.wasm", "/data/greeting.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected = std::fs::read_to_string(root().join("examples/data/greeting.txt")).unwrap();
    assert_eq!(stdout(&out), expected);

    // Outside the preopen there is nothing to read.
    let out = weft(&["run", "--dir", "examples/data::/data", "examples/cat.wasm", "/data/../cat.c"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
}
