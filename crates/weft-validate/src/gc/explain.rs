//! `weft validate --explain`: the rules of the GC instructions, with the
//! types of the context filled in.

use weft_decode::{CompositeType, FieldType, Operator, StorageType};

use crate::types::TypeContext;

/// `(struct (field i32) (field (mut i8)))`, `(array (mut (ref null 0)))`,
/// `(func (param i32))`.
pub(crate) struct CompositeText<'a>(pub(crate) &'a CompositeType);

impl std::fmt::Display for CompositeText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = |f: &mut std::fmt::Formatter<'_>, ft: &FieldType| {
            let st = match ft.storage {
                StorageType::I8 => "i8".to_string(),
                StorageType::I16 => "i16".to_string(),
                StorageType::Val(t) => t.to_string(),
            };
            if ft.mutable { write!(f, "(mut {st})") } else { f.write_str(&st) }
        };
        match self.0 {
            CompositeType::Func(ft) => write!(f, "{ft}"),
            CompositeType::Struct(fields) => {
                f.write_str("(struct")?;
                for ft in fields.iter() {
                    f.write_str(" (field ")?;
                    field(f, ft)?;
                    f.write_str(")")?;
                }
                f.write_str(")")
            }
            CompositeType::Array(ft) => {
                f.write_str("(array ")?;
                field(f, ft)?;
                f.write_str(")")
            }
        }
    }
}

/// The typing rule of a GC instruction for `weft validate --explain`, or
/// `None` if `op` is not one.
pub(crate) fn explain_rule(types: &TypeContext<'_>, op: &Operator<'_>) -> Option<String> {
    use Operator as O;
    let name = op.mnemonic();
    let ty = |x: u32| match types.module().types.get(x as usize) {
        Some(sub) => format!("type {x} is {}", CompositeText(&sub.composite)),
        None => format!("type {x} must exist"),
    };
    Some(match *op {
        O::StructNew { type_index: x } => format!("{name} {x} : [t*] -> [(ref {x})], the field values ({})", ty(x)),
        O::StructNewDefault { type_index: x } => {
            format!("{name} {x} : [] -> [(ref {x})], every field defaultable ({})", ty(x))
        }
        O::StructGet { type_index: x, field_index: y }
        | O::StructGetS { type_index: x, field_index: y }
        | O::StructGetU { type_index: x, field_index: y } => format!(
            "{name} {x} {y} : [(ref null {x})] -> [t], t the field's type (i32 for a packed field, which needs \
             the _s or _u form) ({})",
            ty(x)
        ),
        O::StructSet { type_index: x, field_index: y } => {
            format!("{name} {x} {y} : [(ref null {x}) t] -> [], the field mutable ({})", ty(x))
        }
        O::ArrayNew { type_index: x } => format!("{name} {x} : [t i32] -> [(ref {x})] ({})", ty(x)),
        O::ArrayNewDefault { type_index: x } => format!("{name} {x} : [i32] -> [(ref {x})] ({})", ty(x)),
        O::ArrayNewFixed { type_index: x, size } => {
            format!("{name} {x} {size} : [t^{size}] -> [(ref {x})] ({})", ty(x))
        }
        O::ArrayNewData { type_index: x, .. } | O::ArrayNewElem { type_index: x, .. } => {
            format!("{name} {x} : [i32 i32] -> [(ref {x})] ({})", ty(x))
        }
        O::ArrayGet { type_index: x } | O::ArrayGetS { type_index: x } | O::ArrayGetU { type_index: x } => {
            format!("{name} {x} : [(ref null {x}) i32] -> [t] ({})", ty(x))
        }
        O::ArraySet { type_index: x } => {
            format!("{name} {x} : [(ref null {x}) i32 t] -> [], the array mutable ({})", ty(x))
        }
        O::ArrayLen {} => format!("{name} : [(ref null array)] -> [i32]"),
        O::ArrayFill { type_index: x } => format!("{name} {x} : [(ref null {x}) i32 t i32] -> [] ({})", ty(x)),
        O::ArrayCopy { dst_type: x, src_type: y } => format!(
            "{name} {x} {y} : [(ref null {x}) i32 (ref null {y}) i32 i32] -> [], {y}'s elements matching {x}'s ({}; {})",
            ty(x),
            ty(y)
        ),
        O::ArrayInitData { type_index: x, .. } | O::ArrayInitElem { type_index: x, .. } => {
            format!("{name} {x} : [(ref null {x}) i32 i32 i32] -> [] ({})", ty(x))
        }
        O::RefTest { hty } => format!("{name} {} : [rt'] -> [i32], rt' of the same hierarchy", hty.ref_type()),
        O::RefTestNull { hty } => format!("{name} {} : [rt'] -> [i32], rt' of the same hierarchy", hty.ref_type()),
        O::RefCast { hty } => format!("{name} {0} : [rt'] -> [{0}], rt' of the same hierarchy", hty.ref_type()),
        O::RefCastNull { hty } => format!("{name} {0} : [rt'] -> [{0}], rt' of the same hierarchy", hty.ref_type()),
        O::BrOnCast { cast } | O::BrOnCastFail { cast } => format!(
            "{name} {} {} {} : [t* {}] -> [t* rt], the target type matching the source type, the label carrying \
             [t* rt'] with the branch's type matching rt'",
            cast.relative_depth, cast.from, cast.to, cast.from
        ),
        O::AnyConvertExtern {} => format!("{name} : [(ref null? extern)] -> [(ref null? any)]"),
        O::ExternConvertAny {} => format!("{name} : [(ref null? any)] -> [(ref null? extern)]"),
        O::RefI31 {} => format!("{name} : [i32] -> [(ref i31)]"),
        O::I31GetS {} | O::I31GetU {} => format!("{name} : [(ref null i31)] -> [i32]"),
        O::RefEq {} => format!("{name} : [(ref null eq) (ref null eq)] -> [i32]"),
        _ => return None,
    })
}
