//! The Wasm 3.0 features the threaded engine runs natively — tail calls,
//! typed function references, wide arithmetic, memory64, multiple
//! memories, table64, custom page sizes, `if` with parameters and GC (structs,
//! arrays, i31, casts) — translate fully (no function falls back to the
//! reference engine), and the threaded results agree with the reference
//! engine's; GC objects held only in threaded frames survive collections.

use weft::raw::threaded::translate_all;
use weft::{Config, Engine, EngineKind, Linker, Module, Store, Val};

/// Translates every function of `wat` and asserts none fell back.
fn assert_native(name: &str, wat: &str) {
    let module = Module::new(&Engine::default(), wat).unwrap_or_else(|e| panic!("{name}: {e}"));
    let stats = translate_all(&module);
    assert!(stats.functions > 0, "{name}: no functions");
    assert_eq!(stats.translated, stats.functions, "{name}: some functions fall back: {stats:?}");
}

/// Calls export `func` with `args` on `kind`: its results, or the trap message.
fn run(kind: EngineKind, wat: &str, func: &str, args: &[Val]) -> Result<Vec<Val>, String> {
    let mut config = Config::default();
    config.engine_kind(kind);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, wat).unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let f = instance.get_func(func).unwrap();
    let mut results = vec![Val::I32(0); f.ty(&store).unwrap().results().len()];
    f.call(&mut store, args, &mut results).map_err(|t| t.message())?;
    Ok(results)
}

/// Asserts both engines give `expected` for `func(args)`.
fn check(wat: &str, func: &str, args: &[Val], expected: Result<Vec<Val>, &str>) {
    let expected = expected.map_err(str::to_string);
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        assert_eq!(run(kind, wat, func, args), expected, "{func}({args:?}) on {kind:?}");
    }
}

const TAIL_CALLS: &str = r#"(module
    (type $t (func (param i64 i64) (result i64)))
    (table funcref (elem $sum_i))
    (func $sum (export "sum") (param $n i64) (param $acc i64) (result i64)
        (if (result i64) (i64.eqz (local.get $n))
            (then (local.get $acc))
            (else (return_call $sum (i64.sub (local.get $n) (i64.const 1))
                                    (i64.add (local.get $acc) (local.get $n))))))
    (func $sum_i (export "sum_indirect") (param $n i64) (param $acc i64) (result i64)
        (if (result i64) (i64.eqz (local.get $n))
            (then (local.get $acc))
            (else (return_call_indirect (type $t) (i64.sub (local.get $n) (i64.const 1))
                                    (i64.add (local.get $acc) (local.get $n)) (i32.const 0)))))
    (func $sum_r (export "sum_ref") (param $n i64) (param $acc i64) (result i64)
        (if (result i64) (i64.eqz (local.get $n))
            (then (local.get $acc))
            (else (return_call_ref $t (i64.sub (local.get $n) (i64.const 1))
                                    (i64.add (local.get $acc) (local.get $n)) (ref.func $sum_r)))))
    (elem declare func $sum_r)
    (func (export "bad_indirect") (result i64)
        (return_call_indirect (type $t) (i64.const 1) (i64.const 2) (i32.const 5)))
    (func (export "null_ref") (result i64)
        (return_call_ref $t (i64.const 1) (i64.const 2) (ref.null $t)))
    ;; A tail call with more locals than the caller has slots.
    (func $big (param i32) (result i32) (local i64 i64 i64 i64 i64 i64 i64 i64)
        (local.set 8 (i64.const 5)) (i32.add (local.get 0) (i32.wrap_i64 (local.get 8))))
    (func (export "grow_frame") (param i32) (result i32) (return_call $big (local.get 0))))"#;

const TAIL_CALLS_IMPORTS: &str = r#"(module
    (import "host" "id" (func $id (param i64) (result i64)))
    (func (export "to_import") (param i64) (result i64)
        (return_call $id (i64.add (local.get 0) (i64.const 1)))))"#;

#[test]
fn tail_calls_are_native_and_agree() {
    let wat = TAIL_CALLS;
    assert_native("tail calls", wat);
    let sum = |n: i64| Ok(vec![Val::I64(n * (n + 1) / 2)]);
    check(wat, "sum", &[Val::I64(100_000), Val::I64(0)], sum(100_000));
    check(wat, "sum_indirect", &[Val::I64(1000), Val::I64(0)], sum(1000));
    check(wat, "sum_ref", &[Val::I64(1000), Val::I64(0)], sum(1000));
    check(wat, "bad_indirect", &[], Err("undefined element"));
    check(wat, "null_ref", &[], Err("null function reference"));
    check(wat, "grow_frame", &[Val::I32(3)], Ok(vec![Val::I32(8)]));
}

