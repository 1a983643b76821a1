//! Parallel validation reports exactly what one thread reports (issue 18):
//! the same function infos for a valid module, and for a module with
//! several invalid functions the error of the lowest-index one, whatever
//! the number of threads.

use weft_decode::Module;
use weft_validate::{ModuleInfo, ValidationError, validate_with_threads};

/// A module of `count` functions of ~700 bytes of code each (well past
/// the size below which validation stays on one thread); the functions
/// at `invalid` end with an error of their own.
fn generate(count: usize, invalid: &[(usize, &str)]) -> Vec<u8> {
    let mut wat = String::from("(module (global $g i32 (i32.const 0))\n");
    for i in 0..count {
        wat.push_str("(func (param i32) (result i32) (local i64)\n");
        for k in 0..(100 + i % 7) {
            wat.push_str(&format!("local.get 0 i32.const {k} i32.add local.set 0\n"));
        }
        // Each function's stack height differs, so the infos show order.
        for _ in 0..(i % 5) {
            wat.push_str("local.get 0\n");
        }
        for _ in 0..(i % 5) {
            wat.push_str("drop\n");
        }
        if let Some((_, bad)) = invalid.iter().find(|(at, _)| *at == i) {
            wat.push_str(bad);
            wat.push('\n');
        }
        wat.push_str("local.get 0)\n");
    }
    wat.push(')');
    wat::parse_str(&wat).unwrap()
}

fn check(bytes: &[u8]) -> (Result<ModuleInfo, ValidationError>, Module) {
    let module = Module::decode(bytes).unwrap();
    assert!(module.code_size() > 512 * 1024, "the module must be large enough to validate in parallel");
    (validate_with_threads(&module, 1), module)
}

#[test]
fn a_valid_module_gives_the_same_infos_on_any_number_of_threads() {
    let bytes = generate(1000, &[]);
    let (one, module) = check(&bytes);
    let one = one.unwrap();
    assert_eq!(one.functions.len(), 1000);
    assert_ne!(one.functions[1].max_stack_height, one.functions[4].max_stack_height);
    for threads in 2..=8 {
        assert_eq!(validate_with_threads(&module, threads).unwrap(), one, "{threads} threads");
    }
}

#[test]
fn the_lowest_index_error_is_reported_on_any_number_of_threads() {
    // Three invalid functions, each with a different error, the lowest
    // index neither first nor last in any thread's share of the work.
    let invalid = [(977, "local.get 9"), (412, "i64.const 1 i32.add drop"), (655, "global.set $g")];
    let bytes = generate(1000, &invalid);
    let (one, module) = check(&bytes);
    let one = one.unwrap_err();
    assert!(one.message.contains("type mismatch"), "{one}");
    // The offset lies in function 412's body.
    let body = &module.code[412];
    assert!(body.code.contains(&one.offset), "{one} not in {:?}", body.code);
    for threads in 2..=8 {
        for _ in 0..5 {
            assert_eq!(validate_with_threads(&module, threads).unwrap_err(), one, "{threads} threads");
        }
    }
    // Without function 412's error, function 655's is the one reported.
    let bytes = generate(1000, &invalid[0..1].iter().chain(&invalid[2..]).copied().collect::<Vec<_>>());
    let module = Module::decode(&bytes).unwrap();
    let one = validate_with_threads(&module, 1).unwrap_err();
    assert!(one.message.contains("immutable"), "{one}");
    for threads in 2..=8 {
        assert_eq!(validate_with_threads(&module, threads).unwrap_err(), one, "{threads} threads");
    }
}
