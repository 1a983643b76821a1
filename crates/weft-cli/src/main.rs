//! `weft`: run, validate and inspect WebAssembly modules.

// First, so that its `print!`/`println!`/`eprint!`/`eprintln!` shadow
// std's in every module below: a closed pipe (`weft inspect x | head`)
// ends the process quietly with status 141, as it ends `cat`.
#[macro_use]
mod output;

mod commands;
mod input;
mod stepping;
mod values;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// weft — a WebAssembly runtime written from scratch.
#[derive(Parser)]
#[command(name = "weft", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a WASI command (`_start`), or call one export with `--invoke`.
    /// Exits with the program's `proc_exit` status, or 134 on a trap.
    Run(commands::run::Args),
    /// Check that a module is valid: exit 0 if it is, else print the error
    /// with its byte offset and exit 1.
    Validate(commands::validate::Args),
    /// Show a module's sections, imports, exports and function sizes.
    Inspect(commands::inspect::Args),
    /// Run WebAssembly spec scripts (`.wast`): one line per failure as
    /// `file:line:col: message`, then `N passed, M failed`.
    Wast(commands::wast::Args),
    /// Run one call on the reference engine and print every instruction
    /// it executes with the operand stack after it, then the results.
    Trace(commands::trace::Args),
    /// Step through a call in the browser: serves a page and a JSON API on
    /// 127.0.0.1 showing the code, operand stack, labels, frames, globals
    /// and memory as each instruction runs.
    Studio(commands::studio::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => commands::run::run(&args),
        Command::Validate(args) => commands::validate::run(&args),
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::Wast(args) => commands::wast::run(&args),
        Command::Trace(args) => commands::trace::run(&args),
        Command::Studio(args) => commands::studio::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
