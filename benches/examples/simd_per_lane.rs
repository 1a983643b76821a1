//! SIMD against scalar code on the threaded engine, per lane: the same
//! element-wise kernel (`c[i] = a[i] op b[i]` over 16 K elements, 200
//! passes) written with scalar instructions, one element per iteration,
//! and with `v128` instructions, four elements per iteration. Prints the
//! time per element of each and their ratio (below 1: the vector form is
//! faster per lane).
//!
//! `cargo run --release -p weft-benches --example simd_per_lane`

use std::time::{Duration, Instant};

use weft::{Engine, Linker, Module, Store};

const ELEMENTS: u32 = 16 * 1024;
const PASSES: u32 = 200;

/// A module with `scalar` and `vector` kernels for `op` on lanes of `ty`.
fn kernels(ty: &str, op: &str) -> String {
    let (load, store) = match ty {
        "i32" => ("i32.load", "i32.store"),
        _ => ("f32.load", "f32.store"),
    };
    format!(
        r#"(module
          (memory 1)
          (func (export "scalar") (param $passes i32)
            (local $i i32) (local $p i32)
            (loop $pass
              (local.set $i (i32.const 0))
              (loop $l
                ({store} offset=131072
                  (local.get $i)
                  ({ty}.{op} ({load} (local.get $i)) ({load} offset=65536 (local.get $i))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br_if $l (i32.lt_u (local.get $i) (i32.const {bytes}))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br_if $pass (i32.lt_u (local.get $p) (local.get $passes)))))
          (func (export "vector") (param $passes i32)
            (local $i i32) (local $p i32)
            (loop $pass
              (local.set $i (i32.const 0))
              (loop $l
                (v128.store offset=131072
                  (local.get $i)
                  ({ty}x4.{op} (v128.load (local.get $i)) (v128.load offset=65536 (local.get $i))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br_if $l (i32.lt_u (local.get $i) (i32.const {bytes}))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br_if $pass (i32.lt_u (local.get $p) (local.get $passes))))))"#,
        bytes = ELEMENTS * 4,
    )
    .replace("(memory 1)", "(memory 3)")
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let engine = Engine::default();
    println!("{:<10} {:>12} {:>12} {:>14}", "kernel", "scalar ns/el", "vector ns/el", "vector/scalar");
    for (ty, op) in [("i32", "add"), ("i32", "sub"), ("i32", "mul"), ("f32", "add"), ("f32", "mul")] {
        let module = Module::new(&engine, kernels(ty, op)).expect("kernels are valid");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).expect("no imports");
        let scalar = instance.get_typed_func::<i32, (), _>(&store, "scalar").unwrap();
        let vector = instance.get_typed_func::<i32, (), _>(&store, "vector").unwrap();
        let elements = f64::from(ELEMENTS * PASSES);
        let s = best_of(5, || scalar.call(&mut store, PASSES as i32).unwrap());
        let v = best_of(5, || vector.call(&mut store, PASSES as i32).unwrap());
        let (s_ns, v_ns) = (s.as_secs_f64() * 1e9 / elements, v.as_secs_f64() * 1e9 / elements);
        println!("{:<10} {s_ns:>12.2} {v_ns:>12.2} {:>14.2}", format!("{ty}.{op}"), v_ns / s_ns);
    }
    let translated = weft::raw::threaded::translate_all(&Module::new(&engine, kernels("i32", "add")).unwrap());
    assert_eq!(translated.translated, translated.functions, "both kernels run natively");
}
