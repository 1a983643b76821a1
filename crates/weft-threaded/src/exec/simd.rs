//! `v128` values in v-slots, and the vector handlers.
//!
//! A frame's v-slots parallel its slots: a `v128` in slot `x` of the frame
//! at `fp` is `ex.vslots[fp + x]`, a `u128` with no boxing. The v-slot
//! vector is allocated only when code that uses `v128` (`Code::v128`)
//! runs, and then kept at least a window ([`WINDOW`]) past every such
//! frame's first slot, like the slots. Accesses are bounds-checked (they
//! are rarer than slot accesses, and the check is one compare).
//!
//! The handlers keep the dispatch chain's rule (see `backend.rs`): their
//! work is on integers in registers; everything that needs memory (lane
//! arrays, the long tail of lane semantics in
//! [`crate::op::simd`]) is in out-of-line functions that take
//! and return integers, so each handler's final call stays a jump.

use super::backend::{Flow, next};
use super::handlers::return_to_caller;
use super::{Exec, Ip, Mem, Sp, WINDOW};
use crate::Code;
use crate::op::simd::VMemKind;
use crate::op::{MemArgExt, Op, Slot};
use weft_exec::TrapKind;
use weft_exec::Val;
use weft_exec::executor::ops;
use weft_exec::simd as s;

// ---- v-slots ----

/// Grows `vslots` to at least `len` (doubling, so deep recursion does not
/// reallocate per call).
pub(super) fn reserve_vslots(vslots: &mut Vec<u128>, len: usize) {
    if vslots.len() < len {
        let doubled = vslots.len() * 2;
        vslots.resize(len.max(doubled), 0);
    }
}

/// Writes an entry frame's `v128` arguments to its v-slots (the slots
/// get every argument's low bits anyway).
pub(super) fn args_to_vslots(vslots: &mut Vec<u128>, args: &[Val]) {
    for (i, arg) in args.iter().enumerate() {
        if let Val::V128(v) = arg {
            reserve_vslots(vslots, WINDOW.max(i + 1));
            vslots[i] = *v;
        }
    }
}

/// Makes room for the v-slots of a frame of v128 `code` at absolute slot
/// `base` and zeroes its locals' v-slots.
pub(super) fn enter_v128_frame(vslots: &mut Vec<u128>, code: &Code, base: usize) {
    reserve_vslots(vslots, base + WINDOW);
    vslots[base + code.params as usize..base + code.locals as usize].fill(0);
}

/// A tail call into v128 `callee` in the frame at `fp`: its arguments'
/// v-slots move from `from` to the frame's first ones, its locals' are
/// zeroed.
pub(super) fn replace_v128_frame(vslots: &mut Vec<u128>, callee: &Code, fp: usize, from: usize) {
    let (params, locals) = (callee.params as usize, callee.locals as usize);
    reserve_vslots(vslots, from.max(fp) + WINDOW);
    vslots.copy_within(from..from + params, fp);
    vslots[fp + params..fp + locals].fill(0);
}

impl Exec<'_> {
    /// The `v128` in v-slot `x` of the running frame.
    #[inline(always)]
    fn v(&self, x: Slot) -> u128 {
        self.vslots[self.fp + usize::from(x)]
    }

    /// Sets v-slot `x` of the running frame.
    #[inline(always)]
    fn set_v(&mut self, x: Slot, v: u128) {
        let i = self.fp + usize::from(x);
        self.vslots[i] = v;
    }
}

// ---- moves ----

pub(super) fn vcopy(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VCopy { d, a });
    s.set_raw(d, s.raw(a));
    let v = ex.v(a);
    ex.set_v(d, v);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vselect(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VSelect { d, a, b, c });
    let from = if s.get::<i32>(c) != 0 { a } else { b };
    s.set_raw(d, s.raw(from));
    let v = ex.v(from);
    ex.set_v(d, v);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vreturn1(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, VReturn1 { a });
    s.set_raw(0, s.raw(a));
    let v = ex.v(a);
    ex.set_v(0, v);
    return_to_caller(ex, m)
}

pub(super) fn vreturn_n(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, VReturnN { a, n });
    s.copy_to_start(a, n);
    let from = ex.fp + usize::from(a);
    let fp = ex.fp;
    ex.vslots.copy_within(from..from + usize::from(n), fp);
    return_to_caller(ex, m)
}

pub(super) fn vconst(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VConst { d, k });
    let v = ex.code().v128_consts[k as usize];
    ex.set_v(d, v);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vglobal_get(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VGlobalGet { d, g });
    let addr = ex.inst.globals[g as usize] as usize;
    let v = match ex.store.globals[addr].value {
        Val::V128(v) => v,
        _ => 0,
    };
    ex.set_v(d, v);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vglobal_set(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VGlobalSet { a, g });
    let addr = ex.inst.globals[g as usize] as usize;
    let v = ex.v(a);
    ex.store.globals[addr].value = Val::V128(v);
    next(ex, ip.next(), s, m, acc)
}

// ---- memory 0 ----

