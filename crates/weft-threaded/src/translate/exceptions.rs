//! Exception handling: `throw`, `throw_ref`, `try_table` and the legacy
//! `try`/`catch`/`catch_all`/`rethrow`/`delegate`, translated into ops
//! ([`Op::Throw`], [`Op::ThrowRef`]) plus a per-function handler table
//! ([`Code::handlers`](crate::Code)).
//!
//! # The handler table
//!
//! Each `try_table` and each legacy `try` body becomes one
//! [`ExnHandler`]: the range of ops its body covers, the nesting depth of
//! its construct, and its clauses. The table lists handlers in the order
//! their ranges end, so among the handlers covering an op the innermost
//! comes first. When an exception reaches an op (a throw, or a call the
//! exception came out of), `exec/exceptions.rs` tries the covering
//! handlers in that order; a matching clause writes the fields and/or the
//! `exnref` to the clause's slots and continues at its target — the same
//! place and slots an ordinary branch to the clause's label uses (a
//! clause that targets the function's own label lands on a shared return
//! pad emitted after the body). A legacy `delegate l` is a handler that
//! matches nothing and skips the handlers of the constructs between it
//! and label `l`.
//!
//! # Legacy catch bodies
//!
//! A legacy `catch` body may `rethrow` the exception it caught, so the
//! landing also writes the instance's `exnref` to a hidden slot of its
//! `try`: one extra local per `try` of the function, after the wasm
//! locals (zeroed on entry like them). A function with a `try` is
//! translated a second time once the number of `try`s is known.
//!
//! Targets in the table are absolute op positions (they are not made
//! relative like branch targets).

use weft_decode::{BlockType, Catch, Catches, FuncType, ImportType, Operator};

use super::{Entry, Kind, Result, Translator, Unsupported, unsupported};
use crate::Code;
use crate::op::{Op, Slot};
use weft_exec::executor::Decline;

/// Why a translation stopped to be redone with hidden slots.
pub(super) const NEEDS_HIDDEN_SLOTS: &str = "legacy try: retranslate with hidden slots";

/// One exception handler of a function (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExnHandler {
    /// The first op the handler covers.
    pub(crate) start: u32,
    /// The op after the last one it covers.
    pub(crate) end: u32,
    /// The nesting depth of its construct (the function body is 0).
    pub(crate) depth: u32,
    pub(crate) action: ExnAction,
}

/// What a handler does with an exception raised in its range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExnAction {
    /// Tries the clauses in order.
    Catch(Vec<ExnClause>),
    /// Legacy `delegate`: the search continues with the handlers of
    /// depth `to` or less.
    Delegate { to: u32 },
}

/// A catch clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExnClause {
    /// The tag caught (a module index); `None` catches every exception.
    pub(crate) tag: Option<u32>,
    /// Where the fields go (their first slot), if the clause pushes them.
    pub(crate) fields: Option<Slot>,
    /// Where the `exnref` goes, if the clause keeps the instance.
    pub(crate) exnref: Option<Slot>,
    /// The op to continue at (absolute).
    pub(crate) target: u32,
}

/// A `try_table` or legacy `try` being translated.
#[derive(Debug)]
struct Open {
    /// Its control frame's index.
    ctrl: usize,
    /// The first op of its body.
    start: u32,
    form: Form,
}

#[derive(Debug)]
enum Form {
    /// `try_table` with its clauses; targets of labels that are not
    /// loops are filled in later.
    Table(Vec<(ExnClause, Target)>),
    /// Legacy `try`: its hidden slot, and its handler once its body ended
    /// (at the first `catch`/`catch_all`).
    Try { hidden: Slot, handler: Option<usize> },
}

/// Where a clause's target comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Known (a loop's start).
    Known,
    /// The `end` of control frame `ctrl`.
    End(usize),
    /// The function's return pad.
    Return,
}

/// The translator's exception state.
#[derive(Debug, Default)]
pub(super) struct ExnState {
    open: Vec<Open>,
    handlers: Vec<ExnHandler>,
    /// Clauses (handler, clause) whose target is the `end` of a control frame.
    pending: Vec<(usize, usize, usize)>,
    /// Clauses that land on the return pad.
    pads: Vec<(usize, usize)>,
    /// The first hidden slot and how many there are.
    hidden_base: u32,
    hidden_count: u32,
    hidden_used: u32,
    /// The function's result count (for the return pad).
    results: usize,
}

