//! Module instances and instantiation (spec 4.5.4), step by step in the
//! spec's order:
//!
//! 1. check every import against its declared type ("incompatible import type");
//! 2. evaluate global and table initializers, allocate functions, tables,
//!    memories, globals, tags, element and data instances;
//! 3. for each active element segment, `table.init` then `elem.drop`
//!    (declarative segments are dropped too);
//! 4. for each active data segment, `memory.init` then `data.drop`;
//! 5. invoke the start function.
//!
//! A trap in 3–5 fails instantiation, but (as in the spec since 2.0) what was
//! already written to imported tables and memories stays written.

use std::sync::Arc;

use weft_decode::{
    DataMode, ElementItems, ElementMode, ExternKind, FuncType, ImportType, Limits, MemoryType, Operator, TableType,
};

use crate::externals::{Extern, Global, Memory, Table, Tag};
use crate::func::Func;
use crate::gc::{AnyRef, GcComposite};
use crate::memory::LinearMemory;
use crate::module::{Module, ModuleInner};
use crate::store::{DataEntity, ElemEntity, FuncEntity, GlobalEntity, MemoryEntity, Store, TableEntity, TagEntity};
use crate::trap::{Error, LinkError, Result, Trap, TrapKind};
use crate::value::{Val, ref_type_matches};

/// A module instance's index spaces, as store addresses (spec 4.2.5).
#[derive(Debug)]
pub struct InstanceData {
    /// Its module.
    pub module: Arc<ModuleInner>,
    /// The store address of each function index (imports first).
    pub funcs: Vec<u32>,
    /// The store address of each table index.
    pub tables: Vec<u32>,
    /// The store address of each memory index.
    pub memories: Vec<u32>,
    /// The store address of each global index.
    pub globals: Vec<u32>,
    #[allow(dead_code)]
    /// The store address of each tag index.
    pub tags: Vec<u32>,
    /// The store address of each element segment index.
    pub elems: Vec<u32>,
    /// The store address of each data segment index.
    pub datas: Vec<u32>,
    /// The exports, by name.
    pub exports: Vec<(String, Extern)>,
}

impl std::fmt::Debug for ModuleInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleInner").finish_non_exhaustive()
    }
}

/// An instantiated module.
#[derive(Debug, Clone)]
pub struct Instance {
    pub(crate) data: Arc<InstanceData>,
}

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import order.
    pub fn new<T>(store: &mut Store<T>, module: &Module, imports: &[Extern]) -> Result<Instance> {
        instantiate(store, module, imports)
    }

    /// The export called `name`.
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        self.data.exports.iter().find(|(n, _)| n == name).map(|(_, e)| *e)
    }

    /// All exports, in the module's order.
    pub fn exports(&self) -> impl Iterator<Item = (&str, &Extern)> {
        self.data.exports.iter().map(|(n, e)| (n.as_str(), e))
    }

    /// The exported function `name`.
    pub fn get_func(&self, name: &str) -> Option<Func> {
        self.get_export(name)?.into_func()
    }

    /// The exported memory `name`.
    pub fn get_memory(&self, name: &str) -> Option<Memory> {
        self.get_export(name)?.into_memory()
    }

    /// The exported global `name`.
    pub fn get_global(&self, name: &str) -> Option<Global> {
        self.get_export(name)?.into_global()
    }

    /// The exported table `name`.
    pub fn get_table(&self, name: &str) -> Option<Table> {
        self.get_export(name)?.into_table()
    }

    /// The exported function `name` with static types.
    pub fn get_typed_func<P: crate::func::WasmParams, R: crate::func::WasmResults, T>(
        &self,
        store: &Store<T>,
        name: &str,
    ) -> Result<crate::func::TypedFunc<P, R>> {
        let func = self.get_func(name).ok_or_else(|| Error::usage(format!("no exported function `{name}`")))?;
        func.typed(store)
    }

    /// The module this is an instance of.
    pub fn module(&self) -> Module {
        Module(self.data.module.clone())
    }
}

