//! Constant expressions (spec 3.3.10): the instructions allowed in global
//! initializers, table initializers and segment offsets, and their type.
//!
//! Conventions: `C` is the module context being built, `t` the expected
//! result type. A constant expression leaves exactly one value of a subtype
//! of `t` on its stack; it may read only the globals `C` lets it see
//! (imported ones in WebAssembly 2.0, every preceding one once typed
//! function references arrive), and only immutable ones.

use weft_decode::{ConstExpr, HeapType, Operator, RefType, ValType};

use crate::module::ModuleContext;
use crate::types::require;
use crate::{Error, err};

impl ModuleContext<'_> {
    /// Checks that `expr` is constant and produces a value of type
    /// `expected`, with globals `0..visible_globals` in scope.
    pub(crate) fn check_const_expr(
        &mut self,
        expr: &ConstExpr,
        expected: ValType,
        visible_globals: usize,
    ) -> Result<(), Error> {
        let module = self.module;
        let mut ops = module.const_expr(expr);
        let mut stack: Vec<ValType> = Vec::new();
        let extended = self.types.features().extended_const;
        loop {
            let at = ops.offset();
            let op = ops.read()?;
            let pushed = match op {
                Operator::End {} => break,
                Operator::I32Const { .. } => ValType::I32,
                Operator::I64Const { .. } => ValType::I64,
                Operator::F32Const { .. } => ValType::F32,
                Operator::F64Const { .. } => ValType::F64,
                Operator::V128Const { .. } => {
                    require(self.types.features().simd, "SIMD", at)?;
                    ValType::V128
                }
                Operator::RefNull { hty } => {
                    require(self.types.features().reference_types, "reference types", at)?;
                    self.types.check_heap_type(hty, at)?;
                    ValType::Ref(RefType { nullable: true, heap: hty })
                }
                Operator::RefFunc { function_index } => {
                    require(self.types.features().reference_types, "reference types", at)?;
                    let Some(&ty) = module.function_types.get(function_index as usize) else {
                        return Err(err(format!("unknown function {function_index}"), at).into());
                    };
                    self.declare_func(function_index);
                    ValType::Ref(RefType { nullable: false, heap: HeapType::Concrete(ty) })
                }
                Operator::GlobalGet { global_index } => {
                    let Some(g) =
                        self.globals.get(global_index as usize).filter(|_| (global_index as usize) < visible_globals)
                    else {
                        return Err(err(format!("unknown global {global_index}"), at).into());
                    };
                    if g.mutable {
                        return Err(err("constant expression required", at).into());
                    }
                    g.content
                }
                Operator::I32Add {} | Operator::I32Sub {} | Operator::I32Mul {} if extended => {
                    binary(&mut stack, ValType::I32, at)?
                }
                Operator::I64Add {} | Operator::I64Sub {} | Operator::I64Mul {} if extended => {
                    binary(&mut stack, ValType::I64, at)?
                }
                _ => match crate::gc::const_instr(&self.types, &op, &mut stack, at) {
                    Some(result) => result?,
                    None => return Err(err("constant expression required", at).into()),
                },
            };
            stack.push(pushed);
        }
        let at = expr.range.start;
        match stack.as_slice() {
            [t] if self.types.val_subtype(*t, expected) => Ok(()),
            _ => Err(err("type mismatch", at).into()),
        }
    }
}

/// `t.add` and friends: pops two `t`s; the caller pushes the result.
fn binary(stack: &mut Vec<ValType>, t: ValType, at: usize) -> Result<ValType, Error> {
    for _ in 0..2 {
        if stack.pop() != Some(t) {
            return Err(err("type mismatch", at).into());
        }
    }
    Ok(t)
}
