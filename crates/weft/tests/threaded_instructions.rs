//! The instruction walk: every instruction of the decoder's table
//! (`weft_decode::for_each_instruction!`) is either translated natively by
//! the threaded engine or on [`FALLBACK`], the explicit list of what runs
//! on the reference engine instead, with the reason per entry. The test
//! builds a small function around each instruction (its operands as
//! parameters, `unreachable` after it), translates it, and fails on an
//! instruction that falls back without being listed — and on a listed one
//! that no longer falls back, so the list stays true.

use weft::raw::exec::executor::Decline;
use weft::raw::threaded::disassemble;
use weft::{Engine, Module};

/// One row of the decoder's instruction table, as text.
struct Row {
    prefix: &'static str,
    name: &'static str,
    mnemonic: &'static str,
    /// The immediates' types.
    imms: &'static [&'static str],
    /// The signature (`?` where it depends on context).
    sig: &'static str,
}

macro_rules! rows {
    ($( $prefix:ident $opcode:literal $name:ident $mnemonic:literal { $($imm:ident : $ty:ty),* } [$($sig:tt)*] )*) => {
        const ROWS: &[Row] = &[
            $( Row {
                prefix: stringify!($prefix),
                name: stringify!($name),
                mnemonic: $mnemonic,
                imms: &[$(stringify!($ty)),*],
                sig: stringify!($($sig)*),
            }, )*
        ];
    };
}
weft::raw::decode::for_each_instruction!(rows);

/// What runs on the reference engine instead of the threaded one, each
/// with why: a decoder prefix (every instruction under it) or an
/// instruction's name.
const FALLBACK: &[(&str, &str)] = &[(
    "fe",
    "atomics (threads proposal): shared-memory atomics are not translated; their functions decline with `Decline::Instruction`",
)];

