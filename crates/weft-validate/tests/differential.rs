//! Differential testing against wasmparser: modules from wasm-smith (valid
//! by construction, or with raw-byte function bodies) and byte-level
//! mutations of them must get the same accept/reject verdict from weft
//! (decode + validate) as from wasmparser's validator with the same
//! features. Four cases in eight use weft's default features, two add GC
//! (wasm-smith generating recursion groups, subtypes, structs, arrays and
//! the GC instructions), one is WebAssembly 2.0 and one WebAssembly 1.0
//! (so feature gating is compared too).
//!
//! `differential_smoke` runs a fixed, seeded set of cases on every
//! `cargo test`. The long run is ignored by default:
//!
//! ```text
//! WEFT_DIFF_CASES=100000 cargo test --release -p weft-validate --test differential -- --ignored --nocapture
//! WEFT_DIFF_PROFILE=gc WEFT_DIFF_CASES=100000 cargo test ...   # GC profile only
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};

use arbitrary::Unstructured;
use wasmparser::{Validator, WasmFeatures};
use weft_validate::{Features, validate_bytes};

/// A small deterministic generator (xorshift64*), so every run sees the
/// same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A feature set under test: weft's, wasmparser's equivalent, and a
/// wasm-smith configuration that stays inside it.
#[derive(Clone, Copy, Debug)]
enum Profile {
    /// `Features::default()`: WebAssembly 3.0 (GC included: wasm-smith
    /// generates no GC here, but mutants may use it), plus wide
    /// arithmetic, custom page sizes, compact imports and threads.
    Default,
    /// `Features::wasm2()`, to check feature gating.
    Wasm2,
    /// WebAssembly 1.0 as published (the MVP with mutable globals).
    Wasm1,
    /// `Features::default()`, with wasm-smith generating GC.
    Gc,
}

impl Profile {
    fn weft(self) -> Features {
        match self {
            Profile::Default => Features::default(),
            Profile::Wasm2 => Features::wasm2(),
            Profile::Wasm1 => Features { mutable_global: true, ..Features::wasm1() },
            Profile::Gc => Features::default(),
        }
    }

    fn wasmparser(self) -> WasmFeatures {
        match self {
            Profile::Default => {
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
                    | WasmFeatures::COMPACT_IMPORTS
                    | WasmFeatures::GC
                    | WasmFeatures::GC_TYPES
            }
            Profile::Wasm2 => WasmFeatures::WASM2,
            Profile::Wasm1 => WasmFeatures::WASM1,
            Profile::Gc => Profile::Default.wasmparser(),
        }
    }

    fn smith(self, rng: &mut Rng) -> wasm_smith::Config {
        let base = wasm_smith::Config {
            gc_enabled: false,
            custom_descriptors_enabled: false,
            shared_everything_threads_enabled: false,
            compact_imports_enabled: false,
            max_funcs: 20,
            max_instructions: 200,
            max_nesting_depth: 20,
            max_tables: 3,
            allow_invalid_funcs: rng.below(4) == 0,
            ..wasm_smith::Config::default()
        };
        match self {
            Profile::Default => wasm_smith::Config { custom_page_sizes_enabled: true, max_memories: 2, ..base },
            Profile::Gc => wasm_smith::Config {
                gc_enabled: true,
                max_type_size: 100,
                max_types: 30,
                custom_page_sizes_enabled: true,
                max_memories: 2,
                ..base
            },
            Profile::Wasm2 => wasm_smith::Config { max_memories: 1, ..base.without_post_wasm2() },
            Profile::Wasm1 => wasm_smith::Config {
                max_memories: 1,
                max_tables: 1,
                bulk_memory_enabled: false,
                reference_types_enabled: false,
                simd_enabled: false,
                saturating_float_to_int_enabled: false,
                sign_extension_ops_enabled: false,
                multi_value_enabled: false,
                ..base.without_post_wasm2()
            },
        }
    }
}

/// Turns off the proposals that came after WebAssembly 2.0.
trait WithoutPostWasm2 {
    fn without_post_wasm2(self) -> Self;
}

impl WithoutPostWasm2 for wasm_smith::Config {
    fn without_post_wasm2(self) -> Self {
        wasm_smith::Config {
            tail_call_enabled: false,
            exceptions_enabled: false,
            threads_enabled: false,
            memory64_enabled: false,
            relaxed_simd_enabled: false,
            wide_arithmetic_enabled: false,
            extended_const_enabled: false,
            custom_page_sizes_enabled: false,
            ..self
        }
    }
}

