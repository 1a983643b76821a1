//! Translation of a validated function body into threaded code, once, on
//! its first call.
//!
//! The wasm operand stack disappears: the translator keeps it at compile
//! time as a vector of [`Entry`]s, each of which knows where its value is —
//! still in a local (`local.get` emits nothing), still a constant
//! (`i32.const` emits nothing), or in its *home slot*, the frame slot
//! `locals + position` reserved for stack position `position`. An
//! instruction reads its operands wherever they are and writes its result
//! to the home slot of the position it pushes, so `local.get 0; local.get 1;
//! i32.add; local.set 2` becomes the single op `i32.add s2, s0, s1`.
//!
//! Two rules keep lazy entries correct:
//!
//! * before a local is written, every entry still reading it lazily is
//!   copied to its home slot ([`Translator::write_local`]);
//! * at every control boundary (block, loop, if, else, end) all entries are
//!   in their home slots, so every path into a label agrees on where values
//!   are ([`Translator::materialize_all`]).
//!
//! Control flow is in `control.rs`, memory, table and reference ops in
//! `memory.rs`, tail calls, `call_ref`, `br_on_null`/`br_on_non_null` and
//! wide arithmetic in `calls.rs`, `v128` values and vector instructions in
//! `simd.rs`, the GC instructions in `gc.rs`. Anything the engine does
//! not translate (atomics, exception handling in `v128` code)
//! makes the whole function
//! [`Unsupported`]; it then runs on the reference engine.

mod acc;
mod calls;
mod control;
pub(crate) mod digest;
pub(super) mod exceptions;
mod gc;
mod memory;
mod simd;

use weft_decode::{BlockType, Ieee32, Ieee64, MemArg, Operator, ValType, VisitOperator};

use super::Code;
use super::op::{Flags, Op, Operand, Raw, Slot, for_each_numeric_op};
use weft_exec::executor::Decline;
use weft_exec::executor::ModuleInner;

/// Why a function stays on the reference engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsupported(pub(crate) Decline);

type Result<T> = std::result::Result<T, Unsupported>;

fn unsupported<T>(why: Decline) -> Result<T> {
    Err(Unsupported(why))
}

/// Where a compile-time operand's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// In this local (pushed by `local.get`, not yet copied).
    Local(Slot),
    /// This constant, as raw slot bits (not yet written anywhere).
    Const(u64),
    /// In the entry's home slot.
    Stack,
}

/// What kind of construct a control frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The function body: a branch to it returns.
    Func,
    Block,
    Loop,
    If,
    Else,
}

/// A control frame (the validator's `ctrl_frame`, plus what translation needs).
#[derive(Debug)]
struct Ctrl {
    kind: Kind,
    /// The operand stack height below the block's parameters.
    height: usize,
    params: usize,
    results: usize,
    /// For loops: where a branch to it goes.
    start: u32,
    /// Branch ops waiting for the position after the `end`.
    fixups: Vec<usize>,
    /// For `if`: the branch to the false arm, patched at `else`/`end`.
    else_fixup: Option<usize>,
}

/// The buffers a translation borrows and gives back, so that translating
/// function after function reuses them instead of allocating them again.
#[derive(Default)]
struct Scratch {
    stack: Vec<Entry>,
    ctrl: Vec<Ctrl>,
    fixups: Vec<Vec<usize>>,
    branches: Vec<u32>,
    tables: Vec<u32>,
    /// Per label depth, its stub in the `br_table` being translated
    /// (`u32::MAX`: none yet).
    stubs: Vec<u32>,
    /// The previous function's op and offset vectors, emptied.
    ops: Vec<Op>,
    offsets: Vec<u32>,
    passes: PassBuffers,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::default();
}

struct Translator<'m> {
    module: &'m ModuleInner,
    /// Emptied `Ctrl::fixups` vectors, for the next frames.
    spare_fixups: Vec<Vec<usize>>,
    /// The positions of the branch ops emitted, in order.
    branches: Vec<u32>,
    /// The positions of the `br_table` ops emitted, in order.
    tables: Vec<u32>,
    /// Per label depth, its stub in the `br_table` being translated
    /// (`u32::MAX` between `br_table`s).
    stubs: Vec<u32>,
    code: Code,
    /// The byte offset of the instruction being translated.
    offset: u32,
    stack: Vec<Entry>,
    ctrl: Vec<Ctrl>,
    reachable: bool,
    /// Blocks opened inside unreachable code (skipped without frames).
    dead_depth: u32,
    /// The op just emitted whose result is the top entry (set by the
    /// previous instruction only): `local.set` may retarget it.
    retarget: Option<usize>,
    /// `retarget` of the instruction before (a vector pair fuses across a
    /// `local.get`: `translate/simd.rs`).
    prev_retarget: Option<usize>,
    /// `prev_retarget` of the instruction before (three vector ops fuse:
    /// `translate/simd.rs`).
    prev2_retarget: Option<usize>,
    /// The comparison just emitted whose result is the top entry: a
    /// following `br_if`/`if` fuses with it.
    fusable: Option<usize>,
    next_retarget: Option<usize>,
    next_fusable: Option<usize>,
    /// The `Fuel` op of the block being translated (metered code only).
    fuel_op: Option<usize>,
    /// Wasm instructions translated since it.
    fuel_count: u32,
    /// Open `try_table`s and `try`s, and the handler table (`exceptions.rs`).
    exn: exceptions::ExnState,
}

/// Whether a slot can hold values of type `t`: numbers and every reference
/// (functions, `extern`, `exn`, and the GC `any` hierarchy, as raw bits:
/// `weft_exec::gc::raw`); not `v128` (see `simd.rs`).
pub(crate) fn supported_type(t: ValType) -> bool {
    t != ValType::V128
}

/// Translates defined function `defined` of `module`: first as code
/// without `v128` values; if that fails, as code with v-slots
/// (`simd.rs`), whose moves move both halves of a slot.
pub(crate) fn translate(module: &ModuleInner, defined: u32) -> Result<Code> {
    translate_mode(module, defined, false).or_else(|_| translate_mode(module, defined, true))
}

fn translate_mode(module: &ModuleInner, defined: u32, v128: bool) -> Result<Code> {
    match translate_with(module, defined, 0, v128) {
        Err(Unsupported(Decline::Internal(why))) if why == exceptions::NEEDS_HIDDEN_SLOTS => {
            translate_with(module, defined, exceptions::count_tries(module, defined)?, v128)
        }
        r => r,
    }
}

