//! Memory, table and reference instructions. Memory 0 with 32-bit
//! addresses has its own ops, which find its buffer in a register; other
//! memories and 64-bit memories use the `*Ext` ops, which look the memory
//! up in the store (`exec/memory.rs`).

use weft_decode::{ImportType, MemArg, MemoryType, Operator, ValType};

use super::{Entry, Result, Translator, unsupported};
use crate::op::{Access, MemArgExt, Op, Slot};
use weft_exec::executor::Decline;

/// What a load instruction reads (for `Op::LoadExt`).
fn load_access(op: &Operator<'_>) -> Access {
    let (bytes, signed, wide) = match op {
        Operator::I32Load { .. } | Operator::F32Load { .. } => (4, false, false),
        Operator::I64Load { .. } | Operator::F64Load { .. } => (8, false, true),
        Operator::I32Load8S { .. } => (1, true, false),
        Operator::I32Load8U { .. } => (1, false, false),
        Operator::I32Load16S { .. } => (2, true, false),
        Operator::I32Load16U { .. } => (2, false, false),
        Operator::I64Load8S { .. } => (1, true, true),
        Operator::I64Load8U { .. } => (1, false, true),
        Operator::I64Load16S { .. } => (2, true, true),
        Operator::I64Load16U { .. } => (2, false, true),
        Operator::I64Load32S { .. } => (4, true, true),
        _ => (4, false, true), // i64.load32_u, the only load left
    };
    Access { bytes, signed, wide }
}

/// How many bytes a store instruction writes (for `Op::StoreExt`).
fn store_bytes(op: &Operator<'_>) -> u8 {
    match op {
        Operator::I32Store8 { .. } | Operator::I64Store8 { .. } => 1,
        Operator::I32Store16 { .. } | Operator::I64Store16 { .. } => 2,
        Operator::I64Store { .. } | Operator::F64Store { .. } => 8,
        _ => 4, // i32.store, f32.store, i64.store32
    }
}

/// A store's op with the value in a slot, and with a constant value.
type StoreOps = (fn(Slot, Slot, u32) -> Op, fn(Slot, u32, u64) -> Op);

