//! `v128` values in v-slots, and the vector handlers.
//!
//! A frame's v-slots parallel its slots: a `v128` in slot `x` of the frame
//! at `fp` is `ex.vslots[fp + x]`, a `u128` with no boxing. The v-slot
//! vector is allocated only when code that uses `v128` (`Code::v128`)
//! runs, and then kept at least its frame size past every such frame's
//! first slot, like the slots; so, as scalar slots are addressed
//! from [`Sp`], a handler addresses v-slots from the frame's first one
//! ([`Vp`]) with no bounds check. `Vp` is not a handler argument: the
//! five arguments already fill the six argument registers of the x86-64
//! calling convention (`Mem` takes two), and a seventh would go through
//! the stack, which keeps LLVM from turning the final call into a jump.
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
use super::{Exec, Ip, Mem, Sp};
use crate::Code;
use crate::op::simd::{VBinOp, VLoadKind, VMemKind, VReplaceOp, VShiftOp, VTernOp, VTestOp, VUnOp};
use crate::op::{MemArgExt, Op, Slot};
use weft_exec::TrapKind;
use weft_exec::Val;
use weft_exec::executor::ops;
use weft_exec::simd::{self as s, V128};
use weft_macros::handler;

// ---- v-slots ----

/// Grows `vslots` to at least `len` (doubling, so deep recursion does not
/// reallocate per call).
fn reserve_vslots(vslots: &mut Vec<u128>, len: usize) {
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
            reserve_vslots(vslots, i + 1);
            vslots[i] = *v;
        }
    }
}

/// An activation's v-slot vector, with its buffer's address kept beside
/// it (`base`), so a vector handler finds its frame's first v-slot
/// ([`Exec::vp`]) from two independent loads of `Exec` (`base`, `fp`)
/// rather than a chain through the `Vec`. Only [`VSlots::reserve`] can
/// move the buffer, and it renews `base`; every other access goes through
/// `base`, bounds-checked, so no reference into the buffer is made that
/// would invalidate it.
pub(super) struct VSlots<'a> {
    vec: &'a mut Vec<u128>,
    base: *mut u128,
}

impl<'a> VSlots<'a> {
    pub(super) fn new(vec: &'a mut Vec<u128>) -> Self {
        let base = vec.as_mut_ptr();
        VSlots { vec, base }
    }

    /// How many v-slots there are.
    pub(super) fn len(&self) -> usize {
        self.vec.len()
    }

    /// Grows to at least `len` v-slots (doubling).
    pub(super) fn reserve(&mut self, len: usize) {
        if self.vec.len() < len {
            reserve_vslots(self.vec, len);
            self.base = self.vec.as_mut_ptr();
        }
    }

    /// V-slot `i`, if there is one.
    pub(super) fn get(&self, i: usize) -> Option<u128> {
        // SAFETY: `i` is below the length, and `base` is the buffer's
        // current address (see the type).
        (i < self.len()).then(|| unsafe { self.base.add(i).read() })
    }

    /// Sets v-slot `i` (panics if there is none).
    pub(super) fn set(&mut self, i: usize, v: u128) {
        assert!(i < self.len(), "v-slot {i} out of bounds");
        // SAFETY: as for `get`; `&mut self` excludes other accesses.
        unsafe { self.base.add(i).write(v) }
    }

    /// Copies the v-slots `from` to the `from.len()` v-slots from `to`
    /// (panics if a range is out of bounds; they may overlap).
    pub(super) fn copy_within(&mut self, from: std::ops::Range<usize>, to: usize) {
        let n = from.end.saturating_sub(from.start);
        assert!(from.end <= self.len() && to + n <= self.len(), "v-slot copy out of bounds");
        // SAFETY: both ranges are in bounds (just checked); `copy` allows
        // overlap.
        unsafe { std::ptr::copy(self.base.add(from.start), self.base.add(to), n) }
    }

    /// Zeroes the v-slots `range` (panics if it is out of bounds).
    pub(super) fn zero(&mut self, range: std::ops::Range<usize>) {
        let n = range.end.saturating_sub(range.start);
        assert!(range.end <= self.len(), "v-slot range out of bounds");
        // SAFETY: the range is in bounds (just checked); zero bits are a
        // valid `u128`.
        unsafe { std::ptr::write_bytes(self.base.add(range.start), 0, n) }
    }
}

/// Makes room for the v-slots of a frame of v128 `code` at absolute slot
/// `base` (its frame size) and zeroes its locals' v-slots.
pub(super) fn enter_v128_frame(vslots: &mut VSlots<'_>, code: &Code, base: usize) {
    vslots.reserve(base + code.frame_size as usize);
    vslots.zero(base + code.params as usize..base + code.locals as usize);
}

/// A tail call into v128 `callee` in the frame at `fp`: its arguments'
/// v-slots move from `from` to the frame's first ones, its locals' are
/// zeroed.
pub(super) fn replace_v128_frame(vslots: &mut VSlots<'_>, callee: &Code, fp: usize, from: usize) {
    let (params, locals) = (callee.params as usize, callee.locals as usize);
    vslots.reserve((fp + callee.frame_size as usize).max(from + params));
    vslots.copy_within(from..from + params, fp);
    vslots.zero(fp + params..fp + locals);
}

/// The running frame's first v-slot: the v-slots' [`Sp`]. Vector
/// handlers derive it once from the v-slot vector and the frame pointer
/// ([`Exec::vp`]) and address every operand from it, with no bounds check.
///
/// Slot `x` is at `x` v-slots from it. That is in bounds for every
/// [`Slot`] an op names (below its frame size: `translate::verify`)
/// because the v-slot vector extends the frame size past the first slot
/// of every frame of v128 code, as the slot vector does for every frame:
/// `invoke` allocates the entry frame's, a call into v128 code reserves
/// the callee's past its base ([`enter_v128_frame`],
/// [`replace_v128_frame`] for tail calls), a return goes to a frame
/// below, and the vector never shrinks within an activation. Only v128 code runs vector ops (the
/// translator emits them only in v128 mode), and a `Vp` lives for one
/// handler, in which nothing reallocates the v-slots.
///
/// Values are read and written as their 16 bytes, [`V128`]: through
/// `u128::to_le_bytes` LLVM loads an `i128` into two integer registers and
/// cuts the lanes out of them (`i8x16.add` became 40 scalar instructions).
#[derive(Clone, Copy)]
struct Vp(*mut u128);

impl Vp {
    /// The `v128` in v-slot `x`.
    #[inline(always)]
    fn get(self, x: Slot) -> V128 {
        #[cfg(target_endian = "little")]
        // SAFETY: v-slot `x` is in bounds (see the type) and a valid
        // `u128`; `[u8; 16]` has the same size, alignment 1 and no invalid
        // values. On a little-endian host its bytes in memory order are its
        // little-endian bytes, what `to_le_bytes` returns.
        unsafe {
            self.0.add(usize::from(x)).cast::<V128>().read()
        }
        #[cfg(not(target_endian = "little"))]
        // SAFETY: as above; a plain `u128` read.
        unsafe {
            self.0.add(usize::from(x)).read().to_le_bytes()
        }
    }

