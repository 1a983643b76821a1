//! Host API misuse returns errors, never a panic: memory accesses out of
//! range (offset + length overflowing `usize` included), calls with the
//! wrong number or types of arguments or a wrong-sized results buffer,
//! and handles or values of one store used with another — in calls,
//! `Linker::define`, instantiation, table and global setters. Each case
//! runs on both engines.

use std::panic::{AssertUnwindSafe, catch_unwind};

use weft::{
    Config, Engine, EngineKind, Extern, ExternRef, Func, FuncType, Global, GlobalType, Instance, Linker, Memory,
    MemoryType, Module, RefType, Store, Table, TableType, Val, ValType,
};

const KINDS: [EngineKind; 2] = [EngineKind::Threaded, EngineKind::Reference];

const MODULE: &str = r#"(module
    (import "env" "f" (func $f (param i32) (result i32)))
    (memory (export "memory") 1)
    (table (export "table") 2 funcref)
    (table (export "externs") 2 externref)
    (global (export "counter") (mut i32) (i32.const 0))
    (global (export "fixed") i32 (i32.const 5))
    (global (export "fref") (mut funcref) (ref.null func))
    (func (export "add") (param i32 i64) (result i64)
        (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1)))
    (func (export "call_f") (param i32) (result i32) (call $f (local.get 0)))
    (func (export "take_ref") (param funcref) (result i32) (ref.is_null (local.get 0)))
    (func (export "take_extern") (param externref) (result i32) (ref.is_null (local.get 0))))"#;

fn engine(kind: EngineKind) -> Engine {
    let mut config = Config::default();
    config.engine_kind(kind);
    Engine::new(&config)
}

fn setup(engine: &Engine) -> (Store<()>, Instance) {
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker.func_wrap("env", "f", |x: i32| x + 1).unwrap();
    let module = Module::new(engine, MODULE).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

/// Runs `f`, failing the test (with `what`) if it panics.
fn no_panic<R>(what: &str, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("{what} panicked"))
}

#[test]
fn memory_access_out_of_range_is_an_error() {
    for kind in KINDS {
        let (mut store, instance) = setup(&engine(kind));
        let memory = instance.get_memory("memory").unwrap();
        let len = memory.data_size(&store).unwrap();
        let mut buf = [0u8; 16];
        for offset in [len, len - 15, len + 1, usize::MAX, usize::MAX - 15, usize::MAX - 16, usize::MAX / 2, 1 << 32] {
            assert!(no_panic("read", || memory.read(&store, offset, &mut buf)).is_err(), "read at {offset:#x}");
            assert!(no_panic("write", || memory.write(&mut store, offset, &buf)).is_err(), "write at {offset:#x}");
        }
        // Empty accesses at the end are fine; one past the end is not.
        memory.read(&store, len, &mut []).unwrap();
        memory.write(&mut store, len, &[]).unwrap();
        assert!(memory.read(&store, len + 1, &mut []).is_err());
        assert!(memory.write(&mut store, usize::MAX, &[]).is_err());
        // In-range accesses still work.
        memory.write(&mut store, len - 16, &[7; 16]).unwrap();
        memory.read(&store, len - 16, &mut buf).unwrap();
        assert_eq!(buf, [7; 16]);
    }
}

#[test]
fn calls_with_wrong_arguments_or_results_are_errors() {
    for kind in KINDS {
        let (mut store, instance) = setup(&engine(kind));
        let add = instance.get_func("add").unwrap();
        let mut one = [Val::I64(0)];
        let cases: [(&str, Vec<Val>); 6] = [
            ("no arguments", vec![]),
            ("too few", vec![Val::I32(1)]),
            ("too many", vec![Val::I32(1), Val::I64(2), Val::I32(3)]),
            ("swapped types", vec![Val::I64(1), Val::I32(2)]),
            ("float for int", vec![Val::f32(1.0), Val::I64(2)]),
            ("reference for int", vec![Val::FuncRef(None), Val::I64(2)]),
        ];
        for (what, args) in cases {
            let r = no_panic(what, || add.call(&mut store, &args, &mut one));
            assert!(r.is_err(), "{kind:?}: {what}");
        }
        for results in [0, 2, 100] {
            let mut out = vec![Val::I64(0); results];
            let r = no_panic("results", || add.call(&mut store, &[Val::I32(1), Val::I64(2)], &mut out));
            assert!(r.is_err(), "{kind:?}: {results} results");
        }
        // A results buffer of the right length but other types is overwritten.
        let mut out = [Val::F32(0)];
        add.call(&mut store, &[Val::I32(1), Val::I64(2)], &mut out).unwrap();
        assert_eq!(out, [Val::I64(3)]);
        // Typed views with the wrong signature are refused.
        assert!(instance.get_typed_func::<(i32, i32), i64, _>(&store, "add").is_err());
        assert!(instance.get_typed_func::<(i32, i64), i32, _>(&store, "add").is_err());
        assert!(instance.get_typed_func::<(i32, i64), i64, _>(&store, "missing").is_err());
        assert!(add.typed::<(), (), _>(&store).is_err());
        // The store still works.
        let typed = instance.get_typed_func::<(i32, i64), i64, _>(&store, "add").unwrap();
        assert_eq!(typed.call(&mut store, (2, 3)).unwrap(), 5);
    }
}

