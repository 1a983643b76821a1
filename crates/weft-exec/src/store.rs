//! The store (spec 4.2.3): every function, table, memory, global, tag,
//! element and data instance lives here, addressed by typed indices.
//!
//! Handles ([`Func`], [`Memory`], ...) carry the id of the store that made
//! them, so using one with another store is an error, not a wrong answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use weft_decode::{FuncType, GlobalType, MemoryType, RefType, TableType, TagType};

use crate::engine::Engine;
use crate::func::{Caller, HostFunc};
use crate::instance::InstanceData;
use crate::module::ModuleInner;
use crate::trap::{Error, Result, Trap};
use crate::types::CanonType;
use crate::value::Val;

/// Identifies a store; handles remember it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoreId(u64);

impl StoreId {
    /// A fresh id (unit tests of values that name a store).
    #[cfg(test)]
    pub(crate) fn for_tests() -> StoreId {
        StoreId::fresh()
    }

    fn fresh() -> StoreId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A handle's place: which store, which slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stored {
    /// The store.
    pub store: StoreId,
    /// The slot in it.
    pub index: u32,
}

/// Decides whether memories and tables may grow (wasmtime's
/// `ResourceLimiter`). Every growth, and every allocation at instantiation,
/// asks first.
pub trait ResourceLimiter {
    /// May a memory grow from `current` to `desired` bytes?
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool;
    /// May a table grow from `current` to `desired` elements?
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool;
    /// May the GC heap grow from `current` to `desired` bytes (objects are
    /// charged their fields plus a small header)? Asked before every
    /// allocation that would grow it; a refusal makes the store collect
    /// and ask again, and a second refusal traps. The default allows up
    /// to [`DEFAULT_MAX_GC_HEAP_BYTES`].
    fn gc_heap_growing(&mut self, current: usize, desired: usize) -> bool {
        let _ = current;
        desired <= DEFAULT_MAX_GC_HEAP_BYTES
    }
}

/// The GC heap size [`ResourceLimiter::gc_heap_growing`] allows by default: 1 GiB.
pub const DEFAULT_MAX_GC_HEAP_BYTES: usize = 1 << 30;

/// A simple limiter: caps on one memory's bytes and one table's elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// The largest size of any one memory, in bytes.
    pub max_memory_bytes: usize,
    /// The largest size of any one table, in elements.
    pub max_table_elements: usize,
}

impl Default for StoreLimits {
    /// 4 GiB per memory (all of a 32-bit address space), 10 million
    /// elements per table.
    fn default() -> Self {
        StoreLimits { max_memory_bytes: 1 << 32, max_table_elements: 10_000_000 }
    }
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> bool {
        desired <= self.max_memory_bytes
    }
    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> bool {
        desired <= self.max_table_elements
    }
}

/// Stops wasm running in a store from another thread: after
/// [`interrupt`](InterruptHandle::interrupt), the store's running call
/// traps with [`TrapKind::Interrupted`](crate::TrapKind::Interrupted) at
/// its next function entry or loop iteration. Only engines configured
/// [`interruptible`](crate::Config::interruptible) check; elsewhere an
/// interrupt has no effect.
///
/// The request is consumed by the trap it causes, so the store stays
/// usable: the next call runs normally. A request made while no wasm runs
/// stops the next call at its first check (an interrupt that races with
/// the start of a call is never lost); [`clear`](InterruptHandle::clear)
/// withdraws it.
#[derive(Debug, Clone, Default)]
pub struct InterruptHandle {
    flag: Arc<AtomicBool>,
}

