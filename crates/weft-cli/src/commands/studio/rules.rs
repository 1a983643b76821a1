//! The typing rule of an instruction (`i32.add : [i32 i32] -> [i32]`) and a
//! one-line explanation of what it does, for the studio's "current
//! instruction" panel.
//!
//! Fixed types come from the instruction table's signature column
//! ([`Operator::signature`]); the rest (`local.get`, calls, loads, blocks,
//! branches) are worked out from the module the way the spec's validation
//! rules state them, with `t*` for the stack-polymorphic parts.

use serde::Serialize;
use weft::ValType;
use weft::raw::decode::{BlockType, ImportType, Module as Decoded, Operator};

/// An instruction's rule as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// `TEXT : [params] -> [results]`, or the text alone where the
    /// instruction has no stack type of its own (`end`, `else`).
    pub typing: String,
    /// What it does, in one line.
    pub explain: String,
}

/// The function an instruction belongs to: what its typing depends on.
pub struct FuncContext<'a> {
    /// The module.
    pub module: &'a Decoded,
    /// The function's locals, parameters first.
    pub locals: &'a [ValType],
    /// The function's results.
    pub results: &'a [ValType],
}

/// The rule of `op`, whose text form (with names) is `text`.
pub fn rule(op: &Operator<'_>, text: &str, cx: &FuncContext<'_>) -> Rule {
    let typing = match stack_type(op, text, cx) {
        Some((params, results)) => format!("{text} : [{params}] -> [{results}]"),
        None => text.to_string(),
    };
    Rule { typing, explain: explain(op.mnemonic()) }
}

fn types(ts: &[ValType]) -> String {
    ts.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

/// Joins stack-type fragments with spaces, skipping empty ones.
fn join(parts: &[&str]) -> String {
    parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" ")
}

/// The instruction's type `[params] -> [results]`, as two strings.
fn stack_type(op: &Operator<'_>, text: &str, cx: &FuncContext<'_>) -> Option<(String, String)> {
    if let Some(sig) = op.signature() {
        return Some((types(sig.params), types(sig.results)));
    }
    let d = cx.module;
    let local = |i: u32| cx.locals.get(i as usize).map(ToString::to_string);
    let block = |bt: BlockType| -> (String, String) {
        match bt {
            BlockType::Empty => (String::new(), String::new()),
            BlockType::Value(t) => (String::new(), t.to_string()),
            BlockType::Func(i) => d
                .types
                .get(i as usize)
                .and_then(|t| t.as_func())
                .map_or_else(Default::default, |f| (types(f.params()), types(f.results()))),
        }
    };
    let func = |i: u32| d.func_type(i).map(|f| (types(f.params()), types(f.results())));
    let ty_at =
        |i: u32| d.types.get(i as usize).and_then(|t| t.as_func()).map(|f| (types(f.params()), types(f.results())));
    let results = types(cx.results);
    Some(match *op {
        Operator::Unreachable {} => ("t1*".into(), "t2*".into()),
        Operator::Block { blockty } | Operator::Loop { blockty } => block(blockty),
        Operator::If { blockty } => {
            let (p, r) = block(blockty);
            (join(&[&p, "i32"]), r)
        }
        Operator::Br { .. } => ("t1* t*".into(), "t2*".into()),
        Operator::BrIf { .. } => ("t* i32".into(), "t*".into()),
        Operator::BrTable { .. } => ("t1* t* i32".into(), "t2*".into()),
        Operator::Return {} => (join(&["t1*", &results]), "t2*".into()),
        Operator::Call { function_index } => func(function_index)?,
        Operator::ReturnCall { function_index } => {
            let (p, _) = func(function_index)?;
            (join(&["t1*", &p]), "t2*".into())
        }
        Operator::CallIndirect { type_index, .. } => {
            let (p, r) = ty_at(type_index)?;
            (join(&[&p, "i32"]), r)
        }
        Operator::Drop {} => ("t".into(), String::new()),
        Operator::Select {} => ("t t i32".into(), "t".into()),
        Operator::LocalGet { local_index } => (String::new(), local(local_index)?),
        Operator::LocalSet { local_index } => (local(local_index)?, String::new()),
        Operator::LocalTee { local_index } => (local(local_index)?, local(local_index)?),
        Operator::GlobalGet { global_index } => (String::new(), global_type(d, global_index)?.to_string()),
        Operator::GlobalSet { global_index } => (global_type(d, global_index)?.to_string(), String::new()),
        Operator::MemorySize { mem } => (String::new(), address_type(d, mem.0).into()),
        Operator::MemoryGrow { mem } => (address_type(d, mem.0).into(), address_type(d, mem.0).into()),
        _ => memory_access(op.mnemonic(), text, d)?,
    })
}

