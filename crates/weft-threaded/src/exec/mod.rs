//! Running threaded code: the execution state ([`Exec`]), the three values
//! every handler carries in registers ([`Ip`], [`Sp`], [`Mem`]), calls and
//! returns between frames, and traps.
//!
//! Each [`Op`] has a handler (`handlers.rs`): a small function that does the
//! op's work and passes control to the next op's handler. How control
//! passes — a jump from handler to handler, or a return to a loop — is the
//! one choice `backend.rs` makes.
//!
//! # The hot state
//!
//! A handler receives the execution state `&mut Exec` and, as separate
//! arguments so they stay in registers across the whole chain: the op
//! pointer (`Ip`), the running frame's first slot (`Sp`) and memory 0's base
//! and length (`Mem`). Everything that can move them — calls, returns,
//! `memory.grow`, a host function — hands the handler after it fresh
//! values.

#[macro_use]
mod operands;
mod backend;
mod calls;
pub(crate) mod encode;
mod gc;
mod handlers;
#[cfg(feature = "op-histogram")]
mod histogram;
mod memory;
mod simd;
mod wide;

use std::sync::Arc;

use weft_decode::{ImportType, SubType, ValType};

use super::op::{Op, Raw, Slot};
use super::{Code, FastCallee, ModuleCache};
pub(crate) use backend::Handler;

use weft_exec::Val;
use weft_exec::executor::InstanceData;
use weft_exec::executor::{EngineStore, FuncEntity, StoreInner};
use weft_exec::gc::raw::Hierarchy;
use weft_exec::{FrameInfo, Trap, TrapKind};

// Throwing and catching (`throw`, `throw_ref` and the unwinding of calls).
mod exceptions;

// ---- values in slots ----

/// A value's slot bits (references by [`raw`]'s encoding; a `v128`'s low
/// half: the rest is in its v-slot).
#[inline]
pub(crate) fn to_raw(store: &mut StoreInner, v: Val) -> u64 {
    store.gc.encode(v)
}

/// The value of type `ty` whose slot bits are `bits`; a defined
/// reference type's index is one of `types` (its module's types).
fn to_val(store: &StoreInner, bits: u64, ty: ValType, types: &[SubType]) -> Val {
    match ty {
        ValType::I32 => Val::I32(i32::from_raw(bits)),
        ValType::I64 => Val::I64(bits as i64),
        ValType::F32 => Val::F32(bits as u32),
        ValType::F64 => Val::F64(bits),
        ValType::V128 => Val::V128(u128::from(bits)),
        ValType::Ref(r) => store.gc.decode(bits, Hierarchy::of(r.heap, types), store.id),
    }
}

/// The value whose slot bits are `bits`, of the same type as `like` (a
/// global's value: its hierarchy is the global's, whichever module
/// defined it).
fn to_val_like(store: &StoreInner, bits: u64, like: Val) -> Val {
    match Hierarchy::of_val(&like) {
        Some(h) => store.gc.decode(bits, h, store.id),
        None => to_val(store, bits, like.ty(), &[]),
    }
}

/// The hierarchy of the elements of table `table` of `inst` (by the
/// module's own type for it, whose indices are the module's).
fn table_hierarchy(inst: &InstanceData, table: u32) -> Hierarchy {
    let d = &inst.module.decoded;
    let imported = d.imports.iter().filter_map(|i| match &i.ty {
        ImportType::Table(t) => Some(t.element),
        _ => None,
    });
    let element = match table.checked_sub(d.num_imported_tables) {
        Some(defined) => d.tables.get(defined as usize).map(|t| t.ty.element),
        None => imported.clone().nth(table as usize),
    };
    element.map_or(Hierarchy::Func, |rt| Hierarchy::of(rt.heap, &d.types))
}

/// The types a store function's signature refers to: its module's for a
/// wasm function, `fallback` (the caller's) for a host function.
fn func_types<'s>(store: &'s StoreInner, addr: u32, fallback: &'s InstanceData) -> &'s [SubType] {
    match store.funcs.get(addr as usize) {
        Some(FuncEntity::Wasm { module, .. }) => &module.decoded.types,
        _ => &fallback.module.decoded.types,
    }
}

// ---- the registers ----

/// Slots reserved past a frame's last one. The slot vector always
/// extends at least [`reserved`]`(code)` = the frame size plus these past
/// the running frame's first slot: every entry reserves it (`invoke`,
/// `make_frame`, `Exec::fast_entry`, `replace_frame`), and within an
/// activation the vector only grows. `translate::verify` checked that
/// every slot an op names is below its frame size (a run, or a call's
/// base, starts at most at its end; a `ReturnN` run ends there too), so
/// slot accesses need no bounds checks. The slack lets a frame's locals
/// be zeroed in stores of eight slots, which may reach seven slots past
/// the frame (`make_frame`, `Exec::enter_fast`), and covers a GC op's
/// fixed offsets from a run start (`a + 2`, `op/gc.rs`).
const FRAME_SLACK: usize = 8;

