//! `weft inspect FILE`: what a module contains, section by section, and
//! which functions the threaded engine leaves to the reference engine;
//! with `--threaded[=FUNC]`, the threaded code of one function (an index,
//! imports first, or an export name) or of every defined function.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use weft_decode::{DataMode, ElementMode, ExternKind, Features, ImportType, Module};

use crate::input::read_module;

/// Arguments of `weft inspect`.
#[derive(clap::Args)]
pub struct Args {
    /// The module: `.wasm` or `.wat`.
    file: PathBuf,
    /// Print the threaded engine's code instead: of function FUNC (an
    /// index, imports first, or an export name), or of every defined
    /// function when FUNC is left out.
    #[arg(long, value_name = "FUNC", num_args = 0..=1, default_missing_value = "", require_equals = true)]
    threaded: Option<String>,
}

/// Runs `weft inspect`.
pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let bytes = read_module(&args.file)?;
    if let Some(func) = &args.threaded {
        return threaded(&args.file, &bytes, func);
    }
    match Module::decode_all(&bytes, Features::default()) {
        Ok(module) => {
            print!("{}", describe(&module));
            print!("{}", fallbacks(&bytes));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("{}: malformed: {e}", args.file.display());
            Ok(ExitCode::from(1))
        }
    }
}

fn section_name(id: u8) -> &'static str {
    match id {
        0 => "custom",
        1 => "type",
        2 => "import",
        3 => "function",
        4 => "table",
        5 => "memory",
        6 => "global",
        7 => "export",
        8 => "start",
        9 => "element",
        10 => "code",
        11 => "data",
        12 => "datacount",
        13 => "tag",
        _ => "unknown",
    }
}

/// The text `weft inspect` prints for `module`.
pub fn describe(module: &Module) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "module: {} bytes", module.bytes().len());
    let _ = writeln!(out, "sections:");
    for s in &module.sections {
        let _ = writeln!(
            out,
            "  {:<10} start=0x{:06x} size={}",
            section_name(s.id),
            s.range.start,
            s.range.end - s.range.start
        );
    }
    if !module.types.is_empty() {
        let _ = writeln!(out, "types: {}", module.types.len());
        for (i, t) in module.types.iter().enumerate() {
            match t.as_func() {
                Some(f) => {
                    let _ = writeln!(out, "  {i}: {f}");
                }
                None => {
                    let _ = writeln!(out, "  {i}: {:?}", t.composite);
                }
            }
        }
    }
    if !module.imports.is_empty() {
        let _ = writeln!(out, "imports: {}", module.imports.len());
        for i in &module.imports {
            let ty = match &i.ty {
                ImportType::Func(t) => format!("func (type {t})"),
                ImportType::Table(t) => format!("table {} {}", limits(t.limits.min, t.limits.max), t.element),
                ImportType::Memory(m) => format!("memory {}", limits(m.limits.min, m.limits.max)),
                ImportType::Global(g) => format!("global {}{}", if g.mutable { "mut " } else { "" }, g.content),
                ImportType::Tag(t) => format!("tag (type {})", t.type_index),
            };
            let _ = writeln!(out, "  {}.{}: {ty}", i.module, i.name);
        }
    }
    if !module.exports.is_empty() {
        let _ = writeln!(out, "exports: {}", module.exports.len());
        for e in &module.exports {
            let _ = writeln!(out, "  {:?}: {} {}", e.name, e.kind.name(), e.index);
        }
    }
    if let Some(start) = module.start {
        let _ = writeln!(out, "start: func {start}");
    }
    for (i, t) in module.tables.iter().enumerate() {
        let index = module.num_imported_tables as usize + i;
        let _ = writeln!(out, "table {index}: {} {}", limits(t.ty.limits.min, t.ty.limits.max), t.ty.element);
    }
    for (i, m) in module.memories.iter().enumerate() {
        let index = module.num_imported_memories as usize + i;
        let kind = if m.index64 { " i64" } else { "" };
        let _ = writeln!(out, "memory {index}:{kind} {} pages", limits(m.limits.min, m.limits.max));
    }
    for (i, g) in module.globals.iter().enumerate() {
        let index = module.num_imported_globals as usize + i;
        let _ = writeln!(out, "global {index}: {}{}", if g.ty.mutable { "mut " } else { "" }, g.ty.content);
    }
    if !module.code.is_empty() {
        let _ = writeln!(out, "functions: {} defined, {} imported", module.code.len(), module.num_imported_functions);
        for (i, body) in module.code.iter().enumerate() {
            let index = module.num_imported_functions + i as u32;
            let name = module.names().function(index).map(|n| format!(" ${n}")).unwrap_or_default();
            let exported: Vec<&str> = module
                .exports
                .iter()
                .filter(|e| e.kind == ExternKind::Func && e.index == index)
                .map(|e| e.name.as_str())
                .collect();
            let exported =
                if exported.is_empty() { String::new() } else { format!(" (export {})", exported.join(", ")) };
            let ty = module.func_type(index).map(|t| t.to_string()).unwrap_or_default();
            let _ = writeln!(
                out,
                "  func {index}{name}: {ty} locals={} code={} bytes{exported}",
                body.num_locals,
                body.code.end - body.code.start
            );
        }
    }
    for (i, e) in module.elements.iter().enumerate() {
        let mode = match &e.mode {
            ElementMode::Active { table, .. } => format!("active table {table}"),
            ElementMode::Passive => "passive".to_string(),
            ElementMode::Declared => "declared".to_string(),
        };
        let _ = writeln!(out, "elem {i}: {mode}, {} {}", e.items.len(), e.ty);
    }
    for (i, d) in module.data.iter().enumerate() {
        let mode = match &d.mode {
            DataMode::Active { memory, .. } => format!("active memory {memory}"),
            DataMode::Passive => "passive".to_string(),
        };
        let _ = writeln!(out, "data {i}: {mode}, {} bytes", d.range.end - d.range.start);
    }
    for c in &module.customs {
        let _ = writeln!(out, "custom {:?}: {} bytes", c.name, c.range.end - c.range.start);
    }
    out
}

