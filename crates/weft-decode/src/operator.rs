//! [`Operator`], its decoder, encoder, printer and signatures — all derived
//! from the instruction table in [`crate::instructions`].

use std::fmt;

use crate::error::{DecodeErrorKind, Result};
use crate::features::Features;
use crate::immediates::*;
use crate::reader::Reader;
use crate::types::{BlockType, HeapType, ValType};

/// The prefix byte of an instruction's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prefix {
    /// A one-byte opcode.
    Plain,
    /// `0xFB`: garbage collection (structs, arrays, casts, `i31`).
    Fb,
    /// `0xFC`: saturating truncation, bulk memory, tables, wide arithmetic.
    Fc,
    /// `0xFD`: SIMD.
    Fd,
    /// `0xFE`: threads (atomics).
    Fe,
}

impl Prefix {
    /// The prefix byte, or `None` for one-byte opcodes.
    pub const fn byte(self) -> Option<u8> {
        match self {
            Prefix::Plain => None,
            Prefix::Fb => Some(0xFB),
            Prefix::Fc => Some(0xFC),
            Prefix::Fd => Some(0xFD),
            Prefix::Fe => Some(0xFE),
        }
    }
}

macro_rules! prefix_of {
    (plain) => {
        Prefix::Plain
    };
    (fb) => {
        Prefix::Fb
    };
    (fc) => {
        Prefix::Fc
    };
    (fd) => {
        Prefix::Fd
    };
    (fe) => {
        Prefix::Fe
    };
}

/// The key an opcode is matched by: the byte for one-byte opcodes, the
/// prefix byte in the top 8 bits and the sub-opcode below otherwise.
const fn opcode_key(prefix: Prefix, code: u32) -> u32 {
    match prefix.byte() {
        None => code,
        Some(p) => ((p as u32) << 24) | code,
    }
}

macro_rules! val_type {
    (i32) => {
        ValType::I32
    };
    (i64) => {
        ValType::I64
    };
    (f32) => {
        ValType::F32
    };
    (f64) => {
        ValType::F64
    };
    (v128) => {
        ValType::V128
    };
}

macro_rules! signature {
    ([?]) => {
        None
    };
    ([$($param:ident)* -> $($result:ident)*]) => {
        Some(Signature { params: &[$(val_type!($param)),*], results: &[$(val_type!($result)),*] })
    };
}

/// A fixed instruction type `[params] -> [results]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// Operand types popped, bottom first.
    pub params: &'static [ValType],
    /// Result types pushed, bottom first.
    pub results: &'static [ValType],
}

