//! Functions: [`Func`] handles, calling them, host functions (typed closures
//! through [`IntoFunc`], untyped ones through [`Func::new`]), the [`Caller`]
//! a host function sees, and [`TypedFunc`].

use std::marker::PhantomData;
use std::sync::Arc;

use weft_decode::{FuncType, HeapType, RefType, ValType};

use crate::exception::Exn;
use crate::externals::{Extern, check_val_store};
use crate::gc::AnyRef;
use crate::instance::InstanceData;
use crate::store::{AsContext, AsContextMut, Store, Stored};
use crate::trap::{Error, Result, Trap, TrapKind};
use crate::value::{ExternRef, Val};

/// A host function as stored: untyped, with the caller's context.
pub(crate) type HostFunc<T> = Arc<dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync>;

/// A function instance in a store (wasm or host).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Func(#[doc(hidden)] pub Stored);

/// What a host function sees of its caller: the store (host data included)
/// and the calling instance's exports.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut Store<T>,
    pub(crate) instance: Option<Arc<InstanceData>>,
}

impl<T> Caller<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        &self.store.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.store.data
    }

    /// The calling instance's export `name` (typically `"memory"`).
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        let instance = self.instance.as_ref()?;
        instance.exports.iter().find(|(n, _)| n == name).map(|(_, e)| *e)
    }

    /// The engine.
    pub fn engine(&self) -> &crate::Engine {
        self.store.engine()
    }

    /// The fuel left, if fuel is enabled.
    pub fn get_fuel(&self) -> Option<u64> {
        self.store.get_fuel()
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> &Store<T> {
        self.store
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> &mut Store<T> {
        self.store
    }
}

/// Wraps a host function with a dynamic signature so that results of
/// another type than `ty` declares, or references of another store, are a
/// trap rather than values the engines would misread.
pub(crate) fn checked_results<T>(
    ty: &FuncType,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
) -> HostFunc<T> {
    let types: Vec<ValType> = ty.results().to_vec();
    Arc::new(move |caller: Caller<'_, T>, args: &[Val], results: &mut [Val]| {
        let store = caller.store.inner.id;
        f(caller, args, results)?;
        for (v, t) in results.iter().zip(&types) {
            if !v.matches(*t) {
                return Err(Trap::host(format!("host function returned {} where its type declares {t}", v.ty())));
            }
            let foreign = match v {
                Val::FuncRef(Some(f)) => f.0.store != store,
                Val::ExnRef(Some(e)) => e.0.store != store,
                Val::AnyRef(Some(crate::gc::AnyRef::Object(r))) | Val::Externalized(crate::gc::AnyRef::Object(r)) => {
                    r.store != store
                }
                _ => false,
            };
            if foreign {
                return Err(Trap::host("host function returned a reference of another store"));
            }
        }
        Ok(())
    })
}

/// The canonical type of host function type `ty` whose type indices name
/// types of `module`; an index the module does not have is an error.
pub(crate) fn canon_in(module: &crate::Module, ty: &FuncType) -> Result<Arc<crate::types::CanonType>> {
    let n = module.0.canon.len();
    for t in ty.params().iter().chain(ty.results()) {
        if let ValType::Ref(RefType { heap: HeapType::Concrete(i), .. }) = t
            && *i as usize >= n
        {
            return Err(Error::usage(format!("type index {i} out of range: the module has {n} types")));
        }
    }
    Ok(crate::types::canonicalize_func_in(ty, &module.0.canon))
}

/// [`checked_results`] for a type over `module`'s defined types: a result
/// of a defined struct or array type must be an object of a subtype of it
/// (a function result of a defined function type, a function whose type
/// matches), as wasm's own results are.
pub(crate) fn checked_results_in<T: 'static>(
    ty: &FuncType,
    module: &crate::Module,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
) -> HostFunc<T> {
    let inner = checked_results(ty, f);
    let types: Vec<ValType> = ty.results().to_vec();
    let module = module.clone();
    Arc::new(move |caller: Caller<'_, T>, args: &[Val], results: &mut [Val]| {
        let Caller { store, instance } = caller;
        inner(Caller { store: &mut *store, instance }, args, results)?;
        for (v, t) in results.iter().zip(&types) {
            let ValType::Ref(RefType { heap: HeapType::Concrete(i), .. }) = t else { continue };
            let ok = match v {
                Val::AnyRef(Some(AnyRef::Object(r))) => {
                    match (store.inner.gc.get(*r), module.0.gc_types.get(*i as usize)) {
                        (Some(obj), Some(target)) => obj.ty().is_subtype_of(target),
                        _ => false,
                    }
                }
                Val::FuncRef(Some(f)) => crate::gc::func_matches(&store.inner, f.0.index, &module.0, *i),
                v => v.is_null(),
            };
            if !ok {
                return Err(Trap::host(format!("host function returned {v} where its type declares {t}")));
            }
        }
        Ok(())
    })
}

