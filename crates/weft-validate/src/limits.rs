//! Limits: the spec's rules for memory and table sizes (spec 3.2.4-3.2.6),
//! and the hard implementation limits that keep validation linear in the
//! size of the module (the same numbers as wasmparser's `limits.rs`).

use weft_decode::{Limits, MemoryType, TableType};

use crate::{ValidationError, err};

/// The most parameters a function type may have.
pub const MAX_PARAMS: usize = 1_000;
/// The most results a function type may have.
pub const MAX_RESULTS: usize = 1_000;
/// The most locals (parameters included) a function may have.
pub const MAX_LOCALS: u64 = 50_000;
/// The most functions (imported and defined) a module may have.
pub const MAX_FUNCTIONS: usize = 1_000_000;
/// The most imports a module may have.
pub const MAX_IMPORTS: usize = 100_000;
/// The most exports a module may have.
pub const MAX_EXPORTS: usize = 100_000;
/// The most globals a module may have.
pub const MAX_GLOBALS: usize = 1_000_000;
/// The most element segments a module may have.
pub const MAX_ELEMENT_SEGMENTS: usize = 100_000;
/// The most data segments a module may have.
pub const MAX_DATA_SEGMENTS: usize = 100_000;
/// The most tables a module may have (with reference types).
pub const MAX_TABLES: usize = 100;
/// The most memories a module may have (with multi-memory).
pub const MAX_MEMORIES: usize = 100;
/// The most tags a module may have.
pub const MAX_TAGS: usize = 1_000_000;
/// The most targets a `br_table` may have.
pub const MAX_BR_TABLE_TARGETS: u32 = 1_000_000;
/// Most operands of one `array.new_fixed` (GC), as wasmparser and V8.
pub const MAX_ARRAY_NEW_FIXED: u32 = 10_000;

/// `min <= max` (spec 3.2.4, limits).
fn check_min_max(limits: Limits, offset: usize) -> Result<(), ValidationError> {
    match limits.max {
        Some(max) if limits.min > max => Err(err("size minimum must not be greater than maximum", offset)),
        _ => Ok(()),
    }
}

/// A memory type is valid when its limits are within the address space
/// its index type and page size give (spec 3.2.5).
pub(crate) fn check_memory_type(mt: &MemoryType, offset: usize) -> Result<(), ValidationError> {
    let page_log2 = match mt.page_size_log2 {
        None => 16,
        Some(p @ (0 | 16)) => p,
        Some(_) => return Err(err("invalid custom page size", offset)),
    };
    let (max_pages, text) = match (mt.index64, page_log2) {
        (false, 16) => (1u128 << 16, "memory size must be at most 65536 pages (4GiB)"),
        (false, _) => ((1u128 << 32) - 1, "memory size must be at most 2^32-1 bytes"),
        (true, 16) => (1u128 << 48, "memory size must be at most 2^48 pages"),
        (true, _) => ((1u128 << 64) - 1, "memory size must be at most 2^64-1 bytes"),
    };
    if u128::from(mt.limits.min) > max_pages || mt.limits.max.is_some_and(|m| u128::from(m) > max_pages) {
        return Err(err(text, offset));
    }
    check_min_max(mt.limits, offset)?;
    if mt.shared && mt.limits.max.is_none() {
        return Err(err("shared memory must have maximum", offset));
    }
    Ok(())
}

/// A table type's limits must be ordered (spec 3.2.6); the element type is
/// checked by the caller. A 32-bit table's limits fit in `u32` by decoding.
pub(crate) fn check_table_limits(tt: &TableType, offset: usize) -> Result<(), ValidationError> {
    if !tt.index64 && (tt.limits.min > u64::from(u32::MAX) || tt.limits.max.is_some_and(|m| m > u64::from(u32::MAX))) {
        return Err(err("table size must be at most 2^32-1", offset));
    }
    check_min_max(tt.limits, offset)
}
