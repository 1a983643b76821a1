//! Concurrency under load, as wasmtime embedders use it: one `Engine` and
//! one `Module` shared by many threads, each with its own stores.
//!
//! * Eight threads instantiate the same module over and over and call it
//!   thousands of times; every result equals the single-threaded run's.
//!   A ninth thread interrupts their stores at random moments: a call
//!   either completes with the right result or ends with the interrupt
//!   trap, nothing else. (To make sure every worker really meets an
//!   interrupt, each ends with a call that loops forever and only the
//!   interrupter can stop — no timing is assumed.)
//! * Lazy translation racing: several threads released together call
//!   functions nobody has called yet, so they race to translate each one.
//!   Translation of a defined function goes through its slot's
//!   `OnceLock::get_or_init` (weft-exec, `threaded/mod.rs`,
//!   `translate_once`): the closure runs once, the other callers block
//!   until it has finished, and the code is published as a whole `Arc`
//!   (never half-written). weft exposes no translation counter, so the
//!   test checks what a caller could observe — every thread's result
//!   equals the reference engine's — on fresh modules, many times over.
//!
//! Both pass in the test profile and in release (`cargo test --release -p
//! weft --test concurrency`). Nothing here asserts a time.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use weft::{Config, Engine, EngineKind, Instance, InterruptHandle, Linker, Module, Store, TrapKind};

/// `Engine`, `Module` and `InterruptHandle` are shared between threads;
/// `Store` and `Instance` move between them.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Engine>();
    send_sync::<Module>();
    send_sync::<InterruptHandle>();
    send::<Store<()>>();
    send::<Instance>();
};

/// `work(n)`: a loop of `n` rounds mixing arithmetic, memory, a global, a
/// direct call and an indirect call; its result depends on every round.
/// `spin()`: loops until interrupted.
const WORK: &str = r#"(module
    (memory 1)
    (global $g (mut i32) (i32.const 7))
    (table funcref (elem $mix $twist))
    (type $unary (func (param i32) (result i32)))
    (func $mix (param i32) (result i32)
        (i32.xor (i32.mul (local.get 0) (i32.const 0x9e3779b1)) (i32.shr_u (local.get 0) (i32.const 15))))
    (func $twist (param i32) (result i32)
        (i32.rotl (i32.add (local.get 0) (global.get $g)) (i32.const 5)))
    (func (export "work") (param $n i32) (result i32)
        (local $acc i32) (local $i i32)
        (local.set $acc (local.get $n))
        (block $done
            (loop $round
                (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
                (i32.store (i32.and (i32.mul (local.get $i) (i32.const 4)) (i32.const 0xfffc)) (local.get $acc))
                (local.set $acc (call $mix (i32.add (local.get $acc)
                    (i32.load (i32.and (i32.mul (local.get $i) (i32.const 12)) (i32.const 0xfffc))))))
                (local.set $acc (call_indirect (type $unary)
                    (local.get $acc) (i32.and (local.get $i) (i32.const 1))))
                (global.set $g (i32.add (global.get $g) (i32.const 1)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $round)))
        (local.get $acc))
    (func (export "spin") (loop $forever (br $forever))))"#;

/// The rounds each call of `work` runs: enough for an interrupt to land
/// inside calls, small enough for thousands of calls in the test profile.
fn rounds(input: usize) -> i32 {
    20 + (input as i32 * 37) % 300
}

const WORKERS: usize = 8;
const CALLS_PER_WORKER: usize = 2_000;
const INPUTS: usize = 97;

fn engine(kind: EngineKind) -> Engine {
    let mut config = Config::new();
    config.engine_kind(kind).interruptible(true);
    Engine::new(&config)
}

fn instantiate(engine: &Engine, module: &Module) -> (Store<()>, Instance) {
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine).instantiate(&mut store, module).unwrap();
    (store, instance)
}

