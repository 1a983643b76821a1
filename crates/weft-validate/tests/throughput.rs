//! Validation throughput, in MB/s of code section. Ignored by default;
//! run in release mode:
//!
//! ```text
//! cargo test --release -p weft-validate --test throughput -- --ignored --nocapture
//! WEFT_BENCH_WASM=path/to/big.wasm cargo test --release ...   # a module of your own
//! ```
//!
//! Without `WEFT_BENCH_WASM`, it uses the largest module of the WASI
//! testsuite if present, and a synthetic module of typical instructions.

use std::time::Instant;

use weft_decode::Module;
use weft_validate::{Features, validate};

fn measure(name: &str, bytes: &[u8]) {
    let module = Module::decode_with(bytes, Features::default()).expect("decodes");
    let code = module.code_size();
    // Warm up, then take the best of several runs.
    validate(&module).expect("valid");
    let mut best = f64::INFINITY;
    for _ in 0..10 {
        let start = Instant::now();
        validate(&module).expect("valid");
        best = best.min(start.elapsed().as_secs_f64());
    }
    let mut read_only = f64::INFINITY;
    for _ in 0..10 {
        let start = Instant::now();
        let mut n = 0usize;
        for index in 0..module.code.len() {
            let mut ops = module.operators(index);
            while !ops.is_finished() {
                ops.read().expect("decodes");
                n += 1;
            }
        }
        std::hint::black_box(n);
        read_only = read_only.min(start.elapsed().as_secs_f64());
    }
    println!("{name}: reading the instructions alone: {:.0} MB/s", code as f64 / 1e6 / read_only);
    println!(
        "{name}: {} functions, {:.2} MB of code, validated in {:.2} ms: {:.0} MB/s",
        module.code.len(),
        code as f64 / 1e6,
        best * 1e3,
        code as f64 / 1e6 / best
    );
}

/// A module of `n` functions with bodies mixing locals, constants,
/// arithmetic, memory accesses, blocks and branches.
fn synthetic(n: usize) -> Vec<u8> {
    let body_wat = "(local.set 2 (i32.add (local.get 0) (i32.const 7)))
        (block $b (loop $l
          (local.set 3 (f64.add (local.get 3) (f64.convert_i32_s (local.get 2))))
          (i32.store offset=8 (local.get 2) (i32.mul (i32.load (local.get 1)) (i32.const 3)))
          (br_if $b (i32.eqz (local.get 2)))
          (local.set 2 (i32.sub (local.get 2) (i32.const 1)))
          (if (i32.gt_s (local.get 2) (i32.const 10)) (then (local.set 1 (i32.const 4))) (else (local.set 1 (i32.const 8))))
          (br $l)))
        (i32.trunc_f64_s (local.get 3))";
    let mut wat = String::from("(module (memory 1)");
    for _ in 0..n {
        wat.push_str("(func (param i32 i32) (result i32) (local i32 f64) ");
        for _ in 0..20 {
            wat.push_str(body_wat);
            wat.push_str(" drop ");
        }
        wat.push_str("(i32.const 0))");
    }
    wat.push(')');
    wat::parse_str(&wat).expect("wat")
}

/// For profiling: `WEFT_BENCH_MODE=read|validate WEFT_BENCH_REPEAT=n` runs
/// only that loop on the synthetic module.
#[test]
#[ignore = "a profiling aid"]
fn profile_loop() {
    let bytes = synthetic(2000);
    let module = Module::decode_with(&bytes, Features::default()).expect("decodes");
    let repeat: usize = std::env::var("WEFT_BENCH_REPEAT").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    let validate_mode = std::env::var("WEFT_BENCH_MODE").as_deref() != Ok("read");
    let start = Instant::now();
    for _ in 0..repeat {
        if validate_mode {
            validate(&module).expect("valid");
        } else {
            for index in 0..module.code.len() {
                let mut ops = module.operators(index);
                while !ops.is_finished() {
                    std::hint::black_box(ops.read().expect("decodes"));
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{:.0} MB/s", (module.code_size() * repeat) as f64 / 1e6 / secs);
}

#[test]
#[ignore = "a measurement; run in release mode with --nocapture"]
fn throughput() {
    if let Ok(path) = std::env::var("WEFT_BENCH_WASM") {
        measure(&path, &std::fs::read(&path).expect("readable"));
    }
    let wasi = "/work/shared/wasi-testsuite/tests/rust/testsuite/wasm32-wasip1/poll_oneoff_stdio.wasm";
    if let Ok(bytes) = std::fs::read(wasi) {
        measure("poll_oneoff_stdio.wasm (rustc output)", &bytes);
    }
    measure("synthetic", &synthetic(2000));
}