    /// Sets v-slot `x` to `v`: a 16-byte vector store (through
    /// `u128::from_le_bytes` LLVM would rebuild the value in two integer
    /// registers first).
    #[inline(always)]
    fn set(self, x: Slot, v: V128) {
        #[cfg(target_endian = "little")]
        // SAFETY: v-slot `x` is in bounds (see the type), and nothing else
        // borrows the v-slot vector while a handler runs; every bit
        // pattern is a valid `u128`. On a little-endian host the bytes in
        // memory order are the value's little-endian bytes, as
        // `from_le_bytes` would write them.
        unsafe {
            self.0.add(usize::from(x)).cast::<V128>().write(v);
        }
        #[cfg(not(target_endian = "little"))]
        // SAFETY: as above; a plain `u128` write.
        unsafe {
            self.0.add(usize::from(x)).write(u128::from_le_bytes(v));
        }
    }
}

impl Exec<'_> {
    /// The running frame's first v-slot (see [`Vp`]).
    #[inline(always)]
    fn vp(&mut self) -> Vp {
        debug_assert!(
            self.fp + self.code().frame_size as usize <= self.vslots.len(),
            "a vector op outside a v128 frame"
        );
        // SAFETY: the v-slot vector extends the frame size past the running
        // v128 frame's first slot (see `Vp`), so `fp` is in bounds, and `base`
        // is its buffer's current address (`VSlots`).
        Vp(unsafe { self.vslots.base.add(self.fp) })
    }

    /// Vector constant `k` of the running code.
    #[inline(always)]
    fn v128_const(&self, k: u32) -> V128 {
        let consts = &self.code().v128_consts;
        debug_assert!((k as usize) < consts.len());
        #[cfg(target_endian = "little")]
        // SAFETY: `translate::verify` checked that every op's constant
        // index is below the constants' count (`translate::simd::verify`).
        // Read as bytes, as `Vp::get` reads a v-slot (through the `u128`
        // LLVM loads two integer registers and rebuilds the lanes).
        unsafe {
            consts.as_ptr().add(k as usize).cast::<V128>().read()
        }
        #[cfg(not(target_endian = "little"))]
        // SAFETY: as above.
        s::from_u128(unsafe { *consts.get_unchecked(k as usize) })
    }

    /// Vector constant `k` of the running code, in place.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn v128_const_ref(&self, k: u32) -> &V128 {
        let consts = &self.code().v128_consts;
        debug_assert!((k as usize) < consts.len());
        // SAFETY: `k` is in range (as for `v128_const`); a `u128` is 16
        // bytes and `[u8; 16]` has alignment 1 and no invalid values; the
        // reference borrows the code, which outlives it. x86-64 is
        // little-endian: the bytes are the value's little-endian ones.
        unsafe { &*consts.as_ptr().add(k as usize).cast::<V128>() }
    }

    /// The `v128` in v-slot `x` of the running frame.
    #[inline(always)]
    fn v(&mut self, x: Slot) -> V128 {
        self.vp().get(x)
    }

    /// Sets v-slot `x` of the running frame.
    #[inline(always)]
    fn set_v(&mut self, x: Slot, v: V128) {
        self.vp().set(x, v);
    }
}

// ---- moves ----

#[handler]
pub(super) fn vcopy(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VCopy { d, a });
    s.set_raw(d, s.raw(a));
    let vp = ex.vp();
    vp.set(d, vp.get(a));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn vselect(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VSelect { d, a, b, c });
    let from = if s.get::<i32>(c) != 0 { a } else { b };
    s.set_raw(d, s.raw(from));
    let vp = ex.vp();
    vp.set(d, vp.get(from));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn vreturn1(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, VReturn1 { a });
    s.set_raw(0, s.raw(a));
    let v = ex.v(a);
    ex.set_v(0, v);
    return_to_caller(ex, m)
}

#[handler]
pub(super) fn vreturn_n(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, VReturnN { a, n });
    s.copy_to_start(a, n);
    let from = ex.fp + usize::from(a);
    let fp = ex.fp;
    ex.vslots.copy_within(from..from + usize::from(n), fp);
    return_to_caller(ex, m)
}

#[handler]
pub(super) fn vconst(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VConst { d, k });
    let v = ex.v128_const(k);
    ex.set_v(d, v);
    next(ex, ip.next(), s, m, acc)
}

#[handler]
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

#[handler]
pub(super) fn vglobal_set(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VGlobalSet { a, g });
    let addr = ex.inst.globals[g as usize] as usize;
    let v = ex.v(a);
    ex.store.globals[addr].value = Val::V128(s::to_u128(v));
    next(ex, ip.next(), s, m, acc)
}

// ---- memory 0 ----

/// Traps "out of bounds memory access" at `ip`: a tail call of the
/// vector memory handlers, so their hot path keeps no stack slot for the
/// trap's value.
#[cold]
#[inline(never)]
fn out_of_bounds(ex: &mut Exec<'_>, ip: Ip) -> Flow {
    ex.trap(ip, TrapKind::MemoryOutOfBounds)
}

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

#[handler]
pub(super) fn vload(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VLoad { d, a, add, offset });
    match m.load::<16>(u64::from((s.raw(a) as u32).wrapping_add(u32::from(add))), offset) {
        Some(bytes) => ex.set_v(d, bytes),
        None => return out_of_bounds(ex, ip),
    }
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn vstore(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VStore { a, v, offset });
    let Some(ea) = effective(m, s.raw(a), offset, 16) else { return out_of_bounds(ex, ip) };
    write_le(m, ea, 16, ex.v(v));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn vload_ext(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VLoadExt { d, a, kind, offset });
    if kind == VLoadKind::Splat32 {
        // A matrix kernel's broadcast of one element: a 4-byte load and a
        // `pshufd`, with no call.
        let Some(b) = m.load::<4>(s.raw(a), offset) else { return out_of_bounds(ex, ip) };
        ex.vp().set(d, s::v128_load_splat::<4>(b));
        return next(ex, ip.next(), s, m, acc);
    }
    vload_ext_other(ex, ip, s, m, acc)
}

