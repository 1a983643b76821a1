//! The threaded engine's instruction set: one table, [`for_each_op!`], with
//! a row per op — its fields and their operand forms, its flags, its
//! handler — from which the [`Op`] enum, the handler lookup
//! (`exec/handlers.rs`), the translator's questions about an op, `verify`
//! (`translate/mod.rs`) and the disassembler (`disasm.rs`) are derived.
//! The numeric ops' rows come from [`for_each_numeric_op!`] (each numeric
//! op once: its slot form, immediate form, fused compare-and-branch forms
//! and semantics as a call into [`weft_exec::numeric`], from which their
//! handlers and the translator's visitor methods are derived too) and
//! [`for_each_acc_op!`] (their accumulator forms); the vector ops' rows
//! are in `op/simd.rs`.
//!
//! # Conventions
//!
//! * `d` — the destination slot, `a`, `b` — operand slots, `c` — a
//!   condition slot; slots are frame-relative ([`Slot`]): the function's
//!   locals first, then its operand stack;
//! * `imm` — an immediate right-hand operand (`i32.add d, a, 5`);
//! * `t` — a branch target: an index into the function's op vector while
//!   translating, then (the last translation step, `exec/encode.rs`) a
//!   byte offset from the branch op's first byte in `Code::cells`, as
//!   `i32` bits.

pub(crate) mod fused;
pub(crate) mod gc;
pub(crate) mod simd;

/// A frame-relative slot index (locals, then the operand stack).
pub(crate) type Slot = u16;

/// A value as it lives in a slot: 64 raw bits. Floats keep their exact bit
/// patterns; references are 0 for null, functions their store index + 1,
/// and exceptions and the `any` and `extern` hierarchies
/// [`weft_exec::gc::raw`]'s encoding.
pub(crate) trait Raw: Copy {
    fn from_raw(r: u64) -> Self;
    fn to_raw(self) -> u64;
}

impl Raw for i32 {
    #[inline(always)]
    fn from_raw(r: u64) -> Self {
        r as u32 as i32
    }
    #[inline(always)]
    fn to_raw(self) -> u64 {
        u64::from(self as u32)
    }
}

impl Raw for i64 {
    #[inline(always)]
    fn from_raw(r: u64) -> Self {
        r as i64
    }
    #[inline(always)]
    fn to_raw(self) -> u64 {
        self as u64
    }
}

impl Raw for f32 {
    #[inline(always)]
    fn from_raw(r: u64) -> Self {
        f32::from_bits(r as u32)
    }
    #[inline(always)]
    fn to_raw(self) -> u64 {
        u64::from(self.to_bits())
    }
}

impl Raw for f64 {
    #[inline(always)]
    fn from_raw(r: u64) -> Self {
        f64::from_bits(r)
    }
    #[inline(always)]
    fn to_raw(self) -> u64 {
        self.to_bits()
    }
}

