//! The threaded engine's instruction set: one table ([`for_each_numeric_op!`])
//! lists every numeric op once — its slot form, its immediate form, its fused
//! compare-and-branch forms and its semantics as a call into
//! [`weft_exec::numeric`] — and the [`Op`] enum, the translator's operator
//! mapping and the handlers are all derived from it. Control, memory, table,
//! variable and call ops are listed by hand below the derived ones.
//!
//! # Conventions
//!
//! * `d` — the destination slot, `a`, `b` — operand slots, `c` — a
//!   condition slot; slots are frame-relative ([`Slot`]): the function's
//!   locals first, then its operand stack;
//! * `imm` — an immediate right-hand operand (`i32.add d, a, 5`);
//! * `t` — a branch target: an index into the function's op vector while
//!   translating, then (the last translation step) a byte offset from the
//!   branch op's cell (`Code::cells`), as `i32` bits.

pub(crate) mod gc;
pub(crate) mod simd;

/// A frame-relative slot index (locals, then the operand stack).
pub(crate) type Slot = u16;

/// A value as it lives in a slot: 64 raw bits. Floats keep their exact bit
/// patterns; references are 0 for null, functions and exceptions their
/// store index + 1, and the `any` and `extern` hierarchies
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
        $m! {
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
                F32Add : f32 => f32 = |a: f32, b: f32| a + b,
                F32Sub : f32 => f32 = |a: f32, b: f32| a - b,
                F32Mul : f32 => f32 = |a: f32, b: f32| a * b,
                F32Div : f32 => f32 = |a: f32, b: f32| a / b,
                F32Min : f32 => f32 = n::f32_min,
                F32Max : f32 => f32 = n::f32_max,
                F32Copysign : f32 => f32 = n::f32_copysign,
                F64Add : f64 => f64 = |a: f64, b: f64| a + b,
                F64Sub : f64 => f64 = |a: f64, b: f64| a - b,
                F64Mul : f64 => f64 = |a: f64, b: f64| a * b,
                F64Div : f64 => f64 = |a: f64, b: f64| a / b,
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
/// * `un`: `{ d, a }` becomes `{ d }`.
macro_rules! for_each_acc_op {
    ($m:ident $($extra:tt)*) => {
        for_each_numeric_op! { $m $($extra)*
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
            }
        }
    };
}

