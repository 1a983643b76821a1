#![allow(missing_docs)] // criterion_group! generates undocumented functions
//! The interpreter's hot paths, one criterion group per kind of work: op
//! dispatch, conditional branches, `br_table`, direct calls,
//! `call_indirect`, memory access and bulk memory, and the cost of fuel.
//!
//! Each kernel is a small WAT function `[i32] -> [i64]`: it takes its
//! iteration count and returns a checksum. Before timing, every kernel runs
//! once on every engine of its group and the checksums must agree, so a
//! broken kernel fails the bench instead of being measured. One element of
//! [`Throughput::Elements`] is one loop iteration (for `fib`, one call);
//! the kernel's comment gives the wasm instructions per iteration.
//!
//! ```text
//! cargo bench -p weft-benches --bench hot_paths                # every group
//! cargo bench -p weft-benches --bench hot_paths -- br_table    # one group
//! ```
//!
//! Instantiation happens once per engine, outside the timed loop; every call
//! starts from the same state (the memory kernels clear their memory first).

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use weft::{Config, Engine, EngineKind, Linker, Module, Store, TypedFunc};

/// One kernel: an export of a WAT module, called with `arg`.
struct Kernel {
    /// Part of the benchmark id when a group has several kernels.
    name: &'static str,
    wat: &'static str,
    export: &'static str,
    arg: i32,
    /// Loop iterations (or calls) one call of the export executes.
    elements: u64,
}

/// Dependent i32 arithmetic on locals: 25 wasm instructions per iteration
/// (add, xor, rotl, mul, add, xor and the loop counter), each op's result
/// an operand of the next, so op dispatch is the whole cost.
const DISPATCH: &str = r#"
(module
  (func (export "run") (param $n i32) (result i64)
    (local $a i32) (local $b i32) (local $c i32)
    (local.set $a (i32.const 1))
    (local.set $b (i32.const 2))
    (local.set $c (i32.const 3))
    (loop $l
      local.get $a local.get $b i32.add local.set $a
      local.get $b local.get $a i32.xor i32.const 7 i32.rotl local.set $b
      local.get $c i32.const -1640531535 i32.mul local.get $b i32.add local.set $c
      local.get $a local.get $c i32.xor local.set $a
      local.get $n i32.const 1 i32.sub local.tee $n br_if $l)
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $a)) (i64.const 32))
      (i64.extend_i32_u (i32.xor (local.get $b) (local.get $c))))))
"#;

/// A linear congruential generator whose high bits decide a `br_if` (skip
/// an add) and an `if`/`else`: two branches per iteration that a predictor
/// cannot learn; 29 wasm instructions per iteration on average, not
/// counting the `block`.
const BRANCH: &str = r#"
(module
  (func (export "run") (param $n i32) (result i64)
    (local $x i32) (local $s i32) (local $t i32)
    (loop $l
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1664525)) (i32.const 1013904223)))
      (block $skip
        (br_if $skip (i32.and (i32.shr_u (local.get $x) (i32.const 27)) (i32.const 1)))
        (local.set $s (i32.add (local.get $s) (local.get $x))))
      (if (i32.and (i32.shr_u (local.get $x) (i32.const 29)) (i32.const 1))
        (then (local.set $t (i32.xor (local.get $t) (local.get $x))))
        (else (local.set $t (i32.add (local.get $t) (i32.const 1)))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $s)) (i64.const 32))
      (i64.extend_i32_u (local.get $t)))))
"#;

/// A `br_table` over 8 arms indexed by the top three bits of a linear
/// congruential generator; each arm updates the sum and leaves with a `br`.
/// About 21 wasm instructions per iteration, not counting the nine `block`s.
const BR_TABLE: &str = r#"
(module
  (func (export "run") (param $n i32) (result i64)
    (local $x i32) (local $s i32)
    (loop $l
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1664525)) (i32.const 1013904223)))
      block $done
        block $a7
          block $a6
            block $a5
              block $a4
                block $a3
                  block $a2
                    block $a1
                      block $a0
                        (br_table $a0 $a1 $a2 $a3 $a4 $a5 $a6 $a7 (i32.shr_u (local.get $x) (i32.const 29)))
                      end
                      (local.set $s (i32.add (local.get $s) (local.get $x)))
                      br $done
                    end
                    (local.set $s (i32.xor (local.get $s) (local.get $x)))
                    br $done
                  end
                  (local.set $s (i32.sub (local.get $s) (local.get $x)))
                  br $done
                end
                (local.set $s (i32.rotl (local.get $s) (i32.const 3)))
                br $done
              end
              (local.set $s (i32.mul (local.get $s) (i32.const 31)))
              br $done
            end
            (local.set $s (i32.add (local.get $s) (i32.const 7)))
            br $done
          end
          (local.set $s (i32.xor (local.get $s) (i32.const 0x5bd1e995)))
          br $done
        end
        (local.set $s (i32.shr_u (local.get $s) (i32.const 1)))
      end
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i64.extend_i32_u (local.get $s))))
"#;

