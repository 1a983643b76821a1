//! Calls on the threaded engine that take its fast paths: `call_indirect`
//! remembers the last callee it entered (`exec/calls.rs`, `IndirectHit`),
//! so a later call through the same table slot must still see a changed
//! element, a type mismatch, a null element; a callee's locals are zeroed
//! by one wide store when there are at most eight, by `fill` otherwise
//! (`exec/mod.rs`, `make_frame`), over slots an earlier call left dirty.
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

fn run(kind: EngineKind, func: &str, args: &[Val]) -> Result<i32, String> {
    let mut config = Config::default();
    config.engine_kind(kind);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, MODULE).unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
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
