//! The compact import section (the compact-import-section proposal): an
//! empty item name and a discriminator group one module's items.

use weft_decode::{Features, ImportType, Module};

/// A type section `(type (func (result i32)))` and an import section with
/// the given groups.
fn module(groups: &[u8], count: u8) -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0\x01\x05\x01\x60\x00\x01\x7f\x02".to_vec();
    bytes.push(u8::try_from(groups.len() + 1).unwrap());
    bytes.push(count);
    bytes.extend_from_slice(groups);
    bytes
}

#[test]
fn both_encodings_decode_to_plain_imports() {
    // "a" "" 0x7F [("b" func 0) ("c" func 0)], then "x" "" 0x7E (func 0) ["y"].
    let groups = b"\x01a\x00\x7f\x02\x01b\x00\x00\x01c\x00\x00\x01x\x00\x7e\x00\x00\x01\x01y";
    let m = Module::decode_all(&module(groups, 2), Features::default()).unwrap();
    let names: Vec<(&str, &str)> = m.imports.iter().map(|i| (i.module.as_str(), i.name.as_str())).collect();
    assert_eq!(names, [("a", "b"), ("a", "c"), ("x", "y")]);
    assert!(m.imports.iter().all(|i| i.ty == ImportType::Func(0)));
    assert_eq!(m.num_imported_functions, 3);
}

#[test]
fn without_the_feature_the_discriminator_is_a_bad_kind() {
    let groups = b"\x01a\x00\x7f\x01\x01b\x00\x00";
    let err = Module::decode_all(&module(groups, 1), Features::wasm3()).unwrap_err();
    assert!(err.to_string().contains("malformed import kind"), "{err}");
    // After a non-empty name it is a bad kind even with the feature.
    let groups = b"\x01a\x01b\x7f\x01\x01b\x00\x00";
    let err = Module::decode_all(&module(groups, 1), Features::default()).unwrap_err();
    assert!(err.to_string().contains("malformed import kind"), "{err}");
}

#[test]
fn a_short_group_is_an_unexpected_end() {
    // Two items announced, one present.
    let groups = b"\x01a\x00\x7e\x00\x00\x02\x01b";
    let err = Module::decode_all(&module(groups, 1), Features::default()).unwrap_err();
    assert!(err.to_string().contains("unexpected end"), "{err}");
}
