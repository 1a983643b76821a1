//! One stepped call and everything the page shows about it: the
//! [`Stepper`] plus what the studio adds on top — breakpoints, step over
//! and step out, the bytes the last store wrote, the program's output, and
//! the state as JSON ([`State`]).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;
use weft::raw::reference::Instruction;
use weft::{Engine, Instance, Module, Step, Stepper, Store, Val};

use super::listing::{Listing, listing};
use super::rules::Rule;
use crate::stepping::{self, Call, Effect, Started, StepHost};

/// How long one `run`, `step_over` or `step_out` request may execute
/// before it pauses and answers (a program that loops forever must not
/// hang the page); pressing Run again continues.
const RUN_BUDGET: Duration = Duration::from_secs(2);

/// How much of the program's output the state carries: its end.
const OUTPUT_SHOWN: usize = 64 * 1024;

/// What to run, kept for `reset`.
pub struct Program {
    /// The module's path.
    pub file: PathBuf,
    /// The export to call (`_start` if `None`).
    pub invoke: Option<String>,
    /// Its arguments (or the program's).
    pub args: Vec<String>,
    /// Preopened directories, `(host, guest)`.
    pub dirs: Vec<(String, String)>,
}

/// How the call ended.
#[derive(Debug, Clone)]
enum Outcome {
    Running,
    Returned(Vec<Val>),
    Trapped(String),
    Exited(i32),
}

/// A call being stepped, and what the page needs about it.
pub struct Session {
    program: Program,
    engine: Engine,
    module: Module,
    listing: Listing,
    store: Store<StepHost>,
    instance: Instance,
    stepper: Stepper,
    params: Vec<Val>,
    breakpoints: BTreeSet<usize>,
    outcome: Outcome,
    /// Instructions executed since the start.
    steps: u64,
    /// Why execution last stopped.
    reason: &'static str,
    /// Where a trap or `proc_exit` ended the call.
    ended_at: Option<usize>,
    /// The memory bytes the last store wrote (memory 0 only).
    last_write: Option<MemoryRange>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// A range of memory bytes.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MemoryRange {
    /// The first byte's address.
    pub offset: u64,
    /// How many bytes.
    pub len: u64,
}

/// The state the page shows, as `GET /api/state` returns it.
#[derive(Debug, Serialize)]
pub struct State {
    /// The innermost function (`$fac`), if the call is running.
    pub function: Option<String>,
    /// Its next instruction's text.
    pub instruction: Option<String>,
    /// Its next instruction's byte offset in the module.
    pub offset: Option<usize>,
    /// Its typing rule and explanation.
    pub rule: Option<Rule>,
    /// The whole operand stack, bottom first, as `TYPE:VALUE`.
    pub stack: Vec<String>,
    /// Where the innermost frame's operands start in `stack` (the values
    /// below belong to its callers).
    pub stack_base: usize,
    /// The innermost frame's locals.
    pub locals: Vec<LocalView>,
    /// The innermost frame's labels, innermost (`br 0`'s) first.
    pub labels: Vec<LabelView>,
    /// The call frames, innermost first.
    pub frames: Vec<FrameView>,
    /// The instance's globals, imports first.
    pub globals: Vec<GlobalView>,
    /// Memory 0, if the instance has a memory.
    pub memory: Option<MemoryView>,
    /// The program's standard output so far (its last 64 KiB), with what
    /// `env.log`/`env.alert` printed.
    pub stdout: String,
    /// Its standard error so far (its last 64 KiB).
    pub stderr: String,
    /// Whether the call has ended.
    pub done: bool,
    /// The results, once it returned.
    pub results: Vec<String>,
    /// The trap's message, if it trapped.
    pub trap: Option<String>,
    /// The byte offset of the instruction that trapped (or called
    /// `proc_exit`): where the call ended, when it did not return.
    pub ended_at: Option<usize>,
    /// The `proc_exit` status, if the program exited.
    pub exit_code: Option<i32>,
    /// Instructions executed so far.
    pub steps: u64,
    /// Why execution last stopped: `start`, `step`, `breakpoint`,
    /// `paused` (a run's time budget ran out), `returned`, `trap`, `exit`.
    pub reason: &'static str,
    /// The breakpoints, as byte offsets.
    pub breakpoints: Vec<usize>,
    /// The arguments of the call.
    pub args: Vec<String>,
}

