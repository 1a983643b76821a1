//! The capability sandbox and the guest-input hardening of weft-wasi,
//! exercised by calling the host functions directly (as a guest would,
//! with arguments and a linear memory) and through small wasm modules.
//!
//! * paths never leave a preopen: `..`, absolute paths, symlinks planted
//!   pointing outside, chains of them, loops (`ELOOP`), and paths that go
//!   out and come back in (which must fail too: no transient escape);
//! * NUL in a path is `EINVAL`;
//! * bad pointers are `EFAULT`, huge guest sizes fail fast without host
//!   allocation;
//! * `fd_renumber` only moves the guest's own descriptors;
//! * read-only preopens grant no mutation;
//! * stdio pipes and `proc_exit` through real modules.

use std::os::fd::AsRawFd;
use std::path::Path;

use weft::{Engine, Module, Val};
use weft_wasi::{Errno, Pipe, WasiCtx};

const MEM: usize = 1 << 16;
/// Where tests put path strings.
const PATH: u32 = 1024;
/// Where functions write their results.
const OUT: u32 = 2048;

fn i(x: u32) -> Val {
    Val::I32(x as i32)
}

fn l(x: u64) -> Val {
    Val::I64(x as i64)
}

/// A guest with one preopened directory (fd 3) and 64 KiB of memory.
struct Guest {
    ctx: WasiCtx,
    mem: Vec<u8>,
}

impl Guest {
    fn new(dir: &Path, read_only: bool) -> Guest {
        let mut b = WasiCtx::builder();
        if read_only {
            b.preopened_dir_read_only(dir, "/sandbox");
        } else {
            b.preopened_dir(dir, "/sandbox");
        }
        Guest { ctx: b.build().unwrap(), mem: vec![0; MEM] }
    }

    fn call(&mut self, name: &str, args: &[Val]) -> Errno {
        let code = weft_wasi::call(&mut self.ctx, &mut self.mem, name, args).expect("a function");
        errno(code)
    }

    fn path(&mut self, p: &str) -> (Val, Val) {
        self.mem[PATH as usize..PATH as usize + p.len()].copy_from_slice(p.as_bytes());
        (i(PATH), i(p.len() as u32))
    }

    fn u32_at(&self, at: u32) -> u32 {
        u32::from_le_bytes(self.mem[at as usize..at as usize + 4].try_into().unwrap())
    }

    /// `path_open(3, flags, path, oflags, rights)`, the new fd on success.
    fn open(&mut self, p: &str, follow: bool, oflags: u32, rights: u64) -> Result<u32, Errno> {
        let (ptr, len) = self.path(p);
        let e =
            self.call("path_open", &[i(3), i(follow as u32), ptr, len, i(oflags), l(rights), l(rights), i(0), i(OUT)]);
        if e == Errno::Success { Ok(self.u32_at(OUT)) } else { Err(e) }
    }

    fn read_all(&mut self, fd: u32) -> Result<Vec<u8>, Errno> {
        // One iovec at 0: 512 bytes at 4096.
        self.mem[0..4].copy_from_slice(&4096u32.to_le_bytes());
        self.mem[4..8].copy_from_slice(&512u32.to_le_bytes());
        let e = self.call("fd_read", &[i(fd), i(0), i(1), i(OUT)]);
        if e != Errno::Success {
            return Err(e);
        }
        let n = self.u32_at(OUT) as usize;
        Ok(self.mem[4096..4096 + n].to_vec())
    }
}

fn errno(code: i32) -> Errno {
    // Every errno the tests expect, by number.
    [
        Errno::Success,
        Errno::Badf,
        Errno::Fault,
        Errno::Inval,
        Errno::Loop,
        Errno::Nametoolong,
        Errno::Noent,
        Errno::Notdir,
        Errno::Perm,
        Errno::Notcapable,
        Errno::Exist,
        Errno::Isdir,
        Errno::Acces,
    ]
    .into_iter()
    .find(|e| *e as i32 == code)
    .unwrap_or_else(|| panic!("unexpected errno {code}"))
}

