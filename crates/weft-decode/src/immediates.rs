//! Instruction immediates: each type knows how it is decoded, encoded and
//! printed, so the instruction table only has to name it.

use std::fmt::{self, Write as _};

use crate::encode::{write_var_i32, write_var_i64, write_var_u32, write_var_u64};
use crate::error::{DecodeErrorKind, Result};
use crate::reader::Reader;
use crate::types::{BlockType, HeapType, RefType, ValType};

/// An instruction immediate.
pub trait Immediate<'a>: Sized {
    /// Reads the immediate.
    fn decode(r: &mut Reader<'a>) -> Result<Self>;
    /// Appends its encoding.
    fn encode(&self, out: &mut Vec<u8>);
    /// Appends its text form, preceded by a space.
    fn print(&self, out: &mut String);
}

impl<'a> Immediate<'a> for u32 {
    #[inline(always)]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_var_u32()
    }
    fn encode(&self, out: &mut Vec<u8>) {
        write_var_u32(out, *self);
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, " {self}");
    }
}

/// A lane index: one raw byte.
impl<'a> Immediate<'a> for u8 {
    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_u8()
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, " {self}");
    }
}

impl<'a> Immediate<'a> for i32 {
    #[inline(always)]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_var_i32()
    }
    fn encode(&self, out: &mut Vec<u8>) {
        write_var_i32(out, *self);
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, " {self}");
    }
}

impl<'a> Immediate<'a> for i64 {
    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_var_i64()
    }
    fn encode(&self, out: &mut Vec<u8>) {
        write_var_i64(out, *self);
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, " {self}");
    }
}

/// An `f32` by its bits, so NaN payloads survive decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ieee32(pub u32);

impl Ieee32 {
    /// The float value.
    pub fn value(self) -> f32 {
        f32::from_bits(self.0)
    }
}

impl<'a> Immediate<'a> for Ieee32 {
    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Ieee32(u32::from_le_bytes(r.read_array()?)))
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
    }
    fn print(&self, out: &mut String) {
        print_float(out, f64::from(self.value()), self.value().is_nan(), u64::from(self.0 & 0x7f_ffff));
    }
}

/// An `f64` by its bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ieee64(pub u64);

impl Ieee64 {
    /// The float value.
    pub fn value(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl<'a> Immediate<'a> for Ieee64 {
    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Ieee64(u64::from_le_bytes(r.read_array()?)))
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
    }
    fn print(&self, out: &mut String) {
        print_float(out, self.value(), self.value().is_nan(), self.0 & 0xf_ffff_ffff_ffff);
    }
}

fn print_float(out: &mut String, v: f64, nan: bool, payload: u64) {
    let sign = if v.is_sign_negative() { "-" } else { "" };
    let _ = if nan {
        write!(out, " {sign}nan:0x{payload:x}")
    } else if v.is_infinite() {
        write!(out, " {sign}inf")
    } else {
        write!(out, " {v:?}")
    };
}

/// A 128-bit vector constant, as its 16 little-endian bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct V128(pub [u8; 16]);

impl<'a> Immediate<'a> for V128 {
    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(V128(r.read_array()?))
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn print(&self, out: &mut String) {
        out.push_str(" i32x4");
        for chunk in self.0.chunks_exact(4) {
            let lane = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            let _ = write!(out, " 0x{lane:08x}");
        }
    }
}

/// The 16 lane indices of `i8x16.shuffle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShuffleLanes(pub [u8; 16]);

impl<'a> Immediate<'a> for ShuffleLanes {
    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ShuffleLanes(r.read_array()?))
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn print(&self, out: &mut String) {
        for lane in self.0 {
            let _ = write!(out, " {lane}");
        }
    }
}

/// A byte that must be zero (the reserved byte of `atomic.fence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ZeroByte;

impl<'a> Immediate<'a> for ZeroByte {
    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let at = r.offset();
        match r.read_u8()? {
            0 => Ok(ZeroByte),
            _ => Err(r.error_at(DecodeErrorKind::ZeroByte, at)),
        }
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(0);
    }
    fn print(&self, _out: &mut String) {}
}

/// A memory index that was a reserved zero byte before multi-memory
/// (`memory.size`, `memory.grow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemIdx(pub u32);

