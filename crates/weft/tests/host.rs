//! Host functions: typed closures, untyped ones, memory access through the
//! caller, host data, and re-entry into wasm.

use weft::{Caller, Config, Engine, Error, FuncType, Linker, Module, Store, Trap, TrapKind, Val, ValType};

#[test]
fn typed_and_untyped_host_functions() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, 0i64);
    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "add", |a: i64, b: i64| a + b).unwrap();
    linker
        .func_wrap("env", "count", |mut caller: Caller<'_, i64>| {
            *caller.data_mut() += 1;
        })
        .unwrap();
    linker
        .func_new(
            "env",
            "swap",
            FuncType::new([ValType::I32, ValType::F32], [ValType::F32, ValType::I32]),
            |_, args, results| {
                results[0] = args[1];
                results[1] = args[0];
                Ok(())
            },
        )
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "add" (func $add (param i64 i64) (result i64)))
            (import "env" "count" (func $count))
            (import "env" "swap" (func $swap (param i32 f32) (result f32 i32)))
            (func (export "run") (result i64 f32 i32)
                call $count
                call $count
                (call $add (i64.const 40) (i64.const 2))
                (call $swap (i32.const 7) (f32.const 1.5))))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), (i64, f32, i32), _>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), (42, 1.5, 7));
    assert_eq!(*store.data(), 2);
}

#[test]
fn host_reads_and_writes_caller_memory() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, String::new());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("env", "shout", |mut caller: Caller<'_, String>, ptr: i32, len: i32| -> Result<(), Trap> {
            let memory =
                caller.get_export("memory").and_then(|e| e.into_memory()).ok_or_else(|| Trap::host("no memory"))?;
            let mut buf = vec![0; len as usize];
            memory.read(&caller, ptr as usize, &mut buf).map_err(|e| Trap::host(e.to_string()))?;
            let upper = String::from_utf8_lossy(&buf).to_uppercase();
            memory.write(&mut caller, ptr as usize, upper.as_bytes()).map_err(|e| Trap::host(e.to_string()))?;
            *caller.data_mut() = upper;
            Ok(())
        })
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "shout" (func $shout (param i32 i32)))
            (memory (export "memory") 1)
            (data (i32.const 100) "hello")
            (func (export "run") (result i32)
                (call $shout (i32.const 100) (i32.const 5))
                (i32.load8_u (i32.const 100))))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32, _>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), i32::from(b'H'));
    assert_eq!(store.data(), "HELLO");
}

#[test]
fn host_trap_propagates_with_message() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "fail", || -> Result<(), Trap> { Err(Trap::host("host said no")) }).unwrap();
    let module =
        Module::new(&engine, r#"(module (import "env" "fail" (func $f)) (func (export "run") call $f))"#).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let err = instance.get_func("run").unwrap().call(&mut store, &[], &mut []).unwrap_err();
    let trap = err.as_trap().unwrap();
    assert_eq!(trap.kind(), &TrapKind::Host("host said no".into()));
}

const REENTRANT: &str = r#"(module
    (import "env" "host" (func $host (param i32) (result i32)))
    (func (export "wasm") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
            (then (i32.const 0))
            (else (i32.add (i32.const 1) (call $host (i32.sub (local.get 0) (i32.const 1))))))))"#;

fn reentrant_setup(config: &Config) -> (Store<()>, weft::Func) {
    let engine = Engine::new(config);
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    // The host calls back into the caller's export "wasm".
    linker
        .func_wrap("env", "host", |mut caller: Caller<'_, ()>, n: i32| -> Result<i32, Trap> {
            let wasm = caller.get_export("wasm").and_then(|e| e.into_func()).ok_or_else(|| Trap::host("no export"))?;
            let mut out = [Val::I32(0)];
            wasm.call(&mut caller, &[Val::I32(n)], &mut out).map_err(|e| match e {
                Error::Trap(t) => t,
                other => Trap::host(other.to_string()),
            })?;
            Ok(out[0].i32().unwrap_or(0) + 1)
        })
        .unwrap();
    let module = Module::new(&engine, REENTRANT).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance.get_func("wasm").unwrap())
}

#[test]
fn host_reenters_wasm() {
    let (mut store, wasm) = reentrant_setup(&Config::default());
    let mut out = [Val::I32(0)];
    wasm.call(&mut store, &[Val::I32(10)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(20));
}

/// Unbounded wasm -> host -> wasm recursion stops at the re-entry limit
/// (default 100) before it exhausts a 1 MiB native stack.
#[test]
fn reentry_depth_is_limited() {
    let run = || {
        let (mut store, wasm) = reentrant_setup(&Config::default());
        let mut out = [Val::I32(0)];
        let err = wasm.call(&mut store, &[Val::I32(1_000_000)], &mut out).unwrap_err();
        assert_eq!(err.message(), "call stack exhausted");
        // The store is usable afterwards.
        wasm.call(&mut store, &[Val::I32(3)], &mut out).unwrap();
        assert_eq!(out[0], Val::I32(6));
    };
    std::thread::Builder::new().stack_size(1024 * 1024).spawn(run).unwrap().join().unwrap();
}

#[test]
fn call_depth_limit_holds_across_reentry() {
    let mut config = Config::default();
    config.max_call_depth(50).max_reentry_depth(1000);
    let (mut store, wasm) = reentrant_setup(&config);
    let mut out = [Val::I32(0)];
    // 40 levels of wasm + host = 80 frames > 50.
    let err = wasm.call(&mut store, &[Val::I32(40)], &mut out).unwrap_err();
    assert_eq!(err.message(), "call stack exhausted");
    wasm.call(&mut store, &[Val::I32(10)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(20));
}