macro_rules! define_operator {
    ($( $prefix:ident $code:literal $name:ident $mnemonic:literal { $($imm:ident : $ty:ty),* } $sig:tt )*) => {
        /// One decoded instruction. Variants and immediates come from the
        /// instruction table ([`for_each_instruction!`](crate::for_each_instruction)).
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[allow(missing_docs)]
        pub enum Operator<'a> {
            $( $name { $($imm: $ty),* }, )*
        }

        #[allow(non_upper_case_globals)]
        mod opcode {
            use super::*;
            $( pub const $name: u32 = opcode_key(prefix_of!($prefix), $code); )*
        }

        /// Decodes the immediates of the instruction whose opcode key is
        /// `key` (its opcode bytes, at `at`, have been read already), lets
        /// `structure` check a block instruction, and calls `v`'s method for
        /// the instruction: one match on the opcode, the visitor's code in
        /// its arm.
        #[inline(always)]
        fn visit_with_key<'a, V: VisitOperator<'a> + ?Sized>(
            key: u32,
            at: usize,
            r: &mut Reader<'a>,
            v: &mut V,
            structure: &mut impl FnMut(u8, &Reader<'a>) -> Result<()>,
        ) -> Result<V::Output> {
            Ok(match key {
                $(
                    opcode::$name => {
                        $( let $imm = <$ty as Immediate<'a>>::decode(r)?; )*
                        // A constant per arm: the check vanishes from the
                        // arms of instructions that are not block structure.
                        if is_structural(opcode::$name) {
                            structure(opcode::$name as u8, r)?;
                        }
                        v.$name($($imm),*)
                    }
                )*
                _ => return Err(unknown_key(r, key, at)),
            })
        }

        /// A consumer of decoded instructions with one method per
        /// instruction, named like its [`Operator`] variant and taking its
        /// immediates, in the manner of wasmparser's `VisitOperator`.
        ///
        /// [`OperatorsReader::visit`](crate::OperatorsReader::visit) calls
        /// the method from the decoder's own match on the opcode, so a
        /// visitor that overrides the instructions it cares about handles
        /// them without an [`Operator`] being built and matched again. Every
        /// method not overridden builds the [`Operator`] and calls
        /// [`VisitOperator::visit_operator`].
        #[allow(non_snake_case)]
        pub trait VisitOperator<'a> {
            /// What visiting one instruction returns.
            type Output;

            /// Visits an instruction whose own method is not overridden.
            fn visit_operator(&mut self, op: Operator<'a>) -> Self::Output;

            $(
                #[doc = concat!("Visits `", $mnemonic, "`.")]
                #[inline]
                fn $name(&mut self, $($imm: $ty),*) -> Self::Output {
                    self.visit_operator(Operator::$name { $($imm),* })
                }
            )*
        }

        impl<'a> Operator<'a> {
            /// Calls `v`'s method for this instruction.
            pub fn visit<V: VisitOperator<'a> + ?Sized>(self, v: &mut V) -> V::Output {
                match self {
                    $( Operator::$name { $($imm),* } => v.$name($($imm),*), )*
                }
            }
        }

        impl<'a> Operator<'a> {
            /// The text-format mnemonic, e.g. `"i32.add"`.
            pub fn mnemonic(&self) -> &'static str {
                match self {
                    $( Operator::$name { .. } => $mnemonic, )*
                }
            }

            /// The encoding's prefix and (sub-)opcode.
            pub fn opcode(&self) -> (Prefix, u32) {
                match self {
                    $( Operator::$name { .. } => (prefix_of!($prefix), $code), )*
                }
            }

            /// The instruction's type if it is fixed, `None` where it depends
            /// on the context (indices, labels, the polymorphic stack).
            pub fn signature(&self) -> Option<Signature> {
                match self {
                    $( Operator::$name { .. } => signature!($sig), )*
                }
            }

            /// Appends the binary encoding.
            pub fn encode(&self, out: &mut Vec<u8>) {
                let (prefix, code) = self.opcode();
                match prefix.byte() {
                    None => out.push(code as u8),
                    Some(p) => {
                        out.push(p);
                        crate::encode::write_var_u32(out, code);
                    }
                }
                match self {
                    $( Operator::$name { $($imm),* } => { $( Immediate::encode($imm, out); )* } )*
                }
            }

            /// Appends the text form: mnemonic and immediates.
            pub fn print(&self, out: &mut String) {
                out.push_str(self.mnemonic());
                match self {
                    $( Operator::$name { $($imm),* } => { $( Immediate::print($imm, out); )* } )*
                }
            }
        }

        /// Every row of the table: prefix, opcode and mnemonic.
        pub const INSTRUCTIONS: &[(Prefix, u32, &str)] = &[
            $( (prefix_of!($prefix), $code, $mnemonic), )*
        ];
    };
}

crate::for_each_instruction!(define_operator);

impl fmt::Display for Operator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.print(&mut s);
        f.write_str(&s)
    }
}

/// The visitor that builds the [`Operator`] (every method is the default).
pub(crate) struct Build;

impl<'a> VisitOperator<'a> for Build {
    type Output = Operator<'a>;

