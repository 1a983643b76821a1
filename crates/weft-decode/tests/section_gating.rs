//! Sections that came with a proposal are unknown without it. Found by
//! the validator differential against wasmparser (release campaign, seed
//! 20261203, 2 cases in a million): with WebAssembly 1.0 features weft
//! accepted a data count section, which arrived with bulk memory in 2.0.

use weft_decode::{Features, Module};

/// The module header and one data count section declaring 0 segments.
const DATA_COUNT_ONLY: &[u8] = b"\0asm\x01\0\0\0\x0c\x01\x00";

#[test]
fn data_count_section_needs_bulk_memory() {
    let wasm1 = Features { mutable_global: true, ..Features::wasm1() };
    let err = Module::decode_all(DATA_COUNT_ONLY, wasm1).expect_err("no data count section in 1.0");
    assert_eq!(err.message(), "malformed section id");
    assert_eq!(err.offset(), 8, "at the section's id");
    let with_bulk = Features { bulk_memory: true, ..wasm1 };
    assert_eq!(Module::decode_all(DATA_COUNT_ONLY, with_bulk).unwrap().data_count, Some(0));
    assert!(Module::decode_all(DATA_COUNT_ONLY, Features::wasm2()).is_ok());
}