/// Calls `$m!` with any extra tokens given, then every numeric op, grouped
/// by shape:
///
/// * `bin_imm`: `Name NameImm : operand => result = semantics` — binary, with
///   an immediate right-hand form;
/// * `bin_imm_trap`: the same, for semantics that may trap;
/// * `bin`: binary, slot operands only;
/// * `cmp_imm`: integer comparisons: `Name NameImm Branch BranchImm !
///   NegatedBranch NegatedBranchImm : operand = predicate` — the branch
///   forms are the op fused with a following `br_if`, the negated ones its
///   fusion with `if` (which branches when the condition is false);
/// * `cmp`: float comparisons (not fused: negating them is wrong for NaN);
/// * `un`, `un_trap`: unary.
macro_rules! for_each_numeric_op {
    ($m:ident $($extra:tt)*) => {
        $crate::op::for_each_numeric_op! { [$m] $($extra)* }
    };
    ([$($m:tt)*] $($extra:tt)*) => {
        $($m)*! {
            $($extra)*
            bin_imm: [
                I32Add I32AddImm : i32 => i32 = i32::wrapping_add,
                I32Sub I32SubImm : i32 => i32 = i32::wrapping_sub,
                I32Mul I32MulImm : i32 => i32 = i32::wrapping_mul,
                I32And I32AndImm : i32 => i32 = |a: i32, b: i32| a & b,
                I32Or I32OrImm : i32 => i32 = |a: i32, b: i32| a | b,
                I32Xor I32XorImm : i32 => i32 = |a: i32, b: i32| a ^ b,
                I32Shl I32ShlImm : i32 => i32 = n::i32_shl,
                I32ShrS I32ShrSImm : i32 => i32 = n::i32_shr_s,
                I32ShrU I32ShrUImm : i32 => i32 = n::i32_shr_u,
                I32Rotl I32RotlImm : i32 => i32 = n::i32_rotl,
                I32Rotr I32RotrImm : i32 => i32 = n::i32_rotr,
                I64Add I64AddImm : i64 => i64 = i64::wrapping_add,
                I64Sub I64SubImm : i64 => i64 = i64::wrapping_sub,
                I64Mul I64MulImm : i64 => i64 = i64::wrapping_mul,
                I64And I64AndImm : i64 => i64 = |a: i64, b: i64| a & b,
                I64Or I64OrImm : i64 => i64 = |a: i64, b: i64| a | b,
                I64Xor I64XorImm : i64 => i64 = |a: i64, b: i64| a ^ b,
                I64Shl I64ShlImm : i64 => i64 = n::i64_shl,
                I64ShrS I64ShrSImm : i64 => i64 = n::i64_shr_s,
                I64ShrU I64ShrUImm : i64 => i64 = n::i64_shr_u,
                I64Rotl I64RotlImm : i64 => i64 = n::i64_rotl,
                I64Rotr I64RotrImm : i64 => i64 = n::i64_rotr,
                F32Add F32AddImm : f32 => f32 = |a: f32, b: f32| a + b,
                F32Sub F32SubImm : f32 => f32 = |a: f32, b: f32| a - b,
                F32Mul F32MulImm : f32 => f32 = |a: f32, b: f32| a * b,
                F32Div F32DivImm : f32 => f32 = |a: f32, b: f32| a / b,
                F64Add F64AddImm : f64 => f64 = |a: f64, b: f64| a + b,
                F64Sub F64SubImm : f64 => f64 = |a: f64, b: f64| a - b,
                F64Mul F64MulImm : f64 => f64 = |a: f64, b: f64| a * b,
                F64Div F64DivImm : f64 => f64 = |a: f64, b: f64| a / b,
            ]
            bin_imm_trap: [
                I32DivS I32DivSImm : i32 => i32 = n::i32_div_s,
                I32DivU I32DivUImm : i32 => i32 = n::i32_div_u,
                I32RemS I32RemSImm : i32 => i32 = n::i32_rem_s,
                I32RemU I32RemUImm : i32 => i32 = n::i32_rem_u,
                I64DivS I64DivSImm : i64 => i64 = n::i64_div_s,
                I64DivU I64DivUImm : i64 => i64 = n::i64_div_u,
                I64RemS I64RemSImm : i64 => i64 = n::i64_rem_s,
                I64RemU I64RemUImm : i64 => i64 = n::i64_rem_u,
            ]
            bin: [
                F32Min : f32 => f32 = n::f32_min,
                F32Max : f32 => f32 = n::f32_max,
                F32Copysign : f32 => f32 = n::f32_copysign,
                F64Min : f64 => f64 = n::f64_min,
                F64Max : f64 => f64 = n::f64_max,
                F64Copysign : f64 => f64 = n::f64_copysign,
            ]
            cmp_imm: [
                I32Eq I32EqImm BrI32Eq BrI32EqImm ! BrI32Ne BrI32NeImm : i32 = |a: i32, b: i32| a == b,
                I32Ne I32NeImm BrI32Ne BrI32NeImm ! BrI32Eq BrI32EqImm : i32 = |a: i32, b: i32| a != b,
                I32LtS I32LtSImm BrI32LtS BrI32LtSImm ! BrI32GeS BrI32GeSImm : i32 = |a: i32, b: i32| a < b,
                I32LtU I32LtUImm BrI32LtU BrI32LtUImm ! BrI32GeU BrI32GeUImm : i32 = |a: i32, b: i32| (a as u32) < (b as u32),
                I32GtS I32GtSImm BrI32GtS BrI32GtSImm ! BrI32LeS BrI32LeSImm : i32 = |a: i32, b: i32| a > b,
                I32GtU I32GtUImm BrI32GtU BrI32GtUImm ! BrI32LeU BrI32LeUImm : i32 = |a: i32, b: i32| (a as u32) > (b as u32),
                I32LeS I32LeSImm BrI32LeS BrI32LeSImm ! BrI32GtS BrI32GtSImm : i32 = |a: i32, b: i32| a <= b,
                I32LeU I32LeUImm BrI32LeU BrI32LeUImm ! BrI32GtU BrI32GtUImm : i32 = |a: i32, b: i32| (a as u32) <= (b as u32),
                I32GeS I32GeSImm BrI32GeS BrI32GeSImm ! BrI32LtS BrI32LtSImm : i32 = |a: i32, b: i32| a >= b,
                I32GeU I32GeUImm BrI32GeU BrI32GeUImm ! BrI32LtU BrI32LtUImm : i32 = |a: i32, b: i32| (a as u32) >= (b as u32),
                I64Eq I64EqImm BrI64Eq BrI64EqImm ! BrI64Ne BrI64NeImm : i64 = |a: i64, b: i64| a == b,
                I64Ne I64NeImm BrI64Ne BrI64NeImm ! BrI64Eq BrI64EqImm : i64 = |a: i64, b: i64| a != b,
                I64LtS I64LtSImm BrI64LtS BrI64LtSImm ! BrI64GeS BrI64GeSImm : i64 = |a: i64, b: i64| a < b,
                I64LtU I64LtUImm BrI64LtU BrI64LtUImm ! BrI64GeU BrI64GeUImm : i64 = |a: i64, b: i64| (a as u64) < (b as u64),
                I64GtS I64GtSImm BrI64GtS BrI64GtSImm ! BrI64LeS BrI64LeSImm : i64 = |a: i64, b: i64| a > b,
                I64GtU I64GtUImm BrI64GtU BrI64GtUImm ! BrI64LeU BrI64LeUImm : i64 = |a: i64, b: i64| (a as u64) > (b as u64),
                I64LeS I64LeSImm BrI64LeS BrI64LeSImm ! BrI64GtS BrI64GtSImm : i64 = |a: i64, b: i64| a <= b,
                I64LeU I64LeUImm BrI64LeU BrI64LeUImm ! BrI64GtU BrI64GtUImm : i64 = |a: i64, b: i64| (a as u64) <= (b as u64),
                I64GeS I64GeSImm BrI64GeS BrI64GeSImm ! BrI64LtS BrI64LtSImm : i64 = |a: i64, b: i64| a >= b,
                I64GeU I64GeUImm BrI64GeU BrI64GeUImm ! BrI64LtU BrI64LtUImm : i64 = |a: i64, b: i64| (a as u64) >= (b as u64),
            ]
            cmp: [
                F32Eq : f32 = |a: f32, b: f32| a == b,
                F32Ne : f32 = |a: f32, b: f32| a != b,
                F32Lt : f32 = |a: f32, b: f32| a < b,
                F32Gt : f32 = |a: f32, b: f32| a > b,
                F32Le : f32 = |a: f32, b: f32| a <= b,
                F32Ge : f32 = |a: f32, b: f32| a >= b,
                F64Eq : f64 = |a: f64, b: f64| a == b,
                F64Ne : f64 = |a: f64, b: f64| a != b,
                F64Lt : f64 = |a: f64, b: f64| a < b,
                F64Gt : f64 = |a: f64, b: f64| a > b,
                F64Le : f64 = |a: f64, b: f64| a <= b,
                F64Ge : f64 = |a: f64, b: f64| a >= b,
            ]
            un: [
                I32Eqz : i32 => i32 = |a: i32| i32::from(a == 0),
                I64Eqz : i64 => i32 = |a: i64| i32::from(a == 0),
                I32Clz : i32 => i32 = |a: i32| a.leading_zeros() as i32,
                I32Ctz : i32 => i32 = |a: i32| a.trailing_zeros() as i32,
                I32Popcnt : i32 => i32 = |a: i32| a.count_ones() as i32,
                I64Clz : i64 => i64 = |a: i64| i64::from(a.leading_zeros()),
                I64Ctz : i64 => i64 = |a: i64| i64::from(a.trailing_zeros()),
                I64Popcnt : i64 => i64 = |a: i64| i64::from(a.count_ones()),
                F32Abs : f32 => f32 = f32::abs,
                F32Neg : f32 => f32 = |a: f32| -a,
                F32Ceil : f32 => f32 = n::f32_ceil,
                F32Floor : f32 => f32 = n::f32_floor,
                F32Trunc : f32 => f32 = n::f32_trunc,
                F32Nearest : f32 => f32 = n::f32_nearest,
                F32Sqrt : f32 => f32 = f32::sqrt,
                F64Abs : f64 => f64 = f64::abs,
                F64Neg : f64 => f64 = |a: f64| -a,
                F64Ceil : f64 => f64 = n::f64_ceil,
                F64Floor : f64 => f64 = n::f64_floor,
                F64Trunc : f64 => f64 = n::f64_trunc,
                F64Nearest : f64 => f64 = n::f64_nearest,
                F64Sqrt : f64 => f64 = f64::sqrt,
                I32WrapI64 : i64 => i32 = |a: i64| a as i32,
                I64ExtendI32S : i32 => i64 = i64::from,
                I64ExtendI32U : i32 => i64 = |a: i32| i64::from(a as u32),
                F32ConvertI32S : i32 => f32 = |a: i32| a as f32,
                F32ConvertI32U : i32 => f32 = |a: i32| a as u32 as f32,
                F32ConvertI64S : i64 => f32 = |a: i64| a as f32,
                F32ConvertI64U : i64 => f32 = n::f32_convert_i64_u,
                F32DemoteF64 : f64 => f32 = n::f32_demote_f64,
                F64ConvertI32S : i32 => f64 = f64::from,
                F64ConvertI32U : i32 => f64 = |a: i32| f64::from(a as u32),
                F64ConvertI64S : i64 => f64 = |a: i64| a as f64,
                F64ConvertI64U : i64 => f64 = n::f64_convert_i64_u,
                F64PromoteF32 : f32 => f64 = n::f64_promote_f32,
                I32Extend8S : i32 => i32 = |a: i32| i32::from(a as i8),
                I32Extend16S : i32 => i32 = |a: i32| i32::from(a as i16),
                I64Extend8S : i64 => i64 = |a: i64| i64::from(a as i8),
                I64Extend16S : i64 => i64 = |a: i64| i64::from(a as i16),
                I64Extend32S : i64 => i64 = |a: i64| i64::from(a as i32),
                I32TruncSatF32S : f32 => i32 = n::i32_trunc_sat_f32_s,
                I32TruncSatF32U : f32 => i32 = |a: f32| n::i32_trunc_sat_f32_u(a) as i32,
                I32TruncSatF64S : f64 => i32 = n::i32_trunc_sat_f64_s,
                I32TruncSatF64U : f64 => i32 = |a: f64| n::i32_trunc_sat_f64_u(a) as i32,
                I64TruncSatF32S : f32 => i64 = n::i64_trunc_sat_f32_s,
                I64TruncSatF32U : f32 => i64 = |a: f32| n::i64_trunc_sat_f32_u(a) as i64,
                I64TruncSatF64S : f64 => i64 = n::i64_trunc_sat_f64_s,
                I64TruncSatF64U : f64 => i64 = |a: f64| n::i64_trunc_sat_f64_u(a) as i64,
            ]
            un_trap: [
                I32TruncF32S : f32 => i32 = n::i32_trunc_f32_s,
                I32TruncF32U : f32 => i32 = |a: f32| n::i32_trunc_f32_u(a).map(|v| v as i32),
                I32TruncF64S : f64 => i32 = n::i32_trunc_f64_s,
                I32TruncF64U : f64 => i32 = |a: f64| n::i32_trunc_f64_u(a).map(|v| v as i32),
                I64TruncF32S : f32 => i64 = n::i64_trunc_f32_s,
                I64TruncF32U : f32 => i64 = |a: f32| n::i64_trunc_f32_u(a).map(|v| v as i64),
                I64TruncF64S : f64 => i64 = n::i64_trunc_f64_s,
                I64TruncF64U : f64 => i64 = |a: f64| n::i64_trunc_f64_u(a).map(|v| v as i64),
            ]
        }
    };
}

