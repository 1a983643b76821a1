//! The threaded engine runs exception handling natively: every function of
//! a module that throws and catches — `throw`, `throw_ref`, `try_table`
//! with each catch kind, `exnref` values, and the legacy
//! `try`/`catch`/`catch_all`/`rethrow`/`delegate` — is translated
//! (`Module::translate_all` reports no function left to the reference
//! engine), and each gives the reference engine's result.

mod common;

use arbitrary::Unstructured;
use common::{Rng, dummy_imports, seed_bytes};
use weft::raw::threaded::translate_all;
use weft::{Config, Engine, EngineKind, Error, Instance, Linker, Module, Store, Trap, TrapKind, Val};

fn engine(kind: EngineKind) -> Engine {
    let mut config = Config::default();
    config.engine_kind(kind);
    Engine::new(&config)
}

fn outcome(r: Result<Vec<Val>, Error>) -> String {
    match r {
        Ok(vals) => format!("{vals:?}"),
        Err(e) => match e.as_trap().map(Trap::kind) {
            Some(TrapKind::Exception(t)) => format!("exception {:?}", t.payload),
            Some(kind) => format!("trap {kind}"),
            None => format!("error {e}"),
        },
    }
}

/// Asserts every function of `wat` translates, and that each `(export,
/// argument, expected)` call gives `expected` on both engines.
fn check(wat: &str, cases: &[(&str, i32, &str)]) {
    let threaded = Module::new(&engine(EngineKind::Threaded), wat).unwrap();
    let stats = translate_all(&threaded);
    assert_eq!(stats.translated, stats.functions, "functions left to the reference engine: {stats:?}");
    for kind in [EngineKind::Reference, EngineKind::Threaded] {
        let engine = engine(kind);
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        for &(name, arg, expected) in cases {
            let f = instance.get_func(name).unwrap_or_else(|| panic!("no export {name}"));
            let got = outcome(f.call_vec(&mut store, &[Val::I32(arg)]));
            assert_eq!(got, expected, "{name}({arg}) on {kind:?}");
        }
    }
}

const PROGRAMS: &[(&str, &str)] = &[
    ("deep_throw.wat", include_str!("programs/deep_throw.wat")),
    ("rethrow.wat", include_str!("programs/rethrow.wat")),
    ("legacy.wat", include_str!("programs/legacy.wat")),
];

/// The hand-written programs (`tests/exceptions.rs` checks their results
/// on both engines) translate completely.
#[test]
fn the_programs_translate_completely() {
    for (file, text) in PROGRAMS {
        let module = Module::new(&engine(EngineKind::Threaded), *text).unwrap();
        let stats = translate_all(&module);
        assert_eq!(stats.translated, stats.functions, "{file}: {stats:?}");
    }
}

#[test]
fn catch_by_tag_across_many_frames() {
    check(
        r#"(module
            (tag $e (param i32 i64))
            (tag $f (param i32 i64))
            (tag $g (param i32))
            (func $down (param $n i32) (result i32)
                (if (i32.eqz (local.get $n))
                    (then (throw $e (i32.const 7) (i64.const 35))))
                (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1)))))
            (func (export "deep") (param $n i32) (result i32)
                (block $h (result i32 i64)
                    (try_table (result i32) (catch $f $h) (catch $e $h)
                        (call $down (local.get $n)))
                    (return))
                (i32.wrap_i64)
                (i32.add))
            (func (export "miss") (param $n i32) (result i32)
                (block $h (result i32 i64)
                    (try_table (result i32) (catch $f $h)
                        (call $down (local.get $n)))
                    (return))
                (drop))
            (func (export "same_frame") (param $n i32) (result i32) (local $i i32) (local $sum i32)
                (loop $l
                    (block $h (result i32)
                        (try_table (catch $g $h)
                            (throw $g (local.get $i)))
                        (unreachable))
                    (local.set $sum (i32.add (local.get $sum)))
                    (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
                (local.get $sum)))"#,
        &[
            ("deep", 1000, "[I32(42)]"),
            ("deep", 0, "[I32(42)]"),
            ("miss", 3, "exception [I32(7), I64(35)]"),
            ("same_frame", 100, "[I32(4950)]"),
        ],
    );
}

