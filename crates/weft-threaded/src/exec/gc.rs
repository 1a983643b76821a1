//! The GC handlers: the field and element accesses ([`Op::StructGet`],
//! [`Op::StructSet`], [`Op::ArrayGet`], [`Op::ArraySet`], [`Op::ArrayLen`])
//! each in its own handler, the rest through [`Op::Gc`] and [`Op::GcBr`]
//! (`op/gc.rs` says what each sub-op's operands are).
//!
//! References in slots are raw words ([`weft_exec::gc::raw`]), the same
//! words objects keep in their reference fields: a field access finds its
//! object's words from the word (slot and generation,
//! [`weft_exec::gc::GcHeap::fields_of_raw`]) and moves the field's bits
//! at a position the translator computed from the static type (a
//! reference as a word, a number masked and extended by its kind), with
//! no decoding; a failed lookup (null, out of bounds, collected) goes to
//! one cold function that works out which trap it is. `v128` fields go
//! through the heap's typed `read`/`write` in `Op::Gc`. Everything with a rule of its own
//! (bounds, casts, the bulk array ops, data and element segments) calls
//! the same function of [`weft_exec::gc::instr`] the reference engine
//! calls.
//!
//! # Roots
//!
//! An allocation passes the activation's slots, every frame up to the
//! running one's last slot, to the collector as raw roots
//! ([`gc::alloc_struct_scanning`] and its siblings): any word with an object's tag whose slot and
//! generation match a live object keeps it (conservative: the collector
//! does not move objects, so a number that happens to look like a live
//! object only keeps it longer). Words with an exception's tag whose index
//! and generation name a current exception instance keep that instance
//! (an `exnref` in a slot, [`weft_exec::gc::raw`]); `throw` passes the
//! slots the same way (`exec/exceptions.rs`). While the activation is
//! suspended under a call out (host, reference engine), its slots are
//! recorded the same way (`Exec::call_out`,
//! [`weft_exec::gc::GcHeap::suspend_raw`]).
//!
//! The handlers keep the dispatch chain's rule (see `backend.rs`): the
//! work is in out-of-line steps that return a `bool` and record their
//! traps in [`Exec`], so each handler's final call stays a jump.

use std::sync::Arc;
use weft_macros::handler;

use super::backend::{Flow, branch, exit, next};
use super::{Exec, Exit, Ip, Mem, Sp};
use crate::op::gc::{FieldKind, GcArg, GcBrOp, GcOp};
use crate::op::{Op, Slot};
use weft_decode::{StorageType, ValType};
use weft_exec::executor::{InstanceData, StoreInner};
use weft_exec::gc::instr::{self, array_elem, gc_type};
use weft_exec::gc::raw::{self, Hierarchy};
use weft_exec::gc::{self, FieldLayout, GcComposite, GcRef, elem_at};
use weft_exec::{Trap, TrapKind, Val};

/// `StructGet`: one lookup of the object's words, one read.
#[handler]
pub(super) fn struct_get(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, StructGet { d, a, kind, at });
    let r = s.raw(a);
    match ex.store.gc.fields_of_raw(r).and_then(|f| read_field(&f, kind, at as usize)) {
        Some(v) => {
            s.set_raw(d, v);
            next(ex, ip.next(), s, m, acc)
        }
        None => {
            access_trap(ex, ip, r, TrapKind::NullStructReference);
            exit(Exit::Trap)
        }
    }
}

/// `StructSet`.
#[handler]
pub(super) fn struct_set(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, StructSet { a, b, kind, at });
    let r = s.raw(a);
    match ex.store.gc.fields_of_raw_mut(r).and_then(|mut f| write_field(&mut f, kind, at as usize, s.raw(b))) {
        Some(()) => next(ex, ip.next(), s, m, acc),
        None => {
            access_trap(ex, ip, r, TrapKind::NullStructReference);
            exit(Exit::Trap)
        }
    }
}

