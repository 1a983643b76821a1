//! The GC instructions' ops (Wasm 3.0 structs, arrays, i31, casts): two
//! [`Op`](super::Op) variants with a sub-op each, like the vector ops.
//!
//! * [`Op::StructGet`](super::Op::StructGet), `StructSet`, `ArrayGet`,
//!   `ArraySet`, `ArrayLen` — the hot field and element accesses, one
//!   handler each with slot operands (the `v128` ones go through `Gc`);
//! * [`Op::Gc`](super::Op::Gc) `{ sub, d, a, b, k }` — every other GC
//!   instruction that does not branch; what `d`, `a`, `b` and `k` mean is
//!   [`GcOp`]'s doc per sub-op. References in slots are raw bits
//!   ([`weft_exec::gc::raw`]).
//! * [`Op::GcBr`](super::Op::GcBr) `{ sub, c, k, t }` — `br_on_cast` and
//!   `br_on_cast_fail` of the reference in `c` against the cast target
//!   `Code::gc_args[k]`, continuing at `t`.
//!
//! `any.convert_extern` and `extern.convert_any` are no ops at all: the
//! two hierarchies share one raw encoding, so the translator leaves the
//! operand where it is.

use weft_decode::RefType;
use weft_exec::gc::raw::Hierarchy;

/// The GC rows of the op table (see [`super::for_each_op!`] for a row's
/// form), the last of its chain. `d` and `a` of [`Op::Gc`](super::Op::Gc)
/// are slots whose use the sub-op says (form `sub`); `b` is a slot or a
/// count (`array.new_fixed`), so an immediate to the table.
macro_rules! gc_rows {
    ($m:ident $($rows:tt)*) => {
        $m! {
            $($rows)*

            // ---- GC (`op/gc.rs`, `exec/gc.rs`) ----
            /// `d = a.field` of a struct, the field `kind` (not `V128`) at
            /// `at`: its word if a reference, else its byte offset in the
            /// packed part ([`weft_exec::gc::Fields`]).
            StructGet { d: w Slot, a: r Slot, kind: imm gc::FieldKind, at: imm u32 } [RETARGET TRAP] => super::gc::struct_get;
            /// `a.field = b`, the field as for `StructGet`.
            StructSet { a: r Slot, b: r Slot, kind: imm gc::FieldKind, at: imm u32 } [TRAP] => super::gc::struct_set;
            /// `d = a[b]` of an array of `kind` (not `V128`) elements.
            ArrayGet { d: w Slot, a: r Slot, b: r Slot, kind: imm gc::FieldKind } [RETARGET TRAP] => super::gc::array_get;
            /// `a[b] = v`, of an array of `kind` (not `V128`) elements.
            ArraySet { a: r Slot, b: r Slot, v: r Slot, kind: imm gc::FieldKind } [TRAP] => super::gc::array_set;
            /// `d = array.len a`.
            ArrayLen { d: w Slot, a: r Slot } [RETARGET TRAP] => super::gc::array_len;
            /// A GC instruction that does not branch: see [`gc::GcOp`] for
            /// what `d`, `a`, `b` and `k` are per sub-op.
            Gc { sub: imm gc::GcOp, d: sub Slot, a: sub Slot, b: imm Slot, k: imm u32 } [TRAP] => super::gc::gc;
            /// `br_on_cast` (`sub`: or `_fail`) of the reference in `c`
            /// against the cast target `Code::gc_args[k]`, to `t`.
            GcBr { sub: imm gc::GcBrOp, c: r Slot, k: imm u32, t: t u32 } [] => super::gc::gc_br;
        }
    };
}

pub(crate) use gc_rows;

/// How a field or element access reads or writes its storage: the
/// packed kinds, 4 and 8 bytes of bits (`i32`/`f32`, `i64`/`f64`), a
/// `v128` (through the frame's v-slots, by `Op::Gc`), or a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    /// `i8`, sign-extended when read (`_s`).
    I8S,
    /// `i8`, zero-extended when read (`_u`, and every write).
    I8U,
    /// `i16`, sign-extended when read.
    I16S,
    /// `i16`, zero-extended when read (and every write).
    I16U,
    /// 4 bytes: `i32` or `f32`.
    Bits32,
    /// 8 bytes: `i64` or `f64`.
    Bits64,
    /// 16 bytes, in the frame's v-slot.
    V128,
    /// A reference (the object's reference part).
    Ref,
}

