//! What weft expects of the testsuite beyond its own assertions: the one
//! skip list, and where older scripts word an error differently. Every
//! entry carries its reason.

/// How far weft goes with a skipped file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not even decoded: weft cannot decode its modules.
    Everything,
    /// Decoded (by the decode test) but not run.
    Running,
}

/// The one skip list of the spec tests: a file, or a whole directory
/// written `dir/*`, what is skipped, and why.
pub const SKIPS: &[(&str, Skip, &str)] = &[
    ("proposals/custom-descriptors/*", Skip::Everything, "builds on GC with custom descriptors, a later proposal"),
    (
        "wasm-latest/legacy/*",
        Skip::Everything,
        "the `wast` crate (263) does not parse the folded legacy `(try (do ...) (catch ...))` form; weft runs \
         legacy exception handling (crates/weft-exec/tests/exceptions.rs)",
    ),
    (
        "proposals/mutable-global/linking.wast",
        Skip::Running,
        "this pre-2.0 snapshot expects MVP instantiation (every segment bounds-checked before any is \
         written, failing as unlinkable); Wasm 2.0 writes segments in order and traps, which \
         wasm-v1/linking.wast and wasm-v2/linking.wast expect and weft passes",
    ),
    (
        "proposals/threads/*",
        Skip::Running,
        "threads (shared memories, atomics, wait/notify) are not implemented by the engines",
    ),
];

/// The reason the script at `key` (its path in the testsuite's layout,
/// e.g. `"wasm-v3/type-rec.wast"`) is skipped when doing `what`, if it is:
/// a script skipped for [`Skip::Everything`] is skipped for running too.
pub fn skip_reason(key: &str, what: Skip) -> Option<&'static str> {
    SKIPS.iter().find_map(|(pattern, scope, reason)| {
        let hit = match pattern.strip_suffix("/*") {
            Some(dir) => key.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/')),
            None => *pattern == key,
        };
        (hit && (*scope == Skip::Everything || what == Skip::Running)).then_some(*reason)
    })
}

/// Why weft cannot run the script at `key` (it is on the skip list), if it
/// cannot: `weft wast` lists such scripts as unsupported.
pub fn unsupported(key: &str) -> Option<&'static str> {
    skip_reason(key, Skip::Running)
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
    "proposals/reference-types/unreached-invalid.wast:539:2",
    "this snapshot of the proposal predates the rule that br_table's labels are checked one by one \
         against the operand stack; wasm-v2/unreached-valid.wast:49 expects the same code to be valid",
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
