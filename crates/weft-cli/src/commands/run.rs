//! `weft run`: run a WASI command (`_start`), or call one export with
//! `--invoke` and print its results.
//!
//! Exit codes: the program's `proc_exit` status (0 when `_start`
//! returns); 134 on a trap (as wasmtime), with the trap's message and wasm
//! backtrace on stderr; 1 when the module cannot be loaded or linked.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use weft::{Config, Engine, EngineKind, Error, ImportType, LinkError, Module, Trap, Val};
use weft_wasi::WasiCtx;

use super::wast::EngineArg;
use crate::input::read_module;
use crate::values::{format_val, parse_val};

/// The exit code of a run that trapped.
const TRAP_EXIT: u8 = 134;

/// Arguments of `weft run`.
#[derive(clap::Args)]
pub struct Args {
    /// Grant a host directory, seen by the guest as GUEST (default: the
    /// host path as written).
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Grant a host directory read-only.
    #[arg(long = "dir-ro", value_name = "HOST[::GUEST]")]
    dirs_read_only: Vec<String>,
    /// Set an environment variable for the guest.
    #[arg(long = "env", value_name = "K=V")]
    envs: Vec<String>,
    /// Call this export instead of `_start`, with ARGS parsed by its
    /// parameter types, and print its results one per line.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// Limit execution to N units of fuel (one per instruction).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// The engine to run on.
    #[arg(long, value_enum, default_value = "threaded")]
    engine: EngineArg,
    /// Make float and relaxed-SIMD results the same on every machine:
    /// NaNs produced by arithmetic are canonical, and relaxed SIMD
    /// instructions give their portable results instead of the host's
    /// fastest choice. Slower: calls then run on the reference engine.
    #[arg(long)]
    deterministic: bool,
    /// Validate function bodies on N threads (0: the machine's available
    /// parallelism, at most 8; 1: on one thread).
    #[arg(long, value_name = "N", default_value_t = 0)]
    validation_threads: usize,
    /// Print where startup went to stderr when the run ends: reading the
    /// file, decoding, validating, instantiating, and running (which
    /// includes translating each function on its first call).
    #[arg(long)]
    timings: bool,
    /// The module: `.wasm` or `.wat`.
    file: PathBuf,
    /// Arguments for the program (or for the invoked function).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Splits `HOST[::GUEST]`.
fn dir_spec(spec: &str) -> (&str, &str) {
    spec.split_once("::").unwrap_or((spec, spec))
}

/// A readable description of an import's type.
fn import_type(module: &Module, import_module: &str, name: &str) -> String {
    let mut funcs = 0;
    for (m, n, ty) in module.imports() {
        if m == import_module && n == name {
            return match ty {
                ImportType::Func(_) => {
                    module.decoded().func_type(funcs).map_or_else(|| "func".to_string(), |t| t.to_string())
                }
                other => format!("{other:?}"),
            };
        }
        if matches!(ty, ImportType::Func(_)) {
            funcs += 1;
        }
    }
    "?".to_string()
}

/// Prints a failed run and returns its exit code: a trap is 134, anything
/// else (link errors first of all) 1.
fn report(module: &Module, e: &Error) -> ExitCode {
    match e {
        Error::Trap(trap) => {
            eprintln!("error: wasm trap: {trap}");
            ExitCode::from(TRAP_EXIT)
        }
        Error::Link(LinkError::UnknownImport { module: m, name }) => {
            eprintln!(
                "error: unknown import `{m}::{name}` of type {}: not defined by WASI or the host",
                import_type(module, m, name)
            );
            ExitCode::from(1)
        }
        Error::Link(LinkError::IncompatibleImportType { module: m, name, reason }) => {
            eprintln!(
                "error: import `{m}::{name}` of type {} does not match the host's definition: {reason}",
                import_type(module, m, name)
            );
            ExitCode::from(1)
        }
        other => {
            eprintln!("error: {other}");
            ExitCode::from(1)
        }
    }
}

/// The phases `--timings` reports.
#[derive(Default)]
struct Timings {
    read: Duration,
    decode: Duration,
    validate: Duration,
    threads: usize,
    instantiate: Duration,
    run: Duration,
}

impl Timings {
    fn print(&self) {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let total = self.read + self.decode + self.validate + self.instantiate + self.run;
        eprintln!(
            "timings (ms): read {:.2}  decode {:.2}  validate {:.2} ({} threads)  instantiate {:.2}  run {:.2}  total {:.2}",
            ms(self.read),
            ms(self.decode),
            ms(self.validate),
            self.threads,
            ms(self.instantiate),
            ms(self.run),
            ms(total)
        );
    }
}

/// Runs `weft run`.
pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut timings = Timings::default();
    let result = run_timed(args, &mut timings);
    if args.timings {
        timings.print();
    }
    result
}

