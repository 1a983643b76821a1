//! # weft-exec
//!
//! The runtime of weft: the store and its instances, instantiation and
//! linking, host functions, memories, tables, globals and tags with their
//! operations, values, traps and exceptions, fuel and limits, the numeric
//! and SIMD semantics both engines share ([`numeric`], [`simd`]), and the
//! **engine seam** ([`executor`]): the one interface through which the
//! runtime runs wasm on an [`Executor`](executor::Executor).
//!
//! This crate holds no interpreter. The threaded engine (`weft-threaded`)
//! and the reference engine (`weft-reference`) implement the seam and
//! depend on this crate; it depends on neither. Most users want the `weft`
//! crate, whose `Engine::new` wires [`EngineKind`] to them and which
//! re-exports this API. An [`Engine`] made here with [`Engine::new`] has
//! no executor: everything but running wasm works.
//!
//! ```
//! use weft_exec::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module
//!     (import "env" "double" (func $double (param i32) (result i32)))
//!     (func (export "run") (param i32) (result i32)
//!         local.get 0
//!         call $double))"#)?;
//! let mut linker = Linker::new(&engine);
//! linker.func_wrap("env", "double", |x: i32| x * 2)?;
//! let mut store = Store::new(&engine, ());
//! let instance = linker.instantiate(&mut store, &module)?;
//! let run = instance.get_typed_func::<i32, i32, _>(&store, "run")?;
//! let err = run.call(&mut store, 20).unwrap_err();
//! assert!(err.to_string().contains("no executor"), "{err}");
//! # Ok::<(), weft_exec::Error>(())
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod engine;
mod exception;
pub mod executor;
mod externals;
mod func;
pub mod gc;
mod instance;
mod linker;
pub mod memory;
mod module;
pub mod numeric;
#[doc(hidden)]
pub mod ops;
pub mod simd;
mod store;
pub mod table;
mod trap;
mod types;
mod value;

pub use engine::{Config, Engine, EngineKind};
pub use exception::{Exn, Thrown};
pub use externals::{Extern, Global, Memory, Table, Tag};
pub use func::{Caller, Func, HostResult, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmTy, WithCaller};
pub use gc::{AnyRef, GcRef, GcStats, Rooted};
pub use instance::Instance;
pub use linker::Linker;
pub use module::{CompileTimings, Module};
pub use store::{
    AsContext, AsContextMut, DEFAULT_MAX_GC_HEAP_BYTES, InterruptHandle, ResourceLimiter, Store, StoreId, StoreLimits,
};
pub use trap::{Error, FrameInfo, LinkError, Result, Trap, TrapKind};
pub use value::{ExternRef, Val};
pub use weft_decode::{
    ExternKind, Features, FuncType, GlobalType, HeapType, ImportType, Limits, MemoryType, RefType, TableType, ValType,
};
