//! `--features SPEC`: a preset, then `+name`/`-name` per proposal, with
//! the proposal names `wasm-tools` uses (`wasm2,+tail-call,-simd`).

use weft::Features;

/// The flag of [`Features`] a proposal name sets.
type Flag = fn(&mut Features) -> &mut bool;

/// The proposals `--features` can name, as `wasm-tools` spells them, with
/// the flag each one sets.
const PROPOSALS: &[(&str, Flag)] = &[
    ("mutable-global", |f| &mut f.mutable_global),
    ("saturating-float-to-int", |f| &mut f.saturating_float_to_int),
    ("sign-extension", |f| &mut f.sign_extension),
    ("multi-value", |f| &mut f.multi_value),
    ("reference-types", |f| &mut f.reference_types),
    ("bulk-memory", |f| &mut f.bulk_memory),
    ("simd", |f| &mut f.simd),
    ("relaxed-simd", |f| &mut f.relaxed_simd),
    ("tail-call", |f| &mut f.tail_call),
    ("extended-const", |f| &mut f.extended_const),
    ("multi-memory", |f| &mut f.multi_memory),
    ("memory64", |f| &mut f.memory64),
    ("exceptions", |f| &mut f.exceptions),
    ("legacy-exceptions", |f| &mut f.legacy_exceptions),
    ("function-references", |f| &mut f.function_references),
    ("gc", |f| &mut f.gc),
    ("threads", |f| &mut f.threads),
    ("wide-arithmetic", |f| &mut f.wide_arithmetic),
    ("custom-page-sizes", |f| &mut f.custom_page_sizes),
    ("compact-imports", |f| &mut f.compact_imports),
];

/// Parses `--features`: `wasm1`, `wasm2`, `wasm3` or `all` (everything
/// weft implements), each optionally followed by `,+name` or `,-name`.
pub fn parse(spec: &str) -> Result<Features, String> {
    let mut parts = spec.split(',').map(str::trim);
    let preset = parts.next().unwrap_or_default();
    let mut features = match preset {
        // As published, 1.0 includes importable mutable globals.
        "wasm1" => Features { mutable_global: true, ..Features::wasm1() },
        "wasm2" => Features::wasm2(),
        "wasm3" => Features::wasm3(),
        "all" => Features::default(),
        _ => return Err(format!("unknown feature preset {preset:?} (expected wasm1, wasm2, wasm3 or all)")),
    };
    for part in parts {
        let (on, name) = if let Some(name) = part.strip_prefix('+') {
            (true, name)
        } else if let Some(name) = part.strip_prefix('-') {
            (false, name)
        } else {
            return Err(format!("expected +name or -name after the preset, got {part:?}"));
        };
        let Some((_, flag)) = PROPOSALS.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = PROPOSALS.iter().map(|(n, _)| *n).collect();
            return Err(format!("unknown proposal {name:?}; known: {}", names.join(", ")));
        };
        *flag(&mut features) = on;
    }
    Ok(features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_changes() {
        assert_eq!(parse("wasm2").unwrap(), Features::wasm2());
        assert_eq!(parse("all").unwrap(), Features::default());
        let f = parse("wasm2,+tail-call,-simd").unwrap();
        assert!(f.tail_call && !f.simd && f.bulk_memory);
        assert!(parse("wasm1").unwrap().mutable_global);
        assert!(parse("wasm4").unwrap_err().contains("unknown feature preset"));
        assert!(parse("wasm3,+nope").unwrap_err().contains("unknown proposal \"nope\""));
        assert!(parse("wasm3,simd").unwrap_err().contains("+name or -name"));
    }

    #[test]
    fn every_weft_feature_has_a_name() {
        let mut all = Features::wasm1();
        for (_, flag) in PROPOSALS {
            *flag(&mut all) = true;
        }
        assert_eq!(all, Features::all(), "a feature of weft_decode::Features has no --features name");
    }
}