/// `fd_read`, `fd_seek`, `path_open`, `fd_readdir`, `fd_filestat_get`.
const READ: u64 = (1 << 1) | (1 << 2) | (1 << 13) | (1 << 14) | (1 << 21);
const ALL: u64 = (1 << 30) - 1;
const CREAT: u32 = 1;

/// `outer/` holds `secret.txt` and the sandbox `outer/sandbox/` with
/// `file.txt`, `sub/`, and symlinks planted by the host.
fn layout() -> (tempfile::TempDir, std::path::PathBuf) {
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join("secret.txt"), "secret").unwrap();
    let sandbox = outer.path().join("sandbox");
    std::fs::create_dir_all(sandbox.join("sub")).unwrap();
    std::fs::write(sandbox.join("file.txt"), "inside").unwrap();
    let link = |target: &str, name: &str| std::os::unix::fs::symlink(target, sandbox.join(name)).unwrap();
    link("../secret.txt", "up");
    link("/etc/passwd", "absolute");
    link(outer.path().join("secret.txt").to_str().unwrap(), "absolute_secret");
    link("up", "chain1");
    link("chain1", "chain2");
    link("file.txt", "ok1");
    link("ok1", "ok2");
    link("loop_b", "loop_a");
    link("loop_a", "loop_b");
    link("self", "self");
    link("../sandbox/file.txt", "out_and_in");
    link("sub/../file.txt", "dotdot_inside");
    (outer, sandbox)
}

#[test]
fn dotdot_and_absolute_paths_stay_inside() {
    let (_outer, sandbox) = layout();
    let mut g = Guest::new(&sandbox, false);
    for p in ["../secret.txt", "sub/../../secret.txt", "/etc/passwd", "/sandbox/file.txt", "sub/../.."] {
        assert_eq!(g.open(p, true, 0, READ), Err(Errno::Perm), "{p}");
    }
    // Out and back in is refused as well: no transient escape.
    assert_eq!(g.open("../sandbox/file.txt", true, 0, READ), Err(Errno::Perm));
    // Staying inside works, `..` included.
    let fd = g.open("sub/../file.txt", true, 0, READ).unwrap();
    assert_eq!(g.read_all(fd).unwrap(), b"inside");
    // Creating outside fails and creates nothing.
    assert_eq!(g.open("../made.txt", true, CREAT, ALL), Err(Errno::Perm));
    assert!(!sandbox.parent().unwrap().join("made.txt").exists());
    let (ptr, len) = g.path("../newdir");
    assert_eq!(g.call("path_create_directory", &[i(3), ptr, len]), Errno::Perm);
    assert!(!sandbox.parent().unwrap().join("newdir").exists());
}

#[test]
fn planted_symlinks_cannot_lead_outside() {
    let (_outer, sandbox) = layout();
    let mut g = Guest::new(&sandbox, false);
    for p in ["up", "absolute", "absolute_secret", "chain1", "chain2", "out_and_in"] {
        assert_eq!(g.open(p, true, 0, READ), Err(Errno::Perm), "open {p}");
        let (ptr, len) = g.path(p);
        assert_eq!(g.call("path_filestat_get", &[i(3), i(1), ptr, len, i(OUT)]), Errno::Perm, "stat {p}");
        // Not following the link, it is just a link in here.
        assert_eq!(g.call("path_filestat_get", &[i(3), i(0), ptr, len, i(OUT)]), Errno::Success, "lstat {p}");
    }
    // Symlinks as directories in the middle of a path, too.
    std::os::unix::fs::symlink("..", sandbox.join("parent")).unwrap();
    assert_eq!(g.open("parent/secret.txt", false, 0, READ), Err(Errno::Perm));
    // Chains that stay inside resolve.
    let fd = g.open("ok2", true, 0, READ).unwrap();
    assert_eq!(g.read_all(fd).unwrap(), b"inside");
    let fd = g.open("dotdot_inside", true, 0, READ).unwrap();
    assert_eq!(g.read_all(fd).unwrap(), b"inside");
    // Writing through an escaping link changes nothing outside.
    assert_eq!(g.open("up", true, CREAT, ALL), Err(Errno::Perm));
    assert_eq!(std::fs::read_to_string(sandbox.parent().unwrap().join("secret.txt")).unwrap(), "secret");
    // A guest cannot plant an absolute link either.
    let (target, target_len) = (i(PATH + 512), i(11));
    g.mem[PATH as usize + 512..PATH as usize + 523].copy_from_slice(b"/etc/passwd");
    let (ptr, len) = g.path("planted");
    let e = g.call("path_symlink", &[target, target_len, i(3), ptr, len]);
    assert_ne!(e, Errno::Success);
}

