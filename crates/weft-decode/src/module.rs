//! Decoding a whole module (spec 5.5): sections in order, with function
//! bodies kept as byte ranges and read on demand.

use std::ops::Range;

use crate::body::OperatorsReader;
use crate::error::{DecodeError, DecodeErrorKind, Result};
use crate::features::Features;
use crate::names::Names;
use crate::operator::Operator;
use crate::reader::Reader;
use crate::types::*;

/// The kind of an import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExternKind {
    /// A function.
    Func,
    /// A table.
    Table,
    /// A memory.
    Memory,
    /// A global.
    Global,
    /// An exception tag.
    Tag,
}

impl ExternKind {
    /// The text-format keyword.
    pub fn name(self) -> &'static str {
        match self {
            ExternKind::Func => "func",
            ExternKind::Table => "table",
            ExternKind::Memory => "memory",
            ExternKind::Global => "global",
            ExternKind::Tag => "tag",
        }
    }
}

/// What an import brings in, with its type.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportType {
    /// A function of the type at this index.
    Func(u32),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// A tag.
    Tag(TagType),
}

impl ImportType {
    /// The kind of the import.
    pub fn kind(&self) -> ExternKind {
        match self {
            ImportType::Func(_) => ExternKind::Func,
            ImportType::Table(_) => ExternKind::Table,
            ImportType::Memory(_) => ExternKind::Memory,
            ImportType::Global(_) => ExternKind::Global,
            ImportType::Tag(_) => ExternKind::Tag,
        }
    }
}

/// An import.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The module name.
    pub module: String,
    /// The field name.
    pub name: String,
    /// What is imported.
    pub ty: ImportType,
}

/// An export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The export's name.
    pub name: String,
    /// What kind of item is exported.
    pub kind: ExternKind,
    /// Its index in the kind's index space.
    pub index: u32,
}

/// A constant expression, kept as the byte range of its instructions
/// (including the final `end`). Read it with [`Module::const_expr`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConstExpr {
    /// Where its instructions are in the module's bytes.
    pub range: Range<usize>,
}

/// A table definition: its type and, with typed function references, an
/// explicit initializer.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The table's type.
    pub ty: TableType,
    /// The value every element starts with (`ref.null` if absent).
    pub init: Option<ConstExpr>,
}

/// A global definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Global {
    /// The global's type.
    pub ty: GlobalType,
    /// Its initial value.
    pub init: ConstExpr,
}

/// How an element segment is used.
#[derive(Debug, Clone, PartialEq)]
pub enum ElementMode {
    /// Copied into a table at instantiation.
    Active {
        /// The table.
        table: u32,
        /// The index of the first element written.
        offset: ConstExpr,
    },
    /// Available to `table.init`.
    Passive,
    /// Only declares functions referenced by `ref.func`.
    Declared,
}

/// The contents of an element segment.
#[derive(Debug, Clone, PartialEq)]
pub enum ElementItems {
    /// Function indices.
    Functions(Vec<u32>),
    /// Constant expressions producing references.
    Expressions(Vec<ConstExpr>),
}

impl ElementItems {
    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            ElementItems::Functions(v) => v.len(),
            ElementItems::Expressions(v) => v.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An element segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// How it is used.
    pub mode: ElementMode,
    /// The type of its references.
    pub ty: RefType,
    /// Its contents.
    pub items: ElementItems,
    /// Where the segment starts in the module.
    pub offset: usize,
}

/// How a data segment is used.
#[derive(Debug, Clone, PartialEq)]
pub enum DataMode {
    /// Copied into a memory at instantiation.
    Active {
        /// The memory.
        memory: u32,
        /// The address of the first byte written.
        offset: ConstExpr,
    },
    /// Available to `memory.init`.
    Passive,
}

/// A data segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    /// How it is used.
    pub mode: DataMode,
    /// Where its bytes are in the module.
    pub range: Range<usize>,
}

/// A function body: its declared locals and the byte range of its code.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionBody {
    /// The declared locals, run-length encoded: `(count, type)`.
    pub locals: Vec<(u32, ValType)>,
    /// The total number of declared locals.
    pub num_locals: u64,
    /// The instructions, from the first one to the final `end` inclusive.
    pub code: Range<usize>,
    /// Where the body (its size field) starts.
    pub offset: usize,
}

/// A custom section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomSection {
    /// Its name.
    pub name: String,
    /// Where its payload is in the module.
    pub range: Range<usize>,
}