#[test]
fn handles_of_another_store_are_errors() {
    for kind in KINDS {
        let engine = engine(kind);
        let (mut a, inst_a) = setup(&engine);
        let (mut b, inst_b) = setup(&engine);
        let func_a = inst_a.get_func("add").unwrap();
        let memory_a = inst_a.get_memory("memory").unwrap();
        let table_a = inst_a.get_table("table").unwrap();
        let global_a = inst_a.get_global("counter").unwrap();
        let fref_b = inst_b.get_global("fref").unwrap();
        let table_b = inst_b.get_table("table").unwrap();
        let externs_b = inst_b.get_table("externs").unwrap();
        let take_ref_b = inst_b.get_func("take_ref").unwrap();
        let mut out = [Val::I64(0)];

        // Every accessor of a handle refuses the wrong store.
        assert!(no_panic("call", || func_a.call(&mut b, &[Val::I32(1), Val::I64(2)], &mut out)).is_err());
        assert!(no_panic("call_vec", || func_a.call_vec(&mut b, &[Val::I32(1), Val::I64(2)])).is_err());
        assert!(no_panic("ty", || func_a.ty(&b)).is_err());
        assert!(no_panic("typed", || func_a.typed::<(i32, i64), i64, _>(&b)).is_err());
        assert!(no_panic("get_typed_func", || inst_a.get_typed_func::<(i32, i64), i64, _>(&b, "add")).is_err());
        assert!(no_panic("memory.read", || memory_a.read(&b, 0, &mut [0; 4])).is_err());
        assert!(no_panic("memory.write", || memory_a.write(&mut b, 0, &[0; 4])).is_err());
        assert!(no_panic("memory.size", || memory_a.size(&b)).is_err());
        assert!(no_panic("memory.data", || memory_a.data(&b).map(<[u8]>::len)).is_err());
        assert!(no_panic("memory.data_mut", || memory_a.data_mut(&mut b).map(|d| d.len())).is_err());
        assert!(no_panic("memory.grow", || memory_a.grow(&mut b, 1)).is_err());
        assert!(no_panic("memory.ty", || memory_a.ty(&b)).is_err());
        assert!(no_panic("table.get", || table_a.get(&b, 0)).is_err());
        assert!(no_panic("table.set", || table_a.set(&mut b, 0, Val::FuncRef(None))).is_err());
        assert!(no_panic("table.grow", || table_a.grow(&mut b, 1, Val::FuncRef(None))).is_err());
        assert!(no_panic("table.size", || table_a.size(&b)).is_err());
        assert!(no_panic("global.get", || global_a.get(&b)).is_err());
        assert!(no_panic("global.set", || global_a.set(&mut b, Val::I32(1))).is_err());
        assert!(no_panic("global.ty", || global_a.ty(&b)).is_err());

        // Values holding a function of store `a`, given to store `b`.
        let foreign = Val::FuncRef(Some(func_a));
        assert!(no_panic("funcref argument", || take_ref_b.call(&mut b, &[foreign], &mut [Val::I32(0)])).is_err());
        assert!(no_panic("table.set value", || table_b.set(&mut b, 0, foreign)).is_err());
        assert!(no_panic("table.grow init", || table_b.grow(&mut b, 1, foreign)).is_err());
        assert!(no_panic("global.set value", || fref_b.set(&mut b, foreign)).is_err());
        let table_ty =
            TableType { element: RefType::FUNCREF, limits: weft::Limits { min: 1, max: None }, index64: false };
        assert!(no_panic("Table::new init", || Table::new(&mut b, table_ty, foreign)).is_err());
        let global_ty = GlobalType { content: ValType::Ref(RefType::FUNCREF), mutable: true };
        assert!(no_panic("Global::new value", || Global::new(&mut b, global_ty, foreign)).is_err());
        // Extern references carry no store: any store takes them.
        externs_b.set(&mut b, 1, Val::ExternRef(Some(ExternRef(42)))).unwrap();
        assert_eq!(externs_b.get(&b, 1).unwrap(), Some(Val::ExternRef(Some(ExternRef(42)))));

        // Definitions of store `a` in a linker instantiating into store `b`.
        let module = Module::new(&engine, MODULE).unwrap();
        let mut linker = Linker::new(&engine);
        linker.define("env", "f", Extern::Func(func_a)).unwrap();
        assert!(no_panic("instantiate with foreign func", || linker.instantiate(&mut b, &module)).is_err());
        let importer = Module::new(
            &engine,
            r#"(module (import "env" "m" (memory 1)) (import "env" "t" (table 1 funcref))
                       (import "env" "g" (global (mut i32))))"#,
        )
        .unwrap();
        let mut linker = Linker::new(&engine);
        linker.define("env", "m", memory_a).unwrap();
        linker.define("env", "t", table_a).unwrap();
        linker.define("env", "g", global_a).unwrap();
        assert!(no_panic("instantiate with foreign memory", || linker.instantiate(&mut b, &importer)).is_err());
        let imports = [Extern::Memory(memory_a), Extern::Table(table_a), Extern::Global(global_a)];
        assert!(no_panic("Instance::new", || Instance::new(&mut b, &importer, &imports)).is_err());
        // The wrong number of imports.
        assert!(no_panic("Instance::new arity", || Instance::new(&mut a, &importer, &imports[..1])).is_err());

        // Both stores still work.
        let typed = inst_a.get_typed_func::<(i32, i64), i64, _>(&a, "add").unwrap();
        assert_eq!(typed.call(&mut a, (1, 1)).unwrap(), 2);
        let call_f = inst_b.get_typed_func::<i32, i32, _>(&b, "call_f").unwrap();
        assert_eq!(call_f.call(&mut b, 1).unwrap(), 2);
    }
}

