//! The module as the page shows it: its text, printed from the binary (so
//! `.wat` and `.wasm` files read the same), one instruction per line, each
//! line carrying its instruction's byte offset (what breakpoints and the
//! "current instruction" highlight are keyed by) and its typing rule.
//!
//! ```text
//! (func $fac (export "fac") (param $n i64) (result i64)
//!   local.get 0
//!   i64.eqz
//!   if (result i64)
//!     i64.const 1
//!   else
//!   ...
//!   end
//!   end
//! )
//! ```

use std::collections::HashMap;

use serde::Serialize;
use weft::raw::decode::{ExternKind, ImportType, Module as Decoded, Operator};
use weft::{Module, ValType};

use super::rules::{FuncContext, Rule, rule};
use crate::stepping::func_name;

/// One line of the listing.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// The text, indented by block nesting.
    pub text: String,
    /// The byte offset of the instruction on this line (`None` for
    /// declarations).
    pub offset: Option<usize>,
}

/// The whole listing, and each instruction's rule by offset.
pub struct Listing {
    /// The lines, in order.
    pub lines: Vec<Line>,
    /// The typing rule of the instruction at each offset.
    pub rules: HashMap<usize, Rule>,
}

/// Prints `module`. A body that fails to decode ends its function with a
/// comment saying so (the module was validated, so this does not happen).
pub fn listing(module: &Module) -> Listing {
    let d = module.decoded();
    let mut out = Listing { lines: Vec::new(), rules: HashMap::new() };
    let mut decl = |text: String| out.lines.push(Line { text, offset: None });
    let mut funcs = 0;
    for import in &d.imports {
        let what = match &import.ty {
            ImportType::Func(_) => {
                let index = funcs;
                funcs += 1;
                format!("(func {}{})", func_name(module, index), signature(d, index))
            }
            ImportType::Memory(m) => format!("(memory {})", limits(m.limits.min, m.limits.max)),
            ImportType::Global(g) => format!("(global {})", global_type(g.mutable, g.content)),
            ImportType::Table(t) => format!("(table {} {})", limits(t.limits.min, t.limits.max), t.element),
            ImportType::Tag(_) => "(tag)".to_string(),
        };
        decl(format!("(import \"{}\" \"{}\" {what})", import.module, import.name));
    }
    for (i, m) in d.memories.iter().enumerate() {
        let index = d.num_imported_memories as usize + i;
        decl(format!(
            "(memory (;{index};){} {})",
            exports(d, ExternKind::Memory, index),
            limits(m.limits.min, m.limits.max)
        ));
    }
    for (i, g) in d.globals.iter().enumerate() {
        let index = d.num_imported_globals as usize + i;
        decl(format!(
            "(global (;{index};){} {})",
            exports(d, ExternKind::Global, index),
            global_type(g.ty.mutable, g.ty.content)
        ));
    }
    for defined in 0..d.code.len() {
        function(module, defined, &mut out);
    }
    out
}