#[test]
fn symlink_loops_are_eloop() {
    let (_outer, sandbox) = layout();
    let mut g = Guest::new(&sandbox, false);
    for p in ["loop_a", "loop_b", "self", "loop_a/x"] {
        assert_eq!(g.open(p, true, 0, READ), Err(Errno::Loop), "{p}");
    }
    // Without following, opening the link itself is ELOOP (O_NOFOLLOW).
    assert_eq!(g.open("self", false, 0, READ), Err(Errno::Loop));
}

#[test]
fn nul_in_paths_is_einval() {
    let (_outer, sandbox) = layout();
    let mut g = Guest::new(&sandbox, false);
    assert_eq!(g.open("file.txt\0../secret.txt", true, 0, READ), Err(Errno::Inval));
    let (ptr, len) = g.path("sub\0");
    assert_eq!(g.call("path_remove_directory", &[i(3), ptr, len]), Errno::Inval);
    assert!(sandbox.join("sub").exists());
}

#[test]
fn bad_pointers_are_efault() {
    let (_outer, sandbox) = layout();
    let mut g = Guest::new(&sandbox, false);
    let end = MEM as u32;
    // Results written past the end.
    assert_eq!(g.call("args_sizes_get", &[i(end - 2), i(0)]), Errno::Fault);
    assert_eq!(g.call("clock_time_get", &[i(0), l(0), i(end - 4)]), Errno::Fault);
    assert_eq!(g.call("fd_fdstat_get", &[i(1), i(u32::MAX)]), Errno::Fault);
    // A path that runs off the end.
    assert_eq!(g.call("path_open", &[i(3), i(0), i(end - 3), i(10), i(0), l(0), l(0), i(0), i(OUT)]), Errno::Fault);
    // An iovec pointing outside: nothing is written at all.
    g.mem[0..8].copy_from_slice(&[0, 0, 0xff, 0xff, 16, 0, 0, 0]);
    let stdout = Pipe::new();
    let mut ctx = WasiCtx::builder().stdout(stdout.clone()).build().unwrap();
    let code = weft_wasi::call(&mut ctx, &mut g.mem, "fd_write", &[i(1), i(0), i(1), i(OUT)]).unwrap();
    assert_eq!(errno(code), Errno::Fault);
    assert!(stdout.contents().is_empty());
    // Every pointer of every function: a wild pointer never panics.
    for (name, arity) in [
        ("args_get", 2),
        ("environ_get", 2),
        ("environ_sizes_get", 2),
        ("clock_res_get", 2),
        ("fd_prestat_get", 2),
        ("fd_prestat_dir_name", 3),
        ("fd_filestat_get", 2),
        ("fd_read", 4),
        ("fd_write", 4),
        ("fd_readdir", 5),
        ("fd_tell", 2),
        ("path_filestat_get", 5),
        ("path_readlink", 6),
        ("poll_oneoff", 4),
        ("random_get", 2),
    ] {
        let args: Vec<Val> = (0..arity).map(|k| if k == 0 { i(3) } else { i(u32::MAX - 3) }).collect();
        let _ = g.call(name, &args);
    }
}

