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
//! Exception instances are not collected by the GC heap's collector
//! (their payloads are its roots), but an instance nothing can refer to any
//! more is recycled: one caught by `catch`/`catch_all` (which push no
//! `exnref`) that never escaped, that is, never became an `exnref` value,
//! never reached the host and was not made by the host. So a loop that
//! throws and catches by tag runs in constant memory; instances that
//! escaped live as long as the store.

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
    /// Whether an `exnref` or [`Exn`] to it may exist.
    pub escaped: bool,
}

impl Exn {
    /// The exception's tag.
    pub fn tag(&self, store: impl AsContext) -> Result<Tag> {
        let store = store.as_context();
        let e = &store.inner.exns[store.check(self.0)?];
        Ok(Tag(store.stored(e.tag as usize)))
    }

    /// The exception's fields (the values given to `throw`).
    pub fn payload(&self, store: impl AsContext) -> Result<Vec<Val>> {
        let store = store.as_context();
        Ok(store.inner.exns[store.check(self.0)?].fields.to_vec())
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
        store.inner.exns[exn as usize].escaped = true;
        Ok(Exn(store.stored(exn as usize)))
    }
}

/// Allocates an exception instance (spec: `alloc_exn`), returning its
/// address.
pub fn alloc(store: &mut StoreInner, tag: u32, fields: Box<[Val]>) -> u32 {
    let entity = ExnEntity { tag, fields, escaped: false };
    match store.exn_free.pop() {
        Some(free) => {
            store.exns[free as usize] = entity;
            free
        }
        None => {
            store.exns.push(entity);
            (store.exns.len() - 1) as u32
        }
    }
}

/// Records that instance `exn` (a store address) may now be referred to.
pub fn escape(store: &mut StoreInner, exn: u32) {
    if let Some(e) = store.exns.get_mut(exn as usize) {
        e.escaped = true;
    }
}

/// Records that an exception error leaving a machine (to the host or
/// through a host function) escaped.
pub fn escape_error(store: &mut StoreInner, trap: &crate::Trap) {
    if let Some(t) = trap.exception()
        && t.exn.0.store == store.id
    {
        escape(store, t.exn.0.index);
    }
}

/// Recycles instance `exn` if nothing can refer to it.
pub fn release(store: &mut StoreInner, exn: u32) {
    if let Some(e) = store.exns.get_mut(exn as usize)
        && !e.escaped
    {
        e.fields = Box::default();
        store.exn_free.push(exn);
    }
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
