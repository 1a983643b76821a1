//! [`Linker`]: resolves imports by `(module, name)` to host functions and to
//! other instances' exports, then instantiates.

use std::collections::HashMap;
use std::sync::Arc;

use weft_decode::FuncType;

use crate::engine::Engine;
use crate::externals::Extern;
use crate::func::{Caller, Func, HostFunc, IntoFunc};
use crate::instance::Instance;
use crate::module::Module;
use crate::store::{AsContextMut, Store};
use crate::trap::{Error, LinkError, Result, Trap};
use crate::types::CanonType;
use crate::value::Val;

enum Definition<T> {
    /// An item of a particular store.
    Extern(Extern),
    /// A host function, allocated in the store at each instantiation
    /// (`canon`: its canonical type when it names a module's types).
    Host { ty: FuncType, func: HostFunc<T>, canon: Option<Arc<CanonType>> },
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::Host { ty, func, canon } => {
                Definition::Host { ty: ty.clone(), func: func.clone(), canon: canon.clone() }
            }
        }
    }
}

/// Named definitions that imports resolve against. A later definition of
/// the same `(module, name)` replaces the earlier one.
pub struct Linker<T> {
    engine: Engine,
    defs: HashMap<(String, String), Definition<T>>,
}

impl<T> Linker<T> {
    /// An empty linker.
    pub fn new(engine: &Engine) -> Self {
        Linker { engine: engine.clone(), defs: HashMap::new() }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Defines a host function from a typed closure, e.g.
    /// `linker.func_wrap("env", "add", |a: i32, b: i32| a + b)` or, with
    /// access to the caller, `|mut caller: Caller<'_, T>, ptr: i32| { ... }`.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let (ty, func) = f.into_func();
        self.defs.insert((module.to_string(), name.to_string()), Definition::Host { ty, func, canon: None });
        Ok(self)
    }

    /// Defines a host function with a dynamic signature.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        let func: HostFunc<T> = crate::func::checked_results(&ty, f);
        self.defs.insert((module.to_string(), name.to_string()), Definition::Host { ty, func, canon: None });
        Ok(self)
    }

    /// Defines a host function whose type names defined types of `types`
    /// (`(ref $point)`, `(ref null $arr)`: `HeapType::Concrete(i)` is type
    /// index `i` of that module), as [`Func::new_in`] makes one. Imports
    /// of it are checked at instantiation like wasm imports: structurally
    /// equal types of the importing module match.
    pub fn func_new_in(
        &mut self,
        module: &str,
        name: &str,
        types: &crate::Module,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Result<&mut Self>
    where
        T: 'static,
    {
        if !types.engine().same_types(&self.engine) {
            return Err(Error::usage("module compiled for another engine"));
        }
        let canon = crate::func::canon_in(types, &ty)?;
        let func: HostFunc<T> = crate::func::checked_results_in(&ty, types, f);
        self.defs.insert((module.to_string(), name.to_string()), Definition::Host { ty, func, canon: Some(canon) });
        Ok(self)
    }

    /// Defines `module.name` as an item of a store.
    pub fn define(&mut self, module: &str, name: &str, item: impl Into<Extern>) -> Result<&mut Self> {
        self.defs.insert((module.to_string(), name.to_string()), Definition::Extern(item.into()));
        Ok(self)
    }

    /// Defines every export of `instance` under module name `module`
    /// (the spec scripts' `register`).
    pub fn instance(&mut self, module: &str, instance: &Instance) -> Result<&mut Self> {
        for (name, ext) in instance.exports() {
            self.defs.insert((module.to_string(), name.to_string()), Definition::Extern(*ext));
        }
        Ok(self)
    }

    /// The definition of `module.name`, allocating host functions in `store`.
    pub fn get(&self, mut store: impl AsContextMut<Data = T>, module: &str, name: &str) -> Option<Extern> {
        let def = self.defs.get(&(module.to_string(), name.to_string()))?;
        Some(materialize(store.as_context_mut(), def))
    }

    /// Resolves `module`'s imports and instantiates it. Errors with
    /// [`LinkError::UnknownImport`] for a missing definition and
    /// [`LinkError::IncompatibleImportType`] for a mismatching one.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>, module: &Module) -> Result<Instance> {
        let store = store.as_context_mut();
        let mut imports = Vec::with_capacity(module.decoded().imports.len());
        for import in &module.decoded().imports {
            let key = (import.module.clone(), import.name.clone());
            let def = self.defs.get(&key).ok_or_else(|| {
                Error::Link(LinkError::UnknownImport { module: import.module.clone(), name: import.name.clone() })
            })?;
            imports.push(materialize(store, def));
        }
        Instance::new(store, module, &imports)
    }
}

fn materialize<T>(store: &mut Store<T>, def: &Definition<T>) -> Extern {
    match def {
        Definition::Extern(e) => *e,
        Definition::Host { ty, func, canon } => {
            let index = match canon {
                Some(canon) => store.push_host_canon(ty.clone(), canon.clone(), func.clone()),
                None => store.push_host(ty.clone(), func.clone()),
            };
            Extern::Func(Func(store.stored(index)))
        }
    }
}
