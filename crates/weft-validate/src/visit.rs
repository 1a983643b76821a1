//! The validator as a [`VisitOperator`]: the decoder calls one method per
//! instruction from its own match on the opcode, with the immediates as
//! arguments, so validating a body builds no [`Operator`] values and
//! matches each opcode once (issue 18; this doubled validation speed).
//!
//! Every instruction with a fixed type and no immediates (the numeric and
//! most vector instructions) gets its method from its row of the
//! instruction table (`fixed_rows!` below); the frequent others have a
//! one-line method calling their rule in `operators.rs`. Every instruction
//! without a method here goes through the decoder's default: it builds the
//! `Operator` and [`OpValidator::check_operator`] matches it, the same
//! rules `weft validate --explain` replays. To give a new instruction a
//! fast path, add a method calling its rule; its match arm stays the one
//! statement of the rule.

use weft_decode::{BlockType, Ieee32, Ieee64, MemArg, MemIdx, Operator, Prefix, TableIdx, ValType, VisitOperator};

use crate::func::{FrameKind, OpValidator, VResult};

use ValType::{F32, F64, I32, I64};

/// A value type from its row token.
macro_rules! row_type {
    (i32) => {
        ValType::I32
    };
    (i64) => {
        ValType::I64
    };
    (f32) => {
        ValType::F32
    };
    (f64) => {
        ValType::F64
    };
    (v128) => {
        ValType::V128
    };
}

/// A prefix from its row token.
macro_rules! row_prefix {
    (plain) => {
        Prefix::Plain
    };
    (fc) => {
        Prefix::Fc
    };
    (fd) => {
        Prefix::Fd
    };
    (fe) => {
        Prefix::Fe
    };
}

/// One method per row with a fixed type and no immediates; nothing for
/// the other rows.
macro_rules! fixed_row {
    ($prefix:ident $code:literal $name:ident {} [ $($param:ident)* -> $($result:ident)* ]) => {
        #[inline(always)]
        fn $name(&mut self) -> VResult<()> {
            self.fixed_row(
                row_prefix!($prefix),
                $code,
                &[$(row_type!($param)),*],
                &[$(row_type!($result)),*],
            )
        }
    };
    ($($other:tt)*) => {};
}

/// Feeds every row of the instruction table to `fixed_row!`.
macro_rules! fixed_rows {
    ($( $prefix:ident $code:literal $name:ident $mnemonic:literal { $($imm:ident : $ty:ty),* } $sig:tt )*) => {
        $( fixed_row!($prefix $code $name { $($imm : $ty),* } $sig); )*
    };
}

#[allow(non_snake_case)]
impl<'a> VisitOperator<'a> for OpValidator<'_, '_> {
    type Output = VResult<()>;

    /// Every instruction without a method of its own.
    #[inline(never)]
    fn visit_operator(&mut self, op: Operator<'a>) -> VResult<()> {
        self.check_operator(&op)
    }

    weft_decode::for_each_instruction!(fixed_rows);

    // ---- control ----
    fn Unreachable(&mut self) -> VResult<()> {
        self.unreachable();
        Ok(())
    }
    fn Block(&mut self, blockty: BlockType) -> VResult<()> {
        self.enter_block(FrameKind::Block, blockty)
    }
    fn Loop(&mut self, blockty: BlockType) -> VResult<()> {
        self.enter_block(FrameKind::Loop, blockty)
    }
    fn If(&mut self, blockty: BlockType) -> VResult<()> {
        self.if_(blockty)
    }
    fn Else(&mut self) -> VResult<()> {
        self.else_()
    }
    fn End(&mut self) -> VResult<()> {
        self.end()
    }
    fn Br(&mut self, relative_depth: u32) -> VResult<()> {
        self.br(relative_depth)
    }
    fn BrIf(&mut self, relative_depth: u32) -> VResult<()> {
        self.br_if(relative_depth)
    }
    fn BrTable(&mut self, targets: weft_decode::BrTable<'a>) -> VResult<()> {
        self.br_table(targets)
    }
    fn Return(&mut self) -> VResult<()> {
        self.return_()
    }
    fn Call(&mut self, function_index: u32) -> VResult<()> {
        self.call(function_index)
    }
    fn CallIndirect(&mut self, type_index: u32, table_index: TableIdx) -> VResult<()> {
        self.call_indirect(type_index, table_index.0)
    }

