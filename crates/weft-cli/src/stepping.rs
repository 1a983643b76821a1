//! What `weft trace` and `weft studio` share: the host a stepped module
//! runs against, starting one call on a [`Stepper`], and how the machine's
//! state prints — values as `TYPE:VALUE` (`Val`'s `Display`), functions by
//! their names, what a store is about to write.

use std::fmt;
use std::path::Path;

use weft::raw::reference::{Instr, Instruction};
use weft::{
    Caller, Config, Engine, EngineKind, Extern, Global, ImportType, Instance, Linker, Memory, Module, Stepper, Store,
    Table, Trap, Val, ValType,
};
use weft_wasi::{Pipe, WasiCtx};

use crate::values::parse_val;

/// The host a stepped module runs against: WASI preview1 with standard
/// output and error captured in pipes; `env.log` and `env.alert` with type
/// `(i32 i32) -> ()` print the string at (pointer, length) in the module's
/// exported `memory` (the browser's `console.log`, as in
/// `examples/hello.wat`); any other function import is a stub that traps
/// when called. Memory, table and global imports get fresh objects of the
/// declared type. What the host prints is kept here until the tool takes
/// it, so it shows in order with the instructions.
pub struct StepHost {
    printed: Vec<String>,
    /// The WASI context (its exit code tells a `proc_exit` from a trap).
    pub wasi: WasiCtx,
    stdout: Pipe,
    stderr: Pipe,
}

impl StepHost {
    /// What was printed since the last call, line by line; standard error's
    /// lines start with `stderr: `.
    pub fn take_output(&mut self) -> Vec<String> {
        let mut lines = std::mem::take(&mut self.printed);
        for (pipe, prefix) in [(&self.stdout, ""), (&self.stderr, "stderr: ")] {
            let bytes = pipe.take();
            let text = String::from_utf8_lossy(&bytes);
            lines.extend(text.lines().map(|l| format!("{prefix}{l}")));
        }
        lines
    }

    /// What was printed since the last call as it was written: standard
    /// output with the `env.log`/`env.alert` lines, and standard error.
    pub fn take_streams(&mut self) -> (Vec<u8>, Vec<u8>) {
        let mut out = Vec::new();
        for line in self.printed.drain(..) {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out.extend(self.stdout.take());
        (out, self.stderr.take())
    }
}

/// What to run: `invoke` (an export, `args` parsed by its parameter types)
/// or, without it, the WASI command's `_start` with `args` as the program's
/// arguments after `file`.
pub struct Call<'a> {
    /// The tool, for messages (`weft trace`).
    pub tool: &'static str,
    /// The module's path (the program's `argv[0]`).
    pub file: &'a Path,
    /// The export to call, if not `_start`.
    pub invoke: Option<&'a str>,
    /// The arguments.
    pub args: &'a [String],
    /// Preopened directories, `(host, guest)`.
    pub dirs: &'a [(String, String)],
}

/// A call ready to step.
pub struct Started {
    /// The store, holding the [`StepHost`].
    pub store: Store<StepHost>,
    /// The instance the call runs in.
    pub instance: Instance,
    /// The call, before its first instruction.
    pub stepper: Stepper,
    /// The arguments it was called with.
    pub params: Vec<Val>,
}

/// An engine running the reference interpreter (the one that steps).
pub fn reference_engine() -> Engine {
    let mut config = Config::new();
    config.engine_kind(EngineKind::Reference);
    Engine::new(&config)
}

