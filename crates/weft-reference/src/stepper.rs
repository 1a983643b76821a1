//! [`Stepper`]: runs a call one instruction at a time and shows the
//! machine state between instructions (for `weft trace` and teaching).
//!
//! The machine's state already lives in [`Machine`], not in Rust locals, so
//! stepping is the ordinary loop told to stop after one instruction.

use super::{Compiled, Instr, Instruction, Machine};
use weft_exec::Func;
use weft_exec::Val;
use weft_exec::executor::EngineStore;
use weft_exec::{Error, Result, Trap};

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An instruction ran; more remain.
    Running,
    /// The call returned these results.
    Finished(Vec<Val>),
}

/// One activation frame as the stepper shows it.
#[derive(Debug, Clone)]
pub struct FrameState {
    /// The function's index in its module.
    pub func_index: u32,
    /// The function's name from the name section, if any.
    pub func_name: Option<String>,
    /// The position of the next instruction in the function's code.
    pub pc: usize,
    /// The next instruction, if any.
    pub next: Option<Instr>,
    /// The next instruction's text form (`i32.const 7`, `br_table 0 1 2`).
    pub next_text: String,
    /// The byte offset of the next instruction in the module.
    pub offset: Option<usize>,
    /// The frame's locals (parameters first).
    pub locals: Vec<Val>,
    /// How many labels (open blocks) the frame has.
    pub labels: usize,
}

/// One label (an open block) as the stepper shows it (spec 4.2.13
/// `label_n{instr*}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelState {
    /// The instruction that opened it: `block`, `loop`, `if`, `try_table`
    /// or `try`.
    pub kind: &'static str,
    /// How many values a branch to it carries (`n`).
    pub arity: u32,
    /// The operand stack height (whole machine stack) below its values.
    pub height: usize,
    /// Where a branch to it continues: the position of a `loop` itself, or
    /// the instruction after a block's `end`.
    pub cont: usize,
}

/// A call being executed one instruction at a time on the reference engine.
#[derive(Debug)]
pub struct Stepper {
    machine: Machine,
    results: usize,
    finished: bool,
}

impl Stepper {
    /// Prepares a call of `func` with `params`; nothing runs until
    /// [`Stepper::step`] (a host function runs at once, as one step).
    pub fn new(store: &mut dyn EngineStore, func: Func, params: &[Val]) -> Result<Stepper> {
        let index = store.inner().check(func.0)?;
        let ty = store.inner().funcs[index].ty().clone();
        if ty.params().len() != params.len() || params.iter().zip(ty.params()).any(|(p, t)| !p.matches(*t)) {
            return Err(Error::Usage(format!("arguments do not match {ty}")));
        }
        let canonical_nans = store.inner_mut().engine.config().deterministic_nans;
        let mut machine = Machine { single_step: true, canonical_nans, ..Machine::default() };
        machine.stack.extend_from_slice(params);
        let base = store.inner_mut().call_depth;
        let r = machine.call(store, index as u32, None);
        store.inner_mut().call_depth = base;
        r?;
        Ok(Stepper { machine, results: ty.results().len(), finished: false })
    }

    /// Executes one instruction.
    pub fn step(&mut self, store: &mut dyn EngineStore) -> Result<Step, Trap> {
        if self.machine.frames.is_empty() || self.finished {
            self.finished = true;
            let start = self.machine.stack.len().saturating_sub(self.results);
            return Ok(Step::Finished(self.machine.stack[start..].to_vec()));
        }
        // The frames of this call count towards the store's call depth
        // only while they run.
        let base = store.inner_mut().call_depth;
        store.inner_mut().call_depth = base + self.machine.frames.len();
        let r = self.machine.run_frame(store).or_else(|trap| self.machine.catch(store, trap));
        store.inner_mut().call_depth = base;
        if let Err(trap) = r {
            weft_exec::executor::escape_error(store.inner_mut(), &trap);
            self.finished = true;
            let trap = trap.with_backtrace(self.machine.backtrace());
            self.machine.frames.clear();
            return Err(trap);
        }
        if self.machine.frames.is_empty() {
            return self.step(store);
        }
        Ok(Step::Running)
    }

    /// Runs to the end.
    pub fn run(&mut self, store: &mut dyn EngineStore) -> Result<Vec<Val>, Trap> {
        loop {
            if let Step::Finished(results) = self.step(store)? {
                return Ok(results);
            }
        }
    }

    /// The operand stack, bottom first.
    pub fn operand_stack(&self) -> &[Val] {
        &self.machine.stack
    }

    /// How many wasm frames are active (0 once the call has returned).
    pub fn depth(&self) -> usize {
        self.machine.frames.len()
    }

    /// Where the innermost frame's operands start in
    /// [`Stepper::operand_stack`]: the values below belong to its callers.
    pub fn frame_stack_base(&self) -> usize {
        self.machine.frames.last().map_or(0, |f| f.stack_base)
    }

