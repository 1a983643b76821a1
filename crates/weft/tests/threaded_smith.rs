//! Differential test of the threaded engine against the reference engine:
//! random valid modules from wasm-smith, made to terminate by wasm-smith's
//! own fuel global (so neither engine needs `Config` fuel, which would put
//! both on the reference engine), run on both engines; every export is
//! called and the results or trap messages, exported globals and exported
//! memories must be identical.

mod common;

use arbitrary::Unstructured;
use common::{Rng, dummy_imports, seed_bytes};
use weft::{Config, Engine, EngineKind, Extern, Instance, Module, Store, Val};

/// A random module; with `wasm3`, also using memory64, several memories,
/// custom page sizes and wide arithmetic (tail calls are always on).
fn generate(rng: &mut Rng, wasm3: bool) -> Option<Vec<u8>> {
    let seed = seed_bytes(rng);
    let config = wasm_smith::Config {
        gc_enabled: false,
        custom_descriptors_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        threads_enabled: false,
        // What the threaded engine translates, so few functions fall back.
        simd_enabled: false,
        relaxed_simd_enabled: false,
        wide_arithmetic_enabled: wasm3,
        memory64_enabled: wasm3,
        custom_page_sizes_enabled: wasm3,
        max_memories: if wasm3 { 3 } else { 1 },
        max_tables: 3,
        min_funcs: 2,
        max_funcs: 20,
        max_instructions: 300,
        max_nesting_depth: 20,
        export_everything: true,
        ..wasm_smith::Config::default()
    };
    let mut module = wasm_smith::Module::new(config, &mut Unstructured::new(&seed)).ok()?;
    module.ensure_termination(2_000).ok()?;
    Some(module.to_bytes())
}

/// What one engine did with a module: per call, results or a trap
/// message; then the exported globals and memories.
#[derive(Debug, PartialEq)]
struct Observed {
    calls: Vec<Result<Vec<String>, String>>,
    globals: Vec<String>,
    /// Length and FNV-1a hash of each exported memory.
    memories: Vec<(usize, u64)>,
    /// A call exhausted the call stack (where the engines may differ).
    exhausted: bool,
}

/// A value as the two engines must agree on it (function references by
/// kind only: each engine runs in its own store).
fn norm(v: &Val) -> String {
    match v {
        Val::FuncRef(Some(_)) => "funcref".to_string(),
        v => format!("{v:?}"),
    }
}

fn observe(kind: EngineKind, bytes: &[u8]) -> Option<Observed> {
    let mut config = Config::default();
    config.engine_kind(kind).max_call_depth(1_000);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, bytes).ok()?;
    let mut store = Store::new(&engine, ());
    let imports = dummy_imports(&mut store, &module)?;
    let instance = Instance::new(&mut store, &module, &imports).ok()?;
    let exports: Vec<Extern> = instance.exports().map(|(_, e)| *e).collect();
    let mut observed = Observed { calls: Vec::new(), globals: Vec::new(), memories: Vec::new(), exhausted: false };
    for e in &exports {
        let Extern::Func(func) = e else { continue };
        let ty = func.ty(&store).ok()?;
        let args: Vec<Val> = ty.params().iter().map(|t| Val::default_for(*t)).collect();
        let r = func.call_vec(&mut store, &args).map(|vals| vals.iter().map(norm).collect()).map_err(|e| e.message());
        if r.as_ref().is_err_and(|m| m == "call stack exhausted") {
            observed.exhausted = true;
            break;
        }
        observed.calls.push(r);
    }
    for e in &exports {
        match e {
            Extern::Global(g) => observed.globals.push(norm(&g.get(&store).ok()?)),
            Extern::Memory(m) => {
                let data = m.data(&store).ok()?;
                let hash = data
                    .iter()
                    .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
                observed.memories.push((data.len(), hash));
            }
            _ => {}
        }
    }
    Some(observed)
}

#[test]
fn threaded_agrees_with_reference_on_random_modules() {
    agree_on_random_modules(0x7417_ead3_d00d, false, 150);
}

/// The same with memory64, multiple memories, custom page sizes and wide
/// arithmetic, which the threaded engine also translates.
#[test]
fn threaded_agrees_with_reference_on_random_wasm3_modules() {
    agree_on_random_modules(0x3a11_0c64_5eed, true, 60);
}

/// Compares the engines on `cases` random modules; most must run.
fn agree_on_random_modules(seed: u64, wasm3: bool, cases: usize) {
    let mut rng = Rng(seed);
    let (mut compared, mut calls) = (0, 0);
    for case in 0..cases {
        let Some(bytes) = generate(&mut rng, wasm3) else { continue };
        let (Some(reference), Some(threaded)) =
            (observe(EngineKind::Reference, &bytes), observe(EngineKind::Threaded, &bytes))
        else {
            continue;
        };
        if reference.exhausted || threaded.exhausted {
            continue;
        }
        if reference != threaded {
            let path = std::env::temp_dir().join(format!("weft-threaded-diff-{case}.wasm"));
            std::fs::write(&path, &bytes).unwrap();
            panic!(
                "case {case} differs (module written to {}):\nreference {reference:?}\nthreaded  {threaded:?}",
                path.display()
            );
        }
        compared += 1;
        calls += reference.calls.len();
    }
    assert!(compared > cases / 2 && calls > cases * 2 / 3, "too few cases: {compared} modules, {calls} calls");
}
