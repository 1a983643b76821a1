//! # weft-threaded
//!
//! weft's fast interpreter, an [`Executor`] of the runtime's engine seam
//! ([`weft_exec::executor`]): [`ThreadedExecutor`]. It depends on the
//! runtime only — never on the reference engine: functions it declines go
//! back to the seam, which runs them on the engine's fallback. Most users
//! want the `weft` crate, whose `Engine::new` wires it in for
//! `EngineKind::Threaded`.
//!
//! The threaded engine: each function is translated, lazily on its first
//! call, into compact register-machine code (`op::Op`) whose operands are
//! frame slots the translator placed statically (`translate/`), and run by
//! handlers that pass control from op to op (`exec/`).
//!
//! # Frames and slots
//!
//! One activation keeps all its wasm frames in one `Vec<u64>` of slots. A
//! frame is the function's locals (parameters first) followed by its operand
//! stack's home slots. A call places the callee's frame at the caller's
//! first argument slot, so arguments become the callee's parameters without
//! a copy, and the callee's results land where the caller expects them. A
//! wasm-to-wasm call pushes a frame and continues the same
//! loop: the native stack never grows with wasm recursion.
//!
//! # What falls back to the reference engine
//!
//! A function whose body uses anything the translator does not handle —
//! atomics, or exception handling together with `v128` values — is
//! declined ([`Executor::prepare`] returns the [`Decline`]) and the seam
//! runs it entirely on the engine's fallback, the reference engine. The decision is made
//! once, at translation, and kept in the module's cache; a call from
//! threaded code to a declined function goes back to the seam
//! (`weft_exec::executor::invoke`), never to the reference engine directly. Tail calls, typed function
//! references, wide arithmetic, memory64, table64, multiple memories,
//! custom page sizes, `if` with parameters, exception handling, SIMD
//! (`v128` values in v-slots, `translate/simd.rs`, `exec/simd.rs`) and GC
//! (references as raw words, `op/gc.rs`, `exec/gc.rs`, `translate/gc.rs`)
//! are translated (see below); `tests/threaded_native.rs`,
//! `tests/threaded_exceptions.rs` and `tests/threaded_simd.rs` check that
//! modules using them translate fully (they live in `crates/weft/tests/`,
//! where both engines are wired). A whole call also runs on the reference
//! engine when deterministic NaNs are enabled in the
//! [`Config`] (the threaded engine does not
//! canonicalize).
//!
//! # Tail calls
//!
//! `return_call`, `return_call_indirect` and `return_call_ref` reuse the
//! running frame: the arguments move to its first slots and the callee's
//! code runs there, so mutual tail recursion of any depth runs in constant
//! slot, frame and native stack space (`tests/tail_calls.rs`). A tail call
//! to a host function or a function on the reference engine calls it, then
//! returns its results (`exec/calls.rs`).
//!
//! # Memories
//!
//! Memory 0 with 32-bit addresses, almost every module's only memory, has
//! its buffer in a register and its own load and store ops. Other memories
//! and 64-bit memories use ops that look the memory up in the store on
//! each access and check bounds in `u64` arithmetic that cannot overflow
//! (`exec/memory.rs`); sizes are in the memory's own page size. Table64
//! indices are read at their table's width by the table ops.
//!
//! # Exceptions
//!
//! `throw`, `throw_ref`, `try_table` (every catch kind), `exnref` values
//! (slot bits: 0 for null, the instance's store index + 1) and the legacy
//! `try`/`catch`/`catch_all`/`rethrow`/`delegate` are translated
//! (`translate/exceptions.rs`): each function carries a handler table
//! (`Code::handlers`) from op ranges to catch clauses. An exception raised
//! by a throw op, or returned by a call to a host function or to a
//! function on the reference engine, is offered to the running frame's
//! handlers at the raising op, then to each caller's at its call op
//! (`exec/exceptions.rs`); a matching clause pops the frames above it,
//! writes the fields and/or the `exnref` where a branch to its label puts
//! its values, and continues there. An uncaught exception leaves the
//! activation as an `Err` of kind `TrapKind::Exception`, every frame in its
//! backtrace: to the host, or to the host function that re-entered wasm
//! (which may return it, re-throwing it in its own caller). Traps and host
//! errors are never caught. `tests/threaded_exceptions.rs` checks that
//! modules using each form translate fully.
//!
//! # Fuel
//!
//! When the engine consumes fuel, translation puts an `Op::Fuel { n }` at
//! the start of every block (function entry, loop header, after every
//! label and conditional branch) charging the block's `n` wasm
//! instructions at once; if fewer units are left, the call traps "all fuel
//! consumed" with no fuel left, before running any of the block. Totals
//! match the reference engine's per-instruction charge closely but not
//! exactly (it also charges the instructions of a block a trap cuts short).
//!
//! # Interrupts
//!
//! When the engine is [`interruptible`](weft_exec::Config::interruptible),
//! translation puts an `Op::CheckInterrupt` at function entry and at every
//! loop header (after the loop's `Fuel` op), so every call and every
//! iteration tests the store's interrupt flag once; without it the code
//! holds no checks at all.
//!
//! Slots are raw 64-bit values: references are 0 for null and
//! `index + 1` otherwise, so an `externref` whose host payload is
//! `u64::MAX` reads back as null in this engine.

