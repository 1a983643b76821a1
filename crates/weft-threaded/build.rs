//! Chooses the threaded engine's dispatch backend (see
//! `src/threaded/exec/backend.rs`): handlers that tail-call each other when
//! LLVM turns those calls into jumps — optimizing builds on targets with
//! sibling-call support, without a sanitizer or debug assertions — and a
//! dispatch loop otherwise.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    println!("cargo::rustc-check-cfg=cfg(weft_tail_dispatch)");
    println!("cargo::rerun-if-env-changed=CARGO_CFG_SANITIZE");
    println!("cargo::rerun-if-env-changed=CARGO_CFG_DEBUG_ASSERTIONS");
    let optimizing = matches!(std::env::var("OPT_LEVEL").as_deref(), Ok("2" | "3" | "s" | "z"));
    // Under a sanitizer (cargo-fuzz builds with AddressSanitizer) LLVM keeps
    // the handlers' calls as calls, so the stack would grow with every
    // executed instruction: the fuzz target `wast` overflowed it on spec
    // scripts. Those builds use the dispatch loop.
    let sanitized = std::env::var_os("CARGO_CFG_SANITIZE").is_some();
    // Debug assertions add the standard library's precondition checks
    // (`ub_checks`) to the handlers' pointer reads and writes, and those
    // take the address of a local on the handlers' main path (e.g. the
    // non-overlap check of `copy_nonoverlapping`); LLVM then leaves the
    // final call to the next handler a call, and the chain grows the stack
    // per op: the memory and return handlers did, and
    // `tests/threaded_stack.rs` overflowed under the workspace's
    // `stack-o2-debug` profile. Those builds use the loop.
    let debug_assertions = std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_some();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let sibling_calls = matches!(arch.as_str(), "x86_64" | "aarch64" | "riscv64");
    // The op histogram (feature `op-histogram`) counts ops in the loop.
    let histogram = std::env::var_os("CARGO_FEATURE_OP_HISTOGRAM").is_some();
    if optimizing && sibling_calls && !sanitized && !debug_assertions && !histogram {
        println!("cargo::rustc-cfg=weft_tail_dispatch");
    }
}