#[test]
fn catch_all_and_ref_kinds_and_throw_ref() {
    check(
        r#"(module
            (tag $e (param i32))
            (tag $g)
            (func $t (param i32) (throw $e (local.get 0)))
            (func (export "all") (param $x i32) (result i32)
                (block $h
                    (try_table (catch $g $h) (catch_all $h) (call $t (local.get $x)))
                    (return (i32.const -1)))
                (i32.const 11))
            (func (export "ref") (param $x i32) (result i32)
                (local $r exnref)
                (block $h (result i32 exnref)
                    (try_table (catch_ref $e $h) (call $t (local.get $x)))
                    (return (i32.const -1)))
                (local.set $r)
                ;; rethrow the same instance and catch its payload again
                (block $h2 (result i32)
                    (try_table (catch $e $h2) (throw_ref (local.get $r)))
                    (return (i32.const -2)))
                (i32.add))
            (func (export "all_ref") (param $x i32) (result i32)
                (block $h (result exnref)
                    (try_table (catch_all_ref $h) (call $t (local.get $x)))
                    (return (i32.const -1)))
                (throw_ref))
            (func (export "null_ref") (param $x i32) (result i32)
                (throw_ref (ref.null exn)))
            (func (export "is_null") (param $x i32) (result i32)
                (block $h (result exnref)
                    (try_table (catch_all_ref $h) (throw $g))
                    (return (i32.const -1)))
                (ref.is_null))
            (func (export "to_caller") (param $x i32) (result i32)
                ;; a clause that targets the function's own label returns
                (try_table (catch $e 0) (call $t (local.get $x)))
                (i32.const -1))
            (func (export "into_loop") (param $x i32) (result i32)
                (local $n i32)
                (block $done
                    (i32.const 0)
                    (loop $l (param i32)
                        (local.set $n (i32.add (local.get $n)))
                        (br_if $done (i32.ge_u (local.get $n) (i32.const 100)))
                        (try_table (catch $e $l) (call $t (local.get $x)))))
                (local.get $n)))"#,
        &[
            ("all", 1, "[I32(11)]"),
            ("ref", 21, "[I32(42)]"),
            ("all_ref", 5, "exception [I32(5)]"),
            ("null_ref", 0, "trap null exception reference"),
            ("is_null", 0, "[I32(0)]"),
            ("to_caller", 9, "[I32(9)]"),
            ("into_loop", 30, "[I32(120)]"),
        ],
    );
}

#[test]
fn through_call_indirect_and_host_boundary_traps() {
    check(
        r#"(module
            (type $v (func (param i32)))
            (tag $e (param i32))
            (table 2 funcref)
            (elem (i32.const 0) $t $boom)
            (func $t (param i32) (throw $e (local.get 0)))
            (func $boom (param i32) (unreachable))
            (func $relay (param $i i32) (param $x i32)
                (call_indirect (type $v) (local.get $x) (local.get $i)))
            (func (export "indirect") (param $x i32) (result i32)
                (block $h (result i32)
                    (try_table (catch $e $h) (call $relay (i32.const 0) (local.get $x)))
                    (return (i32.const -1)))
                (i32.const 1)
                (i32.add))
            (func (export "trap_passes") (param $x i32) (result i32)
                (block $h
                    (try_table (catch_all $h) (call $relay (i32.const 1) (local.get $x)))
                    (return (i32.const -1)))
                (i32.const 1)))"#,
        &[("indirect", 41, "[I32(42)]"), ("trap_passes", 0, "trap unreachable")],
    );
}

