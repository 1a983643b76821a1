//! [`explain`]: why a module is invalid, shown as the validation
//! algorithm's own state (spec appendix A.3) at the instruction that
//! failed: the operand-type stack, the control stack, and the typing rule
//! the instruction did not satisfy. `weft validate --explain` prints it.
//!
//! Validation itself stays free of hooks: the hot loop in `func.rs` never
//! snapshots anything. After it has failed, [`explain`] validates the
//! failing function once more with the same [`OpValidator`] and copies the
//! stacks before every instruction, so the copy taken before the failing
//! one is the state the rule was checked against.

use std::collections::VecDeque;
use std::fmt;

use weft_decode::{BlockType, FuncType, Module, Operator, ValType};

use crate::func::{Frame, FrameKind, FuncValidator, OpValidator, Types};
use crate::module::ModuleContext;
use crate::types::is_defaultable;
use crate::{ValidationError, validate};

/// How many instructions before the failing one [`Explanation::preceding`]
/// keeps.
const PRECEDING: usize = 6;

/// The validator's state at the instruction where validation failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The error, as [`validate`] reports it.
    pub error: ValidationError,
    /// The failing function's index (imports first, as in the spec).
    pub func_index: u32,
    /// Its name from the name section, if any.
    pub func_name: Option<String>,
    /// The failing instruction's text form, or `None` when the body ended
    /// without closing all its blocks.
    pub instruction: Option<String>,
    /// Where the failing instruction starts.
    pub offset: usize,
    /// Up to six instructions before it, as (offset, text), oldest first.
    pub preceding: Vec<(usize, String)>,
    /// The operand-type stack before the instruction, bottom first;
    /// `None` is the algorithm's `Unknown` (a value of any type, left by
    /// unreachable code).
    pub operands: Vec<Option<ValType>>,
    /// The control stack before the instruction, outermost (the function)
    /// first.
    pub controls: Vec<ControlFrame>,
    /// The typing rule the instruction is checked with, with the types
    /// from the context filled in, e.g. `i32.add : [i32 i32] -> [i32]`.
    pub rule: String,
}

/// One entry of the control stack (the appendix's `ctrl_frame`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlFrame {
    /// What opened it: `func`, `block`, `loop`, `if`, `else`, `try_table`,
    /// `try`, `catch` or `catch_all`.
    pub kind: &'static str,
    /// The types it takes (`start_types`).
    pub start_types: Vec<ValType>,
    /// The types it produces (`end_types`).
    pub end_types: Vec<ValType>,
    /// The operand stack height when it was entered.
    pub height: usize,
    /// Whether the rest of the block is unreachable: its stack is then
    /// polymorphic, and pops below `height` yield `Unknown`.
    pub unreachable: bool,
}

impl ControlFrame {
    /// The types a branch to this frame's label carries: a loop's
    /// parameters, any other block's results.
    pub fn label_types(&self) -> &[ValType] {
        if self.kind == "loop" { &self.start_types } else { &self.end_types }
    }
}

/// Why `module` is invalid, at the instruction that failed; `None` if it is
/// valid, the error is not inside a function body's instructions (a
/// module-level rule: imports, limits, segments, exports...; or a body's
/// local declarations), or the body is malformed (a decoding error).
pub fn explain(module: &Module) -> Option<Explanation> {
    let error = validate(module).err()?;
    let ctx = ModuleContext::new(module).ok()?;
    let index = module.code.iter().position(|b| b.code.start <= error.offset && error.offset <= b.code.end)?;
    let mut st = FuncValidator::default();
    let mut explanation = rerun(&ctx, &mut st, index, error)?;
    let func_index = module.num_imported_functions + index as u32;
    explanation.func_index = func_index;
    explanation.func_name = module.names().function(func_index).map(str::to_string);
    Some(explanation)
}

