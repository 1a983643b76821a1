//! Prints validation throughput on the generated 20 MB module without
//! criterion, weft against wasmparser in the same run (issue 18):
//! `cargo run --release -p weft-benches --example validate_throughput`.
//!
//! Each figure is the whole job from bytes: sections decoded, every
//! function body decoded and validated. weft runs on one thread and on
//! `WEFT_THREADS` threads (default: the machine's parallelism);
//! wasmparser's `Validator::validate_all` runs on one thread.
//! `WEFT_MB` sets the code size, `WEFT_ROUNDS` the repetitions.

use std::time::Instant;

use weft_benches::generate::large_module;
use weft_decode::{Features, Module};

fn main() {
    let size: usize = std::env::var("WEFT_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let rounds: usize = std::env::var("WEFT_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let threads: usize =
        std::env::var("WEFT_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or_else(weft_validate::default_threads);
    let bytes = large_module(size << 20, 1000);
    let code = Module::decode(&bytes).unwrap().code_size();
    let weft = |threads: usize| {
        let start = Instant::now();
        for _ in 0..rounds {
            let module = Module::decode_with(std::hint::black_box(&bytes), Features::default()).unwrap();
            weft_validate::validate_with_threads(&module, threads).unwrap();
        }
        start.elapsed().as_secs_f64() / rounds as f64
    };
    let wasmparser = || {
        let start = Instant::now();
        for _ in 0..rounds {
            wasmparser::Validator::new().validate_all(std::hint::black_box(&bytes)).unwrap();
        }
        start.elapsed().as_secs_f64() / rounds as f64
    };
    // Alternate, so a change in the machine's load hits both alike.
    let (mut w1, mut wn, mut wp) = (0.0, 0.0, 0.0);
    for _ in 0..3 {
        w1 += weft(1);
        wp += wasmparser();
        wn += weft(threads);
    }
    let mbps = |secs: f64| code as f64 * 3.0 / secs / 1e6;
    println!("{} MB of code, {rounds} rounds x 3", code / 1_000_000);
    println!("weft validate, 1 thread:          {:.0} MB/s", mbps(w1));
    println!("weft validate, {threads} threads:         {:.0} MB/s", mbps(wn));
    println!("wasmparser validate_all, 1 thread: {:.0} MB/s", mbps(wp));
    println!("weft/wasmparser (1 thread): {:.2}", wp / w1);
}
