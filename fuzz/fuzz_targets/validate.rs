//! weft's verdict (decode + validate) against wasmparser's validator with
//! the same features: both accept or both reject. The first byte picks
//! the mode and the feature set: raw bytes (libFuzzer's mutations), or a
//! wasm-smith module built from the rest (valid by construction, or with
//! raw-byte function bodies), under WebAssembly 3.0 without GC (weft's
//! default), 2.0 or 1.0. A disagreement panics with both verdicts.
//! `KNOWN_DIFFERENCES` are the intended ones listed in
//! crates/weft-validate/tests/differential.rs.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use wasmparser::{Validator, WasmFeatures};
use weft_validate::{Features, validate_bytes};

const KNOWN_DIFFERENCES: &[&str] = &["global.get of locally defined global"];

fn profile(pick: u8) -> (Features, WasmFeatures) {
    match pick % 8 {
        0 => (Features { mutable_global: true, ..Features::wasm1() }, WasmFeatures::WASM1),
        1 => (Features::wasm2(), WasmFeatures::WASM2),
        _ => (
            Features::default(),
            WasmFeatures::WASM2
                | WasmFeatures::TAIL_CALL
                | WasmFeatures::EXTENDED_CONST
                | WasmFeatures::FUNCTION_REFERENCES
                | WasmFeatures::MULTI_MEMORY
                | WasmFeatures::RELAXED_SIMD
                | WasmFeatures::THREADS
                | WasmFeatures::EXCEPTIONS
                | WasmFeatures::LEGACY_EXCEPTIONS
                | WasmFeatures::MEMORY64
                | WasmFeatures::WIDE_ARITHMETIC
                | WasmFeatures::CUSTOM_PAGE_SIZES
                | WasmFeatures::GC
                | WasmFeatures::GC_TYPES,
        ),
    }
}

fn smith_config(pick: u8) -> wasm_smith::Config {
    let base = wasm_smith::Config {
        gc_enabled: false,
        custom_descriptors_enabled: false,
        shared_everything_threads_enabled: false,
        compact_imports_enabled: false,
        max_funcs: 20,
        max_instructions: 200,
        max_nesting_depth: 20,
        max_tables: 3,
        allow_invalid_funcs: pick & 0x40 != 0,
        ..wasm_smith::Config::default()
    };
    let post_wasm2_off = |c: wasm_smith::Config| wasm_smith::Config {
        tail_call_enabled: false,
        exceptions_enabled: false,
        threads_enabled: false,
        memory64_enabled: false,
        relaxed_simd_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        max_memories: 1,
        ..c
    };
    match pick % 8 {
        0 => wasm_smith::Config {
            max_tables: 1,
            bulk_memory_enabled: false,
            reference_types_enabled: false,
            simd_enabled: false,
            saturating_float_to_int_enabled: false,
            sign_extension_ops_enabled: false,
            multi_value_enabled: false,
            ..post_wasm2_off(base)
        },
        1 => post_wasm2_off(base),
        _ => wasm_smith::Config { custom_page_sizes_enabled: true, max_memories: 2, ..base },
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let (weft_features, wp_features) = profile(pick);
    let generated;
    let bytes = if pick & 0x80 != 0 {
        let Ok(module) = wasm_smith::Module::new(smith_config(pick), &mut Unstructured::new(rest)) else { return };
        generated = module.to_bytes();
        &generated[..]
    } else {
        rest
    };
    let weft = validate_bytes(bytes, weft_features).map(|_| ());
    let wp = Validator::new_with_features(wp_features).validate_all(bytes).map(|_| ());
    match (&weft, &wp) {
        (Ok(()), Ok(())) | (Err(_), Err(_)) => {}
        (Ok(()), Err(e)) if KNOWN_DIFFERENCES.iter().any(|k| e.message().contains(k)) => {}
        _ => panic!(
            "verdicts differ ({weft_features:?}): weft {:?}, wasmparser {:?}",
            weft.as_ref().map_err(ToString::to_string),
            wp.as_ref().map_err(ToString::to_string)
        ),
    }
});