#[test]
fn legacy_try_catch_rethrow_delegate() {
    check(
        r#"(module
            (tag $e (param i32))
            (tag $f)
            (func $t (param i32) (throw $e (local.get 0)))
            (func (export "catch") (param $x i32) (result i32)
                try (result i32)
                    local.get $x
                    call $t
                    i32.const 0
                catch $f
                    i32.const 1
                catch $e
                    i32.const 100
                    i32.add
                end)
            (func (export "catch_all") (param $x i32) (result i32)
                try (result i32)
                    throw $f
                catch $e
                catch_all
                    i32.const 3
                end)
            (func (export "rethrow") (param $x i32) (result i32)
                try (result i32)
                    try (result i32)
                        local.get $x
                        call $t
                        i32.const 0
                    catch $e
                        drop
                        block
                            rethrow 1
                        end
                        i32.const 0
                    end
                catch $e
                    i32.const 1000
                    i32.add
                end)
            (func (export "delegate") (param $x i32) (result i32)
                try $outer (result i32)
                    try (result i32)
                        try
                            local.get $x
                            call $t
                        delegate $outer
                        i32.const 0
                    catch $e
                        drop
                        i32.const -1
                    end
                catch $e
                    i32.const 2000
                    i32.add
                end)
            (func $deleg (param $x i32)
                try
                    try
                        local.get $x
                        call $t
                    delegate 1
                catch_all
                end)
            (func (export "delegate_caller") (param $x i32) (result i32)
                try (result i32)
                    local.get $x
                    call $deleg
                    i32.const 0
                catch $e
                    i32.const 3000
                    i32.add
                end)
            (func (export "delegate_to_block") (param $x i32) (result i32)
                ;; label 0 of the delegate is a plain block: the search goes on
                ;; outside it, skipping the middle try's catch_all
                try (result i32)
                    block
                        try
                            try
                                local.get $x
                                call $t
                            delegate 1
                        catch_all
                        end
                    end
                    i32.const -1
                catch $e
                    i32.const 4000
                    i32.add
                end)
            (func (export "nested_rethrow") (param $x i32) (result i32)
                ;; rethrow 1 inside an inner catch body re-raises the outer
                ;; catch's exception, even after a try_table caught a copy
                try (result i32)
                    try (result i32)
                        local.get $x
                        call $t
                        i32.const 0
                    catch $e
                        drop
                        block $h
                            try_table (catch_all $h)
                                rethrow 2
                            end
                        end
                        try (result i32)
                            throw $f
                        catch_all
                            rethrow 1
                        end
                    end
                catch $e
                    i32.const 5000
                    i32.add
                end)
            (func (export "in_a_loop") (param $x i32) (result i32)
                (local $sum i32)
                loop $l
                    try
                        local.get $x
                        call $t
                    catch $e
                        local.get $sum
                        i32.add
                        local.set $sum
                    end
                    local.get $x
                    i32.const 1
                    i32.sub
                    local.tee $x
                    br_if $l
                end
                local.get $sum)
            (func (export "uncaught") (param $x i32) (result i32)
                try (result i32)
                    local.get $x
                    call $t
                    i32.const 0
                catch_all
                    rethrow 0
                end))"#,
        &[
            ("catch", 5, "[I32(105)]"),
            ("catch_all", 0, "[I32(3)]"),
            ("rethrow", 5, "[I32(1005)]"),
            ("delegate", 5, "[I32(2005)]"),
            ("delegate_caller", 5, "[I32(3005)]"),
            ("delegate_to_block", 5, "[I32(4005)]"),
            ("nested_rethrow", 5, "[I32(5005)]"),
            ("in_a_loop", 10, "[I32(55)]"),
            ("uncaught", 4, "exception [I32(4)]"),
        ],
    );
}

/// Throwing and catching, in the same frame and from a callee, does not
/// grow the native stack (the handler chain stays a chain of jumps): a
/// million of each on a 256 KiB thread. Meaningful in release builds.
#[test]
fn a_million_throws_on_a_256k_stack() {
    let wat = r#"(module
        (tag $e (param i32))
        (func $throws (param i32) (throw $e (local.get 0)))
        (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32)
            (loop $l
                (block $h (result i32)
                    (try_table (catch $e $h) (throw $e (local.get $i)))
                    (unreachable))
                (local.set $acc (i32.add (local.get $acc)))
                (block $h2 (result i32)
                    (try_table (catch $e $h2) (call $throws (local.get $i)))
                    (unreachable))
                (local.set $acc (i32.xor (local.get $acc)))
                (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
            (local.get $acc)))"#;
    let run = move |kind: EngineKind, n: i32| {
        let engine = engine(kind);
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        instance.get_typed_func::<i32, i32, _>(&store, "run").unwrap().call(&mut store, n).unwrap()
    };
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            assert_eq!(run(EngineKind::Threaded, 1000), run(EngineKind::Reference, 1000));
            let _ = run(EngineKind::Threaded, 1_000_000);
        })
        .unwrap()
        .join()
        .unwrap();
}