#[test]
fn huge_guest_sizes_fail_fast() {
    let (_outer, sandbox) = layout();
    let mut g = Guest::new(&sandbox, false);
    // Lengths beyond the memory are rejected before any work.
    assert_eq!(g.call("random_get", &[i(0), i(u32::MAX)]), Errno::Fault);
    assert_eq!(g.call("fd_write", &[i(1), i(0), i(u32::MAX), i(OUT)]), Errno::Fault);
    assert_eq!(g.call("fd_read", &[i(0), i(0), i(u32::MAX / 8), i(OUT)]), Errno::Fault);
    assert_eq!(g.call("poll_oneoff", &[i(0), i(0), i(u32::MAX), i(OUT)]), Errno::Fault);
    assert_eq!(g.call("fd_readdir", &[i(3), i(0), i(u32::MAX), l(0), i(OUT)]), Errno::Fault);
    // Path lengths are capped well below memory size.
    assert_eq!(
        g.call("path_open", &[i(3), i(0), i(0), i(u32::MAX), i(0), l(0), l(0), i(0), i(OUT)]),
        Errno::Nametoolong
    );
    assert_eq!(g.call("path_open", &[i(3), i(0), i(0), i(8192), i(0), l(0), l(0), i(0), i(OUT)]), Errno::Nametoolong);
    // Randomness fills the whole memory in place.
    assert_eq!(g.call("random_get", &[i(0), i(MEM as u32)]), Errno::Success);
    assert!(g.mem.iter().any(|b| *b != 0));
    // Many iovecs of zero length are walked without allocation.
    g.mem[..4096].fill(0);
    assert_eq!(g.call("fd_write", &[i(1), i(0), i(512), i(OUT)]), Errno::Success);
}

#[test]
fn renumber_only_moves_guest_descriptors() {
    let (_outer, sandbox) = layout();
    let mut g = Guest::new(&sandbox, false);
    let fd = g.open("file.txt", true, 0, READ).unwrap();
    // A host file whose descriptor number the guest does not use.
    let mut host_files = vec![tempfile::tempfile().unwrap()];
    while host_files.last().unwrap().as_raw_fd() as u32 <= fd {
        host_files.push(host_files[0].try_clone().unwrap());
    }
    let host_file = host_files.pop().unwrap();
    let host_fd = host_file.as_raw_fd() as u32;
    // Targets the guest does not own are EBADF, whatever the host has there.
    for target in [host_fd, 100, 1 << 20, u32::MAX] {
        assert_eq!(g.call("fd_renumber", &[i(fd), i(target)]), Errno::Badf, "{target}");
    }
    assert_eq!(g.call("fd_renumber", &[i(host_fd.max(100)), i(fd)]), Errno::Badf);
    assert_eq!(g.call("fd_close", &[i(host_fd.max(100))]), Errno::Badf);
    // The host's file is untouched, and so is the guest's.
    use std::io::Write;
    (&host_file).write_all(b"still mine").unwrap();
    assert_eq!(g.read_all(fd).unwrap(), b"inside");
    // Renumbering between the guest's own descriptors works and closes the target.
    let fd2 = g.open("sub", true, 0, READ).unwrap();
    assert_eq!(g.call("fd_renumber", &[i(fd), i(fd2)]), Errno::Success);
    assert_eq!(g.call("fd_close", &[i(fd)]), Errno::Badf);
    assert_eq!(g.call("fd_seek", &[i(fd2), l(0), i(0), i(OUT)]), Errno::Success);
    assert_eq!(g.read_all(fd2).unwrap(), b"inside");
}

