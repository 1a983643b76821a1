//! Limits: call depth (on a small native stack), fuel, memory growth.

use weft::{Config, Engine, Linker, Module, Store, StoreLimits, TrapKind, Val};

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(256 * 1024).spawn(f).unwrap().join().unwrap();
}

const RECURSION: &str = r#"(module
    (type $t (func (param i64) (result i64)))
    (table 1 funcref)
    (elem (i32.const 0) $indirect)
    (func $direct (export "direct") (param i64) (result i64)
        (i64.add (i64.const 1) (call $direct (local.get 0))))
    (func $indirect (export "indirect") (param i64) (result i64)
        (i64.add (i64.const 1) (call_indirect (type $t) (local.get 0) (i32.const 0))))
    (func $count (export "count") (param i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0))
            (then (i64.const 0))
            (else (i64.add (i64.const 1) (call $count (i64.sub (local.get 0) (i64.const 1))))))))"#;

#[test]
fn call_depth_limit_on_a_256k_stack() {
    on_small_stack(|| {
        let mut config = Config::default();
        config.max_call_depth(100_000);
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, RECURSION).unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        for name in ["direct", "indirect"] {
            let err = instance.get_func(name).unwrap().call_vec(&mut store, &[Val::I64(0)]).unwrap_err();
            assert_eq!(err.as_trap().unwrap().kind(), &TrapKind::CallStackExhausted, "{name}");
            assert_eq!(err.message(), "call stack exhausted");
        }
        // Deep but bounded recursion works, and the store is still usable.
        let count = instance.get_typed_func::<i64, i64, _>(&store, "count").unwrap();
        assert_eq!(count.call(&mut store, 90_000).unwrap(), 90_000);
    });
}

#[test]
fn fuel_runs_out() {
    let mut config = Config::default();
    config.consume_fuel(1_000);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let module =
        Module::new(&engine, r#"(module (func (export "spin") (loop (br 0))) (func (export "nop")))"#).unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let err = instance.get_func("spin").unwrap().call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), &TrapKind::OutOfFuel);
    assert_eq!(store.get_fuel(), Some(0));
    store.set_fuel(10).unwrap();
    instance.get_func("nop").unwrap().call(&mut store, &[], &mut []).unwrap();
    assert!(store.get_fuel().unwrap() < 10);
}

#[test]
fn fuel_is_off_by_default() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    assert_eq!(store.get_fuel(), None);
    assert!(store.set_fuel(5).is_err());
}

#[test]
fn memory_grow_failure_returns_minus_one_and_instance_stays_usable() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, StoreLimits { max_memory_bytes: 3 * 65536, max_table_elements: 10 });
    store.limiter(|limits| limits);
    let module = Module::new(
        &engine,
        r#"(module
            (memory (export "memory") 1)
            (table 1 funcref)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
            (func (export "grow_table") (param i32) (result i32) (table.grow (ref.null func) (local.get 0)))
            (func (export "poke") (param i32 i32) (result i32)
                (i32.store (local.get 0) (local.get 1))
                (i32.load (local.get 0))))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let grow = instance.get_typed_func::<i32, i32, _>(&store, "grow").unwrap();
    let poke = instance.get_typed_func::<(i32, i32), i32, _>(&store, "poke").unwrap();
    assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 5).unwrap(), -1, "beyond the limiter");
    assert_eq!(grow.call(&mut store, 0x10000).unwrap(), -1, "beyond 4 GiB");
    assert_eq!(grow.call(&mut store, -1).unwrap(), -1, "huge unsigned delta");
    assert_eq!(grow.call(&mut store, 1).unwrap(), 2);
    assert_eq!(poke.call(&mut store, (3 * 65536 - 4, 77)).unwrap(), 77);
    let memory = instance.get_memory("memory").unwrap();
    assert_eq!(memory.size(&store).unwrap(), 3);
    assert!(memory.grow(&mut store, 1).is_err());
    let grow_table = instance.get_typed_func::<i32, i32, _>(&store, "grow_table").unwrap();
    assert_eq!(grow_table.call(&mut store, 100).unwrap(), -1);
    assert_eq!(grow_table.call(&mut store, 2).unwrap(), 1);
}