/// The type of a plain load or store: `[addr] -> [t]`, `[addr t] -> []`.
fn memory_access(mnemonic: &str, text: &str, d: &Decoded) -> Option<(String, String)> {
    let (t, op) = mnemonic.split_once('.')?;
    if !matches!(t, "i32" | "i64" | "f32" | "f64" | "v128") || op.contains("lane") {
        return None;
    }
    // The text is `MNEMONIC [MEMORY] [offset=N] [align=N]`.
    let memory = text.split(' ').nth(1).and_then(|w| w.parse().ok()).unwrap_or(0);
    let addr = address_type(d, memory);
    if op.starts_with("load") {
        Some((addr.into(), t.into()))
    } else if op.starts_with("store") {
        Some((format!("{addr} {t}"), String::new()))
    } else {
        None
    }
}

/// `i32`, or `i64` for a 64-bit memory.
fn address_type(d: &Decoded, memory: u32) -> &'static str {
    let imported = d.imports.iter().filter_map(|i| match &i.ty {
        ImportType::Memory(m) => Some(*m),
        _ => None,
    });
    match imported.chain(d.memories.iter().copied()).nth(memory as usize) {
        Some(m) if m.index64 => "i64",
        _ => "i32",
    }
}

/// The value type of global `index` (imports first).
fn global_type(d: &Decoded, index: u32) -> Option<ValType> {
    let imported = d.imports.iter().filter_map(|i| match &i.ty {
        ImportType::Global(g) => Some(*g),
        _ => None,
    });
    imported.chain(d.globals.iter().map(|g| g.ty)).nth(index as usize).map(|g| g.content)
}

