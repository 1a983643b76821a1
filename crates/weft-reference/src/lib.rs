//! # weft-reference
//!
//! weft's reference interpreter, an [`Executor`] of the runtime's engine
//! seam ([`weft_exec::executor`]): [`ReferenceExecutor`], which runs every
//! function (host functions included) and so is every engine's fallback;
//! and the [`Stepper`], which runs a call one instruction at a time. It
//! depends on the runtime only, never on the threaded engine. Most users
//! want the `weft` crate, whose `Engine::new` wires it in.
//!
//! The reference interpreter: the spec's execution chapter (4.4), read
//! aloud. It favours being checkable against the spec over speed.
//!
//! # Conventions
//!
//! The machine state is the spec's, kept in `Machine` rather than in Rust
//! locals, so execution can stop after any instruction and resume:
//!
//! * `stack`  — the operand stack: the spec's values (`val*`);
//! * `labels` — the spec's labels `label_n{instr*}`: arity `n`, the operand
//!   height they were entered at, and their continuation as an instruction
//!   position (the `end` of a block, the start of a loop);
//! * `frames` — the spec's activation frames `frame_n{F}`: the function, its
//!   module instance `F.module`, where its locals `F.locals` start in
//!   `locals`, and the return arity `n`;
//! * `pc`     — the position in the current function's [`Compiled`] code.
//!
//! * `handler` — the spec's exception handlers `handler_n{catch*}` are kept
//!   on the label they belong to (`try_table`'s label carries its catch
//!   clauses, a legacy `try`'s its `catch`/`delegate` clauses, a legacy
//!   catch body's label the exception it caught, for `rethrow`).
//!
//! Each instruction's rule is one arm of the `match` in `exec.rs`, named
//! after the spec's instruction; numeric operators call
//! [`weft_exec::numeric`]. A wasm-to-wasm call pushes a frame and continues the
//! same loop: the native stack does not grow with wasm recursion. Host calls
//! run on the native stack; a host function that calls back into wasm starts
//! a nested machine, counted against [`Config::max_reentry_depth`](weft_exec::Config).
//!
//! # Exceptions
//!
//! `throw` allocates an exception instance in the store and raises it as a
//! [`Trap`] of kind [`TrapKind::Exception`]; `run` hands every such error to
//! `exception.rs`, which searches the label stack, innermost first and
//! across frames, for a handler whose clause matches (the spec's
//! `throw_ref` rules), pops the frames and labels above it and continues
//! there. If no frame of this machine catches it, the error leaves the
//! machine (to the host, or through a host function that re-entered wasm).
//! Other traps are never caught.

#![deny(unsafe_code)]
#![deny(missing_docs)]

mod compile;
mod exception;
mod exec;
mod gc_instr;
mod numeric_instr;
mod simd_instr;
mod stepper;

use std::any::Any;
use std::sync::{Arc, OnceLock};

pub use compile::{BlockInfo, BrTableId, CatchesId, Compiled, Instr, Instruction, LegacyTry};
pub use stepper::{FrameState, HeapObject, LabelState, Step, Stepper};

use weft_exec::executor::{Decline, EngineStore, Executor, FuncEntity, InstanceData, ModuleInner};
use weft_exec::{Config, FrameInfo, Trap, TrapKind, Val};

/// The reference engine as an [`Executor`]: it runs every function, host
/// functions included, so it is also every engine's fallback.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReferenceExecutor;

impl Executor for ReferenceExecutor {
    fn name(&self) -> &'static str {
        "reference"
    }

    fn module_state(&self, module: &weft_decode::Module) -> Box<dyn Any + Send + Sync> {
        Box::new(ModuleCode { funcs: (0..module.code.len()).map(|_| OnceLock::new()).collect() })
    }

    fn prepare(&self, _: &ModuleInner, _: u32, _: &Config) -> Result<(), Decline> {
        Ok(())
    }

    fn invoke(&self, store: &mut dyn EngineStore, func: u32, args: &[Val], results: &mut [Val]) -> Result<(), Trap> {
        invoke(store, func, args, results)
    }
}

