//! A trap's printed backtrace stays short for library users too: a
//! runaway recursion (direct, or two functions calling each other) prints
//! its repeated frames once with a count, in under 40 lines, on both
//! engines, while [`Trap::backtrace`] keeps every frame.

use weft::{Config, Engine, EngineKind, Module, Store, TrapKind};

fn trap_of(kind: EngineKind, wat: &str) -> weft::Trap {
    let mut config = Config::new();
    config.engine_kind(kind).max_call_depth(10_000);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = weft::Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), (), _>(&store, "run").unwrap();
    let err = run.call(&mut store, ()).unwrap_err();
    err.as_trap().expect("a trap").clone()
}

#[test]
fn a_recursion_prints_one_frame_and_a_count() {
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let trap = trap_of(kind, r#"(module $m (func $r (call $r)) (func (export "run") (call $r)))"#);
        assert_eq!(trap.kind(), &TrapKind::CallStackExhausted, "{kind:?}");
        assert!(trap.backtrace().len() > 9_000, "{kind:?}: every frame is kept");
        let text = trap.to_string();
        assert!(text.lines().count() < 40, "{kind:?}: {text}");
        assert!(text.contains(" more frames of m!r"), "{kind:?}: {text}");
        // The outermost frame (the export) is still shown.
        assert!(text.lines().last().unwrap().contains("m!<wasm function 1>"), "{kind:?}: {text}");
    }
}

#[test]
fn a_mutual_recursion_collapses_as_a_cycle() {
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let trap =
            trap_of(kind, r#"(module $m (func $a (call $b)) (func $b (call $a)) (func (export "run") (call $a)))"#);
        let text = trap.to_string();
        assert!(text.lines().count() < 40, "{kind:?}: {text}");
        assert!(text.contains(" more frames repeating the 2 above"), "{kind:?}: {text}");
    }
}
