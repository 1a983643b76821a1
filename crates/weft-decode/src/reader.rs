//! The byte reader every decoding step goes through: bounds, LEB128, names.
//!
//! A [`Reader`] looks at the whole module's bytes but may only read up to its
//! `end` (the end of the current section or function body), so every offset
//! it reports is an offset into the module, and a section can never read its
//! neighbour's bytes.

use crate::error::{DecodeError, DecodeErrorKind, Result};
use crate::features::Features;

/// A bounded cursor over a module's bytes.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    features: Features,
}

impl<'a> Reader<'a> {
    /// A reader over all of `data`.
    pub fn new(data: &'a [u8], features: Features) -> Self {
        Reader { data, pos: 0, end: data.len(), features }
    }

    /// A reader over `data[start..end]` that reports offsets into `data`.
    ///
    /// The range is clamped to the data, so no range makes reading panic.
    pub fn with_range(data: &'a [u8], start: usize, end: usize, features: Features) -> Self {
        let end = end.min(data.len());
        Reader { data, pos: start.min(end), end, features }
    }

    /// The features this reader decodes for.
    #[inline]
    pub fn features(&self) -> Features {
        self.features
    }

    /// The offset of the next byte, from the start of the module.
    #[inline]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The offset where this reader's bytes end.
    #[inline]
    pub fn end(&self) -> usize {
        self.end
    }

