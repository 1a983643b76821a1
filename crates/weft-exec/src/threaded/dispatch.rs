//! Dispatch: a `match` loop over [`Op`].
//!
//! The trade-off: a `match` over a flat enum compiles to one indirect jump
//! through a table per op, and is obviously correct — the native stack
//! cannot grow per instruction, whatever the optimizer does. Handler chains
//! with sibling calls (wasmi 2, wasm3) save the loop's shared jump and
//! keep hot state in argument registers, but on stable Rust they depend on
//! LLVM turning every tail call into a jump. This is the first backend;
//! a tail-call backend would be a sibling file with the same `run`.
//!
//! Calls between wasm functions push a [`Frame`] and continue the loop;
//! calls to host functions and to functions that fall back to the
//! reference engine run on the native stack, as calls out of the engine.

use std::sync::Arc;

use weft_decode::{HeapType, ValType};

use super::Code;
use super::op::{Op, Raw, Slot, for_each_numeric_op};
use crate::func::{Caller, Func};
use crate::instance::InstanceData;
use crate::numeric as n;
use crate::reference::ops;
use crate::store::{FuncEntity, Store};
use crate::trap::{FrameInfo, Trap, TrapKind};
use crate::value::{ExternRef, Val};

/// A suspended wasm frame of the threaded engine (a caller waiting for
/// its callee; the running frame lives in `run`'s locals).
pub(crate) struct Frame {
    code: Arc<Code>,
    /// The frame's instance, if it is not its callee's (calls within an
    /// instance, the common case, touch no reference count for it).
    instance: Option<Arc<InstanceData>>,
    /// Where the frame resumes.
    pc: usize,
    /// The frame's first slot.
    fp: usize,
}

// ---- values in slots ----

/// A value's slot bits.
pub(crate) fn to_raw(v: Val) -> u64 {
    match v {
        Val::I32(x) => x.to_raw(),
        Val::I64(x) => x.to_raw(),
        Val::F32(b) => u64::from(b),
        Val::F64(b) => b,
        Val::V128(b) => b as u64,
        Val::FuncRef(f) => f.map_or(0, |f| u64::from(f.index()) + 1),
        Val::ExternRef(e) => e.map_or(0, |e| e.0.wrapping_add(1)),
        // Other references never reach slots: `translate::module_supported`
        // keeps modules that use them on the reference engine.
        #[allow(unreachable_patterns)]
        _ => 0,
    }
}

/// The reference of heap type `heap` whose slot bits are `raw`.
fn ref_val<T>(store: &Store<T>, raw: u64, heap: HeapType) -> Val {
    match heap {
        HeapType::Extern | HeapType::NoExtern => Val::ExternRef((raw != 0).then(|| ExternRef(raw - 1))),
        _ => Val::FuncRef((raw != 0).then(|| Func(store.stored((raw - 1) as usize)))),
    }
}

/// The value of type `ty` whose slot bits are `raw`.
fn to_val<T>(store: &Store<T>, raw: u64, ty: ValType) -> Val {
    match ty {
        ValType::I32 => Val::I32(i32::from_raw(raw)),
        ValType::I64 => Val::I64(raw as i64),
        ValType::F32 => Val::F32(raw as u32),
        ValType::F64 => Val::F64(raw),
        ValType::V128 => Val::V128(u128::from(raw)),
        ValType::Ref(r) => ref_val(store, raw, r.heap),
    }
}

/// How many slots a frame can address: every [`Slot`] (a `u16`) is an
/// in-bounds index of a window this large, so slot accesses need no bounds
/// checks. The slot vector always extends a full window past the current
/// frame's first slot (`invoke` and `Executor::call` keep it so).
const WINDOW: usize = 1 << 16;

/// The current frame's window of slots.
#[inline(always)]
fn window(slots: &mut [u64], fp: usize) -> &mut [u64; WINDOW] {
    match (&mut slots[fp..fp + WINDOW]).try_into() {
        Ok(w) => w,
        Err(_) => unreachable!("a slice of WINDOW slots"),
    }
}

