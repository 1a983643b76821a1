//! Control instructions: blocks, branches (with fused compare-and-branch),
//! `br_table`, returns and calls.
//!
//! A branch carries its label's values into the label's home slots (the
//! slots of the positions the values will have after the `end`), then
//! jumps. Branches to a block's `end` are patched when the `end` is
//! reached; branches to a loop go straight to its start. A branch to the
//! function's own label is a return.

use weft_decode::{BlockType, BrTable, Operator};

use super::{Ctrl, Entry, Kind, Result, Translator, unsupported};
use crate::op::{Op, Slot};
use weft_exec::executor::Decline;

impl Translator<'_> {
    /// Translates `op` if it is a control instruction.
    #[inline(always)]
    pub(super) fn translate_control(&mut self, op: &Operator<'_>) -> Option<Result<()>> {
        Some(match *op {
            Operator::Unreachable {} => {
                self.emit(Op::Unreachable);
                self.reachable = false;
                Ok(())
            }
            Operator::Block { blockty } => self.enter(Kind::Block, blockty),
            Operator::Loop { blockty } => self.enter(Kind::Loop, blockty),
            Operator::If { blockty } => self.enter_if(blockty),
            Operator::Else {} => {
                self.else_();
                Ok(())
            }
            Operator::End {} => {
                self.end();
                Ok(())
            }
            Operator::Br { relative_depth } => {
                self.branch(relative_depth);
                self.reachable = false;
                Ok(())
            }
            Operator::BrIf { relative_depth } => {
                self.br_if(relative_depth);
                Ok(())
            }
            Operator::BrTable { targets } => {
                self.br_table(targets);
                Ok(())
            }
            Operator::Return {} => {
                self.emit_return();
                self.reachable = false;
                Ok(())
            }
            Operator::Call { function_index } => self.call(function_index),
            Operator::CallIndirect { type_index, table_index } => self.call_indirect(type_index, table_index.0),
            _ => return None,
        })
    }

    /// Tracks nesting in unreachable code, which emits nothing.
    pub(super) fn skip_dead(&mut self, op: &Operator<'_>) -> Result<()> {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => self.dead_depth += 1,
            Operator::Else {} if self.dead_depth == 0 => self.else_(),
            Operator::End {} if self.dead_depth == 0 => self.end(),
            Operator::Delegate { relative_depth } if self.dead_depth == 0 => return self.delegate(*relative_depth),
            Operator::End {} | Operator::Delegate { .. } => self.dead_depth -= 1,
            Operator::Catch { tag_index } if self.dead_depth == 0 => return self.legacy_catch(Some(*tag_index)),
            Operator::CatchAll {} if self.dead_depth == 0 => return self.legacy_catch(None),
            _ => {}
        }
        Ok(())
    }

    fn block_arity(&self, bt: BlockType) -> Result<(usize, usize)> {
        match bt {
            BlockType::Empty => Ok((0, 0)),
            BlockType::Value(t) if !super::simd::holds(self.code.v128, t) => {
                unsupported(Decline::ValueType("a block's type".into()))
            }
            BlockType::Value(_) => Ok((0, 1)),
            BlockType::Func(i) => {
                let t = self
                    .module
                    .func_type(i)
                    .ok_or_else(|| super::Unsupported(Decline::Internal("block type".into())))?;
                if self.has_unsupported(t.params()) || self.has_unsupported(t.results()) {
                    return unsupported(Decline::ValueType("a block's parameters or results".into()));
                }
                Ok((t.params().len(), t.results().len()))
            }
        }
    }

    /// `block` and `loop`: every entry goes home, then the frame opens.
    pub(super) fn enter(&mut self, kind: Kind, bt: BlockType) -> Result<()> {
        let (params, results) = self.block_arity(bt)?;
        self.materialize_all();
        let height = self.stack.len() - params;
        let start = self.here();
        if kind == Kind::Loop {
            // The reference engine executes `loop` again on every branch
            // to it, so the instruction belongs to the loop's own block.
            self.fuel_count = self.fuel_count.saturating_sub(1);
            self.start_fuel_block();
            self.fuel_count = 1;
            self.check_interrupt();
        }
        let fixups = self.spare_fixups.pop().unwrap_or_default();
        self.ctrl.push(Ctrl { kind, height, params, results, start, fixups, else_fixup: None });
        Ok(())
    }

    /// `if`: branches to the false arm when the condition is zero. Its
    /// parameters stay in their home slots, where the false arm (or, with
    /// no `else`, the `end`) finds them.
    fn enter_if(&mut self, bt: BlockType) -> Result<()> {
        let (params, results) = self.block_arity(bt)?;
        let fused = self.take_fusable();
        let cond = if fused.is_some() {
            self.stack.pop();
            None
        } else {
            Some(self.pop_slot())
        };
        self.materialize_all();
        let at = match (fused, cond) {
            (Some(cmp), _) => self.emit(cmp.fuse_branch(0, true).unwrap_or(Op::Unreachable)),
            (None, Some(c)) => self.emit(Op::BrIfZero { c, t: 0 }),
            (None, None) => unreachable!("a condition or a fused comparison"),
        };
        self.start_fuel_block();
        let height = self.stack.len() - params;
        let start = self.here();
        self.ctrl.push(Ctrl {
            kind: Kind::If,
            height,
            params,
            results,
            start,
            fixups: self.spare_fixups.pop().unwrap_or_default(),
            else_fixup: Some(at),
        });
        Ok(())
    }

    /// `else`: the true arm's results go home and it jumps to the `end`.
    fn else_(&mut self) {
        let height = self.ctrl.last().map_or(0, |c| c.height);
        if self.reachable {
            self.materialize_from(height);
            let at = self.emit(Op::Br { t: 0 });
            if let Some(c) = self.ctrl.last_mut() {
                c.fixups.push(at);
            }
        }
        let here = self.here();
        self.start_fuel_block();
        if let Some(at) = self.ctrl.last_mut().and_then(|c| c.else_fixup.take()) {
            self.patch(at, here);
        }
        if let Some(c) = self.ctrl.last_mut() {
            c.kind = Kind::Else;
            // The false arm starts from the `if`'s parameters as they were
            // when it branched: in their home slots, whatever the true arm
            // made of those stack positions.
            self.stack.truncate(c.height);
            self.stack.extend(std::iter::repeat_n(Entry::Stack, c.params));
        }
        self.reachable = true;
    }

    /// `end`: results go home, pending branches land here.
    pub(super) fn end(&mut self) {
        if self.ctrl.len() == 1 {
            if self.reachable {
                self.emit_return();
            }
            if let Some(mut c) = self.ctrl.pop() {
                c.fixups.clear();
                self.spare_fixups.push(c.fixups);
            }
            return;
        }
        let Some(c) = self.ctrl.pop() else { return };
        if self.reachable {
            self.materialize_from(c.height);
        }
        let here = self.here();
        self.start_fuel_block();
        for &at in &c.fixups {
            self.patch(at, here);
        }
        let mut fixups = c.fixups;
        fixups.clear();
        self.spare_fixups.push(fixups);
        if let Some(at) = c.else_fixup {
            self.patch(at, here);
        }
        self.end_exceptions(self.ctrl.len(), here);
        self.stack.truncate(c.height);
        self.stack.extend(std::iter::repeat_n(Entry::Stack, c.results));
        // The results' home slots are in the frame even where nothing
        // reached the `end` (a loop that only branches back): the code
        // after it is dead then, but `verify` checks its slots too.
        self.code.frame_size = self.code.frame_size.max(self.code.locals + self.stack.len() as u32);
        self.reachable = true;
    }

    /// The control frame `depth` labels out.
    pub(super) fn label(&self, depth: u32) -> usize {
        self.ctrl.len() - 1 - depth as usize
    }

    /// After a conditional branch to `depth`: a new fuel block if the
    /// branch goes back to a loop, whose fall-through leaves it; otherwise
    /// the fall-through stays in the running block (`start_fuel_block`).
    pub(super) fn fuel_block_after_branch(&mut self, depth: u32) {
        if self.ctrl[self.label(depth)].kind == Kind::Loop {
            self.start_fuel_block();
        }
    }

    /// Whether a branch to `depth` is a plain jump: not a return, and its
    /// values are already in the label's home slots.
    pub(super) fn branch_is_jump(&self, depth: u32) -> bool {
        let c = &self.ctrl[self.label(depth)];
        if c.kind == Kind::Func {
            return false;
        }
        let arity = if c.kind == Kind::Loop { c.params } else { c.results };
        let n = self.stack.len();
        arity == 0 || (n - arity == c.height && self.stack[c.height..].iter().all(|e| *e == Entry::Stack))
    }

    /// Emits an unconditional branch to `depth` without changing the
    /// compile-time stack (the fall-through path may still use it).
    pub(super) fn branch(&mut self, depth: u32) {
        let i = self.label(depth);
        let c = &self.ctrl[i];
        if c.kind == Kind::Func {
            self.emit_return();
            return;
        }
        let (loop_start, arity, height) =
            if c.kind == Kind::Loop { (Some(c.start), c.params, c.height) } else { (None, c.results, c.height) };
        let n = self.stack.len();
        for k in 0..arity {
            let d = self.home(height + k);
            self.copy_entry_to(n - arity + k, d);
        }
        let at = self.emit(Op::Br { t: loop_start.unwrap_or(0) });
        if loop_start.is_none() {
            self.ctrl[i].fixups.push(at);
        }
    }

    /// Registers branch op `at` (already emitted) as going to label `depth`.
    pub(super) fn target_label(&mut self, at: usize, depth: u32) {
        let i = self.label(depth);
        if self.ctrl[i].kind == Kind::Loop {
            let start = self.ctrl[i].start;
            self.patch(at, start);
        } else {
            self.ctrl[i].fixups.push(at);
        }
    }

    /// Takes the comparison that computed the top entry out of the code, if
    /// it was the last op and can fuse with a branch.
    fn take_fusable(&mut self) -> Option<Op> {
        let at = self.fusable?;
        if at + 1 != self.code.ops.len() || self.stack.last() != Some(&Entry::Stack) {
            return None;
        }
        let op = self.code.ops[at];
        op.fuse_branch(0, false)?;
        self.code.ops.pop();
        self.code.offsets.pop();
        if self.branches.last() == Some(&(at as u32)) {
            self.branches.pop();
        }
        Some(op)
    }

    /// `br_if`: a conditional jump, fused with its comparison when it can
    /// be; a branch that must move values jumps over the moves instead.
    fn br_if(&mut self, depth: u32) {
        let fused = self.take_fusable();
        let cond = if fused.is_some() {
            self.stack.pop();
            None
        } else {
            Some(self.pop_slot())
        };
        let jump = self.branch_is_jump(depth);
        let at = match (fused, cond) {
            (Some(cmp), _) => self.emit(cmp.fuse_branch(0, !jump).unwrap_or(Op::Unreachable)),
            (None, Some(c)) if jump => self.emit(Op::BrIfNonZero { c, t: 0 }),
            (None, Some(c)) => self.emit(Op::BrIfZero { c, t: 0 }),
            (None, None) => unreachable!("a condition or a fused comparison"),
        };
        if jump {
            self.target_label(at, depth);
            self.fuel_block_after_branch(depth);
        } else {
            self.branch(depth);
            let here = self.here();
            self.fuel_block_after_branch(depth);
            self.patch(at, here);
        }
    }

    /// `br_table`: the op, its entries (a `br` each), then one stub per
    /// distinct label, moving the label's values and jumping. An entry
    /// jumps to its stub; jump threading later sends it on to the label
    /// when the stub is only a `br`.
    fn br_table(&mut self, targets: BrTable<'_>) {
        let c = self.pop_slot();
        let len = targets.len() + 1;
        self.emit(Op::BrTable { c, len });
        let first = self.here() as usize;
        for _ in 0..len {
            self.emit(Op::Br { t: 0 });
        }
        // Each label's stub by depth (a vector kept between `br_table`s,
        // `u32::MAX` where there is none yet).
        let mut stubs = std::mem::take(&mut self.stubs);
        stubs.resize(stubs.len().max(self.ctrl.len()), u32::MAX);
        for (k, depth) in targets.targets().chain(std::iter::once(targets.default())).enumerate() {
            let stub = match stubs.get(depth as usize) {
                Some(&s) if s != u32::MAX => s,
                _ => {
                    let s = self.here();
                    self.branch(depth);
                    if let Some(slot) = stubs.get_mut(depth as usize) {
                        *slot = s;
                    }
                    s
                }
            };
            self.code.ops[first + k] = Op::Br { t: stub };
        }
        stubs.fill(u32::MAX);
        self.stubs = stubs;
        self.reachable = false;
    }

    /// Returns the function's results from the top of the stack, without
    /// changing the compile-time stack.
    pub(super) fn emit_return(&mut self) {
        let r = self.ctrl.first().map_or(0, |c| c.results);
        let n = self.stack.len();
        match r {
            0 => {
                self.emit(Op::Return0);
            }
            1 => {
                let a = match self.stack[n - 1] {
                    Entry::Local(l) => l,
                    Entry::Stack => self.home(n - 1),
                    Entry::Const(imm) => {
                        let d = self.home(n - 1);
                        self.emit(Op::Const { d, imm });
                        d
                    }
                };
                self.emit(Op::Return1 { a });
            }
            _ => {
                for p in n - r..n {
                    let d = self.home(p);
                    self.copy_entry_to(p, d);
                }
                self.emit(Op::ReturnN { a: self.home(n - r), n: r as u16 });
            }
        }
    }

    /// Puts the top `params` entries (a call's arguments) in their home
    /// slots and returns the first one's slot: the callee's frame base.
    pub(super) fn call_args(&mut self, params: usize) -> u16 {
        let n = self.stack.len();
        self.materialize_from(n - params);
        self.home(n - params)
    }

    /// Removes the last op if it is a `Copy` that [`call_args`](Self::call_args)
    /// emitted (at or after position `moves`), returning its slots, for
    /// the call to do it. Nothing reaches such a copy but the op before it
    /// (it is part of this instruction), and it cannot trap. Not in code
    /// with v-slots, whose copies move both halves (`simd::move_both_halves`).
    fn take_arg_copy(&mut self, moves: usize) -> Option<(Slot, Slot)> {
        if self.code.v128 {
            return None;
        }
        let at = self.code.ops.len().checked_sub(1).filter(|&at| at >= moves)?;
        let Op::Copy { d, a } = self.code.ops[at] else { return None };
        self.code.ops.pop();
        self.code.offsets.pop();
        Some((d, a))
    }

    /// Removes the argument moves [`call_args`](Self::call_args) emitted
    /// (the ops from position `moves` on) if there are any and each is a
    /// local's `Copy` or a `Const`, listing them in `Code::call_moves` for
    /// the call to do; returns where their list starts. As for
    /// [`take_arg_copy`](Self::take_arg_copy), only the op before reaches
    /// them (a loop that starts at the first reaches the call op instead,
    /// which does them first), and none traps. The moves write distinct
    /// argument slots and read locals only, so copies then constants is
    /// their order's effect.
    fn take_arg_moves(&mut self, moves: usize) -> Option<u32> {
        let ops = self.code.ops.get(moves..).filter(|ops| !ops.is_empty() && !self.code.v128)?;
        let locals = self.code.locals;
        let (mut copies, mut consts) = (0u64, 0u64);
        for op in ops {
            match *op {
                Op::Copy { a, .. } if u32::from(a) < locals => copies += 1,
                Op::Const { .. } => consts += 1,
                _ => return None,
            }
        }
        let list = &mut self.code.call_moves;
        let at = u32::try_from(list.len()).ok()?;
        list.push(copies | consts << 32);
        list.extend(ops.iter().filter_map(|op| match *op {
            Op::Copy { d, a } => Some(u64::from(d) | u64::from(a) << 16),
            _ => None,
        }));
        for op in ops {
            if let Op::Const { d, imm } = *op {
                list.extend([u64::from(d), imm]);
            }
        }
        self.code.ops.truncate(moves);
        self.code.offsets.truncate(moves);
        Some(at)
    }

    pub(super) fn call_results(&mut self, params: usize, results: usize) -> Result<()> {
        let n = self.stack.len();
        self.stack.truncate(n - params);
        for _ in 0..results {
            self.push(Entry::Stack)?;
        }
        Ok(())
    }

    fn call(&mut self, func: u32) -> Result<()> {
        let ty =
            self.module.type_of_func(func).ok_or_else(|| super::Unsupported(Decline::Internal("call type".into())))?;
        if self.has_unsupported(ty.params()) || self.has_unsupported(ty.results()) {
            return unsupported(Decline::ValueType("a call's parameters or results".into()));
        }
        let (p, r) = (ty.params().len(), ty.results().len());
        let moves = self.code.ops.len();
        let base = self.call_args(p);
        let imported = self.module.decoded.num_imported_functions;
        match func.checked_sub(imported) {
            Some(defined) => {
                // One copy: `CallInternalCopy` (no list to read); more
                // moves, or a constant: `CallInternalMoves`.
                let one = self.code.ops.len() == moves + 1;
                let op = match one.then(|| self.take_arg_copy(moves)).flatten() {
                    Some((d, a)) => Op::CallInternalCopy { defined, base, d, a },
                    None => match self.take_arg_moves(moves) {
                        Some(moves) => Op::CallInternalMoves { defined, base, moves },
                        None => Op::CallInternal { defined, base },
                    },
                };
                self.emit(op)
            }
            None => self.emit(Op::Call { func, base }),
        };
        self.call_results(p, r)
    }

    fn call_indirect(&mut self, ty: u32, table: u32) -> Result<()> {
        let t = self.module.func_type(ty).ok_or_else(|| super::Unsupported(Decline::Internal("call type".into())))?;
        if self.has_unsupported(t.params()) || self.has_unsupported(t.results()) {
            return unsupported(Decline::ValueType("a call's parameters or results".into()));
        }
        let (p, r) = (t.params().len(), t.results().len());
        let c = self.pop_slot();
        let moves = self.code.ops.len();
        let base = self.call_args(p);
        // The list's position must fit the op's 16 bits.
        let small = u16::try_from(table).is_ok() && self.code.call_moves.len() < usize::from(u16::MAX);
        let op = match small.then(|| self.take_arg_moves(moves)).flatten() {
            Some(at) => Op::CallIndirectMoves { ty, c, base, table: table as u16, moves: at as u16 },
            None => Op::CallIndirect { ty, table, c, base },
        };
        self.emit(op);
        self.call_results(p, r)
    }
}
