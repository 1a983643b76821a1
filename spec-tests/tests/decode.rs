//! Decodes every module the official spec testsuite contains: each one the
//! suite expects to decode must decode (reading every instruction of every
//! function body), and each binary `assert_malformed` module must fail with
//! the expected text.

use weft_decode::Module;
use weft_spec_tests::{
    DIFFERENT_ERRORS, Expect, SKIPPED_MODULES, Skip, all_files, directives, for_each_module, message_matches,
    skip_reason,
};

#[test]
fn spec_modules_decode() {
    let mut decoded = 0usize;
    let mut rejected = 0usize;
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
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
    for s in &skipped {
        println!("skipped {s}");
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    println!("decode: {decoded} modules decoded, {rejected} malformed modules rejected, {} failures", failures.len());
    assert!(failures.is_empty(), "{} failures (see above)", failures.len());
}
