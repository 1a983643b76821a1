//! Robustness: random valid modules from wasm-smith are instantiated and
//! every exported function is called. Whatever the module does, weft must
//! answer with results, a trap or an error — never a panic, a hang or an
//! unbounded allocation (fuel and a store limiter bound the last two).

use arbitrary::Unstructured;
use weft_exec::{
    Config, Engine, Extern, Func, Global, ImportType, Instance, Memory, Module, Store, StoreLimits, Table, Val,
};

/// A small deterministic generator (xorshift64*), so every run sees the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn generate(rng: &mut Rng) -> Option<Vec<u8>> {
    let mut seed = vec![0u8; 512 + (rng.next() % 4096) as usize];
    for b in &mut seed {
        *b = rng.next() as u8;
    }
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

/// A stand-in for every import: host functions return zeros.
fn dummy_imports(store: &mut Store<StoreLimits>, module: &Module) -> Option<Vec<Extern>> {
    let mut imports = Vec::new();
    for (_, _, ty) in module.imports() {
        imports.push(match ty {
            ImportType::Func(index) => {
                let ty = module.decoded().types.get(*index as usize)?.as_func()?.clone();
                Extern::Func(Func::new(&mut *store, ty, |_, _, results| {
                    for r in results.iter_mut() {
                        *r = Val::default_for(r.ty());
                    }
                    Ok(())
                }))
            }
            ImportType::Table(ty) => Extern::Table(Table::new(&mut *store, *ty, Val::null_of(ty.element.heap)).ok()?),
            ImportType::Memory(ty) => Extern::Memory(Memory::new(&mut *store, *ty).ok()?),
            ImportType::Global(ty) => Extern::Global(Global::new(&mut *store, *ty, Val::default_for(ty.content)).ok()?),
            ImportType::Tag(_) => return None,
        });
    }
    Some(imports)
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