/// A tail call ends its frame before the callee runs, so the frame's own
/// handlers do not see the callee's exception; its caller's do — also when
/// the callee runs on the reference engine (exception handling in a
/// function with `v128` values makes it fall back) and
/// its exception comes back as an error.
#[test]
fn a_tail_call_leaves_its_handlers_behind() {
    let wat = r#"(module
        (tag $e (param i32))
        (func $fallback_throw (param i32) (result i32)
            (drop (i32x4.extract_lane 0 (i32x4.splat (local.get 0))))
            (throw $e (local.get 0)))
        (func $threaded_throw (param i32) (result i32)
            (throw $e (local.get 0)))
        (func $tail (param i32) (result i32)
            (block $h (result i32)
                (try_table (result i32) (catch $e $h)
                    (if (result i32) (i32.and (local.get 0) (i32.const 1))
                        (then (return_call $fallback_throw (local.get 0)))
                        (else (return_call $threaded_throw (local.get 0)))))
                (return))
            (i32.add (i32.const 1000)))
        (func (export "run") (param i32) (result i32)
            (block $h (result i32)
                (try_table (result i32) (catch $e $h) (call $tail (local.get 0)))
                (return))
            (i32.add (i32.const 1)))
        (func (export "uncaught") (param i32) (result i32)
            (call $tail (local.get 0))))"#;
    for kind in [EngineKind::Reference, EngineKind::Threaded] {
        let engine = engine(kind);
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let call = |store: &mut Store<()>, name: &str, arg: i32| {
            outcome(instance.get_func(name).unwrap().call_vec(store, &[Val::I32(arg)]))
        };
        assert_eq!(call(&mut store, "run", 5), "[I32(6)]", "fallback callee on {kind:?}");
        assert_eq!(call(&mut store, "run", 8), "[I32(9)]", "threaded callee on {kind:?}");
        assert_eq!(call(&mut store, "uncaught", 3), "exception [I32(3)]", "{kind:?}");
    }
}

/// What one engine did with a random module: per exported function called
/// with default arguments, its results or its error (exceptions with their
/// payload), and how many functions it translated.
fn observe_random(kind: EngineKind, bytes: &[u8]) -> Option<(Vec<String>, usize)> {
    let mut config = Config::default();
    config.engine_kind(kind).max_call_depth(1_000);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, bytes).ok()?;
    let translated = translate_all(&module).translated;
    let mut store = Store::new(&engine, ());
    let imports = dummy_imports(&mut store, &module)?;
    let instance = Instance::new(&mut store, &module, &imports).ok()?;
    let funcs: Vec<_> = instance.exports().filter_map(|(_, e)| e.into_func()).collect();
    let mut out = Vec::new();
    for func in funcs {
        let ty = func.ty(&store).ok()?;
        let args: Vec<Val> = ty.params().iter().map(|t| Val::default_for(*t)).collect();
        let r = func.call_vec(&mut store, &args);
        if r.as_ref().is_err_and(|e| e.message() == "call stack exhausted") {
            break;
        }
        // References by kind only: each engine has its own store.
        let norm = |v: &Val| match v {
            Val::FuncRef(Some(_)) => "funcref".to_string(),
            Val::ExnRef(Some(_)) => "exnref".to_string(),
            v => format!("{v:?}"),
        };
        out.push(match r {
            Ok(vals) => format!("{:?}", vals.iter().map(norm).collect::<Vec<_>>()),
            Err(e) => match e.as_trap().map(Trap::kind) {
                Some(TrapKind::Exception(t)) => {
                    format!("exception {:?}", t.payload.iter().map(norm).collect::<Vec<_>>())
                }
                _ => e.message(),
            },
        });
    }
    Some((out, translated))
}

