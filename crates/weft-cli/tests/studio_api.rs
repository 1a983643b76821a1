//! `weft studio`'s JSON API, without a browser: spawn the server, talk HTTP
//! to it, check what it says about the machine.

mod studio_support;

use serde_json::Value;
use studio_support::{Studio, strings, wat_file};

/// The byte offset of the first line of the listing whose text (trimmed)
/// is `text`.
fn offset_of(studio: &Studio, text: &str) -> u64 {
    let module = studio.get("/api/module");
    module["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["text"].as_str().unwrap().trim() == text)
        .and_then(|l| l["offset"].as_u64())
        .unwrap_or_else(|| panic!("no line `{text}`"))
}

fn fac() -> Studio {
    Studio::spawn(&["examples/fac.wat", "--invoke", "fac", "5"])
}

#[test]
fn fac_starts_before_its_first_instruction() {
    let studio = fac();
    let s = studio.get("/api/state");
    assert_eq!(s["function"], "$fac");
    assert_eq!(s["instruction"], "local.get 0");
    assert_eq!(s["rule"]["typing"], "local.get 0 : [] -> [i64]");
    assert_eq!(strings(&s["stack"]), Vec::<String>::new());
    assert_eq!(s["locals"][0]["name"], "$n");
    assert_eq!(s["locals"][0]["value"], "i64:5");
    assert_eq!(s["frames"].as_array().unwrap().len(), 1);
    assert_eq!(s["done"], false);
    assert_eq!(s["steps"], 0);
    assert_eq!(s["reason"], "start");
    assert_eq!(s["memory"], Value::Null);
    assert_eq!(s["offset"].as_u64(), Some(offset_of(&studio, "local.get 0")));
}

#[test]
fn stepping_fac_shows_the_stack_at_each_instruction_and_ends_with_120() {
    let studio = fac();
    let s = studio.post("/api/step", "null");
    assert_eq!(strings(&s["stack"]), ["i64:5"]);
    assert_eq!(s["instruction"], "i64.eqz");
    assert_eq!(s["rule"]["typing"], "i64.eqz : [i64] -> [i32]");
    let s = studio.post("/api/step", "null");
    assert_eq!(strings(&s["stack"]), ["i32:0"]);
    // Inside the `if`: one label, carrying one value.
    let s = studio.post("/api/step", "null");
    assert_eq!(s["labels"][0]["kind"], "if");
    assert_eq!(s["labels"][0]["arity"], 1);
    assert_eq!(s["instruction"], "local.get 0");

    // Step until the first `i64.mul`: five frames deep, fac(0)'s result on
    // top of each caller's `n`.
    let mut s = s;
    while s["instruction"] != "i64.mul" {
        s = studio.post("/api/step", "null");
        assert_eq!(s["done"], false);
    }
    assert_eq!(strings(&s["stack"]), ["i64:5", "i64:4", "i64:3", "i64:2", "i64:1", "i64:1"]);
    assert_eq!(s["stack_base"], 4);
    assert_eq!(s["frames"].as_array().unwrap().len(), 5);
    assert_eq!(s["frames"][0]["locals"][0], "i64:1");
    assert_eq!(s["frames"][4]["locals"][0], "i64:5");
    assert_eq!(s["rule"]["typing"], "i64.mul : [i64 i64] -> [i64]");
    let steps = s["steps"].as_u64().unwrap();

    while s["done"] == false {
        s = studio.post("/api/step", "null");
    }
    assert_eq!(strings(&s["results"]), ["i64:120"]);
    assert_eq!(s["reason"], "returned");
    assert_eq!(s["frames"].as_array().unwrap().len(), 0);
    assert!(s["steps"].as_u64().unwrap() > steps);
    // Stepping a finished call changes nothing.
    let again = studio.post("/api/step", "null");
    assert_eq!(again["steps"], s["steps"]);
    assert_eq!(strings(&again["results"]), ["i64:120"]);
}

#[test]
fn breakpoint_step_over_and_step_out() {
    let studio = fac();
    let call = offset_of(&studio, "call $fac");
    let s = studio.post("/api/breakpoints", &format!("[{call}]"));
    assert_eq!(s["breakpoints"], serde_json::json!([call]));

    let s = studio.post("/api/run", "null");
    assert_eq!(s["reason"], "breakpoint");
    assert_eq!(s["offset"].as_u64(), Some(call));
    assert_eq!(strings(&s["stack"]), ["i64:5", "i64:4"]);
    assert_eq!(s["frames"].as_array().unwrap().len(), 1);

    // Running on stops at the same call one frame deeper.
    let s = studio.post("/api/run", "null");
    assert_eq!(s["reason"], "breakpoint");
    assert_eq!(s["frames"].as_array().unwrap().len(), 2);
    assert_eq!(strings(&s["stack"]), ["i64:5", "i64:4", "i64:3"]);

    // Without breakpoints, step over runs the whole call: 3! = 6 is back.
    studio.post("/api/breakpoints", "[]");
    let s = studio.post("/api/step_over", "null");
    assert_eq!(s["instruction"], "i64.mul");
    assert_eq!(s["frames"].as_array().unwrap().len(), 2);
    assert_eq!(strings(&s["stack"]), ["i64:5", "i64:4", "i64:6"]);

    // Step out of fac(4): back in fac(5) before its `i64.mul`.
    let s = studio.post("/api/step_out", "null");
    assert_eq!(s["frames"].as_array().unwrap().len(), 1);
    assert_eq!(s["instruction"], "i64.mul");
    assert_eq!(strings(&s["stack"]), ["i64:5", "i64:24"]);

    let s = studio.post("/api/run", "null");
    assert_eq!(s["done"], true);
    assert_eq!(strings(&s["results"]), ["i64:120"]);

    // Reset starts again and keeps no state but the breakpoints.
    studio.post("/api/breakpoints", &format!("[{call}]"));
    let s = studio.post("/api/reset", "null");
    assert_eq!(s["steps"], 0);
    assert_eq!(s["done"], false);
    assert_eq!(s["breakpoints"], serde_json::json!([call]));
    assert_eq!(studio.post("/api/run", "null")["reason"], "breakpoint");
}

#[test]
fn stores_globals_and_memory_pages() {
    let wat = wat_file(
        r#"(module
          (memory (export "memory") 1)
          (global $g (export "counter") (mut i32) (i32.const 7))
          (func (export "f")
            (i32.store (i32.const 1024) (i32.const 0x11223344))
            (global.set $g (i32.const 9))
            (i64.store8 offset=3 (i32.const 2000) (i64.const 0xab))
            (memory.fill (i32.const 4000) (i32.const 0x5a) (i32.const 10))))"#,
    );
    let studio = Studio::spawn(&[wat.to_str().unwrap(), "--invoke", "f"]);
    let s = studio.get("/api/state");
    assert_eq!(s["memory"]["pages"], 1);
    assert_eq!(s["memory"]["bytes"], 65536);
    assert_eq!(s["memory"]["last_write"], Value::Null);
    assert_eq!(s["globals"][0]["name"], "counter");
    assert_eq!(s["globals"][0]["type"], "mut i32");
    assert_eq!(s["globals"][0]["value"], "i32:7");

    let mut s = s;
    for _ in 0..3 {
        s = studio.post("/api/step", "null");
    }
    assert_eq!(s["memory"]["last_write"], serde_json::json!({"offset": 1024, "len": 4}));
    let m = studio.get("/api/memory?offset=1022&len=8");
    assert_eq!(m["offset"], 1022);
    assert_eq!(m["bytes"], serde_json::json!([0, 0, 0x44, 0x33, 0x22, 0x11, 0, 0]));
    assert_eq!(m["size"], 65536);

    for _ in 0..2 {
        s = studio.post("/api/step", "null");
    }
    assert_eq!(s["globals"][0]["value"], "i32:9");
    for _ in 0..3 {
        s = studio.post("/api/step", "null");
    }
    assert_eq!(s["memory"]["last_write"], serde_json::json!({"offset": 2003, "len": 1}));
    for _ in 0..4 {
        s = studio.post("/api/step", "null");
    }
    assert_eq!(s["memory"]["last_write"], serde_json::json!({"offset": 4000, "len": 10}));

    // The end of memory clips; a page never exceeds 64 KiB.
    let m = studio.get("/api/memory?offset=65530&len=100");
    assert_eq!(m["bytes"].as_array().unwrap().len(), 6);
    let m = studio.get("/api/memory?offset=0&len=1000000");
    assert_eq!(m["bytes"].as_array().unwrap().len(), 65536);
    let (status, body) = studio.request("GET", "/api/memory?offset=x", &[], "");
    assert_eq!(status, 400, "{body}");
}

