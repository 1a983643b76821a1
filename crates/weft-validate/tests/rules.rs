//! Tricky validation rules, one module at a time.

use weft_validate::{Error, Features, validate_bytes};

fn check_with(wat: &str, features: Features) -> Result<weft_validate::ModuleInfo, String> {
    let bytes = wat::parse_str(wat).map_err(|e| format!("wat: {e}"))?;
    validate_bytes(&bytes, features).map(|(_, info)| info).map_err(|e| e.to_string())
}

fn invalid_with(wat: &str, features: Features, message: &str) {
    match check_with(wat, features) {
        Ok(_) => panic!("accepted, expected \"{message}\": {wat}"),
        Err(e) => assert!(e.contains(message), "expected \"{message}\", got \"{e}\": {wat}"),
    }
}

fn invalid(wat: &str, message: &str) {
    invalid_with(wat, Features::default(), message);
}

fn valid(wat: &str) -> weft_validate::ModuleInfo {
    check_with(wat, Features::default()).unwrap_or_else(|e| panic!("rejected: {e}: {wat}"))
}

#[test]
fn block_type_is_checked_before_operands() {
    invalid("(module (func (drop (loop (result (ref 1)) (unreachable)))))", "unknown type");
    invalid("(module (func (drop (if (result (ref 1)) (then) (else)))))", "unknown type");
}

#[test]
fn max_stack_height_is_recorded() {
    let info = valid("(module (func (param i32) (result i32) i32.const 1 i32.const 2 i32.const 3 i32.add i32.add))");
    assert_eq!(info.functions[0].max_stack_height, 3);
    assert_eq!(info.functions[0].max_control_depth, 1);
}

#[test]
fn polymorphic_stack_after_unreachable() {
    valid("(module (func (result i32) unreachable i32.add))");
    valid(
        "(module (func (result i32) (block (result f64) (block (result f32) unreachable (br_table 0 1 1 (i32.const 1)))
           drop f64.const 0) unreachable))",
    );
    invalid("(module (func (result i32) unreachable i64.const 0 i32.add))", "type mismatch");
    invalid("(module (func unreachable (select (i32.const 1) (i64.const 1) (i32.const 0)) drop))", "type mismatch");
}

#[test]
fn br_table_arity_and_types() {
    invalid(
        "(module (func (block (result i32) (block (br_table 0 1 (i32.const 0) (i32.const 0)))) drop))",
        "type mismatch",
    );
    valid(
        "(module (func (param i32) (result i32) (block (result i32) (block (result i32) (br_table 0 1 (i32.const 7) (local.get 0)))) ))",
    );
}

#[test]
fn untyped_select_needs_numeric_operands() {
    invalid("(module (func (drop (select (ref.null func) (ref.null func) (i32.const 0)))))", "type mismatch");
    valid("(module (func (drop (select (result funcref) (ref.null func) (ref.null func) (i32.const 0)))))");
    valid("(module (func (drop (select (v128.const i64x2 0 0) (v128.const i64x2 0 0) (i32.const 0)))))");
}

#[test]
fn typed_select_arity() {
    // wat refuses `(result i32 i32)` on select; build it by hand:
    // type, func, code with `select` (0x1c) and two types.
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type [] -> []
    bytes.extend_from_slice(&[3, 2, 1, 0]); // func 0: type 0
    let body = [0x00, 0x41, 0, 0x41, 0, 0x41, 0, 0x1c, 2, 0x7f, 0x7f, 0x1a, 0x0b];
    bytes.extend_from_slice(&[10, body.len() as u8 + 2, 1, body.len() as u8]);
    bytes.extend_from_slice(&body);
    let e = validate_bytes(&bytes, Features::default()).unwrap_err();
    assert!(e.to_string().contains("invalid result arity"), "{e}");
}

#[test]
fn locals_of_non_defaultable_types_must_be_set() {
    let m = |body: &str| {
        format!("(module (type $t (func)) (func $f) (elem declare func $f) (func (local $l (ref $t)) {body}))")
    };
    invalid(&m("(drop (local.get $l))"), "uninitialized local");
    valid(&m("(local.set $l (ref.func $f)) (drop (local.get $l))"));
    // Set inside a block: forgotten at its end.
    invalid(&m("(block (local.set $l (ref.func $f))) (drop (local.get $l))"), "uninitialized local");
    valid(&m("(block (local.set $l (ref.func $f)) (drop (local.get $l)))"));
    // Set in `then` does not make it set in `else`.
    invalid(
        &m("(if (i32.const 0) (then (local.set $l (ref.func $f))) (else (drop (local.get $l))))"),
        "uninitialized local",
    );
}