/// How many `throw`, `throw_ref` and `try_table` instructions `bytes` holds.
fn exception_ops(bytes: &[u8]) -> usize {
    use weft_decode::Operator;
    let Ok(module) = weft_decode::Module::decode(bytes) else { return 0 };
    let mut n = 0;
    for f in 0..module.code.len() {
        let mut ops = module.operators(f);
        while !ops.is_finished() {
            match ops.read() {
                Ok(Operator::Throw { .. } | Operator::ThrowRef {} | Operator::TryTable { .. }) => n += 1,
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    n
}

/// Random modules with exception handling (wasm-smith's `try_table`,
/// `throw`, `throw_ref` and `exnref`s) give the same results on both
/// engines, and the threaded engine translates their functions.
#[test]
fn random_modules_with_exceptions_agree_with_the_reference_engine() {
    let mut rng = Rng(0xe8ce_7105_5eed);
    let (mut compared, mut with_exceptions, mut thrown) = (0, 0, 0);
    for case in 0..120 {
        let seed = seed_bytes(&mut rng);
        let config = wasm_smith::Config {
            exceptions_enabled: true,
            gc_enabled: false,
            custom_descriptors_enabled: false,
            shared_everything_threads_enabled: false,
            threads_enabled: false,
            simd_enabled: false,
            relaxed_simd_enabled: false,
            min_funcs: 2,
            max_funcs: 20,
            min_tags: 1,
            max_instructions: 300,
            max_nesting_depth: 20,
            export_everything: true,
            ..wasm_smith::Config::default()
        };
        let Ok(mut module) = wasm_smith::Module::new(config, &mut Unstructured::new(&seed)) else { continue };
        if module.ensure_termination(2_000).is_err() {
            continue;
        }
        let bytes = module.to_bytes();
        let (Some((reference, _)), Some((threaded, translated))) =
            (observe_random(EngineKind::Reference, &bytes), observe_random(EngineKind::Threaded, &bytes))
        else {
            continue;
        };
        if reference != threaded {
            let path = std::env::temp_dir().join(format!("weft-threaded-exn-diff-{case}.wasm"));
            std::fs::write(&path, &bytes).unwrap();
            panic!("case {case} differs ({}):\nreference {reference:?}\nthreaded  {threaded:?}", path.display());
        }
        compared += 1;
        if translated > 0 && exception_ops(&bytes) > 0 {
            with_exceptions += 1;
        }
        thrown += reference.iter().filter(|r| r.starts_with("exception")).count();
    }
    eprintln!("{compared} modules compared, {with_exceptions} with exception instructions, {thrown} calls threw");
    assert!(compared > 60, "too few cases: {compared}");
    assert!(with_exceptions > 20, "too few modules with exceptions: {with_exceptions}");
}

/// With fuel, the threaded engine runs metered code (a charge at every
/// block start, catch landings included): a throwing loop gives the same
/// result as on the reference engine, spends about as much fuel, and runs
/// out of it as a trap, not as a catchable exception.
#[test]
fn throwing_under_fuel() {
    let wat = r#"(module
        (tag $e (param i32))
        (func $t (param i32) (throw $e (local.get 0)))
        (func (export "run") (param $n i32) (result i32) (local $sum i32)
            (loop $l
                (block $h (result i32)
                    (try_table (catch $e $h) (call $t (local.get $n)))
                    (unreachable))
                (local.set $sum (i32.add (local.get $sum)))
                try
                    local.get $n
                    call $t
                catch_all
                end
                (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $sum)))"#;
    let run = |kind: EngineKind, fuel: u64| {
        let mut config = Config::default();
        config.engine_kind(kind).consume_fuel(fuel);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wat).unwrap();
        assert_eq!(translate_all(&module).translated, 2, "{kind:?}");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let r = outcome(instance.get_func("run").unwrap().call_vec(&mut store, &[Val::I32(100)]));
        (r, store.get_fuel().unwrap())
    };
    let (reference, ref_left) = run(EngineKind::Reference, 1_000_000);
    let (threaded, threaded_left) = run(EngineKind::Threaded, 1_000_000);
    assert_eq!(threaded, reference);
    assert_eq!(threaded, "[I32(5050)]");
    let (spent_ref, spent_threaded) = (1_000_000 - ref_left, 1_000_000 - threaded_left);
    assert!(
        spent_threaded.abs_diff(spent_ref) * 5 < spent_ref,
        "fuel: reference {spent_ref}, threaded {spent_threaded}"
    );
    for kind in [EngineKind::Reference, EngineKind::Threaded] {
        assert_eq!(run(kind, 500).0, "trap all fuel consumed", "{kind:?}");
    }
}
