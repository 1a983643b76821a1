//! The decode check over the whole testsuite: every module the suite
//! expects to decode must decode (reading every instruction of every
//! function body), and every binary `assert_malformed` module must fail with
//! the expected text. Used by the `decode` test and the `conformance` tool.

use weft_decode::Module;

use crate::{
    DIFFERENT_ERRORS, Expect, SKIPPED_MODULES, Skip, all_files, directives, for_each_module, message_matches,
    skip_reason,
};

/// What the decode check found.
#[derive(Debug, Default)]
pub struct DecodeReport {
    /// Modules the suite expects to decode that decoded.
    pub decoded: usize,
    /// Binary `assert_malformed` modules rejected with the expected text.
    pub rejected: usize,
    /// Every expectation weft missed, as `file:line:col: message`.
    pub failures: Vec<String>,
    /// Files not decoded, with the reason.
    pub skipped: Vec<String>,
}

/// Runs the decode check over every file of every suite.
pub fn decode_suite() -> DecodeReport {
    let (mut decoded, mut rejected, mut failures, mut skipped) = (0usize, 0usize, Vec::new(), Vec::new());
    for file in all_files() {
        if let Some(reason) = skip_reason(&file, Skip::Everything) {
            skipped.push(format!("{}: {reason}", file.path()));
            continue;
        }
        let buf = match file.parse_buffer() {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{}: lexing failed: {e}", file.path()));
                continue;
            }
        };
        let mut dirs = match directives(&buf) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{}: parsing failed: {e}", file.path()));
                continue;
            }
        };
        for_each_module(&mut dirs, &mut |found| {
            let found = match found {
                Ok(f) => f,
                Err((span, e)) => {
                    failures.push(format!("{}: the wast crate cannot encode this module: {e}", file.location(span)));
                    return;
                }
            };
            let location = file.location(found.span);
            if SKIPPED_MODULES.iter().any(|(at, _)| *at == location) {
                return;
            }
            let different = DIFFERENT_ERRORS.iter().find(|(at, _, _)| *at == location).map(|(_, text, _)| *text);
            let result = Module::decode_all(&found.bytes, file.features);
            if std::env::var("WEFT_DUMP").is_ok_and(|w| file.location(found.span).starts_with(&w)) {
                let hex: Vec<String> = found.bytes.iter().map(|b| format!("{b:02x}")).collect();
                println!("{}: {} -> {:?}", file.location(found.span), hex.join(" "), result.as_ref().err());
            }
            match (&found.expect, result) {
                (Expect::Decode | Expect::Invalid(_), Ok(_)) => decoded += 1,
                (Expect::Decode | Expect::Invalid(_), Err(e)) => {
                    failures.push(format!("{}: expected to decode, got: {e}", file.location(found.span)))
                }
                (Expect::Malformed(msg), Err(e))
                    if message_matches(file.suite, &e.message(), msg) || different == Some(&*e.message()) =>
                {
                    rejected += 1
                }
                (Expect::Malformed(msg), Err(e)) => {
                    failures.push(format!("{}: expected malformed \"{msg}\", got: {e}", file.location(found.span)))
                }
                (Expect::Malformed(msg), Ok(_)) => failures
                    .push(format!("{}: expected malformed \"{msg}\", but it decoded", file.location(found.span))),
            }
        });
    }
    DecodeReport { decoded, rejected, failures, skipped }
}
