//! Guest pointers at the very top of a full 4 GiB memory, where an
//! unchecked `ptr + offset` on a `u32` wraps (and panics in a debug
//! build): every structure that fits exactly below 2^32 works, one byte
//! more is `EFAULT`, and no call panics.
//!
//! The memory is a zeroed `Vec` of 2^32 bytes, which the allocator maps
//! lazily (only the pages a call touches are ever committed), handed to
//! the host functions directly (`weft_wasi::call`). A wasm module with
//! `(memory 65536)` would reach the same code, but instantiating one
//! today writes all 4 GiB eagerly (the startup/footprint issue), so the
//! module-level test below uses the top of a one-page memory instead.

use weft::{Engine, Module, Val};
use weft_wasi::{Errno, Pipe, WasiCtx};

/// 2^32: one past the last address of a 4 GiB memory.
const TOP: u64 = 1 << 32;

fn i(x: u64) -> Val {
    Val::I32(x as u32 as i32)
}

fn l(x: u64) -> Val {
    Val::I64(x as i64)
}

/// A 4 GiB guest memory, committed only where written.
fn full_memory() -> Vec<u8> {
    vec![0u8; TOP as usize]
}

fn put_u32(mem: &mut [u8], at: u64, v: u32) {
    mem[at as usize..at as usize + 4].copy_from_slice(&v.to_le_bytes());
}

fn get_u32(mem: &[u8], at: u64) -> u32 {
    u32::from_le_bytes(mem[at as usize..at as usize + 4].try_into().unwrap())
}

fn errno(result: Result<i32, i32>) -> i32 {
    result.expect("not proc_exit")
}

const OK: i32 = Errno::Success as i32;
const FAULT: i32 = Errno::Fault as i32;

#[test]
fn structures_ending_exactly_at_4_gib_work_and_one_byte_more_faults() {
    let sandbox = tempfile::tempdir().unwrap();
    std::fs::create_dir(sandbox.path().join("d")).unwrap();
    let stdout = Pipe::new();
    let mut ctx = WasiCtx::builder()
        .args(["p", "x"])
        .stdout(stdout.clone())
        .preopened_dir(sandbox.path(), "/sandbox")
        .build()
        .unwrap();
    let mut mem = full_memory();
    let mut call = |mem: &mut Vec<u8>, name: &str, args: &[Val]| errno(weft_wasi::call(&mut ctx, mem, name, args));

    // Fixed-size results: fdstat (24 bytes), filestat (64), prestat (8),
    // timestamps (8).
    for (name, fd, size) in [("fd_fdstat_get", 1, 24), ("fd_filestat_get", 1, 64), ("fd_prestat_get", 3, 8)] {
        assert_eq!(call(&mut mem, name, &[i(fd), i(TOP - size)]), OK, "{name}");
        assert_eq!(call(&mut mem, name, &[i(fd), i(TOP - size + 1)]), FAULT, "{name}");
        assert_eq!(call(&mut mem, name, &[i(fd), i(TOP - 1)]), FAULT, "{name}");
    }
    assert_eq!(get_u32(&mem, TOP - 4), "/sandbox".len() as u32, "prestat's name length");
    assert_eq!(call(&mut mem, "clock_time_get", &[i(1), l(0), i(TOP - 8)]), OK);
    assert_eq!(call(&mut mem, "clock_time_get", &[i(1), l(0), i(TOP - 7)]), FAULT);
    assert_eq!(call(&mut mem, "random_get", &[i(TOP - 16), i(16)]), OK);
    assert_eq!(call(&mut mem, "random_get", &[i(TOP - 16), i(17)]), FAULT);

    // An iovec in the last 8 bytes, naming 4 bytes just below it.
    mem[(TOP - 12) as usize..(TOP - 8) as usize].copy_from_slice(b"top!");
    put_u32(&mut mem, TOP - 8, (TOP - 12) as u32);
    put_u32(&mut mem, TOP - 4, 4);
    assert_eq!(call(&mut mem, "fd_write", &[i(1), i(TOP - 8), i(1), i(TOP - 16)]), OK);
    assert_eq!(stdout.take(), b"top!");
    assert_eq!(get_u32(&mem, TOP - 16), 4);
    // Two iovecs, or one starting 4 bytes from the end: past the top.
    assert_eq!(call(&mut mem, "fd_write", &[i(1), i(TOP - 8), i(2), i(TOP - 16)]), FAULT);
    assert_eq!(call(&mut mem, "fd_write", &[i(1), i(TOP - 4), i(1), i(TOP - 16)]), FAULT);
    assert!(stdout.contents().is_empty());

    // argv: two pointers in the last 8 bytes, strings just below them.
    assert_eq!(call(&mut mem, "args_get", &[i(TOP - 8), i(TOP - 12)]), OK);
    assert_eq!(&mem[(TOP - 12) as usize..(TOP - 8) as usize], b"p\0x\0");
    assert_eq!(call(&mut mem, "args_get", &[i(TOP - 4), i(0)]), FAULT);
    assert_eq!(call(&mut mem, "args_get", &[i(0), i(TOP - 3)]), FAULT);

    // A directory listing whose buffer ends at the top and fills up
    // exactly with the first entry's header (where the old code computed
    // `buf + used` = 2^32).
    assert_eq!(call(&mut mem, "fd_readdir", &[i(3), i(TOP - 24), i(24), l(0), i(0)]), OK);
    assert_eq!(get_u32(&mem, 0), 24);
    assert_eq!(call(&mut mem, "fd_readdir", &[i(3), i(TOP - 23), i(24), l(0), i(0)]), FAULT);

    // poll_oneoff: a clock subscription (timeout 0) in the last 48 bytes,
    // its event in the 32 bytes below it.
    let sub = TOP - 48;
    mem[sub as usize..].fill(0);
    mem[sub as usize..sub as usize + 8].copy_from_slice(&77u64.to_le_bytes());
    put_u32(&mut mem, sub + 16, 1); // monotonic clock
    assert_eq!(call(&mut mem, "poll_oneoff", &[i(sub), i(sub - 32), i(1), i(0)]), OK);
    assert_eq!(get_u32(&mem, 0), 1);
    assert_eq!(get_u32(&mem, sub - 32), 77);
    assert_eq!(call(&mut mem, "poll_oneoff", &[i(sub + 1), i(0), i(1), i(4)]), FAULT);
    assert_eq!(call(&mut mem, "poll_oneoff", &[i(0), i(TOP - 31), i(1), i(4)]), FAULT);
}