impl Func {
    /// A host function whose type names defined types of `module` (a
    /// parameter `(ref $point)` is `HeapType::Concrete(i)` with `$point`
    /// type index `i` of `module`): imports of it are checked at link time
    /// like wasm imports (structurally equal types of the importing module
    /// match, by the engine's canonical types), and a result of a defined
    /// struct or array type must be an object of that type or a subtype.
    /// `module` must be compiled for the store's engine.
    pub fn new_in<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        module: &crate::Module,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Result<Func> {
        let store = store.as_context_mut();
        if !module.engine().same_types(&store.inner.engine) {
            return Err(Error::usage("module compiled for another engine"));
        }
        let canon = canon_in(module, &ty)?;
        let func = checked_results_in(&ty, module, f);
        let index = store.push_host_canon(ty, canon, func);
        Ok(Func(store.stored(index)))
    }

    /// A host function with a dynamic signature: `f` receives the arguments
    /// and writes `ty.results().len()` results.
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Func {
        let store = store.as_context_mut();
        let func = checked_results(&ty, f);
        let index = store.push_host(ty, func);
        Func(store.stored(index))
    }

    /// A host function from a typed Rust closure (see [`IntoFunc`]).
    pub fn wrap<T, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let store = store.as_context_mut();
        let (ty, func) = f.into_func();
        let index = store.push_host(ty, func);
        Func(store.stored(index))
    }

    #[doc(hidden)]
    pub fn index(&self) -> u32 {
        self.0.index
    }

    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> Result<FuncType> {
        let store = store.as_context();
        Ok(store.inner.funcs[store.check(self.0)?].ty().clone())
    }

    /// Calls the function: checks `params` against its type, runs it, and
    /// writes its results into `results` (which must have the right length).
    pub fn call(&self, mut store: impl AsContextMut, params: &[Val], results: &mut [Val]) -> Result<()> {
        let store = store.as_context_mut();
        let index = store.check(self.0)?;
        let ty = store.inner.funcs[index].ty();
        if ty.params().len() != params.len() {
            return Err(Error::usage(format!("expected {} arguments, got {}", ty.params().len(), params.len())));
        }
        if ty.results().len() != results.len() {
            return Err(Error::usage(format!("expected {} results, got {}", ty.results().len(), results.len())));
        }
        for (p, t) in params.iter().zip(ty.params()) {
            if !p.matches(*t) {
                return Err(Error::usage(format!("argument type mismatch: expected {t}, got {}", p.ty())));
            }
        }
        for p in params {
            check_val_store(store, p)?;
        }
        // Host re-entry is the one way wasm makes the native stack grow:
        // measure how far this call is from the outermost one.
        let marker = 0u8;
        let here = std::ptr::addr_of!(marker) as usize;
        let outermost = store.inner.activations == 0;
        if outermost {
            store.inner.native_stack_base = here;
        } else if store.inner.native_stack_base.abs_diff(here) > store.inner.engine.config().max_native_stack {
            return Err(Error::Trap(Trap::new(TrapKind::CallStackExhausted)));
        }
        let r = crate::executor::invoke(store, index as u32, params, results);
        if outermost {
            store.inner.native_stack_base = 0;
        }
        // The host may keep the exception instances it is handed.
        crate::exception::pin_vals(&mut store.inner, results);
        r.map_err(Error::Trap)
    }

    /// Calls the function and returns its results in a new vector.
    pub fn call_vec(&self, mut store: impl AsContextMut, params: &[Val]) -> Result<Vec<Val>> {
        let store = store.as_context_mut();
        let ty = self.ty(&*store)?;
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        self.call(store, params, &mut results)?;
        Ok(results)
    }

    /// A statically typed view; errors if the types do not match.
    pub fn typed<P: WasmParams, R: WasmResults, T>(&self, store: &Store<T>) -> Result<TypedFunc<P, R>> {
        let ty = self.ty(store)?;
        if ty.params() != P::types().as_slice() || ty.results() != R::types().as_slice() {
            return Err(Error::usage(format!("function type mismatch: the function is {ty}")));
        }
        Ok(TypedFunc { func: *self, _marker: PhantomData })
    }
}