    /// The labels of frame `frame` (0 is the innermost, as in
    /// [`Stepper::frames`]), outermost first: the last one is `br 0`'s.
    pub fn labels(&self, frame: usize) -> Vec<LabelState> {
        let m = &self.machine;
        let Some(i) = m.frames.len().checked_sub(frame + 1) else { return Vec::new() };
        let f = &m.frames[i];
        let end = m.frames.get(i + 1).map_or(m.labels.len(), |next| next.label_base);
        let labels = m.labels.get(f.label_base..end).unwrap_or(&[]);
        labels
            .iter()
            .map(|l| LabelState {
                kind: label_kind(&f.code, l.cont as usize),
                arity: l.arity,
                height: l.height as usize,
                cont: l.cont as usize,
            })
            .collect()
    }

    /// The frames, innermost first.
    pub fn frames(&self) -> Vec<FrameState> {
        let m = &self.machine;
        let mut out = Vec::new();
        for (i, f) in m.frames.iter().enumerate().rev() {
            let locals_end = m.frames.get(i + 1).map_or(m.locals.len(), |next| next.locals_base);
            let labels_end = m.frames.get(i + 1).map_or(m.labels.len(), |next| next.label_base);
            let d = &f.instance.module.decoded;
            let func_index = d.num_imported_functions + f.func_defined_index();
            out.push(FrameState {
                func_index,
                func_name: d.names().function(func_index).map(str::to_string),
                pc: f.pc,
                next: f.code.code.get(f.pc).copied(),
                next_text: f.code.instruction_text(f.pc),
                offset: f.code.offsets.get(f.pc).map(|o| *o as usize),
                locals: m.locals.get(f.locals_base..locals_end).unwrap_or(&[]).to_vec(),
                labels: labels_end.saturating_sub(f.label_base),
            });
        }
        out
    }
}

/// The instruction that opened the label continuing at `cont`: a `loop`
/// continues at itself; a block continues after its `end`, whose opener is
/// the nearest block instruction before it that ends there.
fn label_kind(code: &Compiled, cont: usize) -> &'static str {
    if let Some(instr @ Instruction::Loop { .. }) = code.code.get(cont) {
        return instr.mnemonic();
    }
    let Some(end) = cont.checked_sub(1) else { return "block" };
    (0..end)
        .rev()
        .filter(|&pc| code.blocks.get(pc).is_some_and(|b| b.end as usize == end))
        .filter_map(|pc| code.code.get(pc))
        .find(|instr| !matches!(instr, Instruction::Else {} | Instruction::Catch { .. } | Instruction::CatchAll {}))
        .map_or("block", |instr| instr.mnemonic())
}

/// Cheap views of the innermost frame, for tools that step many
/// instructions and look at each one before it runs (`weft studio` runs to
/// a breakpoint through these): unlike [`Stepper::frames`], nothing is
/// copied.
impl Stepper {
    /// The next instruction of the innermost frame (`None` once the call
    /// has returned).
    pub fn next_instruction(&self) -> Option<Instr> {
        let f = self.machine.frames.last()?;
        f.code.code.get(f.pc).copied()
    }

    /// The byte offset in the module of the innermost frame's next
    /// instruction.
    pub fn next_offset(&self) -> Option<usize> {
        let f = self.machine.frames.last()?;
        f.code.offsets.get(f.pc).map(|o| *o as usize)
    }

    /// The text form of the innermost frame's next instruction
    /// (`i32.store offset=4`), empty once the call has returned.
    pub fn next_text(&self) -> String {
        self.machine.frames.last().map(|f| f.code.instruction_text(f.pc)).unwrap_or_default()
    }
}

/// A struct or array on the GC heap as the stepper shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeapObject {
    /// Its type's index in the module that allocated it.
    pub type_index: u32,
    /// Whether it is an array (else a struct).
    pub is_array: bool,
    /// An array's length (a struct's field count).
    pub len: u32,
    /// The fields, or the first [`HeapObject::MAX_SHOWN`] elements
    /// (packed values zero-extended to `i32`).
    pub values: Vec<Val>,
}

impl HeapObject {
    /// The most array elements [`Stepper::heap_object`] copies out.
    pub const MAX_SHOWN: u32 = 1024;
}

impl Stepper {
    /// The heap object a reference on the stack or in a local points to
    /// (`None` for other values, null, and collected objects).
    pub fn heap_object(&self, store: &dyn EngineStore, v: &Val) -> Option<HeapObject> {
        let Val::AnyRef(Some(weft_exec::AnyRef::Object(r))) = v else { return None };
        let obj = store.inner().gc.get(*r)?;
        let type_index = obj.ty().module_index;
        match &obj.ty().composite {
            weft_exec::gc::GcComposite::Struct { fields, .. } => Some(HeapObject {
                type_index,
                is_array: false,
                len: fields.len() as u32,
                values: fields.iter().map(|f| obj.read(f, f.at as usize)).collect(),
            }),
            weft_exec::gc::GcComposite::Array(e) => Some(HeapObject {
                type_index,
                is_array: true,
                len: obj.len(),
                values: (0..obj.len().min(HeapObject::MAX_SHOWN))
                    .map(|i| obj.read(e, weft_exec::gc::elem_at(e, i)))
                    .collect(),
            }),
            weft_exec::gc::GcComposite::Func => None,
        }
    }
}
