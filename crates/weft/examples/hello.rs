//! The browser's hello world, outside the browser: `examples/hello.wat`
//! imports `env.log` and `env.alert`; here the host provides them as
//! closures that read the string out of the module's memory.
//!
//! Run with `cargo run -p weft --example hello`.

use weft::{Caller, Engine, Linker, Module, Store, Trap};

/// Reads the UTF-8 string at `ptr..ptr+len` in the caller's exported memory.
fn read_string<T>(caller: &Caller<'_, T>, ptr: i32, len: i32) -> Result<String, Trap> {
    let memory = caller
        .get_export("memory")
        .and_then(|e| e.into_memory())
        .ok_or_else(|| Trap::host("the module exports no memory"))?;
    let mut buf = vec![0; len as u32 as usize];
    memory.read(caller, ptr as u32 as usize, &mut buf).map_err(|e| Trap::host(e.to_string()))?;
    String::from_utf8(buf).map_err(|e| Trap::host(e.to_string()))
}

fn main() -> Result<(), weft::Error> {
    let engine = Engine::default();
    let module = Module::new(&engine, include_str!("../../../examples/hello.wat"))?;

    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "log", |caller: Caller<'_, ()>, ptr: i32, len: i32| {
        println!("{}", read_string(&caller, ptr, len)?);
        Ok(())
    })?;
    linker.func_wrap("env", "alert", |caller: Caller<'_, ()>, ptr: i32, len: i32| {
        println!("[alert] {}", read_string(&caller, ptr, len)?);
        Ok(())
    })?;

    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    let main = instance.get_typed_func::<(), (), _>(&store, "main")?;
    main.call(&mut store, ())?;
    Ok(())
}
