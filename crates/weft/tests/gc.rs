//! GC execution (Wasm 3.0 structs, arrays, i31, casts) on the reference
//! engine, and the collector under load.

use weft::{AnyRef, Config, Engine, EngineKind, Features, Instance, Linker, Module, Store, Val};

fn engine(stress: bool) -> Engine {
    let mut config = Config::new();
    config.engine_kind(EngineKind::Reference).features(Features { gc: true, ..Features::default() }).gc_stress(stress);
    Engine::new(&config)
}

fn module(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, wat).expect("a valid GC module")
}

fn instance(engine: &Engine, wat: &str) -> (Store<()>, Instance) {
    let m = module(engine, wat);
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine).instantiate(&mut store, &m).expect("instantiate");
    (store, instance)
}

fn call(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
    args: &[Val],
    n: usize,
) -> Result<Vec<Val>, weft::Error> {
    let f = instance.get_func(name).expect(name);
    let mut results = vec![Val::I32(0); n];
    f.call(&mut *store, args, &mut results)?;
    Ok(results)
}

const PROGRAM: &str = r#"(module
  (type $point (struct (field $x (mut i32)) (field $y (mut i32))))
  (type $node (struct (field $v i64) (field $next (ref null $node))))
  (type $bytes (array (mut i8)))
  (type $refs (array (mut (ref null $point))))
  (type $base (sub (struct (field i32))))
  (type $derived (sub $base (struct (field i32) (field f64))))
  (global $origin (ref $point) (struct.new $point (i32.const 0) (i32.const 0)))
  (data $d "\01\02\03\ff")

  (func (export "point_sum") (param i32 i32) (result i32)
    (local $p (ref null $point))
    (local.set $p (struct.new $point (local.get 0) (local.get 1)))
    (struct.set $point $x (local.get $p) (i32.add (struct.get $point $x (local.get $p)) (i32.const 100)))
    (i32.add (struct.get $point $x (local.get $p)) (struct.get $point $y (local.get $p))))

  ;; Builds a list of n nodes and sums it: garbage after each call.
  (func (export "list_sum") (param $n i32) (result i64)
    (local $l (ref null $node)) (local $s i64)
    (block $done (loop $build
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $l (struct.new $node (i64.extend_i32_u (local.get $n)) (local.get $l)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $build)))
    (block $end (loop $walk
      (br_if $end (ref.is_null (local.get $l)))
      (local.set $s (i64.add (local.get $s) (struct.get $node $v (local.get $l))))
      (local.set $l (struct.get $node $next (local.get $l)))
      (br $walk)))
    (local.get $s))

  (func (export "bytes") (result i32)
    (local $a (ref $bytes))
    (local.set $a (array.new_data $bytes $d (i32.const 0) (i32.const 4)))
    (array.set $bytes (local.get $a) (i32.const 0) (i32.const 0x1ff))
    ;; 0xff + (-1) + 4 * 1000 + 2
    (i32.add (i32.add (i32.add (array.get_u $bytes (local.get $a) (i32.const 0))
                               (array.get_s $bytes (local.get $a) (i32.const 3)))
                      (i32.mul (array.len (local.get $a)) (i32.const 1000)))
             (array.get_u $bytes (local.get $a) (i32.const 1))))

  (func (export "oob") (result i32)
    (array.get_u $bytes (array.new_default $bytes (i32.const 3)) (i32.const 3)))

  (func (export "copy") (result i32)
    (local $a (ref $bytes))
    (local.set $a (array.new_fixed $bytes 5 (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)))
    (array.copy $bytes $bytes (local.get $a) (i32.const 1) (local.get $a) (i32.const 0) (i32.const 4))
    (array.fill $bytes (local.get $a) (i32.const 0) (i32.const 9) (i32.const 1))
    ;; [9, 1, 2, 3, 4] -> 91234
    (i32.add (i32.mul (array.get_u $bytes (local.get $a) (i32.const 0)) (i32.const 10000))
      (i32.add (i32.mul (array.get_u $bytes (local.get $a) (i32.const 1)) (i32.const 1000))
        (i32.add (i32.mul (array.get_u $bytes (local.get $a) (i32.const 2)) (i32.const 100))
          (i32.add (i32.mul (array.get_u $bytes (local.get $a) (i32.const 3)) (i32.const 10))
                   (array.get_u $bytes (local.get $a) (i32.const 4)))))))

  (func (export "i31") (param i32) (result i32 i32)
    (i31.get_s (ref.i31 (local.get 0)))
    (i31.get_u (ref.i31 (local.get 0))))

  (func (export "casts") (result i32)
    (local $a anyref)
    (local.set $a (struct.new $derived (i32.const 7) (f64.const 1)))
    ;; bits: derived<:base, is struct, not array, not i31, eq, cast ok
    (i32.or (i32.or (i32.or
      (ref.test (ref $base) (local.get $a))
      (i32.shl (ref.test (ref struct) (local.get $a)) (i32.const 1)))
      (i32.or (i32.shl (ref.test (ref array) (local.get $a)) (i32.const 2))
              (i32.shl (ref.test (ref i31) (local.get $a)) (i32.const 3))))
      (i32.shl (struct.get $base 0 (ref.cast (ref $base) (local.get $a))) (i32.const 4))))

  (func (export "bad_cast") (result i32)
    (struct.get $derived 0 (ref.cast (ref $derived) (struct.new $base (i32.const 1)))))

  (func (export "br_on_cast") (param anyref) (result i32)
    (block $is_point (result (ref $point))
      (br_on_cast $is_point anyref (ref $point) (local.get 0))
      (drop)
      (return (i32.const -1)))
    (struct.get $point $y))

  (func (export "make_point") (param i32) (result anyref)
    (struct.new $point (i32.const 1) (local.get 0)))

  (func (export "roundtrip") (param externref) (result externref)
    (extern.convert_any (any.convert_extern (local.get 0))))

  (func (export "i31_roundtrip") (result i32)
    (i31.get_u (ref.cast (ref i31) (any.convert_extern (extern.convert_any (ref.i31 (i32.const 42)))))))

  (func (export "eq") (result i32)
    (local $p eqref)
    (local.set $p (struct.new_default $point))
    (i32.add (i32.add
      (ref.eq (local.get $p) (local.get $p))
      (i32.shl (ref.eq (local.get $p) (struct.new_default $point)) (i32.const 1)))
      (i32.shl (ref.eq (ref.i31 (i32.const 5)) (ref.i31 (i32.const 5))) (i32.const 2))))

  (func (export "global") (result i32)
    (struct.get $point $x (global.get $origin)))

  (func (export "null_get") (result i32)
    (struct.get $point $x (ref.null $point)))
)"#;