/// The slots a frame of `code` needs past its first (see [`FRAME_SLACK`]).
#[inline(always)]
fn reserved(code: &Code) -> usize {
    code.frame_size as usize + FRAME_SLACK
}

/// The op pointer: the first byte of the op being executed (an op is a
/// handler reference and its payload, `encode.rs`).
#[derive(Clone, Copy)]
pub(super) struct Ip(pub(super) *const u8);

impl Ip {
    /// The op at `pc` of `code`.
    fn at(code: &Code, pc: usize) -> Ip {
        Ip(code.cells.as_ptr().cast::<u8>().wrapping_add(code.index.start(pc) as usize))
    }

    /// The self-decoding op (`encode.rs`: the ops of the shared `slow`
    /// handler, GC ops, `throw`, `VMemExt`) at this op pointer.
    #[inline(never)]
    fn op(self) -> Op {
        encode::decode_cold(self)
    }

    /// The op's payload, as the struct `P` of its row.
    ///
    /// # Safety
    /// The op must be one whose payload is a `P` (its handler's row).
    #[inline(always)]
    pub(super) unsafe fn payload<P: Copy>(self) -> P {
        // SAFETY: an `Ip` only ever points at an op of the code of a
        // `Code` that a live frame keeps alive: it starts at an op
        // (`Ip::at`, `Ip::entry`), moves to the next op only after an op
        // that is not its function's last (`translate::verify` checked
        // that the last op returns, branches or traps) by that op's
        // encoded size, and branches only to op starts `verify` checked
        // exist. The caller says the payload is a `P`, which `encode`
        // wrote after the handler reference; the read is unaligned.
        unsafe { std::ptr::read_unaligned(self.0.add(encode::REF).cast::<P>()) }
    }

    /// The op's handler.
    #[inline(always)]
    fn handler(self) -> Handler {
        // SAFETY: as for `payload`: the `Ip` points at an op, whose first
        // `REF` bytes (4-aligned: every op's size is a multiple of 4) are
        // its handler reference.
        if encode::REF == 8 {
            // SAFETY: as above; an 8-byte reference is the address.
            let a = unsafe { std::ptr::read_unaligned(self.0.cast::<usize>()) };
            // SAFETY: the encoder wrote a `Handler`'s address there
            // (`encode::put_ref`).
            return unsafe { std::mem::transmute::<usize, Handler>(a) };
        }
        // SAFETY: as above.
        let r = unsafe { self.0.cast::<i32>().read() };
        encode::handler_at(r)
    }

    /// The first op of `code`, where a call enters it.
    #[inline(always)]
    fn entry(code: &Code) -> Ip {
        // No bounds check: translated code is never empty (`verify`).
        Ip(code.cells.as_ptr().cast())
    }

    /// The next op, after an op with no operands (`REF` bytes: its
    /// handler reference). A handler that binds its op's operands (`operands!`)
    /// gets a `next` that knows the op's size instead.
    #[inline(always)]
    #[allow(clippy::should_implement_trait)]
    pub(super) fn next(&self) -> Ip {
        // An op with operands stepped this way would land inside them
        // (`handlers::steps_one_reference`).
        #[cfg(debug_assertions)]
        assert!(
            handlers::steps_one_reference(self.handler()),
            "Ip::next past an op with operands: use the `next` of `operands!`, or `Ip::after_call`"
        );
        self.advance(encode::REF)
    }

    /// The op after the call op here (every call op is `CALL_SIZE` bytes).
    #[inline(always)]
    pub(super) fn after_call(self) -> Ip {
        self.advance(encode::CALL_SIZE)
    }

    /// The op pointer `n` bytes on.
    #[inline(always)]
    pub(super) fn advance(self, n: usize) -> Ip {
        Ip(self.0.wrapping_add(n))
    }

    /// The op `rel` bytes away (a branch target, relative to this op's
    /// first byte: `encode`).
    #[inline(always)]
    pub(super) fn jump(self, rel: impl encode::Rel) -> Ip {
        Ip(self.0.wrapping_offset(rel.bytes() as i32 as isize))
    }

    /// Entry `n - 1` of the `br_table` at this op pointer (its entries,
    /// `Br` ops, follow it).
    #[inline(always)]
    pub(super) fn skip(self, n: u32) -> Ip {
        self.advance(encode::BR_TABLE_SIZE + (n as usize - 1) * encode::ENTRY_SIZE)
    }

    /// The branch target of the `br_table` entry (a `Br`) here.
    #[inline(always)]
    pub(super) fn entry_target(self) -> u32 {
        // SAFETY: `verify` checked every entry is a `Br`, whose payload
        // is its target.
        unsafe { self.payload::<u32>() }
    }

    /// This op's position in `code` (its index in the op vector); an op
    /// pointer inside an op (a self-decoding op's skip) gives that op.
    fn pc(self, code: &Code) -> usize {
        let at = (self.0 as usize).wrapping_sub(code.cells.as_ptr() as usize) as u32;
        code.index.pc_of(at)
    }
}

/// The running frame's first slot.
#[derive(Clone, Copy)]
pub(super) struct Sp(*mut u64);

