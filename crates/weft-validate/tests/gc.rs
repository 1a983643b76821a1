//! GC validation: recursion groups and their canonical ids, declared
//! subtyping, and the rules of the GC instructions, one module at a time.

use weft_decode::HeapType;
use weft_validate::{Features, TypeRegistry, canonical_heap, explain, validate_bytes};

const GC: Features = Features { gc: true, ..Features::all() };

fn check(wat: &str) -> Result<weft_decode::Module, String> {
    let bytes = wat::parse_str(wat).map_err(|e| format!("wat: {e}"))?;
    validate_bytes(&bytes, GC).map(|(m, _)| m).map_err(|e| e.to_string())
}

fn valid(wat: &str) -> weft_decode::Module {
    check(wat).unwrap_or_else(|e| panic!("rejected: {e}: {wat}"))
}

fn invalid(wat: &str, message: &str) {
    match check(wat) {
        Ok(_) => panic!("accepted, expected \"{message}\": {wat}"),
        Err(e) => assert!(e.contains(message), "expected \"{message}\", got \"{e}\": {wat}"),
    }
}

#[test]
fn gc_needs_its_feature() {
    let bytes = wat::parse_str("(module (type (struct (field i32))))").unwrap();
    let no_gc = Features { gc: false, ..Features::all() };
    let e = validate_bytes(&bytes, no_gc).unwrap_err().to_string();
    assert!(e.contains("GC (struct types) support is not enabled"), "{e}");
    let bytes = wat::parse_str("(module (global anyref (ref.null any)))").unwrap();
    let e = validate_bytes(&bytes, no_gc).unwrap_err().to_string();
    assert!(e.contains("support is not enabled"), "{e}");
    // The instructions do not even decode without it.
    let bytes = wat::parse_str("(module (func (drop (ref.i31 (i32.const 1)))))").unwrap();
    let e = validate_bytes(&bytes, no_gc).unwrap_err().to_string();
    assert!(e.contains("illegal opcode fb 1c"), "{e}");
}

#[test]
fn equal_recursion_groups_are_the_same_type() {
    // Two copies of one recursive group: their lists are interchangeable.
    valid(
        "(module
           (rec (type $l1 (struct (field (ref null $l1)))))
           (rec (type $l2 (struct (field (ref null $l2)))))
           (func (param (ref $l1)) (result (ref $l2)) (local.get 0)))",
    );
    // The same shapes in a group of two are not the singleton group's type.
    invalid(
        "(module
           (rec (type $l1 (struct (field (ref null $l1)))))
           (rec (type $l2 (struct (field (ref null $l2)))) (type (struct)))
           (func (param (ref $l1)) (result (ref $l2)) (local.get 0)))",
        "type mismatch",
    );
    // Position in the group matters: the same group, the other member.
    invalid(
        "(module
           (rec (type $a (struct (field (ref null $b)))) (type $b (struct (field (ref null $a)) (field i32))))
           (func (param (ref $a)) (result (ref $b)) (local.get 0)))",
        "type mismatch",
    );
}

#[test]
fn canonical_ids_across_modules() {
    let group = "(rec (type $a (sub (struct (field (ref null $b))))) (type $b (sub (struct (field (ref null $a)) (field i32)))))";
    let m1 = valid(&format!("(module {group})"));
    let m2 = valid(&format!(
        "(module (type (func)) {group} (type $c (sub $b (struct (field (ref null 1)) (field i32) (field f32)))))"
    ));
    // The same group with its members swapped is another group.
    let m3 = valid(
        "(module (rec (type $b (sub (struct (field (ref null $a)) (field i32)))) (type $a (sub (struct (field (ref null $b)))))))",
    );
    let mut registry = TypeRegistry::new();
    let ids1 = registry.intern_module(&m1);
    let ids2 = registry.intern_module(&m2);
    let ids3 = registry.intern_module(&m3);
    assert_eq!(ids1, ids2[1..3], "one group, one pair of ids");
    assert_ne!(ids3[1], ids1[1]);
    assert_ne!(ids3[0], ids1[0]);
    assert_eq!(registry.len(), 1 + 2 + 1 + 2, "func, the group, $c, the swapped group");
    // $c <: $b, and the display says so in one read.
    let c = registry.get(ids2[3]);
    assert_eq!(c.depth(), 1);
    assert_eq!(c.supertype(), Some(ids1[1]));
    assert!(registry.is_subtype(ids2[3], ids1[1]));
    assert!(!registry.is_subtype(ids1[1], ids2[3]));
    assert!(!registry.is_subtype(ids2[3], ids1[0]));
    // Interned types refer to each other by canonical id.
    let weft_decode::CompositeType::Struct(fields) = &registry.get(ids1[0]).sub.composite else { panic!() };
    let weft_decode::StorageType::Val(weft_decode::ValType::Ref(rt)) = fields[0].storage else { panic!() };
    assert_eq!(rt.heap, weft_decode::HeapType::Concrete(ids1[1].0));
}

