//! The disassembler: a function's threaded code as text, one line per op,
//! derived from the op table (`op.rs`, [`for_each_op!`]): each op's name,
//! its operands by form, its branch targets resolved to op positions, and
//! what its row says about it.
//!
//! ```text
//!   4: I32AddImm        d=l1 a=l1 imm=1                     ; acc_out retarget
//!   5: BrI32LtSAcc      b=l0 t=@1                           ; reads acc
//! ```
//!
//! Slots print as `l<n>` for locals (parameters included) and `s<n>` for
//! the operand stack's slots (`n` counts from the frame's start either
//! way); `t=@n` is the op at position `n`; `br_table` entries are the `Br`
//! ops after their `BrTable`.
//!
//! [`for_each_op!`]: crate::op::for_each_op

use std::fmt::Write as _;

use crate::Code;
use crate::op::Operand;

/// The text of `code`, one line per op (see the module docs).
pub(crate) fn disassemble(code: &Code) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "func {}: {} params, {} locals, frame {} slots{}{}, {} ops",
        code.func_index,
        code.params,
        code.locals,
        code.frame_size,
        if code.v128 { ", v-slots" } else { "" },
        if code.metered { ", metered" } else { "" },
        code.index.len(),
    );
    let width = code.index.len().saturating_sub(1).to_string().len().max(3);
    for (pc, op) in code.executable_ops().enumerate() {
        let op = &op;
        let mut operands = String::new();
        op.for_each_operand(|name, operand| {
            let _ = match operand {
                Operand::Read(s) | Operand::Write(s) | Operand::VRead(s) | Operand::VWrite(s) => {
                    write!(operands, " {name}={}", slot(code, s))
                }
                Operand::WritePair(s) => write!(operands, " {name}={},{}", slot(code, s), slot(code, s + 1)),
                Operand::ReadRun(s) => write!(operands, " {name}={}..", slot(code, s)),
                Operand::Base(s) | Operand::SubOp(s) => write!(operands, " {name}={}", slot(code, s)),
                Operand::Target(t) => write!(operands, " {name}=@{}", target(code, pc, t)),
                Operand::Imm(v) => write!(operands, " {name}={v:?}"),
            };
        });
        if let crate::op::Op::CallInternalMoves { moves, .. } = *op {
            operands.push_str(&call_moves(code, moves as usize));
        }
        let mut notes: Vec<&str> = op.flags().names().collect();
        if op.reads_acc() {
            notes.insert(0, "reads acc");
        }
        let line = format!("{pc:>width$}: {:<16}{operands}", op.name());
        let _ =
            if notes.is_empty() { writeln!(out, "{line}") } else { writeln!(out, "{line:<56}  ; {}", notes.join(" ")) };
    }
    out
}

/// The argument moves listed at `Code::call_moves[at..]`, as ` [s3=l0
/// s4=7]`.
fn call_moves(code: &Code, at: usize) -> String {
    let list = &code.call_moves;
    let Some(&header) = list.get(at) else { return " [?]".into() };
    let (copies, consts) = ((header as u32) as usize, (header >> 32) as usize);
    let words = list.get(at + 1..at + 1 + copies + 2 * consts).unwrap_or_default();
    let (copy_words, const_words) = words.split_at(copies.min(words.len()));
    let copies = copy_words.iter().map(|&w| format!("{}={}", slot(code, w as u16), slot(code, (w >> 16) as u16)));
    let consts =
        const_words.chunks(2).map(|c| format!("{}={}", slot(code, c[0] as u16), c.get(1).copied().unwrap_or(0)));
    format!(" [{}]", copies.chain(consts).collect::<Vec<_>>().join(" "))
}

/// Slot `s` as text: `l<n>` for a local, `s<n>` for an operand stack slot.
fn slot(code: &Code, s: u16) -> String {
    if u32::from(s) < code.locals { format!("l{s}") } else { format!("s{s}") }
}

/// The position of the op a branch at `pc` with relative target `t` (a
/// byte offset from its first byte, as `i32` bits) goes to.
fn target(code: &Code, pc: usize, t: u32) -> i64 {
    let at = i64::from(code.index.start(pc)) + i64::from(t as i32);
    match u32::try_from(at).ok().and_then(|at| code.index.pc_at(at)) {
        Some(i) => i as i64,
        None => -1,
    }
}
