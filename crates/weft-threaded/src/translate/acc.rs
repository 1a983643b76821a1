//! The accumulator pass: an op whose first operand is the value the op
//! before it just wrote becomes its accumulator form, which takes that
//! value from a register instead of loading it back from the slot.
//!
//! Every handler of a producing op ([`Op::acc_result`]) passes the value it
//! wrote on to the next handler as well (`exec/backend.rs`), so on a chain
//! of dependent ops, `i32.xor` then `i32.mul` then `i32.rotl`, no op waits
//! for the store of the one before to reach memory. The slot is still
//! written, so nothing else about the code changes: the pass only has to
//! know that the consumer always runs right after its producer. That holds
//! for an op that no branch, exception handler or call returns to, whose
//! predecessor in the op vector falls through to it (producers are
//! straight-line ops that fall through or trap).

use super::Code;
use super::exceptions::ExnAction;
use crate::op::{Flags, Op};

/// Rewrites the ops of `code` (branch targets still absolute) to read the
/// accumulator where they can.
/// `targets` are its branch ops' positions and targets; `joins` a buffer.
#[inline(never)]
pub(super) fn use_accumulator(code: &mut Code, targets: &[(u32, u32)], joins: &mut Vec<bool>) {
    let len = code.ops.len();
    joins.clear();
    joins.resize(len, false);
    for &(_, t) in targets {
        joins[t as usize] = true;
    }
    for h in code.handlers.iter() {
        if let ExnAction::Catch(clauses) = &h.action {
            for c in clauses.iter() {
                joins[c.target as usize] = true;
            }
        }
    }
    for (pc, &join) in joins.iter().enumerate().skip(1) {
        if join {
            continue;
        }
        // The flag first: a table lookup, where `acc_result` is a jump on
        // the op's kind (and finds nothing without the flag).
        let prev = code.ops[pc - 1];
        if !prev.flags().has(Flags::ACC_OUT) {
            continue;
        }
        let Some(r) = prev.acc_result() else { continue };
        let op = commuted(code.ops[pc], r);
        if let Some(acc_form) = op.with_acc_operand(r) {
            code.ops[pc] = acc_form;
        }
    }
}

/// `op` with its operands swapped if it is a commutative op
/// ([`super::commutes`]) that reads `r` only as its second operand.
fn commuted(op: Op, r: u16) -> Op {
    match super::swapped(op) {
        Some((a, b, swapped)) if b == r && a != r => swapped,
        _ => op,
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::disassemble;

    #[test]
    fn a_chain_passes_values_in_the_accumulator() {
        let wat = r#"(module (memory 1)
          (func (param $h i32) (param $i i32) (result i32)
            (i32.rotl (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i))) (i32.const 16777619))
                      (i32.const 5))))"#;
        let text = disassemble(wat, 0);
        // The load is first; the xor reads it (commuted), the mul and the
        // rotl read the op before.
        for form in ["I32XorAcc", "I32MulImmAcc", "I32RotlImmAcc"] {
            assert!(text.contains(form), "{form} missing:\n{text}");
        }
    }

    #[test]
    fn no_accumulator_where_control_joins() {
        // The add after the `if` is reached from both arms: the op before
        // it in the op vector (the else arm's constant) is not always the
        // one that ran. (The tail after the `if` is too long to be
        // duplicated into the arms.)
        let wat = r#"(module
          (func (param i32) (result i32)
            (i32.sub (i32.xor (i32.add (local.get 0)
                                       (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))
                              (local.get 0))
                     (local.get 0))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("I32Add {"), "{text}");
        assert!(!text.contains("I32AddAcc"), "{text}");
    }

    #[test]
    fn a_duplicated_tail_uses_the_accumulator_in_each_copy() {
        // The short tail after the `if` (add, return) is copied into the
        // then arm in place of its `br`: each copy has one predecessor.
        let wat = r#"(module
          (func (param i32) (result i32)
            (i32.add (local.get 0)
                     (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))))"#;
        let text = disassemble(wat, 0);
        assert_eq!(text.matches("I32AddAcc").count(), 2, "{text}");
        assert!(!text.contains("Br {"), "{text}");
    }
}
