//! Arbitrary bytes and random mutations of valid modules never make the
//! decoder panic: they decode, or fail with an error.

use proptest::prelude::*;
use weft_decode::{Features, Module};

const HEADER: &[u8] = b"\0asm\x01\0\0\0";

fn seed_modules() -> Vec<Vec<u8>> {
    let texts = [
        r#"(module
            (type (func (param i32 i64) (result f32)))
            (import "env" "f" (func (param i32)))
            (import "env" "m" (memory 1 2))
            (table 2 funcref)
            (global (mut i32) (i32.const 7))
            (func (export "g") (param i32) (result i32)
              (local i64 f64)
              block (result i32)
                local.get 0
                br_if 0
                i32.const 1
                i32.load offset=4
                br_table 0 0 0
              end)
            (elem (i32.const 0) func 1)
            (data (i32.const 8) "hello"))"#,
        r#"(module
            (memory 1)
            (func (result v128) v128.const i32x4 1 2 3 4 i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (v128.const i64x2 0 0))
            (func (param i32) (result i32) (local.get 0) (if (result i32) (then (i32.const 1)) (else (i32.const 2))))
            (tag $e (param i32))
            (func (try_table (catch $e 0) (throw $e (i32.const 3))) unreachable))"#,
    ];
    texts.iter().map(|t| wat::parse_str(t).expect("seed modules are valid text")).collect()
}

fn decode_everything(bytes: &[u8]) {
    for features in [Features::wasm1(), Features::wasm2(), Features::all()] {
        if let Ok(module) = Module::decode_all(bytes, features) {
            // Also walk every body and constant expression once more.
            for i in 0..module.code.len() {
                let mut ops = module.operators(i);
                while !ops.is_finished() {
                    if ops.read().is_err() {
                        break;
                    }
                }
            }
            for g in &module.globals {
                let mut ops = module.const_expr(&g.init);
                while !ops.is_finished() && ops.read().is_ok() {}
            }
            let _ = format!("{:?}", module.names());
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    match *m {
        Mutation::Flip(i, b) => {
            let i = i % bytes.len();
            bytes[i] ^= b;
        }
        Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
        Mutation::Remove(i) => {
            let i = i % bytes.len();
            bytes.remove(i);
        }
        Mutation::Truncate(n) => bytes.truncate(n % bytes.len()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = HEADER.to_vec();
        bytes.extend_from_slice(&body);
        decode_everything(&bytes);
        decode_everything(&body);
    }

    #[test]
    fn mutated_modules_never_panic(seed in 0usize..2, mutations in proptest::collection::vec(mutation(), 1..8)) {
        let mut bytes = seed_modules()[seed].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        decode_everything(&bytes);
    }
}