/// Appends defined function `defined`.
fn function(module: &Module, defined: usize, out: &mut Listing) {
    let d = module.decoded();
    let index = d.num_imported_functions + defined as u32;
    let names = d.names().locals.get(&index);
    let local_name = |i: usize| names.and_then(|n| n.get(&(i as u32))).map(|n| format!("${n} ")).unwrap_or_default();
    let ty = d.func_type(index).cloned().unwrap_or_default();
    let mut header = format!("(func {}{}", func_name(module, index), exports(d, ExternKind::Func, index as usize));
    // Named parameters one by one (`(param $n i64)`), unnamed ones together.
    if (0..ty.params().len()).any(|i| !local_name(i).is_empty()) {
        for (i, p) in ty.params().iter().enumerate() {
            header.push_str(&format!(" (param {}{p})", local_name(i)));
        }
    } else if !ty.params().is_empty() {
        header.push_str(&format!(" (param {})", type_list(ty.params())));
    }
    if !ty.results().is_empty() {
        header.push_str(&format!(" (result {})", type_list(ty.results())));
    }
    out.lines.push(Line { text: header, offset: None });
    let mut locals: Vec<ValType> = ty.params().to_vec();
    if let Some(body) = d.code.get(defined) {
        for &(n, t) in &body.locals {
            // Validated: at most 50,000 locals (the reference engine's limit).
            locals.extend(std::iter::repeat_n(t, n.min(50_000) as usize));
        }
    }
    for (i, t) in locals.iter().enumerate().skip(ty.params().len()) {
        out.lines.push(Line { text: format!("  (local {}{t})", local_name(i)), offset: None });
    }
    let cx = FuncContext { module: d, locals: &locals, results: ty.results() };
    let mut ops = d.operators(defined);
    let mut depth = 1usize;
    while !ops.is_finished() {
        let offset = ops.offset();
        let op = match ops.read() {
            Ok(op) => op,
            Err(e) => {
                out.lines.push(Line { text: format!("  ;; malformed: {e}"), offset: None });
                break;
            }
        };
        let closes = matches!(
            op,
            Operator::End {}
                | Operator::Delegate { .. }
                | Operator::Else {}
                | Operator::Catch { .. }
                | Operator::CatchAll {}
        );
        if closes && depth > 1 {
            depth -= 1;
        }
        let text = match op {
            Operator::Call { function_index } | Operator::ReturnCall { function_index } => {
                format!("{} {}", op.mnemonic(), func_name(module, function_index))
            }
            _ => op.to_string(),
        };
        out.rules.insert(offset, rule(&op, &text, &cx));
        out.lines.push(Line { text: format!("{}{text}", "  ".repeat(depth)), offset: Some(offset) });
        if op.opens_block() || matches!(op, Operator::Else {} | Operator::Catch { .. } | Operator::CatchAll {}) {
            depth += 1;
        }
    }
    out.lines.push(Line { text: ")".to_string(), offset: None });
}

/// ` (param ...) (result ...)` of function `index`.
fn signature(d: &Decoded, index: u32) -> String {
    let Some(ty) = d.func_type(index) else { return String::new() };
    let mut s = String::new();
    if !ty.params().is_empty() {
        s.push_str(&format!(" (param {})", type_list(ty.params())));
    }
    if !ty.results().is_empty() {
        s.push_str(&format!(" (result {})", type_list(ty.results())));
    }
    s
}

/// ` (export "name")` for each export of item `index` of kind `kind`.
fn exports(d: &Decoded, kind: ExternKind, index: usize) -> String {
    d.exports
        .iter()
        .filter(|e| e.kind == kind && e.index as usize == index)
        .map(|e| format!(" (export \"{}\")", e.name))
        .collect()
}

/// `i32 i64`.
fn type_list(types: &[ValType]) -> String {
    types.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

fn limits(min: u64, max: Option<u64>) -> String {
    match max {
        Some(max) => format!("{min} {max}"),
        None => min.to_string(),
    }
}

fn global_type(mutable: bool, t: ValType) -> String {
    if mutable { format!("(mut {t})") } else { t.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fac_prints_with_offsets_nesting_and_rules() {
        let engine = weft::Engine::default();
        let module = Module::new(&engine, include_str!("../../../../../examples/fac.wat")).unwrap();
        let listing = listing(&module);
        let text: Vec<&str> = listing.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(text[0], "(func $fac (export \"fac\") (param $n i64) (result i64)");
        assert_eq!(text[1], "  local.get 0");
        assert_eq!(text[3], "  if (result i64)");
        assert_eq!(text[4], "    i64.const 1");
        assert_eq!(text[5], "  else");
        assert!(text.contains(&"    call $fac"), "{text:?}");
        assert_eq!(text.last(), Some(&")"));
        // Every instruction line has an offset and a rule; offsets increase.
        let offsets: Vec<usize> = listing.lines.iter().filter_map(|l| l.offset).collect();
        assert!(offsets.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(offsets.len(), listing.rules.len());
        let mul = listing.lines.iter().find(|l| l.text.trim() == "i64.mul").unwrap();
        assert_eq!(listing.rules[&mul.offset.unwrap()].typing, "i64.mul : [i64 i64] -> [i64]");
        let get = listing.lines[1].offset.unwrap();
        assert_eq!(listing.rules[&get].typing, "local.get 0 : [] -> [i64]");
        let call = listing.lines.iter().find(|l| l.text.trim() == "call $fac").unwrap();
        assert_eq!(listing.rules[&call.offset.unwrap()].typing, "call $fac : [i64] -> [i64]");
    }
}