/// `ArrayGet`.
#[handler]
pub(super) fn array_get(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, ArrayGet { d, a, b, kind });
    let (r, i) = (s.raw(a), index(s, b));
    let v = ex.store.gc.fields_of_raw(r).and_then(|f| match i < f.len {
        true => read_field(&f, kind, elem_pos(kind, i)),
        false => None,
    });
    match v {
        Some(v) => {
            s.set_raw(d, v);
            next(ex, ip.next(), s, m, acc)
        }
        None => {
            access_trap(ex, ip, r, TrapKind::NullArrayReference);
            exit(Exit::Trap)
        }
    }
}

/// `ArraySet`.
#[handler]
pub(super) fn array_set(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, ArraySet { a, b, v, kind });
    let (r, i) = (s.raw(a), index(s, b));
    let done = ex.store.gc.fields_of_raw_mut(r).and_then(|mut f| match i < f.len {
        true => write_field(&mut f, kind, elem_pos(kind, i), s.raw(v)),
        false => None,
    });
    match done {
        Some(()) => next(ex, ip.next(), s, m, acc),
        None => {
            access_trap(ex, ip, r, TrapKind::NullArrayReference);
            exit(Exit::Trap)
        }
    }
}

/// `ArrayLen`.
#[handler]
pub(super) fn array_len(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, ArrayLen { d, a });
    let r = s.raw(a);
    match ex.store.gc.fields_of_raw(r) {
        Some(f) => {
            s.set_raw(d, u64::from(f.len));
            next(ex, ip.next(), s, m, acc)
        }
        None => {
            access_trap(ex, ip, r, TrapKind::NullArrayReference);
            exit(Exit::Trap)
        }
    }
}

/// Element `i`'s position for [`read_field`]/[`write_field`]: its word
/// for references, its byte offset for numbers.
#[inline(always)]
fn elem_pos(kind: FieldKind, i: u32) -> usize {
    match kind.size() {
        0 => i as usize,
        n => i as usize * n,
    }
}

/// The slot bits of the field of `kind` at `at` (see [`gc::Fields`]):
/// references as words, packed fields extended as `kind` says, 4-byte
/// fields zero-extended. `None` if `at` is outside the object (never for
/// validated code).
#[inline(always)]
fn read_field(f: &gc::Fields<'_>, kind: FieldKind, at: usize) -> Option<u64> {
    if kind == FieldKind::Ref {
        return f.words.get(at).copied();
    }
    let w = *f.words.get(f.byte_base + at / 8)? >> ((at % 8) * 8);
    Some(match kind {
        FieldKind::I8S => u64::from(i32::from(w as u8 as i8) as u32),
        FieldKind::I8U => w & 0xff,
        FieldKind::I16S => u64::from(i32::from(w as u16 as i16) as u32),
        FieldKind::I16U => w & 0xffff,
        FieldKind::Bits32 => w & 0xffff_ffff,
        _ => w,
    })
}

/// Writes slot bits `bits` to the field of `kind` at `at` (the low
/// bytes of a number, the word of a reference).
#[inline(always)]
fn write_field(f: &mut gc::FieldsMut<'_>, kind: FieldKind, at: usize, bits: u64) -> Option<()> {
    if kind == FieldKind::Ref {
        *f.words.get_mut(at)? = bits;
        return Some(());
    }
    let w = f.words.get_mut(f.byte_base + at / 8)?;
    let shift = (at % 8) * 8;
    let mask = match kind.size() {
        1 => 0xff,
        2 => 0xffff,
        4 => 0xffff_ffff,
        _ => u64::MAX,
    };
    *w = (*w & !(mask << shift)) | ((bits & mask) << shift);
    Some(())
}

/// Records the trap of a field or element access through raw word `r`
/// that found no value: null, an index out of bounds, or a collected
/// object.
#[cold]
#[inline(never)]
fn access_trap(ex: &mut Exec<'_>, ip: Ip, r: u64, null: TrapKind) {
    let trap = if r == raw::NULL {
        Trap::new(null)
    } else if ex.store.gc.fields_of_raw(r).is_some() {
        Trap::new(TrapKind::ArrayOutOfBounds)
    } else {
        instr::collected()
    };
    ex.record_trap(ip, trap);
}