/// Function bodies for instructions a generic body cannot exercise (block
/// structure, immediates the generator does not write): `(params, body)`.
const OVERRIDES: &[(&str, &str, &str)] = &[
    ("Block", "", "block end"),
    ("Loop", "", "loop end"),
    ("If", "i32", "local.get 0 if end"),
    ("Else", "i32", "local.get 0 if else end"),
    ("End", "", "block end"),
    ("Try", "", "try catch_all end"),
    ("Catch", "", "try catch 0 end"),
    ("CatchAll", "", "try catch_all end"),
    ("Delegate", "", "try delegate 0"),
    ("Rethrow", "", "try catch_all rethrow 0 end"),
    ("TryTable", "", "block try_table (catch_all 0) end end"),
    ("Br", "", "block br 0 end"),
    ("BrIf", "i32", "block local.get 0 br_if 0 end"),
    ("BrTable", "i32", "block local.get 0 br_table 0 0 end"),
    ("BrOnNull", "funcref", "block local.get 0 br_on_null 0 drop end"),
    ("BrOnNonNull", "funcref", "block (result (ref func)) local.get 0 br_on_non_null 0 unreachable end drop"),
    ("CallIndirect", "i32", "local.get 0 call_indirect (type 0)"),
    ("ReturnCallIndirect", "i32", "local.get 0 return_call_indirect (type 0)"),
    ("CallRef", "", "ref.func 1 call_ref 0"),
    ("ReturnCallRef", "", "ref.func 1 return_call_ref 0"),
    ("TypedSelect", "i32 i32 i32", "local.get 0 local.get 1 local.get 2 select (result i32) drop"),
    ("RefNull", "", "ref.null func drop"),
    ("LocalGet", "i32", "local.get 0 drop"),
    ("LocalSet", "i32", "local.get 0 local.set 0"),
    ("LocalTee", "i32", "local.get 0 local.tee 0 drop"),
    ("TableCopy", "i32 i32 i32", "local.get 0 local.get 1 local.get 2 table.copy 0 0"),
    ("TableInit", "i32 i32 i32", "local.get 0 local.get 1 local.get 2 table.init 0 0"),
    ("MemoryCopy", "i32 i32 i32", "local.get 0 local.get 1 local.get 2 memory.copy"),
    ("MemoryInit", "i32 i32 i32", "local.get 0 local.get 1 local.get 2 memory.init 0"),
    ("RefEq", "eqref eqref", "local.get 0 local.get 1 ref.eq drop"),
    // GC (types of `GC_TYPES`).
    ("StructNew", "i32", "local.get 0 struct.new 1 drop"),
    ("StructNewDefault", "", "struct.new_default 1 drop"),
    ("StructGet", "(ref null 1)", "local.get 0 struct.get 1 0 drop"),
    ("StructGetS", "(ref null 4)", "local.get 0 struct.get_s 4 0 drop"),
    ("StructGetU", "(ref null 4)", "local.get 0 struct.get_u 4 0 drop"),
    ("StructSet", "(ref null 1) i32", "local.get 0 local.get 1 struct.set 1 0"),
    ("ArrayNew", "i32 i32", "local.get 0 local.get 1 array.new 2 drop"),
    ("ArrayNewDefault", "i32", "local.get 0 array.new_default 2 drop"),
    ("ArrayNewFixed", "i32", "local.get 0 array.new_fixed 2 1 drop"),
    ("ArrayNewData", "i32 i32", "local.get 0 local.get 1 array.new_data 2 0 drop"),
    ("ArrayNewElem", "i32 i32", "local.get 0 local.get 1 array.new_elem 3 0 drop"),
    ("ArrayGet", "(ref null 2) i32", "local.get 0 local.get 1 array.get 2 drop"),
    ("ArrayGetS", "(ref null 5) i32", "local.get 0 local.get 1 array.get_s 5 drop"),
    ("ArrayGetU", "(ref null 5) i32", "local.get 0 local.get 1 array.get_u 5 drop"),
    ("ArraySet", "(ref null 2) i32 i32", "local.get 0 local.get 1 local.get 2 array.set 2"),
    ("ArrayLen", "arrayref", "local.get 0 array.len drop"),
    ("ArrayFill", "(ref null 2) i32 i32 i32", "local.get 0 local.get 1 local.get 2 local.get 3 array.fill 2"),
    (
        "ArrayCopy",
        "(ref null 2) i32 (ref null 2) i32 i32",
        "local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 array.copy 2 2",
    ),
    (
        "ArrayInitData",
        "(ref null 2) i32 i32 i32",
        "local.get 0 local.get 1 local.get 2 local.get 3 array.init_data 2 0",
    ),
    (
        "ArrayInitElem",
        "(ref null 3) i32 i32 i32",
        "local.get 0 local.get 1 local.get 2 local.get 3 array.init_elem 3 0",
    ),
    ("RefTest", "anyref", "local.get 0 ref.test (ref i31) drop"),
    ("RefTestNull", "anyref", "local.get 0 ref.test (ref null i31) drop"),
    ("RefCast", "anyref", "local.get 0 ref.cast (ref i31) drop"),
    ("RefCastNull", "anyref", "local.get 0 ref.cast (ref null i31) drop"),
    ("BrOnCast", "anyref", "block (result anyref) local.get 0 br_on_cast 0 anyref (ref i31) end drop"),
    ("BrOnCastFail", "anyref", "block (result anyref) local.get 0 br_on_cast_fail 0 anyref (ref i31) end drop"),
    ("ExternConvertAny", "anyref", "local.get 0 extern.convert_any drop"),
    ("I31GetS", "i31ref", "local.get 0 i31.get_s drop"),
    ("I31GetU", "i31ref", "local.get 0 i31.get_u drop"),
];

/// The types a GC instruction's test function refers to (after type 0,
/// `(func)`): 1 a struct, 2 an array, 3 an array of `funcref`, 4 a struct
/// and 5 an array of packed `i8`.
const GC_TYPES: &str = "(type (struct (field (mut i32)))) (type (array (mut i32))) (type (array (mut funcref))) \
                        (type (struct (field (mut i8)))) (type (array (mut i8)))";

/// Parameter lists tried, in order, for an instruction whose signature
/// depends on context.
const CANDIDATES: &[&str] = &[
    "",
    "i32",
    "i32 i32",
    "i32 i32 i32",
    "i64",
    "i32 i64",
    "f32",
    "i32 f32",
    "f64",
    "i32 f64",
    "v128",
    "i32 v128",
    "funcref",
    "i32 funcref",
    "i32 funcref i32",
    "externref",
    "exnref",
    "i32 i64 i64",
    "i32 i32 i64",
];

