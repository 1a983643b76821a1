//! A table costs what is written, not what is declared (issue 18, item 3).
//!
//! This binary holds one test so that the process's peak resident set
//! (`VmHWM` in `/proc/self/status`) measures it alone: a module declaring
//! a table of ten million `funcref`s (the store's default limit), with an
//! element segment at its start, instantiated on both engines; a call
//! through it, a read of its last element, a write in its middle, a grow
//! and a fill of its tail. Eager elements (32 bytes each) would make the
//! peak over 320 MB; the lazy tail (`weft_exec::table`) keeps it to the
//! test binary plus the elements up to the highest one written.

mod rss;

use rss::peak_rss_kib;
use weft::{Config, Engine, EngineKind, Linker, Module, Store};

const BIG: &str = r#"(module
    (type $t (func (result i32)))
    (table $tab (export "tab") 10000000 funcref)
    (elem (table $tab) (i32.const 0) func $seven $eight)
    (func $seven (type $t) (i32.const 7))
    (func $eight (type $t) (i32.const 8))
    (func (export "call") (param i32) (result i32)
        (call_indirect (type $t) (local.get 0)))
    (func (export "is_null") (param i32) (result i32)
        (ref.is_null (table.get $tab (local.get 0))))
    (func (export "set") (param i32)
        (table.set $tab (local.get 0) (ref.func $eight)))
    (func (export "size") (result i32) (table.size $tab))
    (func (export "grow") (result i32)
        (table.grow $tab (ref.null func) (i32.const 1)))
    (func (export "fill_tail") (param i32 i32)
        (table.fill $tab (local.get 0) (ref.null func) (local.get 1))))"#;

#[test]
fn a_ten_million_element_table_costs_only_the_elements_written() {
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let mut config = Config::default();
        config.engine_kind(kind);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, BIG).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let call = instance.get_typed_func::<i32, i32, _>(&store, "call").unwrap();
        let is_null = instance.get_typed_func::<i32, i32, _>(&store, "is_null").unwrap();
        let set = instance.get_typed_func::<i32, (), _>(&store, "set").unwrap();
        let size = instance.get_typed_func::<(), i32, _>(&store, "size").unwrap();
        let grow = instance.get_typed_func::<(), i32, _>(&store, "grow").unwrap();
        let fill_tail = instance.get_typed_func::<(i32, i32), (), _>(&store, "fill_tail").unwrap();

        assert_eq!(call.call(&mut store, 0).unwrap(), 7, "{kind:?}");
        assert_eq!(call.call(&mut store, 1).unwrap(), 8, "{kind:?}");
        assert!(call.call(&mut store, 2).is_err(), "{kind:?}: a null element traps");
        assert_eq!(is_null.call(&mut store, 9_999_999).unwrap(), 1, "{kind:?}");
        assert!(is_null.call(&mut store, 10_000_000).is_err(), "{kind:?}: out of bounds");
        set.call(&mut store, 1000).unwrap();
        assert_eq!(call.call(&mut store, 1000).unwrap(), 8, "{kind:?}");
        assert_eq!(is_null.call(&mut store, 999).unwrap(), 1, "{kind:?}");
        assert_eq!(size.call(&mut store, ()).unwrap(), 10_000_000, "{kind:?}");
        // The store's default limit is ten million elements.
        assert_eq!(grow.call(&mut store, ()).unwrap(), -1, "{kind:?}");
        fill_tail.call(&mut store, (5_000_000, 5_000_000)).unwrap();
        assert_eq!(is_null.call(&mut store, 9_999_999).unwrap(), 1, "{kind:?}");
        assert_eq!(call.call(&mut store, 1000).unwrap(), 8, "{kind:?}");
        let table = instance.get_table("tab").unwrap();
        assert_eq!(table.size(&store).unwrap(), 10_000_000);
    }
    if let Some(peak) = peak_rss_kib() {
        assert!(peak < 48 * 1024, "peak RSS {peak} KiB: the table was allocated eagerly");
    }
}