/// Translates defined function `defined` of `module` with `hidden` extra
/// locals for legacy `try`s (see `exceptions.rs`).
fn translate_with(module: &ModuleInner, defined: u32, hidden: u32, v128: bool) -> Result<Code> {
    let d = &module.decoded;
    let body =
        d.code.get(defined as usize).ok_or_else(|| Unsupported(Decline::Internal("no such function body".into())))?;
    let func_index = d.num_imported_functions + defined;
    let ty = module.type_of_func(func_index).ok_or_else(|| Unsupported(Decline::Internal("no type".into())))?;
    let params = ty.params().len() as u64;
    let locals = params + body.num_locals + u64::from(hidden);
    if locals > u64::from(Slot::MAX) / 2 {
        return unsupported(Decline::FrameTooLarge);
    }
    if !body.locals.iter().all(|(_, t)| simd::holds(v128, *t))
        || !ty.params().iter().chain(ty.results()).all(|t| simd::holds(v128, *t))
    {
        return unsupported(Decline::ValueType("a local".into()));
    }
    let mut scratch = SCRATCH.take();
    // Room for the ops without regrowing on typical code (about one op per
    // four bytes of wasm), in the previous function's vectors if they are
    // large enough.
    let capacity = body.code.len() / 4 + 8;
    let mut t = Translator {
        module,
        spare_fixups: scratch.fixups,
        branches: scratch.branches,
        tables: scratch.tables,
        stubs: scratch.stubs,
        code: Code {
            ops: reuse(&mut scratch.ops, capacity),
            cells: Box::default(),
            index: Default::default(),
            offsets: reuse(&mut scratch.offsets, capacity),
            offset_table: crate::offsets::OffsetTable::default(),
            mem_args: Vec::new(),
            handlers: Box::default(),
            params: params as u32,
            locals: locals as u32,
            frame_size: locals as u32,
            func_index: 0,
            metered: module.engine.config().fuel.is_some(),
            interruptible: module.engine.config().interruptible,
            v128,
            v128_consts: Vec::new(),
            gc_args: Vec::new(),
            call_moves: Vec::new(),
            second_offsets: Vec::new(),
        },
        offset: 0,
        stack: scratch.stack,
        ctrl: scratch.ctrl,
        reachable: true,
        dead_depth: 0,
        retarget: None,
        prev_retarget: None,
        prev2_retarget: None,
        fusable: None,
        next_retarget: None,
        next_fusable: None,
        fuel_op: None,
        fuel_count: 0,
        exn: exceptions::ExnState::new((locals - u64::from(hidden)) as u32, hidden, ty.results().len()),
    };
    t.stack.clear();
    t.ctrl.clear();
    t.branches.clear();
    t.tables.clear();
    let mut passes = scratch.passes;
    let fixups = t.spare_fixups.pop().unwrap_or_default();
    t.ctrl.push(Ctrl {
        kind: Kind::Func,
        height: 0,
        params: 0,
        results: ty.results().len(),
        start: 0,
        fixups,
        else_fixup: None,
    });
    t.start_fuel_block();
    t.check_interrupt();
    let mut ops = d.operators(defined as usize);
    while !ops.is_finished() {
        t.offset = ops.offset() as u32;
        // The decoder calls the translator's method for the instruction
        // from its own match on the opcode (`VisitOperator`).
        match ops.visit(&mut t) {
            Ok(Ok(())) => {}
            Ok(Err(why)) => return Err(*why),
            Err(e) => return unsupported(Decline::Internal(format!("malformed body: {e}"))),
        }
        if t.ctrl.is_empty() {
            break;
        }
    }
    t.finish_exceptions();
    t.end_fuel_block();
    // The passes below change branch targets only, never which ops are
    // branches: they visit the branches `emit` noted.
    let mut branches = std::mem::take(&mut t.branches);
    thread_jumps(&mut t.code, &branches);
    let mut tables = std::mem::take(&mut t.tables);
    copy_returns(&mut t.code, &mut branches, &tables);
    duplicate_tails(&mut t.code, &mut branches, &mut tables, &mut passes);
    fuse_pairs(&mut t.code, &mut branches, &mut tables, &mut passes);
    // From here to `make_targets_relative`, no target changes: read each
    // once.
    let mut targets = std::mem::take(&mut passes.targets);
    targets.clear();
    targets.extend(branches.iter().filter_map(|&pc| {
        let mut op = t.code.ops[pc as usize];
        op.target_mut().map(|t| (pc, *t))
    }));
    verify(&t.code, &branches, &targets)?;
    let entries_unreached = br_table_entries_unreached(&t.code, &targets, &tables);
    if v128 {
        simd::move_both_halves(&mut t.code);
    } else {
        acc::use_accumulator(&mut t.code, &targets, &mut passes.marks);
    }
    digest::note(defined, &t.code);
    let encoded = crate::exec::encode::encode(&t.code.ops, entries_unreached)
        .ok_or_else(|| Unsupported(Decline::Internal("code too large to encode".into())))?;
    (t.code.cells, t.code.index) = (encoded.code, encoded.index);
    t.code.offset_table = crate::offsets::OffsetTable::new(&t.code.offsets);
    passes.targets = targets;
    passes.trim();
    SCRATCH.set(Scratch {
        stack: std::mem::take(&mut t.stack),
        ctrl: std::mem::take(&mut t.ctrl),
        fixups: std::mem::take(&mut t.spare_fixups),
        branches,
        tables,
        stubs: std::mem::take(&mut t.stubs),
        ops: keep(std::mem::take(&mut t.code.ops)),
        offsets: keep(std::mem::take(&mut t.code.offsets)),
        passes,
    });
    Ok(t.code)
}

/// `v` emptied, with room for `capacity` elements (a new vector if it has
/// less: growing it would copy what it held).
fn reuse<T>(v: &mut Vec<T>, capacity: usize) -> Vec<T> {
    if v.capacity() < capacity {
        return Vec::with_capacity(capacity);
    }
    v.clear();
    std::mem::take(v)
}

/// `v`, to be reused by the next function, unless it is too large to keep
/// around between translations (a huge function's).
fn keep<T>(v: Vec<T>) -> Vec<T> {
    if v.capacity() * size_of::<T>() > 1 << 20 { Vec::new() } else { v }
}

/// Jump threading for loops that test their exit at the top: a `br` back
/// to a conditional branch whose own target is the op right after the
/// `br` becomes that branch negated, to the op after it —
///
/// ```text
/// L: br_if_ge i, n -> X        L: br_if_ge i, n -> X
///    ...                  =>      ...
///    br L                         br_if_lt i, n -> L+1
/// X:                           X:
/// ```
///
/// — one op fewer per iteration, same behavior (the `br` could not trap).
///
/// Before that, a branch to a `br` goes straight to that `br`'s target (as
/// `br_table` entries to their labels' stubs usually do).
#[inline(never)]
fn thread_jumps(code: &mut Code, branches: &[u32]) {
    for &pc in branches {
        let pc = pc as usize;
        let mut op = code.ops[pc];
        let Some(target) = op.target_mut() else { continue };
        let mut t = *target;
        // Bounded: `br` cycles (`loop br 0`) exist.
        for _ in 0..8 {
            match code.ops.get(t as usize) {
                Some(Op::Br { t: next }) if *next != t => t = *next,
                _ => break,
            }
        }
        if t != *target {
            *target = t;
            code.ops[pc] = op;
        }
    }
    for &pc in branches {
        let pc = pc as usize;
        let Op::Br { t } = code.ops[pc] else { continue };
        let Some(target) = code.ops.get(t as usize) else { continue };
        if let Some((negated, exit)) = target.negated_branch(t + 1)
            && exit as usize == pc + 1
        {
            code.ops[pc] = negated;
        }
    }
}

/// The `br_table` op among `tables` (their positions, ascending) whose
/// entries include op `pc`, if any: the last table before `pc`, if `pc`
/// is within its `len` entries.
fn table_of_entry(code: &Code, tables: &[u32], pc: usize) -> Option<usize> {
    entry_of(code, tables, tables.partition_point(|&s| (s as usize) < pc), pc)
}

/// [`table_of_entry`] with `i` the number of tables before `pc`.
fn entry_of(code: &Code, tables: &[u32], i: usize, pc: usize) -> Option<usize> {
    let s = *tables.get(i.checked_sub(1)?)? as usize;
    match code.ops[s] {
        Op::BrTable { len, .. } if pc <= s + len as usize => Some(s),
        _ => None,
    }
}

/// [`table_of_entry`] for positions asked in ascending order: the table
/// count moves forward instead of a binary search per question.
struct Entries<'a> {
    tables: &'a [u32],
    /// Tables before the last position asked.
    before: usize,
}

impl<'a> Entries<'a> {
    fn new(tables: &'a [u32]) -> Self {
        Entries { tables, before: 0 }
    }

    /// Whether op `pc` (at least the last one asked) is a `br_table` entry.
    #[inline]
    fn contains(&mut self, code: &Code, pc: usize) -> bool {
        if self.tables.is_empty() {
            return false;
        }
        while self.tables.get(self.before).is_some_and(|&s| (s as usize) < pc) {
            self.before += 1;
        }
        entry_of(code, self.tables, self.before, pc).is_some()
    }
}

/// A `br` to a return becomes that return (`fib`'s base case: `br` to the
/// function's end, then `return1`, is one op): one dispatch fewer, same
/// behavior (neither op can trap, and a return reads only its operand
/// slots, which the `br` leaves as they are). `br_table` entries stay
/// `br`s. The op stops being a branch, so it leaves `branches`.
#[inline(never)]
fn copy_returns(code: &mut Code, branches: &mut Vec<u32>, tables: &[u32]) {
    let mut entries = Entries::new(tables);
    branches.retain(|&pc| {
        let pc = pc as usize;
        let Op::Br { t } = code.ops[pc] else { return true };
        let ret = match code.ops.get(t as usize) {
            Some(op @ (Op::Return0 | Op::Return1 { .. } | Op::ReturnN { .. })) => *op,
            _ => return true,
        };
        if entries.contains(code, pc) {
            return true;
        }
        code.ops[pc] = ret;
        false
    });
}

/// `marks`, one flag per op, set for the ops a branch targets.
fn mark_targets<'a>(marks: &'a mut Vec<bool>, ops: &[Op], branches: &[u32]) -> &'a [bool] {
    marks.clear();
    marks.resize(ops.len(), false);
    for &pc in branches {
        let mut op = ops[pc as usize];
        if let Some(&mut t) = op.target_mut() {
            marks[t as usize] = true;
        }
    }
    marks
}