impl<'a> Immediate<'a> for MemIdx {
    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        if r.features().multi_memory {
            return r.read_var_u32().map(MemIdx);
        }
        ZeroByte::decode(r).map(|_| MemIdx(0))
    }
    fn encode(&self, out: &mut Vec<u8>) {
        write_var_u32(out, self.0);
    }
    fn print(&self, out: &mut String) {
        if self.0 != 0 {
            let _ = write!(out, " {}", self.0);
        }
    }
}

/// A table index that was a reserved zero byte before reference types
/// (`call_indirect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableIdx(pub u32);

impl<'a> Immediate<'a> for TableIdx {
    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        if r.features().reference_types {
            return r.read_var_u32().map(TableIdx);
        }
        ZeroByte::decode(r).map(|_| TableIdx(0))
    }
    fn encode(&self, out: &mut Vec<u8>) {
        write_var_u32(out, self.0);
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, " {}", self.0);
    }
}

/// The memory argument of loads and stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemArg {
    /// log2 of the promised alignment.
    pub align: u32,
    /// The static offset added to the address.
    pub offset: u64,
    /// The memory accessed.
    pub memory: u32,
}

impl<'a> Immediate<'a> for MemArg {
    #[inline(always)]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        // The frequent form, valid under every feature set: memory 0, an
        // alignment below 32 and a one-byte offset.
        if let Some(&[flags, offset]) = r.data()[r.offset()..r.end()].first_chunk::<2>()
            && flags < 32
            && offset < 0x80
        {
            r.skip(2)?;
            return Ok(MemArg { align: u32::from(flags), offset: u64::from(offset), memory: 0 });
        }
        decode_memarg(r)
    }
    fn encode(&self, out: &mut Vec<u8>) {
        if self.memory == 0 {
            write_var_u32(out, self.align);
        } else {
            write_var_u32(out, self.align | 64);
            write_var_u32(out, self.memory);
        }
        write_var_u64(out, self.offset);
    }
    fn print(&self, out: &mut String) {
        if self.memory != 0 {
            let _ = write!(out, " {}", self.memory);
        }
        if self.offset != 0 {
            let _ = write!(out, " offset={}", self.offset);
        }
        let _ = write!(out, " align={}", 1u64 << self.align.min(63));
    }
}

/// A memory argument in any other form: a multi-byte offset, a memory
/// index (multi-memory), or flags to refuse.
#[inline(never)]
fn decode_memarg(r: &mut Reader<'_>) -> Result<MemArg> {
    let at = r.offset();
    let flags = r.read_var_u32()?;
    let features = r.features();
    let (align, memory) = if !(features.multi_memory || features.memory64) {
        // Before multi-memory the flags were only the alignment, and
        // anything of 32 or more was malformed.
        if flags >= 32 {
            return Err(r.error_at(DecodeErrorKind::MemopFlags, at));
        }
        (flags, 0)
    } else if flags < 64 {
        (flags, 0)
    } else if flags < 128 && features.multi_memory {
        (flags - 64, r.read_var_u32()?)
    } else {
        return Err(r.error_at(DecodeErrorKind::MemopFlags, at));
    };
    let offset = if features.memory64 { r.read_var_u64()? } else { u64::from(r.read_var_u32()?) };
    Ok(MemArg { align, offset, memory })
}

impl<'a> Immediate<'a> for BlockType {
    #[inline(always)]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        // `[] -> []`, the most frequent block type, without a call.
        if matches!(r.peek_u8(), Ok(0x40)) {
            r.read_u8()?;
            return Ok(BlockType::Empty);
        }
        decode_block_type(r)
    }
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            BlockType::Empty => out.push(0x40),
            BlockType::Value(t) => t.encode(out),
            BlockType::Func(i) => write_var_i64(out, i64::from(*i)),
        }
    }
    fn print(&self, out: &mut String) {
        let _ = match self {
            BlockType::Empty => Ok(()),
            BlockType::Value(t) => write!(out, " (result {t})"),
            BlockType::Func(i) => write!(out, " (type {i})"),
        };
    }
}

/// The block types other than `[] -> []`: a value type, or a type index
/// (an s33).
#[inline(never)]
fn decode_block_type(r: &mut Reader<'_>) -> Result<BlockType> {
    let b = r.peek_u8()?;
    if b & 0xC0 == 0x40 || !r.features().multi_value {
        return ValType::decode(r).map(BlockType::Value);
    }
    let at = r.offset();
    let idx = r.read_var_s33()?;
    if idx < 0 {
        return Err(r.error_at(DecodeErrorKind::ValType, at));
    }
    // Non-negative s33 values fit in u32.
    Ok(BlockType::Func(idx as u32))
}