#[test]
fn host_memory_access_out_of_range_is_an_error() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, r#"(module (memory (export "memory") 1))"#).unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let memory = instance.get_memory("memory").unwrap();
    let mut buf = [0u8; 8];
    assert!(memory.read(&store, usize::MAX - 3, &mut buf).is_err());
    assert!(memory.read(&store, 65536 - 7, &mut buf).is_err());
    assert!(memory.write(&mut store, usize::MAX, &buf).is_err());
    memory.write(&mut store, 65536 - 8, &buf).unwrap();
    memory.read(&store, 65536 - 8, &mut buf).unwrap();
}

#[test]
fn reference_engine_is_selectable() {
    let mut config = Config::default();
    config.engine_kind(weft::EngineKind::Reference);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, RECURSION).unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let count = instance.get_typed_func::<i64, i64, _>(&store, "count").unwrap();
    assert_eq!(count.call(&mut store, 10).unwrap(), 10);
}

/// Recursion through a function with many locals hits the value-stack
/// bound long before the frame count, instead of allocating without limit.
#[test]
fn value_stack_is_bounded() {
    let mut config = Config::default();
    config.max_call_depth(1_000_000).max_value_stack(100_000).engine_kind(weft::EngineKind::Reference);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module (func $f (export "f") (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) call $f))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let err = instance.get_func("f").unwrap().call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(err.message(), "call stack exhausted");
    assert!(err.as_trap().unwrap().backtrace().len() <= 10_000);
}

const KINDS: [weft::EngineKind; 2] = [weft::EngineKind::Threaded, weft::EngineKind::Reference];

/// Unbounded recursion wasm -> wasm and through `call_indirect` traps
/// "call stack exhausted" on both engines with the default limits, on a
/// 256 KiB native stack (wasm calls never recurse on the native stack).
#[test]
fn recursion_exhausts_the_call_stack_on_both_engines_on_a_256k_stack() {
    on_small_stack(|| {
        for kind in KINDS {
            let mut config = Config::default();
            config.engine_kind(kind);
            let engine = Engine::new(&config);
            let mut store = Store::new(&engine, ());
            let module = Module::new(&engine, RECURSION).unwrap();
            let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
            for name in ["direct", "indirect"] {
                let err = instance.get_func(name).unwrap().call_vec(&mut store, &[Val::I64(0)]).unwrap_err();
                assert_eq!(err.as_trap().unwrap().kind(), &TrapKind::CallStackExhausted, "{kind:?} {name}");
            }
            let count = instance.get_typed_func::<i64, i64, _>(&store, "count").unwrap();
            assert_eq!(count.call(&mut store, 5_000).unwrap(), 5_000, "{kind:?}");
        }
    });
}

const REENTRANT: &str = r#"(module
    (type $t (func (param i32) (result i32)))
    (import "env" "host" (func $host (param i32) (result i32)))
    (table 1 funcref)
    (elem (i32.const 0) $host)
    (func (export "wasm") (param i32) (result i32)
        (i32.add (i32.const 1) (call $host (local.get 0))))
    (func (export "wasm_indirect") (param i32) (result i32)
        (i32.add (i32.const 1) (call_indirect (type $t) (local.get 0) (i32.const 0)))))"#;