/// A local variable.
#[derive(Debug, Serialize)]
pub struct LocalView {
    /// Its name (`$n`), or its index.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A label (an open block).
#[derive(Debug, Serialize)]
pub struct LabelView {
    /// The instruction that opened it: `block`, `loop`, `if`, ...
    pub kind: &'static str,
    /// How many values a branch to it carries.
    pub arity: u32,
    /// Where a branch to it continues: the byte offset of that
    /// instruction.
    pub target: Option<usize>,
}

/// A call frame.
#[derive(Debug, Serialize)]
pub struct FrameView {
    /// The function (`$fac`).
    pub function: String,
    /// The byte offset of the frame's next instruction (for a caller:
    /// where it continues after the call returns).
    pub offset: Option<usize>,
    /// That instruction's text.
    pub instruction: String,
    /// The frame's locals, as `TYPE:VALUE`.
    pub locals: Vec<String>,
    /// How many of the locals are the function's parameters (its
    /// arguments).
    pub params: usize,
}

/// A global variable.
#[derive(Debug, Serialize)]
pub struct GlobalView {
    /// Its index.
    pub index: u32,
    /// Its name, where the module exports it.
    pub name: Option<String>,
    /// `i32` or `mut i32`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its value.
    pub value: String,
}

/// Memory 0 at a glance.
#[derive(Debug, Serialize)]
pub struct MemoryView {
    /// Its size in pages.
    pub pages: u64,
    /// Its size in bytes.
    pub bytes: u64,
    /// What the last store wrote.
    pub last_write: Option<MemoryRange>,
}

/// `GET /api/memory`: bytes of memory 0.
#[derive(Debug, Serialize)]
pub struct MemoryBytes {
    /// The address of the first byte.
    pub offset: u64,
    /// The bytes (fewer than asked at the end of memory).
    pub bytes: Vec<u8>,
    /// The memory's size in bytes.
    pub size: u64,
}

impl Session {
    /// Loads the module and prepares the call.
    pub fn new(program: Program, bytes: &[u8]) -> Result<Session, Box<dyn std::error::Error>> {
        let engine = stepping::reference_engine();
        let module = Module::new(&engine, bytes).map_err(|e| format!("{}: {e}", program.file.display()))?;
        let listing = listing(&module);
        let Started { store, instance, stepper, params } = start(&engine, &module, &program)?;
        let mut session = Session {
            program,
            engine,
            module,
            listing,
            store,
            instance,
            stepper,
            params,
            breakpoints: BTreeSet::new(),
            outcome: Outcome::Running,
            steps: 0,
            reason: "start",
            ended_at: None,
            last_write: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
        };
        session.collect_output();
        Ok(session)
    }

    /// The module's listing.
    pub fn listing(&self) -> &Listing {
        &self.listing
    }

    /// Starts the call again from a fresh instance; breakpoints stay.
    pub fn reset(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let Started { store, instance, stepper, params } = start(&self.engine, &self.module, &self.program)?;
        (self.store, self.instance, self.stepper, self.params) = (store, instance, stepper, params);
        self.outcome = Outcome::Running;
        self.steps = 0;
        self.reason = "start";
        self.ended_at = None;
        self.last_write = None;
        self.stdout.clear();
        self.stderr.clear();
        self.collect_output();
        Ok(())
    }

    /// Sets the breakpoints (byte offsets of instructions).
    pub fn set_breakpoints(&mut self, offsets: impl IntoIterator<Item = usize>) {
        self.breakpoints = offsets.into_iter().collect();
    }

    /// Executes one instruction.
    pub fn step(&mut self) {
        if self.step_one() {
            self.reason = "step";
        }
        self.collect_output();
    }

    /// Executes one instruction; a call runs until it returns (or a
    /// breakpoint inside it is reached).
    pub fn step_over(&mut self) {
        let depth = self.stepper.depth();
        self.run_while(|s| s.stepper.depth() > depth);
    }

    /// Runs until the current function returns to its caller (or a
    /// breakpoint is reached).
    pub fn step_out(&mut self) {
        let depth = self.stepper.depth();
        self.run_while(|s| s.stepper.depth() >= depth);
    }

    /// Runs to the end or the next breakpoint.
    pub fn run(&mut self) {
        self.run_while(|_| true);
    }