impl<'a> Immediate<'a> for HeapType {
    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        HeapType::decode(r)
    }
    fn encode(&self, out: &mut Vec<u8>) {
        HeapType::encode(*self, out);
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, " {self}");
    }
}

/// The target type of a non-null `ref.test`/`ref.cast` (GC): the opcode says
/// `(ref ht)`, the immediate is the heap type `ht`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NonNullHeap(pub HeapType);

/// The target type of a nullable `ref.test`/`ref.cast` (GC): the opcode says
/// `(ref null ht)`, the immediate is the heap type `ht`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NullableHeap(pub HeapType);

macro_rules! cast_heap {
    ($($t:ident $nullable:literal),*) => {$(
        impl $t {
            /// The reference type tested or cast to.
            pub fn ref_type(self) -> RefType {
                RefType { nullable: $nullable, heap: self.0 }
            }
        }

        impl<'a> Immediate<'a> for $t {
            #[inline]
            fn decode(r: &mut Reader<'a>) -> Result<Self> {
                HeapType::decode(r).map($t)
            }
            fn encode(&self, out: &mut Vec<u8>) {
                self.0.encode(out);
            }
            fn print(&self, out: &mut String) {
                let _ = write!(out, " {}", RefTypeText(self.ref_type()));
            }
        }
    )*};
}

cast_heap!(NonNullHeap false, NullableHeap true);

/// A reference type in the long form the text format's casts use:
/// `(ref null any)`, never the shorthand `anyref`.
struct RefTypeText(RefType);

impl fmt::Display for RefTypeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let RefType { nullable, heap } = self.0;
        write!(f, "(ref {}{heap})", if nullable { "null " } else { "" })
    }
}

/// The immediates of `br_on_cast` and `br_on_cast_fail` (GC): a flags byte
/// (bit 0: the source type is nullable, bit 1: the target type is), the
/// label, and the source and target heap types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CastBranch {
    /// The label branched to.
    pub relative_depth: u32,
    /// The type of the operand (`rt1`).
    pub from: RefType,
    /// The type cast to (`rt2`).
    pub to: RefType,
}

impl<'a> Immediate<'a> for CastBranch {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let at = r.offset();
        let flags = r.read_u8()?;
        if flags & !0b11 != 0 {
            return Err(r.error_at(DecodeErrorKind::CastFlags, at));
        }
        let relative_depth = r.read_var_u32()?;
        let from = RefType { nullable: flags & 1 != 0, heap: HeapType::decode(r)? };
        let to = RefType { nullable: flags & 2 != 0, heap: HeapType::decode(r)? };
        Ok(CastBranch { relative_depth, from, to })
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(self.from.nullable) | (u8::from(self.to.nullable) << 1));
        write_var_u32(out, self.relative_depth);
        self.from.heap.encode(out);
        self.to.heap.encode(out);
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, " {} {} {}", self.relative_depth, RefTypeText(self.from), RefTypeText(self.to));
    }
}

/// The types of a typed `select`. Only one type is valid; the decoder keeps
/// the count so the validator can reject other arities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SelectTypes {
    /// How many types were given.
    pub count: u32,
    /// The first of them, if any.
    pub first: Option<ValType>,
}

impl<'a> Immediate<'a> for SelectTypes {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let count = r.read_len()?;
        let mut first = None;
        for i in 0..count {
            let t = ValType::decode(r)?;
            if i == 0 {
                first = Some(t);
            }
        }
        Ok(SelectTypes { count, first })
    }
    fn encode(&self, out: &mut Vec<u8>) {
        match self.first {
            Some(t) => {
                write_var_u32(out, 1);
                t.encode(out);
            }
            None => write_var_u32(out, 0),
        }
    }
    fn print(&self, out: &mut String) {
        if let Some(t) = self.first {
            let _ = write!(out, " (result {t})");
        }
    }
}

/// Reads a `u32` from bytes the decoder already checked; stops at the end.
fn read_checked_u32(bytes: &[u8], pos: &mut usize) -> u32 {
    let mut result = 0u32;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*pos) {
        *pos += 1;
        if shift < 32 {
            result |= u32::from(b & 0x7f) << shift;
        }
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    result
}

