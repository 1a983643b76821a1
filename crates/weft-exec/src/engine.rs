//! [`Engine`] and its [`Config`]: which interpreter runs, which features
//! modules may use, and the limits every store of the engine obeys.

use std::sync::Arc;

use weft_decode::Features;

use crate::executor::{Executor, Executors};

/// Which interpreter executes wasm code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineKind {
    /// The fast threaded-dispatch interpreter (register-style translated
    /// code, crate `weft-threaded`). Functions it declines (atomics,
    /// exception handling inside `v128` code, modules with GC types) run on
    /// the reference interpreter, and so does everything when
    /// deterministic NaNs are enabled ([`Module::fallbacks`](crate::Module::fallbacks)
    /// says which and why). Fuel is charged per block.
    #[default]
    Threaded,
    /// The readable reference interpreter shaped like the spec's execution
    /// chapter, with an explicit operand, label and frame stack (crate
    /// `weft-reference`).
    Reference,
}

/// Engine configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The interpreter.
    pub kind: EngineKind,
    /// The WebAssembly features modules may use.
    pub features: Features,
    /// If set, every store starts with this much fuel; each executed
    /// instruction costs one unit, and running out traps with
    /// [`TrapKind::OutOfFuel`](crate::TrapKind::OutOfFuel).
    pub fuel: Option<u64>,
    /// The maximum number of active frames (wasm and host) in one store;
    /// one more traps with "call stack exhausted".
    pub max_call_depth: usize,
    /// The maximum nesting of host-to-wasm re-entries (a host function that
    /// calls wasm that calls the host...). Each re-entry uses native stack,
    /// so this bound is what keeps re-entrant recursion from overflowing it.
    pub max_reentry_depth: usize,
    /// The most native stack, in bytes, that nested host-to-wasm calls
    /// may use, measured from the outermost call into wasm of a store to
    /// each nested one (wasmtime's `max_wasm_stack`). A re-entry beyond it
    /// traps with "call stack exhausted". Wasm-to-wasm calls never use
    /// native stack; each host re-entry uses a few KiB (more in debug
    /// builds), so this bound — not only [`Config::max_reentry_depth`] —
    /// is what keeps re-entrant recursion from overflowing a small thread
    /// stack. Keep it well below the stack size of any thread that runs
    /// wasm: the default, 128 KiB, suits threads of 256 KiB and more.
    pub max_native_stack: usize,
    /// The maximum number of values (locals and operands) all active wasm
    /// frames of one call may hold; a call that would exceed it traps with
    /// "call stack exhausted". Bounds the memory a deep recursion through
    /// functions with many locals can claim.
    pub max_value_stack: usize,
    /// Make every NaN produced by float arithmetic the canonical NaN (sign
    /// kept), so results do not depend on the host CPU's NaN payloads.
    /// Bit operations (`abs`, `neg`, `copysign`, reinterpret, loads) keep
    /// their bits as the spec requires.
    pub deterministic_nans: bool,
    /// Give every relaxed SIMD instruction weft's portable, deterministic
    /// result (the spec's deterministic profile: `relaxed_madd` unfused,
    /// `relaxed_swizzle` as `swizzle`, ...; see
    /// [`simd::relaxed`](crate::simd) and the table in `docs/ARCHITECTURE.md`)
    /// instead of the host's native one (off by default). The native
    /// choice is fixed per machine (a fused multiply-add where the CPU has
    /// one, x86-64's `pshufb`, `minps`, `cvttps2dq` readings elsewhere), so
    /// a module can give different results on different hosts; with this
    /// on, every host gives the same.
    pub deterministic_relaxed_simd: bool,
    /// Let running wasm be stopped from another thread through a store's
    /// [`InterruptHandle`](crate::InterruptHandle) (off by default, like
    /// wasmtime's epoch interruption). When on, both engines check the
    /// store's interrupt flag at every function entry and loop iteration
    /// and trap with [`TrapKind::Interrupted`](crate::TrapKind::Interrupted)
    /// once it is set; when off, the threaded engine's code holds no checks
    /// and the reference engine tests one boolean per loop iteration.
    pub interruptible: bool,
    /// How many threads validate a module's function bodies in
    /// [`Module::new`](crate::Module::new): 0 (the default) for the
    /// machine's available parallelism (at most 8), 1 to validate on the
    /// calling thread only. Small modules are always validated on one
    /// thread. The verdict, and the error reported for an invalid module
    /// (that of its lowest-index invalid function), never depend on it.
    pub validation_threads: usize,
    /// Collect the GC heap before every allocation (GC stress testing:
    /// a program must give the same results with it on). Off by default.
    pub gc_stress: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            kind: EngineKind::default(),
            features: Features::default(),
            fuel: None,
            max_call_depth: 10_000,
            max_reentry_depth: 100,
            max_native_stack: 128 * 1024,
            max_value_stack: 1 << 20,
            deterministic_nans: false,
            deterministic_relaxed_simd: false,
            interruptible: false,
            validation_threads: 0,
            gc_stress: false,
        }
    }
}