/// Calls `$m!` with any extra tokens given, then the accumulator forms of
/// ops as `acc: { ... }`, then the numeric table (as
/// [`for_each_numeric_op!`]).
///
/// An accumulator form is an op whose first operand is *the accumulator*:
/// the value the op just before it produced, which every handler of a
/// producing op passes on in a register as well as writing it to its slot.
/// Reading it from there saves the trip through memory (a store, then a
/// load that must wait for it) on a chain of dependent ops. The translator
/// picks these forms only where the op always runs right after its
/// producer (`translate/acc.rs`). Groups, each `Base Acc` with the base
/// op's semantics named where the base op is not itself in the numeric
/// table's value-producing forms:
///
/// * `bin`: `{ d, a, b }` becomes `{ d, b }`;
/// * `bin_imm`: `{ d, a, imm }` becomes `{ d, imm }` (`: imm type = semantics`);
/// * `br`: `{ a, b, t }` becomes `{ b, t }` (`= the comparison`);
/// * `br_imm`: `{ a, imm, t }` becomes `{ imm, t }`;
/// * `un`: `{ d, a }` becomes `{ d }`;
/// * `bin_b`, `bin_b_trap`: `{ d, a, b }` becomes `{ d, a }`, the
///   accumulator the *right-hand* operand (`a - acc`: for the ops that do
///   not commute; `translate/acc.rs` swaps those that do).
macro_rules! for_each_acc_op {
    ($m:ident $($extra:tt)*) => {
        $crate::op::for_each_acc_op! { [$m] $($extra)* }
    };
    ([$($m:tt)*] $($extra:tt)*) => {
        $crate::op::for_each_numeric_op! { [$($m)*] $($extra)*
            acc: {
                bin: [
                    I32Add I32AddAcc,
                    I32Sub I32SubAcc,
                    I32Mul I32MulAcc,
                    I32And I32AndAcc,
                    I32Or I32OrAcc,
                    I32Xor I32XorAcc,
                    I32Shl I32ShlAcc,
                    I32ShrS I32ShrSAcc,
                    I32ShrU I32ShrUAcc,
                    I32Rotl I32RotlAcc,
                    I32Rotr I32RotrAcc,
                    I64Add I64AddAcc,
                    I64Sub I64SubAcc,
                    I64Mul I64MulAcc,
                    I64And I64AndAcc,
                    I64Or I64OrAcc,
                    I64Xor I64XorAcc,
                    I64Shl I64ShlAcc,
                    I64ShrS I64ShrSAcc,
                    I64ShrU I64ShrUAcc,
                    I64Rotl I64RotlAcc,
                    I64Rotr I64RotrAcc,
                    F32Add F32AddAcc,
                    F32Sub F32SubAcc,
                    F32Mul F32MulAcc,
                    F32Div F32DivAcc,
                    F32Min F32MinAcc,
                    F32Max F32MaxAcc,
                    F32Copysign F32CopysignAcc,
                    F64Add F64AddAcc,
                    F64Sub F64SubAcc,
                    F64Mul F64MulAcc,
                    F64Div F64DivAcc,
                    F64Min F64MinAcc,
                    F64Max F64MaxAcc,
                    F64Copysign F64CopysignAcc,
                ]
                bin_imm: [
                    I32AddImm I32AddImmAcc : i32 = I32Add,
                    I32SubImm I32SubImmAcc : i32 = I32Sub,
                    I32MulImm I32MulImmAcc : i32 = I32Mul,
                    I32AndImm I32AndImmAcc : i32 = I32And,
                    I32OrImm I32OrImmAcc : i32 = I32Or,
                    I32XorImm I32XorImmAcc : i32 = I32Xor,
                    I32ShlImm I32ShlImmAcc : i32 = I32Shl,
                    I32ShrSImm I32ShrSImmAcc : i32 = I32ShrS,
                    I32ShrUImm I32ShrUImmAcc : i32 = I32ShrU,
                    I32RotlImm I32RotlImmAcc : i32 = I32Rotl,
                    I32RotrImm I32RotrImmAcc : i32 = I32Rotr,
                    I64AddImm I64AddImmAcc : i64 = I64Add,
                    I64SubImm I64SubImmAcc : i64 = I64Sub,
                    I64MulImm I64MulImmAcc : i64 = I64Mul,
                    I64AndImm I64AndImmAcc : i64 = I64And,
                    I64OrImm I64OrImmAcc : i64 = I64Or,
                    I64XorImm I64XorImmAcc : i64 = I64Xor,
                    I64ShlImm I64ShlImmAcc : i64 = I64Shl,
                    I64ShrSImm I64ShrSImmAcc : i64 = I64ShrS,
                    I64ShrUImm I64ShrUImmAcc : i64 = I64ShrU,
                    I64RotlImm I64RotlImmAcc : i64 = I64Rotl,
                    I64RotrImm I64RotrImmAcc : i64 = I64Rotr,
                    F32AddImm F32AddImmAcc : f32 = F32Add,
                    F32SubImm F32SubImmAcc : f32 = F32Sub,
                    F32MulImm F32MulImmAcc : f32 = F32Mul,
                    F32DivImm F32DivImmAcc : f32 = F32Div,
                    F64AddImm F64AddImmAcc : f64 = F64Add,
                    F64SubImm F64SubImmAcc : f64 = F64Sub,
                    F64MulImm F64MulImmAcc : f64 = F64Mul,
                    F64DivImm F64DivImmAcc : f64 = F64Div,
                ]
                br: [
                    BrI32Eq BrI32EqAcc = I32Eq,
                    BrI32Ne BrI32NeAcc = I32Ne,
                    BrI32LtS BrI32LtSAcc = I32LtS,
                    BrI32LtU BrI32LtUAcc = I32LtU,
                    BrI32GtS BrI32GtSAcc = I32GtS,
                    BrI32GtU BrI32GtUAcc = I32GtU,
                    BrI32LeS BrI32LeSAcc = I32LeS,
                    BrI32LeU BrI32LeUAcc = I32LeU,
                    BrI32GeS BrI32GeSAcc = I32GeS,
                    BrI32GeU BrI32GeUAcc = I32GeU,
                    BrI64Eq BrI64EqAcc = I64Eq,
                    BrI64Ne BrI64NeAcc = I64Ne,
                    BrI64LtS BrI64LtSAcc = I64LtS,
                    BrI64LtU BrI64LtUAcc = I64LtU,
                    BrI64GtS BrI64GtSAcc = I64GtS,
                    BrI64GtU BrI64GtUAcc = I64GtU,
                    BrI64LeS BrI64LeSAcc = I64LeS,
                    BrI64LeU BrI64LeUAcc = I64LeU,
                    BrI64GeS BrI64GeSAcc = I64GeS,
                    BrI64GeU BrI64GeUAcc = I64GeU,
                ]
                br_imm: [
                    BrI32EqImm BrI32EqImmAcc : i32 = I32Eq,
                    BrI32NeImm BrI32NeImmAcc : i32 = I32Ne,
                    BrI32LtSImm BrI32LtSImmAcc : i32 = I32LtS,
                    BrI32LtUImm BrI32LtUImmAcc : i32 = I32LtU,
                    BrI32GtSImm BrI32GtSImmAcc : i32 = I32GtS,
                    BrI32GtUImm BrI32GtUImmAcc : i32 = I32GtU,
                    BrI32LeSImm BrI32LeSImmAcc : i32 = I32LeS,
                    BrI32LeUImm BrI32LeUImmAcc : i32 = I32LeU,
                    BrI32GeSImm BrI32GeSImmAcc : i32 = I32GeS,
                    BrI32GeUImm BrI32GeUImmAcc : i32 = I32GeU,
                    BrI64EqImm BrI64EqImmAcc : i64 = I64Eq,
                    BrI64NeImm BrI64NeImmAcc : i64 = I64Ne,
                    BrI64LtSImm BrI64LtSImmAcc : i64 = I64LtS,
                    BrI64LtUImm BrI64LtUImmAcc : i64 = I64LtU,
                    BrI64GtSImm BrI64GtSImmAcc : i64 = I64GtS,
                    BrI64GtUImm BrI64GtUImmAcc : i64 = I64GtU,
                    BrI64LeSImm BrI64LeSImmAcc : i64 = I64LeS,
                    BrI64LeUImm BrI64LeUImmAcc : i64 = I64LeU,
                    BrI64GeSImm BrI64GeSImmAcc : i64 = I64GeS,
                    BrI64GeUImm BrI64GeUImmAcc : i64 = I64GeU,
                ]
                un: [
                    I32Eqz I32EqzAcc,
                    I64Eqz I64EqzAcc,
                    I32Popcnt I32PopcntAcc,
                    I64ExtendI32S I64ExtendI32SAcc,
                    I64ExtendI32U I64ExtendI32UAcc,
                    I32WrapI64 I32WrapI64Acc,
                    F64ConvertI32S F64ConvertI32SAcc,
                    F64ConvertI32U F64ConvertI32UAcc,
                    F32ConvertI32S F32ConvertI32SAcc,
                    F64PromoteF32 F64PromoteF32Acc,
                    F32DemoteF64 F32DemoteF64Acc,
                    F32Neg F32NegAcc,
                    F64Neg F64NegAcc,
                    F32Abs F32AbsAcc,
                    F64Abs F64AbsAcc,
                    F32Sqrt F32SqrtAcc,
                    F64Sqrt F64SqrtAcc,
                    I32Extend8S I32Extend8SAcc,
                    I32Extend16S I32Extend16SAcc,
                    I64Extend32S I64Extend32SAcc,
                ]
                bin_b: [
                    I32Sub I32SubAccB,
                    I64Sub I64SubAccB,
                    F32Sub F32SubAccB,
                    F64Sub F64SubAccB,
                    F32Div F32DivAccB,
                    F64Div F64DivAccB,
                ]
                bin_b_trap: [
                    I32DivS I32DivSAccB,
                    I32DivU I32DivUAccB,
                    I32RemS I32RemSAccB,
                    I32RemU I32RemUAccB,
                    I64DivS I64DivSAccB,
                    I64DivU I64DivUAccB,
                    I64RemS I64RemSAccB,
                    I64RemU I64RemUAccB,
                ]
            }
        }
    };
}

