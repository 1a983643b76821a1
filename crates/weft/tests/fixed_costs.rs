//! A store, an instance and the first call of a small function cost
//! kilobytes, not megabytes (issue 18, item 4).
//!
//! This binary counts the heap bytes live at once (a counting global
//! allocator) while a store is made, a small module instantiated in it and
//! its function called, on each engine. The reference engine's stacks
//! grow on demand: the peak is a few kilobytes. The threaded engine still
//! allocates its slot window whole on every entry from the host (64 Ki
//! slots, 512 KiB: its handlers skip bounds checks because every `u16`
//! slot index of a frame is inside it), so its bound is the window plus a
//! few kilobytes; growing the window on demand needs a verified bound on
//! the slots each op names (docs/PERFORMANCE.md, "Not done yet").

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use weft::{Config, Engine, EngineKind, Linker, Module, Store};

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the same arguments and
// only updates counters besides.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `alloc`; `ptr` came from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: as for `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SMALL: &str = r#"(module
    (func (export "add") (param i32 i32) (result i32)
        (local i32)
        (local.set 2 (i32.add (local.get 0) (local.get 1)))
        (i32.mul (local.get 2) (i32.const 3))))"#;

/// The peak of live heap bytes above the level when it starts, while
/// `f` runs.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - base
}

#[test]
fn a_store_an_instance_and_a_first_call_cost_kilobytes() {
    for kind in [EngineKind::Threaded, EngineKind::Reference] {
        let mut config = Config::default();
        config.engine_kind(kind);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, SMALL).unwrap();
        // Translate before counting: the module's code is the module's
        // cost, paid once for every store.
        {
            let mut store = Store::new(&engine, ());
            let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
            let add = instance.get_typed_func::<(i32, i32), i32, _>(&store, "add").unwrap();
            assert_eq!(add.call(&mut store, (2, 5)).unwrap(), 21);
        }
        let peak = peak_during(|| {
            let mut store = Store::new(&engine, ());
            let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
            let add = instance.get_typed_func::<(i32, i32), i32, _>(&store, "add").unwrap();
            assert_eq!(add.call(&mut store, (4, 6)).unwrap(), 30, "{kind:?}");
        });
        eprintln!("{kind:?}: store + instance + first call peak {peak} bytes");
        // The threaded engine's slot window, `1 << 16` slots of 8 bytes.
        let window = if kind == EngineKind::Threaded { 512 * 1024 } else { 0 };
        assert!(peak < window + 64 * 1024, "{kind:?}: store + instance + first call peaked at {peak} bytes of heap");
    }
}
