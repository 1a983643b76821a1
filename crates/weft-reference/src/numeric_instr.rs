//! Numeric instructions (spec 4.4.1): `t.const`, `t.unop`, `t.binop`,
//! `t.testop`, `t.relop`, `t.cvtop`. Each arm pops its operands, applies the
//! operator's function from [`weft_exec::numeric`] (or Rust's own, where it is
//! the spec's), and pushes the result.

use super::{Instr, Instruction as I, Machine};
use weft_exec::Trap;
use weft_exec::Val;
use weft_exec::numeric as n;

impl Machine {
    /// Executes `instr` if it is a numeric instruction; `Ok(false)` if not.
    #[allow(clippy::too_many_lines)]
    pub(super) fn exec_numeric(&mut self, instr: Instr) -> Result<bool, Trap> {
        // `un!(t, f)`: pop a `t`, push `f(a)`; `bin!(t, f)`: pop b then a,
        // push `f(a, b)`. The `_trap` forms propagate a trap from `f`.
        macro_rules! un {
            ($t:ty, $f:expr) => {{
                let a: $t = self.pop_as()?;
                self.push(($f)(a));
            }};
        }
        macro_rules! un_trap {
            ($t:ty, $f:expr) => {{
                let a: $t = self.pop_as()?;
                self.push(($f)(a)?);
            }};
        }
        macro_rules! bin {
            ($t:ty, $f:expr) => {{
                let b: $t = self.pop_as()?;
                let a: $t = self.pop_as()?;
                self.push(($f)(a, b));
            }};
        }
        macro_rules! bin_trap {
            ($t:ty, $f:expr) => {{
                let b: $t = self.pop_as()?;
                let a: $t = self.pop_as()?;
                self.push(($f)(a, b)?);
            }};
        }
        macro_rules! rel {
            ($t:ty, $op:tt) => {
                bin!($t, |a: $t, b: $t| i32::from(a $op b))
            };
        }
        macro_rules! rel_u {
            ($t:ty, $u:ty, $op:tt) => {
                bin!($t, |a: $t, b: $t| i32::from((a as $u) $op (b as $u)))
            };
        }

        match instr {
            I::I32Const { value } => self.push(value),
            I::I64Const { value } => self.push(value),
            I::F32Const { value } => self.stack.push(Val::F32(value.0)),
            I::F64Const { value } => self.stack.push(Val::F64(value.0)),

            I::I32Eqz {} => un!(i32, |a: i32| i32::from(a == 0)),
            I::I32Eq {} => rel!(i32, ==),
            I::I32Ne {} => rel!(i32, !=),
            I::I32LtS {} => rel!(i32, <),
            I::I32LtU {} => rel_u!(i32, u32, <),
            I::I32GtS {} => rel!(i32, >),
            I::I32GtU {} => rel_u!(i32, u32, >),
            I::I32LeS {} => rel!(i32, <=),
            I::I32LeU {} => rel_u!(i32, u32, <=),
            I::I32GeS {} => rel!(i32, >=),
            I::I32GeU {} => rel_u!(i32, u32, >=),

            I::I64Eqz {} => {
                let a: i64 = self.pop_as()?;
                self.push(i32::from(a == 0));
            }
            I::I64Eq {} => rel!(i64, ==),
            I::I64Ne {} => rel!(i64, !=),
            I::I64LtS {} => rel!(i64, <),
            I::I64LtU {} => rel_u!(i64, u64, <),
            I::I64GtS {} => rel!(i64, >),
            I::I64GtU {} => rel_u!(i64, u64, >),
            I::I64LeS {} => rel!(i64, <=),
            I::I64LeU {} => rel_u!(i64, u64, <=),
            I::I64GeS {} => rel!(i64, >=),
            I::I64GeU {} => rel_u!(i64, u64, >=),

            I::F32Eq {} => rel!(f32, ==),
            I::F32Ne {} => rel!(f32, !=),
            I::F32Lt {} => rel!(f32, <),
            I::F32Gt {} => rel!(f32, >),
            I::F32Le {} => rel!(f32, <=),
            I::F32Ge {} => rel!(f32, >=),
            I::F64Eq {} => rel!(f64, ==),
            I::F64Ne {} => rel!(f64, !=),
            I::F64Lt {} => rel!(f64, <),
            I::F64Gt {} => rel!(f64, >),
            I::F64Le {} => rel!(f64, <=),
            I::F64Ge {} => rel!(f64, >=),

            I::I32Clz {} => un!(i32, |a: i32| a.leading_zeros() as i32),
            I::I32Ctz {} => un!(i32, |a: i32| a.trailing_zeros() as i32),
            I::I32Popcnt {} => un!(i32, |a: i32| a.count_ones() as i32),
            I::I32Add {} => bin!(i32, i32::wrapping_add),
            I::I32Sub {} => bin!(i32, i32::wrapping_sub),
            I::I32Mul {} => bin!(i32, i32::wrapping_mul),
            I::I32DivS {} => bin_trap!(i32, n::i32_div_s),
            I::I32DivU {} => bin_trap!(i32, n::i32_div_u),
            I::I32RemS {} => bin_trap!(i32, n::i32_rem_s),
            I::I32RemU {} => bin_trap!(i32, n::i32_rem_u),
            I::I32And {} => bin!(i32, |a, b| a & b),
            I::I32Or {} => bin!(i32, |a, b| a | b),
            I::I32Xor {} => bin!(i32, |a, b| a ^ b),
            I::I32Shl {} => bin!(i32, n::i32_shl),
            I::I32ShrS {} => bin!(i32, n::i32_shr_s),
            I::I32ShrU {} => bin!(i32, n::i32_shr_u),
            I::I32Rotl {} => bin!(i32, n::i32_rotl),
            I::I32Rotr {} => bin!(i32, n::i32_rotr),

            I::I64Clz {} => un!(i64, |a: i64| i64::from(a.leading_zeros())),
            I::I64Ctz {} => un!(i64, |a: i64| i64::from(a.trailing_zeros())),
            I::I64Popcnt {} => un!(i64, |a: i64| i64::from(a.count_ones())),
            I::I64Add {} => bin!(i64, i64::wrapping_add),
            I::I64Sub {} => bin!(i64, i64::wrapping_sub),
            I::I64Mul {} => bin!(i64, i64::wrapping_mul),
            I::I64DivS {} => bin_trap!(i64, n::i64_div_s),
            I::I64DivU {} => bin_trap!(i64, n::i64_div_u),
            I::I64RemS {} => bin_trap!(i64, n::i64_rem_s),
            I::I64RemU {} => bin_trap!(i64, n::i64_rem_u),
            I::I64And {} => bin!(i64, |a, b| a & b),
            I::I64Or {} => bin!(i64, |a, b| a | b),
            I::I64Xor {} => bin!(i64, |a, b| a ^ b),
            I::I64Shl {} => bin!(i64, n::i64_shl),
            I::I64ShrS {} => bin!(i64, n::i64_shr_s),
            I::I64ShrU {} => bin!(i64, n::i64_shr_u),
            I::I64Rotl {} => bin!(i64, n::i64_rotl),
            I::I64Rotr {} => bin!(i64, n::i64_rotr),

            I::F32Abs {} => un!(f32, f32::abs),
            I::F32Neg {} => un!(f32, |a: f32| -a),
            I::F32Ceil {} => un!(f32, n::f32_ceil),
            I::F32Floor {} => un!(f32, n::f32_floor),
            I::F32Trunc {} => un!(f32, n::f32_trunc),
            I::F32Nearest {} => un!(f32, n::f32_nearest),
            I::F32Sqrt {} => un!(f32, f32::sqrt),
            I::F32Add {} => bin!(f32, |a, b| a + b),
            I::F32Sub {} => bin!(f32, |a, b| a - b),
            I::F32Mul {} => bin!(f32, |a, b| a * b),
            I::F32Div {} => bin!(f32, |a, b| a / b),
            I::F32Min {} => bin!(f32, n::f32_min),
            I::F32Max {} => bin!(f32, n::f32_max),
            I::F32Copysign {} => bin!(f32, n::f32_copysign),

            I::F64Abs {} => un!(f64, f64::abs),
            I::F64Neg {} => un!(f64, |a: f64| -a),
            I::F64Ceil {} => un!(f64, n::f64_ceil),
            I::F64Floor {} => un!(f64, n::f64_floor),
            I::F64Trunc {} => un!(f64, n::f64_trunc),
            I::F64Nearest {} => un!(f64, n::f64_nearest),
            I::F64Sqrt {} => un!(f64, f64::sqrt),
            I::F64Add {} => bin!(f64, |a, b| a + b),
            I::F64Sub {} => bin!(f64, |a, b| a - b),
            I::F64Mul {} => bin!(f64, |a, b| a * b),
            I::F64Div {} => bin!(f64, |a, b| a / b),
            I::F64Min {} => bin!(f64, n::f64_min),
            I::F64Max {} => bin!(f64, n::f64_max),
            I::F64Copysign {} => bin!(f64, n::f64_copysign),

            I::I32WrapI64 {} => un!(i64, |a: i64| a as i32),
            I::I32TruncF32S {} => un_trap!(f32, n::i32_trunc_f32_s),
            I::I32TruncF32U {} => un_trap!(f32, |a| n::i32_trunc_f32_u(a).map(|v| v as i32)),
            I::I32TruncF64S {} => un_trap!(f64, n::i32_trunc_f64_s),
            I::I32TruncF64U {} => un_trap!(f64, |a| n::i32_trunc_f64_u(a).map(|v| v as i32)),
            I::I64ExtendI32S {} => un!(i32, i64::from),
            I::I64ExtendI32U {} => un!(i32, |a: i32| i64::from(a as u32)),
            I::I64TruncF32S {} => un_trap!(f32, n::i64_trunc_f32_s),
            I::I64TruncF32U {} => un_trap!(f32, |a| n::i64_trunc_f32_u(a).map(|v| v as i64)),
            I::I64TruncF64S {} => un_trap!(f64, n::i64_trunc_f64_s),
            I::I64TruncF64U {} => un_trap!(f64, |a| n::i64_trunc_f64_u(a).map(|v| v as i64)),
            I::F32ConvertI32S {} => un!(i32, |a: i32| a as f32),
            I::F32ConvertI32U {} => un!(i32, |a: i32| a as u32 as f32),
            I::F32ConvertI64S {} => un!(i64, |a: i64| a as f32),
            I::F32ConvertI64U {} => un!(i64, n::f32_convert_i64_u),
            I::F32DemoteF64 {} => un!(f64, n::f32_demote_f64),
            I::F64ConvertI32S {} => un!(i32, f64::from),
            I::F64ConvertI32U {} => un!(i32, |a: i32| f64::from(a as u32)),
            I::F64ConvertI64S {} => un!(i64, |a: i64| a as f64),
            I::F64ConvertI64U {} => un!(i64, n::f64_convert_i64_u),
            I::F64PromoteF32 {} => un!(f32, n::f64_promote_f32),
            I::I32ReinterpretF32 {} => {
                let Val::F32(bits) = self.pop()? else { return Err(Trap::host("operand type mismatch")) };
                self.push(bits as i32);
            }
            I::I64ReinterpretF64 {} => {
                let Val::F64(bits) = self.pop()? else { return Err(Trap::host("operand type mismatch")) };
                self.push(bits as i64);
            }
            I::F32ReinterpretI32 {} => {
                let a: i32 = self.pop_as()?;
                self.stack.push(Val::F32(a as u32));
            }
            I::F64ReinterpretI64 {} => {
                let a: i64 = self.pop_as()?;
                self.stack.push(Val::F64(a as u64));
            }

            I::I32Extend8S {} => un!(i32, |a: i32| i32::from(a as i8)),
            I::I32Extend16S {} => un!(i32, |a: i32| i32::from(a as i16)),
            I::I64Extend8S {} => un!(i64, |a: i64| i64::from(a as i8)),
            I::I64Extend16S {} => un!(i64, |a: i64| i64::from(a as i16)),
            I::I64Extend32S {} => un!(i64, |a: i64| i64::from(a as i32)),

            I::I32TruncSatF32S {} => un!(f32, n::i32_trunc_sat_f32_s),
            I::I32TruncSatF32U {} => un!(f32, |a| n::i32_trunc_sat_f32_u(a) as i32),
            I::I32TruncSatF64S {} => un!(f64, n::i32_trunc_sat_f64_s),
            I::I32TruncSatF64U {} => un!(f64, |a| n::i32_trunc_sat_f64_u(a) as i32),
            I::I64TruncSatF32S {} => un!(f32, n::i64_trunc_sat_f32_s),
            I::I64TruncSatF32U {} => un!(f32, |a| n::i64_trunc_sat_f32_u(a) as i64),
            I::I64TruncSatF64S {} => un!(f64, n::i64_trunc_sat_f64_s),
            I::I64TruncSatF64U {} => un!(f64, |a| n::i64_trunc_sat_f64_u(a) as i64),

            I::I64Add128 {} | I::I64Sub128 {} => {
                let hi2: i64 = self.pop_as()?;
                let lo2: i64 = self.pop_as()?;
                let hi1: i64 = self.pop_as()?;
                let lo1: i64 = self.pop_as()?;
                let f = if matches!(instr, I::I64Add128 {}) { n::i64_add128 } else { n::i64_sub128 };
                let (lo, hi) = f(lo1, hi1, lo2, hi2);
                self.push(lo);
                self.push(hi);
            }
            I::I64MulWideS {} | I::I64MulWideU {} => {
                let b: i64 = self.pop_as()?;
                let a: i64 = self.pop_as()?;
                let f = if matches!(instr, I::I64MulWideS {}) { n::i64_mul_wide_s } else { n::i64_mul_wide_u };
                let (lo, hi) = f(a, b);
                self.push(lo);
                self.push(hi);
            }
            _ => return Ok(false),
        }
        if self.canonical_nans {
            self.canonicalize_result(instr);
        }
        Ok(true)
    }

