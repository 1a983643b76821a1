//! `v128` values in v-slots, and the vector handlers.
//!
//! A frame's v-slots parallel its slots: a `v128` in slot `x` of the frame
//! at `fp` is `ex.vslots[fp + x]`, a `u128` with no boxing. The v-slot
//! vector is allocated only when code that uses `v128` (`Code::v128`)
//! runs, and then kept at least a window ([`WINDOW`]) past every such
//! frame's first slot, like the slots. Accesses are bounds-checked (they
//! are rarer than slot accesses, and the check is one compare).
//!
//! A v-slot is a `u128` (the frame's storage), but every vector handler
//! reads and writes it as its 16 bytes, [`V128`], the representation the
//! lane functions of [`weft_exec::simd`] take: LLVM keeps such an array
//! in a vector register, so `v_f32x4_add` is `movdqu`, `addps`,
//! `movdqu` (a `u128` value would be split across two general-purpose
//! registers and rebuilt lane by lane).
//!
//! The handlers keep the dispatch chain's rule (see `backend.rs`): no
//! stack slot of theirs has its address escape. The common lane
//! operations are inlined into their own handlers; the long tail of
//! [`crate::op::simd`]'s sub-op groups runs in one out-of-line step per
//! group (`vbin_step`, ...) that reads its operands from the v-slots and
//! writes the result there itself, so each handler's final call stays a
//! jump and no vector crosses a call in general-purpose registers.

use super::backend::{Flow, next};
use super::handlers::return_to_caller;
use super::{Exec, Ip, Mem, Sp, WINDOW};
use crate::Code;
use crate::op::simd::{
    VBinOp, VExtractOp, VLoadKind, VMemKind, VReplaceOp, VShiftOp, VSplatOp, VTernOp, VTestOp, VUnOp,
};
use crate::op::{MemArgExt, Op, Slot};
use weft_exec::TrapKind;
use weft_exec::Val;
use weft_exec::executor::ops;
use weft_exec::simd::{self as s, V128};

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

/// The bytes of v-slot `i`, read as bytes: through `u128::to_le_bytes`
/// LLVM loads an `i128` into two integer registers and cuts the lanes out
/// of them (`i8x16.add` became 40 scalar instructions).
#[inline(always)]
fn load_v(vslots: &[u128], i: usize) -> V128 {
    let slot: *const u128 = &vslots[i];
    #[cfg(target_endian = "little")]
    // SAFETY: `slot` points to a valid `u128` (just bounds-checked);
    // `[u8; 16]` has the same size, alignment 1 and no invalid values.
    // On a little-endian host its bytes in memory order are its
    // little-endian bytes, what `to_le_bytes` returns.
    unsafe {
        slot.cast::<V128>().read()
    }
    #[cfg(not(target_endian = "little"))]
    // SAFETY: as above; a plain `u128` read.
    unsafe {
        slot.read().to_le_bytes()
    }
}

/// Writes `v` to v-slot `i`, as bytes: a 16-byte vector store (through
/// `u128::from_le_bytes` LLVM would rebuild the value in two integer
/// registers first).
#[inline(always)]
fn store_v(vslots: &mut [u128], i: usize, v: V128) {
    let slot: *mut u128 = &mut vslots[i];
    #[cfg(target_endian = "little")]
    // SAFETY: `slot` is a valid, exclusive place of 16 bytes (a `u128`
    // just bounds-checked and borrowed mutably); `[u8; 16]` has the same
    // size and alignment 1, and every bit pattern is a valid `u128`. On a
    // little-endian host the bytes in memory order are the value's
    // little-endian bytes, as `from_le_bytes` would write them.
    unsafe {
        slot.cast::<V128>().write(v);
    }
    #[cfg(not(target_endian = "little"))]
    // SAFETY: as above; a plain `u128` write.
    unsafe {
        slot.write(u128::from_le_bytes(v));
    }
}

