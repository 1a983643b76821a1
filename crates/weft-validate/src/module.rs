//! Module-level validation (spec 3.4): the context `C` of a module, built
//! section by section, and the rules for imports, functions, tables,
//! memories, tags, globals, exports, the start function and segments.
//!
//! Conventions: `C` is [`ModuleContext`]; `x` an index into one of its index
//! spaces (imports first, then definitions, as in the spec).

use std::collections::HashSet;

use weft_decode::{
    DataMode, ElementItems, ElementMode, ExternKind, FuncType, GlobalType, ImportType, MemoryType, Module, RefType,
    TableType, ValType,
};

use crate::limits::{self, check_memory_type, check_table_limits};
use crate::types::{TypeContext, require};
use crate::{Error, ValidationError, err};

/// The context `C` of the spec: every index space with its types.
pub(crate) struct ModuleContext<'m> {
    /// The module being validated.
    pub(crate) module: &'m Module,
    /// `C.types`, with equivalence and subtyping.
    pub(crate) types: TypeContext<'m>,
    /// `C.tables`.
    pub(crate) tables: Vec<TableType>,
    /// `C.mems`.
    pub(crate) memories: Vec<MemoryType>,
    /// `C.globals`.
    pub(crate) globals: Vec<GlobalType>,
    /// `C.tags`, as type indices of function types.
    pub(crate) tags: Vec<u32>,
    /// `C.elems`: the reference type of each element segment.
    pub(crate) elems: Vec<RefType>,
    /// `C.refs`: functions that `ref.func` may name in function bodies.
    declared: Vec<bool>,
}

/// Where section `id` starts, for errors about its entries.
fn section_offset(module: &Module, id: u8) -> usize {
    module.sections.iter().find(|s| s.id == id).map_or(0, |s| s.range.start)
}

