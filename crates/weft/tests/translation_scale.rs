//! Large inputs translate in time linear in their size: a 10 MB module of
//! tiny functions, and one function whose `br_table` has 10^6 targets,
//! are built (hand-encoded), validated, instantiated and called on both
//! engines — every function is called, so each engine's lazy translation
//! runs for all of them.
//!
//! No timing is asserted. The ignored test `translation_time_is_linear`
//! prints the times at sizes N/4, N/2 and N:
//!
//! ```text
//! cargo test --release -p weft-exec --test translation_scale -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use weft::{Config, Engine, EngineKind, Linker, Module, Store};

const KINDS: [EngineKind; 2] = [EngineKind::Threaded, EngineKind::Reference];

fn leb(mut v: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn sleb(mut v: i32, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0) {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn section(id: u8, content: &[u8], out: &mut Vec<u8>) {
    out.push(id);
    leb(content.len() as u32, out);
    out.extend_from_slice(content);
}

/// `(func (param i32) (result i32))`, the only type of both modules.
fn type_section(out: &mut Vec<u8>) {
    section(1, &[1, 0x60, 1, 0x7f, 1, 0x7f], out);
}

/// A module of `n` tiny functions `k` (1-based) returning `x + k`, all in
/// a table, and an export `call_all(n)` that calls function `k` with
/// `k - 1` through `call_indirect` and sums the results.
fn tiny_functions(n: u32) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    type_section(&mut m);
    let mut funcs = Vec::new();
    leb(n + 1, &mut funcs);
    funcs.resize(funcs.len() + n as usize + 1, 0);
    section(3, &funcs, &mut m);
    let mut table = vec![1, 0x70, 1];
    leb(n, &mut table);
    leb(n, &mut table);
    section(4, &table, &mut m);
    let mut exports = vec![1, 8];
    exports.extend_from_slice(b"call_all");
    exports.extend_from_slice(&[0, 0]);
    section(7, &exports, &mut m);
    let mut elems = vec![1, 0, 0x41, 0, 0x0b];
    leb(n, &mut elems);
    for k in 1..=n {
        leb(k, &mut elems);
    }
    section(9, &elems, &mut m);
    let mut code = Vec::with_capacity(12 * n as usize + 64);
    leb(n + 1, &mut code);
    #[rustfmt::skip]
    let call_all: &[u8] = &[
        1, 2, 0x7f,                         // locals $i $acc: i32
        0x03, 0x40,                         // loop
        0x20, 2, 0x20, 1, 0x20, 1,          //   $acc, arg $i, table index $i
        0x11, 0, 0,                         //   call_indirect (type 0) (table 0)
        0x6a, 0x21, 2,                      //   $acc = $acc + result
        0x20, 1, 0x41, 1, 0x6a, 0x22, 1,    //   $i = $i + 1
        0x20, 0, 0x49, 0x0d, 0,             //   br_if 0 ($i < n)
        0x0b, 0x20, 2, 0x0b,                // end, $acc
    ];
    leb(call_all.len() as u32, &mut code);
    code.extend_from_slice(call_all);
    let mut body = Vec::with_capacity(16);
    for k in 1..=n {
        body.clear();
        body.extend_from_slice(&[0, 0x20, 0, 0x41]);
        sleb(k as i32, &mut body);
        body.extend_from_slice(&[0x6a, 0x0b]);
        leb(body.len() as u32, &mut code);
        code.extend_from_slice(&body);
    }
    section(10, &code, &mut m);
    m
}

/// `call_all(n)`'s expected result: the sum of `2k - 1` for `k` in
/// `1..=n`, that is `n²`, in wrapping `i32` arithmetic.
fn tiny_functions_sum(n: u32) -> i32 {
    (u64::from(n) * u64::from(n)) as u32 as i32
}

/// A module exporting `pick(x)`: a `br_table` of `targets` entries (entry
/// `i` branches to label `i % 3`, the default to label 1) out of three
/// nested blocks that return 10, 11 and 12.
fn big_br_table(targets: u32) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    type_section(&mut m);
    section(3, &[1, 0], &mut m);
    section(7, &[1, 4, b'p', b'i', b'c', b'k', 0, 0], &mut m);
    let mut body = vec![0, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x20, 0, 0x0e];
    leb(targets, &mut body);
    body.extend((0..targets).map(|i| (i % 3) as u8));
    body.push(1);
    body.extend_from_slice(&[0x0b, 0x41, 10, 0x0f, 0x0b, 0x41, 11, 0x0f, 0x0b, 0x41, 12, 0x0b]);
    let mut code = vec![1];
    leb(body.len() as u32, &mut code);
    code.extend_from_slice(&body);
    section(10, &code, &mut m);
    m
}

