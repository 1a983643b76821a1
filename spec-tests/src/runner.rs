//! Runs one `.wast` script against weft's embedding API: one `match` over
//! the directives, every failure reported as `file:line:col: message`, and
//! an unsupported directive reported as a failure, never passed silently.

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use wast::core::ModuleKind;
use wast::token::Span;
use wast::{QuoteWat, WastDirective, WastExecute, WastInvoke, Wat};
use weft::{Config, Engine, EngineKind, Error, Features, Instance, Linker, Module, Store, Val};

use crate::expectations::{DIFFERENT_ERRORS, SKIPPED_MODULES, message_matches};
use crate::{directives, parse_buffer, values};

/// A script to run.
#[derive(Debug, Clone)]
pub struct Script<'a> {
    /// How failures name the file, e.g. `wasm-v2/i32.wast`.
    pub path: String,
    /// The script's path in the testsuite's layout (`wasm-v2/i32.wast`),
    /// which the expectations ([`crate::expectations`]) are keyed by; for a
    /// script outside the layout, its path.
    pub key: String,
    /// The script's text.
    pub contents: &'a str,
    /// The features to run it with.
    pub features: Features,
}

/// One failed assertion.
#[derive(Debug, Clone)]
pub struct Failure {
    /// `file:line:col` of the directive.
    pub location: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// One directive of a script and what became of it.
#[derive(Debug, Clone)]
pub struct DirectiveResult {
    /// `file:line:col` of the directive.
    pub location: String,
    /// Its kind as the script spells it: `module`, `assert_return`, ...
    pub kind: &'static str,
    /// Why it failed; `None` when it did what the script expects.
    pub failure: Option<String>,
}

/// The result of running a script.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Directives that did what the script expects.
    pub passed: usize,
    /// Directives that did not.
    pub failures: Vec<Failure>,
    /// Every directive run, in the script's order (a script that cannot be
    /// parsed has one failure and no directive).
    pub directives: Vec<DirectiveResult>,
    /// What the script's calls of `spectest.print*` printed, one line each.
    pub output: String,
}

/// The name a script gives a directive.
fn directive_kind(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        #[allow(unreachable_patterns)]
        _ => "directive",
    }
}

/// Runs `script` on the engine `kind`.
pub fn run_script(script: &Script<'_>, kind: EngineKind) -> Outcome {
    run_script_with(script, kind, false)
}

/// Runs `script` on the engine `kind`, with a GC collection before every
/// allocation if `gc_stress` ([`weft::Config::gc_stress`]).
pub fn run_script_with(script: &Script<'_>, kind: EngineKind, gc_stress: bool) -> Outcome {
    let mut outcome = Outcome::default();
    let fail = |outcome: &mut Outcome, location: String, message: String| {
        outcome.failures.push(Failure { location, message });
    };
    // Where the `wast` crate gave up, as `file:line:col`.
    let located = |e: wast::Error| {
        let (line, col) = e.span().linecol_in(script.contents);
        format!("{} at {}:{}:{}", e.message(), script.path, line + 1, col + 1)
    };
    let buf = match parse_buffer(script.contents) {
        Ok(b) => b,
        Err(e) => {
            fail(&mut outcome, script.path.clone(), format!("cannot lex the script: {}", located(e)));
            return outcome;
        }
    };
    let list = match directives(&buf) {
        Ok(d) => d,
        Err(e) => {
            fail(&mut outcome, script.path.clone(), format!("cannot parse the script: {}", located(e)));
            return outcome;
        }
    };
    let mut runner = match Runner::new(script, kind, gc_stress) {
        Ok(r) => r,
        Err(e) => {
            fail(&mut outcome, script.path.clone(), format!("cannot set up the spectest module: {e}"));
            return outcome;
        }
    };
    for directive in list {
        let (line, col) = directive.span().linecol_in(script.contents);
        let key = format!("{}:{}:{}", script.key, line + 1, col + 1);
        if SKIPPED_MODULES.iter().any(|(at, _)| *at == key) {
            continue;
        }
        let location = runner.location(directive.span());
        let kind = directive_kind(&directive);
        let failure = match catch_unwind(AssertUnwindSafe(|| runner.directive(directive, &key))) {
            Ok(Ok(())) => None,
            Ok(Err(message)) => Some(message),
            Err(panic) => {
                let text = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Some(format!("weft panicked: {text}"))
            }
        };
        match &failure {
            None => outcome.passed += 1,
            Some(message) => fail(&mut outcome, location.clone(), message.clone()),
        }
        outcome.directives.push(DirectiveResult { location, kind, failure });
    }
    outcome.output = std::mem::take(&mut *runner.output.lock().unwrap_or_else(|e| e.into_inner()));
    outcome
}

struct Runner<'s> {
    script: &'s Script<'s>,
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    named: HashMap<String, Instance>,
    definitions: HashMap<String, Module>,
    current: Option<Instance>,
    /// What `spectest.print*` printed.
    output: Arc<Mutex<String>>,
}

type Outcome1 = Result<(), String>;

