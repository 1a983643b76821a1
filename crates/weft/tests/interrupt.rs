//! Interrupting running wasm from another thread through a store's
//! `InterruptHandle`, on both engines: an empty infinite loop, a busy loop
//! doing memory work, and a loop whose body is a call.
//!
//! No timing is asserted; a generous join timeout only keeps a broken
//! interrupt from hanging the test run. The latency (from `interrupt()` to
//! the call returning) is measured by the ignored test
//! `interrupt_latency`:
//!
//! ```text
//! cargo test --release -p weft-exec --test interrupt -- --ignored --nocapture
//! ```

use std::sync::mpsc;
use std::time::{Duration, Instant};

use weft::{Config, Engine, EngineKind, InterruptHandle, Linker, Module, Store, TrapKind, Val};

const PROGRAM: &str = r#"(module
    (memory 1)
    (func (export "spin") (loop (br 0)))
    (func (export "busy") (result i32) (local $i i32) (local $h i32)
        (loop $l
            (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (i32.and (local.get $i) (i32.const 0xffff))))
                                   (i32.const 16777619)))
            (i32.store (i32.and (local.get $h) (i32.const 0xfffc)) (local.get $h))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.ne (local.get $h) (i32.const 0x7fffffff))))
        (local.get $h))
    (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func (export "calls") (local $i i32)
        (loop $l
            (local.set $i (call $leaf (local.get $i)))
            (br $l)))
    (func (export "nop") (result i32) (i32.const 7)))"#;

const KINDS: [EngineKind; 2] = [EngineKind::Threaded, EngineKind::Reference];

fn engine(kind: EngineKind) -> Engine {
    let mut config = Config::default();
    config.engine_kind(kind).interruptible(true);
    Engine::new(&config)
}

/// Calls export `name` on a new thread. Returns the store's interrupt
/// handle once the thread is about to call, and a receiver for the call's
/// outcome (the trap kind, or `None` if it returned) followed by the
/// outcome of a later call of "nop" (the store must stay usable).
fn spawn_call(kind: EngineKind, name: &'static str) -> (InterruptHandle, mpsc::Receiver<(Option<TrapKind>, i32)>) {
    let (handle_tx, handle_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let engine = engine(kind);
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, PROGRAM).unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let func = instance.get_func(name).unwrap();
        let nop = instance.get_typed_func::<(), i32, _>(&store, "nop").unwrap();
        handle_tx.send(store.interrupt_handle()).unwrap();
        let mut results = vec![Val::I32(0); func.ty(&store).unwrap().results().len()];
        let kind = func.call(&mut store, &[], &mut results).err().and_then(|e| e.as_trap().map(|t| t.kind().clone()));
        let after = nop.call(&mut store, ()).unwrap_or(-1);
        let _ = done_tx.send((kind, after));
    });
    (handle_rx.recv().unwrap(), done_rx)
}

#[test]
fn infinite_loops_stop_when_interrupted() {
    for kind in KINDS {
        for name in ["spin", "busy", "calls"] {
            let (handle, done) = spawn_call(kind, name);
            std::thread::sleep(Duration::from_millis(50));
            handle.interrupt();
            let (trap, after) = done
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("{kind:?} {name}: not interrupted within 60 s"));
            assert_eq!(trap, Some(TrapKind::Interrupted), "{kind:?} {name}");
            // The trap consumed the request: the store runs the next call.
            assert_eq!(after, 7, "{kind:?} {name}");
            assert!(!handle.is_interrupted());
        }
    }
}

#[test]
fn an_interrupt_before_the_call_stops_it_at_entry_and_clear_withdraws_it() {
    for kind in KINDS {
        let engine = engine(kind);
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, PROGRAM).unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let nop = instance.get_typed_func::<(), i32, _>(&store, "nop").unwrap();
        let handle = store.interrupt_handle();
        handle.interrupt();
        let err = nop.call(&mut store, ()).unwrap_err();
        assert_eq!(err.as_trap().unwrap().kind(), &TrapKind::Interrupted, "{kind:?}");
        assert_eq!(err.message(), "interrupted");
        assert_eq!(nop.call(&mut store, ()).unwrap(), 7);
        handle.interrupt();
        handle.clear();
        assert_eq!(nop.call(&mut store, ()).unwrap(), 7);
    }
}

