//! The `spectest` host module the official spec scripts import from
//! (the spec interpreter's `host/spectest.ml`): print functions that write
//! their arguments as the reference interpreter does (`13 : i32`, one line
//! per value), globals holding 666, a table and a memory.
//!
//! ```
//! use weft::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let mut store = Store::new(&engine, ());
//! let mut linker = Linker::new(&engine);
//! weft::spectest::define(&mut linker, &mut store)?;
//! let module = Module::new(&engine, r#"(module
//!     (import "spectest" "print_i32" (func (param i32)))
//!     (import "spectest" "global_i32" (global i32))
//!     (import "spectest" "memory" (memory 1)))"#)?;
//! linker.instantiate(&mut store, &module)?;
//! # Ok::<(), weft::Error>(())
//! ```

use crate::{
    Func, FuncType, Global, GlobalType, Limits, Linker, Memory, MemoryType, RefType, Result, Store, Table, TableType,
    Val, ValType,
};

/// Defines the `spectest` module in `linker`, allocating its table, memory
/// and globals in `store`; the print functions write to stdout:
///
/// * `print`, `print_i32`, `print_i64`, `print_f32`, `print_f64`,
///   `print_i32_f32`, `print_f64_f64` — print each argument on its own line
///   as [`format_value`] does, and return nothing;
/// * `global_i32` = 666, `global_i64` = 666, `global_f32` = 666.6,
///   `global_f64` = 666.6 (immutable);
/// * `table`: `(table 10 20 funcref)`; `table64`: `(table i64 10 20
///   funcref)`; `memory`: `(memory 1 2)`; `shared_memory`: `(memory 1 2
///   shared)`.
pub fn define<T>(linker: &mut Linker<T>, store: &mut Store<T>) -> Result<()> {
    define_with_output(linker, store, |line| {
        use std::io::Write as _;
        // A closed stdout is no reason to trap the program under test.
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    })
}

/// [`define`], with the print functions handing each line (without its
/// newline) to `output` instead of writing to stdout: a test runner that
/// runs scripts in parallel collects each script's output this way.
pub fn define_with_output<T>(
    linker: &mut Linker<T>,
    store: &mut Store<T>,
    output: impl Fn(&str) + Send + Sync + 'static,
) -> Result<()> {
    use ValType::{F32, F64, I32, I64};
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    let output = std::sync::Arc::new(output);
    for (name, params) in prints {
        let ty = FuncType::new(params.iter().copied(), []);
        let output = output.clone();
        let func = Func::new(&mut *store, ty, move |_, args, _| {
            for arg in args {
                output(&format_value(arg));
            }
            Ok(())
        });
        linker.define("spectest", name, func)?;
    }
    let globals = [
        ("global_i32", I32, Val::I32(666)),
        ("global_i64", I64, Val::I64(666)),
        ("global_f32", F32, Val::f32(666.6)),
        ("global_f64", F64, Val::f64(666.6)),
    ];
    for (name, content, value) in globals {
        let global = Global::new(&mut *store, GlobalType { content, mutable: false }, value)?;
        linker.define("spectest", name, global)?;
    }
    for (name, index64) in [("table", false), ("table64", true)] {
        let ty = TableType { element: RefType::FUNCREF, limits: Limits { min: 10, max: Some(20) }, index64 };
        let table = Table::new(&mut *store, ty, Val::FuncRef(None))?;
        linker.define("spectest", name, table)?;
    }
    for (name, shared) in [("memory", false), ("shared_memory", true)] {
        let ty = MemoryType { limits: Limits { min: 1, max: Some(2) }, index64: false, shared, page_size_log2: None };
        let memory = Memory::new(&mut *store, ty)?;
        linker.define("spectest", name, memory)?;
    }
    Ok(())
}