/// What one fresh instance returns for each input, computed on one thread.
/// (`work` mutates a global and memory, so results depend on the calls
/// before: each baseline call runs on a fresh instance, and so does each
/// checked call below.)
fn baseline(engine: &Engine, module: &Module) -> Vec<i32> {
    (0..INPUTS)
        .map(|input| {
            let (mut store, instance) = instantiate(engine, module);
            let work = instance.get_typed_func::<i32, i32, _>(&store, "work").unwrap();
            work.call(&mut store, rounds(input)).unwrap()
        })
        .collect()
}

/// A small xorshift generator for the interrupter's choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[derive(Default)]
struct Counts {
    completed: AtomicUsize,
    interrupted: AtomicUsize,
}

fn shared_module_under_interrupts(kind: EngineKind) {
    let engine = engine(kind);
    let module = Module::new(&engine, WORK).unwrap();
    let expected = Arc::new(baseline(&engine, &module));

    // Each worker's current store's handle, for the interrupter.
    let handles: Arc<Mutex<Vec<Option<InterruptHandle>>>> = Arc::new(Mutex::new(vec![None; WORKERS]));
    let counts = Arc::new(Counts::default());
    let finished = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));

    let interrupter = {
        let (handles, stop) = (handles.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut rng = Rng(0x1234_5678_9abc_def1);
            let mut sent = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let pick = rng.next() as usize % WORKERS;
                if let Some(h) = &handles.lock().unwrap()[pick] {
                    h.interrupt();
                    sent += 1;
                }
                // Yield to the workers for a random while.
                for _ in 0..rng.next() % 16 {
                    std::thread::yield_now();
                }
            }
            sent
        })
    };

    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (engine, module, expected) = (engine.clone(), module.clone(), expected.clone());
            let (handles, counts, finished) = (handles.clone(), counts.clone(), finished.clone());
            std::thread::spawn(move || {
                for call in 0..CALLS_PER_WORKER {
                    let input = (w * 31 + call * 7) % INPUTS;
                    // A fresh instance per call: `work` changes its state,
                    // and the baseline ran each input on a fresh one.
                    let (mut store, instance) = instantiate(&engine, &module);
                    handles.lock().unwrap()[w] = Some(store.interrupt_handle());
                    let work = instance.get_typed_func::<i32, i32, _>(&store, "work").unwrap();
                    match work.call(&mut store, rounds(input)) {
                        Ok(v) => {
                            assert_eq!(v, expected[input], "worker {w}, input {input}");
                            counts.completed.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            let kind = e.as_trap().map(|t| t.kind().clone());
                            assert_eq!(kind, Some(TrapKind::Interrupted), "worker {w}: {e}");
                            counts.interrupted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                // Every worker meets at least one interrupt: a call that
                // only the interrupter can end.
                let (mut store, instance) = instantiate(&engine, &module);
                handles.lock().unwrap()[w] = Some(store.interrupt_handle());
                let spin = instance.get_typed_func::<(), (), _>(&store, "spin").unwrap();
                let e = spin.call(&mut store, ()).unwrap_err();
                assert_eq!(e.as_trap().map(|t| t.kind()), Some(&TrapKind::Interrupted), "worker {w}: {e}");
                counts.interrupted.fetch_add(1, Ordering::Relaxed);
                handles.lock().unwrap()[w] = None;
                finished.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker failed");
    }
    stop.store(true, Ordering::Relaxed);
    let sent = interrupter.join().unwrap();
    assert_eq!(finished.load(Ordering::Relaxed), WORKERS);
    let (completed, interrupted) =
        (counts.completed.load(Ordering::Relaxed), counts.interrupted.load(Ordering::Relaxed));
    println!("{kind:?}: {completed} checked calls completed, {interrupted} calls interrupted, {sent} interrupts sent");
    assert!(interrupted >= WORKERS, "every worker's last call ends only by an interrupt");
    assert!(interrupted <= sent, "no call traps 'interrupted' without a request");
    assert_eq!(completed + interrupted, WORKERS * (CALLS_PER_WORKER + 1));
}

#[test]
fn eight_threads_share_a_module_under_random_interrupts_threaded() {
    shared_module_under_interrupts(EngineKind::Threaded);
}

#[test]
fn eight_threads_share_a_module_under_random_interrupts_reference() {
    shared_module_under_interrupts(EngineKind::Reference);
}

/// A module of `n` functions nobody has called, each different (a loop,
/// a `br_table`, arithmetic), and an export calling function `k` on `x`.
fn many_functions(n: usize) -> String {
    let mut wat = String::from("(module (type $f (func (param i32) (result i32)))\n");
    for k in 0..n {
        wat.push_str(&format!(
            r#"(func $f{k} (type $f) (local $i i32) (local $acc i32)
                (local.set $acc (i32.add (local.get 0) (i32.const {k})))
                (block $done (loop $l
                    (br_if $done (i32.ge_u (local.get $i) (i32.const {rounds})))
                    (block $c (block $b (block $a
                        (br_table $a $b $c (i32.rem_u (i32.add (local.get $i) (i32.const {k})) (i32.const 3))))
                        (local.set $acc (i32.mul (local.get $acc) (i32.const {m}))) (br $c))
                        (local.set $acc (i32.xor (local.get $acc) (i32.const {x}))))
                    (local.set $acc (i32.rotl (local.get $acc) (i32.const 3)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $l)))
                (local.get $acc))
            "#,
            rounds = 3 + k % 11,
            m = 2 * k + 3,
            x = k * 7919 + 1,
        ));
    }
    wat.push_str("(table funcref (elem");
    for k in 0..n {
        wat.push_str(&format!(" $f{k}"));
    }
    wat.push_str("))\n(func (export \"call\") (param $k i32) (param $x i32) (result i32)\n");
    wat.push_str("  (call_indirect (type $f) (local.get $x) (local.get $k))))");
    wat
}

#[test]
fn racing_first_calls_translate_each_function_once_and_agree() {
    const FUNCTIONS: usize = 64;
    const THREADS: usize = 6;
    const ROUNDS: usize = 8;
    let wat = many_functions(FUNCTIONS);
    let reference = Engine::new(Config::new().engine_kind(EngineKind::Reference));
    let expected: Vec<i32> = {
        let module = Module::new(&reference, &wat).unwrap();
        let (mut store, instance) = instantiate(&reference, &module);
        let call = instance.get_typed_func::<(i32, i32), i32, _>(&store, "call").unwrap();
        (0..FUNCTIONS).map(|k| call.call(&mut store, (k as i32, k as i32 * 1000 + 1)).unwrap()).collect()
    };
    let engine = Engine::default();
    for round in 0..ROUNDS {
        // A fresh module: none of its functions is translated yet.
        let module = Module::new(&engine, &wat).unwrap();
        let barrier = Arc::new(Barrier::new(THREADS));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (engine, module, barrier) = (engine.clone(), module.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let (mut store, instance) = instantiate(&engine, &module);
                    let call = instance.get_typed_func::<(i32, i32), i32, _>(&store, "call").unwrap();
                    barrier.wait();
                    // Half the threads walk the functions forwards, half
                    // backwards, so every function sees racing first calls.
                    let order: Vec<usize> =
                        if t % 2 == 0 { (0..FUNCTIONS).collect() } else { (0..FUNCTIONS).rev().collect() };
                    let mut got = vec![0; FUNCTIONS];
                    for k in order {
                        got[k] = call.call(&mut store, (k as i32, k as i32 * 1000 + 1)).unwrap();
                    }
                    got
                })
            })
            .collect();
        for (t, thread) in threads.into_iter().enumerate() {
            assert_eq!(thread.join().unwrap(), expected, "round {round}, thread {t}");
        }
        let stats = weft::raw::threaded::translate_all(&module);
        assert_eq!(stats.translated, stats.functions, "every function is translated (once, by its OnceLock)");
    }
}