fn run_program(stress: bool) {
    let engine = engine(stress);
    let (mut store, i) = instance(&engine, PROGRAM);
    assert_eq!(call(&mut store, &i, "point_sum", &[Val::I32(1), Val::I32(2)], 1).unwrap(), [Val::I32(103)]);
    assert_eq!(call(&mut store, &i, "list_sum", &[Val::I32(1000)], 1).unwrap(), [Val::I64(500_500)]);
    assert_eq!(call(&mut store, &i, "bytes", &[], 1).unwrap(), [Val::I32(0xff - 1 + 4000 + 2)]);
    assert_eq!(
        call(&mut store, &i, "oob", &[], 1).unwrap_err().to_string().lines().next().unwrap(),
        "out of bounds array access"
    );
    assert_eq!(call(&mut store, &i, "copy", &[], 1).unwrap(), [Val::I32(91234)]);
    assert_eq!(call(&mut store, &i, "i31", &[Val::I32(-3)], 2).unwrap(), [Val::I32(-3), Val::I32(0x7fff_fffd)]);
    assert_eq!(call(&mut store, &i, "casts", &[], 1).unwrap(), [Val::I32(0b011 | (7 << 4))]);
    assert!(call(&mut store, &i, "bad_cast", &[], 1).unwrap_err().to_string().starts_with("cast failure"));
    let p = call(&mut store, &i, "make_point", &[Val::I32(9)], 1).unwrap()[0];
    assert_eq!(call(&mut store, &i, "br_on_cast", &[p], 1).unwrap(), [Val::I32(9)]);
    let i31 = Val::AnyRef(Some(AnyRef::i31(3)));
    assert_eq!(call(&mut store, &i, "br_on_cast", &[i31], 1).unwrap(), [Val::I32(-1)]);
    let host = Val::ExternRef(Some(weft::ExternRef(77)));
    assert_eq!(call(&mut store, &i, "roundtrip", &[host], 1).unwrap(), [host]);
    assert_eq!(call(&mut store, &i, "i31_roundtrip", &[], 1).unwrap(), [Val::I32(42)]);
    assert_eq!(call(&mut store, &i, "eq", &[], 1).unwrap(), [Val::I32(0b101)]);
    assert_eq!(call(&mut store, &i, "global", &[], 1).unwrap(), [Val::I32(0)]);
    assert!(call(&mut store, &i, "null_get", &[], 1).unwrap_err().to_string().starts_with("null structure reference"));
}

