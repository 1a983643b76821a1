//! Which WebAssembly features (proposals) are enabled.
//!
//! The decoder needs a few of them, because some encodings changed meaning
//! when a proposal arrived (the reserved zero byte of `memory.size` became a
//! memory index with multi-memory). The validator gates every proposal's
//! instructions and types on them.

macro_rules! features {
    ($( $(#[$doc:meta])* $field:ident, )*) => {
        /// A set of enabled WebAssembly features; see [`Features::wasm1`],
        /// [`Features::wasm2`], [`Features::wasm3`] and [`Features::default`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(clippy::struct_excessive_bools)]
        pub struct Features {
            $( $(#[$doc])* pub $field: bool, )*
        }

        impl Features {
            /// No feature beyond WebAssembly 1.0 (the MVP).
            pub const fn wasm1() -> Self {
                Features { $( $field: false, )* }
            }

            /// Every feature this build of weft knows, GC included.
            pub const fn all() -> Self {
                Features { $( $field: true, )* }
            }

            /// The names and states of all features, for diagnostics.
            pub fn list(&self) -> Vec<(&'static str, bool)> {
                vec![$( (stringify!($field), self.$field), )*]
            }
        }
    };
}

features! {
    /// Importing and exporting mutable globals.
    mutable_global,
    /// `i32.trunc_sat_f32_s` and friends.
    saturating_float_to_int,
    /// `i32.extend8_s` and friends.
    sign_extension,
    /// Blocks and functions with several results.
    multi_value,
    /// `funcref`/`externref` values, multiple tables, `table.*` instructions.
    reference_types,
    /// `memory.copy`, `memory.fill`, passive segments, `table.init`...
    bulk_memory,
    /// 128-bit fixed-width SIMD.
    simd,
    /// Relaxed SIMD.
    relaxed_simd,
    /// `return_call` and friends.
    tail_call,
    /// `i32.add` and friends in constant expressions.
    extended_const,
    /// More than one memory per module.
    multi_memory,
    /// 64-bit memory (and table) indices.
    memory64,
    /// Exception handling with `try_table` and `exnref`.
    exceptions,
    /// The legacy exception handling instructions (`try`/`catch`/`delegate`).
    legacy_exceptions,
    /// Typed function references (`call_ref`, non-nullable references).
    function_references,
    /// Garbage collection (structs, arrays, recursive types, casts, `i31`):
    /// decoded, validated and run (by the reference engine; the threaded
    /// engine hands modules with struct or array types to it).
    gc,
    /// Shared memories and atomic instructions.
    threads,
    /// `i64.add128` and friends.
    wide_arithmetic,
    /// Memories with a page size other than 64 KiB.
    custom_page_sizes,
    /// The compact import section: items of one module grouped after an
    /// empty name and a `0x7F`/`0x7E` discriminator.
    compact_imports,
}

impl Features {
    /// WebAssembly 2.0: the MVP plus the features standardized with it.
    pub const fn wasm2() -> Self {
        Features {
            mutable_global: true,
            saturating_float_to_int: true,
            sign_extension: true,
            multi_value: true,
            reference_types: true,
            bulk_memory: true,
            simd: true,
            ..Features::wasm1()
        }
    }

    /// WebAssembly 3.0, garbage collection included.
    pub const fn wasm3() -> Self {
        Features {
            gc: true,
            relaxed_simd: true,
            tail_call: true,
            extended_const: true,
            multi_memory: true,
            memory64: true,
            exceptions: true,
            legacy_exceptions: true,
            function_references: true,
            ..Features::wasm2()
        }
    }
}

impl Default for Features {
    /// Everything weft supports: WebAssembly 3.0 (GC included), plus wide
    /// arithmetic, custom page sizes, compact import sections and the
    /// threads proposal's encodings.
    fn default() -> Self {
        Features {
            wide_arithmetic: true,
            custom_page_sizes: true,
            compact_imports: true,
            threads: true,
            ..Features::wasm3()
        }
    }
}