macro_rules! define_op {
    (
        acc: {
            bin: [$($ab:ident $abx:ident),* $(,)?]
            bin_imm: [$($abi:ident $abix:ident : $abit:ty = $abis:ident),* $(,)?]
            br: [$($aj:ident $ajx:ident = $ajs:ident),* $(,)?]
            br_imm: [$($aji:ident $ajix:ident : $ajit:ty = $ajis:ident),* $(,)?]
            un: [$($au:ident $aux:ident),* $(,)?]
        }
        bin_imm: [$($bi:ident $bii:ident : $bit:ty => $bir:ty = $bif:expr),* $(,)?]
        bin_imm_trap: [$($bt:ident $bti:ident : $btt:ty => $btr:ty = $btf:expr),* $(,)?]
        bin: [$($b:ident : $bty:ty => $br:ty = $bf:expr),* $(,)?]
        cmp_imm: [$($c:ident $ci:ident $cj:ident $cji:ident ! $cn:ident $cni:ident : $ct:ty = $cf:expr),* $(,)?]
        cmp: [$($f:ident : $ft:ty = $ff:expr),* $(,)?]
        un: [$($u:ident : $ut:ty => $ur:ty = $uf:expr),* $(,)?]
        un_trap: [$($ut_:ident : $utt:ty => $utr:ty = $utf:expr),* $(,)?]
    ) => {
        /// One threaded-code instruction (see the module docs for the
        /// operand conventions).
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub(crate) enum Op {
            $( $bi { d: Slot, a: Slot, b: Slot }, $bii { d: Slot, a: Slot, imm: $bit }, )*
            $( $bt { d: Slot, a: Slot, b: Slot }, $bti { d: Slot, a: Slot, imm: $btt }, )*
            $( $b { d: Slot, a: Slot, b: Slot }, )*
            $( $c { d: Slot, a: Slot, b: Slot }, $ci { d: Slot, a: Slot, imm: $ct },
               $cj { a: Slot, b: Slot, t: u32 }, $cji { a: Slot, imm: $ct, t: u32 }, )*
            $( $f { d: Slot, a: Slot, b: Slot }, )*
            $( $u { d: Slot, a: Slot }, )*
            $( $ut_ { d: Slot, a: Slot }, )*

            // ---- accumulator forms (`for_each_acc_op!`; `exec/acc.rs`) ----
            $( $abx { d: Slot, b: Slot }, )*
            $( $abix { d: Slot, imm: $abit }, )*
            $( $ajx { b: Slot, t: u32 }, )*
            $( $ajix { imm: $ajit, t: u32 }, )*
            $( $aux { d: Slot }, )*
            I32LoadAcc { d: Slot, offset: u32 },
            I64LoadAcc { d: Slot, offset: u32 },
            F32LoadAcc { d: Slot, offset: u32 },
            F64LoadAcc { d: Slot, offset: u32 },
            I32Load8SAcc { d: Slot, offset: u32 },
            I32Load8UAcc { d: Slot, offset: u32 },
            I32Load16SAcc { d: Slot, offset: u32 },
            I32Load16UAcc { d: Slot, offset: u32 },
            /// Stores the accumulator at the address in `a`.
            Store8Acc { a: Slot, offset: u32 },
            Store16Acc { a: Slot, offset: u32 },
            Store32Acc { a: Slot, offset: u32 },
            Store64Acc { a: Slot, offset: u32 },
            /// Stores `v` at the address in the accumulator.
            Store8AccAddr { v: Slot, offset: u32 },
            Store16AccAddr { v: Slot, offset: u32 },
            Store32AccAddr { v: Slot, offset: u32 },
            Store64AccAddr { v: Slot, offset: u32 },
            /// Stores a constant at the address in the accumulator.
            Store8ImmAcc { offset: u32, imm: u32 },
            Store16ImmAcc { offset: u32, imm: u32 },
            Store32ImmAcc { offset: u32, imm: u32 },
            Store64ImmAcc { offset: u32, imm: u64 },
            /// Loads and stores at a constant address (`i32.const` and the
            /// offset added at translation).
            I32LoadAbs { d: Slot, addr: u32 },
            I64LoadAbs { d: Slot, addr: u32 },
            Store32Abs { v: Slot, addr: u32 },
            Store64Abs { v: Slot, addr: u32 },
            Store32AbsAcc { addr: u32 },
            Store64AbsAcc { addr: u32 },
            /// `select` with the condition in the accumulator.
            SelectAcc { d: Slot, a: Slot, b: Slot },
            BrIfZeroAcc { t: u32 },
            BrIfNonZeroAcc { t: u32 },

            // ---- moves ----
            /// `d = a`.
            Copy { d: Slot, a: Slot },
            /// `d = imm` (raw bits).
            Const { d: Slot, imm: u64 },
            /// `select`: `d = if c != 0 { a } else { b }`.
            Select { d: Slot, a: Slot, b: Slot, c: Slot },

            // ---- control ----
            /// Charges `n` units of fuel (the wasm instructions of the
            /// block it starts); traps "all fuel consumed" if fewer are left.
            Fuel { n: u32 },
            /// Traps "interrupted" if the store's interrupt flag is set
            /// (consuming it); emitted at function entry and loop headers
            /// when the engine is interruptible.
            CheckInterrupt,
            /// Traps with "unreachable".
            Unreachable,
            /// Continues at `t`.
            Br { t: u32 },
            /// Continues at `t` if the i32 in `c` is zero.
            BrIfZero { c: Slot, t: u32 },
            /// Continues at `t` if the i32 in `c` is not zero.
            BrIfNonZero { c: Slot, t: u32 },
            /// `br_table`: the `len` ops after this one are its entries,
            /// the default last, each a `Br`; continues at the target of
            /// entry `min(c, len - 1)` (without dispatching the entry).
            BrTable { c: Slot, len: u32 },
            /// Returns with no results.
            Return0,
            /// Returns the value in `a`.
            Return1 { a: Slot },
            /// Returns the `n` values in slots `a..a + n`.
            ReturnN { a: Slot, n: u16 },
            /// Calls function `func` (an index into the instance's functions);
            /// its arguments are at `base..`, where its results will be.
            Call { func: u32, base: Slot },
            /// Calls defined function `defined` of the running instance
            /// (a call that needs no store lookup).
            CallInternal { defined: u32, base: Slot },
            /// `call_indirect` through table `table` (instance index) with
            /// expected type `ty`; the table index is in `c`.
            CallIndirect { ty: u32, table: u32, c: Slot, base: Slot },

            // ---- variables ----
            /// `d = global[g]`.
            GlobalGet { d: Slot, g: u32 },
            /// `global[g] = a`.
            GlobalSet { a: Slot, g: u32 },

            // ---- memory 0 (32-bit addresses); `a` is the address ----
            I32Load { d: Slot, a: Slot, offset: u32 },
            I64Load { d: Slot, a: Slot, offset: u32 },
            F32Load { d: Slot, a: Slot, offset: u32 },
            F64Load { d: Slot, a: Slot, offset: u32 },
            I32Load8S { d: Slot, a: Slot, offset: u32 },
            I32Load8U { d: Slot, a: Slot, offset: u32 },
            I32Load16S { d: Slot, a: Slot, offset: u32 },
            I32Load16U { d: Slot, a: Slot, offset: u32 },
            I64Load8S { d: Slot, a: Slot, offset: u32 },
            I64Load8U { d: Slot, a: Slot, offset: u32 },
            I64Load16S { d: Slot, a: Slot, offset: u32 },
            I64Load16U { d: Slot, a: Slot, offset: u32 },
            I64Load32S { d: Slot, a: Slot, offset: u32 },
            I64Load32U { d: Slot, a: Slot, offset: u32 },
            /// Stores the low 4 bytes of `v` (i32 or f32 bits).
            Store32 { a: Slot, v: Slot, offset: u32 },
            /// Stores all 8 bytes of `v`.
            Store64 { a: Slot, v: Slot, offset: u32 },
            Store8 { a: Slot, v: Slot, offset: u32 },
            Store16 { a: Slot, v: Slot, offset: u32 },
            /// Stores the low 1, 2 or 4 bytes of a constant.
            Store8Imm { a: Slot, offset: u32, imm: u32 },
            Store16Imm { a: Slot, offset: u32, imm: u32 },
            Store32Imm { a: Slot, offset: u32, imm: u32 },
            /// Stores a constant's 8 bytes.
            Store64Imm { a: Slot, offset: u32, imm: u64 },
            MemorySize { d: Slot },
            MemoryGrow { d: Slot, a: Slot },
            /// `memory.fill dst=d, value=v, len=n`.
            MemoryFill { d: Slot, v: Slot, n: Slot },
            /// `memory.copy dst=d, src=s, len=n`.
            MemoryCopy { d: Slot, s: Slot, n: Slot },
            /// `memory.init` from data segment `data`.
            MemoryInit { d: Slot, s: Slot, n: Slot, data: u32 },
            DataDrop { data: u32 },

            // ---- tables (instance indices) and references ----
            TableGet { d: Slot, i: Slot, table: u32 },
            TableSet { i: Slot, v: Slot, table: u32 },
            TableSize { d: Slot, table: u32 },
            /// `d = table.grow(init=v, delta=n)`.
            TableGrow { d: Slot, v: Slot, n: Slot, table: u32 },
            TableFill { i: Slot, v: Slot, n: Slot, table: u32 },
            TableCopy { d: Slot, s: Slot, n: Slot, dst: u32, src: u32 },
            TableInit { d: Slot, s: Slot, n: Slot, table: u32, elem: u32 },
            ElemDrop { elem: u32 },
            RefIsNull { d: Slot, a: Slot },
            RefFunc { d: Slot, func: u32 },
            /// Traps "null reference" if `a` is null.
            RefAsNonNull { a: Slot },

            // ---- tail calls and typed function references (`exec/calls.rs`) ----
            /// `return_call` of function `func` (an instance index): the
            /// callee reuses the running frame; its arguments are at `base..`.
            ReturnCall { func: u32, base: Slot },
            /// `return_call_indirect`, as [`Op::CallIndirect`].
            ReturnCallIndirect { ty: u32, table: u32, c: Slot, base: Slot },
            /// `call_ref` of the function reference in `c` (traps on null).
            CallRef { c: Slot, base: Slot },
            /// `return_call_ref` of the function reference in `c`.
            ReturnCallRef { c: Slot, base: Slot },
            /// Continues at `t` if the reference in `c` is null.
            BrOnNull { c: Slot, t: u32 },
            /// Continues at `t` if the reference in `c` is not null.
            BrOnNonNull { c: Slot, t: u32 },

            // ---- wide arithmetic: results `(lo, hi)` in `d`, `d + 1` ----
            I64Add128 { d: Slot, lo1: Slot, hi1: Slot, lo2: Slot, hi2: Slot },
            I64Sub128 { d: Slot, lo1: Slot, hi1: Slot, lo2: Slot, hi2: Slot },
            I64MulWideS { d: Slot, a: Slot, b: Slot },
            I64MulWideU { d: Slot, a: Slot, b: Slot },

            // ---- memories other than a 32-bit memory 0 (`exec/memory.rs`);
            // `mem` is an instance index, `arg` indexes `Code::mem_args` ----
            /// A load of `access` at the address in `a`.
            LoadExt { d: Slot, a: Slot, access: Access, arg: u32 },
            /// Stores the low `bytes` bytes of `v` at the address in `a`.
            StoreExt { a: Slot, v: Slot, bytes: u8, arg: u32 },
            /// A load of `access` from memory 0 when it has 64-bit addresses.
            Mem64Load { d: Slot, a: Slot, access: Access, offset: u32 },
            /// A store of `bytes` bytes to memory 0 when it has 64-bit addresses.
            Mem64Store { a: Slot, v: Slot, bytes: u8, offset: u32 },
            MemorySizeExt { d: Slot, mem: u32 },
            MemoryGrowExt { d: Slot, a: Slot, mem: u32 },
            MemoryFillExt { d: Slot, v: Slot, n: Slot, mem: u32 },
            MemoryCopyExt { d: Slot, s: Slot, n: Slot, dst: u32, src: u32 },
            MemoryInitExt { d: Slot, s: Slot, n: Slot, data: u32, mem: u32 },

            // ---- exceptions (`exec/exceptions.rs`; what catches them is
            // `Code::handlers`) ----
            /// `throw`: raises a new exception of tag `tag` (module index)
            /// whose fields are in slots `a..`.
            Throw { a: Slot, tag: u32 },
            /// `throw_ref`, and legacy `rethrow` (from its catch's hidden
            /// slot): re-raises the exception instance whose `exnref` is in
            /// `a`; traps "null exception reference" if it is null.
            ThrowRef { a: Slot },

            // ---- v128 (`exec/simd.rs`): a `v128` in slot `x` lives in the
            // frame's v-slot `x` (a parallel `u128` array); code that uses
            // `v128` moves both halves of a slot (`VCopy`, `VSelect`, ...) ----
            /// `d = a`, slot and v-slot.
            VCopy { d: Slot, a: Slot },
            /// `select` of slots and v-slots.
            VSelect { d: Slot, a: Slot, b: Slot, c: Slot },
            /// Returns the value in `a` (slot and v-slot).
            VReturn1 { a: Slot },
            /// Returns the `n` values in slots and v-slots `a..a + n`.
            VReturnN { a: Slot, n: u16 },
            /// `v-slot d = Code::v128_consts[k]`.
            VConst { d: Slot, k: u32 },
            VGlobalGet { d: Slot, g: u32 },
            VGlobalSet { a: Slot, g: u32 },
            /// `v128.load` from memory 0 (32-bit addresses) at
            /// `(a + add) mod 2^32 + offset`: `add` is the immediate (below
            /// 2^16) of an `i32.add` that computed the address just before
            /// (`translate/simd.rs`), else 0.
            VLoad { d: Slot, a: Slot, add: u16, offset: u32 },
            /// `v128.store` to memory 0 (32-bit addresses).
            VStore { a: Slot, v: Slot, offset: u32 },
            /// The extending, splatting and zeroing loads.
            VLoadExt { d: Slot, a: Slot, kind: simd::VLoadKind, offset: u32 },
            /// `v128.loadN_lane`: `bytes` bytes into lane `lane` of `v`.
            VLoadLane { d: Slot, a: Slot, v: Slot, bytes: u8, lane: u8, offset: u32 },
            /// `v128.storeN_lane`.
            VStoreLane { a: Slot, v: Slot, bytes: u8, lane: u8, offset: u32 },
            /// A vector access of `kind` at the address in `a` to a memory off
            /// the fast path (`Code::mem_args[arg]`); loads write v-slot `d`.
            VMemExt { d: Slot, a: Slot, v: Slot, kind: simd::VMemKind, arg: u32 },
            VUn { d: Slot, a: Slot, f: simd::VUnOp },
            VBin { d: Slot, a: Slot, b: Slot, f: simd::VBinOp },
            VTern { d: Slot, a: Slot, b: Slot, c: Slot, f: simd::VTernOp },
            /// `v128 -> i32` into slot `d`.
            VTest { d: Slot, a: Slot, f: simd::VTestOp },
            /// A shift of v-slot `a` by the i32 in slot `b`.
            VShift { d: Slot, a: Slot, b: Slot, f: simd::VShiftOp },
            /// A splat of slot `a`.
            VSplat { d: Slot, a: Slot, f: simd::VSplatOp },
            /// A lane of v-slot `a` into slot `d`.
            VExtract { d: Slot, a: Slot, lane: u8, f: simd::VExtractOp },
            /// v-slot `a` with lane `lane` replaced by slot `b`.
            VReplace { d: Slot, a: Slot, b: Slot, lane: u8, f: simd::VReplaceOp },
            /// `i8x16.shuffle` with the lane indices in `Code::v128_consts[k]`.
            VShuffle { d: Slot, a: Slot, b: Slot, k: u32 },
            /// `v128.bitselect`.
            VBitselect { d: Slot, a: Slot, b: Slot, c: Slot },
            // The common lane arithmetic, a handler each (`exec/simd.rs`).
            VAnd { d: Slot, a: Slot, b: Slot },
            VOr { d: Slot, a: Slot, b: Slot },
            VXor { d: Slot, a: Slot, b: Slot },
            VAndNot { d: Slot, a: Slot, b: Slot },
            VI8x16Add { d: Slot, a: Slot, b: Slot },
            VI16x8Add { d: Slot, a: Slot, b: Slot },
            VI32x4Add { d: Slot, a: Slot, b: Slot },
            VI32x4Sub { d: Slot, a: Slot, b: Slot },
            VI32x4Mul { d: Slot, a: Slot, b: Slot },
            VI64x2Add { d: Slot, a: Slot, b: Slot },
            VI64x2Sub { d: Slot, a: Slot, b: Slot },
            VF32x4Add { d: Slot, a: Slot, b: Slot },
            VF32x4Sub { d: Slot, a: Slot, b: Slot },
            VF32x4Mul { d: Slot, a: Slot, b: Slot },
            VF64x2Add { d: Slot, a: Slot, b: Slot },
            VF64x2Sub { d: Slot, a: Slot, b: Slot },
            VF64x2Mul { d: Slot, a: Slot, b: Slot },
            VI8x16Eq { d: Slot, a: Slot, b: Slot },
            VI32x4Eq { d: Slot, a: Slot, b: Slot },
            VI32x4LtS { d: Slot, a: Slot, b: Slot },
            VI32x4GtS { d: Slot, a: Slot, b: Slot },
            VF32x4Lt { d: Slot, a: Slot, b: Slot },
            VF32x4Gt { d: Slot, a: Slot, b: Slot },
            // Fused pairs (`translate/simd.rs`): a binary vector op whose
            // right operand is the `v128.load` or `v128.const` just before.
            /// `d = f(a, v128.load((addr + add) mod 2^32 + offset))` on memory 0.
            VBinLoad { d: Slot, a: Slot, addr: Slot, add: u16, offset: u32, f: simd::VBinOp },
            /// `d = f(a, Code::v128_consts[k])`.
            VBinConst { d: Slot, a: Slot, k: u32, f: simd::VBinOp },
            /// `VBinLoad` of `f32x4.mul`, the matrix kernels' pair, with
            /// no sub-op to dispatch on.
            VF32x4MulLoad { d: Slot, a: Slot, addr: Slot, add: u16, offset: u32 },

            // ---- GC (`op/gc.rs`, `exec/gc.rs`) ----
            /// A GC instruction that does not branch: see [`gc::GcOp`] for
            /// what `d`, `a`, `b` and `k` are per sub-op.
            Gc { sub: gc::GcOp, d: Slot, a: Slot, b: Slot, k: u32 },
            /// `br_on_cast` (`sub`: or `_fail`) of the reference in `c`
            /// against the cast target `Code::gc_args[k]`, to `t`.
            GcBr { sub: gc::GcBrOp, c: Slot, k: u32, t: u32 },
        }

        impl Op {
            /// The destination slot of a numeric op, for retargeting its
            /// result straight into a local (`local.set` after the op).
            pub(crate) fn numeric_dst_mut(&mut self) -> Option<&mut Slot> {
                match self {
                    $( Op::$bi { d, .. } | Op::$bii { d, .. } => Some(d), )*
                    $( Op::$bt { d, .. } | Op::$bti { d, .. } => Some(d), )*
                    $( Op::$b { d, .. } => Some(d), )*
                    $( Op::$c { d, .. } | Op::$ci { d, .. } => Some(d), )*
                    $( Op::$f { d, .. } => Some(d), )*
                    $( Op::$u { d, .. } => Some(d), )*
                    $( Op::$ut_ { d, .. } => Some(d), )*
                    _ => None,
                }
            }

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

            /// This op with its first operand read from the accumulator
            /// instead of slot `r` (which holds the same value: the
            /// accumulator is what the op before wrote to `r`), if it has
            /// such a form and reads `r` there.
            pub(crate) fn with_acc_operand(self, r: Slot) -> Option<Op> {
                Some(match self {
                    $( Op::$ab { d, a, b } if a == r => Op::$abx { d, b }, )*
                    $( Op::$abi { d, a, imm } if a == r => Op::$abix { d, imm }, )*
                    $( Op::$aj { a, b, t } if a == r => Op::$ajx { b, t }, )*
                    $( Op::$aji { a, imm, t } if a == r => Op::$ajix { imm, t }, )*
                    $( Op::$au { d, a } if a == r => Op::$aux { d }, )*
                    Op::I32Load { d, a, offset } if a == r => Op::I32LoadAcc { d, offset },
                    Op::I64Load { d, a, offset } if a == r => Op::I64LoadAcc { d, offset },
                    Op::F32Load { d, a, offset } if a == r => Op::F32LoadAcc { d, offset },
                    Op::F64Load { d, a, offset } if a == r => Op::F64LoadAcc { d, offset },
                    Op::I32Load8S { d, a, offset } if a == r => Op::I32Load8SAcc { d, offset },
                    Op::I32Load8U { d, a, offset } if a == r => Op::I32Load8UAcc { d, offset },
                    Op::I32Load16S { d, a, offset } if a == r => Op::I32Load16SAcc { d, offset },
                    Op::I32Load16U { d, a, offset } if a == r => Op::I32Load16UAcc { d, offset },
                    Op::Store8 { a, v, offset } if v == r => Op::Store8Acc { a, offset },
                    Op::Store16 { a, v, offset } if v == r => Op::Store16Acc { a, offset },
                    Op::Store32 { a, v, offset } if v == r => Op::Store32Acc { a, offset },
                    Op::Store64 { a, v, offset } if v == r => Op::Store64Acc { a, offset },
                    Op::Store8 { a, v, offset } if a == r => Op::Store8AccAddr { v, offset },
                    Op::Store16 { a, v, offset } if a == r => Op::Store16AccAddr { v, offset },
                    Op::Store32 { a, v, offset } if a == r => Op::Store32AccAddr { v, offset },
                    Op::Store64 { a, v, offset } if a == r => Op::Store64AccAddr { v, offset },
                    Op::Store8Imm { a, offset, imm } if a == r => Op::Store8ImmAcc { offset, imm },
                    Op::Store16Imm { a, offset, imm } if a == r => Op::Store16ImmAcc { offset, imm },
                    Op::Store32Imm { a, offset, imm } if a == r => Op::Store32ImmAcc { offset, imm },
                    Op::Store64Imm { a, offset, imm } if a == r => Op::Store64ImmAcc { offset, imm },
                    Op::Select { d, a, b, c } if c == r => Op::SelectAcc { d, a, b },
                    Op::Store32Abs { v, addr } if v == r => Op::Store32AbsAcc { addr },
                    Op::Store64Abs { v, addr } if v == r => Op::Store64AbsAcc { addr },
                    Op::BrIfZero { c, t } if c == r => Op::BrIfZeroAcc { t },
                    Op::BrIfNonZero { c, t } if c == r => Op::BrIfNonZeroAcc { t },
                    _ => return None,
                })
            }

            /// The slot an op writes whose handler also leaves the value
            /// written in the accumulator: numeric ops (accumulator forms
            /// included), memory-0 loads, `Copy`, `Const`, `Select` and
            /// `GlobalGet`.
            pub(crate) fn acc_result(&self) -> Option<Slot> {
                match *self {
                    $( Op::$abx { d, .. } => Some(d), )*
                    $( Op::$abix { d, .. } => Some(d), )*
                    $( Op::$aux { d } => Some(d), )*
                    Op::I32LoadAcc { d, .. }
                    | Op::I64LoadAcc { d, .. }
                    | Op::F32LoadAcc { d, .. }
                    | Op::F64LoadAcc { d, .. }
                    | Op::I32Load8SAcc { d, .. }
                    | Op::I32Load8UAcc { d, .. }
                    | Op::I32Load16SAcc { d, .. }
                    | Op::I32Load16UAcc { d, .. }
                    | Op::SelectAcc { d, .. } => Some(d),
                    // Results the slow handlers write, and v128 results: their
                    // handlers do not set the accumulator.
                    Op::MemorySize { .. }
                    | Op::MemoryGrow { .. }
                    | Op::TableGet { .. }
                    | Op::TableSize { .. }
                    | Op::TableGrow { .. }
                    | Op::RefIsNull { .. }
                    | Op::RefFunc { .. } => None,
                    mut op => match op.v128_dst_mut() {
                        Some(_) => None,
                        // Numeric ops, memory-0 loads, `Copy`, `Const`,
                        // `Select`, `GlobalGet`.
                        None => op.result_dst_mut().copied(),
                    },
                }
            }

            /// The branch target of a branch op, for patching.
            pub(crate) fn target_mut(&mut self) -> Option<&mut u32> {
                match self {
                    $( Op::$cj { t, .. } | Op::$cji { t, .. } => Some(t), )*
                    $( Op::$ajx { t, .. } => Some(t), )*
                    $( Op::$ajix { t, .. } => Some(t), )*
                    Op::Br { t } | Op::BrIfZero { t, .. } | Op::BrIfNonZero { t, .. } => Some(t),
                    Op::BrIfZeroAcc { t } | Op::BrIfNonZeroAcc { t } => Some(t),
                    Op::BrOnNull { t, .. } | Op::BrOnNonNull { t, .. } => Some(t),
                    Op::GcBr { t, .. } => Some(t),
                    _ => None,
                }
            }
        }
    };
}

