//! The WASI path resolver against arbitrary paths: a guest with one
//! preopened directory runs a sequence of `path_*` calls (open, stat,
//! readlink, mkdir, symlink, link, rename, unlink, rmdir) on paths built
//! from `..`, `.`, `/`, names that exist (files, directories, symlinks
//! planted pointing outside, loops) and arbitrary strings. Never may it
//! reach outside the sandbox:
//!
//! * whatever it opens or stats is not the directory above the sandbox,
//!   the file beside it, the file system's root or `/etc` (compared by
//!   device and inode);
//! * afterwards the directories above the sandbox hold exactly what they
//!   held, and the file beside it is unchanged.
//!
//! The sandbox is rebuilt for every input, so inputs replay exactly.
#![no_main]

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use weft::Val;
use weft_wasi::{Errno, WasiCtx};

/// A path component.
#[derive(Arbitrary, Debug)]
enum Part {
    Parent,
    Current,
    /// A leading or doubled `/`.
    Empty,
    Known(u8),
    Raw(String),
}

const KNOWN: &[&str] = &[
    "file.txt",
    "sub",
    "up",
    "abs",
    "abs_dir",
    "chain",
    "loop",
    "outer",
    "secret.txt",
    "sandbox",
    "etc",
    "passwd",
    "new",
    "sub/inner",
];

#[derive(Arbitrary, Debug)]
struct FuzzPath(Vec<Part>);

impl FuzzPath {
    fn render(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|p| match p {
                Part::Parent => "..".to_string(),
                Part::Current => ".".to_string(),
                Part::Empty => String::new(),
                Part::Known(k) => KNOWN[*k as usize % KNOWN.len()].to_string(),
                Part::Raw(s) => s.clone(),
            })
            .collect();
        parts.join("/")
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Open { path: FuzzPath, follow: bool, directory: bool, create: bool },
    Stat { path: FuzzPath, follow: bool },
    Readlink { path: FuzzPath },
    Mkdir { path: FuzzPath },
    Symlink { target: FuzzPath, path: FuzzPath },
    Link { from: FuzzPath, to: FuzzPath },
    Rename { from: FuzzPath, to: FuzzPath },
    Unlink { path: FuzzPath },
    Rmdir { path: FuzzPath },
}

/// `base/outer/{secret.txt, sandbox/}`; built once, the sandbox's contents
/// rebuilt per input.
struct Layout {
    _base: tempfile::TempDir,
    base: PathBuf,
    outer: PathBuf,
    sandbox: PathBuf,
    /// (device, inode) of everything outside that must stay unreachable.
    forbidden: Vec<(u64, u64)>,
}

fn layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        let base_dir = tempfile::tempdir().unwrap();
        let base = base_dir.path().to_path_buf();
        let outer = base.join("outer");
        let sandbox = outer.join("sandbox");
        std::fs::create_dir_all(&sandbox).unwrap();
        std::fs::write(outer.join("secret.txt"), "secret").unwrap();
        let id = |p: &Path| {
            let m = std::fs::metadata(p).unwrap();
            (m.dev(), m.ino())
        };
        let forbidden =
            vec![id(&base), id(&outer), id(&outer.join("secret.txt")), id(Path::new("/")), id(Path::new("/etc"))];
        Layout { _base: base_dir, base, outer, sandbox, forbidden }
    })
}