    /// Replaces a NaN produced by float arithmetic with the canonical NaN.
    #[cold]
    fn canonicalize_result(&mut self, instr: Instr) {
        let arithmetic32 = matches!(
            instr,
            I::F32Ceil {}
                | I::F32Floor {}
                | I::F32Trunc {}
                | I::F32Nearest {}
                | I::F32Sqrt {}
                | I::F32Add {}
                | I::F32Sub {}
                | I::F32Mul {}
                | I::F32Div {}
                | I::F32Min {}
                | I::F32Max {}
                | I::F32DemoteF64 {}
        );
        let arithmetic64 = matches!(
            instr,
            I::F64Ceil {}
                | I::F64Floor {}
                | I::F64Trunc {}
                | I::F64Nearest {}
                | I::F64Sqrt {}
                | I::F64Add {}
                | I::F64Sub {}
                | I::F64Mul {}
                | I::F64Div {}
                | I::F64Min {}
                | I::F64Max {}
                | I::F64PromoteF32 {}
        );
        match self.stack.last_mut() {
            Some(Val::F32(bits)) if arithmetic32 => *bits = n::canonicalize_f32(f32::from_bits(*bits)).to_bits(),
            Some(Val::F64(bits)) if arithmetic64 => *bits = n::canonicalize_f64(f64::from_bits(*bits)).to_bits(),
            _ => {}
        }
    }
}
