//! Vector semantics (spec 4.3.4, "vector operations"), once, as plain
//! functions on `u128`.
