//! Table storage that costs what is touched (issue 18, item 3).
//!
//! A table's elements are [`Val`]s of 32 bytes, so `(table 10000000
//! funcref)` allocated eagerly commits 320 MB and writes every element
//! before the module runs a single instruction. [`TableElements`] keeps
//! only a dense prefix: elements `0..dense.len()` are stored, and every
//! element from there to the table's size has one shared value, `fill`
//! (the initializer of `table.grow` or of the table's allocation).
//!
//! Reads stay one bounds check on the prefix (tables filled by element
//! segments are dense from index 0, so `call_indirect` finds its element
//! there); a read past the prefix returns `fill`. A write past the prefix
//! materializes the prefix up to it, growing geometrically, so memory is
//! proportional to the highest index written, never to the declared size
//! alone. The store's limiter still sees every element requested.

use std::ops::Range;

use crate::Val;

/// The elements of a table: a dense prefix and a shared value after it.
#[derive(Debug, Clone)]
pub struct TableElements {
    /// Elements `0..dense.len()`.
    dense: Vec<Val>,
    /// The table's size; elements `dense.len()..len` are all `fill`.
    len: usize,
    /// The value of every element past `dense`.
    fill: Val,
}

impl TableElements {
    /// A table of `len` elements, each `init`; nothing is allocated.
    pub fn new(len: usize, init: Val) -> TableElements {
        TableElements { dense: Vec::new(), len, fill: init }
    }

    /// The number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table has no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many elements are stored individually (the rest share one
    /// value): what the table costs in memory, in elements.
    pub fn materialized(&self) -> usize {
        self.dense.len()
    }

    /// Element `i`, or `None` out of bounds.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<&Val> {
        match self.dense.get(i) {
            Some(v) => Some(v),
            None => self.get_lazy(i),
        }
    }

    #[inline(never)]
    fn get_lazy(&self, i: usize) -> Option<&Val> {
        (i < self.len).then_some(&self.fill)
    }

    /// Element `i` to write, or `None` out of bounds; materializes the
    /// prefix up to it.
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut Val> {
        if i >= self.dense.len() {
            if i >= self.len {
                return None;
            }
            self.materialize(i + 1);
        }
        self.dense.get_mut(i)
    }

    /// Elements `range` (in bounds) to write; materializes the prefix up
    /// to its end.
    pub fn slice_mut(&mut self, range: Range<usize>) -> &mut [Val] {
        debug_assert!(range.end <= self.len);
        self.materialize(range.end);
        &mut self.dense[range]
    }

    /// Copies elements `src` to `dst` (in bounds, as long, overlap-safe).
    pub fn copy_within(&mut self, src: Range<usize>, dst: usize) {
        let end = dst + src.len();
        if src.start >= self.dense.len() {
            // Only the shared value is read.
            self.fill(dst..end, self.fill);
            return;
        }
        self.materialize(src.end.max(end));
        self.dense.copy_within(src, dst);
    }

    /// Elements `range` (in bounds), copied out.
    pub fn to_vec(&self, range: Range<usize>) -> Vec<Val> {
        range.map(|i| *self.get(i).expect("in bounds")).collect()
    }

    /// Writes `value` to elements `range` (in bounds). Lazy elements that
    /// already have `value` stay lazy.
    pub fn fill(&mut self, range: Range<usize>, value: Val) {
        if value == self.fill {
            let end = range.end.min(self.dense.len());
            if range.start < end {
                self.dense[range.start..end].fill(value);
            }
            return;
        }
        self.slice_mut(range).fill(value);
    }

    /// Grows to `new_len` elements, the new ones `init`; `false` if the
    /// prefix could not be allocated. No element is written unless the
    /// lazy part must keep a different value than the new elements.
    pub fn grow(&mut self, new_len: usize, init: Val) -> bool {
        debug_assert!(new_len >= self.len);
        if self.dense.len() < self.len && init != self.fill && !self.try_materialize(self.len) {
            return false;
        }
        self.fill = init;
        self.len = new_len;
        true
    }

    /// The distinct stored values: the prefix, then the shared value if
    /// any element has it (each once; for the collector's roots).
    pub fn iter(&self) -> impl Iterator<Item = &Val> {
        self.dense.iter().chain((self.dense.len() < self.len).then_some(&self.fill))
    }

    /// Stores elements `0..end` individually; aborts like any `Vec` if
    /// the memory (which the limiter already granted) is not there.
    fn materialize(&mut self, end: usize) {
        if !self.try_materialize(end) {
            std::alloc::handle_alloc_error(
                std::alloc::Layout::array::<Val>(end).unwrap_or(std::alloc::Layout::new::<Val>()),
            );
        }
    }

    /// Stores elements `0..end` (and, growing geometrically, possibly more
    /// up to the size) individually; `false` if allocation failed.
    fn try_materialize(&mut self, end: usize) -> bool {
        let have = self.dense.len();
        if end <= have {
            return true;
        }
        let want = end.max(have.saturating_mul(2)).min(self.len);
        if self.dense.try_reserve_exact(want - have).is_err() {
            return false;
        }
        self.dense.resize(want, self.fill);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(x: i32) -> Val {
        Val::I32(x)
    }

    #[test]
    fn reads_past_the_prefix_see_the_fill_and_cost_nothing() {
        let t = TableElements::new(10_000_000, i(7));
        assert_eq!(t.len(), 10_000_000);
        assert_eq!(t.get(9_999_999), Some(&i(7)));
        assert_eq!(t.get(10_000_000), None);
        assert_eq!(t.materialized(), 0);
    }

    #[test]
    fn writes_materialize_up_to_the_index_only() {
        let mut t = TableElements::new(1000, i(0));
        *t.get_mut(3).unwrap() = i(5);
        assert!(t.materialized() >= 4 && t.materialized() < 1000);
        assert_eq!(t.get(3), Some(&i(5)));
        assert_eq!(t.get(2), Some(&i(0)));
        assert_eq!(t.get(999), Some(&i(0)));
        assert!(t.get_mut(1000).is_none());
    }

    #[test]
    fn grow_with_another_value_keeps_the_old_lazy_elements() {
        let mut t = TableElements::new(10, i(1));
        assert!(t.grow(20, i(2)));
        assert_eq!(t.get(9), Some(&i(1)));
        assert_eq!(t.get(10), Some(&i(2)));
        assert_eq!(t.get(19), Some(&i(2)));
        assert_eq!(t.len(), 20);
        // Growing with the same value writes nothing.
        let mut u = TableElements::new(10, i(1));
        assert!(u.grow(1_000_000, i(1)));
        assert_eq!(u.materialized(), 0);
    }

    #[test]
    fn copy_fill_and_iter_agree_with_a_dense_table() {
        let mut t = TableElements::new(100, i(0));
        let mut dense = vec![i(0); 100];
        for (k, v) in [(5, 1), (40, 2), (41, 3)] {
            *t.get_mut(k).unwrap() = i(v);
            dense[k] = i(v);
        }
        t.copy_within(40..42, 90);
        dense.copy_within(40..42, 90);
        t.copy_within(95..100, 0);
        dense.copy_within(95..100, 0);
        t.fill(60..70, i(9));
        dense[60..70].fill(i(9));
        t.fill(0..100, i(0));
        dense.fill(i(0));
        *t.get_mut(3).unwrap() = i(4);
        dense[3] = i(4);
        assert_eq!(t.to_vec(0..100), dense);
        assert!(t.iter().any(|v| *v == i(4)));
    }
}