impl InterruptHandle {
    /// Asks the store's running (or next) wasm call to trap with
    /// [`TrapKind::Interrupted`](crate::TrapKind::Interrupted).
    pub fn interrupt(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Withdraws a request no check has consumed yet.
    pub fn clear(&self) {
        self.flag.store(false, Ordering::Relaxed);
    }

    /// Whether a request is pending.
    pub fn is_interrupted(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// Consumes a pending request: whether running wasm must trap now.
    #[inline]
    pub fn take(&self) -> bool {
        self.flag.load(Ordering::Relaxed) && self.flag.swap(false, Ordering::Relaxed)
    }
}

/// A function instance (spec 4.2.6).
pub enum FuncEntity {
    /// A function defined by a module.
    Wasm {
        /// Its type.
        ty: FuncType,
        /// The type's module-independent form.
        canon: Arc<CanonType>,
        /// The module instance it closes over.
        instance: Arc<InstanceData>,
        /// Its module.
        module: Arc<ModuleInner>,
        /// Its index among the module's *defined* functions.
        defined: u32,
    },
    /// A host function: `func` indexes the typed part of the store
    /// ([`Store`]'s host functions), which only [`EngineStore::call_host`]
    /// reaches.
    Host {
        /// Its type.
        ty: FuncType,
        /// The type's module-independent form.
        canon: Arc<CanonType>,
        /// Its index among the store's host functions.
        func: u32,
    },
}

impl FuncEntity {
    /// The function's type.
    pub fn ty(&self) -> &FuncType {
        match self {
            FuncEntity::Wasm { ty, .. } | FuncEntity::Host { ty, .. } => ty,
        }
    }

    /// The type's module-independent form (what `call_indirect` compares).
    pub fn canon(&self) -> &Arc<CanonType> {
        match self {
            FuncEntity::Wasm { canon, .. } | FuncEntity::Host { canon, .. } => canon,
        }
    }
}

/// A table instance (spec 4.2.7).
#[derive(Debug)]
pub struct TableEntity {
    /// Its type.
    pub ty: TableType,
    /// The elements, stored as far as they have been written
    /// ([`TableElements`](crate::table::TableElements)).
    pub elements: crate::table::TableElements,
}

/// A memory instance (spec 4.2.8).
#[derive(Debug)]
pub struct MemoryEntity {
    /// Its type.
    pub ty: MemoryType,
    /// The bytes: a zeroed reservation the OS backs on first touch
    /// (see [`LinearMemory`](crate::memory::LinearMemory)).
    pub data: crate::memory::LinearMemory,
}

impl MemoryEntity {
    /// The size in pages of its page size.
    pub fn pages(&self) -> u64 {
        (self.data.len() as u64).checked_shr(self.ty.page_size_log2()).unwrap_or(0)
    }
}

/// A global instance (spec 4.2.9).
#[derive(Debug)]
pub struct GlobalEntity {
    /// Its type.
    pub ty: GlobalType,
    /// The value.
    pub value: Val,
}

/// An element instance (spec 4.2.10); empty once dropped.
#[derive(Debug)]
pub struct ElemEntity {
    #[allow(dead_code)]
    /// Its reference type.
    pub ty: RefType,
    /// The references.
    pub items: Vec<Val>,
}

/// A data instance (spec 4.2.11); empty once dropped.
#[derive(Debug)]
pub struct DataEntity {
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A tag instance (exception handling): its function type.
#[derive(Debug)]
pub struct TagEntity {
    #[allow(dead_code)]
    /// Its type.
    pub ty: TagType,
    /// Its function type (the fields are the parameters).
    pub func_type: FuncType,
    /// The function type's module-independent form.
    pub canon: Arc<CanonType>,
}

/// Everything in a store that does not depend on the host data type `T`:
/// what the engines see (through [`EngineStore`]).
pub struct StoreInner {
    /// The store's identity (handles carry it).
    pub id: StoreId,
    /// The engine.
    pub engine: Engine,
    /// Function instances, by store address.
    pub funcs: Vec<FuncEntity>,
    /// Table instances.
    pub tables: Vec<TableEntity>,
    /// Memory instances.
    pub memories: Vec<MemoryEntity>,
    /// Global instances.
    pub globals: Vec<GlobalEntity>,
    /// Element instances.
    pub elems: Vec<ElemEntity>,
    /// Data instances.
    pub datas: Vec<DataEntity>,
    /// Tag instances.
    pub tags: Vec<TagEntity>,
    /// Exception instances, allocated by `throw`.
    pub exns: Vec<crate::exception::ExnEntity>,
    /// Addresses of recycled exception instances (`exception::release`).
    pub exn_free: Vec<u32>,
    /// Fuel left, if the engine consumes fuel.
    pub fuel: u64,
    /// Wasm and host frames currently active across all activations.
    pub call_depth: usize,
    /// Nested host-to-wasm entries currently active.
    pub activations: usize,
    /// The native stack address of the outermost call into wasm now
    /// running (0 when none runs): nested calls measure their depth from it.
    pub native_stack_base: usize,
    /// The flag behind the store's [`InterruptHandle`]s.
    pub interrupt: InterruptHandle,
    /// The GC heap (structs and arrays).
    pub gc: crate::gc::GcHeap,
}

/// A limiter callback: picks the limiter out of the host data.
type LimiterFn<T> = Box<dyn FnMut(&mut T) -> &mut (dyn ResourceLimiter) + Send + Sync>;

/// A store: all runtime instances, plus host data `T` that host functions
/// can reach through their [`Caller`](crate::Caller).
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    pub(crate) data: T,
    /// The host functions, indexed by [`FuncEntity::Host`]'s `func`.
    host_funcs: Vec<HostFunc<T>>,
    limiter: Option<LimiterFn<T>>,
    default_limits: StoreLimits,
}

impl<T> Store<T> {
    /// An empty store for `engine`, holding `data`.
    pub fn new(engine: &Engine, data: T) -> Self {
        let fuel = engine.config().fuel.unwrap_or(0);
        Store {
            inner: StoreInner {
                id: StoreId::fresh(),
                engine: engine.clone(),
                funcs: Vec::new(),
                tables: Vec::new(),
                memories: Vec::new(),
                globals: Vec::new(),
                elems: Vec::new(),
                datas: Vec::new(),
                tags: Vec::new(),
                exns: Vec::new(),
                exn_free: Vec::new(),
                fuel,
                call_depth: 0,
                activations: 0,
                native_stack_base: 0,
                interrupt: InterruptHandle::default(),
                gc: crate::gc::GcHeap::default(),
            },
            data,
            host_funcs: Vec::new(),
            limiter: None,
            default_limits: StoreLimits::default(),
        }
    }

    /// The engine this store runs on.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Consumes the store, returning the host data.
    pub fn into_data(self) -> T {
        self.data
    }

    /// Installs a resource limiter found in the host data, like
    /// `store.limiter(|data| &mut data.limits)`. Without one, the
    /// [`StoreLimits::default`] caps apply.
    pub fn limiter(&mut self, f: impl FnMut(&mut T) -> &mut (dyn ResourceLimiter) + Send + Sync + 'static) {
        self.limiter = Some(Box::new(f));
    }

    /// Sets the fuel left. Errors if the engine was not configured to
    /// consume fuel.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        if self.inner.engine.config().fuel.is_none() {
            return Err(Error::usage("fuel is not enabled in this engine's Config"));
        }
        self.inner.fuel = fuel;
        Ok(())
    }

