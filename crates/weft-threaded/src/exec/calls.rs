//! Tail calls (`return_call`, `return_call_indirect`, `return_call_ref`)
//! and typed function references (`call_ref`, `br_on_null`,
//! `br_on_non_null`).
//!
//! A tail call to threaded code reuses the running frame: the arguments
//! move to the frame's first slots, the callee's locals are zeroed and its
//! code becomes the running code, so neither the frame stack, the call
//! depth nor the native stack grows. A tail call to a host function or to a
//! function on the reference engine calls it as usual and then returns its
//! results from the running frame.
//!
//! The handlers keep the dispatch chain's rule (see `backend.rs`): the
//! work is in out-of-line helpers that return at most two words and record
//! their traps in [`Exec`], so each handler's final call stays a jump.

use std::sync::Arc;
use weft_macros::handler;

use super::backend::{Flow, NO_ACC, branch, exit, next};
use super::handlers::{call_and_continue, return_to_caller};
use super::{Called, Exec, Exit, Ip, Mem, Sp};
use crate::Code;
use crate::op::{Op, Slot};
use weft_exec::TrapKind;
use weft_exec::Val;
use weft_exec::executor::FuncEntity;

/// Where a `call_indirect` goes.
pub(super) enum IndirectCallee {
    /// Threaded code of the running instance, kept alive by it: entered as
    /// a direct call enters a defined function.
    Internal(*const Code),
    /// Any other function (its store address): the general call path.
    Other(u32),
    /// The call trapped (recorded).
    Trap,
}

/// The last `call_indirect` that entered threaded code of the running
/// instance: from instance `inst`, expecting type `ty` (a type index of
/// its module), to store function `addr`, whose code is `code`.
#[derive(Clone, Copy)]
pub(super) struct IndirectHit {
    inst: *const weft_exec::executor::InstanceData,
    ty: u32,
    addr: u32,
    code: *const Code,
}

/// Where a tail call continues.
#[derive(Clone, Copy)]
enum Tail {
    /// At this op of the callee, which now owns the running frame.
    Enter(Ip),
    /// The callee (host or reference engine) ran; its results are in the
    /// frame's first slots, to be returned.
    Return,
    /// A trap was recorded.
    Trap,
}

