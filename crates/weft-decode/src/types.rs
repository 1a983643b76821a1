//! WebAssembly types (spec 2.3) and their binary encodings (spec 5.3).
//!
//! The representation already has room for GC: type definitions are
//! [`SubType`]s grouped in recursion groups, with struct and array composite
//! types beside function types, and heap types include the GC hierarchy.

use std::fmt;

use crate::error::{DecodeErrorKind, Result};
use crate::reader::Reader;

/// A value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference.
    Ref(RefType),
}

impl ValType {
    /// `funcref`, i.e. `(ref null func)`.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `externref`, i.e. `(ref null extern)`.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);
    /// `exnref`, i.e. `(ref null exn)`.
    pub const EXNREF: ValType = ValType::Ref(RefType::EXNREF);

    /// Whether this is a numeric type (i32, i64, f32, f64).
    pub fn is_num(self) -> bool {
        matches!(self, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64)
    }

    /// Whether this is a reference type.
    pub fn is_ref(self) -> bool {
        matches!(self, ValType::Ref(_))
    }

    /// Decodes a value type (spec 5.3.4).
    pub fn decode(r: &mut Reader<'_>) -> Result<ValType> {
        let at = r.offset();
        match r.peek_u8()? {
            0x7F => {
                r.read_u8()?;
                Ok(ValType::I32)
            }
            0x7E => {
                r.read_u8()?;
                Ok(ValType::I64)
            }
            0x7D => {
                r.read_u8()?;
                Ok(ValType::F32)
            }
            0x7C => {
                r.read_u8()?;
                Ok(ValType::F64)
            }
            0x7B => {
                r.read_u8()?;
                Ok(ValType::V128)
            }
            0x63 | 0x64 | 0x69..=0x74 => RefType::decode(r).map(ValType::Ref),
            _ => Err(r.error_at(DecodeErrorKind::ValType, at)),
        }
    }

    /// Appends the binary encoding.
    pub fn encode(self, out: &mut Vec<u8>) {
        match self {
            ValType::I32 => out.push(0x7F),
            ValType::I64 => out.push(0x7E),
            ValType::F32 => out.push(0x7D),
            ValType::F64 => out.push(0x7C),
            ValType::V128 => out.push(0x7B),
            ValType::Ref(r) => r.encode(out),
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            ValType::Ref(r) => r.fmt(f),
        }
    }
}

/// A reference type: a heap type and whether `null` is a value of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefType {
    /// Whether the type includes `null`.
    pub nullable: bool,
    /// What the reference points to.
    pub heap: HeapType,
}

impl RefType {
    /// `funcref`.
    pub const FUNCREF: RefType = RefType { nullable: true, heap: HeapType::Func };
    /// `externref`.
    pub const EXTERNREF: RefType = RefType { nullable: true, heap: HeapType::Extern };
    /// `exnref`.
    pub const EXNREF: RefType = RefType { nullable: true, heap: HeapType::Exn };

    /// Decodes a reference type, including the GC shorthands.
    pub fn decode(r: &mut Reader<'_>) -> Result<RefType> {
        let at = r.offset();
        let b = r.read_u8()?;
        match b {
            0x63 => Ok(RefType { nullable: true, heap: HeapType::decode(r)? }),
            0x64 => Ok(RefType { nullable: false, heap: HeapType::decode(r)? }),
            _ => match HeapType::from_abstract_byte(b) {
                Some(heap) => Ok(RefType { nullable: true, heap }),
                None => Err(r.error_at(DecodeErrorKind::RefType, at)),
            },
        }
    }

    /// Appends the binary encoding (shorthand form where one exists).
    pub fn encode(self, out: &mut Vec<u8>) {
        match (self.nullable, self.heap.abstract_byte()) {
            (true, Some(b)) => out.push(b),
            (nullable, _) => {
                out.push(if nullable { 0x63 } else { 0x64 });
                self.heap.encode(out);
            }
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap) {
            (true, HeapType::Func) => f.write_str("funcref"),
            (true, HeapType::Extern) => f.write_str("externref"),
            (true, HeapType::Exn) => f.write_str("exnref"),
            (true, h) => write!(f, "(ref null {h})"),
            (false, h) => write!(f, "(ref {h})"),
        }
    }
}

