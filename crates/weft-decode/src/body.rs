//! Reading instruction sequences: function bodies and constant expressions.
//!
//! [`OperatorsReader`] yields one [`Operator`] at a time and checks the
//! binary structure as the spec's decoder does (`else` only inside `if`,
//! `catch` only inside `try`, the final `end` exactly at the end of the body),
//! so every consumer sees the same "malformed" verdicts.

use crate::error::{DecodeError, DecodeErrorKind, Result};
use crate::operator::{Build, Operator, VisitOperator, visit_one};
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
        self.visit(&mut Build)
    }

    /// Reads the next instruction and calls `v`'s method for it (see
    /// [`VisitOperator`]): the fast way to consume a body, without an
    /// [`Operator`] for the instructions `v` handles itself. Checks the
    /// structure as [`OperatorsReader::read`] does, before `v` sees the
    /// instruction.
    #[inline(always)]
    pub fn visit<V: VisitOperator<'a> + ?Sized>(&mut self, v: &mut V) -> Result<V::Output> {
        let start = self.reader.offset();
        if self.finished {
            return Err(DecodeError::new(DecodeErrorKind::SectionSizeMismatch, start));
        }
        let OperatorsReader { reader, open, finished, exact_end } = self;
        let mut structure = |byte: u8, r: &Reader<'a>| {
            let outermost = open.is_empty();
            if let Err(kind) = step(open, byte) {
                return Err(DecodeError::new(kind, start));
            }
            if outermost && byte == END {
                // The outermost `end`: the body must end right here.
                *finished = true;
                if *exact_end && !r.is_empty() {
                    return Err(DecodeError::new(DecodeErrorKind::SectionSizeMismatch, r.offset()));
                }
            }
            Ok(())
        };
        let result = visit_one(reader, v, &mut structure);
        // Returned as it is (rebuilding it would copy an `Operator` that
        // was just written piecewise, a stalled load per instruction). A
        // structural verdict stands; running out may be an overrun.
        match &result {
            Err(e) if !self.finished && e.kind() != &DecodeErrorKind::EndExpected => Err(self.overrun_error(start, e)),
            _ => result,
        }
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
    fn overrun_error(&self, start: usize, original: &DecodeError) -> DecodeError {
        let ran_out = matches!(original.kind(), DecodeErrorKind::SectionSizeMismatch | DecodeErrorKind::UnexpectedEnd);
        if !ran_out {
            return original.clone();
        }
        let data = self.reader.data();
        let mut rest = Reader::with_range(data, start, data.len(), self.reader.features());
        let mut open = self.open.clone();
        loop {
            let mut closed = false;
            let mut structure = |byte: u8, r: &Reader<'_>| {
                let outermost = open.is_empty();
                step(&mut open, byte).map_err(|kind| DecodeError::new(kind, r.offset()))?;
                closed = outermost && byte == END;
                Ok(())
            };
            let at = rest.offset();
            match visit_one(&mut rest, &mut Build, &mut structure) {
                Err(e) if e.kind() == &DecodeErrorKind::EndExpected => {
                    return DecodeError::new(DecodeErrorKind::EndExpected, at);
                }
                Err(e) => return e,
                Ok(_) if closed => return DecodeError::new(DecodeErrorKind::SectionSizeMismatch, self.reader.end()),
                Ok(_) => {}
            }
        }
    }
}

/// The opcode of `end`.
const END: u8 = 0x0B;

/// Applies the structural effect of the block instruction with opcode
/// `byte` to the stack of open blocks. An `end` with nothing open closes
/// the whole sequence and leaves it empty.
#[inline]
fn step(open: &mut Vec<Open>, byte: u8) -> std::result::Result<(), DecodeErrorKind> {
    match byte {
        // block, loop, try_table
        0x02 | 0x03 | 0x1F => open.push(Open::Block),
        0x04 => open.push(Open::If),
        0x06 => open.push(Open::Try),
        // else
        0x05 => match open.last_mut() {
            Some(top @ Open::If) => *top = Open::Else,
            _ => return Err(DecodeErrorKind::EndExpected),
        },
        // catch
        0x07 => match open.last_mut() {
            Some(top @ (Open::Try | Open::Catch)) => *top = Open::Catch,
            _ => return Err(DecodeErrorKind::EndExpected),
        },
        // catch_all
        0x19 => match open.last_mut() {
            Some(top @ (Open::Try | Open::Catch)) => *top = Open::CatchAll,
            _ => return Err(DecodeErrorKind::EndExpected),
        },
        // delegate
        0x18 => match open.last() {
            Some(Open::Try) => {
                open.pop();
            }
            _ => return Err(DecodeErrorKind::EndExpected),
        },
        END => {
            open.pop();
        }
        _ => {}
    }
    Ok(())
}
