//! Peer comparison: every program in `benches/programs/` (except the WASI
//! SIMD one) on weft's threaded engine, weft's reference engine and wasmi
//! 2.x, in one run on one machine. Each exports `run: [] -> [i64]`, a
//! checksum; the three engines must agree on it. Per program it prints the
//! best of `WEFT_PEERS_REPS` (default 5) timed calls per engine, the ratio
//! threaded/wasmi, and at the end the geometric mean of the ratios.
//!
//! ```text
//! cargo bench -p weft-benches --bench peers            # all programs
//! cargo bench -p weft-benches --bench peers -- fib     # programs whose name contains "fib"
//! ```
//!
//! Compilation and instantiation are not timed; only `run` is.

use std::time::{Duration, Instant};

use weft_exec::{Config, Engine, EngineKind, Linker, Module, Store};

const PROGRAMS: &[(&str, &str)] = &[
    ("fib", include_str!("../programs/fib.wat")),
    ("sieve", include_str!("../programs/sieve.wat")),
    ("i64_arith", include_str!("../programs/i64_arith.wat")),
    ("nbody_lite", include_str!("../programs/nbody_lite.wat")),
    ("hash", include_str!("../programs/hash.wat")),
    ("br_table", include_str!("../programs/br_table.wat")),
];

/// Times `run` `reps` times (each on a fresh instance, so memory starts
/// the same), returning the checksum and the fastest time.
fn weft(kind: EngineKind, wasm: &[u8], reps: usize) -> (i64, Duration) {
    let mut config = Config::default();
    config.engine_kind(kind);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wasm).expect("weft compiles the program");
    let mut best = Duration::MAX;
    let mut checksum = 0;
    for _ in 0..reps {
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).expect("instantiates");
        let run = instance.get_typed_func::<(), i64, _>(&store, "run").expect("exports run");
        let start = Instant::now();
        checksum = run.call(&mut store, ()).expect("runs");
        best = best.min(start.elapsed());
    }
    (checksum, best)
}

fn wasmi(wasm: &[u8], reps: usize) -> (i64, Duration) {
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, wasm).expect("wasmi compiles the program");
    let mut best = Duration::MAX;
    let mut checksum = 0;
    for _ in 0..reps {
        let mut store = wasmi::Store::new(&engine, ());
        let linker = wasmi::Linker::<()>::new(&engine);
        let instance = linker.instantiate_and_start(&mut store, &module).expect("instantiates");
        let run = instance.get_typed_func::<(), i64>(&store, "run").expect("exports run");
        let start = Instant::now();
        checksum = run.call(&mut store, ()).expect("runs");
        best = best.min(start.elapsed());
    }
    (checksum, best)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let reps: usize = std::env::var("WEFT_PEERS_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    println!(
        "{:<12} {:>14} {:>14} {:>12} {:>14} {:>16}",
        "program", "threaded (ms)", "reference (ms)", "wasmi (ms)", "threaded/wasmi", "reference/wasmi"
    );
    let mut log_sum = 0.0;
    let mut count = 0;
    for (name, wat) in PROGRAMS {
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let wasm = wat::parse_str(wat).expect("valid WAT");
        let (t_sum, t) = weft(EngineKind::Threaded, &wasm, reps);
        let (r_sum, r) = weft(EngineKind::Reference, &wasm, reps.min(2));
        let (w_sum, w) = wasmi(&wasm, reps);
        assert_eq!(t_sum, w_sum, "{name}: threaded and wasmi disagree");
        assert_eq!(r_sum, w_sum, "{name}: reference and wasmi disagree");
        let ratio = t.as_secs_f64() / w.as_secs_f64();
        log_sum += ratio.ln();
        count += 1;
        println!(
            "{:<12} {:>14.2} {:>14.2} {:>12.2} {:>14.2} {:>16.2}",
            name,
            ms(t),
            ms(r),
            ms(w),
            ratio,
            r.as_secs_f64() / w.as_secs_f64()
        );
    }
    if count > 0 {
        println!("geomean threaded/wasmi: {:.2}", (log_sum / f64::from(count)).exp());
    }
}