// The op table's accumulator-form derivation (`op.rs`, `acc_forms!`)
// takes one macro step per row.
#![recursion_limit = "1024"]
#![deny(unsafe_code)]
#![deny(missing_docs)]

// The handlers fetch ops and slots without bounds checks, relying on the
// invariants `translate::verify` checks for every translated function and
// the frame reservation `exec` maintains (`FRAME_SLACK`); its `unsafe` blocks say so. Nothing
// else in weft uses `unsafe`.
#[allow(unsafe_code)]
mod exec;
// `weft inspect --threaded`: code as text, from the op table.
mod disasm;
mod offsets;
pub(crate) mod op;
mod translate;

use std::sync::{Arc, OnceLock};

use std::any::Any;

use weft_exec::Config;
use weft_exec::Trap;
use weft_exec::Val;
use weft_exec::executor::ModuleInner;
use weft_exec::executor::{Decline, Executor};
use weft_exec::executor::{EngineStore, FuncEntity};

/// A function translated for the threaded engine.
#[derive(Debug)]
pub(crate) struct Code {
    /// The ops while the function is translated. Emptied once [`cells`]
    /// is encoded from them: what runs, and what anything after
    /// translation reads, is `cells`.
    ///
    /// [`cells`]: Code::cells
    pub(crate) ops: Vec<op::Op>,
    /// The executable code: variable-length ops, each a 4-byte handler
    /// reference and its packed operands (`exec/encode.rs`), so a
    /// dispatch is one 4-byte load; execution starts at 0.
    pub(crate) cells: Box<[u32]>,
    /// Where each op starts in `cells` (for an op pointer's op index:
    /// traps, backtraces, exception handlers; the disassembler).
    pub(crate) index: exec::encode::OpIndex,
    /// Per op while the function is translated: the byte offset of the
    /// wasm instruction it came from. Emptied once [`offset_table`] is
    /// built from it.
    ///
    /// [`offset_table`]: Code::offset_table
    pub(crate) offsets: Vec<u32>,
    /// Per op: the byte offset of the wasm instruction it came from,
    /// compressed (`offsets.rs`; read only for trap backtraces).
    pub(crate) offset_table: offsets::OffsetTable,
    /// Memory and offset of each `LoadExt`/`StoreExt` op (memory64 and
    /// memories other than 0).
    pub(crate) mem_args: Vec<op::MemArgExt>,
    /// The exception handlers, innermost first for any op they cover
    /// (`translate/exceptions.rs`).
    pub(crate) handlers: Box<[translate::exceptions::ExnHandler]>,
    /// Parameter count.
    pub(crate) params: u32,
    /// Locals, parameters included.
    pub(crate) locals: u32,
    /// Slots the frame needs: locals plus the operand stack's maximum.
    pub(crate) frame_size: u32,
    /// The function's index in its module (imports first).
    pub(crate) func_index: u32,
    /// Whether the code charges fuel (`Op::Fuel` at every block start),
    /// as the module's engine configuration asked.
    pub(crate) metered: bool,
    /// Whether the code checks the store's interrupt flag
    /// (`Op::CheckInterrupt` at entry and loop headers).
    pub(crate) interruptible: bool,
    /// Whether the code uses `v128` values: its frames get v-slots (a
    /// `u128` per slot, beside the `u64` slots) and its moves move both.
    pub(crate) v128: bool,
    /// `v128.const` values and `i8x16.shuffle` lane indices.
    pub(crate) v128_consts: Vec<u128>,
    /// Immediates of GC ops too large for the op (`op/gc.rs`).
    pub(crate) gc_args: Vec<op::gc::GcArg>,
    /// The argument moves of `CallInternalMoves` ops, a list per op from
    /// its `moves` index: a header word, the number of copies (bits 0-31)
    /// and of constants (bits 32-63); a word per copy, `d | a << 16` (slot
    /// `d` gets local `a`); two words per constant, its slot `d` and its
    /// bits. Every slot is inside the frame (`verify`).
    pub(crate) call_moves: Vec<u64>,
    /// The ops that access memory twice (`I32LoadLoad`, `I64LoadStore`, …,
    /// made by `fuse_pairs`), ascending, each with the wasm offset of its
    /// second access: a trap there reports that instruction.
    pub(crate) second_offsets: Vec<(u32, u32)>,
}