    /// Executes one instruction, then more while `more` holds, stopping at
    /// breakpoints, at the end, and when [`RUN_BUDGET`] is spent.
    fn run_while(&mut self, more: impl Fn(&Session) -> bool) {
        let start = Instant::now();
        let mut ran = 0u32;
        self.reason = "step";
        if self.step_one() {
            while more(self) {
                if self.stepper.next_offset().is_some_and(|o| self.breakpoints.contains(&o)) {
                    self.reason = "breakpoint";
                    break;
                }
                ran += 1;
                if ran.is_multiple_of(4096) && start.elapsed() > RUN_BUDGET {
                    self.reason = "paused";
                    break;
                }
                if !self.step_one() {
                    break;
                }
            }
        }
        self.collect_output();
    }

    /// Executes one instruction; `false` (and the reason set) once the call
    /// has ended.
    fn step_one(&mut self) -> bool {
        if !matches!(self.outcome, Outcome::Running) {
            return false;
        }
        let write = self.stepper.next_instruction().and_then(|instr| self.memory_write(instr));
        let at = self.stepper.next_offset();
        match self.stepper.step(&mut self.store) {
            Ok(Step::Running) => {
                self.steps += 1;
                if write.is_some() {
                    self.last_write = write;
                }
                true
            }
            Ok(Step::Finished(results)) => {
                self.steps += 1;
                self.outcome = Outcome::Returned(results);
                self.reason = "returned";
                false
            }
            Err(trap) => {
                self.steps += 1;
                self.ended_at = at;
                (self.outcome, self.reason) = match self.store.data().wasi.exit_code() {
                    Some(status) => (Outcome::Exited(status), "exit"),
                    None => (Outcome::Trapped(trap.to_string()), "trap"),
                };
                false
            }
        }
    }

    /// The bytes of memory 0 that `instr`, about to run, writes: a store
    /// or a bulk `memory.fill`/`memory.copy`/`memory.init`.
    fn memory_write(&self, instr: weft::raw::reference::Instr) -> Option<MemoryRange> {
        let stack = self.stepper.operand_stack();
        let at = |n: usize| match stack.len().checked_sub(n).map(|i| stack[i]) {
            Some(Val::I32(v)) => Some(u64::from(v as u32)),
            Some(Val::I64(v)) => Some(v as u64),
            _ => None,
        };
        match instr {
            Instruction::MemoryFill { mem: 0 }
            | Instruction::MemoryCopy { dst_mem: 0, .. }
            | Instruction::MemoryInit { mem: 0, .. } => {
                return Some(MemoryRange { offset: at(3)?, len: at(1)? });
            }
            _ => {}
        }
        stepping::store_width(instr)?;
        match stepping::effect(instr, &self.stepper.next_text(), stack)? {
            Effect::Memory { memory: 0, start, len, .. } => Some(MemoryRange { offset: start, len }),
            _ => None,
        }
    }

    /// Moves what the program printed into the session.
    fn collect_output(&mut self) {
        let (out, err) = self.store.data_mut().take_streams();
        self.stdout.extend(out);
        self.stderr.extend(err);
    }

    /// Memory 0, if the instance has one.
    fn memory(&self) -> Option<weft::Memory> {
        self.instance.memory_by_index(&self.store, 0).ok().flatten()
    }

    /// Up to `len` bytes of memory 0 from `offset` (at most 64 KiB).
    pub fn memory_bytes(&self, offset: u64, len: u64) -> MemoryBytes {
        let data = self.memory().and_then(|m| m.data(&self.store).ok()).unwrap_or(&[]);
        let size = data.len() as u64;
        let start = offset.min(size);
        let end = start.saturating_add(len.min(64 * 1024)).min(size);
        MemoryBytes { offset: start, bytes: data[start as usize..end as usize].to_vec(), size }
    }