/// A Rust type that is a wasm value type.
pub trait WasmTy: Sized + Copy + Send + 'static {
    /// The wasm type.
    fn valtype() -> ValType;
    /// To a [`Val`].
    fn into_val(self) -> Val;
    /// From a [`Val`] of the right type.
    fn from_val(v: Val) -> Option<Self>;
}

macro_rules! wasm_ty {
    ($($t:ty => $vt:expr, |$x:ident| $into:expr, $pat:pat => $from:expr;)*) => {$(
        impl WasmTy for $t {
            fn valtype() -> ValType {
                $vt
            }
            fn into_val(self) -> Val {
                let $x = self;
                $into
            }
            fn from_val(v: Val) -> Option<Self> {
                match v {
                    $pat => Some($from),
                    _ => None,
                }
            }
        }
    )*};
}

wasm_ty! {
    i32 => ValType::I32, |x| Val::I32(x), Val::I32(x) => x;
    u32 => ValType::I32, |x| Val::I32(x as i32), Val::I32(x) => x as u32;
    i64 => ValType::I64, |x| Val::I64(x), Val::I64(x) => x;
    u64 => ValType::I64, |x| Val::I64(x as i64), Val::I64(x) => x as u64;
    f32 => ValType::F32, |x| Val::F32(x.to_bits()), Val::F32(x) => f32::from_bits(x);
    f64 => ValType::F64, |x| Val::F64(x.to_bits()), Val::F64(x) => f64::from_bits(x);
    Option<Func> => ValType::FUNCREF, |x| Val::FuncRef(x), Val::FuncRef(x) => x;
    Option<ExternRef> => ValType::EXTERNREF, |x| Val::ExternRef(x), Val::ExternRef(x) => x;
    Option<Exn> => ValType::EXNREF, |x| Val::ExnRef(x), Val::ExnRef(x) => x;
    Option<AnyRef> => ValType::Ref(RefType { nullable: true, heap: HeapType::Any }), |x| Val::AnyRef(x), Val::AnyRef(x) => x;
}

/// A list of wasm values as Rust types: `()`, a single [`WasmTy`], or a tuple.
pub trait WasmParams: Sized + Send + 'static {
    /// The wasm types.
    fn types() -> Vec<ValType>;
    /// Appends the values.
    fn into_vals(self, out: &mut Vec<Val>);
    /// Reads the values (of the right types).
    fn from_vals(vals: &[Val]) -> Option<Self>;
}

/// Results are typed exactly like parameters.
pub use WasmParams as WasmResults;

impl<A: WasmTy> WasmParams for A {
    fn types() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn into_vals(self, out: &mut Vec<Val>) {
        out.push(self.into_val());
    }
    fn from_vals(vals: &[Val]) -> Option<Self> {
        match vals {
            [v] => A::from_val(*v),
            _ => None,
        }
    }
}

macro_rules! tuple_params {
    ($($a:ident)*) => {
        #[allow(non_snake_case, unused_mut, unused_variables)]
        impl<$($a: WasmTy),*> WasmParams for ($($a,)*) {
            fn types() -> Vec<ValType> {
                vec![$($a::valtype()),*]
            }
            fn into_vals(self, out: &mut Vec<Val>) {
                let ($($a,)*) = self;
                $( out.push($a.into_val()); )*
            }
            fn from_vals(vals: &[Val]) -> Option<Self> {
                let mut it = vals.iter();
                let r = ($($a::from_val(*it.next()?)?,)*);
                if it.next().is_some() { None } else { Some(r) }
            }
        }
    };
}

