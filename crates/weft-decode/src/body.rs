//! Reading instruction sequences: function bodies and constant expressions.
//!
//! [`OperatorsReader`] yields one [`Operator`] at a time and checks the
//! binary structure as the spec's decoder does (`else` only inside `if`,
//! `catch` only inside `try`, the final `end` exactly at the end of the body),
//! so every consumer sees the same "malformed" verdicts.

use crate::error::{DecodeError, DecodeErrorKind, Result};
use crate::operator::Operator;
use crate::reader::Reader;

/// The kind of an open block, for the structural checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Block,
    If,
    Else,
    Try,
    Catch,
    CatchAll,
}

/// Reads the instructions of a function body or constant expression.
#[derive(Debug, Clone)]
pub struct OperatorsReader<'a> {
    reader: Reader<'a>,
    open: Vec<Open>,
    finished: bool,
    exact_end: bool,
}

impl<'a> OperatorsReader<'a> {
    /// A reader over an instruction sequence that ends with the `end` of
    /// its outermost block, exactly at `reader`'s end.
    pub fn new(reader: Reader<'a>) -> Self {
        OperatorsReader { reader, open: Vec::new(), finished: false, exact_end: true }
    }

    /// A reader over a constant expression that starts at `reader`'s
    /// position and ends with its `end`, wherever that is.
    pub fn new_expr(reader: Reader<'a>) -> Self {
        OperatorsReader { reader, open: Vec::new(), finished: false, exact_end: false }
    }

    /// The underlying byte reader (positioned after the last instruction read).
    pub fn into_reader(self) -> Reader<'a> {
        self.reader
    }

    /// The offset of the next instruction.
    #[inline]
    pub fn offset(&self) -> usize {
        self.reader.offset()
    }

    /// Whether the final `end` has been read.
    #[inline]
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The number of blocks open, not counting the function itself.
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Reads the next instruction.
    #[inline]
    pub fn read(&mut self) -> Result<Operator<'a>> {
        let start = self.reader.offset();
        if self.finished {
            return Err(DecodeError::new(DecodeErrorKind::SectionSizeMismatch, start));
        }
        let byte = match self.reader.peek_u8() {
            Ok(b) => b,
            Err(e) => return Err(self.overrun_error(start, e)),
        };
        let op = match Operator::decode(&mut self.reader) {
            Ok(op) => op,
            Err(e) => return Err(self.overrun_error(start, e)),
        };
        if is_structural(byte) {
            self.structure(&op, start)?;
        }
        Ok(op)
    }

    /// The structural effect of a block instruction (`block`, `else`,
    /// `end`...), checked as the spec's decoder checks it.
    #[inline]
    fn structure(&mut self, op: &Operator<'a>, start: usize) -> Result<()> {
        let outermost = self.open.is_empty();
        if let Err(kind) = step(&mut self.open, op) {
            return Err(DecodeError::new(kind, start));
        }
        if outermost && matches!(op, Operator::End {}) {
            // The outermost `end`: the body must end right here.
            self.finished = true;
            if self.exact_end && !self.reader.is_empty() {
                return Err(DecodeError::new(DecodeErrorKind::SectionSizeMismatch, self.reader.offset()));
            }
        }
        Ok(())
    }

    /// Checks that the sequence has been read to its final `end`.
    pub fn finish(&self) -> Result<()> {
        if self.finished { Ok(()) } else { Err(self.reader.eof_error()) }
    }

    /// Reads every remaining instruction, checking the structure.
    pub fn skip_to_end(&mut self) -> Result<()> {
        while !self.finished {
            self.read()?;
        }
        Ok(())
    }

    /// The spec's decoder reads one stream: a body that runs out before its
    /// final `end` goes on decoding the bytes after it, and fails with the
    /// first error found there, or with "section size mismatch" once the
    /// body's structure closes. Reproduce that verdict without ever handing
    /// out an instruction from beyond the body.
    #[cold]
    fn overrun_error(&self, start: usize, original: DecodeError) -> DecodeError {
        let ran_out = matches!(original.kind(), DecodeErrorKind::SectionSizeMismatch | DecodeErrorKind::UnexpectedEnd);
        if !ran_out {
            return original;
        }
        let data = self.reader.data();
        let mut rest = Reader::with_range(data, start, data.len(), self.reader.features());
        let mut open = self.open.clone();
        loop {
            let at = rest.offset();
            let op = match Operator::decode(&mut rest) {
                Ok(op) => op,
                Err(e) => return e,
            };
            let outermost = open.is_empty();
            if let Err(kind) = step(&mut open, &op) {
                return DecodeError::new(kind, at);
            }
            if outermost && matches!(op, Operator::End {}) {
                return DecodeError::new(DecodeErrorKind::SectionSizeMismatch, self.reader.end());
            }
        }
    }
}

/// Whether the opcode byte starts an instruction that opens, continues or
/// closes a block: `block` `loop` `if` `else` `try` `catch` `end`
/// `delegate` `catch_all` `try_table`.
#[inline(always)]
fn is_structural(byte: u8) -> bool {
    const MASK: u64 = (0b1111_1100) | (1 << 0x0B) | (1 << 0x18) | (1 << 0x19) | (1 << 0x1F);
    byte < 64 && (MASK >> byte) & 1 != 0
}

/// Applies the structural effect of `op` to the stack of open blocks.
/// An `end` with nothing open closes the whole sequence and leaves it empty.
#[inline]
fn step(open: &mut Vec<Open>, op: &Operator<'_>) -> std::result::Result<(), DecodeErrorKind> {
    match op {
        Operator::Block { .. } | Operator::Loop { .. } | Operator::TryTable { .. } => open.push(Open::Block),
        Operator::If { .. } => open.push(Open::If),
        Operator::Try { .. } => open.push(Open::Try),
        Operator::Else {} => match open.last_mut() {
            Some(top @ Open::If) => *top = Open::Else,
            _ => return Err(DecodeErrorKind::EndExpected),
        },
        Operator::Catch { .. } => match open.last_mut() {
            Some(top @ (Open::Try | Open::Catch)) => *top = Open::Catch,
            _ => return Err(DecodeErrorKind::EndExpected),
        },
        Operator::CatchAll {} => match open.last_mut() {
            Some(top @ (Open::Try | Open::Catch)) => *top = Open::CatchAll,
            _ => return Err(DecodeErrorKind::EndExpected),
        },
        Operator::Delegate { .. } => match open.last() {
            Some(Open::Try) => {
                open.pop();
            }
            _ => return Err(DecodeErrorKind::EndExpected),
        },
        Operator::End {} => {
            open.pop();
        }
        _ => {}
    }
    Ok(())
}
