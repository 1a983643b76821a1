//! `weft_validate::explain`: the validator's stacks and the failed rule at
//! the failing instruction.

use weft_decode::{Features, Module};
use weft_validate::explain;

fn module(wat: &str) -> Module {
    Module::decode_all(&wat::parse_str(wat).unwrap(), Features::default()).unwrap()
}

#[test]
fn valid_modules_need_no_explanation() {
    assert_eq!(explain(&module("(module (func (result i32) i32.const 1))")), None);
}

#[test]
fn module_level_errors_have_no_stacks_to_show() {
    assert_eq!(explain(&module(r#"(module (func) (export "a" (func 0)) (export "a" (func 0)))"#)), None);
}

#[test]
fn a_type_mismatch_shows_the_stacks_before_the_instruction() {
    let x = explain(&module(
        r#"(module
          (func (result i32) i32.const 0)
          (func $bad (param i32) (result i32)
            (block (result i32) (local.get 0) (i64.const 1) (i32.add))))"#,
    ))
    .expect("an explanation");
    assert_eq!(x.error.message, "type mismatch");
    assert_eq!((x.func_index, x.func_name.as_deref()), (1, Some("bad")));
    assert_eq!(x.instruction.as_deref(), Some("i32.add"));
    assert_eq!(x.offset, x.error.offset);
    assert_eq!(x.rule, "i32.add : [i32 i32] -> [i32]");
    use weft_decode::ValType::{I32, I64};
    assert_eq!(x.operands, [Some(I32), Some(I64)]);
    let kinds: Vec<&str> = x.controls.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, ["func", "block"]);
    assert_eq!(x.controls[1].end_types, [I32]);
    assert!(x.controls.iter().all(|c| c.height == 0 && !c.unreachable));
    let preceding: Vec<&str> = x.preceding.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(preceding, ["block (result i32)", "local.get 0", "i64.const 1"]);
}

#[test]
fn unreachable_code_shows_unknown_operands_and_the_flag() {
    let x = explain(&module("(module (func (result i32) unreachable select f32.const 0 i64.add))")).unwrap();
    assert_eq!(x.operands, [None, Some(weft_decode::ValType::F32)]);
    assert!(x.controls[0].unreachable);
}

#[test]
fn branch_rules_name_the_label() {
    let x = explain(&module("(module (func (block (result i32) (br 0))))")).unwrap();
    assert_eq!(x.instruction.as_deref(), Some("br 0"));
    assert!(x.rule.contains("label 0 is the block frame's, carrying [i32]"), "{}", x.rule);
}
