//! The threaded engine against the reference engine on small programs
//! that exercise the translator's operand folding, branches and calls.

use weft_exec::{Config, Engine, EngineKind, Instance, Linker, Module, Store, Val};

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
