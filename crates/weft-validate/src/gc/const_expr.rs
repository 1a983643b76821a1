//! The GC instructions that are constant (spec 3.3.10): `struct.new`,
//! `struct.new_default`, `array.new`, `array.new_default`,
//! `array.new_fixed`, `ref.i31`, `any.convert_extern`,
//! `extern.convert_any`, for [`crate::const_expr`].

use weft_decode::{HeapType, Operator, RefType, ValType};

use super::{ref_to, unpack};
use crate::types::{TypeContext, is_defaultable, require};
use crate::{ValidationError, err};

use ValType::I32;

/// The type a constant GC instruction leaves on `stack` after popping its
/// operands, or `None` if `op` is not a constant GC instruction.
pub(crate) fn const_instr(
    types: &TypeContext<'_>,
    op: &Operator<'_>,
    stack: &mut Vec<ValType>,
    at: usize,
) -> Option<std::result::Result<ValType, ValidationError>> {
    use Operator as O;
    match op {
        O::StructNew { .. }
        | O::StructNewDefault { .. }
        | O::ArrayNew { .. }
        | O::ArrayNewDefault { .. }
        | O::ArrayNewFixed { .. }
        | O::RefI31 {}
        | O::AnyConvertExtern {}
        | O::ExternConvertAny {} => Some(const_instr_type(types, op, stack, at)),
        _ => None,
    }
}

fn const_instr_type(
    types: &TypeContext<'_>,
    op: &Operator<'_>,
    stack: &mut Vec<ValType>,
    at: usize,
) -> std::result::Result<ValType, ValidationError> {
    use Operator as O;
    require(types.features().gc, "GC", at)?;
    let pop = |stack: &mut Vec<ValType>, t: ValType| match stack.pop() {
        Some(actual) if types.val_subtype(actual, t) => Ok(()),
        _ => Err(err("type mismatch", at)),
    };
    match *op {
        O::StructNew { type_index: x } => {
            let fields = types.struct_fields(x, at).map_err(|e| *e)?;
            for ft in fields.iter().rev() {
                pop(stack, unpack(ft.storage))?;
            }
            Ok(ref_to(x))
        }
        O::StructNewDefault { type_index: x } => {
            let fields = types.struct_fields(x, at).map_err(|e| *e)?;
            if !fields.iter().all(|ft| is_defaultable(unpack(ft.storage))) {
                return Err(err("field type is not defaultable", at));
            }
            Ok(ref_to(x))
        }
        O::ArrayNew { type_index: x } => {
            let ft = types.array_field(x, at).map_err(|e| *e)?;
            pop(stack, I32)?;
            pop(stack, unpack(ft.storage))?;
            Ok(ref_to(x))
        }
        O::ArrayNewDefault { type_index: x } => {
            let ft = types.array_field(x, at).map_err(|e| *e)?;
            if !is_defaultable(unpack(ft.storage)) {
                return Err(err("array type is not defaultable", at));
            }
            pop(stack, I32)?;
            Ok(ref_to(x))
        }
        O::ArrayNewFixed { type_index: x, size } => {
            let ft = types.array_field(x, at).map_err(|e| *e)?;
            if size > crate::limits::MAX_ARRAY_NEW_FIXED {
                return Err(err("array.new_fixed has too many operands", at));
            }
            for _ in 0..size {
                pop(stack, unpack(ft.storage))?;
            }
            Ok(ref_to(x))
        }
        O::RefI31 {} => {
            pop(stack, I32)?;
            Ok(ValType::Ref(RefType { nullable: false, heap: HeapType::I31 }))
        }
        O::AnyConvertExtern {} | O::ExternConvertAny {} => {
            let (from, to) = if let O::AnyConvertExtern {} = op {
                (HeapType::Extern, HeapType::Any)
            } else {
                (HeapType::Any, HeapType::Extern)
            };
            match stack.pop() {
                Some(ValType::Ref(rt)) if types.heap_subtype(rt.heap, from) => {
                    Ok(ValType::Ref(RefType { nullable: rt.nullable, heap: to }))
                }
                _ => Err(err("type mismatch", at)),
            }
        }
        _ => Err(err("constant expression required", at)),
    }
}
