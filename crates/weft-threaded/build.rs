//! Chooses the threaded engine's dispatch backend (see
//! `src/threaded/exec/backend.rs`): handlers that tail-call each other when
//! LLVM turns those calls into jumps — optimizing builds on targets with
//! sibling-call support — and a dispatch loop otherwise.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    println!("cargo::rustc-check-cfg=cfg(weft_tail_dispatch)");
    let optimizing = matches!(std::env::var("OPT_LEVEL").as_deref(), Ok("2" | "3" | "s" | "z"));
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let sibling_calls = matches!(arch.as_str(), "x86_64" | "aarch64" | "riscv64");
    if optimizing && sibling_calls {
        println!("cargo::rustc-cfg=weft_tail_dispatch");
    }
}