#[inline(always)]
fn get<V: Raw>(s: &[u64; WINDOW], x: Slot) -> V {
    V::from_raw(s[usize::from(x)])
}

#[inline(always)]
fn set<V: Raw>(s: &mut [u64; WINDOW], x: Slot, v: V) {
    s[usize::from(x)] = v.to_raw();
}

/// Expands to the dispatch `match` over `$op`: the hand-written arms given
/// in braces, then one line per numeric op of the op table, reading and
/// writing the window `$s`, setting `$pc` for fused branches, and trapping
/// through the macro `$trap`.
macro_rules! dispatch {
    (
        ($op:ident, $s:ident, $pc:ident, $trap:ident) { $($arms:tt)* }
        bin_imm: [$($bi:ident $bii:ident : $bit:ty => $bir:ty = $bif:expr),* $(,)?]
        bin_imm_trap: [$($bt:ident $bti:ident : $btt:ty => $btr:ty = $btf:expr),* $(,)?]
        bin: [$($b:ident : $bty:ty => $br:ty = $bf:expr),* $(,)?]
        cmp_imm: [$($c:ident $ci:ident $cj:ident $cji:ident ! $cn:ident $cni:ident : $ct:ty = $cf:expr),* $(,)?]
        cmp: [$($f:ident : $ft:ty = $ff:expr),* $(,)?]
        un: [$($u:ident : $ut:ty => $ur:ty = $uf:expr),* $(,)?]
        un_trap: [$($ut_:ident : $utt:ty => $utr:ty = $utf:expr),* $(,)?]
    ) => {
        match $op {
            $($arms)*
            $(
                Op::$bi { d, a, b } => set::<$bir>($s, d, ($bif)(get::<$bit>($s, a), get::<$bit>($s, b))),
                Op::$bii { d, a, imm } => set::<$bir>($s, d, ($bif)(get::<$bit>($s, a), imm)),
            )*
            $(
                Op::$bt { d, a, b } => match ($btf)(get::<$btt>($s, a), get::<$btt>($s, b)) {
                    Ok(v) => set::<$btr>($s, d, v),
                    Err(k) => $trap!(k),
                },
                Op::$bti { d, a, imm } => match ($btf)(get::<$btt>($s, a), imm) {
                    Ok(v) => set::<$btr>($s, d, v),
                    Err(k) => $trap!(k),
                },
            )*
            $( Op::$b { d, a, b } => set::<$br>($s, d, ($bf)(get::<$bty>($s, a), get::<$bty>($s, b))), )*
            $(
                Op::$c { d, a, b } => set($s, d, i32::from(($cf)(get::<$ct>($s, a), get::<$ct>($s, b)))),
                Op::$ci { d, a, imm } => set($s, d, i32::from(($cf)(get::<$ct>($s, a), imm))),
                Op::$cj { a, b, t } => if ($cf)(get::<$ct>($s, a), get::<$ct>($s, b)) { $pc = t as usize },
                Op::$cji { a, imm, t } => if ($cf)(get::<$ct>($s, a), imm) { $pc = t as usize },
            )*
            $( Op::$f { d, a, b } => set($s, d, i32::from(($ff)(get::<$ft>($s, a), get::<$ft>($s, b)))), )*
            $( Op::$u { d, a } => set::<$ur>($s, d, ($uf)(get::<$ut>($s, a))), )*
            $( Op::$ut_ { d, a } => match ($utf)(get::<$utt>($s, a)) {
                Ok(v) => set::<$utr>($s, d, v),
                Err(k) => $trap!(k),
            }, )*
        }
    };
}

/// What a call did.
enum Called {
    /// The callee is threaded code of this instance; its frame is ready.
    Wasm(Arc<Code>, Arc<InstanceData>),
    /// The callee ran to completion (host or reference engine).
    Done,
}