impl Translator<'_> {
    /// Translates `op` if it is a memory, table or reference instruction.
    #[inline(always)]
    pub(super) fn translate_memory(&mut self, op: &Operator<'_>) -> Option<Result<()>> {
        type Load = fn(Slot, Slot, u32) -> Op;
        let load_op: Option<(MemArg, Load)> = match *op {
            Operator::I32Load { memarg } => Some((memarg, |d, a, offset| Op::I32Load { d, a, offset })),
            Operator::I64Load { memarg } => Some((memarg, |d, a, offset| Op::I64Load { d, a, offset })),
            Operator::F32Load { memarg } => Some((memarg, |d, a, offset| Op::F32Load { d, a, offset })),
            Operator::F64Load { memarg } => Some((memarg, |d, a, offset| Op::F64Load { d, a, offset })),
            Operator::I32Load8S { memarg } => Some((memarg, |d, a, offset| Op::I32Load8S { d, a, offset })),
            Operator::I32Load8U { memarg } => Some((memarg, |d, a, offset| Op::I32Load8U { d, a, offset })),
            Operator::I32Load16S { memarg } => Some((memarg, |d, a, offset| Op::I32Load16S { d, a, offset })),
            Operator::I32Load16U { memarg } => Some((memarg, |d, a, offset| Op::I32Load16U { d, a, offset })),
            Operator::I64Load8S { memarg } => Some((memarg, |d, a, offset| Op::I64Load8S { d, a, offset })),
            Operator::I64Load8U { memarg } => Some((memarg, |d, a, offset| Op::I64Load8U { d, a, offset })),
            Operator::I64Load16S { memarg } => Some((memarg, |d, a, offset| Op::I64Load16S { d, a, offset })),
            Operator::I64Load16U { memarg } => Some((memarg, |d, a, offset| Op::I64Load16U { d, a, offset })),
            Operator::I64Load32S { memarg } => Some((memarg, |d, a, offset| Op::I64Load32S { d, a, offset })),
            Operator::I64Load32U { memarg } => Some((memarg, |d, a, offset| Op::I64Load32U { d, a, offset })),
            _ => None,
        };
        if let Some((memarg, f)) = load_op {
            if let Some(offset) = self.memory0_64(memarg) {
                let (a, access) = (self.pop_slot(), load_access(op));
                return Some(self.result(|d| Op::Mem64Load { d, a, access, offset }));
            }
            if !self.fast_memory(memarg.memory) {
                return Some(self.load_ext(memarg, load_access(op)));
            }
            return Some(self.load(memarg, f));
        }
        let store_op: Option<(MemArg, StoreOps)> = match *op {
            Operator::I32Store { memarg } | Operator::F32Store { memarg } | Operator::I64Store32 { memarg } => Some((
                memarg,
                (
                    |a, v, offset| Op::Store32 { a, v, offset },
                    |a, offset, imm| Op::Store32Imm { a, offset, imm: imm as u32 },
                ),
            )),
            Operator::I64Store { memarg } | Operator::F64Store { memarg } => Some((
                memarg,
                (|a, v, offset| Op::Store64 { a, v, offset }, |a, offset, imm| Op::Store64Imm { a, offset, imm }),
            )),
            Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => Some((
                memarg,
                (
                    |a, v, offset| Op::Store8 { a, v, offset },
                    |a, offset, imm| Op::Store8Imm { a, offset, imm: imm as u32 },
                ),
            )),
            Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => Some((
                memarg,
                (
                    |a, v, offset| Op::Store16 { a, v, offset },
                    |a, offset, imm| Op::Store16Imm { a, offset, imm: imm as u32 },
                ),
            )),
            _ => None,
        };
        if let Some((memarg, f)) = store_op {
            if let Some(offset) = self.memory0_64(memarg) {
                let (n, bytes) = (self.stack.len(), store_bytes(op));
                let v = self.operand(n - 1);
                let a = self.operand(n - 2);
                self.stack.truncate(n - 2);
                self.emit(Op::Mem64Store { a, v, bytes, offset });
                return Some(Ok(()));
            }
            if !self.fast_memory(memarg.memory) {
                return Some(self.store_ext(memarg, store_bytes(op)));
            }
            return Some(self.store(memarg, f));
        }
        if let Some(r) = self.translate_memory_ext(op) {
            return Some(r);
        }
        Some(match *op {
            Operator::MemorySize { mem } if mem.0 == 0 => self.nullary(|d| Op::MemorySize { d }),
            Operator::MemoryGrow { mem } if mem.0 == 0 => {
                let a = self.pop_slot();
                self.result(|d| Op::MemoryGrow { d, a })
            }
            Operator::MemoryFill { mem: 0 } => {
                let (d, v, n) = self.pop3();
                self.emit(Op::MemoryFill { d, v, n });
                Ok(())
            }
            Operator::MemoryCopy { dst_mem: 0, src_mem: 0 } => {
                let (d, s, n) = self.pop3();
                self.emit(Op::MemoryCopy { d, s, n });
                Ok(())
            }
            Operator::MemoryInit { data_index, mem: 0 } => {
                let (d, s, n) = self.pop3();
                self.emit(Op::MemoryInit { d, s, n, data: data_index });
                Ok(())
            }
            Operator::DataDrop { data_index } => {
                self.emit(Op::DataDrop { data: data_index });
                Ok(())
            }
            Operator::TableGet { table_index: table } => {
                let i = self.pop_slot();
                self.result(|d| Op::TableGet { d, i, table })
            }
            Operator::TableSet { table_index: table } => {
                let n = self.stack.len();
                let v = self.operand(n - 1);
                let i = self.operand(n - 2);
                self.stack.truncate(n - 2);
                self.emit(Op::TableSet { i, v, table });
                Ok(())
            }
            Operator::TableSize { table_index: table } => self.nullary(|d| Op::TableSize { d, table }),
            Operator::TableGrow { table_index: table } => {
                let n = self.stack.len();
                let delta = self.operand(n - 1);
                let v = self.operand(n - 2);
                self.stack.truncate(n - 2);
                self.result(|d| Op::TableGrow { d, v, n: delta, table })
            }
            Operator::TableFill { table_index: table } => {
                let (i, v, n) = self.pop3();
                self.emit(Op::TableFill { i, v, n, table });
                Ok(())
            }
            Operator::TableCopy { dst_table: dst, src_table: src } => {
                let (d, s, n) = self.pop3();
                self.emit(Op::TableCopy { d, s, n, dst, src });
                Ok(())
            }
            Operator::TableInit { elem_index: elem, table_index: table } => {
                let (d, s, n) = self.pop3();
                self.emit(Op::TableInit { d, s, n, table, elem });
                Ok(())
            }
            Operator::ElemDrop { elem_index: elem } => {
                self.emit(Op::ElemDrop { elem });
                Ok(())
            }
            Operator::RefNull { hty } => {
                if !super::supported_type(ValType::Ref(weft_decode::RefType { nullable: true, heap: hty })) {
                    return Some(unsupported(Decline::ValueType("ref.null's type".into())));
                }
                self.push(Entry::Const(0))
            }
            Operator::RefIsNull {} => {
                let a = self.pop_slot();
                self.result(|d| Op::RefIsNull { d, a })
            }
            Operator::RefFunc { function_index: func } => self.nullary(|d| Op::RefFunc { d, func }),
            Operator::RefAsNonNull {} => {
                let a = self.operand(self.stack.len() - 1);
                self.emit(Op::RefAsNonNull { a });
                Ok(())
            }
            _ => return None,
        })
    }

    /// Pushes a result computed by `f(d)`.
    fn result(&mut self, f: impl FnOnce(Slot) -> Op) -> Result<()> {
        let d = self.push_result()?;
        self.emit_result(f(d));
        Ok(())
    }

    fn nullary(&mut self, f: impl FnOnce(Slot) -> Op) -> Result<()> {
        self.result(f)
    }

    /// Pops three operands, returned bottom first.
    fn pop3(&mut self) -> (Slot, Slot, Slot) {
        let n = self.stack.len();
        let z = self.operand(n - 1);
        let y = self.operand(n - 2);
        let x = self.operand(n - 3);
        self.stack.truncate(n - 3);
        (x, y, z)
    }

    /// Whether memory `mem` (module index) is memory 0 with 32-bit
    /// addresses, whose accesses take the fast path (the `Mem` register).
    fn fast_memory(&self, mem: u32) -> bool {
        mem == 0 && self.memory_type(0).is_some_and(|m| !m.index64)
    }

    /// For an access to memory 0 with 64-bit addresses whose offset fits
    /// in 32 bits (the `Mem64Load`/`Mem64Store` ops, which use memory 0's
    /// buffer register): the offset.
    fn memory0_64(&self, memarg: MemArg) -> Option<u32> {
        let wide = memarg.memory == 0 && self.memory_type(0).is_some_and(|m| m.index64);
        if wide { u32::try_from(memarg.offset).ok() } else { None }
    }

    /// The type of memory `mem` (module index: imports first).
    fn memory_type(&self, mem: u32) -> Option<&MemoryType> {
        let d = &self.module.decoded;
        let imported = d.imports.iter().filter_map(|i| match &i.ty {
            ImportType::Memory(m) => Some(m),
            _ => None,
        });
        imported.chain(d.memories.iter()).nth(mem as usize)
    }

    /// `memory.size`, `grow`, `fill`, `copy` and `init` on memories off the
    /// fast path: the `*Ext` ops.
    fn translate_memory_ext(&mut self, op: &Operator<'_>) -> Option<Result<()>> {
        Some(match *op {
            Operator::MemorySize { mem } if !self.fast_memory(mem.0) => {
                self.nullary(|d| Op::MemorySizeExt { d, mem: mem.0 })
            }
            Operator::MemoryGrow { mem } if !self.fast_memory(mem.0) => {
                let a = self.pop_slot();
                self.result(|d| Op::MemoryGrowExt { d, a, mem: mem.0 })
            }
            Operator::MemoryFill { mem } if !self.fast_memory(mem) => {
                let (d, v, n) = self.pop3();
                self.emit(Op::MemoryFillExt { d, v, n, mem });
                Ok(())
            }
            Operator::MemoryCopy { dst_mem: dst, src_mem: src }
                if !(self.fast_memory(dst) && self.fast_memory(src)) =>
            {
                let (d, s, n) = self.pop3();
                self.emit(Op::MemoryCopyExt { d, s, n, dst, src });
                Ok(())
            }
            Operator::MemoryInit { data_index: data, mem } if !self.fast_memory(mem) => {
                let (d, s, n) = self.pop3();
                self.emit(Op::MemoryInitExt { d, s, n, data, mem });
                Ok(())
            }
            _ => return None,
        })
    }

    /// The side-table entry of an access off the fast path.
    fn mem_arg(&mut self, memarg: MemArg) -> u32 {
        self.code.mem_args.push(MemArgExt { mem: memarg.memory, offset: memarg.offset });
        (self.code.mem_args.len() - 1) as u32
    }

    fn load_ext(&mut self, memarg: MemArg, access: Access) -> Result<()> {
        let arg = self.mem_arg(memarg);
        let a = self.pop_slot();
        self.result(|d| Op::LoadExt { d, a, access, arg })
    }

    fn store_ext(&mut self, memarg: MemArg, bytes: u8) -> Result<()> {
        let arg = self.mem_arg(memarg);
        let n = self.stack.len();
        let v = self.operand(n - 1);
        let a = self.operand(n - 2);
        self.stack.truncate(n - 2);
        self.emit(Op::StoreExt { a, v, bytes, arg });
        Ok(())
    }

    fn offset(memarg: MemArg) -> Result<u32> {
        if memarg.memory != 0 {
            return unsupported(Decline::MemArg);
        }
        u32::try_from(memarg.offset).or_else(|_| unsupported(Decline::MemArg))
    }

    fn load(&mut self, memarg: MemArg, f: fn(Slot, Slot, u32) -> Op) -> Result<()> {
        let offset = Self::offset(memarg)?;
        if let Some(Entry::Const(c)) = self.stack.last()
            && let Some(addr) = absolute(*c, offset)
            // Which load `f` makes (the raw bits of an f32 or f64 load are
            // those of an i32 or i64 load).
            && let Some(abs) = match f(0, 0, 0) {
                Op::I32Load { .. } | Op::F32Load { .. } => {
                    Some::<fn(Slot, u32) -> Op>(|d, addr| Op::I32LoadAbs { d, addr })
                }
                Op::I64Load { .. } | Op::F64Load { .. } => {
                    Some::<fn(Slot, u32) -> Op>(|d, addr| Op::I64LoadAbs { d, addr })
                }
                _ => None,
            }
        {
            self.stack.pop();
            return self.result(|d| abs(d, addr));
        }
        let a = self.pop_slot();
        self.result(|d| f(d, a, offset))
    }

    /// A store: `f` with the value in a slot, or `fi` when the value is
    /// a constant (no `Const` op to materialize it).
    fn store(&mut self, memarg: MemArg, (f, fi): StoreOps) -> Result<()> {
        let offset = Self::offset(memarg)?;
        let n = self.stack.len();
        if let Entry::Const(imm) = self.stack[n - 1] {
            let a = self.operand(n - 2);
            self.stack.truncate(n - 2);
            self.emit(fi(a, offset, imm));
            return Ok(());
        }
        if let Entry::Const(c) = self.stack[n - 2]
            && let Some(addr) = absolute(c, offset)
            // Which store `f` makes.
            && let Some(abs) = match f(0, 0, 0) {
                Op::Store32 { .. } => Some::<fn(Slot, u32) -> Op>(|v, addr| Op::Store32Abs { v, addr }),
                Op::Store64 { .. } => Some::<fn(Slot, u32) -> Op>(|v, addr| Op::Store64Abs { v, addr }),
                _ => None,
            }
        {
            let v = self.operand(n - 1);
            self.stack.truncate(n - 2);
            self.emit(abs(v, addr));
            return Ok(());
        }
        let v = self.operand(n - 1);
        let a = self.operand(n - 2);
        self.stack.truncate(n - 2);
        self.emit(f(a, v, offset));
        Ok(())
    }
}

