//! The threaded engine's dispatch never grows the native stack per executed
//! instruction or per wasm call: a long loop and a deep (but legal)
//! recursion both run on a thread with a 256 KiB native stack. A handler
//! chain whose tail calls stopped being jumps, or a call that recursed on
//! the native stack, would overflow it. Run in debug (`cargo test`) and in
//! release (`cargo test --release`). No timing is asserted.

use weft_exec::{Config, Engine, EngineKind, Linker, Module, Store};

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(256 * 1024).spawn(f).unwrap().join().unwrap();
}

const PROGRAM: &str = r#"(module
    (func (export "spin") (param $n i32) (result i32)
        (local $i i32) (local $acc i32)
        (loop $next
            (local.set $acc (i32.xor (i32.add (local.get $acc) (local.get $i)) (i32.const 0x5a5a)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $acc))
    (func $depth (export "depth") (param $n i64) (result i64)
        (if (result i64) (i64.eqz (local.get $n))
            (then (i64.const 0))
            (else (i64.add (i64.const 1) (call $depth (i64.sub (local.get $n) (i64.const 1))))))))"#;

fn instance(config: &Config) -> (Store<()>, weft_exec::Instance) {
    let engine = Engine::new(config);
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, PROGRAM).unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn ten_million_iterations_on_a_256k_stack() {
    on_small_stack(|| {
        let mut config = Config::default();
        config.engine_kind(EngineKind::Threaded);
        let (mut store, instance) = instance(&config);
        let spin = instance.get_typed_func::<i32, i32, _>(&store, "spin").unwrap();
        let n = 10_000_000;
        let expected = (0..n).fold(0i32, |acc, i| acc.wrapping_add(i) ^ 0x5a5a);
        assert_eq!(spin.call(&mut store, n).unwrap(), expected);
    });
}

#[test]
fn hundred_thousand_frames_on_a_256k_stack() {
    on_small_stack(|| {
        let mut config = Config::default();
        config.engine_kind(EngineKind::Threaded).max_call_depth(200_000);
        let (mut store, instance) = instance(&config);
        let depth = instance.get_typed_func::<i64, i64, _>(&store, "depth").unwrap();
        assert_eq!(depth.call(&mut store, 100_000).unwrap(), 100_000);
        // One frame past the limit traps instead of overflowing anything.
        let err = depth.call(&mut store, 300_000).unwrap_err();
        assert_eq!(err.message(), "call stack exhausted");
    });
}
