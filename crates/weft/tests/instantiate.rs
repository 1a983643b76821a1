//! Instantiation: the spec's order of steps, and its link errors.

use weft::{
    Engine, Error, Func, FuncType, Global, GlobalType, Limits, Linker, Memory, MemoryType, Module, Store, Val, ValType,
};

fn setup() -> (Engine, Store<()>, Linker<()>) {
    let engine = Engine::default();
    let store = Store::new(&engine, ());
    let linker = Linker::new(&engine);
    (engine, store, linker)
}

fn memory_type(min: u64, max: Option<u64>) -> MemoryType {
    MemoryType { limits: Limits { min, max }, index64: false, shared: false, page_size_log2: None }
}

#[test]
fn unknown_import() {
    let (engine, mut store, linker) = setup();
    let module = Module::new(&engine, r#"(module (import "env" "f" (func)))"#).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(matches!(err, Error::Link(_)), "{err:?}");
    assert_eq!(err.message(), "unknown import");
}

#[test]
fn incompatible_function_type() {
    let (engine, mut store, mut linker) = setup();
    linker.func_wrap("env", "f", |x: i32| x).unwrap();
    let module = Module::new(&engine, r#"(module (import "env" "f" (func (param i64))))"#).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert_eq!(err.message(), "incompatible import type");
}

#[test]
fn incompatible_kind() {
    let (engine, mut store, mut linker) = setup();
    let g = Global::new(&mut store, GlobalType { content: ValType::I32, mutable: false }, Val::I32(1)).unwrap();
    linker.define("env", "f", g).unwrap();
    let module = Module::new(&engine, r#"(module (import "env" "f" (func)))"#).unwrap();
    assert_eq!(linker.instantiate(&mut store, &module).unwrap_err().message(), "incompatible import type");
}

#[test]
fn memory_limits_subtyping() {
    let (engine, mut store, mut linker) = setup();
    let memory = Memory::new(&mut store, memory_type(2, Some(4))).unwrap();
    linker.define("env", "mem", memory).unwrap();
    // Larger minimum and tighter maximum than required: fine.
    let ok = Module::new(&engine, r#"(module (import "env" "mem" (memory 1 5)))"#).unwrap();
    linker.instantiate(&mut store, &ok).unwrap();
    // Requires more than the memory has.
    let too_big = Module::new(&engine, r#"(module (import "env" "mem" (memory 3)))"#).unwrap();
    assert_eq!(linker.instantiate(&mut store, &too_big).unwrap_err().message(), "incompatible import type");
    // Requires a maximum tighter than the memory's.
    let max = Module::new(&engine, r#"(module (import "env" "mem" (memory 1 3)))"#).unwrap();
    assert_eq!(linker.instantiate(&mut store, &max).unwrap_err().message(), "incompatible import type");
    // Requires a maximum the memory does not have.
    let unbounded = Memory::new(&mut store, memory_type(1, None)).unwrap();
    linker.define("env", "mem", unbounded).unwrap();
    let needs_max = Module::new(&engine, r#"(module (import "env" "mem" (memory 1 2)))"#).unwrap();
    assert_eq!(linker.instantiate(&mut store, &needs_max).unwrap_err().message(), "incompatible import type");
}

#[test]
fn global_mutability_must_match() {
    let (engine, mut store, mut linker) = setup();
    let g = Global::new(&mut store, GlobalType { content: ValType::I32, mutable: true }, Val::I32(1)).unwrap();
    linker.define("env", "g", g).unwrap();
    let module = Module::new(&engine, r#"(module (import "env" "g" (global i32)))"#).unwrap();
    assert_eq!(linker.instantiate(&mut store, &module).unwrap_err().message(), "incompatible import type");
    let module = Module::new(&engine, r#"(module (import "env" "g" (global (mut i32))))"#).unwrap();
    linker.instantiate(&mut store, &module).unwrap();
}

/// Elements, then data, then start: the start function sees both, and
/// globals are initialized from imported globals before any of them.
#[test]
fn order_globals_elements_data_start() {
    let (engine, mut store, mut linker) = setup();
    let base = Global::new(&mut store, GlobalType { content: ValType::I32, mutable: false }, Val::I32(8)).unwrap();
    linker.define("env", "base", base).unwrap();
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "base" (global $base i32))
            (global $copy i32 (global.get $base))
            (global $seen (export "seen") (mut i32) (i32.const 0))
            (memory 1)
            (table 2 funcref)
            (type $t (func (result i32)))
            (elem (i32.const 2) func) ;; empty, at the very end: in bounds
            (elem (i32.const 1) $seven)
            (data (global.get $copy) "\2a")
            (func $seven (result i32) i32.const 7)
            (func $start
                ;; data segment wrote 42 at address 8, element segment put $seven at 1
                (global.set $seen
                    (i32.add (i32.load8_u (global.get $copy))
                             (call_indirect (type $t) (i32.const 1)))))
            (start $start))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    assert_eq!(instance.get_global("seen").unwrap().get(&store).unwrap(), Val::I32(49));
}

/// A segment out of bounds traps, and the earlier segments' writes to an
/// imported memory stay (spec 2.0 semantics); the start function never runs.
#[test]
fn data_segment_out_of_bounds_traps_after_earlier_writes() {
    let (engine, mut store, mut linker) = setup();
    let memory = Memory::new(&mut store, memory_type(1, None)).unwrap();
    linker.define("env", "mem", memory).unwrap();
    let ran = Func::wrap(&mut store, || -> Result<(), weft::Trap> { Err(weft::Trap::host("start ran")) });
    linker.define("env", "start", ran).unwrap();
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "mem" (memory 1))
            (import "env" "start" (func $start))
            (data (i32.const 0) "ab")
            (data (i32.const 65535) "cd")
            (start $start))"#,
    )
    .unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert_eq!(err.message(), "out of bounds memory access");
    assert_eq!(&memory.data(&store).unwrap()[..2], b"ab");
    assert_eq!(memory.data(&store).unwrap()[65535], 0);
}

#[test]
fn element_segment_out_of_bounds_traps() {
    let (engine, mut store, linker) = setup();
    let module = Module::new(&engine, r#"(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))"#).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert_eq!(err.message(), "out of bounds table access");
}

#[test]
fn start_function_trap_fails_instantiation() {
    let (engine, mut store, linker) = setup();
    let module = Module::new(&engine, r#"(module (func $s unreachable) (start $s))"#).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(matches!(err, Error::Trap(_)));
    assert_eq!(err.message(), "unreachable");
}

#[test]
fn handles_from_another_store_are_rejected() {
    let (engine, mut store, _) = setup();
    let mut other = Store::new(&engine, ());
    let f = Func::wrap(&mut other, || {});
    assert!(matches!(f.call(&mut store, &[], &mut []), Err(Error::Usage(_))));
    let module = Module::new(&engine, r#"(module (import "env" "f" (func)))"#).unwrap();
    let err = weft::Instance::new(&mut store, &module, &[f.into()]).unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err:?}");
    let _ = FuncType::default();
}