/// The effective address of an `n`-byte access at `addr + offset`, if it
/// is inside memory 0.
#[inline(always)]
fn effective(m: Mem, addr: u64, offset: u32, n: u64) -> Option<usize> {
    let ea = (addr as u32 as u64) + u64::from(offset);
    if ea + n > m.len as u64 { None } else { Some(ea as usize) }
}

/// The `n` (at most 8) little-endian bytes at `ea`, zero-extended.
#[inline(never)]
fn read_le(m: Mem, ea: usize, n: u64) -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: `effective` checked `ea + n <= len`, and `ptr`/`len` are
    // memory 0's current buffer (see `Mem::load`); `n <= 8`.
    unsafe { std::ptr::copy_nonoverlapping(m.ptr.add(ea), b.as_mut_ptr(), n.min(8) as usize) };
    u64::from_le_bytes(b)
}

/// Writes the low `n` (at most 16) bytes of `v`, little-endian, at `ea`.
#[inline(never)]
fn write_le(m: Mem, ea: usize, n: u64, v: u128) {
    let b = v.to_le_bytes();
    // SAFETY: `effective` checked `ea + n <= len`, and `ptr`/`len` are
    // memory 0's current buffer, which nothing else borrows while
    // handlers run (see `Mem::store`); `n <= 16`.
    unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), m.ptr.add(ea), n.min(16) as usize) };
}

pub(super) fn vload(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VLoad { d, a, offset });
    match m.load::<16>(s.raw(a), offset) {
        Some(bytes) => ex.set_v(d, u128::from_le_bytes(bytes)),
        None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
    }
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vstore(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VStore { a, v, offset });
    let Some(ea) = effective(m, s.raw(a), offset, 16) else { return ex.trap(ip, TrapKind::MemoryOutOfBounds) };
    write_le(m, ea, 16, ex.v(v));
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vload_ext(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VLoadExt { d, a, kind, offset });
    let n = kind.bytes();
    let Some(ea) = effective(m, s.raw(a), offset, n) else { return ex.trap(ip, TrapKind::MemoryOutOfBounds) };
    ex.set_v(d, kind.build(read_le(m, ea, n)));
    next(ex, ip.next(), s, m, acc)
}

/// `v` with lane `lane` (of `bytes` bytes) set to the low bytes of `raw`.
#[inline(never)]
fn insert_lane(v: u128, lane: u8, bytes: u8, raw: u64) -> u128 {
    let b = raw.to_le_bytes();
    match bytes {
        1 => s::v128_load_lane::<1>(v, lane, [b[0]]),
        2 => s::v128_load_lane::<2>(v, lane, [b[0], b[1]]),
        4 => s::v128_load_lane::<4>(v, lane, [b[0], b[1], b[2], b[3]]),
        _ => s::v128_load_lane::<8>(v, lane, b),
    }
}

/// Lane `lane` (of `bytes` bytes) of `v`, zero-extended.
#[inline(never)]
fn lane_bits(v: u128, lane: u8, bytes: u8) -> u128 {
    let mut b = [0u8; 16];
    match bytes {
        1 => b[..1].copy_from_slice(&s::v128_store_lane::<1>(v, lane)),
        2 => b[..2].copy_from_slice(&s::v128_store_lane::<2>(v, lane)),
        4 => b[..4].copy_from_slice(&s::v128_store_lane::<4>(v, lane)),
        _ => b[..8].copy_from_slice(&s::v128_store_lane::<8>(v, lane)),
    }
    u128::from_le_bytes(b)
}

pub(super) fn vload_lane(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VLoadLane { d, a, v, bytes, lane, offset });
    let n = u64::from(bytes);
    let Some(ea) = effective(m, s.raw(a), offset, n) else { return ex.trap(ip, TrapKind::MemoryOutOfBounds) };
    let r = insert_lane(ex.v(v), lane, bytes, read_le(m, ea, n));
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vstore_lane(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VStoreLane { a, v, bytes, lane, offset });
    let n = u64::from(bytes);
    let Some(ea) = effective(m, s.raw(a), offset, n) else { return ex.trap(ip, TrapKind::MemoryOutOfBounds) };
    write_le(m, ea, n, lane_bits(ex.v(v), lane, bytes));
    next(ex, ip.next(), s, m, acc)
}

