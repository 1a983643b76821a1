//! Calls on the threaded engine that take its fast paths: `call_indirect`
//! remembers the last callee it entered (`exec/calls.rs`, `IndirectHit`),
//! so a later call through the same table slot must still see a changed
//! element, a type mismatch, a null element; a callee's locals are zeroed
//! by one wide store when there are at most eight, by `fill` otherwise
//! (`exec/mod.rs`, `make_frame`), over slots an earlier call left dirty;
//! a call's last argument move is done by the call op itself
//! (`CallInternalCopy`), and numeric globals are read and written by
//! typed ops that skip the reference encoding.
//! Each expectation is worked out from the spec by hand and checked on
//! both engines.

use weft::{Config, Engine, EngineKind, Linker, Module, Store, Val};

const MODULE: &str = r#"(module
    (type $ii (func (param i32) (result i32)))
    (type $ll (func (param i64) (result i64)))
    (table $t 4 funcref)
    (elem (table $t) (i32.const 0) func $double $inc $wide)
    (elem declare func $inc)
    (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
    (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
    (func $wide (type $ll) (local.get 0))
    ;; Applies element $i to 1, $n times.
    (func $repeat (export "repeat") (param $i i32) (param $n i32) (result i32) (local $acc i32)
        (local.set $acc (i32.const 1))
        (block $done
            (loop $l
                (br_if $done (i32.eqz (local.get $n)))
                (local.set $acc (call_indirect (type $ii) (local.get $acc) (local.get $i)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $l)))
        (local.get $acc))
    ;; Leaves -1 in the slots its ten locals used.
    (func $dirty (param i32) (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
        (local.set 1 (i64.const -1)) (local.set 2 (i64.const -1)) (local.set 3 (i64.const -1))
        (local.set 4 (i64.const -1)) (local.set 5 (i64.const -1)) (local.set 6 (i64.const -1))
        (local.set 7 (i64.const -1)) (local.set 8 (i64.const -1)) (local.set 9 (i64.const -1))
        (local.set 10 (i64.const -1)))
    ;; The sum of three fresh locals (the wide-store path), then of nine
    ;; (the `fill` path), each after $dirty ran where their frame goes.
    (func $three (param i32) (result i64) (local i64 i64 i64)
        (i64.add (i64.add (local.get 1) (local.get 2)) (local.get 3)))
    (func $nine (param i32) (result i64) (local i64 i64 i64 i64 i64 i64 i64 i64 i64)
        (i64.or (i64.or (i64.or (local.get 1) (local.get 2)) (i64.or (local.get 3) (local.get 4)))
            (i64.or (i64.or (local.get 5) (local.get 6)) (i64.or (i64.or (local.get 7) (local.get 8)) (local.get 9)))))
    (func (export "fresh_locals") (result i32)
        (call $dirty (i32.const 0))
        (call $three (i32.const 0))
        (call $dirty (i32.const 0))
        (call $nine (i32.const 0))
        (i64.or)
        (i32.wrap_i64))
    ;; In one activation: element 0 ten times (1024), element 1 (1025),
    ;; element 0 replaced by $inc (1026), then element $last.
    (func (export "switch") (param $last i32) (result i32) (local $acc i32)
        (local.set $acc (call $repeat (i32.const 0) (i32.const 10)))
        (local.set $acc (call_indirect (type $ii) (local.get $acc) (i32.const 1)))
        (table.set $t (i32.const 0) (ref.func $inc))
        (local.set $acc (call_indirect (type $ii) (local.get $acc) (i32.const 0)))
        (call_indirect (type $ii) (local.get $acc) (local.get $last))))"#;

/// A store and an instance of `wat` on engine `kind`.
fn instantiate(kind: EngineKind, wat: &str) -> (Store<()>, weft::Instance) {
    let mut config = Config::default();
    config.engine_kind(kind);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, wat).unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn run(kind: EngineKind, func: &str, args: &[Val]) -> Result<i32, String> {
    let (mut store, instance) = instantiate(kind, MODULE);
    let f = instance.get_func(func).unwrap();
    let mut results = [Val::I32(0)];
    f.call(&mut store, args, &mut results).map_err(|t| t.message())?;
    match results[0] {
        Val::I32(v) => Ok(v),
        other => panic!("{func}: {other:?}"),
    }
}

fn check(func: &str, args: &[Val], expected: Result<i32, &str>) {
    let expected = expected.map_err(str::to_string);
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        assert_eq!(run(kind, func, args), expected, "{func}({args:?}) on {kind:?}");
    }
}

#[test]
fn locals_start_at_zero_over_dirty_slots() {
    check("fresh_locals", &[], Ok(0));
}

#[test]
fn repeated_indirect_calls() {
    check("repeat", &[Val::I32(0), Val::I32(10)], Ok(1024));
    check("repeat", &[Val::I32(1), Val::I32(10)], Ok(11));
}

#[test]
fn a_changed_element_is_seen_after_a_remembered_call() {
    // Element 0 is `$inc` by the last call.
    check("switch", &[Val::I32(0)], Ok(1027));
    check("switch", &[Val::I32(1)], Ok(1027));
}

#[test]
fn mismatch_and_null_still_trap_after_a_remembered_call() {
    check("switch", &[Val::I32(2)], Err("indirect call type mismatch"));
    check("switch", &[Val::I32(3)], Err("uninitialized element 3"));
    check("switch", &[Val::I32(4)], Err("undefined element"));
    check("repeat", &[Val::I32(2), Val::I32(3)], Err("indirect call type mismatch"));
}

/// Calls whose arguments come from locals (the last one's move fused into
/// the call) and numeric globals of every type, set and read in threaded
/// code, then read through the embedding API.
const MOVES: &str = r#"(module
    (global $gi (export "gi") (mut i32) (i32.const 0))
    (global $gl (export "gl") (mut i64) (i64.const 0))
    (global $gf (export "gf") (mut f32) (f32.const 0))
    (global $gd (export "gd") (mut f64) (f64.const 0))
    (func $sub (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
    (func $sub3 (param i32 i32 i32) (result i32)
        (i32.sub (i32.sub (local.get 0) (local.get 1)) (local.get 2)))
    ;; Counts down from $n by repeated calls, each argument a local.
    (func (export "calls") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $acc i32)
        (local.set $acc (local.get $a))
        (block $done
            (loop $l
                (br_if $done (i32.eqz (local.get $n)))
                (local.set $acc (call $sub (local.get $acc) (local.get $b)))
                (local.set $acc (call $sub3 (local.get $acc) (local.get $b) (local.get $n)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $l)))
        (local.get $acc))
    (func (export "globals") (param $x i32) (result i32)
        (global.set $gi (i32.add (global.get $gi) (local.get $x)))
        (global.set $gl (i64.sub (global.get $gl) (i64.extend_i32_s (local.get $x))))
        (global.set $gf (f32.add (global.get $gf) (f32.convert_i32_s (local.get $x))))
        (global.set $gd (f64.sub (global.get $gd) (f64.convert_i32_s (local.get $x))))
        (i32.add (global.get $gi) (i32.wrap_i64 (global.get $gl))))
    ;; A C function's stack-pointer moves around a call that moves it too.
    (func $frame (export "frame") (param $x i32) (result i32) (local $fp i32)
        (global.set $gi (local.tee $fp (i32.sub (global.get $gi) (i32.const 16))))
        (if (local.get $x) (then (drop (call $frame (i32.sub (local.get $x) (i32.const 1))))))
        (global.set $gi (i32.add (local.get $fp) (i32.const 16)))
        (i32.add (local.get $fp) (local.get $x))))"#;

#[test]
fn call_arguments_from_locals() {
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let (mut store, instance) = instantiate(kind, MOVES);
        let f = instance.get_func("calls").unwrap();
        let mut results = [Val::I32(0)];
        // 100 - 4 * (3 + 3) - (4 + 3 + 2 + 1) = 66.
        f.call(&mut store, &[Val::I32(100), Val::I32(3), Val::I32(4)], &mut results).unwrap();
        assert!(matches!(results[0], Val::I32(66)), "{kind:?}: {results:?}");
    }
}

#[test]
fn numeric_globals_set_in_threaded_code() {
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let (mut store, instance) = instantiate(kind, MOVES);
        let f = instance.get_func("globals").unwrap();
        let mut results = [Val::I32(0)];
        f.call(&mut store, &[Val::I32(5)], &mut results).unwrap();
        assert!(matches!(results[0], Val::I32(0)), "{kind:?}: {results:?}");
        // The host changes one; threaded code reads the new value.
        instance.get_global("gi").unwrap().set(&mut store, Val::I32(40)).unwrap();
        f.call(&mut store, &[Val::I32(7)], &mut results).unwrap();
        assert!(matches!(results[0], Val::I32(35)), "{kind:?}: {results:?}");
        let get = |name: &str, store: &Store<()>| instance.get_global(name).unwrap().get(store).unwrap();
        assert!(matches!(get("gi", &store), Val::I32(47)), "{kind:?}");
        assert!(matches!(get("gl", &store), Val::I64(-12)), "{kind:?}");
        assert!(matches!(get("gf", &store), Val::F32(b) if f32::from_bits(b) == 12.0), "{kind:?}");
        assert!(matches!(get("gd", &store), Val::F64(b) if f64::from_bits(b) == -12.0), "{kind:?}");
        // $frame(3) runs at 47 - 16 and calls down to 47 - 64, restoring each.
        instance.get_func("frame").unwrap().call(&mut store, &[Val::I32(3)], &mut results).unwrap();
        assert!(matches!(results[0], Val::I32(34)), "{kind:?}: {results:?}");
        assert!(matches!(get("gi", &store), Val::I32(47)), "{kind:?}");
    }
}
