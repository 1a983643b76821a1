//! Generates large, valid modules for the decoder and validator benchmarks.
//!
//! The bodies mix the instructions compilers emit most (locals, constants,
//! integer and float arithmetic, loads and stores, blocks, branches, calls,
//! `if`/`else`, `br_table`), so the figures describe real code rather than
//! one instruction repeated.

use weft_decode::encode::{write_name, write_var_u32};
use weft_decode::{BlockType, BrTable, Features, Ieee64, MemArg, Operator, Reader, ValType};

/// A small deterministic generator (xorshift), so every run builds the
/// same module.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn section(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    out.push(id);
    write_var_u32(out, payload.len() as u32);
    out.extend_from_slice(payload);
}

fn ops(out: &mut Vec<u8>, list: &[Operator<'_>]) {
    for op in list {
        op.encode(out);
    }
}

fn mem(align: u32, offset: u64) -> MemArg {
    MemArg { align, offset, memory: 0 }
}

/// Appends one snippet that leaves the operand stack as it found it.
/// Locals: 0 and 1 are the i32 parameters, 2 is f64, 3 is i64.
fn snippet(out: &mut Vec<u8>, rng: &mut Rng, num_funcs: u32) {
    use Operator as O;
    let k = rng.below(1 << 20) as i32;
    match rng.below(10) {
        0 => ops(
            out,
            &[
                O::LocalGet { local_index: 0 },
                O::LocalGet { local_index: 1 },
                O::I32Add {},
                O::LocalSet { local_index: 0 },
            ],
        ),
        1 => ops(
            out,
            &[
                O::LocalGet { local_index: 0 },
                O::I32Const { value: k },
                O::I32Mul {},
                O::I32Const { value: 0xff },
                O::I32And {},
                O::LocalSet { local_index: 1 },
            ],
        ),
        2 => ops(
            out,
            &[
                O::LocalGet { local_index: 1 },
                O::LocalGet { local_index: 0 },
                O::I32Load { memarg: mem(2, u64::from(k as u32 & 0xfff)) },
                O::I32Store { memarg: mem(2, 8) },
            ],
        ),
        3 => ops(
            out,
            &[
                O::Block { blockty: BlockType::Empty },
                O::LocalGet { local_index: 0 },
                O::BrIf { relative_depth: 0 },
                O::LocalGet { local_index: 1 },
                O::I32Const { value: 1 },
                O::I32Sub {},
                O::LocalSet { local_index: 1 },
                O::End {},
            ],
        ),
        4 => ops(
            out,
            &[
                O::LocalGet { local_index: 2 },
                O::F64Const { value: Ieee64(1.5f64.to_bits()) },
                O::F64Mul {},
                O::F64Sqrt {},
                O::LocalSet { local_index: 2 },
            ],
        ),
        5 => ops(
            out,
            &[
                O::LocalGet { local_index: 0 },
                O::LocalGet { local_index: 1 },
                O::Call { function_index: rng.below(u64::from(num_funcs)) as u32 },
                O::LocalSet { local_index: 0 },
            ],
        ),
        6 => ops(
            out,
            &[
                O::LocalGet { local_index: 3 },
                O::I64Const { value: (rng.next() >> 3) as i64 },
                O::I64Xor {},
                O::I64Const { value: 13 },
                O::I64Rotl {},
                O::LocalSet { local_index: 3 },
            ],
        ),
        7 => ops(
            out,
            &[
                O::LocalGet { local_index: 0 },
                O::If { blockty: BlockType::Value(ValType::I32) },
                O::LocalGet { local_index: 1 },
                O::Else {},
                O::I32Const { value: 7 },
                O::End {},
                O::LocalSet { local_index: 1 },
            ],
        ),
        8 => {
            ops(
                out,
                &[
                    O::Block { blockty: BlockType::Empty },
                    O::Block { blockty: BlockType::Empty },
                    O::Block { blockty: BlockType::Empty },
                    O::LocalGet { local_index: 0 },
                ],
            );
            // br_table 0 1 2 (default 0)
            static TARGETS: [u8; 5] = [3, 0, 1, 2, 0];
            let targets = BrTable::decode_from(&TARGETS);
            ops(out, &[O::BrTable { targets }, O::End {}, O::End {}, O::End {}]);
        }
        _ => ops(
            out,
            &[
                O::Loop { blockty: BlockType::Empty },
                O::LocalGet { local_index: 1 },
                O::I32Const { value: 1 },
                O::I32Sub {},
                O::LocalTee { local_index: 1 },
                O::I32Eqz {},
                O::BrIf { relative_depth: 0 },
                O::End {},
            ],
        ),
    }
}

/// A valid module whose code section holds at least `code_bytes` bytes of
/// function bodies, in functions of about `body_bytes` bytes each.
pub fn large_module(code_bytes: usize, body_bytes: usize) -> Vec<u8> {
    let num_funcs = code_bytes.div_ceil(body_bytes).max(1) as u32;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut module = b"\0asm\x01\0\0\0".to_vec();

    // (type (func (param i32 i32) (result i32)))
    section(&mut module, 1, &[1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]);
    let mut funcs = Vec::new();
    write_var_u32(&mut funcs, num_funcs);
    funcs.extend(std::iter::repeat_n(0u8, num_funcs as usize));
    section(&mut module, 3, &funcs);
    section(&mut module, 5, &[1, 0, 1]); // (memory 1)
    let mut exports = Vec::new();
    write_var_u32(&mut exports, 1);
    write_name(&mut exports, "f0");
    exports.extend_from_slice(&[0, 0]);
    section(&mut module, 7, &exports);

    let mut code = Vec::new();
    write_var_u32(&mut code, num_funcs);
    let mut body = Vec::new();
    for _ in 0..num_funcs {
        body.clear();
        body.extend_from_slice(&[2, 1, 0x7c, 1, 0x7e]); // locals: f64, i64
        while body.len() < body_bytes {
            snippet(&mut body, &mut rng, num_funcs);
        }
        Operator::LocalGet { local_index: 0 }.encode(&mut body);
        Operator::End {}.encode(&mut body);
        write_var_u32(&mut code, body.len() as u32);
        code.extend_from_slice(&body);
    }
    section(&mut module, 10, &code);
    module
}

/// Helper: a `BrTable` read from static bytes.
trait DecodeFrom {
    fn decode_from(bytes: &'static [u8]) -> Self;
}

impl DecodeFrom for BrTable<'static> {
    fn decode_from(bytes: &'static [u8]) -> Self {
        use weft_decode::Immediate;
        let mut r = Reader::new(bytes, Features::default());
        BrTable::decode(&mut r).expect("static br_table bytes are well-formed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_module_decodes_and_validates() {
        let bytes = large_module(200_000, 1000);
        let module = weft_decode::Module::decode_all(&bytes, Features::default()).unwrap();
        assert!(module.code_size() >= 200_000);
        weft_validate::validate(&module).unwrap();
    }
}