/// The reference engine's state for a module: each defined function's
/// code, compiled on its first call.
struct ModuleCode {
    funcs: Vec<OnceLock<Result<Arc<Compiled>, Trap>>>,
}

/// The code of defined function `defined` of `module`, compiled on first
/// use (and not kept if the module's engine has no reference executor: a
/// [`Stepper`] on such a module compiles each function it enters).
fn compiled(module: &ModuleInner, defined: u32) -> Result<Arc<Compiled>, Trap> {
    match module.state::<ModuleCode>() {
        Some(state) => {
            let slot = state.funcs.get(defined as usize).ok_or_else(|| Trap::host("function index out of range"))?;
            slot.get_or_init(|| compile::compile(module, defined).map(Arc::new)).clone()
        }
        None => compile::compile(module, defined).map(Arc::new),
    }
}

/// A label (spec 4.2.13 "labels").
#[derive(Debug, Clone, Copy)]
pub(crate) struct Label {
    /// How many values a branch to it carries.
    arity: u32,
    /// The operand stack height below the block's values.
    height: u32,
    /// Where a branch to it continues.
    cont: u32,
    /// The exception handler installed with it.
    handler: Handler,
}

/// An exception handler (spec 4.2.13 `handler_n{catch*}`), attached to the
/// label of the block that installed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handler {
    /// An ordinary block: no handler.
    None,
    /// A `try_table`: its clauses are `code.catches[i]`.
    TryTable(u32),
    /// A legacy `try` body: its clauses are `code.tries[i]`.
    Try(u32),
    /// A legacy `catch`/`catch_all` body, running for exception instance
    /// `exn` (a store address), which `rethrow` re-raises. No handler.
    Caught(u32),
}

/// An activation frame (spec 4.2.14 "frames").
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    /// The function's store address.
    func: u32,
    code: Arc<Compiled>,
    instance: Arc<InstanceData>,
    /// The next instruction to execute (saved while another frame runs).
    pc: usize,
    locals_base: usize,
    label_base: usize,
    stack_base: usize,
    arity: u32,
}

/// The reference interpreter's machine state.
#[derive(Debug, Default)]
pub(crate) struct Machine {
    stack: Vec<Val>,
    locals: Vec<Val>,
    labels: Vec<Label>,
    frames: Vec<Frame>,
    /// Stop after every instruction (the [`Stepper`]).
    single_step: bool,
    /// Canonicalize NaNs from float arithmetic ([`weft_exec::Config::deterministic_nans`]).
    canonical_nans: bool,
}

/// Invokes function `func` (a store address) with `args`, writing `results`
/// (spec 4.5.5 "invocation"). Argument types were checked by the caller.
pub(crate) fn invoke(store: &mut dyn EngineStore, func: u32, args: &[Val], results: &mut [Val]) -> Result<(), Trap> {
    if store.inner().activations >= store.inner().engine.config().max_reentry_depth {
        return Err(Trap::new(TrapKind::CallStackExhausted));
    }
    store.inner_mut().activations += 1;
    let depth = store.inner_mut().call_depth;
    let mut machine =
        Machine { canonical_nans: store.inner().engine.config().deterministic_nans, ..Machine::default() };
    machine.stack.extend_from_slice(args);
    let r = machine.call(store, func, None).and_then(|()| machine.run(store));
    store.inner_mut().call_depth = depth;
    store.inner_mut().activations -= 1;
    r?;
    let start = machine.stack.len().checked_sub(results.len()).ok_or_else(|| Trap::host("missing results"))?;
    results.copy_from_slice(&machine.stack[start..]);
    Ok(())
}