fn rebuild_sandbox(l: &Layout) {
    let _ = std::fs::remove_dir_all(&l.sandbox);
    std::fs::create_dir_all(l.sandbox.join("sub/inner")).unwrap();
    std::fs::write(l.sandbox.join("file.txt"), "inside").unwrap();
    let link = |target: &str, name: &str| std::os::unix::fs::symlink(target, l.sandbox.join(name)).unwrap();
    link("../secret.txt", "up");
    link(l.outer.join("secret.txt").to_str().unwrap(), "abs");
    link(l.outer.to_str().unwrap(), "abs_dir");
    link("up", "chain");
    link("loop", "loop");
    link("/etc", "etc");
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

const MEM: usize = 1 << 16;
/// Where the guest's two path strings go, and where results are written.
const PATH_A: u32 = 0;
const PATH_B: u32 = 8192;
const OUT: u32 = 16384;

struct Guest {
    ctx: WasiCtx,
    mem: Vec<u8>,
}

impl Guest {
    fn put(&mut self, at: u32, path: &FuzzPath) -> Option<(Val, Val)> {
        let text = path.render();
        if text.len() > 4096 {
            return None;
        }
        self.mem[at as usize..at as usize + text.len()].copy_from_slice(text.as_bytes());
        Some((Val::I32(at as i32), Val::I32(text.len() as i32)))
    }

    fn call(&mut self, name: &str, args: &[Val]) -> i32 {
        weft_wasi::call(&mut self.ctx, &mut self.mem, name, args).expect("not proc_exit")
    }

    fn u32_at(&self, at: u32) -> u32 {
        u32::from_le_bytes(self.mem[at as usize..at as usize + 4].try_into().unwrap())
    }

    fn u64_at(&self, at: u32) -> u64 {
        u64::from_le_bytes(self.mem[at as usize..at as usize + 8].try_into().unwrap())
    }

    /// Panics if the filestat at `at` is something outside the sandbox.
    fn check_filestat(&self, at: u32, forbidden: &[(u64, u64)], what: &str) {
        let id = (self.u64_at(at), self.u64_at(at + 8));
        assert!(!forbidden.contains(&id), "sandbox escape: {what} reached {id:?} outside the sandbox");
    }
}

const OK: i32 = Errno::Success as i32;
const ALL_RIGHTS: i64 = (1 << 30) - 1;

fuzz_target!(|ops: Vec<Op>| {
    let l = layout();
    rebuild_sandbox(l);
    let before = (listing(&l.base), listing(&l.outer));
    let ctx = WasiCtx::builder().preopened_dir(&l.sandbox, "/sandbox").build().unwrap();
    let mut g = Guest { ctx, mem: vec![0; MEM] };
    let i = |v: u32| Val::I32(v as i32);
    for op in ops.iter().take(16) {
        match op {
            Op::Open { path, follow, directory, create } => {
                let Some((p, n)) = g.put(PATH_A, path) else { continue };
                let oflags = u32::from(*create) | (u32::from(*directory) << 1);
                let args = [
                    i(3),
                    i(u32::from(*follow)),
                    p,
                    n,
                    i(oflags),
                    Val::I64(ALL_RIGHTS),
                    Val::I64(ALL_RIGHTS),
                    i(0),
                    i(OUT),
                ];
                if g.call("path_open", &args) == OK {
                    let fd = g.u32_at(OUT);
                    assert_eq!(g.call("fd_filestat_get", &[i(fd), i(OUT)]), OK);
                    g.check_filestat(OUT, &l.forbidden, &format!("path_open {:?}", path.render()));
                    g.call("fd_close", &[i(fd)]);
                }
            }
            Op::Stat { path, follow } => {
                let Some((p, n)) = g.put(PATH_A, path) else { continue };
                if g.call("path_filestat_get", &[i(3), i(u32::from(*follow)), p, n, i(OUT)]) == OK {
                    g.check_filestat(OUT, &l.forbidden, &format!("path_filestat_get {:?}", path.render()));
                }
            }
            Op::Readlink { path } => {
                let Some((p, n)) = g.put(PATH_A, path) else { continue };
                g.call("path_readlink", &[i(3), p, n, i(OUT), i(256), i(OUT + 512)]);
            }
            Op::Mkdir { path } => {
                let Some((p, n)) = g.put(PATH_A, path) else { continue };
                g.call("path_create_directory", &[i(3), p, n]);
            }
            Op::Symlink { target, path } => {
                let (Some((t, tn)), Some((p, n))) = (g.put(PATH_A, target), g.put(PATH_B, path)) else { continue };
                g.call("path_symlink", &[t, tn, i(3), p, n]);
            }
            Op::Link { from, to } => {
                let (Some((f, fnl)), Some((t, tn))) = (g.put(PATH_A, from), g.put(PATH_B, to)) else { continue };
                g.call("path_link", &[i(3), i(0), f, fnl, i(3), t, tn]);
            }
            Op::Rename { from, to } => {
                let (Some((f, fnl)), Some((t, tn))) = (g.put(PATH_A, from), g.put(PATH_B, to)) else { continue };
                g.call("path_rename", &[i(3), f, fnl, i(3), t, tn]);
            }
            Op::Unlink { path } => {
                let Some((p, n)) = g.put(PATH_A, path) else { continue };
                g.call("path_unlink_file", &[i(3), p, n]);
            }
            Op::Rmdir { path } => {
                let Some((p, n)) = g.put(PATH_A, path) else { continue };
                g.call("path_remove_directory", &[i(3), p, n]);
            }
        }
    }
    let after = (listing(&l.base), listing(&l.outer));
    assert_eq!(before, after, "sandbox escape: the directories above the sandbox changed after {ops:?}");
    assert_eq!(std::fs::read_to_string(l.outer.join("secret.txt")).unwrap(), "secret", "the file beside changed");
});