impl Code {
    /// The ops of translated code, in order, decoded (branch targets as
    /// byte offsets from their op).
    pub(crate) fn executable_ops(&self) -> impl Iterator<Item = op::Op> + '_ {
        self.index.iter().map(|(tag, start)| exec::encode::decode(&self.cells, start, tag))
    }

    /// The bytes of the executable code.
    pub(crate) fn code_bytes(&self) -> usize {
        self.cells.len() * 4 + self.call_moves.len() * 8
    }

    /// Whether the code obeys `config`'s fuel and interrupt settings (a
    /// module's code follows its own engine's configuration; a store of
    /// another configuration runs the function on the reference engine).
    pub(crate) fn runs_under(&self, config: &weft_exec::Config) -> bool {
        self.metered == config.fuel.is_some() && self.interruptible == config.interruptible
    }
}

/// The threaded engine as an [`Executor`]. It declines functions it does
/// not translate (with the translator's reason), every function when the
/// configuration asks for deterministic NaNs, and code translated under
/// another fuel or interrupt setting than the store's.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadedExecutor;

impl Executor for ThreadedExecutor {
    fn name(&self) -> &'static str {
        "threaded"
    }

    fn module_state(&self, module: &weft_decode::Module) -> Box<dyn Any + Send + Sync> {
        Box::new(ModuleCache::new(module.code.len()))
    }

    fn prepare(&self, module: &ModuleInner, defined: u32, config: &Config) -> Result<(), Decline> {
        if config.deterministic_nans {
            return Err(Decline::DeterministicNans);
        }
        let cache = ModuleCache::of(module).ok_or(Decline::ConfigMismatch)?;
        let code = cache.translated(module, defined)?;
        if code.runs_under(config) { Ok(()) } else { Err(Decline::ConfigMismatch) }
    }

    fn invoke(&self, store: &mut dyn EngineStore, func: u32, args: &[Val], results: &mut [Val]) -> Result<(), Trap> {
        let code = match store.inner().funcs.get(func as usize) {
            Some(FuncEntity::Wasm { module, defined, instance, .. }) => {
                module_code(module, *defined).map(|code| (code.clone(), instance.clone()))
            }
            _ => None,
        };
        let (code, instance) =
            code.ok_or_else(|| Trap::host("the threaded engine was asked to run a function it declined"))?;
        exec::invoke(store, func, code, instance, args, results)
    }
}

/// A module's threaded code: per defined function, translated on first
/// call (or why the function is left to the fallback).
pub(crate) struct ModuleCache {
    funcs: Vec<OnceLock<Result<Arc<Code>, Decline>>>,
    /// Per defined function, what a call needs to enter it, once it is
    /// translated and can be entered by the call handlers' fast path.
    entries: Box<[FastEntry]>,
}

/// What `call_internal` needs to enter a translated function, in one
/// cache line apart from the [`Code`]: on `cc1` (thousands of functions)
/// the load of the callee's `Code` fields missed the data cache on
/// most calls, after the miss on the function's cache slot. Set once,
/// after translation, for code the fast path can enter (no `v128`, at
/// most [`FAST_LOCALS`] locals after the parameters); null before and
/// otherwise.
#[derive(Default)]
#[repr(align(32))]
pub(crate) struct FastEntry {
    /// The code (kept alive by the cache's `Arc`).
    code: std::sync::atomic::AtomicPtr<Code>,
    /// Its first op.
    cells: std::sync::atomic::AtomicPtr<u8>,
    /// Its frame size (bits 0-31), parameter count (32-47) and how many
    /// runs of eight slots zero its locals after the parameters (48-63).
    frame: std::sync::atomic::AtomicU64,
}

/// A translated function the call handlers' fast path can enter
/// ([`FastEntry`], read).
#[derive(Clone, Copy)]
pub(crate) struct FastCallee {
    pub(crate) code: *const Code,
    pub(crate) cells: *const u8,
    pub(crate) frame_size: u32,
    pub(crate) params: u32,
    /// Runs of eight zero slots to write after the parameters (covering
    /// the locals; the slots past them are the operand stack's).
    pub(crate) zero_runs: u32,
}

/// The most locals after the parameters that a call's fast path zeroes
/// (in runs of eight slots, no `memset` call).
pub(crate) const FAST_LOCALS: u32 = 32;

impl FastEntry {
    /// Publishes `code` (the cache's, alive as long as the cache).
    fn set(&self, code: &Arc<Code>) {
        use std::sync::atomic::Ordering;
        let zeroed = code.locals - code.params;
        if code.v128 || zeroed > FAST_LOCALS {
            return;
        }
        let runs = u64::from(zeroed.div_ceil(8));
        // `params` fits 16 bits: locals are at most half of `Slot::MAX`
        // (`translate`).
        let packed = u64::from(code.frame_size) | u64::from(code.params) << 32 | runs << 48;
        self.frame.store(packed, Ordering::Relaxed);
        self.cells.store(code.cells.as_ptr().cast::<u8>().cast_mut(), Ordering::Relaxed);
        // Release: a reader that sees the code sees the fields above.
        self.code.store(Arc::as_ptr(code).cast_mut(), Ordering::Release);
    }

