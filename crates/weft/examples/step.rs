//! Watching WebAssembly execute: runs `fac(3)` from `examples/fac.wat` one
//! instruction at a time with a [`Stepper`] and prints, before each
//! instruction, the call depth, the instruction and the operand stack —
//! a `weft trace` in forty lines.
//!
//! Run with `cargo run -p weft --example step`.

use weft::{Config, Engine, EngineKind, Linker, Module, Step, Stepper, Store, Val};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The stepper runs on the reference engine, shaped like the spec's
    // execution chapter.
    let mut config = Config::new();
    config.engine_kind(EngineKind::Reference);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, include_str!("../../../examples/fac.wat"))?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
    let fac = instance.get_func("fac").ok_or("no export `fac`")?;

    let mut stepper = Stepper::new(&mut store, fac, &[Val::I64(3)])?;
    loop {
        // The innermost frame's next instruction, and the operand stack.
        if let Some(frame) = stepper.frames().first() {
            let stack: Vec<String> = stepper.operand_stack().iter().map(ToString::to_string).collect();
            let labels: Vec<String> = stepper.labels(0).iter().map(|l| format!("{}/{}", l.kind, l.arity)).collect();
            println!(
                "{:indent$}{:<20} stack: [{}]  labels: [{}]",
                "",
                frame.next_text,
                stack.join(", "),
                labels.join(", "),
                indent = 2 * stepper.depth()
            );
        }
        match stepper.step(&mut store)? {
            Step::Running => {}
            Step::Finished(results) => {
                println!("fac(3) = {}", results[0]);
                assert_eq!(results, [Val::I64(6)]);
                return Ok(());
            }
        }
    }
}
