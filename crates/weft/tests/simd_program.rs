//! The SIMD benchmark program (`benches/programs/simd_checksum.wat`) runs
//! on the reference engine through the embedding API and prints the
//! checksum its header promises. `fd_write` is a small host function here,
//! so the test needs no WASI implementation.

use weft::{Caller, Config, Engine, EngineKind, Linker, Module, Store, Trap};

const PROGRAM: &str = include_str!("../../../benches/programs/simd_checksum.wat");
const EXPECTED: i64 = 76_089_330_370_659_990;

/// `fd_write(fd, iovs, iovs_len, nwritten) -> errno`, appending what is
/// written to fd 1 to the store's data.
fn fd_write(mut caller: Caller<'_, Vec<u8>>, fd: i32, iovs: i32, len: i32, nwritten: i32) -> Result<i32, Trap> {
    let memory = caller.get_export("memory").and_then(|e| e.into_memory()).ok_or_else(|| Trap::host("no memory"))?;
    let mut written = 0u32;
    for i in 0..len as usize {
        let mut iov = [0u8; 8];
        memory.read(&caller, iovs as usize + 8 * i, &mut iov).map_err(|e| Trap::host(e.to_string()))?;
        let ptr = u32::from_le_bytes([iov[0], iov[1], iov[2], iov[3]]) as usize;
        let n = u32::from_le_bytes([iov[4], iov[5], iov[6], iov[7]]);
        let mut bytes = vec![0; n as usize];
        memory.read(&caller, ptr, &mut bytes).map_err(|e| Trap::host(e.to_string()))?;
        if fd == 1 {
            caller.data_mut().extend_from_slice(&bytes);
        }
        written += n;
    }
    memory.write(&mut caller, nwritten as usize, &written.to_le_bytes()).map_err(|e| Trap::host(e.to_string()))?;
    Ok(0)
}

#[test]
fn simd_checksum_program_prints_its_checksum_on_the_reference_engine() {
    let mut config = Config::new();
    config.engine_kind(EngineKind::Reference);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, PROGRAM).unwrap();
    let mut linker = Linker::new(&engine);
    linker.func_wrap("wasi_snapshot_preview1", "fd_write", fd_write).unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module).unwrap();

    let start = instance.get_typed_func::<(), (), _>(&store, "_start").unwrap();
    start.call(&mut store, ()).unwrap();
    assert_eq!(String::from_utf8_lossy(store.data()), format!("simd checksum: {}\n", EXPECTED as u64));

    let checksum = instance.get_typed_func::<(), i64, _>(&store, "checksum").unwrap();
    assert_eq!(checksum.call(&mut store, ()).unwrap(), EXPECTED);
}
