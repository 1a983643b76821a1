//! Threaded-engine translation: speed (MB of wasm code per second) and the
//! size of the translated code against the wasm code it came from, on the
//! generated 20 MB module and on every benchmark program.
//!
//! `cargo run --release -p weft-benches --example translate`
//! (`WEFT_MB` sets the generated module's size, `WEFT_ROUNDS` how often it
//! is translated — more rounds for a profile — and `WEFT_ONLY_GENERATED=1`
//! skips the benchmark programs; `WEFT_DIGEST=1` prints a digest of the
//! translated ops per module, the same before and after a change that
//! should not alter them; `WEFT_MODULES=a.wasm:b.wasm` adds modules.) With
//! module paths as arguments it reports those instead, e.g. `cc1.wasm` of
//! the real-program set.

use std::time::Instant;

use weft::raw::threaded::{TranslationStats, code_digest, translate_all};
use weft::{Engine, Module};
use weft_benches::generate::large_module;

fn report(name: &str, bytes: &[u8], rounds: usize) {
    let engine = Engine::default();
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    let mut stats = TranslationStats::default();
    // A digest of the ops, to check that speed work changes none of them
    // (digesting slows translation: the speed figures are not meaningful).
    let digest = std::env::var_os("WEFT_DIGEST").is_some();
    let mut digests = Vec::new();
    for _ in 0..rounds {
        code_digest(digest);
        // A fresh module each round: translation results are cached per module.
        let module = Module::new(&engine, bytes).expect("benchmark modules are valid");
        let (start, start_cpu) = (Instant::now(), on_cpu_seconds());
        stats = translate_all(&module);
        best = best.min(start.elapsed().as_secs_f64());
        digests.push(code_digest(false));
        if let (Some(a), Some(b)) = (start_cpu, on_cpu_seconds()) {
            best_cpu = best_cpu.min(b - a);
        }
    }
    let mbps = stats.wasm_code_bytes as f64 / best / 1e6;
    // The scheduler's figure moves in ticks: meaningless for short runs.
    let cpu = if best_cpu.is_finite() && best_cpu > 0.02 {
        format!("{:>6.1}", stats.wasm_code_bytes as f64 / best_cpu / 1e6)
    } else {
        format!("{:>6}", "-")
    };
    let ratio = stats.code_bytes as f64 / stats.wasm_code_bytes.max(1) as f64;
    let per_wasm = |bytes: usize| bytes as f64 / stats.wasm_code_bytes.max(1) as f64;
    println!(
        "{name:<16} {:>4}/{:<4} functions {:>10} wasm code bytes {:>8.1} MB/s ({} on CPU)  code {:>5.2}x  \
         offsets {:>4.2}x  op index {:>4.2}x",
        stats.translated,
        stats.functions,
        stats.wasm_code_bytes,
        mbps,
        cpu,
        ratio,
        per_wasm(stats.offset_bytes),
        per_wasm(stats.index_bytes),
    );
    if digest {
        // Every round translates the same module: one digest.
        assert!(digests.windows(2).all(|w| w[0] == w[1]), "{name}: digests differ between rounds");
        println!("{name:<16} ops digest {:016x}", digests[0]);
    }
}

/// The time this thread has run on a CPU (Linux's scheduler statistics),
/// so a figure taken while other jobs share the machine can be compared
/// with one taken on a quiet machine; `None` elsewhere.
fn on_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

fn main() {
    let mb: usize = std::env::var("WEFT_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let rounds: usize = std::env::var("WEFT_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if !paths.is_empty() {
        for path in paths {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let name = std::path::Path::new(&path).file_stem().map(|s| s.to_string_lossy().to_string());
            report(&name.unwrap_or(path), &bytes, rounds);
        }
        return;
    }
    report(&format!("generated {mb} MB"), &large_module(mb << 20, 1000), rounds);
    // Further modules by path (e.g. the real programs of `benches/real`).
    for path in std::env::var("WEFT_MODULES").unwrap_or_default().split(':').filter(|p| !p.is_empty()) {
        let name = std::path::Path::new(path).file_stem().unwrap().to_string_lossy().to_string();
        report(&name, &std::fs::read(path).unwrap(), rounds);
    }
    if std::env::var_os("WEFT_ONLY_GENERATED").is_some() {
        return;
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/programs");
    let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        // A C program's `.wasm` is its build; a WAT program has no `.wasm`.
        if ext == "wasm" || (ext == "wat" && !path.with_extension("wasm").exists()) {
            let bytes = if ext == "wat" { wat::parse_file(&path).unwrap() } else { std::fs::read(&path).unwrap() };
            report(&stem, &bytes, 20);
        }
    }
}