/// The targets of `br_table`: label indices, read on demand, and a default.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BrTable<'a> {
    targets: &'a [u8],
    count: u32,
    default: u32,
}

impl<'a> BrTable<'a> {
    /// The number of targets, not counting the default.
    pub fn len(&self) -> u32 {
        self.count
    }

    /// Whether there are no targets besides the default.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The default target.
    pub fn default(&self) -> u32 {
        self.default
    }

    /// The targets, in order.
    pub fn targets(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        let bytes = self.targets;
        let mut pos = 0;
        (0..self.count as usize).map(move |_| read_checked_u32(bytes, &mut pos))
    }
}

impl fmt::Debug for BrTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrTable")
            .field("targets", &self.targets().collect::<Vec<_>>())
            .field("default", &self.default)
            .finish()
    }
}

impl<'a> Immediate<'a> for BrTable<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let count = r.read_len()?;
        let start = r.offset();
        for _ in 0..count {
            r.read_var_u32()?;
        }
        let targets = &r.data()[start..r.offset()];
        let default = r.read_var_u32()?;
        Ok(BrTable { targets, count, default })
    }
    fn encode(&self, out: &mut Vec<u8>) {
        write_var_u32(out, self.count);
        out.extend_from_slice(self.targets);
        write_var_u32(out, self.default);
    }
    fn print(&self, out: &mut String) {
        for t in self.targets() {
            let _ = write!(out, " {t}");
        }
        let _ = write!(out, " {}", self.default);
    }
}

/// One `try_table` catch clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Catch {
    /// `catch tag label`: pushes the payload.
    One {
        /// The tag caught.
        tag: u32,
        /// The label branched to.
        label: u32,
    },
    /// `catch_ref tag label`: pushes the payload and the `exnref`.
    OneRef {
        /// The tag caught.
        tag: u32,
        /// The label branched to.
        label: u32,
    },
    /// `catch_all label`.
    All {
        /// The label branched to.
        label: u32,
    },
    /// `catch_all_ref label`: pushes the `exnref`.
    AllRef {
        /// The label branched to.
        label: u32,
    },
}

impl Catch {
    fn decode(r: &mut Reader<'_>) -> Result<Catch> {
        let at = r.offset();
        Ok(match r.read_u8()? {
            0 => Catch::One { tag: r.read_var_u32()?, label: r.read_var_u32()? },
            1 => Catch::OneRef { tag: r.read_var_u32()?, label: r.read_var_u32()? },
            2 => Catch::All { label: r.read_var_u32()? },
            3 => Catch::AllRef { label: r.read_var_u32()? },
            _ => return Err(r.error_at(DecodeErrorKind::CatchKind, at)),
        })
    }

    /// The label this clause branches to.
    pub fn label(&self) -> u32 {
        match *self {
            Catch::One { label, .. } | Catch::OneRef { label, .. } => label,
            Catch::All { label } | Catch::AllRef { label } => label,
        }
    }
}

impl fmt::Display for Catch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Catch::One { tag, label } => write!(f, "(catch {tag} {label})"),
            Catch::OneRef { tag, label } => write!(f, "(catch_ref {tag} {label})"),
            Catch::All { label } => write!(f, "(catch_all {label})"),
            Catch::AllRef { label } => write!(f, "(catch_all_ref {label})"),
        }
    }
}

/// The catch clauses of `try_table`, read on demand.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Catches<'a> {
    bytes: &'a [u8],
    count: u32,
}

impl<'a> Catches<'a> {
    /// The number of clauses.
    pub fn len(&self) -> u32 {
        self.count
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The clauses, in order.
    pub fn iter(&self) -> impl Iterator<Item = Catch> + 'a {
        let mut r = Reader::new(self.bytes, crate::Features::default());
        (0..self.count).map_while(move |_| Catch::decode(&mut r).ok())
    }
}

impl fmt::Debug for Catches<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> Immediate<'a> for Catches<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let count = r.read_len()?;
        let start = r.offset();
        for _ in 0..count {
            Catch::decode(r)?;
        }
        Ok(Catches { bytes: &r.data()[start..r.offset()], count })
    }
    fn encode(&self, out: &mut Vec<u8>) {
        write_var_u32(out, self.count);
        out.extend_from_slice(self.bytes);
    }
    fn print(&self, out: &mut String) {
        for c in self.iter() {
            let _ = write!(out, " {c}");
        }
    }
}
