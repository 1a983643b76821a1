//! Traps: kinds, texts and backtraces with names from the name section.

use weft::{Engine, Linker, Module, Store, TrapKind, Val};

fn run(wat: &str, export: &str, args: &[Val]) -> weft::Error {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, wat).unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    instance.get_func(export).unwrap().call_vec(&mut store, args).unwrap_err()
}

#[test]
fn trap_texts_are_the_testsuite_texts() {
    let cases: &[(&str, &str)] = &[
        ("(func (export \"f\") unreachable)", "unreachable"),
        ("(func (export \"f\") (drop (i32.div_s (i32.const 1) (i32.const 0))))", "integer divide by zero"),
        ("(func (export \"f\") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))", "integer overflow"),
        ("(func (export \"f\") (drop (i32.trunc_f32_s (f32.const nan))))", "invalid conversion to integer"),
        ("(func (export \"f\") (drop (i64.trunc_f64_u (f64.const -1))))", "integer overflow"),
        ("(memory 1) (func (export \"f\") (drop (i32.load (i32.const 65533))))", "out of bounds memory access"),
        ("(table 1 funcref) (func (export \"f\") (drop (table.get (i32.const 1))))", "out of bounds table access"),
        ("(table 1 funcref) (func (export \"f\") (call_indirect (i32.const 1)))", "undefined element"),
        ("(table 1 funcref) (func (export \"f\") (call_indirect (i32.const 0)))", "uninitialized element 0"),
        (
            "(table 1 funcref) (elem (i32.const 0) $g) (func $g (param i32)) (func (export \"f\") (call_indirect (i32.const 0)))",
            "indirect call type mismatch",
        ),
        ("(func (export \"f\") (drop (ref.as_non_null (ref.null func))))", "null reference"),
        ("(type $t (func)) (func (export \"f\") (call_ref $t (ref.null $t)))", "null function reference"),
    ];
    for (body, text) in cases {
        let err = run(&format!("(module {body})"), "f", &[]);
        assert_eq!(err.message(), *text, "{body}");
        assert!(err.as_trap().is_some(), "{body}");
    }
}

#[test]
fn backtrace_names_come_from_the_name_section() {
    let err = run(
        r#"(module $demo
            (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
            (func $middle (param i32) (result i32) (call $inner (local.get 0)))
            (func (export "outer") (result i32) (call $middle (i32.const 0))))"#,
        "outer",
        &[],
    );
    let trap = err.as_trap().unwrap();
    assert_eq!(trap.kind(), &TrapKind::IntegerDivideByZero);
    let names: Vec<_> = trap.backtrace().iter().map(|f| f.func_name.clone()).collect();
    assert_eq!(names, [Some("inner".to_string()), Some("middle".to_string()), None]);
    assert_eq!(trap.backtrace()[0].module_name.as_deref(), Some("demo"));
    let printed = trap.to_string();
    assert!(printed.starts_with("integer divide by zero\nwasm backtrace:\n"), "{printed}");
    assert!(printed.contains("demo!inner"), "{printed}");
    assert!(printed.contains("demo!<wasm function 2>"), "{printed}");
}

#[test]
fn nan_bits_survive() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
            (func (export "id32") (param f32) (result f32) local.get 0)
            (func (export "neg64") (param f64) (result f64) (f64.neg (local.get 0))))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let signalling = Val::F32(0x7fa0_0001);
    let out = instance.get_func("id32").unwrap().call_vec(&mut store, &[signalling]).unwrap();
    assert!(out[0].bits_eq(&signalling));
    let out = instance.get_func("neg64").unwrap().call_vec(&mut store, &[Val::F64(0x7ff0_0000_0000_0123)]).unwrap();
    assert_eq!(out[0], Val::F64(0xfff0_0000_0000_0123));
}