fn incompatible(module: &str, name: &str, reason: impl Into<String>) -> Error {
    Error::Link(LinkError::IncompatibleImportType {
        module: module.to_string(),
        name: name.to_string(),
        reason: reason.into(),
    })
}

/// Limits subtyping (spec 4.5.2 "limits"): at least as large, and a maximum
/// at least as tight.
fn limits_match(actual: Limits, expected: Limits) -> bool {
    actual.min >= expected.min
        && match (actual.max, expected.max) {
            (_, None) => true,
            (Some(a), Some(e)) => a <= e,
            (None, Some(_)) => false,
        }
}

fn table_type_matches(actual: &TableType, expected: &TableType) -> bool {
    actual.index64 == expected.index64
        && limits_match(actual.limits, expected.limits)
        && ref_type_matches(actual.element, expected.element)
        && ref_type_matches(expected.element, actual.element)
}

fn memory_type_matches(actual: &MemoryType, expected: &MemoryType) -> bool {
    actual.index64 == expected.index64
        && actual.shared == expected.shared
        && actual.page_size_log2() == expected.page_size_log2()
        && limits_match(actual.limits, expected.limits)
}

/// Checks one import (spec 4.5.2 "external typing" and "import matching").
fn check_import<T>(store: &Store<T>, module: &ModuleInner, index: usize, ext: &Extern) -> Result<()> {
    let import = &module.decoded.imports[index];
    let (m, n) = (import.module.as_str(), import.name.as_str());
    match (&import.ty, ext) {
        (ImportType::Func(ty), Extern::Func(f)) => {
            let expected = module.func_type(*ty).cloned().unwrap_or_default();
            let addr = store.check(f.0)?;
            let actual = store.inner.funcs[addr].ty();
            if !crate::gc::func_matches(&store.inner, addr as u32, module, *ty) {
                return Err(incompatible(m, n, format!("expected {expected}, found {actual}")));
            }
        }
        (ImportType::Table(expected), Extern::Table(t)) => {
            let actual = &store.inner.tables[store.check(t.0)?];
            let mut ty = actual.ty;
            ty.limits.min = actual.elements.len() as u64;
            if !table_type_matches(&ty, expected) {
                return Err(incompatible(m, n, "table types differ"));
            }
        }
        (ImportType::Memory(expected), Extern::Memory(mem)) => {
            let actual = &store.inner.memories[store.check(mem.0)?];
            let mut ty = actual.ty;
            ty.limits.min = actual.pages();
            if !memory_type_matches(&ty, expected) {
                return Err(incompatible(m, n, "memory types differ"));
            }
        }
        (ImportType::Global(expected), Extern::Global(g)) => {
            let actual = &store.inner.globals[store.check(g.0)?].ty;
            let content_ok = if expected.mutable {
                actual.content == expected.content
            } else {
                match (actual.content, expected.content) {
                    (weft_decode::ValType::Ref(a), weft_decode::ValType::Ref(e)) => ref_type_matches(a, e),
                    (a, e) => a == e,
                }
            };
            if actual.mutable != expected.mutable || !content_ok {
                return Err(incompatible(m, n, "global types differ"));
            }
        }
        (ImportType::Tag(expected), Extern::Tag(t)) => {
            let actual = &store.inner.tags[store.check(t.0)?];
            if actual.canon != module.canon_type(expected.type_index) {
                return Err(incompatible(m, n, "tag types differ"));
            }
        }
        (ty, ext) => {
            return Err(incompatible(m, n, format!("expected a {}, found a {}", ty.kind().name(), ext.kind().name())));
        }
    }
    Ok(())
}

/// What constant expressions can see (spec 4.5.4 "auxiliary module instance").
struct ConstEnv<'a> {
    funcs: &'a [u32],
    globals: &'a [u32],
}