impl Sp {
    /// The raw bits in slot `x`.
    #[inline(always)]
    fn raw(self, x: Slot) -> u64 {
        // SAFETY: `Sp` points at a frame's first slot with at least its
        // frame size (plus `FRAME_SLACK`) slots of the slot vector after it
        // (the invariant at `FRAME_SLACK`), and `verify` checked that every
        // slot an op names is below the frame size. Nothing else borrows
        // the slot vector while handlers run: `Exec` re-derives `Sp` after
        // anything that may reallocate it (a call, a tail call).
        unsafe { *self.0.add(usize::from(x)) }
    }

    /// Sets slot `x` to the raw bits `v`.
    #[inline(always)]
    fn set_raw(self, x: Slot, v: u64) {
        // SAFETY: as for `raw`.
        unsafe { *self.0.add(usize::from(x)) = v }
    }

    /// Sets slot `x` to the raw bits `v` and returns them (for the
    /// accumulator).
    #[inline(always)]
    fn put_raw(self, x: Slot, v: u64) -> u64 {
        self.set_raw(x, v);
        v
    }

    /// Sets slot `x` to `v` and returns its raw bits (for the accumulator).
    #[inline(always)]
    fn put<V: Raw>(self, x: Slot, v: V) -> u64 {
        self.put_raw(x, v.to_raw())
    }

    #[inline(always)]
    fn get<V: Raw>(self, x: Slot) -> V {
        V::from_raw(self.raw(x))
    }

    #[inline(always)]
    fn set<V: Raw>(self, x: Slot, v: V) {
        self.set_raw(x, v.to_raw());
    }

    /// Copies `n` slots from `from` to the frame's first slots (results).
    fn copy_to_start(self, from: Slot, n: u16) {
        // SAFETY: both ranges are inside the frame (`verify` checked that
        // `from + n` is at most the frame size); `copy` allows overlap.
        unsafe { std::ptr::copy(self.0.add(usize::from(from)), self.0, usize::from(n)) }
    }
}

/// Memory 0 of the running instance: its buffer's base and length, so
/// loads and stores need not go through the store.
#[derive(Clone, Copy)]
pub(super) struct Mem {
    ptr: *mut u8,
    len: usize,
}

impl Mem {
    /// The `N` bytes at `addr + offset`, if they are inside memory.
    #[inline(always)]
    fn load<const N: usize>(self, addr: u64, offset: u32) -> Option<[u8; N]> {
        let ea = (addr as u32 as u64) + u64::from(offset);
        if ea + N as u64 > self.len as u64 {
            return None;
        }
        // SAFETY: `ea + N <= len`, and `ptr`/`len` describe memory 0's
        // current buffer: every handler after an op that may reallocate it
        // (a call, `memory.grow`, a bulk memory op) got a fresh `Mem`.
        Some(unsafe { std::ptr::read_unaligned(self.ptr.add(ea as usize).cast::<[u8; N]>()) })
    }

    /// Stores the low `N` bytes of `v` at `addr + offset`; `None` if out of
    /// bounds.
    #[inline(always)]
    fn store<const N: usize>(self, addr: u64, offset: u32, v: u64) -> Option<()> {
        let ea = (addr as u32 as u64) + u64::from(offset);
        if ea + N as u64 > self.len as u64 {
            return None;
        }
        let bytes = v.to_le_bytes();
        // SAFETY: as for `load`: the range is inside memory 0's current
        // buffer, which nothing else borrows while handlers run.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(ea as usize), N) };
        Some(())
    }
}

// ---- the execution state ----

/// Why the handler chain stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Exit {
    /// The entry frame returned; its results are in its first slots.
    Return,
    /// A trap, kept in [`Exec::trap`].
    Trap,
}

/// A suspended wasm frame (a caller waiting for its callee).
struct Frame {
    code: *const Code,
    /// The frame's instance, if it is not its callee's (calls within an
    /// instance, the common case, touch no reference count).
    instance: Option<Arc<InstanceData>>,
    /// Where the frame resumes.
    ip: Ip,
    /// The frame's first slot.
    fp: usize,
}

