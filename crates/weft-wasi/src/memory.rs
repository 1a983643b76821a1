//! [`GuestMemory`]: bounds-checked access to the guest's linear memory.
//!
//! Every pointer and length a guest passes is untrusted. Each access here
//! checks its whole range first and answers [`Errno::Fault`] when any byte
//! lies outside the memory, so a bad pointer is an error code for the
//! guest, never a host panic. Nothing here allocates from a guest-given
//! length: callers get slices of the memory itself.
//!
//! No guest address is ever computed with a plain `+` (which would wrap,
//! or panic in a debug build, at the top of a 4 GiB memory): a structure
//! is checked as a whole and its fields are read and written at offsets
//! inside it ([`GuestMemory::record`], [`GuestMemory::record_mut`]), and
//! the address of an array element comes from [`element`], which answers
//! [`Errno::Fault`] on overflow.

use crate::errno::Errno;

/// The longest path, in bytes, the host accepts from a guest
/// (`ENAMETOOLONG` beyond it), so a path cannot make the host allocate
/// more than this.
pub const MAX_PATH_LEN: u32 = 4096;

/// A view of the guest's linear memory (empty if the module exports none).
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    /// Wraps the memory's bytes.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }

    /// The memory's size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the memory is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>, Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.bytes.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    /// The `len` bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    /// The `len` bytes at `ptr`, mutably.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    fn array<const N: usize>(&self, ptr: u32) -> Result<[u8; N], Errno> {
        let mut out = [0; N];
        out.copy_from_slice(self.slice(ptr, N as u32)?);
        Ok(out)
    }

    /// Reads a `u8`.
    pub fn read_u8(&self, ptr: u32) -> Result<u8, Errno> {
        Ok(self.array::<1>(ptr)?[0])
    }

    /// Reads a little-endian `u16`.
    pub fn read_u16(&self, ptr: u32) -> Result<u16, Errno> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }

    /// Reads a little-endian `u32`.
    pub fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }

    /// Reads a little-endian `u64`.
    pub fn read_u64(&self, ptr: u32) -> Result<u64, Errno> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    /// Writes bytes at `ptr`.
    pub fn write_bytes(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(bytes.len()).map_err(|_| Errno::Fault)?;
        self.slice_mut(ptr, len)?.copy_from_slice(bytes);
        Ok(())
    }

    /// Writes a `u8`.
    pub fn write_u8(&mut self, ptr: u32, v: u8) -> Result<(), Errno> {
        self.write_bytes(ptr, &[v])
    }

    /// Writes a little-endian `u16`.
    pub fn write_u16(&mut self, ptr: u32, v: u16) -> Result<(), Errno> {
        self.write_bytes(ptr, &v.to_le_bytes())
    }

    /// Writes a little-endian `u32`.
    pub fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.write_bytes(ptr, &v.to_le_bytes())
    }

    /// Writes a little-endian `u64`.
    pub fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.write_bytes(ptr, &v.to_le_bytes())
    }

    /// Reads a path argument: at most [`MAX_PATH_LEN`] bytes of UTF-8
    /// without NUL (`ENAMETOOLONG`, `EILSEQ`, `EINVAL` otherwise).
    pub fn read_path(&self, ptr: u32, len: u32) -> Result<&str, Errno> {
        if len > MAX_PATH_LEN {
            return Err(Errno::Nametoolong);
        }
        let bytes = self.slice(ptr, len)?;
        if bytes.contains(&0) {
            return Err(Errno::Inval);
        }
        std::str::from_utf8(bytes).map_err(|_| Errno::Ilseq)
    }

    /// The `(buf, buf_len)` pair of iovec number `i` of the array at `iovs`.
    pub fn iovec(&self, iovs: u32, i: u32) -> Result<(u32, u32), Errno> {
        const SIZE: u32 = crate::types::layout::IOVEC_SIZE;
        let iovec = self.record(element(iovs, i, SIZE)?, SIZE)?;
        Ok((iovec.u32(0), iovec.u32(4)))
    }

    /// The `size` bytes of a structure at `ptr`, checked as a whole, for
    /// reading its fields at offsets inside it.
    pub(crate) fn record(&self, ptr: u32, size: u32) -> Result<Record<'_>, Errno> {
        self.slice(ptr, size).map(Record)
    }

    /// The `size` bytes of a structure at `ptr` for the host to fill,
    /// checked as a whole and zeroed (so padding never leaks old bytes).
    pub(crate) fn record_mut(&mut self, ptr: u32, size: u32) -> Result<RecordMut<'_>, Errno> {
        let bytes = self.slice_mut(ptr, size)?;
        bytes.fill(0);
        Ok(RecordMut(bytes))
    }

    /// Checks that an iovec array of `count` entries lies in memory, so a
    /// huge count fails at once instead of being walked.
    pub fn check_iovecs(&self, iovs: u32, count: u32) -> Result<(), Errno> {
        let bytes = count.checked_mul(crate::types::layout::IOVEC_SIZE).ok_or(Errno::Fault)?;
        self.range(iovs, bytes).map(|_| ())
    }
}