tuple_params!();
tuple_params!(A1);
tuple_params!(A1 A2);
tuple_params!(A1 A2 A3);
tuple_params!(A1 A2 A3 A4);
tuple_params!(A1 A2 A3 A4 A5);
tuple_params!(A1 A2 A3 A4 A5 A6);
tuple_params!(A1 A2 A3 A4 A5 A6 A7);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8);

/// What a typed host closure may return: results, or `Result<results, Trap>`.
pub trait HostResult: Send + 'static {
    /// The results' types.
    type Results: WasmResults;
    /// Splits into results or a trap.
    fn into_result(self) -> Result<Self::Results, Trap>;
}

impl<R: WasmResults> HostResult for R {
    type Results = R;
    fn into_result(self) -> Result<R, Trap> {
        Ok(self)
    }
}

impl<R: WasmResults> HostResult for Result<R, Trap> {
    type Results = R;
    fn into_result(self) -> Result<R, Trap> {
        self
    }
}

/// Marks closures whose first parameter is a [`Caller`].
pub struct WithCaller<P>(PhantomData<P>);

/// A Rust closure usable as a host function: `Fn(A1, .., An) -> R` or
/// `Fn(Caller<'_, T>, A1, .., An) -> R`, where the `Ai` are [`WasmTy`]s and
/// `R` is a [`HostResult`].
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    /// The function type and the untyped host function.
    fn into_func(self) -> (FuncType, HostFunc<T>);
}

fn write_results<R: WasmResults>(r: R, results: &mut [Val]) -> Result<(), Trap> {
    let mut out = Vec::with_capacity(results.len());
    r.into_vals(&mut out);
    if out.len() != results.len() {
        return Err(Trap::host("host function returned the wrong number of results"));
    }
    results.copy_from_slice(&out);
    Ok(())
}

macro_rules! into_func {
    ($($a:ident)*) => {
        #[allow(non_snake_case, unused_mut, unused_variables)]
        impl<T, F, R, $($a: WasmTy),*> IntoFunc<T, ($($a,)*), R> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            R: HostResult,
        {
            fn into_func(self) -> (FuncType, HostFunc<T>) {
                let ty = FuncType::new(<($($a,)*) as WasmParams>::types(), R::Results::types());
                let f = move |_caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                    let ($($a,)*) = <($($a,)*) as WasmParams>::from_vals(params)
                        .ok_or_else(|| Trap::host("host function called with wrong argument types"))?;
                    write_results(self($($a),*).into_result()?, results)
                };
                (ty, Arc::new(f))
            }
        }

        #[allow(non_snake_case, unused_mut, unused_variables)]
        impl<T, F, R, $($a: WasmTy),*> IntoFunc<T, WithCaller<($($a,)*)>, R> for F
        where
            F: for<'c> Fn(Caller<'c, T>, $($a),*) -> R + Send + Sync + 'static,
            R: HostResult,
        {
            fn into_func(self) -> (FuncType, HostFunc<T>) {
                let ty = FuncType::new(<($($a,)*) as WasmParams>::types(), R::Results::types());
                let f = move |caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                    let ($($a,)*) = <($($a,)*) as WasmParams>::from_vals(params)
                        .ok_or_else(|| Trap::host("host function called with wrong argument types"))?;
                    write_results(self(caller, $($a),*).into_result()?, results)
                };
                (ty, Arc::new(f))
            }
        }
    };
}

into_func!();
into_func!(A1);
into_func!(A1 A2);
into_func!(A1 A2 A3);
into_func!(A1 A2 A3 A4);
into_func!(A1 A2 A3 A4 A5);
into_func!(A1 A2 A3 A4 A5 A6);
into_func!(A1 A2 A3 A4 A5 A6 A7);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8);

/// A function with static parameter and result types.
#[derive(Debug)]
pub struct TypedFunc<P, R> {
    func: Func,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// Calls the function.
    pub fn call(&self, mut store: impl AsContextMut, params: P) -> Result<R> {
        let store = store.as_context_mut();
        let mut args = Vec::new();
        params.into_vals(&mut args);
        let mut results: Vec<Val> = R::types().into_iter().map(Val::default_for).collect();
        self.func.call(store, &args, &mut results)?;
        R::from_vals(&results).ok_or_else(|| Error::usage("result type mismatch"))
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}