/// Direct calls: `direct` calls a 7-instruction function once per
/// iteration (16 wasm instructions per iteration with the caller's); `fib`
/// is naive recursive Fibonacci, one element per call of `$fib`.
const CALL: &str = r#"
(module
  (func $mix (param $a i32) (param $b i32) (result i32)
    (i32.rotl (i32.mul (i32.xor (local.get $a) (local.get $b)) (i32.const 16777619)) (i32.const 5)))
  (func (export "direct") (param $n i32) (result i64)
    (local $s i32)
    (loop $l
      (local.set $s (call $mix (local.get $s) (local.get $n)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i64.extend_i32_u (local.get $s)))
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "fib") (param $n i32) (result i64)
    (i64.extend_i32_u (call $fib (local.get $n)))))
"#;

/// `call_indirect` through a table of four functions of one type, taken in
/// turn (`n & 3`); about 16 wasm instructions per iteration with the callee's.
const CALL_INDIRECT: &str = r#"
(module
  (type $bin (func (param i32 i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $add $rotl $mul $sub)
  (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
  (func $rotl (type $bin) (i32.rotl (i32.xor (local.get 0) (local.get 1)) (i32.const 3)))
  (func $mul (type $bin) (i32.add (i32.mul (local.get 0) (i32.const 16777619)) (local.get 1)))
  (func $sub (type $bin) (i32.xor (i32.sub (local.get 0) (local.get 1)) (i32.const 0x5bd1e995)))
  (func (export "run") (param $n i32) (result i64)
    (local $s i32)
    (loop $l
      (local.set $s
        (call_indirect (type $bin)
          (local.get $s) (local.get $n) (i32.and (local.get $n) (i32.const 3))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i64.extend_i32_u (local.get $s))))
"#;

/// Memory: `load_store` walks the 64 KiB page word by word, loading each
/// word and storing a function of it back (one `i32.load`, one `i32.store`,
/// 27 wasm instructions per iteration); `fill_copy` fills one 4 KiB block
/// with `memory.fill`, copies it over another with `memory.copy` and reads
/// a word, per iteration. Both clear the page first.
const MEMORY: &str = r#"
(module
  (memory 1)
  (func (export "load_store") (param $n i32) (result i64)
    (local $i i32) (local $addr i32) (local $v i32) (local $s i32)
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 65536))
    (loop $l
      (local.set $addr (i32.and (i32.shl (local.get $i) (i32.const 2)) (i32.const 0xfffc)))
      (local.set $v (i32.load (local.get $addr)))
      (i32.store (local.get $addr)
        (i32.add (i32.mul (local.get $v) (i32.const 31)) (local.get $i)))
      (local.set $s (i32.add (local.get $s) (local.get $v)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.extend_i32_u (local.get $s)))
  (func (export "fill_copy") (param $n i32) (result i64)
    (local $i i32) (local $s i32)
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 65536))
    (loop $l
      (memory.fill
        (i32.shl (i32.and (local.get $i) (i32.const 15)) (i32.const 12))
        (local.get $i)
        (i32.const 4096))
      (memory.copy
        (i32.shl (i32.and (i32.add (local.get $i) (i32.const 5)) (i32.const 15)) (i32.const 12))
        (i32.shl (i32.and (local.get $i) (i32.const 15)) (i32.const 12))
        (i32.const 4096))
      (local.set $s
        (i32.add
          (i32.mul (local.get $s) (i32.const 31))
          (i32.load (i32.and (i32.mul (local.get $i) (i32.const 28676)) (i32.const 0xfffc)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.extend_i32_u (local.get $s))))
"#;

/// How one engine of a group is configured.
#[derive(Clone, Copy)]
enum Setup {
    Threaded,
    Reference,
    /// Threaded with fuel counted (`Config::consume_fuel(u64::MAX)`), as the
    /// peer comparison's "fuel" column: it never runs out.
    ThreadedFuel,
}

impl Setup {
    fn name(self) -> &'static str {
        match self {
            Setup::Threaded => "threaded",
            Setup::Reference => "reference",
            Setup::ThreadedFuel => "threaded_fuel",
        }
    }

    fn config(self) -> Config {
        let mut config = Config::default();
        match self {
            Setup::Threaded => config.engine_kind(EngineKind::Threaded),
            Setup::Reference => config.engine_kind(EngineKind::Reference),
            Setup::ThreadedFuel => config.engine_kind(EngineKind::Threaded).consume_fuel(u64::MAX),
        };
        config
    }
}

/// Both engines, for every group but `fuel`.
const ENGINES: &[Setup] = &[Setup::Threaded, Setup::Reference];

/// A kernel's export, instantiated in its own store.
struct Instance {
    store: Store<()>,
    run: TypedFunc<i32, i64>,
}

impl Instance {
    fn new(setup: Setup, wasm: &[u8], export: &str) -> Instance {
        let engine = Engine::new(&setup.config());
        let module = Module::new(&engine, wasm).expect("weft compiles the kernel");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).expect("instantiates");
        let run = instance.get_typed_func::<i32, i64, _>(&store, export).expect("exports the kernel");
        Instance { store, run }
    }

    fn call(&mut self, arg: i32) -> i64 {
        self.run.call(&mut self.store, arg).expect("the kernel runs")
    }
}

/// One criterion group `group`: every kernel on every setup, after checking
/// that all setups return the same checksum for it.
fn compare(c: &mut Criterion, group: &str, setups: &[Setup], kernels: &[Kernel]) {
    let mut g = c.benchmark_group(group);
    // A call takes milliseconds (tens of them on the reference engine), so
    // every sample can run the same number of calls.
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    for kernel in kernels {
        let wasm = wat::parse_str(kernel.wat).unwrap_or_else(|e| panic!("{group}/{}: {e}", kernel.name));
        let mut instances: Vec<Instance> =
            setups.iter().map(|&setup| Instance::new(setup, &wasm, kernel.export)).collect();
        let checksums: Vec<i64> = instances.iter_mut().map(|instance| instance.call(kernel.arg)).collect();
        assert!(
            checksums.iter().all(|&c| c == checksums[0]),
            "{group}/{}: the setups disagree on the checksum: {:?}",
            kernel.name,
            setups.iter().map(|s| s.name()).zip(&checksums).collect::<Vec<_>>()
        );
        g.throughput(Throughput::Elements(kernel.elements));
        for (setup, instance) in setups.iter().zip(&mut instances) {
            let id = if kernels.len() == 1 {
                BenchmarkId::from_parameter(setup.name())
            } else {
                BenchmarkId::new(kernel.name, setup.name())
            };
            g.bench_function(id, |b| b.iter(|| instance.call(black_box(kernel.arg))));
        }
    }
    g.finish();
}

/// A kernel that runs the export `run` for `iterations`.
fn loop_kernel(wat: &'static str, iterations: u32) -> Kernel {
    Kernel { name: "run", wat, export: "run", arg: iterations as i32, elements: u64::from(iterations) }
}

/// Calls of `$fib` that computing `fib(n)` makes, the first included.
fn fib_calls(n: u32) -> u64 {
    if n < 2 { 1 } else { 1 + fib_calls(n - 1) + fib_calls(n - 2) }
}

fn dispatch(c: &mut Criterion) {
    compare(c, "dispatch", ENGINES, &[loop_kernel(DISPATCH, 500_000)]);
}

fn branch(c: &mut Criterion) {
    compare(c, "branch", ENGINES, &[loop_kernel(BRANCH, 500_000)]);
}

fn br_table(c: &mut Criterion) {
    compare(c, "br_table", ENGINES, &[loop_kernel(BR_TABLE, 500_000)]);
}

fn call(c: &mut Criterion) {
    let direct = Kernel { name: "direct", wat: CALL, export: "direct", arg: 300_000, elements: 300_000 };
    let fib = Kernel { name: "fib20", wat: CALL, export: "fib", arg: 20, elements: fib_calls(20) };
    compare(c, "call", ENGINES, &[direct, fib]);
}

fn call_indirect(c: &mut Criterion) {
    compare(c, "call_indirect", ENGINES, &[loop_kernel(CALL_INDIRECT, 300_000)]);
}

fn memory(c: &mut Criterion) {
    let load_store = Kernel { name: "load_store", wat: MEMORY, export: "load_store", arg: 300_000, elements: 300_000 };
    let fill_copy = Kernel { name: "fill_copy_4KiB", wat: MEMORY, export: "fill_copy", arg: 20_000, elements: 20_000 };
    compare(c, "memory", ENGINES, &[load_store, fill_copy]);
}

fn fuel(c: &mut Criterion) {
    compare(c, "fuel", &[Setup::Threaded, Setup::ThreadedFuel], &[loop_kernel(DISPATCH, 500_000)]);
}

criterion_group!(benches, dispatch, branch, br_table, call, call_indirect, memory, fuel);
criterion_main!(benches);