impl<'m> ModuleContext<'m> {
    /// Validates everything but the function bodies and builds `C`.
    pub(crate) fn new(module: &'m Module) -> Result<Self, Error> {
        let features = module.features();
        let types = TypeContext::new(module, section_offset(module, 1))?;
        let mut c = ModuleContext {
            module,
            types,
            tables: Vec::new(),
            memories: Vec::new(),
            globals: Vec::new(),
            tags: Vec::new(),
            elems: Vec::new(),
            declared: vec![false; module.function_types.len().min(limits::MAX_FUNCTIONS + 1)],
        };

        // Imports (spec 3.4.7).
        let at = section_offset(module, 2);
        if module.imports.len() > limits::MAX_IMPORTS {
            return Err(err("too many imports", at).into());
        }
        for import in &module.imports {
            match import.ty {
                ImportType::Func(x) => {
                    c.types.func_type(x, at)?;
                }
                ImportType::Table(tt) => {
                    c.check_table_type(&tt, at)?;
                    c.tables.push(tt);
                }
                ImportType::Memory(mt) => {
                    check_memory_type(&mt, at)?;
                    c.memories.push(mt);
                }
                ImportType::Global(gt) => {
                    c.types.check_val_type(gt.content, at)?;
                    if gt.mutable {
                        require(features.mutable_global, "mutable global", at)?;
                    }
                    c.globals.push(gt);
                }
                ImportType::Tag(tt) => {
                    c.check_tag_type(tt.type_index, at)?;
                    c.tags.push(tt.type_index);
                }
            }
        }

        // Functions (spec 3.4.1): only their types here, bodies later.
        let at = section_offset(module, 3);
        if module.function_types.len() > limits::MAX_FUNCTIONS {
            return Err(err("too many functions", at).into());
        }
        for &x in &module.functions {
            c.types.func_type(x, at)?;
        }

        // Tables (spec 3.4.2): initializers see the imported globals only.
        let at = section_offset(module, 4);
        for table in &module.tables {
            c.check_table_type(&table.ty, at)?;
            match &table.init {
                Some(init) => {
                    require(features.function_references, "typed function references", at)?;
                    c.check_const_expr(init, ValType::Ref(table.ty.element), module.num_imported_globals as usize)?;
                }
                None if !table.ty.element.nullable => {
                    return Err(
                        err("type mismatch: a table of non-nullable references needs an initializer", at).into()
                    );
                }
                None => {}
            }
            c.tables.push(table.ty);
        }
        if c.tables.len() > 1 && !features.reference_types {
            return Err(err("multiple tables", at).into());
        }
        if c.tables.len() > limits::MAX_TABLES {
            return Err(err("too many tables", at).into());
        }

        // Memories (spec 3.4.3).
        let at = section_offset(module, 5);
        for mt in &module.memories {
            check_memory_type(mt, at)?;
            c.memories.push(*mt);
        }
        if c.memories.len() > 1 && !features.multi_memory {
            return Err(err("multiple memories", at).into());
        }
        if c.memories.len() > limits::MAX_MEMORIES {
            return Err(err("too many memories", at).into());
        }

        // Tags (exception handling).
        let at = section_offset(module, 13);
        for tt in &module.tags {
            c.check_tag_type(tt.type_index, at)?;
            c.tags.push(tt.type_index);
        }
        if c.tags.len() > limits::MAX_TAGS {
            return Err(err("too many tags", at).into());
        }

        // Globals (spec 3.4.4): each initializer sees the imported globals,
        // and with typed function references also the globals before it.
        let at = section_offset(module, 6);
        if module.globals.len() + c.globals.len() > limits::MAX_GLOBALS {
            return Err(err("too many globals", at).into());
        }
        for global in &module.globals {
            let at = global.init.range.start;
            c.types.check_val_type(global.ty.content, at)?;
            let visible = if features.function_references || features.gc {
                c.globals.len()
            } else {
                module.num_imported_globals as usize
            };
            c.check_const_expr(&global.init, global.ty.content, visible)?;
            c.globals.push(global.ty);
        }

        // Exports (spec 3.4.8, 3.4.10: names are unique).
        let at = section_offset(module, 7);
        if module.exports.len() > limits::MAX_EXPORTS {
            return Err(err("too many exports", at).into());
        }
        let mut names = HashSet::with_capacity(module.exports.len());
        for export in &module.exports {
            if !names.insert(export.name.as_str()) {
                return Err(err("duplicate export name", at).into());
            }
            let x = export.index;
            let (len, what) = match export.kind {
                ExternKind::Func => (c.declared.len(), "function"),
                ExternKind::Table => (c.tables.len(), "table"),
                ExternKind::Memory => (c.memories.len(), "memory"),
                ExternKind::Global => (c.globals.len(), "global"),
                ExternKind::Tag => (c.tags.len(), "tag"),
            };
            if x as usize >= len {
                return Err(err(format!("unknown {what} {x}"), at).into());
            }
            match export.kind {
                ExternKind::Func => c.declare_func(x),
                ExternKind::Global if c.globals[x as usize].mutable => {
                    require(features.mutable_global, "mutable global", at)?;
                }
                _ => {}
            }
        }

        // The start function (spec 3.4.9).
        if let Some(x) = module.start {
            let at = section_offset(module, 8);
            let ty = c.func_type_of(x, at)?;
            if !ty.params().is_empty() || !ty.results().is_empty() {
                return Err(err("start function must have type [] -> []", at).into());
            }
        }

        // Element segments (spec 3.4.5).
        let at = section_offset(module, 9);
        if module.elements.len() > limits::MAX_ELEMENT_SEGMENTS {
            return Err(err("too many element segments", at).into());
        }
        let all_globals = c.globals.len();
        for elem in &module.elements {
            let at = elem.offset;
            match &elem.items {
                ElementItems::Functions(funcs) => {
                    for &f in funcs {
                        if f as usize >= c.declared.len() {
                            return Err(err(format!("unknown function {f}"), at).into());
                        }
                        c.declare_func(f);
                    }
                }
                ElementItems::Expressions(exprs) => {
                    // Segments of expressions came with bulk memory and
                    // reference types.
                    require(features.reference_types || features.bulk_memory, "reference types", at)?;
                    c.types.check_ref_type(elem.ty, at)?;
                    for expr in exprs {
                        c.check_const_expr(expr, ValType::Ref(elem.ty), all_globals)?;
                    }
                }
            }
            match &elem.mode {
                ElementMode::Active { table, offset } => {
                    let Some(tt) = c.tables.get(*table as usize).copied() else {
                        return Err(err(format!("unknown table {table}"), at).into());
                    };
                    c.check_const_expr(offset, index_type(tt.index64), all_globals)?;
                    if !c.types.ref_subtype(elem.ty, tt.element) {
                        return Err(err("type mismatch", at).into());
                    }
                }
                ElementMode::Passive | ElementMode::Declared => {
                    require(features.bulk_memory || features.reference_types, "bulk memory", at)?;
                }
            }
            c.elems.push(elem.ty);
        }

        // Data segments (spec 3.4.6).
        let at = section_offset(module, 11);
        if module.data.len() > limits::MAX_DATA_SEGMENTS {
            return Err(err("too many data segments", at).into());
        }
        for data in &module.data {
            match &data.mode {
                DataMode::Active { memory, offset } => {
                    let Some(mt) = c.memories.get(*memory as usize).copied() else {
                        return Err(err(format!("unknown memory {memory}"), at).into());
                    };
                    c.check_const_expr(offset, index_type(mt.index64), all_globals)?;
                }
                DataMode::Passive => require(features.bulk_memory, "bulk memory", at)?,
            }
        }
        Ok(c)
    }