/// Instantiates `module` against a fresh [`StepHost`] and prepares `call`.
pub fn start(engine: &Engine, module: &Module, call: &Call<'_>) -> Result<Started, Box<dyn std::error::Error>> {
    let (stdout, stderr) = (Pipe::new(), Pipe::new());
    let mut wasi = WasiCtx::builder();
    wasi.stdout(stdout.clone()).stderr(stderr.clone());
    if call.invoke.is_none() {
        wasi.arg(call.file.display().to_string()).args(call.args);
    }
    for (host, guest) in call.dirs {
        wasi.preopened_dir(host, guest);
    }
    let host = StepHost { printed: Vec::new(), wasi: wasi.build()?, stdout, stderr };
    let mut store = Store::new(engine, host);
    let linker = host_linker(engine, &mut store, module, call.tool)?;
    let instance = linker.instantiate(&mut store, module).map_err(|e| format!("{}: {e}", call.file.display()))?;

    let name = call.invoke.unwrap_or("_start");
    let func = instance.get_func(name).ok_or_else(|| match call.invoke {
        Some(_) => format!("the module exports no function `{name}`"),
        None => format!("the module exports no `_start` function; use --invoke NAME to {} an export", call.tool_verb()),
    })?;
    let ty = func.ty(&store)?;
    let args_for_func = if call.invoke.is_some() { call.args } else { &[] };
    if ty.params().len() != args_for_func.len() {
        return Err(
            format!("`{name}` takes {} arguments ({ty}), got {}", ty.params().len(), args_for_func.len()).into()
        );
    }
    let params = args_for_func.iter().zip(ty.params()).map(|(p, t)| parse_val(p, *t)).collect::<Result<Vec<_>, _>>()?;
    let stepper = Stepper::new(&mut store, func, &params)?;
    Ok(Started { store, instance, stepper, params })
}

impl Call<'_> {
    /// `trace` for `weft trace`: what the tool does to an export.
    fn tool_verb(&self) -> &'static str {
        self.tool.strip_prefix("weft ").unwrap_or(self.tool)
    }
}

/// A linker with [`StepHost`]'s definitions for `module`'s imports; `tool`
/// names the command in the stubs' messages.
fn host_linker(
    engine: &Engine,
    store: &mut Store<StepHost>,
    module: &Module,
    tool: &'static str,
) -> Result<Linker<StepHost>, Box<dyn std::error::Error>> {
    let mut linker = Linker::new(engine);
    weft_wasi::add_to_linker(&mut linker, |host: &mut StepHost| &mut host.wasi)?;
    let d = module.decoded();
    for import in &d.imports {
        let (m, n) = (import.module.as_str(), import.name.as_str());
        match &import.ty {
            ImportType::Func(_) if m == weft_wasi::MODULE => {}
            ImportType::Func(type_index) => {
                let ty = d.types.get(*type_index as usize).and_then(|t| t.as_func()).cloned().unwrap_or_default();
                let prints = m == "env"
                    && matches!(n, "log" | "alert")
                    && ty.params() == [ValType::I32, ValType::I32]
                    && ty.results().is_empty();
                if prints {
                    let name = n.to_string();
                    linker.func_new(m, n, ty, move |mut caller, args, _| {
                        let text = read_string(&caller, args)?;
                        caller.data_mut().printed.push(format!("{name}: {text}"));
                        Ok(())
                    })?;
                } else {
                    let what = format!("{m}.{n}");
                    linker.func_new(m, n, ty, move |_, _, _| {
                        Err(Trap::host(format!("{what} is not provided by `{tool}`")))
                    })?;
                }
            }
            ImportType::Memory(ty) => {
                let memory = Memory::new(&mut *store, *ty)?;
                linker.define(m, n, Extern::Memory(memory))?;
            }
            ImportType::Table(ty) => {
                let table = Table::new(&mut *store, *ty, Val::null_of(ty.element.heap))?;
                linker.define(m, n, Extern::Table(table))?;
            }
            ImportType::Global(ty) => {
                let global = Global::new(&mut *store, *ty, Val::default_for(ty.content))?;
                linker.define(m, n, Extern::Global(global))?;
            }
            ImportType::Tag(_) => return Err(format!("`{tool}` cannot provide the tag import {m}.{n}").into()),
        }
    }
    Ok(linker)
}

