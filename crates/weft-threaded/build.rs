//! Chooses the threaded engine's dispatch backend (see
//! `src/threaded/exec/backend.rs`): handlers that tail-call each other when
//! LLVM turns those calls into jumps — optimizing builds on targets with
//! sibling-call support, without a sanitizer — and a dispatch loop
//! otherwise.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    println!("cargo::rustc-check-cfg=cfg(weft_tail_dispatch)");
    println!("cargo::rerun-if-env-changed=CARGO_CFG_SANITIZE");
    let optimizing = matches!(std::env::var("OPT_LEVEL").as_deref(), Ok("2" | "3" | "s" | "z"));
    // Under a sanitizer (cargo-fuzz builds with AddressSanitizer) LLVM keeps
    // the handlers' calls as calls, so the stack would grow with every
    // executed instruction: the fuzz target `wast` overflowed it on spec
    // scripts. Those builds use the dispatch loop.
    let sanitized = std::env::var_os("CARGO_CFG_SANITIZE").is_some();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let sibling_calls = matches!(arch.as_str(), "x86_64" | "aarch64" | "riscv64");
    if optimizing && sibling_calls && !sanitized {
        println!("cargo::rustc-cfg=weft_tail_dispatch");
    }
}
