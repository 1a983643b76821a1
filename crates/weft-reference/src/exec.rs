//! The execution rules (spec 4.4): one `match` arm per instruction for the
//! control, parametric, variable, table, memory and reference instructions.
//! Numeric instructions are in `numeric_instr.rs`.

use std::sync::Arc;

use weft_decode::MemArg;

use super::exception::raise;
use super::{Compiled, Handler, Instruction as I, Label, Machine, stack_underflow};
use weft_exec::Val;
use weft_exec::executor::EngineStore;
use weft_exec::executor::InstanceData;
use weft_exec::executor::ops;
use weft_exec::{Func, WasmTy};
use weft_exec::{Trap, TrapKind};

/// What a branch did.
pub(super) enum Branch {
    /// Continue at this instruction.
    To(usize),
    /// The branch left the function: it returned.
    Returned,
}

impl Machine {
    #[inline]
    pub(super) fn pop(&mut self) -> Result<Val, Trap> {
        self.stack.pop().ok_or_else(stack_underflow)
    }

    #[inline]
    pub(super) fn pop_as<N: WasmTy>(&mut self) -> Result<N, Trap> {
        let v = self.pop()?;
        N::from_val(v).ok_or_else(|| Trap::host(format!("operand type mismatch: found {}", v.ty())))
    }

    #[inline]
    pub(super) fn push<N: WasmTy>(&mut self, v: N) {
        self.stack.push(v.into_val());
    }

    /// Pops an address or index: `i32` (unsigned) or `i64` (memory64).
    #[inline]
    fn pop_index(&mut self) -> Result<u64, Trap> {
        match self.pop()? {
            Val::I32(x) => Ok(u64::from(x as u32)),
            Val::I64(x) => Ok(x as u64),
            v => Err(Trap::host(format!("operand type mismatch: expected an index, found {}", v.ty()))),
        }
    }

    /// An index-typed value for memory/table `index64`.
    fn index_val(index64: bool, v: u64) -> Val {
        if index64 { Val::I64(v as i64) } else { Val::I32(v as i32) }
    }

    /// `br l` (spec 4.4.8): keep the label's arity values, pop everything
    /// down to the label's height, and continue at its continuation.
    pub(super) fn branch(&mut self, depth: u32, label_base: usize) -> Result<Branch, Trap> {
        let open = self.labels.len() - label_base;
        if depth as usize >= open {
            return Ok(Branch::Returned);
        }
        let index = self.labels.len() - 1 - depth as usize;
        let label: Label = self.labels[index];
        let values_start = self.stack.len().checked_sub(label.arity as usize).ok_or_else(stack_underflow)?;
        if values_start < label.height as usize {
            return Err(stack_underflow());
        }
        self.stack.drain(label.height as usize..values_start);
        self.labels.truncate(index);
        Ok(Branch::To(label.cont as usize))
    }

    /// Enters a block whose operands are on the stack.
    fn enter(&mut self, params: u32, arity: u32, cont: usize) -> Result<(), Trap> {
        self.enter_with(params, arity, cont, Handler::None)
    }

    /// Enters a block that installs an exception handler.
    fn enter_with(&mut self, params: u32, arity: u32, cont: usize, handler: Handler) -> Result<(), Trap> {
        let height = self.stack.len().checked_sub(params as usize).ok_or_else(stack_underflow)?;
        self.labels.push(Label { arity, height: height as u32, cont: cont as u32, handler });
        Ok(())
    }

    fn memory_addr(inst: &InstanceData, mem: u32) -> Result<usize, Trap> {
        inst.memories.get(mem as usize).map(|a| *a as usize).ok_or_else(|| Trap::host("no such memory"))
    }

    fn table_addr(inst: &InstanceData, table: u32) -> Result<usize, Trap> {
        inst.tables.get(table as usize).map(|a| *a as usize).ok_or_else(|| Trap::host("no such table"))
    }