#[test]
fn subtype_declarations() {
    valid("(module (type $s (sub (struct (field i32)))) (type (sub $s (struct (field i32) (field i64)))))");
    invalid(
        "(module (type $s (struct (field i32))) (type (sub $s (struct (field i32) (field i64)))))",
        "sub type 1 has final super type 0",
    );
    invalid(
        "(module (type $s (sub (struct (field i32)))) (type (sub $s (struct (field i64)))))",
        "sub type 1 does not match super type 0",
    );
    // Mutable fields are invariant, immutable ones covariant.
    valid("(module (type $s (sub (struct (field anyref)))) (type (sub $s (struct (field eqref)))))");
    invalid(
        "(module (type $s (sub (struct (field (mut anyref))))) (type (sub $s (struct (field (mut eqref))))))",
        "does not match",
    );
    // Function types: parameters contravariant, results covariant.
    valid(
        "(module (type $f (sub (func (param eqref) (result anyref)))) (type (sub $f (func (param anyref) (result eqref)))))",
    );
    invalid("(module (type $f (sub (func (param anyref)))) (type (sub $f (func (param eqref)))))", "does not match");
    invalid("(module (rec (type (sub 1 (struct))) (type (sub (struct)))))", "forward use of type 1");
}

#[test]
fn heap_type_lattice() {
    valid(
        "(module (type $s (struct)) (type $a (array i8)) (type $f (func))
           (func (param (ref $s) (ref $a) (ref i31) (ref none) (ref nofunc) (ref noextern))
             (drop (block (result eqref) (local.get 0)))
             (drop (block (result (ref array)) (local.get 1)))
             (drop (block (result (ref eq)) (local.get 2)))
             (drop (block (result (ref $s)) (local.get 3)))
             (drop (block (result (ref $f)) (local.get 4)))
             (drop (block (result externref) (local.get 5)))))",
    );
    invalid("(module (type $f (func)) (func (param (ref $f)) (result anyref) (local.get 0)))", "type mismatch");
    invalid("(module (func (param (ref none)) (result funcref) (local.get 0)))", "type mismatch");
    invalid("(module (func (param eqref) (result i31ref) (local.get 0)))", "type mismatch");
}

#[test]
fn struct_instructions() {
    let types = "(type $q (struct)) (type $p (struct (field $x (mut i32)) (field $c i8) (field $r (ref $q))))";
    valid(&format!(
        "(module {types}
           (func (param (ref null $p)) (result i32)
             (struct.set $p $x (local.get 0) (i32.const 1))
             (i32.add (struct.get $p $x (local.get 0)) (struct.get_s $p $c (local.get 0))))
           (func (result (ref $p)) (struct.new $p (i32.const 1) (i32.const 300) (struct.new_default $q))))"
    ));
    invalid(
        &format!("(module {types} (func (param (ref $p)) (result i32) (struct.get $p $c (local.get 0))))"),
        "packed",
    );
    invalid(
        &format!("(module {types} (func (param (ref $p)) (result i32) (struct.get_u $p $x (local.get 0))))"),
        "not packed",
    );
    invalid(
        &format!("(module {types} (func (param (ref $p)) (struct.set $p $c (local.get 0) (i32.const 1))))"),
        "immutable field",
    );
    invalid(&format!("(module {types} (func (drop (struct.new_default $p))))"), "not defaultable");
    invalid(
        &format!("(module {types} (func (param (ref $p)) (drop (struct.get $p 3 (local.get 0)))))"),
        "unknown field 3",
    );
    invalid(&format!("(module {types} (func (drop (struct.new $p (i32.const 1) (i32.const 2)))))"), "type mismatch");
}