/// A `br` replaced by a copy of its target's tail (`duplicate_tails`).
#[derive(Clone, Copy)]
struct Site {
    /// The `br`'s position.
    pc: u32,
    /// The tail's first op.
    t: u32,
    /// The tail's ops (its branch included).
    n: u32,
    /// Whether the tail ends in a conditional branch (followed by a `br`
    /// to where it falls through).
    conditional: bool,
    /// How many ops the code after the `br` moves by, this site included.
    shift: u32,
}

/// Buffers the passes after translation reuse from function to function.
#[derive(Default)]
struct PassBuffers {
    /// A flag per op.
    marks: Vec<bool>,
    sites: Vec<Site>,
    /// The op, offset and branch vectors a rebuild writes into.
    ops: Vec<Op>,
    offsets: Vec<u32>,
    branches: Vec<u32>,
    /// Each branch op's position and target.
    targets: Vec<(u32, u32)>,
}

impl PassBuffers {
    /// Lets go of the buffers a huge function grew (see [`keep`]).
    fn trim(&mut self) {
        self.marks = keep(std::mem::take(&mut self.marks));
        self.sites = keep(std::mem::take(&mut self.sites));
        self.ops = keep(std::mem::take(&mut self.ops));
        self.offsets = keep(std::mem::take(&mut self.offsets));
        self.branches = keep(std::mem::take(&mut self.branches));
        self.targets = keep(std::mem::take(&mut self.targets));
    }
}

/// Tail duplication: a `br` to a short straight-line tail that ends in a
/// branch (a loop's `i++; br_if loop` after an `if` or a `br_table` case)
/// is replaced by a copy of that tail —
///
/// ```text
///    ...                          ...
///    br T                         i32.add_imm i, i, 1
///    ...                  =>      br_if_lt_imm i, n -> L
/// T: i32.add_imm i, i, 1          br T+2
///    br_if_lt_imm i, n -> L       ...
/// ```
///
/// — one dispatch fewer each time the `br` is taken and the tail's branch
/// is too, none more otherwise; the copy's conditional branch gets its own
/// slot in the branch predictor. A tail is at most [`MAX_TAIL`] ops that
/// fall through (no calls) and a `br`, conditional branch or return; a
/// conditional one is followed by a `br` to where the original falls
/// through. Functions with exception handlers (whose op ranges would need
/// remapping) and `br_table` entries are left alone. Ops move, so every
/// branch target is remapped and `branches` is rebuilt.
///
/// Linear in the branches plus one copy of the ops: the ops between the
/// replaced `br`s move as slices, and an old position's new one is found
/// by a binary search of the (few) replaced `br`s.
#[inline(never)]
fn duplicate_tails(code: &mut Code, branches: &mut Vec<u32>, tables: &mut [u32], buf: &mut PassBuffers) {
    const MAX_TAIL: usize = 2;
    if !code.handlers.is_empty() {
        return;
    }
    let ops = &code.ops;
    // The tail at `t`: its length (the final branch included) and whether
    // that branch is conditional.
    let tail = |t: usize| -> Option<(usize, bool)> {
        for k in 0..=MAX_TAIL {
            let op = *ops.get(t + k)?;
            match op {
                Op::Return0 | Op::Return1 { .. } | Op::ReturnN { .. } | Op::Br { .. } => return Some((k + 1, false)),
                Op::Call { .. }
                | Op::CallInternal { .. }
                | Op::CallInternalCopy { .. }
                | Op::CallInternalMoves { .. }
                | Op::CallIndirectMoves { .. }
                | Op::CallIndirect { .. }
                | Op::CallRef { .. } => {
                    return None;
                }
                // Straight-line ops (the op table: no target, falls through).
                _ if !op.has_target() && !op.flags().has(Flags::END) => continue,
                Op::BrTable { .. } => return None,
                mut op => {
                    // A conditional branch (it has a target, and falls through).
                    let conditional = op.target_mut().is_some() && op.negated_branch(0).is_some();
                    return conditional.then_some((k + 1, true));
                }
            }
        }
        None
    };
    // Branch targets: a `br` that is neither one nor after an op that
    // falls through is dead (a label's stub that `thread_jumps` bypassed),
    // and is not worth a copy.
    let targeted = mark_targets(&mut buf.marks, ops, branches);
    let falls_into = |pc: usize| {
        pc > 0
            && !matches!(
                ops[pc - 1],
                Op::Br { .. }
                    | Op::BrTable { .. }
                    | Op::Return0
                    | Op::Return1 { .. }
                    | Op::ReturnN { .. }
                    | Op::Unreachable
            )
    };
    let sites = &mut buf.sites;
    sites.clear();
    let mut shift = 0;
    let mut entries = Entries::new(tables);
    for &pc in branches.iter() {
        let pc = pc as usize;
        let Op::Br { t } = ops[pc] else { continue };
        let t = t as usize;
        if (t..t + MAX_TAIL + 2).contains(&pc) || !(targeted[pc] || falls_into(pc)) || entries.contains(code, pc) {
            continue;
        }
        if let Some((n, conditional)) = tail(t) {
            shift += n as u32 + u32::from(conditional) - 1;
            sites.push(Site { pc: pc as u32, t: t as u32, n: n as u32, conditional, shift });
        }
    }
    if sites.is_empty() {
        return;
    }
    let sites = &buf.sites;
    // The new ops: the runs between the sites as they are, each site's
    // `br` replaced by its tail (targets still old positions).
    let (new_ops, new_offsets) = (&mut buf.ops, &mut buf.offsets);
    *new_ops = reuse(new_ops, ops.len() + shift as usize);
    *new_offsets = reuse(new_offsets, ops.len() + shift as usize);
    let offsets = &code.offsets;
    let mut from = 0;
    for s in sites.iter() {
        let (pc, t, n) = (s.pc as usize, s.t as usize, s.n as usize);
        new_ops.extend_from_slice(&ops[from..pc]);
        new_offsets.extend_from_slice(&offsets[from..pc]);
        new_ops.extend_from_slice(&ops[t..t + n]);
        new_offsets.extend_from_slice(&offsets[t..t + n]);
        if s.conditional {
            new_ops.push(Op::Br { t: (t + n) as u32 });
            new_offsets.push(offsets[pc]);
        }
        from = pc + 1;
    }
    new_ops.extend_from_slice(&ops[from..]);
    new_offsets.extend_from_slice(&offsets[from..]);
    // Where old op `old` went: after the ops the sites before it added (the
    // first op of a site's tail, for a site itself). An out-of-range target
    // fails `verify` (the function falls back).
    let len = ops.len();
    let new_pos = |old: u32| -> u32 {
        if old as usize >= len {
            return u32::MAX;
        }
        let i = sites.partition_point(|s| s.pc < old);
        old + i.checked_sub(1).map_or(0, |i| sites[i].shift)
    };
    let remap = |op: &mut Op| {
        if let Some(t) = op.target_mut() {
            *t = new_pos(*t);
        }
    };
    // The branches in their new places, in order: each site's tail
    // branches instead of its `br`, every other one moved.
    let mut next_site = sites.iter().peekable();
    // The shift of the sites before the branch (ascending: no search).
    let mut before = 0;
    std::mem::swap(branches, &mut buf.branches);
    branches.clear();
    for &pc in &buf.branches {
        while let Some(s) = next_site.next_if(|s| s.pc < pc) {
            before = s.shift;
        }
        let at = pc + before;
        debug_assert_eq!(at, new_pos(pc));
        if let Some(s) = next_site.next_if(|s| s.pc == pc) {
            let end = at + s.n + u32::from(s.conditional);
            for b in at..end {
                let op = &mut new_ops[b as usize];
                if op.has_target() {
                    remap(op);
                    branches.push(b);
                }
            }
            before = s.shift;
        } else {
            remap(&mut new_ops[at as usize]);
            branches.push(at);
        }
    }
    for s in tables.iter_mut() {
        *s = new_pos(*s);
    }
    std::mem::swap(&mut code.ops, new_ops);
    std::mem::swap(&mut code.offsets, new_offsets);
}

