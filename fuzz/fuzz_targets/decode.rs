//! Arbitrary bytes through the decoder with every body read
//! (`Module::decode_all`): an error with an offset or a module, never a
//! panic, never an allocation the input does not back. The first byte
//! picks the feature set (3.0 default, 2.0, 1.0), so feature gating in the
//! decoder is explored too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft_decode::{Features, Module};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let features = match pick % 3 {
        0 => Features::default(),
        1 => Features::wasm2(),
        _ => Features::wasm1(),
    };
    if let Ok(module) = Module::decode_all(bytes, features) {
        // Every function body again through the lazy operator reader, as
        // the engines read them.
        for index in 0..module.code.len() {
            let mut ops = module.operators(index);
            while !ops.is_finished() {
                if ops.read().is_err() {
                    break;
                }
            }
        }
    }
});
