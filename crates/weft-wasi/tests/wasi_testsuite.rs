//! Runs the official WASI testsuite (`wasm32-wasip1` tests of
//! `../shared/wasi-testsuite` beside the repository) through
//! [`weft_wasi::run_command`], the code `weft run` uses, and compares exit
//! codes and standard output with each test's JSON specification
//! (`doc/specification.md` of the suite). Each test's directories are
//! copied to a temporary directory first, so the shared copy stays
//! untouched. Skips with a note when the suite is absent.
//!
//! Every test runs on both engines.
//!
//! Run alone with `cargo test -p weft-wasi --test wasi_testsuite -- --nocapture`.

use std::path::{Path, PathBuf};

use weft::{Config, Engine, EngineKind, Module};
use weft_wasi::{Pipe, WasiCtx};

/// Tests expected to fail, each with its reason. Empty: all pass.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

const SUITES: &[&str] = &["c", "rust", "assemblyscript"];

fn suite_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wasi-testsuite")
}

/// Copies `from` into `to` recursively, leaving everything writable.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let ft = entry.file_type()?;
        if ft.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        } else if !entry.file_name().to_string_lossy().ends_with(".cleanup") {
            std::fs::write(&target, std::fs::read(entry.path())?)?;
        }
    }
    Ok(())
}

struct Outcome {
    name: String,
    failure: Option<String>,
}

fn run_one(engine: &Engine, wasm: &Path) -> Outcome {
    let name = wasm.strip_prefix(suite_root().join("tests")).unwrap_or(wasm).display().to_string();
    let result = (|| -> Result<(), String> {
        let spec: serde_json::Value = match std::fs::read_to_string(wasm.with_extension("json")) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| format!("bad spec: {e}"))?,
            Err(_) => serde_json::json!({}),
        };
        let dir = wasm.parent().ok_or("no parent")?;
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut builder = WasiCtx::builder();
        let program = wasm.file_name().ok_or("no file name")?.to_string_lossy().to_string();
        builder.arg(&program);
        if let Some(args) = spec["args"].as_array() {
            builder.args(args.iter().filter_map(|a| a.as_str()));
        }
        if let Some(env) = spec["env"].as_object() {
            for (k, v) in env {
                builder.env(k, v.as_str().unwrap_or_default());
            }
        }
        if let Some(root) = spec["root"].as_str() {
            let copy = tmp.path().join(root);
            copy_tree(&dir.join(root), &copy).map_err(|e| format!("copying {root}: {e}"))?;
            builder.preopened_dir(&copy, "/");
        }
        for d in spec["dirs"].as_array().into_iter().flatten().filter_map(|d| d.as_str()) {
            let copy = tmp.path().join(d);
            copy_tree(&dir.join(d), &copy).map_err(|e| format!("copying {d}: {e}"))?;
            builder.preopened_dir(&copy, d);
        }
        let (stdout, stderr) = (Pipe::new(), Pipe::new());
        builder.stdout(stdout.clone()).stderr(stderr.clone());
        let ctx = builder.build().map_err(|e| e.to_string())?;
        let bytes = std::fs::read(wasm).map_err(|e| e.to_string())?;
        let module = Module::new(engine, &bytes).map_err(|e| format!("compile: {e}"))?;
        let status = match weft_wasi::run_command(engine, &module, ctx) {
            Ok((status, _)) => status,
            Err(e) => return Err(format!("{e}\nstderr: {}", stderr.contents_string())),
        };
        let want_status = spec["exit_code"].as_i64().unwrap_or(0);
        // Only compared when the spec names it: some tests print
        // diagnostics in an unspecified order (`poll_oneoff_stdio`).
        let want_stdout = spec["stdout"].as_str();
        let got_stdout = stdout.contents_string();
        if i64::from(status) != want_status {
            return Err(format!("exit code {status}, expected {want_status}\nstderr: {}", stderr.contents_string()));
        }
        if let Some(want_stdout) = want_stdout
            && got_stdout != want_stdout
        {
            return Err(format!("stdout {got_stdout:?}, expected {want_stdout:?}"));
        }
        Ok(())
    })();
    Outcome { name, failure: result.err() }
}

/// How long one test may run before it counts as failed (hung).
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs one test on its own thread; a test still running after
/// [`TIMEOUT`] fails, and its thread is abandoned (the harness exits).
fn run_with_timeout(engine: &Engine, wasm: &Path) -> Outcome {
    let (tx, rx) = std::sync::mpsc::channel();
    let (engine, path) = (engine.clone(), wasm.to_path_buf());
    std::thread::spawn(move || tx.send(run_one(&engine, &path)));
    rx.recv_timeout(TIMEOUT).unwrap_or_else(|_| Outcome {
        name: wasm.display().to_string(),
        failure: Some(format!("did not finish within {TIMEOUT:?}")),
    })
}

#[test]
fn wasi_testsuite() {
    let root = suite_root();
    if !root.join("tests").is_dir() {
        println!("note: WASI testsuite not found at {}; skipping", root.display());
        return;
    }
    let mut tests = Vec::new();
    for suite in SUITES {
        let dir = root.join("tests").join(suite).join("testsuite/wasm32-wasip1");
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        tests.extend(
            entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "wasm")),
        );
    }
    tests.sort();
    let only = std::env::var("WASI_TEST").ok();
    let mut unexpected = Vec::new();
    for (label, kind) in [("threaded", EngineKind::Threaded), ("reference", EngineKind::Reference)] {
        let engine = Engine::new(Config::new().engine_kind(kind));
        let (mut passed, mut failed) = (0, 0);
        for wasm in &tests {
            if only.as_deref().is_some_and(|o| !wasm.to_string_lossy().contains(o)) {
                continue;
            }
            if std::env::var_os("WASI_TEST_VERBOSE").is_some() {
                println!("running {} ({label})", wasm.display());
            }
            let outcome = run_with_timeout(&engine, wasm);
            let known = KNOWN_FAILURES.iter().any(|(n, _)| outcome.name.contains(n));
            match &outcome.failure {
                None => passed += 1,
                Some(why) => {
                    failed += 1;
                    println!("FAIL {} ({label}): {why}", outcome.name);
                    if !known {
                        unexpected.push(format!("{} ({label})", outcome.name));
                    }
                }
            }
        }
        println!("wasi testsuite, {label} engine: {passed} passed, {failed} failed");
    }
    assert!(unexpected.is_empty(), "unexpected failures: {unexpected:?}");
}
