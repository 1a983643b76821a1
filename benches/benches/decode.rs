#![allow(missing_docs)] // criterion_group! generates undocumented functions
//! Decoder throughput: module structure plus every instruction of every
//! function body, on a generated module with 20 MB of code; validation of
//! the same module by weft (one thread and several) and by wasmparser in
//! the same run; and weft's LEB128 reader against the `leb128` crate.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use weft_benches::generate::large_module;
use weft_decode::{Features, Module, Reader};

fn decode(c: &mut Criterion) {
    let bytes = large_module(20 << 20, 1000);
    let module = Module::decode(&bytes).unwrap();
    let code = module.code_size();
    let mut group = c.benchmark_group("decode");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(code as u64));
    group.bench_function("structure_and_every_instruction_20MB", |b| {
        b.iter(|| {
            let module = Module::decode(black_box(&bytes)).unwrap();
            let mut count = 0usize;
            for i in 0..module.code.len() {
                let mut ops = module.operators(i);
                while !ops.is_finished() {
                    let op = ops.read().unwrap();
                    black_box(&op);
                    count += 1;
                }
            }
            count
        })
    });
    group.finish();
}

fn validate(c: &mut Criterion) {
    let bytes = large_module(20 << 20, 1000);
    let code = Module::decode(&bytes).unwrap().code_size();
    let mut group = c.benchmark_group("validate");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(code as u64));
    let threads = weft_validate::default_threads();
    for (name, threads) in [("weft_1_thread_20MB", 1), ("weft_parallel_20MB", threads)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let module = Module::decode_with(black_box(&bytes), Features::default()).unwrap();
                weft_validate::validate_with_threads(&module, threads).unwrap()
            })
        });
    }
    group.bench_function("wasmparser_20MB", |b| {
        b.iter(|| wasmparser::Validator::new().validate_all(black_box(&bytes)).unwrap())
    });
    group.finish();
}

fn leb(c: &mut Criterion) {
    // A realistic mix: mostly one-byte values, some two- and five-byte ones.
    let mut buf = Vec::new();
    for i in 0u32..1_000_000 {
        let v = match i % 10 {
            0..=6 => i % 128,
            7 | 8 => i % 16384,
            _ => i.wrapping_mul(2_654_435_761),
        };
        weft_decode::encode::write_var_u32(&mut buf, v);
    }
    let mut group = c.benchmark_group("leb128_u32");
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.bench_function("weft_reader", |b| {
        b.iter(|| {
            let mut r = Reader::new(black_box(&buf), Features::default());
            let mut sum = 0u64;
            while !r.is_empty() {
                sum += u64::from(r.read_var_u32().unwrap());
            }
            sum
        })
    });
    group.bench_function("leb128_crate", |b| {
        b.iter(|| {
            let mut slice: &[u8] = black_box(&buf);
            let mut sum = 0u64;
            while !slice.is_empty() {
                sum += leb128::read::unsigned(&mut slice).unwrap();
            }
            sum
        })
    });
    group.finish();
}

criterion_group!(benches, decode, validate, leb);
criterion_main!(benches);
