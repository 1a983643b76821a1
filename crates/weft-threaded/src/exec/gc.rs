//! The GC handlers ([`Op::Gc`], [`Op::GcBr`]; `op/gc.rs` says what each
//! sub-op's operands are).
//!
//! References in slots are raw words ([`weft_exec::gc::raw`]), the same
//! words objects keep in their reference fields: a field access finds its
//! object from the word (slot and generation), and reference fields and
//! elements move as words (`Obj::raw`, `GcHeap::write_raw`), with no
//! decoding; numeric ones go through the heap's typed `read`/`write`. Everything with a rule of its own
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
//! object only keeps it longer). While the activation is suspended under a
//! call out (host, reference engine), its slots are recorded the same way
//! (`Exec::call_out`, [`weft_exec::gc::GcHeap::suspend_raw`]).
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

/// An i32 operand as an unsigned index.
fn index(s: Sp, x: Slot) -> u32 {
    s.raw(x) as u32
}

/// The slot bits of a numeric field's value read as `kind` (packed
/// kinds sign-extended for `_s`).
fn bits_of(v: Val, kind: FieldKind) -> u64 {
    match v {
        Val::I32(x) => {
            let x = match kind {
                FieldKind::I8S => i32::from(x as i8),
                FieldKind::I16S => i32::from(x as i16),
                _ => x,
            };
            u64::from(x as u32)
        }
        Val::I64(x) => x as u64,
        Val::F32(b) => u64::from(b),
        Val::F64(b) => b,
        Val::V128(b) => b as u64,
        _ => 0,
    }
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
        GcOp::StructGet(kind) => {
            let r = object_ref(ex.store, s.raw(a), TrapKind::NullStructReference)?;
            let obj = instr::live(ex.store, r)?;
            let f = obj.struct_field(k).ok_or_else(|| Trap::host("no such field"))?;
            match kind {
                FieldKind::Ref => s.set_raw(d, obj.raw(f.at as usize).unwrap_or(raw::NULL)),
                FieldKind::V128 => {
                    let v = obj.read(&f, f.at as usize);
                    ex.put_val(s, d, v);
                }
                _ => s.set_raw(d, bits_of(obj.read(&f, f.at as usize), kind)),
            }
        }
        GcOp::StructSet(kind) => {
            let r = object_ref(ex.store, s.raw(a), TrapKind::NullStructReference)?;
            let f = instr::live(ex.store, r)?.struct_field(k).ok_or_else(|| Trap::host("no such field"))?;
            if kind == FieldKind::Ref {
                ex.store.gc.write_raw(r, f.at as usize, s.raw(b));
            } else {
                let v = ex.slot_val(s, b, f.storage, f.default);
                instr::write(ex.store, r, &f, f.at as usize, v)?;
            }
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
        GcOp::ArrayGet(kind) => {
            let r = object_ref(ex.store, s.raw(a), TrapKind::NullArrayReference)?;
            let i = index(s, b);
            let obj = instr::live(ex.store, r)?;
            if i >= obj.len() {
                return Err(Trap::new(TrapKind::ArrayOutOfBounds));
            }
            let elem = obj.array_elem().ok_or_else(|| Trap::host("not an array"))?;
            match kind {
                FieldKind::Ref => s.set_raw(d, obj.raw(i as usize).unwrap_or(raw::NULL)),
                FieldKind::V128 => {
                    let v = obj.read(&elem, elem_at(&elem, i));
                    ex.put_val(s, d, v);
                }
                _ => s.set_raw(d, bits_of(obj.read(&elem, elem_at(&elem, i)), kind)),
            }
        }
        GcOp::ArraySet(kind) => {
            let r = object_ref(ex.store, s.raw(a), TrapKind::NullArrayReference)?;
            let i = index(s, b);
            let obj = instr::live(ex.store, r)?;
            if i >= obj.len() {
                return Err(Trap::new(TrapKind::ArrayOutOfBounds));
            }
            let elem = obj.array_elem().ok_or_else(|| Trap::host("not an array"))?;
            if kind == FieldKind::Ref {
                ex.store.gc.write_raw(r, i as usize, s.raw(d));
            } else {
                let v = ex.slot_val(s, d, elem.storage, elem.default);
                instr::write(ex.store, r, &elem, elem_at(&elem, i), v)?;
            }
        }
        GcOp::ArrayLen => {
            let r = object_ref(ex.store, s.raw(a), TrapKind::NullArrayReference)?;
            s.set_raw(d, u64::from(instr::live(ex.store, r)?.len()));
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
