//! Instantiate-and-run differential on wasm-smith modules: weft-threaded,
//! weft-reference and wasmi 2 under fuel must agree on every export's
//! results, trap kinds, exported globals and memories. The harness is the
//! one `cargo test -p weft --test differential` runs
//! (crates/weft/tests/support/differential.rs); the first eight bytes seed
//! the call arguments, the rest drive wasm-smith.
//!
//! A panic inside wasmi is the peer's bug: the harness catches it and the
//! case is skipped (the panic hook below lets only those unwind; any other
//! panic aborts, which libFuzzer reports as a crash).
#![no_main]

#[path = "../../crates/weft/tests/support/differential.rs"]
mod harness;

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if harness::in_peer() {
                return;
            }
            default(info);
            std::process::abort();
        }));
    },
    |data: &[u8]| {
        if data.len() < 8 {
            return;
        }
        let (seed, rest) = data.split_at(8);
        let mut rng = harness::Rng(u64::from_le_bytes(seed.try_into().unwrap()) | 1);
        let Ok(module) = wasm_smith::Module::new(harness::smith_config(), &mut Unstructured::new(rest)) else {
            return;
        };
        let bytes = module.to_bytes();
        match harness::run_case(&bytes, &mut rng) {
            Ok(_) | Err(harness::Divergence::PeerPanicked(_)) => {}
            Err(harness::Divergence::Differs(e)) => panic!("divergence: {e}"),
        }
    }
);
