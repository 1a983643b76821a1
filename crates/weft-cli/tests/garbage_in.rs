//! The CLI given truncated, mutated or random files answers with an exit
//! code of 0 or 1 and at most a line of error, never a panic.

use std::path::PathBuf;
use std::process::Command;

use proptest::prelude::*;

fn weft(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_weft")).args(args).output().expect("weft runs")
}

fn hello_binary() -> Vec<u8> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/hello.wat")).unwrap();
    wat::parse_str(text).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-cli-garbage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn check(bytes: &[u8], name: &str) {
    let path = scratch(name);
    std::fs::write(&path, bytes).unwrap();
    for cmd in ["validate", "inspect"] {
        let out = weft(&[cmd, path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{cmd} panicked on {bytes:?}: {stderr}");
        let code = out.status.code();
        assert!(code == Some(0) || code == Some(1), "{cmd}: exit {code:?} on {bytes:?}: {stderr}");
    }
}

#[test]
fn every_truncation_of_a_module() {
    let bytes = hello_binary();
    for len in 0..bytes.len() {
        check(&bytes[..len], "truncated.wasm");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_modules(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut bytes = hello_binary();
        for (i, b) in flips {
            let i = i % bytes.len();
            bytes[i] ^= b;
        }
        check(&bytes, "mutated.wasm");
    }

    #[test]
    fn random_files(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        check(&bytes, "random.wasm");
    }
}
