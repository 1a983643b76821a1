//! Values on the command line: arguments of `--invoke` parsed from an
//! export's signature, and results printed back. Shared by `weft run` and
//! `weft trace`.

use weft::{Val, ValType};

/// Parses a command-line argument as a value of type `ty`.
pub fn parse_val(text: &str, ty: ValType) -> Result<Val, String> {
    let bad = |e: &dyn std::fmt::Display| format!("cannot parse `{text}` as {ty}: {e}");
    Ok(match ty {
        ValType::I32 => {
            Val::I32(text.parse::<i32>().or_else(|_| text.parse::<u32>().map(|v| v as i32)).map_err(|e| bad(&e))?)
        }
        ValType::I64 => {
            Val::I64(text.parse::<i64>().or_else(|_| text.parse::<u64>().map(|v| v as i64)).map_err(|e| bad(&e))?)
        }
        ValType::F32 => Val::f32(text.parse::<f32>().map_err(|e| bad(&e))?),
        ValType::F64 => Val::f64(text.parse::<f64>().map_err(|e| bad(&e))?),
        other => return Err(format!("cannot pass a {other} on the command line")),
    })
}

/// Prints a result the way it would be written on the command line.
pub fn format_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        other => other.to_string(),
    }
}