#[test]
fn a_trap_ends_the_run_with_its_message() {
    let wat = wat_file(
        r#"(module (func (export "div") (param i32) (result i32)
             (i32.div_u (i32.const 1) (local.get 0))))"#,
    );
    let studio = Studio::spawn(&[wat.to_str().unwrap(), "--invoke", "div", "0"]);
    let s = studio.post("/api/run", "null");
    assert_eq!(s["done"], true);
    assert_eq!(s["reason"], "trap");
    assert!(s["trap"].as_str().unwrap().contains("integer divide by zero"), "{s}");
    assert_eq!(s["ended_at"].as_u64(), Some(offset_of(&studio, "i32.div_u")));
    assert_eq!(strings(&s["results"]), Vec::<String>::new());
}

#[test]
fn wasi_hello_prints_to_the_page_and_proc_exit_ends_the_run() {
    let studio = Studio::spawn(&["examples/hello-c/hello.wasm"]);
    let s = studio.post("/api/run", "null");
    assert_eq!(s["done"], true, "{s}");
    assert_eq!(s["stdout"], "Hello, World!\n");
    assert!(s["steps"].as_u64().unwrap() > 100);

    let wat = wat_file(
        r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 3))))"#,
    );
    let studio = Studio::spawn(&[wat.to_str().unwrap()]);
    let s = studio.post("/api/run", "null");
    assert_eq!(s["done"], true);
    assert_eq!(s["reason"], "exit");
    assert_eq!(s["exit_code"], 3);
    assert_eq!(s["ended_at"].as_u64(), Some(offset_of(&studio, "call $exit")));
    assert_eq!(s["trap"], Value::Null);
}

