//! # weft
//!
//! A WebAssembly runtime written from scratch in Rust: its own decoder,
//! validator and interpreters. This crate is the embedding API, shaped like
//! wasmtime's and wasmi's:
//!
//! * an [`Engine`] configured by a [`Config`] (which interpreter, which
//!   features, fuel, call-depth limit);
//! * a [`Module`], compiled from binary or text (`.wat`) with
//!   [`Module::new`] — decoded, then validated;
//! * a [`Store<T>`] owning every runtime object, plus your host data `T`;
//! * a [`Linker<T>`] resolving imports to host closures
//!   ([`Linker::func_wrap`], [`Linker::func_new`]) or other instances'
//!   exports ([`Linker::instance`]);
//! * an [`Instance`] with its exports: [`Func`]/[`TypedFunc`], [`Memory`],
//!   [`Table`], [`Global`];
//! * errors as one [`Error`] enum whose variants follow the spec's phases —
//!   [`Error::Decode`] (malformed), [`Error::Validation`] (invalid),
//!   [`Error::Link`] (unlinkable), [`Error::Trap`] — and a [`Trap`] carries a
//!   [`TrapKind`] and a wasm backtrace with names from the name section.
//!
//! ## Hello, world
//!
//! The browser's hello world: the module imports `env.log` (think
//! `console.log`: a pointer and a length into the module's memory) and
//! `env.alert`; the host provides both as closures that read the guest's
//! memory through their [`Caller`].
//!
//! ```
//! use weft::{Caller, Engine, Linker, Module, Store};
//!
//! /// Reads `len` bytes at `ptr` from the caller's exported memory.
//! fn read_string(caller: &Caller<'_, Vec<String>>, ptr: i32, len: i32) -> Result<String, weft::Trap> {
//!     let memory = caller
//!         .get_export("memory")
//!         .and_then(|e| e.into_memory())
//!         .ok_or_else(|| weft::Trap::host("no exported memory"))?;
//!     let mut buf = vec![0; len as u32 as usize];
//!     memory.read(caller, ptr as u32 as usize, &mut buf).map_err(|e| weft::Trap::host(e.to_string()))?;
//!     String::from_utf8(buf).map_err(|e| weft::Trap::host(e.to_string()))
//! }
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, include_str!("../../../examples/hello.wat"))?;
//!
//! let mut linker = Linker::new(&engine);
//! linker.func_wrap("env", "log", |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| {
//!     let text = read_string(&caller, ptr, len)?;
//!     caller.data_mut().push(format!("log: {text}"));
//!     Ok(())
//! })?;
//! linker.func_wrap("env", "alert", |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| {
//!     let text = read_string(&caller, ptr, len)?;
//!     caller.data_mut().push(format!("alert: {text}"));
//!     Ok(())
//! })?;
//!
//! let mut store = Store::new(&engine, Vec::new());
//! let instance = linker.instantiate(&mut store, &module)?;
//! let main = instance.get_typed_func::<(), (), _>(&store, "main")?;
//! main.call(&mut store, ())?;
//! assert_eq!(store.data(), &["log: Hello, World!", "alert: weft says hi"]);
//! # Ok::<(), weft::Error>(())
//! ```
//!
//! ## Traps and limits
//!
//! A trap is an [`Error::Trap`]; its [`Trap::kind`] says why (texts are the
//! spec testsuite's) and its backtrace names the wasm functions, innermost
//! first. [`Config`] bounds what a guest can take: call depth (wasm calls
//! never recurse on the native stack), host re-entry depth, value-stack
//! size, fuel, and — through [`Store::limiter`] — memory and table growth.
//! With [`Config::interruptible`], another thread stops runaway wasm
//! through the store's [`InterruptHandle`] ([`Store::interrupt_handle`]):
//! the call traps with [`TrapKind::Interrupted`].
//!
//! ```
//! use weft::{Config, Engine, Linker, Module, Store, TrapKind};
//!
//! let mut config = Config::default();
//! config.consume_fuel(10_000);
//! let engine = Engine::new(&config);
//! let module = Module::new(&engine, r#"(module
//!     (func $spin (loop (br 0)))
//!     (func $div (export "div") (param i32) (result i32)
//!         (i32.div_u (i32.const 1) (local.get 0)))
//!     (func (export "spin") call $spin))"#)?;
//! let mut store = Store::new(&engine, ());
//! let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
//!
//! let div = instance.get_typed_func::<i32, i32, _>(&store, "div")?;
//! let err = div.call(&mut store, 0).unwrap_err();
//! assert_eq!(err.message(), "integer divide by zero");
//! let trap = err.as_trap().unwrap();
//! assert_eq!(trap.backtrace()[0].func_name.as_deref(), Some("div"));
//!
//! let spin = instance.get_typed_func::<(), (), _>(&store, "spin")?;
//! let err = spin.call(&mut store, ()).unwrap_err();
//! assert_eq!(err.as_trap().unwrap().kind(), &TrapKind::OutOfFuel);
//! # Ok::<(), weft::Error>(())
//! ```
//!
//! ## Watching execution
//!
//! A [`Stepper`] runs one call on the reference engine one instruction at a
//! time. Between steps it shows the spec's machine state: the operand
//! stack ([`Stepper::operand_stack`]), the frames with their locals and
//! next instruction ([`Stepper::frames`], innermost first) and each frame's
//! labels ([`Stepper::labels`]: kind, arity, continuation). `weft trace`
//! is built on it; `cargo run -p weft --example step` is a small trace.
//!
//! ```
//! use weft::{Engine, Linker, Module, Step, Stepper, Store, Val};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module
//!     (func (export "add1") (param i32) (result i32)
//!         (i32.add (local.get 0) (i32.const 1))))"#)?;
//! let mut store = Store::new(&engine, ());
//! let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
//! let add1 = instance.get_func("add1").unwrap();
//!
//! let mut stepper = Stepper::new(&mut store, add1, &[Val::I32(41)])?;
//! let mut seen = Vec::new();
//! while let Some(frame) = stepper.frames().first() {
//!     seen.push(format!("{:<11} {:?}", frame.next_text, stepper.operand_stack()));
//!     if let Step::Finished(results) = stepper.step(&mut store)? {
//!         assert_eq!(results, [Val::I32(42)]);
//!     }
//! }
//! assert_eq!(seen, [
//!     "local.get 0 []",
//!     "i32.const 1 [I32(41)]",
//!     "i32.add     [I32(41), I32(1)]",
//!     "end         [I32(42)]",
//! ]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Engines
//!
//! [`EngineKind::Reference`] is the readable interpreter shaped like the
//! spec's execution chapter (crate `weft-reference`).
//! [`EngineKind::Threaded`], the default, is the fast interpreter (crate
//! `weft-threaded`): each function is translated on its first call into
//! register-style code. The functions it declines (atomics, exception
//! handling inside `v128` code, modules with GC types) run on the
//! reference interpreter, and so does every call when deterministic NaNs
//! are enabled; [`Module::fallbacks`] lists them with the reason, and
//! `weft inspect` prints it. Both engines share the store, so the choice
//! never changes results. The runtime (`weft-exec`) runs wasm only through
//! its engine seam; [`Engine::new`] is where the two engines are wired to it.
#![deny(unsafe_code)]
#![warn(missing_docs)]