/// Everything one activation of the threaded engine needs that is not in
/// the handlers' registers.
pub(super) struct Exec<'a> {
    /// The store's untyped part, which handlers use directly. It is
    /// derived from `erased` and re-derived after every use of `erased`
    /// ([`Exec::with_erased`]), so the two are never used interleaved.
    store: &'a mut StoreInner,
    /// The whole store, type-erased: reached only through
    /// [`Exec::with_erased`], for what needs the host data type (host
    /// calls, growth the limiter decides, running a function on the
    /// reference engine).
    erased: *mut (dyn EngineStore + 'a),
    slots: &'a mut Vec<u64>,
    /// The v-slots: slot `x` of a frame at `fp` holds a `v128` in
    /// v-slot `fp + x` (`simd.rs`). Empty until code that uses `v128`
    /// runs; then at least its frame size past every such frame's first
    /// slot.
    vslots: simd::VSlots<'a>,
    /// The suspended frames, outermost first.
    frames: Vec<Frame>,
    /// The running function's code. Valid while `inst` (or, for the entry
    /// frame, `run`'s own `Arc`) lives: a function's code belongs to its
    /// module's cache, and every frame keeps its instance, and so its
    /// module, alive.
    code: *const Code,
    /// The running frame's instance.
    inst: Arc<InstanceData>,
    /// The threaded code cache of `inst`'s module (null if its engine has
    /// no threaded executor), found once per instance switch so calls
    /// within the instance need not look it up.
    cache: *const ModuleCache,
    /// The running frame's first slot (absolute).
    fp: usize,
    /// Memory 0's store address (`usize::MAX` if the instance has none).
    mem: usize,
    /// The trap that stopped the chain.
    trap: Option<Trap>,
    /// The configuration's limits, read once per activation so a call
    /// does not go through the engine's configuration.
    limits: Limits,
    /// The last `call_indirect` into threaded code (`calls.rs`).
    indirect_hit: Option<calls::IndirectHit>,
}

/// The limits every call checks (from [`weft_exec::Config`]).
#[derive(Clone, Copy)]
struct Limits {
    max_call_depth: usize,
    max_value_stack: usize,
}