/// The text of an immediate of type `ty`.
fn immediate(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "MemArg" | "ZeroByte" | "MemIdx" => "",
        "u8" | "u32" | "i32" | "i64" | "Ieee32" | "Ieee64" | "TableIdx" => "0",
        "V128" => "i32x4 0 0 0 0",
        "ShuffleLanes" => "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        "HeapType" | "NullableHeap" => "func",
        _ => return None,
    })
}

/// The module around a test function (with [`GC_TYPES`] if `gc`).
fn module_text(gc: bool, params: &str, body: &str) -> String {
    let types = if gc { GC_TYPES } else { "" };
    let params: String = split_types(params).iter().map(|t| format!(" (param {t})")).collect();
    format!(
        r#"(module
  (type (func)) {types}
  (memory 1)
  (table 1 funcref)
  (global (mut i32) (i32.const 0))
  (tag)
  (elem declare func 0 1)
  (data "x")
  (func{params} {body} unreachable)
  (func))"#
    )
}

/// The value types of a parameter list (`i32 (ref null 1)`).
fn split_types(list: &str) -> Vec<String> {
    let (mut types, mut depth, mut current) = (Vec::new(), 0, String::new());
    for c in list.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if c.is_whitespace() && depth == 0 {
            if !current.is_empty() {
                types.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        types.push(current);
    }
    types
}

/// How the threaded engine treats the function around `row`: `Ok(true)`
/// native, `Ok(false)` left to the reference engine, `Err` if no test
/// function could be built.
fn native(engine: &Engine, row: &Row) -> Result<bool, String> {
    let mut attempts: Vec<(String, String)> = Vec::new();
    if let Some((_, params, body)) = OVERRIDES.iter().find(|(n, _, _)| *n == row.name) {
        attempts.push((params.to_string(), body.to_string()));
    } else {
        let imms: Option<Vec<&str>> = row.imms.iter().map(|t| immediate(t.split('<').next().unwrap().trim())).collect();
        let imms = imms.ok_or_else(|| format!("immediates {:?}: add an override", row.imms))?;
        let instr = format!("{} {}", row.mnemonic, imms.join(" "));
        let candidates: Vec<String> = match row.sig.split_once("->") {
            Some((params, _)) => vec![params.trim().to_string()],
            None => CANDIDATES.iter().map(|c| c.to_string()).collect(),
        };
        for params in candidates {
            let gets: String = (0..split_types(&params).len()).map(|i| format!("local.get {i} ")).collect();
            attempts.push((params, format!("{gets}{instr}")));
        }
    }
    for (params, body) in &attempts {
        let gc = row.prefix == "fb";
        let Ok(module) = Module::new(engine, module_text(gc, params, body)) else { continue };
        return match disassemble(&module, 0) {
            Ok(Some(_)) => Ok(true),
            Ok(None) => Err("function 0 is not defined".into()),
            Err(Decline::Internal(why)) => Err(format!("translator bug: {why}")),
            Err(_) => Ok(false),
        };
    }
    Err(format!("no valid test function (tried {attempts:?}): add an override"))
}

fn listed(row: &Row) -> Option<&'static str> {
    FALLBACK.iter().find(|(key, _)| *key == row.prefix || *key == row.name).map(|(_, why)| *why)
}

#[test]
fn every_instruction_is_translated_or_listed() {
    let engine = Engine::default();
    let mut problems = Vec::new();
    let mut counts = (0, 0);
    for row in ROWS {
        match (native(&engine, row), listed(row)) {
            (Ok(true), None) => counts.0 += 1,
            (Ok(false), Some(_)) => counts.1 += 1,
            (Ok(true), Some(_)) => problems
                .push(format!("{} ({}) is translated natively: remove it from FALLBACK", row.name, row.mnemonic)),
            (Ok(false), None) => problems.push(format!(
                "{} ({}) runs on the reference engine: translate it or add it to FALLBACK with the reason",
                row.name, row.mnemonic
            )),
            (Err(e), _) => problems.push(format!("{} ({}): {e}", row.name, row.mnemonic)),
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    // The walk saw the whole table.
    assert_eq!(counts.0 + counts.1, ROWS.len());
    assert!(counts.0 > 400, "{counts:?}");
}