    #[inline(always)]
    fn visit_operator(&mut self, op: Operator<'a>) -> Operator<'a> {
        op
    }
}

/// Decodes one instruction and hands it to `v`; `structure` sees the
/// opcode of every block instruction (`block`, `else`, `end`...) after
/// its immediates and before `v`, and may refuse it.
#[inline(always)]
pub(crate) fn visit_one<'a, V: VisitOperator<'a> + ?Sized>(
    r: &mut Reader<'a>,
    v: &mut V,
    structure: &mut impl FnMut(u8, &Reader<'a>) -> Result<()>,
) -> Result<V::Output> {
    let at = r.offset();
    let byte = r.read_u8()?;
    if byte < 0xFB {
        // One-byte opcodes: a dense jump table. Only the few that belong
        // to a proposal pay for the feature check.
        if GATED[byte as usize] && !enabled(u32::from(byte), r.features()) {
            return Err(unknown_key(r, u32::from(byte), at));
        }
        return visit_with_key(u32::from(byte), at, r, v, structure);
    }
    visit_prefixed(byte, at, r, v, structure)
}

#[inline(never)]
fn visit_prefixed<'a, V: VisitOperator<'a> + ?Sized>(
    byte: u8,
    at: usize,
    r: &mut Reader<'a>,
    v: &mut V,
    structure: &mut impl FnMut(u8, &Reader<'a>) -> Result<()>,
) -> Result<V::Output> {
    let code = r.read_var_u32()?;
    if code >= 1 << 24 {
        let text = format!("{byte:02x} {code:02x}");
        return Err(r.error_at(DecodeErrorKind::IllegalOpcode(text), at));
    }
    let key = (u32::from(byte) << 24) | code;
    if !enabled(key, r.features()) {
        return Err(unknown_key(r, key, at));
    }
    visit_with_key(key, at, r, v, structure)
}

/// Whether the opcode key is an instruction that opens, continues or
/// closes a block: `block` `loop` `if` `else` `try` `catch` `end`
/// `delegate` `catch_all` `try_table` (all one-byte opcodes).
#[inline(always)]
pub(crate) const fn is_structural(key: u32) -> bool {
    const MASK: u64 = (0b1111_1100) | (1 << 0x0B) | (1 << 0x18) | (1 << 0x19) | (1 << 0x1F);
    key < 64 && (MASK >> key) & 1 != 0
}

impl<'a> Operator<'a> {
    /// Decodes one instruction.
    #[inline]
    pub fn decode(r: &mut Reader<'a>) -> Result<Operator<'a>> {
        visit_one(r, &mut Build, &mut |_, _| Ok(()))
    }

    /// Whether this instruction opens a block that `end` closes.
    pub fn opens_block(&self) -> bool {
        matches!(
            self,
            Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::Try { .. }
                | Operator::TryTable { .. }
        )
    }
}

/// The error for an opcode key that is not in the table (or not enabled).
#[cold]
#[inline(never)]
fn unknown_key(r: &Reader<'_>, key: u32, at: usize) -> crate::DecodeError {
    let text = match key >> 24 {
        0 => format!("{key:02x}"),
        prefix => format!("{prefix:02x} {:02x}", key & 0xFF_FFFF),
    };
    r.error_at(DecodeErrorKind::IllegalOpcode(text), at)
}

/// One-byte opcodes that belong to a proposal and need a feature check.
static GATED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = matches!(b, 0x06..=0x0A | 0x12..=0x15 | 0x18 | 0x19 | 0x1C | 0x1F | 0x25 | 0x26 | 0xC0..=0xC4 | 0xD0..=0xD6)
            || b >= 0xC5;
        b += 1;
    }
    t
};

/// Whether `features` enable the instruction with opcode key `key`. A
/// disabled instruction does not exist, so decoding it is "illegal opcode".
#[inline]
fn enabled(key: u32, f: Features) -> bool {
    const FB: u32 = 0xFB << 24;
    const FC: u32 = 0xFC << 24;
    const FD: u32 = 0xFD << 24;
    const FE: u32 = 0xFE << 24;
    match key {
        0x00..=0x05 | 0x0B..=0x11 | 0x1A | 0x1B | 0x20..=0x24 | 0x27..=0xBF => true,
        0x06 | 0x07 | 0x09 | 0x18 | 0x19 => f.legacy_exceptions,
        0x08 => f.exceptions || f.legacy_exceptions,
        0x0A | 0x1F => f.exceptions,
        0x12 | 0x13 => f.tail_call,
        0x14 | 0xD4..=0xD6 => f.function_references,
        0x15 => f.function_references && f.tail_call,
        0x1C | 0x25 | 0x26 | 0xD0..=0xD2 => f.reference_types,
        0xD3 => f.gc,
        k if k & 0xFF00_0000 == FB => f.gc,
        0xC0..=0xC4 => f.sign_extension,
        k if k & 0xFF00_0000 == FC => match k & 0xFF_FFFF {
            0..=7 => f.saturating_float_to_int,
            8..=14 => f.bulk_memory,
            15..=17 => f.reference_types,
            19..=22 => f.wide_arithmetic,
            _ => false,
        },
        k if k & 0xFF00_0000 == FD => {
            if k & 0xFF_FFFF < 0x100 {
                f.simd
            } else {
                f.relaxed_simd
            }
        }
        k if k & 0xFF00_0000 == FE => f.threads,
        _ => true,
    }
}

// Keep the types the table names in scope for the derived code.
#[allow(unused_imports)]
use {BlockType as _, HeapType as _};
