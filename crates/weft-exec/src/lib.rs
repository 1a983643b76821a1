//! # weft-exec
//!
//! The interpreter core of weft: the store and its instances, instantiation
//! and linking, host functions, traps, fuel and limits, the numeric
//! semantics both engines share ([`numeric`]), and the reference engine
//! ([`reference`](mod@reference)).
//!
//! Most users want the `weft` crate, which re-exports this API.
//!
//! ```
//! use weft_exec::{Engine, Linker, Module, Store, Val};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module
//!     (import "env" "double" (func $double (param i32) (result i32)))
//!     (func (export "run") (param i32) (result i32)
//!         local.get 0
//!         call $double
//!         i32.const 1
//!         i32.add))"#)?;
//! let mut linker = Linker::new(&engine);
//! linker.func_wrap("env", "double", |x: i32| x * 2)?;
//! let mut store = Store::new(&engine, ());
//! let instance = linker.instantiate(&mut store, &module)?;
//! let run = instance.get_typed_func::<i32, i32, _>(&store, "run")?;
//! assert_eq!(run.call(&mut store, 20)?, 41);
//! # Ok::<(), weft_exec::Error>(())
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod engine;
mod exception;
pub mod executor;
mod externals;
mod func;
mod instance;
mod linker;
mod module;
pub mod numeric;
pub(crate) mod ops;
pub mod reference;
pub mod simd;
mod store;
mod threaded;
mod trap;
mod types;
mod value;

pub use engine::{Config, Engine, EngineKind};
pub use exception::{Exn, Thrown};
pub use externals::{Extern, Global, Memory, Table, Tag};
pub use func::{Caller, Func, HostResult, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmTy, WithCaller};
pub use instance::Instance;
pub use linker::Linker;
pub use module::Module;
pub use store::{AsContext, AsContextMut, InterruptHandle, ResourceLimiter, Store, StoreId, StoreLimits};
#[doc(hidden)]
pub use threaded::TranslationStats;
pub use trap::{Error, FrameInfo, LinkError, Result, Trap, TrapKind};
pub use value::{ExternRef, Val};
pub use weft_decode::{
    ExternKind, Features, FuncType, GlobalType, HeapType, ImportType, Limits, MemoryType, RefType, TableType, ValType,
};