    /// Reads `N` bytes at the popped address plus the static offset
    /// (spec 4.4.7 `t.load`), or traps "out of bounds memory access".
    pub(super) fn load<const N: usize>(
        &mut self,
        store: &dyn EngineStore,
        inst: &InstanceData,
        m: MemArg,
    ) -> Result<[u8; N], Trap> {
        let addr = self.pop_index()?;
        let mem = &store.inner().memories[Self::memory_addr(inst, m.memory)?];
        let ea = addr.checked_add(m.offset).ok_or(TrapKind::MemoryOutOfBounds)?;
        let range = ops::range_in(ea, N as u64, mem.data.len()).ok_or(TrapKind::MemoryOutOfBounds)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&mem.data[range]);
        Ok(out)
    }

    /// Writes `bytes` at the popped address plus the static offset.
    pub(super) fn store_bytes<const N: usize>(
        &mut self,
        store: &mut dyn EngineStore,
        inst: &InstanceData,
        m: MemArg,
        bytes: [u8; N],
    ) -> Result<(), Trap> {
        let addr = self.pop_index()?;
        let mem = &mut store.inner_mut().memories[Self::memory_addr(inst, m.memory)?];
        let ea = addr.checked_add(m.offset).ok_or(TrapKind::MemoryOutOfBounds)?;
        let range = ops::range_in(ea, N as u64, mem.data.len()).ok_or(TrapKind::MemoryOutOfBounds)?;
        mem.data[range].copy_from_slice(&bytes);
        Ok(())
    }

    /// Runs the current frame until it calls, returns or traps. On a call
    /// the frame's `pc` is saved and the callee's frame pushed; the caller
    /// (`run`) then continues with whatever frame is on top.
    pub(super) fn run_frame(&mut self, store: &mut dyn EngineStore) -> Result<(), Trap> {
        let frame = self.frames.last().ok_or_else(|| Trap::host("no frame"))?;
        let code = frame.code.clone();
        let inst = frame.instance.clone();
        let (locals_base, label_base) = (frame.locals_base, frame.label_base);
        let mut pc = frame.pc;
        let r = self.exec(store, &code, &inst, locals_base, label_base, &mut pc);
        if r.is_err()
            && let Some(f) = self.frames.last_mut()
            && Arc::ptr_eq(&f.code, &code)
        {
            f.pc = pc;
        }
        r
    }

    pub(super) fn save_pc(&mut self, pc: usize) {
        if let Some(f) = self.frames.last_mut() {
            f.pc = pc;
        }
    }

    #[allow(clippy::too_many_lines)]
    fn exec(
        &mut self,
        store: &mut dyn EngineStore,
        code: &Compiled,
        inst: &Arc<InstanceData>,
        locals_base: usize,
        label_base: usize,
        pc: &mut usize,
    ) -> Result<(), Trap> {
        let metered = store.inner_mut().engine.config().fuel.is_some();
        // Interrupts are checked where a frame starts or resumes (every
        // call and return passes here) and at every loop iteration.
        let interruptible = store.inner_mut().engine.config().interruptible;
        if interruptible && store.inner_mut().interrupt.take() {
            return Err(Trap::new(TrapKind::Interrupted));
        }
        let mut executed_one = false;
        loop {
            if self.single_step {
                if executed_one {
                    self.save_pc(*pc);
                    return Ok(());
                }
                executed_one = true;
            }
            if metered {
                if store.inner_mut().fuel == 0 {
                    return Err(Trap::new(TrapKind::OutOfFuel));
                }
                store.inner_mut().fuel -= 1;
            }
            let instr = *code.code.get(*pc).ok_or_else(|| Trap::host("ran off the end of a function"))?;
            match instr {
                // ---- control instructions (spec 4.4.8) ----
                I::Unreachable {} => return Err(Trap::new(TrapKind::Unreachable)),
                I::Nop {} => {}
                I::Block { .. } => {
                    let b = code.blocks[*pc];
                    self.enter(b.params, b.results, b.end as usize + 1)?;
                }
                I::Loop { .. } => {
                    if interruptible && store.inner_mut().interrupt.take() {
                        return Err(Trap::new(TrapKind::Interrupted));
                    }
                    let b = code.blocks[*pc];
                    self.enter(b.params, b.params, *pc)?;
                }
                I::If { .. } => {
                    let b = code.blocks[*pc];
                    let c: i32 = self.pop_as()?;
                    self.enter(b.params, b.results, b.end as usize + 1)?;
                    if c == 0 {
                        *pc = b.else_start as usize;
                        continue;
                    }
                }
                I::Else {} => {
                    // The end of the `then` branch: continue at the `end`.
                    *pc = code.blocks[*pc].end as usize;
                    continue;
                }
                // ---- exception instructions (spec 4.4.8; `exception.rs` catches) ----
                I::TryTable { catches, .. } => {
                    let b = code.blocks[*pc];
                    self.enter_with(b.params, b.results, b.end as usize + 1, Handler::TryTable(catches.0))?;
                }
                I::Throw { tag_index } => return Err(self.throw(store, inst, tag_index)),
                I::ThrowRef {} => match self.pop()? {
                    Val::ExnRef(Some(e)) => return Err(raise(store, e.0.index)),
                    Val::ExnRef(None) => return Err(Trap::new(TrapKind::NullExceptionReference)),
                    v => return Err(Trap::host(format!("operand type mismatch: expected exnref, found {}", v.ty()))),
                },
                // The legacy form: `try` installs its clauses; reaching a
                // `catch`/`catch_all` means the body (or the previous catch
                // body) completed, so continue at the `end`.
                I::Try { .. } => {
                    let b = code.blocks[*pc];
                    self.enter_with(b.params, b.results, b.end as usize + 1, Handler::Try(b.legacy_try))?;
                }
                I::Catch { .. } | I::CatchAll {} => {
                    *pc = code.blocks[*pc].end as usize;
                    continue;
                }
                I::Rethrow { relative_depth } => {
                    let index =
                        self.labels.len().checked_sub(1 + relative_depth as usize).ok_or_else(stack_underflow)?;
                    match self.labels[index].handler {
                        Handler::Caught(exn) => return Err(raise(store, exn)),
                        _ => return Err(Trap::host("rethrow outside a catch (module not validated?)")),
                    }
                }
                I::End {} | I::Delegate { .. } => {
                    if self.labels.len() > label_base {
                        self.labels.pop();
                    } else {
                        return self.return_from_frame(store);
                    }
                }
                I::Br { relative_depth } => match self.branch(relative_depth, label_base)? {
                    Branch::To(target) => {
                        *pc = target;
                        continue;
                    }
                    Branch::Returned => return self.return_from_frame(store),
                },
                I::BrIf { relative_depth } => {
                    let c: i32 = self.pop_as()?;
                    if c != 0 {
                        match self.branch(relative_depth, label_base)? {
                            Branch::To(target) => {
                                *pc = target;
                                continue;
                            }
                            Branch::Returned => return self.return_from_frame(store),
                        }
                    }
                }
                I::BrTable { targets } => {
                    let i = self.pop_as::<i32>()? as u32 as usize;
                    let table = code.br_tables.get(targets.0 as usize).ok_or_else(|| Trap::host("bad br_table"))?;
                    let depth = table.get(i).or(table.last()).copied().unwrap_or(0);
                    match self.branch(depth, label_base)? {
                        Branch::To(target) => {
                            *pc = target;
                            continue;
                        }
                        Branch::Returned => return self.return_from_frame(store),
                    }
                }
                I::BrOnNull { relative_depth } => {
                    let v = self.pop()?;
                    if v.is_null() {
                        match self.branch(relative_depth, label_base)? {
                            Branch::To(target) => {
                                *pc = target;
                                continue;
                            }
                            Branch::Returned => return self.return_from_frame(store),
                        }
                    }
                    self.stack.push(v);
                }
                I::BrOnNonNull { relative_depth } => {
                    let v = self.pop()?;
                    if !v.is_null() {
                        self.stack.push(v);
                        match self.branch(relative_depth, label_base)? {
                            Branch::To(target) => {
                                *pc = target;
                                continue;
                            }
                            Branch::Returned => return self.return_from_frame(store),
                        }
                    }
                }
                // ---- br_on_cast (GC; the other GC instructions are in `gc_instr.rs`) ----
                I::BrOnCast { cast } | I::BrOnCastFail { cast } => {
                    let v = self.pop()?;
                    let matched = self.ref_matches(store, inst, &v, cast.to);
                    self.stack.push(v);
                    if matched == matches!(instr, I::BrOnCast { .. }) {
                        match self.branch(cast.relative_depth, label_base)? {
                            Branch::To(target) => {
                                *pc = target;
                                continue;
                            }
                            Branch::Returned => return self.return_from_frame(store),
                        }
                    }
                }
                I::Return {} => return self.return_from_frame(store),
                I::Call { function_index } => {
                    let addr =
                        *inst.funcs.get(function_index as usize).ok_or_else(|| Trap::host("no such function"))?;
                    self.save_pc(*pc + 1);
                    return self.call(store, addr, Some(inst));
                }
                I::CallIndirect { type_index, table_index } => {
                    let addr = self.indirect_target(store, inst, table_index.0, type_index)?;
                    self.save_pc(*pc + 1);
                    return self.call(store, addr, Some(inst));
                }
                I::CallRef { .. } => {
                    let addr = self.ref_target()?;
                    self.save_pc(*pc + 1);
                    return self.call(store, addr, Some(inst));
                }
                I::ReturnCall { function_index } => {
                    let addr =
                        *inst.funcs.get(function_index as usize).ok_or_else(|| Trap::host("no such function"))?;
                    return self.tail_call(store, addr, inst);
                }
                I::ReturnCallIndirect { type_index, table_index } => {
                    let addr = self.indirect_target(store, inst, table_index, type_index)?;
                    return self.tail_call(store, addr, inst);
                }
                I::ReturnCallRef { .. } => {
                    let addr = self.ref_target()?;
                    return self.tail_call(store, addr, inst);
                }

                // ---- parametric instructions (spec 4.4.4) ----
                I::Drop {} => {
                    self.pop()?;
                }
                I::Select {} | I::TypedSelect { .. } => {
                    let c: i32 = self.pop_as()?;
                    let b = self.pop()?;
                    let a = self.pop()?;
                    self.stack.push(if c != 0 { a } else { b });
                }

                // ---- variable instructions (spec 4.4.5) ----
                I::LocalGet { local_index } => {
                    let v = *self.locals.get(locals_base + local_index as usize).ok_or_else(bad_local)?;
                    self.stack.push(v);
                }
                I::LocalSet { local_index } => {
                    let v = self.pop()?;
                    *self.locals.get_mut(locals_base + local_index as usize).ok_or_else(bad_local)? = v;
                }
                I::LocalTee { local_index } => {
                    let v = *self.stack.last().ok_or_else(stack_underflow)?;
                    *self.locals.get_mut(locals_base + local_index as usize).ok_or_else(bad_local)? = v;
                }
                I::GlobalGet { global_index } => {
                    let a = *inst.globals.get(global_index as usize).ok_or_else(bad_global)?;
                    self.stack.push(store.inner_mut().globals[a as usize].value);
                }
                I::GlobalSet { global_index } => {
                    let a = *inst.globals.get(global_index as usize).ok_or_else(bad_global)?;
                    store.inner_mut().globals[a as usize].value = self.pop()?;
                }

                // ---- table instructions (spec 4.4.6) ----
                I::TableGet { table_index } => {
                    let t = Self::table_addr(inst, table_index)?;
                    let i = self.pop_index()?;
                    let elements = &store.inner_mut().tables[t].elements;
                    let v = usize::try_from(i).ok().and_then(|i| elements.get(i)).ok_or(TrapKind::TableOutOfBounds)?;
                    self.stack.push(*v);
                }
                I::TableSet { table_index } => {
                    let t = Self::table_addr(inst, table_index)?;
                    let v = self.pop()?;
                    let i = self.pop_index()?;
                    let elements = &mut store.inner_mut().tables[t].elements;
                    let slot = usize::try_from(i).ok().and_then(|i| elements.get_mut(i));
                    *slot.ok_or(TrapKind::TableOutOfBounds)? = v;
                }
                I::TableSize { table_index } => {
                    let t = &store.inner_mut().tables[Self::table_addr(inst, table_index)?];
                    self.stack.push(Self::index_val(t.ty.index64, t.elements.len() as u64));
                }
                I::TableGrow { table_index } => {
                    let t = Self::table_addr(inst, table_index)?;
                    let n = self.pop_index()?;
                    let init = self.pop()?;
                    let old = ops::table_grow(store, t, n, init).map_or(u64::MAX, |o| o);
                    self.stack.push(Self::index_val(store.inner_mut().tables[t].ty.index64, old));
                }
                I::TableFill { table_index } => {
                    let t = Self::table_addr(inst, table_index)?;
                    let n = self.pop_index()?;
                    let v = self.pop()?;
                    let i = self.pop_index()?;
                    ops::table_fill(store.inner_mut(), t, i, v, n)?;
                }
                I::TableCopy { dst_table, src_table } => {
                    let d = Self::table_addr(inst, dst_table)?;
                    let s = Self::table_addr(inst, src_table)?;
                    let n = self.pop_index()?;
                    let src = self.pop_index()?;
                    let dst = self.pop_index()?;
                    ops::table_copy(store.inner_mut(), d, s, dst, src, n)?;
                }
                I::TableInit { elem_index, table_index } => {
                    let n = self.pop_index()?;
                    let src = self.pop_index()?;
                    let dst = self.pop_index()?;
                    ops::table_init(store.inner_mut(), inst, table_index, elem_index, dst, src, n)?;
                }
                I::ElemDrop { elem_index } => {
                    let e = *inst.elems.get(elem_index as usize).ok_or_else(|| Trap::host("no such element"))?;
                    store.inner_mut().elems[e as usize].items = Vec::new();
                }

                // ---- memory instructions (spec 4.4.7) ----
                I::I32Load { memarg } => {
                    let b = self.load::<4>(store, inst, memarg)?;
                    self.push(i32::from_le_bytes(b));
                }
                I::I64Load { memarg } => {
                    let b = self.load::<8>(store, inst, memarg)?;
                    self.push(i64::from_le_bytes(b));
                }
                I::F32Load { memarg } => {
                    let b = self.load::<4>(store, inst, memarg)?;
                    self.stack.push(Val::F32(u32::from_le_bytes(b)));
                }
                I::F64Load { memarg } => {
                    let b = self.load::<8>(store, inst, memarg)?;
                    self.stack.push(Val::F64(u64::from_le_bytes(b)));
                }
                I::I32Load8S { memarg } => {
                    let b = self.load::<1>(store, inst, memarg)?;
                    self.push(i32::from(b[0] as i8));
                }
                I::I32Load8U { memarg } => {
                    let b = self.load::<1>(store, inst, memarg)?;
                    self.push(i32::from(b[0]));
                }
                I::I32Load16S { memarg } => {
                    let b = self.load::<2>(store, inst, memarg)?;
                    self.push(i32::from(i16::from_le_bytes(b)));
                }
                I::I32Load16U { memarg } => {
                    let b = self.load::<2>(store, inst, memarg)?;
                    self.push(i32::from(u16::from_le_bytes(b)));
                }
                I::I64Load8S { memarg } => {
                    let b = self.load::<1>(store, inst, memarg)?;
                    self.push(i64::from(b[0] as i8));
                }
                I::I64Load8U { memarg } => {
                    let b = self.load::<1>(store, inst, memarg)?;
                    self.push(i64::from(b[0]));
                }
                I::I64Load16S { memarg } => {
                    let b = self.load::<2>(store, inst, memarg)?;
                    self.push(i64::from(i16::from_le_bytes(b)));
                }
                I::I64Load16U { memarg } => {
                    let b = self.load::<2>(store, inst, memarg)?;
                    self.push(i64::from(u16::from_le_bytes(b)));
                }
                I::I64Load32S { memarg } => {
                    let b = self.load::<4>(store, inst, memarg)?;
                    self.push(i64::from(i32::from_le_bytes(b)));
                }
                I::I64Load32U { memarg } => {
                    let b = self.load::<4>(store, inst, memarg)?;
                    self.push(i64::from(u32::from_le_bytes(b)));
                }
                I::I32Store { memarg } => {
                    let v: i32 = self.pop_as()?;
                    self.store_bytes(store, inst, memarg, v.to_le_bytes())?;
                }
                I::I64Store { memarg } => {
                    let v: i64 = self.pop_as()?;
                    self.store_bytes(store, inst, memarg, v.to_le_bytes())?;
                }
                I::F32Store { memarg } => {
                    let Val::F32(bits) = self.pop()? else { return Err(Trap::host("operand type mismatch")) };
                    self.store_bytes(store, inst, memarg, bits.to_le_bytes())?;
                }
                I::F64Store { memarg } => {
                    let Val::F64(bits) = self.pop()? else { return Err(Trap::host("operand type mismatch")) };
                    self.store_bytes(store, inst, memarg, bits.to_le_bytes())?;
                }
                I::I32Store8 { memarg } => {
                    let v: i32 = self.pop_as()?;
                    self.store_bytes(store, inst, memarg, [v as u8])?;
                }
                I::I32Store16 { memarg } => {
                    let v: i32 = self.pop_as()?;
                    self.store_bytes(store, inst, memarg, (v as u16).to_le_bytes())?;
                }
                I::I64Store8 { memarg } => {
                    let v: i64 = self.pop_as()?;
                    self.store_bytes(store, inst, memarg, [v as u8])?;
                }
                I::I64Store16 { memarg } => {
                    let v: i64 = self.pop_as()?;
                    self.store_bytes(store, inst, memarg, (v as u16).to_le_bytes())?;
                }
                I::I64Store32 { memarg } => {
                    let v: i64 = self.pop_as()?;
                    self.store_bytes(store, inst, memarg, (v as u32).to_le_bytes())?;
                }
                I::MemorySize { mem } => {
                    let m = &store.inner_mut().memories[Self::memory_addr(inst, mem.0)?];
                    self.stack.push(Self::index_val(m.ty.index64, m.pages()));
                }
                I::MemoryGrow { mem } => {
                    let a = Self::memory_addr(inst, mem.0)?;
                    let delta = self.pop_index()?;
                    let old = ops::memory_grow(store, a, delta).map_or(u64::MAX, |o| o);
                    self.stack.push(Self::index_val(store.inner_mut().memories[a].ty.index64, old));
                }
                I::MemoryInit { data_index, mem } => {
                    let n = self.pop_index()?;
                    let src = self.pop_index()?;
                    let dst = self.pop_index()?;
                    ops::memory_init(store.inner_mut(), inst, mem, data_index, dst, src, n)?;
                }
                I::DataDrop { data_index } => {
                    let d = *inst.datas.get(data_index as usize).ok_or_else(|| Trap::host("no such data"))?;
                    store.inner_mut().datas[d as usize].bytes = Vec::new();
                }
                I::MemoryCopy { dst_mem, src_mem } => {
                    let d = Self::memory_addr(inst, dst_mem)?;
                    let s = Self::memory_addr(inst, src_mem)?;
                    let n = self.pop_index()?;
                    let src = self.pop_index()?;
                    let dst = self.pop_index()?;
                    ops::memory_copy(store.inner_mut(), d, s, dst, src, n)?;
                }
                I::MemoryFill { mem } => {
                    let a = Self::memory_addr(inst, mem)?;
                    let n = self.pop_index()?;
                    let v: i32 = self.pop_as()?;
                    let dst = self.pop_index()?;
                    ops::memory_fill(store.inner_mut(), a, dst, v as u8, n)?;
                }

                // ---- reference instructions (spec 4.4.2) ----
                I::RefNull { hty } => self.stack.push(weft_exec::gc::null_of(hty, &inst.module.decoded.types)),
                I::RefIsNull {} => {
                    let v = self.pop()?;
                    self.push(i32::from(v.is_null()));
                }
                I::RefFunc { function_index } => {
                    let a = *inst.funcs.get(function_index as usize).ok_or_else(|| Trap::host("no such function"))?;
                    self.stack.push(Val::FuncRef(Some(Func(store.inner().stored(a as usize)))));
                }
                I::RefAsNonNull {} => {
                    let v = self.pop()?;
                    if v.is_null() {
                        return Err(Trap::new(TrapKind::NullReference));
                    }
                    self.stack.push(v);
                }

                // ---- numeric (spec 4.4.1) and vector (4.4.3, `simd_instr.rs`) instructions ----
                other => {
                    if !self.exec_numeric(other)?
                        && !self.exec_simd(store, inst, other)?
                        && !self.exec_gc(store, inst, other)?
                    {
                        return Err(Trap::new(TrapKind::Unsupported(other.mnemonic().to_string())));
                    }
                }
            }
            *pc += 1;
        }
    }

    /// The function `call_indirect` reaches (spec 4.4.8 `call_indirect`):
    /// traps on an index beyond the table, a null entry, or a type mismatch.
    fn indirect_target(
        &mut self,
        store: &dyn EngineStore,
        inst: &InstanceData,
        table: u32,
        type_index: u32,
    ) -> Result<u32, Trap> {
        let t = Self::table_addr(inst, table)?;
        let i = self.pop_index()?;
        let elements = &store.inner().tables[t].elements;
        let entry = usize::try_from(i).ok().and_then(|i| elements.get(i)).ok_or(TrapKind::UndefinedElement)?;
        let Val::FuncRef(Some(f)) = entry else { return Err(Trap::new(TrapKind::UninitializedElement(i))) };
        let addr = f.0.index;
        if !weft_exec::gc::func_matches(store.inner(), addr, &inst.module, type_index) {
            return Err(Trap::new(TrapKind::IndirectCallTypeMismatch));
        }
        Ok(addr)
    }

    /// The function a `call_ref` reaches: traps on null.
    fn ref_target(&mut self) -> Result<u32, Trap> {
        match self.pop()? {
            Val::FuncRef(Some(f)) => Ok(f.0.index),
            Val::FuncRef(None) => Err(Trap::new(TrapKind::NullFunctionReference)),
            v => Err(Trap::host(format!("operand type mismatch: expected a function reference, found {}", v.ty()))),
        }
    }

    /// `return_call` (tail calls): the current frame is replaced by the
    /// callee's, so the frame stack does not grow.
    fn tail_call(&mut self, store: &mut dyn EngineStore, addr: u32, inst: &Arc<InstanceData>) -> Result<(), Trap> {
        let n = store.inner_mut().funcs.get(addr as usize).map(|f| f.ty().params().len()).unwrap_or(0);
        let args_start = self.stack.len().checked_sub(n).ok_or_else(stack_underflow)?;
        let args = self.stack.split_off(args_start);
        let frame = self.frames.pop().ok_or_else(|| Trap::host("no frame"))?;
        self.stack.truncate(frame.stack_base);
        self.locals.truncate(frame.locals_base);
        self.labels.truncate(frame.label_base);
        store.inner_mut().call_depth -= 1;
        self.stack.extend(args);
        self.call(store, addr, Some(inst))
    }
}

#[cold]
fn bad_local() -> Trap {
    Trap::host("local index out of range")
}

#[cold]
fn bad_global() -> Trap {
    Trap::host("global index out of range")
}