    /// The state the page shows.
    pub fn state(&self) -> State {
        let d = self.module.decoded();
        let frames = self.stepper.frames();
        let inner = frames.first();
        let name = |index: u32| stepping::func_name(&self.module, index);
        let locals = inner.map_or_else(Vec::new, |f| {
            let names = d.names().locals.get(&f.func_index);
            f.locals
                .iter()
                .enumerate()
                .map(|(i, v)| LocalView {
                    name: names.and_then(|n| n.get(&(i as u32))).map_or_else(|| i.to_string(), |n| format!("${n}")),
                    value: v.to_string(),
                })
                .collect()
        });
        // The label's continuation is an instruction position; the page
        // wants its byte offset.
        let labels = self
            .stepper
            .labels(0)
            .iter()
            .rev()
            .map(|l| LabelView { kind: l.kind, arity: l.arity, target: self.offset_of_pc(inner, l.cont) })
            .collect();
        let frame_views = frames
            .iter()
            .map(|f| FrameView {
                function: name(f.func_index),
                offset: f.offset,
                instruction: stepping::instruction_text(&self.module, f.next, &f.next_text),
                locals: f.locals.iter().map(ToString::to_string).collect(),
                params: d.func_type(f.func_index).map_or(0, |t| t.params().len()),
            })
            .collect();
        let (results, trap, exit_code) = match &self.outcome {
            Outcome::Running => (Vec::new(), None, None),
            Outcome::Returned(results) => (results.iter().map(ToString::to_string).collect(), None, None),
            Outcome::Trapped(message) => (Vec::new(), Some(message.clone()), None),
            Outcome::Exited(status) => (Vec::new(), None, Some(*status)),
        };
        let offset = inner.and_then(|f| f.offset);
        State {
            function: inner.map(|f| name(f.func_index)),
            instruction: inner.map(|f| stepping::instruction_text(&self.module, f.next, &f.next_text)),
            offset,
            rule: offset.and_then(|o| self.listing.rules.get(&o)).cloned(),
            stack: self.stepper.operand_stack().iter().map(|v| self.store.describe_val(v, &self.module)).collect(),
            stack_base: self.stepper.frame_stack_base(),
            locals,
            labels,
            frames: frame_views,
            globals: self.globals(),
            memory: self.memory().map(|m| MemoryView {
                pages: m.size(&self.store).unwrap_or(0),
                bytes: m.data_size(&self.store).unwrap_or(0) as u64,
                last_write: self.last_write,
            }),
            stdout: tail(&self.stdout),
            stderr: tail(&self.stderr),
            done: !matches!(self.outcome, Outcome::Running),
            results,
            trap,
            ended_at: self.ended_at,
            exit_code,
            steps: self.steps,
            reason: self.reason,
            breakpoints: self.breakpoints.iter().copied().collect(),
            args: self.params.iter().map(ToString::to_string).collect(),
        }
    }

    /// The byte offset of instruction `pc` of the innermost frame's
    /// function (the instruction after the last one for a label that
    /// continues past the function's end).
    fn offset_of_pc(&self, frame: Option<&weft::FrameState>, pc: usize) -> Option<usize> {
        let frame = frame?;
        // The frame knows its own position's offset; others are found by
        // the listing's order: instruction lines of one function are
        // consecutive and in code order.
        let lines = &self.listing.lines;
        let here = lines.iter().position(|l| l.offset == frame.offset)?;
        let start = here.checked_sub(frame.pc)?;
        let mut instructions = lines[start..].iter().filter_map(|l| l.offset);
        instructions.nth(pc)
    }

    fn globals(&self) -> Vec<GlobalView> {
        let d = self.module.decoded();
        let count = d.num_imported_globals as usize + d.globals.len();
        (0..count as u32)
            .filter_map(|index| {
                let global = self.instance.global_by_index(&self.store, index).ok().flatten()?;
                let ty = global.ty(&self.store).ok()?;
                let name = d
                    .exports
                    .iter()
                    .find(|e| e.kind == weft::raw::decode::ExternKind::Global && e.index == index)
                    .map(|e| e.name.clone());
                let content = ty.content.to_string();
                Some(GlobalView {
                    index,
                    name,
                    ty: if ty.mutable { format!("mut {content}") } else { content },
                    value: global.get(&self.store).ok()?.to_string(),
                })
            })
            .collect()
    }
}

/// Instantiates and prepares the program's call.
fn start(engine: &Engine, module: &Module, p: &Program) -> Result<Started, Box<dyn std::error::Error>> {
    let call = Call { tool: "weft studio", file: &p.file, invoke: p.invoke.as_deref(), args: &p.args, dirs: &p.dirs };
    stepping::start(engine, module, &call)
}

/// The last [`OUTPUT_SHOWN`] bytes of `bytes`, as text.
fn tail(bytes: &[u8]) -> String {
    let start = bytes.len().saturating_sub(OUTPUT_SHOWN);
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}
