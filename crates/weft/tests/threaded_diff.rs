//! The threaded engine against the reference engine on small programs
//! that exercise the translator's operand folding, branches and calls.

use weft::{Config, Engine, EngineKind, Instance, Linker, Module, Store, Val};

fn run(kind: EngineKind, wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>, String> {
    let mut config = Config::default();
    config.engine_kind(kind);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wat).map_err(|e| e.to_string())?;
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "inc", |x: i32| x + 1).map_err(|e| e.to_string())?;
    let instance: Instance = linker.instantiate(&mut store, &module).map_err(|e| e.to_string())?;
    let f = instance.get_func(name).ok_or("no export")?;
    f.call_vec(&mut store, args).map_err(|e| e.to_string())
}

/// Runs `name` on both engines and checks they agree.
fn same(wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>, String> {
    let r = run(EngineKind::Reference, wat, name, args);
    let t = run(EngineKind::Threaded, wat, name, args);
    assert_eq!(t, r, "{name}({args:?})");
    t
}

#[test]
fn host_call_result_is_used() {
    let wat = r#"(module
        (import "env" "inc" (func $inc (param i32) (result i32)))
        (func (export "f") (param i32) (result i32)
            (i32.add (i32.const 1) (call $inc (local.get 0)))))"#;
    assert_eq!(same(wat, "f", &[Val::I32(5)]), Ok(vec![Val::I32(7)]));
}

#[test]
fn if_else_results() {
    let wat = r#"(module
        (func (export "f") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0))
                (then (i32.const 7))
                (else (i32.add (i32.const 1) (local.get 0))))))"#;
    for x in [0, 1, 41] {
        same(wat, "f", &[Val::I32(x)]).unwrap();
    }
}

/// Fuel used by `spin(n)` on `kind`, or the trap message.
fn fuel_used(kind: EngineKind, n: i32, fuel: u64) -> Result<u64, String> {
    let wat = r#"(module
        (func (export "spin") (param $n i32) (result i32) (local $i i32)
            (loop $l
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
            (local.get $i)))"#;
    let mut config = Config::default();
    config.engine_kind(kind).consume_fuel(fuel);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let spin = instance.get_typed_func::<i32, i32, _>(&store, "spin").unwrap();
    let r = spin.call(&mut store, n);
    let left = store.get_fuel().unwrap();
    match r {
        Ok(v) => {
            assert_eq!(v, n);
            Ok(fuel - left)
        }
        Err(e) => {
            assert_eq!(left, 0, "a fuel trap leaves no fuel");
            Err(e.message())
        }
    }
}

#[test]
fn fuel_is_charged_per_block() {
    // Per block, the threaded engine charges the block's instruction count
    // up front: the same total as the reference engine's per-instruction
    // charge, give or take the block boundaries (`loop`, `end`).
    let reference = fuel_used(EngineKind::Reference, 1000, 1_000_000).unwrap();
    let threaded = fuel_used(EngineKind::Threaded, 1000, 1_000_000).unwrap();
    assert!(threaded.abs_diff(reference) <= reference / 10, "threaded {threaded}, reference {reference}");
    // Running out traps the same way on both, with no fuel left.
    assert_eq!(fuel_used(EngineKind::Threaded, 1000, 100), Err("all fuel consumed".to_string()));
    assert_eq!(fuel_used(EngineKind::Reference, 1000, 100), Err("all fuel consumed".to_string()));
}