#[test]
fn tail_call_to_a_host_function_returns_its_results() {
    assert_native("tail call to import", TAIL_CALLS_IMPORTS);
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let mut config = Config::default();
        config.engine_kind(kind);
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker.func_wrap("host", "id", |x: i64| x * 10).unwrap();
        let module = Module::new(&engine, TAIL_CALLS_IMPORTS).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let f = instance.get_typed_func::<i64, i64, _>(&store, "to_import").unwrap();
        assert_eq!(f.call(&mut store, 4).unwrap(), 50, "{kind:?}");
    }
}

const TYPED_REFS: &str = r#"(module
    (type $i2i (func (param i32) (result i32)))
    (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (table $t 2 (ref null $i2i) (ref.func $inc))
    (elem declare func $inc)
    (func (export "call_ref") (param i32) (result i32)
        (call_ref $i2i (local.get 0) (ref.func $inc)))
    (func (export "via_table") (param i32) (result i32)
        (call_ref $i2i (local.get 0) (ref.as_non_null (table.get $t (i32.const 1)))))
    (func (export "null_call") (result i32)
        (call_ref $i2i (i32.const 0) (ref.null $i2i)))
    ;; br_on_null: -1 for a null reference, else the call's result.
    (func (export "on_null") (param $null i32) (result i32)
        (local $f (ref null $i2i))
        (if (i32.eqz (local.get $null)) (then (local.set $f (ref.func $inc))))
        (block $is_null
            (return (call_ref $i2i (i32.const 41) (br_on_null $is_null (local.get $f)))))
        (i32.const -1))
    ;; br_on_non_null, with a non-nullable local.
    (func (export "on_non_null") (param $null i32) (result i32)
        (local $g (ref $i2i))
        (local $f (ref null $i2i))
        (if (i32.eqz (local.get $null)) (then (local.set $f (ref.func $inc))))
        (block $some (result (ref $i2i))
            (br_on_non_null $some (local.get $f))
            (return (i32.const -2)))
        (local.set $g)
        (call_ref $i2i (i32.const 99) (local.get $g))))"#;

#[test]
fn typed_function_references_are_native_and_agree() {
    assert_native("typed function references", TYPED_REFS);
    check(TYPED_REFS, "call_ref", &[Val::I32(1)], Ok(vec![Val::I32(2)]));
    check(TYPED_REFS, "via_table", &[Val::I32(7)], Ok(vec![Val::I32(8)]));
    check(TYPED_REFS, "null_call", &[], Err("null function reference"));
    check(TYPED_REFS, "on_null", &[Val::I32(0)], Ok(vec![Val::I32(42)]));
    check(TYPED_REFS, "on_null", &[Val::I32(1)], Ok(vec![Val::I32(-1)]));
    check(TYPED_REFS, "on_non_null", &[Val::I32(0)], Ok(vec![Val::I32(100)]));
    check(TYPED_REFS, "on_non_null", &[Val::I32(1)], Ok(vec![Val::I32(-2)]));
}