impl Exec<'_> {
    /// The op of the running code that starts at `ip` (`None` inside an
    /// op: a self-decoding op's skip), for the histogram.
    #[cfg(feature = "op-histogram")]
    fn op_at(&self, ip: Ip) -> Option<Op> {
        let code = self.code();
        let at = (ip.0 as usize).wrapping_sub(code.cells.as_ptr() as usize) as u32;
        let pc = code.index.pc_at(at)?;
        Some(encode::decode(&code.cells, at, code.index.tag(pc)))
    }

    /// The running code.
    #[inline(always)]
    fn code(&self) -> &Code {
        // SAFETY: see the field: the code outlives the frame running it.
        unsafe { &*self.code }
    }

    /// Runs `f` on the whole store, then re-derives [`Exec::store`]
    /// from it. Out of line: it is crossed at host calls, fallbacks and
    /// growth only.
    #[inline(never)]
    fn with_erased<R>(&mut self, f: impl FnOnce(&mut dyn EngineStore) -> R) -> R {
        // SAFETY: `erased` points at the store this activation was given
        // (`run` borrows it mutably for `'a`), and `self.store` is a
        // sub-borrow of it that is not used while `f` runs: it is replaced
        // right after by a fresh borrow of the store's untyped part.
        let erased = unsafe { &mut *self.erased };
        let r = f(&mut *erased);
        self.store = erased.inner_mut();
        r
    }

    /// [`Exec::with_erased`], also handing `f` the activation's slots up
    /// to the running frame's last (the GC's raw roots, `gc.rs`).
    #[inline(never)]
    fn with_erased_scanning<R>(&mut self, f: impl FnOnce(&mut dyn EngineStore, &[u64]) -> R) -> R {
        let live = (self.fp + self.code().frame_size as usize).min(self.slots.len());
        // SAFETY: as for `with_erased`; the slots are a separate borrow
        // that `f` only reads.
        let erased = unsafe { &mut *self.erased };
        let r = f(&mut *erased, &self.slots[..live]);
        self.store = erased.inner_mut();
        r
    }

    /// The running frame's first slot.
    #[inline(always)]
    fn sp(&mut self) -> Sp {
        debug_assert!(self.fp + reserved(self.code()) <= self.slots.len());
        // SAFETY: the slot vector extends the running frame's size past its
        // first slot (`FRAME_SLACK`), so `fp` is in bounds.
        Sp(unsafe { self.slots.as_mut_ptr().add(self.fp) })
    }

    /// Whether the `n` slots from slot `a` are inside the running frame:
    /// checked before reading a run whose length `verify` does not see (a
    /// tag's or a struct's fields, `array.new_fixed`'s values), as the
    /// slot vector extends only the frame size past the frame's first
    /// slot ([`FRAME_SLACK`]).
    fn run_in_frame(&self, a: Slot, n: usize) -> bool {
        usize::from(a) + n <= self.code().frame_size as usize
    }

    /// Memory 0 of the running instance as it is now.
    fn memory(&mut self) -> Mem {
        match self.store.memories.get_mut(self.mem) {
            Some(m) => Mem { ptr: m.data.as_mut_ptr(), len: m.data.len() },
            None => Mem { ptr: std::ptr::null_mut(), len: 0 },
        }
    }

    /// The threaded code of the running instance's defined function
    /// `defined`, translating it on first use; `None` if it is left to
    /// the fallback.
    #[inline(always)]
    fn own_code(&self, defined: u32) -> Option<&Arc<Code>> {
        // SAFETY: `cache` is null or the cache of the running instance's
        // module (`set_instance` keeps it so), which `self.inst` keeps
        // alive.
        let cache = unsafe { self.cache.as_ref() }?;
        cache.code(&self.inst.module, defined)
    }

    /// Switches to `inst` as the running instance.
    fn set_instance(&mut self, inst: Arc<InstanceData>) -> Arc<InstanceData> {
        self.mem = memory0(&inst);
        self.cache = cache_of(&inst);
        std::mem::replace(&mut self.inst, inst)
    }

    /// Switches back to the caller's instance on a return, dropping the
    /// reference to the callee's.
    ///
    /// Never inlined, and taking the `Arc` by value: dropping the last
    /// reference runs `Arc::drop_slow(&mut self)`, which takes the address
    /// of a stack slot, and in a return handler that slot would be live on
    /// the way to the final call to the next handler, which LLVM then
    /// leaves a call instead of a jump. Fat LTO hid it by promoting the
    /// argument; Cargo's default release profile (16 codegen units, no
    /// LTO) does not, and `tests/threaded_stack.rs` overflowed under the
    /// workspace's `stack-cgu16` profile.
    #[inline(never)]
    fn return_to_instance(&mut self, caller: Arc<InstanceData>) {
        drop(self.set_instance(caller));
    }

    /// Records `trap` at the op `ip` and stops the chain.
    #[cold]
    #[inline(never)]
    fn trap(&mut self, ip: Ip, trap: impl Into<Trap>) -> backend::Flow {
        self.record_trap(ip, trap.into());
        backend::exit(Exit::Trap)
    }

    /// Records `trap` at the op `ip`, with the backtrace.
    #[cold]
    #[inline(never)]
    fn record_trap(&mut self, ip: Ip, trap: impl Into<Trap>) {
        let t: Trap = trap.into();
        let pc = ip.pc(self.code());
        self.trap = Some(t.with_backtrace(self.backtrace(pc)));
    }

    /// Records `trap` at the second memory access of the op `ip` (one
    /// that accesses memory twice: `Code::second_offsets`) and stops the
    /// chain.
    #[cold]
    #[inline(never)]
    fn trap_second(&mut self, ip: Ip, trap: impl Into<Trap>) -> backend::Flow {
        let t: Trap = trap.into();
        let pc = ip.pc(self.code());
        let mut backtrace = self.backtrace(pc);
        let seconds = &self.code().second_offsets;
        if let Ok(i) = seconds.binary_search_by_key(&(pc as u32), |&(op, _)| op) {
            backtrace[0].offset = Some(seconds[i].1 as usize);
        }
        self.trap = Some(t.with_backtrace(backtrace));
        backend::exit(Exit::Trap)
    }

    /// The wasm frames, innermost first.
    fn backtrace(&self, pc: usize) -> Vec<FrameInfo> {
        let info = |code: &Code, inst: &InstanceData, pc: usize| {
            let d = &inst.module.decoded;
            FrameInfo {
                func_index: code.func_index,
                func_name: d.names().function(code.func_index).map(str::to_string),
                module_name: d.names().module.clone(),
                offset: code.offset_table.get(pc).map(|o| o as usize),
            }
        };
        let mut out = vec![info(self.code(), &self.inst, pc)];
        let mut callee = &self.inst;
        for f in self.frames.iter().rev() {
            let inst = f.instance.as_ref().unwrap_or(callee);
            // SAFETY: a suspended frame's code lives as long as the frame
            // (see `Exec::code`).
            let code = unsafe { &*f.code };
            out.push(info(code, inst, f.ip.pc(code)));
            callee = inst;
        }
        out
    }

    /// Leaves the running frame. Returns the caller's op pointer, slots
    /// and memory, or `None` after the entry frame.
    #[inline(always)]
    fn return_from_frame(&mut self, m: Mem) -> Option<(Ip, Sp, Mem)> {
        self.store.call_depth -= 1;
        let frame = self.frames.pop()?;
        self.code = frame.code;
        self.fp = frame.fp;
        let m = match frame.instance {
            // Same instance: `m` is current (every handler since the call
            // kept it so).
            None => m,
            Some(caller) => {
                self.return_to_instance(caller);
                self.memory()
            }
        };
        Some((frame.ip, self.sp(), m))
    }

    /// Suspends the running frame (resuming at `ret`) and enters `callee`
    /// at absolute slot `base`; its frame was made by `enter_frame`.
    #[inline(always)]
    fn push_frame(&mut self, ret: Ip, callee: *const Code, instance: Option<Arc<InstanceData>>, base: usize) {
        let caller = std::mem::replace(&mut self.code, callee);
        self.frames.push(Frame { code: caller, instance, ip: ret, fp: self.fp });
        self.fp = base;
    }

    /// Calls store function `addr` with its arguments at frame slot `base`:
    /// a threaded callee becomes the running frame; a host function or a
    /// function on the reference engine runs now. Returns the op to
    /// continue with, or `None` after recording a trap.
    ///
    /// Never inlined, and returning only a pointer: a handler that calls it
    /// keeps no stack slot whose address escapes, so its final call to the
    /// next handler can still be a jump (see `backend.rs`).
    #[inline(never)]
    fn call(&mut self, ip: Ip, addr: u32, base: Slot) -> Option<Ip> {
        let abs = self.fp + usize::from(base);
        match self.call_addr(addr, abs) {
            Ok(Called::Wasm(code, instance)) => {
                let code_ptr = Arc::as_ptr(&code);
                let caller_inst =
                    if Arc::ptr_eq(&instance, &self.inst) { None } else { Some(self.set_instance(instance)) };
                // The callee's code is kept alive by its module, which its
                // instance (now `self.inst`) keeps alive.
                drop(code);
                self.push_frame(ip.after_call(), code_ptr, caller_inst, abs);
                Some(Ip::entry(self.code()))
            }
            Ok(Called::Done) => Some(ip.after_call()),
            // An exception may be caught here or by a caller.
            Err(t) => self.raise(ip, t),
        }
    }

    /// Makes room for the frame of `code`, a callee at frame slot `base`;
    /// `false` after recording a trap if that would exceed a limit.
    #[inline(always)]
    fn enter_frame(&mut self, ip: Ip, code: &Code, base: usize) -> bool {
        let Limits { max_call_depth, max_value_stack } = self.limits;
        if self.store.call_depth >= max_call_depth || base + code.frame_size as usize > max_value_stack {
            self.stack_exhausted(ip);
            return false;
        }
        make_frame(self.slots, &mut self.vslots, code, base, max_value_stack);
        self.store.call_depth += 1;
        true
    }

    /// Whether the frame of `callee` (a [`FastEntry`]: no v-slots, at
    /// most 32 locals after the parameters) at absolute slot `base` can
    /// be entered by [`enter_fast`](Self::enter_fast): within the limits,
    /// the slots (its frame size past `base`, [`FRAME_SLACK`]) and the
    /// frame stack large enough already. Otherwise the general path grows
    /// what must grow (`make_frame`).
    ///
    /// [`FastEntry`]: crate::FastEntry
    #[inline(always)]
    fn fast_entry(&self, callee: FastCallee, base: usize) -> bool {
        let Limits { max_call_depth, max_value_stack } = self.limits;
        self.store.call_depth < max_call_depth
            && base + callee.frame_size as usize <= max_value_stack
            && base + callee.frame_size as usize + FRAME_SLACK <= self.slots.len()
            && self.frames.len() < self.frames.capacity()
    }

    /// Enters `callee` of the running instance at absolute slot `base`,
    /// resuming the caller at `ret`, when [`fast_entry`] said it can: no
    /// call, no allocation.
    ///
    /// [`fast_entry`]: Self::fast_entry
    #[inline(always)]
    fn enter_fast(&mut self, ret: Ip, callee: FastCallee, base: usize) {
        let first = base + callee.params as usize;
        for run in 0..callee.zero_runs as usize {
            // SAFETY: `fast_entry` checked `base + frame_size + FRAME_SLACK
            // <= slots.len()`, and the runs end at most seven slots past
            // the locals (`zero_runs` is the locals after the parameters,
            // divided by eight rounding up), so inside the frame and its
            // slack. The runs cover the callee's locals after its
            // parameters (`FastEntry`); slots past them are the new
            // frame's operand stack, which nothing has written yet.
            unsafe { self.slots.as_mut_ptr().add(first + 8 * run).cast::<[u64; 8]>().write_unaligned([0; 8]) };
        }
        self.store.call_depth += 1;
        let frame =
            Frame { code: std::mem::replace(&mut self.code, callee.code), instance: None, ip: ret, fp: self.fp };
        let len = self.frames.len();
        // SAFETY: `fast_entry` checked `len < capacity`, so slot `len` is
        // allocated; it becomes the last element, initialized.
        unsafe {
            self.frames.as_mut_ptr().add(len).write(frame);
            self.frames.set_len(len + 1);
        }
        self.fp = base;
    }

    /// Records "call stack exhausted" at `ip` (a function of scalars only,
    /// so calling it does not put a `TrapKind` in the caller's frame).
    #[cold]
    #[inline(never)]
    fn stack_exhausted(&mut self, ip: Ip) {
        self.record_trap(ip, TrapKind::CallStackExhausted);
    }
}