/// A section's place in the module, for `weft inspect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionInfo {
    /// The section id.
    pub id: u8,
    /// Where its payload is in the module.
    pub range: Range<usize>,
}

/// A decoded module. Owns its bytes; function bodies and constant
/// expressions are byte ranges into them, read on demand.
#[derive(Debug, Clone, Default)]
pub struct Module {
    bytes: Vec<u8>,
    features: Features,
    /// The type section, recursion groups flattened.
    pub types: Vec<SubType>,
    /// The imports, in order.
    pub imports: Vec<Import>,
    /// The type index of each function defined in the module.
    pub functions: Vec<u32>,
    /// The tables defined in the module.
    pub tables: Vec<Table>,
    /// The memories defined in the module.
    pub memories: Vec<MemoryType>,
    /// The tags defined in the module.
    pub tags: Vec<TagType>,
    /// The globals defined in the module.
    pub globals: Vec<Global>,
    /// The exports.
    pub exports: Vec<Export>,
    /// The start function.
    pub start: Option<u32>,
    /// The element segments.
    pub elements: Vec<Element>,
    /// The data count section's value.
    pub data_count: Option<u32>,
    /// The bodies of the defined functions.
    pub code: Vec<FunctionBody>,
    /// The data segments.
    pub data: Vec<Data>,
    /// The custom sections.
    pub customs: Vec<CustomSection>,
    /// Every section, in order.
    pub sections: Vec<SectionInfo>,
    /// The name section's contents (empty if absent or malformed),
    /// parsed on first use ([`Module::names`]): only backtraces,
    /// debuggers and listings read it, and on a large module it is
    /// megabytes (16 MB of YoWASP yosys' 68).
    names: std::sync::OnceLock<Names>,
    /// The number of imported functions (they come first in the index space).
    pub num_imported_functions: u32,
    /// The number of imported tables.
    pub num_imported_tables: u32,
    /// The number of imported memories.
    pub num_imported_memories: u32,
    /// The number of imported globals.
    pub num_imported_globals: u32,
    /// The number of imported tags.
    pub num_imported_tags: u32,
    /// The type index of every function, imported ones first.
    pub function_types: Vec<u32>,
}

/// Section ids in the order the spec requires them.
const SECTION_ORDER: [u8; 13] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

fn section_rank(id: u8) -> Option<usize> {
    SECTION_ORDER.iter().position(|&s| s == id)
}

impl Module {
    /// Decodes a module's structure with the default features. Function
    /// bodies are not read; see [`Module::decode_all`].
    pub fn decode(bytes: &[u8]) -> Result<Module> {
        Self::decode_with(bytes, Features::default())
    }

    /// Decodes a module's structure with the given features.
    pub fn decode_with(bytes: &[u8], features: Features) -> Result<Module> {
        Self::decode_impl(bytes, features, false)
    }

    /// Decodes a module and reads every instruction of every function body
    /// once, in the order of the binary, so every "malformed" error is found
    /// and the first one reported is the one the spec's decoder reports.
    pub fn decode_all(bytes: &[u8], features: Features) -> Result<Module> {
        Self::decode_impl(bytes, features, true)
    }

    /// [`Module::decode_with`] taking the bytes instead of copying them
    /// (a runtime loading a large module keeps one copy, not two). Bodies
    /// are only delimited, to be read by the validator; when the structure
    /// is malformed, the error is the first in binary order, as
    /// [`Module::decode_all`] reports it (a body before the failing
    /// section may be malformed too).
    pub fn decode_owned(bytes: Vec<u8>, features: Features) -> Result<Module> {
        let mut module = Module { features, ..Module::default() };
        if let Err(e) = module.decode_sections(&bytes, false) {
            return Err(Self::decode_all(&bytes, features).err().unwrap_or(e));
        }
        module.bytes = bytes;
        Ok(module)
    }

    fn decode_impl(bytes: &[u8], features: Features, read_bodies: bool) -> Result<Module> {
        let mut module = Module { features, ..Module::default() };
        module.decode_sections(bytes, read_bodies)?;
        module.bytes = bytes.to_vec();
        Ok(module)
    }

    /// Reads every function body once, checking its encoding and structure.
    pub fn check_bodies(&self) -> Result<()> {
        for body in &self.code {
            check_body(&self.bytes, body, self.features, self.data_count.is_some())?;
        }
        Ok(())
    }

