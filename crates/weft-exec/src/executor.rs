//! The engine seam: the one interface through which the runtime runs wasm.
//!
//! An [`Engine`](crate::Engine) holds two [`Executor`]s as trait objects:
//! the configured one and a fallback that runs any function. Every call
//! from the host into wasm ([`Func::call`](crate::Func::call), a start
//! function, a host function re-entering wasm) goes through [`invoke`],
//! which asks the configured executor to [`prepare`](Executor::prepare)
//! the function; if it declines, with a [`Decline`] saying why, the
//! function runs on the fallback. An executor that meets, while running, a
//! call to a function it declined hands it back to [`invoke`] too. So the
//! seam decides, and executors never call each other: neither engine crate
//! depends on the other, and this crate depends on neither.
//!
//! The seam is crossed at host↔wasm boundaries and fallbacks only; calls
//! between two functions an executor runs stay inside it.
//!
//! Executors are never generic over the store's host data type `T`: they
//! see the store as `&mut dyn EngineStore` — its untyped part
//! ([`StoreInner`]) plus the few operations that need `T` (calling a host
//! function, asking the resource limiter), which [`Store<T>`](crate::Store)
//! implements once per `T`.
//!
//! The types an executor works on — [`StoreInner`], [`ModuleInner`],
//! [`InstanceData`], the store's entities — are public for the engine
//! crates (`weft-reference`, `weft-threaded`), not for embedders: their
//! fields may change in any release.

pub use crate::exception::{
    ExnEntity, alloc as alloc_exn, escape as escape_exn, escape_error, pin as pin_exn, release as release_exn,
};
pub use crate::instance::InstanceData;
pub use crate::module::ModuleInner;
pub use crate::ops;
pub use crate::store::{
    DataEntity, ElemEntity, EngineStore, FuncEntity, GlobalEntity, MemoryEntity, StoreInner, Stored, TableEntity,
    TagEntity,
};
pub use crate::types::CanonType;

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::engine::Config;
use crate::trap::Trap;
use crate::value::Val;

/// Why an executor leaves a function to the fallback executor. Kept per
/// function ([`Module::fallbacks`](crate::Module::fallbacks)) and shown by
/// `weft inspect`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decline {
    /// The engine's configuration asks for deterministic NaNs, which the
    /// executor does not produce.
    DeterministicNans,
    /// The function was prepared under another fuel or interrupt setting
    /// than the store's engine has (a module shared between engines of
    /// different configurations), or by an engine without this executor.
    ConfigMismatch,
    /// An instruction the executor does not run (atomics, for one): its
    /// text mnemonic (`i32.atomic.load`).
    Instruction(&'static str),
    /// Exception handling in a function that also uses `v128` values.
    ExceptionsWithV128,
    /// A value of a type the executor's frames do not hold where the
    /// detail says (a `v128` in exception-handling code, a GC reference).
    ValueType(String),
    /// More locals, or a deeper operand stack, than a frame addresses.
    FrameTooLarge,
    /// A memory access the executor's ops do not encode (an offset beyond
    /// 32 bits on a 32-bit memory op).
    MemArg,
    /// The executor's own consistency check rejected its translation (a
    /// bug in the executor, caught before running: the function still runs
    /// correctly on the fallback). The detail says what failed.
    Internal(String),
}

impl fmt::Display for Decline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decline::DeterministicNans => f.write_str("deterministic NaNs are enabled"),
            Decline::ConfigMismatch => f.write_str("prepared under another fuel or interrupt configuration"),
            Decline::Instruction(name) => write!(f, "instruction {name}"),
            Decline::ExceptionsWithV128 => f.write_str("exception handling together with v128 values"),
            Decline::ValueType(place) => write!(f, "a value type frames do not hold in {place}"),
            Decline::FrameTooLarge => f.write_str("a frame larger than slots address"),
            Decline::MemArg => f.write_str("a memory offset the ops do not encode"),
            Decline::Internal(what) => write!(f, "translation check failed: {what}"),
        }
    }
}