/// The threaded code cache of `inst`'s module, or null.
fn cache_of(inst: &InstanceData) -> *const ModuleCache {
    ModuleCache::of(&inst.module).map_or(std::ptr::null(), |c| c as *const ModuleCache)
}

/// Memory 0's store address in `inst`.
fn memory0(inst: &InstanceData) -> usize {
    inst.memories.first().map_or(usize::MAX, |m| *m as usize)
}

/// What a call did.
enum Called {
    /// The callee is threaded code; its frame is ready.
    Wasm(Arc<Code>, Arc<InstanceData>),
    /// The callee ran to completion (host or reference engine).
    Done,
}

/// Runs threaded function `code` (store address `func`) of `instance`.
pub(crate) fn invoke(
    store: &mut dyn EngineStore,
    func: u32,
    code: Arc<Code>,
    instance: Arc<InstanceData>,
    args: &[Val],
    results: &mut [Val],
) -> Result<(), Trap> {
    let inner = store.inner_mut();
    let config = inner.engine.config();
    if inner.activations >= config.max_reentry_depth
        || inner.call_depth >= config.max_call_depth
        || code.frame_size as usize > config.max_value_stack
    {
        return Err(Trap::new(TrapKind::CallStackExhausted));
    }
    let result_types: Vec<ValType> = inner.funcs[func as usize].ty().results().to_vec();
    // The entry frame's slots only: calls grow the vector on demand
    // (`make_frame`), so a first call costs its frame, not a window.
    let len = reserved(&code).max(args.len()).max(results.len());
    let mut slots = vec![0u64; len];
    for (slot, arg) in slots.iter_mut().zip(args) {
        *slot = to_raw(inner, *arg);
    }
    let mut vslots = if code.v128 { vec![0u128; len] } else { Vec::new() };
    simd::args_to_vslots(&mut vslots, args);
    inner.activations += 1;
    let depth = inner.call_depth;
    inner.call_depth += 1;
    let module = instance.module.clone();
    let r = run(store, &code, instance, &mut slots, &mut vslots);
    let inner = store.inner_mut();
    inner.call_depth = depth;
    inner.activations -= 1;
    #[cfg(feature = "op-histogram")]
    if inner.activations == 0 {
        histogram::dump();
    }
    r?;
    for (i, (r, ty)) in results.iter_mut().zip(result_types).enumerate() {
        *r = match ty {
            ValType::V128 => Val::V128(vslots.get(i).copied().unwrap_or(0)),
            _ => to_val(inner, slots[i], ty, &module.decoded.types),
        };
    }
    Ok(())
}