/// Validates defined function `index` again, as
/// [`FuncValidator::validate`] does, copying the stacks before each
/// instruction.
fn rerun(ctx: &ModuleContext<'_>, st: &mut FuncValidator, index: usize, error: ValidationError) -> Option<Explanation> {
    let module = ctx.module;
    let body = &module.code[index];
    let type_index = *module.functions.get(index)?;
    let func_type = ctx.types.func_type(type_index, body.offset).ok()?;
    st.locals.extend_from_slice(func_type.params());
    st.local_inits.resize(func_type.params().len(), true);
    for &(n, t) in &body.locals {
        let defaultable = is_defaultable(t);
        st.tracks_inits |= !defaultable;
        for _ in 0..n {
            st.locals.push(t);
            st.local_inits.push(defaultable);
        }
    }
    let mut v = OpValidator { ctx, st, func_type, offset: body.offset };
    v.push_ctrl(FrameKind::Func, BlockType::Func(type_index), Types::Empty);

    let mut preceding: VecDeque<(usize, String)> = VecDeque::new();
    let mut ops = module.operators(index);
    while !ops.is_finished() {
        v.offset = ops.offset();
        let op = ops.read().ok()?;
        let operands = v.st.vals.clone();
        let frames = v.st.ctrls.clone();
        if let Err(e) = v.visit(&op) {
            let rule = rule(&v, &op, &frames);
            return Some(Explanation {
                error: *e,
                func_index: 0,
                func_name: None,
                instruction: Some(op.to_string()),
                offset: v.offset,
                preceding: preceding.into(),
                operands,
                controls: frames.iter().map(|f| control_frame(&v, f)).collect(),
                rule,
            });
        }
        if preceding.len() == PRECEDING {
            preceding.pop_front();
        }
        preceding.push_back((v.offset, op.to_string()));
    }
    // Every instruction passed: the body ended with blocks still open.
    Some(Explanation {
        error,
        func_index: 0,
        func_name: None,
        instruction: None,
        offset: ops.offset(),
        preceding: preceding.into(),
        operands: v.st.vals.clone(),
        controls: v.st.ctrls.iter().map(|f| control_frame(&v, f)).collect(),
        rule: "a function body is a sequence of instructions closed by `end`, with every block closed".to_string(),
    })
}

fn control_frame(v: &OpValidator<'_, '_>, f: &Frame) -> ControlFrame {
    ControlFrame {
        kind: match f.kind {
            FrameKind::Func => "func",
            FrameKind::Block => "block",
            FrameKind::Loop => "loop",
            FrameKind::If => "if",
            FrameKind::Else => "else",
            FrameKind::Try => "try",
            FrameKind::Catch => "catch",
            FrameKind::CatchAll => "catch_all",
            FrameKind::TryTable => "try_table",
        },
        // The function's own frame takes nothing from the stack: its
        // parameters are locals.
        start_types: if f.kind == FrameKind::Func { Vec::new() } else { to_vec(v.start_types(f.block_type)) },
        end_types: to_vec(v.end_types(f.block_type)),
        height: f.height,
        unreachable: f.unreachable,
    }
}

fn to_vec(types: Types<'_>) -> Vec<ValType> {
    (0..types.len()).map(|i| types.get(i)).collect()
}

/// `[t1 t2]`.
struct List<'a>(&'a [ValType]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, t) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{t}")?;
        }
        f.write_str("]")
    }
}

fn arrow(params: &[ValType], results: &[ValType]) -> String {
    format!("{} -> {}", List(params), List(results))
}

fn func_arrow(ty: &FuncType, extra_param: Option<ValType>) -> String {
    let mut params = ty.params().to_vec();
    params.extend(extra_param);
    arrow(&params, ty.results())
}