/// Runs threaded function `code` (store address `func`) of `instance`.
pub(super) fn invoke<T>(
    store: &mut Store<T>,
    func: u32,
    code: Arc<Code>,
    instance: Arc<InstanceData>,
    args: &[Val],
    results: &mut [Val],
) -> Result<(), Trap> {
    let config = store.inner.engine.config();
    if store.inner.activations >= config.max_reentry_depth
        || store.inner.call_depth >= config.max_call_depth
        || code.frame_size as usize > config.max_value_stack
    {
        return Err(Trap::new(TrapKind::CallStackExhausted));
    }
    let result_types: Vec<ValType> = store.inner.funcs[func as usize].ty().results().to_vec();
    let mut slots = vec![0u64; WINDOW.max(results.len())];
    for (slot, arg) in slots.iter_mut().zip(args) {
        *slot = to_raw(*arg);
    }
    store.inner.activations += 1;
    let depth = store.inner.call_depth;
    store.inner.call_depth += 1;
    let r = run(store, code, instance, &mut slots);
    store.inner.call_depth = depth;
    store.inner.activations -= 1;
    r?;
    for (i, (r, ty)) in results.iter_mut().zip(result_types).enumerate() {
        *r = to_val(store, slots[i], ty);
    }
    Ok(())
}

/// The wasm frames, innermost first: the running one (`code`, `inst`,
/// `pc`), then the suspended ones.
fn backtrace(frames: &[Frame], code: &Code, inst: &Arc<InstanceData>, pc: usize) -> Vec<FrameInfo> {
    let info = |code: &Code, inst: &InstanceData, pc: usize| {
        let d = &inst.module.decoded;
        FrameInfo {
            func_index: code.func_index,
            func_name: d.names.function(code.func_index).map(str::to_string),
            module_name: d.names.module.clone(),
            offset: code.offsets.get(pc).map(|o| *o as usize),
        }
    };
    let mut out = vec![info(code, inst, pc)];
    let mut callee = inst;
    for f in frames.iter().rev() {
        let inst = f.instance.as_ref().unwrap_or(callee);
        out.push(info(&f.code, inst, f.pc));
        callee = inst;
    }
    out
}

/// Makes room for a frame of `code` at absolute slot `base` and counts it
/// against the call-depth and value-stack limits.
fn enter_frame<T>(store: &mut Store<T>, slots: &mut Vec<u64>, code: &Code, base: usize) -> Result<(), Trap> {
    let config = store.inner.engine.config();
    // Every frame's slots count against `max_value_stack`, its operand
    // stack's reserved slots included.
    let max_values = config.max_value_stack;
    if store.inner.call_depth >= config.max_call_depth || base + code.frame_size as usize > max_values {
        return Err(Trap::new(TrapKind::CallStackExhausted));
    }
    reserve_slots(slots, base + WINDOW, max_values);
    slots[base + code.params as usize..base + code.locals as usize].fill(0);
    store.inner.call_depth += 1;
    Ok(())
}

/// Grows `slots` to at least `len`, doubling (within `max` plus a window)
/// so deep recursion does not reallocate per call.
fn reserve_slots(slots: &mut Vec<u64>, len: usize, max: usize) {
    if slots.len() < len {
        let doubled = (slots.len() * 2).min(max.saturating_add(WINDOW));
        slots.resize(len.max(doubled), 0);
    }
}

