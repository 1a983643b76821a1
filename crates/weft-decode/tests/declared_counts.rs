//! A module that declares huge counts it cannot back must fail without
//! allocating from the declared count. This test binary counts the
//! peak of live heap bytes with its own global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use weft_decode::{Features, Module};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only
// counts the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn peak_while(f: impl FnOnce()) -> usize {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let before = LIVE.load(Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - before
}

#[test]
fn huge_declared_counts_fail_fast_and_small() {
    let cases: [&[u8]; 6] = [
        // function section declaring 2^32-1 functions, 20 bytes in all
        b"\0asm\x01\0\0\0\x03\x05\xff\xff\xff\xff\x0f\x00\x00\x00",
        // type section declaring 2^32-1 types
        b"\0asm\x01\0\0\0\x01\x06\xff\xff\xff\xff\x0f\x60",
        // code section declaring 2^32-1 bodies
        b"\0asm\x01\0\0\0\x0a\x06\xff\xff\xff\xff\x0f\x00",
        // a body declaring 2^32-1 local groups
        b"\0asm\x01\0\0\0\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x09\x01\x07\xff\xff\xff\xff\x0f\x01\x7f",
        // a data segment claiming 4 GiB of bytes
        b"\0asm\x01\0\0\0\x0b\x0a\x01\x01\xff\xff\xff\xff\x0f\x00\x00\x00",
        // a custom section name claiming 4 GiB
        b"\0asm\x01\0\0\0\x00\x05\xff\xff\xff\xff\x0f",
    ];
    for bytes in cases {
        let peak = peak_while(|| {
            let result = Module::decode_all(bytes, Features::default());
            assert!(result.is_err(), "{bytes:?} decoded");
        });
        assert!(peak < 64 << 20, "{bytes:?}: peak heap {peak} bytes");
    }
}