    #[inline(always)]
    fn get(&self) -> Option<FastCallee> {
        use std::sync::atomic::Ordering;
        let code = self.code.load(Ordering::Acquire);
        if code.is_null() {
            return None;
        }
        let frame = self.frame.load(Ordering::Relaxed);
        let cells = self.cells.load(Ordering::Relaxed);
        Some(FastCallee {
            code,
            cells,
            frame_size: frame as u32,
            params: (frame >> 32) as u16 as u32,
            zero_runs: (frame >> 48) as u32,
        })
    }
}

impl ModuleCache {
    /// An empty cache for `functions` defined functions.
    fn new(functions: usize) -> Self {
        ModuleCache {
            funcs: (0..functions).map(|_| OnceLock::new()).collect(),
            entries: (0..functions).map(|_| FastEntry::default()).collect(),
        }
    }

    /// The cache of `module`, if its engine has the threaded executor.
    ///
    /// Never inlined: finding it asks each module state for its `TypeId`
    /// through a virtual call that returns it in a stack slot, and a
    /// handler holding the address of a stack slot (`set_instance` in the
    /// return handlers) could not pass control on with a jump
    /// (`tests/threaded_stack.rs` in release builds).
    #[inline(never)]
    pub(crate) fn of(module: &ModuleInner) -> Option<&ModuleCache> {
        module.state::<ModuleCache>()
    }

    /// The threaded code of defined function `defined` of `module` (this
    /// cache's module), translating it on first use; `None` if it is left
    /// to the fallback.
    #[inline(always)]
    pub(crate) fn code(&self, module: &ModuleInner, defined: u32) -> Option<&Arc<Code>> {
        match self.funcs.get(defined as usize)?.get() {
            Some(code) => code.as_ref().ok(),
            None => self.translate_first(module, defined),
        }
    }

    /// What the call handlers' fast path needs to enter defined function
    /// `defined`, if it is translated and that path can enter it.
    #[inline(always)]
    pub(crate) fn entry(&self, defined: u32) -> Option<FastCallee> {
        self.entries.get(defined as usize)?.get()
    }

    /// [`translate_once`](Self::translate_once) for the call handlers:
    /// out of line and returning one pointer, so a handler that calls it
    /// holds no stack slot (a returned `Result` with a [`Decline`] would
    /// live in one) and its final call to the next handler can still be a
    /// jump (`tests/threaded_stack.rs`).
    #[cold]
    #[inline(never)]
    fn translate_first(&self, module: &ModuleInner, defined: u32) -> Option<&Arc<Code>> {
        self.translate_once(module, defined).ok()
    }

    /// [`code`](Self::code), or why there is none.
    fn translated(&self, module: &ModuleInner, defined: u32) -> Result<&Arc<Code>, Decline> {
        match self.funcs.get(defined as usize).and_then(OnceLock::get) {
            Some(code) => code.as_ref().map_err(Decline::clone),
            None => self.translate_once(module, defined),
        }
    }

    /// Translates defined function `defined` unless another caller already
    /// did. Kept out of line: the handler of a call must not hold the
    /// address of a stack slot (the closure's captures) when it passes
    /// control on, or its final call could not be a jump.
    #[cold]
    #[inline(never)]
    fn translate_once(&self, module: &ModuleInner, defined: u32) -> Result<&Arc<Code>, Decline> {
        let slot = self.funcs.get(defined as usize).ok_or_else(|| Decline::Internal("no such function".into()))?;
        let code = slot
            .get_or_init(|| {
                let mut code = translate::translate(module, defined).map_err(|u| u.0)?;
                code.func_index = module.decoded.num_imported_functions + defined;
                Ok(Arc::new(code))
            })
            .as_ref()
            .map_err(Decline::clone)?;
        self.entries[defined as usize].set(code);
        Ok(code)
    }
}

/// The threaded code of defined function `defined` of `module`,
/// translating it on first use; `None` if it is left to the fallback (or
/// the module's engine has no threaded executor).
#[inline(always)]
pub(crate) fn module_code(module: &ModuleInner, defined: u32) -> Option<&Arc<Code>> {
    ModuleCache::of(module)?.code(module, defined)
}

#[cfg(test)]
mod tests {
    use weft_exec::{Engine, Module};

    /// The threaded code of defined function `defined` of `wat`, one op a line.
    pub(crate) fn disassemble(wat: &str, defined: u32) -> String {
        let module = Module::new(&Engine::default(), wat).unwrap();
        let code = crate::translate::translate(module.inner(), defined).expect("translates");
        code.executable_ops().enumerate().map(|(i, op)| format!("{i:3}: {op:?}\n")).collect()
    }