/// Pairs of ops in a row that one op does ([`fused_pair`]) become that op
/// (the second must not be a branch target: only the first's position
/// stays reachable; a fused op may fuse with the op after it again) — one
/// dispatch fewer each:
///
/// * two `Copy` ops, [`Op::Copy2`]: the moves between locals that a C
///   compiler's phi nodes and call arguments leave (`Copy → Copy` was
///   4.5 % of the op pairs `cc1` executes);
/// * a load and the binary op that takes its result as its right-hand
///   operand (or, commutative, as either), `op/fused.rs`'s `…Load` ops;
/// * a binary op and the store of its result, the `…Store` ops;
/// * a shift or rotation by a constant and the xor of its result with its
///   operand, the `…Xor…Imm` ops;
/// * the few other pairs of `op/fused.rs`: `GlobalAddImm`, `I32AddImmCopy`,
///   `I32AddShlImm` (and with the load after it, `I32LoadIdx`),
///   `I32LoadAdd`, `I32ShrUAndImm`, the bit tests `BrI32AndImm…` and
///   the branches on a load, `BrIf…Load`;
/// * a loop's step (`I32AddImm`, `I32Add`) and the compare-and-branch of
///   its result, the `I32Add…Br…` ops.
///
/// Functions with exception handlers are left alone, as for
/// [`duplicate_tails`], and so is code with v-slots, whose copies move
/// both halves (`simd::move_both_halves`). Ops move, so every branch
/// target and `br_table` position is remapped and `branches` is rebuilt.
#[inline(never)]
fn fuse_pairs(code: &mut Code, branches: &mut [u32], tables: &mut [u32], buf: &mut PassBuffers) {
    if !code.handlers.is_empty() || code.v128 {
        return;
    }
    let ops = &code.ops;
    let temps = code.locals as Slot;
    let first_pair = (1..ops.len()).find(|&pc| fused_pair(ops[pc - 1], ops[pc], temps).is_some());
    let Some(first_pair) = first_pair else { return };
    let targeted = mark_targets(&mut buf.marks, ops, branches);
    // `new_pos[pc]`: where old op `pc` lands (a pair's second, on the
    // op that took it).
    let (new_ops, new_offsets) = (&mut buf.ops, &mut buf.offsets);
    *new_ops = reuse(new_ops, ops.len());
    *new_offsets = reuse(new_offsets, ops.len());
    new_ops.extend_from_slice(&ops[..first_pair - 1]);
    new_offsets.extend_from_slice(&code.offsets[..first_pair - 1]);
    let mut new_pos: Vec<u32> = (0..first_pair as u32 - 1).collect();
    let mut pc = first_pair - 1;
    while pc < ops.len() {
        new_pos.push(new_ops.len() as u32);
        // The op at `pc`, fused with as many of the ops after it as fuse
        // (a fused op may fuse again: `I32AddShlImm` with a load); two
        // that trap only into an op that reports each access's offset.
        let (mut op, mut offset) = (ops[pc], code.offsets[pc]);
        pc += 1;
        while let Some(&second) = ops.get(pc) {
            if targeted[pc] {
                break;
            }
            let Some((fused, at)) = fused_pair(op, second, temps) else { break };
            // Two ops that trap make one only if it knows which access
            // trapped (`TrapAt::Both`; its first op is never a fused one).
            let traps = |op: Op| op.flags().has(Flags::TRAP);
            if traps(op) && traps(second) && at != TrapAt::Both {
                break;
            }
            new_pos.push(new_ops.len() as u32);
            match at {
                TrapAt::First => {}
                TrapAt::Second => offset = code.offsets[pc],
                TrapAt::Both => code.second_offsets.push((new_ops.len() as u32, code.offsets[pc])),
            }
            op = fused;
            pc += 1;
        }
        new_ops.push(op);
        new_offsets.push(offset);
    }
    // An out-of-range target fails `verify` (the function falls back).
    let moved = |old: u32| new_pos.get(old as usize).copied().unwrap_or(u32::MAX);
    for pc in branches.iter_mut() {
        *pc = moved(*pc);
        if let Some(t) = new_ops[*pc as usize].target_mut() {
            *t = moved(*t);
        }
    }
    for s in tables.iter_mut() {
        *s = moved(*s);
    }
    std::mem::swap(&mut code.ops, new_ops);
    std::mem::swap(&mut code.offsets, new_offsets);
}

/// Where a fused op's trap is reported: at the first op's instruction, at
/// the second's (the pair's only access to memory), or, for an op that
/// accesses memory twice, at each access's own (`Code::second_offsets`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum TrapAt {
    First,
    Second,
    Both,
}

/// The one op that does `first` then `second`, if there is one, and
/// where it reports a trap ([`TrapAt`]). `temps` is the first slot past the locals: a
/// value left in a temporary slot is read by the one instruction that
/// pops it, so a fused op need not write it.
fn fused_pair(first: Op, second: Op, temps: Slot) -> Option<(Op, TrapAt)> {
    macro_rules! pairs {
        (
            fused: [$($base:ident $load:ident $store:ident : $t:ty = $plain_load:ident $plain_store:ident),* $(,)?]
            xor_shift: [$($xs:ident $xsx:ident : $xt:ty = $shift:ident $shift_imm:ident $xor:ident),* $(,)?]
            step_branch: [$($sb:ident $sbi:ident $sbxi:ident $sbx:ident = $sbc:ident),* $(,)?]
        ) => {{
            let temp = |t: Slot| t >= temps;
            match (first, second) {
                (Op::Copy { d: e, a: b }, Op::Copy { d, a }) => Some((Op::Copy2 { e, b, d, a }, TrapAt::First)),
                (Op::GlobalGetNum { d: t, g }, Op::GlobalSetAddImm { d, a, g: g2, imm }) if temp(t) && a == t && g2 == g => {
                    Some((Op::GlobalAddImm { d, g, imm }, TrapAt::First))
                }
                (Op::I32Add { d: t, a, b }, Op::I32Load { d, a: p, offset }) if temp(t) && p == t => {
                    Some((Op::I32LoadAdd { d, a, b, offset }, TrapAt::Second))
                }
                (Op::I32AddShlImm { d: t, a, b, imm }, Op::I32Load { d, a: p, offset }) if temp(t) && p == t => {
                    Some((Op::I32LoadIdx { d, a, b, shift: (imm & 31) as u8, offset }, TrapAt::Second))
                }
                (Op::I32AddImm { d, a, imm }, Op::Copy { d: e, a: src }) if src == d && e != d => {
                    Some((Op::I32AddImmCopy { d, a, imm, e }, TrapAt::First))
                }
                (Op::I32ShlImm { d: t, a: x, imm }, Op::I32Add { d, a, b })
                    if temp(t) && t != x && (a == t) != (b == t) =>
                {
                    Some((Op::I32AddShlImm { d, a: if a == t { b } else { a }, b: x, imm }, TrapAt::First))
                }
                (Op::I32ShrUImm { d: t, a, imm: shift }, Op::I32AndImm { d, a: src, imm: mask }) if temp(t) && src == t => {
                    Some((Op::I32ShrUAndImm { d, a, shift, mask }, TrapAt::First))
                }
                (Op::I32AndImm { d: t, a, imm }, Op::BrIfZero { c, t: target }) if temp(t) && c == t => {
                    Some((Op::BrI32AndImmZero { a, imm, t: target }, TrapAt::First))
                }
                (Op::I32AndImm { d: t, a, imm }, Op::BrIfNonZero { c, t: target }) if temp(t) && c == t => {
                    Some((Op::BrI32AndImmNonZero { a, imm, t: target }, TrapAt::First))
                }
                (Op::I32Load { d, a: p, offset }, Op::BrIfZero { c, t }) if c == d => {
                    Some((Op::BrIfZeroLoad { d, p, offset, t }, TrapAt::First))
                }
                (Op::I32Load { d, a: p, offset }, Op::BrIfNonZero { c, t }) if c == d => {
                    Some((Op::BrIfNonZeroLoad { d, p, offset, t }, TrapAt::First))
                }
                (Op::Copy { d, a }, Op::BrIfZero { c, t }) if c == d || c == a => Some((Op::BrIfZeroCopy { d, a, t }, TrapAt::First)),
                (Op::Copy { d, a }, Op::BrIfNonZero { c, t }) if c == d || c == a => {
                    Some((Op::BrIfNonZeroCopy { d, a, t }, TrapAt::First))
                }
                (Op::Copy { d: e, a: b }, Op::I32Load { d, a, offset }) => Some((Op::CopyI32Load { e, b, d, a, offset }, TrapAt::Second)),
                // Not when the copy overwrites the load's result: the
                // accumulator would hold the load.
                (Op::I32Load { d, a, offset }, Op::Copy { d: e, a: b }) if e != d => {
                    Some((Op::I32LoadCopy { e, b, d, a, offset }, TrapAt::First))
                }
                (Op::BrIfZero { c, t }, Op::I32Load { d, a, offset }) => {
                    Some((Op::BrIfZeroElseLoad { c, t, d, a, offset }, TrapAt::Second))
                }
                (Op::BrIfNonZero { c, t }, Op::I32Load { d, a, offset }) => {
                    Some((Op::BrIfNonZeroElseLoad { c, t, d, a, offset }, TrapAt::Second))
                }
                (Op::I32Load { d, a, offset: o1 }, Op::I32Load { d: e, a: p, offset: o2 }) if p == d => {
                    Some((Op::I32LoadLoad { d, a, o1, e, o2 }, TrapAt::Both))
                }
                (Op::I32Load { d, a, offset: o1 }, Op::Store32 { a: p, v, offset: o2 }) if v == d => {
                    Some((Op::I32LoadStore { d, a, o1, p, o2 }, TrapAt::Both))
                }
                (Op::I64Load { d, a, offset: o1 }, Op::Store64 { a: p, v, offset: o2 }) if v == d => {
                    Some((Op::I64LoadStore { d, a, o1, p, o2 }, TrapAt::Both))
                }
                (Op::Copy2 { e: f, b: c, d: e, a: b }, Op::Copy { d, a }) => Some((Op::Copy3 { f, c, e, b, d, a }, TrapAt::First)),
                $(
                    (Op::$plain_load { d: t, a: p, offset }, Op::$base { d, a, b }) if temp(t) && b == t && a != t => {
                        Some((Op::$load { d, a, p, offset }, TrapAt::First))
                    }
                    (Op::$plain_load { d: t, a: p, offset }, Op::$base { d, a, b })
                        if temp(t) && a == t && b != t && commutes(second) =>
                    {
                        Some((Op::$load { d, a: b, p, offset }, TrapAt::First))
                    }
                    (Op::$base { d: t, a, b }, Op::$plain_store { a: p, v, offset }) if temp(t) && v == t && p != t => {
                        Some((Op::$store { a, b, p, offset }, TrapAt::Second))
                    }
                )*
                $(
                    (Op::$shift_imm { d: t, a: x, imm }, Op::$xor { d, a, b })
                        if temp(t) && t != x && ((a, b) == (t, x) || (a, b) == (x, t)) =>
                    {
                        Some((Op::$xs { d, a: x, imm }, TrapAt::First))
                    }
                )*
                $(
                    (Op::I32AddImm { d, a, imm }, Op::$sbi { a: x, imm: limit, t }) if x == d && a == d => {
                        Some((Op::$sbxi { d, imm, limit, t }, TrapAt::First))
                    }
                    (Op::I32Add { d, a, b }, Op::$sb { a: x, b: c, t }) if x == d && c != d => {
                        Some((Op::$sbx { d, a, b, c, t }, TrapAt::First))
                    }
                )*
                _ => None,
            }
        }};
    }
    crate::op::fused::for_each_fused_op!(pairs)
}