/// The effective address of an access at the constant address `c` (an
/// `i32.const`'s raw bits) plus `offset`, if it fits in 32 bits (else the
/// access always traps, and the ordinary op says so).
fn absolute(c: u64, offset: u32) -> Option<u32> {
    u32::try_from(u64::from(c as u32) + u64::from(offset)).ok()
}

#[cfg(test)]
mod tests {
    use crate::tests::disassemble;

    #[test]
    fn constant_addresses_fold_into_the_access() {
        let wat = r#"(module (memory 1)
          (func (param i64)
            (i64.store offset=8 (i32.const 16) (i64.load (i32.const 4)))
            (i32.store (i32.const -1) (i32.load offset=4 (i32.const -8)))
            (drop (i32.load offset=2 (i32.const -1)))))"#;
        let text = disassemble(wat, 0);
        assert!(text.contains("I64LoadAbs { d: 2, addr: 4 }"), "{text}");
        assert!(text.contains("Store64AbsAcc { addr: 24 }"), "{text}");
        // 0xFFFF_FFF8 + 4 still fits in 32 bits; 0xFFFF_FFFF + 2 does not,
        // so that load keeps its address in a slot (and traps at run time).
        assert!(text.contains("I32LoadAbs { d: 2, addr: 4294967292 }"), "{text}");
        assert!(text.contains("Store32AbsAcc { addr: 4294967295 }"), "{text}");
        assert!(text.contains("Const { d: 1, imm: 4294967295 }"), "{text}");
    }
}
