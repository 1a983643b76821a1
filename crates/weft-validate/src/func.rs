//! The validation algorithm of the spec's appendix (A.3 "Validation
//! Algorithm"): an operand stack and a control stack, and the helpers
//! `push_operand`, `pop_operand`, `push_ctrl`, `pop_ctrl`, `label_types`
//! and `unreachable` that every instruction's rule is written with
//! (see `operators.rs`).
//!
//! Conventions: `vals` is the operand stack, where `None` is the spec's
//! `Unknown` (a value of any type, produced after `unreachable` code);
//! `ctrls` the control stack of [`Frame`]s. Both live in a
//! [`FuncValidator`] reused across functions, so validating a function does
//! not allocate once the stacks have grown.
//!
//! Locals of non-defaultable types (typed function references) must be set
//! before they are read: `local_inits` says which are set, and `inits_set`
//! lists the ones set inside the open blocks, so `end` can forget them.

use weft_decode::{BlockType, FuncType, Operator, ValType};

use crate::module::ModuleContext;
use crate::types::is_defaultable;
use crate::{Error, FuncInfo, ValidationError, err, limits};

/// Results inside function validation: the error is boxed so that `Ok`
/// travels in registers on the hot path.
pub(crate) type VResult<T = ()> = Result<T, Box<ValidationError>>;

/// What opened a control frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// The function body itself.
    Func,
    /// `block`.
    Block,
    /// `loop`: branches go to its start and take its parameters.
    Loop,
    /// `if` (before any `else`).
    If,
    /// `else`.
    Else,
    /// Legacy `try`.
    Try,
    /// Legacy `catch`.
    Catch,
    /// Legacy `catch_all`.
    CatchAll,
    /// `try_table`.
    TryTable,
}

/// A control frame (the spec's `ctrl_frame`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    /// What opened it.
    pub(crate) kind: FrameKind,
    /// Its type `[start_types] -> [end_types]`.
    pub(crate) block_type: BlockType,
    /// The operand stack height when it was entered (after its params).
    pub(crate) height: usize,
    /// The length of `inits_set` when it was entered.
    pub(crate) init_height: usize,
    /// Whether the rest of the block is unreachable (stack-polymorphic).
    pub(crate) unreachable: bool,
}

/// A result type, borrowed from the module or a single inline value type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Types<'m> {
    /// `[]`.
    Empty,
    /// `[t]`.
    One(ValType),
    /// Any other sequence.
    Slice(&'m [ValType]),
}

impl Types<'_> {
    /// The number of types.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            Types::Empty => 0,
            Types::One(_) => 1,
            Types::Slice(s) => s.len(),
        }
    }

    /// The `i`th type; `i < len()`.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> ValType {
        match self {
            Types::One(t) => *t,
            Types::Slice(s) => s[i],
            Types::Empty => unreachable!("index into an empty result type"),
        }
    }
}

/// The reusable state of function validation.
#[derive(Default)]
pub(crate) struct FuncValidator {
    /// The operand stack.
    pub(crate) vals: Vec<Option<ValType>>,
    /// The control stack.
    pub(crate) ctrls: Vec<Frame>,
    /// The types of the function's locals, parameters first.
    pub(crate) locals: Vec<ValType>,
    /// Whether each local has been set (always true for defaultable ones).
    pub(crate) local_inits: Vec<bool>,
    /// Locals set inside the open blocks, to forget at their `end`.
    pub(crate) inits_set: Vec<u32>,
    /// Whether any local needs initialization tracking.
    pub(crate) tracks_inits: bool,
    /// The largest operand stack height seen.
    pub(crate) max_height: usize,
    /// The operand stack height of the innermost frame (a copy of
    /// `ctrls.last().height`, read by every pop).
    pub(crate) height: usize,
    /// The largest control stack depth seen.
    pub(crate) max_depth: usize,
}