/// A heap type: an abstract one, or a type index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// All functions.
    Func,
    /// External references.
    Extern,
    /// Exception references.
    Exn,
    /// GC: all internal references.
    Any,
    /// GC: references comparable with `ref.eq`.
    Eq,
    /// GC: unboxed 31-bit integers.
    I31,
    /// GC: all structs.
    Struct,
    /// GC: all arrays.
    Array,
    /// GC: the bottom of the `any` hierarchy.
    None,
    /// The bottom of the `func` hierarchy.
    NoFunc,
    /// The bottom of the `extern` hierarchy.
    NoExtern,
    /// The bottom of the `exn` hierarchy.
    NoExn,
    /// A defined type, by index into the module's types.
    Concrete(u32),
}

impl HeapType {
    fn from_abstract_byte(b: u8) -> Option<HeapType> {
        Some(match b {
            0x70 => HeapType::Func,
            0x6F => HeapType::Extern,
            0x69 => HeapType::Exn,
            0x6E => HeapType::Any,
            0x6D => HeapType::Eq,
            0x6C => HeapType::I31,
            0x6B => HeapType::Struct,
            0x6A => HeapType::Array,
            0x71 => HeapType::None,
            0x72 => HeapType::NoExtern,
            0x73 => HeapType::NoFunc,
            0x74 => HeapType::NoExn,
            _ => return None,
        })
    }

    fn abstract_byte(self) -> Option<u8> {
        Some(match self {
            HeapType::Func => 0x70,
            HeapType::Extern => 0x6F,
            HeapType::Exn => 0x69,
            HeapType::Any => 0x6E,
            HeapType::Eq => 0x6D,
            HeapType::I31 => 0x6C,
            HeapType::Struct => 0x6B,
            HeapType::Array => 0x6A,
            HeapType::None => 0x71,
            HeapType::NoExtern => 0x72,
            HeapType::NoFunc => 0x73,
            HeapType::NoExn => 0x74,
            HeapType::Concrete(_) => return None,
        })
    }

    /// Decodes a heap type (an `s33`: negative for abstract types).
    pub fn decode(r: &mut Reader<'_>) -> Result<HeapType> {
        let at = r.offset();
        let b = r.peek_u8()?;
        if let Some(h) = Self::from_abstract_byte(b) {
            r.read_u8()?;
            return Ok(h);
        }
        let v = r.read_var_s33()?;
        if v >= 0 {
            // An s33 is below 2^32.
            Ok(HeapType::Concrete(v as u32))
        } else if r.offset() - at > 1 {
            // A negative number is an abstract heap type, which is one
            // byte: the spec interpreter reads it as an `s7`, whose
            // representation a second byte makes too long.
            Err(r.error_at(DecodeErrorKind::IntegerTooLong, at))
        } else {
            Err(r.error_at(DecodeErrorKind::HeapType, at))
        }
    }

    /// Appends the binary encoding.
    pub fn encode(self, out: &mut Vec<u8>) {
        match self.abstract_byte() {
            Some(b) => out.push(b),
            None => {
                let HeapType::Concrete(i) = self else { return };
                crate::encode::write_var_i64(out, i64::from(i));
            }
        }
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            HeapType::Func => "func",
            HeapType::Extern => "extern",
            HeapType::Exn => "exn",
            HeapType::Any => "any",
            HeapType::Eq => "eq",
            HeapType::I31 => "i31",
            HeapType::Struct => "struct",
            HeapType::Array => "array",
            HeapType::None => "none",
            HeapType::NoFunc => "nofunc",
            HeapType::NoExtern => "noextern",
            HeapType::NoExn => "noexn",
            HeapType::Concrete(i) => return write!(f, "{i}"),
        };
        f.write_str(s)
    }
}