/// Whether no branch and no exception clause targets a `br_table` entry
/// (nor does control fall into one: a `br_table` never falls through).
/// Then dispatch never reaches an entry's cell, and the cell can hold its
/// *target's* handler, so `br_table` jumps with one load fewer
/// (`exec/encode.rs`). Translation never makes such a target; this is the
/// check that lets the engine rely on it.
#[inline(never)]
fn br_table_entries_unreached(code: &Code, targets: &[(u32, u32)], tables: &[u32]) -> bool {
    if tables.is_empty() {
        return true;
    }
    let len = code.ops.len();
    let reached = |t: u32| t as usize >= len || table_of_entry(code, tables, t as usize).is_some();
    // An entry's own target may be anything; what matters is where other
    // branches go.
    let mut entries = Entries::new(tables);
    let branch_ok = targets.iter().all(|&(pc, t)| entries.contains(code, pc as usize) || !reached(t));
    branch_ok && exceptions::clause_targets(code).all(|t| !reached(t))
}

/// Whether the binary op `op` (its slot form) gives the same result with
/// its operands swapped: integer `add`, `mul`, `and`, `or`, `xor`, and
/// float `add` and `mul`. With two NaN operands, which payload a float op
/// returns is nondeterministic in wasm (any arithmetic NaN), and not fixed
/// by the Rust either engine is written in (LLVM's `fadd` and `fmul`
/// commute); with one, it is that one's, quieted, in either order.
pub(super) fn commutes(op: Op) -> bool {
    swapped(op).is_some()
}

/// For a commutative binary op ([`commutes`], slot form): its operands
/// `a` and `b`, and the op with them swapped.
pub(super) fn swapped(op: Op) -> Option<(Slot, Slot, Op)> {
    macro_rules! swap {
        ($($variant:ident),*) => {
            match op {
                $( Op::$variant { d, a, b } => Some((a, b, Op::$variant { d, a: b, b: a })), )*
                _ => None,
            }
        };
    }
    swap!(I32Add, I32Mul, I32And, I32Or, I32Xor, I64Add, I64Mul, I64And, I64Or, I64Xor, F32Add, F32Mul, F64Add, F64Mul)
}

/// Checks the invariants dispatch relies on to fetch ops and slots
/// without bounds checks: execution cannot leave the op vector — the last
/// op ends the function (an `END` op: a return, an unconditional branch,
/// a trap or a throw), so falling through never passes the end, and every
/// branch target is an op — and every slot an op reads or writes is inside
/// the frame (a run of slots, or a call's frame base, starts at most at
/// its end). All from the op table's rows (`Op::flags`,
/// `Op::for_each_operand`).
#[inline(never)]
fn verify(code: &Code, branches: &[u32], targets: &[(u32, u32)]) -> Result<()> {
    let len = code.ops.len();
    let ends = code.ops.last().is_some_and(|op| op.flags().has(Flags::END));
    let targets_in_range = targets.iter().all(|&(_, t)| (t as usize) < len);
    // `emit` noted every branch (checked where it costs nothing).
    debug_assert!({
        let mut noted = branches.iter();
        code.ops.iter().enumerate().all(|(pc, op)| !op.has_target() || noted.next() == Some(&(pc as u32)))
            && noted.next().is_none()
    });
    let frame = code.frame_size;
    debug_assert!(code.ops.iter().all(|op| op.slots_in_frame(frame) == operands_in_frame(op, frame)));
    // `targets` are the branches' targets.
    debug_assert!(targets.iter().map(|&(pc, _)| pc).eq(branches.iter().copied()));
    debug_assert!(targets.iter().all(|&(pc, t)| {
        let mut op = code.ops[pc as usize];
        op.target_mut().copied() == Some(t)
    }));
    // One pass for the per-op checks.
    let mut bad_slot = None;
    let mut tables_exist = true;
    for (pc, op) in code.ops.iter().enumerate() {
        if !(op.slots_in_frame(frame) && run_ends_in_frame(op, frame)) && bad_slot.is_none() {
            bad_slot = Some(pc);
        }
        if let Op::BrTable { len, .. } = *op {
            tables_exist &= len > 0
                && code
                    .ops
                    .get(pc + 1..pc + 1 + len as usize)
                    .is_some_and(|entries| entries.iter().all(|e| matches!(e, Op::Br { .. })));
        }
    }
    let slots_in_frame = bad_slot.is_none();
    let handlers_ok = exceptions::verify(code);
    let simd_ok = simd::verify(code);
    let moves_ok = call_moves_in_frame(code);
    if ends && targets_in_range && slots_in_frame && tables_exist && handlers_ok && simd_ok && moves_ok {
        Ok(())
    } else {
        let why = format!(
            "translator invariant violated (ends {ends}, targets {targets_in_range}, slots {:?}, \
             br_tables {tables_exist}, handlers {handlers_ok}, v128 constants {simd_ok}, call moves {moves_ok})",
            bad_slot.map(|pc| (pc, code.ops[pc], frame))
        );
        debug_assert!(false, "{why}");
        unsupported(Decline::Internal(why))
    }
}