/// Unbounded recursion wasm -> host -> wasm -> host ... (the host calls the
/// export named by its argument) on a 256 KiB native stack traps "call
/// stack exhausted" at the re-entry limit on both engines, in debug and in
/// release builds, and the store stays usable.
#[test]
fn host_reentry_recursion_on_a_256k_stack() {
    on_small_stack(|| {
        for kind in KINDS {
            let mut config = Config::default();
            config.engine_kind(kind);
            let engine = Engine::new(&config);
            let mut store = Store::new(&engine, ());
            let mut linker = Linker::new(&engine);
            linker
                .func_wrap("env", "host", |mut caller: weft::Caller<'_, ()>, which: i32| -> Result<i32, weft::Trap> {
                    let name = if which == 0 { "wasm" } else { "wasm_indirect" };
                    let f = caller.get_export(name).and_then(|e| e.into_func()).unwrap();
                    let mut out = [Val::I32(0)];
                    match f.call(&mut caller, &[Val::I32(which)], &mut out) {
                        Ok(()) => Ok(out[0].i32().unwrap_or(0)),
                        Err(weft::Error::Trap(t)) => Err(t),
                        Err(e) => Err(weft::Trap::host(e.to_string())),
                    }
                })
                .unwrap();
            let module = Module::new(&engine, REENTRANT).unwrap();
            let instance = linker.instantiate(&mut store, &module).unwrap();
            for (name, arg) in [("wasm", 0), ("wasm_indirect", 1)] {
                let err = instance.get_func(name).unwrap().call_vec(&mut store, &[Val::I32(arg)]).unwrap_err();
                assert_eq!(err.as_trap().unwrap().kind(), &TrapKind::CallStackExhausted, "{kind:?} {name}");
                assert_eq!(err.message(), "call stack exhausted");
            }
            // The store is usable afterwards.
            let memoryless =
                Module::new(&engine, r#"(module (func (export "one") (result i32) (i32.const 1)))"#).unwrap();
            let other = Linker::new(&engine).instantiate(&mut store, &memoryless).unwrap();
            assert_eq!(other.get_typed_func::<(), i32, _>(&store, "one").unwrap().call(&mut store, ()).unwrap(), 1);
        }
    });
}

const GROWTH: &str = r#"(module
    (type $v (func (result i32)))
    (memory (export "memory") 1)
    (table (export "table") 1 funcref)
    (func $seven (result i32) (i32.const 7))
    (elem declare func $seven)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size))
    (func (export "poke") (param i32 i32) (result i32)
        (i32.store (local.get 0) (local.get 1))
        (i32.load (local.get 0)))
    (func (export "grow_and_touch") (param i32) (result i32) (local $end i32)
        ;; grow (or fail to), then store and load at the last word, in the
        ;; same activation: the engines' cached memory base must follow.
        (drop (memory.grow (local.get 0)))
        (local.set $end (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))
        (i32.store (local.get $end) (i32.const 5))
        (i32.add (i32.load (local.get $end)) (memory.size)))
    (func (export "grow_table") (param i32) (result i32) (table.grow (ref.func $seven) (local.get 0)))
    (func (export "table_size") (result i32) (table.size))
    (func (export "call_at") (param i32) (result i32) (call_indirect (type $v) (local.get 0))))"#;