    #[test]
    fn a_calls_one_argument_move_is_the_calls() {
        let wat = r#"(module
          (func $f (param i32 i32) (result i32) (local.get 0))
          (func (param $a i32) (param $b i32) (result i32)
            (call $f (i32.add (local.get $a) (local.get $b)) (local.get $a))))"#;
        let text = disassemble(wat, 1);
        // The first argument is computed in place; the second's copy is in
        // the call.
        assert_eq!(text.matches(": Copy {").count(), 0, "{text}");
        assert!(text.contains("CallInternalCopy { defined: 0, base: 2, d: 3, a: 0 }"), "{text}");
    }

    #[test]
    fn numeric_globals_have_typed_ops() {
        let wat = r#"(module
          (global $i (mut i32) (i32.const 0)) (global $d (mut f64) (f64.const 0))
          (global $r (mut funcref) (ref.null func))
          (func (param i32)
            (global.set $i (global.get $i)) (global.set $d (global.get $d))
            (global.set $r (global.get $r))))"#;
        let text = disassemble(wat, 0);
        for form in ["GlobalGetNum { d: 1, g: 0 }", "GlobalSetI32", "GlobalGetNum { d: 1, g: 1 }", "GlobalSetF64"] {
            assert!(text.contains(form), "{form} missing:\n{text}");
        }
        assert!(text.contains("GlobalGet { d: 1, g: 2 }") && text.contains("GlobalSet { a: 1, g: 2 }"), "{text}");
    }

    #[test]
    fn a_stack_pointer_move_is_one_op() {
        let wat = r#"(module (global $sp (mut i32) (i32.const 1024))
          (func (local $fp i32)
            (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
            (global.set $sp (i32.add (local.get $fp) (i32.const 16)))))"#;
        let text = disassemble(wat, 0);
        // The prologue's `global.get` fuses in too (`GlobalAddImm`).
        assert!(text.contains("GlobalAddImm { d: 0, g: 0, imm: -16 }"), "{text}");
        assert!(text.contains("GlobalSetAddImm { d: 1, a: 0, g: 0, imm: 16 }"), "{text}");
        assert!(!text.contains("GlobalSetI32") && !text.contains("I32SubImm"), "{text}");
    }

    #[test]
    fn copies_in_a_row_are_one_op() {
        // A rotation of three locals in a loop: four copies, three in one
        // op; the loop's branch still reaches the first.
        let wat = r#"(module
          (func (param $a i32) (param $b i32) (param $c i32) (param $n i32) (result i32) (local $t i32)
            (loop $l
              (local.set $t (local.get $a))
              (local.set $a (local.get $b))
              (local.set $b (local.get $c))
              (local.set $c (local.get $t))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $a)))"#;
        let text = disassemble(wat, 0);
        assert!(
            text.starts_with("  0: Copy3 { f: 4, c: 0, e: 0, b: 1, d: 1, a: 2 }\n  1: Copy { d: 2, a: 4 }"),
            "{text}"
        );
    }

    #[test]
    fn loop_folds_into_few_ops() {
        let wat = r#"(module (memory 1)
          (func (param $n i32) (result i32) (local $i i32) (local $h i32)
            (loop $l
              (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i))) (i32.const 16777619)))
              (local.set $h (i32.xor (local.get $h) (i32.rotl (local.get $h) (i32.const 5))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
            (local.get $h)))"#;
        let text = disassemble(wat, 0);
        // load, xor, mul, xor-rotate, add, branch, return.
        assert_eq!(text.lines().count(), 7, "{text}");
    }

    #[test]
    fn a_load_and_the_op_that_takes_it_are_one_op() {
        let wat = r#"(module (memory 1)
          (func (param $p i32) (param $x f64) (param $i i32) (result f64 i32 f32 f32)
            (f64.sub (local.get $x) (f64.load offset=8 (local.get $p)))
            ;; commutative: the load on the left fuses too
            (i32.add (i32.load (local.get $p)) (local.get $i))
            ;; not commutative
            (f32.sub (f32.load (local.get $p)) (f32.const 1))
            (f32.add (f32.load (local.get $p)) (f32.load offset=4 (local.get $p)))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("F64SubLoad { d: 3, a: 1, p: 0, offset: 8 }"), "{text}");
        assert!(text.contains("I32AddLoad { d: 4, a: 2, p: 0, offset: 0 }"), "{text}");
        assert!(text.contains("F32SubImm"), "{text}");
        // The second load of the last add is its right-hand operand.
        assert!(text.contains("F32AddLoad { d: 6, a: 6, p: 0, offset: 4 }"), "{text}");
        assert_eq!(text.matches("F32Load {").count(), 2, "{text}");
    }

    #[test]
    fn an_op_and_the_store_of_its_result_are_one_op() {
        let wat = r#"(module (memory 1)
          (func (param $p i32) (param $x f64) (param $y f64) (param $i i64)
            (f64.store offset=16 (local.get $p) (f64.mul (local.get $x) (local.get $y)))
            (i64.store (local.get $p) (i64.sub (local.get $i) (i64.load offset=8 (local.get $p))))
            ;; a result kept in a local by `local.tee` is stored as it is
            (f64.store (local.get $p) (local.tee $y (f64.add (local.get $x) (local.get $y))))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("F64MulStore { a: 1, b: 2, p: 0, offset: 16 }"), "{text}");
        // The load fuses with the sub first; the store stays.
        assert!(text.contains("I64SubLoad"), "{text}");
        assert!(!text.contains("I64SubStore") && !text.contains("F64AddStore"), "{text}");
    }

    #[test]
    fn a_shift_xored_into_its_operand_is_one_op() {
        // xorshift64: each step reads `x` twice, the second time right
        // after the op before wrote it.
        let wat = r#"(module
          (func (param $x i64) (param $h i32) (result i64 i32)
            (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
            (local.set $x (i64.xor (i64.shr_u (local.get $x) (i64.const 7)) (local.get $x)))
            (local.get $x)
            (i32.xor (local.get $h) (i32.rotl (i32.wrap_i64 (local.get $x)) (i32.const 5)))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("I64XorShlImm { d: 0, a: 0, imm: 13 }"), "{text}");
        assert!(text.contains("I64XorShrUImmAcc { d: 0, imm: 7 }"), "{text}");
        // Not the same operand: a plain rotation and xor.
        assert!(text.contains("I32RotlImm") && !text.contains("I32XorRotl"), "{text}");
    }

    #[test]
    fn frequent_pairs_of_compiled_c_are_one_op() {
        let wat = r#"(module (memory 1) (global $sp (mut i32) (i32.const 4096))
          (func (param $p i32) (param $i i32) (result i32 i32 i32) (local $q i32) (local $fp i32)
            (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
            (block $b
              (br_if $b (i32.eqz (i32.load offset=8 (local.get $p))))
              (br_if $b (i32.and (local.get $i) (i32.const 4)))
              (local.set $p (local.tee $q (i32.add (local.get $p) (i32.const 16)))))
            (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 2)))
            (i32.and (i32.shr_u (local.get $p) (i32.const 3)) (i32.const 15))
            (i32.add)
            (i32.load offset=4 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))
            (i32.load (i32.add (local.get $p) (local.get $q)))))"#;
        let text = disassemble(wat, 0);
        for op in [
            "GlobalAddImm { d: 3, g: 0, imm: -16 }",
            "BrIfZeroLoad { d: 4, p: 0, offset: 8,",
            "BrI32AndImmNonZero { a: 1, imm: 4,",
            "I32AddImmCopy { d: 2, a: 0, imm: 16, e: 0 }",
            "I32AddShlImm { d: 4, a: 2, b: 1, imm: 2 }",
            "I32ShrUAndImm { d: 5, a: 0, shift: 3, mask: 15 }",
            // three instructions, two fusions in a row
            "I32LoadIdx { d: 5, a: 0, b: 1, shift: 2, offset: 4 }",
            "I32LoadAdd { d: 6, a: 0, b: 2, offset: 0 }",
        ] {
            assert!(text.contains(op), "{op} missing:\n{text}");
        }
    }

    #[test]
    fn a_calls_argument_moves_are_part_of_the_call() {
        let wat = r#"(module
          (func $f (param i32 i32 i64) (result i32) (local.get 0))
          (func (param $x i32) (param $y i32) (result i32 i32 i32)
            (call $f (local.get $y) (i32.const 7) (i64.const -1))
            (call $f (i32.add (local.get $x) (local.get $y)) (local.get $x) (i64.const 0))
            (call $f (i32.const 1) (local.get $x) (i64.extend_i32_u (local.get $y)))))"#;
        let module = Module::new(&Engine::default(), wat).unwrap();
        let code = crate::translate::translate(module.inner(), 1).expect("translates");
        let text: String = code.executable_ops().map(|op| format!("{op:?}\n")).collect();
        for call in [
            "CallInternalMoves { defined: 0, base: 2, moves: 0 }",
            "CallInternalMoves { defined: 0, base: 3, moves: 6 }",
            "CallInternalMoves { defined: 0, base: 4, moves: 10 }",
        ] {
            assert!(text.contains(call), "{call} missing:\n{text}");
        }
        assert!(!text.contains("Copy") && !text.contains("Const"), "{text}");
        // Per call: copies, then constants (slot, bits).
        #[rustfmt::skip]
        let lists = [
            1 | 2 << 32, 2 | 1 << 16, 3, 7, 4, u64::MAX,
            1 | 1 << 32, 4, 5, 0,
            1 | 1 << 32, 5, 4, 1,
        ];
        assert_eq!(code.call_moves, lists);
        // And the disassembler shows them.
        let listing = crate::disasm::disassemble(&code);
        assert!(listing.contains("base=s2 moves=0 [s2=l1 s3=7 s4=18446744073709551615]"), "{listing}");
    }

    #[test]
    fn an_indirect_calls_argument_moves_are_part_of_the_call() {
        let wat = r#"(module (type $t (func (param i32 f32)))
          (table 1 funcref)
          (func (param $x i32) (param $k i32)
            (call_indirect (type $t) (local.get $x) (f32.const 1) (local.get $k))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("CallIndirectMoves { ty: 0, c: 1, base: 2, table: 0, moves: 0 }"), "{text}");
        assert!(!text.contains("Copy") && !text.contains("Const"), "{text}");
    }

    #[test]
    fn select_of_two_small_constants_takes_immediates() {
        let wat = r#"(module
          (func (param $c i32) (result i32 i64 i64)
            (select (i32.const -1) (i32.const 7) (local.get $c))
            (select (i64.const 4) (i64.const 0) (i32.eqz (local.get $c)))
            (select (i64.const -1) (i64.const 2) (local.get $c))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("SelectImm { d: 1, c: 0, a: 4294967295, b: 7 }"), "{text}");
        assert!(text.contains("SelectImmAcc { d: 2, a: 4, b: 0 }"), "{text}");
        // -1 as an i64 needs 64 bits: constants in slots and `Select`.
        assert!(text.contains("Select { d: 3,"), "{text}");
    }

    #[test]
    fn two_memory_accesses_are_one_op_that_knows_both_offsets() {
        let wat = r#"(module (memory 1)
          (func (param $p i32) (param $q i32) (result i32)
            (i64.store offset=8 (local.get $q) (i64.load (local.get $p)))
            (i32.load offset=4 (i32.load (local.get $p)))))"#;
        let module = Module::new(&Engine::default(), wat).unwrap();
        let code = crate::translate::translate(module.inner(), 0).expect("translates");
        let text: String = code.executable_ops().map(|op| format!("{op:?}\n")).collect();
        assert!(text.starts_with("I64LoadStore { d: 3, a: 0, o1: 0, p: 1, o2: 8 }\nI32LoadLoad"), "{text}");
        // Each op's second access is a later instruction than its first.
        assert_eq!(code.second_offsets.len(), 2, "{:?}", code.second_offsets);
        assert_eq!(code.second_offsets.iter().map(|&(op, _)| op).collect::<Vec<_>>(), [0, 1]);
        assert!(code.second_offsets.iter().all(|&(op, second)| code.offset_table.get(op as usize).unwrap() < second));
    }

    #[test]
    fn i64_eqz_fuses_into_its_branch() {
        let wat = r#"(module
          (func (param $n i64) (result i64)
            (block $b
              (br_if $b (i64.eqz (local.get $n)))
              (if (i64.eqz (local.get $n)) (then (unreachable))))
            (local.get $n)))"#;
        let text = disassemble(wat, 0);
        assert!(!text.contains("I64Eqz"), "{text}");
        // `br_if` jumps when the value is 0; `if` skips its arm when not.
        assert!(text.contains("BrI64EqImm { a: 0, imm: 0,"), "{text}");
        assert!(text.contains("BrI64NeImm { a: 0, imm: 0,"), "{text}");
    }

    #[test]
    fn a_constant_on_the_left_of_a_commutative_op_is_its_immediate() {
        let wat = r#"(module
          (func (param $x f64) (param $i i32) (result f64 f64 i32 f64)
            (f64.add (f64.const 0.5) (local.get $x))
            (f64.mul (f64.const nan:0x1234) (local.get $x))
            (i32.xor (i32.const 7) (local.get $i))
            (f64.sub (f64.const 0.5) (local.get $x))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("F64AddImm { d: 2, a: 0, imm: 0.5 }"), "{text}");
        assert!(text.contains("F64MulImm { d: 3, a: 0, imm: NaN }"), "{text}");
        assert!(text.contains("I32XorImm { d: 4, a: 1, imm: 7 }"), "{text}");
        // The left operand of a sub keeps its place: a `Const`, read back
        // as the accumulator.
        assert!(text.contains("F64SubAcc { d: 5, b: 0 }"), "{text}");
        assert_eq!(text.matches("Const {").count(), 1, "{text}");
    }

    /// `local.set` of a local that an entry below still reads lazily:
    /// the old value is copied home before the producer, which then
    /// writes the local itself (one copy, not two).
    #[test]
    fn a_pending_read_is_homed_before_the_producer() {
        let wat = r#"(module
          (func (param $i i32) (result i32)
            local.get $i
            local.get $i
            i32.const 1
            i32.add
            local.set $i
            local.get $i
            i32.add))"#;
        let text = disassemble(wat, 0);
        assert_eq!(text.matches("Copy").count(), 1, "{text}");
        let copy = text.find("Copy").unwrap();
        let add = text.find("I32AddImm { d: 0, a: 0, imm: 1 }").expect(&text);
        assert!(copy < add, "{text}");
    }

    /// A `br` to a return is that return (`fib`'s base case is two ops).
    #[test]
    fn a_branch_to_a_return_is_the_return() {
        let wat = r#"(module
          (func $fib (param $n i32) (result i64)
            (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
              (then (i64.extend_i32_u (local.get $n)))
              (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                             (call $fib (i32.sub (local.get $n) (i32.const 2))))))))"#;
        let text = disassemble(wat, 0);
        assert!(!text.contains("Br {"), "{text}");
        assert_eq!(text.matches("Return1").count(), 2, "{text}");
    }

    /// Each `br_table` case's `br` to the loop's latch (`n++; br_if`)
    /// becomes a copy of the latch and a `br` to the loop's exit.
    #[test]
    fn br_table_cases_get_their_own_latch() {
        let wat = r#"(module
          (func (param $x i32) (result i32) (local $n i32) (local $acc i32)
            (loop $next
              (block $b2 (block $b1 (block $b0
                (br_table $b0 $b1 $b2 (i32.and (local.get $n) (i32.const 3))))
                (local.set $acc (i32.add (local.get $acc) (i32.const 3))) (br $b2))
                (local.set $acc (i32.mul (local.get $acc) (i32.const 5))) (br $b2))
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $n) (local.get $x))))
            (local.get $acc)))"#;
        let text = disassemble(wat, 0);
        // The latch's add three times: its own and one copy per case that
        // branches to it (none for the labels' stubs no branch reaches).
        assert_eq!(text.matches("I32AddImm { d: 1, a: 1, imm: 1 }").count(), 3, "{text}");
    }

    /// Interruptible code checks at entry and at each loop header (after
    /// the loop's fuel charge); other code holds no checks.
    #[test]
    fn interrupt_checks_at_entry_and_loop_headers() {
        let wat = r#"(module (func (loop (loop (br 1)))))"#;
        let mut config = weft_exec::Config::default();
        config.interruptible(true).consume_fuel(10);
        let module = Module::new(&Engine::new(&config), wat).unwrap();
        let code = crate::translate::translate(module.inner(), 0).expect("translates");
        let checks = code.executable_ops().filter(|op| matches!(op, super::op::Op::CheckInterrupt)).count();
        assert_eq!(checks, 3, "{:?}", code.executable_ops().collect::<Vec<_>>());
        assert!(!disassemble(wat, 0).contains("CheckInterrupt"));
    }
}