/// [`vload_ext`] for the kinds it leaves out: a tail call, so that the
/// splatting load saves no registers for the calls here (never inlined:
/// LLVM would inline it back, calls and all).
#[inline(never)]
#[handler]
fn vload_ext_other(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VLoadExt { d, a, kind, offset });
    let n = kind.bytes();
    let Some(ea) = effective(m, s.raw(a), offset, n) else { return out_of_bounds(ex, ip) };
    vload_ext_step(ex.vp(), d, kind, read_le(m, ea, n));
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vload_ext_step(vp: Vp, d: Slot, kind: VLoadKind, raw: u64) {
    vp.set(d, kind.build(raw));
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

#[handler]
pub(super) fn vload_lane(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VLoadLane { d, a, v, bytes, lane, offset });
    let n = u64::from(bytes);
    let Some(ea) = effective(m, s.raw(a), offset, n) else { return out_of_bounds(ex, ip) };
    let r = insert_lane(ex.v(v), lane, bytes, read_le(m, ea, n));
    ex.set_v(d, r);
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn vstore_lane(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VStoreLane { a, v, bytes, lane, offset });
    let n = u64::from(bytes);
    let Some(ea) = effective(m, s.raw(a), offset, n) else { return out_of_bounds(ex, ip) };
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

#[handler]
pub(super) fn vmem_ext(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    if !vmem_ext_step(ex, ip, s) {
        return out_of_bounds(ex, ip);
    }
    next(ex, ip.next(), s, m, acc)
}

// ---- lane operations: the shared handlers of the sub-op groups ----
//
// Each group's handler calls one out-of-line step with the v-slot indices;
// the step reads the operands, runs the sub-op (its `apply` is inlined, so
// every arm is the instruction's vector code) and writes the result.

#[inline(never)]
fn vun_step(vp: Vp, f: VUnOp, d: Slot, a: Slot) {
    f.apply_lazy(|| vp.get(a), |r| vp.set(d, r));
}

#[handler]
pub(super) fn vun(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VUn { d, a, f });
    let vp = ex.vp();
    #[cfg(target_arch = "x86_64")]
    if !sse2::unary(f, || vp.get(a), |r| vp.set(d, r)) {
        return vun_other(ex, ip, s, m, acc);
    }
    #[cfg(not(target_arch = "x86_64"))]
    vun_step(vp, f, d, a);
    next(ex, ip.next(), s, m, acc)
}

/// [`vun`] for the sub-ops [`sse2::unary`] leaves out: a tail call, so
/// that `vun` itself makes no call (never inlined: LLVM would inline it
/// back, call and all).
#[cfg(target_arch = "x86_64")]
#[inline(never)]
#[handler]
fn vun_other(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VUn { d, a, f });
    vun_step(ex.vp(), f, d, a);
    next(ex, ip.next(), s, m, acc)
}

/// Two unary sub-ops in a row ([`Op::VUn2`]), the first one's result
/// in `d` (where the first `VUn` left it before the fusion).
#[handler]
pub(super) fn vun2(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VUn2 { d, a, f, g });
    let vp = ex.vp();
    #[cfg(target_arch = "x86_64")]
    {
        if !sse2::unary(f, || vp.get(a), |r| vp.set(d, r)) {
            return vun2_other(ex, ip, s, m, acc);
        }
        if !sse2::unary(g, || vp.get(d), |r| vp.set(d, r)) {
            return vun2_second(ex, ip, s, m, acc);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        vun_step(vp, f, d, a);
        vun_step(vp, g, d, d);
    }
    next(ex, ip.next(), s, m, acc)
}

/// [`vun2`] when [`sse2::unary`] leaves out its first sub-op: both
/// through the out-of-line step (a tail call, as [`vun_other`]).
#[cfg(target_arch = "x86_64")]
#[inline(never)]
#[handler]
fn vun2_other(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VUn2 { d, a, f, g });
    let vp = ex.vp();
    vun_step(vp, f, d, a);
    vun_step(vp, g, d, d);
    next(ex, ip.next(), s, m, acc)
}

/// [`vun2`] when [`sse2::unary`] leaves out its second sub-op, the first
/// one's result already in `d`.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
#[handler]
fn vun2_second(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VUn2 { d, g, .. });
    vun_step(ex.vp(), g, d, d);
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vbin_step(vp: Vp, f: VBinOp, d: Slot, a: Slot, b: Slot) {
    #[cfg(target_arch = "x86_64")]
    if let VBinOp::I8x16Swizzle | VBinOp::I8x16RelaxedSwizzleNative = f
        && bytes::has_ssse3()
    {
        let r = if f == VBinOp::I8x16Swizzle {
            bytes::swizzle(vp.get(a), vp.get(b))
        } else {
            bytes::pshufb(vp.get(a), vp.get(b))
        };
        return vp.set(d, r);
    }
    f.apply_lazy(|| vp.get(a), || vp.get(b), |r| vp.set(d, r));
}

#[handler]
pub(super) fn vbin(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBin { d, a, b, f });
    let vp = ex.vp();
    #[cfg(target_arch = "x86_64")]
    if !sse2::binary(f, || vp.get(a), || vp.get(b), |r| vp.set(d, r)) {
        return vbin_other(ex, ip, s, m, acc);
    }
    #[cfg(not(target_arch = "x86_64"))]
    vbin_step(vp, f, d, a, b);
    next(ex, ip.next(), s, m, acc)
}

/// [`vbin`] for the sub-ops [`sse2::binary`] leaves out (as [`vun_other`]).
#[cfg(target_arch = "x86_64")]
#[inline(never)]
#[handler]
fn vbin_other(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBin { d, a, b, f });
    vbin_step(ex.vp(), f, d, a, b);
    next(ex, ip.next(), s, m, acc)
}

/// `f(v-slot a, b)` into v-slot `d` of `frame` (the v-slots from the
/// frame's first on): the fused pairs' step for the sub-ops
/// [`fused_inline`] leaves out. `b` crosses the call as a `u128` in two
/// registers (six arguments in all, so none goes through the stack): a
/// stack slot whose address escapes would keep LLVM from turning the
/// handler's final call into a jump.
#[inline(never)]
fn vbin_with_step(vp: Vp, f: VBinOp, [d, a]: [Slot; 2], b: u128) {
    f.apply_lazy(|| vp.get(a), || s::from_u128(b), |r| vp.set(d, r));
}

/// The fused pairs' common sub-ops, computed in the handler itself (the
/// matrix kernel's `f32x4.mul` of a loaded row, base64's range checks of
/// bytes against constants); written with `set`; `false` for the rest, which go
/// through [`vbin_with_step`]. Each arm reads its operands (`a()`, `b()`)
/// and writes its result itself: with the operands read before the
/// `match`, or one result written after it, LLVM carried the vectors
/// across the jump table as integer pairs and cut every arm into scalar
/// lanes (`vbin_const` was 700 instructions).
#[inline(always)]
fn fused_inline(f: VBinOp, a: impl Fn() -> V128, b: impl Fn() -> V128, set: impl Fn(V128)) -> bool {
    match f {
        VBinOp::F32x4Mul => set(s::f32x4_mul(a(), b())),
        VBinOp::F32x4Add => set(s::f32x4_add(a(), b())),
        VBinOp::F32x4Sub => set(s::f32x4_sub(a(), b())),
        VBinOp::F64x2Mul => set(s::f64x2_mul(a(), b())),
        VBinOp::F64x2Add => set(s::f64x2_add(a(), b())),
        VBinOp::I32x4Add => set(s::i32x4_add(a(), b())),
        VBinOp::I8x16Add => set(s::i8x16_add(a(), b())),
        VBinOp::I8x16Eq => set(s::i8x16_eq(a(), b())),
        VBinOp::I8x16Sub => set(s::i8x16_sub(a(), b())),
        VBinOp::I8x16LtU => set(s::i8x16_lt_u(a(), b())),
        VBinOp::I8x16MaxU => set(s::i8x16_max_u(a(), b())),
        VBinOp::V128And => set(s::v128_and(a(), b())),
        VBinOp::V128Or => set(s::v128_or(a(), b())),
        VBinOp::V128Xor => set(s::v128_xor(a(), b())),
        _ => return false,
    }
    true
}