use std::sync::Arc;

use weft_exec::executor::Executor;

pub use weft_exec::{
    AnyRef, AsContext, AsContextMut, Caller, CompileTimings, Config, DEFAULT_MAX_GC_HEAP_BYTES, EngineKind, Error, Exn,
    Extern, ExternKind, ExternRef, Features, FrameInfo, Func, FuncType, GcRef, GcStats, Global, GlobalType, HeapType,
    HostResult, ImportType, Instance, InterruptHandle, IntoFunc, Limits, LinkError, Linker, Memory, MemoryType, Module,
    RefType, ResourceLimiter, Result, Rooted, Store, StoreLimits, Table, TableType, Tag, Thrown, Trap, TrapKind,
    TypedFunc, Val, ValType, WasmParams, WasmResults, WasmTy, WithCaller,
};

/// The decoder's error (a malformed module), with the spec's text and offset.
pub use weft_decode::DecodeError;
/// The validator's error (an invalid module), with the spec's text and offset.
pub use weft_validate::ValidationError;

pub mod spectest;

/// Running a call one instruction at a time on the reference engine, with
/// the spec's machine state (operand stack, frames, labels) visible between
/// instructions: what `weft trace` is built on.
pub use weft_reference::{FrameState, HeapObject, LabelState, Step, Stepper};

/// Why the threaded engine leaves a function to the reference engine, and
/// which functions it does ([`Module::fallbacks`]): the engine seam's
/// record, shown by `weft inspect`.
pub use weft_exec::executor::{Decline, Fallback};

/// A configured execution engine; cheap to clone, shared by modules and
/// stores.
///
/// [`Engine::new`] wires [`Config::kind`] to the interpreters: the
/// threaded engine (`weft-threaded`) for [`EngineKind::Threaded`], with the
/// reference engine (`weft-reference`) as the fallback for the functions
/// it declines, or the reference engine alone for
/// [`EngineKind::Reference`]. It dereferences to the runtime's engine,
/// which every API taking `&Engine` accepts.
#[derive(Debug, Clone)]
pub struct Engine(weft_exec::Engine);

impl Engine {
    /// An engine with `config`.
    pub fn new(config: &Config) -> Engine {
        let reference: Arc<dyn Executor> = Arc::new(weft_reference::ReferenceExecutor);
        let executor: Arc<dyn Executor> = match config.kind {
            EngineKind::Threaded => Arc::new(weft_threaded::ThreadedExecutor),
            EngineKind::Reference => reference.clone(),
        };
        Engine(weft_exec::Engine::with_executors(config, executor, reference))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.0.config()
    }
}

impl Default for Engine {
    /// The threaded engine with the default configuration.
    fn default() -> Self {
        Engine::new(&Config::default())
    }
}

impl std::ops::Deref for Engine {
    type Target = weft_exec::Engine;
    fn deref(&self) -> &weft_exec::Engine {
        &self.0
    }
}

impl AsRef<weft_exec::Engine> for Engine {
    fn as_ref(&self) -> &weft_exec::Engine {
        &self.0
    }
}

impl From<Engine> for weft_exec::Engine {
    fn from(engine: Engine) -> Self {
        engine.0
    }
}

/// The layers below the embedding API, for tools that need them.
pub mod raw {
    pub use weft_decode as decode;
    pub use weft_exec as exec;
    pub use weft_reference as reference;
    pub use weft_threaded as threaded;
    pub use weft_validate as validate;
}