const WIDE: &str = r#"(module
    (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
        (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (func (export "sub128") (param i64 i64 i64 i64) (result i64 i64)
        (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (func (export "mul_s") (param i64 i64) (result i64 i64)
        (i64.mul_wide_s (local.get 0) (local.get 1)))
    (func (export "mul_u") (param i64 i64) (result i64 i64)
        (i64.mul_wide_u (local.get 0) (local.get 1)))
    ;; The results feed further arithmetic: hi * 3 + lo.
    (func (export "mixed") (param i64) (result i64)
        (local $lo i64) (local $hi i64)
        (i64.mul_wide_u (local.get 0) (i64.const 3))
        (local.set $hi)
        (local.set $lo)
        (i64.add (i64.mul (local.get $hi) (i64.const 3)) (local.get $lo))))"#;

#[test]
fn wide_arithmetic_is_native_and_agrees() {
    assert_native("wide arithmetic", WIDE);
    let i = Val::I64;
    check(WIDE, "add128", &[i(-1), i(0), i(1), i(0)], Ok(vec![i(0), i(1)]));
    check(WIDE, "sub128", &[i(0), i(1), i(1), i(0)], Ok(vec![i(-1), i(0)]));
    check(WIDE, "mul_s", &[i(-1), i(1)], Ok(vec![i(-1), i(-1)]));
    check(WIDE, "mul_u", &[i(-1), i(2)], Ok(vec![i(-2), i(1)]));
    check(WIDE, "mixed", &[i(i64::MIN)], Ok(vec![i(i64::MIN + 3)]));
}

const MEMORIES: &str = r#"(module
    (memory $m0 1)
    (memory $m1 1 3)
    (memory $m64 i64 1)
    (data (memory $m1) (i32.const 8) "\01\02\03\04\05\06\07\88")
    (data $passive "hello")
    (func (export "load1") (param i32) (result i64) (i64.load $m1 (local.get 0)))
    (func (export "load1_s") (param i32) (result i32) (i32.load8_s $m1 offset=1 (local.get 0)))
    (func (export "store64") (param i64 i64) (result i64)
        (i64.store $m64 offset=4 (local.get 0) (local.get 1))
        (i64.load32_u $m64 offset=4 (local.get 0)))
    ;; An address near 2^64 plus an offset must not wrap around.
    (func (export "wrap64") (result i32) (i32.load $m64 offset=16 (i64.const -8)))
    (func (export "sizes") (result i32 i32 i64) (memory.size $m0) (memory.size $m1) (memory.size $m64))
    (func (export "grow1") (param i32) (result i32) (memory.grow $m1 (local.get 0)))
    (func (export "grow64") (param i64) (result i64) (memory.grow $m64 (local.get 0)))
    ;; fill, copy across memories and index types, init into memory64.
    (func (export "bulk") (result i64)
        (memory.fill $m1 (i32.const 100) (i32.const 0x2a) (i32.const 4))
        (memory.copy $m64 $m1 (i64.const 200) (i32.const 98) (i32.const 8))
        (memory.init $m64 $passive (i64.const 300) (i32.const 0) (i32.const 5))
        (i64.add (i64.load $m64 (i64.const 200)) (i64.load8_u $m64 (i64.const 304))))
    (func (export "oob_copy") (memory.copy $m1 $m0 (i32.const 65530) (i32.const 0) (i32.const 8))))"#;

#[test]
fn memory64_and_multiple_memories_are_native_and_agree() {
    assert_native("memories", MEMORIES);
    check(MEMORIES, "load1", &[Val::I32(8)], Ok(vec![Val::I64(0x8807_0605_0403_0201_u64 as i64)]));
    check(MEMORIES, "load1", &[Val::I32(65530)], Err("out of bounds memory access"));
    check(MEMORIES, "load1_s", &[Val::I32(14)], Ok(vec![Val::I32(-120)]));
    check(MEMORIES, "store64", &[Val::I64(16), Val::I64(-2)], Ok(vec![Val::I64(0xffff_fffe)]));
    check(MEMORIES, "store64", &[Val::I64(65532), Val::I64(1)], Err("out of bounds memory access"));
    check(MEMORIES, "wrap64", &[], Err("out of bounds memory access"));
    check(MEMORIES, "sizes", &[], Ok(vec![Val::I32(1), Val::I32(1), Val::I64(1)]));
    check(MEMORIES, "grow1", &[Val::I32(2)], Ok(vec![Val::I32(1)]));
    check(MEMORIES, "grow1", &[Val::I32(3)], Ok(vec![Val::I32(-1)]));
    check(MEMORIES, "grow64", &[Val::I64(1)], Ok(vec![Val::I64(1)]));
    check(MEMORIES, "grow64", &[Val::I64(1 << 40)], Ok(vec![Val::I64(-1)]));
    check(MEMORIES, "bulk", &[], Ok(vec![Val::I64(0x00002a2a_2a2a0000 + i64::from(b'o'))]));
    check(MEMORIES, "oob_copy", &[], Err("out of bounds memory access"));
}

const CUSTOM_PAGES: &str = r#"(module
    (memory $tiny 2 8 (pagesize 1))
    (func (export "size") (result i32) (memory.size $tiny))
    (func (export "grow") (param i32) (result i32) (memory.grow $tiny (local.get 0)))
    (func (export "load") (param i32) (result i32) (i32.load8_u $tiny (local.get 0))))"#;

#[test]
fn custom_page_sizes_are_native_and_agree() {
    assert_native("custom page sizes", CUSTOM_PAGES);
    check(CUSTOM_PAGES, "size", &[], Ok(vec![Val::I32(2)]));
    check(CUSTOM_PAGES, "grow", &[Val::I32(3)], Ok(vec![Val::I32(2)]));
    check(CUSTOM_PAGES, "grow", &[Val::I32(7)], Ok(vec![Val::I32(-1)]));
    check(CUSTOM_PAGES, "load", &[Val::I32(1)], Ok(vec![Val::I32(0)]));
    check(CUSTOM_PAGES, "load", &[Val::I32(2)], Err("out of bounds memory access"));
}

const TABLE64: &str = r#"(module
    (type $v2i (func (result i32)))
    (table $t i64 4 funcref)
    (func $seven (result i32) (i32.const 7))
    (elem (table $t) (i64.const 1) func $seven)
    (func (export "call") (param i64) (result i32) (call_indirect $t (type $v2i) (local.get 0)))
    (func (export "size_grow") (result i64 i64)
        (table.size $t) (table.grow $t (ref.null func) (i64.const 2)))
    (func (export "set_get") (param i64) (result i32)
        (table.set $t (local.get 0) (table.get $t (i64.const 1)))
        (ref.is_null (table.get $t (local.get 0)))))"#;

