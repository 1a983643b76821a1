//! `weft trace`: run one call on the reference engine, one instruction at a
//! time, and print the machine state after each instruction.
//!
//! Output, one line per executed instruction:
//!
//! ```text
//! $fac(i64:2) {
//!   local.get 0                     ;; stack: [i64:2]
//!   i64.eqz                         ;; stack: [i32:0]
//!   ...
//!   call $fac                       ;; stack: [i64:2]
//!   $fac(i64:1) {
//!     ...
//!   } -> [i64:1]
//!   i64.mul                         ;; stack: [i64:2]
//! } -> [i64:2]
//! 2
//! ```
//!
//! Indentation is call depth. The stack shown is the operand stack of the
//! frame that ran the instruction (its callers' values are below it). A
//! call into wasm opens a `{` block headed by the callee and its arguments;
//! its return closes it with the results. A host call is one line:
//! `host env.log(i32:16, i32:13) -> []`. `--locals` and `--labels` add the
//! frame's locals and its label stack; stores, `global.set` and
//! `table.set` say what they wrote. The results print last, one per line, as `weft run` prints
//! them.
//!
//! Imports are WASI preview1 (`wasi_snapshot_preview1`, from `weft-wasi`)
//! and a small built-in host, see [`StepHost`]. What the guest writes to
//! its standard output and error shows in the trace as `| ` lines, after
//! the host call that wrote it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use weft::raw::reference::{Instr, Instruction};
use weft::{FuncType, ImportType, Module, Step, Stepper, Store, Trap, Val};

use crate::input::read_module;
use crate::stepping::{self, Call, Started, StepHost, effect, list};
use crate::values::format_val;

/// The exit code of a trace that trapped (as `weft run`).
const TRAP_EXIT: u8 = 134;

/// The column where the `;;` comment starts.
const COMMENT_COLUMN: usize = 34;

/// Arguments of `weft trace`.
#[derive(clap::Args)]
pub struct Args {
    /// Call this export, with ARGS parsed by its parameter types (default:
    /// `_start`, with WASI, ARGS being the program's arguments).
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// Also show the frame's locals after each instruction.
    #[arg(long)]
    locals: bool,
    /// Also show the frame's labels (open blocks) after each instruction,
    /// innermost first, as `kind/arity->@pc`: a branch to the label carries
    /// `arity` values and continues at instruction `pc` of the function.
    /// Each line then starts with its instruction's position `@pc`.
    #[arg(long)]
    labels: bool,
    /// Stop after this many instructions.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_steps: u64,
    /// The module: `.wasm` or `.wat`.
    file: PathBuf,
    /// Arguments for the program (or for the invoked function).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Runs `weft trace`.
pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let bytes = read_module(&args.file)?;
    let engine = stepping::reference_engine();
    let module = Module::new(&engine, &bytes).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let call =
        Call { tool: "weft trace", file: &args.file, invoke: args.invoke.as_deref(), args: &args.args, dirs: &[] };
    let Started { mut store, mut stepper, params, .. } = stepping::start(&engine, &module, &call)?;
    let mut tracer = Tracer { args, module: &module, out: String::new() };
    flush_host_output(&mut store, &mut tracer.out, 0);
    if let Some(frame) = stepper.frames().first() {
        let name = tracer.func_name(frame.func_index);
        writeln!(tracer.out, "{name}({}) {{", list(&params))?;
    }
    let result = tracer.trace(&mut store, &mut stepper);
    // The results follow the trace in the same buffer.
    let out = &mut tracer.out;
    let code = match result {
        Ok(Some(results)) => {
            for r in &results {
                match r {
                    Val::AnyRef(_) | Val::Externalized(_) => writeln!(out, "{}", store.describe_val(r, &module))?,
                    r => writeln!(out, "{}", format_val(r))?,
                }
            }
            ExitCode::SUCCESS
        }
        Ok(None) => {
            writeln!(out, "stopped after {} steps (--max-steps)", args.max_steps)?;
            ExitCode::SUCCESS
        }
        Err(trap) => match trap.exit_status() {
            Some(status) => {
                writeln!(out, "exit {status} (proc_exit)")?;
                ExitCode::from(status as u8)
            }
            None => {
                writeln!(out, "trap: {trap}")?;
                ExitCode::from(TRAP_EXIT)
            }
        },
    };
    tracer.flush();
    Ok(code)
}

