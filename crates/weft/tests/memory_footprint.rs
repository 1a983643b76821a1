//! Linear memory costs what is touched, not what is declared (issue 18).
//!
//! This binary holds one test so that the process's peak resident set
//! (`VmHWM` in `/proc/self/status`) measures it alone: a module declaring
//! 4 GiB of memory (`(memory 65536)`), instantiated on both engines, one
//! byte stored at its far end, read back, and the memory grown in place.
//! Eagerly zeroed memory would make the peak 4 GiB; the reservation the
//! OS zeroes on first touch keeps it to the test binary plus a few pages.
//! How long it takes is in docs/PERFORMANCE.md, not asserted here.

mod rss;

use rss::peak_rss_kib;
use weft::{Config, Engine, EngineKind, Linker, Module, Store};

const BIG: &str = r#"(module
    (memory (export "mem") 65535 65536)
    (func (export "poke") (param i32 i32)
        (i32.store8 (local.get 0) (local.get 1)))
    (func (export "peek") (param i32) (result i32)
        (i32.load8_u (local.get 0)))
    (func (export "grow") (result i32)
        (memory.grow (i32.const 1))))"#;

#[test]
fn a_4_gib_memory_costs_only_the_pages_touched() {
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let mut config = Config::default();
        config.engine_kind(kind);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, BIG).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let poke = instance.get_typed_func::<(i32, i32), (), _>(&store, "poke").unwrap();
        let peek = instance.get_typed_func::<i32, i32, _>(&store, "peek").unwrap();
        let grow = instance.get_typed_func::<(), i32, _>(&store, "grow").unwrap();
        let last = (65535u32 * 65536 - 1) as i32;
        poke.call(&mut store, (last, 0x5A)).unwrap();
        assert_eq!(peek.call(&mut store, last).unwrap(), 0x5A, "{kind:?}");
        assert_eq!(peek.call(&mut store, 12345).unwrap(), 0, "{kind:?}: untouched memory reads as zero");
        // Growing to the full 4 GiB keeps the stored byte and adds zeros.
        assert_eq!(grow.call(&mut store, ()).unwrap(), 65535, "{kind:?}");
        let top = (65536u64 * 65536 - 1) as u32 as i32;
        assert_eq!(peek.call(&mut store, top).unwrap(), 0, "{kind:?}");
        assert_eq!(peek.call(&mut store, last).unwrap(), 0x5A, "{kind:?}");
        let memory = instance.get_memory("mem").unwrap();
        assert_eq!(memory.data_size(&store).unwrap(), 1 << 32);
    }
    if let Some(peak) = peak_rss_kib() {
        assert!(peak < 32 * 1024, "peak RSS {peak} KiB: linear memory was touched eagerly");
    }
}
