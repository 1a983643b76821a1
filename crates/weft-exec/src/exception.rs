//! Exception instances (spec 4.2.12 "exception instances", Wasm 3.0) and
//! how an exception reaches the host.
//!
//! `throw x` allocates an exception instance `{tag, fields}` in the store
//! and raises it; `exnref` values are references to such instances, so
//! `throw_ref` re-raises the *same* instance. Inside the reference engine
//! an in-flight exception travels as a [`Trap`](crate::Trap) of kind
//! [`TrapKind::Exception`](crate::TrapKind::Exception) until a handler
//! catches it (see `reference/mod.rs`, "Exceptions"); one that leaves the
//! outermost wasm frame reaches the host as that error.
//!
//! An instance nothing can refer to any more is recycled at once: one
//! caught by `catch`/`catch_all` (which push no `exnref`) that never
//! escaped, that is, never became an `exnref` value, never reached the
//! host and was not made by the host. One that became an `exnref` is
//! collected by the GC heap's collector ([`crate::gc::collect`]) once no
//! root, object field or other payload reaches it, and throwing counts
//! toward the collection threshold ([`crate::gc::exception_allocating`]),
//! so a loop that throws and catches `exnref`s runs in bounded memory.
//! Instances the host may hold ([`Exn::new`], errors that reached the
//! host) and those a legacy `catch` body's label refers to are
//! **pinned**: they live as long as the store. The threaded engine's
//! slots hold an `exnref` as a tagged word with the entry's generation
//! (`crate::gc::raw`), which the collector's conservative scan of those
//! slots recognises, so instances are collected on both engines.

use crate::externals::Tag;
use crate::store::{AsContext, AsContextMut, StoreInner, Stored};
use crate::trap::{Error, Result};
use crate::value::Val;

/// A reference to an exception instance in a store (the payload of an
/// `exnref`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Exn(#[doc(hidden)] pub Stored);

/// An exception instance: the tag it was thrown with and its fields.
#[derive(Debug)]
pub struct ExnEntity {
    /// The tag's store address.
    pub tag: u32,
    /// The field values.
    pub fields: Box<[Val]>,
    /// Whether an `exnref` to it may exist (then the collector frees it
    /// once no root reaches it).
    pub escaped: bool,
    /// Whether something the collector cannot see may refer to it (the
    /// host holds it as an [`Exn`] or an error, or a legacy `catch`
    /// body's label for `rethrow`): it lives as long as the store.
    pub pinned: bool,
    /// Whether the entry is free (on the store's free list).
    pub free: bool,
}

impl Exn {
    /// The exception's tag.
    pub fn tag(&self, store: impl AsContext) -> Result<Tag> {
        let store = store.as_context();
        let e = live(&store.inner, store.check(self.0)?)?;
        Ok(Tag(store.stored(e.tag as usize)))
    }

    /// The exception's fields (the values given to `throw`).
    pub fn payload(&self, store: impl AsContext) -> Result<Vec<Val>> {
        let store = store.as_context();
        Ok(live(&store.inner, store.check(self.0)?)?.fields.to_vec())
    }

    /// Creates an exception instance of `tag` with `payload`, for a host
    /// function to throw with [`Trap::throw`](crate::Trap::throw).
    pub fn new(mut store: impl AsContextMut, tag: Tag, payload: &[Val]) -> Result<Exn> {
        let store = store.as_context_mut();
        let t = store.check(tag.0)?;
        let params = store.inner.tags[t].func_type.params();
        if params.len() != payload.len() || payload.iter().zip(params).any(|(v, t)| !v.matches(*t)) {
            return Err(Error::Usage(format!(
                "payload does not match the tag's type {}",
                store.inner.tags[t].func_type
            )));
        }
        for v in payload {
            crate::externals::check_val_store(store, v)?;
        }
        let exn = alloc(&mut store.inner, t as u32, payload.into());
        pin(&mut store.inner, exn);
        Ok(Exn(store.stored(exn as usize)))
    }
}

fn live(store: &StoreInner, exn: usize) -> Result<&ExnEntity> {
    match store.exns.get(exn) {
        Some(e) if !e.free => Ok(e),
        _ => Err(Error::usage("exception instance was collected")),
    }
}

/// Allocates an exception instance (spec: `alloc_exn`), returning its
/// address.
pub fn alloc(store: &mut StoreInner, tag: u32, fields: Box<[Val]>) -> u32 {
    let entity = ExnEntity { tag, fields, escaped: false, pinned: false, free: false };
    match store.exn_free.pop() {
        Some(slot) => {
            store.exns[slot as usize] = entity;
            slot
        }
        None => {
            store.exns.push(entity);
            let slot = (store.exns.len() - 1) as u32;
            store.gc.exn_allocated(slot);
            slot
        }
    }
}

/// Records that instance `exn` (a store address) may now be referred to.
pub fn escape(store: &mut StoreInner, exn: u32) {
    if let Some(e) = store.exns.get_mut(exn as usize) {
        e.escaped = true;
    }
}

/// Records that something the collector cannot see (the host, a legacy
/// `catch` label) may refer to instance `exn`: it is never collected.
pub fn pin(store: &mut StoreInner, exn: u32) {
    if let Some(e) = store.exns.get_mut(exn as usize) {
        e.escaped = true;
        e.pinned = true;
    }
}

/// Pins the exception instances among `vals` (values handed to the host).
pub fn pin_vals(store: &mut StoreInner, vals: &[Val]) {
    for v in vals {
        if let Val::ExnRef(Some(e)) = v
            && e.0.store == store.id
        {
            pin(store, e.0.index);
        }
    }
}

/// Records that an exception error leaving a machine (to the host or
/// through a host function) escaped: the host may keep it, so it is pinned.
pub fn escape_error(store: &mut StoreInner, trap: &crate::Trap) {
    if let Some(t) = trap.exception()
        && t.exn.0.store == store.id
    {
        pin(store, t.exn.0.index);
    }
}

/// Recycles instance `exn` if nothing can refer to it.
pub fn release(store: &mut StoreInner, exn: u32) {
    if let Some(e) = store.exns.get(exn as usize)
        && !e.escaped
    {
        free(store, exn);
    }
}

/// Frees instance `exn` if the collector found nothing reaching it (an
/// escaped, unpinned, live instance); whether it did.
pub(crate) fn collect(store: &mut StoreInner, exn: u32) -> bool {
    match store.exns.get(exn as usize) {
        Some(e) if e.escaped && !e.pinned && !e.free => {
            free(store, exn);
            true
        }
        _ => false,
    }
}

fn free(store: &mut StoreInner, exn: u32) {
    let e = &mut store.exns[exn as usize];
    e.fields = Box::default();
    e.free = true;
    store.exn_free.push(exn);
    // Words made for this instance no longer match the entry.
    store.gc.exn_freed(exn);
}

/// An exception on its way to the host: the instance, its tag and payload
/// (copied out of the store so the error can be read without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thrown {
    /// The exception instance (an `exnref` to it can be passed back into
    /// wasm, or re-thrown by returning this error from a host function).
    pub exn: Exn,
    /// Its tag.
    pub tag: Tag,
    /// Its fields.
    pub payload: Vec<Val>,
}

impl Thrown {
    /// The description of exception instance `exn` (a store address).
    #[doc(hidden)]
    pub fn of(store: &StoreInner, exn: u32) -> Thrown {
        let e = &store.exns[exn as usize];
        Thrown {
            exn: Exn(store.stored(exn as usize)),
            tag: Tag(store.stored(e.tag as usize)),
            payload: e.fields.to_vec(),
        }
    }
}