fn generate(rng: &mut Rng, profile: Profile) -> Option<Vec<u8>> {
    let mut seed = vec![0u8; 256 + rng.below(4096)];
    for b in &mut seed {
        *b = rng.next() as u8;
    }
    let config = profile.smith(rng);
    let module = wasm_smith::Module::new(config, &mut Unstructured::new(&seed)).ok()?;
    Some(module.to_bytes())
}

/// Replaces one numeric instruction without immediates (opcodes
/// `0x45..=0xC4`) with another, or one GC instruction (`0xFB` prefix) with
/// another of the same immediates, so the module still decodes but may no
/// longer type-check.
fn swap_numeric_opcode(rng: &mut Rng, bytes: &mut [u8], features: Features) {
    /// The GC sub-opcodes grouped by their immediates.
    const GC_SHAPES: [&[u8]; 5] = [
        &[0, 1, 6, 7, 11, 12, 13, 14, 16],   // a type index
        &[2, 3, 4, 5, 8, 9, 10, 17, 18, 19], // two indices
        &[15, 26, 27, 28, 29, 30],           // none
        &[20, 21, 22, 23],                   // a heap type
        &[24, 25],                           // cast flags, label, two heap types
    ];
    let Ok(module) = weft_decode::Module::decode_with(bytes, features) else { return };
    let mut sites = Vec::new();
    let mut gc_sites = Vec::new();
    for index in 0..module.code.len() {
        let mut ops = module.operators(index);
        while !ops.is_finished() {
            let at = ops.offset();
            let Ok(op) = ops.read() else { break };
            match op.opcode() {
                (weft_decode::Prefix::Plain, 0x45..=0xC4) => sites.push(at),
                // Sub-opcodes below 128 are one LEB byte, right after 0xFB.
                (weft_decode::Prefix::Fb, code) if code < 128 && bytes[at + 1] as u32 == code => {
                    gc_sites.push(at + 1);
                }
                _ => {}
            }
        }
    }
    if !gc_sites.is_empty() && (sites.is_empty() || rng.below(2) == 0) {
        let at = gc_sites[rng.below(gc_sites.len())];
        if let Some(shape) = GC_SHAPES.iter().find(|shape| shape.contains(&bytes[at])) {
            bytes[at] = shape[rng.below(shape.len())];
        }
    } else if !sites.is_empty() {
        let at = sites[rng.below(sites.len())];
        bytes[at] = 0x45 + rng.below(0xC4 - 0x45 + 1) as u8;
    }
}

/// Two times in three a numeric opcode swap, else one to three random
/// byte edits.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, features: Features) {
    if rng.below(3) != 0 {
        swap_numeric_opcode(rng, bytes, features);
        return;
    }
    for _ in 0..1 + rng.below(3) {
        if bytes.len() <= 8 {
            return;
        }
        let at = 8 + rng.below(bytes.len() - 8);
        match rng.below(4) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes[at] = rng.next() as u8,
            2 => bytes.insert(at, rng.next() as u8),
            _ => {
                bytes.remove(at);
            }
        }
    }
}

/// wasmparser errors for modules weft accepts on purpose, each with the
/// reason.
const KNOWN_DIFFERENCES: &[&str] = &[
    // WebAssembly 3.0 lets a global's initializer read any preceding
    // immutable global; wasmparser allows it only with its GC feature,
    // weft with typed function references (3.0 without GC).
    "global.get of locally defined global",
];

#[derive(Default, Debug)]
struct Tally {
    /// Cases in [`KNOWN_DIFFERENCES`].
    known_differences: usize,
    cases: usize,
    accepted_by_both: usize,
    rejected_by_both: usize,
    /// Of those, how many weft decoded and then found invalid.
    invalid_not_malformed: usize,
    disagreements: Vec<String>,
    panics: usize,
    /// GC-profile cases that weft accepted and that define a struct or
    /// array type or use a GC instruction (so the GC profile is exercised).
    gc_accepted: usize,
}