/// Prints the trace into `out` as it runs.
struct Tracer<'a> {
    args: &'a Args,
    module: &'a Module,
    out: String,
}

impl Tracer<'_> {
    /// Writes the trace so far to standard output (a closed pipe,
    /// `weft trace ... | head`, ends the process quietly: see `output`).
    fn flush(&mut self) {
        crate::output::write_stdout(self.out.as_bytes());
        self.out.clear();
    }

    /// Values as a comma-separated list, GC objects shown with their
    /// fields (`(ref $point {x: 1, y: 2})`, `(array i8 len 5)`).
    fn list(&self, store: &Store<StepHost>, values: &[Val]) -> String {
        values.iter().map(|v| store.describe_val(v, self.module)).collect::<Vec<_>>().join(", ")
    }

    /// Steps to the end, or `--max-steps`: `Ok(None)` if stopped early.
    fn trace(&mut self, store: &mut Store<StepHost>, stepper: &mut Stepper) -> Result<Option<Vec<Val>>, Trap> {
        let mut steps = 0u64;
        loop {
            let depth = stepper.depth();
            let Some(frame) = stepper.frames().into_iter().next() else {
                return match stepper.step(store)? {
                    Step::Finished(results) => Ok(Some(results)),
                    Step::Running => Ok(None),
                };
            };
            if steps == self.args.max_steps {
                return Ok(None);
            }
            steps += 1;
            let before: Vec<Val> = stepper.operand_stack().to_vec();
            let base = stepper.frame_stack_base();
            let text = self.instruction_text(frame.next, &frame.next_text);
            let effect = frame.next.and_then(|i| effect(i, &frame.next_text, &before));

            let step = stepper.step(store);
            let after = stepper.operand_stack();
            let shown = after.get(base..).unwrap_or(&[]);
            let mut line = indent(depth);
            if self.args.labels {
                let _ = write!(line, "@{} ", frame.pc);
            }
            line.push_str(&text);
            pad_to(&mut line, COMMENT_COLUMN);
            match &step {
                Ok(_) => {
                    let _ = write!(line, ";; stack: [{}]", self.list(store, shown));
                }
                Err(trap) => {
                    let _ = write!(line, ";; trap: {}", trap.kind());
                }
            }
            if let Some(effect) = effect
                && step.is_ok()
            {
                let _ = write!(line, " | {effect}");
            }
            // The frame that ran the instruction: still the innermost, or
            // the caller of a frame the instruction pushed. A tail call
            // replaced it; a return removed it.
            let tail_call = matches!(
                frame.next,
                Some(
                    Instruction::ReturnCall { .. }
                        | Instruction::ReturnCallIndirect { .. }
                        | Instruction::ReturnCallRef { .. }
                )
            );
            if step.is_ok() && !tail_call && stepper.depth() >= depth {
                self.frame_details(stepper, stepper.depth() - depth, &mut line);
            }
            self.out.push_str(&line);
            self.out.push('\n');
            let step = step?;

            let new_depth = stepper.depth();
            if let Some(callee) = self.callee_type(frame.next) {
                // `call_indirect` and `call_ref` take the table index or
                // the reference on top of the arguments.
                let callee_operand =
                    usize::from(!matches!(frame.next, Some(Instruction::Call { .. } | Instruction::ReturnCall { .. })));
                let end = before.len().saturating_sub(callee_operand);
                let args = end.checked_sub(callee.params().len()).map_or(&[][..], |s| &before[s..end]);
                if new_depth > depth || (tail_call && new_depth == depth) {
                    // A wasm callee got a frame.
                    if tail_call {
                        let _ = writeln!(self.out, "{}}} -> tail call", indent(depth - 1));
                    }
                    let callee_frame = stepper.frames().into_iter().next();
                    let name = callee_frame.map_or_else(|| "?".to_string(), |f| self.func_name(f.func_index));
                    let args = self.list(store, args);
                    let _ = writeln!(self.out, "{}{name}({args}) {{", indent(new_depth - 1));
                } else {
                    // A host function ran within the step.
                    let results = after.len().checked_sub(callee.results().len()).map_or(&[][..], |s| &after[s..]);
                    let name = self.host_name(frame.next);
                    let (args, results) = (self.list(store, args), self.list(store, results));
                    let _ = writeln!(self.out, "{}host {name}({args}) -> [{results}]", indent(depth + 1));
                    flush_host_output(store, &mut self.out, depth + 1);
                }
            }
            if new_depth < depth {
                let shown = self.list(store, shown);
                let _ = writeln!(self.out, "{}}} -> [{shown}]", indent(depth - 1));
            }
            if let Step::Finished(results) = step {
                return Ok(Some(results));
            }
            if self.out.len() > 1 << 16 {
                self.flush();
            }
        }
    }

    /// Appends `--locals` and `--labels` of frame `index` (0 is the
    /// innermost) to a line.
    fn frame_details(&self, stepper: &Stepper, index: usize, line: &mut String) {
        let Some(frame) = stepper.frames().into_iter().nth(index) else { return };
        if self.args.locals {
            let names = self.module.decoded().names().locals.get(&frame.func_index);
            let locals: Vec<String> = frame
                .locals
                .iter()
                .enumerate()
                .map(|(i, v)| match names.and_then(|n| n.get(&(i as u32))) {
                    Some(name) => format!("${name}={v}"),
                    None => v.to_string(),
                })
                .collect();
            let _ = write!(line, " | locals: [{}]", locals.join(", "));
        }
        if self.args.labels {
            let labels: Vec<String> =
                stepper.labels(index).iter().rev().map(|l| format!("{}/{}->@{}", l.kind, l.arity, l.cont)).collect();
            let _ = write!(line, " | labels: [{}]", labels.join(", "));
        }
    }

    fn instruction_text(&self, instr: Option<Instr>, text: &str) -> String {
        stepping::instruction_text(self.module, instr, text)
    }

    fn func_name(&self, index: u32) -> String {
        stepping::func_name(self.module, index)
    }

    /// The type of the function a call instruction calls.
    fn callee_type(&self, instr: Option<Instr>) -> Option<FuncType> {
        let d = self.module.decoded();
        match instr? {
            Instruction::Call { function_index } | Instruction::ReturnCall { function_index } => {
                d.func_type(function_index).cloned()
            }
            Instruction::CallIndirect { type_index, .. }
            | Instruction::ReturnCallIndirect { type_index, .. }
            | Instruction::CallRef { type_index }
            | Instruction::ReturnCallRef { type_index } => {
                d.types.get(type_index as usize).and_then(|t| t.as_func()).cloned()
            }
            _ => None,
        }
    }

    /// `module.name` of the import a direct call calls.
    fn host_name(&self, instr: Option<Instr>) -> String {
        if let Some(Instruction::Call { function_index } | Instruction::ReturnCall { function_index }) = instr {
            let import = self
                .module
                .decoded()
                .imports
                .iter()
                .filter(|i| matches!(i.ty, ImportType::Func(_)))
                .nth(function_index as usize);
            if let Some(import) = import {
                return format!("{}.{}", import.module, import.name);
            }
        }
        "function".to_string()
    }
}

/// Moves what the host printed into the trace, at `depth`.
fn flush_host_output(store: &mut Store<StepHost>, out: &mut String, depth: usize) {
    for text in store.data_mut().take_output() {
        let _ = writeln!(out, "{}| {text}", indent(depth));
    }
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}

fn pad_to(line: &mut String, column: usize) {
    let width = line.chars().count();
    let pad = if width < column { column - width } else { 1 };
    line.extend(std::iter::repeat_n(' ', pad));
}