/// Turns the numeric table (with its accumulator forms) into rows of the
/// op table, then hands them on with the rest of the table
/// ([`core_rows!`]). The one place that reads the numeric table's
/// grouped grammar for the op table; see [`for_each_op!`] for a row's
/// form.
macro_rules! numeric_rows {
    (
        $m:ident
        acc: {
            bin: [$($ab:ident $abx:ident),* $(,)?]
            bin_imm: [$($abi:ident $abix:ident : $abit:ty = $abis:ident),* $(,)?]
            br: [$($aj:ident $ajx:ident = $ajs:ident),* $(,)?]
            br_imm: [$($aji:ident $ajix:ident : $ajit:ty = $ajis:ident),* $(,)?]
            un: [$($au:ident $aux:ident),* $(,)?]
            bin_b: [$($abb:ident $abbx:ident),* $(,)?]
            bin_b_trap: [$($abt:ident $abtx:ident),* $(,)?]
        }
        bin_imm: [$($bi:ident $bii:ident : $bit:ty => $bir:ty = $bif:expr),* $(,)?]
        bin_imm_trap: [$($bt:ident $bti:ident : $btt:ty => $btr:ty = $btf:expr),* $(,)?]
        bin: [$($b:ident : $bty:ty => $br:ty = $bf:expr),* $(,)?]
        cmp_imm: [$($c:ident $ci:ident $cj:ident $cji:ident ! $cn:ident $cni:ident : $ct:ty = $cf:expr),* $(,)?]
        cmp: [$($f:ident : $ft:ty = $ff:expr),* $(,)?]
        un: [$($u:ident : $ut:ty => $ur:ty = $uf:expr),* $(,)?]
        un_trap: [$($ut_:ident : $utt:ty => $utr:ty = $utf:expr),* $(,)?]
    ) => {
        $crate::op::fused::fused_rows! { $m
            $(
                $bi { d: w Slot, a: r Slot, b: r Slot } [ACC_OUT RETARGET] => num::$bi;
                $bii { d: w Slot, a: r Slot, imm: imm $bit } [ACC_OUT RETARGET] => num::$bii;
            )*
            $(
                $bt { d: w Slot, a: r Slot, b: r Slot } [ACC_OUT RETARGET TRAP] => num::$bt;
                $bti { d: w Slot, a: r Slot, imm: imm $btt } [ACC_OUT RETARGET TRAP] => num::$bti;
            )*
            $( $b { d: w Slot, a: r Slot, b: r Slot } [ACC_OUT RETARGET] => num::$b; )*
            $(
                $c { d: w Slot, a: r Slot, b: r Slot } [ACC_OUT RETARGET] => num::$c;
                $ci { d: w Slot, a: r Slot, imm: imm $ct } [ACC_OUT RETARGET] => num::$ci;
                $cj { a: r Slot, b: r Slot, t: t u32 } [] => num::$cj;
                $cji { a: r Slot, imm: imm $ct, t: t u32 } [] => num::$cji;
            )*
            $( $f { d: w Slot, a: r Slot, b: r Slot } [ACC_OUT RETARGET] => num::$f; )*
            $( $u { d: w Slot, a: r Slot } [ACC_OUT RETARGET] => num::$u; )*
            $( $ut_ { d: w Slot, a: r Slot } [ACC_OUT RETARGET TRAP] => num::$ut_; )*
            // ---- accumulator forms (`for_each_acc_op!`; `translate/acc.rs`) ----
            $( $abx { d: w Slot, b: r Slot } [ACC_OUT] <- $ab.a => num::$abx; )*
            $( $abix { d: w Slot, imm: imm $abit } [ACC_OUT] <- $abi.a => num::$abix; )*
            $( $ajx { b: r Slot, t: t u32 } [] <- $aj.a => num::$ajx; )*
            $( $ajix { imm: imm $ajit, t: t u32 } [] <- $aji.a => num::$ajix; )*
            $( $aux { d: w Slot } [ACC_OUT] <- $au.a => num::$aux; )*
            $( $abbx { d: w Slot, a: r Slot } [ACC_OUT] <- $abb.b => num::$abbx; )*
            $( $abtx { d: w Slot, a: r Slot } [ACC_OUT TRAP] <- $abt.b => num::$abtx; )*
        }
    };
}

/// Calls `$m!` with every row of the op table: the numeric ops (from
/// [`for_each_numeric_op!`] and [`for_each_acc_op!`], through
/// [`numeric_rows!`]), the rows of [`core_rows!`] below, then the vector
/// rows of `op/simd.rs` ([`simd::simd_rows!`]) and the GC rows of
/// `op/gc.rs` ([`gc::gc_rows!`]). Each row reads
///
/// ```text
/// /// doc
/// Name { field: form Type, ... } [FLAGS] <- Base.field => handler;
/// ```
///
/// * the fields (none: no braces, a unit variant) with their **forms**:
///   `r` a slot read, `w` a slot written, `w2` the two slots `d`, `d + 1`
///   written, `vr`/`vw` a slot *and its v-slot* read/written, `rs` the
///   first of a run of slots read (its length in another field or in the
///   callee's type), `base` a call's frame base (arguments there, results
///   written there), `sub` a slot whose use the op's sub-op says (read,
///   written, a run's start or unused: checked as a run), `t` a branch target, `imm` an immediate (anything
///   else: an index, an offset, a constant, a sub-op);
/// * the **flags** ([`Flags`]): `ACC_OUT` (the handler also leaves the
///   value it writes in the accumulator), `RETARGET` (its `w`/`vw` field is
///   the op's only effect there, so `local.set` may move it into a local),
///   `END` (control never falls through to the next op), `TRAP` (the op
///   may trap), `SLOW` (executed by the shared `slow` handler);
/// * `<- Base.field`: the row is the **accumulator form** of `Base`, which
///   reads `field` from the accumulator instead (its other fields are
///   `Base`'s, by name);
/// * the **handler**, a path from `exec/handlers.rs`.
///
/// Derived from the rows: [`Op`], [`Op::flags`], [`Op::name`],
/// [`Op::target_mut`], [`Op::result_dst_mut`], [`Op::acc_result`],
/// [`Op::slots_in_frame`], [`Op::for_each_operand`],
/// [`Op::with_acc_operand`], [`Op::reads_acc`] (here), the handler lookup
/// (`exec/handlers.rs`), and through them `verify` (`translate/mod.rs`)
/// and the disassembler (`disasm.rs`). Every derived `match` lists every
/// row, so an op missing from any of them does not compile.
macro_rules! for_each_op {
    ($m:ident) => {
        $crate::op::for_each_acc_op! { [$crate::op::numeric_rows] $m }
    };
}