// The fused handlers compute the common sub-ops inline and hand the rest
// to a second handler (a tail call, like `next`), so their own hot path
// makes no call and saves no registers.

#[handler]
pub(super) fn vbin_load(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBinLoad { d, a, addr, add, offset, f });
    let addr = u64::from((s.raw(addr) as u32).wrapping_add(u32::from(add)));
    if effective(m, addr, offset, 16).is_none() {
        return out_of_bounds(ex, ip);
    }
    let vp = ex.vp();
    // In bounds (just checked): the arms' loads cannot fail.
    let b = || m.load::<16>(addr, offset).unwrap_or_default();
    if !fused_inline(f, || vp.get(a), b, |r| vp.set(d, r)) {
        return vbin_load_other(ex, ip, s, m, acc);
    }
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn v_f32x4_mul_load(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VF32x4MulLoad { d, a, addr, add, offset });
    let addr = u64::from((s.raw(addr) as u32).wrapping_add(u32::from(add)));
    let Some(b) = m.load::<16>(addr, offset) else { return out_of_bounds(ex, ip) };
    let vp = ex.vp();
    vp.set(d, s::f32x4_mul(vp.get(a), b));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn v_f32x4_mul_add_load(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VF32x4MulAddLoad { d, a, c, addr, add, offset });
    let addr = u64::from((s.raw(addr) as u32).wrapping_add(u32::from(add)));
    let Some(b) = m.load::<16>(addr, offset) else { return out_of_bounds(ex, ip) };
    let vp = ex.vp();
    vp.set(d, s::f32x4_add(s::f32x4_mul(vp.get(a), b), vp.get(c)));
    next(ex, ip.next(), s, m, acc)
}

/// [`vbin_load`] for the sub-ops [`fused_inline`] leaves out (the load
/// already checked in bounds, so it cannot trap here); out of line, as
/// [`vbin_const_other`].
#[inline(never)]
#[handler]
fn vbin_load_other(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBinLoad { d, a, addr, add, offset, f });
    let addr = u64::from((s.raw(addr) as u32).wrapping_add(u32::from(add)));
    let Some(b) = m.load::<16>(addr, offset) else { return out_of_bounds(ex, ip) };
    vbin_with_step(ex.vp(), f, [d, a], u128::from_le_bytes(b));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn v_and_const(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VAndConst { d, a, k });
    let b = ex.v128_const(k);
    let vp = ex.vp();
    vp.set(d, s::v128_and(vp.get(a), b));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn vbin_const(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBinConst { d, a, k, f });
    let vp = ex.vp();
    let ex_ = &*ex;
    if !fused_inline(f, || vp.get(a), || ex_.v128_const(k), |r| vp.set(d, r)) {
        return vbin_const_other(ex, ip, s, m, acc);
    }
    next(ex, ip.next(), s, m, acc)
}