impl ExnState {
    /// The state for a function with `results` results and `count` hidden
    /// slots starting at `base` (after the wasm locals).
    pub(super) fn new(base: u32, count: u32, results: usize) -> Self {
        ExnState { hidden_base: base, hidden_count: count, results, ..ExnState::default() }
    }
}

/// The number of legacy `try`s in the body of defined function `defined`.
pub(super) fn count_tries(module: &weft_exec::executor::ModuleInner, defined: u32) -> Result<u32> {
    let mut ops = module.decoded.operators(defined as usize);
    let mut n = 0u32;
    while !ops.is_finished() {
        if let Operator::Try { .. } =
            ops.read().map_err(|e| Unsupported(Decline::Internal(format!("malformed body: {e}"))))?
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Checks what dispatch relies on in the handler table: every target is
/// an op of `code` and every slot is inside the frame.
pub(super) fn verify(code: &Code) -> bool {
    let len = code.ops.len() as u32;
    let slot_ok = |s: Option<Slot>| s.is_none_or(|s| u32::from(s) < code.frame_size);
    code.handlers.iter().all(|h| match &h.action {
        ExnAction::Catch(clauses) => clauses.iter().all(|c| c.target < len && slot_ok(c.fields) && slot_ok(c.exnref)),
        ExnAction::Delegate { .. } => true,
    })
}

/// Every op a catch clause continues at.
pub(super) fn clause_targets(code: &Code) -> impl Iterator<Item = u32> + '_ {
    code.handlers
        .iter()
        .flat_map(|h| match &h.action {
            ExnAction::Catch(clauses) => clauses.as_slice(),
            ExnAction::Delegate { .. } => &[],
        })
        .map(|c| c.target)
}

impl Translator<'_> {
    /// Translates `op` if it is an exception instruction.
    pub(super) fn translate_exception(&mut self, op: &Operator<'_>) -> Option<Result<()>> {
        Some(match *op {
            Operator::Throw { tag_index } => self.throw(tag_index),
            Operator::ThrowRef {} => {
                let a = self.pop_slot();
                self.emit(Op::ThrowRef { a });
                self.reachable = false;
                Ok(())
            }
            Operator::TryTable { blockty, catches } => self.try_table(blockty, catches),
            Operator::Try { blockty } => self.legacy_try(blockty),
            Operator::Catch { tag_index } => self.legacy_catch(Some(tag_index)),
            Operator::CatchAll {} => self.legacy_catch(None),
            Operator::Delegate { relative_depth } => self.delegate(relative_depth),
            Operator::Rethrow { relative_depth } => self.rethrow(relative_depth),
            _ => return None,
        })
    }

    /// The function type of tag `x` of the module (imports first).
    fn tag_type(&self, x: u32) -> Result<&FuncType> {
        let d = &self.module.decoded;
        let imported = d.imports.iter().filter_map(|i| match &i.ty {
            ImportType::Tag(t) => Some(*t),
            _ => None,
        });
        let ty = imported.chain(d.tags.iter().copied()).nth(x as usize);
        ty.and_then(|t| self.module.func_type(t.type_index))
            .ok_or_else(|| Unsupported(Decline::Internal("no such tag".into())))
    }

    /// Makes the frame large enough for stack positions below `p`.
    fn reserve_positions(&mut self, p: usize) -> Result<()> {
        let size = self.code.locals as usize + p;
        if size >= usize::from(Slot::MAX) {
            return unsupported(Decline::FrameTooLarge);
        }
        self.code.frame_size = self.code.frame_size.max(size as u32);
        Ok(())
    }

    /// `throw x`: the fields go to their home slots.
    fn throw(&mut self, tag: u32) -> Result<()> {
        let n = self.tag_type(tag)?.params().len();
        let len = self.stack.len();
        self.materialize_from(len - n);
        let a = self.home(len - n);
        self.emit(Op::Throw { a, tag });
        self.stack.truncate(len - n);
        self.reachable = false;
        Ok(())
    }

    /// `try_table`: a block whose body is covered by a handler made of its
    /// clauses, each landing where a branch to its label lands.
    fn try_table(&mut self, bt: BlockType, catches: Catches<'_>) -> Result<()> {
        let mut clauses = Vec::with_capacity(catches.len() as usize);
        for catch in catches.iter() {
            let (tag, fields, exnref) = match catch {
                Catch::One { tag, .. } => (Some(tag), true, false),
                Catch::OneRef { tag, .. } => (Some(tag), true, true),
                Catch::All { .. } => (None, false, false),
                Catch::AllRef { .. } => (None, false, true),
            };
            let n = match tag {
                Some(x) if fields => self.tag_type(x)?.params().len(),
                _ => 0,
            };
            let j = self.label(catch.label());
            let c = &self.ctrl[j];
            let (height, target, from) = match c.kind {
                Kind::Func => (0, 0, Target::Return),
                Kind::Loop => (c.height, c.start, Target::Known),
                _ => (c.height, 0, Target::End(j)),
            };
            self.reserve_positions(height + n + usize::from(exnref))?;
            let clause = ExnClause {
                tag,
                fields: (fields && n > 0).then(|| self.home(height)),
                exnref: exnref.then(|| self.home(height + n)),
                target,
            };
            clauses.push((clause, from));
        }
        self.enter(Kind::Block, bt)?;
        let ctrl = self.ctrl.len() - 1;
        let start = self.here();
        self.exn.open.push(Open { ctrl, start, form: Form::Table(clauses) });
        Ok(())
    }

    /// Legacy `try`: a block with a hidden slot for its catch bodies.
    fn legacy_try(&mut self, bt: BlockType) -> Result<()> {
        let e = &mut self.exn;
        if e.hidden_used >= e.hidden_count {
            return unsupported(Decline::Internal(NEEDS_HIDDEN_SLOTS.into()));
        }
        let hidden = (e.hidden_base + e.hidden_used) as Slot;
        e.hidden_used += 1;
        self.enter(Kind::Block, bt)?;
        let ctrl = self.ctrl.len() - 1;
        let start = self.here();
        self.exn.open.push(Open { ctrl, start, form: Form::Try { hidden, handler: None } });
        Ok(())
    }

    /// The open legacy `try` whose control frame is the innermost one.
    fn innermost_try(&self) -> Result<usize> {
        match self.exn.open.last() {
            Some(o) if o.ctrl + 1 == self.ctrl.len() && matches!(o.form, Form::Try { .. }) => {
                Ok(self.exn.open.len() - 1)
            }
            _ => unsupported(Decline::Internal("catch outside try".into())),
        }
    }

    /// Legacy `catch x` (`tag` `Some`) or `catch_all`: ends the previous
    /// body (the `try` body, or a catch body) as `else` ends a true arm,
    /// and starts a catch body, which the exception enters with its fields
    /// at the block's height and its `exnref` in the hidden slot.
    pub(super) fn legacy_catch(&mut self, tag: Option<u32>) -> Result<()> {
        let o = self.innermost_try()?;
        let ctrl = self.exn.open[o].ctrl;
        let height = self.ctrl[ctrl].height;
        let n = match tag {
            Some(x) => self.tag_type(x)?.params().len(),
            None => 0,
        };
        if self.reachable {
            self.materialize_from(height);
            let at = self.emit(Op::Br { t: 0 });
            self.ctrl[ctrl].fixups.push(at);
        }
        let here = self.here();
        let depth = ctrl as u32;
        let open = &mut self.exn.open[o];
        let Form::Try { hidden, handler } = &mut open.form else { unreachable!("innermost_try") };
        let hidden = *hidden;
        let h = match *handler {
            Some(h) => h,
            None => {
                self.exn.handlers.push(ExnHandler {
                    start: open.start,
                    end: here,
                    depth,
                    action: ExnAction::Catch(Vec::new()),
                });
                let h = self.exn.handlers.len() - 1;
                *handler = Some(h);
                h
            }
        };
        self.reserve_positions(height + n)?;
        let clause = ExnClause { tag, fields: (n > 0).then(|| self.home(height)), exnref: Some(hidden), target: here };
        if let ExnAction::Catch(clauses) = &mut self.exn.handlers[h].action {
            clauses.push(clause);
        }
        self.start_fuel_block();
        self.stack.truncate(height);
        self.stack.extend(std::iter::repeat_n(Entry::Stack, n));
        self.reachable = true;
        Ok(())
    }

    /// Legacy `delegate l`: ends the `try` like `end`; its body is covered
    /// by a handler that sends exceptions to label `l`'s handlers.
    pub(super) fn delegate(&mut self, l: u32) -> Result<()> {
        let o = self.innermost_try()?;
        let open = &self.exn.open[o];
        let (ctrl, start) = (open.ctrl, open.start);
        let to =
            (ctrl as u32).checked_sub(1 + l).ok_or_else(|| Unsupported(Decline::Internal("delegate depth".into())))?;
        let here = self.here();
        self.exn.handlers.push(ExnHandler { start, end: here, depth: ctrl as u32, action: ExnAction::Delegate { to } });
        // `end` below finds no body to close: the handler is made.
        if let Form::Try { handler, .. } = &mut self.exn.open[o].form {
            *handler = Some(self.exn.handlers.len() - 1);
        }
        self.end();
        Ok(())
    }

    /// Legacy `rethrow l`: re-raises the exception of the catch body at
    /// label `l`, kept in its `try`'s hidden slot.
    fn rethrow(&mut self, l: u32) -> Result<()> {
        let ctrl = self.label(l);
        let hidden = self.exn.open.iter().rev().find_map(|o| match o.form {
            Form::Try { hidden, handler: Some(_) } if o.ctrl == ctrl => Some(hidden),
            _ => None,
        });
        let Some(a) = hidden else { return unsupported(Decline::Internal("rethrow outside a catch".into())) };
        self.emit(Op::ThrowRef { a });
        self.reachable = false;
        Ok(())
    }

    /// Called by `end` for control frame `ctrl`, whose `end` is at op
    /// `here`: closes a `try_table`'s or `try`'s handler and fills in the
    /// targets of clauses that branch to this frame's label.
    pub(super) fn end_exceptions(&mut self, ctrl: usize, here: u32) {
        let e = &mut self.exn;
        if e.open.last().is_some_and(|o| o.ctrl == ctrl)
            && let Some(open) = e.open.pop()
        {
            match open.form {
                Form::Table(clauses) => {
                    let h = e.handlers.len();
                    for (i, (_, from)) in clauses.iter().enumerate() {
                        match *from {
                            Target::Known => {}
                            Target::End(j) => e.pending.push((j, h, i)),
                            Target::Return => e.pads.push((h, i)),
                        }
                    }
                    let clauses = clauses.into_iter().map(|(c, _)| c).collect();
                    e.handlers.push(ExnHandler {
                        start: open.start,
                        end: here,
                        depth: ctrl as u32,
                        action: ExnAction::Catch(clauses),
                    });
                }
                // A `try` without catch clauses catches nothing.
                Form::Try { .. } => {}
            }
        }
        let handlers = &mut e.handlers;
        e.pending.retain(|&(j, h, i)| {
            if j != ctrl {
                return true;
            }
            if let ExnAction::Catch(clauses) = &mut handlers[h].action {
                clauses[i].target = here;
            }
            false
        });
    }

    /// After the body: the return pad that clauses targeting the
    /// function's label land on (their values are in the first stack
    /// slots), and the handler table into the code.
    pub(super) fn finish_exceptions(&mut self) {
        if !self.exn.pads.is_empty() {
            let here = self.here();
            let results = self.exn.results;
            let a = self.home(0);
            match results {
                0 => self.emit(Op::Return0),
                1 => self.emit(Op::Return1 { a }),
                n => self.emit(Op::ReturnN { a, n: n as u16 }),
            };
            for (h, i) in std::mem::take(&mut self.exn.pads) {
                if let ExnAction::Catch(clauses) = &mut self.exn.handlers[h].action {
                    clauses[i].target = here;
                }
            }
        }
        self.code.handlers = std::mem::take(&mut self.exn.handlers).into_boxed_slice();
    }
}