    /// Whether every byte has been read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    /// How many bytes remain.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// The whole module's bytes (for sub-readers and byte ranges).
    #[inline]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// A reader over the next `len` bytes; this reader skips past them.
    pub fn split(&mut self, len: usize) -> Result<Reader<'a>> {
        if len > self.remaining() {
            return Err(self.eof_error());
        }
        let sub = Reader { data: self.data, pos: self.pos, end: self.pos + len, features: self.features };
        self.pos += len;
        Ok(sub)
    }

    /// The error for reading past `end`. The spec's decoder reads one stream,
    /// so running out of a section while the module goes on shows up there
    /// as a section whose size does not match its content.
    #[cold]
    pub fn eof_error(&self) -> DecodeError {
        let kind = if self.end < self.data.len() {
            DecodeErrorKind::SectionSizeMismatch
        } else {
            DecodeErrorKind::UnexpectedEnd
        };
        DecodeError::new(kind, self.pos.min(self.end))
    }

    /// An error of `kind` at `offset`.
    #[cold]
    pub fn error_at(&self, kind: DecodeErrorKind, offset: usize) -> DecodeError {
        DecodeError::new(kind, offset)
    }

    /// The next byte, without consuming it.
    #[inline]
    pub fn peek_u8(&self) -> Result<u8> {
        if self.pos < self.end { Ok(self.data[self.pos]) } else { Err(self.eof_error()) }
    }

    /// One byte.
    #[inline(always)]
    pub fn read_u8(&mut self) -> Result<u8> {
        if self.pos < self.end {
            let b = self.data[self.pos];
            self.pos += 1;
            Ok(b)
        } else {
            Err(self.eof_error())
        }
    }

    /// `len` raw bytes.
    #[inline]
    pub fn read_bytes(&mut self, len: usize) -> Result<&'a [u8]> {
        if len <= self.remaining() {
            let bytes = &self.data[self.pos..self.pos + len];
            self.pos += len;
            Ok(bytes)
        } else {
            self.pos = self.end;
            Err(self.eof_error())
        }
    }

    /// `N` raw bytes as an array.
    #[inline]
    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.read_bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// A little-endian `u32` in four raw bytes.
    pub fn read_u32_le(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.read_array()?))
    }

    /// An unsigned LEB128 `u32` (the spec's `u32`).
    #[inline(always)]
    pub fn read_var_u32(&mut self) -> Result<u32> {
        if let Some(&b) = self.data[..self.end].get(self.pos)
            && b & 0x80 == 0
        {
            self.pos += 1;
            return Ok(u32::from(b));
        }
        self.read_var_u32_slow()
    }

    #[inline(never)]
    fn read_var_u32_slow(&mut self) -> Result<u32> {
        // Up to five bytes; a fifth may carry only the top four bits, so
        // the value fits in 32 bits exactly when it is well-formed. (Five
        // bytes are frequent: linkers pad relocated indices to five.)
        if let Some((value, len)) = leb_prefix(&self.data[self.pos.min(self.end)..self.end], 5)
            && value <= u64::from(u32::MAX)
        {
            self.pos += len;
            return Ok(value as u32);
        }
        // The value is at most 32 bits by construction.
        self.read_unsigned(32).map(|v| v as u32)
    }

    /// An unsigned LEB128 `u64`.
    #[inline]
    pub fn read_var_u64(&mut self) -> Result<u64> {
        // Up to nine bytes (63 bits) without the checks a tenth needs.
        if let Some((value, len)) = leb_prefix(&self.data[self.pos.min(self.end)..self.end], 9) {
            self.pos += len;
            return Ok(value);
        }
        self.read_unsigned(64)
    }

    /// A signed LEB128 `i32` (the spec's `s32`).
    #[inline(always)]
    pub fn read_var_i32(&mut self) -> Result<i32> {
        if let Some(&b) = self.data[..self.end].get(self.pos)
            && b & 0x80 == 0
        {
            self.pos += 1;
            // Sign-extend the 7-bit value.
            return Ok(i32::from((b << 1) as i8) >> 1);
        }
        self.read_var_i32_slow()
    }

    #[inline(never)]
    fn read_var_i32_slow(&mut self) -> Result<i32> {
        // Up to five bytes, sign-extended. A fifth byte holds bits 28..35,
        // of which 32..35 must repeat bit 31: its bits 3..7 (`0x78`) are
        // all clear or all set in a well-formed `s32` (linkers pad
        // relocated constants to five bytes).
        let bytes = &self.data[self.pos.min(self.end)..self.end];
        if let Some((value, len)) = leb_prefix(bytes, 5)
            && (len < 5 || matches!(bytes[4] & 0x78, 0 | 0x78))
        {
            self.pos += len;
            let unused = 64 - 7 * len as u32;
            return Ok(((value << unused) as i64 >> unused) as i32);
        }
        self.read_signed(32).map(|v| v as i32)
    }

    /// A signed LEB128 `i64` (the spec's `s64`).
    #[inline]
    pub fn read_var_i64(&mut self) -> Result<i64> {
        // Up to nine bytes (63 bits), sign-extended, without the checks a
        // tenth byte needs.
        if let Some((value, len)) = leb_prefix(&self.data[self.pos.min(self.end)..self.end], 9) {
            self.pos += len;
            let unused = 64 - 7 * len as u32;
            return Ok((value << unused) as i64 >> unused);
        }
        self.read_signed(64)
    }

    /// A signed LEB128 `s33` (block types and heap types).
    #[inline]
    pub fn read_var_s33(&mut self) -> Result<i64> {
        self.read_signed(33)
    }

    /// The spec's `vuN`: at most `ceil(bits / 7)` bytes, unused bits zero.
    fn read_unsigned(&mut self, bits: u32) -> Result<u64> {
        let mut result = 0u64;
        let mut shift = 0u32;
        let mut remaining = bits as i32;
        loop {
            if remaining <= 0 {
                return Err(self.error_at(DecodeErrorKind::IntegerTooLong, self.pos));
            }
            let at = self.pos;
            let b = self.read_u8()?;
            if remaining < 7 && u32::from(b & 0x7f) >= (1u32 << remaining) {
                return Err(self.error_at(DecodeErrorKind::IntegerTooLarge, at));
            }
            result |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(result);
            }
            shift += 7;
            remaining -= 7;
        }
    }

    /// The spec's `vsN`: at most `ceil(bits / 7)` bytes, unused bits a sign
    /// extension of the value.
    fn read_signed(&mut self, bits: u32) -> Result<i64> {
        let mut result = 0i64;
        let mut shift = 0u32;
        let mut remaining = bits as i32;
        loop {
            if remaining <= 0 {
                return Err(self.error_at(DecodeErrorKind::IntegerTooLong, self.pos));
            }
            let at = self.pos;
            let b = self.read_u8()?;
            if remaining < 7 {
                let mask = ((-1i32 << (remaining - 1)) & 0x7f) as u8;
                let high = b & mask;
                if high != 0 && high != mask {
                    return Err(self.error_at(DecodeErrorKind::IntegerTooLarge, at));
                }
            }
            result |= i64::from(b & 0x7f) << shift;
            shift += 7;
            remaining -= 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    result |= -1i64 << shift;
                }
                return Ok(result);
            }
        }
    }

    /// A vector length. Not checked against the input here (the spec's
    /// decoder fails on the first element that is missing), so callers
    /// must size buffers with [`Reader::capacity_for`], never with `n`.
    #[inline]
    pub fn read_len(&mut self) -> Result<u32> {
        self.read_var_u32()
    }

    /// A capacity to reserve for `n` elements: never more than the bytes
    /// left in this reader, since each element takes at least one.
    #[inline]
    pub fn capacity_for(&self, n: u32) -> usize {
        (n as usize).min(self.remaining())
    }

    /// A name: a length-prefixed UTF-8 string.
    pub fn read_name(&mut self) -> Result<&'a str> {
        let at = self.pos;
        let len = self.read_var_u32()? as usize;
        if len > self.data.len() - self.pos {
            return Err(self.error_at(DecodeErrorKind::LengthOutOfBounds, at));
        }
        let bytes = self.read_bytes(len)?;
        std::str::from_utf8(bytes).map_err(|_| self.error_at(DecodeErrorKind::Utf8, at))
    }

    /// Skips `len` bytes.
    pub fn skip(&mut self, len: usize) -> Result<()> {
        self.read_bytes(len).map(|_| ())
    }
}

