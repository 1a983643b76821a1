//! Prints validation throughput on the generated 20 MB module without
//! criterion, weft against wasmparser in the same run (issue 18):
//! `cargo run --release -p weft-benches --example validate_throughput`.
//!
//! Each figure is the whole job from bytes: sections decoded, every
//! function body decoded and validated. weft runs on one thread and on
//! `WEFT_THREADS` threads (default: the machine's parallelism);
//! wasmparser's `Validator::validate_all` runs on one thread.
//! `WEFT_MB` sets the code size, `WEFT_ROUNDS` the repetitions.
//!
//! On a loaded machine wall time measures the queue for a core more than
//! the code, so each line also gives MB per second of CPU time (the
//! process's user + system time from `/proc/self/stat`, Linux only): for
//! one thread that is the speed the code would have on a quiet core.

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
    // (wall seconds, CPU seconds) per round.
    let timed = |f: &dyn Fn()| {
        let (start, cpu) = (Instant::now(), cpu_seconds());
        for _ in 0..rounds {
            f();
        }
        (start.elapsed().as_secs_f64() / rounds as f64, (cpu_seconds() - cpu) / rounds as f64)
    };
    let weft = |threads: usize| {
        timed(&|| {
            let module = Module::decode_with(std::hint::black_box(&bytes), Features::default()).unwrap();
            weft_validate::validate_with_threads(&module, threads).unwrap();
        })
    };
    let wasmparser = || {
        timed(&|| {
            wasmparser::Validator::new().validate_all(std::hint::black_box(&bytes)).unwrap();
        })
    };
    // Alternate, so a change in the machine's load hits both alike.
    let add = |a: (f64, f64), b: (f64, f64)| (a.0 + b.0, a.1 + b.1);
    let (mut w1, mut wn, mut wp) = ((0.0, 0.0), (0.0, 0.0), (0.0, 0.0));
    for _ in 0..3 {
        w1 = add(w1, weft(1));
        wp = add(wp, wasmparser());
        wn = add(wn, weft(threads));
    }
    let mbps = |secs: f64| code as f64 * 3.0 / secs / 1e6;
    let line = |name: &str, (wall, cpu): (f64, f64)| {
        println!("{name:<36} {:>5.0} MB/s wall, {:>5.0} MB per CPU-second", mbps(wall), mbps(cpu));
    };
    println!("{} MB of code, {rounds} rounds x 3", code / 1_000_000);
    line("weft validate, 1 thread:", w1);
    line(&format!("weft validate, {threads} threads:"), wn);
    line("wasmparser validate_all, 1 thread:", wp);
    println!("weft/wasmparser speed (1 thread): {:.2} wall, {:.2} CPU", wp.0 / w1.0, wp.1 / w1.1);
}

/// The process's user + system CPU time in seconds (0 where
/// `/proc/self/stat` is missing); Linux counts it in 1/100 s ticks.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // The fields after the command name, which is in parentheses.
    let Some((_, rest)) = stat.rsplit_once(") ") else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line (from 1), so
    // indices 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}