    // ---- parametric ----
    fn Drop(&mut self) -> VResult<()> {
        self.drop_()
    }
    fn Select(&mut self) -> VResult<()> {
        self.select()
    }

    // ---- variables ----
    #[inline(always)]
    fn LocalGet(&mut self, local_index: u32) -> VResult<()> {
        self.local_get(local_index)
    }
    #[inline(always)]
    fn LocalSet(&mut self, local_index: u32) -> VResult<()> {
        self.local_set(local_index)
    }
    #[inline(always)]
    fn LocalTee(&mut self, local_index: u32) -> VResult<()> {
        self.local_tee(local_index)
    }
    fn GlobalGet(&mut self, global_index: u32) -> VResult<()> {
        self.global_get(global_index)
    }
    fn GlobalSet(&mut self, global_index: u32) -> VResult<()> {
        self.global_set(global_index)
    }

    // ---- memory ----
    fn I32Load(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 2, I32)
    }
    fn I64Load(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 3, I64)
    }
    fn F32Load(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 2, F32)
    }
    fn F64Load(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 3, F64)
    }
    fn I32Load8S(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 0, I32)
    }
    fn I32Load8U(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 0, I32)
    }
    fn I32Load16S(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 1, I32)
    }
    fn I32Load16U(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 1, I32)
    }
    fn I64Load8S(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 0, I64)
    }
    fn I64Load8U(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 0, I64)
    }
    fn I64Load16S(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 1, I64)
    }
    fn I64Load16U(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 1, I64)
    }
    fn I64Load32S(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 2, I64)
    }
    fn I64Load32U(&mut self, memarg: MemArg) -> VResult<()> {
        self.load(memarg, 2, I64)
    }
    fn I32Store(&mut self, memarg: MemArg) -> VResult<()> {
        self.store(memarg, 2, I32)
    }
    fn I64Store(&mut self, memarg: MemArg) -> VResult<()> {
        self.store(memarg, 3, I64)
    }
    fn F32Store(&mut self, memarg: MemArg) -> VResult<()> {
        self.store(memarg, 2, F32)
    }
    fn F64Store(&mut self, memarg: MemArg) -> VResult<()> {
        self.store(memarg, 3, F64)
    }
    fn I32Store8(&mut self, memarg: MemArg) -> VResult<()> {
        self.store(memarg, 0, I32)
    }
    fn I32Store16(&mut self, memarg: MemArg) -> VResult<()> {
        self.store(memarg, 1, I32)
    }
    fn I64Store8(&mut self, memarg: MemArg) -> VResult<()> {
        self.store(memarg, 0, I64)
    }
    fn I64Store16(&mut self, memarg: MemArg) -> VResult<()> {
        self.store(memarg, 1, I64)
    }
    fn I64Store32(&mut self, memarg: MemArg) -> VResult<()> {
        self.store(memarg, 2, I64)
    }
    fn MemorySize(&mut self, mem: MemIdx) -> VResult<()> {
        self.memory_size(mem.0)
    }
    fn MemoryGrow(&mut self, mem: MemIdx) -> VResult<()> {
        self.memory_grow(mem.0)
    }

    // ---- constants ----
    #[inline(always)]
    fn I32Const(&mut self, _value: i32) -> VResult<()> {
        self.push(I32);
        Ok(())
    }
    #[inline(always)]
    fn I64Const(&mut self, _value: i64) -> VResult<()> {
        self.push(I64);
        Ok(())
    }
    fn F32Const(&mut self, _value: Ieee32) -> VResult<()> {
        self.push(F32);
        Ok(())
    }
    fn F64Const(&mut self, _value: Ieee64) -> VResult<()> {
        self.push(F64);
        Ok(())
    }
}
