//! Robustness: random valid modules from wasm-smith are instantiated and
//! every exported function is called. Whatever the module does, weft must
//! answer with results, a trap or an error — never a panic, a hang or an
//! unbounded allocation (fuel and a store limiter bound the last two).

mod common;

use arbitrary::Unstructured;
use common::{Rng, dummy_imports, seed_bytes};
use weft::{Config, Engine, Func, Instance, Module, Store, StoreLimits, Val};

fn generate(rng: &mut Rng) -> Option<Vec<u8>> {
    let seed = seed_bytes(rng);
    let config = wasm_smith::Config {
        gc_enabled: false,
        custom_descriptors_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        threads_enabled: false,
        custom_page_sizes_enabled: true,
        tail_call_enabled: true,
        wide_arithmetic_enabled: true,
        max_memories: 2,
        max_tables: 3,
        min_funcs: 2,
        max_funcs: 20,
        max_instructions: 300,
        max_nesting_depth: 20,
        export_everything: true,
        ..wasm_smith::Config::default()
    };
    let module = wasm_smith::Module::new(config, &mut Unstructured::new(&seed)).ok()?;
    Some(module.to_bytes())
}

#[test]
fn random_modules_never_panic() {
    let mut config = Config::default();
    config.consume_fuel(20_000).max_call_depth(2_000);
    let engine = Engine::new(&config);
    let mut rng = Rng(0x005e_ed0f_7eef);
    let (mut ran, mut calls, mut returned) = (0, 0, 0);
    for _ in 0..300 {
        let Some(bytes) = generate(&mut rng) else { continue };
        let Ok(module) = Module::new(&engine, &bytes) else { continue };
        let limits = StoreLimits { max_memory_bytes: 1 << 24, max_table_elements: 10_000 };
        let mut store = Store::new(&engine, limits);
        store.limiter(|limits| limits);
        let Some(imports) = dummy_imports(&mut store, &module) else { continue };
        let Ok(instance) = Instance::new(&mut store, &module, &imports) else { continue };
        ran += 1;
        let funcs: Vec<Func> = instance.exports().filter_map(|(_, e)| e.into_func()).collect();
        for func in funcs {
            let ty = func.ty(&store).unwrap();
            let args: Vec<Val> = ty.params().iter().map(|t| Val::default_for(*t)).collect();
            store.set_fuel(20_000).unwrap();
            match func.call_vec(&mut store, &args) {
                Ok(_) => returned += 1,
                Err(e) => assert!(e.as_trap().is_some(), "a call failed without a trap: {e}"),
            }
            calls += 1;
        }
    }
    assert!(
        ran > 100 && calls > 200 && returned > 50,
        "too few cases: {ran} modules, {calls} calls, {returned} returned"
    );
}