/// The threaded code of function `func_index` of `module` (imports
/// first) as text, one line per op with its operands and resolved branch
/// targets (`weft inspect --threaded`); translates it if it is not yet.
/// `Ok(None)` for an imported function or an index past the functions;
/// `Err` with the reason if the threaded engine leaves the function to
/// the reference engine.
pub fn disassemble(module: &weft_exec::Module, func_index: u32) -> Result<Option<String>, Decline> {
    let inner = module.inner();
    let Some(defined) = func_index.checked_sub(inner.decoded.num_imported_functions) else { return Ok(None) };
    if defined as usize >= inner.decoded.code.len() {
        return Ok(None);
    }
    let local;
    let cache = match ModuleCache::of(inner) {
        Some(cache) => cache,
        None => {
            local = ModuleCache::new(inner.decoded.code.len());
            &local
        }
    };
    let code = cache.translated(inner, defined)?;
    Ok(Some(disasm::disassemble(code)))
}

/// Starts (`on`) or stops digesting the ops of every function translated
/// from now on, and returns the digest of those translated since the last
/// call (zero if it was off): a check that speed work on the translator
/// changes nothing it emits (`benches/examples/translate.rs`,
/// `WEFT_DIGEST=1`).
#[doc(hidden)]
pub fn code_digest(on: bool) -> u64 {
    translate::digest::take(on)
}