#[test]
fn table64_is_native_and_agrees() {
    assert_native("table64", TABLE64);
    check(TABLE64, "call", &[Val::I64(1)], Ok(vec![Val::I32(7)]));
    check(TABLE64, "call", &[Val::I64(0)], Err("uninitialized element 0"));
    check(TABLE64, "call", &[Val::I64(1 << 32 | 1)], Err("undefined element"));
    check(TABLE64, "size_grow", &[], Ok(vec![Val::I64(4), Val::I64(4)]));
    check(TABLE64, "set_get", &[Val::I64(3)], Ok(vec![Val::I32(0)]));
    check(TABLE64, "set_get", &[Val::I64(4)], Err("out of bounds table access"));
}

const IF_PARAMS: &str = r#"(module
    ;; The true arm replaces its parameters' stack positions with constants;
    ;; the false arm must still see the parameters.
    (func (export "pick") (param i32 i32 i32) (result i32 i32)
        (local.get 0) (local.get 1)
        (if (param i32 i32) (result i32 i32) (local.get 2)
            (then (drop) (drop) (i32.const 10) (i32.const 20))
            (else (i32.add) (i32.const 1))))
    ;; No `else`: the parameters are the results when the condition is false.
    (func (export "maybe_double") (param i64 i32) (result i64)
        (local.get 0)
        (if (param i64) (result i64) (local.get 1)
            (then (i64.const 2) (i64.mul))))
    ;; A branch out of the true arm carries its own values.
    (func (export "branchy") (param i32 i32) (result i32)
        (local.get 0)
        (if (param i32) (result i32) (local.get 1)
            (then (br 0 (i32.const 7)))
            (else (i32.const 1) (i32.sub)))))"#;

#[test]
fn if_with_parameters_is_native_and_agrees() {
    assert_native("if with parameters", IF_PARAMS);
    let i = Val::I32;
    check(IF_PARAMS, "pick", &[i(3), i(4), i(1)], Ok(vec![i(10), i(20)]));
    check(IF_PARAMS, "pick", &[i(3), i(4), i(0)], Ok(vec![i(7), i(1)]));
    check(IF_PARAMS, "maybe_double", &[Val::I64(21), i(1)], Ok(vec![Val::I64(42)]));
    check(IF_PARAMS, "maybe_double", &[Val::I64(21), i(0)], Ok(vec![Val::I64(21)]));
    check(IF_PARAMS, "branchy", &[i(5), i(1)], Ok(vec![i(7)]));
    check(IF_PARAMS, "branchy", &[i(5), i(0)], Ok(vec![i(4)]));
}

