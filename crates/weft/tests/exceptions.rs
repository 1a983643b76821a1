//! Exception handling on both engines: the hand-written programs in
//! `tests/programs/*.wat` (each `;; @expect NAME ARG -> RESULT` line is
//! checked; RESULT is an `i32`, `exception` for an uncaught wasm exception,
//! or `trap MESSAGE`), and the host boundary.
//!
//! Host boundary (wasmtime's behaviour): an exception leaving the
//! outermost wasm frame reaches the host as `TrapKind::Exception` with the
//! tag and payload. A host function that gets such an error from a nested
//! call and returns it re-throws the exception in its wasm caller, where a
//! handler can catch it; a host function may also throw its own
//! (`Exn::new` + `Trap::throw`). Any other host error, and every wasm trap,
//! passes every handler, `catch_all` included.
//!
//! `check_with_wasmtime.py` runs the same `@expect` lines in wasmtime; its
//! last run is recorded in `programs/README.md`.

use weft::{Caller, Config, Engine, EngineKind, Error, Exn, Extern, Linker, Module, Store, Trap, TrapKind, Val};

const PROGRAMS: &[(&str, &str)] = &[
    ("deep_throw.wat", include_str!("programs/deep_throw.wat")),
    ("rethrow.wat", include_str!("programs/rethrow.wat")),
    ("legacy.wat", include_str!("programs/legacy.wat")),
];

const ENGINES: [EngineKind; 2] = [EngineKind::Reference, EngineKind::Threaded];

fn engine(kind: EngineKind) -> Engine {
    let mut config = Config::default();
    config.engine_kind(kind);
    Engine::new(&config)
}

/// The `@expect` lines of a program: (export, argument, expected result).
fn expectations(text: &str) -> Vec<(String, i32, String)> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix(";; @expect "))
        .map(|l| {
            let (call, result) = l.split_once(" -> ").expect("NAME ARG -> RESULT");
            let (name, arg) = call.split_once(' ').expect("NAME ARG");
            (name.to_string(), arg.trim().parse().expect("an i32 argument"), result.trim().to_string())
        })
        .collect()
}

fn outcome(r: Result<Vec<Val>, Error>) -> String {
    match r {
        Ok(vals) => match vals.as_slice() {
            [Val::I32(v)] => v.to_string(),
            other => format!("{other:?}"),
        },
        Err(e) => match e.as_trap().map(Trap::kind) {
            Some(TrapKind::Exception(_)) => "exception".to_string(),
            Some(kind) => format!("trap {kind}"),
            None => format!("error {e}"),
        },
    }
}

