//! Catching exceptions (spec 4.4.8, the `throw_ref` rules with handlers,
//! and the legacy exception-handling proposal's `try`/`catch`/`delegate`).
//!
//! An exception instance raised by `throw`, `throw_ref`, `rethrow` or a
//! host function travels as a [`Trap`] of kind
//! [`TrapKind::Exception`](weft_exec::TrapKind::Exception). [`Machine::catch`]
//! looks for a handler in two steps, so an uncaught exception keeps the
//! frames for its backtrace:
//!
//! 1. `find_handler` walks the labels from the innermost outwards, frame
//!    by frame, and stops at the first clause that matches: `catch x` and
//!    `catch_ref x` when the instance's tag is the tag `x` of the frame's
//!    module instance, `catch_all` and `catch_all_ref` always; a legacy
//!    `try` tries its `catch x`/`catch_all` clauses in order, and a
//!    `delegate l` continues the search at label `l` outside its `try`.
//! 2. `enter_handler` pops the frames and labels above the handler's
//!    block, the block's label and its operands, then pushes the fields
//!    (`catch`, `catch_ref`, legacy `catch`) and the `exnref` (`catch_ref`,
//!    `catch_all_ref`) and branches to the clause's label (`try_table`), or
//!    runs the legacy catch body under a label remembering the instance.
//!
//! A host function's error of this kind is thrown in its caller like any
//! other (wasmtime's behaviour: a host that returns the exception it got
//! from a nested call re-throws it); all other traps pass through.

use weft_decode::Catch;

use super::exec::Branch;
use super::{Handler, Label, Machine};
use weft_exec::Val;
use weft_exec::executor::EngineStore;
use weft_exec::executor::InstanceData;
use weft_exec::executor::{alloc_exn as alloc, escape_exn as escape, pin_exn as pin, release_exn as release};
use weft_exec::{Exn, Thrown};
use weft_exec::{Trap, TrapKind};

/// A handler found for an exception.
struct Found {
    /// The frame whose block installed it.
    frame: usize,
    /// The block's label (an index into `Machine::labels`).
    label: usize,
    action: Action,
}

/// What the matching clause does.
enum Action {
    /// A `try_table` clause: push the fields and/or the `exnref`, then
    /// branch to label `depth` (counted outside the `try_table`).
    Branch { depth: u32, fields: bool, exnref: bool },
    /// A legacy `catch`/`catch_all`: its body starts after position `at`.
    Legacy { at: u32, fields: bool },
}

/// The error raising exception instance `exn` (a store address).
pub(super) fn raise(store: &dyn EngineStore, exn: u32) -> Trap {
    Trap::new(TrapKind::Exception(Thrown::of(store.inner(), exn)))
}

impl Machine {
    /// `throw x` (spec 4.4.8): allocates an instance of tag `x` of `inst`
    /// with the tag's parameters popped as fields, and raises it.
    pub(super) fn throw(&mut self, store: &mut dyn EngineStore, inst: &InstanceData, tag_index: u32) -> Trap {
        let Some(&tag) = inst.tags.get(tag_index as usize) else { return Trap::host("no such tag") };
        let n = store.inner_mut().tags[tag as usize].func_type.params().len();
        let Some(start) = self.stack.len().checked_sub(n) else { return super::stack_underflow() };
        let fields = self.stack.split_off(start).into_boxed_slice();
        // Throwing counts toward the next collection, which may run now.
        weft_exec::gc::exception_allocating(store, fields.len(), &[&self.stack, &self.locals, &fields]);
        let exn = alloc(store.inner_mut(), tag, fields);
        raise(store, exn)
    }

    /// Handles an error raised while running: an exception with a handler
    /// in this machine continues there (`Ok`); anything else is returned.
    pub(super) fn catch(&mut self, store: &mut dyn EngineStore, trap: Trap) -> Result<(), Trap> {
        let Some(thrown) = trap.exception() else { return Err(trap) };
        if thrown.exn.0.store != store.inner_mut().id {
            return Err(trap);
        }
        let exn = thrown.exn.0.index;
        match self.find_handler(store, exn) {
            Some(found) => self.enter_handler(store, exn, found),
            None => Err(trap),
        }
    }

