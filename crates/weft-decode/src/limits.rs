//! Hard limits the decoder enforces so no module makes it allocate without
//! bound. They match those of mature engines (wasmparser's `limits.rs`).

/// The most types (after flattening recursion groups) a module may define.
pub const MAX_TYPES: usize = 1_000_000;