fn run_timed(args: &Args, timings: &mut Timings) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let bytes = read_module(&args.file)?;
    timings.read = start.elapsed();
    let mut config = Config::new();
    config.engine_kind(match args.engine {
        EngineArg::Threaded => EngineKind::Threaded,
        EngineArg::Reference => EngineKind::Reference,
    });
    if let Some(fuel) = args.fuel {
        config.consume_fuel(fuel);
    }
    config.deterministic_nans(args.deterministic);
    config.deterministic_relaxed_simd(args.deterministic);
    config.validation_threads(args.validation_threads);
    timings.threads = config.effective_validation_threads();
    let engine = Engine::new(&config);
    let (module, compile) =
        Module::from_binary_timed(&engine, bytes).map_err(|e| format!("{}: {e}", args.file.display()))?;
    timings.decode = compile.decode;
    timings.validate = compile.validate;
    let start = Instant::now();

    let mut builder = WasiCtx::builder();
    builder.inherit_stdio();
    if args.invoke.is_none() {
        builder.arg(args.file.display().to_string()).args(&args.args);
    }
    for kv in &args.envs {
        let (k, v) = kv.split_once('=').ok_or_else(|| format!("--env expects K=V, got `{kv}`"))?;
        builder.env(k, v);
    }
    for spec in &args.dirs {
        let (host, guest) = dir_spec(spec);
        builder.preopened_dir(host, guest);
    }
    for spec in &args.dirs_read_only {
        let (host, guest) = dir_spec(spec);
        builder.preopened_dir_read_only(host, guest);
    }
    let ctx = builder.build()?;

    let (mut store, instance) = match weft_wasi::instantiate(&engine, &module, ctx, |_| Ok(())) {
        Ok(pair) => pair,
        Err(e) => return Ok(report(&module, &e)),
    };
    timings.instantiate = start.elapsed();
    let start = Instant::now();
    let (name, params) = match &args.invoke {
        Some(name) => (name.as_str(), args.args.as_slice()),
        None => ("_start", &[][..]),
    };
    let func = instance.get_func(name).ok_or_else(|| match &args.invoke {
        Some(_) => format!("the module exports no function `{name}`"),
        None => "the module exports no `_start` function; use --invoke NAME to call an export".to_string(),
    })?;
    let ty = func.ty(&store)?;
    if ty.params().len() != params.len() {
        return Err(format!("`{name}` takes {} arguments ({ty}), got {}", ty.params().len(), params.len()).into());
    }
    let params = params.iter().zip(ty.params()).map(|(p, t)| parse_val(p, *t)).collect::<Result<Vec<_>, _>>()?;

    if args.invoke.is_some()
        && let Some(init) = instance.get_func("_initialize")
        && let Err(e) = init.call(&mut store, &[], &mut [])
    {
        timings.run = start.elapsed();
        return Ok(exit_or_report(&module, &e));
    }
    let result = func.call_vec(&mut store, &params);
    timings.run = start.elapsed();
    let code = match result {
        Ok(results) => {
            for r in &results {
                match r {
                    Val::AnyRef(_) | Val::Externalized(_) => println!("{}", store.describe_val(r, &module)),
                    r => println!("{}", format_val(r)),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => exit_or_report(&module, &e),
    };
    // The process ends now: its memory goes back to the OS whole, so the
    // store and the module are not freed piece by piece (on YoWASP
    // yosys, tens of thousands of function bodies and translated
    // functions). Nothing in them needs dropping to finish: the guest's
    // files are unbuffered, closed by the OS.
    std::mem::forget(store);
    std::mem::forget(module);
    Ok(code)
}

/// The exit code of a call that failed: the status of `proc_exit` (a
/// [`TrapKind::Exit`](weft::TrapKind::Exit) trap), or else the error
/// reported by [`report`].
fn exit_or_report(module: &Module, e: &Error) -> ExitCode {
    match e.as_trap().and_then(Trap::exit_status) {
        // A process exit status is one byte: larger statuses wrap, as
        // they would for a native program.
        Some(status) => ExitCode::from(status as u8),
        None => report(module, e),
    }
}