#[test]
fn programs_give_their_expected_results_on_both_engines() {
    let mut checked = 0;
    for kind in ENGINES {
        let engine = engine(kind);
        for (file, text) in PROGRAMS {
            let module = Module::new(&engine, *text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let mut store = Store::new(&engine, ());
            let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
            let cases = expectations(text);
            assert!(!cases.is_empty(), "{file} has no @expect lines");
            for (name, arg, expected) in cases {
                let f = instance.get_func(&name).unwrap_or_else(|| panic!("{file}: no export {name}"));
                let got = outcome(f.call_vec(&mut store, &[Val::I32(arg)]));
                assert_eq!(got, expected, "{file}: {name}({arg}) on {kind:?}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "only {checked} expectations");
}

#[test]
fn an_uncaught_exception_carries_its_tag_and_payload() {
    for kind in ENGINES {
        let engine = engine(kind);
        let mut store = Store::new(&engine, ());
        let module = Module::new(
            &engine,
            r#"(module
                (tag $t (export "t") (param i32 i64))
                (func $inner (throw $t (i32.const 3) (i64.const -4)))
                (func (export "run") (call $inner)))"#,
        )
        .unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let err = instance.get_func("run").unwrap().call_vec(&mut store, &[]).unwrap_err();
        assert_eq!(err.message(), "uncaught exception");
        let trap = err.as_trap().unwrap();
        let thrown = trap.exception().expect("an exception");
        let Some(Extern::Tag(tag)) = instance.get_export("t") else { panic!("tag export") };
        assert_eq!(thrown.tag, tag);
        assert_eq!(thrown.payload, vec![Val::I32(3), Val::I64(-4)]);
        assert_eq!(thrown.exn.tag(&store).unwrap(), tag);
        assert_eq!(thrown.exn.payload(&store).unwrap(), thrown.payload);
        // The backtrace names the thrower and its caller.
        assert_eq!(trap.backtrace().len(), 2, "{kind:?}: {trap}");
    }
}

/// `outer` catches `$e` around a call to the host, which calls `inner`
/// (which throws `$e(41)` from a callee) and then does what `policy` says.
const BOUNDARY: &str = r#"(module
    (import "host" "call_inner" (func $call_inner (result i32)))
    (tag $e (export "e") (param i32))
    (func $thrower (result i32)
        (throw $e (i32.const 41)))
    ;; No exception instruction: threaded code on the threaded engine,
    ;; which the exception must unwind on its way to the host.
    (func (export "inner") (result i32)
        (i32.add (i32.const 1) (call $thrower)))
    (func $relay (result i32) (call $call_inner))
    (func (export "outer") (result i32)
        (block $h (result i32)
            (try_table (catch $e $h)
                (return (call $relay)))
            (unreachable))
        (i32.add (i32.const 1)))
    (func (export "outer_all") (result i32)
        (block $h
            (try_table (catch_all $h)
                (return (call $relay))))
        (i32.const -1)))"#;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Policy {
    /// Return the nested call's error unchanged.
    Propagate,
    /// Swallow it and return 7.
    Swallow,
    /// Throw a fresh `$e(99)` made by the host.
    ThrowOwn,
    /// Fail with an ordinary host error.
    HostError,
}

fn boundary(kind: EngineKind, policy: Policy, export: &str) -> Result<Vec<Val>, Error> {
    let engine = engine(kind);
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "call_inner", move |mut caller: Caller<'_, ()>| -> Result<i32, Trap> {
            let inner = caller.get_export("inner").and_then(Extern::into_func).unwrap();
            let r = inner.call_vec(&mut caller, &[]);
            let err = r.expect_err("inner throws");
            let trap = match err {
                Error::Trap(t) => t,
                other => panic!("{other}"),
            };
            assert_eq!(trap.exception().map(|t| t.payload.clone()), Some(vec![Val::I32(41)]));
            match policy {
                Policy::Propagate => Err(trap),
                Policy::Swallow => Ok(7),
                Policy::ThrowOwn => {
                    let Some(Extern::Tag(tag)) = caller.get_export("e") else { panic!("tag") };
                    let exn = Exn::new(&mut caller, tag, &[Val::I32(99)]).unwrap();
                    Err(Trap::throw(&caller, exn).unwrap())
                }
                Policy::HostError => Err(Trap::host("host failed")),
            }
        })
        .unwrap();
    let module = Module::new(&engine, BOUNDARY).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    instance.get_func(export).unwrap().call_vec(&mut store, &[])
}

#[test]
fn exceptions_at_the_host_boundary() {
    for kind in ENGINES {
        // The host re-throws what it got: the outer handler catches $e(41).
        assert_eq!(boundary(kind, Policy::Propagate, "outer").unwrap(), vec![Val::I32(42)], "{kind:?}");
        // The host handled it: wasm never sees it.
        assert_eq!(boundary(kind, Policy::Swallow, "outer").unwrap(), vec![Val::I32(7)], "{kind:?}");
        // A host-made exception is caught by tag.
        assert_eq!(boundary(kind, Policy::ThrowOwn, "outer").unwrap(), vec![Val::I32(100)], "{kind:?}");
        // A host error is a trap: not even catch_all catches it.
        let err = boundary(kind, Policy::HostError, "outer_all").unwrap_err();
        assert_eq!(err.message(), "host failed", "{kind:?}");
        // catch_all does catch the re-thrown exception.
        assert_eq!(boundary(kind, Policy::Propagate, "outer_all").unwrap(), vec![Val::I32(-1)], "{kind:?}");
    }
}