#[test]
fn gc_instructions_follow_the_spec_on_the_reference_engine() {
    run_program(false);
}

#[test]
fn gc_stress_gives_identical_results() {
    run_program(true);
}

#[test]
fn churn_is_collected() {
    let engine = engine(false);
    let (mut store, i) = instance(&engine, PROGRAM);
    for _ in 0..50 {
        assert_eq!(call(&mut store, &i, "list_sum", &[Val::I32(10_000)], 1).unwrap(), [Val::I64(50_005_000)]);
    }
    let stats = store.gc_stats();
    assert_eq!(stats.allocated, 500_001, "{stats:?}");
    assert!(stats.collections >= 10, "{stats:?}");
    // 10^4 live nodes of ~100 bytes at most at once, plus one threshold of garbage.
    assert!(stats.peak_bytes < 8 << 20, "{stats:?}");
}

#[test]
fn host_functions_take_allocate_and_return_gc_values() {
    let engine = engine(false);
    let m = module(
        &engine,
        r#"(module
          (type $point (struct (field $x (mut i32)) (field $y (mut i32))))
          (type $bytes (array (mut i8)))
          (import "host" "swap" (func $swap (param anyref) (result anyref)))
          (func (export "run") (result i32)
            (local $p (ref $point))
            (local.set $p (ref.cast (ref $point) (call $swap (struct.new $point (i32.const 3) (i32.const 40)))))
            (i32.add (i32.mul (struct.get $point $x (local.get $p)) (i32.const 100)) (struct.get $point $y (local.get $p))))
          (func (export "len") (param arrayref) (result i32) (array.len (local.get 0))))"#,
    );
    let mut linker = Linker::new(&engine);
    let m2 = m.clone();
    linker
        .func_wrap("host", "swap", move |mut caller: weft::Caller<'_, ()>, p: Option<AnyRef>| {
            let store = weft::AsContextMut::as_context_mut(&mut caller);
            let p = Val::AnyRef(p);
            let (x, y) = (store.struct_field(&p, 0).unwrap(), store.struct_field(&p, 1).unwrap());
            // A new struct allocated by the host, fields swapped.
            store.alloc_struct(&m2, 0, &[y, x]).unwrap().anyref().unwrap()
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &m).unwrap();
    assert_eq!(call(&mut store, &instance, "run", &[], 1).unwrap(), [Val::I32(4003)]);

    // Host-allocated arrays go into wasm; roots keep them across collections.
    let a = store.alloc_array(&m, 1, 5, Val::I32(7)).unwrap();
    store.array_set(&a, 4, Val::I32(0x1ff)).unwrap();
    assert_eq!(store.array_get(&a, 4).unwrap(), Val::I32(0xff), "i8 elements wrap");
    assert_eq!(call(&mut store, &instance, "len", &[a], 1).unwrap(), [Val::I32(5)]);
    let root = store.root(a).unwrap();
    store.gc();
    assert_eq!(store.array_len(&store.rooted(root).unwrap()).unwrap(), 5);
    store.unroot(root).unwrap();
    store.gc();
    let err = store.array_len(&a).unwrap_err().to_string();
    assert!(err.contains("collected"), "{err}");
    assert!(store.alloc_struct(&m, 0, &[Val::I32(1)]).is_err(), "wrong field count");
    assert!(store.alloc_struct(&m, 0, &[Val::I64(1), Val::I32(1)]).is_err(), "wrong field type");
    assert!(store.alloc_array(&m, 0, 1, Val::I32(0)).is_err(), "not an array type");
}

#[test]
fn gc_values_print_readably() {
    let engine = engine(false);
    let m = module(
        &engine,
        r#"(module
          (type $point (struct (field $x i32) (field $y i32)))
          (type $pair (struct (field $p (ref null $point)) (field $q (ref null $point))))
          (type $bytes (array (mut i8)))
          (func (export "point") (result anyref) (struct.new $point (i32.const 1) (i32.const 2)))
          (func (export "pair") (result anyref)
            (struct.new $pair (struct.new $point (i32.const 1) (i32.const 2)) (ref.null $point)))
          (func (export "bytes") (result anyref) (array.new_default $bytes (i32.const 5)))
          (func (export "i31") (result anyref) (ref.i31 (i32.const -7))))"#,
    );
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let show = |store: &mut Store<()>, name: &str| {
        let v = call(store, &i, name, &[], 1).unwrap()[0];
        store.describe_val(&v, &m)
    };
    assert_eq!(show(&mut store, "point"), "(ref $point {x: 1, y: 2})");
    assert_eq!(show(&mut store, "pair"), "(ref $pair {p: (ref $point), q: null})");
    assert_eq!(show(&mut store, "bytes"), "(array i8 len 5)");
    assert_eq!(show(&mut store, "i31"), "(ref.i31 -7)");
    assert_eq!(store.describe_val(&Val::I32(3), &m), "i32:3");
}

