//! The embedding API end to end: compile errors by phase, typed calls,
//! globals, tables, and the engine kinds.

use weft::{Config, Engine, EngineKind, Error, Linker, Module, Store, Val};

#[test]
fn compile_errors_are_told_apart_by_phase() {
    let engine = Engine::default();
    assert!(matches!(Module::new(&engine, "(module (func"), Err(Error::Wat(_))));
    let err = Module::new(&engine, b"\0asm\x02\0\0\0").unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(err.message(), "unknown binary version");
    let err = Module::new(&engine, "(module (func (result i32) i64.const 0))").unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert_eq!(err.message(), "type mismatch");
}

#[test]
fn globals_tables_and_typed_calls() {
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let mut config = Config::default();
        config.engine_kind(kind);
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let module = Module::new(
            &engine,
            r#"(module
                (global (export "g") (mut i64) (i64.const 5))
                (table (export "t") 2 funcref)
                (func $sq (export "sq") (param i64) (result i64) (i64.mul (local.get 0) (local.get 0)))
                (func (export "bump") (global.set 0 (call $sq (global.get 0))))
                (elem (i32.const 1) $sq))"#,
        )
        .unwrap();
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let bump = instance.get_typed_func::<(), (), _>(&store, "bump").unwrap();
        bump.call(&mut store, ()).unwrap();
        let g = instance.get_global("g").unwrap();
        assert_eq!(g.get(&store).unwrap(), Val::I64(25));
        g.set(&mut store, Val::I64(-3)).unwrap();
        bump.call(&mut store, ()).unwrap();
        assert_eq!(g.get(&store).unwrap(), Val::I64(9));
        assert!(g.set(&mut store, Val::I32(0)).is_err(), "wrong type");

        let table = instance.get_table("t").unwrap();
        assert_eq!(table.size(&store).unwrap(), 2);
        assert_eq!(table.get(&store, 0).unwrap(), Some(Val::FuncRef(None)));
        let Some(Val::FuncRef(Some(sq))) = table.get(&store, 1).unwrap() else { panic!("expected $sq") };
        assert_eq!(sq.call_vec(&mut store, &[Val::I64(12)]).unwrap(), [Val::I64(144)]);
        assert_eq!(table.get(&store, 2).unwrap(), None);

        assert!(instance.get_typed_func::<i32, i64, _>(&store, "sq").is_err(), "wrong static type");
        let sq = instance.get_func("sq").unwrap();
        assert!(matches!(sq.call(&mut store, &[Val::I32(1)], &mut [Val::I64(0)]), Err(Error::Usage(_))));
        assert!(matches!(sq.call(&mut store, &[], &mut [Val::I64(0)]), Err(Error::Usage(_))));
        let names: Vec<_> = instance.exports().map(|(n, _)| n.to_string()).collect();
        assert_eq!(names, ["g", "t", "sq", "bump"]);
    }
}