/// The LEB128 number at the start of `bytes` if it takes at most `max`
/// bytes (`max` ≤ 9, so its bits fit without checks): its `7 * len` value
/// bits, zero-extended, and `len`. `None` if it is longer or cut off; the
/// careful readers then decide, with the spec's errors.
#[inline(always)]
fn leb_prefix(bytes: &[u8], max: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().take(max).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> Reader<'_> {
        Reader::new(bytes, Features::default())
    }

    #[test]
    fn u32_edges() {
        assert_eq!(reader(&[0x00]).read_var_u32().unwrap(), 0);
        assert_eq!(reader(&[0x7f]).read_var_u32().unwrap(), 127);
        assert_eq!(reader(&[0x80, 0x01]).read_var_u32().unwrap(), 128);
        assert_eq!(reader(&[0xff, 0xff, 0xff, 0xff, 0x0f]).read_var_u32().unwrap(), u32::MAX);
        assert_eq!(
            reader(&[0xff, 0xff, 0xff, 0xff, 0x1f]).read_var_u32().unwrap_err().kind(),
            &DecodeErrorKind::IntegerTooLarge
        );
        assert_eq!(
            reader(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).read_var_u32().unwrap_err().kind(),
            &DecodeErrorKind::IntegerTooLong
        );
        assert_eq!(reader(&[0x80]).read_var_u32().unwrap_err().kind(), &DecodeErrorKind::UnexpectedEnd);
    }

    #[test]
    fn signed_edges() {
        assert_eq!(reader(&[0x7f]).read_var_i32().unwrap(), -1);
        assert_eq!(reader(&[0x40]).read_var_i32().unwrap(), -64);
        assert_eq!(reader(&[0x3f]).read_var_i32().unwrap(), 63);
        assert_eq!(reader(&[0x80, 0x80, 0x80, 0x80, 0x78]).read_var_i32().unwrap(), i32::MIN);
        assert_eq!(reader(&[0xff, 0xff, 0xff, 0xff, 0x07]).read_var_i32().unwrap(), i32::MAX);
        assert_eq!(
            reader(&[0xff, 0xff, 0xff, 0xff, 0x4f]).read_var_i32().unwrap_err().kind(),
            &DecodeErrorKind::IntegerTooLarge
        );
        let min = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f];
        assert_eq!(reader(&min).read_var_i64().unwrap(), i64::MIN);
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
        assert_eq!(reader(&max).read_var_i64().unwrap(), i64::MAX);
    }

    /// The fast prefixes agree with the careful readers on every length.
    #[test]
    fn fast_paths_agree_with_careful_readers() {
        let values: [i64; 12] =
            [0, 1, -1, 63, -64, 64, -65, 1 << 20, -(1 << 27), (1 << 27) - 1, i64::MAX >> 1, i64::MIN >> 1];
        for v in values {
            let mut bytes = Vec::new();
            leb128::write::signed(&mut bytes, v).unwrap();
            bytes.push(0xAA);
            assert_eq!(reader(&bytes).read_var_i64().unwrap(), reader(&bytes).read_signed(64).unwrap(), "{v}");
            if let Ok(v32) = i32::try_from(v) {
                let mut r = reader(&bytes);
                assert_eq!(r.read_var_i32().unwrap(), v32);
                assert_eq!(r.offset(), bytes.len() - 1);
            }
            let u = v.unsigned_abs();
            bytes.clear();
            leb128::write::unsigned(&mut bytes, u).unwrap();
            assert_eq!(reader(&bytes).read_var_u64().unwrap(), u);
            if let Ok(u32) = u32::try_from(u) {
                assert_eq!(reader(&bytes).read_var_u32().unwrap(), u32);
            }
        }
        // Every five-byte (padded) encoding a linker writes, and the fifth
        // bytes around the edge of well-formedness, agree too.
        for v in [0i64, 1, -1, 127, -128, 1 << 30, i64::from(i32::MIN), i64::from(i32::MAX), i64::from(u32::MAX)] {
            let low = (v as u64) & 0x0FFF_FFFF;
            for fifth in 0..=0x7Fu8 {
                let mut bytes: Vec<u8> = (0..4).map(|i| ((low >> (7 * i)) & 0x7f) as u8 | 0x80).collect();
                bytes.push(fifth);
                let (mut fast, mut careful) = (reader(&bytes), reader(&bytes));
                let careful_u = careful.read_unsigned(32).map(|x| x as u32);
                assert_eq!(fast.read_var_u32().map_err(|e| e.kind().clone()), careful_u.map_err(|e| e.kind().clone()));
                let (mut fast, mut careful) = (reader(&bytes), reader(&bytes));
                let careful_s = careful.read_signed(32).map(|x| x as i32);
                assert_eq!(fast.read_var_i32().map_err(|e| e.kind().clone()), careful_s.map_err(|e| e.kind().clone()));
                assert_eq!(fast.offset(), careful.offset());
            }
        }
        // Cut off after a continuation byte: still the careful error.
        assert_eq!(reader(&[0x80, 0x80]).read_var_i32().unwrap_err().kind(), &DecodeErrorKind::UnexpectedEnd);
        assert_eq!(reader(&[0x80, 0x80]).read_var_u64().unwrap_err().kind(), &DecodeErrorKind::UnexpectedEnd);
    }

    #[test]
    fn name_length_is_bounded_by_input() {
        let mut r = reader(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
        assert_eq!(r.read_name().unwrap_err().kind(), &DecodeErrorKind::LengthOutOfBounds);
        let r = reader(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
        assert_eq!(r.capacity_for(u32::MAX), 6);
    }
}