/// [`vbin_const`] for the sub-ops [`fused_inline`] leaves out: a tail
/// call, so that `vbin_const` saves no registers for the call to the step
/// (never inlined: LLVM would inline it back, call and all).
#[inline(never)]
#[handler]
fn vbin_const_other(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBinConst { d, a, k, f });
    let b = s::to_u128(ex.v128_const(k));
    vbin_with_step(ex.vp(), f, [d, a], b);
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vtern_step(vp: Vp, f: VTernOp, d: Slot, [a, b, c]: [Slot; 3]) {
    let (x, y, z) = (vp.get(a), vp.get(b), vp.get(c));
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
    vp.set(d, r);
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

/// Shifts, splats and the common lane operations without a handler of
/// their own, with x86-64's SSE2 instructions, the baseline (no
/// runtime check). Same results as [`weft_exec::simd`]'s functions (the
/// tests below compare them); from those LLVM made scalar code for some
/// (`i32x4.shr_u` shifted each lane in a general-purpose register and
/// rebuilt the vector 16 bits at a time, the splats shared one
/// `pinsrw` sequence), and x86 has no byte shifts to pick.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    use crate::op::simd::{VBinOp, VShiftOp, VSplatOp, VUnOp};
    use weft_exec::simd::V128;

    #[inline(always)]
    fn load(v: V128) -> __m128i {
        // SAFETY: both types are 16 bytes with no invalid values; x86-64
        // is little-endian, so lane `i` of the `__m128i` is lane `i` of the
        // `V128`.
        unsafe { std::mem::transmute::<V128, __m128i>(v) }
    }

    #[inline(always)]
    fn store(v: __m128i) -> V128 {
        // SAFETY: as in `load`.
        unsafe { std::mem::transmute::<__m128i, V128>(v) }
    }

    /// `f(a, count)` (the count taken modulo the lane width), or `None`
    /// for `i64x2.shr_s` (SSE2 has no 64-bit arithmetic shift).
    #[inline(always)]
    pub(super) fn shift(f: VShiftOp, a: V128, count: u32) -> Option<V128> {
        /// Per count 0..8, the bits of a byte a 16-bit shift by it
        /// leaves to the byte itself, left and right (a table: computed,
        /// the masks took a register for the count in `cl`).
        const SHL8: [u8; 8] = [0xff, 0xfe, 0xfc, 0xf8, 0xf0, 0xe0, 0xc0, 0x80];
        const SHR8: [u8; 8] = [0xff, 0x7f, 0x3f, 0x1f, 0x0f, 0x07, 0x03, 0x01];
        let x = load(a);
        let c8 = count & 7;
        // SAFETY: SSE2 is part of x86-64: every x86-64 CPU has it (the
        // intrinsics only need the target feature to be there).
        let r = unsafe {
            let by = |bits: u32| _mm_cvtsi32_si128((count & (bits - 1)) as i32);
            match f {
                // Bytes as 16-bit lanes, then the bits that crossed into the
                // neighbouring byte cleared.
                VShiftOp::I8x16Shl => _mm_and_si128(_mm_sll_epi16(x, by(8)), _mm_set1_epi8(SHL8[c8 as usize] as i8)),
                VShiftOp::I8x16ShrU => _mm_and_si128(_mm_srl_epi16(x, by(8)), _mm_set1_epi8(SHR8[c8 as usize] as i8)),
                // Each byte in the high half of a 16-bit lane, shifted 8
                // more, is its sign extension shifted; narrowing cannot
                // saturate.
                VShiftOp::I8x16ShrS => {
                    let n = _mm_cvtsi32_si128((c8 + 8) as i32);
                    _mm_packs_epi16(
                        _mm_sra_epi16(_mm_unpacklo_epi8(x, x), n),
                        _mm_sra_epi16(_mm_unpackhi_epi8(x, x), n),
                    )
                }
                VShiftOp::I16x8Shl => _mm_sll_epi16(x, by(16)),
                VShiftOp::I16x8ShrU => _mm_srl_epi16(x, by(16)),
                VShiftOp::I16x8ShrS => _mm_sra_epi16(x, by(16)),
                VShiftOp::I32x4Shl => _mm_sll_epi32(x, by(32)),
                VShiftOp::I32x4ShrU => _mm_srl_epi32(x, by(32)),
                VShiftOp::I32x4ShrS => _mm_sra_epi32(x, by(32)),
                VShiftOp::I64x2Shl => _mm_sll_epi64(x, by(64)),
                VShiftOp::I64x2ShrU => _mm_srl_epi64(x, by(64)),
                VShiftOp::I64x2ShrS => return None,
            }
        };
        Some(store(r))
    }

    /// `f(x)`: the low bits of slot bits `x` in every lane.
    #[inline(always)]
    pub(super) fn splat(f: VSplatOp, x: u64) -> V128 {
        // SAFETY: as in `shift`.
        store(unsafe {
            match f {
                VSplatOp::I8x16Splat => _mm_set1_epi8(x as i8),
                VSplatOp::I16x8Splat => _mm_set1_epi16(x as i16),
                VSplatOp::I32x4Splat | VSplatOp::F32x4Splat => _mm_set1_epi32(x as i32),
                VSplatOp::I64x2Splat | VSplatOp::F64x2Splat => _mm_set1_epi64x(x as i64),
            }
        })
    }

    /// `i8x16.popcnt`: the bit counts of pairs, then nibbles, then bytes
    /// (16-bit shifts, the bits that cross a byte masked off).
    #[inline(always)]
    fn popcnt(x: __m128i) -> __m128i {
        // SAFETY: as in `shift`.
        unsafe {
            let pairs = _mm_sub_epi8(x, _mm_and_si128(_mm_srli_epi16(x, 1), _mm_set1_epi8(0x55)));
            let m2 = _mm_set1_epi8(0x33);
            let nibbles = _mm_add_epi8(_mm_and_si128(pairs, m2), _mm_and_si128(_mm_srli_epi16(pairs, 2), m2));
            _mm_and_si128(_mm_add_epi8(nibbles, _mm_srli_epi16(nibbles, 4)), _mm_set1_epi8(0x0f))
        }
    }

    /// The common sub-ops of [`VUnOp`] (widening, pairwise sums, bit
    /// counts, conversion), computed here with the operand read by `a()`
    /// and the result handed to `set` inside each arm (as the fused
    /// handlers' `fused_inline`); `false` for the rest.
    #[inline(always)]
    pub(super) fn unary(f: VUnOp, a: impl Fn() -> V128, set: impl Fn(V128)) -> bool {
        let x = || load(a());
        // SAFETY: as in `shift`.
        unsafe {
            let zero = _mm_setzero_si128();
            let r = match f {
                VUnOp::V128Not => _mm_xor_si128(x(), _mm_set1_epi8(-1)),
                VUnOp::I8x16Popcnt => popcnt(x()),
                VUnOp::I16x8ExtendLowI8x16S => {
                    let x = x();
                    _mm_srai_epi16(_mm_unpacklo_epi8(x, x), 8)
                }
                VUnOp::I16x8ExtendHighI8x16S => {
                    let x = x();
                    _mm_srai_epi16(_mm_unpackhi_epi8(x, x), 8)
                }
                VUnOp::I16x8ExtendLowI8x16U => _mm_unpacklo_epi8(x(), zero),
                VUnOp::I16x8ExtendHighI8x16U => _mm_unpackhi_epi8(x(), zero),
                VUnOp::I32x4ExtendLowI16x8S => {
                    let x = x();
                    _mm_srai_epi32(_mm_unpacklo_epi16(x, x), 16)
                }
                VUnOp::I32x4ExtendHighI16x8S => {
                    let x = x();
                    _mm_srai_epi32(_mm_unpackhi_epi16(x, x), 16)
                }
                VUnOp::I32x4ExtendLowI16x8U => _mm_unpacklo_epi16(x(), zero),
                VUnOp::I32x4ExtendHighI16x8U => _mm_unpackhi_epi16(x(), zero),
                VUnOp::I16x8ExtaddPairwiseI8x16S => {
                    let x = x();
                    _mm_add_epi16(_mm_srai_epi16(_mm_slli_epi16(x, 8), 8), _mm_srai_epi16(x, 8))
                }
                VUnOp::I16x8ExtaddPairwiseI8x16U => {
                    let x = x();
                    _mm_add_epi16(_mm_and_si128(x, _mm_set1_epi16(0xff)), _mm_srli_epi16(x, 8))
                }
                VUnOp::I32x4ExtaddPairwiseI16x8S => _mm_madd_epi16(x(), _mm_set1_epi16(1)),
                VUnOp::I32x4ExtaddPairwiseI16x8U => {
                    let x = x();
                    _mm_add_epi32(_mm_and_si128(x, _mm_set1_epi32(0xffff)), _mm_srli_epi32(x, 16))
                }
                // `cvtdq2ps` rounds to nearest, even on ties (the MXCSR
                // default, which nothing in the process changes), as `as f32`.
                VUnOp::F32x4ConvertI32x4S => _mm_castps_si128(_mm_cvtepi32_ps(x())),
                _ => return false,
            };
            set(store(r));
        }
        true
    }

    /// The common sub-ops of [`VBinOp`] without a handler of their own
    /// (SSE2 has each as one instruction), as [`unary`].
    #[inline(always)]
    pub(super) fn binary(f: VBinOp, a: impl Fn() -> V128, b: impl Fn() -> V128, set: impl Fn(V128)) -> bool {
        let (x, y) = (|| load(a()), || load(b()));
        // SAFETY: as in `shift`.
        let r = unsafe {
            match f {
                VBinOp::I8x16Sub => _mm_sub_epi8(x(), y()),
                VBinOp::I16x8Sub => _mm_sub_epi16(x(), y()),
                VBinOp::I16x8Mul => _mm_mullo_epi16(x(), y()),
                VBinOp::I8x16AddSatS => _mm_adds_epi8(x(), y()),
                VBinOp::I8x16AddSatU => _mm_adds_epu8(x(), y()),
                VBinOp::I8x16SubSatS => _mm_subs_epi8(x(), y()),
                VBinOp::I8x16SubSatU => _mm_subs_epu8(x(), y()),
                VBinOp::I16x8AddSatS => _mm_adds_epi16(x(), y()),
                VBinOp::I16x8AddSatU => _mm_adds_epu16(x(), y()),
                VBinOp::I16x8SubSatS => _mm_subs_epi16(x(), y()),
                VBinOp::I16x8SubSatU => _mm_subs_epu16(x(), y()),
                VBinOp::I8x16AvgrU => _mm_avg_epu8(x(), y()),
                VBinOp::I16x8AvgrU => _mm_avg_epu16(x(), y()),
                VBinOp::I8x16MinU => _mm_min_epu8(x(), y()),
                VBinOp::I8x16MaxU => _mm_max_epu8(x(), y()),
                VBinOp::I16x8MinS => _mm_min_epi16(x(), y()),
                VBinOp::I16x8MaxS => _mm_max_epi16(x(), y()),
                VBinOp::I16x8Eq => _mm_cmpeq_epi16(x(), y()),
                VBinOp::I8x16GtS => _mm_cmpgt_epi8(x(), y()),
                VBinOp::I8x16LtS => _mm_cmplt_epi8(x(), y()),
                VBinOp::I16x8GtS => _mm_cmpgt_epi16(x(), y()),
                VBinOp::I16x8LtS => _mm_cmplt_epi16(x(), y()),
                // `pmaddwd`: the two products of each pair summed, which
                // wraps exactly as the instruction (only -32768² · 2 does).
                VBinOp::I32x4DotI16x8S => _mm_madd_epi16(x(), y()),
                VBinOp::I8x16NarrowI16x8S => _mm_packs_epi16(x(), y()),
                VBinOp::I8x16NarrowI16x8U => _mm_packus_epi16(x(), y()),
                VBinOp::I16x8NarrowI32x4S => _mm_packs_epi32(x(), y()),
                _ => return false,
            }
        };
        set(store(r));
        true
    }

    #[cfg(test)]
    mod tests {
        use crate::op::simd::{VBinOp, VShiftOp, VSplatOp, VUnOp};

        /// Every unary sub-op [`super::unary`] might compute.
        const UNARY: [VUnOp; 16] = [
            VUnOp::V128Not,
            VUnOp::I8x16Popcnt,
            VUnOp::I16x8ExtendLowI8x16S,
            VUnOp::I16x8ExtendHighI8x16S,
            VUnOp::I16x8ExtendLowI8x16U,
            VUnOp::I16x8ExtendHighI8x16U,
            VUnOp::I32x4ExtendLowI16x8S,
            VUnOp::I32x4ExtendHighI16x8S,
            VUnOp::I32x4ExtendLowI16x8U,
            VUnOp::I32x4ExtendHighI16x8U,
            VUnOp::I16x8ExtaddPairwiseI8x16S,
            VUnOp::I16x8ExtaddPairwiseI8x16U,
            VUnOp::I32x4ExtaddPairwiseI16x8S,
            VUnOp::I32x4ExtaddPairwiseI16x8U,
            VUnOp::F32x4ConvertI32x4S,
            VUnOp::I8x16Neg,
        ];

        /// Every binary sub-op [`super::binary`] might compute.
        const BINARY: [VBinOp; 27] = [
            VBinOp::I8x16Sub,
            VBinOp::I16x8Sub,
            VBinOp::I16x8Mul,
            VBinOp::I8x16AddSatS,
            VBinOp::I8x16AddSatU,
            VBinOp::I8x16SubSatS,
            VBinOp::I8x16SubSatU,
            VBinOp::I16x8AddSatS,
            VBinOp::I16x8AddSatU,
            VBinOp::I16x8SubSatS,
            VBinOp::I16x8SubSatU,
            VBinOp::I8x16AvgrU,
            VBinOp::I16x8AvgrU,
            VBinOp::I8x16MinU,
            VBinOp::I8x16MaxU,
            VBinOp::I16x8MinS,
            VBinOp::I16x8MaxS,
            VBinOp::I16x8Eq,
            VBinOp::I8x16GtS,
            VBinOp::I8x16LtS,
            VBinOp::I16x8GtS,
            VBinOp::I16x8LtS,
            VBinOp::I32x4DotI16x8S,
            VBinOp::I8x16NarrowI16x8S,
            VBinOp::I8x16NarrowI16x8U,
            VBinOp::I16x8NarrowI32x4S,
            VBinOp::I8x16Add,
        ];

        const SHIFTS: [VShiftOp; 12] = [
            VShiftOp::I8x16Shl,
            VShiftOp::I8x16ShrS,
            VShiftOp::I8x16ShrU,
            VShiftOp::I16x8Shl,
            VShiftOp::I16x8ShrS,
            VShiftOp::I16x8ShrU,
            VShiftOp::I32x4Shl,
            VShiftOp::I32x4ShrS,
            VShiftOp::I32x4ShrU,
            VShiftOp::I64x2Shl,
            VShiftOp::I64x2ShrS,
            VShiftOp::I64x2ShrU,
        ];

        #[test]
        fn sse2_lane_operations_match_the_portable_ones() {
            let mut x = 0x9e37_79b9_7f4a_7c15_u64;
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            for _ in 0..512 {
                let v = weft_exec::simd::from_u128(u128::from(next()) << 64 | u128::from(next()));
                for count in (0..70).chain([127, 128, 255, 256 + 3, u32::MAX]) {
                    for f in SHIFTS {
                        let want = f.apply(v, count);
                        match super::shift(f, v, count) {
                            Some(got) => assert_eq!(got, want, "{f:?} by {count} of {v:?}"),
                            None => assert_eq!(f, VShiftOp::I64x2ShrS),
                        }
                    }
                }
                let w = weft_exec::simd::from_u128(u128::from(next()) << 64 | u128::from(next()));
                // Edge lanes too: the extremes of every lane width.
                let edges = weft_exec::simd::from_u128(0x8000_0000_7fff_ffff_8000_7fff_80ff_7f00);
                for (a, b) in [(v, w), (edges, v), (edges, edges)] {
                    for f in UNARY {
                        let got = std::cell::Cell::new(None);
                        if super::unary(f, || a, |r| got.set(Some(r))) {
                            assert_eq!(got.get(), Some(f.apply(a)), "{f:?} of {a:?}");
                        }
                    }
                    for f in BINARY {
                        let got = std::cell::Cell::new(None);
                        if super::binary(f, || a, || b, |r| got.set(Some(r))) {
                            assert_eq!(got.get(), Some(f.apply(a, b)), "{f:?} of {a:?}, {b:?}");
                        }
                    }
                }
                let bits = next();
                for f in [
                    VSplatOp::I8x16Splat,
                    VSplatOp::I16x8Splat,
                    VSplatOp::I32x4Splat,
                    VSplatOp::I64x2Splat,
                    VSplatOp::F32x4Splat,
                    VSplatOp::F64x2Splat,
                ] {
                    assert_eq!(super::splat(f, bits), f.apply(bits), "{f:?} of {bits:#x}");
                }
            }
        }
    }
}

