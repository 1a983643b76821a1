//! The compact side table of wasm offsets (for trap backtraces).
//!
//! The translator keeps one `u32` per op while it works (`Code::offsets`);
//! once a function is translated that vector becomes an [`OffsetTable`]:
//! each op's offset as the delta from the previous op's (wrapping, so a
//! step back is a large delta) in nibbles, and a checkpoint every
//! [`OffsetTable::K`] ops holding the absolute offset of that op and where
//! the next op's delta starts. A delta of 0–12 is one nibble (most ops are
//! a few bytes of wasm apart); 13, 14 and 15 say it follows in 2, 4 or 8
//! nibbles. A lookup (only at trap time) decodes at most `K - 1` deltas.

/// Per-op wasm offsets, compressed. `get(pc)` is what `offsets.get(pc)`
/// was for the vector it was built from.
#[derive(Debug, Default)]
pub(crate) struct OffsetTable {
    /// Per block of `K` ops: `[position in deltas, absolute offset]` of
    /// its first op; the position is where the block's second op's delta
    /// starts.
    checkpoints: Box<[[u32; 2]]>,
    /// The deltas of every op but each block's first, in nibbles two a
    /// byte (low first); checkpoint positions count nibbles.
    deltas: Box<[u8]>,
    /// Ops covered.
    len: u32,
}

impl OffsetTable {
    /// Ops per checkpoint.
    pub(crate) const K: usize = 256;

    /// The table for `offsets`, one per op.
    pub(crate) fn new(offsets: &[u32]) -> OffsetTable {
        // Translation makes far fewer than 2^32 ops (cells are indexed by
        // `u32` byte offsets), so the op count and nibble positions fit.
        let len = u32::try_from(offsets.len()).expect("fewer than 2^32 ops");
        let mut checkpoints = Vec::with_capacity(offsets.len().div_ceil(Self::K));
        let mut nibbles = Nibbles { bytes: Vec::with_capacity(offsets.len() / 2 + 8), pending: 0, bits: 0 };
        for block in offsets.chunks(Self::K) {
            let pos = u32::try_from(nibbles.len()).expect("fewer than 2^32 nibbles");
            checkpoints.push([pos, block[0]]);
            let mut prev = block[0];
            for &offset in &block[1..] {
                let delta = offset.wrapping_sub(prev);
                if delta <= SHORT_MAX {
                    nibbles.push(delta, 1);
                } else if delta < 0x100 {
                    nibbles.push(u32::from(BYTE), 1);
                    nibbles.push(delta, 2);
                } else if delta < 0x1_0000 {
                    nibbles.push(u32::from(HALF), 1);
                    nibbles.push(delta, 4);
                } else {
                    nibbles.push(u32::from(WORD), 1);
                    nibbles.push(delta, 8);
                }
                prev = offset;
            }
        }
        OffsetTable { checkpoints: checkpoints.into_boxed_slice(), deltas: nibbles.finish().into_boxed_slice(), len }
    }

    /// The wasm offset of op `pc`; `None` past the last op.
    pub(crate) fn get(&self, pc: usize) -> Option<u32> {
        if pc >= self.len as usize {
            return None;
        }
        let [pos, mut offset] = self.checkpoints[pc / Self::K];
        let mut at = pos as usize;
        let mut read = |count: usize| {
            let mut value = 0;
            for i in 0..count {
                let byte = self.deltas[(at + i) / 2];
                let nibble = if (at + i).is_multiple_of(2) { byte & 0xf } else { byte >> 4 };
                value |= u32::from(nibble) << (4 * i);
            }
            at += count;
            value
        };
        for _ in 0..pc % Self::K {
            let delta = match read(1) as u8 {
                BYTE => read(2),
                HALF => read(4),
                WORD => read(8),
                short => u32::from(short),
            };
            offset = offset.wrapping_add(delta);
        }
        Some(offset)
    }

    /// The table's heap bytes.
    pub(crate) fn bytes(&self) -> usize {
        size_of_val(&*self.checkpoints) + self.deltas.len()
    }
}

/// The largest delta held in its first nibble.
const SHORT_MAX: u32 = 12;
/// First nibbles saying the delta follows in 2, 4 or 8 nibbles.
const BYTE: u8 = 13;
const HALF: u8 = 14;
const WORD: u8 = 15;