impl Exec<'_> {
    /// Tail-calls function `func` (an instance index) with its arguments
    /// at frame slot `base`.
    #[inline(never)]
    fn tail_call_func(&mut self, ip: Ip, func: u32, base: Slot) -> Tail {
        let imported = self.inst.module.decoded.num_imported_functions;
        if let Some(defined) = func.checked_sub(imported)
            && let Some(code) = self.own_code(defined)
        {
            // Same module, so the same configuration as the running code.
            let code = Arc::as_ptr(code);
            return self.replace_frame(ip, code, None, base);
        }
        let addr = self.inst.funcs[func as usize];
        self.tail_call(ip, addr, base)
    }

    /// Tail-calls store function `addr` with its arguments at frame slot
    /// `base`.
    #[inline(never)]
    fn tail_call(&mut self, ip: Ip, addr: u32, base: Slot) -> Tail {
        let config = self.store.engine.config();
        let Some(entity) = self.store.funcs.get(addr as usize) else {
            self.record_trap(ip, weft_exec::Trap::host("invalid function address"));
            return Tail::Trap;
        };
        let threaded = match entity {
            weft_exec::executor::FuncEntity::Wasm { module, defined, instance, .. } => {
                crate::module_code(module, *defined)
                    .cloned()
                    .filter(|code| code.runs_under(config))
                    .map(|code| (code, instance.clone()))
            }
            weft_exec::executor::FuncEntity::Host { .. } => None,
        };
        if let Some((code, instance)) = threaded {
            let instance = if Arc::ptr_eq(&instance, &self.inst) { None } else { Some(instance) };
            // The code stays alive through its module, which its instance
            // (the running instance once the frame is replaced) keeps alive.
            return self.replace_frame(ip, Arc::as_ptr(&code), instance, base);
        }
        // A host function or one on the reference engine: call, then return.
        let results = entity.ty().results().len();
        let abs = self.fp + usize::from(base);
        match self.call_addr(addr, abs) {
            Ok(Called::Done) => {
                self.slots.copy_within(abs..abs + results, self.fp);
                if self.vslots.len() >= abs + results {
                    self.vslots.copy_within(abs..abs + results, self.fp);
                }
                Tail::Return
            }
            Ok(Called::Wasm(..)) => unreachable!("a threaded callee is entered above"),
            // An exception may be caught by a caller (`exec/exceptions.rs`).
            Err(t) => match self.raise_after_tail_call(ip, t) {
                Some(ip) => Tail::Enter(ip),
                None => Tail::Trap,
            },
        }
    }

    /// Makes threaded `code` (of `instance`, if not the running one) the
    /// running frame's code, its arguments moved from frame slot `base` to
    /// the frame's first slots.
    fn replace_frame(
        &mut self,
        ip: Ip,
        code: *const crate::Code,
        instance: Option<Arc<weft_exec::executor::InstanceData>>,
        base: Slot,
    ) -> Tail {
        // SAFETY: `code` belongs to the module of the running instance or
        // of `instance`, alive for this call and, once it runs, kept alive
        // by the running instance.
        let callee = unsafe { &*code };
        if self.fp + callee.frame_size as usize > self.limits.max_value_stack {
            self.stack_exhausted(ip);
            return Tail::Trap;
        }
        let (fp, params, locals) = (self.fp, callee.params as usize, callee.locals as usize);
        let from = fp + usize::from(base);
        // The callee's frame is reserved past `fp` before it runs (the
        // vector may move: the handler after re-derives `Sp`).
        let len = (fp + super::reserved(callee)).max(from + params);
        super::reserve_slots(self.slots, len, self.limits.max_value_stack);
        self.slots.copy_within(from..from + params, fp);
        self.slots[fp + params..fp + locals].fill(0);
        if callee.v128 {
            super::simd::replace_v128_frame(&mut self.vslots, callee, fp, from);
        }
        if let Some(instance) = instance {
            let caller_inst = self.set_instance(instance);
            // The suspended caller's frame said "same instance as my
            // callee"; its callee now runs in another one.
            if let Some(frame) = self.frames.last_mut()
                && frame.instance.is_none()
            {
                frame.instance = Some(caller_inst);
            }
        }
        self.code = code;
        Tail::Enter(Ip::entry(callee))
    }

    /// The function a `call_indirect` through `table` (instance index) at
    /// element `i` reaches, checked against type `ty`; `None` after
    /// recording a trap.
    #[inline(never)]
    pub(super) fn indirect_target(&mut self, ip: Ip, ty: u32, table: u32, raw: u64) -> Option<u32> {
        let t = &self.store.tables[self.inst.tables[table as usize] as usize];
        let i = if t.ty.index64 { raw } else { raw as u32 as u64 };
        let addr = match usize::try_from(i).ok().and_then(|i| t.elements.get(i)) {
            Some(Val::FuncRef(Some(f))) => f.index(),
            Some(_) => return self.trap_none(ip, TrapKind::UninitializedElement(i)),
            None => return self.trap_none(ip, TrapKind::UndefinedElement),
        };
        // Equal canonical types, or (GC) a declared subtype of the expected one.
        if !weft_exec::gc::func_matches(self.store, addr, &self.inst.module, ty) {
            return self.trap_none(ip, TrapKind::IndirectCallTypeMismatch);
        }
        Some(addr)
    }

    /// [`indirect_target`](Self::indirect_target), and whether the callee
    /// can be entered as directly as a `call` of a defined function: a
    /// function of the running instance, with threaded code.
    ///
    /// The last callee entered this way is remembered ([`IndirectHit`]):
    /// a call through the same element value, with the same expected type,
    /// from the same instance, skips the type check and the lookups (a
    /// function's type and code never change once it is in the store and
    /// translated).
    #[inline(never)]
    pub(super) fn indirect_callee(&mut self, ip: Ip, ty: u32, table: u32, raw: u64) -> IndirectCallee {
        if let Some(hit) = self.indirect_hit
            && hit.ty == ty
            && hit.inst == Arc::as_ptr(&self.inst)
            && self.table_func(table, raw) == Some(hit.addr)
        {
            return IndirectCallee::Internal(hit.code);
        }
        let Some(addr) = self.indirect_target(ip, ty, table, raw) else { return IndirectCallee::Trap };
        if let Some(FuncEntity::Wasm { instance, defined, .. }) = self.store.funcs.get(addr as usize)
            && Arc::ptr_eq(instance, &self.inst)
            && let Some(code) = self.own_code(*defined)
        {
            let code = Arc::as_ptr(code);
            self.indirect_hit = Some(IndirectHit { inst: Arc::as_ptr(&self.inst), ty, addr, code });
            return IndirectCallee::Internal(code);
        }
        IndirectCallee::Other(addr)
    }

    /// The store address of the function at element `raw` of `table`
    /// (instance index), if the element is a non-null function reference.
    #[inline(always)]
    fn table_func(&self, table: u32, raw: u64) -> Option<u32> {
        let t = &self.store.tables[self.inst.tables[table as usize] as usize];
        let i = if t.ty.index64 { raw } else { raw as u32 as u64 };
        match usize::try_from(i).ok().and_then(|i| t.elements.get(i)) {
            Some(Val::FuncRef(Some(f))) => Some(f.index()),
            _ => None,
        }
    }

    #[cold]
    fn trap_none(&mut self, ip: Ip, kind: TrapKind) -> Option<u32> {
        self.record_trap(ip, kind);
        None
    }

    /// Records "null function reference" (scalars only, see
    /// `stack_exhausted`).
    #[cold]
    #[inline(never)]
    fn null_function(&mut self, ip: Ip) {
        self.record_trap(ip, TrapKind::NullFunctionReference);
    }
}

