//! Tail calls, typed function references and wide arithmetic.
//!
//! * `return_call`, `return_call_indirect`, `return_call_ref`: the
//!   arguments go to their home slots, as for a call, and the op ends the
//!   block (nothing after it runs); the handler moves them to the frame's
//!   first slots and runs the callee in the frame (`exec/calls.rs`).
//! * `call_ref`: a call whose callee is the function reference on top.
//! * `br_on_null`, `br_on_non_null`: like `br_if`, testing the reference
//!   on top (all 64 bits: an `externref` payload may have a zero low half).
//! * `i64.add128`, `i64.sub128`, `i64.mul_wide_s/u`: one op each, writing
//!   two adjacent home slots.

use weft_decode::Operator;

use super::{Result, Translator, Unsupported, unsupported};
use crate::op::{Op, Slot};
use weft_exec::executor::Decline;

impl Translator<'_> {
    /// Translates `op` if it is one of this file's instructions.
    pub(super) fn translate_calls(&mut self, op: &Operator<'_>) -> Option<Result<()>> {
        Some(match *op {
            Operator::ReturnCall { function_index: func } => self.return_call(func),
            Operator::ReturnCallIndirect { type_index: ty, table_index: table } => {
                self.typed_call(ty, true, |c, base| Op::ReturnCallIndirect { ty, table, c, base })
            }
            Operator::CallRef { type_index } => self.typed_call(type_index, false, |c, base| Op::CallRef { c, base }),
            Operator::ReturnCallRef { type_index } => {
                self.typed_call(type_index, true, |c, base| Op::ReturnCallRef { c, base })
            }
            Operator::BrOnNull { relative_depth } => {
                self.br_on_null(relative_depth);
                Ok(())
            }
            Operator::BrOnNonNull { relative_depth } => {
                self.br_on_non_null(relative_depth);
                Ok(())
            }
            Operator::I64Add128 {} | Operator::I64Sub128 {} => {
                let add = matches!(op, Operator::I64Add128 {});
                let n = self.stack.len();
                let hi2 = self.operand(n - 1);
                let lo2 = self.operand(n - 2);
                let hi1 = self.operand(n - 3);
                let lo1 = self.operand(n - 4);
                self.stack.truncate(n - 4);
                self.wide_result(|d| {
                    if add { Op::I64Add128 { d, lo1, hi1, lo2, hi2 } } else { Op::I64Sub128 { d, lo1, hi1, lo2, hi2 } }
                })
            }
            Operator::I64MulWideS {} | Operator::I64MulWideU {} => {
                let signed = matches!(op, Operator::I64MulWideS {});
                let n = self.stack.len();
                let b = self.operand(n - 1);
                let a = self.operand(n - 2);
                self.stack.truncate(n - 2);
                self.wide_result(|d| if signed { Op::I64MulWideS { d, a, b } } else { Op::I64MulWideU { d, a, b } })
            }
            _ => return None,
        })
    }

    /// Pushes the two results of a wide-arithmetic op `f(d)`, which writes
    /// `d` and `d + 1`.
    fn wide_result(&mut self, f: impl FnOnce(Slot) -> Op) -> Result<()> {
        let d = self.push_result()?;
        self.push_result()?;
        self.emit(f(d));
        Ok(())
    }

    fn return_call(&mut self, func: u32) -> Result<()> {
        let ty = self.module.type_of_func(func).ok_or_else(|| Unsupported(Decline::Internal("call type".into())))?;
        if self.has_unsupported(ty.params()) || self.has_unsupported(ty.results()) {
            return unsupported(Decline::ValueType("a call's parameters or results".into()));
        }
        let base = self.call_args(ty.params().len());
        self.emit(Op::ReturnCall { func, base });
        self.reachable = false;
        Ok(())
    }

    /// A call of type `ty` through the operand on top (a table index or a
    /// function reference): `f(operand, base)`; a tail call (`tail`) ends
    /// the block.
    fn typed_call(&mut self, ty: u32, tail: bool, f: impl FnOnce(Slot, Slot) -> Op) -> Result<()> {
        let t = self.module.func_type(ty).ok_or_else(|| Unsupported(Decline::Internal("call type".into())))?;
        if self.has_unsupported(t.params()) || self.has_unsupported(t.results()) {
            return unsupported(Decline::ValueType("a call's parameters or results".into()));
        }
        let (p, r) = (t.params().len(), t.results().len());
        let c = self.pop_slot();
        let base = self.call_args(p);
        self.emit(f(c, base));
        if tail {
            self.reachable = false;
            return Ok(());
        }
        self.call_results(p, r)
    }

    /// `br_on_null`: branches (with the values below the reference) if the
    /// reference on top is null; otherwise it stays on the stack.
    fn br_on_null(&mut self, depth: u32) {
        let r = self.operand(self.stack.len() - 1);
        let entry = self.pop_entry();
        self.conditional_branch(depth, Op::BrOnNull { c: r, t: 0 }, Op::BrOnNonNull { c: r, t: 0 });
        self.stack.push(entry);
    }

    /// `br_on_non_null`: branches (with the reference) if the reference on
    /// top is not null; otherwise drops it.
    fn br_on_non_null(&mut self, depth: u32) {
        let r = self.operand(self.stack.len() - 1);
        self.conditional_branch(depth, Op::BrOnNonNull { c: r, t: 0 }, Op::BrOnNull { c: r, t: 0 });
        self.pop_entry();
    }

    /// A branch to `depth` taken by `taken` (a conditional branch op), as
    /// `br_if` translates it: `taken` itself when the label's values are
    /// already in place, else `skip` (its negation) over the moves and
    /// jump of a full branch.
    pub(super) fn conditional_branch(&mut self, depth: u32, taken: Op, skip: Op) {
        if self.branch_is_jump(depth) {
            let at = self.emit(taken);
            self.target_label(at, depth);
            self.fuel_block_after_branch(depth);
        } else {
            let at = self.emit(skip);
            self.branch(depth);
            let here = self.here();
            self.fuel_block_after_branch(depth);
            self.patch(at, here);
        }
    }
}