/// A function type `[params] -> [results]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FuncType {
    types: Box<[ValType]>,
    params: usize,
}

impl FuncType {
    /// A function type from its parameters and results.
    pub fn new(params: impl IntoIterator<Item = ValType>, results: impl IntoIterator<Item = ValType>) -> Self {
        let mut types: Vec<ValType> = params.into_iter().collect();
        let params = types.len();
        types.extend(results);
        FuncType { types: types.into_boxed_slice(), params }
    }

    /// The parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.types[..self.params]
    }

    /// The result types.
    pub fn results(&self) -> &[ValType] {
        &self.types[self.params..]
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        if !self.params().is_empty() {
            f.write_str(" (param")?;
            for t in self.params() {
                write!(f, " {t}")?;
            }
            f.write_str(")")?;
        }
        if !self.results().is_empty() {
            f.write_str(" (result")?;
            for t in self.results() {
                write!(f, " {t}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}

/// A field's storage: a value type, or a packed integer (GC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageType {
    /// Packed 8-bit integer.
    I8,
    /// Packed 16-bit integer.
    I16,
    /// A value type.
    Val(ValType),
}

/// A struct or array field (GC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldType {
    /// What the field stores.
    pub storage: StorageType,
    /// Whether the field can be written.
    pub mutable: bool,
}

/// The shape of a defined type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompositeType {
    /// A function type.
    Func(FuncType),
    /// A struct type (GC).
    Struct(Box<[FieldType]>),
    /// An array type (GC).
    Array(FieldType),
}

/// A defined type with its place in the subtyping hierarchy (GC).
/// Without GC every type is a final function type with no supertype.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubType {
    /// Whether no type may declare this one as its supertype.
    pub is_final: bool,
    /// The declared supertype, by type index (the last one if several
    /// were declared).
    pub supertype: Option<u32>,
    /// How many supertypes were declared: the binary format allows a
    /// vector, the validator refuses more than one ("multiple supertypes").
    pub supertype_count: u32,
    /// The type's shape.
    pub composite: CompositeType,
    /// Index of the first type of this type's recursion group.
    pub rec_group_start: u32,
    /// Number of types in this type's recursion group.
    pub rec_group_len: u32,
}

impl SubType {
    /// The function type, if this is one.
    pub fn as_func(&self) -> Option<&FuncType> {
        match &self.composite {
            CompositeType::Func(f) => Some(f),
            _ => None,
        }
    }
}

/// Size limits of a memory or table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The initial size.
    pub min: u64,
    /// The maximum size, if any.
    pub max: Option<u64>,
}

/// A memory type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemoryType {
    /// Size in pages.
    pub limits: Limits,
    /// Whether addresses are `i64` (memory64).
    pub index64: bool,
    /// Whether the memory is shared between threads.
    pub shared: bool,
    /// log2 of the page size, if given (custom page sizes); 16 otherwise.
    pub page_size_log2: Option<u32>,
}

impl MemoryType {
    /// log2 of the page size in bytes.
    pub fn page_size_log2(&self) -> u32 {
        self.page_size_log2.unwrap_or(16)
    }
}

/// A table type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableType {
    /// The type of the table's elements.
    pub element: RefType,
    /// Size in elements.
    pub limits: Limits,
    /// Whether indices are `i64` (memory64 for tables).
    pub index64: bool,
}

/// A global type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalType {
    /// The value's type.
    pub content: ValType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
}

/// A tag type (exception handling): the tag's function type by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagType {
    /// Index of the tag's function type (params are the payload).
    pub type_index: u32,
}

/// A block type: no value, one value, or a function type by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockType {
    /// `[] -> []`.
    Empty,
    /// `[] -> [t]`.
    Value(ValType),
    /// The function type at this index.
    Func(u32),
}
