//! `#[handler]`: the calling convention of the threaded engine's handlers,
//! chosen in one place.
//!
//! A threaded handler ends by calling the next op's handler with the same
//! six integer arguments, and the chain runs without growing the native
//! stack only if that call becomes a jump (a sibling call). That needs all
//! six arguments in registers, in the same ones in caller and callee
//! (`weft-threaded/src/exec/backend.rs` explains the design). The Rust ABI
//! does not promise it: on x86-64 Windows it follows win64, which has four
//! argument registers. So every handler is declared with an explicit ABI:
//!
//! * x86-64, every OS: `extern "sysv64-unwind"`, six integer argument
//!   registers (`rdi rsi rdx rcx r8 r9`);
//! * every other target: `extern "C-unwind"`; on aarch64 (AAPCS64, Linux
//!   and macOS alike) that is eight integer argument registers.
//!
//! The `-unwind` variants keep a panic (a bug, or a host function's)
//! unwinding through handlers as it did under the Rust ABI, instead of
//! aborting the process.
//!
//! The attribute emits the item twice, once per `cfg`, with the ABI string
//! in front of `fn`. Stable Rust has no declarative attribute macros and no
//! way to `cfg` an ABI string, hence this small procedural macro; it has no
//! dependencies. The engine's `Handler` type carries the same ABI, so a
//! handler that lacks the attribute does not compile where it is used as
//! one.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Gives a handler function the threaded engine's pinned ABI (see the
/// crate documentation). Takes no arguments.
#[proc_macro_attribute]
pub fn handler(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return error("`#[handler]` takes no arguments", Span::call_site());
    }
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    let Some(at) = tokens.iter().position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "fn")) else {
        return error("`#[handler]` applies to a function", Span::call_site());
    };
    if tokens[..at].iter().any(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "extern")) {
        return error("a `#[handler]` function must not name its own ABI", tokens[at].span());
    }
    let mut out = TokenStream::new();
    for (cfg, abi) in [("target_arch = \"x86_64\"", "sysv64-unwind"), ("not(target_arch = \"x86_64\")", "C-unwind")] {
        out.extend(attribute(&format!("cfg({cfg})")));
        // The arguments are engine types, never seen by C: the ABI is
        // chosen for where it puts them, not for FFI.
        out.extend(attribute("allow(improper_ctypes_definitions)"));
        out.extend(tokens[..at].iter().cloned());
        out.extend([
            TokenTree::Ident(Ident::new("extern", Span::call_site())),
            TokenTree::Literal(Literal::string(abi)),
        ]);
        out.extend(tokens[at..].iter().cloned());
    }
    out
}

/// `#[body]` as tokens.
fn attribute(body: &str) -> TokenStream {
    let body: TokenStream = body.parse().expect("a valid attribute body");
    [TokenTree::Punct(Punct::new('#', Spacing::Alone)), TokenTree::Group(Group::new(Delimiter::Bracket, body))]
        .into_iter()
        .collect()
}

/// `compile_error!("message")` at `span`.
fn error(message: &str, span: Span) -> TokenStream {
    let mut lit = Literal::string(message);
    lit.set_span(span);
    let call: TokenStream = "compile_error!".parse().expect("valid tokens");
    let mut out = call;
    out.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, TokenTree::Literal(lit).into()))]);
    out.extend(";".parse::<TokenStream>().expect("valid tokens"));
    out
}
