//! The heap's own allocation rate, without an interpreter in the way:
//! list churn (nodes `{i64, (ref null $node)}`, the list dropped every
//! 1,000 nodes) and binary trees allocated straight through
//! `gc::alloc_struct`. A measurement for docs/PERFORMANCE.md:
//! `cargo test --release -p weft-exec --test alloc_rate -- --ignored --nocapture`.

use std::time::Instant;

use weft_exec::gc::{self, AnyRef};
use weft_exec::{Engine, Module, Store, Val};

const NODE: &str = "(module (type $node (struct (field i64) (field (ref null $node)))))";
const TREE: &str = "(module (type $t (struct (field (ref null $t)) (field (ref null $t)))))";

fn object(r: weft_exec::GcRef) -> Val {
    Val::AnyRef(Some(AnyRef::Object(r)))
}

#[test]
#[ignore = "a measurement, not a check"]
fn heap_allocation_rate() {
    let engine = Engine::default();
    let module = Module::new(&engine, NODE).unwrap();
    let ty = module.gc_type(0).unwrap();
    let mut store = Store::new(&engine, ());
    let n = 20_000_000u64;
    let start = Instant::now();
    let mut head = Val::AnyRef(None);
    for i in 0..n {
        let fields = [Val::I64(i as i64), head];
        head = object(gc::alloc_struct(&mut store, &ty, &fields, &[&fields]).unwrap());
        if i % 1000 == 999 {
            head = Val::AnyRef(None);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let stats = store.gc_stats();
    println!(
        "list churn: {n} nodes in {secs:.2} s = {:.1} M objects/s ({} collections, peak heap {} KiB)",
        n as f64 / secs / 1e6,
        stats.collections,
        stats.peak_bytes >> 10
    );

    let module = Module::new(&engine, TREE).unwrap();
    let ty = module.gc_type(0).unwrap();
    let mut store = Store::new(&engine, ());
    // A long-lived tree of depth 18 while 64 trees of depth 16 come and go.
    fn make(store: &mut Store<()>, ty: &std::sync::Arc<gc::GcType>, d: u32, roots: &[Val]) -> Val {
        let (l, r) = if d == 0 {
            (Val::AnyRef(None), Val::AnyRef(None))
        } else {
            let l = make(store, ty, d - 1, roots);
            let mut with_l = roots.to_vec();
            with_l.push(l);
            (l, make(store, ty, d - 1, &with_l))
        };
        let fields = [l, r];
        object(gc::alloc_struct(store, ty, &fields, &[&fields, roots]).unwrap())
    }
    let start = Instant::now();
    let long = make(&mut store, &ty, 18, &[]);
    for _ in 0..64 {
        make(&mut store, &ty, 16, &[long]);
    }
    let secs = start.elapsed().as_secs_f64();
    let stats = store.gc_stats();
    println!(
        "binary trees: {} nodes in {secs:.2} s = {:.1} M objects/s ({} collections, peak heap {} KiB)",
        stats.allocated,
        stats.allocated as f64 / secs / 1e6,
        stats.collections,
        stats.peak_bytes >> 10
    );
}