fn engine(kind: EngineKind) -> Engine {
    let mut config = Config::default();
    config.engine_kind(kind);
    Engine::new(&config)
}

/// Times of one run: compile (decode + validate), instantiate, the first
/// call (which translates), and a second call (which does not).
#[derive(Debug)]
struct Times {
    compile: Duration,
    instantiate: Duration,
    first_call: Duration,
    second_call: Duration,
}

fn run(kind: EngineKind, bytes: &[u8], export: &str, arg: i32, expected: i32) -> Times {
    let engine = engine(kind);
    let t = Instant::now();
    let module = Module::new(&engine, bytes).unwrap();
    let compile = t.elapsed();
    let mut store = Store::new(&engine, ());
    let t = Instant::now();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let instantiate = t.elapsed();
    let f = instance.get_typed_func::<i32, i32, _>(&store, export).unwrap();
    let t = Instant::now();
    assert_eq!(f.call(&mut store, arg).unwrap(), expected, "{kind:?} {export}({arg})");
    let first_call = t.elapsed();
    let t = Instant::now();
    assert_eq!(f.call(&mut store, arg).unwrap(), expected, "{kind:?} {export}({arg}), again");
    let second_call = t.elapsed();
    Times { compile, instantiate, first_call, second_call }
}

/// 720,000 tiny functions: just over 10 MB (10^7 bytes).
const TINY: u32 = 720_000;

#[test]
fn ten_megabytes_of_tiny_functions() {
    let bytes = tiny_functions(TINY);
    assert!(bytes.len() >= 10_000_000, "{} bytes", bytes.len());
    for kind in KINDS {
        run(kind, &bytes, "call_all", TINY as i32, tiny_functions_sum(TINY));
    }
}

#[test]
fn br_table_with_a_million_targets() {
    let targets = 1_000_000;
    let bytes = big_br_table(targets);
    for kind in KINDS {
        let engine = engine(kind);
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let pick = instance.get_typed_func::<i32, i32, _>(&store, "pick").unwrap();
        for (x, expected) in [(0, 10), (1, 11), (2, 12), (999_999, 10), (999_998, 12), (1_000_000, 11), (-1, 11)] {
            assert_eq!(pick.call(&mut store, x).unwrap(), expected, "{kind:?} pick({x})");
        }
    }
}

/// Each phase's shortest time over five runs (less noise from other load).
fn best_of_five(mut f: impl FnMut() -> Times) -> Times {
    let mut best = f();
    for _ in 0..4 {
        let t = f();
        best.compile = best.compile.min(t.compile);
        best.instantiate = best.instantiate.min(t.instantiate);
        best.first_call = best.first_call.min(t.first_call);
        best.second_call = best.second_call.min(t.second_call);
    }
    best
}

/// Prints, per engine, the times at sizes N/4, N/2 and N (`br_table`: the
/// validator's limit of 10^6 targets is N) and the time per
/// function (tiny functions) or per target (`br_table`); linear
/// translation keeps the per-unit figure flat. Asserts nothing about time.
#[test]
#[ignore = "measurement: cargo test --release -p weft-exec --test translation_scale -- --ignored --nocapture"]
fn translation_time_is_linear() {
    for kind in KINDS {
        for n in [TINY / 4, TINY / 2, TINY] {
            let bytes = tiny_functions(n);
            let t = best_of_five(|| run(kind, &bytes, "call_all", n as i32, tiny_functions_sum(n)));
            let translate = t.first_call.saturating_sub(t.second_call);
            println!(
                "{kind:?} tiny functions n={n:>7} ({:>5.1} MB): compile {:>7.1?} ({:.0} ns/fn), instantiate {:>7.1?}, \
                 first call {:>7.1?}, second {:>7.1?}, translation ≈ {:>7.1?} ({:.0} ns/fn)",
                bytes.len() as f64 / 1e6,
                t.compile,
                t.compile.as_nanos() as f64 / f64::from(n),
                t.instantiate,
                t.first_call,
                t.second_call,
                translate,
                translate.as_nanos() as f64 / f64::from(n),
            );
        }
        for targets in [250_000u32, 500_000, 1_000_000] {
            let bytes = big_br_table(targets);
            let t = best_of_five(|| run(kind, &bytes, "pick", 5, 12));
            let translate = t.first_call.saturating_sub(t.second_call);
            println!(
                "{kind:?} br_table targets={targets:>7}: compile {:>7.1?} ({:.1} ns/target), first call {:>7.1?}, \
                 second {:>7.1?}, translation ≈ {:>7.1?} ({:.1} ns/target)",
                t.compile,
                t.compile.as_nanos() as f64 / f64::from(targets),
                t.first_call,
                t.second_call,
                translate,
                translate.as_nanos() as f64 / f64::from(targets),
            );
        }
    }
}