#[test]
fn typed_function_references() {
    valid(
        "(module (type $t (func (result i32))) (func $f (result i32) i32.const 1) (elem declare func $f)
           (func (result i32) (call_ref $t (ref.func $f))))",
    );
    invalid("(module (type $t (func)) (func (param funcref) (call_ref $t (local.get 0))))", "type mismatch");
    valid("(module (type $t (func)) (func (param (ref null $t)) (call_ref $t (local.get 0))))");
    valid(
        "(module (type $t (func)) (func (param (ref null $t)) (result (ref $t))
           (block $l (br_on_null $l (local.get 0)) return) unreachable))",
    );
    valid(
        "(module (type $t (func)) (func (param (ref null $t)) (result (ref $t))
           (block $l (result (ref $t)) (br_on_non_null $l (local.get 0)) unreachable)))",
    );
    // Structurally equal types are the same type.
    valid(
        "(module (type $a (func (param i32))) (type $b (func (param i32)))
           (func (param (ref $a)) (result (ref $b)) local.get 0))",
    );
    invalid(
        "(module (type $a (func (param i32))) (type $b (func (param i64)))
           (func (param (ref $a)) (result (ref $b)) local.get 0))",
        "type mismatch",
    );
}

#[test]
fn ref_func_needs_declaration() {
    invalid("(module (func $f) (func (drop (ref.func $f))))", "undeclared function reference");
    valid("(module (func $f) (elem declare func $f) (func (drop (ref.func $f))))");
    valid("(module (func $f) (export \"f\" (func $f)) (func (drop (ref.func $f))))");
    valid("(module (func $f) (global funcref (ref.func $f)) (func (drop (ref.func $f))))");
}

#[test]
fn tail_calls_must_return_the_callers_results() {
    invalid("(module (func $g (result i64) i64.const 0) (func (result i32) return_call $g))", "type mismatch");
    valid("(module (func $g (result i32) i32.const 0) (func (result i32) return_call $g))");
}

#[test]
fn constant_expressions() {
    invalid("(module (global i32 (i32.ctz (i32.const 1))))", "constant expression required");
    valid("(module (global i32 (i32.add (i32.const 1) (i32.mul (i32.const 2) (i32.const 3)))))");
    invalid_with(
        "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
        Features::wasm2(),
        "constant expression required",
    );
    // Typed-reference era: earlier immutable globals are visible.
    valid("(module (global $a i32 (i32.const 1)) (global i32 (global.get $a)))");
    invalid(
        "(module (global $a (mut i32) (i32.const 1)) (global i32 (global.get $a)))",
        "constant expression required",
    );
    invalid_with(
        "(module (global $a i32 (i32.const 1)) (global i32 (global.get $a)))",
        Features::wasm2(),
        "unknown global",
    );
    invalid("(module (global i32 (global.get 1)) (global i32 (i32.const 0)))", "unknown global");
}

#[test]
fn memories_and_tables() {
    invalid("(module (memory 65537))", "memory size must be at most 65536 pages (4GiB)");
    valid("(module (memory i64 65537))");
    invalid("(module (memory 2 1))", "size minimum must not be greater than maximum");
    invalid_with("(module (memory 1) (memory 1))", Features::wasm2(), "multiple memories");
    valid("(module (memory 1) (memory 1))");
    invalid("(module (memory 1) (func (drop (i32.load offset=0x1_0000_0000 (i32.const 0)))))", "offset out of range");
    valid("(module (memory i64 1) (func (drop (i32.load offset=0x1_0000_0000 (i64.const 0)))))");
    invalid(
        "(module (memory 1) (func (drop (i64.load align=16 (i32.const 0)))))",
        "alignment must not be larger than natural",
    );
    invalid("(module (memory 1 (pagesize 2)))", "invalid custom page size");
    invalid("(module (type $t (func)) (table 1 (ref $t)))", "type mismatch");
    valid("(module (type $t (func)) (func $f) (table 1 (ref $t) (ref.func $f)))");
}