impl FuncValidator {
    /// Validates the body of defined function `index`.
    pub(crate) fn validate(&mut self, ctx: &ModuleContext<'_>, index: usize) -> Result<FuncInfo, Error> {
        let module = ctx.module;
        let body = &module.code[index];
        let type_index = module.functions[index];
        let func_type = ctx.types.func_type(type_index, body.offset)?;
        self.reset();

        // Locals: parameters, then the declared ones.
        let total = func_type.params().len() as u64 + body.num_locals;
        if total > limits::MAX_LOCALS {
            return Err(err("too many locals", body.offset).into());
        }
        self.locals.extend_from_slice(func_type.params());
        self.local_inits.resize(func_type.params().len(), true);
        for &(n, t) in &body.locals {
            ctx.types.check_val_type(t, body.offset)?;
            let defaultable = is_defaultable(t);
            self.tracks_inits |= !defaultable;
            // `n` fits: the total was checked against `MAX_LOCALS` above.
            let len = self.locals.len() + n as usize;
            self.locals.resize(len, t);
            self.local_inits.resize(len, defaultable);
        }

        let mut v = OpValidator { ctx, st: self, func_type, offset: body.offset };
        v.push_ctrl(FrameKind::Func, BlockType::Func(type_index), Types::Empty);
        // Each instruction is decoded straight into its visitor method
        // (`visit.rs`): no `Operator` is built for the frequent ones.
        let mut ops = module.operators(index);
        while !ops.is_finished() {
            v.offset = ops.offset();
            ops.visit(&mut v)?.map_err(|e| *e)?;
        }
        ops.finish()?;
        Ok(FuncInfo {
            max_stack_height: u32::try_from(self.max_height).unwrap_or(u32::MAX),
            max_control_depth: u32::try_from(self.max_depth).unwrap_or(u32::MAX),
        })
    }

    fn reset(&mut self) {
        self.vals.clear();
        self.ctrls.clear();
        self.locals.clear();
        self.local_inits.clear();
        self.inits_set.clear();
        self.tracks_inits = false;
        self.max_height = 0;
        self.max_depth = 0;
        self.height = 0;
    }
}

/// `a == b`, written out so that it inlines: with `b` a constant numeric
/// type (the fixed-type rules) it is one compare of the discriminant.
/// (The derived `PartialEq` stays out of line, being large for the
/// reference types.)
#[inline(always)]
pub(crate) fn same_type(a: ValType, b: ValType) -> bool {
    use ValType::*;
    match (a, b) {
        (I32, I32) | (I64, I64) | (F32, F32) | (F64, F64) | (V128, V128) => true,
        (Ref(x), Ref(y)) => x == y,
        _ => false,
    }
}

/// Validates the instructions of one function: the module context, the
/// reusable stacks, and the offset of the instruction being validated.
pub(crate) struct OpValidator<'a, 'm> {
    /// `C`.
    pub(crate) ctx: &'a ModuleContext<'m>,
    /// The stacks.
    pub(crate) st: &'a mut FuncValidator,
    /// The type of the function being validated.
    pub(crate) func_type: &'m FuncType,
    /// Where the current instruction starts.
    pub(crate) offset: usize,
}