/// Runs function `code` of `inst`, whose frame starts at slot 0, until it
/// returns.
fn run(
    store: &mut dyn EngineStore,
    code: &Arc<Code>,
    inst: Arc<InstanceData>,
    slots: &mut Vec<u64>,
    vslots: &mut Vec<u128>,
) -> Result<(), Trap> {
    let mem = memory0(&inst);
    let config = store.inner_mut().engine.config();
    let limits = Limits { max_call_depth: config.max_call_depth, max_value_stack: config.max_value_stack };
    let erased: *mut (dyn EngineStore + '_) = store;
    // SAFETY: `erased` is `store`, borrowed mutably for this whole call;
    // `Exec` uses the untyped part derived here until it next uses
    // `erased`, and re-derives it then (`Exec::with_erased`).
    let inner = unsafe { (*erased).inner_mut() };
    let mut ex = Exec {
        store: inner,
        erased,
        slots,
        vslots: simd::VSlots::new(vslots),
        // Room for typical call depths, so calls take the fast path
        // (`Exec::fast_entry`) from the start.
        frames: Vec::with_capacity(64),
        code: Arc::as_ptr(code),
        cache: cache_of(&inst),
        inst,
        fp: 0,
        mem,
        trap: None,
        limits,
        indirect_hit: None,
    };
    let (ip, sp, m) = (Ip::entry(code), ex.sp(), ex.memory());
    match backend::execute(&mut ex, ip, sp, m) {
        Exit::Return => Ok(()),
        Exit::Trap => Err(ex.trap.take().unwrap_or_else(|| Trap::host("threaded engine stopped without a trap"))),
    }
}

/// Makes room for a frame of `code` at absolute slot `base` and counts it
/// against the call-depth and value-stack limits; `false` if it would
/// exceed one ("call stack exhausted").
#[inline(always)]
fn enter_frame(
    store: &mut StoreInner,
    slots: &mut Vec<u64>,
    vslots: &mut simd::VSlots<'_>,
    code: &Code,
    base: usize,
) -> bool {
    let config = store.engine.config();
    // Every frame's slots count against `max_value_stack`, its operand
    // stack's reserved slots included.
    let max_values = config.max_value_stack;
    if store.call_depth >= config.max_call_depth || base + code.frame_size as usize > max_values {
        return false;
    }
    make_frame(slots, vslots, code, base, max_values);
    store.call_depth += 1;
    true
}

/// Makes the slots of a frame of `code` at absolute slot `base`: its
/// frame size past it (and [`FRAME_SLACK`]), and its locals after the
/// parameters zeroed. The operand stack's slots are not touched: every
/// read of one follows a write (the translator places values there
/// before any op reads them).
#[inline(always)]
fn make_frame(slots: &mut Vec<u64>, vslots: &mut simd::VSlots<'_>, code: &Code, base: usize, max_values: usize) {
    reserve_slots(slots, base + reserved(code), max_values);
    let (params, locals) = (code.params as usize, code.locals as usize);
    debug_assert!(params <= locals && locals <= code.frame_size as usize);
    let first = base + params;
    if locals - params <= 8 {
        // Most functions have a few locals: eight stores of zero, with no
        // call to `memset`. Slots past the locals are the new frame's
        // operand stack, which nothing has written yet.
        // SAFETY: `reserve_slots` made `base + frame_size + FRAME_SLACK`
        // slots, and `params + 8` is at most `locals + 8`, inside that.
        unsafe { slots.as_mut_ptr().add(first).cast::<[u64; 8]>().write_unaligned([0; 8]) };
    } else {
        // SAFETY: as above, `base + locals` is inside the reserved slots.
        unsafe { slots.get_unchecked_mut(first..base + locals) }.fill(0);
    }
    if code.v128 {
        simd::enter_v128_frame(vslots, code, base);
    }
}

/// Grows `slots` to at least `len`, doubling (within `max` plus
/// [`FRAME_SLACK`]) so deep recursion does not reallocate per call. A
/// reallocation moves the slots: the caller re-derives [`Sp`] after it.
#[inline(always)]
pub(super) fn reserve_slots(slots: &mut Vec<u64>, len: usize, max: usize) {
    if slots.len() < len {
        grow_slots(slots, len, max);
    }
}

#[cold]
#[inline(never)]
fn grow_slots(slots: &mut Vec<u64>, len: usize, max: usize) {
    let doubled = (slots.len() * 2).min(max.saturating_add(FRAME_SLACK));
    slots.resize(len.max(doubled), 0);
}

/// A threaded callee whose frame is ready: its code and instance.
type Entered = (Arc<Code>, Arc<InstanceData>);

/// Enters store function `addr` whose arguments are at absolute slot
/// `base`, if it is threaded wasm code: its frame's slots are made and it
/// is returned. `None` for a host function or a function on the reference
/// engine, which [`Exec::call_out`] runs.
fn enter_call(
    store: &mut StoreInner,
    slots: &mut Vec<u64>,
    vslots: &mut simd::VSlots<'_>,
    addr: u32,
    base: usize,
) -> Result<Option<Entered>, Trap> {
    let config = store.engine.config();
    if store.call_depth >= config.max_call_depth {
        return Err(Trap::new(TrapKind::CallStackExhausted));
    }
    let entity = store.funcs.get(addr as usize).ok_or_else(|| Trap::host("invalid function address"))?;
    let threaded = match entity {
        FuncEntity::Wasm { module, defined, instance, .. } => crate::module_code(module, *defined)
            .cloned()
            .filter(|code| code.runs_under(config))
            .map(|code| (code, instance.clone())),
        FuncEntity::Host { .. } => None,
    };
    if let Some((code, _)) = &threaded
        && !enter_frame(store, slots, vslots, code, base)
    {
        return Err(Trap::new(TrapKind::CallStackExhausted));
    }
    Ok(threaded)
}

impl Exec<'_> {
    /// Calls store function `addr` whose arguments are at absolute slot
    /// `base`: a threaded wasm callee gets its frame's slots; a host
    /// function or a function on the reference engine runs now.
    fn call_addr(&mut self, addr: u32, base: usize) -> Result<Called, Trap> {
        match enter_call(self.store, self.slots, &mut self.vslots, addr, base)? {
            Some((code, instance)) => Ok(Called::Wasm(code, instance)),
            None => self.call_out(addr, base).map(|()| Called::Done),
        }
    }

    /// Runs store function `addr` — a host function, or a wasm function
    /// on the reference engine — with its arguments at absolute slot
    /// `base`, and writes its results there.
    #[inline(never)]
    fn call_out(&mut self, addr: u32, base: usize) -> Result<(), Trap> {
        let max_values = self.store.engine.config().max_value_stack;
        let entity = self.store.funcs.get(addr as usize).ok_or_else(|| Trap::host("invalid function address"))?;
        let host = matches!(entity, FuncEntity::Host { .. });
        let ty = entity.ty().clone();
        reserve_slots(self.slots, base + ty.params().len().max(ty.results().len()), max_values);
        let args: Vec<Val> = ty
            .params()
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                ValType::V128 => Val::V128(self.vslots.get(base + i).unwrap_or(0)),
                _ => to_val(self.store, self.slots[base + i], *t, func_types(self.store, addr, &self.inst)),
            })
            .collect();
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        let caller = self.inst.clone();
        // The GC's roots in this activation's slots while it is suspended
        // (`gc.rs`); none before the store's first object.
        let suspended = self.store.gc.in_use().then(|| {
            let live = (self.fp + self.code().frame_size as usize).min(self.slots.len());
            self.store.gc.suspend_raw(self.store.id, &self.slots[..live])
        });
        let r = self.with_erased(|store| {
            if host {
                store.inner_mut().call_depth += 1;
                let r = store.call_host(addr, Some(caller), &args, &mut results);
                store.inner_mut().call_depth -= 1;
                r
            } else {
                // A function this engine declined: the seam runs it on the
                // fallback. Not a re-entry from the host: do not count it
                // as one.
                store.inner_mut().activations -= 1;
                let r = weft_exec::executor::invoke(store, addr, &args, &mut results);
                store.inner_mut().activations += 1;
                r
            }
        });
        if let Some(mark) = suspended {
            self.store.gc.resume(mark);
        }
        r?;
        for (i, v) in results.into_iter().enumerate() {
            if let Val::V128(x) = v {
                self.vslots.reserve(base + i + 1);
                self.vslots.set(base + i, x);
            }
            self.slots[base + i] = to_raw(self.store, v);
        }
        Ok(())
    }
}
