//! Ops that do two wasm instructions in one dispatch
//! (`translate::fuse_pairs` makes them):
//!
//! * a binary op fused with the load that feeds it or the store that takes
//!   its result: `d = a + load(p + offset)` and `store(p + offset, a + b)`;
//! * a shift or rotation by a constant xor-ed into its own operand, `d = a
//!   ^ (a << imm)`: the step of xorshift generators and of many hashes,
//!   whose second read of `a` would otherwise wait for the store of `a`
//!   (the op before wrote it) to reach its slot;
//! * a few pairs frequent in the dynamic op-pair histograms of `cc1`,
//!   `coremark_like` and `malloc_tree` (docs/PERFORMANCE.md): a stack
//!   pointer's prologue, an increment kept in two locals, an element's
//!   address (`a + (b << k)`) and the load of an element or of `a + b`, a bit
//!   field (`(a >> k) & mask`), a bit test and branch, a load and a branch
//!   on it being zero (the load kept in a local or not), a move and a
//!   branch on the moved value, a move and a load before or after it,
//!   three moves, a test and the load on its fall-through path, a pointer
//!   followed to the field it points at, a value
//!   copied in memory (two memory accesses in one op: a trap at the second
//!   reports its own instruction, from `Code::second_offsets`);
//! * a loop's step and test: `i += k` (or `i += n`) and the compare-and-
//!   branch of `i` that follows it.
//!
//! Each fused op is one row of [`for_each_fused_op!`]. The table's rows
//! ([`fused_rows!`]), the handlers (`exec/handlers.rs`) and the pairs that
//! fuse (`translate/mod.rs`) all come from it.

