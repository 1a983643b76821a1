//! Binary ops fused with the load that feeds them or the store that takes
//! their result: `d = a + load(p + offset)` and `store(p + offset, a + b)`
//! in one dispatch each, where the wasm code has two instructions
//! (`translate::fuse_pairs` makes them).
//!
//! Each fused op is one row of [`for_each_fused_op!`]: the binary op it
//! fuses (from the numeric table), its two fused forms, the operand type,
//! and the plain load and store ops whose width and conversion it shares.
//! The table's rows ([`fused_rows!`]), the handlers (`exec/handlers.rs`)
//! and the pairs that fuse (`translate/mod.rs`) all come from it.

/// Calls `$m!` with any extra tokens given, then the table as `fused: [
/// Base BaseLoad BaseStore : type = Load Store, ... ]`: `Base` a binary op
/// of the numeric table that cannot trap, `Load` the plain load of its
/// operand type (whose result `BaseLoad` takes as `Base`'s right-hand
/// operand), `Store` the plain store of its result's width.
macro_rules! for_each_fused_op {
    ($m:ident $($extra:tt)*) => {
        $crate::op::fused::for_each_fused_op! { [$m] $($extra)* }
    };
    ([$($m:tt)*] $($extra:tt)*) => {
        $($m)*! {
            $($extra)*
            fused: [
                I32Add I32AddLoad I32AddStore : i32 = I32Load Store32,
                I32Sub I32SubLoad I32SubStore : i32 = I32Load Store32,
                I32And I32AndLoad I32AndStore : i32 = I32Load Store32,
                I32Or I32OrLoad I32OrStore : i32 = I32Load Store32,
                I32Xor I32XorLoad I32XorStore : i32 = I32Load Store32,
                I64Add I64AddLoad I64AddStore : i64 = I64Load Store64,
                I64Sub I64SubLoad I64SubStore : i64 = I64Load Store64,
                F32Add F32AddLoad F32AddStore : f32 = F32Load Store32,
                F32Sub F32SubLoad F32SubStore : f32 = F32Load Store32,
                F32Mul F32MulLoad F32MulStore : f32 = F32Load Store32,
                F64Add F64AddLoad F64AddStore : f64 = F64Load Store64,
                F64Sub F64SubLoad F64SubStore : f64 = F64Load Store64,
                F64Mul F64MulLoad F64MulStore : f64 = F64Load Store64,
            ]
        }
    };
}

/// Adds the fused rows to the op table's rows so far, then hands them on
/// to [`super::core_rows!`] (see [`super::for_each_op!`] for a row's
/// form).
macro_rules! fused_rows {
    ($m:ident $($rows:tt)*) => {
        $crate::op::fused::for_each_fused_op! { [$crate::op::fused::fused_rows_of] $m { $($rows)* } }
    };
}

/// [`fused_rows!`]'s second step, with the table.
macro_rules! fused_rows_of {
    (
        $m:ident { $($rows:tt)* }
        fused: [$($base:ident $load:ident $store:ident : $t:ty = $plain_load:ident $plain_store:ident),* $(,)?]
    ) => {
        $crate::op::core_rows! { $m
            $($rows)*

            // ---- binary ops fused with a load or a store (`op/fused.rs`) ----
            $(
                /// `d = a op load(p + offset)`.
                $load { d: w Slot, a: r Slot, p: r Slot, offset: imm u32 } [ACC_OUT TRAP] => fused::$load;
                /// `store(p + offset, a op b)`.
                $store { a: r Slot, b: r Slot, p: r Slot, offset: imm u32 } [TRAP] => fused::$store;
            )*
        }
    };
}

pub(crate) use {for_each_fused_op, fused_rows, fused_rows_of};
