//! The threaded engine's dispatch never grows the native stack per executed
//! instruction or per wasm call: a long loop and a deep (but legal)
//! recursion both run on a thread with a 256 KiB native stack. A handler
//! chain whose tail calls stopped being jumps, or a call that recursed on
//! the native stack, would overflow it. Run in debug (`cargo test`) and in
//! release (`cargo test --release`). No timing is asserted.

use weft::raw::threaded::translate_all;
use weft::{Config, Engine, EngineKind, Linker, Module, Store};

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(256 * 1024).spawn(f).unwrap().join().unwrap();
}

const PROGRAM: &str = r#"(module
    (func (export "spin") (param $n i32) (result i32)
        (local $i i32) (local $acc i32)
        (loop $next
            (local.set $acc (i32.xor (i32.add (local.get $acc) (local.get $i)) (i32.const 0x5a5a)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $acc))
    (func $depth (export "depth") (param $n i64) (result i64)
        (if (result i64) (i64.eqz (local.get $n))
            (then (i64.const 0))
            (else (i64.add (i64.const 1) (call $depth (i64.sub (local.get $n) (i64.const 1))))))))"#;

fn instance(config: &Config) -> (Store<()>, weft::Instance) {
    let engine = Engine::new(config);
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, PROGRAM).unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn ten_million_iterations_on_a_256k_stack() {
    on_small_stack(|| {
        let mut config = Config::default();
        config.engine_kind(EngineKind::Threaded);
        let (mut store, instance) = instance(&config);
        let spin = instance.get_typed_func::<i32, i32, _>(&store, "spin").unwrap();
        let n = 10_000_000;
        let expected = (0..n).fold(0i32, |acc, i| acc.wrapping_add(i) ^ 0x5a5a);
        assert_eq!(spin.call(&mut store, n).unwrap(), expected);
    });
}

#[test]
fn hundred_thousand_frames_on_a_256k_stack() {
    on_small_stack(|| {
        let mut config = Config::default();
        config.engine_kind(EngineKind::Threaded).max_call_depth(200_000);
        let (mut store, instance) = instance(&config);
        let depth = instance.get_typed_func::<i64, i64, _>(&store, "depth").unwrap();
        assert_eq!(depth.call(&mut store, 100_000).unwrap(), 100_000);
        // One frame past the limit traps instead of overflowing anything.
        let err = depth.call(&mut store, 300_000).unwrap_err();
        assert_eq!(err.message(), "call stack exhausted");
    });
}

/// One iteration runs most kinds of handler — fused and plain branches,
/// `br_table`, every load and store width, globals, `select`, float and
/// conversion ops, a trapping-op family, `memory.size`, table access,
/// internal, indirect and multi-result calls, tail calls (to threaded code
/// directly, through a table and a reference, and to a function on the
/// reference engine), `call_ref`, `br_on_null`, wide arithmetic, loads
/// and stores on a second memory and a 64-bit one, and `v128` code (a
/// function with v-slots: its moves, calls, loads, stores and lane ops) —
/// so a handler whose final
/// call was not turned into a jump would grow the stack a frame per
/// iteration and overflow it long before a million.
const KITCHEN_SINK: &str = r#"(module
    (memory 1)
    (memory $m1 1)
    (memory $m64 i64 1)
    (global $g (mut i64) (i64.const 7))
    (table 2 funcref)
    (elem (i32.const 0) $twice $pair_sum)
    (type $i2i (func (param i32) (result i32)))
    (tag $exn (param i32))
    (func $throws (param i32) (throw $exn (local.get 0)))
    (func $twice (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1)))
    (func $pair (param i32) (result i32 i32) (local.get 0) (i32.add (local.get 0) (i32.const 1)))
    (func $pair_sum (param i32) (result i32) (call $pair (local.get 0)) (i32.add))
    (elem declare func $twice)
    (func $tail (param i32) (result i32) (return_call $twice (local.get 0)))
    (func $tail_ref (param i32) (result i32) (return_call_ref $i2i (local.get 0) (ref.func $twice)))
    (func $tail_indirect (param i32) (result i32)
        (return_call_indirect (type $i2i) (local.get 0) (i32.and (local.get 0) (i32.const 1))))
    ;; Exception handling in v128 code: runs on the reference engine, so a
    ;; tail call to it calls and returns.
    (func $fallback (param i32) (result i32)
        (try_table (nop))
        (i32x4.extract_lane 1 (i32x4.splat (local.get 0))))
    (func $tail_fallback (param i32) (result i32) (return_call $fallback (local.get 0)))
    ;; v128 code (v-slots): moves, calls, globals, loads and stores, the
    ;; dedicated lane ops and each shared sub-op handler.
    (global $vg (mut v128) (v128.const i64x2 3 5))
    (func $vadd (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
    (func $vec (param $i i32) (result i32) (local $v v128) (local $w v128)
        (v128.store (i32.const 32) (i32x4.splat (local.get $i)))
        (local.set $v (v128.load (i32.const 32)))
        (local.set $w (call $vadd (local.get $v) (v128.const i32x4 1 2 3 4)))
        (local.set $w (i32x4.sub (i32x4.mul (local.get $w) (local.get $v)) (local.get $v)))
        (local.set $w (v128.xor (v128.and (local.get $w) (local.get $v))
            (v128.or (local.get $w) (v128.andnot (local.get $v) (local.get $w)))))
        (local.set $w (i64x2.sub (i64x2.add (local.get $w) (local.get $v)) (global.get $vg)))
        (local.set $w (i16x8.add (i8x16.add (local.get $w) (local.get $v)) (local.get $w)))
        (local.set $w (f32x4.sub (f32x4.add (local.get $w) (local.get $v)) (f32x4.mul (local.get $v) (local.get $v))))
        (local.set $w (f64x2.sub (f64x2.add (local.get $w) (local.get $v)) (f64x2.mul (local.get $v) (local.get $w))))
        (local.set $w (v128.xor (local.get $w) (v128.or (i8x16.eq (local.get $w) (local.get $v))
            (v128.or (i32x4.eq (local.get $w) (local.get $v)) (v128.or (i32x4.lt_s (local.get $w) (local.get $v))
            (v128.or (i32x4.gt_s (local.get $w) (local.get $v))
            (v128.or (f32x4.lt (local.get $w) (local.get $v)) (f32x4.gt (local.get $w) (local.get $v)))))))))
        (local.set $w (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get $w) (local.get $v)))
        (local.set $w (v128.bitselect (local.get $w) (local.get $v) (v128.const i64x2 -1 0)))
        ;; Fused pairs: a load or constant and the binary op using it.
        (local.set $w (f32x4.mul (local.get $w) (v128.load (i32.const 32))))
        (local.set $w (v128.and (local.get $w) (v128.const i64x2 -1 7)))
        (local.set $w (i32x4.replace_lane 1 (local.get $w) (local.get $i)))
        (local.set $w (select (local.get $w) (local.get $v) (i32.and (local.get $i) (i32.const 1))))
        (local.set $w (i16x8.narrow_i32x4_s (i8x16.abs (local.get $w)) (local.get $v)))
        (local.set $w (f32x4.relaxed_madd (local.get $w) (local.get $v) (i32x4.shl (local.get $w) (local.get $i))))
        (global.set $vg (i64x2.add (global.get $vg) (v128.load8x8_s (i32.const 32))))
        (v128.store16_lane 3 (i32.const 48) (local.get $w))
        (local.set $w (v128.load32_lane 2 (i32.const 48) (local.get $w)))
        (block $b (result v128)
            (br_if $b (local.get $w) (i32.and (local.get $i) (i32.const 2)))
            (drop)
            (local.get $v))
        (local.set $w)
        (i32.add (i32x4.extract_lane 0 (local.get $w))
            (i32.add (v128.any_true (local.get $w)) (i8x16.bitmask (local.get $v)))))
    (func (export "sink") (param $n i32) (result i64)
        (local $i i32) (local $acc i64) (local $f f64)
        (loop $next
            (i32.store8 (i32.const 1) (local.get $i))
            (i32.store16 (i32.const 2) (local.get $i))
            (i32.store (i32.const 4) (local.get $i))
            (i64.store (i32.const 8) (local.get $acc))
            (local.set $acc (i64.add (local.get $acc)
                (i64.add (i64.load8_s (i32.const 1)) (i64.load16_u (i32.const 2)))))
            (local.set $acc (i64.xor (local.get $acc) (i64.load32_s (i32.const 4))))
            (local.set $acc (i64.add (local.get $acc) (i64.load (i32.const 8))))
            (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i32.load8_u (i32.const 1)))))
            (global.set $g (i64.add (global.get $g) (i64.const 3)))
            (local.set $f (f64.add (local.get $f) (f64.convert_i32_u (local.get $i))))
            (local.set $f (f64.mul (f64.floor (f64.div (local.get $f) (f64.const 3))) (f64.const 2)))
            (f64.store (i32.const 16) (local.get $f))
            (local.set $acc (i64.add (local.get $acc) (i64.trunc_f64_u (f64.load (i32.const 16)))))
            (local.set $acc (i64.add (local.get $acc)
                (i64.extend_i32_u (i32.div_u (local.get $i) (i32.or (local.get $i) (i32.const 1))))))
            (local.set $acc (select (local.get $acc) (global.get $g) (i32.and (local.get $i) (i32.const 1))))
            (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (memory.size))))
            (if (ref.is_null (table.get (i32.const 0))) (then unreachable))
            (local.set $acc (i64.add (local.get $acc)
                (i64.extend_i32_u (call_indirect (type $i2i) (local.get $i) (i32.and (local.get $i) (i32.const 1))))))
            (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (call $twice (local.get $i)))))
            (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (call $tail (local.get $i)))))
            (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (call $tail_ref (local.get $i)))))
            (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (call $tail_indirect (local.get $i)))))
            (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (call $tail_fallback (local.get $i)))))
            (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (call $vec (local.get $i)))))
            (local.set $acc (i64.add (local.get $acc)
                (i64.extend_i32_u (call_ref $i2i (local.get $i) (ref.func $twice)))))
            (block $null (br_on_null $null (ref.func $twice)) (drop))
            (i32.store $m1 (i32.const 4) (local.get $i))
            (i64.store $m64 offset=8 (i64.const 0) (local.get $acc))
            (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i32.load $m1 (i32.const 4)))))
            (local.set $acc (i64.xor (local.get $acc) (i64.load $m64 offset=8 (i64.const 0))))
            (local.set $acc (i64.add (local.get $acc) (i64.load8_u $m64 (i64.const 9))))
            (i64.add128 (local.get $acc) (i64.const 0) (i64.extend_i32_u (local.get $i)) (i64.const 1))
            (drop)
            (local.set $acc)
            (i64.mul_wide_s (local.get $acc) (i64.const 7))
            (local.set $acc (i64.xor))
            ;; a throw caught in the same function, then one from a callee
            (block $caught (result i32)
                (try_table (catch $exn $caught) (throw $exn (local.get $i)))
                (unreachable))
            (local.set $acc (i64.add (i64.extend_i32_u) (local.get $acc)))
            (block $caught_below (result i32)
                (try_table (catch $exn $caught_below) (call $throws (local.get $i)))
                (unreachable))
            (local.set $acc (i64.xor (i64.extend_i32_u) (local.get $acc)))
            (block $b2 (block $b1 (block $b0
                (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
                (local.set $acc (i64.add (local.get $acc) (i64.const 1))))
                (local.set $acc (i64.add (local.get $acc) (i64.const 2))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $acc)))"#;

#[test]
fn every_kind_of_handler_a_million_times_on_a_256k_stack() {
    on_small_stack(|| {
        let run = |kind: EngineKind, n: i32| {
            let mut config = Config::default();
            config.engine_kind(kind);
            let engine = Engine::new(&config);
            let mut store = Store::new(&engine, ());
            let module = Module::new(&engine, KITCHEN_SINK).unwrap();
            let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
            let sink = instance.get_typed_func::<i32, i64, _>(&store, "sink").unwrap();
            sink.call(&mut store, n).unwrap()
        };
        // Every function but `$fallback` is threaded code (`$vec` too).
        let stats = translate_all(&Module::new(&Engine::default(), KITCHEN_SINK).unwrap());
        assert_eq!(stats.translated + 1, stats.functions, "{stats:?}");
        // The reference engine agrees on a short run; the threaded engine
        // then runs a million iterations.
        assert_eq!(run(EngineKind::Threaded, 1000), run(EngineKind::Reference, 1000));
        let _ = run(EngineKind::Threaded, 1_000_000);
    });
}

/// Memory 0 with 64-bit addresses has its own load and store handlers
/// (`Mem64Load`, `Mem64Store`); they too must pass control on by a jump.
#[test]
fn memory64_loads_and_stores_a_million_times_on_a_256k_stack() {
    const PROGRAM: &str = r#"(module
        (memory i64 1)
        (func (export "run") (param $n i64) (result i64)
            (local $i i64) (local $acc i64)
            (loop $next
                (i64.store offset=8 (i64.and (local.get $i) (i64.const 0xff)) (local.get $acc))
                (i32.store16 (i64.const 2) (i32.wrap_i64 (local.get $i)))
                (local.set $acc (i64.add (local.get $acc) (i64.load offset=8 (i64.const 0))))
                (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (i32.load8_s (i64.const 3)))))
                (local.set $i (i64.add (local.get $i) (i64.const 1)))
                (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
            (local.get $acc)))"#;
    on_small_stack(|| {
        let run = |kind: EngineKind, n: i64| {
            let mut config = Config::default();
            config.engine_kind(kind);
            let engine = Engine::new(&config);
            let mut store = Store::new(&engine, ());
            let module = Module::new(&engine, PROGRAM).unwrap();
            let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
            let f = instance.get_typed_func::<i64, i64, _>(&store, "run").unwrap();
            f.call(&mut store, n).unwrap()
        };
        assert_eq!(run(EngineKind::Threaded, 1000), run(EngineKind::Reference, 1000));
        let _ = run(EngineKind::Threaded, 1_000_000);
    });
}