/// The address of element `i` of an array of `size`-byte elements at
/// `base`: [`Errno::Fault`] if it does not fit in 32 bits.
pub(crate) fn element(base: u32, i: u32, size: u32) -> Result<u32, Errno> {
    i.checked_mul(size).and_then(|offset| base.checked_add(offset)).ok_or(Errno::Fault)
}

/// A structure in guest memory whose bounds were checked as a whole
/// ([`GuestMemory::record`]). Fields are read at offsets given by the
/// WASI layout, constants of the host that always lie inside the record.
pub(crate) struct Record<'a>(&'a [u8]);

impl Record<'_> {
    fn field<const N: usize>(&self, offset: usize) -> [u8; N] {
        let mut out = [0; N];
        out.copy_from_slice(&self.0[offset..offset + N]);
        out
    }

    /// The `u8` at `offset`.
    pub(crate) fn u8(&self, offset: usize) -> u8 {
        self.0[offset]
    }

    /// The little-endian `u16` at `offset`.
    pub(crate) fn u16(&self, offset: usize) -> u16 {
        u16::from_le_bytes(self.field(offset))
    }

    /// The little-endian `u32` at `offset`.
    pub(crate) fn u32(&self, offset: usize) -> u32 {
        u32::from_le_bytes(self.field(offset))
    }

    /// The little-endian `u64` at `offset`.
    pub(crate) fn u64(&self, offset: usize) -> u64 {
        u64::from_le_bytes(self.field(offset))
    }
}

/// A structure in guest memory for the host to fill
/// ([`GuestMemory::record_mut`]), written at offsets of the WASI layout.
pub(crate) struct RecordMut<'a>(&'a mut [u8]);

impl RecordMut<'_> {
    fn put(&mut self, offset: usize, bytes: &[u8]) -> &mut Self {
        self.0[offset..offset + bytes.len()].copy_from_slice(bytes);
        self
    }

    /// Writes a `u8` at `offset`.
    pub(crate) fn u8(&mut self, offset: usize, v: u8) -> &mut Self {
        self.put(offset, &[v])
    }

    /// Writes a little-endian `u16` at `offset`.
    pub(crate) fn u16(&mut self, offset: usize, v: u16) -> &mut Self {
        self.put(offset, &v.to_le_bytes())
    }

    /// Writes a little-endian `u32` at `offset`.
    pub(crate) fn u32(&mut self, offset: usize, v: u32) -> &mut Self {
        self.put(offset, &v.to_le_bytes())
    }

    /// Writes a little-endian `u64` at `offset`.
    pub(crate) fn u64(&mut self, offset: usize, v: u64) -> &mut Self {
        self.put(offset, &v.to_le_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_bounds_is_fault() {
        let mut bytes = vec![0u8; 16];
        let mut m = GuestMemory::new(&mut bytes);
        assert_eq!(m.read_u32(13), Err(Errno::Fault));
        assert_eq!(m.read_u64(u32::MAX), Err(Errno::Fault));
        assert_eq!(m.write_u32(12, 7), Ok(()));
        assert_eq!(m.read_u32(12), Ok(7));
        assert_eq!(m.check_iovecs(0, u32::MAX), Err(Errno::Fault));
    }

    #[test]
    fn element_addresses_never_wrap() {
        assert_eq!(element(16, 2, 8), Ok(32));
        assert_eq!(element(u32::MAX - 7, 1, 8), Err(Errno::Fault));
        assert_eq!(element(u32::MAX - 7, 0, 8), Ok(u32::MAX - 7));
        assert_eq!(element(0, u32::MAX, 2), Err(Errno::Fault));
    }

    #[test]
    fn records_are_checked_whole_and_zeroed() {
        let mut bytes = vec![0xAAu8; 32];
        let mut m = GuestMemory::new(&mut bytes);
        assert!(m.record(25, 8).is_err());
        assert!(m.record_mut(u32::MAX, 8).is_err());
        m.record_mut(16, 16).unwrap().u16(0, 0x0102).u64(8, 7);
        assert_eq!(&bytes[16..], &[2, 1, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(bytes[15], 0xAA);
        let m = GuestMemory::new(&mut bytes);
        let r = m.record(16, 16).unwrap();
        assert_eq!((r.u8(0), r.u16(0), r.u32(8), r.u64(8)), (2, 0x0102, 7, 7));
    }

    #[test]
    fn paths_are_checked() {
        let mut bytes = b"a\0b/ok\xff".to_vec();
        let m = GuestMemory::new(&mut bytes);
        assert_eq!(m.read_path(0, 3), Err(Errno::Inval));
        assert_eq!(m.read_path(2, 4), Ok("b/ok"));
        assert_eq!(m.read_path(2, 5), Err(Errno::Ilseq));
        assert_eq!(m.read_path(0, MAX_PATH_LEN + 1), Err(Errno::Nametoolong));
    }
}