/// Memory 0 with 64-bit addresses: its loads and stores use the memory
/// register (offsets below 2^32) or the store lookup (larger offsets).
const MEMORY0_64: &str = r#"(module
    (memory i64 1)
    (func (export "roundtrip") (param $a i64) (param $v i64) (result i64 i32 i32 i64 f32)
        (i64.store (local.get $a) (local.get $v))
        (i64.load (local.get $a))
        (i32.load8_s offset=1 (local.get $a))
        (i32.load16_u offset=2 (local.get $a))
        (i64.load32_s offset=4 (local.get $a))
        (f32.load (local.get $a)))
    (func (export "narrow") (param $a i64) (param $v i32) (result i64)
        (i32.store8 (local.get $a) (local.get $v))
        (i32.store16 offset=2 (local.get $a) (local.get $v))
        (i64.store32 offset=4 (local.get $a) (i64.extend_i32_s (local.get $v)))
        (i64.load (local.get $a)))
    (func (export "big_offset") (param $a i64) (result i32)
        (i32.load offset=0x100000000 (local.get $a)))
    (func (export "load_at") (param $a i64) (result i64) (i64.load offset=8 (local.get $a))))"#;

#[test]
fn memory64_on_memory_0_is_native_and_agrees() {
    assert_native("memory 0 with 64-bit addresses", MEMORY0_64);
    let (i, l) = (Val::I32, Val::I64);
    let v = 0x8899_aabb_ccdd_eeff_u64 as i64;
    check(
        MEMORY0_64,
        "roundtrip",
        &[l(100), l(v)],
        Ok(vec![l(v), i(-18), i(0xccdd), l(0xffff_ffff_8899_aabb_u64 as i64), Val::F32(0xccdd_eeff)]),
    );
    check(MEMORY0_64, "roundtrip", &[l(65529), l(1)], Err("out of bounds memory access"));
    check(MEMORY0_64, "roundtrip", &[l(-1), l(1)], Err("out of bounds memory access"));
    check(MEMORY0_64, "narrow", &[l(16), i(-2)], Ok(vec![l(0xffff_fffe_fffe_00fe_u64 as i64)]));
    check(MEMORY0_64, "big_offset", &[l(0)], Err("out of bounds memory access"));
    check(MEMORY0_64, "load_at", &[l(65520)], Ok(vec![l(0)]));
    check(MEMORY0_64, "load_at", &[l(65521)], Err("out of bounds memory access"));
    check(MEMORY0_64, "load_at", &[l(-8)], Err("out of bounds memory access"));
}

