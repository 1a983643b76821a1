//! Prints decode throughput on the generated 20 MB module without
//! criterion, for profiling: `cargo run --release -p weft-benches --example decode_throughput`.

use std::time::Instant;

use weft_benches::generate::large_module;
use weft_decode::Module;

fn main() {
    let size: usize = std::env::var("WEFT_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let bytes = large_module(size << 20, 1000);
    let rounds: usize = std::env::var("WEFT_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let start = Instant::now();
    let mut count = 0usize;
    let mut code = 0usize;
    let mut structure = std::time::Duration::ZERO;
    for _ in 0..rounds {
        let t = Instant::now();
        let module = Module::decode(&bytes).unwrap();
        structure += t.elapsed();
        code = module.code_size();
        for i in 0..module.code.len() {
            let mut ops = module.operators(i);
            while !ops.is_finished() {
                let op = ops.read().unwrap();
                std::hint::black_box(&op);
                count += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let visit_secs = visit_rounds(&bytes, rounds);
    let t = Instant::now();
    let mut wp = 0;
    for _ in 0..rounds {
        wp = wasmparser_round(&bytes);
    }
    let wsecs = t.elapsed().as_secs_f64();
    eprintln!("wasmparser: {wp} operators per round, {:.0} MB/s", (code * rounds) as f64 / wsecs / 1e6);
    eprintln!(
        "structure decode: {:?} per round; size_of Operator {} Result {}",
        structure / rounds as u32,
        std::mem::size_of::<weft_decode::Operator>(),
        std::mem::size_of::<weft_decode::Result<weft_decode::Operator>>()
    );
    println!(
        "{} MB of code, {} instructions per round: {:.0} MB/s, {:.1} ns/instruction",
        code / 1_000_000,
        count / rounds,
        (code * rounds) as f64 / secs / 1e6,
        secs * 1e9 / count as f64
    );
    println!(
        "the same through a visitor (OperatorsReader::visit): {:.0} MB/s, {:.1} ns/instruction",
        (code * rounds) as f64 / visit_secs / 1e6,
        visit_secs * 1e9 / count as f64
    );
}

/// Decodes the module `rounds` times and visits every instruction with a
/// visitor that only looks at each one (the way the threaded translator
/// reads bodies); returns the seconds taken.
fn visit_rounds(bytes: &[u8], rounds: usize) -> f64 {
    struct Look;
    impl<'a> weft_decode::VisitOperator<'a> for Look {
        type Output = ();
        fn visit_operator(&mut self, op: weft_decode::Operator<'a>) {
            std::hint::black_box(&op);
        }
    }
    let start = Instant::now();
    for _ in 0..rounds {
        let module = Module::decode(bytes).unwrap();
        for i in 0..module.code.len() {
            let mut ops = module.operators(i);
            while !ops.is_finished() {
                ops.visit(&mut Look).unwrap();
            }
        }
    }
    start.elapsed().as_secs_f64()
}

#[allow(dead_code)]
fn sizes() {}

/// The same work with wasmparser (a dev-dependency, for comparison only).
pub fn wasmparser_round(bytes: &[u8]) -> usize {
    let mut count = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload {
            let mut reader = body.get_operators_reader().unwrap();
            while !reader.eof() {
                std::hint::black_box(&reader.read().unwrap());
                count += 1;
            }
        }
    }
    count
}