/// The module id a script gave a module, if any.
fn module_id(q: &QuoteWat<'_>) -> Option<String> {
    match q {
        QuoteWat::Wat(Wat::Module(m)) => m.id.map(|id| id.name().to_string()),
        _ => None,
    }
}

fn is_binary(q: &QuoteWat<'_>) -> bool {
    matches!(q, QuoteWat::Wat(Wat::Module(m)) if matches!(m.kind, ModuleKind::Binary(_)))
}

impl<'s> Runner<'s> {
    fn new(script: &'s Script<'s>, kind: EngineKind, gc_stress: bool) -> weft::Result<Self> {
        let mut config = Config::new();
        config.features(script.features).engine_kind(kind).gc_stress(gc_stress);
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let output = Arc::new(Mutex::new(String::new()));
        let sink = output.clone();
        weft::spectest::define_with_output(&mut linker, &mut store, move |line| {
            let mut out = sink.lock().unwrap_or_else(|e| e.into_inner());
            out.push_str(line);
            out.push('\n');
        })?;
        Ok(Runner {
            script,
            engine,
            store,
            linker,
            named: HashMap::new(),
            definitions: HashMap::new(),
            current: None,
            output,
        })
    }

    fn location(&self, span: Span) -> String {
        let (line, col) = span.linecol_in(self.script.contents);
        format!("{}:{}:{}", self.script.path, line + 1, col + 1)
    }

    fn matches(&self, actual: &Error, expected: &str, location: &str) -> bool {
        let text = actual.message();
        message_matches(self.suite(), &text, expected)
            || DIFFERENT_ERRORS.iter().any(|(at, weft_text, _)| *at == location && text.contains(weft_text))
    }