/// Nibbles packed two a byte, low nibble first, written four bytes at a
/// time.
struct Nibbles {
    bytes: Vec<u8>,
    /// Nibbles not written to `bytes` yet, lowest first.
    pending: u64,
    /// Bits in `pending`: below 32 between pushes.
    bits: u32,
}

impl Nibbles {
    /// Nibbles pushed so far.
    fn len(&self) -> usize {
        self.bytes.len() * 2 + (self.bits / 4) as usize
    }

    /// Appends `value` as `count` (at most 8) nibbles, lowest first.
    #[inline(always)]
    fn push(&mut self, value: u32, count: u32) {
        debug_assert!(count == 8 || value >> (4 * count) == 0, "{value} fits {count} nibbles");
        self.pending |= u64::from(value) << self.bits;
        self.bits += 4 * count;
        if self.bits >= 32 {
            self.bytes.extend_from_slice(&(self.pending as u32).to_le_bytes());
            self.pending >>= 32;
            self.bits -= 32;
        }
    }

    /// The bytes, the last one padded with a zero nibble if need be.
    fn finish(mut self) -> Vec<u8> {
        let tail = self.bits.div_ceil(8) as usize;
        self.bytes.extend_from_slice(&self.pending.to_le_bytes()[..tail]);
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::OffsetTable;

    fn check(offsets: &[u32]) {
        let table = OffsetTable::new(offsets);
        for pc in 0..offsets.len() + 3 {
            assert_eq!(table.get(pc), offsets.get(pc).copied(), "op {pc} of {}", offsets.len());
        }
        assert_eq!(table.get(usize::MAX), None);
    }

    /// A xorshift generator: deterministic, no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn edge_cases() {
        const K: usize = OffsetTable::K;
        check(&[]);
        check(&[0]);
        check(&[u32::MAX]);
        check(&[u32::MAX, 0, u32::MAX, 0, 1, u32::MAX - 1, 0x8000_0000, 0x7fff_ffff, 0x8000_0000]);
        for n in [K - 1, K, K + 1, 2 * K - 1, 2 * K, 2 * K + 1] {
            let rising: Vec<u32> = (0..n as u32).map(|i| i * 3 + 7).collect();
            check(&rising);
            let falling: Vec<u32> = (0..n as u32).map(|i| u32::MAX - i * 1000).collect();
            check(&falling);
            let jumping: Vec<u32> = (0..n).map(|i| if i % 2 == 0 { 0 } else { u32::MAX }).collect();
            check(&jumping);
            let same = vec![42; n];
            check(&same);
        }
    }

    #[test]
    fn random_sequences() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..300 {
            let n = (rng.next() % (3 * OffsetTable::K as u64 + 10)) as usize;
            let mut offsets = Vec::with_capacity(n);
            let mut at = (rng.next() >> 32) as u32;
            for _ in 0..n {
                at = match (round + rng.next() as usize) % 4 {
                    // Mostly small steps forward, as translation makes.
                    0 | 1 => at.wrapping_add((rng.next() % 8) as u32),
                    // A step back (a fused op keeps an earlier offset).
                    2 => at.wrapping_sub((rng.next() % 300) as u32),
                    // Anywhere.
                    _ => rng.next() as u32,
                };
                offsets.push(at);
            }
            check(&offsets);
        }
    }

    #[test]
    fn small_steps_take_a_nibble() {
        let offsets: Vec<u32> = (0..10_000u32).map(|i| i * 4).collect();
        let table = OffsetTable::new(&offsets);
        let blocks = offsets.len().div_ceil(OffsetTable::K);
        assert_eq!(table.bytes(), (offsets.len() - blocks).div_ceil(2) + blocks * 8);
    }

    #[test]
    fn every_delta_width() {
        let mut offsets = vec![100];
        for delta in [0, 1, 12, 13, 14, 15, 16, 255, 256, 0xffff, 0x1_0000, 0x7fff_ffff, u32::MAX, 1, 0] {
            let prev: u32 = *offsets.last().unwrap();
            offsets.push(prev.wrapping_add(delta));
        }
        for start in 0..offsets.len() {
            check(&offsets[start..]);
        }
        for n in 0..offsets.len() {
            check(&offsets.iter().cycle().copied().take(OffsetTable::K + n).collect::<Vec<_>>());
        }
    }
}
