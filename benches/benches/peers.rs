//! Peer comparison, in two tables.
//!
//! First, each runtime as its own process (`peers/process.rs`): the release
//! `weft run` against `wasmi_cli` 2.0 and wasmtime, on every program in
//! `benches/programs/` and on the real WASI programs that
//! `benches/real/fetch.sh` put in `$WEFT_REAL_CACHE` (GCC's `cc1`, Yosys;
//! skipped, with the reason printed, when absent).
//!
//! Second, in one process: every program in `benches/programs/` on weft's
//! threaded engine (fuel off and on), weft's reference engine and wasmi 2.x
//! linked in as a crate.
//!
//! A program is a `.wat` file, or a `.wasm` file built from the C source
//! beside it by `benches/programs/build.sh`. Each exports `run: [] -> [i64]`
//! (`simd_checksum` exports `checksum` instead, and imports a WASI
//! `fd_write` that only its `_start` calls; the harness links a stub), and
//! the engines must agree on the checksum it returns.
//!
//! wasmi runs with its default build and configuration, which has no SIMD:
//! it skips the `simd_*` programs (shown as `-`, left out of the wasmi geomeans)
//! unless the bench is built with `--features wasmi-simd`.
//!
//! Per program it prints the checksum, the best of `WEFT_PEERS_REPS`
//! (default 5) timed calls per engine (2 for the slow reference engine),
//! taken round-robin across the engines so that load from elsewhere on the
//! machine falls on all of them, the ratios threaded/wasmi,
//! reference/wasmi and fuel-on/fuel-off, and at the end the geometric mean
//! of each ratio. "fuel" is the threaded engine
//! with `Config::consume_fuel(u64::MAX)`: fuel is counted, never runs out.
//!
//! ```text
//! cargo build --release -p weft-cli                    # the `weft` the process table runs
//! cargo bench -p weft-benches --bench peers            # both tables, all programs
//! cargo bench -p weft-benches --bench peers -- fib     # programs whose name contains "fib"
//! cargo bench -p weft-benches --bench peers -- --process cc1   # only the process table, only cc1
//! cargo bench -p weft-benches --bench peers -- --in-process    # only the in-process table
//! cargo bench -p weft-benches --bench peers --features wasmi-simd -- simd
//! WEFT_PEERS_REPS=10 WEFT_PEERS_PROCESS_REPS=5 cargo bench -p weft-benches --bench peers
//! ```
//!
//! In the in-process table compilation and instantiation are not timed;
//! only the call is. The process table times whole runs.

use std::path::Path;
use std::time::{Duration, Instant};

#[path = "peers/process.rs"]
mod process;

use weft::{Config, Engine, EngineKind, Linker, Module, Store};

/// The export each program is called through, in order of preference.
const ENTRY_POINTS: &[&str] = &["run", "checksum"];

/// One benchmark program, compiled to binary.
struct Program {
    name: String,
    wasm: Vec<u8>,
    /// The first of [`ENTRY_POINTS`] it exports.
    entry: &'static str,
}

/// Every `.wat` and `.wasm` file in `benches/programs/`, sorted by name.
fn programs() -> Vec<Program> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("programs");
    let mut programs: Vec<Program> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter_map(|path| {
            let wasm = match path.extension()?.to_str()? {
                "wat" => wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
                "wasm" => std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
                _ => return None,
            };
            let name = path.file_stem()?.to_str()?.to_string();
            let module = Module::new(&Engine::default(), &wasm).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let entry = *ENTRY_POINTS
                .iter()
                .find(|entry| module.exports().any(|(name, _)| name == **entry))
                .unwrap_or_else(|| panic!("{} exports none of {ENTRY_POINTS:?}", path.display()));
            Some(Program { name, wasm, entry })
        })
        .collect();
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    programs
}

/// One timed call of the entry point on a fresh instance (so memory starts
/// the same every time): the checksum and the time of the call alone.
type Runner = Box<dyn FnMut() -> (i64, Duration)>;

/// A [`Runner`] for weft with `kind`, fuel counted if `fuel`.
fn weft(kind: EngineKind, fuel: bool, wasm: &[u8]) -> Runner {
    let mut config = Config::default();
    config.engine_kind(kind);
    if fuel {
        config.consume_fuel(u64::MAX);
    }
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wasm).expect("weft compiles the program");
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("wasi_snapshot_preview1", "fd_write", |_: i32, _: i32, _: i32, _: i32| -> i32 { 52 })
        .expect("defines the stub");
    Box::new(move || {
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).expect("instantiates");
        let run = ENTRY_POINTS
            .iter()
            .find_map(|name| instance.get_typed_func::<(), i64, _>(&store, name).ok())
            .expect("exports run");
        let start = Instant::now();
        let checksum = run.call(&mut store, ()).expect("runs");
        (checksum, start.elapsed())
    })
}

/// A [`Runner`] for wasmi with its default configuration; `Err` with
/// wasmi's message if it does not compile the program (SIMD without the
/// `wasmi-simd` feature).
fn wasmi(wasm: &[u8]) -> Result<Runner, wasmi::Error> {
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, wasm)?;
    let mut linker = wasmi::Linker::<()>::new(&engine);
    linker
        .func_wrap("wasi_snapshot_preview1", "fd_write", |_: i32, _: i32, _: i32, _: i32| -> i32 { 52 })
        .expect("defines the stub");
    Ok(Box::new(move || {
        let mut store = wasmi::Store::new(&engine, ());
        let instance = linker.instantiate_and_start(&mut store, &module).expect("instantiates");
        let run = ENTRY_POINTS
            .iter()
            .find_map(|name| instance.get_typed_func::<(), i64>(&store, name).ok())
            .expect("exports run");
        let start = Instant::now();
        let checksum = run.call(&mut store, ()).expect("runs");
        (checksum, start.elapsed())
    }))
}