/// The UTF-8 string at (pointer, length) `args` in the caller's exported
/// memory.
fn read_string(caller: &Caller<'_, StepHost>, args: &[Val]) -> Result<String, Trap> {
    let (Some(ptr), Some(len)) = (args.first().and_then(Val::i32), args.get(1).and_then(Val::i32)) else {
        return Err(Trap::host("expected (i32, i32)"));
    };
    let memory =
        caller.get_export("memory").and_then(Extern::into_memory).ok_or_else(|| Trap::host("no exported memory"))?;
    let mut buf = vec![0; len as u32 as usize];
    memory.read(caller, ptr as u32 as usize, &mut buf).map_err(|e| Trap::host(e.to_string()))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `$name` from the name section, else `func INDEX`.
pub fn func_name(module: &Module, index: u32) -> String {
    match module.decoded().names().function(index) {
        Some(name) => format!("${name}"),
        None => format!("func {index}"),
    }
}

/// An instruction as the text format writes it, with function indices
/// replaced by their names where the name section has them.
pub fn instruction_text(module: &Module, instr: Option<Instr>, text: &str) -> String {
    match instr {
        Some(Instruction::Call { function_index } | Instruction::ReturnCall { function_index }) => {
            let mnemonic = text.split(' ').next().unwrap_or(text);
            format!("{mnemonic} {}", func_name(module, function_index))
        }
        _ => text.to_string(),
    }
}

/// Values as a comma-separated list of `TYPE:VALUE`.
pub fn list(values: &[Val]) -> String {
    values.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// What a store, `global.set` or `table.set` is about to write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    /// `global.set`.
    Global {
        /// The global's index.
        index: u32,
        /// The value written.
        value: Val,
    },
    /// `table.set`.
    Table {
        /// The table's index.
        table: u32,
        /// The element's index.
        at: u64,
        /// The value written.
        value: Val,
    },
    /// A store: `len` bytes of the memory the instruction names, at
    /// `start`.
    Memory {
        /// The memory's index.
        memory: u32,
        /// The effective address.
        start: u64,
        /// How many bytes.
        len: u64,
        /// The value stored.
        value: Val,
    },
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Global { index, value } => write!(f, "global {index} := {value}"),
            Effect::Table { table, at, value } => write!(f, "table {table}[{at}] := {value}"),
            Effect::Memory { start, len, value, .. } => write!(f, "mem[{start}..{}] := {value}", start + len),
        }
    }
}

/// What instruction `instr` (whose text form is `text`) is about to write,
/// from the operands `before` it runs.
pub fn effect(instr: Instr, text: &str, before: &[Val]) -> Option<Effect> {
    let top = |n: usize| before.len().checked_sub(n).and_then(|i| before.get(i)).copied();
    let index = |v: Val| match v {
        Val::I32(a) => Some(u64::from(a as u32)),
        Val::I64(a) => Some(a as u64),
        _ => None,
    };
    match instr {
        Instruction::GlobalSet { global_index } => return Some(Effect::Global { index: global_index, value: top(1)? }),
        Instruction::TableSet { table_index } => {
            return Some(Effect::Table { table: table_index, at: index(top(2)?)?, value: top(1)? });
        }
        _ => {}
    }
    let len = store_width(instr)?;
    let addr = index(top(2)?)?;
    // The text is `MNEMONIC [MEMORY] [offset=N] [align=N]`.
    let offset: u64 = text.split(' ').find_map(|w| w.strip_prefix("offset=")).and_then(|o| o.parse().ok()).unwrap_or(0);
    let memory: u32 = text.split(' ').nth(1).and_then(|w| w.parse().ok()).unwrap_or(0);
    Some(Effect::Memory { memory, start: addr.checked_add(offset)?, len, value: top(1)? })
}

/// How many bytes a plain store instruction writes (`None` for any other
/// instruction).
pub fn store_width(instr: Instr) -> Option<u64> {
    let mnemonic = instr.mnemonic();
    Some(match mnemonic.split_once('.')?.1 {
        "store8" => 1,
        "store16" => 2,
        "store32" => 4,
        "store" if mnemonic.starts_with("v128") => 16,
        "store" if mnemonic.starts_with("i64") || mnemonic.starts_with("f64") => 8,
        "store" => 4,
        _ => return None,
    })
}