#[test]
fn dir_grants_a_directory_and_args_reach_the_program() {
    let studio = Studio::spawn(&["examples/cat.wasm", "--dir", "examples/data::/data", "/data/greeting.txt"]);
    let s = studio.post("/api/run", "null");
    assert_eq!(s["done"], true, "{s}");
    assert_eq!(s["stdout"], "Hello from a preopened directory!\n");
    // Without the grant, the file is not there.
    let studio = Studio::spawn(&["examples/cat.wasm", "/data/greeting.txt"]);
    let s = studio.post("/api/run", "null");
    assert_eq!(s["done"], true);
    assert_ne!(s["stdout"], "Hello from a preopened directory!\n");
}

#[test]
fn a_deep_call_stack_is_listed_whole() {
    let wat = wat_file(
        r#"(module (func $down (export "down") (param i32) (result i32)
             (if (result i32) (local.get 0)
               (then (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
               (else (i32.const 0)))))"#,
    );
    let studio = Studio::spawn(&[wat.to_str().unwrap(), "--invoke", "down", "999"]);
    let base = offset_of(&studio, "i32.const 0");
    studio.post("/api/breakpoints", &format!("[{base}]"));
    let s = studio.post("/api/run", "null");
    assert_eq!(s["reason"], "breakpoint");
    assert_eq!(s["frames"].as_array().unwrap().len(), 1000);
    assert_eq!(s["frames"][999]["locals"][0], "i32:999");
    let s = studio.post("/api/step_out", "null");
    assert_eq!(s["frames"].as_array().unwrap().len(), 999);
    let s = studio.post("/api/run", "null");
    assert_eq!(strings(&s["results"]), ["i32:999"]);
}

#[test]
fn requests_for_another_host_or_origin_are_refused() {
    let studio = fac();
    let port = studio.port;
    for host in [format!("Host: evil.example:{port}"), format!("Host: 127.0.0.1:{}", port.wrapping_add(1))] {
        let (status, body) = studio.request("GET", "/api/state", &[&host], "");
        assert_eq!(status, 403, "{host}: {body}");
    }
    let (status, _) = studio.request("GET", "/", &[&format!("Host: localhost:{port}")], "");
    assert_eq!(status, 200);
    let (status, _) =
        studio.request("POST", "/api/step", &["Content-Type: application/json", "Origin: http://evil.example"], "null");
    assert_eq!(status, 403);
    // A form post from another page cannot send JSON.
    let (status, _) = studio.request("POST", "/api/step", &["Content-Type: text/plain"], "null");
    assert_eq!(status, 415);
    // Nothing ran.
    assert_eq!(studio.get("/api/state")["steps"], 0);
}