/// Evaluates a constant expression (spec 3.3.11, 4.4.10).
fn eval_const<T>(
    store: &mut Store<T>,
    module: &ModuleInner,
    env: &ConstEnv<'_>,
    expr: &weft_decode::ConstExpr,
) -> Result<Val> {
    let mut stack: Vec<Val> = Vec::new();
    let mut ops = module.decoded.const_expr(expr);
    let bad = || Error::usage("unsupported constant expression");
    loop {
        let op = ops.read()?;
        let v = match op {
            Operator::End {} => break,
            Operator::I32Const { value } => Val::I32(value),
            Operator::I64Const { value } => Val::I64(value),
            Operator::F32Const { value } => Val::F32(value.0),
            Operator::F64Const { value } => Val::F64(value.0),
            Operator::V128Const { value } => Val::V128(u128::from_le_bytes(value.0)),
            Operator::RefNull { hty } => crate::gc::null_of(hty, &module.decoded.types),
            Operator::RefFunc { function_index } => {
                let addr = *env.funcs.get(function_index as usize).ok_or_else(bad)?;
                Val::FuncRef(Some(Func(store.stored(addr as usize))))
            }
            Operator::GlobalGet { global_index } => {
                let addr = *env.globals.get(global_index as usize).ok_or_else(bad)?;
                store.inner.globals.get(addr as usize).ok_or_else(bad)?.value
            }
            Operator::I32Add {} | Operator::I32Sub {} | Operator::I32Mul {} => {
                let (Some(Val::I32(b)), Some(Val::I32(a))) = (stack.pop(), stack.pop()) else { return Err(bad()) };
                Val::I32(match op {
                    Operator::I32Add {} => a.wrapping_add(b),
                    Operator::I32Sub {} => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            Operator::I64Add {} | Operator::I64Sub {} | Operator::I64Mul {} => {
                let (Some(Val::I64(b)), Some(Val::I64(a))) = (stack.pop(), stack.pop()) else { return Err(bad()) };
                Val::I64(match op {
                    Operator::I64Add {} => a.wrapping_add(b),
                    Operator::I64Sub {} => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            // ---- GC constant expressions (Wasm 3.0) ----
            Operator::RefI31 {} => {
                let Some(Val::I32(x)) = stack.pop() else { return Err(bad()) };
                Val::AnyRef(Some(AnyRef::i31(x)))
            }
            Operator::AnyConvertExtern {} => match stack.pop() {
                Some(Val::ExternRef(None)) => Val::AnyRef(None),
                Some(Val::ExternRef(Some(e))) => Val::AnyRef(Some(AnyRef::Host(e))),
                Some(Val::Externalized(a)) => Val::AnyRef(Some(a)),
                _ => return Err(bad()),
            },
            Operator::ExternConvertAny {} => match stack.pop() {
                Some(Val::AnyRef(None)) => Val::ExternRef(None),
                Some(Val::AnyRef(Some(AnyRef::Host(e)))) => Val::ExternRef(Some(e)),
                Some(Val::AnyRef(Some(a))) => Val::Externalized(a),
                _ => return Err(bad()),
            },
            Operator::StructNew { type_index } | Operator::StructNewDefault { type_index } => {
                let ty = module.gc_types.get(type_index as usize).ok_or_else(bad)?;
                let GcComposite::Struct { fields, .. } = &ty.composite else { return Err(bad()) };
                let values: Vec<Val> = if matches!(op, Operator::StructNew { .. }) {
                    let start = stack.len().checked_sub(fields.len()).ok_or_else(bad)?;
                    stack.split_off(start)
                } else {
                    fields.iter().map(|f| f.default).collect()
                };
                Val::AnyRef(Some(AnyRef::Object(crate::gc::alloc_struct(store, ty, &values, &[&stack, &values])?)))
            }
            Operator::ArrayNew { type_index }
            | Operator::ArrayNewDefault { type_index }
            | Operator::ArrayNewFixed { type_index, .. } => {
                let ty = module.gc_types.get(type_index as usize).ok_or_else(bad)?;
                let GcComposite::Array(elem) = ty.composite else { return Err(bad()) };
                let r = match op {
                    Operator::ArrayNewFixed { size, .. } => {
                        let start = stack.len().checked_sub(size as usize).ok_or_else(bad)?;
                        let values = stack.split_off(start);
                        crate::gc::alloc_array_of(store, ty, &values, &[&stack, &values])?
                    }
                    _ => {
                        let Some(Val::I32(n)) = stack.pop() else { return Err(bad()) };
                        let init = if matches!(op, Operator::ArrayNew { .. }) {
                            stack.pop().ok_or_else(bad)?
                        } else {
                            elem.default
                        };
                        crate::gc::alloc_array(store, ty, n as u32, init, &[&stack, &[init]])?
                    }
                };
                Val::AnyRef(Some(AnyRef::Object(r)))
            }
            _ => return Err(bad()),
        };
        stack.push(v);
    }
    stack.pop().ok_or_else(bad)
}

/// Allocates a memory after asking the store's limiter.
pub(crate) fn alloc_memory<T>(store: &mut Store<T>, ty: MemoryType) -> Result<u32> {
    let bytes = ty.limits.min.checked_shl(ty.page_size_log2()).filter(|b| *b >> ty.page_size_log2() == ty.limits.min);
    let bytes = bytes.and_then(|b| usize::try_from(b).ok()).ok_or_else(|| Error::usage("memory too large"))?;
    let max = ty.limits.max.and_then(|m| m.checked_shl(ty.page_size_log2())).and_then(|m| usize::try_from(m).ok());
    if !store.memory_may_grow(0, bytes, max) {
        return Err(Error::usage("memory size exceeds the store's limit"));
    }
    // Reserved and zeroed by the OS page by page on first touch: nothing
    // is written here, so a declared 4 GiB costs address space only.
    let data = LinearMemory::new(bytes, max).map_err(|_| Error::usage("memory allocation failed"))?;
    store.inner.memories.push(MemoryEntity { ty, data });
    Ok((store.inner.memories.len() - 1) as u32)
}

/// Allocates a table filled with `init` after asking the store's limiter.
pub(crate) fn alloc_table<T>(store: &mut Store<T>, ty: TableType, init: Val) -> Result<u32> {
    let len = usize::try_from(ty.limits.min).map_err(|_| Error::usage("table too large"))?;
    let max = ty.limits.max.and_then(|m| usize::try_from(m).ok());
    if !store.table_may_grow(0, len, max) {
        return Err(Error::usage("table size exceeds the store's limit"));
    }
    // Nothing is allocated per element until it is written
    // (`crate::table`).
    let elements = crate::table::TableElements::new(len, init);
    store.inner.tables.push(TableEntity { ty, elements });
    Ok((store.inner.tables.len() - 1) as u32)
}

/// Instantiates `module` with imports in the module's import order.
///
/// The GC heap does not collect while globals, tables and segments are
/// being built (their values are not roots until stored); it may again
/// when the start function runs.
pub(crate) fn instantiate<T>(store: &mut Store<T>, module: &Module, imports: &[Extern]) -> Result<Instance> {
    store.inner.gc.inhibit += 1;
    let r = allocate_and_initialize(store, module, imports);
    store.inner.gc.inhibit -= 1;
    let (instance, start) = r?;
    // 5. The start function.
    if let Some(addr) = start {
        Func(store.stored(addr as usize)).call(&mut *store, &[], &mut [])?;
    }
    Ok(instance)
}

/// Steps 1–4 of instantiation; returns the instance and the start
/// function's address.
fn allocate_and_initialize<T>(
    store: &mut Store<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<(Instance, Option<u32>)> {
    let m = &module.0;
    let d = &m.decoded;
    if imports.len() != d.imports.len() {
        return Err(Error::usage(format!("expected {} imports, got {}", d.imports.len(), imports.len())));
    }
    // 1. Import matching.
    for (i, ext) in imports.iter().enumerate() {
        check_import(store, m, i, ext)?;
    }
    let mut funcs = Vec::new();
    let mut tables = Vec::new();
    let mut memories = Vec::new();
    let mut globals = Vec::new();
    let mut tags = Vec::new();
    for ext in imports {
        // `check_import` verified every handle belongs to this store.
        match ext {
            Extern::Func(f) => funcs.push(f.0.index),
            Extern::Table(t) => tables.push(t.0.index),
            Extern::Memory(mem) => memories.push(mem.0.index),
            Extern::Global(g) => globals.push(g.0.index),
            Extern::Tag(t) => tags.push(t.0.index),
        }
    }
    // 2. Allocation. Defined functions get the next function addresses.
    let first_func = store.inner.funcs.len() as u32;
    funcs.extend((0..d.functions.len() as u32).map(|i| first_func + i));
    for global in &d.globals {
        let value = eval_const(store, m, &ConstEnv { funcs: &funcs, globals: &globals }, &global.init)?;
        store.inner.globals.push(GlobalEntity { ty: global.ty, value });
        globals.push((store.inner.globals.len() - 1) as u32);
    }
    for table in &d.tables {
        let init = match &table.init {
            Some(e) => eval_const(store, m, &ConstEnv { funcs: &funcs, globals: &globals }, e)?,
            None => crate::gc::null_of(table.ty.element.heap, &d.types),
        };
        tables.push(alloc_table(store, table.ty, init)?);
    }
    for ty in &d.memories {
        memories.push(alloc_memory(store, *ty)?);
    }
    for tag in &d.tags {
        let func_type = m.func_type(tag.type_index).cloned().unwrap_or_default();
        let canon = m.canon_type(tag.type_index);
        store.inner.tags.push(TagEntity { ty: *tag, func_type, canon });
        tags.push((store.inner.tags.len() - 1) as u32);
    }
    let mut elems = Vec::new();
    for elem in &d.elements {
        let env = ConstEnv { funcs: &funcs, globals: &globals };
        let items = match &elem.items {
            ElementItems::Functions(indices) => indices
                .iter()
                .map(|i| {
                    let addr = funcs.get(*i as usize).copied().ok_or_else(|| Error::usage("bad function index"))?;
                    Ok(Val::FuncRef(Some(Func(store.stored(addr as usize)))))
                })
                .collect::<Result<Vec<_>>>()?,
            ElementItems::Expressions(exprs) => {
                exprs.iter().map(|e| eval_const(store, m, &env, e)).collect::<Result<Vec<_>>>()?
            }
        };
        store.inner.elems.push(ElemEntity { ty: elem.ty, items });
        elems.push((store.inner.elems.len() - 1) as u32);
    }
    let mut datas = Vec::new();
    for data in &d.data {
        // An active segment is written from the module's bytes and then
        // dropped (step 4 below): only a passive one keeps a copy.
        let bytes = match data.mode {
            DataMode::Passive => d.data_bytes(data).to_vec(),
            DataMode::Active { .. } => Vec::new(),
        };
        store.inner.datas.push(DataEntity { bytes });
        datas.push((store.inner.datas.len() - 1) as u32);
    }
    let exports = d
        .exports
        .iter()
        .map(|e| {
            let space = match e.kind {
                ExternKind::Func => &funcs,
                ExternKind::Table => &tables,
                ExternKind::Memory => &memories,
                ExternKind::Global => &globals,
                ExternKind::Tag => &tags,
            };
            let index = *space.get(e.index as usize).ok_or_else(|| Error::usage("export index out of range"))?;
            let s = store.stored(index as usize);
            let ext = match e.kind {
                ExternKind::Func => Extern::Func(Func(s)),
                ExternKind::Table => Extern::Table(Table(s)),
                ExternKind::Memory => Extern::Memory(Memory(s)),
                ExternKind::Global => Extern::Global(Global(s)),
                ExternKind::Tag => Extern::Tag(Tag(s)),
            };
            Ok((e.name.clone(), ext))
        })
        .collect::<Result<Vec<_>>>()?;
    let data =
        Arc::new(InstanceData { module: m.clone(), funcs, tables, memories, globals, tags, elems, datas, exports });
    for (i, &ty) in d.functions.iter().enumerate() {
        let ty = m.func_type(ty).cloned().unwrap_or_else(FuncType::default);
        let canon = m.canon_type(d.functions[i]);
        store.inner.funcs.push(FuncEntity::Wasm {
            ty,
            canon,
            instance: data.clone(),
            module: m.clone(),
            defined: i as u32,
        });
    }
    let instance = Instance { data: data.clone() };

    // 3. Element segments.
    for (i, elem) in d.elements.iter().enumerate() {
        match &elem.mode {
            ElementMode::Active { table, offset } => {
                let env = ConstEnv { funcs: &data.funcs, globals: &data.globals };
                let offset = const_index(eval_const(store, m, &env, offset)?);
                let n = elem.items.len() as u64;
                crate::ops::table_init(&mut store.inner, &data, *table, i as u32, offset, 0, n)
                    .map_err(|k| Error::Trap(Trap::new(k)))?;
                store.inner.elems[data.elems[i] as usize].items = Vec::new();
            }
            ElementMode::Declared => store.inner.elems[data.elems[i] as usize].items = Vec::new(),
            ElementMode::Passive => {}
        }
    }
    // 4. Data segments.
    for seg in &d.data {
        if let DataMode::Active { memory, offset } = &seg.mode {
            let env = ConstEnv { funcs: &data.funcs, globals: &data.globals };
            let offset = const_index(eval_const(store, m, &env, offset)?);
            // `memory.init` then `data.drop`, straight from the module's
            // bytes (the segment's entity holds no copy: above).
            let bytes = d.data_bytes(seg);
            let oob = || Error::Trap(Trap::new(TrapKind::MemoryOutOfBounds));
            let addr = *data.memories.get(*memory as usize).ok_or_else(oob)? as usize;
            let mem = store.inner.memories.get_mut(addr).ok_or_else(oob)?;
            let to = crate::ops::range_in(offset, bytes.len() as u64, mem.data.len()).ok_or_else(oob)?;
            mem.data[to].copy_from_slice(bytes);
        }
    }
    let start = match d.start {
        Some(start) => Some(*data.funcs.get(start as usize).ok_or_else(|| Error::usage("start index out of range"))?),
        None => None,
    };
    Ok((instance, start))
}

/// An offset from a constant expression: `i32` offsets are unsigned, `i64`
/// (memory64) offsets are taken as they are.
fn const_index(v: Val) -> u64 {
    match v {
        Val::I32(x) => u64::from(x as u32),
        Val::I64(x) => x as u64,
        _ => u64::MAX,
    }
}

impl From<TrapKind> for Error {
    fn from(kind: TrapKind) -> Self {
        Error::Trap(Trap::new(kind))
    }
}

/// The instance's index spaces by index, exported or not: what a debugger
/// shows (`weft studio` lists every global and views memory 0).
impl Instance {
    /// Global `index` of the module's global index space (imports first);
    /// `None` if there is no such global. An error if `store` is not the
    /// instance's store (or, for an instance that defines no function, if
    /// that cannot be checked).
    pub fn global_by_index(&self, store: impl crate::store::AsContext, index: u32) -> Result<Option<Global>> {
        let store = store.as_context();
        self.check_store(store)?;
        Ok(self.data.globals.get(index as usize).map(|&a| Global(store.stored(a as usize))))
    }

    /// Memory `index` of the module's memory index space (imports first);
    /// `None` if there is no such memory. Errors as
    /// [`Instance::global_by_index`].
    pub fn memory_by_index(&self, store: impl crate::store::AsContext, index: u32) -> Result<Option<Memory>> {
        let store = store.as_context();
        self.check_store(store)?;
        Ok(self.data.memories.get(index as usize).map(|&a| Memory(store.stored(a as usize))))
    }

    /// Checks that `store` holds this instance: its defined functions point
    /// back at it.
    fn check_store<T>(&self, store: &Store<T>) -> Result<()> {
        let owned = self.data.funcs.iter().any(|&a| {
            matches!(store.inner.funcs.get(a as usize),
                Some(FuncEntity::Wasm { instance, .. }) if Arc::ptr_eq(instance, &self.data))
        });
        if owned { Ok(()) } else { Err(Error::usage("instance used with the wrong store")) }
    }
}