impl Machine {
    /// Calls function address `func` with its arguments on the stack
    /// (spec 4.4.10 "invocation of function address"): a wasm function gets
    /// a new frame (run by the loop), a host function runs now.
    fn call(&mut self, store: &mut dyn EngineStore, func: u32, caller: Option<&Arc<InstanceData>>) -> Result<(), Trap> {
        let inner = store.inner_mut();
        let config = inner.engine.config();
        if inner.call_depth >= config.max_call_depth {
            return Err(Trap::new(TrapKind::CallStackExhausted));
        }
        let max_values = config.max_value_stack;
        let entity = inner.funcs.get(func as usize).ok_or_else(|| Trap::host("invalid function address"))?;
        match entity {
            FuncEntity::Wasm { ty, instance, module, defined, .. } => {
                let code = compiled(module, *defined)?;
                let n = ty.params().len();
                let values = self.locals.len() + self.stack.len() + code.locals.len();
                if values > max_values {
                    return Err(Trap::new(TrapKind::CallStackExhausted));
                }
                let args_start = self.stack.len().checked_sub(n).ok_or_else(stack_underflow)?;
                let locals_base = self.locals.len();
                self.locals.extend(self.stack.drain(args_start..));
                let types = &module.decoded.types;
                self.locals.extend(code.locals.iter().map(|t| weft_exec::gc::default_of(*t, types)));
                self.frames.push(Frame {
                    func,
                    arity: code.results,
                    code,
                    instance: instance.clone(),
                    pc: 0,
                    locals_base,
                    label_base: self.labels.len(),
                    stack_base: self.stack.len(),
                });
                inner.call_depth += 1;
                Ok(())
            }
            FuncEntity::Host { ty, .. } => {
                let args_start = self.stack.len().checked_sub(ty.params().len()).ok_or_else(stack_underflow)?;
                let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
                let args = self.stack.split_off(args_start);
                inner.call_depth += 1;
                // The host may allocate or re-enter wasm, and so collect:
                // this machine's values are roots until it returns.
                let suspended = inner
                    .gc
                    .in_use()
                    .then(|| inner.gc.suspend(self.stack.iter().chain(&self.locals).chain(&args).copied()));
                let r = store.call_host(func, caller.cloned(), &args, &mut results);
                let inner = store.inner_mut();
                if let Some(mark) = suspended {
                    inner.gc.resume(mark);
                }
                inner.call_depth -= 1;
                r?;
                self.stack.extend(results);
                Ok(())
            }
        }
    }

    /// Returns from the current frame (spec 4.4.9 "return"): its results
    /// replace everything it pushed.
    fn return_from_frame(&mut self, store: &mut dyn EngineStore) -> Result<(), Trap> {
        let frame = self.frames.pop().ok_or_else(|| Trap::host("return without a frame"))?;
        let results_start = self.stack.len().checked_sub(frame.arity as usize).ok_or_else(stack_underflow)?;
        if results_start < frame.stack_base {
            return Err(stack_underflow());
        }
        self.stack.drain(frame.stack_base..results_start);
        self.locals.truncate(frame.locals_base);
        self.labels.truncate(frame.label_base);
        store.inner_mut().call_depth -= 1;
        Ok(())
    }

    /// Runs until the frames present at entry have returned.
    fn run(&mut self, store: &mut dyn EngineStore) -> Result<(), Trap> {
        let base = self.frames.len().saturating_sub(1);
        while self.frames.len() > base {
            if let Err(trap) = self.run_frame(store)
                && let Err(trap) = self.catch(store, trap)
            {
                weft_exec::executor::escape_error(store.inner_mut(), &trap);
                return Err(trap.with_backtrace(self.backtrace()));
            }
        }
        Ok(())
    }

    /// The wasm frames, innermost first.
    fn backtrace(&self) -> Vec<FrameInfo> {
        self.frames
            .iter()
            .rev()
            .map(|f| {
                let module = &f.instance.module;
                let d = &module.decoded;
                let defined = f.func_defined_index();
                let func_index = d.num_imported_functions + defined;
                FrameInfo {
                    func_index,
                    func_name: d.names().function(func_index).map(str::to_string),
                    module_name: d.names().module.clone(),
                    offset: f.code.offsets.get(f.pc).map(|o| *o as usize),
                }
            })
            .collect()
    }
}

impl Frame {
    /// The function's index among its module's defined functions.
    fn func_defined_index(&self) -> u32 {
        self.instance
            .funcs
            .iter()
            .position(|a| *a == self.func)
            .map_or(0, |i| (i as u32).saturating_sub(self.instance.module.decoded.num_imported_functions))
    }
}

#[cold]
fn stack_underflow() -> Trap {
    Trap::host("operand stack underflow (module not validated?)")
}
