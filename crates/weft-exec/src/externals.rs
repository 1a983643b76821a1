//! Handles to store-owned tables, memories, globals and tags, and
//! [`Extern`], the sum of everything an instance can import or export.

use weft_decode::{ExternKind, GlobalType, Limits, MemoryType, TableType};

use crate::func::Func;
use crate::store::{AsContext, AsContextMut, GlobalEntity, Store, Stored};
use crate::trap::{Error, Result};
use crate::value::Val;

/// Something importable/exportable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A table.
    Table(Table),
    /// A memory.
    Memory(Memory),
    /// A global.
    Global(Global),
    /// An exception tag.
    Tag(Tag),
}

impl Extern {
    /// Its kind.
    pub fn kind(&self) -> ExternKind {
        match self {
            Extern::Func(_) => ExternKind::Func,
            Extern::Table(_) => ExternKind::Table,
            Extern::Memory(_) => ExternKind::Memory,
            Extern::Global(_) => ExternKind::Global,
            Extern::Tag(_) => ExternKind::Tag,
        }
    }
    /// The function, if it is one.
    pub fn into_func(self) -> Option<Func> {
        if let Extern::Func(f) = self { Some(f) } else { None }
    }
    /// The table, if it is one.
    pub fn into_table(self) -> Option<Table> {
        if let Extern::Table(t) = self { Some(t) } else { None }
    }
    /// The memory, if it is one.
    pub fn into_memory(self) -> Option<Memory> {
        if let Extern::Memory(m) = self { Some(m) } else { None }
    }
    /// The global, if it is one.
    pub fn into_global(self) -> Option<Global> {
        if let Extern::Global(g) = self { Some(g) } else { None }
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Self {
        Extern::Func(f)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Self {
        Extern::Table(t)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Self {
        Extern::Memory(m)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Self {
        Extern::Global(g)
    }
}

/// A memory instance in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Memory(pub(crate) Stored);

impl Memory {
    /// Allocates a new memory of type `ty`; an error if the type is not
    /// one a module could declare (minimum above maximum, more pages than
    /// the address space holds, a page size other than 1 or 64 KiB, a
    /// shared memory without maximum) or the store's limiter refuses it.
    pub fn new<T>(mut store: impl AsContextMut<Data = T>, ty: MemoryType) -> Result<Memory> {
        let store = store.as_context_mut();
        let log2 = ty.page_size_log2();
        let address_bits: u32 = if ty.index64 { 48 } else { 32 };
        let pages_max = 1u64 << address_bits.saturating_sub(log2);
        let Limits { min, max } = ty.limits;
        if !matches!(log2, 0 | 16) {
            return Err(Error::usage("memory page size must be 1 or 65536 bytes"));
        }
        if min > pages_max || max.is_some_and(|max| max > pages_max || max < min) || (ty.shared && max.is_none()) {
            return Err(Error::usage("invalid memory limits"));
        }
        let index = crate::instance::alloc_memory(store, ty)?;
        Ok(Memory(store.stored(index as usize)))
    }

    fn entity<'s, T>(&self, store: &'s Store<T>) -> Result<&'s crate::store::MemoryEntity> {
        Ok(&store.inner.memories[store.check(self.0)?])
    }

    /// The memory's type, with its current size as minimum.
    pub fn ty(&self, store: impl AsContext) -> Result<MemoryType> {
        let e = self.entity(store.as_context())?;
        let mut ty = e.ty;
        ty.limits.min = e.pages();
        Ok(ty)
    }

    /// The size in pages.
    pub fn size(&self, store: impl AsContext) -> Result<u64> {
        Ok(self.entity(store.as_context())?.pages())
    }

    /// The size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> Result<usize> {
        Ok(self.entity(store.as_context())?.data.len())
    }

    /// The memory's bytes.
    pub fn data<'s, T: 's>(&self, store: &'s impl AsContext<Data = T>) -> Result<&'s [u8]> {
        Ok(&self.entity(store.as_context())?.data[..])
    }

    /// The memory's bytes, mutably.
    pub fn data_mut<'s, T: 's>(&self, store: &'s mut impl AsContextMut<Data = T>) -> Result<&'s mut [u8]> {
        let store = store.as_context_mut();
        let i = store.check(self.0)?;
        Ok(&mut store.inner.memories[i].data[..])
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`; an error if any of
    /// them is outside the memory.
    pub fn read(&self, store: impl AsContext, offset: usize, buf: &mut [u8]) -> Result<()> {
        let data = &self.entity(store.as_context())?.data;
        let range = offset.checked_add(buf.len()).filter(|end| *end <= data.len()).map(|end| offset..end);
        let range = range.ok_or_else(|| Error::usage("out of bounds memory access"))?;
        buf.copy_from_slice(&data[range]);
        Ok(())
    }

    /// Copies `buf` into the memory at `offset`; an error if any byte
    /// would land outside the memory.
    pub fn write(&self, mut store: impl AsContextMut, offset: usize, buf: &[u8]) -> Result<()> {
        let store = store.as_context_mut();
        let i = store.check(self.0)?;
        let data = &mut store.inner.memories[i].data;
        let range = offset.checked_add(buf.len()).filter(|end| *end <= data.len()).map(|end| offset..end);
        let range = range.ok_or_else(|| Error::usage("out of bounds memory access"))?;
        data[range].copy_from_slice(buf);
        Ok(())
    }

    /// Grows by `delta` pages, returning the old size in pages; an error
    /// if the maximum or the store's limiter forbids it.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let store = store.as_context_mut();
        let i = store.check(self.0)?;
        crate::ops::memory_grow(store, i, delta).ok_or_else(|| Error::usage("failed to grow memory"))
    }
}

/// A table instance in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) Stored);

impl Table {
    /// Allocates a new table of type `ty` with every element `init`; an
    /// error if the limits are not ones a module could declare, `init` is
    /// of another type or store, or the store's limiter refuses it.
    pub fn new<T>(mut store: impl AsContextMut<Data = T>, ty: TableType, init: Val) -> Result<Table> {
        let store = store.as_context_mut();
        check_val_store(store, &init)?;
        if !init.matches(weft_decode::ValType::Ref(ty.element)) {
            return Err(Error::usage("table initializer does not match the element type"));
        }
        let Limits { min, max } = ty.limits;
        let index_max = if ty.index64 { u64::MAX } else { u64::from(u32::MAX) };
        if min > index_max || max.is_some_and(|max| max > index_max || max < min) {
            return Err(Error::usage("invalid table limits"));
        }
        let index = crate::instance::alloc_table(store, ty, init)?;
        Ok(Table(store.stored(index as usize)))
    }

    /// The table's type, with its current size as minimum.
    pub fn ty(&self, store: impl AsContext) -> Result<TableType> {
        let store = store.as_context();
        let e = &store.inner.tables[store.check(self.0)?];
        let mut ty = e.ty;
        ty.limits.min = e.elements.len() as u64;
        Ok(ty)
    }

    /// The number of elements.
    pub fn size(&self, store: impl AsContext) -> Result<u64> {
        let store = store.as_context();
        Ok(store.inner.tables[store.check(self.0)?].elements.len() as u64)
    }

    /// The element at `index`, or `None` if out of bounds.
    pub fn get(&self, store: impl AsContext, index: u64) -> Result<Option<Val>> {
        let store = store.as_context();
        let e = &store.inner.tables[store.check(self.0)?];
        Ok(usize::try_from(index).ok().and_then(|i| e.elements.get(i)).copied())
    }

    /// Sets the element at `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, value: Val) -> Result<()> {
        let store = store.as_context_mut();
        let i = store.check(self.0)?;
        check_val_store(store, &value)?;
        let e = &mut store.inner.tables[i];
        if !value.matches(weft_decode::ValType::Ref(e.ty.element)) {
            return Err(Error::usage("value does not match the table's element type"));
        }
        let slot = usize::try_from(index).ok().and_then(|i| e.elements.get_mut(i));
        *slot.ok_or_else(|| Error::usage("out of bounds table access"))? = value;
        Ok(())
    }

    /// Grows by `delta` elements set to `init`, returning the old size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64> {
        let store = store.as_context_mut();
        let i = store.check(self.0)?;
        check_val_store(store, &init)?;
        if !init.matches(weft_decode::ValType::Ref(store.inner.tables[i].ty.element)) {
            return Err(Error::usage("value does not match the table's element type"));
        }
        crate::ops::table_grow(store, i, delta, init).ok_or_else(|| Error::usage("failed to grow table"))
    }
}

/// A global instance in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Global(pub(crate) Stored);

impl Global {
    /// Allocates a new global.
    pub fn new<T>(mut store: impl AsContextMut<Data = T>, ty: GlobalType, value: Val) -> Result<Global> {
        let store = store.as_context_mut();
        check_val_store(store, &value)?;
        if !value.matches(ty.content) {
            return Err(Error::usage("global value does not match its type"));
        }
        store.inner.globals.push(GlobalEntity { ty, value });
        Ok(Global(store.stored(store.inner.globals.len() - 1)))
    }

    /// The global's type.
    pub fn ty(&self, store: impl AsContext) -> Result<GlobalType> {
        let store = store.as_context();
        Ok(store.inner.globals[store.check(self.0)?].ty)
    }

    /// The current value.
    pub fn get(&self, store: impl AsContext) -> Result<Val> {
        let store = store.as_context();
        Ok(store.inner.globals[store.check(self.0)?].value)
    }

    /// Sets the value of a mutable global.
    pub fn set(&self, mut store: impl AsContextMut, value: Val) -> Result<()> {
        let store = store.as_context_mut();
        let i = store.check(self.0)?;
        check_val_store(store, &value)?;
        let g = &mut store.inner.globals[i];
        if !g.ty.mutable {
            return Err(Error::usage("global is immutable"));
        }
        if !value.matches(g.ty.content) {
            return Err(Error::usage("value does not match the global's type"));
        }
        g.value = value;
        Ok(())
    }
}

/// An exception tag in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(#[doc(hidden)] pub Stored);

/// Rejects function references from another store.
pub(crate) fn check_val_store<T>(store: &Store<T>, v: &Val) -> Result<()> {
    match v {
        Val::FuncRef(Some(f)) => {
            store.check(f.0)?;
        }
        Val::ExnRef(Some(e)) => {
            store.check(e.0)?;
        }
        Val::AnyRef(Some(crate::gc::AnyRef::Object(r))) | Val::Externalized(crate::gc::AnyRef::Object(r)) => {
            if r.store != store.inner.id {
                return Err(Error::usage("object used with the wrong store"));
            }
            if store.inner.gc.get(*r).is_none() {
                return Err(Error::usage("GC object was collected (root it to keep it alive)"));
            }
        }
        _ => {}
    }
    Ok(())
}