/// The typing rule of `op` (spec 3.3), instantiated with the context:
/// `frames` is the control stack before it ran.
fn rule(v: &OpValidator<'_, '_>, op: &Operator<'_>, frames: &[Frame]) -> String {
    use Operator as O;
    let name = op.mnemonic();
    if let Some(sig) = op.signature() {
        return format!("{name} : {}", arrow(sig.params, sig.results));
    }
    let ctx = v.ctx;
    if let Some(text) = crate::gc::explain_rule(&ctx.types, op) {
        return text;
    }
    let label = |depth: u32| -> Option<ControlFrame> {
        let i = frames.len().checked_sub(depth as usize + 1)?;
        Some(control_frame(v, &frames[i]))
    };
    let label_rule = |depth: u32, f: &dyn Fn(&[ValType]) -> String| match label(depth) {
        Some(l) => format!(
            "{}, where label {depth} is the {} frame's, carrying {}",
            f(l.label_types()),
            l.kind,
            List(l.label_types())
        ),
        None => format!("{name} {depth} : label {depth} must exist: only {} blocks are open", frames.len()),
    };
    match *op {
        O::Unreachable {} | O::Nop {} => format!("{name} : [t1*] -> [t2*]"),
        O::Block { blockty } | O::Loop { blockty } | O::If { blockty } | O::TryTable { blockty, .. } => {
            let start = to_vec(v.start_types(blockty));
            let end = to_vec(v.end_types(blockty));
            let mut params = start.clone();
            if matches!(op, O::If { .. }) {
                params.push(ValType::I32);
            }
            format!(
                "{name} : {}; inside, the block starts with {} and must end with exactly {}",
                arrow(&params, &end),
                List(&start),
                List(&end)
            )
        }
        O::Else {} | O::End {} => match frames.last() {
            Some(f) => {
                let f = control_frame(v, f);
                let mut text = format!(
                    "{name} closes the {} frame: the operands above its height {} must be exactly its results {}",
                    f.kind,
                    f.height,
                    List(&f.end_types)
                );
                if f.kind == "if" && matches!(op, O::End {}) {
                    text.push_str(&format!(
                        "; an `if` without `else` must also turn its parameters {} into them",
                        List(&f.start_types)
                    ));
                }
                text
            }
            None => format!("{name} : there is no open block to close"),
        },
        O::Br { relative_depth } => {
            label_rule(relative_depth, &|t| format!("{name} {relative_depth} : [t1* {}] -> [t2*]", inner(t)))
        }
        O::BrIf { relative_depth } => label_rule(relative_depth, &|t| {
            format!("{name} {relative_depth} : {} -> {}", List(&[t, &[ValType::I32]].concat()), List(t))
        }),
        O::BrTable { .. } => {
            "br_table l* l_N : [t1* t* i32] -> [t2*], where every label l* and l_N carries t*".to_string()
        }
        O::Return {} => format!("{name} : [t1* {}] -> [t2*] (the function's results)", inner(v.func_type.results())),
        O::Call { function_index } => match ctx.func_type_of(function_index, 0) {
            Ok(ty) => format!("{name} {function_index} : {}", func_arrow(ty, None)),
            Err(_) => format!("{name} {function_index} : function {function_index} must exist"),
        },
        O::CallIndirect { type_index, .. } => match ctx.types.func_type(type_index, 0) {
            Ok(ty) => format!("{name} (type {type_index}) : {}", func_arrow(ty, Some(ValType::I32))),
            Err(_) => format!("{name} : type {type_index} must exist and be a function type"),
        },
        O::Drop {} => format!("{name} : [t] -> []"),
        O::Select {} => format!("{name} : [t t i32] -> [t], where t is a numeric or vector type"),
        O::TypedSelect { .. } => format!("{name} (result t) : [t t i32] -> [t]"),
        O::LocalGet { local_index } | O::LocalSet { local_index } | O::LocalTee { local_index } => {
            match v.st.locals.get(local_index as usize) {
                Some(&t) => {
                    let (p, r): (&[ValType], &[ValType]) = match op {
                        O::LocalGet { .. } => (&[], &[t]),
                        O::LocalSet { .. } => (&[t], &[]),
                        _ => (&[t], &[t]),
                    };
                    format!("{name} {local_index} : {} (local {local_index} is a {t})", arrow(p, r))
                }
                None => format!(
                    "{name} {local_index} : local {local_index} must exist: the function has {} locals (parameters included)",
                    v.st.locals.len()
                ),
            }
        }
        O::GlobalGet { global_index } | O::GlobalSet { global_index } => match ctx.globals.get(global_index as usize) {
            Some(g) => {
                let t = g.content;
                if matches!(op, O::GlobalGet { .. }) {
                    format!("{name} {global_index} : {}", arrow(&[], &[t]))
                } else {
                    let mutability = if g.mutable { "mutable" } else { "immutable: it cannot be set" };
                    format!("{name} {global_index} : {} (global {global_index} is {mutability})", arrow(&[t], &[]))
                }
            }
            None => format!("{name} {global_index} : global {global_index} must exist"),
        },
        _ => {
            let mnemonic = name;
            if let Some((ty, access)) = mnemonic.split_once('.')
                && (access.starts_with("load") || access.starts_with("store"))
                && !access.contains("lane")
                && matches!(ty, "i32" | "i64" | "f32" | "f64" | "v128")
            {
                let t = ty.to_string();
                if access.starts_with("load") {
                    format!("{name} : [at] -> [{t}], where at is the memory's address type (i32, or i64 for memory64)")
                } else {
                    format!("{name} : [at {t}] -> [], where at is the memory's address type (i32, or i64 for memory64)")
                }
            } else {
                format!("{name} : its type depends on its immediates and the context (see spec 3.3)")
            }
        }
    }
}

/// `t1 t2` (a list without brackets).
fn inner(types: &[ValType]) -> String {
    let s = List(types).to_string();
    s[1..s.len() - 1].to_string()
}