/// Instructions an engine does not implement yet trap with a clear
/// "unsupported instruction X" (and never panic); implemented ones run.
#[test]
fn unsupported_instructions_trap_cleanly() {
    // (`throw` was the example here until exceptions landed; an uncaught
    // exception is tested in tests/exceptions.rs.)
    let bodies = [
        "(memory 1 1 shared) (func (export \"f\") (drop (i32.atomic.load (i32.const 0))))",
        "(func (export \"f\") (drop (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))",
    ];
    for body in bodies {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, format!("(module {body})")).unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        match instance.get_func("f").unwrap().call(&mut store, &[], &mut []) {
            Ok(()) => {}
            Err(err) => {
                let trap = err.as_trap().unwrap_or_else(|| panic!("{body}: {err}"));
                assert!(matches!(trap.kind(), TrapKind::Unsupported(_)), "{body}: {err}");
                assert!(err.message().starts_with("unsupported instruction "), "{body}: {err}");
            }
        }
    }
}

#[test]
fn stepper_runs_one_instruction_at_a_time() {
    use weft::{Step, Stepper};
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
            (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
            (func (export "f") (param i32) (result i32) (i32.add (call $sq (local.get 0)) (i32.const 1))))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let f = instance.get_func("f").unwrap();
    let mut stepper = Stepper::new(&mut store, f, &[Val::I32(6)]).unwrap();
    let mut trace = Vec::new();
    let results = loop {
        let frames = stepper.frames();
        let next = frames[0].next.map(|i| i.mnemonic()).unwrap_or("");
        assert!(frames[0].next_text.starts_with(next));
        trace.push(format!("{}:{} {:?}", frames.len(), frames[0].next_text, stepper.operand_stack()));
        if let Step::Finished(results) = stepper.step(&mut store).unwrap() {
            break results;
        }
    };
    assert_eq!(results, [Val::I32(37)]);
    assert_eq!(
        trace,
        [
            "1:local.get 0 []",
            "1:call 0 [I32(6)]",
            "2:local.get 0 []",
            "2:local.get 0 [I32(6)]",
            "2:i32.mul [I32(6), I32(6)]",
            "2:end [I32(36)]",
            "1:i32.const 1 [I32(36)]",
            "1:i32.add [I32(36), I32(1)]",
            "1:end [I32(37)]",
        ]
    );
}

/// A trap inside wasm that a host function re-entered keeps the frames of
/// both activations, innermost first.
#[test]
fn backtrace_spans_host_reentry() {
    use weft::{Caller, Error, Trap};
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("env", "host", |mut caller: Caller<'_, ()>| -> Result<(), Trap> {
            let inner = caller.get_export("inner").and_then(|e| e.into_func()).unwrap();
            inner.call(&mut caller, &[], &mut []).map_err(|e| match e {
                Error::Trap(t) => t,
                other => Trap::host(other.to_string()),
            })
        })
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "host" (func $host))
            (func $inner (export "inner") unreachable)
            (func $outer (export "outer") call $host))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let err = instance.get_func("outer").unwrap().call(&mut store, &[], &mut []).unwrap_err();
    let names: Vec<_> = err.as_trap().unwrap().backtrace().iter().map(|f| f.func_name.clone().unwrap()).collect();
    assert_eq!(names, ["inner", "outer"]);
    assert_eq!(err.message(), "unreachable");
}

#[test]
fn nan_classification_and_send() {
    assert!(Val::F32(0xffc0_0000).is_canonical_nan());
    assert!(!Val::F32(0x7fc0_0001).is_canonical_nan());
    assert!(Val::F32(0x7fc0_0001).is_arithmetic_nan());
    assert!(!Val::F64(0x7ff0_0000_0000_0001).is_arithmetic_nan());
    assert!(Val::F64(0x7ff8_0000_0000_0000).is_canonical_nan());
    fn send<T: Send>() {}
    send::<Store<()>>();
    send::<weft::Module>();
    send::<weft::Linker<()>>();
}

#[test]
fn deterministic_nans_canonicalize_arithmetic_only() {
    let mut config = weft::Config::default();
    config.deterministic_nans(true);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
            (func (export "add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
            (func (export "neg") (param f64) (result f64) (f64.neg (local.get 0))))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let out = instance.get_func("add").unwrap().call_vec(&mut store, &[Val::F32(0xffa0_0001), Val::f32(1.0)]).unwrap();
    assert_eq!(out, [Val::F32(0xffc0_0000)]);
    let out = instance.get_func("neg").unwrap().call_vec(&mut store, &[Val::F64(0x7ff0_0000_0000_0001)]).unwrap();
    assert_eq!(out, [Val::F64(0xfff0_0000_0000_0001)]);
}