/// Whether every `CallInternalMoves` and `CallIndirectMoves` op names the start of a list in
/// `Code::call_moves` that ends inside it and whose slots are inside the
/// frame: its handler reads the list and the slots with no bounds check.
fn call_moves_in_frame(code: &Code) -> bool {
    let (list, frame) = (&code.call_moves, code.frame_size);
    let in_frame = |s: u64| s < u64::from(frame);
    let mut starts = Vec::new();
    let mut at = 0;
    while at < list.len() {
        let (copies, consts) = ((list[at] as u32) as usize, (list[at] >> 32) as usize);
        let Some(words) = list.get(at + 1..at + 1 + copies + 2 * consts) else { return false };
        let (copy_words, const_words) = words.split_at(copies);
        let copies_ok = copy_words.iter().all(|&w| in_frame(w & 0xffff) && in_frame(w >> 16 & 0xffff) && w >> 32 == 0);
        if !copies_ok || !const_words.chunks(2).all(|c| in_frame(c[0])) {
            return false;
        }
        starts.push(at as u32);
        at += 1 + words.len();
    }
    code.ops.iter().all(|op| match *op {
        Op::CallInternalMoves { moves, .. } => starts.binary_search(&moves).is_ok(),
        Op::CallIndirectMoves { moves, .. } => starts.binary_search(&u32::from(moves)).is_ok(),
        _ => true,
    })
}

/// Whether a run whose length the op carries (`ReturnN`, `VReturnN`)
/// ends inside a frame of `frame` slots: their handlers copy it with no
/// bounds check, and the slot vector extends only the frame size past a
/// frame's first slot (`exec::FRAME_SLACK`).
fn run_ends_in_frame(op: &Op, frame: u32) -> bool {
    match *op {
        Op::ReturnN { a, n } | Op::VReturnN { a, n } => u32::from(a) + u32::from(n) <= frame,
        _ => true,
    }
}

/// Whether every slot operand of `op` is inside a frame of `frame` slots,
/// through [`Op::for_each_operand`]: what [`Op::slots_in_frame`] (one
/// `match`, faster) must agree with (checked in debug builds).
fn operands_in_frame(op: &Op, frame: u32) -> bool {
    let mut ok = true;
    op.for_each_operand(|_, operand| {
        ok &= match operand {
            Operand::Read(s) | Operand::Write(s) | Operand::VRead(s) | Operand::VWrite(s) => u32::from(s) < frame,
            Operand::WritePair(s) => u32::from(s) + 1 < frame,
            Operand::ReadRun(s) | Operand::Base(s) | Operand::SubOp(s) => u32::from(s) <= frame,
            Operand::Target(_) | Operand::Imm(_) => true,
        }
    });
    ok
}