    /// The name section's contents (empty if absent or malformed), read
    /// on the first call.
    pub fn names(&self) -> &Names {
        self.names.get_or_init(|| Names::parse(self))
    }

    /// The module's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The features the module was decoded with.
    pub fn features(&self) -> Features {
        self.features
    }

    /// A reader over the instructions of defined function `index`
    /// (counting only defined functions, not imports).
    pub fn operators(&self, index: usize) -> OperatorsReader<'_> {
        let range = self.code.get(index).map_or(0..0, |b| b.code.clone());
        OperatorsReader::new(Reader::with_range(&self.bytes, range.start, range.end, self.features))
    }

    /// A reader over a constant expression.
    pub fn const_expr(&self, expr: &ConstExpr) -> OperatorsReader<'_> {
        OperatorsReader::new(Reader::with_range(&self.bytes, expr.range.start, expr.range.end, self.features))
    }

    /// The bytes of a data segment.
    pub fn data_bytes(&self, data: &Data) -> &[u8] {
        self.bytes.get(data.range.clone()).unwrap_or(&[])
    }

    /// The function type of function `func_index` (imports first), if any.
    pub fn func_type(&self, func_index: u32) -> Option<&FuncType> {
        let ty = *self.function_types.get(func_index as usize)?;
        self.types.get(ty as usize)?.as_func()
    }

    /// The total code section bytes of all function bodies.
    pub fn code_size(&self) -> usize {
        self.code.iter().map(|b| b.code.len()).sum()
    }

    fn decode_sections(&mut self, bytes: &[u8], read_bodies: bool) -> Result<()> {
        let mut r = Reader::new(bytes, self.features);
        let magic = r.read_array::<4>().map_err(|_| DecodeError::new(DecodeErrorKind::UnexpectedEnd, 0))?;
        if magic != *b"\0asm" {
            return Err(DecodeError::new(DecodeErrorKind::MagicHeader, 0));
        }
        let version = r.read_array::<4>()?;
        if version != [1, 0, 0, 0] {
            return Err(DecodeError::new(DecodeErrorKind::UnknownVersion, 4));
        }
        let mut last_rank: Option<usize> = None;
        let mut saw_code = false;
        while !r.is_empty() {
            let id_at = r.offset();
            let id = r.read_u8()?;
            let size = r.read_var_u32()? as usize;
            let start = r.offset();
            if size > r.remaining() {
                return Err(DecodeError::new(DecodeErrorKind::LengthOutOfBounds, id_at + 1));
            }
            // Like the spec's decoder, a section is read from the module's
            // stream and must end exactly where its size says; reading
            // past its end is caught by that check, never by a panic.
            let mut s = Reader::with_range(bytes, start, bytes.len(), self.features);
            if id == 0 {
                let name = s.read_name()?.to_string();
                let payload = s.offset();
                if start + size < payload {
                    return Err(DecodeError::new(DecodeErrorKind::UnexpectedEnd, payload));
                }
                s.skip(start + size - payload)?;
                self.sections.push(SectionInfo { id, range: start..start + size });
                self.customs.push(CustomSection { name, range: payload..start + size });
                r = s;
                continue;
            }
            // The data count section came with bulk memory (2.0), the tag
            // section with exception handling: before them, their ids are
            // unknown ("malformed section id").
            let known = match id {
                12 => self.features.bulk_memory,
                13 => self.features.exceptions,
                _ => true,
            };
            let Some(rank) = section_rank(id).filter(|_| known) else {
                return Err(DecodeError::new(DecodeErrorKind::SectionId, id_at));
            };
            if last_rank.is_some_and(|last| rank <= last) {
                return Err(DecodeError::new(DecodeErrorKind::SectionOrder, id_at));
            }
            last_rank = Some(rank);
            self.sections.push(SectionInfo { id, range: start..start + size });
            match id {
                1 => self.type_section(&mut s)?,
                2 => self.import_section(&mut s)?,
                3 => self.function_section(&mut s)?,
                4 => self.table_section(&mut s)?,
                5 => self.memory_section(&mut s)?,
                6 => self.global_section(&mut s)?,
                7 => self.export_section(&mut s)?,
                8 => self.start = Some(s.read_var_u32()?),
                9 => self.element_section(&mut s)?,
                10 => {
                    saw_code = true;
                    self.code_section(&mut s, read_bodies)?
                }
                11 => self.data_section(&mut s)?,
                12 => self.data_count = Some(s.read_var_u32()?),
                13 => self.tag_section(&mut s)?,
                _ => unreachable!("section_rank accepted only known ids"),
            }
            if s.offset() != start + size {
                return Err(DecodeError::new(DecodeErrorKind::SectionSizeMismatch, start));
            }
            r = s;
        }
        if self.functions.len() != self.code.len() || (!saw_code && !self.functions.is_empty()) {
            return Err(DecodeError::new(DecodeErrorKind::FunctionCodeMismatch, r.offset()));
        }
        if let Some(count) = self.data_count
            && count as usize != self.data.len()
        {
            return Err(DecodeError::new(DecodeErrorKind::DataCountMismatch, r.offset()));
        }
        self.function_types = self
            .imports
            .iter()
            .filter_map(|i| match i.ty {
                ImportType::Func(t) => Some(t),
                _ => None,
            })
            .chain(self.functions.iter().copied())
            .collect();
        Ok(())
    }

    fn type_section(&mut self, s: &mut Reader<'_>) -> Result<()> {
        let count = s.read_len()?;
        for _ in 0..count {
            let at = s.offset();
            match s.peek_u8()? {
                0x4E => {
                    s.read_u8()?;
                    let n = s.read_len()?;
                    let start = self.types.len() as u32;
                    for _ in 0..n {
                        let sub = decode_sub_type(s, start, n)?;
                        self.types.push(sub);
                    }
                }
                _ => {
                    let start = self.types.len() as u32;
                    let sub = decode_sub_type(s, start, 1)?;
                    self.types.push(sub);
                }
            }
            if self.types.len() > crate::limits::MAX_TYPES {
                return Err(DecodeError::new(DecodeErrorKind::Limit("too many types"), at));
            }
        }
        Ok(())
    }

    /// The import section: a vector of imports, each a module name, an item
    /// name and a kind. With the compact-import-section proposal an empty
    /// item name followed by a discriminator byte starts a group of items
    /// from one module: `0x7F` then `vec(name externtype)`, or `0x7E` then
    /// one `externtype` shared by `vec(name)`. The discriminator is one byte
    /// (not a LEB128), and after a non-empty name it is an import kind like
    /// any other (so malformed).
    fn import_section(&mut self, s: &mut Reader<'_>) -> Result<()> {
        let count = s.read_len()?;
        for _ in 0..count {
            let module = s.read_name()?;
            let name = s.read_name()?;
            let compact = if name.is_empty() && self.features.compact_imports { s.peek_u8()? } else { 0 };
            match compact {
                0x7F => {
                    s.read_u8()?;
                    for _ in 0..s.read_len()? {
                        let name = s.read_name()?;
                        let ty = self.import_type(s)?;
                        self.push_import(module, name, ty);
                    }
                }
                0x7E => {
                    s.read_u8()?;
                    let ty = self.import_type(s)?;
                    for _ in 0..s.read_len()? {
                        let name = s.read_name()?;
                        self.push_import(module, name, ty.clone());
                    }
                }
                _ => {
                    let ty = self.import_type(s)?;
                    self.push_import(module, name, ty);
                }
            }
        }
        Ok(())
    }

    /// One import's kind and type (`externtype`).
    fn import_type(&self, s: &mut Reader<'_>) -> Result<ImportType> {
        let at = s.offset();
        Ok(match s.read_u8()? {
            0x00 => ImportType::Func(s.read_var_u32()?),
            0x01 => ImportType::Table(decode_table_type(s)?),
            0x02 => ImportType::Memory(decode_memory_type(s)?),
            0x03 => ImportType::Global(decode_global_type(s)?),
            0x04 if self.features.exceptions => ImportType::Tag(decode_tag_type(s)?),
            _ => return Err(DecodeError::new(DecodeErrorKind::ImportKind, at)),
        })
    }

    /// Records an import and counts it in its kind's index space.
    fn push_import(&mut self, module: &str, name: &str, ty: ImportType) {
        let counter = match ty {
            ImportType::Func(_) => &mut self.num_imported_functions,
            ImportType::Table(_) => &mut self.num_imported_tables,
            ImportType::Memory(_) => &mut self.num_imported_memories,
            ImportType::Global(_) => &mut self.num_imported_globals,
            ImportType::Tag(_) => &mut self.num_imported_tags,
        };
        *counter += 1;
        self.imports.push(Import { module: module.to_string(), name: name.to_string(), ty });
    }

    fn function_section(&mut self, s: &mut Reader<'_>) -> Result<()> {
        let count = s.read_len()?;
        self.functions.reserve(s.capacity_for(count));
        for _ in 0..count {
            self.functions.push(s.read_var_u32()?);
        }
        Ok(())
    }

    fn table_section(&mut self, s: &mut Reader<'_>) -> Result<()> {
        let count = s.read_len()?;
        for _ in 0..count {
            let at = s.offset();
            if s.peek_u8()? == 0x40 {
                s.read_u8()?;
                if s.read_u8()? != 0x00 {
                    return Err(DecodeError::new(DecodeErrorKind::TableType, at));
                }
                let ty = decode_table_type(s)?;
                let init = Some(read_const_expr(s)?);
                self.tables.push(Table { ty, init });
            } else {
                let ty = decode_table_type(s)?;
                self.tables.push(Table { ty, init: None });
            }
        }
        Ok(())
    }

    fn memory_section(&mut self, s: &mut Reader<'_>) -> Result<()> {
        let count = s.read_len()?;
        for _ in 0..count {
            self.memories.push(decode_memory_type(s)?);
        }
        Ok(())
    }

    fn tag_section(&mut self, s: &mut Reader<'_>) -> Result<()> {
        let count = s.read_len()?;
        for _ in 0..count {
            self.tags.push(decode_tag_type(s)?);
        }
        Ok(())
    }

    fn global_section(&mut self, s: &mut Reader<'_>) -> Result<()> {
        let count = s.read_len()?;
        for _ in 0..count {
            let ty = decode_global_type(s)?;
            let init = read_const_expr(s)?;
            self.globals.push(Global { ty, init });
        }
        Ok(())
    }

    fn export_section(&mut self, s: &mut Reader<'_>) -> Result<()> {
        let count = s.read_len()?;
        for _ in 0..count {
            let name = s.read_name()?.to_string();
            let at = s.offset();
            let kind = match s.read_u8()? {
                0x00 => ExternKind::Func,
                0x01 => ExternKind::Table,
                0x02 => ExternKind::Memory,
                0x03 => ExternKind::Global,
                0x04 if self.features.exceptions => ExternKind::Tag,
                _ => return Err(DecodeError::new(DecodeErrorKind::ExportKind, at)),
            };
            let index = s.read_var_u32()?;
            self.exports.push(Export { name, kind, index });
        }
        Ok(())
    }

    fn element_section(&mut self, s: &mut Reader<'_>) -> Result<()> {
        let count = s.read_len()?;
        for _ in 0..count {
            let offset = s.offset();
            let flags = s.read_var_u32()?;
            if flags > 7 {
                return Err(DecodeError::new(DecodeErrorKind::ElemSegmentKind, offset));
            }
            let passive_or_declared = flags & 0b001 != 0;
            let explicit_table = flags & 0b010 != 0;
            let expressions = flags & 0b100 != 0;
            let mode = if passive_or_declared {
                if explicit_table { ElementMode::Declared } else { ElementMode::Passive }
            } else {
                let table = if explicit_table { s.read_var_u32()? } else { 0 };
                ElementMode::Active { table, offset: read_const_expr(s)? }
            };
            // Flags 0 and 4 have no type: funcref is implied.
            let has_type = passive_or_declared || explicit_table;
            let (ty, items) = if expressions {
                let ty = if has_type { RefType::decode(s)? } else { RefType::FUNCREF };
                let n = s.read_len()?;
                let mut exprs = Vec::with_capacity(s.capacity_for(n));
                for _ in 0..n {
                    exprs.push(read_const_expr(s)?);
                }
                (ty, ElementItems::Expressions(exprs))
            } else {
                if has_type {
                    let at = s.offset();
                    if s.read_u8()? != 0x00 {
                        return Err(DecodeError::new(DecodeErrorKind::ElemKind, at));
                    }
                }
                let n = s.read_len()?;
                let mut funcs = Vec::with_capacity(s.capacity_for(n));
                for _ in 0..n {
                    funcs.push(s.read_var_u32()?);
                }
                (RefType { nullable: false, heap: HeapType::Func }, ElementItems::Functions(funcs))
            };
            self.elements.push(Element { mode, ty, items, offset });
        }
        Ok(())
    }

    fn code_section(&mut self, s: &mut Reader<'_>, read_bodies: bool) -> Result<()> {
        let count = s.read_len()?;
        self.code.reserve(s.capacity_for(count));
        for _ in 0..count {
            let offset = s.offset();
            let size = s.read_len()? as usize;
            let start = s.offset();
            let locals_at = s.offset();
            let groups = s.read_len()?;
            let mut locals = Vec::with_capacity(s.capacity_for(groups));
            let mut num_locals = 0u64;
            for _ in 0..groups {
                let n = s.read_var_u32()?;
                num_locals += u64::from(n);
                if num_locals > u64::from(u32::MAX) {
                    return Err(DecodeError::new(DecodeErrorKind::TooManyLocals, locals_at));
                }
                locals.push((n, ValType::decode(s)?));
            }
            let code_start = s.offset();
            let end = start + size;
            if end < code_start {
                return Err(DecodeError::new(DecodeErrorKind::SectionSizeMismatch, start));
            }
            // A body running past the module's end is reported when read.
            let code_end = end.min(s.data().len());
            let body = FunctionBody { locals, num_locals, code: code_start..code_end, offset };
            if read_bodies {
                check_body(s.data(), &body, self.features, self.data_count.is_some())?;
            }
            if end > code_end {
                // The body's instructions ended with the module, before its
                // declared size: the spec's `sized` check fails.
                return Err(DecodeError::new(DecodeErrorKind::SectionSizeMismatch, start));
            }
            s.skip(code_end - code_start)?;
            self.code.push(body);
        }
        Ok(())
    }

    fn data_section(&mut self, s: &mut Reader<'_>) -> Result<()> {
        let count = s.read_len()?;
        for _ in 0..count {
            let at = s.offset();
            let mode = match s.read_var_u32()? {
                0 => DataMode::Active { memory: 0, offset: read_const_expr(s)? },
                1 => DataMode::Passive,
                2 => {
                    let memory = s.read_var_u32()?;
                    DataMode::Active { memory, offset: read_const_expr(s)? }
                }
                _ => return Err(DecodeError::new(DecodeErrorKind::DataSegmentKind, at)),
            };
            let len = s.read_len()? as usize;
            let start = s.offset();
            s.skip(len)?;
            self.data.push(Data { mode, range: start..start + len });
        }
        Ok(())
    }
}