#[test]
fn exports_and_start() {
    invalid("(module (func (export \"a\")) (func (export \"a\")))", "duplicate export name");
    invalid("(module (func $s (param i32)) (start $s))", "start function");
}

#[test]
fn exceptions() {
    valid(
        "(module (tag $e (param i32)) (func (result i32)
           (block $h (result i32) (try_table (catch $e $h) (throw $e (i32.const 1))) (i32.const 0))))",
    );
    invalid(
        "(module (tag $e (param i32)) (func (result i64)
           (block $h (result i64) (try_table (catch $e $h) (throw $e (i32.const 1))) (i64.const 0))))",
        "type mismatch",
    );
    valid(
        "(module (func (result exnref) (block $h (result exnref) (try_table (catch_all_ref $h) unreachable) (ref.null exn))))",
    );
    invalid("(module (tag $e (result i32)))", "non-empty tag result type");
}

#[test]
fn simd_lanes() {
    invalid("(module (func (result i32) (i32x4.extract_lane 4 (v128.const i64x2 0 0))))", "invalid lane index");
    valid("(module (func (result i32) (i32x4.extract_lane 3 (v128.const i64x2 0 0))))");
}

#[test]
fn features_gate_instructions() {
    // Either phase may refuse an instruction of a disabled feature; it
    // must never be accepted.
    let rejected = |wat: &str, features: Features| assert!(check_with(wat, features).is_err(), "accepted: {wat}");
    rejected("(module (func (drop (i32.extend8_s (i32.const 0)))))", Features::wasm1());
    rejected("(module (func (drop (v128.const i64x2 0 0))))", Features::wasm1());
    rejected("(module (func (result i32) i32.const 0 return_call 0))", Features::wasm2());
    rejected(
        "(module (func (param i64 i64 i64 i64) (result i64 i64)
           (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3))))",
        Features::wasm3(),
    );
    invalid_with("(module (func (param externref)))", Features::wasm1(), "not enabled");
    // In 1.0, funcref is only a table element type.
    invalid_with("(module (func (param funcref)))", Features::wasm1(), "not enabled");
    check_with("(module (table 1 funcref))", Features::wasm1()).expect("MVP table");
    rejected("(module (table 1 funcref) (func $f) (elem (i32.const 0) funcref (ref.func $f)))", Features::wasm1());
}

#[test]
fn too_many_locals() {
    let many = "i64 ".repeat(49_999);
    valid(&format!("(module (func (local i32) (local {many})))"));
    invalid(&format!("(module (func (local i32 i32) (local {many})))"), "too many locals");
}

#[test]
fn decode_errors_stay_decode_errors() {
    // A body with an unknown opcode: a decode error, not a validation error.
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend_from_slice(&[1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 5, 1, 3, 0, 0xff, 0x0b]);
    assert!(matches!(validate_bytes(&bytes, Features::default()), Err(Error::Decode(_))));
}

/// A million nested blocks validate without recursion, on a small stack.
#[test]
fn deep_nesting_on_a_small_stack() {
    const DEPTH: usize = 1_000_000;
    let mut body = vec![0u8]; // no locals
    body.extend(std::iter::repeat_n([0x02, 0x40], DEPTH).flatten()); // block
    body.extend(std::iter::repeat_n(0x0b, DEPTH + 1)); // end ... end
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend_from_slice(&[1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0]);
    let mut code = vec![1u8];
    leb(&mut code, body.len() as u32);
    code.extend_from_slice(&body);
    bytes.push(10);
    leb(&mut bytes, code.len() as u32);
    bytes.extend_from_slice(&code);
    let info = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || validate_bytes(&bytes, Features::default()).map(|(_, info)| info))
        .unwrap()
        .join()
        .expect("no stack overflow")
        .expect("valid");
    assert_eq!(info.functions[0].max_control_depth as usize, DEPTH + 1);
}

fn leb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