    /// The fuel left, if the engine consumes fuel.
    pub fn get_fuel(&self) -> Option<u64> {
        self.inner.engine.config().fuel.map(|_| self.inner.fuel)
    }

    /// A handle that stops this store's running wasm from another thread
    /// (engines configured [`interruptible`](crate::Config::interruptible)
    /// only). All handles of a store share one flag.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        self.inner.interrupt.clone()
    }

    /// The GC heap's counters: objects allocated, freed and live,
    /// collections run, live and peak bytes.
    pub fn gc_stats(&self) -> crate::gc::GcStats {
        let exceptions = (self.inner.exns.len() - self.inner.exn_free.len()) as u64;
        crate::gc::GcStats { exceptions, ..self.inner.gc.stats() }
    }

    /// Runs a full collection of the GC heap now. Values the host holds
    /// are kept only if rooted (see [`Store::root`]).
    pub fn gc(&mut self) {
        crate::gc::collect(&mut self.inner, &[]);
    }

    /// Checks a handle belongs to this store.
    pub(crate) fn check(&self, s: Stored) -> Result<usize> {
        self.inner.check(s)
    }

    pub(crate) fn stored(&self, index: usize) -> Stored {
        self.inner.stored(index)
    }

    /// Adds host function `func` of type `ty`, returning its store address.
    pub(crate) fn push_host(&mut self, ty: FuncType, func: HostFunc<T>) -> usize {
        let canon = crate::types::canonicalize_func(&ty);
        self.push_host_canon(ty, canon, func)
    }

    /// [`push_host`](Store::push_host) with the canonical type given (a
    /// type over a module's defined types).
    pub(crate) fn push_host_canon(
        &mut self,
        ty: FuncType,
        canon: Arc<crate::types::CanonType>,
        func: HostFunc<T>,
    ) -> usize {
        self.host_funcs.push(func);
        let func = (self.host_funcs.len() - 1) as u32;
        self.inner.funcs.push(FuncEntity::Host { ty, canon, func });
        self.inner.funcs.len() - 1
    }

    /// Asks the limiter whether a memory may grow to `desired` bytes.
    pub(crate) fn memory_may_grow(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool {
        match &mut self.limiter {
            Some(f) => f(&mut self.data).memory_growing(current, desired, maximum),
            None => self.default_limits.memory_growing(current, desired, maximum),
        }
    }

    /// Asks the limiter whether a table may grow to `desired` elements.
    pub(crate) fn table_may_grow(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool {
        match &mut self.limiter {
            Some(f) => f(&mut self.data).table_growing(current, desired, maximum),
            None => self.default_limits.table_growing(current, desired, maximum),
        }
    }

    /// Asks the limiter whether the GC heap may grow to `desired` bytes.
    pub(crate) fn gc_heap_may_grow(&mut self, current: usize, desired: usize) -> bool {
        match &mut self.limiter {
            Some(f) => f(&mut self.data).gc_heap_growing(current, desired),
            None => self.default_limits.gc_heap_growing(current, desired),
        }
    }
}

impl StoreInner {
    /// Checks a handle belongs to this store.
    pub fn check(&self, s: Stored) -> Result<usize> {
        if s.store == self.id { Ok(s.index as usize) } else { Err(Error::usage("object used with the wrong store")) }
    }

    /// The handle of slot `index` of this store.
    pub fn stored(&self, index: usize) -> Stored {
        Stored { store: self.id, index: index as u32 }
    }
}

/// The store as an engine sees it: its untyped part ([`StoreInner`]), and
/// the few operations that need the host data type `T` — calling a host
/// function (which receives a [`Caller<'_, T>`]) and asking the resource
/// limiter (found in the host data) whether a memory or table may grow.
///
/// [`Store<T>`] implements it once per `T`, so engines take
/// `&mut dyn EngineStore` and are compiled once, never generic over `T`. A
/// host function that re-enters wasm does so through the `&mut Store<T>`
/// its `Caller` holds, and so through the seam again.
pub trait EngineStore {
    /// The untyped part.
    fn inner(&self) -> &StoreInner;
    /// The untyped part, mutably.
    fn inner_mut(&mut self) -> &mut StoreInner;
    /// Calls host function `func` (a store address of a
    /// [`FuncEntity::Host`]) for a caller in `instance`.
    fn call_host(
        &mut self,
        func: u32,
        instance: Option<Arc<InstanceData>>,
        args: &[Val],
        results: &mut [Val],
    ) -> std::result::Result<(), Trap>;
    /// Asks the limiter whether a memory may grow to `desired` bytes.
    fn memory_may_grow(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool;
    /// Asks the limiter whether a table may grow to `desired` elements.
    fn table_may_grow(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool;
    /// Asks the limiter whether the GC heap may grow to `desired` bytes
    /// (by default: up to [`DEFAULT_MAX_GC_HEAP_BYTES`]).
    fn gc_heap_may_grow(&mut self, current: usize, desired: usize) -> bool {
        let _ = current;
        desired <= DEFAULT_MAX_GC_HEAP_BYTES
    }
}

impl<T> EngineStore for Store<T> {
    #[inline(always)]
    fn inner(&self) -> &StoreInner {
        &self.inner
    }

    #[inline(always)]
    fn inner_mut(&mut self) -> &mut StoreInner {
        &mut self.inner
    }

    fn call_host(
        &mut self,
        func: u32,
        instance: Option<Arc<InstanceData>>,
        args: &[Val],
        results: &mut [Val],
    ) -> std::result::Result<(), Trap> {
        let host = match self.inner.funcs.get(func as usize) {
            Some(FuncEntity::Host { func, .. }) => self.host_funcs[*func as usize].clone(),
            _ => return Err(Trap::host("not a host function")),
        };
        // The host may keep the exception instances it is handed.
        crate::exception::pin_vals(&mut self.inner, args);
        host(Caller { store: self, instance }, args, results)
    }

    fn memory_may_grow(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool {
        Store::memory_may_grow(self, current, desired, maximum)
    }

    fn table_may_grow(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool {
        Store::table_may_grow(self, current, desired, maximum)
    }

    fn gc_heap_may_grow(&mut self, current: usize, desired: usize) -> bool {
        Store::gc_heap_may_grow(self, current, desired)
    }
}

/// Types that give access to a store: [`Store`] and [`Caller`](crate::Caller).
pub trait AsContext {
    /// The host data type.
    type Data;
    /// The store.
    fn as_context(&self) -> &Store<Self::Data>;
}

/// Types that give mutable access to a store.
pub trait AsContextMut: AsContext {
    /// The store, mutably.
    fn as_context_mut(&mut self) -> &mut Store<Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> &Store<T> {
        self
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> &mut Store<T> {
        self
    }
}

impl<C: AsContext> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> &Store<C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContext> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> &Store<C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContextMut> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> &mut Store<C::Data> {
        (**self).as_context_mut()
    }
}