#[test]
fn array_instructions() {
    let types =
        "(type $b (array (mut i8))) (type $ro (array i8)) (type $r (array (mut funcref))) (type $x (array (mut i64)))";
    valid(&format!(
        "(module {types} (data $d \"abc\") (elem $e func)
           (func (param (ref $b) (ref $ro) (ref $r)) (result i32)
             (array.set $b (local.get 0) (i32.const 0) (i32.const 7))
             (array.fill $b (local.get 0) (i32.const 0) (i32.const 1) (i32.const 2))
             (array.copy $b $ro (local.get 0) (i32.const 0) (local.get 1) (i32.const 0) (i32.const 1))
             (array.init_data $b $d (local.get 0) (i32.const 0) (i32.const 0) (i32.const 1))
             (array.init_elem $r $e (local.get 2) (i32.const 0) (i32.const 0) (i32.const 0))
             (drop (array.new_fixed $ro 2 (i32.const 1) (i32.const 2)))
             (drop (array.new_data $ro $d (i32.const 0) (i32.const 3)))
             (drop (array.new_elem $r $e (i32.const 0) (i32.const 0)))
             (drop (array.new_default $x (i32.const 4)))
             (i32.add (array.len (local.get 1)) (array.get_u $ro (local.get 1) (i32.const 0)))))"
    ));
    invalid(
        &format!("(module {types} (func (param (ref $ro)) (array.set $ro (local.get 0) (i32.const 0) (i32.const 7))))"),
        "immutable array",
    );
    invalid(
        &format!(
            "(module {types} (func (param (ref $x) (ref $b)) (array.copy $x $b (local.get 0) (i32.const 0) (local.get 1) (i32.const 0) (i32.const 1))))"
        ),
        "array types do not match",
    );
    invalid(
        &format!("(module {types} (data $d \"\") (func (drop (array.new_data $r $d (i32.const 0) (i32.const 0)))))"),
        "array type is not numeric or vector",
    );
    invalid(
        &format!("(module {types} (func (param (ref $b)) (result i32) (array.get $b (local.get 0) (i32.const 0))))"),
        "packed",
    );
    invalid(
        "(module (type $nn (array (ref func))) (func (drop (array.new_default $nn (i32.const 1)))))",
        "not defaultable",
    );
    invalid(&format!("(module {types} (func (drop (array.new_default 9 (i32.const 1)))))"), "unknown type");
}

#[test]
fn i31_eq_and_conversions() {
    valid(
        "(module (func (param externref) (result i32)
           (drop (extern.convert_any (any.convert_extern (local.get 0))))
           (i32.add (i31.get_s (ref.i31 (i32.const -1))) (ref.eq (ref.i31 (i32.const 1)) (ref.null none)))))",
    );
    // Nullability is kept by the conversions.
    invalid("(module (func (param externref) (result (ref any)) (any.convert_extern (local.get 0))))", "type mismatch");
    valid("(module (func (param (ref extern)) (result (ref any)) (any.convert_extern (local.get 0))))");
    invalid("(module (func (param funcref) (result i32) (ref.eq (local.get 0) (local.get 0))))", "type mismatch");
    invalid("(module (func (param anyref) (result i32) (ref.eq (local.get 0) (local.get 0))))", "type mismatch");
}

#[test]
fn casts_stay_in_their_hierarchy() {
    valid(
        "(module (type $s (struct))
           (func (param anyref) (result (ref $s)) (ref.cast (ref $s) (local.get 0)))
           (func (param anyref) (result i32) (ref.test (ref null i31) (local.get 0))))",
    );
    invalid(
        "(module (type $s (struct)) (func (param funcref) (result i32) (ref.test (ref $s) (local.get 0))))",
        "type mismatch",
    );
    invalid("(module (func (param externref) (drop (ref.cast (ref any) (local.get 0)))))", "type mismatch");
}