#[test]
fn setters_check_types_and_mutability() {
    for kind in KINDS {
        let (mut store, instance) = setup(&engine(kind));
        let fixed = instance.get_global("fixed").unwrap();
        let counter = instance.get_global("counter").unwrap();
        let table = instance.get_table("table").unwrap();
        let externs = instance.get_table("externs").unwrap();
        assert!(fixed.set(&mut store, Val::I32(1)).is_err(), "immutable");
        assert!(counter.set(&mut store, Val::I64(1)).is_err(), "wrong type");
        assert!(counter.set(&mut store, Val::FuncRef(None)).is_err(), "reference for i32");
        assert!(table.set(&mut store, 0, Val::ExternRef(None)).is_err(), "externref into funcref table");
        assert!(table.set(&mut store, 0, Val::I32(0)).is_err(), "number into a table");
        assert!(externs.set(&mut store, 0, Val::FuncRef(None)).is_err(), "funcref into externref table");
        for index in [2, u64::from(u32::MAX), u64::MAX] {
            assert!(table.set(&mut store, index, Val::FuncRef(None)).is_err(), "set at {index}");
            assert_eq!(table.get(&store, index).unwrap(), None, "get at {index}");
        }
        assert!(table.grow(&mut store, 1, Val::I32(0)).is_err(), "grow with a number");
        let bad_memory = MemoryType {
            limits: weft::Limits { min: 2, max: Some(1) },
            index64: false,
            shared: false,
            page_size_log2: None,
        };
        assert!(no_panic("Memory::new min > max", || Memory::new(&mut store, bad_memory)).is_err());
        let huge_memory = MemoryType {
            limits: weft::Limits { min: u64::MAX, max: None },
            index64: false,
            shared: false,
            page_size_log2: None,
        };
        assert!(no_panic("Memory::new huge", || Memory::new(&mut store, huge_memory)).is_err());
        let huge_table =
            TableType { element: RefType::FUNCREF, limits: weft::Limits { min: u64::MAX, max: None }, index64: false };
        assert!(no_panic("Table::new huge", || Table::new(&mut store, huge_table, Val::FuncRef(None))).is_err());
        // A host function whose declared results do not match what it writes.
        let ty = FuncType::new([], [ValType::I32]);
        let liar = Func::new(&mut store, ty, |_, _, results| {
            results[0] = Val::I64(1);
            Ok(())
        });
        let mut out = [Val::I32(0)];
        let r = no_panic("host result type", || liar.call(&mut store, &[], &mut out));
        assert!(r.is_err(), "{kind:?}: {r:?} {out:?}");
        // One that returns a function of another store, called from wasm.
        let (mut other, other_instance) = setup(&engine(kind));
        let _ = &mut other;
        let foreign = other_instance.get_func("add").unwrap();
        let ty = FuncType::new([], [ValType::Ref(RefType::FUNCREF)]);
        let smuggler = Func::new(&mut store, ty, move |_, _, results| {
            results[0] = Val::FuncRef(Some(foreign));
            Ok(())
        });
        let module = Module::new(
            store.engine(),
            r#"(module (type $t (func (param i32 i64) (result i64)))
                (import "env" "get" (func $get (result funcref)))
                (table 1 funcref)
                (func (export "run") (result i64)
                    (table.set (i32.const 0) (call $get))
                    (call_indirect (type $t) (i32.const 1) (i64.const 2) (i32.const 0))))"#,
        )
        .unwrap();
        let run_instance = Instance::new(&mut store, &module, &[Extern::Func(smuggler)]).unwrap();
        let run = run_instance.get_typed_func::<(), i64, _>(&store, "run").unwrap();
        assert!(no_panic("foreign funcref from a host function", || run.call(&mut store, ())).is_err(), "{kind:?}");
    }
}