impl Config {
    /// The default configuration.
    pub fn new() -> Self {
        Config::default()
    }

    /// Chooses the interpreter.
    pub fn engine_kind(&mut self, kind: EngineKind) -> &mut Self {
        self.kind = kind;
        self
    }

    /// Sets the enabled features.
    pub fn features(&mut self, features: Features) -> &mut Self {
        self.features = features;
        self
    }

    /// Enables fuel with `initial` units per new store (see [`Config::fuel`]).
    pub fn consume_fuel(&mut self, initial: u64) -> &mut Self {
        self.fuel = Some(initial);
        self
    }

    /// Sets the maximum call depth.
    pub fn max_call_depth(&mut self, depth: usize) -> &mut Self {
        self.max_call_depth = depth;
        self
    }

    /// Canonicalizes NaNs produced by float arithmetic (see [`Config::deterministic_nans`]).
    pub fn deterministic_nans(&mut self, on: bool) -> &mut Self {
        self.deterministic_nans = on;
        self
    }

    /// Gives relaxed SIMD instructions the portable deterministic results
    /// (see [`Config::deterministic_relaxed_simd`]).
    pub fn deterministic_relaxed_simd(&mut self, on: bool) -> &mut Self {
        self.deterministic_relaxed_simd = on;
        self
    }

    /// Sets the maximum number of values on the value stack (see [`Config::max_value_stack`]).
    pub fn max_value_stack(&mut self, values: usize) -> &mut Self {
        self.max_value_stack = values;
        self
    }

    /// Lets running wasm be interrupted from another thread (see
    /// [`Config::interruptible`] and [`Store::interrupt_handle`](crate::Store::interrupt_handle)).
    pub fn interruptible(&mut self, on: bool) -> &mut Self {
        self.interruptible = on;
        self
    }

    /// Collects the GC heap before every allocation (see [`Config::gc_stress`]).
    pub fn gc_stress(&mut self, on: bool) -> &mut Self {
        self.gc_stress = on;
        self
    }

    /// Sets the native stack budget of nested host-to-wasm calls (see
    /// [`Config::max_native_stack`]).
    pub fn max_native_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_native_stack = bytes;
        self
    }

    /// Sets how many threads validate function bodies (see
    /// [`Config::validation_threads`]; 0 is automatic, 1 turns parallel
    /// validation off).
    pub fn validation_threads(&mut self, threads: usize) -> &mut Self {
        self.validation_threads = threads;
        self
    }

    /// The number of threads [`Config::validation_threads`] stands for.
    pub fn effective_validation_threads(&self) -> usize {
        match self.validation_threads {
            0 => weft_validate::default_threads(),
            n => n,
        }
    }

    /// Sets the maximum host-to-wasm re-entry depth.
    pub fn max_reentry_depth(&mut self, depth: usize) -> &mut Self {
        self.max_reentry_depth = depth;
        self
    }
}

/// A configured execution engine; cheap to clone, shared by modules and stores.
///
/// It holds the configuration and the two executors the seam
/// ([`executor`](crate::executor)) runs wasm on: the configured one and
/// the fallback for the functions it declines.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Arc<Config>,
    executors: Option<Executors>,
    /// The canonical types of every module compiled for this engine.
    types: Arc<crate::gc::TypeRegistry>,
}

impl Default for Engine {
    /// [`Engine::new`] with the default configuration.
    fn default() -> Self {
        Engine::new(&Config::default())
    }
}

impl Engine {
    /// An engine with `config` and no executor: modules compile and
    /// validate, stores and instances can be made, but calling wasm fails
    /// with a trap saying no executor is installed. This crate holds no
    /// interpreter — the engines live in `weft-threaded` and
    /// `weft-reference` — so `weft::Engine::new`, which wires
    /// [`Config::kind`] to them, is the constructor to use; this one and
    /// [`Engine::with_executors`] are for the layers below it.
    pub fn new(config: &Config) -> Self {
        Engine { config: Arc::new(config.clone()), executors: None, types: Arc::default() }
    }

    /// An engine with `config` that runs wasm on `executor`, and the
    /// functions it declines on `fallback` (which must run every function;
    /// see [`Executor`]).
    pub fn with_executors(config: &Config, executor: Arc<dyn Executor>, fallback: Arc<dyn Executor>) -> Self {
        Engine {
            config: Arc::new(config.clone()),
            executors: Some(Executors { primary: executor, fallback }),
            types: Arc::default(),
        }
    }

    /// The executors, if any were given.
    pub(crate) fn executors(&self) -> Option<&Executors> {
        self.executors.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether two engines share one type registry (clones of one engine).
    pub(crate) fn same_types(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.types, &other.types)
    }

    /// The registry of canonical types shared by this engine's modules.
    pub(crate) fn type_registry(&self) -> &crate::gc::TypeRegistry {
        &self.types
    }
}