/// Reads one function body's instructions, checking encoding and structure.
fn check_body(bytes: &[u8], body: &FunctionBody, features: Features, has_data_count: bool) -> Result<()> {
    let mut ops = OperatorsReader::new(Reader::with_range(bytes, body.code.start, body.code.end, features));
    while !ops.is_finished() {
        let at = ops.offset();
        let op = ops.read()?;
        if !has_data_count && matches!(op, Operator::MemoryInit { .. } | Operator::DataDrop { .. }) {
            return Err(DecodeError::new(DecodeErrorKind::DataCountRequired, at));
        }
    }
    Ok(())
}

/// Reads a constant expression up to and including its `end`.
fn read_const_expr(s: &mut Reader<'_>) -> Result<ConstExpr> {
    let start = s.offset();
    let mut ops = OperatorsReader::new_expr(s.clone());
    ops.skip_to_end()?;
    *s = ops.into_reader();
    Ok(ConstExpr { range: start..s.offset() })
}

fn decode_sub_type(s: &mut Reader<'_>, rec_group_start: u32, rec_group_len: u32) -> Result<SubType> {
    let at = s.offset();
    let (is_final, supertype, supertype_count) = match s.peek_u8()? {
        form @ (0x50 | 0x4F) => {
            s.read_u8()?;
            let n = s.read_len()?;
            let mut supertype = None;
            for _ in 0..n {
                supertype = Some(s.read_var_u32()?);
            }
            (form == 0x4F, supertype, n)
        }
        _ => (true, None, 0),
    };
    let composite = match s.read_u8()? {
        0x60 => {
            let params = decode_result_type(s)?;
            let results = decode_result_type(s)?;
            CompositeType::Func(FuncType::new(params, results))
        }
        0x5F => {
            let n = s.read_len()?;
            let mut fields = Vec::with_capacity(s.capacity_for(n));
            for _ in 0..n {
                fields.push(decode_field_type(s)?);
            }
            CompositeType::Struct(fields.into_boxed_slice())
        }
        0x5E => CompositeType::Array(decode_field_type(s)?),
        // The form is an `s7`: a continuation bit makes it too long.
        b if b & 0x80 != 0 => return Err(DecodeError::new(DecodeErrorKind::IntegerTooLong, at + 1)),
        _ => return Err(DecodeError::new(DecodeErrorKind::FuncType, at)),
    };
    Ok(SubType { is_final, supertype, supertype_count, composite, rec_group_start, rec_group_len })
}

