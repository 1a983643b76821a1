//! Walking the modules of a script, for the decoder and validator tests.

use wast::{QuoteWat, WastDirective, WastExecute, Wat};

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