impl Translator<'_> {
    // ---- emitting ----

    /// Appends `op`, returning its position, and notes it if it is a
    /// branch. (Inlined, the check folds away where the caller names the
    /// op; a pass over all ops after translation would pay a hard to
    /// predict jump on the op's kind for every op.)
    #[inline(always)]
    fn emit(&mut self, op: Op) -> usize {
        let at = self.code.ops.len();
        if op.has_target() {
            self.branches.push(at as u32);
        }
        if let Op::BrTable { .. } = op {
            self.tables.push(at as u32);
        }
        self.code.ops.push(op);
        self.code.offsets.push(self.offset);
        at
    }

    /// The position the next op will have (a branch target).
    fn here(&self) -> u32 {
        self.code.ops.len() as u32
    }

    /// Starts a new fuel block here (metered code only): a `Fuel` op that
    /// will charge for the instructions translated until the next one.
    /// Called at the entry, at every label (where paths join), at `if`
    /// arms and after a conditional branch back to a loop, so every path
    /// through the code passes a `Fuel` op per block it runs. Not after a
    /// forward conditional branch: the code after one is reached only from
    /// it, so it is charged with the code before, and a branch taken out
    /// of a block has paid for the block's rest too. That over-charge buys
    /// one `Fuel` op per block instead of one per `br_if`; a loop that
    /// tests its exit at the top runs one `Fuel` op per iteration, not two.
    fn start_fuel_block(&mut self) {
        if self.code.metered {
            self.end_fuel_block();
            self.fuel_op = Some(self.emit(Op::Fuel { n: 0 }));
        }
    }

    /// Emits an interrupt check here (interruptible code only): at
    /// function entry and loop headers.
    fn check_interrupt(&mut self) {
        if self.code.interruptible {
            self.emit(Op::CheckInterrupt);
        }
    }

    /// Writes the instruction count into the current block's `Fuel` op.
    fn end_fuel_block(&mut self) {
        if let Some(at) = self.fuel_op.take() {
            self.code.ops[at] = Op::Fuel { n: self.fuel_count };
        }
        self.fuel_count = 0;
    }

    /// Points the branch at `at` to `target`.
    fn patch(&mut self, at: usize, target: u32) {
        if let Some(t) = self.code.ops[at].target_mut() {
            *t = target;
        }
    }

    // ---- the compile-time operand stack ----

    /// The home slot of stack position `p`.
    fn home(&self, p: usize) -> Slot {
        (self.code.locals as usize + p) as Slot
    }

    /// Pushes an entry, growing the frame if needed.
    fn push(&mut self, e: Entry) -> Result<()> {
        self.stack.push(e);
        let size = self.code.locals as usize + self.stack.len();
        if size >= usize::from(Slot::MAX) {
            return unsupported(Decline::FrameTooLarge);
        }
        self.code.frame_size = self.code.frame_size.max(size as u32);
        Ok(())
    }

    /// Pushes a value computed into its home slot, returning the slot.
    fn push_result(&mut self) -> Result<Slot> {
        self.push(Entry::Stack)?;
        Ok(self.home(self.stack.len() - 1))
    }

    /// Emits an op that wrote the top entry's home slot, remembering it for
    /// `local.set` retargeting.
    #[inline(always)]
    fn emit_result(&mut self, op: Op) {
        let at = self.emit(op);
        self.next_retarget = Some(at);
    }

    fn pop_entry(&mut self) -> Entry {
        self.stack.pop().unwrap_or(Entry::Stack)
    }

    /// A slot holding position `p`'s value; a constant is written to its
    /// home slot first (and the entry becomes [`Entry::Stack`]).
    fn operand(&mut self, p: usize) -> Slot {
        match self.stack[p] {
            Entry::Local(l) => l,
            Entry::Stack => self.home(p),
            Entry::Const(imm) => {
                let d = self.home(p);
                self.emit(Op::Const { d, imm });
                self.stack[p] = Entry::Stack;
                d
            }
        }
    }

    /// Pops the top entry as a slot.
    fn pop_slot(&mut self) -> Slot {
        let s = self.operand(self.stack.len() - 1);
        self.stack.pop();
        s
    }

    /// Writes position `p`'s value to slot `d` without changing the entry
    /// (for branch paths, which must not change the fall-through state).
    fn copy_entry_to(&mut self, p: usize, d: Slot) {
        match self.stack[p] {
            Entry::Local(a) => {
                self.emit(Op::Copy { d, a });
            }
            Entry::Const(imm) => {
                self.emit(Op::Const { d, imm });
            }
            Entry::Stack => {
                let a = self.home(p);
                if a != d {
                    self.emit(Op::Copy { d, a });
                }
            }
        }
    }

    /// Moves every entry from position `from` up into its home slot.
    fn materialize_from(&mut self, from: usize) {
        for p in from..self.stack.len() {
            if self.stack[p] != Entry::Stack {
                self.copy_entry_to(p, self.home(p));
                self.stack[p] = Entry::Stack;
            }
        }
    }

    /// Moves every entry into its home slot (at control boundaries).
    fn materialize_all(&mut self) {
        self.materialize_from(0);
    }

    // ---- variables ----

    /// `local.set x` (`tee` keeps the value on the stack).
    fn write_local(&mut self, x: Slot, tee: bool) {
        let n = self.stack.len();
        let top = self.stack[n - 1];
        if top == Entry::Local(x) {
            if !tee {
                self.stack.pop();
            }
            return;
        }
        let lazy_readers = self.stack[..n - 1].contains(&Entry::Local(x));
        // Only ops whose one effect on their result slot is writing it
        // (never branches) are retargeted.
        let mut retarget = match self.retarget {
            Some(at)
                if top == Entry::Stack
                    && at + 1 == self.code.ops.len()
                    && self.code.ops[at].result_dst_mut().is_some() =>
            {
                Some(at)
            }
            _ => None,
        };
        if lazy_readers {
            for p in 0..n - 1 {
                if self.stack[p] == Entry::Local(x) {
                    let d = self.home(p);
                    match retarget {
                        // The producer (the last op) is to write `x`
                        // itself: the old value goes home just before it.
                        // It reads no home slot below its own result's,
                        // and only it moves (no branch, label or handler
                        // range starts after it: it is the last op, and
                        // this instruction follows the one that emitted it).
                        Some(at) => {
                            self.code.ops.insert(at, Op::Copy { d, a: x });
                            self.code.offsets.insert(at, self.code.offsets[at]);
                            retarget = Some(at + 1);
                        }
                        None => {
                            self.emit(Op::Copy { d, a: x });
                        }
                    }
                    self.stack[p] = Entry::Stack;
                }
            }
        }
        match retarget.and_then(|at| self.code.ops[at].result_dst_mut()) {
            Some(d) => {
                *d = x;
                self.stack[n - 1] = Entry::Local(x);
            }
            None => self.copy_entry_to(n - 1, x),
        }
        if !tee {
            self.stack.pop();
        }
    }

    /// `global.set g` (an `i32` global) of the value the last op computed
    /// as `a + imm` (`i32.add`/`i32.sub` of a constant, then maybe a
    /// `local.tee` that retargeted it): that op becomes
    /// [`Op::GlobalSetAddImm`], which also sets the global. The op was
    /// emitted by the instruction before (or the one before a `local.tee`
    /// that emitted nothing), so no label lies between the two.
    fn fuse_global_set(&mut self, g: u32) -> bool {
        let n = self.stack.len();
        let (producer, dst) = match self.stack[n - 1] {
            Entry::Stack => (self.retarget, self.home(n - 1)),
            Entry::Local(x) => (self.prev_retarget, x),
            Entry::Const(_) => return false,
        };
        let Some(at) = producer.filter(|&at| at + 1 == self.code.ops.len()) else { return false };
        let (a, imm) = match self.code.ops[at] {
            Op::I32AddImm { d, a, imm } if d == dst => (a, imm),
            Op::I32SubImm { d, a, imm } if d == dst => (a, imm.wrapping_neg()),
            _ => return false,
        };
        self.code.ops[at] = Op::GlobalSetAddImm { d: dst, a, g, imm };
        self.stack.pop();
        true
    }

    // ---- numeric ----

    /// A binary op: with an immediate form, a constant right operand folds
    /// in, and so does a constant left operand of a commutative op
    /// ([`commutes`]).
    #[inline(always)]
    fn binary(&mut self, slots: fn(Slot, Slot, Slot) -> Op, imm: Option<fn(Slot, Slot, u64) -> Op>) -> Result<()> {
        let n = self.stack.len();
        let op = match (imm, self.stack[n - 2], self.stack[n - 1]) {
            (Some(f), _, Entry::Const(v)) => {
                let a = self.operand(n - 2);
                self.stack.truncate(n - 2);
                f(self.push_result()?, a, v)
            }
            (Some(f), Entry::Const(v), _) if commutes(slots(0, 0, 0)) => {
                let b = self.operand(n - 1);
                self.stack.truncate(n - 2);
                f(self.push_result()?, b, v)
            }
            _ => {
                let b = self.operand(n - 1);
                let a = self.operand(n - 2);
                self.stack.truncate(n - 2);
                slots(self.push_result()?, a, b)
            }
        };
        self.emit_result(op);
        Ok(())
    }

    #[inline(always)]
    fn compare(&mut self, slots: fn(Slot, Slot, Slot) -> Op, imm: Option<fn(Slot, Slot, u64) -> Op>) -> Result<()> {
        self.binary(slots, imm)?;
        self.next_fusable = self.next_retarget;
        Ok(())
    }

    #[inline(always)]
    fn unary(&mut self, f: fn(Slot, Slot) -> Op) -> Result<()> {
        let a = self.pop_slot();
        let d = self.push_result()?;
        self.emit_result(f(d, a));
        Ok(())
    }

    /// The bookkeeping every instruction starts with; whether it is
    /// reachable (else it emits nothing).
    #[inline(always)]
    fn begin(&mut self) -> bool {
        self.prev2_retarget = self.prev_retarget;
        self.prev_retarget = self.retarget;
        self.retarget = self.next_retarget.take();
        self.fusable = self.next_fusable.take();
        if self.reachable {
            // Counted in the block it ends or belongs to: `br_if`, `else`
            // and `end` are paid by the code before them, as the
            // reference engine charges them before it executes them.
            self.fuel_count += 1;
        }
        self.reachable
    }

    /// Translates one instruction (numeric ones have their own visitor
    /// methods, below).
    #[inline(always)]
    fn step(&mut self, op: &Operator<'_>) -> Result<()> {
        if self.begin() { self.translate_op(op) } else { self.skip_dead(op) }
    }

    /// [`Translator::step`] for an instruction that `part` translates
    /// (anything else it leaves to [`Translator::translate_other`]).
    #[inline(always)]
    fn step_in(&mut self, op: &Operator<'_>, part: fn(&mut Self, &Operator<'_>) -> Option<Result<()>>) -> Result<()> {
        if !self.begin() {
            return self.skip_dead(op);
        }
        match part(self, op) {
            Some(r) => r,
            None => self.translate_other(op),
        }
    }

    /// [`Translator::translate_op`] as a part for [`Translator::step_in`].
    #[inline(always)]
    fn translate_plain(&mut self, op: &Operator<'_>) -> Option<Result<()>> {
        Some(self.translate_op(op))
    }

    /// Translates one reachable instruction.
    #[inline(always)]
    fn translate_op(&mut self, op: &Operator<'_>) -> Result<()> {
        match *op {
            Operator::I32Const { value } => self.push(Entry::Const(value.to_raw())),
            Operator::I64Const { value } => self.push(Entry::Const(value.to_raw())),
            Operator::F32Const { value } => self.push(Entry::Const(u64::from(value.0))),
            Operator::F64Const { value } => self.push(Entry::Const(value.0)),
            Operator::I32ReinterpretF32 {}
            | Operator::I64ReinterpretF64 {}
            | Operator::F32ReinterpretI32 {}
            | Operator::F64ReinterpretI64 {} => Ok(()), // the bits are the value
            Operator::Nop {} => Ok(()),
            Operator::Drop {} => {
                self.pop_entry();
                Ok(())
            }
            Operator::TypedSelect { types } if !types.first.is_none_or(|t| simd::holds(self.code.v128, t)) => {
                unsupported(Decline::ValueType("select's operands".into()))
            }
            Operator::Select {} | Operator::TypedSelect { .. } => {
                let n = self.stack.len();
                // Two constants that fit 32 bits: immediates.
                let narrow = |e: Entry| match e {
                    Entry::Const(v) => u32::try_from(v).ok(),
                    _ => None,
                };
                if let (Some(a), Some(b)) = (narrow(self.stack[n - 3]), narrow(self.stack[n - 2])) {
                    let c = self.operand(n - 1);
                    self.stack.truncate(n - 3);
                    let d = self.push_result()?;
                    self.emit_result(Op::SelectImm { d, c, a, b });
                    return Ok(());
                }
                let c = self.operand(n - 1);
                let b = self.operand(n - 2);
                let a = self.operand(n - 3);
                self.stack.truncate(n - 3);
                let d = self.push_result()?;
                self.emit_result(Op::Select { d, a, b, c });
                Ok(())
            }
            Operator::LocalGet { local_index } => self.push(Entry::Local(local_index as Slot)),
            Operator::LocalSet { local_index } => {
                self.write_local(local_index as Slot, false);
                Ok(())
            }
            Operator::LocalTee { local_index } => {
                self.write_local(local_index as Slot, true);
                Ok(())
            }
            Operator::GlobalGet { global_index: g } => match self.global_type(g) {
                Some(ValType::V128) => self.v128_global_get(g),
                ty => {
                    let d = self.push_result()?;
                    let numeric = matches!(ty, Some(ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64));
                    self.emit_result(if numeric { Op::GlobalGetNum { d, g } } else { Op::GlobalGet { d, g } });
                    Ok(())
                }
            },
            Operator::GlobalSet { global_index: g } => match self.global_type(g) {
                Some(ValType::V128) => self.v128_global_set(g),
                ty => {
                    if ty == Some(ValType::I32) && self.fuse_global_set(g) {
                        return Ok(());
                    }
                    let a = self.pop_slot();
                    self.emit(match ty {
                        Some(ValType::I32) => Op::GlobalSetI32 { a, g },
                        Some(ValType::I64) => Op::GlobalSetI64 { a, g },
                        Some(ValType::F32) => Op::GlobalSetF32 { a, g },
                        Some(ValType::F64) => Op::GlobalSetF64 { a, g },
                        _ => Op::GlobalSet { a, g },
                    });
                    Ok(())
                }
            },
            _ => self.translate_other(op),
        }
    }

    /// Control, memory, table and reference instructions.
    fn translate_other(&mut self, op: &Operator<'_>) -> Result<()> {
        if let Some(r) = self.translate_control(op) {
            return r;
        }
        if let Some(r) = self.translate_simd(op) {
            return r;
        }
        if let Some(r) = self.translate_exception(op) {
            return r;
        }
        if let Some(r) = self.translate_memory(op) {
            return r;
        }
        if let Some(r) = self.translate_calls(op) {
            return r;
        }
        if let Some(r) = self.translate_gc(op) {
            return r;
        }
        unsupported(Decline::Instruction(op.mnemonic()))
    }
}

