//! The crate graph around the engine seam (docs/ARCHITECTURE.md): the
//! runtime (`weft-exec`) depends on no engine, and neither engine
//! (`weft-reference`, `weft-threaded`) depends on the other — in any kind
//! of dependency, dev and build ones included — nor names the other in its
//! source. Only `weft` wires them together. `unsafe` is allowed in the
//! threaded engine alone.

use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The names of every dependency (normal, dev, build, target-specific)
/// declared in crate `name`'s `Cargo.toml`.
fn dependencies(name: &str) -> Vec<String> {
    let path = crates_dir().join(name).join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut in_deps = false;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_end_matches(']');
            // `[dependencies]`, `[dev-dependencies]`, `[target.'cfg(..)'.build-dependencies]`,
            // and a dependency given as its own table, `[dependencies.foo]`.
            in_deps = header.ends_with("dependencies");
            if let Some((section, dep)) = header.rsplit_once('.')
                && section.ends_with("dependencies")
            {
                out.push(dep.to_string());
            }
            continue;
        }
        if in_deps
            && let Some(key) = line.split(['=', '.', ' ']).next().filter(|k| !k.is_empty() && !k.starts_with('#'))
        {
            out.push(key.to_string());
        }
    }
    out
}

/// Every `.rs` file under crate `name`'s `src/`, with its text.
fn sources(name: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&crates_dir().join(name).join("src"), &mut out);
    out
}

/// For each crate, the crates it must not depend on.
const FORBIDDEN: [(&str, &[&str]); 3] = [
    ("weft-exec", &["weft-reference", "weft-threaded", "weft"]),
    ("weft-reference", &["weft-threaded", "weft"]),
    ("weft-threaded", &["weft-reference", "weft"]),
];

#[test]
fn the_runtime_depends_on_no_engine_and_engines_not_on_each_other() {
    for (krate, forbidden) in FORBIDDEN {
        let deps = dependencies(krate);
        assert!(deps.iter().any(|d| d == "weft-decode"), "{krate}: dependencies not found in {deps:?}");
        if krate != "weft-exec" {
            assert!(deps.iter().any(|d| d == "weft-exec"), "{krate} must build on the runtime: {deps:?}");
        }
        for dep in &deps {
            assert!(!forbidden.contains(&dep.as_str()), "{krate} depends on {dep}, which the layering forbids");
        }
    }
}

#[test]
fn no_crate_names_a_crate_it_must_not_depend_on() {
    for (krate, forbidden) in FORBIDDEN {
        for (path, text) in sources(krate) {
            for other in forbidden.iter().filter(|o| **o != "weft") {
                let ident = other.replace('-', "_");
                assert!(!text.contains(&format!("{ident}::")), "{} names {ident}", path.display());
            }
        }
    }
}

#[test]
fn the_wiring_crate_uses_both_engines() {
    let deps = dependencies("weft");
    for engine in ["weft-exec", "weft-reference", "weft-threaded"] {
        assert!(deps.iter().any(|d| d == engine), "weft must depend on {engine}: {deps:?}");
    }
}

#[test]
fn unsafe_code_is_allowed_in_the_threaded_engine_only() {
    for krate in ["weft-exec", "weft-reference", "weft-threaded"] {
        let lib = std::fs::read_to_string(crates_dir().join(krate).join("src/lib.rs")).unwrap();
        assert!(lib.contains("#![deny(unsafe_code)]") || lib.contains("#![forbid(unsafe_code)]"), "{krate}");
        let allowed = sources(krate).iter().filter(|(_, t)| t.contains("allow(unsafe_code)")).count();
        let expected = usize::from(krate == "weft-threaded");
        assert_eq!(allowed, expected, "{krate}: files allowing unsafe code");
    }
}
