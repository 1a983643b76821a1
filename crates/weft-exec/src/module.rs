//! [`Module`]: a decoded and validated module, ready to instantiate, with a
//! per-function cache of the engines' translated code.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft_decode::{ExternKind, FuncType, ImportType};
use weft_validate::ModuleInfo;

use crate::engine::Engine;
use crate::executor::{Decline, Fallback};
use crate::trap::{Error, Result};
use crate::types::CanonType;

/// How long [`Module::from_binary_timed`] spent in each phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompileTimings {
    /// Decoding the sections (function bodies are only delimited).
    pub decode: Duration,
    /// Validating, which decodes every function body.
    pub validate: Duration,
}

/// A compiled module: decoded, validated, shareable between stores.
#[derive(Clone)]
pub struct Module(pub(crate) Arc<ModuleInner>);

/// A compiled module as executors see it: decoded, validated, with its
/// types and each executor's state.
pub struct ModuleInner {
    /// The engine it was compiled for.
    pub engine: Engine,
    /// The decoded module.
    pub decoded: weft_decode::Module,
    #[allow(dead_code)]
    /// The validator's facts about it.
    pub info: ModuleInfo,
    /// The function type of each type index (an empty type for non-function types).
    pub types: Vec<FuncType>,
    /// The module-independent form of each type.
    pub canon: Vec<Arc<CanonType>>,
    /// The runtime form of each type (canonical id, supertype display,
    /// object layout), interned in the engine's registry.
    pub gc_types: Vec<Arc<crate::gc::GcType>>,
    /// Each executor's state for this module (its translated code), made
    /// by [`Executor::module_state`](crate::executor::Executor::module_state).
    states: Vec<Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("name", &self.name()).finish_non_exhaustive()
    }
}

impl Module {
    /// Compiles a module from its binary or text (`.wat`) form: the text is
    /// assembled by the `wat` crate, the binary decoded by weft-decode and
    /// validated by weft-validate.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(b"\0asm") {
            return Module::from_binary(engine, bytes);
        }
        let binary = wat::parse_bytes(bytes).map_err(|e| Error::Wat(e.to_string()))?;
        Module::from_binary(engine, &binary)
    }

    /// Compiles a module from its binary form.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        Ok(Module::from_binary_timed(engine, bytes.to_vec())?.0)
    }

    /// [`Module::from_binary`] taking the bytes (the module keeps them, so
    /// they are not copied), also returning how long decoding and
    /// validation took (what `weft run --timings` prints).
    pub fn from_binary_timed(engine: &Engine, bytes: Vec<u8>) -> Result<(Module, CompileTimings)> {
        let config = engine.config();
        let start = Instant::now();
        // The sections are decoded here; the function bodies are read once,
        // by the validator (on several threads), not first by the decoder.
        let decoded = weft_decode::Module::decode_owned(bytes, config.features)?;
        let decoded_at = Instant::now();
        let info = match weft_validate::validate_with_threads(&decoded, config.effective_validation_threads()) {
            Ok(info) => info,
            Err(invalid) => {
                // A malformed body anywhere outranks an invalid one (the
                // spec decodes the whole binary before validating it):
                // read every body in binary order to find out.
                weft_decode::Module::decode_all(decoded.bytes(), config.features)?;
                return Err(invalid.into());
            }
        };
        let validated_at = Instant::now();
        let timings = CompileTimings { decode: decoded_at - start, validate: validated_at - decoded_at };
        Ok((Module::from_parts(engine, decoded, info), timings))
    }

    /// Wraps an already decoded and validated module.
    pub fn from_parts(engine: &Engine, decoded: weft_decode::Module, info: ModuleInfo) -> Module {
        let types = decoded.types.iter().map(|t| t.as_func().cloned().unwrap_or_default()).collect();
        let states = match engine.executors() {
            Some(executors) => executors.distinct().map(|e| e.module_state(&decoded)).collect(),
            None => Vec::new(),
        };
        let canon = crate::types::canonicalize(&decoded.types);
        let gc_types = engine.type_registry().register(&decoded.types);
        Module(Arc::new(ModuleInner { engine: engine.clone(), decoded, info, types, canon, gc_types, states }))
    }

    /// The module as executors see it (the engine seam's view; see
    /// [`executor`](crate::executor)).
    pub fn inner(&self) -> &ModuleInner {
        &self.0
    }

    /// The decoded module.
    pub fn decoded(&self) -> &weft_decode::Module {
        &self.0.decoded
    }

    /// The runtime type of type index `index` (its canonical id, supertype
    /// display and object layout), for embedders that allocate objects or
    /// declare host functions over the module's defined types.
    pub fn gc_type(&self, index: u32) -> Option<Arc<crate::gc::GcType>> {
        self.0.gc_types.get(index as usize).cloned()
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }

    /// The module's name from the name section, if any.
    pub fn name(&self) -> Option<&str> {
        self.0.decoded.names().module.as_deref()
    }

    /// The imports: module name, field name and type.
    pub fn imports(&self) -> impl Iterator<Item = (&str, &str, &ImportType)> {
        self.0.decoded.imports.iter().map(|i| (i.module.as_str(), i.name.as_str(), &i.ty))
    }

    /// The functions the engine's configured executor leaves to the
    /// fallback executor, and why (preparing every function to find out).
    /// Empty when the engine runs everything on one executor.
    pub fn fallbacks(&self) -> Vec<Fallback> {
        let Some(executors) = self.0.engine.executors() else { return Vec::new() };
        if Arc::ptr_eq(&executors.primary, &executors.fallback) {
            return Vec::new();
        }
        let config = self.0.engine.config();
        let d = &self.0.decoded;
        (0..d.code.len() as u32)
            .filter_map(|defined| {
                let reason: Decline = executors.primary.prepare(&self.0, defined, config).err()?;
                let func_index = d.num_imported_functions + defined;
                let name = d.names().function(func_index).map(str::to_string);
                Some(Fallback { func_index, name, executor: executors.fallback.name(), reason })
            })
            .collect()
    }

    /// The exports: name and kind.
    pub fn exports(&self) -> impl Iterator<Item = (&str, ExternKind)> {
        self.0.decoded.exports.iter().map(|e| (e.name.as_str(), e.kind))
    }
}

impl ModuleInner {
    /// The function type at type index `index`.
    pub fn func_type(&self, index: u32) -> Option<&FuncType> {
        self.types.get(index as usize)
    }

    /// The canonical form of type index `index`.
    pub fn canon_type(&self, index: u32) -> Arc<CanonType> {
        self.canon.get(index as usize).cloned().unwrap_or_else(|| crate::types::canonicalize_func(&FuncType::default()))
    }

    /// The type of function `func` (imports first).
    pub fn type_of_func(&self, func: u32) -> Option<&FuncType> {
        self.func_type(*self.decoded.function_types.get(func as usize)?)
    }

    /// The state of type `S` an executor made for this module, if the
    /// module's engine has that executor.
    pub fn state<S: Any>(&self) -> Option<&S> {
        self.states.iter().find_map(|s| s.downcast_ref::<S>())
    }
}
