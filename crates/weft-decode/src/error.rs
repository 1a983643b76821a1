//! Decode errors: the spec testsuite's "malformed" texts, with a byte offset.

use std::fmt;

/// What went wrong while decoding. The `Display` texts are the ones the
/// official spec testsuite expects from `assert_malformed`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended in the middle of a section, a function or the header.
    #[error("unexpected end of section or function")]
    UnexpectedEnd,
    /// The first four bytes are not `\0asm`.
    #[error("magic header not detected")]
    MagicHeader,
    /// The version field is not 1.
    #[error("unknown binary version")]
    UnknownVersion,
    /// A LEB128 number uses more bytes than its type allows.
    #[error("integer representation too long")]
    IntegerTooLong,
    /// A LEB128 number's value does not fit its type.
    #[error("integer too large")]
    IntegerTooLarge,
    /// A section (or function body) did not end where its size said.
    #[error("section size mismatch")]
    SectionSizeMismatch,
    /// An unknown section id.
    #[error("malformed section id")]
    SectionId,
    /// A known section appears out of order or twice.
    #[error("unexpected content after last section")]
    SectionOrder,
    /// Bytes after the last section that are not a section.
    #[error("junk after last section")]
    JunkAfterLastSection,
    /// A function declares more than 2^32 - 1 locals in total.
    #[error("too many locals")]
    TooManyLocals,
    /// A name is not valid UTF-8.
    #[error("malformed UTF-8 encoding")]
    Utf8,
    /// A declared length or count exceeds the bytes that remain.
    #[error("length out of bounds")]
    LengthOutOfBounds,
    /// An opcode weft does not know.
    #[error("illegal opcode {0}")]
    IllegalOpcode(String),
    /// A prefixed opcode weft does not know.
    #[error("unknown operator {0}")]
    UnknownOperator(String),
    /// A byte that must be zero (a reserved index) is not.
    #[error("zero byte expected")]
    ZeroByte,
    /// A function body did not end with `end`.
    #[error("END opcode expected")]
    EndExpected,
    /// A type byte that is not a value type.
    #[error("malformed value type")]
    ValType,
    /// A reference type encoding weft does not know.
    #[error("malformed reference type")]
    RefType,
    /// A heap type encoding weft does not know.
    #[error("malformed heap type")]
    HeapType,
    /// A type definition form that is not `func`, `struct`, `array`, `sub` or `rec`.
    #[error("malformed function type")]
    FuncType,
    /// A storage type that is not a value type or a packed type.
    #[error("malformed storage type")]
    StorageType,
    /// A mutability flag other than 0 or 1.
    #[error("malformed mutability")]
    Mutability,
    /// Limits flags with bits weft does not know.
    #[error("malformed limits flags")]
    LimitsFlags,
    /// A memarg whose flags are out of range.
    #[error("malformed memop flags")]
    MemopFlags,
    /// An import kind byte other than func, table, memory, global, tag.
    #[error("malformed import kind")]
    ImportKind,
    /// An export kind byte other than func, table, memory, global, tag.
    #[error("malformed export kind")]
    ExportKind,
    /// An element segment flags field greater than 7.
    #[error("malformed elements segment kind")]
    ElemSegmentKind,
    /// An element kind byte other than 0 (funcref).
    #[error("malformed element kind")]
    ElemKind,
    /// A data segment flags field greater than 2.
    #[error("malformed data segment kind")]
    DataSegmentKind,
    /// A tag attribute other than 0 (exception).
    #[error("malformed tag attribute")]
    TagAttribute,
    /// A `try_table` catch clause kind greater than 3.
    #[error("malformed catch clause")]
    CatchKind,
    /// A `br_on_cast`/`br_on_cast_fail` flags byte with bits above bit 1 (GC).
    #[error("invalid cast flags")]
    CastFlags,
    /// A table type with an initializer prefix not followed by 0x00.
    #[error("malformed table type")]
    TableType,
    /// The function and code sections declare different numbers of functions.
    #[error("function and code section have inconsistent lengths")]
    FunctionCodeMismatch,
    /// The data count section disagrees with the data section.
    #[error("data count and data section have inconsistent lengths")]
    DataCountMismatch,
    /// `memory.init` or `data.drop` used without a data count section.
    #[error("data count section required")]
    DataCountRequired,
    /// `else` outside of an `if` block.
    #[error("misplaced ELSE opcode")]
    MisplacedElse,
    /// A custom page size whose log2 is 64 or more.
    #[error("invalid custom page size")]
    CustomPageSize,
    /// The declared size of a module exceeds what weft accepts.
    #[error("{0}")]
    Limit(&'static str),
}

/// A decode error: what went wrong and at which byte offset of the input.
///
/// One boxed word, so `Result<T, DecodeError>` stays small on the hot path.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: DecodeErrorKind,
    offset: usize,
}

impl DecodeError {
    /// Builds an error of `kind` at byte `offset`.
    #[cold]
    #[inline(never)]
    pub fn new(kind: DecodeErrorKind, offset: usize) -> Self {
        DecodeError(Box::new(Inner { kind, offset }))
    }

    /// What went wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.0.kind
    }

    /// The byte offset in the module where it went wrong.
    pub fn offset(&self) -> usize {
        self.0.offset
    }

    /// The message without the offset (the spec testsuite's text).
    pub fn message(&self) -> String {
        self.0.kind.to_string()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset 0x{:x})", self.0.kind, self.0.offset)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for DecodeError {}

/// The result of a decoding step.
pub type Result<T, E = DecodeError> = std::result::Result<T, E>;