/// The byte permutations with x86-64's SSSE3 `pshufb`, when the CPU has
/// it (runtime-detected; SSE2, the baseline, has no byte shuffle with
/// indices in a register, and the portable lane functions pick the 16
/// bytes one at a time). Same results as [`weft_exec::simd`]'s functions
/// (the tests below compare them).
#[cfg(target_arch = "x86_64")]
mod bytes {
    use std::arch::x86_64::{
        __m128i, _mm_adds_epu8, _mm_and_si128, _mm_loadu_si128, _mm_or_si128, _mm_set1_epi8, _mm_shuffle_epi8,
        _mm_storeu_si128, _mm_sub_epi8,
    };

    use weft_exec::simd::V128;

    /// Whether the CPU has SSSE3 (`std` caches the answer).
    #[inline(always)]
    pub(super) fn has_ssse3() -> bool {
        std::arch::is_x86_feature_detected!("ssse3")
    }

    /// `i8x16.swizzle`.
    pub(super) fn swizzle(a: V128, s: V128) -> V128 {
        debug_assert!(has_ssse3());
        // SAFETY: the callers checked `has_ssse3()`.
        unsafe { swizzle_ssse3(a, s) }
    }

    /// `pshufb` itself: byte `i` is 0 if bit 7 of `s[i]` is set, else byte
    /// `s[i] & 15` of `a` (`i8x16.relaxed_swizzle`'s native choice,
    /// `weft_exec::simd::native::i8x16_relaxed_swizzle`).
    pub(super) fn pshufb(a: V128, s: V128) -> V128 {
        debug_assert!(has_ssse3());
        // SAFETY: the callers checked `has_ssse3()`.
        unsafe { pshufb_ssse3(a, s) }
    }