#[handler]
pub(super) fn gc(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    if !gc_step(ex, ip, s) {
        return exit(Exit::Trap);
    }
    // No GC op touches linear memory or the slot vector's allocation.
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn gc_br(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, GcBr { sub, c, k, t });
    let matches = cast_matches(ex, s, c, k);
    branch(ex, matches == (sub == GcBrOp::OnCast), ip, t, s, m, acc)
}

/// Whether the reference in slot `c` matches the cast target `k`.
#[inline(never)]
fn cast_matches(ex: &Exec<'_>, s: Sp, c: Slot, k: u32) -> bool {
    match ex.code().gc_args.get(k as usize) {
        Some(&GcArg::Cast(rt, h)) => {
            let v = ex.store.gc.decode(s.raw(c), h, ex.store.id);
            instr::ref_matches(ex.store, &ex.inst.module, &v, rt)
        }
        _ => false,
    }
}

/// Runs the `Op::Gc` at `ip`; `false` after recording its trap.
#[inline(never)]
fn gc_step(ex: &mut Exec<'_>, ip: Ip, s: Sp) -> bool {
    let Op::Gc { sub, d, a, b, k } = ip.op() else { return true };
    match gc_op(ex, s, sub, d, a, b, k) {
        Ok(()) => true,
        Err(t) => {
            ex.record_trap(ip, t);
            false
        }
    }
}

/// The object raw bits `r` refer to (`null` traps with `null_trap`).
fn object_ref(store: &StoreInner, r: u64, null_trap: TrapKind) -> Result<GcRef, Trap> {
    if r == 0 {
        return Err(Trap::new(null_trap));
    }
    raw::to_object(r, store.id).ok_or_else(|| Trap::host("operand is not a struct or array reference"))
}

/// The array in slot `a`, its element layout, and the index in slot `b`
/// once checked against its length.
fn array_elem_at(ex: &Exec<'_>, s: Sp, a: Slot, b: Slot) -> Result<(GcRef, FieldLayout, u32), Trap> {
    let r = object_ref(ex.store, s.raw(a), TrapKind::NullArrayReference)?;
    let i = index(s, b);
    let obj = instr::live(ex.store, r)?;
    if i >= obj.len() {
        return Err(Trap::new(TrapKind::ArrayOutOfBounds));
    }
    let elem = obj.array_elem().ok_or_else(|| Trap::host("not an array"))?;
    Ok((r, elem, i))
}

/// An i32 operand as an unsigned index.
fn index(s: Sp, x: Slot) -> u32 {
    s.raw(x) as u32
}

impl Exec<'_> {
    /// The value of storage type `storage` in slot `x` (a `v128` from
    /// its v-slot; a reference in the hierarchy of `default`).
    fn slot_val(&self, s: Sp, x: Slot, storage: StorageType, default: Val) -> Val {
        let bits = s.raw(x);
        match storage {
            StorageType::I8 | StorageType::I16 | StorageType::Val(ValType::I32) => Val::I32(bits as u32 as i32),
            StorageType::Val(ValType::I64) => Val::I64(bits as i64),
            StorageType::Val(ValType::F32) => Val::F32(bits as u32),
            StorageType::Val(ValType::F64) => Val::F64(bits),
            StorageType::Val(ValType::V128) => Val::V128(self.vslots.get(self.fp + usize::from(x)).unwrap_or(0)),
            StorageType::Val(ValType::Ref(_)) => {
                self.store.gc.decode(bits, Hierarchy::of_val(&default).unwrap_or(Hierarchy::Any), self.store.id)
            }
        }
    }

    /// Writes `v` to slot `x` (a `v128` to its v-slot).
    fn put_val(&mut self, s: Sp, x: Slot, v: Val) {
        if let Val::V128(bits) = v {
            let at = self.fp + usize::from(x);
            if at < self.vslots.len() {
                self.vslots.set(at, bits);
            }
        }
        s.set_raw(x, self.store.gc.encode(v));
    }

    /// The values of `fields` in consecutive slots from `a`.
    fn slot_vals(&self, s: Sp, a: Slot, fields: &[FieldLayout]) -> Vec<Val> {
        fields.iter().enumerate().map(|(i, f)| self.slot_val(s, a + i as Slot, f.storage, f.default)).collect()
    }

    /// The two indices of `Code::gc_args[k]`.
    fn gc_pair(&self, k: u32) -> Result<(u32, u32), Trap> {
        match self.code().gc_args.get(k as usize) {
            Some(&GcArg::Pair(x, y)) => Ok((x, y)),
            _ => Err(Trap::host("GC op without its immediates")),
        }
    }
}