/// A value as the reference interpreter's `print_value` writes it:
/// `VALUE : TYPE`, integers signed in decimal and floats as C's `%.17g`,
/// digits grouped by three with `_` (`1_000_000 : i32`, `666.599_975_585_937_5 : f32`),
/// NaNs as `nan:0x` and their payload.
pub fn format_value(v: &Val) -> String {
    match v {
        Val::I32(x) => format!("{} : i32", group_int(&x.to_string())),
        Val::I64(x) => format!("{} : i64", group_int(&x.to_string())),
        Val::F32(bits) => {
            let payload = u64::from(bits & 0x007f_ffff);
            format!("{} : f32", float_string(f64::from(f32::from_bits(*bits)), payload))
        }
        Val::F64(bits) => format!("{} : f64", float_string(f64::from_bits(*bits), bits & 0x000f_ffff_ffff_ffff)),
        Val::V128(x) => format!("v128 0x{x:032x} : v128"),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) | Val::AnyRef(None) => "null : ref".to_string(),
        Val::FuncRef(Some(_)) => "ref.func : funcref".to_string(),
        Val::ExternRef(Some(_)) => "ref.extern : externref".to_string(),
        Val::ExnRef(Some(_)) => "ref.exn : exnref".to_string(),
        Val::AnyRef(Some(weft_exec::AnyRef::I31(_))) => "ref.i31 : i31ref".to_string(),
        Val::AnyRef(Some(weft_exec::AnyRef::Object(r))) if r.is_array() => "ref.array : arrayref".to_string(),
        Val::AnyRef(Some(weft_exec::AnyRef::Object(_))) => "ref.struct : structref".to_string(),
        Val::AnyRef(Some(weft_exec::AnyRef::Host(_))) => "ref.host : anyref".to_string(),
        Val::Externalized(_) => "ref.extern : externref".to_string(),
    }
}

/// Groups the digits of a signed decimal integer by three from the right.
fn group_int(s: &str) -> String {
    let (sign, digits) = s.strip_prefix('-').map_or(("", s), |d| ("-", d));
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(c);
    }
    out
}

/// The spec interpreter's float text: `%.17g` of the magnitude with digit
/// groups, the sign in front, NaNs as their payload in hex.
fn float_string(x: f64, nan_payload: u64) -> String {
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x.is_nan() {
        let hex = format!("{nan_payload:x}");
        let mut grouped = String::new();
        for (i, c) in hex.chars().enumerate() {
            if i > 0 && (hex.len() - i) % 4 == 0 {
                grouped.push('_');
            }
            grouped.push(c);
        }
        return format!("{sign}nan:0x{grouped}");
    }
    let mut s = c_g17(x.abs());
    if s.ends_with('.') {
        s.push('0');
    }
    format!("{sign}{}", group_float(&s))
}

/// C's `printf("%.17g", x)` for a non-negative, non-NaN `x`.
fn c_g17(x: f64) -> String {
    if x.is_infinite() {
        return "inf".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{x:.16e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s.to_string() }
    };
    if !(-4..17).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    } else {
        let decimals = usize::try_from(16 - exp).unwrap_or(0);
        trim(&format!("{x:.decimals$}"))
    }
}

/// Groups a float's integer digits by three from the point leftwards and
/// its fraction digits by three rightwards, leaving an exponent alone.
fn group_float(s: &str) -> String {
    let (number, exp) = match s.find('e') {
        Some(at) => s.split_at(at),
        None => (s, ""),
    };
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (number, None),
    };
    let mut out = group_int(int);
    if let Some(frac) = frac {
        out.push('.');
        for (i, c) in frac.chars().enumerate() {
            if i > 0 && i % 3 == 0 {
                out.push('_');
            }
            out.push(c);
        }
    }
    out.push_str(exp);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_the_reference_interpreter_prints_them() {
        assert_eq!(format_value(&Val::I32(13)), "13 : i32");
        assert_eq!(format_value(&Val::I32(-1_234_567)), "-1_234_567 : i32");
        assert_eq!(format_value(&Val::I64(1000)), "1_000 : i64");
        assert_eq!(format_value(&Val::f32(42.0)), "42 : f32");
        assert_eq!(format_value(&Val::f32(666.6)), "666.599_975_585_937_5 : f32");
        assert_eq!(format_value(&Val::f64(53.0)), "53 : f64");
        assert_eq!(format_value(&Val::f64(0.5)), "0.5 : f64");
        assert_eq!(format_value(&Val::f64(0.1)), "0.100_000_000_000_000_01 : f64");
        assert_eq!(format_value(&Val::f64(-1e300)), "-1.000_000_000_000_000_1e+300 : f64");
        assert_eq!(format_value(&Val::f64(1e-5)), "1.000_000_000_000_000_1e-05 : f64");
        assert_eq!(format_value(&Val::f64(f64::INFINITY)), "inf : f64");
        assert_eq!(format_value(&Val::F32(0x7fc0_0000)), "nan:0x40_0000 : f32");
        assert_eq!(format_value(&Val::F64(0xfff8_0000_0000_0000)), "-nan:0x8_0000_0000_0000 : f64");
    }
}
