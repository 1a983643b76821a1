//! Goes over every row of the instruction table: builds the instruction with
//! sample immediates, encodes it, decodes it back, prints it, and checks that
//! the result is the same instruction with the table's mnemonic.

use weft_decode::*;

/// A representative value for each immediate type the table uses.
trait Sample: Sized {
    fn sample() -> Self;
}

impl Sample for u32 {
    fn sample() -> Self {
        300 // two LEB bytes
    }
}
impl Sample for u8 {
    fn sample() -> Self {
        1
    }
}
impl Sample for i32 {
    fn sample() -> Self {
        -123_456
    }
}
impl Sample for i64 {
    fn sample() -> Self {
        i64::MIN + 7
    }
}
impl Sample for Ieee32 {
    fn sample() -> Self {
        Ieee32(0x7fc0_0001) // a NaN with a payload survives
    }
}
impl Sample for Ieee64 {
    fn sample() -> Self {
        Ieee64(1.5f64.to_bits())
    }
}
impl Sample for V128 {
    fn sample() -> Self {
        V128(core::array::from_fn(|i| i as u8 * 3))
    }
}
impl Sample for ShuffleLanes {
    fn sample() -> Self {
        ShuffleLanes(core::array::from_fn(|i| 31 - i as u8))
    }
}
impl Sample for ZeroByte {
    fn sample() -> Self {
        ZeroByte
    }
}
impl Sample for MemIdx {
    fn sample() -> Self {
        MemIdx(2)
    }
}
impl Sample for TableIdx {
    fn sample() -> Self {
        TableIdx(3)
    }
}
impl Sample for MemArg {
    fn sample() -> Self {
        MemArg { align: 2, offset: 1 << 33, memory: 1 }
    }
}
impl Sample for BlockType {
    fn sample() -> Self {
        BlockType::Value(ValType::Ref(RefType { nullable: false, heap: HeapType::Concrete(5) }))
    }
}
impl Sample for HeapType {
    fn sample() -> Self {
        HeapType::Extern
    }
}
impl Sample for NonNullHeap {
    fn sample() -> Self {
        NonNullHeap(HeapType::Concrete(70)) // a two-byte s33
    }
}
impl Sample for NullableHeap {
    fn sample() -> Self {
        NullableHeap(HeapType::I31)
    }
}
impl Sample for CastBranch {
    fn sample() -> Self {
        CastBranch {
            relative_depth: 2,
            from: RefType { nullable: true, heap: HeapType::Any },
            to: RefType { nullable: false, heap: HeapType::Concrete(3) },
        }
    }
}
impl Sample for SelectTypes {
    fn sample() -> Self {
        SelectTypes { count: 1, first: Some(ValType::F64) }
    }
}
impl<'a> Sample for BrTable<'a> {
    fn sample() -> Self {
        // br_table 1 200 3 (default 4): count, targets, default.
        static BYTES: [u8; 6] = [3, 1, 0xC8, 0x01, 3, 4];
        let mut r = Reader::new(&BYTES, Features::default());
        BrTable::decode(&mut r).unwrap()
    }
}
impl<'a> Sample for Catches<'a> {
    fn sample() -> Self {
        // (catch 1 2) (catch_all_ref 3)
        static BYTES: [u8; 6] = [2, 0, 1, 2, 3, 3];
        let mut r = Reader::new(&BYTES, Features::default());
        Catches::decode(&mut r).unwrap()
    }
}

macro_rules! every_row {
    ($( $prefix:ident $code:literal $name:ident $mnemonic:literal { $($imm:ident : $ty:ty),* } $sig:tt )*) => {
        fn rows<'a>() -> Vec<(Operator<'a>, &'static str)> {
            vec![$( (Operator::$name { $($imm: <$ty as Sample>::sample()),* }, $mnemonic), )*]
        }
    };
}

for_each_instruction!(every_row);

#[test]
fn every_row_round_trips() {
    let rows = rows();
    assert!(rows.len() > 500, "the table has {} rows", rows.len());
    assert_eq!(rows.len(), INSTRUCTIONS.len());
    for (op, mnemonic) in rows {
        let mut bytes = Vec::new();
        op.encode(&mut bytes);
        let mut r = Reader::new(&bytes, Features::all());
        let decoded = Operator::decode(&mut r).unwrap_or_else(|e| panic!("{mnemonic}: {e}"));
        assert_eq!(decoded, op, "{mnemonic}: decode(encode(x)) != x");
        assert!(r.is_empty(), "{mnemonic}: {} bytes left over", r.remaining());
        assert_eq!(decoded.mnemonic(), mnemonic);
        let printed = decoded.to_string();
        assert!(
            printed == mnemonic || printed.starts_with(&format!("{mnemonic} ")),
            "{mnemonic}: printed as {printed:?}"
        );
        // Re-encoding the decoded instruction gives the same bytes.
        let mut again = Vec::new();
        decoded.encode(&mut again);
        assert_eq!(again, bytes, "{mnemonic}: encoding is not canonical");
    }
}

#[test]
fn opcodes_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for (prefix, code, mnemonic) in INSTRUCTIONS {
        assert!(seen.insert((*prefix, *code)), "{mnemonic}: opcode {prefix:?} {code:#x} listed twice");
    }
}

