//! Tail calls run in constant space: 10^6-deep mutual tail recursion with
//! `return_call` and with `return_call_indirect` completes on a thread with
//! a 256 KiB native stack, on both engines, with a call-depth limit far
//! below 10^6 (so a tail call that kept its caller's frame would trap
//! "call stack exhausted", and one that recursed natively would overflow).

use weft::{Config, Engine, EngineKind, Linker, Module, Store};

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(256 * 1024).spawn(f).unwrap().join().unwrap();
}

/// `even`/`odd` by mutual tail recursion, once through `return_call` and
/// once through `return_call_indirect` (a table of the two functions).
const PROGRAM: &str = r#"(module
    (type $t (func (param i64) (result i32)))
    (table funcref (elem $even_i $odd_i))
    (func $even (export "even") (param $n i64) (result i32)
        (if (result i32) (i64.eqz (local.get $n))
            (then (i32.const 1))
            (else (return_call $odd (i64.sub (local.get $n) (i64.const 1))))))
    (func $odd (export "odd") (param $n i64) (result i32)
        (if (result i32) (i64.eqz (local.get $n))
            (then (i32.const 0))
            (else (return_call $even (i64.sub (local.get $n) (i64.const 1))))))
    (func $even_i (export "even_indirect") (param $n i64) (result i32)
        (if (result i32) (i64.eqz (local.get $n))
            (then (i32.const 1))
            (else (return_call_indirect (type $t) (i64.sub (local.get $n) (i64.const 1)) (i32.const 1)))))
    (func $odd_i (export "odd_indirect") (param $n i64) (result i32)
        (if (result i32) (i64.eqz (local.get $n))
            (then (i32.const 0))
            (else (return_call_indirect (type $t) (i64.sub (local.get $n) (i64.const 1)) (i32.const 0))))))"#;

fn run(kind: EngineKind) {
    on_small_stack(move || {
        let mut config = Config::default();
        config.engine_kind(kind).max_call_depth(1_000);
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, PROGRAM).unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        for (name, n, expected) in [
            ("even", 1_000_000, 1),
            ("even", 1_000_001, 0),
            ("odd", 1_000_001, 1),
            ("even_indirect", 1_000_000, 1),
            ("odd_indirect", 1_000_000, 0),
            ("odd_indirect", 999_999, 1),
        ] {
            let f = instance.get_typed_func::<i64, i32, _>(&store, name).unwrap();
            assert_eq!(f.call(&mut store, n).unwrap(), expected, "{name}({n}) on {kind:?}");
        }
    });
}

#[test]
fn million_deep_tail_recursion_on_the_reference_engine() {
    run(EngineKind::Reference);
}

#[test]
fn million_deep_tail_recursion_on_the_threaded_engine() {
    run(EngineKind::Threaded);
}