/// The rows of the op table that are not numeric ops or vector ops (see
/// [`for_each_op!`] for a row's form).
macro_rules! core_rows {
    ($m:ident $($rows:tt)*) => {
        $crate::op::simd::simd_rows! { $m
            $($rows)*

            // ---- accumulator forms of memory-0 accesses, `select` and branches ----
            /// `d = load(acc + offset)`.
            I32LoadAcc { d: w Slot, offset: imm u32 } [ACC_OUT TRAP] <- I32Load.a => i32_load_acc;
            I64LoadAcc { d: w Slot, offset: imm u32 } [ACC_OUT TRAP] <- I64Load.a => i64_load_acc;
            F32LoadAcc { d: w Slot, offset: imm u32 } [ACC_OUT TRAP] <- F32Load.a => f32_load_acc;
            F64LoadAcc { d: w Slot, offset: imm u32 } [ACC_OUT TRAP] <- F64Load.a => f64_load_acc;
            I32Load8SAcc { d: w Slot, offset: imm u32 } [ACC_OUT TRAP] <- I32Load8S.a => i32_load8_s_acc;
            I32Load8UAcc { d: w Slot, offset: imm u32 } [ACC_OUT TRAP] <- I32Load8U.a => i32_load8_u_acc;
            I32Load16SAcc { d: w Slot, offset: imm u32 } [ACC_OUT TRAP] <- I32Load16S.a => i32_load16_s_acc;
            I32Load16UAcc { d: w Slot, offset: imm u32 } [ACC_OUT TRAP] <- I32Load16U.a => i32_load16_u_acc;
            /// Stores the accumulator at the address in `a`.
            Store8Acc { a: r Slot, offset: imm u32 } [TRAP] <- Store8.v => store8_acc;
            Store16Acc { a: r Slot, offset: imm u32 } [TRAP] <- Store16.v => store16_acc;
            Store32Acc { a: r Slot, offset: imm u32 } [TRAP] <- Store32.v => store32_acc;
            Store64Acc { a: r Slot, offset: imm u32 } [TRAP] <- Store64.v => store64_acc;
            /// Stores `v` at the address in the accumulator.
            Store8AccAddr { v: r Slot, offset: imm u32 } [TRAP] <- Store8.a => store8_acc_addr;
            Store16AccAddr { v: r Slot, offset: imm u32 } [TRAP] <- Store16.a => store16_acc_addr;
            Store32AccAddr { v: r Slot, offset: imm u32 } [TRAP] <- Store32.a => store32_acc_addr;
            Store64AccAddr { v: r Slot, offset: imm u32 } [TRAP] <- Store64.a => store64_acc_addr;
            /// Stores a constant at the address in the accumulator.
            Store8ImmAcc { offset: imm u32, imm: imm u32 } [TRAP] <- Store8Imm.a => store8_imm_acc;
            Store16ImmAcc { offset: imm u32, imm: imm u32 } [TRAP] <- Store16Imm.a => store16_imm_acc;
            Store32ImmAcc { offset: imm u32, imm: imm u32 } [TRAP] <- Store32Imm.a => store32_imm_acc;
            Store64ImmAcc { offset: imm u32, imm: imm u64 } [TRAP] <- Store64Imm.a => store64_imm_acc;
            /// Loads and stores at a constant address (`i32.const` and the
            /// offset added at translation).
            I32LoadAbs { d: w Slot, addr: imm u32 } [ACC_OUT RETARGET TRAP] => i32_load_abs;
            I64LoadAbs { d: w Slot, addr: imm u32 } [ACC_OUT RETARGET TRAP] => i64_load_abs;
            Store32Abs { v: r Slot, addr: imm u32 } [TRAP] => store32_abs;
            Store64Abs { v: r Slot, addr: imm u32 } [TRAP] => store64_abs;
            Store32AbsAcc { addr: imm u32 } [TRAP] <- Store32Abs.v => store32_abs_acc;
            Store64AbsAcc { addr: imm u32 } [TRAP] <- Store64Abs.v => store64_abs_acc;
            /// `select` with the condition in the accumulator.
            SelectAcc { d: w Slot, a: r Slot, b: r Slot } [ACC_OUT] <- Select.c => select_acc;
            SelectImmAcc { d: w Slot, a: imm u32, b: imm u32 } [ACC_OUT] <- SelectImm.c => select_imm_acc;
            BrIfZeroAcc { t: t u32 } [] <- BrIfZero.c => br_if_zero_acc;
            BrIfNonZeroAcc { t: t u32 } [] <- BrIfNonZero.c => br_if_non_zero_acc;

            // ---- moves ----
            /// `d = a`.
            Copy { d: w Slot, a: r Slot } [ACC_OUT RETARGET] => copy;
            /// `e = b`, then `d = a`: two `Copy` ops in a row, fused
            /// (`translate::fuse_pairs`); `d` is the accumulator's.
            Copy2 { e: w Slot, b: r Slot, d: w Slot, a: r Slot } [ACC_OUT] => copy2;
            /// `d = imm` (raw bits).
            Const { d: w Slot, imm: imm u64 } [ACC_OUT RETARGET] => constant;
            /// `select`: `d = if c != 0 { a } else { b }`.
            Select { d: w Slot, a: r Slot, b: r Slot, c: r Slot } [ACC_OUT RETARGET] => select;
            /// `select` of two constants of at most 32 bits (zero-extended):
            /// `d = if c != 0 { a } else { b }`.
            SelectImm { d: w Slot, c: r Slot, a: imm u32, b: imm u32 } [ACC_OUT RETARGET] => select_imm;

            // ---- control ----
            /// Charges `n` units of fuel (the wasm instructions of the
            /// block it starts); traps "all fuel consumed" if fewer are left.
            Fuel { n: imm u32 } [TRAP] => fuel;
            /// Traps "interrupted" if the store's interrupt flag is set
            /// (consuming it); emitted at function entry and loop headers
            /// when the engine is interruptible.
            CheckInterrupt [TRAP] => check_interrupt;
            /// Traps with "unreachable".
            Unreachable [END TRAP SLOW] => slow;
            /// Continues at `t`.
            Br { t: t u32 } [END] => br;
            /// Continues at `t` if the i32 in `c` is zero.
            BrIfZero { c: r Slot, t: t u32 } [] => br_if_zero;
            /// Continues at `t` if the i32 in `c` is not zero.
            BrIfNonZero { c: r Slot, t: t u32 } [] => br_if_non_zero;
            /// `br_table`: the `len` ops after this one are its entries,
            /// the default last, each a `Br`; continues at the target of
            /// entry `min(c, len - 1)` (without dispatching the entry).
            BrTable { c: r Slot, len: imm u32 } [END] => br_table;
            /// Returns with no results.
            Return0 [END] => return0;
            /// Returns the value in `a`.
            Return1 { a: r Slot } [END] => return1;
            /// Returns the `n` values in slots `a..a + n`.
            ReturnN { a: rs Slot, n: imm u16 } [END] => return_n;
            /// Calls function `func` (an index into the instance's functions);
            /// its arguments are at `base..`, where its results will be.
            Call { func: imm u32, base: base Slot } [TRAP] => call;
            /// Calls defined function `defined` of the running instance
            /// (a call that needs no store lookup).
            CallInternal { defined: imm u32, base: base Slot } [TRAP] => call_internal;
            /// [`Op::CallInternal`] with its last argument move fused in:
            /// `d = a` (`d` one of the argument slots), then the call.
            CallInternalCopy { defined: imm u32, base: base Slot, d: w Slot, a: r Slot } [TRAP] => call_internal_copy;
            /// [`Op::CallInternal`] with its argument moves done first:
            /// locals copied and constants written to argument slots, as
            /// listed at `Code::call_moves[moves..]`.
            CallInternalMoves { defined: imm u32, base: base Slot, moves: imm u32 } [TRAP] => call_internal_moves;
            /// `call_indirect` through table `table` (instance index) with
            /// expected type `ty`; the table index is in `c`.
            CallIndirect { ty: imm u32, table: imm u32, c: r Slot, base: base Slot } [TRAP] => call_indirect;
            /// [`Op::CallIndirect`] with its argument moves done first, as
            /// listed at `Code::call_moves[moves..]` (a table and a list
            /// position below 2^16).
            CallIndirectMoves { ty: imm u32, c: r Slot, base: base Slot, table: imm u16, moves: imm u16 } [TRAP] => call_indirect_moves;

            // ---- variables ----
            /// `d = global[g]`.
            GlobalGet { d: w Slot, g: imm u32 } [ACC_OUT RETARGET] => global_get;
            /// `global[g] = a`.
            GlobalSet { a: r Slot, g: imm u32 } [] => global_set;
            /// `d = global[g]` for a numeric global (`i32`, `i64`, `f32`,
            /// `f64`): its bits, without the reference encoding.
            GlobalGetNum { d: w Slot, g: imm u32 } [ACC_OUT RETARGET] => global_get_num;
            /// `global[g] = a` for an `i32` global (and the same for the
            /// other numeric types): the new value, with no look at the old.
            GlobalSetI32 { a: r Slot, g: imm u32 } [] => global_set_i32;
            GlobalSetI64 { a: r Slot, g: imm u32 } [] => global_set_i64;
            GlobalSetF32 { a: r Slot, g: imm u32 } [] => global_set_f32;
            GlobalSetF64 { a: r Slot, g: imm u32 } [] => global_set_f64;
            /// `d = a + imm; global[g] = d` for an `i32` global: a C stack
            /// pointer's move (`i32.add`/`i32.sub` of a constant, maybe a
            /// `local.tee`, then `global.set`) in one op.
            GlobalSetAddImm { d: w Slot, a: r Slot, g: imm u32, imm: imm i32 } [ACC_OUT] => global_set_add_imm;

            // ---- memory 0 (32-bit addresses); `a` is the address ----
            I32Load { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i32_load;
            I64Load { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i64_load;
            F32Load { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => f32_load;
            F64Load { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => f64_load;
            I32Load8S { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i32_load8_s;
            I32Load8U { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i32_load8_u;
            I32Load16S { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i32_load16_s;
            I32Load16U { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i32_load16_u;
            I64Load8S { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i64_load8_s;
            I64Load8U { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i64_load8_u;
            I64Load16S { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i64_load16_s;
            I64Load16U { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i64_load16_u;
            I64Load32S { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i64_load32_s;
            I64Load32U { d: w Slot, a: r Slot, offset: imm u32 } [ACC_OUT RETARGET TRAP] => i64_load32_u;
            /// Stores the low 4 bytes of `v` (i32 or f32 bits).
            Store32 { a: r Slot, v: r Slot, offset: imm u32 } [TRAP] => store32;
            /// Stores all 8 bytes of `v`.
            Store64 { a: r Slot, v: r Slot, offset: imm u32 } [TRAP] => store64;
            Store8 { a: r Slot, v: r Slot, offset: imm u32 } [TRAP] => store8;
            Store16 { a: r Slot, v: r Slot, offset: imm u32 } [TRAP] => store16;
            /// Stores the low 1, 2 or 4 bytes of a constant.
            Store8Imm { a: r Slot, offset: imm u32, imm: imm u32 } [TRAP] => store8_imm;
            Store16Imm { a: r Slot, offset: imm u32, imm: imm u32 } [TRAP] => store16_imm;
            Store32Imm { a: r Slot, offset: imm u32, imm: imm u32 } [TRAP] => store32_imm;
            /// Stores a constant's 8 bytes.
            Store64Imm { a: r Slot, offset: imm u32, imm: imm u64 } [TRAP] => store64_imm;
            MemorySize { d: w Slot } [RETARGET SLOW] => slow;
            MemoryGrow { d: w Slot, a: r Slot } [RETARGET SLOW] => slow;
            /// `memory.fill dst=d, value=v, len=n`.
            MemoryFill { d: r Slot, v: r Slot, n: r Slot } [TRAP SLOW] => slow;
            /// `memory.copy dst=d, src=s, len=n`.
            MemoryCopy { d: r Slot, s: r Slot, n: r Slot } [TRAP SLOW] => slow;
            /// `memory.init` from data segment `data`.
            MemoryInit { d: r Slot, s: r Slot, n: r Slot, data: imm u32 } [TRAP SLOW] => slow;
            DataDrop { data: imm u32 } [SLOW] => slow;

            // ---- tables (instance indices) and references ----
            TableGet { d: w Slot, i: r Slot, table: imm u32 } [RETARGET TRAP SLOW] => slow;
            TableSet { i: r Slot, v: r Slot, table: imm u32 } [TRAP SLOW] => slow;
            TableSize { d: w Slot, table: imm u32 } [RETARGET SLOW] => slow;
            /// `d = table.grow(init=v, delta=n)`.
            TableGrow { d: w Slot, v: r Slot, n: r Slot, table: imm u32 } [RETARGET SLOW] => slow;
            TableFill { i: r Slot, v: r Slot, n: r Slot, table: imm u32 } [TRAP SLOW] => slow;
            TableCopy { d: r Slot, s: r Slot, n: r Slot, dst: imm u32, src: imm u32 } [TRAP SLOW] => slow;
            TableInit { d: r Slot, s: r Slot, n: r Slot, table: imm u32, elem: imm u32 } [TRAP SLOW] => slow;
            ElemDrop { elem: imm u32 } [SLOW] => slow;
            RefIsNull { d: w Slot, a: r Slot } [RETARGET SLOW] => slow;
            RefFunc { d: w Slot, func: imm u32 } [RETARGET SLOW] => slow;
            /// Traps "null reference" if `a` is null.
            RefAsNonNull { a: r Slot } [TRAP SLOW] => slow;

            // ---- tail calls and typed function references (`exec/calls.rs`) ----
            /// `return_call` of function `func` (an instance index): the
            /// callee reuses the running frame; its arguments are at `base..`.
            ReturnCall { func: imm u32, base: base Slot } [END TRAP] => calls::return_call;
            /// `return_call_indirect`, as [`Op::CallIndirect`].
            ReturnCallIndirect { ty: imm u32, table: imm u32, c: r Slot, base: base Slot } [END TRAP] => calls::return_call_indirect;
            /// `call_ref` of the function reference in `c` (traps on null).
            CallRef { c: r Slot, base: base Slot } [TRAP] => calls::call_ref;
            /// `return_call_ref` of the function reference in `c`.
            ReturnCallRef { c: r Slot, base: base Slot } [END TRAP] => calls::return_call_ref;
            /// Continues at `t` if the reference in `c` is null.
            BrOnNull { c: r Slot, t: t u32 } [] => calls::br_on_null;
            /// Continues at `t` if the reference in `c` is not null.
            BrOnNonNull { c: r Slot, t: t u32 } [] => calls::br_on_non_null;

            // ---- wide arithmetic: results `(lo, hi)` in `d`, `d + 1` ----
            I64Add128 { d: w2 Slot, lo1: r Slot, hi1: r Slot, lo2: r Slot, hi2: r Slot } [] => wide::i64_add128;
            I64Sub128 { d: w2 Slot, lo1: r Slot, hi1: r Slot, lo2: r Slot, hi2: r Slot } [] => wide::i64_sub128;
            I64MulWideS { d: w2 Slot, a: r Slot, b: r Slot } [] => wide::i64_mul_wide_s;
            I64MulWideU { d: w2 Slot, a: r Slot, b: r Slot } [] => wide::i64_mul_wide_u;

            // ---- memories other than a 32-bit memory 0 (`exec/memory.rs`);
            // `mem` is an instance index, `arg` indexes `Code::mem_args` ----
            /// A load of `access` at the address in `a`.
            LoadExt { d: w Slot, a: r Slot, access: imm Access, arg: imm u32 } [TRAP] => memory::load_ext;
            /// Stores the low `bytes` bytes of `v` at the address in `a`.
            StoreExt { a: r Slot, v: r Slot, bytes: imm u8, arg: imm u32 } [TRAP] => memory::store_ext;
            /// A load of `access` from memory 0 when it has 64-bit addresses.
            Mem64Load { d: w Slot, a: r Slot, access: imm Access, offset: imm u32 } [TRAP] => memory::mem64_load;
            /// A store of `bytes` bytes to memory 0 when it has 64-bit addresses.
            Mem64Store { a: r Slot, v: r Slot, bytes: imm u8, offset: imm u32 } [TRAP] => memory::mem64_store;
            MemorySizeExt { d: w Slot, mem: imm u32 } [SLOW] => slow;
            MemoryGrowExt { d: w Slot, a: r Slot, mem: imm u32 } [SLOW] => slow;
            MemoryFillExt { d: r Slot, v: r Slot, n: r Slot, mem: imm u32 } [TRAP SLOW] => slow;
            MemoryCopyExt { d: r Slot, s: r Slot, n: r Slot, dst: imm u32, src: imm u32 } [TRAP SLOW] => slow;
            MemoryInitExt { d: r Slot, s: r Slot, n: r Slot, data: imm u32, mem: imm u32 } [TRAP SLOW] => slow;

            // ---- exceptions (`exec/exceptions.rs`; what catches them is
            // `Code::handlers`) ----
            /// `throw`: raises a new exception of tag `tag` (module index)
            /// whose fields are in slots `a..`.
            Throw { a: rs Slot, tag: imm u32 } [END] => super::exceptions::throw;
            /// `throw_ref`, and legacy `rethrow` (from its catch's hidden
            /// slot): re-raises the exception instance whose `exnref` is in
            /// `a`; traps "null exception reference" if it is null.
            ThrowRef { a: r Slot } [END TRAP] => super::exceptions::throw;
        }
    };
}

/// Expands to the [`Op`] enum and the queries derived from the rows of
/// [`for_each_op!`].
macro_rules! define_op {
    ($(
        $(#[$attr:meta])*
        $name:ident $({ $($field:ident : $form:ident $fty:ty),* $(,)? })?
        [$($flag:ident)*] $(<- $base:ident . $from:ident)? => $handler:path;
    )*) => {
        /// One threaded-code instruction (see the module docs for the
        /// operand conventions and [`for_each_op!`] for its row).
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub(crate) enum Op {
            $( $(#[$attr])* $name $({ $($field: $fty),* })?, )*
        }

        /// How many kinds of op there are (rows of the op table).
        #[allow(dead_code)]
        pub(crate) const OP_KINDS: usize = [$(stringify!($name)),*].len();

        #[allow(unused_variables, unused_mut, unused_assignments, clippy::let_and_return)]
        impl Op {
            /// This op's flags (its row's).
            #[inline(always)]
            pub(crate) const fn flags(&self) -> Flags {
                match self {
                    $( Op::$name { .. } => Flags(0 $(| Flags::$flag.0)*), )*
                }
            }

            /// This op's name (its variant's).
            pub(crate) const fn name(&self) -> &'static str {
                match self {
                    $( Op::$name { .. } => stringify!($name), )*
                }
            }

            /// Whether this op has a branch target (a `t` field). Constant
            /// where the op is named, so `emit` notes branches for free.
            #[inline(always)]
            pub(crate) const fn has_target(&self) -> bool {
                match self {
                    $( Op::$name { .. } => false $($( || form_is_target!($form) )*)?, )*
                }
            }

            /// The branch target of a branch op (its `t` field), for
            /// patching.
            pub(crate) fn target_mut(&mut self) -> Option<&mut u32> {
                match self {
                    $( Op::$name $({ $($field),* })? => {
                        let mut found = None;
                        $($( pick_field!(t; $form $field found); )*)?
                        found
                    } )*
                }
            }

            /// The slot a `RETARGET` op writes (`w` or `vw`): its result,
            /// which `local.set` right after may move into a local.
            #[inline]
            pub(crate) fn result_dst_mut(&mut self) -> Option<&mut Slot> {
                match self {
                    $( Op::$name $({ $($field),* })? => {
                        let mut found = None;
                        if Flags(0 $(| Flags::$flag.0)*).has(Flags::RETARGET) {
                            $($( pick_field!(w; $form $field found); pick_field!(vw; $form $field found); )*)?
                        }
                        found
                    } )*
                }
            }

            /// The slot an `ACC_OUT` op writes: its handler leaves the
            /// value written there in the accumulator too.
            #[inline]
            pub(crate) fn acc_result(&self) -> Option<Slot> {
                match *self {
                    $( Op::$name $({ $($field),* })? => {
                        let mut found = None;
                        if Flags(0 $(| Flags::$flag.0)*).has(Flags::ACC_OUT) {
                            $($( pick_field!(w; $form $field found); )*)?
                        }
                        found
                    } )*
                }
            }

            /// Whether every slot the op names is inside a frame of
            /// `frame` slots (`verify`): `r`, `w`, `vr`, `vw` below it, a
            /// `w2` pair too, a run (`rs`) or a call's `base` at most at
            /// its end.
            #[inline]
            pub(crate) fn slots_in_frame(&self, frame: u32) -> bool {
                match *self {
                    $( Op::$name $({ $($field),* })? => true $($( && slot_in_frame!($form $field frame) )*)?, )*
                }
            }

            /// Calls `f` with each operand's field name and value, in row
            /// order.
            #[inline]
            pub(crate) fn for_each_operand(&self, mut f: impl FnMut(&'static str, Operand<'_>)) {
                match self {
                    $( Op::$name $({ $($field),* })? => {
                        $($( f(stringify!($field), operand!($form $field)); )*)?
                    } )*
                }
            }

            /// Whether this op reads the accumulator (an accumulator form,
            /// `<- Base.field` in its row).
            #[inline(always)]
            pub(crate) const fn reads_acc(&self) -> bool {
                match self {
                    $( Op::$name { .. } => false $( || acc_base_is!($base) )?, )*
                }
            }
        }

        acc_forms! { (r x) [] [] $( [$name $({ $($field),* })? $(<- $base $from)?] )* }
    };
}

/// `true`, for a `<- Base.field` clause that is present.
macro_rules! acc_base_is {
    ($base:ident) => {
        true
    };
}

/// Whether a field form is a branch target.
macro_rules! form_is_target {
    (t) => {
        true
    };
    ($other:ident) => {
        false
    };
}

/// `$out = Some($field)` if `$form` is `$want`.
macro_rules! pick_field {
    (t; t $field:ident $out:ident) => {
        $out = Some($field);
    };
    (w; w $field:ident $out:ident) => {
        $out = Some($field);
    };
    (vw; vw $field:ident $out:ident) => {
        $out = Some($field);
    };
    ($want:ident; $form:ident $field:ident $out:ident) => {};
}

/// Whether a field of form `$form` is inside a frame of `$frame` slots
/// (any immediate or target is).
macro_rules! slot_in_frame {
    (r $x:ident $frame:ident) => {
        (u32::from($x) < $frame)
    };
    (w $x:ident $frame:ident) => {
        (u32::from($x) < $frame)
    };
    (vr $x:ident $frame:ident) => {
        (u32::from($x) < $frame)
    };
    (vw $x:ident $frame:ident) => {
        (u32::from($x) < $frame)
    };
    (w2 $x:ident $frame:ident) => {
        (u32::from($x) + 1 < $frame)
    };
    (rs $x:ident $frame:ident) => {
        (u32::from($x) <= $frame)
    };
    (base $x:ident $frame:ident) => {
        (u32::from($x) <= $frame)
    };
    (sub $x:ident $frame:ident) => {
        (u32::from($x) <= $frame)
    };
    ($form:ident $x:ident $frame:ident) => {
        true
    };
}

/// A field as an [`Operand`] of its form.
macro_rules! operand {
    (r $x:ident) => {
        Operand::Read(*$x)
    };
    (w $x:ident) => {
        Operand::Write(*$x)
    };
    (w2 $x:ident) => {
        Operand::WritePair(*$x)
    };
    (vr $x:ident) => {
        Operand::VRead(*$x)
    };
    (vw $x:ident) => {
        Operand::VWrite(*$x)
    };
    (rs $x:ident) => {
        Operand::ReadRun(*$x)
    };
    (base $x:ident) => {
        Operand::Base(*$x)
    };
    (sub $x:ident) => {
        Operand::SubOp(*$x)
    };
    (t $x:ident) => {
        Operand::Target(*$x)
    };
    (imm $x:ident) => {
        Operand::Imm($x)
    };
}

/// Expands to [`Op::with_acc_operand`] from the rows (`[Name { fields }
/// <- Base field]`): one guarded arm per accumulator form, in table order
/// (a base with two forms prefers the first row), then an arm per op that
/// gives `None`. `$r`, `$x`: the names the arms bind, passed in so that
/// every step's arms see the same ones.
macro_rules! acc_forms {
    (($r:ident $x:ident) [$($arms:tt)*] [$($rest:tt)*]) => {
        impl Op {
            /// This op with its operand `field` read from the accumulator
            /// instead of slot `r` (which holds the same value: the
            /// accumulator is what the op before wrote to `r`), if it has
            /// such a form (a row `<- Self.field`) and reads `r` there.
            pub(crate) fn with_acc_operand(self, $r: Slot) -> Option<Op> {
                match self {
                    $($arms)*
                    $($rest)*
                }
            }
        }
    };
    (($r:ident $x:ident) [$($arms:tt)*] [$($rest:tt)*]
        [$name:ident { $($field:ident),* } <- $base:ident $from:ident] $($rows:tt)*) => {
        acc_forms! { ($r $x)
            [$($arms)* Op::$base { $from: $x, $($field),* } if $x == $r => Some(Op::$name { $($field),* }),]
            [$($rest)* Op::$name { .. } => None,]
            $($rows)*
        }
    };
    (($r:ident $x:ident) [$($arms:tt)*] [$($rest:tt)*] [$name:ident $($fields:tt)?] $($rows:tt)*) => {
        acc_forms! { ($r $x) [$($arms)*] [$($rest)* Op::$name { .. } => None,] $($rows)* }
    };
}

/// An operand of an op, by its form (see [`for_each_op!`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Operand<'a> {
    /// A slot read.
    Read(Slot),
    /// A slot written.
    Write(Slot),
    /// Slots `d`, `d + 1` written.
    WritePair(Slot),
    /// A slot and its v-slot read.
    VRead(Slot),
    /// A slot and its v-slot written.
    VWrite(Slot),
    /// The first of a run of slots read.
    ReadRun(Slot),
    /// A call's frame base.
    Base(Slot),
    /// A slot whose use the op's sub-op says (GC ops): read, written, the
    /// first of a run, or unused (0).
    SubOp(Slot),
    /// A branch target.
    Target(u32),
    /// An immediate.
    Imm(&'a dyn std::fmt::Debug),
}

/// An op's flags (see [`for_each_op!`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flags(u8);

#[allow(dead_code)]
impl Flags {
    /// The handler leaves the value it writes in the accumulator too.
    pub(crate) const ACC_OUT: Flags = Flags(1);
    /// Writing its `w`/`vw` field is the op's only effect there: the
    /// translator may retarget it to a local.
    pub(crate) const RETARGET: Flags = Flags(2);
    /// Control never falls through to the next op.
    pub(crate) const END: Flags = Flags(4);
    /// The op may trap.
    pub(crate) const TRAP: Flags = Flags(8);
    /// The shared `slow` handler executes it.
    pub(crate) const SLOW: Flags = Flags(16);

    /// Whether every flag of `other` is set.
    #[inline(always)]
    pub(crate) const fn has(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The names of the flags set, for the disassembler.
    pub(crate) fn names(self) -> impl Iterator<Item = &'static str> {
        [
            (Self::ACC_OUT, "acc_out"),
            (Self::RETARGET, "retarget"),
            (Self::END, "end"),
            (Self::TRAP, "trap"),
            (Self::SLOW, "slow"),
        ]
        .into_iter()
        .filter(move |(f, _)| self.has(*f))
        .map(|(_, n)| n)
    }
}

/// Expands to the numeric ops' relations the rows do not say: which
/// compare-and-branch op a comparison fuses into, and each branch's
/// negation.
macro_rules! numeric_relations {
    (
        acc: { $($acc:tt)* }
        bin_imm: [$($bi:ident $bii:ident : $bit:ty => $bir:ty = $bif:expr),* $(,)?]
        bin_imm_trap: [$($bt:ident $bti:ident : $btt:ty => $btr:ty = $btf:expr),* $(,)?]
        bin: [$($b:ident : $bty:ty => $br:ty = $bf:expr),* $(,)?]
        cmp_imm: [$($c:ident $ci:ident $cj:ident $cji:ident ! $cn:ident $cni:ident : $ct:ty = $cf:expr),* $(,)?]
        cmp: [$($f:ident : $ft:ty = $ff:expr),* $(,)?]
        un: [$($u:ident : $ut:ty => $ur:ty = $uf:expr),* $(,)?]
        un_trap: [$($ut_:ident : $utt:ty => $utr:ty = $utf:expr),* $(,)?]
    ) => {
        impl Op {
            /// The compare-and-branch op for a comparison followed by a
            /// branch to `t` taken when the comparison is true (or, with
            /// `negate`, false); `None` for ops that do not fuse.
            pub(crate) fn fuse_branch(self, t: u32, negate: bool) -> Option<Op> {
                Some(match self {
                    $(
                        Op::$c { a, b, .. } => if negate { Op::$cn { a, b, t } } else { Op::$cj { a, b, t } },
                        Op::$ci { a, imm, .. } => if negate { Op::$cni { a, imm, t } } else { Op::$cji { a, imm, t } },
                    )*
                    Op::I32Eqz { a, .. } => if negate { Op::BrIfNonZero { c: a, t } } else { Op::BrIfZero { c: a, t } },
                    Op::I64Eqz { a, .. } => if negate { Op::BrI64NeImm { a, imm: 0, t } } else { Op::BrI64EqImm { a, imm: 0, t } },
                    _ => return None,
                })
            }

            /// For a conditional branch: the branch taken in the opposite
            /// case, to `t`, and this branch's own target.
            pub(crate) fn negated_branch(self, t: u32) -> Option<(Op, u32)> {
                Some(match self {
                    $(
                        Op::$cj { a, b, t: old } => (Op::$cn { a, b, t }, old),
                        Op::$cji { a, imm, t: old } => (Op::$cni { a, imm, t }, old),
                    )*
                    Op::BrIfZero { c, t: old } => (Op::BrIfNonZero { c, t }, old),
                    Op::BrIfNonZero { c, t: old } => (Op::BrIfZero { c, t }, old),
                    _ => return None,
                })
            }
        }
    };
}

for_each_op!(define_op);
for_each_acc_op!(numeric_relations);
pub(crate) use {core_rows, for_each_acc_op, for_each_numeric_op, for_each_op, numeric_rows};

// The translator's op vector holds and copies ops: keep them two words at
// most (big immediates go to side tables in `Code`). What runs is their
// packed encoding (`exec/encode.rs`).
const _: () = assert!(size_of::<Op>() <= 16);

/// What a [`Op::LoadExt`] reads: `bytes` little-endian bytes, sign- or
/// zero-extended, to an i32 (`wide == false`) or a 64-bit value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Access {
    pub(crate) bytes: u8,
    pub(crate) signed: bool,
    pub(crate) wide: bool,
}

/// The static part of an access to a memory other than a 32-bit memory 0:
/// the memory (instance index) and the offset, which may exceed 32 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemArgExt {
    pub(crate) mem: u32,
    pub(crate) offset: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The queries derived from the rows answer as the rows say.
    #[test]
    fn rows_answer_the_translators_questions() {
        let mut br = Op::BrI32LtS { a: 1, b: 2, t: 7 };
        assert!(br.has_target());
        assert_eq!(br.target_mut().copied(), Some(7));
        let mut add = Op::I32Add { d: 0, a: 1, b: 2 };
        assert!(!add.has_target());
        assert_eq!(add.target_mut(), None);
        assert_eq!(add.result_dst_mut().copied(), Some(0));

        // Accumulator forms: a base with two prefers its first row.
        assert_eq!(Op::Store8 { a: 3, v: 3, offset: 4 }.with_acc_operand(3), Some(Op::Store8Acc { a: 3, offset: 4 }));
        assert_eq!(
            Op::Store8 { a: 3, v: 5, offset: 4 }.with_acc_operand(3),
            Some(Op::Store8AccAddr { v: 5, offset: 4 })
        );
        assert_eq!(Op::I32Load { d: 0, a: 1, offset: 8 }.with_acc_operand(1), Some(Op::I32LoadAcc { d: 0, offset: 8 }));
        assert_eq!(add.with_acc_operand(2), None);
        assert_eq!(add.with_acc_operand(1), Some(Op::I32AddAcc { d: 0, b: 2 }));
        assert!(Op::I32AddAcc { d: 0, b: 2 }.reads_acc());
        assert!(!add.reads_acc());

        // ACC_OUT and RETARGET.
        assert_eq!(Op::Copy { d: 4, a: 1 }.acc_result(), Some(4));
        assert_eq!(Op::MemorySize { d: 4 }.acc_result(), None);
        assert_eq!(Op::MemorySize { d: 4 }.result_dst_mut().copied(), Some(4));
        assert_eq!(Op::VI32x4Add { d: 4, a: 1, b: 2 }.result_dst_mut().copied(), Some(4));
        assert_eq!(Op::VI32x4Add { d: 4, a: 1, b: 2 }.acc_result(), None);
        assert_eq!(
            Op::LoadExt { d: 4, a: 1, access: Access { bytes: 4, signed: false, wide: false }, arg: 0 }
                .result_dst_mut(),
            None
        );

        // END, SLOW.
        assert!(Op::Return0.flags().has(Flags::END));
        assert!(Op::Br { t: 0 }.flags().has(Flags::END));
        assert!(!Op::BrIfZero { c: 0, t: 0 }.flags().has(Flags::END));
        assert!(Op::TableGet { d: 0, i: 1, table: 0 }.flags().has(Flags::SLOW));
        assert!(!Op::I32Load { d: 0, a: 1, offset: 0 }.flags().has(Flags::SLOW));

        // Operands in row order, by form.
        let mut seen = Vec::new();
        Op::I64Add128 { d: 1, lo1: 2, hi1: 3, lo2: 4, hi2: 5 }.for_each_operand(|n, o| seen.push(format!("{n}:{o:?}")));
        assert_eq!(seen, ["d:WritePair(1)", "lo1:Read(2)", "hi1:Read(3)", "lo2:Read(4)", "hi2:Read(5)"]);
        seen.clear();
        Op::Store64Imm { a: 2, offset: 8, imm: 9 }.for_each_operand(|n, o| seen.push(format!("{n}:{o:?}")));
        assert_eq!(seen, ["a:Read(2)", "offset:Imm(8)", "imm:Imm(9)"]);
        assert_eq!(Op::Store64Imm { a: 2, offset: 8, imm: 9 }.name(), "Store64Imm");
    }
}