/// Visitor methods for the numeric instructions of `for_each_numeric_op!`:
/// a binary op folds a constant right operand into its immediate form
/// where it has one, and a comparison may fuse with a following branch.
macro_rules! numeric_visitors {
    (
        bin_imm: [$($bi:ident $bii:ident : $bit:ty => $bir:ty = $bif:expr),* $(,)?]
        bin_imm_trap: [$($bt:ident $bti:ident : $btt:ty => $btr:ty = $btf:expr),* $(,)?]
        bin: [$($b:ident : $bty:ty => $br:ty = $bf:expr),* $(,)?]
        cmp_imm: [$($c:ident $ci:ident $cj:ident $cji:ident ! $cn:ident $cni:ident : $ct:ty = $cf:expr),* $(,)?]
        cmp: [$($f:ident : $ft:ty = $ff:expr),* $(,)?]
        un: [$($u:ident : $ut:ty => $ur:ty = $uf:expr),* $(,)?]
        un_trap: [$($ut_:ident : $utt:ty => $utr:ty = $utf:expr),* $(,)?]
    ) => {
        $( fn $bi(&mut self) -> std::result::Result<(), Box<Unsupported>> {
            if !self.begin() {
                return Ok(());
            }
            self.binary(
                |d, a, b| Op::$bi { d, a, b },
                Some(|d, a, imm| Op::$bii { d, a, imm: <$bit as Raw>::from_raw(imm) }),
            )
            .map_err(Box::new)
        } )*
        $( fn $bt(&mut self) -> std::result::Result<(), Box<Unsupported>> {
            if !self.begin() {
                return Ok(());
            }
            self.binary(
                |d, a, b| Op::$bt { d, a, b },
                Some(|d, a, imm| Op::$bti { d, a, imm: <$btt as Raw>::from_raw(imm) }),
            )
            .map_err(Box::new)
        } )*
        $( fn $b(&mut self) -> std::result::Result<(), Box<Unsupported>> {
            if !self.begin() {
                return Ok(());
            }
            self.binary(|d, a, b| Op::$b { d, a, b }, None).map_err(Box::new)
        } )*
        $( fn $c(&mut self) -> std::result::Result<(), Box<Unsupported>> {
            if !self.begin() {
                return Ok(());
            }
            self.compare(
                |d, a, b| Op::$c { d, a, b },
                Some(|d, a, imm| Op::$ci { d, a, imm: <$ct as Raw>::from_raw(imm) }),
            )
            .map_err(Box::new)
        } )*
        $( fn $f(&mut self) -> std::result::Result<(), Box<Unsupported>> {
            if !self.begin() {
                return Ok(());
            }
            self.compare(|d, a, b| Op::$f { d, a, b }, None).map_err(Box::new)
        } )*
        $( fn $u(&mut self) -> std::result::Result<(), Box<Unsupported>> {
            if !self.begin() {
                return Ok(());
            }
            self.unary(|d, a| Op::$u { d, a }).map_err(Box::new)?;
            if matches!(Operator::$u {}, Operator::I32Eqz {} | Operator::I64Eqz {}) {
                self.next_fusable = self.next_retarget;
            }
            Ok(())
        } )*
        $( fn $ut_(&mut self) -> std::result::Result<(), Box<Unsupported>> {
            if !self.begin() {
                return Ok(());
            }
            self.unary(|d, a| Op::$ut_ { d, a }).map_err(Box::new)
        } )*
    };
}

/// Visitor methods that build their instruction's [`Operator`] in place
/// and hand it to the part of the translator that handles it (`part`,
/// inlined): the matches on the operator fold away, leaving the
/// instruction's own code.
macro_rules! inline_visitors {
    ($( $part:ident: [$( $name:ident { $($imm:ident : $ty:ty),* } )*] )*) => {
        $($(
            // Inlined into the decoder's match: no call per instruction.
            #[inline(always)]
            fn $name(&mut self, $($imm: $ty),*) -> std::result::Result<(), Box<Unsupported>> {
                self.step_in(&Operator::$name { $($imm),* }, Self::$part).map_err(Box::new)
            }
        )*)*
    };
}

/// The decoder hands every instruction to the translator through these
/// methods: the frequent ones translate directly, the rest arrive as an
/// [`Operator`] in [`VisitOperator::visit_operator`].
impl<'a> VisitOperator<'a> for Translator<'_> {
    /// Boxed, so that the decoder's result around it is two words and
    /// comes back in registers.
    type Output = std::result::Result<(), Box<Unsupported>>;

    fn visit_operator(&mut self, op: Operator<'a>) -> Self::Output {
        self.step(&op).map_err(Box::new)
    }

    for_each_numeric_op!(numeric_visitors);

    inline_visitors! {
        translate_plain: [
            Nop {}
            Drop {}
            Select {}
            LocalGet { local_index: u32 }
            LocalSet { local_index: u32 }
            LocalTee { local_index: u32 }
            GlobalGet { global_index: u32 }
            GlobalSet { global_index: u32 }
            I32Const { value: i32 }
            I64Const { value: i64 }
            F32Const { value: Ieee32 }
            F64Const { value: Ieee64 }
        ]
        translate_control: [
            Block { blockty: BlockType }
            Loop { blockty: BlockType }
            If { blockty: BlockType }
            Else {}
            End {}
            Br { relative_depth: u32 }
            BrIf { relative_depth: u32 }
            Return {}
            Call { function_index: u32 }
        ]
        translate_memory: [
            I32Load { memarg: MemArg }
            I64Load { memarg: MemArg }
            F32Load { memarg: MemArg }
            F64Load { memarg: MemArg }
            I32Load8S { memarg: MemArg }
            I32Load8U { memarg: MemArg }
            I32Load16S { memarg: MemArg }
            I32Load16U { memarg: MemArg }
            I64Load8S { memarg: MemArg }
            I64Load8U { memarg: MemArg }
            I64Load16S { memarg: MemArg }
            I64Load16U { memarg: MemArg }
            I64Load32S { memarg: MemArg }
            I64Load32U { memarg: MemArg }
            I32Store { memarg: MemArg }
            I64Store { memarg: MemArg }
            F32Store { memarg: MemArg }
            F64Store { memarg: MemArg }
            I32Store8 { memarg: MemArg }
            I32Store16 { memarg: MemArg }
            I64Store8 { memarg: MemArg }
            I64Store16 { memarg: MemArg }
            I64Store32 { memarg: MemArg }
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `verify`'s slot check: every slot inside the frame; a run or a
    /// call's base may start at its end.
    #[test]
    fn slots_must_be_inside_the_frame() {
        assert!(operands_in_frame(&Op::Copy { d: 8, a: 0 }, 9));
        assert!(!operands_in_frame(&Op::Copy { d: 9, a: 0 }, 9));
        assert!(!operands_in_frame(&Op::I32Add { d: 0, a: 1, b: 10 }, 9));
        assert!(!operands_in_frame(&Op::I64MulWideU { d: 8, a: 0, b: 1 }, 9));
        assert!(operands_in_frame(&Op::I64MulWideU { d: 7, a: 0, b: 1 }, 9));
        assert!(operands_in_frame(&Op::CallInternal { defined: 0, base: 9 }, 9));
        assert!(!operands_in_frame(&Op::CallInternal { defined: 0, base: 10 }, 9));
        assert!(operands_in_frame(&Op::Const { d: 0, imm: 1 << 40 }, 1));
    }
}