/// GC objects kept only in threaded frames: in locals and on the operand
/// stack across allocations, wasm calls, host calls (which allocate and
/// collect) and an exception's payload.
const GC_ROOTS: &str = r#"(module
    (type $node (struct (field $v i32) (field $next (ref null $node))))
    (type $bytes (array (mut i8)))
    (import "host" "churn" (func $churn (param i32) (result i32)))
    (tag $boxed (param (ref null $node)))
    (func $cons (param $v i32) (param $next (ref null $node)) (result (ref $node))
        (drop (array.new_default $bytes (i32.const 64)))
        (struct.new $node (local.get $v) (local.get $next)))
    (func $sum (param $p (ref null $node)) (result i32) (local $s i32)
        (block $done (loop $l
            (br_if $done (ref.is_null (local.get $p)))
            (local.set $s (i32.add (local.get $s) (struct.get $node $v (local.get $p))))
            (local.set $p (struct.get $node $next (local.get $p)))
            (br $l)))
        (local.get $s))
    (func (export "list") (param $n i32) (result i32) (local $head (ref null $node)) (local $i i32)
        (block $done (loop $l
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $head (call $cons (call $churn (local.get $i)) (local.get $head)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (call $sum (local.get $head)))
    (func (export "operands") (result i32)
        (i32.add
            (struct.get $node $v (struct.new $node (i32.const 1) (struct.new $node (i32.const 2) (ref.null $node))))
            (call $sum (struct.new $node (call $churn (i32.const 40))
                (call $cons (i32.const 2) (call $cons (call $churn (i32.const 3)) (ref.null $node)))))))
    (func (export "thrown") (result i32) (local $p (ref null $node))
        (local.set $p
            (block $caught (result (ref null $node))
                (try_table (catch $boxed $caught)
                    (throw $boxed (call $cons (i32.const 7) (call $cons (i32.const 8) (ref.null $node)))))
                (ref.null $node)))
        (drop (call $churn (i32.const 0)))
        (drop (call $cons (i32.const 0) (ref.null $node)))
        (call $sum (local.get $p)))
    (func (export "casts") (param $x i32) (result i32)
        (local $a anyref) (local $e externref)
        (local.set $a (ref.i31 (local.get $x)))
        (local.set $e (extern.convert_any (local.get $a)))
        (if (result i32) (ref.eq (ref.cast (ref i31) (any.convert_extern (local.get $e))) (ref.i31 (local.get $x)))
            (then (i32.add (i31.get_s (ref.cast (ref i31) (local.get $a)))
                           (ref.test (ref $node) (struct.new $node (i32.const 0) (ref.null $node)))))
            (else (i32.const -1)))))"#;

/// Calls export `func` of [`GC_ROOTS`] on `kind`, with a host `churn` that
/// allocates and collects; its result and the collections run.
fn run_gc_roots(kind: EngineKind, stress: bool, func: &str, args: &[Val]) -> (i32, u64) {
    let mut config = Config::default();
    config.engine_kind(kind).gc_stress(stress);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, GC_ROOTS).unwrap();
    let mut linker = Linker::new(&engine);
    let m = module.clone();
    linker
        .func_wrap("host", "churn", move |mut caller: weft::Caller<'_, ()>, x: i32| {
            let store = weft::AsContextMut::as_context_mut(&mut caller);
            store.alloc_struct(&m, 0, &[Val::I32(x), Val::AnyRef(None)]).unwrap();
            store.gc();
            x
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let f = instance.get_func(func).unwrap();
    let mut results = [Val::I32(0)];
    f.call(&mut store, args, &mut results).unwrap_or_else(|t| panic!("{func} on {kind:?}: {t}"));
    (results[0].i32().unwrap(), store.gc_stats().collections)
}

#[test]
fn gc_is_native_and_frames_keep_their_objects_under_gc_stress() {
    assert_native("gc", GC_ROOTS);
    let cases: [(&str, &[Val], i32); 4] = [
        ("list", &[Val::I32(50)], 50 * 49 / 2),
        ("operands", &[], 1 + 40 + 2 + 3),
        ("thrown", &[], 15),
        ("casts", &[Val::I32(-9)], -8),
    ];
    for (func, args, expected) in cases {
        for kind in [EngineKind::Threaded, EngineKind::Reference] {
            for stress in [false, true] {
                let (got, collections) = run_gc_roots(kind, stress, func, args);
                assert_eq!(got, expected, "{func} on {kind:?}, stress {stress}");
                assert!(collections > 0 || (func == "casts" && !stress), "{func}: collections ran");
            }
        }
    }
}

/// The threaded engine's conservative roots keep the heap bounded under
/// churn: `benches/programs/gc/list_churn.wat` keeps at most 1,000 of its
/// nodes alive, and the heap stays near one collection threshold.
#[test]
fn threaded_gc_churn_runs_in_a_bounded_heap() {
    let wat = include_str!("../../../benches/programs/gc/list_churn.wat");
    assert_native("list_churn", wat);
    let mut config = Config::default();
    config.engine_kind(EngineKind::Threaded);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let n = 1_000_000i64;
    let mut results = [Val::I64(0)];
    instance.get_func("churn").unwrap().call(&mut store, &[Val::I64(n)], &mut results).unwrap();
    assert_eq!(results, [Val::I64(n * (n - 1) / 2)]);
    let stats = store.gc_stats();
    assert_eq!(stats.allocated, n as u64);
    assert!(stats.collections > 10 && stats.peak_bytes < 4 << 20, "{stats:?}");
}

/// The dedicated field and element ops (`Op::StructGet`, ...): a field
/// read through a supertype of an object whose own type has more
/// reference fields (its numeric part starts later), packed fields read
/// signed and unsigned and written wrapped, `i64`/`f64` and reference
/// fields, arrays of `i8` and of references, and the traps of null,
/// out-of-bounds and the `v128` fields that stay on `Op::Gc`.
const FIELD_OPS: &str = r#"(module
    (type $base (sub (struct (field $a (mut i32)) (field $b (mut i8)) (field $c (mut i16)))))
    (type $derived (sub $base (struct (field $a (mut i32)) (field $b (mut i8)) (field $c (mut i16))
        (field $r (mut (ref null $base))) (field $w (mut i64)) (field $f (mut f64)))))
    (type $bytes (array (mut i8)))
    (type $refs (array (mut (ref null $base))))
    (type $vec (struct (field $v (mut v128))))
    (func $read (param $o (ref null $base)) (result i32)
        (i32.add (struct.get $base $a (local.get $o))
            (i32.add (struct.get_s $base $b (local.get $o)) (struct.get_u $base $c (local.get $o)))))
    (func (export "subtype") (param $x i32) (result i32) (local $d (ref null $derived))
        (local.set $d (struct.new $derived (local.get $x) (i32.const 0x1ff) (i32.const -2)
            (ref.null $base) (i64.const -5) (f64.const 2.5)))
        (struct.set $base $a (local.get $d) (i32.add (struct.get $base $a (local.get $d)) (i32.const 1)))
        (struct.set $derived $r (local.get $d) (local.get $d))
        (struct.set $derived $w (local.get $d) (i64.mul (struct.get $derived $w (local.get $d)) (i64.const 3)))
        ;; (x + 1) + (-1) + 0xfffe + (-15) + 2.5 * 2 + the same object through $r
        (i32.add (call $read (local.get $d))
            (i32.add (i32.wrap_i64 (struct.get $derived $w (local.get $d)))
                (i32.add (i32.trunc_f64_s (f64.mul (struct.get $derived $f (local.get $d)) (f64.const 2)))
                    (i32.sub (call $read (struct.get $derived $r (local.get $d))) (call $read (local.get $d)))))))
    (func (export "arrays") (param $n i32) (result i32) (local $b (ref null $bytes)) (local $r (ref null $refs)) (local $i i32) (local $s i32)
        (local.set $b (array.new_default $bytes (local.get $n)))
        (local.set $r (array.new $refs (struct.new $base (i32.const 3) (i32.const 0) (i32.const 0)) (i32.const 2)))
        (block $done (loop $l
            (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $b))))
            (array.set $bytes (local.get $b) (local.get $i) (i32.add (local.get $i) (i32.const 250)))
            (local.set $s (i32.add (local.get $s) (array.get_s $bytes (local.get $b) (local.get $i))))
            (local.set $s (i32.add (local.get $s) (array.get_u $bytes (local.get $b) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (array.set $refs (local.get $r) (i32.const 1) (ref.null $base))
        (i32.add (local.get $s)
            (i32.add (struct.get $base $a (array.get $refs (local.get $r) (i32.const 0)))
                (i32.mul (i32.const 100) (ref.is_null (array.get $refs (local.get $r) (i32.const 1)))))))
    (func (export "out_of_bounds") (param $i i32) (result i32)
        (array.get_u $bytes (array.new_default $bytes (i32.const 4)) (local.get $i)))
    (func (export "null_get") (result i32) (struct.get $base $a (ref.null $base)))
    (func (export "null_set") (struct.set $base $a (ref.null $base) (i32.const 1)))
    (func (export "null_len") (result i32) (array.len (ref.null $bytes)))
    (func (export "v128") (result i32) (local $v (ref null $vec))
        (local.set $v (struct.new_default $vec))
        (struct.set $vec $v (local.get $v) (v128.const i32x4 1 2 3 4))
        (i32x4.extract_lane 2 (struct.get $vec $v (local.get $v)))))"#;

#[test]
fn field_and_element_ops_are_native_and_agree() {
    assert_native("field ops", FIELD_OPS);
    let x = 10;
    let subtype = (x + 1) + (-1) + 0xfffe + (-15) + 5;
    check(FIELD_OPS, "subtype", &[Val::I32(x)], Ok(vec![Val::I32(subtype)]));
    // Bytes 250..=255 then 0..: signed + unsigned sums.
    let n = 9;
    let s: i32 = (0..n).map(|i| ((i + 250) as u8 as i8 as i32) + ((i + 250) as u8 as i32)).sum();
    check(FIELD_OPS, "arrays", &[Val::I32(n)], Ok(vec![Val::I32(s + 3 + 100)]));
    check(FIELD_OPS, "out_of_bounds", &[Val::I32(3)], Ok(vec![Val::I32(0)]));
    check(FIELD_OPS, "out_of_bounds", &[Val::I32(4)], Err("out of bounds array access"));
    check(FIELD_OPS, "null_get", &[], Err("null structure reference"));
    check(FIELD_OPS, "null_set", &[], Err("null structure reference"));
    check(FIELD_OPS, "null_len", &[], Err("null array reference"));
    check(FIELD_OPS, "v128", &[], Ok(vec![Val::I32(3)]));
}