/// The GC ops (`Op::Gc`, `Op::GcBr`: allocation, field and element
/// access, i31, casts, `br_on_cast[_fail]`) must pass control on by a jump
/// too, allocation and collection included.
#[test]
fn gc_ops_a_million_times_on_a_256k_stack() {
    const PROGRAM: &str = r#"(module
        (type $node (struct (field $v (mut i32)) (field $next (mut (ref null $node)))))
        (type $bytes (array (mut i8)))
        (func (export "run") (param $n i32) (result i32)
            (local $i i32) (local $acc i32) (local $p (ref null $node)) (local $a (ref null $bytes)) (local $any anyref)
            (local.set $a (array.new $bytes (i32.const 1) (i32.const 16)))
            (loop $next
                (local.set $p (struct.new $node (local.get $i) (local.get $p)))
                (struct.set $node $v (local.get $p) (i32.add (struct.get $node $v (local.get $p)) (i32.const 1)))
                (if (i32.eqz (i32.and (local.get $i) (i32.const 255)))
                    (then (struct.set $node $next (local.get $p) (ref.null $node))))
                (array.set $bytes (local.get $a) (i32.and (local.get $i) (i32.const 15)) (local.get $i))
                (local.set $acc (i32.add (local.get $acc) (array.get_s $bytes (local.get $a) (i32.const 3))))
                (local.set $acc (i32.add (local.get $acc) (array.len (local.get $a))))
                (local.set $any (select (result anyref) (ref.i31 (local.get $i)) (local.get $p)
                    (i32.and (local.get $i) (i32.const 1))))
                (local.set $acc (i32.add (local.get $acc) (ref.test (ref $node) (local.get $any))))
                (block $done
                    (block $is_i31 (result (ref i31))
                        (local.set $acc (i32.add (local.get $acc)
                            (struct.get $node $v
                                (ref.cast (ref $node) (br_on_cast $is_i31 anyref (ref i31) (local.get $any))))))
                        (br $done))
                    i31.get_u
                    local.get $acc
                    i32.xor
                    local.set $acc)
                (local.set $acc (i32.add (local.get $acc) (ref.eq (local.get $p) (ref.i31 (local.get $i)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
            (local.get $acc)))"#;
    on_small_stack(|| {
        let run = |kind: EngineKind, n: i32| {
            let mut config = Config::default();
            config.engine_kind(kind);
            let engine = Engine::new(&config);
            let mut store = Store::new(&engine, ());
            let module = Module::new(&engine, PROGRAM).unwrap();
            let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
            let f = instance.get_typed_func::<i32, i32, _>(&store, "run").unwrap();
            f.call(&mut store, n).unwrap()
        };
        let stats = translate_all(&Module::new(&Engine::default(), PROGRAM).unwrap());
        assert_eq!(stats.translated, stats.functions, "{stats:?}");
        assert_eq!(run(EngineKind::Threaded, 1000), run(EngineKind::Reference, 1000));
        let _ = run(EngineKind::Threaded, 1_000_000);
    });
}
