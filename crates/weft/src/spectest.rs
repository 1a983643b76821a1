//! The `spectest` host module the official spec scripts import from
//! (the spec interpreter's `host/spectest.ml`): print functions that do
//! nothing, globals holding 666, a table and a memory.
//!
//! ```
//! use weft::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let mut store = Store::new(&engine, ());
//! let mut linker = Linker::new(&engine);
//! weft::spectest::define(&mut linker, &mut store)?;
//! let module = Module::new(&engine, r#"(module
//!     (import "spectest" "print_i32" (func (param i32)))
//!     (import "spectest" "global_i32" (global i32))
//!     (import "spectest" "memory" (memory 1)))"#)?;
//! linker.instantiate(&mut store, &module)?;
//! # Ok::<(), weft::Error>(())
//! ```

use crate::{
    Func, FuncType, Global, GlobalType, Limits, Linker, Memory, MemoryType, RefType, Result, Store, Table, TableType,
    Val, ValType,
};

/// Defines the `spectest` module in `linker`, allocating its table, memory
/// and globals in `store`:
///
/// * `print`, `print_i32`, `print_i64`, `print_f32`, `print_f64`,
///   `print_i32_f32`, `print_f64_f64` — functions that return nothing;
/// * `global_i32` = 666, `global_i64` = 666, `global_f32` = 666.6,
///   `global_f64` = 666.6 (immutable);
/// * `table`: `(table 10 20 funcref)`; `memory`: `(memory 1 2)`;
///   `shared_memory`: `(memory 1 2 shared)`.
pub fn define<T>(linker: &mut Linker<T>, store: &mut Store<T>) -> Result<()> {
    use ValType::{F32, F64, I32, I64};
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        let ty = FuncType::new(params.iter().copied(), []);
        let func = Func::new(&mut *store, ty, |_, _, _| Ok(()));
        linker.define("spectest", name, func)?;
    }
    let globals = [
        ("global_i32", I32, Val::I32(666)),
        ("global_i64", I64, Val::I64(666)),
        ("global_f32", F32, Val::f32(666.6)),
        ("global_f64", F64, Val::f64(666.6)),
    ];
    for (name, content, value) in globals {
        let global = Global::new(&mut *store, GlobalType { content, mutable: false }, value)?;
        linker.define("spectest", name, global)?;
    }
    let table_type = TableType { element: RefType::FUNCREF, limits: Limits { min: 10, max: Some(20) }, index64: false };
    let table = Table::new(&mut *store, table_type, Val::FuncRef(None))?;
    linker.define("spectest", "table", table)?;
    for (name, shared) in [("memory", false), ("shared_memory", true)] {
        let ty = MemoryType { limits: Limits { min: 1, max: Some(2) }, index64: false, shared, page_size_log2: None };
        let memory = Memory::new(&mut *store, ty)?;
        linker.define("spectest", name, memory)?;
    }
    Ok(())
}