/// Runs the [`Op::VMemExt`] at `ip`; `false` if out of bounds.
#[inline(never)]
fn vmem_ext_step(ex: &mut Exec<'_>, ip: Ip, s: Sp) -> bool {
    let Op::VMemExt { d, a, v, kind, arg } = ip.op() else { return false };
    let MemArgExt { mem, offset } = ex.code().mem_args[arg as usize];
    let addr = ex.inst.memories[mem as usize] as usize;
    let memory = &ex.store.memories[addr];
    let raw = s.raw(a);
    let index = if memory.ty.index64 { raw } else { raw as u32 as u64 };
    let Some(ea) = index.checked_add(offset) else { return false };
    let n = match kind {
        VMemKind::Load | VMemKind::Store => 16,
        VMemKind::Ext(k) => k.bytes(),
        VMemKind::LoadLane { bytes, .. } | VMemKind::StoreLane { bytes, .. } => u64::from(bytes),
    };
    let Some(range) = ops::range_in(ea, n, memory.data.len()) else { return false };
    let mut bytes = [0u8; 16];
    bytes[..n as usize].copy_from_slice(&memory.data[range.clone()]);
    let read = u128::from_le_bytes(bytes);
    let result = match kind {
        VMemKind::Load => read,
        VMemKind::Ext(k) => k.build(read as u64),
        VMemKind::LoadLane { bytes, lane } => insert_lane(ex.v(v), lane, bytes, read as u64),
        VMemKind::Store | VMemKind::StoreLane { .. } => {
            let value = match kind {
                VMemKind::StoreLane { bytes, lane } => lane_bits(ex.v(v), lane, bytes),
                _ => ex.v(v),
            };
            ex.store.memories[addr].data[range].copy_from_slice(&value.to_le_bytes()[..n as usize]);
            return true;
        }
    };
    ex.set_v(d, result);
    true
}

pub(super) fn vmem_ext(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    if !vmem_ext_step(ex, ip, s) {
        return ex.trap(ip, TrapKind::MemoryOutOfBounds);
    }
    next(ex, ip.next(), s, m, acc)
}

// ---- lane operations: the shared handlers of the sub-op groups ----

pub(super) fn vun(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VUn { d, a, f });
    let r = f.apply(ex.v(a));
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vbin(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBin { d, a, b, f });
    let r = f.apply(ex.v(a), ex.v(b));
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vtern(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VTern { d, a, b, c, f });
    let r = f.apply(ex.v(a), ex.v(b), ex.v(c));
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vtest(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VTest { d, a, f });
    s.set::<i32>(d, f.apply(ex.v(a)));
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vshift(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VShift { d, a, b, f });
    let r = f.apply(ex.v(a), s.get::<i32>(b) as u32);
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vsplat(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VSplat { d, a, f });
    ex.set_v(d, f.apply(s.raw(a)));
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vextract(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VExtract { d, a, lane, f });
    s.set_raw(d, f.apply(ex.v(a), lane));
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vreplace(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VReplace { d, a, b, lane, f });
    let r = f.apply(ex.v(a), lane, s.raw(b));
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

/// `i8x16.shuffle` with the lane indices as the bytes of `sel`.
#[inline(never)]
fn shuffle(a: u128, b: u128, sel: u128) -> u128 {
    s::i8x16_shuffle(a, b, sel.to_le_bytes())
}

pub(super) fn vshuffle(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VShuffle { d, a, b, k });
    let sel = ex.code().v128_consts[k as usize];
    let r = shuffle(ex.v(a), ex.v(b), sel);
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vbitselect(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBitselect { d, a, b, c });
    let r = s::v128_bitselect(ex.v(a), ex.v(b), ex.v(c));
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

// ---- the common lane arithmetic, a handler each ----

/// Expands to binary vector handlers: `name Variant semantics`.
macro_rules! fast_binary {
    ($($name:ident $variant:ident $f:path;)*) => {$(
        pub(super) fn $name(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
            operands!(ip, $variant { d, a, b });
            let r = $f(ex.v(a), ex.v(b));
            ex.set_v(d, r);
            next(ex, ip.next(), s, m, acc)
        }
    )*};
}

fast_binary! {
    v_and VAnd s::v128_and;
    v_or VOr s::v128_or;
    v_xor VXor s::v128_xor;
    v_andnot VAndNot s::v128_andnot;
    v_i8x16_add VI8x16Add s::i8x16_add;
    v_i16x8_add VI16x8Add s::i16x8_add;
    v_i32x4_add VI32x4Add s::i32x4_add;
    v_i32x4_sub VI32x4Sub s::i32x4_sub;
    v_i32x4_mul VI32x4Mul s::i32x4_mul;
    v_i64x2_add VI64x2Add s::i64x2_add;
    v_i64x2_sub VI64x2Sub s::i64x2_sub;
    v_f32x4_add VF32x4Add s::f32x4_add;
    v_f32x4_sub VF32x4Sub s::f32x4_sub;
    v_f32x4_mul VF32x4Mul s::f32x4_mul;
    v_f64x2_add VF64x2Add s::f64x2_add;
    v_f64x2_sub VF64x2Sub s::f64x2_sub;
    v_f64x2_mul VF64x2Mul s::f64x2_mul;
    v_i8x16_eq VI8x16Eq s::i8x16_eq;
    v_i32x4_eq VI32x4Eq s::i32x4_eq;
    v_i32x4_lt_s VI32x4LtS s::i32x4_lt_s;
    v_i32x4_gt_s VI32x4GtS s::i32x4_gt_s;
    v_f32x4_lt VF32x4Lt s::f32x4_lt;
    v_f32x4_gt VF32x4Gt s::f32x4_gt;
}