    /// The script's testsuite directory (`wasm-v1`), for the older
    /// scripts' wordings.
    fn suite(&self) -> &str {
        self.script.key.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    fn compile(&self, q: &mut QuoteWat<'_>) -> Result<Result<Module, Error>, String> {
        let bytes = q.encode().map_err(|e| format!("the wast crate cannot encode this module: {e}"))?;
        Ok(Module::from_binary(&self.engine, &bytes))
    }

    fn instantiate(&mut self, module: &Module) -> Result<Instance, Error> {
        self.linker.instantiate(&mut self.store, module)
    }

    fn instance(&self, id: Option<wast::token::Id<'_>>) -> Result<Instance, String> {
        match id {
            Some(id) => self.named.get(id.name()).cloned().ok_or_else(|| format!("unknown module ${}", id.name())),
            None => self.current.clone().ok_or_else(|| "no module instantiated yet".to_string()),
        }
    }

    fn invoke(&mut self, inv: &WastInvoke<'_>) -> Result<Result<Vec<Val>, Error>, String> {
        let instance = self.instance(inv.module)?;
        let func = instance.get_func(inv.name).ok_or_else(|| format!("no exported function {:?}", inv.name))?;
        let args = inv.args.iter().map(values::arg).collect::<Result<Vec<_>, _>>()?;
        Ok(func.call_vec(&mut self.store, &args))
    }

    /// Runs an `assert_return`/`assert_trap` action: `Err` for a harness
    /// problem, `Ok(Err)` for a weft error the script may expect.
    fn execute(&mut self, exec: &mut WastExecute<'_>) -> Result<Result<Vec<Val>, Error>, String> {
        match exec {
            WastExecute::Invoke(inv) => self.invoke(inv),
            WastExecute::Wat(w) => {
                let bytes = w.encode().map_err(|e| format!("the wast crate cannot encode this module: {e}"))?;
                let module = match Module::from_binary(&self.engine, &bytes) {
                    Ok(m) => m,
                    Err(e) => return Ok(Err(e)),
                };
                Ok(self.instantiate(&module).map(|_| Vec::new()))
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(*module)?;
                let g = instance.get_global(global).ok_or_else(|| format!("no exported global {global:?}"))?;
                Ok(g.get(&self.store).map(|v| vec![v]))
            }
        }
    }

    fn directive(&mut self, directive: WastDirective<'_>, location: &str) -> Outcome1 {
        match directive {
            WastDirective::Module(mut q) => {
                let id = module_id(&q);
                let module = self.compile(&mut q)?.map_err(|e| format!("module failed to compile: {e}"))?;
                let instance = self.instantiate(&module).map_err(|e| format!("module failed to instantiate: {e}"))?;
                if let Some(id) = id {
                    self.named.insert(id, instance.clone());
                }
                self.current = Some(instance);
                Ok(())
            }
            WastDirective::ModuleDefinition(mut q) => {
                let id = module_id(&q).unwrap_or_default();
                let module = self.compile(&mut q)?.map_err(|e| format!("module failed to compile: {e}"))?;
                self.definitions.insert(id, module);
                Ok(())
            }
            WastDirective::ModuleInstance { instance, module, .. } => {
                let key = module.map(|m| m.name().to_string()).unwrap_or_default();
                let definition =
                    self.definitions.get(&key).cloned().ok_or_else(|| format!("unknown module definition {key:?}"))?;
                let inst = self.instantiate(&definition).map_err(|e| format!("module failed to instantiate: {e}"))?;
                if let Some(id) = instance {
                    self.named.insert(id.name().to_string(), inst.clone());
                }
                self.current = Some(inst);
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module)?;
                self.linker.instance(name, &instance).map_err(|e| format!("register failed: {e}"))?;
                Ok(())
            }
            WastDirective::Invoke(inv) => match self.invoke(&inv)? {
                Ok(_) => Ok(()),
                Err(e) => Err(format!("invoke failed: {e}")),
            },
            WastDirective::AssertReturn { mut exec, results, .. } => {
                let actual = self.execute(&mut exec)?.map_err(|e| format!("expected a return, got: {e}"))?;
                if actual.len() != results.len() {
                    return Err(format!("expected {} results, got {}", results.len(), actual.len()));
                }
                for (i, (a, e)) in actual.iter().zip(&results).enumerate() {
                    values::check(a, e).map_err(|m| format!("result {i}: {m}"))?;
                }
                Ok(())
            }
            WastDirective::AssertTrap { mut exec, message, .. } => match self.execute(&mut exec)? {
                Ok(vals) => Err(format!("expected trap \"{message}\", got {} results", vals.len())),
                Err(e) if self.matches(&e, message, location) => Ok(()),
                Err(e) => Err(format!("expected trap \"{message}\", got: {e}")),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call)? {
                Ok(_) => Err(format!("expected exhaustion \"{message}\", but the call returned")),
                Err(e) if self.matches(&e, message, location) => Ok(()),
                Err(e) => Err(format!("expected exhaustion \"{message}\", got: {e}")),
            },
            WastDirective::AssertInvalid { mut module, message, .. } => match self.compile(&mut module)? {
                Ok(_) => Err(format!("expected invalid \"{message}\", but the module validated")),
                Err(e @ Error::Validation(_)) if self.matches(&e, message, location) => Ok(()),
                Err(e) => Err(format!("expected invalid \"{message}\", got: {e}")),
            },
            WastDirective::AssertMalformed { mut module, message, .. } => {
                if !is_binary(&module) {
                    // A quoted text module: the text format is the `wast`
                    // crate's business; if it rejects the text, the script's
                    // expectation holds. If it accepts it, weft must reject
                    // the binary it produced.
                    return match module.encode() {
                        Err(_) => Ok(()),
                        Ok(bytes) => match Module::from_binary(&self.engine, &bytes) {
                            Err(_) => Ok(()),
                            Ok(_) => Err(format!(
                                "expected malformed text \"{message}\", but wat accepted it and the module validated"
                            )),
                        },
                    };
                }
                match self.compile(&mut module)? {
                    Ok(_) => Err(format!("expected malformed \"{message}\", but the module compiled")),
                    Err(e @ Error::Decode(_)) if self.matches(&e, message, location) => Ok(()),
                    Err(e) => Err(format!("expected malformed \"{message}\", got: {e}")),
                }
            }
            WastDirective::AssertUnlinkable { mut module, message, .. } => {
                let bytes = module.encode().map_err(|e| format!("the wast crate cannot encode this module: {e}"))?;
                let compiled =
                    Module::from_binary(&self.engine, &bytes).map_err(|e| format!("module failed to compile: {e}"))?;
                match self.instantiate(&compiled) {
                    Ok(_) => Err(format!("expected unlinkable \"{message}\", but it instantiated")),
                    Err(e) if self.matches(&e, message, location) => Ok(()),
                    Err(e) => Err(format!("expected unlinkable \"{message}\", got: {e}")),
                }
            }
            // The action must end with a wasm exception no handler caught
            // (not a trap, not a return).
            WastDirective::AssertException { mut exec, .. } => match self.execute(&mut exec)? {
                Ok(vals) => Err(format!("expected an uncaught exception, got {} results", vals.len())),
                Err(e) if e.as_trap().is_some_and(|t| t.exception().is_some()) => Ok(()),
                Err(e) => Err(format!("expected an uncaught exception, got: {e}")),
            },
            WastDirective::AssertSuspension { .. } => Err("unsupported directive: assert_suspension".into()),
            WastDirective::Thread(_) => Err("unsupported directive: thread".into()),
            WastDirective::Wait { .. } => Err("unsupported directive: wait".into()),
            // A malformed or invalid custom section or annotation: the
            // text layer may reject it; otherwise the module must still
            // compile, since an engine ignores what it does not interpret
            // in custom sections and must not reject a module for them.
            WastDirective::AssertInvalidCustom { mut module, message, .. }
            | WastDirective::AssertMalformedCustom { mut module, message, .. } => match module.encode() {
                Err(_) => Ok(()),
                Ok(bytes) => match Module::from_binary(&self.engine, &bytes) {
                    Ok(_) => Ok(()),
                    Err(e) => Err(format!("a custom section that is \"{message}\" made the module fail: {e}")),
                },
            },
            #[allow(unreachable_patterns)]
            _ => Err("unsupported directive".into()),
        }
    }
}