impl FieldKind {
    /// The bytes a numeric field of this kind takes (0 for a reference).
    #[inline(always)]
    pub(crate) fn size(self) -> usize {
        match self {
            FieldKind::I8S | FieldKind::I8U => 1,
            FieldKind::I16S | FieldKind::I16U => 2,
            FieldKind::Bits32 => 4,
            FieldKind::Bits64 => 8,
            FieldKind::V128 => 16,
            FieldKind::Ref => 0,
        }
    }
}

/// The sub-op of [`Op::Gc`](super::Op::Gc). Allocating and bulk ops find
/// their operands in consecutive home slots from `a` (the translator puts
/// them there, as for a call); the field accesses read their operand slots
/// wherever they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GcOp {
    /// `d = struct.new k` of the fields in `a..` (`k` a type index).
    StructNew,
    /// `d = struct.new_default k`.
    StructNewDefault,
    /// `d = a.field` of a `v128` field (others: [`Op::StructGet`](super::Op::StructGet)),
    /// `k` the field's index.
    StructGetV128,
    /// `a.field = b` of a `v128` field, `k` the field's index.
    StructSetV128,
    /// `d = array.new k` with `init = a`, `len = b`.
    ArrayNew,
    /// `d = array.new_default k` with `len = a`.
    ArrayNewDefault,
    /// `d = array.new_fixed k` of the `b` values in `a..`.
    ArrayNewFixed,
    /// `d = array.new_data` of `Code::gc_args[k]` (type, data) with
    /// offset `a`, `len = a + 1`.
    ArrayNewData,
    /// `d = array.new_elem` of `Code::gc_args[k]` (type, element
    /// segment) with offset `a`, `len = a + 1`.
    ArrayNewElem,
    /// `d = a[b]` of a `v128` array (others: [`Op::ArrayGet`](super::Op::ArrayGet)).
    ArrayGetV128,
    /// `a[b] = d` of a `v128` array (the value slot is `d`: the op writes no slot).
    ArraySetV128,
    /// `array.fill k` of `a` (array), `a + 1` (offset), `a + 2`
    /// (value), `a + 3` (length).
    ArrayFill,
    /// `array.copy` of `Code::gc_args[k]` (dst type, src type): `a`
    /// (dst), `a + 1` (dst offset), `a + 2` (src), `a + 3` (src offset),
    /// `a + 4` (length).
    ArrayCopy,
    /// `array.init_data` of `Code::gc_args[k]` (type, data): `a`
    /// (array), `a + 1` (offset), `a + 2` (data offset), `a + 3` (length).
    ArrayInitData,
    /// `array.init_elem`, as `ArrayInitData` with an element segment.
    ArrayInitElem,
    /// `d = ref.i31 a`.
    RefI31,
    /// `d = i31.get_s a`.
    I31GetS,
    /// `d = i31.get_u a`.
    I31GetU,
    /// `d = ref.eq a b`.
    RefEq,
    /// `d = ref.test` of `a` against the cast target `Code::gc_args[k]`.
    RefTest,
    /// `d = ref.cast` of `a` to the cast target `Code::gc_args[k]`
    /// (traps "cast failure").
    RefCast,
}

/// The sub-op of [`Op::GcBr`](super::Op::GcBr).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GcBrOp {
    /// `br_on_cast`: branches if the reference matches.
    OnCast,
    /// `br_on_cast_fail`: branches if it does not.
    OnCastFail,
}

/// An immediate of a GC op too large for the op (`Code::gc_args`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GcArg {
    /// Two indices: a type and a data or element segment, or two types
    /// (`array.copy`).
    Pair(u32, u32),
    /// A cast target, a reference type of the module, and the hierarchy
    /// of the values it tests (how to read their raw bits).
    Cast(RefType, Hierarchy),
}
