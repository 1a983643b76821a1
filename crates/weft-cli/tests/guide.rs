//! Keeps `docs/how-wasm-executes.md` true: every ```` ```console ```` block
//! in the guide starts with `$ COMMAND`, and the rest of the block is what
//! that command prints. This test runs each command (with `sh`, from the
//! repository root, with the freshly built `weft` first on `PATH`, standard
//! error merged into standard output) and compares. When the code changes
//! what a command prints, regenerate the guide's blocks with
//!
//! ```sh
//! BLESS=1 cargo test -p weft-cli --test guide
//! ```
//!
//! and read the diff: the prose around a block may need updating too.

use std::path::{Path, PathBuf};
use std::process::Command;

const GUIDE: &str = "docs/how-wasm-executes.md";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One console block: the line range of its output inside the guide.
struct Block {
    command: String,
    /// Lines of the guide (0-based) holding the output: `start..end`.
    start: usize,
    end: usize,
}

fn blocks(lines: &[&str]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() == "```console" {
            let command = lines
                .get(i + 1)
                .and_then(|l| l.strip_prefix("$ "))
                .unwrap_or_else(|| panic!("{GUIDE}:{}: a console block starts with `$ COMMAND`", i + 2));
            let start = i + 2;
            let end = (start..lines.len())
                .find(|&j| lines[j].trim_end() == "```")
                .unwrap_or_else(|| panic!("{GUIDE}:{}: unclosed console block", i + 1));
            out.push(Block { command: command.to_string(), start, end });
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// What `command` prints, one string per line.
fn run(command: &str) -> Vec<String> {
    let bin = Path::new(env!("CARGO_BIN_EXE_weft")).parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("({command}) 2>&1"))
        .env("PATH", path)
        .current_dir(root())
        .output()
        .expect("sh runs");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn every_output_in_the_guide_is_what_the_command_prints() {
    let path = root().join(GUIDE);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let blocks = blocks(&lines);
    assert!(blocks.len() >= 8, "the guide shows its commands in ```console blocks");

    let mut rewritten: Vec<String> = Vec::new();
    let mut next = 0;
    let mut stale = Vec::new();
    for block in &blocks {
        let actual = run(&block.command);
        assert!(
            !actual.iter().any(|l| l.contains("panicked at")),
            "`{}` panicked:\n{}",
            block.command,
            actual.join("\n")
        );
        let expected: Vec<String> = lines[block.start..block.end].iter().map(|l| l.to_string()).collect();
        if actual != expected {
            stale.push(format!("{GUIDE}:{}: `{}`", block.start, block.command));
        }
        rewritten.extend(lines[next..block.start].iter().map(|l| l.to_string()));
        rewritten.extend(actual);
        next = block.end;
    }
    rewritten.extend(lines[next..].iter().map(|l| l.to_string()));

    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, rewritten.join("\n") + "\n").unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "the guide's output differs from what these commands print now:\n  {}\n\
         regenerate with BLESS=1 cargo test -p weft-cli --test guide, and reread the prose around them",
        stale.join("\n  ")
    );
}

#[test]
fn the_guide_names_only_files_that_exist() {
    let text = std::fs::read_to_string(root().join(GUIDE)).unwrap();
    for word in text.split(|c: char| c.is_whitespace() || "`()[],".contains(c)) {
        let word = word.trim_end_matches(['.', ':', ';']);
        if (word.starts_with("examples/") || word.starts_with("crates/") || word.starts_with("docs/"))
            && !word.contains('*')
        {
            assert!(root().join(word).exists(), "{GUIDE} names {word}, which does not exist");
        }
    }
}
