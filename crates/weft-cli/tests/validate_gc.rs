//! `weft validate` on GC modules: valid ones are accepted, and `--explain`
//! shows heap types on the operand and control stacks and the GC rule that
//! failed, with the struct's type spelled out (golden file).

mod common;

use common::{golden, weft};

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-validate-gc-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn gc_modules_validate() {
    let path = temp_file(
        "list.wat",
        r#"(module
          (rec (type $list (struct (field $head i32) (field $tail (ref null $list)))))
          (func (export "sum") (param $l (ref null $list)) (result i32)
            (if (result i32) (ref.is_null (local.get $l))
              (then (i32.const 0))
              (else (i32.add (struct.get $list $head (local.get $l))
                             (call 0 (struct.get $list $tail (local.get $l))))))))"#,
    );
    let out = weft(&["validate", path.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.ends_with(": valid\n"), "{text}");
}

#[test]
fn explain_a_packed_struct_get() {
    let path = temp_file(
        "packed.wat",
        r#"(module
          (type $point (struct (field $x (mut i32)) (field $y i8)))
          (func $get (param $p (ref null $point)) (param eqref) (result i32)
            (local.get 1)
            (local.get $p)
            (struct.get $point $y)))"#,
    );
    let out = weft(&["validate", "--explain", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap().replace(path.to_str().unwrap(), "packed.wat");
    assert!(text.contains("operands: [(ref null eq) (ref null 0)]"), "{text}");
    assert!(text.contains("(type 0 is (struct (field (mut i32)) (field i8)))"), "{text}");
    golden("explain-gc-packed.txt", &text);
}

#[test]
fn explain_names_the_bottom_heap_type() {
    // `ref.as_non_null` on the polymorphic stack after `unreachable`
    // leaves a reference of the spec's bottom heap type.
    let path =
        temp_file("bottom.wat", "(module (func (param anyref) (result i32) unreachable ref.as_non_null i32.add))");
    let out = weft(&["validate", "--explain", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("operands: [(ref bot)]"), "{text}");
    assert!(!text.contains("4294967295"), "{text}");
}