#[test]
fn printer_shows_immediates() {
    let cases: Vec<(Operator<'_>, &str)> = vec![
        (Operator::I32Const { value: -1 }, "i32.const -1"),
        (Operator::LocalGet { local_index: 3 }, "local.get 3"),
        (Operator::I64Load { memarg: MemArg { align: 3, offset: 16, memory: 0 } }, "i64.load offset=16 align=8"),
        (Operator::BrTable { targets: BrTable::sample() }, "br_table 1 200 3 4"),
        (Operator::Block { blockty: BlockType::Value(ValType::I32) }, "block (result i32)"),
        (Operator::F32Const { value: Ieee32(1.5f32.to_bits()) }, "f32.const 1.5"),
        (Operator::StructGet { type_index: 1, field_index: 2 }, "struct.get 1 2"),
        (Operator::ArrayNewFixed { type_index: 0, size: 5 }, "array.new_fixed 0 5"),
        (Operator::RefTest { hty: NonNullHeap(HeapType::Eq) }, "ref.test (ref eq)"),
        (Operator::RefCastNull { hty: NullableHeap(HeapType::Concrete(4)) }, "ref.cast (ref null 4)"),
        (Operator::BrOnCastFail { cast: CastBranch::sample() }, "br_on_cast_fail 2 (ref null any) (ref 3)"),
    ];
    for (op, text) in cases {
        assert_eq!(op.to_string(), text);
    }
}

/// A visitor whose method for each instruction answers its mnemonic: the
/// decoder must call the method of the instruction it read.
struct Named;

macro_rules! named_visitor {
    ($( $prefix:ident $code:literal $name:ident $mnemonic:literal { $($imm:ident : $ty:ty),* } $sig:tt )*) => {
        #[allow(unused_variables)]
        impl<'a> VisitOperator<'a> for Named {
            type Output = &'static str;
            fn visit_operator(&mut self, _: Operator<'a>) -> &'static str {
                "visit_operator"
            }
            $( fn $name(&mut self, $($imm: $ty),*) -> &'static str { $mnemonic } )*
        }
    };
}

for_each_instruction!(named_visitor);

#[test]
fn visitors_get_the_method_of_the_instruction() {
    for (op, mnemonic) in rows() {
        assert_eq!(op.visit(&mut Named), mnemonic);
        let mut bytes = Vec::new();
        op.encode(&mut bytes);
        let mut ops = OperatorsReader::new_expr(Reader::new(&bytes, Features::all()));
        // Block structure aside (an `else` alone is malformed), the reader
        // hands the instruction to its method.
        if let Ok(visited) = ops.visit(&mut Named) {
            assert_eq!(visited, mnemonic);
        }
    }
}

/// A visitor that handles `i32.add` itself and everything else as an
/// `Operator`, over a whole body.
#[test]
fn overridden_and_default_methods_mix() {
    struct Adds(Vec<String>);
    impl<'a> VisitOperator<'a> for Adds {
        type Output = ();
        fn visit_operator(&mut self, op: Operator<'a>) {
            self.0.push(op.to_string());
        }
        fn I32Add(&mut self) {
            self.0.push("add!".into());
        }
    }
    // i32.const 1; i32.const 2; i32.add; drop; end
    let bytes = [0x41, 0x01, 0x41, 0x02, 0x6A, 0x1A, 0x0B];
    let mut ops = OperatorsReader::new(Reader::new(&bytes, Features::default()));
    let mut v = Adds(Vec::new());
    while !ops.is_finished() {
        ops.visit(&mut v).unwrap();
    }
    assert_eq!(v.0, ["i32.const 1", "i32.const 2", "add!", "drop", "end"]);
}

/// Every `0xFB` instruction and `ref.eq` exist only with the GC feature.
#[test]
fn gc_instructions_need_the_gc_feature() {
    let no_gc = Features { gc: false, ..Features::all() };
    let mut gc_rows = 0;
    for (op, mnemonic) in rows() {
        let (prefix, code) = op.opcode();
        if prefix != Prefix::Fb && (prefix, code) != (Prefix::Plain, 0xD3) {
            continue;
        }
        gc_rows += 1;
        let mut bytes = Vec::new();
        op.encode(&mut bytes);
        let err = Operator::decode(&mut Reader::new(&bytes, no_gc)).expect_err(mnemonic);
        assert!(err.message().starts_with("illegal opcode"), "{mnemonic}: {err}");
    }
    assert_eq!(gc_rows, 32, "31 0xFB instructions and ref.eq");
}

/// `br_on_cast` flags beyond the two nullability bits are malformed.
#[test]
fn cast_flags_above_bit_1_are_malformed() {
    // br_on_cast flags=4 depth=0 any eq
    let bytes = [0xFB, 24, 0x04, 0x00, 0x6E, 0x6D];
    let err = Operator::decode(&mut Reader::new(&bytes, Features::all())).unwrap_err();
    assert_eq!(err.message(), "invalid cast flags");
    assert_eq!(err.offset(), 2);
    // flags=3: both nullable.
    let bytes = [0xFB, 24, 0x03, 0x00, 0x6E, 0x6D];
    let op = Operator::decode(&mut Reader::new(&bytes, Features::all())).unwrap();
    assert_eq!(op.to_string(), "br_on_cast 0 (ref null any) (ref null eq)");
}