impl<'m> OpValidator<'_, 'm> {
    /// "type mismatch" at the current instruction.
    #[cold]
    #[inline(never)]
    pub(crate) fn mismatch(&self) -> Box<ValidationError> {
        Box::new(err("type mismatch", self.offset))
    }

    /// An error with `message` at the current instruction.
    #[cold]
    #[inline(never)]
    pub(crate) fn error(&self, message: impl Into<String>) -> Box<ValidationError> {
        Box::new(err(message, self.offset))
    }

    /// `push_operand(t)`.
    #[inline(always)]
    pub(crate) fn push_operand(&mut self, t: Option<ValType>) {
        self.st.vals.push(t);
        if self.st.vals.len() > self.st.max_height {
            self.st.max_height = self.st.vals.len();
        }
    }

    /// Pushes a known type.
    #[inline]
    pub(crate) fn push(&mut self, t: ValType) {
        self.push_operand(Some(t));
    }

    /// `pop_operand()`: `None` is `Unknown`.
    #[inline]
    pub(crate) fn pop_operand(&mut self) -> VResult<Option<ValType>> {
        let frame = self.st.ctrls.last().expect("the function frame is open");
        if self.st.vals.len() == frame.height {
            if frame.unreachable {
                return Ok(None);
            }
            return Err(self.mismatch());
        }
        Ok(self.st.vals.pop().flatten())
    }

    /// `pop_operand(expect)`: pops a value of a subtype of `expect`.
    #[inline(always)]
    pub(crate) fn pop(&mut self, expect: ValType) -> VResult<()> {
        let vals = &mut self.st.vals;
        if vals.len() > self.st.height
            && let Some(&Some(actual)) = vals.last()
            && same_type(actual, expect)
        {
            vals.pop();
            return Ok(());
        }
        self.pop_slow(expect)
    }

    #[inline(never)]
    fn pop_slow(&mut self, expect: ValType) -> VResult<()> {
        match self.pop_operand()? {
            Some(t) if !self.ctx.types.val_subtype(t, expect) => Err(self.mismatch()),
            _ => Ok(()),
        }
    }

    /// `pop_vals(types)`, checking each value; values are not returned.
    #[inline]
    pub(crate) fn pop_types(&mut self, types: Types<'_>) -> VResult<()> {
        for i in (0..types.len()).rev() {
            self.pop(types.get(i))?;
        }
        Ok(())
    }

    /// Pops a slice of types (last first), with the instruction's whole
    /// parameter list and the block's operands in the error message.
    #[inline(always)]
    pub(crate) fn pop_slice(&mut self, types: &[ValType]) -> VResult<()> {
        // Fast path: the operands are all above the frame and of exactly
        // the types asked for (a call's arguments, almost always).
        let vals = &mut self.st.vals;
        let n = types.len();
        if let Some(keep) = vals.len().checked_sub(n)
            && keep >= self.st.height
            && vals[keep..].iter().zip(types).all(|(a, &e)| matches!(*a, Some(a) if same_type(a, e)))
        {
            vals.truncate(keep);
            return Ok(());
        }
        self.pop_slice_slow(types)
    }

    #[inline(never)]
    fn pop_slice_slow(&mut self, types: &[ValType]) -> VResult<()> {
        if self.check_top(Types::Slice(types)).is_err() {
            return Err(self.slice_mismatch(types));
        }
        let keep = self.st.vals.len().saturating_sub(types.len()).max(self.st.height);
        self.st.vals.truncate(keep);
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn slice_mismatch(&self, types: &[ValType]) -> Box<ValidationError> {
        let height = self.st.ctrls.last().map_or(0, |f| f.height);
        let list = |ts: &mut dyn Iterator<Item = String>| ts.collect::<Vec<_>>().join(" ");
        let required = list(&mut types.iter().map(ToString::to_string));
        let show = |t: &Option<ValType>| match t {
            None => "_".to_string(),
            Some(ValType::Ref(rt)) if rt.heap == crate::types::BOTTOM_HEAP => "(ref bot)".to_string(),
            Some(t) => t.to_string(),
        };
        let stack = list(&mut self.st.vals[height..].iter().map(show));
        self.error(format!("type mismatch: instruction requires [{required}] but stack has [{stack}]"))
    }

    /// `push_vals(types)`.
    #[inline]
    pub(crate) fn push_types(&mut self, types: Types<'_>) {
        for i in 0..types.len() {
            self.push(types.get(i));
        }
    }

    /// Pushes a slice of types.
    #[inline(always)]
    pub(crate) fn push_slice(&mut self, types: &[ValType]) {
        for &t in types {
            self.push(t);
        }
    }

    /// `push_vals(pop_vals(types))` without moving anything: checks that
    /// the top of the stack matches `types` (used by `br_if`-like rules
    /// that keep the values).
    pub(crate) fn check_top(&mut self, types: Types<'_>) -> VResult<()> {
        let frame = *self.st.ctrls.last().expect("the function frame is open");
        let n = types.len();
        let len = self.st.vals.len();
        for i in 0..n {
            let expect = types.get(n - 1 - i);
            let avail = len - frame.height;
            if i < avail {
                if let Some(actual) = self.st.vals[len - 1 - i]
                    && !self.ctx.types.val_subtype(actual, expect)
                {
                    return Err(self.mismatch());
                }
            } else if !frame.unreachable {
                return Err(self.mismatch());
            }
        }
        Ok(())
    }

    /// The parameters of a block type.
    #[inline]
    pub(crate) fn start_types(&self, bt: BlockType) -> Types<'m> {
        match bt {
            BlockType::Empty | BlockType::Value(_) => Types::Empty,
            BlockType::Func(x) => match self.ctx.types.func_type(x, 0) {
                Ok(f) => Types::Slice(f.params()),
                Err(_) => Types::Empty,
            },
        }
    }

    /// The results of a block type.
    #[inline]
    pub(crate) fn end_types(&self, bt: BlockType) -> Types<'m> {
        match bt {
            BlockType::Empty => Types::Empty,
            BlockType::Value(t) => Types::One(t),
            BlockType::Func(x) => match self.ctx.types.func_type(x, 0) {
                Ok(f) => Types::Slice(f.results()),
                Err(_) => Types::Empty,
            },
        }
    }

    /// Checks a block type: a value type or a function type index.
    pub(crate) fn check_block_type(&self, bt: BlockType) -> VResult<()> {
        match bt {
            BlockType::Empty => Ok(()),
            BlockType::Value(t) => Ok(self.ctx.types.check_val_type(t, self.offset)?),
            BlockType::Func(x) => {
                let f = self.ctx.types.func_type(x, self.offset)?;
                if !self.ctx.types.features().multi_value && (!f.params().is_empty() || f.results().len() > 1) {
                    return Err(self.error("invalid result arity: block parameters need the multi-value feature"));
                }
                Ok(())
            }
        }
    }

    /// `push_ctrl(opcode, in, out)`; the parameters `start` are pushed.
    #[inline(always)]
    pub(crate) fn push_ctrl(&mut self, kind: FrameKind, block_type: BlockType, start: Types<'_>) {
        let frame = Frame {
            kind,
            block_type,
            height: self.st.vals.len(),
            init_height: self.st.inits_set.len(),
            unreachable: false,
        };
        self.st.ctrls.push(frame);
        self.st.height = frame.height;
        if self.st.ctrls.len() > self.st.max_depth {
            self.st.max_depth = self.st.ctrls.len();
        }
        self.push_types(start);
    }

    /// `pop_ctrl()`: checks the frame's results are on the stack, and
    /// forgets the locals set inside it.
    #[inline]
    pub(crate) fn pop_ctrl(&mut self) -> VResult<Frame> {
        let frame = *self.st.ctrls.last().expect("the function frame is open");
        self.pop_types(self.end_types(frame.block_type))?;
        if self.st.vals.len() != frame.height {
            return Err(self.mismatch());
        }
        self.st.ctrls.pop();
        self.st.height = self.st.ctrls.last().map_or(0, |f| f.height);
        if self.st.tracks_inits {
            for &x in &self.st.inits_set[frame.init_height..] {
                self.st.local_inits[x as usize] = false;
            }
            self.st.inits_set.truncate(frame.init_height);
        }
        Ok(frame)
    }

    /// `label_types(frame)`: a loop's label takes its parameters, any other
    /// block's label its results.
    #[inline]
    pub(crate) fn label_types(&self, frame: &Frame) -> Types<'m> {
        if frame.kind == FrameKind::Loop {
            self.start_types(frame.block_type)
        } else {
            self.end_types(frame.block_type)
        }
    }

    /// The frame `depth` labels out, or "unknown label".
    #[inline(always)]
    pub(crate) fn label(&self, depth: u32) -> VResult<Frame> {
        let n = self.st.ctrls.len();
        if (depth as usize) < n { Ok(self.st.ctrls[n - 1 - depth as usize]) } else { Err(self.unknown_label(depth)) }
    }

    #[cold]
    #[inline(never)]
    fn unknown_label(&self, depth: u32) -> Box<ValidationError> {
        self.error(format!("unknown label {depth}"))
    }

    /// Whether the label of `frame` takes no values (a branch to it moves
    /// nothing): the common case, checked without looking up a type.
    #[inline(always)]
    pub(crate) fn label_is_empty(frame: &Frame) -> bool {
        match frame.block_type {
            BlockType::Empty => true,
            BlockType::Value(_) => frame.kind == FrameKind::Loop,
            BlockType::Func(_) => false,
        }
    }

    /// `end` of a frame whose block type is `[] -> []` or `[] -> [t]` with
    /// exactly its results on the stack (and, for `if`, no results, as an
    /// implicit empty `else` must produce them): the frame is popped
    /// leaving its results in place, and `true` returned. `false` leaves
    /// everything to the full rule (`pop_ctrl`), which also reports errors.
    #[inline(always)]
    pub(crate) fn end_fast(&mut self) -> bool {
        let st = &mut *self.st;
        let Some(frame) = st.ctrls.last() else { return false };
        let len = st.vals.len();
        let done = match frame.block_type {
            BlockType::Empty => len == frame.height,
            BlockType::Value(t) => {
                frame.kind != FrameKind::If
                    && len == frame.height + 1
                    && matches!(st.vals[len - 1], Some(a) if same_type(a, t))
            }
            BlockType::Func(_) => false,
        };
        if !done || st.tracks_inits {
            return false;
        }
        st.ctrls.pop();
        st.height = st.ctrls.last().map_or(0, |f| f.height);
        true
    }

    /// `unreachable()`: drops the block's operands and makes its stack
    /// polymorphic.
    #[inline]
    pub(crate) fn unreachable(&mut self) {
        let frame = self.st.ctrls.last_mut().expect("the function frame is open");
        self.st.vals.truncate(frame.height);
        frame.unreachable = true;
    }

    /// The type of local `x`, or "unknown local"; reading it needs it set.
    #[inline(always)]
    pub(crate) fn local(&self, x: u32) -> VResult<ValType> {
        match self.st.locals.get(x as usize) {
            Some(&t) => Ok(t),
            None => Err(self.error(format!("unknown local {x}"))),
        }
    }

    /// Marks local `x` as set.
    #[inline(always)]
    pub(crate) fn set_local(&mut self, x: u32) {
        if self.st.tracks_inits && !self.st.local_inits[x as usize] {
            self.st.local_inits[x as usize] = true;
            self.st.inits_set.push(x);
        }
    }

    /// Validates one decoded instruction; see `operators.rs`.
    #[inline]
    pub(crate) fn visit(&mut self, op: &Operator<'_>) -> VResult<()> {
        self.check_operator(op)
    }
}
