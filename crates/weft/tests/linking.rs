//! Cross-module linking: one instance's exports as another's imports.

use weft::{Engine, Linker, Module, Store, Val};

#[test]
fn exports_are_shared_not_copied() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let a = Module::new(
        &engine,
        r#"(module
            (memory (export "mem") 1)
            (global (export "counter") (mut i32) (i32.const 0))
            (table (export "table") 1 funcref)
            (func $get (export "get") (result i32) (i32.load (i32.const 0)))
            (elem (i32.const 0) $get))"#,
    )
    .unwrap();
    let a = linker.instantiate(&mut store, &a).unwrap();
    linker.instance("a", &a).unwrap();
    let b = Module::new(
        &engine,
        r#"(module
            (import "a" "mem" (memory 1))
            (import "a" "counter" (global $c (mut i32)))
            (import "a" "table" (table 1 funcref))
            (import "a" "get" (func $get (result i32)))
            (type $t (func (result i32)))
            (func (export "run") (result i32)
                (i32.store (i32.const 0) (i32.const 1234))
                (global.set $c (i32.add (global.get $c) (i32.const 1)))
                (i32.add (call $get) (call_indirect (type $t) (i32.const 0)))))"#,
    )
    .unwrap();
    let b = linker.instantiate(&mut store, &b).unwrap();
    let run = b.get_typed_func::<(), i32, _>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 2468);
    assert_eq!(a.get_global("counter").unwrap().get(&store).unwrap(), Val::I32(1));
    let mut four = [0; 4];
    a.get_memory("mem").unwrap().read(&store, 0, &mut four).unwrap();
    assert_eq!(i32::from_le_bytes(four), 1234);
}
