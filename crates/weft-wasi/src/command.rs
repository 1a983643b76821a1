//! Running a WASI command: instantiate with the WASI imports, call
//! `_start`, and turn `proc_exit` into an exit status. `weft run` and the
//! WASI testsuite runner share this code.

use weft_exec::{Engine, Error, Instance, Linker, Module, Store};

use crate::ctx::WasiCtx;

/// Instantiates `module` in a new store holding `ctx`, with every WASI
/// function defined (plus whatever `extra` adds to the linker), and
/// returns the store and the instance. Link errors name the import.
pub fn instantiate(
    engine: &Engine,
    module: &Module,
    ctx: WasiCtx,
    extra: impl FnOnce(&mut Linker<WasiCtx>) -> Result<(), Error>,
) -> Result<(Store<WasiCtx>, Instance), Error> {
    let mut linker = Linker::new(engine);
    crate::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx)?;
    extra(&mut linker)?;
    let mut store = Store::new(engine, ctx);
    let instance = linker.instantiate(&mut store, module)?;
    Ok((store, instance))
}

/// Runs `module` as a WASI command: calls its `_start` export and returns
/// the exit status (0 if `_start` returns, the `proc_exit` argument if it
/// exits), with the context afterwards (to read pipes, for instance). A
/// trap other than `proc_exit`, or a link error, is an `Err`.
pub fn run_command(engine: &Engine, module: &Module, ctx: WasiCtx) -> Result<(i32, WasiCtx), Error> {
    let (mut store, instance) = instantiate(engine, module, ctx, |_| Ok(()))?;
    let start = instance
        .get_func("_start")
        .ok_or_else(|| Error::Usage("the module exports no `_start` function (not a WASI command)".into()))?;
    match start.call(&mut store, &[], &mut []) {
        Ok(()) => Ok((0, store.into_data())),
        Err(e) => match e.as_trap().and_then(weft_exec::Trap::exit_status) {
            Some(status) => Ok((status, store.into_data())),
            None => Err(e),
        },
    }
}
