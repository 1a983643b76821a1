//! How control passes from one op's handler to the next: the one choice of
//! the dispatch design, made here.
//!
//! **Tail calls** (optimizing builds, `weft_tail_dispatch`): each handler
//! ends by calling the next op's handler with the same arguments, as its
//! last action. LLVM turns such a call into a jump (a sibling call), so the
//! chain runs without a loop: each op has its own indirect jump, which the
//! branch predictor learns per op rather than for all ops at once, and the
//! op pointer, slot pointer and memory base stay in argument registers from
//! handler to handler. wasm3 and wasmi 2 dispatch the same way.
//!
//! **A loop** (unoptimized builds): LLVM makes sibling calls only when
//! optimizing (`opt-level` 2, 3, `s`, `z`; `build.rs` sets the cfg). Without
//! them every handler would call the next and the native stack would grow
//! per executed op, so here each handler returns the next registers to a
//! loop that calls the next handler. Slower, and obviously bounded.
//!
//! Either way the next handler's address comes from the next op's cell
//! (`Code::cells`: the op beside its handler), so a dispatch is one load
//! and an indirect jump, with no op tag → handler table step.
//!
//! Either way a handler receives five registers: the op pointer, the slot
//! pointer, memory 0's base and length, and the *accumulator*, the value
//! the op before produced (`translate/acc.rs`), so a chain of dependent
//! ops passes values in a register rather than through their slots.
//!
//! The trade-off of tail calls is that stable Rust cannot *require* the
//! sibling call (`become` is unstable): a handler that keeps a value with a
//! destructor alive past its final call, or passes arguments in memory,
//! would grow the stack instead. Handlers therefore end with
//! `return next(..)` after all their locals are gone, and
//! `tests/threaded_stack.rs` runs long loops and deep recursion on a small
//! native stack in release builds to prove the chain does not grow.
//!
//! **The handler ABI is pinned.** A handler takes six integer words:
//! `&mut Exec`, the op pointer, the slot pointer, memory 0's base and
//! length (`Mem`, passed as two scalars) and the accumulator. A sibling
//! call needs them all in registers, in the same ones in caller and
//! callee, and the Rust ABI promises neither: on x86-64 Windows it
//! follows win64, which has four argument registers, so two words would
//! go through the stack and nothing would guarantee the sibling call.
//! Every handler therefore carries `#[handler]` (the `weft-macros`
//! crate), which declares it with an explicit ABI, and so does
//! [`Handler`]:
//!
//! * x86-64 (Linux, macOS, the BSDs, Windows): `extern "sysv64-unwind"`,
//!   six integer argument registers (`rdi rsi rdx rcx r8 r9`) — exactly
//!   enough;
//! * every other target: `extern "C-unwind"`; on aarch64 (AAPCS64, Linux
//!   and macOS) eight integer argument registers (`x0`–`x7`).
//!
//! A handler without the attribute does not compile where it becomes a
//! [`Handler`]. `tests/threaded_stack.rs` proves the chain does not grow in
//! release, `stack-cgu16` and `stack-o2-debug` builds. A seventh argument
//! word would still fit aarch64 but not x86-64: keep it at six.

use super::{Exec, Exit, Ip, Mem, Sp};

/// An op's handler, with the pinned ABI (see the module documentation).
#[cfg(target_arch = "x86_64")]
// The ABI is chosen for where it puts the arguments; no C code sees
// these types.
#[allow(improper_ctypes_definitions)]
pub(crate) type Handler = for<'a, 'b> extern "sysv64-unwind" fn(&'a mut Exec<'b>, Ip, Sp, Mem, u64) -> Flow;

/// An op's handler, with the pinned ABI (see the module documentation).
#[cfg(not(target_arch = "x86_64"))]
// The ABI is chosen for where it puts the arguments; no C code sees
// these types.
#[allow(improper_ctypes_definitions)]
pub(crate) type Handler = for<'a, 'b> extern "C-unwind" fn(&'a mut Exec<'b>, Ip, Sp, Mem, u64) -> Flow;

/// What a handler returns: with tail calls, the chain's final [`Exit`].
#[cfg(weft_tail_dispatch)]
pub(crate) type Flow = Exit;

/// What a handler returns: the next registers, or the chain's [`Exit`].
#[cfg(not(weft_tail_dispatch))]
pub(crate) enum Flow {
    Next(Ip, Sp, Mem, u64),
    Exit(Exit),
}

/// The accumulator where control arrives from elsewhere than the op
/// before (a call, a return, a throw): nothing reads it there, since the
/// translator lets an op read the accumulator only when it always runs
/// right after the op that set it (`translate/acc.rs`).
pub(super) const NO_ACC: u64 = 0;

/// Continues with the op at `ip`.
#[cfg(weft_tail_dispatch)]
#[inline(always)]
pub(super) fn next(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    ip.handler()(ex, ip, s, m, acc)
}

/// Continues with the op at `ip`, whose handler is `h` (known without
/// loading it from `ip`'s cell).
#[cfg(weft_tail_dispatch)]
#[inline(always)]
pub(super) fn next_via(h: Handler, ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    h(ex, ip, s, m, acc)
}

/// Continues with the op at `ip`, whose handler is `h`.
#[cfg(not(weft_tail_dispatch))]
#[inline(always)]
pub(super) fn next_via(_: Handler, _: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    Flow::Next(ip, s, m, acc)
}

/// Continues with the op at `ip`.
#[cfg(not(weft_tail_dispatch))]
#[inline(always)]
pub(super) fn next(_: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    Flow::Next(ip, s, m, acc)
}

/// Continues with the op `t` ops away from `ip` if `taken`, else with the
/// op after `ip`.
///
/// Two calls, not one call on a selected `ip`: LLVM compiles the selected
/// form to a conditional move, and then every load of the next op waits for
/// this op's compare, so a loop runs at the latency of its whole
/// load-compare-dispatch chain. A branch lets the CPU go on along its
/// prediction. `cold_path` on one side is what keeps LLVM from merging the
/// two calls back into that select (it will not if-convert a branch it is
/// told is biased); it only moves the fall-through jump out of line.
#[inline(always)]
pub(super) fn branch(ex: &mut Exec<'_>, taken: bool, ip: Ip, t: u32, s: Sp, m: Mem, acc: u64) -> Flow {
    if taken {
        next(ex, ip.jump(t), s, m, acc)
    } else {
        std::hint::cold_path();
        next(ex, ip.next(), s, m, acc)
    }
}

/// Stops the chain.
#[cfg(weft_tail_dispatch)]
#[inline(always)]
pub(super) fn exit(e: Exit) -> Flow {
    e
}

/// Stops the chain.
#[cfg(not(weft_tail_dispatch))]
#[inline(always)]
pub(super) fn exit(e: Exit) -> Flow {
    Flow::Exit(e)
}

/// Runs the chain from `ip` until it exits.
#[cfg(weft_tail_dispatch)]
pub(super) fn execute(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem) -> Exit {
    ip.handler()(ex, ip, s, m, 0)
}

/// Runs the chain from `ip` until it exits.
#[cfg(not(weft_tail_dispatch))]
pub(super) fn execute(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem) -> Exit {
    let (mut ip, mut s, mut m, mut acc) = (ip, s, m, 0);
    loop {
        #[cfg(feature = "op-histogram")]
        super::histogram::count(&ip.op());
        match ip.handler()(ex, ip, s, m, acc) {
            Flow::Next(i, sp, mem, a) => (ip, s, m, acc) = (i, sp, mem, a),
            Flow::Exit(e) => return e,
        }
    }
}