#[test]
fn br_on_cast_types() {
    valid(
        "(module (type $s (struct))
           (func (param anyref) (result (ref $s))
             (block $l (result (ref $s))
               (drop (br_on_cast $l anyref (ref $s) (local.get 0)))
               (unreachable)))
           (func (param anyref) (result anyref)
             (block $l (result anyref)
               (br_on_cast_fail $l anyref (ref $s) (local.get 0)))))",
    );
    // After br_on_cast, the fall-through keeps the operand's type minus the
    // target's nullability: here `anyref \\ (ref null $s)` is `(ref any)`.
    valid(
        "(module (type $s (struct))
           (func (param anyref) (result (ref any))
             (block $l (result (ref null $s)) (return (br_on_cast $l anyref (ref null $s) (local.get 0))))
             (unreachable)))",
    );
    invalid(
        "(module (type $s (struct)) (func (param anyref) (result (ref $s))
           (block $l (result (ref $s)) (drop (br_on_cast $l anyref (ref null $s) (local.get 0))) (unreachable))))",
        "type mismatch",
    );
    // The target must match the source.
    invalid(
        "(module (type $s (struct)) (func (param structref)
           (block $l (result i31ref) (drop (br_on_cast $l structref i31ref (local.get 0))) (unreachable))))",
        "type mismatch",
    );
}

#[test]
fn gc_constant_expressions() {
    valid(
        "(module (type $p (struct (field i32) (field i64))) (type $a (array i8))
           (global $i i32 (i32.const 3))
           (global (ref $p) (struct.new $p (global.get $i) (i64.const 2)))
           (global (ref $a) (array.new_fixed $a 2 (i32.const 1) (i32.const 2)))
           (global (ref $a) (array.new $a (i32.const 0) (global.get $i)))
           (global anyref (array.new_default $a (i32.const 3)))
           (global (ref i31) (ref.i31 (i32.const 5)))
           (global externref (extern.convert_any (ref.i31 (i32.const 5))))
           (global anyref (any.convert_extern (ref.null noextern))))",
    );
    invalid(
        "(module (type $p (struct (field i32))) (global i32 (struct.get $p 0 (struct.new $p (i32.const 1)))))",
        "constant expression required",
    );
    invalid("(module (type $p (struct (field i32))) (global (ref $p) (struct.new $p (i64.const 1))))", "type mismatch");
}

#[test]
fn explain_shows_heap_types_and_gc_rules() {
    let bytes = wat::parse_str(
        "(module (type $p (struct (field (mut i32)) (field i8)))
           (func (param (ref null $p) eqref) (drop (local.get 1)) (local.get 0) (struct.get $p 1)))",
    )
    .unwrap();
    let module = weft_decode::Module::decode_with(&bytes, GC).unwrap();
    let x = explain(&module).expect("invalid");
    assert_eq!(x.instruction.as_deref(), Some("struct.get 0 1"));
    assert_eq!(
        x.operands,
        vec![Some(weft_decode::ValType::Ref(weft_decode::RefType {
            nullable: true,
            heap: weft_decode::HeapType::Concrete(0)
        }))]
    );
    assert!(x.rule.contains("type 0 is (struct (field (mut i32)) (field i8))"), "{}", x.rule);
    assert!(x.error.message.contains("packed"), "{}", x.error.message);
}

#[test]
fn run_time_casts_through_the_registry() {
    let m = valid(
        "(module (type $f (func)) (type $s (sub (struct (field i32)))) (type $t (sub $s (struct (field i32) (field i64))))
           (type $a (array i8)))",
    );
    let mut registry = TypeRegistry::new();
    let ids = registry.intern_module(&m);
    let (f, s, t, a) = (ids[0], ids[1], ids[2], ids[3]);
    let concrete = |x: u32| canonical_heap(&ids, HeapType::Concrete(x));
    assert_eq!(concrete(2), HeapType::Concrete(t.0));
    assert_eq!(canonical_heap(&ids, HeapType::Eq), HeapType::Eq);
    assert_eq!(canonical_heap(&ids, HeapType::Concrete(99)), HeapType::Concrete(99));
    // A $t object is a $t, a $s, a struct, an eq and an any; not an array.
    for ht in [concrete(2), concrete(1), HeapType::Struct, HeapType::Eq, HeapType::Any] {
        assert!(registry.matches_heap(t, ht), "{ht}");
    }
    for ht in [concrete(3), HeapType::Array, HeapType::Func, HeapType::I31, HeapType::None] {
        assert!(!registry.matches_heap(t, ht), "{ht}");
    }
    assert!(!registry.matches_heap(s, concrete(2)), "a supertype is not its subtype");
    assert!(registry.matches_heap(a, HeapType::Array) && registry.matches_heap(a, HeapType::Eq));
    assert!(registry.matches_heap(f, HeapType::Func) && !registry.matches_heap(f, HeapType::Any));
}