#[test]
fn read_only_preopens_grant_no_mutation() {
    let (_outer, sandbox) = layout();
    let mut g = Guest::new(&sandbox, true);
    assert_eq!(g.open("new.txt", true, CREAT, ALL), Err(Errno::Notcapable));
    assert_eq!(g.open("file.txt", true, 8, ALL), Err(Errno::Perm), "O_TRUNC");
    // Opened with every right requested, it still cannot write.
    let fd = g.open("file.txt", true, 0, ALL).unwrap();
    g.mem[0..8].copy_from_slice(&[0, 16, 0, 0, 4, 0, 0, 0]);
    assert_eq!(g.call("fd_write", &[i(fd), i(0), i(1), i(OUT)]), Errno::Notcapable);
    assert_eq!(g.call("fd_filestat_set_size", &[i(fd), l(0)]), Errno::Notcapable);
    assert_eq!(g.read_all(fd).unwrap(), b"inside");
    for (name, args) in
        [("path_create_directory", vec![i(3)]), ("path_remove_directory", vec![i(3)]), ("path_unlink_file", vec![i(3)])]
    {
        let (ptr, len) = g.path(if name == "path_unlink_file" { "file.txt" } else { "sub" });
        let mut args = args;
        args.extend([ptr, len]);
        assert_eq!(g.call(name, &args), Errno::Notcapable, "{name}");
    }
    let (ptr, len) = g.path("file.txt");
    assert_eq!(g.call("path_rename", &[i(3), ptr, len, i(3), ptr, len]), Errno::Notcapable);
    assert_eq!(g.call("path_filestat_set_times", &[i(3), i(0), ptr, len, l(0), l(0), i(2)]), Errno::Notcapable);
    // Directories opened beneath it are read-only too.
    let sub = g.open("sub", true, 2, ALL).unwrap();
    let (ptr, len) = g.path("x.txt");
    let e = g.call("path_open", &[i(sub), i(0), ptr, len, i(CREAT), l(ALL), l(ALL), i(0), i(OUT)]);
    assert_eq!(e, Errno::Notcapable);
    assert_eq!(std::fs::read_to_string(sandbox.join("file.txt")).unwrap(), "inside");
    assert!(!sandbox.join("new.txt").exists() && !sandbox.join("sub/x.txt").exists());
}

#[test]
fn rights_only_shrink() {
    let (_outer, sandbox) = layout();
    let mut g = Guest::new(&sandbox, false);
    let fd = g.open("file.txt", true, 0, READ).unwrap();
    assert_eq!(g.call("fd_fdstat_set_rights", &[i(fd), l(1 << 21), l(0)]), Errno::Success);
    assert_eq!(g.read_all(fd), Err(Errno::Notcapable));
    assert_eq!(g.call("fd_fdstat_set_rights", &[i(fd), l(READ), l(0)]), Errno::Notcapable);
}

/// A command echoing stdin to stdout, then exiting with status 3.
const ECHO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 256))
    (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 3))
    unreachable))"#;

#[test]
fn pipes_and_proc_exit_through_a_module() {
    let engine = Engine::default();
    let module = Module::new(&engine, ECHO).unwrap();
    let (stdin, stdout) = (Pipe::with_input("ping"), Pipe::new());
    let ctx = WasiCtx::builder().stdin(stdin).stdout(stdout.clone()).build().unwrap();
    let (status, ctx) = weft_wasi::run_command(&engine, &module, ctx).unwrap();
    assert_eq!(status, 3);
    assert_eq!(ctx.exit_code(), Some(3));
    assert_eq!(stdout.contents_string(), "ping");
}

#[test]
fn exit_status_is_recognizable_on_the_trap() {
    let engine = Engine::default();
    let module = Module::new(&engine, ECHO).unwrap();
    let ctx = WasiCtx::builder().build().unwrap();
    let (mut store, instance) = weft_wasi::instantiate(&engine, &module, ctx, |_| Ok(())).unwrap();
    let err = instance.get_func("_start").unwrap().call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(weft_wasi::exit_status(err.as_trap().unwrap()), Some(3));
}

#[test]
fn output_pipes_are_bounded() {
    let p = Pipe::with_capacity(4);
    let mut ctx = WasiCtx::builder().stdout(p.clone()).build().unwrap();
    let mut mem = vec![0u8; 64];
    mem[0..8].copy_from_slice(&[16, 0, 0, 0, 8, 0, 0, 0]);
    mem[16..24].copy_from_slice(b"12345678");
    assert_eq!(weft_wasi::call(&mut ctx, &mut mem, "fd_write", &[i(1), i(0), i(1), i(32)]), Ok(0));
    assert_eq!(u32::from_le_bytes(mem[32..36].try_into().unwrap()), 4);
    assert_eq!(weft_wasi::call(&mut ctx, &mut mem, "fd_write", &[i(1), i(0), i(1), i(32)]), Ok(Errno::Nospc as i32));
    assert_eq!(p.contents(), b"1234");
}