fn compare(bytes: &[u8], profile: Profile, tally: &mut Tally) {
    let (weft_features, wp_features) = (profile.weft(), profile.wasmparser());
    tally.cases += 1;
    let wp = Validator::new_with_features(wp_features).validate_all(bytes);
    let weft = catch_unwind(AssertUnwindSafe(|| validate_bytes(bytes, weft_features).map(|_| ())));
    if let Ok(Err(weft_validate::Error::Validation(_))) = &weft {
        tally.invalid_not_malformed += 1;
    }
    if std::env::var("WEFT_DIFF_DEBUG").is_ok()
        && let Ok(Err(e)) = &weft
    {
        println!("reject: {e}");
    }
    let Ok(weft) = weft else {
        tally.panics += 1;
        tally.disagreements.push(format!("weft panicked on {}", hex(bytes)));
        return;
    };
    if matches!(profile, Profile::Gc) && weft.is_ok() && uses_gc(bytes, weft_features) {
        tally.gc_accepted += 1;
    }
    match (&weft, &wp) {
        (Ok(()), Ok(_)) => tally.accepted_by_both += 1,
        (Err(_), Err(_)) => tally.rejected_by_both += 1,
        (Ok(()), Err(e)) if KNOWN_DIFFERENCES.iter().any(|k| e.message().contains(k)) => tally.known_differences += 1,
        _ => tally.disagreements.push(format!(
            "{profile:?}: weft: {:?}, wasmparser: {:?}, module: {}",
            weft.as_ref().map_err(ToString::to_string),
            wp.as_ref().map(|_| ()).map_err(ToString::to_string),
            hex(bytes)
        )),
    }
}

/// Whether a valid module defines a struct or array type or has a GC
/// instruction (`0xFB` prefix or `ref.eq`) in a body.
fn uses_gc(bytes: &[u8], features: Features) -> bool {
    let Ok(module) = weft_decode::Module::decode_with(bytes, features) else { return false };
    if module.types.iter().any(|t| !matches!(t.composite, weft_decode::CompositeType::Func(_))) {
        return true;
    }
    (0..module.code.len()).any(|index| {
        let mut ops = module.operators(index);
        while !ops.is_finished() {
            match ops.read() {
                Ok(op) if matches!(op.opcode(), (weft_decode::Prefix::Fb, _) | (weft_decode::Prefix::Plain, 0xD3)) => {
                    return true;
                }
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    })
}

fn hex(bytes: &[u8]) -> String {
    if bytes.len() > 4096 {
        return format!("<{} bytes>", bytes.len());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn run(cases: usize, seed: u64, only_gc: bool) -> Tally {
    let mut rng = Rng(seed | 1);
    let mut tally = Tally::default();
    while tally.cases < cases {
        let profile = match rng.below(8) {
            _ if only_gc => Profile::Gc,
            0 => Profile::Wasm1,
            1 => Profile::Wasm2,
            2 | 3 => Profile::Gc,
            _ => Profile::Default,
        };
        let Some(bytes) = generate(&mut rng, profile) else { continue };
        compare(&bytes, profile, &mut tally);
        for _ in 0..3 {
            let mut mutated = bytes.clone();
            mutate(&mut rng, &mut mutated, profile.weft());
            compare(&mutated, profile, &mut tally);
        }
    }
    tally
}

fn report(tally: &Tally) {
    for d in tally.disagreements.iter().take(20) {
        println!("disagreement: {d}");
    }
    println!(
        "{} cases: {} accepted by both, {} rejected by both ({} of them decoded but invalid), {} known differences, \
         {} disagreements, {} panics; {} valid GC-profile modules used GC types or instructions",
        tally.cases,
        tally.accepted_by_both,
        tally.rejected_by_both,
        tally.invalid_not_malformed,
        tally.known_differences,
        tally.disagreements.len(),
        tally.panics,
        tally.gc_accepted
    );
}

#[test]
fn differential_smoke() {
    let tally = run(600, 0x5eed_0001, false);
    report(&tally);
    assert!(tally.accepted_by_both > 100, "too few valid modules to be meaningful");
    assert!(tally.gc_accepted > 20, "the GC profile generated too few GC modules");
    assert!(tally.disagreements.is_empty(), "{} disagreements", tally.disagreements.len());
}

#[test]
#[ignore = "long run; set WEFT_DIFF_CASES"]
fn differential_long() {
    let cases = std::env::var("WEFT_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed = std::env::var("WEFT_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_0002);
    // `WEFT_DIFF_PROFILE=gc`: every case in the GC profile.
    let only_gc = std::env::var("WEFT_DIFF_PROFILE").is_ok_and(|p| p == "gc");
    let tally = run(cases, seed, only_gc);
    report(&tally);
    assert!(tally.disagreements.is_empty(), "{} disagreements", tally.disagreements.len());
}