/// Calls store function `addr` whose arguments are at absolute slot
/// `base`, for a caller in instance `caller`: a threaded wasm callee gets
/// its frame's slots (the loop switches to it); a host function or a
/// function on the reference engine runs now.
fn call<T>(
    store: &mut Store<T>,
    slots: &mut Vec<u64>,
    addr: u32,
    base: usize,
    caller: &Arc<InstanceData>,
) -> Result<Called, Trap> {
    let config = store.inner.engine.config();
    let max_values = config.max_value_stack;
    if store.inner.call_depth >= config.max_call_depth {
        return Err(Trap::new(TrapKind::CallStackExhausted));
    }
    let entity = store.inner.funcs.get(addr as usize).ok_or_else(|| Trap::host("invalid function address"))?;
    let threaded = match entity {
        FuncEntity::Wasm { module, defined, instance, .. } => {
            module.threaded(*defined).filter(|code| code.runs_under(config)).map(|code| (code, instance.clone()))
        }
        FuncEntity::Host { .. } => None,
    };
    if let Some((code, instance)) = threaded {
        enter_frame(store, slots, &code, base)?;
        return Ok(Called::Wasm(code, instance));
    }
    // A host function, or a wasm function on the reference engine.
    let ty = entity.ty().clone();
    let host = match entity {
        FuncEntity::Host { func, .. } => Some(func.clone()),
        FuncEntity::Wasm { .. } => None,
    };
    reserve_slots(slots, base + ty.params().len().max(ty.results().len()), max_values);
    let args: Vec<Val> = ty.params().iter().enumerate().map(|(i, t)| to_val(store, slots[base + i], *t)).collect();
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    match host {
        Some(func) => {
            store.inner.call_depth += 1;
            let r = func(Caller { store: &mut *store, instance: Some(caller.clone()) }, &args, &mut results);
            store.inner.call_depth -= 1;
            r?;
        }
        None => {
            // Not a re-entry from the host: do not count it as one.
            store.inner.activations -= 1;
            let r = crate::reference::invoke(store, addr, &args, &mut results);
            store.inner.activations += 1;
            r?;
        }
    }
    for (i, v) in results.into_iter().enumerate() {
        slots[base + i] = to_raw(v);
    }
    Ok(Called::Done)
}