/// Every function, with every argument drawn from the addresses around
/// the top of the memory and small values (lengths, descriptors): an
/// errno, never a panic. Lengths never exceed 64 while pointers are near
/// the top, so no call touches more than a few pages.
#[test]
fn every_function_with_pointers_near_4_gib_returns_an_errno() {
    const FUNCTIONS: &[(&str, &str)] = &[
        ("args_get", "ii"),
        ("args_sizes_get", "ii"),
        ("environ_get", "ii"),
        ("environ_sizes_get", "ii"),
        ("clock_res_get", "ii"),
        ("clock_time_get", "iIi"),
        ("fd_fdstat_get", "ii"),
        ("fd_filestat_get", "ii"),
        ("fd_pread", "iiiIi"),
        ("fd_prestat_get", "ii"),
        ("fd_prestat_dir_name", "iii"),
        ("fd_pwrite", "iiiIi"),
        ("fd_read", "iiii"),
        ("fd_readdir", "iiiIi"),
        ("fd_seek", "iIii"),
        ("fd_tell", "ii"),
        ("fd_write", "iiii"),
        ("path_filestat_get", "iiiii"),
        ("path_open", "iiiiiIIii"),
        ("path_readlink", "iiiiii"),
        ("poll_oneoff", "iiii"),
        ("sock_recv", "iiiiii"),
    ];
    let sandbox = tempfile::tempdir().unwrap();
    std::fs::write(sandbox.path().join("f"), "file").unwrap();
    let mut mem = full_memory();
    // Plausible structures at the top: iovecs of 8 bytes at 2^32-64.
    for k in 0..8 {
        put_u32(&mut mem, TOP - 64 + 8 * k, (TOP - 64) as u32);
        put_u32(&mut mem, TOP - 60 + 8 * k, 8);
    }
    let pointers: Vec<u64> = (1..=64).map(|k| TOP - k).collect();
    let small = [0u64, 1, 2, 3, 4, 8, 24, 48, 64];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut calls = 0;
    for &(name, sig) in FUNCTIONS {
        let mut ctx = WasiCtx::builder().args(["p"]).preopened_dir(sandbox.path(), "/").build().unwrap();
        for _ in 0..200 {
            let args: Vec<Val> = sig
                .chars()
                .enumerate()
                .map(|(k, t)| {
                    let r = next();
                    let v = if k == 0 {
                        small[r as usize % 4] // a descriptor: stdin, stdout, stderr or the preopen
                    } else if r % 2 == 0 {
                        pointers[(r >> 8) as usize % pointers.len()]
                    } else {
                        small[(r >> 8) as usize % small.len()]
                    };
                    if t == 'I' { l(v) } else { i(v) }
                })
                .collect();
            let _ = weft_wasi::call(&mut ctx, &mut mem, name, &args);
            calls += 1;
        }
    }
    assert_eq!(calls, FUNCTIONS.len() * 200);
}

/// The same through a module: a one-page memory, pointers in its last
/// bytes and at 2^32 - 1 (where `ptr + 8` wraps to 7), through the
/// engine's host-call path.
#[test]
fn a_module_passing_pointers_at_its_memory_top_gets_efault() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "fdstat") (param i32) (result i32) (call $fdstat (i32.const 1) (local.get 0)))
            (func (export "poll") (param i32 i32) (result i32)
                (call $poll (local.get 0) (local.get 1) (i32.const 1) (i32.const 0))))"#,
    )
    .unwrap();
    let ctx = WasiCtx::builder().build().unwrap();
    let (mut store, instance) = weft_wasi::instantiate(&engine, &module, ctx, |_| Ok(())).unwrap();
    let fdstat = instance.get_typed_func::<i32, i32, _>(&store, "fdstat").unwrap();
    let poll = instance.get_typed_func::<(i32, i32), i32, _>(&store, "poll").unwrap();
    let page = 65536;
    assert_eq!(fdstat.call(&mut store, page - 24).unwrap(), OK);
    assert_eq!(fdstat.call(&mut store, page - 23).unwrap(), FAULT);
    assert_eq!(fdstat.call(&mut store, -1).unwrap(), FAULT);
    assert_eq!(fdstat.call(&mut store, -8).unwrap(), FAULT);
    assert_eq!(poll.call(&mut store, (page - 48, 64)).unwrap(), OK);
    assert_eq!(poll.call(&mut store, (-1, 64)).unwrap(), FAULT);
    assert_eq!(poll.call(&mut store, (-48, 64)).unwrap(), FAULT);
    assert_eq!(poll.call(&mut store, (0, -32)).unwrap(), FAULT);
}