for_each_acc_op!(define_op);
pub(crate) use for_each_acc_op;
pub(crate) use for_each_numeric_op;

// Ops are copied on every dispatch: keep them two words at most (big
// immediates go to side tables in `Code`).
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

impl Op {
    /// The destination slot of an op whose only effect on `d` is to write
    /// its result there, for retargeting the result straight into a local
    /// (`local.set`/`local.tee` after the op).
    pub(crate) fn result_dst_mut(&mut self) -> Option<&mut Slot> {
        if self.numeric_dst_mut().is_some() {
            return self.numeric_dst_mut();
        }
        match self {
            Op::Copy { d, .. }
            | Op::Const { d, .. }
            | Op::Select { d, .. }
            | Op::GlobalGet { d, .. }
            | Op::I32Load { d, .. }
            | Op::I64Load { d, .. }
            | Op::F32Load { d, .. }
            | Op::F64Load { d, .. }
            | Op::I32Load8S { d, .. }
            | Op::I32Load8U { d, .. }
            | Op::I32Load16S { d, .. }
            | Op::I32Load16U { d, .. }
            | Op::I64Load8S { d, .. }
            | Op::I64Load8U { d, .. }
            | Op::I64Load16S { d, .. }
            | Op::I64Load16U { d, .. }
            | Op::I64Load32S { d, .. }
            | Op::I64Load32U { d, .. }
            | Op::I32LoadAbs { d, .. }
            | Op::I64LoadAbs { d, .. }
            | Op::MemorySize { d }
            | Op::MemoryGrow { d, .. }
            | Op::TableGet { d, .. }
            | Op::TableSize { d, .. }
            | Op::TableGrow { d, .. }
            | Op::RefIsNull { d, .. }
            | Op::RefFunc { d, .. } => Some(d),
            _ => self.v128_dst_mut(),
        }
    }
}