#[test]
fn traps_are_not_caught() {
    for kind in ENGINES {
        let engine = engine(kind);
        let mut store = Store::new(&engine, ());
        let module = Module::new(
            &engine,
            r#"(module
                (func $boom (unreachable))
                (func (export "run") (result i32)
                    (block $h
                        (try_table (catch_all $h) (call $boom)))
                    (i32.const 1))
                (func (export "legacy") (result i32)
                    try (result i32) call $boom i32.const 0 catch_all i32.const 1 end))"#,
        )
        .unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        for name in ["run", "legacy"] {
            let err = instance.get_func(name).unwrap().call_vec(&mut store, &[]).unwrap_err();
            assert_eq!(err.message(), "unreachable", "{name} on {kind:?}");
        }
    }
}

/// A loop that throws and catches many times keeps the machine's stacks
/// flat (each catch unwinds to the loop's level).
#[test]
fn throwing_in_a_loop() {
    for kind in ENGINES {
        let engine = engine(kind);
        let mut store = Store::new(&engine, ());
        let module = Module::new(
            &engine,
            r#"(module
                (tag $e (param i32))
                (func $t (param i32) (throw $e (local.get 0)))
                (func (export "run") (param $n i32) (result i32) (local $sum i32)
                    (loop $l
                        (block $h (result i32)
                            (try_table (catch $e $h) (call $t (local.get $n)))
                            (unreachable))
                        (local.set $sum (i32.add (local.get $sum)))
                        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
                    (local.get $sum)))"#,
        )
        .unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<i32, i32, _>(&store, "run").unwrap();
        assert_eq!(run.call(&mut store, 10_000).unwrap(), 50_005_000, "{kind:?}");
    }
}