/// What translating a whole module to threaded code produced: the figures
/// behind the translation benchmark (`benches/examples/translate.rs`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TranslationStats {
    /// Defined functions.
    pub functions: usize,
    /// Of those, the ones translated (the rest run on the reference engine).
    pub translated: usize,
    /// The translated functions' instruction bytes in the wasm binary.
    pub wasm_code_bytes: usize,
    /// Their ops and `br_table` targets in memory.
    pub code_bytes: usize,
    /// Their side table of wasm offsets (for trap backtraces).
    pub offset_bytes: usize,
    /// Their side table of where each op starts (`OpIndex`: each op's
    /// tag, and checkpoints).
    pub index_bytes: usize,
}

/// Translates every defined function of `module` not translated yet and
/// reports the sizes (for benchmarks and tests; calls translate lazily
/// anyway).
#[doc(hidden)]
pub fn translate_all(module: &weft_exec::Module) -> TranslationStats {
    {
        let inner = module.inner();
        // A module of an engine without the threaded executor has no
        // cache: translate into a temporary one.
        let local;
        let cache = match ModuleCache::of(inner) {
            Some(cache) => cache,
            None => {
                local = ModuleCache::new(inner.decoded.code.len());
                &local
            }
        };
        let mut stats = TranslationStats { functions: inner.decoded.code.len(), ..TranslationStats::default() };
        for (defined, body) in inner.decoded.code.iter().enumerate() {
            let Some(code) = cache.code(inner, defined as u32) else { continue };
            stats.translated += 1;
            stats.wasm_code_bytes += body.code.len();
            stats.code_bytes += code.code_bytes();
            stats.offset_bytes += code.offset_table.bytes();
            stats.index_bytes += code.index.bytes();
        }
        stats
    }
}