/// Without `Config::interruptible` nothing checks the flag: the loop runs
/// on until fuel (which bounds this test) runs out.
#[test]
fn engines_not_configured_interruptible_ignore_interrupts() {
    for kind in KINDS {
        let mut config = Config::default();
        config.engine_kind(kind).consume_fuel(100_000);
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, PROGRAM).unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        store.interrupt_handle().interrupt();
        let err = instance.get_func("spin").unwrap().call(&mut store, &[], &mut []).unwrap_err();
        assert_eq!(err.as_trap().unwrap().kind(), &TrapKind::OutOfFuel, "{kind:?}");
    }
}

/// Interrupts reach wasm that a host function re-entered, and leave
/// through the host function like any trap.
#[test]
fn interrupt_reaches_reentered_wasm() {
    let wat = r#"(module
        (import "env" "enter" (func $enter))
        (func (export "outer") (call $enter))
        (func (export "spin") (loop (br 0))))"#;
    for kind in KINDS {
        let (handle_tx, handle_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let engine = engine(kind);
            let mut store = Store::new(&engine, ());
            let mut linker = Linker::new(&engine);
            linker
                .func_wrap("env", "enter", |mut caller: weft::Caller<'_, ()>| -> Result<(), weft::Trap> {
                    let spin = caller.get_export("spin").and_then(|e| e.into_func()).unwrap();
                    match spin.call(&mut caller, &[], &mut []) {
                        Err(weft::Error::Trap(t)) => Err(t),
                        other => panic!("spin ended with {other:?}"),
                    }
                })
                .unwrap();
            let module = Module::new(&engine, wat).unwrap();
            let instance = linker.instantiate(&mut store, &module).unwrap();
            handle_tx.send(store.interrupt_handle()).unwrap();
            let err = instance.get_func("outer").unwrap().call(&mut store, &[], &mut []).unwrap_err();
            let _ = done_tx.send(err.as_trap().map(|t| t.kind().clone()));
        });
        let handle: InterruptHandle = handle_rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        handle.interrupt();
        let kind_seen = done_rx.recv_timeout(Duration::from_secs(60)).expect("interrupted within 60 s");
        assert_eq!(kind_seen, Some(TrapKind::Interrupted), "{kind:?}");
    }
}

/// Latency from `interrupt()` to the interrupted call returning: 100
/// trials per engine and loop, each interrupting a call that has run for
/// 5 ms. Prints the median and the maximum; asserts nothing about time.
#[test]
#[ignore = "measurement: cargo test --release -p weft-exec --test interrupt -- --ignored --nocapture"]
fn interrupt_latency() {
    for kind in KINDS {
        for name in ["spin", "busy", "calls"] {
            let (request_tx, request_rx) = mpsc::channel::<()>();
            let (handle_tx, handle_rx) = mpsc::channel();
            let (done_tx, done_rx) = mpsc::channel();
            std::thread::spawn(move || {
                let engine = engine(kind);
                let mut store = Store::new(&engine, ());
                let module = Module::new(&engine, PROGRAM).unwrap();
                let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
                let func = instance.get_func(name).unwrap();
                let mut results = vec![Val::I32(0); func.ty(&store).unwrap().results().len()];
                handle_tx.send(store.interrupt_handle()).unwrap();
                while request_rx.recv().is_ok() {
                    let r = func.call(&mut store, &[], &mut results);
                    let returned = Instant::now();
                    let interrupted = r.err().and_then(|e| e.as_trap().map(|t| t.kind() == &TrapKind::Interrupted));
                    let _ = done_tx.send((returned, interrupted == Some(true)));
                }
            });
            let handle: InterruptHandle = handle_rx.recv().unwrap();
            let mut latencies = Vec::new();
            for _ in 0..100 {
                request_tx.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(5));
                let asked = Instant::now();
                handle.interrupt();
                let (returned, ok) = done_rx.recv_timeout(Duration::from_secs(60)).expect("interrupted");
                assert!(ok, "{kind:?} {name}: the call was not interrupted");
                latencies.push(returned.saturating_duration_since(asked));
            }
            latencies.sort();
            println!(
                "{kind:?} {name:5}: median {:?}, max {:?} over {} trials",
                latencies[latencies.len() / 2],
                latencies[latencies.len() - 1],
                latencies.len()
            );
        }
    }
}