#[test]
fn the_stepper_shows_heap_objects() {
    let engine = engine(false);
    let m = module(
        &engine,
        r#"(module
          (type $point (struct (field i32) (field i64)))
          (func (export "f") (result i32)
            (drop (struct.new $point (i32.const 5) (i64.const 6)))
            (i32.const 0)))"#,
    );
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let f = i.get_func("f").unwrap();
    let mut stepper = weft::Stepper::new(&mut store, f, &[]).unwrap();
    // i32.const, i64.const, struct.new: the object is on top of the stack.
    for _ in 0..3 {
        stepper.step(&mut store).unwrap();
    }
    let top = *stepper.operand_stack().last().unwrap();
    let obj = stepper.heap_object(&store, &top).expect("a heap object");
    assert_eq!((obj.type_index, obj.is_array, obj.len), (0, false, 2));
    assert_eq!(obj.values, [Val::I32(5), Val::I64(6)]);
}

/// Host functions over a module's defined types (issue 16): declared with
/// `(ref $point)` of one module, they link to imports of a structurally
/// equal type at another index of another module, are refused by an
/// import of a different struct type, and a result of the wrong object
/// type traps.
#[test]
fn host_functions_over_defined_types() {
    use weft::{AsContextMut, FuncType, HeapType, RefType, Trap, ValType};
    let engine = engine(false);
    let types = module(
        &engine,
        "(module (type $point (struct (field (mut i32)) (field (mut i32)))) (type $other (struct (field f32))))",
    );
    let point = ValType::Ref(RefType { nullable: false, heap: HeapType::Concrete(0) });
    let mut linker = Linker::new(&engine);
    let t = types.clone();
    linker
        .func_new_in(
            "host",
            "make",
            &types,
            FuncType::new([ValType::I32, ValType::I32], [point]),
            move |mut caller, args, results| {
                results[0] =
                    caller.as_context_mut().alloc_struct(&t, 0, args).map_err(|e| Trap::host(e.to_string()))?;
                Ok(())
            },
        )
        .unwrap();
    let t = types.clone();
    linker
        .func_new_in("host", "wrong", &types, FuncType::new([], [point]), move |mut caller, _, results| {
            results[0] =
                caller.as_context_mut().alloc_struct(&t, 1, &[Val::f32(1.5)]).map_err(|e| Trap::host(e.to_string()))?;
            Ok(())
        })
        .unwrap();
    let user = module(
        &engine,
        r#"(module
          (type $f (func))
          (type $p (struct (field (mut i32)) (field (mut i32))))
          (import "host" "make" (func $make (param i32 i32) (result (ref $p))))
          (import "host" "wrong" (func $wrong (result (ref $p))))
          (func (export "sum") (param i32 i32) (result i32)
            (local $q (ref null $p))
            (local.set $q (call $make (local.get 0) (local.get 1)))
            (i32.add (struct.get $p 0 (local.get $q)) (struct.get $p 1 (local.get $q))))
          (func (export "wrong") (result i32) (struct.get $p 0 (call $wrong))))"#,
    );
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &user).expect("structurally equal types link");
    let sum = call(&mut store, &instance, "sum", &[Val::I32(3), Val::I32(4)], 1).unwrap();
    assert_eq!(sum, [Val::I32(7)]);
    let err = call(&mut store, &instance, "wrong", &[], 1).unwrap_err();
    assert!(err.to_string().contains("where its type declares"), "{err}");

    let other = module(
        &engine,
        r#"(module (type $q (struct (field i64)))
             (import "host" "make" (func (param i32 i32) (result (ref $q)))))"#,
    );
    let err = linker.instantiate(&mut Store::new(&engine, ()), &other).map(|_| ()).unwrap_err();
    assert!(err.to_string().contains("incompatible import type"), "{err}");
    // A type index the module does not have is refused when declared.
    let bad = FuncType::new([ValType::Ref(RefType { nullable: true, heap: HeapType::Concrete(9) })], []);
    assert!(linker.func_new_in("host", "bad", &types, bad, |_, _, _| Ok(())).is_err());
}

