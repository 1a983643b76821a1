//! The `spectest` host module every spec script may import (its definition
//! is in the testsuite's `imports.wast` and the spec interpreter's
//! `spectest.ml`).

use weft::{
    Engine, Global, GlobalType, Limits, Linker, Memory, MemoryType, RefType, Result, Store, Table, TableType, Val,
    ValType,
};

/// Defines `spectest` in `linker`, allocating its objects in `store`.
pub fn define(linker: &mut Linker<()>, store: &mut Store<()>, _engine: &Engine) -> Result<()> {
    linker.func_wrap("spectest", "print", || {})?;
    linker.func_wrap("spectest", "print_i32", |_: i32| {})?;
    linker.func_wrap("spectest", "print_i64", |_: i64| {})?;
    linker.func_wrap("spectest", "print_f32", |_: f32| {})?;
    linker.func_wrap("spectest", "print_f64", |_: f64| {})?;
    linker.func_wrap("spectest", "print_i32_f32", |_: i32, _: f32| {})?;
    linker.func_wrap("spectest", "print_f64_f64", |_: f64, _: f64| {})?;
    let globals = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::f32(666.6)),
        ("global_f64", ValType::F64, Val::f64(666.6)),
    ];
    for (name, content, value) in globals {
        let global = Global::new(&mut *store, GlobalType { content, mutable: false }, value)?;
        linker.define("spectest", name, global)?;
    }
    let table_ty =
        |index64| TableType { element: RefType::FUNCREF, limits: Limits { min: 10, max: Some(20) }, index64 };
    let table = Table::new(&mut *store, table_ty(false), Val::FuncRef(None))?;
    linker.define("spectest", "table", table)?;
    let table64 = Table::new(&mut *store, table_ty(true), Val::FuncRef(None))?;
    linker.define("spectest", "table64", table64)?;
    let memory_ty =
        MemoryType { limits: Limits { min: 1, max: Some(2) }, index64: false, shared: false, page_size_log2: None };
    let memory = Memory::new(&mut *store, memory_ty)?;
    linker.define("spectest", "memory", memory)?;
    Ok(())
}
