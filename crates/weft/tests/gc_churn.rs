//! The collector under load: the GC benchmark programs of
//! `benches/programs/gc/` finish with a bounded heap and peak RSS.
//! One test per binary (RSS is per process).

use std::time::Instant;

use weft::{Config, Engine, EngineKind, Features, Linker, Module, Store, Val};

const CHURN: &str = include_str!("../../../benches/programs/gc/list_churn.wat");
const TREES: &str = include_str!("../../../benches/programs/gc/binary_trees.wat");

fn engine(kind: EngineKind) -> Engine {
    let mut config = Config::new();
    config.engine_kind(kind).features(Features { gc: true, ..Features::default() });
    Engine::new(&config)
}

fn module(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, wat).expect("a valid GC module")
}

fn run(engine: &Engine, wat: &str, export: &str, arg: Val) -> (i64, weft::GcStats, f64) {
    let m = module(engine, wat);
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine).instantiate(&mut store, &m).expect("instantiate");
    let f = instance.get_func(export).expect(export);
    let mut out = [Val::I64(0)];
    let start = Instant::now();
    f.call(&mut store, &[arg], &mut out).expect("run");
    (out[0].i64().expect("i64"), store.gc_stats(), start.elapsed().as_secs_f64())
}

/// Peak resident set of this process, from `/proc/self/status` (Linux).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

fn nodes(depth: u32) -> i64 {
    (1i64 << (depth + 1)) - 1
}

/// What `binary_trees.wat`'s `depth(max)` returns.
fn trees_checksum(max: u32) -> i64 {
    let mut sum = nodes(max + 1) + nodes(max);
    let mut d = 4;
    while d <= max {
        sum += (1i64 << (max - d + 4)) * nodes(d);
        d += 2;
    }
    sum
}

#[test]
fn churn_and_trees_run_in_a_bounded_heap() {
    let engine = engine(EngineKind::Reference);
    // 3 * 10^6 nodes of ~100 bytes: 300 MB if nothing were freed.
    let n: i64 = 3_000_000;
    let (sum, stats, _) = run(&engine, CHURN, "churn", Val::I64(n));
    assert_eq!(sum, n * (n - 1) / 2);
    assert_eq!(stats.allocated, n as u64);
    // At the end only the garbage since the last collection (at most one
    // threshold: 1 MiB of 32-byte nodes) is still in the heap.
    assert!(stats.collections > 50 && stats.live_objects < 40_000, "{stats:?}");
    assert!(stats.peak_bytes < 4 << 20, "the heap stays near one collection threshold: {stats:?}");

    let (sum, stats, _) = run(&engine, TREES, "depth", Val::I32(14));
    assert_eq!(sum, trees_checksum(14));
    // The long-lived tree of depth 14 (32 Ki nodes) plus garbage.
    assert!(stats.collections > 0 && stats.peak_bytes < 16 << 20, "{stats:?}");

    if let Some(rss) = peak_rss_bytes() {
        assert!(rss < 256 << 20, "peak RSS {} MiB", rss >> 20);
    }
}

/// The allocation rate (objects/s) on each engine, for docs/PERFORMANCE.md:
/// `cargo test -p weft --test gc_churn -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn allocation_rate() {
    for kind in [EngineKind::Reference, EngineKind::Threaded] {
        let engine = engine(kind);
        let n = 10_000_000i64;
        let (_, stats, secs) = run(&engine, CHURN, "churn", Val::I64(n));
        println!(
            "{kind:?} list_churn 10^7: {secs:.2} s, {:.2} M objects/s, {} collections, peak heap {} KiB, peak RSS {} MiB",
            stats.allocated as f64 / secs / 1e6,
            stats.collections,
            stats.peak_bytes >> 10,
            peak_rss_bytes().unwrap_or(0) >> 20
        );
        let (sum, stats, secs) = run(&engine, TREES, "depth", Val::I32(16));
        assert_eq!(sum, trees_checksum(16));
        println!(
            "{kind:?} binary_trees depth 16: {secs:.2} s, {:.2} M objects/s, {} collections, peak heap {} KiB",
            stats.allocated as f64 / secs / 1e6,
            stats.collections,
            stats.peak_bytes >> 10
        );
    }
}
