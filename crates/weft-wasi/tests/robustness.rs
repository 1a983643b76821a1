//! Every WASI function called many times with random arguments and a
//! random memory, beneath a temporary preopen: each call returns an errno
//! (or exits), never panics. (`poll_oneoff` is left out: a random clock
//! subscription may legitimately sleep for centuries.)

use weft::Val;
use weft_wasi::WasiCtx;

/// The functions and their parameter types (`i` = i32, `I` = i64).
const FUNCTIONS: &[(&str, &str)] = &[
    ("args_get", "ii"),
    ("args_sizes_get", "ii"),
    ("environ_get", "ii"),
    ("environ_sizes_get", "ii"),
    ("clock_res_get", "ii"),
    ("clock_time_get", "iIi"),
    ("fd_advise", "iIIi"),
    ("fd_allocate", "iII"),
    ("fd_close", "i"),
    ("fd_datasync", "i"),
    ("fd_fdstat_get", "ii"),
    ("fd_fdstat_set_flags", "ii"),
    ("fd_fdstat_set_rights", "iII"),
    ("fd_filestat_get", "ii"),
    ("fd_filestat_set_size", "iI"),
    ("fd_filestat_set_times", "iIIi"),
    ("fd_pread", "iiiIi"),
    ("fd_prestat_get", "ii"),
    ("fd_prestat_dir_name", "iii"),
    ("fd_pwrite", "iiiIi"),
    ("fd_read", "iiii"),
    ("fd_readdir", "iiiIi"),
    ("fd_renumber", "ii"),
    ("fd_seek", "iIii"),
    ("fd_sync", "i"),
    ("fd_tell", "ii"),
    ("fd_write", "iiii"),
    ("path_create_directory", "iii"),
    ("path_filestat_get", "iiiii"),
    ("path_filestat_set_times", "iiiiIIi"),
    ("path_link", "iiiiiii"),
    ("path_open", "iiiiiIIii"),
    ("path_readlink", "iiiiii"),
    ("path_remove_directory", "iii"),
    ("path_rename", "iiiiii"),
    ("path_symlink", "iiiii"),
    ("path_unlink_file", "iii"),
    ("proc_exit", "i"),
    ("proc_raise", "i"),
    ("sched_yield", ""),
    ("random_get", "ii"),
    ("sock_accept", "iii"),
    ("sock_recv", "iiiiii"),
    ("sock_send", "iiiii"),
    ("sock_shutdown", "ii"),
];

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const MEM: usize = 1 << 16;

/// An argument: mostly plausible (small descriptors, pointers and lengths
/// inside the memory, small flag sets), sometimes wild.
fn arg(rng: &mut Rng, position: usize) -> u64 {
    match rng.below(6) {
        0 => rng.next(),
        1 => rng.below(8),
        2 if position == 0 => rng.below(6),
        2 => rng.below(16),
        3 => rng.below(MEM as u64),
        4 => u64::from(u32::MAX) - rng.below(64),
        _ => rng.below(256),
    }
}

#[test]
fn random_calls_never_panic() {
    let outer = tempfile::tempdir().unwrap();
    let sandbox = outer.path().join("sandbox");
    std::fs::create_dir(&sandbox).unwrap();
    std::fs::write(sandbox.join("a"), "abc").unwrap();
    std::fs::create_dir(sandbox.join("d")).unwrap();
    let mut ctx = WasiCtx::builder().args(["prog", "x"]).env("K", "V").preopened_dir(&sandbox, "/").build().unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut mem = vec![0u8; MEM];
    for round in 0..100_000 {
        if round % 1000 == 0 {
            // Fresh memory with short names that exist ("a", "d") sprinkled in.
            for b in mem.iter_mut() {
                *b = match rng.below(4) {
                    0 => b'a',
                    1 => b'd',
                    2 => b'/',
                    _ => rng.next() as u8,
                };
            }
        }
        let (name, sig) = FUNCTIONS[rng.below(FUNCTIONS.len() as u64) as usize];
        let args: Vec<Val> = sig
            .chars()
            .enumerate()
            .map(|(k, t)| {
                let v = arg(&mut rng, k);
                if t == 'I' { Val::I64(v as i64) } else { Val::I32(v as u32 as i32) }
            })
            .collect();
        match weft_wasi::call(&mut ctx, &mut mem, name, &args) {
            Ok(errno) => assert!((0..=76).contains(&errno), "{name} returned {errno}"),
            Err(_) => assert_eq!(name, "proc_exit"),
        }
    }
    // Whatever happened, nothing was created beside the preopen.
    let beside: Vec<_> =
        std::fs::read_dir(outer.path()).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(beside, ["sandbox"]);
}