    /// The innermost handler that catches instance `exn`, if any.
    fn find_handler(&self, store: &dyn EngineStore, exn: u32) -> Option<Found> {
        let tag = store.inner().exns[exn as usize].tag;
        let mut from = self.labels.len();
        for (fi, frame) in self.frames.iter().enumerate().rev() {
            let is_tag = |x: u32| frame.instance.tags.get(x as usize) == Some(&tag);
            while from > frame.label_base {
                let i = from - 1;
                let found = |action| Some(Found { frame: fi, label: i, action });
                from = i;
                match self.labels[i].handler {
                    Handler::TryTable(c) => {
                        for clause in frame.code.catches.get(c as usize).map_or(&[][..], |c| &c[..]) {
                            let action = match *clause {
                                Catch::One { tag: x, label } if is_tag(x) => {
                                    Action::Branch { depth: label, fields: true, exnref: false }
                                }
                                Catch::OneRef { tag: x, label } if is_tag(x) => {
                                    Action::Branch { depth: label, fields: true, exnref: true }
                                }
                                Catch::All { label } => Action::Branch { depth: label, fields: false, exnref: false },
                                Catch::AllRef { label } => Action::Branch { depth: label, fields: false, exnref: true },
                                _ => continue,
                            };
                            return found(action);
                        }
                    }
                    Handler::Try(t) => {
                        let Some(legacy) = frame.code.tries.get(t as usize) else { continue };
                        for &(x, at) in &legacy.catches {
                            if x.is_none_or(is_tag) {
                                return found(Action::Legacy { at, fields: x.is_some() });
                            }
                        }
                        if let Some(l) = legacy.delegate {
                            // Label `l` outside the `try` is label `i - 1 - l`;
                            // its own handler is searched next.
                            from = i.saturating_sub(l as usize).max(frame.label_base);
                        }
                    }
                    Handler::None | Handler::Caught(_) => {}
                }
            }
            from = frame.label_base;
        }
        None
    }

    /// Unwinds to `found` and continues in its handler.
    fn enter_handler(&mut self, store: &mut dyn EngineStore, exn: u32, found: Found) -> Result<(), Trap> {
        while self.frames.len() > found.frame + 1 {
            if let Some(frame) = self.frames.pop() {
                self.stack.truncate(frame.stack_base);
                self.locals.truncate(frame.locals_base);
                self.labels.truncate(frame.label_base);
                store.inner_mut().call_depth -= 1;
            }
        }
        let label: Label = self.labels[found.label];
        self.labels.truncate(found.label);
        self.stack.truncate(label.height as usize);
        let label_base = self.frames.last().map_or(0, |f| f.label_base);
        match found.action {
            Action::Branch { depth, fields, exnref } => {
                if fields {
                    self.stack.extend_from_slice(&store.inner_mut().exns[exn as usize].fields);
                }
                if exnref {
                    escape(store.inner_mut(), exn);
                    self.stack.push(Val::ExnRef(Some(Exn(store.inner().stored(exn as usize)))));
                } else {
                    // Nothing refers to it any more (unless it escaped).
                    release(store.inner_mut(), exn);
                }
                match self.branch(depth, label_base)? {
                    Branch::To(target) => self.save_pc(target),
                    Branch::Returned => self.return_from_frame(store)?,
                }
            }
            Action::Legacy { at, fields } => {
                // The catch body's label refers to it (for `rethrow`): a
                // handler inside the body that catches a rethrown copy
                // must not recycle it, and the collector does not see labels.
                pin(store.inner_mut(), exn);
                if fields {
                    self.stack.extend_from_slice(&store.inner_mut().exns[exn as usize].fields);
                }
                self.labels.push(Label { handler: Handler::Caught(exn), ..label });
                self.save_pc(at as usize + 1);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use weft_exec::executor::EngineStore;
    use weft_exec::{Config, Engine, Linker, Module, Store};

    use crate::ReferenceExecutor;

    /// Instances caught by `catch` are recycled; `catch_ref` ones are kept.
    #[test]
    fn caught_instances_are_recycled_unless_they_escaped() {
        let reference = Arc::new(ReferenceExecutor);
        let engine = Engine::with_executors(&Config::default(), reference.clone(), reference);
        let module = Module::new(
            &engine,
            r#"(module
                (tag $e (param i32))
                (func (export "by_tag") (param $n i32)
                    (loop $l
                        (block $h (result i32)
                            (try_table (catch $e $h) (throw $e (local.get $n)))
                            (unreachable))
                        (drop)
                        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
                (func (export "by_ref") (param $n i32)
                    (loop $l
                        (block $h (result i32 exnref)
                            (try_table (catch_ref $e $h) (throw $e (local.get $n)))
                            (unreachable))
                        (drop) (drop)
                        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let by_tag = instance.get_typed_func::<i32, (), _>(&store, "by_tag").unwrap();
        by_tag.call(&mut store, 1000).unwrap();
        assert_eq!(store.inner().exns.len(), 1);
        let by_ref = instance.get_typed_func::<i32, (), _>(&store, "by_ref").unwrap();
        by_ref.call(&mut store, 10).unwrap();
        assert_eq!(store.inner().exns.len(), 10);
    }
}