/// `memory.grow(0xFFFFFFFF)` and other impossible growths return -1 with
/// the default limits, on both engines; the memory keeps its size and
/// contents, later loads and stores work, and a small growth succeeds.
/// Huge `table.grow` likewise. The host API's growth with absurd deltas is
/// an error. (Also run under Miri; see docs/RELIABILITY.md.)
#[test]
fn failed_growth_leaves_the_instance_usable_on_both_engines() {
    for kind in KINDS {
        let mut config = Config::default();
        config.engine_kind(kind);
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, GROWTH).unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let grow = instance.get_typed_func::<i32, i32, _>(&store, "grow").unwrap();
        let size = instance.get_typed_func::<(), i32, _>(&store, "size").unwrap();
        let poke = instance.get_typed_func::<(i32, i32), i32, _>(&store, "poke").unwrap();
        assert_eq!(poke.call(&mut store, (65532, 41)).unwrap(), 41, "{kind:?}");
        for delta in [-1, 0x1_0000, i32::MIN, 0x7fff_ffff] {
            assert_eq!(grow.call(&mut store, delta).unwrap(), -1, "{kind:?} memory.grow({:#x})", delta as u32);
            assert_eq!(size.call(&mut store, ()).unwrap(), 1, "{kind:?}");
        }
        // Still readable and writable, and growable (also within one call).
        assert_eq!(poke.call(&mut store, (65532, 0)).unwrap(), 0, "{kind:?}");
        let grow_and_touch = instance.get_typed_func::<i32, i32, _>(&store, "grow_and_touch").unwrap();
        assert_eq!(grow_and_touch.call(&mut store, -1).unwrap(), 5 + 1, "{kind:?}");
        assert_eq!(grow_and_touch.call(&mut store, 1).unwrap(), 5 + 2, "{kind:?}");
        assert_eq!(grow_and_touch.call(&mut store, 0x1_0000).unwrap(), 5 + 2, "{kind:?}");
        assert_eq!(grow.call(&mut store, 1).unwrap(), 2, "{kind:?}");
        assert_eq!(poke.call(&mut store, (3 * 65536 - 4, 9)).unwrap(), 9, "{kind:?}");
        let memory = instance.get_memory("memory").unwrap();
        assert!(memory.grow(&mut store, u64::MAX).is_err());
        assert!(memory.grow(&mut store, 1 << 40).is_err());
        let mut buf = [0u8; 4];
        memory.read(&store, 3 * 65536 - 4, &mut buf).unwrap();
        assert_eq!(buf, 9u32.to_le_bytes());

        let grow_table = instance.get_typed_func::<i32, i32, _>(&store, "grow_table").unwrap();
        let table_size = instance.get_typed_func::<(), i32, _>(&store, "table_size").unwrap();
        let call_at = instance.get_typed_func::<i32, i32, _>(&store, "call_at").unwrap();
        for delta in [-1, i32::MIN, 0x7fff_ffff, 20_000_000] {
            assert_eq!(grow_table.call(&mut store, delta).unwrap(), -1, "{kind:?} table.grow({:#x})", delta as u32);
            assert_eq!(table_size.call(&mut store, ()).unwrap(), 1, "{kind:?}");
        }
        assert_eq!(grow_table.call(&mut store, 2).unwrap(), 1, "{kind:?}");
        assert_eq!(call_at.call(&mut store, 2).unwrap(), 7, "{kind:?}");
        let table = instance.get_table("table").unwrap();
        assert!(table.grow(&mut store, u64::MAX, Val::FuncRef(None)).is_err());
        assert!(table.grow(&mut store, 1 << 40, Val::FuncRef(None)).is_err());
        assert_eq!(table.size(&store).unwrap(), 3);
        table.set(&mut store, 2, Val::FuncRef(None)).unwrap();
        assert!(call_at.call(&mut store, 2).is_err());
    }
}

/// An infinite loop, and an infinite loop of calls, stop with "all fuel
/// consumed" on both engines; refuelled, the store runs again.
#[test]
fn fuel_stops_infinite_loops_on_both_engines() {
    let wat = r#"(module
        (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
        (func (export "spin") (loop (br 0)))
        (func (export "calls") (local i32) (loop (local.set 0 (call $leaf (local.get 0))) (br 0)))
        (func (export "nop") (result i32) (i32.const 7)))"#;
    for kind in KINDS {
        let mut config = Config::default();
        config.engine_kind(kind).consume_fuel(1_000_000);
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, wat).unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        for name in ["spin", "calls"] {
            store.set_fuel(1_000_000).unwrap();
            let err = instance.get_func(name).unwrap().call(&mut store, &[], &mut []).unwrap_err();
            assert_eq!(err.as_trap().unwrap().kind(), &TrapKind::OutOfFuel, "{kind:?} {name}");
            assert_eq!(err.message(), "all fuel consumed");
            assert_eq!(store.get_fuel(), Some(0));
        }
        store.set_fuel(100).unwrap();
        assert_eq!(instance.get_typed_func::<(), i32, _>(&store, "nop").unwrap().call(&mut store, ()).unwrap(), 7);
    }
}