#[test]
fn the_page_and_bad_requests() {
    let studio = fac();
    let (status, page) = studio.request("GET", "/", &[], "");
    assert_eq!(status, 200);
    assert!(page.contains("<title>weft studio</title>"));
    let (status, js) = studio.request("GET", "/studio.js", &[], "");
    assert_eq!(status, 200);
    assert!(js.contains("/api/state"));
    assert_eq!(studio.request("GET", "/nope", &[], "").0, 404);
    assert_eq!(studio.request("GET", "/api/step", &[], "").0, 405);
    let (status, body) = studio.request("POST", "/api/breakpoints", &["Content-Type: application/json"], "{\"x\":1}");
    assert_eq!(status, 400);
    assert!(body.contains("list of byte offsets"), "{body}");
}

#[test]
fn a_run_that_does_not_end_pauses_and_can_be_reset() {
    let wat = wat_file(r#"(module (func (export "spin") (loop (br 0))))"#);
    let studio = Studio::spawn(&[wat.to_str().unwrap(), "--invoke", "spin"]);
    let s = studio.post("/api/run", "null");
    assert_eq!(s["reason"], "paused");
    assert_eq!(s["done"], false);
    assert!(s["steps"].as_u64().unwrap() > 1000);
    let s = studio.post("/api/reset", "null");
    assert_eq!(s["steps"], 0);
    assert_eq!(s["instruction"], "loop");
}

#[test]
fn ctrl_c_stops_the_server() {
    let mut studio = fac();
    studio.get("/api/state");
    let status = studio.interrupt();
    assert!(!status.success());
    assert!(std::net::TcpStream::connect(("127.0.0.1", studio.port)).is_err());
}

#[test]
fn bad_arguments_are_errors_before_the_server_starts() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["studio", "examples/fac.wat", "--invoke", "fac"])
        .current_dir(studio_support::root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`fac` takes 1 arguments"), "{out:?}");
}

/// The speed of the API (a measurement, not a test: run with
/// `cargo test --release -p weft-cli --test studio_api -- --ignored --nocapture`).
#[test]
#[ignore]
fn measure_step_latency_and_run_speed() {
    use std::time::Instant;
    let studio = fac();
    let t = Instant::now();
    let mut n = 0;
    while studio.post("/api/step", "null")["done"] == false {
        n += 1;
    }
    println!("fac 5: {n} steps, {:.2} ms per step request", t.elapsed().as_secs_f64() * 1e3 / n as f64);

    let studio = Studio::spawn(&["examples/hello-c/hello.wasm"]);
    let t = Instant::now();
    let mut n = 0;
    while studio.post("/api/step", "null")["done"] == false {
        n += 1;
    }
    println!("hello.wasm: {n} steps, {:.2} ms per step request", t.elapsed().as_secs_f64() * 1e3 / n as f64);

    // A 1,000-deep call stack: every state lists all frames.
    let wat = wat_file(
        r#"(module (func $down (export "down") (param i32) (result i32)
             (if (result i32) (local.get 0)
               (then (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))
               (else (i32.const 0)))))"#,
    );
    let studio = Studio::spawn(&[wat.to_str().unwrap(), "--invoke", "down", "999"]);
    let base = offset_of(&studio, "i32.const 0");
    studio.post("/api/breakpoints", &format!("[{base}]"));
    studio.post("/api/run", "null");
    let t = Instant::now();
    for _ in 0..50 {
        studio.post("/api/step", "null");
    }
    println!("1000-deep stack: {:.2} ms per step request", t.elapsed().as_secs_f64() * 1e3 / 50.0);

    // A loop of 10^6 instructions (7 per iteration), run to a breakpoint
    // after it.
    let wat = wat_file(
        r#"(module (func (export "spin") (result i32) (local i32)
             (loop $l
               (br_if $l (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 142857))))
             (local.get 0)))"#,
    );
    let studio = Studio::spawn(&[wat.to_str().unwrap(), "--invoke", "spin"]);
    let after = {
        let module = studio.get("/api/module");
        let lines = module["lines"].as_array().unwrap().clone();
        let i = lines.iter().rposition(|l| l["text"].as_str().unwrap().trim() == "local.get 0").unwrap();
        lines[i]["offset"].as_u64().unwrap()
    };
    studio.post("/api/breakpoints", &format!("[{after}]"));
    let t = Instant::now();
    let s = studio.post("/api/run", "null");
    let secs = t.elapsed().as_secs_f64();
    let steps = s["steps"].as_u64().unwrap();
    assert_eq!(s["reason"], "breakpoint");
    println!(
        "run to a breakpoint: {steps} instructions in {:.3} s = {:.2} M instructions/s",
        secs,
        steps as f64 / secs / 1e6
    );
}