/// The instance as an owned handle, so the store can be borrowed mutably
/// beside it.
fn instance(ex: &Exec<'_>) -> Arc<InstanceData> {
    ex.inst.clone()
}

/// Executes one `Op::Gc`.
fn gc_op(ex: &mut Exec<'_>, s: Sp, sub: GcOp, d: Slot, a: Slot, b: Slot, k: u32) -> Result<(), Trap> {
    match sub {
        // ---- structs ----
        GcOp::StructNew | GcOp::StructNewDefault => {
            let inst = instance(ex);
            let ty = gc_type(&inst, k)?;
            let GcComposite::Struct { fields, .. } = &ty.composite else { return Err(Trap::host("not a struct")) };
            if sub == GcOp::StructNew && !ex.run_in_frame(a, fields.len()) {
                return Err(Trap::host("struct.new fields outside the frame"));
            }
            // Small structs (the common case) without a heap buffer.
            let mut small = [Val::I32(0); 8];
            let heap_values;
            let values: &[Val] = if fields.len() <= small.len() {
                for (i, f) in fields.iter().enumerate() {
                    small[i] = if sub == GcOp::StructNew {
                        ex.slot_val(s, a + i as Slot, f.storage, f.default)
                    } else {
                        f.default
                    };
                }
                &small[..fields.len()]
            } else {
                heap_values = if sub == GcOp::StructNew {
                    ex.slot_vals(s, a, fields)
                } else {
                    fields.iter().map(|f| f.default).collect()
                };
                &heap_values
            };
            let r = ex.with_erased_scanning(|store, slots| gc::alloc_struct_scanning(store, ty, values, &[], slots))?;
            s.set_raw(d, raw::object(r));
        }
        GcOp::StructGetV128 => {
            let r = object_ref(ex.store, s.raw(a), TrapKind::NullStructReference)?;
            let obj = instr::live(ex.store, r)?;
            let f = obj.struct_field(k).ok_or_else(|| Trap::host("no such field"))?;
            let v = obj.read(&f, f.at as usize);
            ex.put_val(s, d, v);
        }
        GcOp::StructSetV128 => {
            let r = object_ref(ex.store, s.raw(a), TrapKind::NullStructReference)?;
            let f = instr::live(ex.store, r)?.struct_field(k).ok_or_else(|| Trap::host("no such field"))?;
            let v = ex.slot_val(s, b, f.storage, f.default);
            instr::write(ex.store, r, &f, f.at as usize, v)?;
        }

        // ---- arrays ----
        GcOp::ArrayNew | GcOp::ArrayNewDefault => {
            let inst = instance(ex);
            let ty = gc_type(&inst, k)?;
            let elem = array_elem(ty)?;
            let (init, n) = if sub == GcOp::ArrayNew {
                (ex.slot_val(s, a, elem.storage, elem.default), index(s, b))
            } else {
                (elem.default, index(s, a))
            };
            let r = ex.with_erased_scanning(|store, slots| gc::alloc_array_scanning(store, ty, n, init, &[], slots))?;
            s.set_raw(d, raw::object(r));
        }
        GcOp::ArrayNewFixed => {
            let inst = instance(ex);
            let ty = gc_type(&inst, k)?;
            let elem = array_elem(ty)?;
            if !ex.run_in_frame(a, usize::from(b)) {
                return Err(Trap::host("array.new_fixed values outside the frame"));
            }
            let values: Vec<Val> = (0..b).map(|i| ex.slot_val(s, a + i, elem.storage, elem.default)).collect();
            let r =
                ex.with_erased_scanning(|store, slots| gc::alloc_array_of_scanning(store, ty, &values, &[], slots))?;
            s.set_raw(d, raw::object(r));
        }
        GcOp::ArrayNewData | GcOp::ArrayNewElem => {
            let (type_index, segment) = ex.gc_pair(k)?;
            let inst = instance(ex);
            let ty = gc_type(&inst, type_index)?;
            let elem = array_elem(ty)?;
            let (from, n) = (index(s, a), index(s, a + 1));
            let values = if sub == GcOp::ArrayNewData {
                instr::data_values(ex.store, &inst, segment, &elem, from, n)?
            } else {
                instr::elem_values(ex.store, &inst, segment, from, n)?
            };
            let r = ex.with_erased_scanning(|store, slots| {
                gc::alloc_array_of_scanning(store, ty, &values, &[&values], slots)
            })?;
            s.set_raw(d, raw::object(r));
        }
        GcOp::ArrayGetV128 => {
            let (r, elem, i) = array_elem_at(ex, s, a, b)?;
            let v = instr::live(ex.store, r)?.read(&elem, elem_at(&elem, i));
            ex.put_val(s, d, v);
        }
        GcOp::ArraySetV128 => {
            let (r, elem, i) = array_elem_at(ex, s, a, b)?;
            let v = ex.slot_val(s, d, elem.storage, elem.default);
            instr::write(ex.store, r, &elem, elem_at(&elem, i), v)?;
        }
        GcOp::ArrayFill => {
            let elem = array_elem(gc_type(&ex.inst, k)?)?;
            let r = object_ref(ex.store, s.raw(a), TrapKind::NullArrayReference)?;
            let v = ex.slot_val(s, a + 2, elem.storage, elem.default);
            instr::array_fill(ex.store, r, &elem, index(s, a + 1), v, index(s, a + 3))?;
        }
        GcOp::ArrayCopy => {
            let (dst_type, src_type) = ex.gc_pair(k)?;
            let dst_elem = array_elem(gc_type(&ex.inst, dst_type)?)?;
            let src_elem = array_elem(gc_type(&ex.inst, src_type)?)?;
            let dst = object_ref(ex.store, s.raw(a), TrapKind::NullArrayReference)?;
            let src = object_ref(ex.store, s.raw(a + 2), TrapKind::NullArrayReference)?;
            let (dd, ss, n) = (index(s, a + 1), index(s, a + 3), index(s, a + 4));
            instr::array_copy(ex.store, dst, &dst_elem, dd, src, &src_elem, ss, n)?;
        }
        GcOp::ArrayInitData | GcOp::ArrayInitElem => {
            let (type_index, segment) = ex.gc_pair(k)?;
            let inst = instance(ex);
            let elem = array_elem(gc_type(&inst, type_index)?)?;
            let r = object_ref(ex.store, s.raw(a), TrapKind::NullArrayReference)?;
            let (dd, from, n) = (index(s, a + 1), index(s, a + 2), index(s, a + 3));
            let data = sub == GcOp::ArrayInitData;
            instr::array_init(ex.store, r, &elem, dd, n, |store| {
                if data {
                    instr::data_values(store, &inst, segment, &elem, from, n)
                } else {
                    instr::elem_values(store, &inst, segment, from, n)
                }
            })?;
        }

        // ---- i31, identity, casts ----
        GcOp::RefI31 => s.set_raw(d, raw::i31(s.raw(a) as u32)),
        GcOp::I31GetS | GcOp::I31GetU => {
            let Some(bits) = raw::i31_bits(s.raw(a)) else {
                return Err(Trap::new(TrapKind::NullI31Reference));
            };
            let v = if sub == GcOp::I31GetS { ((bits << 1) as i32) >> 1 } else { bits as i32 };
            s.set_raw(d, u64::from(v as u32));
        }
        GcOp::RefEq => s.set_raw(d, u64::from(s.raw(a) == s.raw(b))),
        GcOp::RefTest => s.set_raw(d, u64::from(cast_matches(ex, s, a, k))),
        GcOp::RefCast => {
            if !cast_matches(ex, s, a, k) {
                return Err(Trap::new(TrapKind::CastFailure));
            }
            s.set_raw(d, s.raw(a));
        }
    }
    Ok(())
}