/// An execution engine as the runtime sees it. Implemented by the
/// threaded engine (`weft-threaded`) and the reference engine
/// (`weft-reference`); the `weft` crate wires
/// [`EngineKind`](crate::EngineKind) to them.
///
/// The contract:
///
/// * [`prepare`](Executor::prepare) is cheap after its first call for a
///   function (executors cache what they prepared in their module state),
///   and gives the same answer for the same function and configuration;
/// * [`invoke`](Executor::invoke) is only called for functions `prepare`
///   accepted — except on the fallback executor, which must run every
///   function, host functions included;
/// * an executor counts its frames in `StoreInner::call_depth` and its
///   activations in `StoreInner::activations`, and leaves both as it
///   found them;
/// * a call to a function the executor declines goes back through
///   [`invoke`], never to another executor directly.
pub trait Executor: Send + Sync + fmt::Debug {
    /// The executor's name, for diagnostics (`"threaded"`, `"reference"`).
    fn name(&self) -> &'static str;

    /// The executor's per-module state (its translated code, filled
    /// lazily), made when a module is compiled for an engine with this
    /// executor. [`ModuleInner::state`] finds it again.
    fn module_state(&self, module: &weft_decode::Module) -> Box<dyn Any + Send + Sync>;

    /// Prepares defined function `defined` of `module` to run under
    /// `config` (translating it on first use), or says why this executor
    /// leaves it to the fallback.
    fn prepare(&self, module: &ModuleInner, defined: u32, config: &Config) -> Result<(), Decline>;

    /// Runs function `func` (a store address) with `args`, writing
    /// `results`. Argument types were checked by the caller.
    fn invoke(&self, store: &mut dyn EngineStore, func: u32, args: &[Val], results: &mut [Val]) -> Result<(), Trap>;
}

/// The executors of an engine.
#[derive(Debug, Clone)]
pub(crate) struct Executors {
    pub(crate) primary: Arc<dyn Executor>,
    pub(crate) fallback: Arc<dyn Executor>,
}

impl Executors {
    /// Each distinct executor once: the primary, then the fallback if it
    /// is another one.
    pub(crate) fn distinct(&self) -> impl Iterator<Item = &Arc<dyn Executor>> {
        let fallback = (!Arc::ptr_eq(&self.primary, &self.fallback)).then_some(&self.fallback);
        std::iter::once(&self.primary).chain(fallback)
    }
}

/// Runs function `func` (a store address) with `args`, writing `results`,
/// on the executor the seam picks: the engine's configured one if it
/// accepts the function, else the fallback (which also runs host
/// functions). Argument types were checked by the caller.
pub fn invoke(store: &mut dyn EngineStore, func: u32, args: &[Val], results: &mut [Val]) -> Result<(), Trap> {
    let inner = store.inner();
    let engine = &inner.engine;
    let Some(executors) = engine.executors() else {
        return Err(Trap::host(
            "this Engine has no executor: build it with weft::Engine::new, or Engine::with_executors",
        ));
    };
    let executor = match inner.funcs.get(func as usize) {
        Some(FuncEntity::Wasm { module, defined, .. })
            if executors.primary.prepare(module, *defined, engine.config()).is_ok() =>
        {
            executors.primary.clone()
        }
        Some(_) => executors.fallback.clone(),
        None => return Err(Trap::host("invalid function address")),
    };
    executor.invoke(store, func, args, results)
}

/// A function of a module that the engine's configured executor leaves to
/// the fallback, and why ([`Module::fallbacks`](crate::Module::fallbacks)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    /// The function's index in the module (imports first).
    pub func_index: u32,
    /// Its name from the name section, if any.
    pub name: Option<String>,
    /// Which executor runs it instead.
    pub executor: &'static str,
    /// Why.
    pub reason: Decline,
}