    fn check_table_type(&self, tt: &TableType, at: usize) -> Result<(), ValidationError> {
        // `funcref` tables are WebAssembly 1.0; other element types need
        // their features.
        if tt.element != RefType::FUNCREF {
            self.types.check_ref_type(tt.element, at)?;
        }
        check_table_limits(tt, at)
    }

    fn check_tag_type(&self, x: u32, at: usize) -> Result<(), ValidationError> {
        let f = self.module.features();
        require(f.exceptions || f.legacy_exceptions, "exception handling", at)?;
        let ty = self.types.func_type(x, at)?;
        if !ty.results().is_empty() {
            return Err(err("non-empty tag result type", at));
        }
        Ok(())
    }

    /// Adds `x` to `C.refs`.
    pub(crate) fn declare_func(&mut self, x: u32) {
        if let Some(d) = self.declared.get_mut(x as usize) {
            *d = true;
        }
    }

    /// Whether `x` is in `C.refs`.
    pub(crate) fn is_declared(&self, x: u32) -> bool {
        self.declared.get(x as usize).copied().unwrap_or(false)
    }

    /// The type of function `x`, or "unknown function".
    #[inline]
    pub(crate) fn func_type_of(&self, x: u32, at: usize) -> Result<&'m FuncType, ValidationError> {
        match self.module.function_types.get(x as usize) {
            Some(&ty) => self.types.func_type(ty, at),
            None => Err(crate::types::unknown("function", x, at)),
        }
    }

    /// The type index of function `x`.
    pub(crate) fn func_type_index(&self, x: u32) -> Option<u32> {
        self.module.function_types.get(x as usize).copied()
    }

    /// The type of table `x`, or "unknown table".
    pub(crate) fn table(&self, x: u32, at: usize) -> Result<TableType, ValidationError> {
        self.tables.get(x as usize).copied().ok_or_else(|| err(format!("unknown table {x}"), at))
    }

    /// The type of memory `x`, or "unknown memory".
    pub(crate) fn memory(&self, x: u32, at: usize) -> Result<MemoryType, ValidationError> {
        self.memories.get(x as usize).copied().ok_or_else(|| err(format!("unknown memory {x}"), at))
    }

    /// The type of global `x`, or "unknown global".
    pub(crate) fn global(&self, x: u32, at: usize) -> Result<GlobalType, ValidationError> {
        self.globals.get(x as usize).copied().ok_or_else(|| err(format!("unknown global {x}"), at))
    }

    /// The function type of tag `x`, or "unknown tag".
    pub(crate) fn tag(&self, x: u32, at: usize) -> Result<&'m FuncType, ValidationError> {
        match self.tags.get(x as usize) {
            Some(&ty) => self.types.func_type(ty, at),
            None => Err(err(format!("unknown tag {x}"), at)),
        }
    }

    /// The reference type of element segment `x`, or "unknown elem segment".
    pub(crate) fn elem(&self, x: u32, at: usize) -> Result<RefType, ValidationError> {
        self.elems.get(x as usize).copied().ok_or_else(|| err(format!("unknown elem segment {x}"), at))
    }

    /// Checks data segment `x` exists; needs the data count section.
    pub(crate) fn data(&self, x: u32, at: usize) -> Result<(), ValidationError> {
        match self.module.data_count {
            None => Err(err("data count section required", at)),
            Some(n) if x >= n => Err(err(format!("unknown data segment {x}"), at)),
            Some(_) => Ok(()),
        }
    }
}

/// The type of addresses of a 32- or 64-bit memory or table.
pub(crate) fn index_type(index64: bool) -> ValType {
    if index64 { ValType::I64 } else { ValType::I32 }
}
