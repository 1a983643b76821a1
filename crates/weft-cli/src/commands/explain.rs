//! `weft validate --explain`: the validator's state at the instruction that
//! failed, printed for a reader with the spec's validation algorithm (its
//! appendix A.3) open beside it.
//!
//! ```text
//! $ weft validate --explain examples/type-mismatch.wat
//! examples/type-mismatch.wat: invalid: type mismatch (at offset 0x2c)
//!
//! in func 0 $add_one, at offset 0x2c:
//!         0x26  block (result i32)
//!         0x28  local.get 0
//!         0x2a  i64.const 1
//!   -->   0x2c  i32.add
//!
//! rule:     i32.add : [i32 i32] -> [i32]
//! operands: [i32 i64]  (bottom first; `_` is Unknown, left by unreachable code)
//! controls: (outermost first; label 0 is the innermost)
//!   label 1  func      [] -> [i32]        height 0  operands []
//!   label 0  block     [] -> [i32]        height 0  operands [i32 i64]
//! ```

use std::fmt::Write as _;

use weft_decode::{Module, ValType};
use weft_validate::{ControlFrame, explain};

/// The explanation of `module`'s validation error, or a line saying there
/// is none to give (the error is outside any function body).
pub fn render(module: &Module) -> String {
    let Some(x) = explain(module) else {
        return "\n(no operand or control stack to show: the error is not inside a function body's \
                instructions, or is in how they are encoded)\n"
            .to_string();
    };
    let mut out = String::from("\n");
    let name = x.func_name.as_deref().map(|n| format!(" ${n}")).unwrap_or_default();
    let _ = writeln!(out, "in func {}{name}, at offset 0x{:x}:", x.func_index, x.offset);
    for (offset, text) in &x.preceding {
        let _ = writeln!(out, "        0x{offset:x}  {text}");
    }
    match &x.instruction {
        Some(text) => {
            let _ = writeln!(out, "  -->   0x{:x}  {text}", x.offset);
        }
        None => {
            let _ = writeln!(out, "  -->   0x{:x}  (end of the body)", x.offset);
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "rule:     {}", x.rule);
    let _ =
        writeln!(out, "operands: {}  (bottom first; `_` is Unknown, left by unreachable code)", operands(&x.operands));
    let _ = writeln!(out, "controls: (outermost first; label 0 is the innermost)");
    let n = x.controls.len();
    for (i, frame) in x.controls.iter().enumerate() {
        let top = x.controls.get(i + 1).map_or(x.operands.len(), |f| f.height);
        let held = x.operands.get(frame.height..top.max(frame.height)).unwrap_or(&[]);
        let _ = writeln!(
            out,
            "  label {}  {:<9} {:<18} height {}  operands {}{}",
            n - 1 - i,
            frame.kind,
            block_type(frame),
            frame.height,
            operands(held),
            if frame.unreachable { "  unreachable (stack-polymorphic)" } else { "" }
        );
    }
    out
}

fn types(ts: &[ValType]) -> String {
    ts.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

fn block_type(frame: &ControlFrame) -> String {
    format!("[{}] -> [{}]", types(&frame.start_types), types(&frame.end_types))
}

fn operands(ts: &[Option<ValType>]) -> String {
    let items: Vec<String> = ts.iter().map(|t| t.map_or_else(|| "_".to_string(), operand)).collect();
    format!("[{}]", items.join(" "))
}

/// An operand's type; a reference popped from the polymorphic stack has
/// the spec's bottom heap type, `bot`, which has no text-format name of
/// its own (the validator gives it an index no defined type has).
fn operand(t: ValType) -> String {
    match t {
        ValType::Ref(r) if r.heap == weft_validate::BOTTOM_HEAP => {
            if r.nullable {
                "(ref null bot)".to_string()
            } else {
                "(ref bot)".to_string()
            }
        }
        t => t.to_string(),
    }
}
