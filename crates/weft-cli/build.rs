//! Links the `weft` binary with packed relative relocations (`DT_RELR`)
//! on GNU/Linux.
//!
//! `weft` is a position-independent executable, and the threaded engine's
//! handler tables hold about 280,000 function pointers, each needing a
//! relative relocation at startup. As classic `RELA` entries (24 bytes
//! each) those fill a 6.7 MB `.rela.dyn` that the dynamic loader reads
//! whole on every start: 7 of the 14 MB a `weft run hello.wasm` kept
//! resident. `RELR` encodes runs of them as bitmaps (a few KB), keeping
//! PIE and its address randomization. Needs glibc ≥ 2.36 and binutils ≥
//! 2.38 or lld (Rust's default linker on this target); see
//! docs/PERFORMANCE.md, "Startup and footprint".

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
