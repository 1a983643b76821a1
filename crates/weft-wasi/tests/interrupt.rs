//! Blocking WASI calls honour the store's `InterruptHandle` (engines
//! configured `interruptible`): a guest sleeping in `poll_oneoff` or
//! waiting on an idle standard input is woken, and the call ends with the
//! interrupt trap; the store stays usable. Nothing here asserts a time:
//! without the fix the sleeping call would simply return success after
//! 10 s (and the stdin reader would never return), so the trap kind is the
//! evidence. The latency is printed for the curious (`--nocapture`).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use weft::{Config, Engine, EngineKind, Module, TrapKind};
use weft_wasi::WasiCtx;

/// `_start` sleeps for `$ns` nanoseconds (a relative monotonic clock
/// subscription at 0, its event at 64, the event count at 96) and returns
/// `poll_oneoff`'s errno from `sleep`.
const SLEEPER: &str = r#"(module
    (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "sleep") (param $ns i64) (result i32)
        (i64.store (i32.const 0) (i64.const 42))   ;; userdata
        (i32.store8 (i32.const 8) (i32.const 0))   ;; eventtype clock
        (i32.store (i32.const 16) (i32.const 1))   ;; monotonic
        (i64.store (i32.const 24) (local.get $ns)) ;; timeout
        (i64.store (i32.const 32) (i64.const 0))   ;; precision
        (i32.store16 (i32.const 40) (i32.const 0)) ;; relative
        (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 96))))"#;

/// `read` reads standard input into 16 bytes at 64 (one iovec at 0) and
/// returns the errno.
const READER: &str = r#"(module
    (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "read") (result i32)
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 16))
        (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))))"#;

fn engine(kind: EngineKind) -> Engine {
    let mut config = Config::new();
    config.engine_kind(kind).interruptible(true);
    Engine::new(&config)
}

/// Interrupts the store behind `handle` after `delay`, from another thread.
fn interrupt_after(handle: weft::InterruptHandle, delay: Duration) -> std::thread::JoinHandle<Instant> {
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        handle.interrupt();
        Instant::now()
    })
}

#[test]
fn a_guest_sleeping_ten_seconds_is_interrupted() {
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let engine = engine(kind);
        let module = Module::new(&engine, SLEEPER).unwrap();
        let ctx = WasiCtx::builder().build().unwrap();
        let (mut store, instance) = weft_wasi::instantiate(&engine, &module, ctx, |_| Ok(())).unwrap();
        let sleep = instance.get_typed_func::<i64, i32, _>(&store, "sleep").unwrap();

        let interrupter = interrupt_after(store.interrupt_handle(), Duration::from_millis(50));
        let err = sleep.call(&mut store, 10_000_000_000).unwrap_err();
        let returned = Instant::now();
        let asked = interrupter.join().unwrap();
        let trap = err.as_trap().expect("a trap");
        assert_eq!(trap.kind(), &TrapKind::Interrupted, "{kind:?}: {err}");
        eprintln!("{kind:?}: poll_oneoff returned {:?} after the interrupt", returned.saturating_duration_since(asked));

        // The request was consumed: the store sleeps (briefly) again.
        assert!(!store.interrupt_handle().is_interrupted(), "{kind:?}");
        assert_eq!(sleep.call(&mut store, 1_000_000).unwrap(), 0, "{kind:?}");
    }
}

#[test]
fn without_an_interrupt_the_sleep_completes() {
    let engine = engine(EngineKind::Threaded);
    let module = Module::new(&engine, SLEEPER).unwrap();
    let ctx = WasiCtx::builder().build().unwrap();
    let (mut store, instance) = weft_wasi::instantiate(&engine, &module, ctx, |_| Ok(())).unwrap();
    let sleep = instance.get_typed_func::<i64, i32, _>(&store, "sleep").unwrap();
    // Three slices of the interrupt poll: the sleep is cut into slices
    // and still ends with the clock's event.
    assert_eq!(sleep.call(&mut store, 30_000_000).unwrap(), 0);
    let memory = instance.get_memory("memory").unwrap();
    let mut event = [0u8; 16];
    memory.read(&store, 64, &mut event).unwrap();
    assert_eq!(u64::from_le_bytes(event[..8].try_into().unwrap()), 42, "userdata");
    assert_eq!(event[10], 0, "a clock event");
}

/// Runs in a child process whose standard input is a pipe nobody writes
/// to (see the next test): the guest blocks in `fd_read` of the inherited
/// stdin until the interrupt.
#[test]
#[ignore = "run by a_guest_blocked_on_stdin_is_interrupted in a child process"]
fn stdin_reader_child() {
    if std::env::var_os("WEFT_STDIN_CHILD").is_none() {
        return;
    }
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let engine = engine(kind);
        let module = Module::new(&engine, READER).unwrap();
        let ctx = WasiCtx::builder().inherit_stdio().build().unwrap();
        let (mut store, instance) = weft_wasi::instantiate(&engine, &module, ctx, |_| Ok(())).unwrap();
        let read = instance.get_typed_func::<(), i32, _>(&store, "read").unwrap();
        let interrupter = interrupt_after(store.interrupt_handle(), Duration::from_millis(50));
        let err = read.call(&mut store, ()).unwrap_err();
        interrupter.join().unwrap();
        assert_eq!(err.as_trap().map(|t| t.kind()), Some(&TrapKind::Interrupted), "{kind:?}: {err}");
    }
}

#[test]
fn a_guest_blocked_on_stdin_is_interrupted() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "stdin_reader_child", "--ignored", "--nocapture", "--test-threads=1"])
        .env("WEFT_STDIN_CHILD", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Keep the pipe's write end open (and silent) until the child is done.
    let _stdin = child.stdin.take();
    // A broken interrupt blocks the child forever: give up after a minute
    // rather than hang the test run.
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the guest reading stdin was not interrupted");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("1 passed"), "{stdout}");
}
