//! A store, an instance and the first call of a small function cost
//! kilobytes, not megabytes (issue 18, item 4).
//!
//! This binary counts the heap bytes live at once (a counting global
//! allocator) while a store is made, a small module instantiated in it and
//! its function called, on each engine. Both engines' stacks grow on
//! demand: the reference engine's value, label and frame stacks are empty
//! vectors; the threaded engine's slot vector starts at the entry frame's
//! size and grows at each call that needs more (it used to allocate a
//! 512 KiB window on every entry from the host), its frame stack at a few
//! dozen frames. The peak is a few kilobytes on each.

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
        assert!(peak < 32 * 1024, "{kind:?}: store + instance + first call peaked at {peak} bytes of heap");
    }
}

/// Frames past the first grow the slot vector on demand: a tail call from
/// a small frame into a large one (the callee's frame is reserved before
/// it runs), and deep recursion through frames with `v128` locals (their
/// v-slots grow with the slots). Every local must read as zero.
#[test]
fn frames_past_the_entry_frame_grow_the_slots_on_demand() {
    let mut locals = String::new();
    for _ in 0..200 {
        locals.push_str(" i64");
    }
    let wat = format!(
        r#"(module
        (func $big (param i32) (result i32) (local{locals})
            (local.set 150 (i64.extend_i32_u (local.get 0)))
            (i32.add (i32.wrap_i64 (local.get 150))
                     (i32.wrap_i64 (i64.add (local.get 1) (local.get 200)))))
        (func (export "small") (param i32) (result i32)
            (return_call $big (i32.add (local.get 0) (i32.const 1))))
        (func $vrec (export "vrec") (param i32) (result i32) (local v128 i64 i64 i64)
            (local.set 1 (i32x4.splat (local.get 0)))
            (if (result i32) (i32.eqz (local.get 0))
                (then (i32.wrap_i64 (local.get 4)))
                (else (i32.add (call $vrec (i32.sub (local.get 0) (i32.const 1)))
                               (i32x4.extract_lane 3 (local.get 1)))))))"#
    );
    let mut config = Config::default();
    config.engine_kind(EngineKind::Threaded);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wat.as_str()).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let small = instance.get_typed_func::<i32, i32, _>(&store, "small").unwrap();
    assert_eq!(small.call(&mut store, 41).unwrap(), 42);
    let vrec = instance.get_typed_func::<i32, i32, _>(&store, "vrec").unwrap();
    assert_eq!(vrec.call(&mut store, 5000).unwrap(), 5000 * 5001 / 2);
    assert!(module.fallbacks().is_empty(), "{:?}", module.fallbacks());
}