    /// `i8x16.shuffle` of `a` and `b` by the lane indices `lanes`.
    #[cfg(test)]
    pub(super) fn shuffle(a: V128, b: V128, lanes: [u8; 16]) -> V128 {
        debug_assert!(has_ssse3());
        // SAFETY: the callers checked `has_ssse3()`.
        unsafe { shuffle_ssse3(a, b, lanes) }
    }

    /// `i8x16.shuffle` of v-slots `a` and `b` into `d` by the lane
    /// indices `lanes`, every vector read and written in place.
    pub(super) fn shuffle_at(vp: super::Vp, [d, a, b]: [super::Slot; 3], lanes: &V128) {
        debug_assert!(has_ssse3());
        // SAFETY: the callers checked `has_ssse3()`.
        unsafe { shuffle_at_ssse3(vp, [d, a, b], lanes) }
    }

    #[target_feature(enable = "ssse3")]
    fn shuffle_at_ssse3(vp: super::Vp, [d, a, b]: [super::Slot; 3], lanes: &V128) {
        vp.set(d, shuffle_ssse3(vp.get(a), vp.get(b), *lanes));
    }

    #[inline(always)]
    fn load(v: &V128) -> __m128i {
        // SAFETY: `v` is 16 readable bytes; the load is unaligned.
        unsafe { _mm_loadu_si128(v.as_ptr().cast()) }
    }

    #[inline(always)]
    fn store(v: __m128i) -> V128 {
        let mut out = [0u8; 16];
        // SAFETY: `out` is 16 writable bytes; the store is unaligned.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), v) };
        out
    }

    /// Indices below 16 to themselves with bit 7 clear, the rest to
    /// values with bit 7 set (which `pshufb` turns into 0): a saturating
    /// add of 0x70 (0..15 become 0x70..0x7f, whose low four bits are the
    /// index; 16 and up become 0x80 or more).
    #[target_feature(enable = "ssse3")]
    fn in_range(idx: __m128i) -> __m128i {
        _mm_adds_epu8(idx, _mm_set1_epi8(0x70))
    }

    #[target_feature(enable = "ssse3")]
    fn swizzle_ssse3(a: V128, s: V128) -> V128 {
        store(_mm_shuffle_epi8(load(&a), in_range(load(&s))))
    }

    #[target_feature(enable = "ssse3")]
    fn pshufb_ssse3(a: V128, s: V128) -> V128 {
        store(_mm_shuffle_epi8(load(&a), load(&s)))
    }

    /// Each result byte from `a` (index `i` below 16) or `b` (index `i`
    /// in 16..32, byte `i - 16`): two swizzles, or-ed. The indices are
    /// reduced modulo 32 first, as the portable function does.
    #[target_feature(enable = "ssse3")]
    #[inline]
    fn shuffle_ssse3(a: V128, b: V128, lanes: [u8; 16]) -> V128 {
        let idx = _mm_and_si128(load(&lanes), _mm_set1_epi8(31));
        let from_a = _mm_shuffle_epi8(load(&a), in_range(idx));
        let from_b = _mm_shuffle_epi8(load(&b), in_range(_mm_sub_epi8(idx, _mm_set1_epi8(16))));
        store(_mm_or_si128(from_a, from_b))
    }

    #[cfg(test)]
    mod tests {
        use weft_exec::simd as s;

        /// Bytes that hit every index class: in range, 16..32, 32..128
        /// and with bit 7 set, from a small generator.
        fn vectors() -> impl Iterator<Item = [u8; 16]> {
            let mut x = 0x9e37_79b9_u32;
            (0..4096).map(move |_| {
                std::array::from_fn(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
            })
        }

        #[test]
        fn pshufb_permutations_match_the_portable_ones() {
            if !super::has_ssse3() {
                return;
            }
            let a: [u8; 16] = std::array::from_fn(|i| 100 + i as u8);
            let b: [u8; 16] = std::array::from_fn(|i| 200 + i as u8);
            for (n, v) in vectors().enumerate() {
                // Small indices too, so that most bytes select.
                let idx = if n % 2 == 0 { v.map(|x| x % 40) } else { v };
                assert_eq!(super::swizzle(a, idx), s::i8x16_swizzle(a, idx), "{idx:?}");
                assert_eq!(super::pshufb(a, idx), s::native::i8x16_relaxed_swizzle(a, idx), "{idx:?}");
                assert_eq!(super::shuffle(a, b, idx), s::i8x16_shuffle(a, b, idx), "{idx:?}");
            }
        }
    }
}

#[handler]
pub(super) fn vtern(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VTern { d, a, b, c, f });
    vtern_step(ex.vp(), f, d, [a, b, c]);
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vtest_step(vp: Vp, a: Slot, f: VTestOp) -> i32 {
    let mut out = 0;
    f.apply_lazy(|| vp.get(a), |r| out = r);
    out
}

#[handler]
pub(super) fn vtest(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VTest { d, a, f });
    s.set::<i32>(d, vtest_step(ex.vp(), a, f));
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vshift_step(vp: Vp, f: VShiftOp, d: Slot, a: Slot, count: u32) {
    #[cfg(target_arch = "x86_64")]
    if let Some(r) = sse2::shift(f, vp.get(a), count) {
        return vp.set(d, r);
    }
    f.apply_lazy(|| vp.get(a), || count, |r| vp.set(d, r));
}

#[handler]
pub(super) fn vshift(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VShift { d, a, b, f });
    vshift_step(ex.vp(), f, d, a, s.get::<i32>(b) as u32);
    next(ex, ip.next(), s, m, acc)
}