fn decode_result_type(s: &mut Reader<'_>) -> Result<Vec<ValType>> {
    let n = s.read_len()?;
    let mut types = Vec::with_capacity(s.capacity_for(n));
    for _ in 0..n {
        types.push(ValType::decode(s)?);
    }
    Ok(types)
}

fn decode_field_type(s: &mut Reader<'_>) -> Result<FieldType> {
    let storage = match s.peek_u8()? {
        0x78 => {
            s.read_u8()?;
            StorageType::I8
        }
        0x77 => {
            s.read_u8()?;
            StorageType::I16
        }
        _ => StorageType::Val(ValType::decode(s)?),
    };
    let mutable = decode_mutability(s)?;
    Ok(FieldType { storage, mutable })
}

fn decode_mutability(s: &mut Reader<'_>) -> Result<bool> {
    let at = s.offset();
    match s.read_u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(DecodeError::new(DecodeErrorKind::Mutability, at)),
    }
}

/// Reads limits flags and values; returns `(limits, flags)`.
fn decode_limits(s: &mut Reader<'_>, allowed_flags: u8) -> Result<(Limits, u8)> {
    let at = s.offset();
    let f = s.features();
    let flags = if f.memory64 || f.threads || f.custom_page_sizes {
        s.read_u8()?
    } else {
        // Before flags had more than one bit, the spec read them as `vu1`.
        let b = s.read_u8()?;
        if b & 0x7f > 1 {
            return Err(DecodeError::new(DecodeErrorKind::IntegerTooLarge, at));
        }
        if b & 0x80 != 0 {
            return Err(DecodeError::new(DecodeErrorKind::IntegerTooLong, at + 1));
        }
        b
    };
    if flags & !allowed_flags != 0 {
        return Err(DecodeError::new(DecodeErrorKind::LimitsFlags, at));
    }
    // Since memory64, limits are `u64` in the binary format and the
    // validator bounds 32-bit ones; before it they were `u32`.
    let wide = s.features().memory64;
    let read = |s: &mut Reader<'_>| if wide { s.read_var_u64() } else { s.read_var_u32().map(u64::from) };
    let min = read(s)?;
    let max = if flags & 0b1 != 0 { Some(read(s)?) } else { None };
    Ok((Limits { min, max }, flags))
}