/// The functions the default (threaded) engine leaves to the reference
/// engine, and why; empty if there are none or the module is invalid.
pub fn fallbacks(bytes: &[u8]) -> String {
    let mut out = String::new();
    let Ok(module) = weft::Module::from_binary(&weft::Engine::default(), bytes) else { return out };
    let fallbacks = module.fallbacks();
    if fallbacks.is_empty() {
        return out;
    }
    let n = fallbacks.len();
    let _ =
        writeln!(out, "fallbacks: {n} {} on another engine", if n == 1 { "function runs" } else { "functions run" });
    for f in fallbacks {
        let name = f.name.map(|n| format!(" ${n}")).unwrap_or_default();
        let _ = writeln!(out, "  func {}{name}: {} engine ({})", f.func_index, f.executor, f.reason);
    }
    out
}

/// `weft inspect --threaded[=FUNC]`: the threaded code of `func` (all
/// defined functions if empty).
fn threaded(path: &std::path::Path, bytes: &[u8], func: &str) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let module = match weft::Module::from_binary(&weft::Engine::default(), bytes) {
        Ok(m) => m,
        Err(e) => {
            println!("{}: {e}", path.display());
            return Ok(ExitCode::from(1));
        }
    };
    let decoded = &module.inner().decoded;
    let imported = decoded.num_imported_functions;
    let all = imported..imported + decoded.code.len() as u32;
    let funcs: Vec<u32> = if func.is_empty() {
        all.collect()
    } else if let Ok(index) = func.parse::<u32>() {
        vec![index]
    } else {
        let export = decoded.exports.iter().find(|e| e.name == func && e.kind == ExternKind::Func);
        match export {
            Some(e) => vec![e.index],
            None => {
                println!("{}: no exported function {func:?}", path.display());
                return Ok(ExitCode::from(1));
            }
        }
    };
    let mut failed = false;
    for (i, f) in funcs.into_iter().enumerate() {
        if i > 0 {
            println!();
        }
        match weft::raw::threaded::disassemble(&module, f) {
            Ok(Some(text)) => print!("{text}"),
            Ok(None) => {
                println!(
                    "func {f}: not a defined function (imports come first: {imported} imported, {} defined)",
                    decoded.code.len()
                );
                failed = true;
            }
            Err(why) => println!("func {f}: runs on the reference engine ({why})"),
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn limits(min: u64, max: Option<u64>) -> String {
    match max {
        Some(max) => format!("{min}..{max}"),
        None => format!("{min}.."),
    }
}