/// What instruction `mnemonic` does, in one line.
pub fn explain(mnemonic: &str) -> String {
    let fixed = match mnemonic {
        "unreachable" => "Traps at once: this code was never meant to run.",
        "nop" => "Does nothing.",
        "block" => "Opens a block: a branch to its label jumps forward, past its `end`.",
        "loop" => "Opens a loop: a branch to its label jumps back to its start.",
        "if" => "Pops an i32: if it is not zero the `then` branch runs, else the `else` branch.",
        "else" => "The `then` branch is done: continue after the `if`'s `end`.",
        "end" => "Closes the innermost block; at the end of a function, returns from it.",
        "br" => "Branches to label l: forward out of a block, or back to the start of a loop.",
        "br_if" => "Pops an i32 and branches to label l if it is not zero.",
        "br_table" => "Pops an index and branches to the label it picks from the list (the last one if out of range).",
        "return" => "Returns from the function, keeping its results from the top of the stack.",
        "call" => "Calls a function: pops its arguments, and its results are pushed when it returns.",
        "call_indirect" => "Pops a table index and calls the function stored there, after checking its type.",
        "return_call" | "return_call_indirect" | "return_call_ref" => {
            "A tail call: the callee replaces this function's frame instead of returning to it."
        }
        "call_ref" => "Pops a function reference and calls it.",
        "drop" => "Pops a value and forgets it.",
        "select" => "Pops an i32 and two values: keeps the first value if the i32 is not zero, else the second.",
        "local.get" => "Pushes the value of a local variable.",
        "local.set" => "Pops a value into a local variable.",
        "local.tee" => "Copies the top value into a local variable, leaving it on the stack.",
        "global.get" => "Pushes the value of a global variable.",
        "global.set" => "Pops a value into a (mutable) global variable.",
        "memory.size" => "Pushes the size of memory, in pages of 64 KiB.",
        "memory.grow" => "Pops n and grows memory by n pages; pushes the old size, or -1 if it cannot grow.",
        "memory.fill" => "Pops an address, a byte value and a length, and fills that much memory with the byte.",
        "memory.copy" => "Pops a destination, a source and a length, and copies that many bytes.",
        "memory.init" => "Copies bytes from a data segment into memory.",
        "data.drop" => "Drops a data segment: it can no longer be copied from.",
        "ref.null" => "Pushes a null reference.",
        "ref.is_null" => "Pops a reference; pushes 1 if it is null, else 0.",
        "ref.func" => "Pushes a reference to a function.",
        "throw" => "Throws an exception with the tag's values, popped from the stack.",
        "try_table" => "Opens a block whose catch clauses handle exceptions thrown inside it.",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    let Some((t, op)) = mnemonic.split_once('.') else {
        return "See the instruction in the spec's execution chapter (4.4).".to_string();
    };
    if mnemonic.contains("atomic") {
        return "An atomic memory access (the threads proposal).".to_string();
    }
    if !matches!(t, "i32" | "i64" | "f32" | "f64") {
        if t == "table" || t == "elem" {
            return format!("A table instruction ({op}): tables hold references, such as functions.");
        }
        return "A SIMD instruction: it works on every lane of a 128-bit vector at once.".to_string();
    }
    numeric(t, op)
}

/// The explanation of numeric instruction `t.op`.
fn numeric(t: &str, op: &str) -> String {
    let two = "the two values on top of the stack";
    let cmp = |what: &str| format!("Compares {two}: pushes 1 if the lower one is {what} the top one, else 0.");
    let signed = |sign: &str| if sign == "s" { "signed" } else { "unsigned" };
    if let Some(rest) = op.strip_prefix("load") {
        let (bits, sign) = rest.split_once('_').unwrap_or((rest, ""));
        return if bits.is_empty() {
            format!("Pops an address and pushes the {t} stored in memory at address + offset.")
        } else {
            format!(
                "Pops an address, reads a {bits}-bit {} integer at address + offset and pushes it as {t}.",
                signed(sign)
            )
        };
    }
    if let Some(bits) = op.strip_prefix("store") {
        return if bits.is_empty() {
            format!("Pops a {t} and an address, and writes the {t} to memory at address + offset.")
        } else {
            format!("Pops a {t} and an address, and writes its low {bits} bits to memory at address + offset.")
        };
    }
    match op {
        "const" => format!("Pushes a constant {t}."),
        "add" => format!("Pops {two} and pushes their sum."),
        "sub" => format!("Pops {two} and pushes the lower one minus the top one."),
        "mul" => format!("Pops {two} and pushes their product."),
        "div_s" | "div_u" => format!(
            "Pops {two} and divides the lower by the top one ({}, rounding toward zero); traps on division by zero.",
            signed(&op[4..])
        ),
        "div" => format!("Pops {two} and divides the lower by the top one."),
        "rem_s" | "rem_u" => {
            format!("Pops {two}: the remainder of dividing the lower by the top one ({}).", signed(&op[4..]))
        }
        "and" | "or" | "xor" => format!("Pops {two} and pushes their bitwise {op}."),
        "shl" => "Shifts the lower value left by the top one (modulo the bit width).".to_string(),
        "shr_s" => "Shifts the lower value right by the top one, copying the sign bit in.".to_string(),
        "shr_u" => "Shifts the lower value right by the top one, shifting zeros in.".to_string(),
        "rotl" | "rotr" => "Rotates the lower value's bits by the top one.".to_string(),
        "min" | "max" => format!("Pops {two} and pushes the {}imum (NaN if either is NaN).", op),
        "copysign" => "The lower value with the sign of the top one.".to_string(),
        "eqz" => "Pops a value; pushes 1 if it is zero, else 0.".to_string(),
        "eq" => cmp("equal to"),
        "ne" => cmp("not equal to"),
        "lt" | "lt_s" | "lt_u" => cmp("less than"),
        "gt" | "gt_s" | "gt_u" => cmp("greater than"),
        "le" | "le_s" | "le_u" => cmp("less than or equal to"),
        "ge" | "ge_s" | "ge_u" => cmp("greater than or equal to"),
        "clz" => "Counts the leading zero bits.".to_string(),
        "ctz" => "Counts the trailing zero bits.".to_string(),
        "popcnt" => "Counts the bits that are 1.".to_string(),
        "abs" | "neg" | "sqrt" | "ceil" | "floor" | "trunc" | "nearest" => {
            format!(
                "Pops a {t} and pushes its {}.",
                match op {
                    "abs" => "absolute value",
                    "neg" => "negation",
                    "sqrt" => "square root",
                    "ceil" => "value rounded up",
                    "floor" => "value rounded down",
                    "trunc" => "value rounded toward zero",
                    _ => "value rounded to the nearest integer (ties to even)",
                }
            )
        }
        "wrap_i64" => "Keeps the low 32 bits of an i64.".to_string(),
        "extend_i32_s" => "Widens an i32 to i64, copying its sign bit.".to_string(),
        "extend_i32_u" => "Widens an i32 to i64 with zeros.".to_string(),
        "extend8_s" | "extend16_s" | "extend32_s" => {
            format!("Sign-extends the low {} bits of the value to a full {t}.", &op[6..op.len() - 2])
        }
        "add128" | "sub128" => format!(
            "128-bit {}: pops two 128-bit numbers, each as two i64 halves (low, high), pushes the result's halves.",
            if op == "add128" { "addition" } else { "subtraction" }
        ),
        "mul_wide_s" | "mul_wide_u" => {
            format!(
                "Multiplies two i64 ({}) into a 128-bit product, pushed as two i64 halves (low, high).",
                signed(&op[9..])
            )
        }
        "demote_f64" => "Rounds an f64 to the nearest f32.".to_string(),
        "promote_f32" => "Converts an f32 to f64 exactly.".to_string(),
        _ if op.starts_with("trunc_sat") => {
            format!("Converts a float to {t}, rounding toward zero; out-of-range values saturate instead of trapping.")
        }
        _ if op.starts_with("trunc") => {
            format!("Converts a float to {t}, rounding toward zero; traps if the result does not fit.")
        }
        _ if op.starts_with("convert") => format!("Converts an integer to the nearest {t}."),
        _ if op.starts_with("reinterpret") => format!("Keeps the same bits, read as a {t}."),
        _ => "See the instruction in the spec's execution chapter (4.4).".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_numeric_instruction_has_an_explanation() {
        for &(_, _, mnemonic) in weft::raw::decode::INSTRUCTIONS {
            let text = explain(mnemonic);
            assert!(!text.is_empty(), "{mnemonic}");
            let numeric = ["i32.", "i64.", "f32.", "f64."].iter().any(|p| mnemonic.starts_with(p));
            if numeric && !mnemonic.contains("atomic") {
                assert!(!text.starts_with("See the instruction"), "{mnemonic} has no explanation of its own");
            }
        }
    }
}