/// Runs function `code` of `inst`, whose frame starts at slot 0, until it
/// returns.
#[allow(clippy::too_many_lines)]
fn run<T>(
    store: &mut Store<T>,
    mut code: Arc<Code>,
    mut inst: Arc<InstanceData>,
    slots: &mut Vec<u64>,
) -> Result<(), Trap> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut ops: *const Op = code.ops.as_ptr();
    let mut fp = 0;
    let mut pc = 0;
    let mut mem = inst.memories.first().map_or(usize::MAX, |m| *m as usize);
    let mut s = window(slots, fp);
    // Memory 0 of the running instance as a raw base and length, so loads
    // and stores need not go through the store. Refreshed after anything
    // that may reallocate or reborrow its buffer: calls and returns (a
    // callee or host may grow it; the instance may change), `memory.grow`,
    // and the bulk memory ops.
    let mut mem_ptr: *mut u8;
    let mut mem_len: usize;
    macro_rules! refresh_memory {
        () => {{
            match store.inner.memories.get_mut(mem) {
                Some(m) => {
                    mem_ptr = m.data.as_mut_ptr();
                    mem_len = m.data.len();
                }
                None => {
                    mem_ptr = std::ptr::null_mut();
                    mem_len = 0;
                }
            }
        }};
    }
    refresh_memory!();

    // Leaves the current frame; returns from `run` after the entry frame.
    macro_rules! return_from_frame {
        () => {{
            store.inner.call_depth -= 1;
            let Some(frame) = frames.pop() else { return Ok(()) };
            code = frame.code;
            ops = code.ops.as_ptr();
            if let Some(caller) = frame.instance {
                inst = caller;
                mem = inst.memories.first().map_or(usize::MAX, |m| *m as usize);
            }
            fp = frame.fp;
            pc = frame.pc;
            s = window(slots, fp);
            refresh_memory!();
        }};
    }
    // Suspends the running frame and switches to `callee` (of instance
    // `callee_inst`, `None` for the running one) at absolute slot `base`.
    macro_rules! switch_to {
        ($callee:expr, $callee_inst:expr, $base:expr) => {{
            let caller = std::mem::replace(&mut code, $callee);
            let caller_inst = match $callee_inst {
                Some(i) if !Arc::ptr_eq(&i, &inst) => {
                    let old = std::mem::replace(&mut inst, i);
                    mem = inst.memories.first().map_or(usize::MAX, |m| *m as usize);
                    Some(old)
                }
                _ => None,
            };
            frames.push(Frame { code: caller, instance: caller_inst, pc, fp });
            ops = code.ops.as_ptr();
            fp = $base;
            pc = 0;
        }};
    }
    // Traps at the op just executed.
    macro_rules! trap {
        ($e:expr) => {{
            let t: Trap = $e.into();
            return Err(t.with_backtrace(backtrace(&frames, &code, &inst, pc - 1)));
        }};
    }
    macro_rules! call {
        ($addr:expr, $base:expr) => {{
            let base = fp + usize::from($base);
            match call(store, slots, $addr, base, &inst) {
                Ok(Called::Wasm(callee, callee_inst)) => switch_to!(callee, Some(callee_inst), base),
                Ok(Called::Done) => {}
                Err(t) => trap!(t),
            }
            s = window(slots, fp);
            refresh_memory!();
        }};
    }
    macro_rules! slot {
        ($x:expr) => {
            s[usize::from($x)]
        };
    }
    macro_rules! load {
        ($d:expr, $a:expr, $offset:expr, $n:literal, $conv:expr) => {{
            let ea = u64::from(slot!($a) as u32) + u64::from($offset);
            if ea + $n > mem_len as u64 {
                trap!(TrapKind::MemoryOutOfBounds);
            }
            // SAFETY: `ea + n <= mem_len`, and `mem_ptr`/`mem_len` describe
            // memory 0's buffer: `refresh_memory!` ran after every op that
            // could have reallocated or reborrowed it since.
            let bytes = unsafe { std::ptr::read_unaligned(mem_ptr.add(ea as usize).cast::<[u8; $n]>()) };
            slot!($d) = ($conv)(bytes);
        }};
    }
    macro_rules! store {
        ($a:expr, $v:expr, $offset:expr, $n:literal) => {{
            let ea = u64::from(slot!($a) as u32) + u64::from($offset);
            if ea + $n > mem_len as u64 {
                trap!(TrapKind::MemoryOutOfBounds);
            }
            let bytes = slot!($v).to_le_bytes();
            // SAFETY: as for `load!`: the range is inside memory 0's
            // current buffer, which nothing else borrows during the op.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), mem_ptr.add(ea as usize), $n) };
        }};
    }
    macro_rules! index {
        ($x:expr) => {
            u64::from(slot!($x) as u32)
        };
    }

    loop {
        // SAFETY: `ops` points to the ops of `code`, which this function
        // keeps alive, and `pc` is in bounds: it starts at 0 or at the op
        // after a call (never the last op, which `translate::verify`
        // checked ends the function), moves to the next op only after an op
        // that is not last, and branches only to targets `verify` checked.
        let op = unsafe { *ops.add(pc) };
        pc += 1;
        for_each_numeric_op!(dispatch (op, s, pc, trap) {
            Op::Copy { d, a } => slot!(d) = slot!(a),
            Op::Const { d, imm } => slot!(d) = imm,
            Op::Select { d, a, b, c } => {
                slot!(d) = if slot!(c) as u32 != 0 { slot!(a) } else { slot!(b) };
            }

            // ---- control ----
            Op::Fuel { n } => {
                let n = u64::from(n);
                if store.inner.fuel < n {
                    store.inner.fuel = 0;
                    trap!(TrapKind::OutOfFuel);
                }
                store.inner.fuel -= n;
            }
            Op::CheckInterrupt => {
                if store.inner.interrupt.take() {
                    trap!(TrapKind::Interrupted);
                }
            }
            Op::Unreachable => trap!(TrapKind::Unreachable),
            Op::Br { t } => pc = t as usize,
            Op::BrIfZero { c, t } => {
                if slot!(c) as u32 == 0 {
                    pc = t as usize;
                }
            }
            Op::BrIfNonZero { c, t } => {
                if slot!(c) as u32 != 0 {
                    pc = t as usize;
                }
            }
            Op::BrTable { c, table } => {
                let targets = &code.br_tables[table as usize];
                let i = (slot!(c) as u32 as usize).min(targets.len() - 1);
                pc = targets[i] as usize;
            }
            Op::Return0 => return_from_frame!(),
            Op::Return1 { a } => {
                slot!(0u16) = slot!(a);
                return_from_frame!();
            }
            Op::ReturnN { a, n } => {
                let from = usize::from(a);
                s.copy_within(from..from + usize::from(n), 0);
                return_from_frame!();
            }
            Op::Call { func, base } => {
                let addr = inst.funcs[func as usize];
                call!(addr, base);
            }
            Op::CallInternal { defined, base } => match inst.module.threaded(defined) {
                Some(callee) => {
                    let abs = fp + usize::from(base);
                    if let Err(t) = enter_frame(store, slots, &callee, abs) {
                        trap!(t);
                    }
                    switch_to!(callee, None::<Arc<InstanceData>>, abs);
                    s = window(slots, fp);
                    refresh_memory!();
                }
                None => {
                    let addr = inst.funcs[(defined + inst.module.decoded.num_imported_functions) as usize];
                    call!(addr, base);
                }
            },
            Op::CallIndirect { ty, table, c, base } => {
                let t = inst.tables[table as usize] as usize;
                let i = index!(c);
                let elements = &store.inner.tables[t].elements;
                let Some(entry) = elements.get(i as usize) else { trap!(TrapKind::UndefinedElement) };
                let Val::FuncRef(Some(f)) = entry else { trap!(TrapKind::UninitializedElement(i)) };
                let addr = f.index();
                let expected = &inst.module.canon[ty as usize];
                if store.inner.funcs.get(addr as usize).map(|e| e.canon()) != Some(expected) {
                    trap!(TrapKind::IndirectCallTypeMismatch);
                }
                call!(addr, base);
            }

            // ---- variables ----
            Op::GlobalGet { d, g } => {
                let a = inst.globals[g as usize] as usize;
                slot!(d) = to_raw(store.inner.globals[a].value);
            }
            Op::GlobalSet { a, g } => {
                let addr = inst.globals[g as usize] as usize;
                let ty = store.inner.globals[addr].ty.content;
                store.inner.globals[addr].value = to_val(store, slot!(a), ty);
            }

            // ---- memory ----
            Op::I32Load { d, a, offset } => load!(d, a, offset, 4, |b| u64::from(u32::from_le_bytes(b))),
            Op::I64Load { d, a, offset } => load!(d, a, offset, 8, u64::from_le_bytes),
            Op::F32Load { d, a, offset } => load!(d, a, offset, 4, |b| u64::from(u32::from_le_bytes(b))),
            Op::F64Load { d, a, offset } => load!(d, a, offset, 8, u64::from_le_bytes),
            Op::I32Load8S { d, a, offset } => load!(d, a, offset, 1, |b: [u8; 1]| i32::from(b[0] as i8).to_raw()),
            Op::I32Load8U { d, a, offset } => load!(d, a, offset, 1, |b: [u8; 1]| u64::from(b[0])),
            Op::I32Load16S { d, a, offset } => {
                load!(d, a, offset, 2, |b| i32::from(i16::from_le_bytes(b)).to_raw());
            }
            Op::I32Load16U { d, a, offset } => load!(d, a, offset, 2, |b| u64::from(u16::from_le_bytes(b))),
            Op::I64Load8S { d, a, offset } => load!(d, a, offset, 1, |b: [u8; 1]| i64::from(b[0] as i8).to_raw()),
            Op::I64Load8U { d, a, offset } => load!(d, a, offset, 1, |b: [u8; 1]| u64::from(b[0])),
            Op::I64Load16S { d, a, offset } => {
                load!(d, a, offset, 2, |b| i64::from(i16::from_le_bytes(b)).to_raw());
            }
            Op::I64Load16U { d, a, offset } => load!(d, a, offset, 2, |b| u64::from(u16::from_le_bytes(b))),
            Op::I64Load32S { d, a, offset } => {
                load!(d, a, offset, 4, |b| i64::from(i32::from_le_bytes(b)).to_raw());
            }
            Op::I64Load32U { d, a, offset } => load!(d, a, offset, 4, |b| u64::from(u32::from_le_bytes(b))),
            Op::Store8 { a, v, offset } => store!(a, v, offset, 1),
            Op::Store16 { a, v, offset } => store!(a, v, offset, 2),
            Op::Store32 { a, v, offset } => store!(a, v, offset, 4),
            Op::Store64 { a, v, offset } => store!(a, v, offset, 8),
            Op::MemorySize { d } => slot!(d) = (store.inner.memories[mem].pages() as i32).to_raw(),
            Op::MemoryGrow { d, a } => {
                let old = ops::memory_grow(store, mem, index!(a)).map_or(u64::MAX, |o| o);
                slot!(d) = (old as i32).to_raw();
                refresh_memory!();
            }
            Op::MemoryFill { d, v, n } => {
                let r = ops::memory_fill(store, mem, index!(d), slot!(v) as u8, index!(n));
                refresh_memory!();
                if let Err(k) = r {
                    trap!(k);
                }
            }
            Op::MemoryCopy { d, s: src, n } => {
                let r = ops::memory_copy(store, mem, mem, index!(d), index!(src), index!(n));
                refresh_memory!();
                if let Err(k) = r {
                    trap!(k);
                }
            }
            Op::MemoryInit { d, s: src, n, data } => {
                let r = ops::memory_init(store, &inst, 0, data, index!(d), index!(src), index!(n));
                refresh_memory!();
                if let Err(k) = r {
                    trap!(k);
                }
            }
            Op::DataDrop { data } => {
                let a = inst.datas[data as usize] as usize;
                store.inner.datas[a].bytes = Vec::new();
            }

            // ---- tables and references ----
            Op::TableGet { d, i, table } => {
                let t = inst.tables[table as usize] as usize;
                match store.inner.tables[t].elements.get(index!(i) as usize) {
                    Some(v) => slot!(d) = to_raw(*v),
                    None => trap!(TrapKind::TableOutOfBounds),
                }
            }
            Op::TableSet { i, v, table } => {
                let t = inst.tables[table as usize] as usize;
                let val = ref_val(store, slot!(v), store.inner.tables[t].ty.element.heap);
                match store.inner.tables[t].elements.get_mut(index!(i) as usize) {
                    Some(e) => *e = val,
                    None => trap!(TrapKind::TableOutOfBounds),
                }
            }
            Op::TableSize { d, table } => {
                let t = inst.tables[table as usize] as usize;
                slot!(d) = (store.inner.tables[t].elements.len() as i32).to_raw();
            }
            Op::TableGrow { d, v, n, table } => {
                let t = inst.tables[table as usize] as usize;
                let init = ref_val(store, slot!(v), store.inner.tables[t].ty.element.heap);
                let old = ops::table_grow(store, t, index!(n), init).map_or(u64::MAX, |o| o);
                slot!(d) = (old as i32).to_raw();
            }
            Op::TableFill { i, v, n, table } => {
                let t = inst.tables[table as usize] as usize;
                let val = ref_val(store, slot!(v), store.inner.tables[t].ty.element.heap);
                if let Err(k) = ops::table_fill(store, t, index!(i), val, index!(n)) {
                    trap!(k);
                }
            }
            Op::TableCopy { d, s: src, n, dst, src: src_table } => {
                let (dt, st) = (inst.tables[dst as usize] as usize, inst.tables[src_table as usize] as usize);
                if let Err(k) = ops::table_copy(store, dt, st, index!(d), index!(src), index!(n)) {
                    trap!(k);
                }
            }
            Op::TableInit { d, s: src, n, table, elem } => {
                if let Err(k) = ops::table_init(store, &inst, table, elem, index!(d), index!(src), index!(n)) {
                    trap!(k);
                }
            }
            Op::ElemDrop { elem } => {
                let a = inst.elems[elem as usize] as usize;
                store.inner.elems[a].items = Vec::new();
            }
            Op::RefIsNull { d, a } => slot!(d) = i32::from(slot!(a) == 0).to_raw(),
            Op::RefFunc { d, func } => slot!(d) = u64::from(inst.funcs[func as usize]) + 1,
            Op::RefAsNonNull { a } => {
                if slot!(a) == 0 {
                    trap!(TrapKind::NullReference);
                }
            }
        });
    }
}