/// The fastest of an engine's calls, and the checksum all of them returned.
#[derive(Default)]
struct Best {
    checksum: Option<i64>,
    time: Option<Duration>,
}

impl Best {
    fn record(&mut self, program: &str, (checksum, time): (i64, Duration)) {
        assert!(
            self.checksum.is_none_or(|c| c == checksum),
            "{program}: the checksum changed between calls on the same engine"
        );
        self.checksum = Some(checksum);
        self.time = Some(self.time.map_or(time, |t| t.min(time)));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Running geometric mean of ratios.
#[derive(Default)]
struct Geomean {
    log_sum: f64,
    count: u32,
}

impl Geomean {
    fn add(&mut self, a: Duration, b: Duration) -> f64 {
        let ratio = a.as_secs_f64() / b.as_secs_f64();
        self.log_sum += ratio.ln();
        self.count += 1;
        ratio
    }

    fn value(&self) -> f64 {
        (self.log_sum / f64::from(self.count)).exp()
    }

    fn merge(&mut self, other: &Geomean) {
        self.log_sum += other.log_sum;
        self.count += other.count;
    }
}

/// The machine's load average (`/proc/loadavg`), or why it is unknown.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(|e| format!("unknown ({e})"), |l| l.trim().to_string())
}

/// A table cell: milliseconds or a ratio to two places, `-` if absent.
fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.2}"))
}

/// A repetition count from the environment.
fn reps(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|s| s.parse().ok()).unwrap_or(default).max(1)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filter = args.iter().find(|a| !a.starts_with('-')).cloned();
    let only_process = args.iter().any(|a| a == "--process");
    let only_in_process = args.iter().any(|a| a == "--in-process");
    let programs = programs();
    let mut agree = true;
    if !only_in_process {
        agree = process::table(&programs, filter.as_deref(), reps("WEFT_PEERS_PROCESS_REPS", 3));
    }
    if !only_process {
        in_process_table(programs, filter.as_deref(), reps("WEFT_PEERS_REPS", 5));
    }
    assert!(agree, "the runtimes disagreed on an output (see the notes above)");
}

/// The in-process table: weft's engines and wasmi linked into this binary.
fn in_process_table(programs: Vec<Program>, filter: Option<&str>, reps: usize) {
    println!("== In one process (best of {reps} calls, the call alone) ==");
    println!("load average at start: {}", load_average());
    println!(
        "{:<14} {:>20} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9}",
        "program", "checksum", "threaded", "fuel", "reference", "wasmi", "thr/wasmi", "ref/wasmi", "fuel/thr"
    );
    println!("{:<14} {:>20} {:>10} {:>10} {:>10} {:>10}", "", "", "(ms)", "(ms)", "(ms)", "(ms)");
    let (mut threaded_wasmi, mut reference_wasmi, mut fuel_threaded) =
        (Geomean::default(), Geomean::default(), Geomean::default());
    let mut skipped = Vec::new();
    for Program { name, wasm, .. } in programs {
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let mut wasmi = wasmi(&wasm).map_err(|e| skipped.push(format!("{name}: {e}"))).ok();
        let mut threaded = weft(EngineKind::Threaded, false, &wasm);
        let mut fuel = weft(EngineKind::Threaded, true, &wasm);
        let mut reference = weft(EngineKind::Reference, false, &wasm);
        let (mut w, mut t, mut f, mut r) = (Best::default(), Best::default(), Best::default(), Best::default());
        // Round-robin, so a change in the machine's load hits every engine.
        for rep in 0..reps {
            if let Some(run) = &mut wasmi {
                w.record(&name, run());
            }
            t.record(&name, threaded());
            f.record(&name, fuel());
            if rep < 2 {
                r.record(&name, reference());
            }
        }
        let checksum = r.checksum.expect("at least one rep");
        assert_eq!(t.checksum, Some(checksum), "{name}: threaded and reference disagree");
        assert_eq!(f.checksum, Some(checksum), "{name}: threaded with fuel and reference disagree");
        if let Some(w_sum) = w.checksum {
            assert_eq!(w_sum, checksum, "{name}: wasmi and weft disagree");
        }
        let (t, f, r, w) = (t.time.unwrap(), f.time.unwrap(), r.time.unwrap(), w.time);
        println!(
            "{:<14} {:>20} {:>10.2} {:>10.2} {:>10.2} {:>10} {:>9} {:>9} {:>9.2}",
            name,
            checksum,
            ms(t),
            ms(f),
            ms(r),
            cell(w.map(ms)),
            cell(w.map(|w| threaded_wasmi.add(t, w))),
            cell(w.map(|w| reference_wasmi.add(r, w))),
            fuel_threaded.add(f, t),
        );
    }
    for reason in &skipped {
        println!("wasmi skipped {reason}");
    }
    if fuel_threaded.count > 0 {
        println!(
            "geomean: threaded/wasmi {} and reference/wasmi {} over {} programs; fuel-on/fuel-off {:.2} over {}",
            cell((threaded_wasmi.count > 0).then(|| threaded_wasmi.value())),
            cell((reference_wasmi.count > 0).then(|| reference_wasmi.value())),
            threaded_wasmi.count,
            fuel_threaded.value(),
            fuel_threaded.count,
        );
    }
    println!("load average at end: {}", load_average());
}