impl Exec<'_> {
    /// The `v128` in v-slot `x` of the running frame.
    #[inline(always)]
    fn v(&self, x: Slot) -> V128 {
        load_v(self.vslots, self.fp + usize::from(x))
    }

    /// Sets v-slot `x` of the running frame.
    #[inline(always)]
    fn set_v(&mut self, x: Slot, v: V128) {
        store_v(self.vslots, self.fp + usize::from(x), v);
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
    let v = s::from_u128(ex.code().v128_consts[k as usize]);
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
    ex.set_v(d, s::from_u128(v));
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vglobal_set(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VGlobalSet { a, g });
    let addr = ex.inst.globals[g as usize] as usize;
    let v = ex.v(a);
    ex.store.globals[addr].value = Val::V128(s::to_u128(v));
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

/// Writes the first `n` (at most 16) bytes of `b` at `ea`.
#[inline(always)]
fn write_le(m: Mem, ea: usize, n: u64, b: V128) {
    // SAFETY: `effective` checked `ea + n <= len`, and `ptr`/`len` are
    // memory 0's current buffer, which nothing else borrows while
    // handlers run (see `Mem::store`); `n <= 16`.
    unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), m.ptr.add(ea), n.min(16) as usize) };
}

pub(super) fn vload(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VLoad { d, a, add, offset });
    match m.load::<16>(u64::from((s.raw(a) as u32).wrapping_add(u32::from(add))), offset) {
        Some(bytes) => ex.set_v(d, bytes),
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
    vload_ext_step(ex.vslots, at(ex.fp, d), kind, read_le(m, ea, n));
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vload_ext_step(vs: &mut [u128], i: usize, kind: VLoadKind, raw: u64) {
    store_v(vs, i, kind.build(raw));
}

/// `v` with lane `lane` (of `bytes` bytes) set to the low bytes of `raw`.
#[inline(always)]
fn insert_lane(v: V128, lane: u8, bytes: u8, raw: u64) -> V128 {
    let b = raw.to_le_bytes();
    match bytes {
        1 => s::v128_load_lane::<1>(v, lane, [b[0]]),
        2 => s::v128_load_lane::<2>(v, lane, [b[0], b[1]]),
        4 => s::v128_load_lane::<4>(v, lane, [b[0], b[1], b[2], b[3]]),
        _ => s::v128_load_lane::<8>(v, lane, b),
    }
}

/// Lane `lane` (of `bytes` bytes) of `v`, zero-extended.
#[inline(always)]
fn lane_bits(v: V128, lane: u8, bytes: u8) -> V128 {
    let mut b = [0u8; 16];
    match bytes {
        1 => b[..1].copy_from_slice(&s::v128_store_lane::<1>(v, lane)),
        2 => b[..2].copy_from_slice(&s::v128_store_lane::<2>(v, lane)),
        4 => b[..4].copy_from_slice(&s::v128_store_lane::<4>(v, lane)),
        _ => b[..8].copy_from_slice(&s::v128_store_lane::<8>(v, lane)),
    }
    b
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
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[..8]);
    let low = u64::from_le_bytes(low);
    let result = match kind {
        VMemKind::Load => bytes,
        VMemKind::Ext(k) => k.build(low),
        VMemKind::LoadLane { bytes, lane } => insert_lane(ex.v(v), lane, bytes, low),
        VMemKind::Store | VMemKind::StoreLane { .. } => {
            let value = match kind {
                VMemKind::StoreLane { bytes, lane } => lane_bits(ex.v(v), lane, bytes),
                _ => ex.v(v),
            };
            ex.store.memories[addr].data[range].copy_from_slice(&value[..n as usize]);
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
//
// Each group's handler calls one out-of-line step with the v-slot indices;
// the step reads the operands, runs the sub-op (its `apply` is inlined, so
// every arm is the instruction's vector code) and writes the result.

/// The absolute v-slot of slot `x` of the frame at `fp`.
#[inline(always)]
fn at(fp: usize, x: Slot) -> usize {
    fp + usize::from(x)
}

#[inline(never)]
fn vun_step(vs: &mut [u128], fp: usize, f: VUnOp, d: Slot, a: Slot) {
    let r = f.apply(load_v(vs, at(fp, a)));
    store_v(vs, at(fp, d), r);
}

pub(super) fn vun(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VUn { d, a, f });
    vun_step(ex.vslots, ex.fp, f, d, a);
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vbin_step(vs: &mut [u128], fp: usize, f: VBinOp, d: Slot, a: Slot, b: Slot) {
    let r = f.apply(load_v(vs, at(fp, a)), load_v(vs, at(fp, b)));
    store_v(vs, at(fp, d), r);
}

pub(super) fn vbin(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBin { d, a, b, f });
    vbin_step(ex.vslots, ex.fp, f, d, a, b);
    next(ex, ip.next(), s, m, acc)
}

/// `f(v-slot a, b)` into v-slot `d` of `frame` (the v-slots from the
/// frame's first on): the fused pairs' step for the sub-ops
/// [`fused_inline`] leaves out. `b` crosses the call as a `u128` in two
/// registers (six arguments in all, so none goes through the stack): a
/// stack slot whose address escapes would keep LLVM from turning the
/// handler's final call into a jump.
#[inline(never)]
fn vbin_with_step(frame: &mut [u128], f: VBinOp, [d, a]: [Slot; 2], b: u128) {
    let r = f.apply(load_v(frame, usize::from(a)), s::from_u128(b));
    store_v(frame, usize::from(d), r);
}

/// The fused pairs' common sub-ops, computed in the handler itself (the
/// matrix kernel's `f32x4.mul` of a loaded row, a constant mask's
/// `v128.and`); `None` for the rest, which go through [`vbin_with_step`].
#[inline(always)]
fn fused_inline(f: VBinOp, a: V128, b: V128) -> Option<V128> {
    Some(match f {
        VBinOp::F32x4Mul => s::f32x4_mul(a, b),
        VBinOp::F32x4Add => s::f32x4_add(a, b),
        VBinOp::F32x4Sub => s::f32x4_sub(a, b),
        VBinOp::F64x2Mul => s::f64x2_mul(a, b),
        VBinOp::F64x2Add => s::f64x2_add(a, b),
        VBinOp::I32x4Add => s::i32x4_add(a, b),
        VBinOp::I8x16Add => s::i8x16_add(a, b),
        VBinOp::I8x16Eq => s::i8x16_eq(a, b),
        VBinOp::V128And => s::v128_and(a, b),
        VBinOp::V128Or => s::v128_or(a, b),
        VBinOp::V128Xor => s::v128_xor(a, b),
        _ => return None,
    })
}

// The fused handlers compute the common sub-ops inline and hand the rest
// to a second handler (a tail call, like `next`), so their own hot path
// makes no call and saves no registers.

pub(super) fn vbin_load(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBinLoad { d, a, addr, add, offset, f });
    let addr = u64::from((s.raw(addr) as u32).wrapping_add(u32::from(add)));
    let Some(b) = m.load::<16>(addr, offset) else { return ex.trap(ip, TrapKind::MemoryOutOfBounds) };
    let Some(r) = fused_inline(f, ex.v(a), b) else { return vbin_load_other(ex, ip, s, m, acc) };
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn v_f32x4_mul_load(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VF32x4MulLoad { d, a, addr, add, offset });
    let addr = u64::from((s.raw(addr) as u32).wrapping_add(u32::from(add)));
    let Some(b) = m.load::<16>(addr, offset) else { return ex.trap(ip, TrapKind::MemoryOutOfBounds) };
    let r = s::f32x4_mul(ex.v(a), b);
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

/// [`vbin_load`] for the sub-ops [`fused_inline`] leaves out (the load
/// already checked in bounds, so it cannot trap here).
fn vbin_load_other(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBinLoad { d, a, addr, add, offset, f });
    let addr = u64::from((s.raw(addr) as u32).wrapping_add(u32::from(add)));
    let Some(b) = m.load::<16>(addr, offset) else { return ex.trap(ip, TrapKind::MemoryOutOfBounds) };
    vbin_with_step(&mut ex.vslots[ex.fp..], f, [d, a], u128::from_le_bytes(b));
    next(ex, ip.next(), s, m, acc)
}

pub(super) fn vbin_const(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBinConst { d, a, k, f });
    let b = s::from_u128(ex.code().v128_consts[k as usize]);
    let Some(r) = fused_inline(f, ex.v(a), b) else { return vbin_const_other(ex, ip, s, m, acc) };
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

/// [`vbin_const`] for the sub-ops [`fused_inline`] leaves out.
fn vbin_const_other(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBinConst { d, a, k, f });
    let b = ex.code().v128_consts[k as usize];
    vbin_with_step(&mut ex.vslots[ex.fp..], f, [d, a], b);
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vtern_step(vs: &mut [u128], fp: usize, f: VTernOp, d: Slot, [a, b, c]: [Slot; 3]) {
    let (x, y, z) = (load_v(vs, at(fp, a)), load_v(vs, at(fp, b)), load_v(vs, at(fp, c)));
    let r = match f {
        #[cfg(target_arch = "x86_64")]
        VTernOp::F32x4RelaxedMaddNative | VTernOp::F32x4RelaxedNmaddNative if s::native::has_fma() => {
            fma::f32x4(x, y, z, f == VTernOp::F32x4RelaxedNmaddNative)
        }
        #[cfg(target_arch = "x86_64")]
        VTernOp::F64x2RelaxedMaddNative | VTernOp::F64x2RelaxedNmaddNative if s::native::has_fma() => {
            fma::f64x2(x, y, z, f == VTernOp::F64x2RelaxedNmaddNative)
        }
        _ => f.apply(x, y, z),
    };
    store_v(vs, at(fp, d), r);
}

/// `relaxed_madd`/`relaxed_nmadd` with x86-64's FMA instructions
/// (`vfmadd`, `vfnmadd`), when the CPU has them: the fused result
/// `weft_exec::simd::native` computes lane by lane with `mul_add` (a call
/// to libm per lane on the SSE2 baseline), in one instruction.
#[cfg(target_arch = "x86_64")]
mod fma {
    use std::arch::x86_64::{
        _mm_fmadd_pd, _mm_fmadd_ps, _mm_fnmadd_pd, _mm_fnmadd_ps, _mm_loadu_pd, _mm_loadu_ps, _mm_storeu_pd,
        _mm_storeu_ps,
    };

    use weft_exec::simd::{self as s, V128};

    /// `a * b + c` (or `-(a * b) + c` if `negate`) on `f32` lanes, fused.
    pub(super) fn f32x4(a: V128, b: V128, c: V128, negate: bool) -> V128 {
        debug_assert!(s::native::has_fma());
        // SAFETY: the callers checked `has_fma()`: the CPU has FMA.
        unsafe { f32x4_fma(a, b, c, negate) }
    }

    /// `a * b + c` (or `-(a * b) + c` if `negate`) on `f64` lanes, fused.
    pub(super) fn f64x2(a: V128, b: V128, c: V128, negate: bool) -> V128 {
        debug_assert!(s::native::has_fma());
        // SAFETY: the callers checked `has_fma()`: the CPU has FMA.
        unsafe { f64x2_fma(a, b, c, negate) }
    }

    #[target_feature(enable = "fma")]
    fn f32x4_fma(a: V128, b: V128, c: V128, negate: bool) -> V128 {
        let mut out = [0u8; 16];
        // SAFETY: every pointer is to a 16-byte array; the loads and the
        // store are unaligned (`loadu`, `storeu`).
        unsafe {
            let (a, b, c) =
                (_mm_loadu_ps(a.as_ptr().cast()), _mm_loadu_ps(b.as_ptr().cast()), _mm_loadu_ps(c.as_ptr().cast()));
            let r = if negate { _mm_fnmadd_ps(a, b, c) } else { _mm_fmadd_ps(a, b, c) };
            _mm_storeu_ps(out.as_mut_ptr().cast(), r);
        }
        out
    }

    #[target_feature(enable = "fma")]
    fn f64x2_fma(a: V128, b: V128, c: V128, negate: bool) -> V128 {
        let mut out = [0u8; 16];
        // SAFETY: as in `f32x4_fma`.
        unsafe {
            let (a, b, c) =
                (_mm_loadu_pd(a.as_ptr().cast()), _mm_loadu_pd(b.as_ptr().cast()), _mm_loadu_pd(c.as_ptr().cast()));
            let r = if negate { _mm_fnmadd_pd(a, b, c) } else { _mm_fmadd_pd(a, b, c) };
            _mm_storeu_pd(out.as_mut_ptr().cast(), r);
        }
        out
    }
}

pub(super) fn vtern(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VTern { d, a, b, c, f });
    vtern_step(ex.vslots, ex.fp, f, d, [a, b, c]);
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vtest_step(vs: &[u128], i: usize, f: VTestOp) -> i32 {
    f.apply(load_v(vs, i))
}

pub(super) fn vtest(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VTest { d, a, f });
    s.set::<i32>(d, vtest_step(ex.vslots, at(ex.fp, a), f));
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vshift_step(vs: &mut [u128], fp: usize, f: VShiftOp, d: Slot, a: Slot, count: u32) {
    let r = f.apply(load_v(vs, at(fp, a)), count);
    store_v(vs, at(fp, d), r);
}

pub(super) fn vshift(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VShift { d, a, b, f });
    vshift_step(ex.vslots, ex.fp, f, d, a, s.get::<i32>(b) as u32);
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vsplat_step(vs: &mut [u128], i: usize, f: VSplatOp, x: u64) {
    store_v(vs, i, f.apply(x));
}

pub(super) fn vsplat(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VSplat { d, a, f });
    vsplat_step(ex.vslots, at(ex.fp, d), f, s.raw(a));
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vextract_step(vs: &[u128], i: usize, f: VExtractOp, lane: u8) -> u64 {
    f.apply(load_v(vs, i), lane)
}

pub(super) fn vextract(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VExtract { d, a, lane, f });
    s.set_raw(d, vextract_step(ex.vslots, at(ex.fp, a), f, lane));
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vreplace_step(vs: &mut [u128], fp: usize, f: VReplaceOp, [d, a]: [Slot; 2], lane: u8, x: u64) {
    let r = f.apply(load_v(vs, at(fp, a)), lane, x);
    store_v(vs, at(fp, d), r);
}

pub(super) fn vreplace(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VReplace { d, a, b, lane, f });
    vreplace_step(ex.vslots, ex.fp, f, [d, a], lane, s.raw(b));
    next(ex, ip.next(), s, m, acc)
}

/// `i8x16.shuffle` of v-slots `a` and `b` into `d`, the lane indices the
/// bytes of `sel`.
#[inline(never)]
fn vshuffle_step(vs: &mut [u128], fp: usize, [d, a, b]: [Slot; 3], sel: u128) {
    let r = s::i8x16_shuffle(load_v(vs, at(fp, a)), load_v(vs, at(fp, b)), sel.to_le_bytes());
    store_v(vs, at(fp, d), r);
}

pub(super) fn vshuffle(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VShuffle { d, a, b, k });
    let sel = ex.code().v128_consts[k as usize];
    vshuffle_step(ex.vslots, ex.fp, [d, a, b], sel);
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