/// Continues after a tail call.
#[inline(always)]
fn after_tail(ex: &mut Exec<'_>, tail: Tail) -> Flow {
    match tail {
        Tail::Enter(ip) => {
            let (s, m) = (ex.sp(), ex.memory());
            next(ex, ip, s, m, NO_ACC)
        }
        Tail::Return => {
            // The callee may have grown memory 0.
            let m = ex.memory();
            return_to_caller(ex, m)
        }
        Tail::Trap => exit(Exit::Trap),
    }
}

#[handler]
pub(super) fn return_call(ex: &mut Exec<'_>, ip: Ip, _: Sp, _: Mem, _: u64) -> Flow {
    operands!(ip, ReturnCall { func, base });
    let tail = ex.tail_call_func(ip, func, base);
    after_tail(ex, tail)
}

#[handler]
pub(super) fn return_call_indirect(ex: &mut Exec<'_>, ip: Ip, s: Sp, _: Mem, _: u64) -> Flow {
    operands!(ip, ReturnCallIndirect { ty, table, c, base });
    let Some(addr) = ex.indirect_target(ip, ty, table, s.raw(c)) else { return exit(Exit::Trap) };
    let tail = ex.tail_call(ip, addr, base);
    after_tail(ex, tail)
}

#[handler]
pub(super) fn return_call_ref(ex: &mut Exec<'_>, ip: Ip, s: Sp, _: Mem, _: u64) -> Flow {
    operands!(ip, ReturnCallRef { c, base });
    let r = s.raw(c);
    if r == 0 {
        ex.null_function(ip);
        return exit(Exit::Trap);
    }
    let tail = ex.tail_call(ip, (r - 1) as u32, base);
    after_tail(ex, tail)
}

#[handler]
pub(super) fn call_ref(ex: &mut Exec<'_>, ip: Ip, s: Sp, _: Mem, _: u64) -> Flow {
    operands!(ip, CallRef { c, base });
    let r = s.raw(c);
    if r == 0 {
        ex.null_function(ip);
        return exit(Exit::Trap);
    }
    call_and_continue(ex, ip, (r - 1) as u32, base)
}

#[handler]
pub(super) fn br_on_null(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, BrOnNull { c, t });
    branch(ex, s.raw(c) == 0, ip, t, s, m, acc)
}

#[handler]
pub(super) fn br_on_non_null(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, BrOnNonNull { c, t });
    branch(ex, s.raw(c) != 0, ip, t, s, m, acc)
}
