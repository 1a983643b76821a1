//! Golden tests of `weft trace` and `weft validate --explain` (regenerate
//! with `BLESS=1 cargo test -p weft-cli --test trace`).

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::{golden, weft};

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-trace-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn trace_fac_5_shows_every_instruction_and_ends_with_120() {
    let out = weft(&["trace", "--invoke", "fac", "examples/fac.wat", "5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert!(text.ends_with("} -> [i64:120]\n120\n"), "{text}");
    // Six frames, each entered once and left once.
    assert_eq!(text.matches(") {\n").count(), 6);
    assert_eq!(text.matches("} -> [").count(), 6);
    golden("trace-fac-5.txt", &text);
}

#[test]
fn trace_with_locals_and_labels() {
    let out = weft(&["trace", "--locals", "--labels", "--invoke", "fac", "examples/fac.wat", "1"]);
    assert!(out.status.success());
    golden("trace-fac-1-locals-labels.txt", &stdout(&out));
}

#[test]
fn trace_host_calls_are_one_line_each() {
    let out = weft(&["trace", "--invoke", "main", "examples/hello.wat"]);
    assert!(out.status.success());
    golden("trace-hello.txt", &stdout(&out));
}

#[test]
fn trace_max_steps_stops_early() {
    let out = weft(&["trace", "--max-steps", "4", "--invoke", "fac", "examples/fac.wat", "20"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1 + 4 + 1, "{text}");
    assert!(text.ends_with("stopped after 4 steps (--max-steps)\n"), "{text}");
}

#[test]
fn trace_shows_stores_globals_branches_and_traps() {
    let path = temp_file(
        "effects.wat",
        r#"(module
            (memory 1)
            (table $t 1 funcref)
            (global $g (mut i32) (i32.const 0))
            (func (export "f") (param i32) (result i32)
              (table.set $t (i32.const 0) (ref.null func))
              (block $out
                (loop $again
                  (br_if $out (i32.eqz (local.get 0)))
                  (i32.store offset=4 (i32.const 8) (local.get 0))
                  (global.set $g (i32.add (global.get $g) (local.get 0)))
                  (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                  (br $again)))
              (i32.div_u (global.get $g) (i32.load offset=16 (i32.const 0)))))"#,
    );
    let out = weft(&["trace", "--labels", "--invoke", "f", path.to_str().unwrap(), "2"]);
    assert_eq!(out.status.code(), Some(134));
    golden("trace-effects-trap.txt", &stdout(&out));
}

#[test]
fn trace_rejects_wrong_arguments() {
    let out = weft(&["trace", "--invoke", "fac", "examples/fac.wat"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`fac` takes 1 arguments"));
    let out = weft(&["trace", "--invoke", "fac", "examples/fac.wat", "five"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot parse `five` as i64"));
}

fn explain(name: &str, wat: &str) -> String {
    let path = temp_file(&format!("{name}.wat"), wat);
    let out = weft(&["validate", "--explain", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    // The temporary directory differs per run: keep the file name only.
    stdout(&out).replace(path.to_str().unwrap(), &format!("{name}.wat"))
}

#[test]
fn explain_type_mismatch_in_a_block() {
    let text = explain(
        "mismatch",
        r#"(module
          (func $bad (param $x i32) (result i32)
            (block (result i32)
              (local.get $x)
              (i64.const 1)
              (i32.add))))"#,
    );
    assert!(text.contains("rule:     i32.add : [i32 i32] -> [i32]"), "{text}");
    golden("explain-mismatch.txt", &text);
}

#[test]
fn explain_end_with_wrong_results_after_unreachable() {
    let text = explain(
        "end",
        r#"(module
          (func (result i32)
            (loop (result i64)
              unreachable
              i32.const 1
              br_if 0
              drop)
            drop
            f32.const 0))"#,
    );
    golden("explain-end.txt", &text);
}

#[test]
fn explain_shows_unknown_operands_in_unreachable_code() {
    let text = explain(
        "unreachable",
        r#"(module
          (func (result i32)
            (block (result i64)
              unreachable
              select
              f32.const 0
              i64.add)
            drop
            i32.const 0))"#,
    );
    assert!(text.contains("operands: [_ f32]"), "{text}");
    assert!(text.contains("unreachable (stack-polymorphic)"), "{text}");
    golden("explain-unreachable.txt", &text);
}

#[test]
fn explain_unknown_local_and_immutable_global() {
    golden("explain-local.txt", &explain("local", r#"(module (func (param i32) (local i64) (drop (local.get 2))))"#));
    golden(
        "explain-global.txt",
        &explain("global", r#"(module (global $g i32 (i32.const 0)) (func (global.set $g (i32.const 1))))"#),
    );
}

#[test]
fn explain_outside_function_bodies_says_so() {
    let text = explain("export", r#"(module (func) (export "a" (func 0)) (export "a" (func 0)))"#);
    assert!(text.contains("not inside a function body's"), "{text}");
}

#[test]
fn trace_wasi_command_shows_the_output_after_the_host_call() {
    let out = weft(&["trace", "examples/hello-c/hello.wasm"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let write = text.find("host wasi_snapshot_preview1.fd_write(i32:1, ").expect("fd_write is traced");
    let printed = text.find("| Hello, World!\n").expect("the output is in the trace");
    assert!(write < printed, "{text}");
    assert!(text.starts_with("$_start.command_export() {\n"), "{text}");
}

#[test]
fn trace_wasi_proc_exit_status_is_the_exit_code() {
    let path = temp_file(
        "exit.wat",
        r#"(module
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (func (export "_start") (call $exit (i32.const 3))))"#,
    );
    let out = weft(&["trace", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    golden("trace-proc-exit.txt", &stdout(&out));
}

#[test]
fn trace_indirect_and_tail_calls() {
    let path = temp_file(
        "calls.wat",
        r#"(module
            (type $unary (func (param i32) (result i32)))
            (table funcref (elem $double $count))
            (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
            (func $count (type $unary)
              (if (result i32) (i32.eqz (local.get 0))
                (then (i32.const 0))
                (else (return_call $count (i32.sub (local.get 0) (i32.const 1))))))
            (func (export "f") (param i32) (result i32)
              (i32.add
                (call_indirect (type $unary) (local.get 0) (i32.const 0))
                (call_indirect (type $unary) (i32.const 1) (i32.const 1)))))"#,
    );
    let out = weft(&["trace", "--invoke", "f", path.to_str().unwrap(), "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert!(text.contains("$double(i32:2) {"), "{text}");
    assert!(text.contains("} -> tail call\n"), "{text}");
    golden("trace-calls.txt", &text);
}
