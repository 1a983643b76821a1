//! The execution differential shared by `tests/differential.rs` and the
//! `differential` fuzz target (`fuzz/fuzz_targets/differential.rs`, which
//! includes this file by path): modules run on weft-threaded,
//! weft-reference and wasmi 2.x, every export called with generated
//! arguments; results, trap kinds (mapped to common classes), exported
//! globals and whole memories must agree.
//!
//! A panic inside wasmi (2.0.0 panics on at least one generated module,
//! differential seed 1127) is caught and the module recorded and skipped
//! ([`Divergence::PeerPanicked`]): it says nothing about weft. A panic in
//! weft is never caught here.
#![allow(dead_code)]

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use weft::{Config, Engine, EngineKind, Extern, Instance, Linker, Module, Store, StoreLimits, TrapKind, Val};

/// A small deterministic generator (xorshift64*), so every run sees the
/// same cases for the same seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next value.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

pub const FUEL: u64 = 20_000;

/// The largest memory any engine may grow to, in bytes (`memory.grow`
/// beyond it returns -1 on all three): without it a module may
/// legitimately grow a memory to 4 GiB, which is no test of anything and
/// exhausts a fuzzer's memory (the `differential` fuzz target's first
/// finding: a 2.2 GB `memory.grow`).
pub const MAX_MEMORY_BYTES: usize = 64 << 20;

/// The largest table any engine may grow to, in elements.
pub const MAX_TABLE_ELEMENTS: usize = 100_000;

/// The features weft and wasmi 2 (default configuration) both run.
pub fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        gc_enabled: false,
        custom_descriptors_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        threads_enabled: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        wide_arithmetic_enabled: false,
        custom_page_sizes_enabled: false,
        memory64_enabled: false,
        canonicalize_nans: true,
        max_imports: 0,
        min_funcs: 1,
        max_funcs: 12,
        max_instructions: 200,
        max_nesting_depth: 12,
        max_memories: 1,
        max_tables: 2,
        max_data_segments: 8,
        max_memory32_bytes: 4 << 20,
        max_table_elements: 10_000,
        max_element_segments: 8,
        export_everything: true,
        ..wasm_smith::Config::default()
    }
}

/// Why a module's comparison stopped.
#[derive(Debug, Clone)]
pub enum Divergence {
    /// The engines disagreed: a bug in one of them.
    Differs(String),
    /// wasmi panicked (its message): the module is recorded and skipped.
    PeerPanicked(String),
}