#[test]
fn multi_value_blocks_and_labels() {
    valid("(module (func (result i32) (i32.const 1) (i32.const 2) (block (param i32 i32) (result i32) i32.add)))");
    // A loop's label takes its parameters.
    valid("(module (func (param i32) (i32.const 0) (loop (param i32) (br_if 0 (local.get 0)) drop)))");
    invalid("(module (func (i32.const 0) (loop (param i32) (br 0 (i64.const 0)))))", "type mismatch");
    // An `if` without `else` must turn its parameters into its results.
    invalid("(module (func (result i32) (if (result i32) (i32.const 1) (then (i32.const 1)))))", "type mismatch");
    valid("(module (func (result i32) (i32.const 5) (if (param i32) (result i32) (i32.const 1) (then))))");
    invalid("(module (func (br 1)))", "unknown label");
}

#[test]
fn legacy_exceptions() {
    valid(
        "(module (tag $e (param i32)) (func (result i32) try (result i32) i32.const 1 catch $e catch_all i32.const 2 end))",
    );
    valid("(module (tag $e) (func try catch $e rethrow 0 end))");
    invalid("(module (tag $e) (func try rethrow 0 catch $e end))", "invalid rethrow label");
    valid("(module (tag $e) (func block try throw $e delegate 0 end))");
    invalid("(module (tag $e) (func try catch 1 end))", "unknown tag");
}

#[test]
fn memory64_and_table64_address_types() {
    valid("(module (memory i64 1) (func (param i64) (result i32) (i32.load (local.get 0))))");
    invalid("(module (memory i64 1) (func (param i32) (result i32) (i32.load (local.get 0))))", "type mismatch");
    valid("(module (memory i64 1) (func (result i64) (memory.grow (i64.const 1))))");
    valid("(module (table i64 1 funcref) (type $t (func)) (func (call_indirect (type $t) (i64.const 0))))");
    valid(
        "(module (memory $a i64 1) (memory $b 1)
           (func (memory.copy $a $b (i64.const 0) (i32.const 0) (i32.const 1))))",
    );
    invalid(
        "(module (memory $a i64 1) (memory $b 1)
           (func (memory.copy $a $b (i64.const 0) (i32.const 0) (i64.const 1))))",
        "type mismatch",
    );
}

#[test]
fn bulk_memory_and_tables() {
    // memory.init and data.drop need the data count section; wat emits it
    // when they are used, so check the positive case here.
    valid(
        "(module (memory 1) (data \"x\") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1)) (data.drop 0)))",
    );
    invalid("(module (memory 1) (data \"x\") (func (data.drop 1)))", "unknown data segment");
    invalid(
        "(module (table 1 funcref) (func (table.init 0 (i32.const 0) (i32.const 0) (i32.const 0))))",
        "unknown elem segment",
    );
    invalid(
        "(module (table $f 1 funcref) (table $e 1 externref) (func (table.copy $f $e (i32.const 0) (i32.const 0) (i32.const 0))))",
        "type mismatch",
    );
    invalid(
        "(module (table 1 externref) (type $t (func)) (func (call_indirect (type $t) (i32.const 0))))",
        "type mismatch",
    );
}

#[test]
fn atomics_need_exact_alignment() {
    valid("(module (memory 1 1 shared) (func (result i32) (i32.atomic.load (i32.const 0))))");
    invalid("(module (memory 1 1 shared) (func (result i32) (i32.atomic.load align=2 (i32.const 0))))", "alignment");
    invalid("(module (memory 1 shared))", "shared memory must have maximum");
}

#[test]
fn gc_is_on_by_default_and_rejected_explicitly_when_off() {
    let no_gc = Features { gc: false, ..Features::default() };
    for wat in
        ["(module (type (struct)))", "(module (func (param anyref)))", "(module (rec (type (func)) (type (func))))"]
    {
        invalid_with(wat, no_gc, "GC");
        // WebAssembly 3.0 includes GC, and so do the default features.
        valid(wat);
    }
}

#[test]
fn references_from_the_polymorphic_stack_stay_references() {
    valid("(module (func (result funcref) unreachable ref.as_non_null))");
    invalid("(module (func (result i64) unreachable ref.as_non_null))", "type mismatch");
    invalid("(module (func unreachable (br_on_null 0) i64.eqz drop))", "type mismatch");
    invalid("(module (func (block (result i32) unreachable (br_on_non_null 0)) drop))", "type mismatch");
    valid("(module (func (block (result funcref) unreachable (br_on_non_null 0) unreachable) drop))");
}
