//! Raising exceptions and unwinding to their handlers.
//!
//! An exception reaches threaded code two ways: an [`Op::Throw`] or
//! [`Op::ThrowRef`] raises one, or a call to a host function or to a
//! function on the reference engine returns an error of kind
//! [`TrapKind::Exception`]. Both go through [`Exec::raise`], which
//!
//! 1. searches the running frame's handler table
//!    ([`Code::handlers`](crate::Code)) for a handler covering the
//!    raising op, innermost first, then each suspended frame's at the call
//!    it is waiting in — without popping anything, so an uncaught
//!    exception keeps every frame for its backtrace;
//! 2. if a clause matches (its tag is the instance's tag in that frame's
//!    instance, or it catches all), pops the frames above it as returns
//!    do, writes the fields and/or the `exnref` to the clause's slots and
//!    continues at its target;
//! 3. otherwise records the error, which leaves the activation as today:
//!    to the host, or to the host function that re-entered wasm.
//!
//! Only exception instances of this store are caught; every other error
//! (a trap, a host function's own error) passes through untouched.
//!
//! The helpers are out of line and return at most an op pointer, so the
//! handlers that call them keep no stack slot whose address escapes and
//! their final call stays a jump (see `backend.rs`).

use super::backend::{Flow, NO_ACC, exit, next};
use super::{Exec, Exit, Ip, Mem, Sp, to_raw, to_val};
use crate::Code;
use crate::op::Op;
use crate::translate::exceptions::{ExnAction, ExnClause};
use weft_exec::Thrown;
use weft_exec::Val;
use weft_exec::executor::{alloc_exn as alloc, escape_error, escape_exn as escape, release_exn as release};
use weft_exec::gc;
use weft_exec::{Trap, TrapKind};
use weft_macros::handler;

/// `throw` and `throw_ref`: raise, then continue at the handler that
/// caught the exception (possibly in a caller), or stop the chain.
#[handler]
pub(super) fn throw(ex: &mut Exec<'_>, ip: Ip, s: Sp, _: Mem, _: u64) -> Flow {
    match ex.throw_op(ip, s) {
        Some(ip) => {
            let (s, m) = (ex.sp(), ex.memory());
            next(ex, ip, s, m, NO_ACC)
        }
        None => exit(Exit::Trap),
    }
}

/// The first clause of `code`'s handlers that catches an exception raised
/// at op `pc` (`is_tag` tells whether a module tag index is its tag).
fn search(code: &Code, pc: u32, is_tag: impl Fn(u32) -> bool) -> Option<ExnClause> {
    // A `delegate` passes the exception to the handlers of depth `to` or
    // less: the ones between it and its label are skipped.
    let mut max_depth = u32::MAX;
    for h in code.handlers.iter() {
        if pc < h.start || pc >= h.end || h.depth > max_depth {
            continue;
        }
        match &h.action {
            ExnAction::Catch(clauses) => {
                if let Some(c) = clauses.iter().find(|c| c.tag.is_none_or(&is_tag)) {
                    return Some(*c);
                }
            }
            ExnAction::Delegate { to } => max_depth = *to,
        }
    }
    None
}