thread_local! {
    static IN_PEER: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is inside a call into wasmi right now (a panic
/// hook uses it to let only the peer's panics unwind).
pub fn in_peer() -> bool {
    IN_PEER.with(Cell::get)
}

/// Runs `f` (a call into wasmi) and catches a panic in it.
fn peer<R>(f: impl FnOnce() -> R) -> Result<R, Divergence> {
    IN_PEER.with(|p| p.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_PEER.with(|p| p.set(false));
    result.map_err(|panic| {
        let text = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Divergence::PeerPanicked(text)
    })
}

/// What one call did, in terms both runtimes can express.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Results as (type tag, bits); references only as null/non-null.
    Returned(Vec<(u8, u64)>),
    Trapped(&'static str),
    /// Out of fuel or call stack: not comparable.
    Inconclusive,
    /// The engine refused (e.g. instantiation failed for a non-trap reason).
    Error(String),
}

pub fn weft_trap_class(kind: &TrapKind) -> Option<&'static str> {
    Some(match kind {
        TrapKind::Unreachable => "unreachable",
        TrapKind::IntegerDivideByZero => "divide by zero",
        TrapKind::IntegerOverflow => "integer overflow",
        TrapKind::InvalidConversionToInteger => "invalid conversion",
        TrapKind::MemoryOutOfBounds => "memory out of bounds",
        TrapKind::TableOutOfBounds | TrapKind::UndefinedElement => "table out of bounds",
        TrapKind::UninitializedElement(_) | TrapKind::NullFunctionReference => "null function",
        TrapKind::IndirectCallTypeMismatch => "signature mismatch",
        TrapKind::NullReference => "null reference",
        TrapKind::CallStackExhausted | TrapKind::OutOfFuel => return None,
        _ => "other",
    })
}

pub fn wasmi_trap_class(code: wasmi::TrapCode) -> Option<&'static str> {
    use wasmi::TrapCode as T;
    Some(match code {
        T::UnreachableCodeReached => "unreachable",
        T::IntegerDivisionByZero => "divide by zero",
        T::IntegerOverflow => "integer overflow",
        T::BadConversionToInteger => "invalid conversion",
        T::MemoryOutOfBounds => "memory out of bounds",
        T::TableOutOfBounds => "table out of bounds",
        T::IndirectCallToNull => "null function",
        T::BadSignature => "signature mismatch",
        T::StackOverflow | T::OutOfFuel => return None,
        _ => "other",
    })
}

pub fn weft_outcome(result: weft::Result<Vec<Val>>) -> Outcome {
    match result {
        Ok(vals) => Outcome::Returned(vals.iter().map(weft_val).collect()),
        Err(weft::Error::Trap(t)) => match weft_trap_class(t.kind()) {
            Some(class) => Outcome::Trapped(class),
            None => Outcome::Inconclusive,
        },
        Err(e) => Outcome::Error(e.to_string()),
    }
}

pub fn weft_val(v: &Val) -> (u8, u64) {
    match *v {
        Val::I32(x) => (0, x as u32 as u64),
        Val::I64(x) => (1, x as u64),
        Val::F32(b) => (2, u64::from(b)),
        Val::F64(b) => (3, b),
        Val::FuncRef(f) => (4, u64::from(f.is_some())),
        Val::ExternRef(e) => (5, u64::from(e.is_some())),
        _ => (9, 0),
    }
}

pub fn wasmi_val(v: &wasmi::Val) -> (u8, u64) {
    match v {
        wasmi::Val::I32(x) => (0, *x as u32 as u64),
        wasmi::Val::I64(x) => (1, *x as u64),
        wasmi::Val::F32(f) => (2, u64::from(f.to_bits())),
        wasmi::Val::F64(f) => (3, f.to_bits()),
        wasmi::Val::FuncRef(f) => (4, u64::from(!f.is_null())),
        wasmi::Val::ExternRef(e) => (5, u64::from(!e.is_null())),
        _ => (9, 0),
    }
}

pub fn wasmi_outcome(result: Result<Vec<wasmi::Val>, wasmi::Error>) -> Outcome {
    match result {
        Ok(vals) => Outcome::Returned(vals.iter().map(wasmi_val).collect()),
        Err(e) => match e.as_trap_code() {
            Some(code) => match wasmi_trap_class(code) {
                Some(class) => Outcome::Trapped(class),
                None => Outcome::Inconclusive,
            },
            None => Outcome::Error(e.to_string()),
        },
    }
}

/// An argument of type `ty` drawn from `rng`: small and edge values.
pub fn arg(rng: &mut Rng, ty: &weft::ValType) -> (Val, wasmi::Val) {
    let pick = rng.next();
    let int = match pick % 4 {
        0 => 0,
        1 => 1,
        2 => u64::MAX,
        _ => rng.next() % 65_536,
    };
    match ty {
        weft::ValType::I32 => (Val::I32(int as i32), wasmi::Val::I32(int as i32)),
        weft::ValType::I64 => (Val::I64(int as i64), wasmi::Val::I64(int as i64)),
        weft::ValType::F32 => {
            let f = (int as i32 as f32) * 0.5;
            (Val::f32(f), wasmi::Val::F32(f.into()))
        }
        weft::ValType::F64 => {
            let f = (int as i64 as f64) * 0.25;
            (Val::f64(f), wasmi::Val::F64(f.into()))
        }
        weft::ValType::Ref(r) if matches!(r.heap, weft::raw::decode::HeapType::Extern) => {
            (Val::ExternRef(None), wasmi::Val::ExternRef(wasmi::Nullable::Null))
        }
        _ => (Val::FuncRef(None), wasmi::Val::FuncRef(wasmi::Nullable::Null)),
    }
}

pub struct WeftSide {
    store: Store<StoreLimits>,
    instance: Instance,
}

pub fn weft_instantiate(bytes: &[u8], kind: EngineKind) -> Result<WeftSide, Outcome> {
    let mut config = Config::new();
    config.engine_kind(kind).consume_fuel(FUEL).max_call_depth(1_000);
    let engine = Engine::new(&config);
    let module = Module::from_binary(&engine, bytes).map_err(|e| Outcome::Error(format!("compile: {e}")))?;
    let mut store =
        Store::new(&engine, StoreLimits { max_memory_bytes: MAX_MEMORY_BYTES, max_table_elements: MAX_TABLE_ELEMENTS });
    store.limiter(|limits| limits);
    let linker = Linker::new(&engine);
    match linker.instantiate(&mut store, &module) {
        Ok(instance) => Ok(WeftSide { store, instance }),
        Err(e) => Err(weft_outcome(Err(e))),
    }
}

pub struct WasmiSide {
    store: wasmi::Store<wasmi::StoreLimits>,
    instance: wasmi::Instance,
}

pub fn wasmi_instantiate(bytes: &[u8]) -> Result<WasmiSide, Outcome> {
    let mut config = wasmi::Config::default();
    config.consume_fuel(true);
    let engine = wasmi::Engine::new(&config);
    let module = wasmi::Module::new(&engine, bytes).map_err(|e| Outcome::Error(format!("compile: {e}")))?;
    let limits =
        wasmi::StoreLimitsBuilder::new().memory_size(MAX_MEMORY_BYTES).table_elements(MAX_TABLE_ELEMENTS).build();
    let mut store = wasmi::Store::new(&engine, limits);
    store.limiter(|limits| limits);
    store.set_fuel(FUEL).expect("fuel is enabled");
    let linker = wasmi::Linker::<wasmi::StoreLimits>::new(&engine);
    match linker.instantiate_and_start(&mut store, &module) {
        Ok(instance) => Ok(WasmiSide { store, instance }),
        Err(e) => Err(wasmi_outcome(Err(e))),
    }
}

/// Instantiates `bytes` on the three engines; `Ok(None)` when all three
/// refuse the same way (or one inconclusively), `Err` when they disagree.
pub fn instantiate_all(bytes: &[u8]) -> Result<Option<(WeftSide, WeftSide, WasmiSide)>, Divergence> {
    let threaded = weft_instantiate(bytes, EngineKind::Threaded);
    let reference = weft_instantiate(bytes, EngineKind::Reference);
    let wasmi = peer(|| wasmi_instantiate(bytes))?;
    match (threaded, reference, wasmi) {
        (Ok(t), Ok(r), Ok(w)) => Ok(Some((t, r, w))),
        (t, r, w) => {
            let o = |x: Result<(), Outcome>| x.err();
            let (t, r, w) = (o(t.map(|_| ())), o(r.map(|_| ())), o(w.map(|_| ())));
            let inconclusive = [&t, &r, &w].iter().any(|x| matches!(x, Some(Outcome::Inconclusive)));
            let same_kind = |a: &Option<Outcome>, b: &Option<Outcome>| match (a, b) {
                (None, None) => true,
                (Some(Outcome::Trapped(x)), Some(Outcome::Trapped(y))) => x == y,
                (Some(Outcome::Error(_)), Some(Outcome::Error(_))) => true,
                _ => false,
            };
            // wasmi reports some instantiation traps (segments out of bounds)
            // as plain errors, so against wasmi only failing counts; the two
            // weft engines must agree exactly.
            if inconclusive || (same_kind(&t, &r) && w.is_some() == r.is_some()) {
                Ok(None)
            } else {
                Err(Divergence::Differs(format!("instantiation differs: threaded {t:?}, reference {r:?}, wasmi {w:?}")))
            }
        }
    }
}

/// Runs one module on the three engines: each export is called on fresh
/// instances, so a call that is not comparable (out of fuel) does not spoil
/// the others. `Ok` counts the calls compared; `Err` describes a divergence.
pub fn run_case(bytes: &[u8], rng: &mut Rng) -> Result<usize, Divergence> {
    let Some((threaded, ..)) = instantiate_all(bytes)? else {
        return Ok(0);
    };
    let exports: Vec<(String, weft::FuncType)> = threaded
        .instance
        .exports()
        .filter_map(|(name, e)| match e {
            Extern::Func(f) => Some((name.to_string(), f.ty(&threaded.store).ok()?)),
            _ => None,
        })
        .collect();
    let mut calls = 0;
    for (name, ty) in exports {
        let Some((mut threaded, mut reference, mut wasmi)) = instantiate_all(bytes)? else {
            return Ok(calls);
        };
        let (weft_args, wasmi_args): (Vec<Val>, Vec<wasmi::Val>) = ty.params().iter().map(|t| arg(rng, t)).unzip();
        let call_weft = |side: &mut WeftSide| {
            let f = side.instance.get_func(&name).expect("exported by both");
            let _ = side.store.set_fuel(FUEL);
            weft_outcome(f.call_vec(&mut side.store, &weft_args))
        };
        let t = call_weft(&mut threaded);
        let r = call_weft(&mut reference);
        let w = peer(|| {
            let f = wasmi.instance.get_func(&wasmi.store, &name).expect("exported by wasmi");
            let _ = wasmi.store.set_fuel(FUEL);
            let n = f.ty(&wasmi.store).results().len();
            let mut out = vec![wasmi::Val::I32(0); n];
            wasmi_outcome(f.call(&mut wasmi.store, &wasmi_args, &mut out).map(|()| out))
        })?;
        if [&t, &r, &w].iter().any(|o| matches!(o, Outcome::Inconclusive)) {
            continue;
        }
        calls += 1;
        if t != r || r != w {
            return Err(Divergence::Differs(format!(
                "call {name}{weft_args:?}: threaded {t:?}, reference {r:?}, wasmi {w:?}"
            )));
        }
        compare_state(&threaded, &reference, &wasmi).map_err(|e| Divergence::Differs(format!("after {name}: {e}")))?;
    }
    Ok(calls)
}

/// Exported globals and memories must be equal after the calls.
pub fn compare_state(threaded: &WeftSide, reference: &WeftSide, wasmi: &WasmiSide) -> Result<(), String> {
    for (name, e) in reference.instance.exports() {
        match e {
            Extern::Global(g) => {
                let r = weft_val(&g.get(&reference.store).map_err(|e| e.to_string())?);
                let t = threaded.instance.get_global(name).expect("same exports");
                let t = weft_val(&t.get(&threaded.store).map_err(|e| e.to_string())?);
                let w = wasmi.instance.get_global(&wasmi.store, name).expect("same exports");
                let w = wasmi_val(&w.get(&wasmi.store));
                if t != r || r != w {
                    return Err(format!("global {name}: threaded {t:?}, reference {r:?}, wasmi {w:?}"));
                }
            }
            Extern::Memory(m) => {
                let r = m.data(&reference.store).map_err(|e| e.to_string())?;
                let t = threaded.instance.get_memory(name).expect("same exports");
                let t = t.data(&threaded.store).map_err(|e| e.to_string())?;
                let w = wasmi.instance.get_memory(&wasmi.store, name).expect("same exports");
                let w = w.data(&wasmi.store);
                if t != r || r != w {
                    let at = r.iter().zip(w).position(|(a, b)| a != b);
                    return Err(format!(
                        "memory {name} differs: sizes threaded {} reference {} wasmi {}, first difference at {at:?}",
                        t.len(),
                        r.len(),
                        w.len()
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

// ---- the SIMD profile: weft's two engines only ----

/// The SIMD profile: [`smith_config`] plus fixed-width and relaxed SIMD.
/// wasmi's default build (the one the other profiles compare with) has no
/// SIMD, so [`run_case_weft`] compares weft's two engines with each other:
/// the threaded engine's vector handlers (`weft-threaded/src/exec/simd.rs`)
/// against the reference engine's (`weft-reference/src/simd_instr.rs`),
/// which share only the lane functions of `weft_exec::simd`. Relaxed
/// instructions take the host's native choice on both, as by default.
pub fn smith_config_simd() -> wasm_smith::Config {
    wasm_smith::Config { simd_enabled: true, relaxed_simd_enabled: true, ..smith_config() }
}

/// A `v128` argument: zero, all ones, lanes of small floats, of NaNs and
/// infinities, or random bits.
fn v128_arg(rng: &mut Rng) -> Val {
    let f32x4 = |l: [f32; 4]| l.iter().rev().fold(0u128, |v, x| (v << 32) | u128::from(x.to_bits()));
    Val::V128(match rng.next() % 6 {
        0 => 0,
        1 => u128::MAX,
        2 => f32x4([1.5, -2.0, 0.25, 1e9]),
        3 => f32x4([f32::NAN, f32::INFINITY, -0.0, f32::MIN_POSITIVE]),
        _ => (u128::from(rng.next()) << 64) | u128::from(rng.next()),
    })
}

/// A value with a `v128` compared by all its bits.
fn weft_val_exact(v: &Val) -> (u8, u128) {
    match *v {
        Val::V128(x) => (8, x),
        ref v => {
            let (tag, bits) = weft_val(v);
            (tag, u128::from(bits))
        }
    }
}

fn weft_outcome_exact(result: weft::Result<Vec<Val>>) -> Result<Vec<(u8, u128)>, Outcome> {
    match result {
        Ok(vals) => Ok(vals.iter().map(weft_val_exact).collect()),
        Err(e) => Err(weft_outcome(Err(e))),
    }
}

/// Runs one module on weft-threaded and weft-reference (the SIMD
/// profile): each export on fresh instances, results, trap kinds,
/// exported globals (`v128` ones by all their bits) and memories must
/// agree. `Ok` counts the calls compared.
pub fn run_case_weft(bytes: &[u8], rng: &mut Rng) -> Result<usize, Divergence> {
    let both = || {
        let t = weft_instantiate(bytes, EngineKind::Threaded);
        let r = weft_instantiate(bytes, EngineKind::Reference);
        match (t, r) {
            (Ok(t), Ok(r)) => Ok(Some((t, r))),
            (Err(a), Err(b)) if a == b || matches!(a, Outcome::Error(_)) && matches!(b, Outcome::Error(_)) => Ok(None),
            (t, r) if [t.as_ref().err(), r.as_ref().err()].contains(&Some(&Outcome::Inconclusive)) => Ok(None),
            (t, r) => Err(Divergence::Differs(format!(
                "instantiation differs: threaded {:?}, reference {:?}",
                t.err(),
                r.err()
            ))),
        }
    };
    let Some((first, _)) = both()? else { return Ok(0) };
    let exports: Vec<(String, weft::FuncType)> = first
        .instance
        .exports()
        .filter_map(|(name, e)| match e {
            Extern::Func(f) => Some((name.to_string(), f.ty(&first.store).ok()?)),
            _ => None,
        })
        .collect();
    let mut calls = 0;
    for (name, ty) in exports {
        let Some((mut threaded, mut reference)) = both()? else { return Ok(calls) };
        let args: Vec<Val> =
            ty.params().iter().map(|t| if *t == weft::ValType::V128 { v128_arg(rng) } else { arg(rng, t).0 }).collect();
        let call = |side: &mut WeftSide| {
            let f = side.instance.get_func(&name).expect("exported by both");
            let _ = side.store.set_fuel(FUEL);
            weft_outcome_exact(f.call_vec(&mut side.store, &args))
        };
        let (t, r) = (call(&mut threaded), call(&mut reference));
        if [&t, &r].iter().any(|o| matches!(o, Err(Outcome::Inconclusive))) {
            continue;
        }
        calls += 1;
        if t != r {
            return Err(Divergence::Differs(format!("call {name}{args:?}: threaded {t:?}, reference {r:?}")));
        }
        for (export, e) in reference.instance.exports() {
            let differs = match e {
                Extern::Global(g) => {
                    let r = g.get(&reference.store).map(|v| weft_val_exact(&v)).map_err(|e| e.to_string());
                    let t = threaded.instance.get_global(export).expect("same exports");
                    r != t.get(&threaded.store).map(|v| weft_val_exact(&v)).map_err(|e| e.to_string())
                }
                Extern::Memory(m) => {
                    let t = threaded.instance.get_memory(export).expect("same exports");
                    m.data(&reference.store).ok() != t.data(&threaded.store).ok()
                }
                _ => false,
            };
            if differs {
                return Err(Divergence::Differs(format!("after {name}: export {export} differs")));
            }
        }
    }
    Ok(calls)
}