/// Exceptions exposed as `exnref`s are collected (issue 16): a loop that
/// catches 300,000 exceptions with `catch_all_ref`, keeps the last in a
/// global and re-throws it to read its payload runs with a bounded number
/// of instances in the store; one kept in a struct field survives
/// collections forced before every allocation.
#[test]
fn escaped_exceptions_are_collected() {
    const WAT: &str = r#"(module
      (tag $e (param i32))
      (type $box (struct (field (mut exnref))))
      (global $last (mut exnref) (ref.null exn))
      (func $throw (param i32) (throw $e (local.get 0)))
      (func $payload (param exnref) (result i32)
        (block $got (result i32)
          (try_table (catch $e $got) (throw_ref (local.get 0)))
          (unreachable)))
      (func (export "loop") (param $n i32) (result i32)
        (local $i i32) (local $sum i32)
        (loop $l
          (block $h (result exnref)
            (try_table (catch_all_ref $h) (call $throw (local.get $i)))
            (unreachable))
          (global.set $last)
          (local.set $sum (i32.add (local.get $sum) (call $payload (global.get $last))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $sum))
      ;; An exnref only a struct field holds, across allocations.
      (func (export "boxed") (param $n i32) (result i32)
        (local $b (ref null $box)) (local $i i32)
        (local.set $b (struct.new $box
          (block $h (result exnref)
            (try_table (catch_all_ref $h) (call $throw (i32.const 42)))
            (unreachable))))
        (loop $l
          (drop (struct.new $box (ref.null exn)))
          (block $h (result exnref)
            (try_table (catch_all_ref $h) (call $throw (local.get $i)))
            (unreachable))
          (drop)
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (call $payload (struct.get $box 0 (local.get $b)))))"#;

    let mut config = Config::default();
    config.engine_kind(EngineKind::Reference);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let n = 300_000i32;
    let sum = instance.get_typed_func::<i32, i32, ()>(&store, "loop").unwrap().call(&mut store, n).unwrap();
    assert_eq!(sum, (0..n).fold(0i32, |a, b| a.wrapping_add(b)));
    let stats = store.gc_stats();
    assert!(stats.collections > 0 && stats.exceptions_freed > 250_000, "{stats:?}");
    assert!(stats.exceptions < 50_000, "the store keeps a bounded number of instances: {stats:?}");

    config.gc_stress(true);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let boxed = instance.get_typed_func::<i32, i32, ()>(&store, "boxed").unwrap();
    assert_eq!(boxed.call(&mut store, 100).unwrap(), 42, "the boxed exception survived");
    let stats = store.gc_stats();
    assert!(stats.collections >= 200 && stats.exceptions_freed >= 99, "{stats:?}");
}

/// `exnref`s held only in threaded slots: `$first` in a local for the
/// whole loop, `$x` thrown, caught with its reference, re-thrown with
/// `throw_ref` and caught again every iteration, and one on the operand
/// stack across a host call that collects.
const THREADED_EXNREFS: &str = r#"(module
  (import "host" "collect" (func $collect (param i32) (result i32)))
  (tag $e (param i32))
  (func $throw (param i32) (throw $e (local.get 0)))
  (func $payload (param exnref) (result i32)
    (block $got (result i32)
      (try_table (catch $e $got) (throw_ref (local.get 0)))
      (unreachable)))
  (func (export "loop") (param $n i32) (result i32)
    (local $i i32) (local $sum i32) (local $first exnref) (local $x exnref)
    (local.set $first
      (block $h (result exnref)
        (try_table (catch_all_ref $h) (call $throw (i32.const 7)))
        (unreachable)))
    (loop $l
      (local.set $x
        (block $h (result exnref)
          (try_table (catch_all_ref $h) (throw $e (local.get $i)))
          (unreachable)))
      (local.set $x
        (block $h (result exnref)
          (try_table (catch_all_ref $h) (throw_ref (local.get $x)))
          (unreachable)))
      (local.set $sum (i32.add (local.get $sum) (call $payload (local.get $x))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $sum) (call $payload (local.get $first))))
  (func (export "across_host") (result i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (call $throw (i32.const 5)))
      (unreachable))
    (drop (call $collect (i32.const 0)))
    (call $payload)))"#;

fn threaded_exnrefs(stress: bool) -> (Store<()>, weft::Instance) {
    let mut config = Config::default();
    config.engine_kind(EngineKind::Threaded).gc_stress(stress);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, THREADED_EXNREFS).unwrap();
    let stats = weft::raw::threaded::translate_all(&module);
    assert_eq!(stats.translated, stats.functions, "every function runs threaded: {stats:?}");
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "collect", |mut caller: Caller<'_, ()>, x: i32| {
            weft::AsContextMut::as_context_mut(&mut caller).gc();
            x
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

/// The threaded engine's slots are scanned for `exnref` words (tagged with
/// the instance's generation, `weft_exec::gc::raw`): a throw/catch-with-ref
/// loop on the default engine runs with a bounded number of exception
/// instances, and the ones its frames hold survive every collection.
#[test]
fn threaded_exnrefs_are_traced_and_the_rest_collected() {
    let (mut store, instance) = threaded_exnrefs(false);
    let f = instance.get_typed_func::<i32, i32, ()>(&store, "loop").unwrap();
    let n = 200_000i32;
    assert_eq!(f.call(&mut store, n).unwrap(), (0..n).fold(7i32, |a, b| a.wrapping_add(b)));
    let stats = store.gc_stats();
    assert!(stats.collections >= 5 && stats.exceptions_freed > 150_000, "{stats:?}");
    assert!(stats.exceptions < 50_000, "the store keeps a bounded number of instances: {stats:?}");

    // A collection at every throw (`throw_ref` allocates nothing):
    // `$first` and `$x` live only in slots.
    let (mut store, instance) = threaded_exnrefs(true);
    let f = instance.get_typed_func::<i32, i32, ()>(&store, "loop").unwrap();
    assert_eq!(f.call(&mut store, 300).unwrap(), (0..300).sum::<i32>() + 7);
    let stats = store.gc_stats();
    assert!(stats.collections >= 300 && stats.exceptions_freed >= 290, "{stats:?}");
    assert!(stats.exceptions < 10, "{stats:?}");
    // An `exnref` on the operand stack of a frame suspended in a host call
    // that collects.
    let f = instance.get_typed_func::<(), i32, ()>(&store, "across_host").unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 5);
}