/// Every kind of field survives the compact object layout and a
/// collection: packed `i8`, `v128`, `f64`, and reference fields of every
/// hierarchy in their 8-byte raw words — host data of any size (values
/// from 2^61 up go through the heap's table), externalized objects, i31s,
/// functions and other objects.
#[test]
fn mixed_fields_round_trip_through_collections() {
    use weft::ExternRef;
    const WAT: &str = r#"(module
      (type $leaf (struct (field i32)))
      (type $mixed (struct (field (mut i8)) (field (mut v128)) (field (mut externref))
                           (field (mut f64)) (field (mut anyref)) (field (mut funcref))
                           (field (mut (ref null $leaf)))))
      (type $exts (array (mut externref)))
      (type $ft (func (result i32)))
      (global $keep (mut (ref null $mixed)) (ref.null $mixed))
      (global $arr (mut (ref null $exts)) (ref.null $exts))
      (func $f (type $ft) (i32.const 7))
      (elem declare func $f)
      (func (export "make") (param $e externref) (param $big externref)
        (global.set $keep (struct.new $mixed
          (i32.const 0x1ab) (v128.const i64x2 0x0102030405060708 0x1112131415161718)
          (local.get $e) (f64.const -2.5) (any.convert_extern (local.get $big))
          (ref.func $f) (struct.new $leaf (i32.const 99))))
        (global.set $arr (array.new_fixed $exts 3 (local.get $big) (local.get $e)
          (extern.convert_any (ref.i31 (i32.const -3))))))
      (func (export "churn") (param $n i32)
        (loop $l
          (drop (struct.new $leaf (local.get $n)))
          (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $l)))
      (func (export "i8") (result i32) (struct.get_s $mixed 0 (global.get $keep)))
      (func (export "v128_hi") (result i64) (i64x2.extract_lane 1 (struct.get $mixed 1 (global.get $keep))))
      (func (export "ext") (result externref) (struct.get $mixed 2 (global.get $keep)))
      (func (export "f64") (result f64) (struct.get $mixed 3 (global.get $keep)))
      (func (export "big") (result externref) (extern.convert_any (struct.get $mixed 4 (global.get $keep))))
      (func (export "fn") (result i32) (call_ref $ft (ref.cast (ref null $ft) (struct.get $mixed 5 (global.get $keep)))))
      (func (export "leaf") (result i32) (struct.get $leaf 0 (struct.get $mixed 6 (global.get $keep))))
      (func $arr_get (export "arr") (param i32) (result externref) (array.get $exts (global.get $arr) (local.get 0)))
      (func (export "i31") (result i32) (i31.get_s (ref.cast i31ref (any.convert_extern (call $arr_get (i32.const 2)))))))"#;
    for stress in [false, true] {
        let engine = engine(stress);
        let (mut store, instance) = instance(&engine, WAT);
        let small = Val::ExternRef(Some(ExternRef(5)));
        let big = Val::ExternRef(Some(ExternRef(u64::MAX - 1)));
        call(&mut store, &instance, "make", &[small, big], 0).unwrap();
        call(&mut store, &instance, "churn", &[Val::I32(100_000)], 0).unwrap();
        store.gc();
        let one = |store: &mut Store<()>, name: &str| call(store, &instance, name, &[], 1).unwrap()[0];
        assert_eq!(one(&mut store, "i8"), Val::I32(-85), "0x1ab wrapped to i8 and sign-extended");
        assert_eq!(one(&mut store, "v128_hi"), Val::I64(0x1112131415161718));
        assert_eq!(one(&mut store, "ext"), small);
        assert_eq!(one(&mut store, "f64"), Val::f64(-2.5));
        assert_eq!(one(&mut store, "big"), big, "a host value beyond the inline range");
        assert_eq!(one(&mut store, "fn"), Val::I32(7));
        assert_eq!(one(&mut store, "leaf"), Val::I32(99), "an object only a field holds survived");
        assert_eq!(call(&mut store, &instance, "arr", &[Val::I32(0)], 1).unwrap()[0], big);
        assert_eq!(call(&mut store, &instance, "arr", &[Val::I32(1)], 1).unwrap()[0], small);
        assert_eq!(one(&mut store, "i31"), Val::I32(-3));
        assert!(store.gc_stats().collections > 0);
    }
}
