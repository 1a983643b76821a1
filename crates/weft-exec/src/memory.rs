//! The bytes of a linear memory, reserved as address space and zeroed by
//! the operating system on first touch.
//!
//! A memory instance's bytes live in an anonymous private mapping
//! (`memmap2::MmapMut::map_anon`, safe: nothing else can see an anonymous
//! mapping). The kernel hands out a zero page the first time a page is
//! touched, so declaring `(memory 65536)` costs address space, not 4 GiB
//! of RAM, and instantiation does not write a single byte of it.
//!
//! The mapping is made as large as the memory may ever become (its
//! maximum, capped at [`RESERVE_LIMIT`]), so `memory.grow` within it only
//! moves the end: the bytes past the current size have never been
//! visible, hence are still zero. Growing past the reservation (a 64-bit
//! memory, or a mapping that had to fall back to the exact size) maps a
//! larger region and copies once.
//!
//! The store's resource limiter is asked before any of this (see
//! `instance::alloc_memory` and `ops::memory_grow`): it sees every byte
//! the module requests, not what is reserved.

use std::fmt;
use std::ops::{Deref, DerefMut};

use memmap2::MmapMut;

/// The largest reservation made up front: 4 GiB, all of a 32-bit memory's
/// address space. A 64-bit memory reserves up to this much and beyond it
/// grows by remapping.
pub const RESERVE_LIMIT: usize = 1 << 32;

/// The bytes of a linear memory: the first `len` bytes of a zeroed
/// reservation. Dereferences to exactly the memory's current bytes.
pub struct LinearMemory {
    /// The reservation; `None` while nothing is reserved (size 0 and no
    /// room to grow).
    map: Option<MmapMut>,
    /// The memory's current size in bytes (≤ the reservation).
    len: usize,
}

impl LinearMemory {
    /// A memory of `len` zero bytes, with room reserved to grow up to
    /// `max` bytes (if given) without moving; an error if even `len`
    /// bytes of address space cannot be mapped.
    pub fn new(len: usize, max: Option<usize>) -> std::io::Result<LinearMemory> {
        // Under Miri, which models every mapped byte, map only what is
        // used: growth then takes the copying path, whose moving base
        // pointer is what the Miri runs of the growth tests check.
        let want = if cfg!(miri) { len } else { max.unwrap_or(RESERVE_LIMIT).min(RESERVE_LIMIT).max(len) };
        let map = match map_zeroed(want) {
            Ok(map) => map,
            // Address space or overcommit refused the reservation: map
            // only what is needed now; growth will remap.
            Err(_) if want > len => map_zeroed(len)?,
            Err(e) => return Err(e),
        };
        Ok(LinearMemory { map, len })
    }

    /// The bytes reserved, of which the first `len()` are the memory.
    pub fn reserved(&self) -> usize {
        self.map.as_ref().map_or(0, |m| m.len())
    }

    /// Grows the memory to `new_len` zero-extended bytes (`new_len` ≥ the
    /// current length); `max` bounds a new reservation if one is needed.
    /// Within the reservation nothing is copied or written. Returns
    /// `false`, leaving the memory as it was, if the address space for a
    /// larger reservation cannot be mapped.
    pub fn grow(&mut self, new_len: usize, max: Option<usize>) -> bool {
        debug_assert!(new_len >= self.len);
        if new_len <= self.reserved() {
            self.len = new_len;
            return true;
        }
        // Beyond the reservation: map a larger region (twice the request,
        // within the maximum, so repeated growth copies a logarithmic
        // number of times) and copy the current contents once.
        let cap = max.unwrap_or(usize::MAX).max(new_len);
        let want = new_len.saturating_mul(2).min(cap).max(new_len);
        let Ok(map) = map_zeroed(want).or_else(|_| map_zeroed(new_len)) else {
            return false;
        };
        let mut map = map;
        if let (Some(new), Some(old)) = (map.as_mut(), self.map.as_ref()) {
            new[..self.len].copy_from_slice(&old[..self.len]);
        }
        self.map = map;
        self.len = new_len;
        true
    }
}

/// Maps `len` zero bytes, or nothing for `len == 0`.
fn map_zeroed(len: usize) -> std::io::Result<Option<MmapMut>> {
    if len == 0 { Ok(None) } else { MmapMut::map_anon(len).map(Some) }
}

impl Deref for LinearMemory {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match &self.map {
            Some(m) => &m[..self.len],
            None => &[],
        }
    }
}

impl DerefMut for LinearMemory {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.map {
            Some(m) => &mut m[..self.len],
            None => &mut [],
        }
    }
}

impl fmt::Debug for LinearMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinearMemory").field("len", &self.len).field("reserved", &self.reserved()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore = "Miri maps only what is used")]
    fn grows_in_place_within_the_reservation() {
        let mut m = LinearMemory::new(65536, Some(4 * 65536)).unwrap();
        assert_eq!(m.len(), 65536);
        assert_eq!(m.reserved(), 4 * 65536);
        m[65535] = 7;
        let base = m.as_ptr();
        assert!(m.grow(3 * 65536, Some(4 * 65536)));
        assert_eq!(m.as_ptr(), base, "growth within the reservation must not move the bytes");
        assert_eq!(m.len(), 3 * 65536);
        assert_eq!(m[65535], 7);
        assert!(m[65536..].iter().all(|&b| b == 0));
    }

    #[test]
    fn grows_past_the_reservation_by_copying() {
        let mut m = LinearMemory::new(0, Some(0)).unwrap();
        assert_eq!(m.len(), 0);
        assert_eq!(m.reserved(), 0);
        assert!(m.grow(10, None));
        m[9] = 1;
        assert!(m.grow(100, Some(100)));
        assert_eq!(m.len(), 100);
        assert_eq!(m[9], 1);
        assert!(m[10..].iter().all(|&b| b == 0));
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri maps only what is used")]
    fn an_unbounded_memory_reserves_the_32_bit_space_without_touching_it() {
        let m = LinearMemory::new(65536, None).unwrap();
        assert_eq!(m.reserved(), RESERVE_LIMIT);
        assert_eq!(m.len(), 65536);
    }
}