impl Exec<'_> {
    /// Executes the `Throw` or `ThrowRef` at `ip`: the op to continue at,
    /// or `None` after recording the error.
    #[cold]
    #[inline(never)]
    fn throw_op(&mut self, ip: Ip, s: Sp) -> Option<Ip> {
        let exn = match ip.op() {
            Op::Throw { a, tag } => {
                let addr = self.inst.tags[tag as usize];
                let types = self.store.tags[addr as usize].func_type.params().to_vec();
                if !self.run_in_frame(a, types.len()) {
                    self.record_trap(ip, Trap::host("throw payload outside the frame"));
                    return None;
                }
                // The payload's hierarchies by the module's own type for the
                // tag (the store's is its defining module's).
                let d = &self.inst.module.decoded;
                let own = module_tag_params(&self.inst.module, tag);
                let fields: Box<[Val]> = types
                    .iter()
                    .enumerate()
                    .map(|(k, t)| {
                        let t = own.as_ref().and_then(|p| p.get(k).copied()).unwrap_or(*t);
                        to_val(self.store, s.raw(a + k as u16), t, &d.types)
                    })
                    .collect();
                // Throwing allocates: count it toward the next collection,
                // whose roots are this activation's slots (`exnref`s and
                // objects included) and the payload.
                self.with_erased_scanning(|store, slots| {
                    gc::exception_allocating_scanning(store, fields.len(), &[&fields], slots)
                });
                alloc(self.store, addr, fields)
            }
            Op::ThrowRef { a } => match s.raw(a) {
                0 => {
                    self.record_trap(ip, TrapKind::NullExceptionReference);
                    return None;
                }
                r => gc::raw::exn_index(r),
            },
            other => unreachable!("{other:?} reached the throw handler"),
        };
        let trap = Trap::new(TrapKind::Exception(Thrown::of(self.store, exn)));
        self.raise(ip, trap)
    }

    /// Offers the error `trap`, raised at the op `ip` of the running frame,
    /// to the handlers: the op to continue at if one catches it (its frame
    /// is now the running one), or `None` after recording the error.
    #[cold]
    #[inline(never)]
    pub(super) fn raise(&mut self, ip: Ip, trap: Trap) -> Option<Ip> {
        self.raise_from(ip, trap, false)
    }

    /// [`raise`](Self::raise) for an error returned by the host or
    /// reference-engine callee of a tail call at `ip`: the running frame
    /// ended with the tail call, so its own handlers do not apply and the
    /// search starts at its caller (as the reference engine, which pops
    /// the frame before the call).
    #[cold]
    #[inline(never)]
    pub(super) fn raise_after_tail_call(&mut self, ip: Ip, trap: Trap) -> Option<Ip> {
        self.raise_from(ip, trap, true)
    }

    fn raise_from(&mut self, ip: Ip, trap: Trap, skip_running: bool) -> Option<Ip> {
        let exn = match trap.exception() {
            Some(t) if t.exn.0.store == self.store.id => t.exn.0.index,
            _ => {
                self.record_trap(ip, trap);
                return None;
            }
        };
        let tag = self.store.exns[exn as usize].tag;
        match self.find_handler(ip, tag, skip_running) {
            Some((frames, clause)) => {
                self.land(frames, clause, exn);
                Some(Ip::at(self.code(), clause.target as usize))
            }
            None => {
                escape_error(self.store, &trap);
                self.record_trap(ip, trap);
                None
            }
        }
    }

    /// The clause that catches an exception of tag `tag` (a store address)
    /// raised at `ip` (with `skip_running`, by the running frame's tail
    /// call: only its callers' handlers), and how many frames are above the
    /// one it belongs to.
    fn find_handler(&self, ip: Ip, tag: u32, skip_running: bool) -> Option<(usize, ExnClause)> {
        let mut code = self.code();
        let mut pc = ip.pc(code);
        let mut inst = &self.inst;
        let mut suspended = self.frames.iter().rev();
        let mut above = 0;
        let mut skip = skip_running;
        loop {
            if !skip && let Some(c) = search(code, pc as u32, |x| inst.tags.get(x as usize) == Some(&tag)) {
                return Some((above, c));
            }
            skip = false;
            let f = suspended.next()?;
            inst = f.instance.as_ref().unwrap_or(inst);
            // SAFETY: a suspended frame's code lives as long as the frame
            // (see `Exec::code`).
            code = unsafe { &*f.code };
            // A caller waits in the call op before its return address.
            pc = f.ip.pc(code).wrapping_sub(1);
            above += 1;
        }
    }

    /// Pops `frames` frames and delivers exception instance `exn` to
    /// `clause` of the frame that is then running.
    fn land(&mut self, frames: usize, clause: ExnClause, exn: u32) {
        for _ in 0..frames {
            // The memory registers are re-read by the caller of `raise`.
            self.return_from_frame(Mem { ptr: std::ptr::null_mut(), len: 0 });
        }
        if let Some(first) = clause.fields {
            let base = self.fp + usize::from(first);
            let store = &mut *self.store;
            for k in 0..store.exns[exn as usize].fields.len() {
                let v = store.exns[exn as usize].fields[k];
                self.slots[base + k] = to_raw(store, v);
            }
        }
        match clause.exnref {
            Some(slot) => {
                // An `exnref` to it now exists.
                escape(self.store, exn);
                self.slots[self.fp + usize::from(slot)] = self.store.gc.exn_word(exn);
            }
            // Nothing can refer to it any more (unless it escaped before).
            None => release(self.store, exn),
        }
    }
}

/// The payload types of tag `tag` as module `module` declares it.
fn module_tag_params(module: &weft_exec::executor::ModuleInner, tag: u32) -> Option<Vec<weft_decode::ValType>> {
    let d = &module.decoded;
    let imported = d.imports.iter().filter_map(|i| match &i.ty {
        weft_decode::ImportType::Tag(t) => Some(*t),
        _ => None,
    });
    let ty = match tag.checked_sub(d.num_imported_tags) {
        Some(defined) => d.tags.get(defined as usize).copied(),
        None => imported.clone().nth(tag as usize),
    }?;
    module.func_type(ty.type_index).map(|f| f.params().to_vec())
}