/// A shift by a constant, computed here (x86-64: every shift but
/// `i64x2.shr_s` with SSE2, see [`sse2::shift`]; elsewhere the 32- and
/// 16-bit lane shifts); the rest go through the group's out-of-line step.
#[handler]
pub(super) fn vshift_imm(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VShiftImm { d, a, count, f });
    let vp = ex.vp();
    let count = u32::from(count);
    #[cfg(target_arch = "x86_64")]
    let r = match sse2::shift(f, vp.get(a), count) {
        Some(r) => r,
        None => return vshift_imm_other(ex, ip, s, m, acc),
    };
    #[cfg(not(target_arch = "x86_64"))]
    let r = match f {
        VShiftOp::I32x4Shl => s::i32x4_shl(vp.get(a), count),
        VShiftOp::I32x4ShrU => s::i32x4_shr_u(vp.get(a), count),
        VShiftOp::I32x4ShrS => s::i32x4_shr_s(vp.get(a), count),
        VShiftOp::I16x8Shl => s::i16x8_shl(vp.get(a), count),
        VShiftOp::I16x8ShrU => s::i16x8_shr_u(vp.get(a), count),
        VShiftOp::I16x8ShrS => s::i16x8_shr_s(vp.get(a), count),
        _ => return vshift_imm_other(ex, ip, s, m, acc),
    };
    vp.set(d, r);
    next(ex, ip.next(), s, m, acc)
}

/// [`vshift_imm`] for the shifts it leaves out: a tail call, so that the
/// inline ones save no registers for a call (never inlined: LLVM would
/// inline it back, call and all).
#[inline(never)]
#[handler]
fn vshift_imm_other(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VShiftImm { d, a, count, f });
    vshift_step(ex.vp(), f, d, a, u32::from(count));
    next(ex, ip.next(), s, m, acc)
}

/// A shift by a constant and a constant mask ([`Op::VShiftAndConst`]).
#[handler]
pub(super) fn vshift_and_const(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VShiftAndConst { d, a, count, f, k });
    let vp = ex.vp();
    #[cfg(target_arch = "x86_64")]
    let Some(shifted) = sse2::shift(f, vp.get(a), u32::from(count)) else {
        return vshift_and_const_other(ex, ip, s, m, acc);
    };
    #[cfg(not(target_arch = "x86_64"))]
    let shifted = f.apply(vp.get(a), u32::from(count));
    vp.set(d, s::v128_and(shifted, ex.v128_const(k)));
    next(ex, ip.next(), s, m, acc)
}

/// [`vshift_and_const`] for the shifts [`sse2::shift`] leaves out (the
/// translator fuses none of them; kept for the op's meaning).
#[cfg(target_arch = "x86_64")]
#[inline(never)]
#[handler]
fn vshift_and_const_other(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VShiftAndConst { d, a, count, f, k });
    let vp = ex.vp();
    vp.set(d, s::v128_and(f.apply(vp.get(a), u32::from(count)), ex.v128_const(k)));
    next(ex, ip.next(), s, m, acc)
}

/// `c - i8x16.eq(a, b)` ([`Op::VI8x16CountEq`]).
#[handler]
pub(super) fn v_i8x16_count_eq(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VI8x16CountEq { d, c, a, b });
    let vp = ex.vp();
    vp.set(d, s::i8x16_sub(vp.get(c), s::i8x16_eq(vp.get(a), vp.get(b))));
    next(ex, ip.next(), s, m, acc)
}

/// `c - i8x16.eq(a, constant k)` ([`Op::VI8x16CountEqConst`]).
#[handler]
pub(super) fn v_i8x16_count_eq_const(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VI8x16CountEqConst { d, c, a, k });
    let b = ex.v128_const(k);
    let vp = ex.vp();
    vp.set(d, s::i8x16_sub(vp.get(c), s::i8x16_eq(vp.get(a), b)));
    next(ex, ip.next(), s, m, acc)
}

// Splats and lane extracts are small groups (six and eight sub-ops of a
// few instructions each): computed in their handlers, with no call.

#[handler]
pub(super) fn vsplat(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VSplat { d, a, f });
    #[cfg(target_arch = "x86_64")]
    ex.vp().set(d, sse2::splat(f, s.raw(a)));
    #[cfg(not(target_arch = "x86_64"))]
    ex.vp().set(d, f.apply_inline(s.raw(a)));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn vextract(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VExtract { d, a, lane, f });
    s.set_raw(d, f.apply_inline(ex.vp().get(a), lane));
    next(ex, ip.next(), s, m, acc)
}

#[inline(never)]
fn vreplace_step(vp: Vp, f: VReplaceOp, [d, a]: [Slot; 2], lane: u8, x: u64) {
    vp.set(d, f.apply(vp.get(a), lane, x));
}

#[handler]
pub(super) fn vreplace(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VReplace { d, a, b, lane, f });
    vreplace_step(ex.vp(), f, [d, a], lane, s.raw(b));
    next(ex, ip.next(), s, m, acc)
}

/// `i8x16.shuffle` of v-slots `a` and `b` into `d`, the lane indices the
/// bytes of `sel`.
#[inline(never)]
fn vshuffle_step(vp: Vp, [d, a, b]: [Slot; 3], sel: u128) {
    vp.set(d, s::i8x16_shuffle(vp.get(a), vp.get(b), sel.to_le_bytes()));
}

#[handler]
pub(super) fn vshuffle(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VShuffle { d, a, b, k });
    #[cfg(target_arch = "x86_64")]
    if bytes::has_ssse3() {
        // The lane indices read in place: passed as a value, they were
        // stored as two halves and loaded as one vector (a stalled
        // store-to-load forward, a fifth of `simd_base64`'s time).
        let vp = ex.vp();
        bytes::shuffle_at(vp, [d, a, b], ex.v128_const_ref(k));
        return next(ex, ip.next(), s, m, acc);
    }
    let sel = s::to_u128(ex.v128_const(k));
    vshuffle_step(ex.vp(), [d, a, b], sel);
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn vbitselect(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, VBitselect { d, a, b, c });
    let vp = ex.vp();
    vp.set(d, s::v128_bitselect(vp.get(a), vp.get(b), vp.get(c)));
    next(ex, ip.next(), s, m, acc)
}

// ---- the common lane arithmetic, a handler each ----

/// Expands to binary vector handlers: `name Variant semantics`.
macro_rules! fast_binary {
    ($($name:ident $variant:ident $f:path;)*) => {$(
        #[handler]
        pub(super) fn $name(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
            operands!(ip, $variant { d, a, b });
            let vp = ex.vp();
            vp.set(d, $f(vp.get(a), vp.get(b)));
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