/// Calls `$m!` with any extra tokens given, then the table, in two groups:
///
/// * `fused: [Base BaseLoad BaseStore : type = Load Store, ...]`: `Base` a
///   binary op of the numeric table that cannot trap, `Load` the plain load
///   of its operand type (whose result `BaseLoad` takes as `Base`'s
///   right-hand operand), `Store` the plain store of its result's width;
/// * `xor_shift: [Name NameAcc : type = Shift ShiftImm Xor, ...]`: `Name`
///   is `d = a ^ Shift(a, imm)`, `NameAcc` its accumulator form, `ShiftImm`
///   the shift's immediate form (the pair's first op), `Xor` the xor;
/// * `step_branch: [Br BrImm ImmName SlotName = Cmp, ...]`: a loop's step
///   and test, `d += imm` (`ImmName`, after `I32AddImm` of `d` itself:
///   the op would be too large with a separate operand) or `d = a + b`
///   (`SlotName`, after `I32Add`), then the compare-and-branch `BrImm`
///   (against a constant) or `Br` (against a slot) of `d`, the comparison
///   `Cmp`.
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
            xor_shift: [
                I32XorShlImm I32XorShlImmAcc : i32 = I32Shl I32ShlImm I32Xor,
                I32XorShrUImm I32XorShrUImmAcc : i32 = I32ShrU I32ShrUImm I32Xor,
                I32XorShrSImm I32XorShrSImmAcc : i32 = I32ShrS I32ShrSImm I32Xor,
                I32XorRotlImm I32XorRotlImmAcc : i32 = I32Rotl I32RotlImm I32Xor,
                I32XorRotrImm I32XorRotrImmAcc : i32 = I32Rotr I32RotrImm I32Xor,
                I64XorShlImm I64XorShlImmAcc : i64 = I64Shl I64ShlImm I64Xor,
                I64XorShrUImm I64XorShrUImmAcc : i64 = I64ShrU I64ShrUImm I64Xor,
                I64XorShrSImm I64XorShrSImmAcc : i64 = I64ShrS I64ShrSImm I64Xor,
                I64XorRotlImm I64XorRotlImmAcc : i64 = I64Rotl I64RotlImm I64Xor,
                I64XorRotrImm I64XorRotrImmAcc : i64 = I64Rotr I64RotrImm I64Xor,
            ]
            step_branch: [
                BrI32Eq BrI32EqImm I32IncBrEqImm I32AddBrEq = I32Eq,
                BrI32Ne BrI32NeImm I32IncBrNeImm I32AddBrNe = I32Ne,
                BrI32LtS BrI32LtSImm I32IncBrLtSImm I32AddBrLtS = I32LtS,
                BrI32LtU BrI32LtUImm I32IncBrLtUImm I32AddBrLtU = I32LtU,
                BrI32GtS BrI32GtSImm I32IncBrGtSImm I32AddBrGtS = I32GtS,
                BrI32GtU BrI32GtUImm I32IncBrGtUImm I32AddBrGtU = I32GtU,
                BrI32LeS BrI32LeSImm I32IncBrLeSImm I32AddBrLeS = I32LeS,
                BrI32LeU BrI32LeUImm I32IncBrLeUImm I32AddBrLeU = I32LeU,
                BrI32GeS BrI32GeSImm I32IncBrGeSImm I32AddBrGeS = I32GeS,
                BrI32GeU BrI32GeUImm I32IncBrGeUImm I32AddBrGeU = I32GeU,
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
        xor_shift: [$($xs:ident $xsx:ident : $xt:ty = $shift:ident $shift_imm:ident $xor:ident),* $(,)?]
        step_branch: [$($sb:ident $sbi:ident $sbxi:ident $sbx:ident = $sbc:ident),* $(,)?]
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
            // ---- pairs `cc1`, `coremark_like` and `malloc_tree` run often (`op/fused.rs`) ----
            /// `d = a + imm; e = d`: an increment kept in two locals
            /// (`local.tee`, then `local.set` of the same value).
            I32AddImmCopy { d: w Slot, a: r Slot, imm: imm i32, e: w Slot } [ACC_OUT] => fused::i32_add_imm_copy;
            I32AddImmCopyAcc { d: w Slot, imm: imm i32, e: w Slot } [ACC_OUT] <- I32AddImmCopy.a => fused::i32_add_imm_copy_acc;
            /// `d = global[g] + imm; global[g] = d` for an `i32` global: a C
            /// function's stack-pointer prologue (`global.get`, then
            /// [`GlobalSetAddImm`](super::Op::GlobalSetAddImm)) in one op.
            GlobalAddImm { d: w Slot, g: imm u32, imm: imm i32 } [ACC_OUT] => fused::global_add_imm;
            /// `d = a + (b << imm)`: an element's address.
            I32AddShlImm { d: w Slot, a: r Slot, b: r Slot, imm: imm i32 } [ACC_OUT] => fused::i32_add_shl_imm;
            I32AddShlImmAcc { d: w Slot, a: r Slot, imm: imm i32 } [ACC_OUT] <- I32AddShlImm.b => fused::i32_add_shl_imm_acc;
            /// `d = load(a + b + offset)`, an i32 (`a + b` wraps to 32 bits,
            /// as the `i32.add` did).
            I32LoadAdd { d: w Slot, a: r Slot, b: r Slot, offset: imm u32 } [ACC_OUT TRAP] => fused::i32_load_add;
            I32LoadAddAcc { d: w Slot, b: r Slot, offset: imm u32 } [ACC_OUT TRAP] <- I32LoadAdd.a => fused::i32_load_add_acc;
            /// `d = load(a + (b << shift) + offset)`, an i32: an element
            /// (three wasm instructions, `I32AddShlImm` and the load).
            I32LoadIdx { d: w Slot, a: r Slot, b: r Slot, shift: imm u8, offset: imm u32 } [ACC_OUT TRAP] => fused::i32_load_idx;
            I32LoadIdxAcc { d: w Slot, a: r Slot, shift: imm u8, offset: imm u32 } [ACC_OUT TRAP] <- I32LoadIdx.b => fused::i32_load_idx_acc;
            /// `d = (a >> shift) & mask` (unsigned shift): a bit field.
            I32ShrUAndImm { d: w Slot, a: r Slot, shift: imm i32, mask: imm i32 } [ACC_OUT] => fused::i32_shr_u_and_imm;
            I32ShrUAndImmAcc { d: w Slot, shift: imm i32, mask: imm i32 } [ACC_OUT] <- I32ShrUAndImm.a => fused::i32_shr_u_and_imm_acc;
            /// Continues at `t` if `a & imm` is zero (a bit test).
            BrI32AndImmZero { a: r Slot, imm: imm i32, t: t u32 } [] => fused::br_i32_and_imm_zero;
            BrI32AndImmZeroAcc { imm: imm i32, t: t u32 } [] <- BrI32AndImmZero.a => fused::br_i32_and_imm_zero_acc;
            /// Continues at `t` if `a & imm` is not zero.
            BrI32AndImmNonZero { a: r Slot, imm: imm i32, t: t u32 } [] => fused::br_i32_and_imm_non_zero;
            BrI32AndImmNonZeroAcc { imm: imm i32, t: t u32 } [] <- BrI32AndImmNonZero.a => fused::br_i32_and_imm_non_zero_acc;
            /// `d = load(p + offset)`, an i32, then continues at `t` if it
            /// is zero (a null pointer or a flag in memory; `d` is a local
            /// that keeps it, or a temporary that nothing reads).
            BrIfZeroLoad { d: w Slot, p: r Slot, offset: imm u32, t: t u32 } [TRAP] => fused::br_if_zero_load;
            BrIfZeroLoadAcc { d: w Slot, offset: imm u32, t: t u32 } [TRAP] <- BrIfZeroLoad.p => fused::br_if_zero_load_acc;
            /// `d = load(p + offset)`, then continues at `t` if it is not
            /// zero.
            BrIfNonZeroLoad { d: w Slot, p: r Slot, offset: imm u32, t: t u32 } [TRAP] => fused::br_if_non_zero_load;
            BrIfNonZeroLoadAcc { d: w Slot, offset: imm u32, t: t u32 } [TRAP] <- BrIfNonZeroLoad.p => fused::br_if_non_zero_load_acc;
            /// `d = a`, then continues at `t` if it is zero (an i32).
            BrIfZeroCopy { d: w Slot, a: r Slot, t: t u32 } [] => fused::br_if_zero_copy;
            /// `d = a`, then continues at `t` if it is not zero.
            BrIfNonZeroCopy { d: w Slot, a: r Slot, t: t u32 } [] => fused::br_if_non_zero_copy;
            /// `e = b`, then `d = load(a + offset)`, an i32 (a phi move and
            /// the load after it).
            CopyI32Load { e: w Slot, b: r Slot, d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT TRAP] => fused::copy_i32_load;
            /// `d = load(a + offset)`, an i32, then `e = b`.
            I32LoadCopy { e: w Slot, b: r Slot, d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT TRAP] => fused::i32_load_copy;
            /// Continues at `t` if `c` is zero (an i32), else `d =
            /// load(a + offset)`, an i32, and on: a test and the load on
            /// its fall-through path (`if (p) x = *p`).
            BrIfZeroElseLoad { c: r Slot, t: t u32, d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT TRAP] => fused::br_if_zero_else_load;
            BrIfZeroElseLoadAcc { t: t u32, d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT TRAP] <- BrIfZeroElseLoad.c => fused::br_if_zero_else_load_acc;
            /// Continues at `t` if `c` is not zero, else `d = load(a +
            /// offset)` and on.
            BrIfNonZeroElseLoad { c: r Slot, t: t u32, d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT TRAP] => fused::br_if_non_zero_else_load;
            BrIfNonZeroElseLoadAcc { t: t u32, d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT TRAP] <- BrIfNonZeroElseLoad.c => fused::br_if_non_zero_else_load_acc;
            // Two memory accesses: a trap at the second reports its own
            // instruction (`Code::second_offsets`).
            /// `d = load(a + o1)`, then `e = load(d + o2)`, i32s: a pointer
            /// followed to the field it points at.
            I32LoadLoad { d: w Slot, a: r Slot, o1: imm u32, e: w Slot, o2: imm u32 } [ACC_OUT TRAP] => fused::i32_load_load;
            /// `d = load(a + o1)`, then `store(p + o2, d)`: an i32 copied
            /// in memory.
            I32LoadStore { d: w Slot, a: r Slot, o1: imm u32, p: r Slot, o2: imm u32 } [TRAP] => fused::i32_load_store;
            /// `d = load(a + o1)`, then `store(p + o2, d)`: an i64 copied
            /// in memory.
            I64LoadStore { d: w Slot, a: r Slot, o1: imm u32, p: r Slot, o2: imm u32 } [TRAP] => fused::i64_load_store;
            /// Three moves in order: `f = c`, `e = b`, `d = a`.
            Copy3 { f: w Slot, c: r Slot, e: w Slot, b: r Slot, d: w Slot, a: r Slot } [ACC_OUT] => fused::copy3;
            // ---- a loop's step and test (`op/fused.rs`) ----
            $(
                /// `d += imm`, then continues at `t` if `cmp(d, limit)`.
                $sbxi { d: w Slot, imm: imm i32, limit: imm i32, t: t u32 } [] => fused::$sbxi;
                /// `d = a + b`, then continues at `t` if `cmp(d, c)`.
                $sbx { d: w Slot, a: r Slot, b: r Slot, c: r Slot, t: t u32 } [] => fused::$sbx;
            )*
            // ---- a shift xor-ed into its operand (`op/fused.rs`) ----
            $(
                /// `d = a ^ shift(a, imm)`.
                $xs { d: w Slot, a: r Slot, imm: imm $xt } [ACC_OUT] => fused::$xs;
                $xsx { d: w Slot, imm: imm $xt } [ACC_OUT] <- $xs.a => fused::$xsx;
            )*
        }
    };
}

pub(crate) use {for_each_fused_op, fused_rows, fused_rows_of};