fn decode_table_type(s: &mut Reader<'_>) -> Result<TableType> {
    let element = RefType::decode(s)?;
    let allowed = if s.features().memory64 { 0b101 } else { 0b001 };
    let (limits, flags) = decode_limits(s, allowed)?;
    Ok(TableType { element, limits, index64: flags & 0b100 != 0 })
}

fn decode_memory_type(s: &mut Reader<'_>) -> Result<MemoryType> {
    let features = s.features();
    let mut allowed = 0b0001;
    if features.threads {
        allowed |= 0b0010;
    }
    if features.memory64 {
        allowed |= 0b0100;
    }
    if features.custom_page_sizes {
        allowed |= 0b1000;
    }
    let (limits, flags) = decode_limits(s, allowed)?;
    let page_size_log2 = if flags & 0b1000 != 0 {
        let at = s.offset();
        let log2 = s.read_var_u32()?;
        if log2 >= 64 {
            return Err(DecodeError::new(DecodeErrorKind::CustomPageSize, at));
        }
        Some(log2)
    } else {
        None
    };
    Ok(MemoryType { limits, index64: flags & 0b100 != 0, shared: flags & 0b10 != 0, page_size_log2 })
}

fn decode_global_type(s: &mut Reader<'_>) -> Result<GlobalType> {
    let content = ValType::decode(s)?;
    let mutable = decode_mutability(s)?;
    Ok(GlobalType { content, mutable })
}

fn decode_tag_type(s: &mut Reader<'_>) -> Result<TagType> {
    let at = s.offset();
    if s.read_u8()? != 0 {
        return Err(DecodeError::new(DecodeErrorKind::TagAttribute, at));
    }
    Ok(TagType { type_index: s.read_var_u32()? })
}
