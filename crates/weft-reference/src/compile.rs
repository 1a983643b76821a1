//! Preprocessing a function body, once, on its first call: the instructions
//! become a vector of [`Instr`] (the decoder's [`Operator`] with its
//! borrowed immediates replaced by owned ones, derived from the same
//! instruction table), and every block learns where its `else` and `end`
//! are, so execution never scans for them.

use std::marker::PhantomData;

use weft_decode::{
    BlockType, BrTable, CastBranch, Catch, Catches, HeapType, Ieee32, Ieee64, Immediate, MemArg, MemIdx, NonNullHeap,
    NullableHeap, Operator, SelectTypes, ShuffleLanes, TableIdx, V128, ValType, ZeroByte,
};

use weft_exec::executor::ModuleInner;
use weft_exec::{Trap, TrapKind};

/// An immediate as the reference engine keeps it: owned and `'static`.
pub trait OwnedImm {
    /// The owned form.
    type Owned: Copy + std::fmt::Debug;
    /// Converts, storing out-of-line data in `ctx`.
    fn own(self, ctx: &mut Compiled) -> Self::Owned;
    /// Appends the text form (a space, then the immediate).
    fn print_owned(owned: &Self::Owned, ctx: &Compiled, out: &mut String);
}

macro_rules! owned_as_self {
    ($($t:ty),*) => {$(
        impl OwnedImm for $t {
            type Owned = $t;
            fn own(self, _: &mut Compiled) -> $t {
                self
            }
            fn print_owned(owned: &$t, _: &Compiled, out: &mut String) {
                Immediate::print(owned, out);
            }
        }
    )*};
}

owned_as_self!(u8, u32, i32, i64, Ieee32, Ieee64, V128, ShuffleLanes, ZeroByte, MemIdx, TableIdx, MemArg);
owned_as_self!(BlockType, HeapType, SelectTypes, NonNullHeap, NullableHeap, CastBranch);

/// A `br_table`'s targets: an index into [`Compiled::br_tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrTableId(pub u32);

impl OwnedImm for BrTable<'_> {
    type Owned = BrTableId;
    fn own(self, ctx: &mut Compiled) -> BrTableId {
        let mut targets: Vec<u32> = self.targets().collect();
        targets.push(self.default());
        ctx.br_tables.push(targets.into_boxed_slice());
        BrTableId((ctx.br_tables.len() - 1) as u32)
    }
    fn print_owned(owned: &BrTableId, ctx: &Compiled, out: &mut String) {
        for target in ctx.br_tables.get(owned.0 as usize).map_or(&[][..], |t| &t[..]) {
            out.push(' ');
            out.push_str(&target.to_string());
        }
    }
}

/// A `try_table`'s catch clauses: an index into [`Compiled::catches`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatchesId(pub u32);

impl OwnedImm for Catches<'_> {
    type Owned = CatchesId;
    fn own(self, ctx: &mut Compiled) -> CatchesId {
        ctx.catches.push(self.iter().collect());
        CatchesId((ctx.catches.len() - 1) as u32)
    }
    fn print_owned(owned: &CatchesId, ctx: &Compiled, out: &mut String) {
        for clause in ctx.catches.get(owned.0 as usize).map_or(&[][..], |c| &c[..]) {
            out.push(' ');
            out.push_str(&clause.to_string());
        }
    }
}

/// A legacy `try` block's handlers (the legacy exception-handling
/// proposal): its `catch`/`catch_all` clauses in order, or `delegate`.
#[derive(Debug, Clone, Default)]
pub struct LegacyTry {
    /// Per clause: the tag index (`None` for `catch_all`) and the position
    /// of the `catch`/`catch_all` instruction its handler code follows.
    pub catches: Vec<(Option<u32>, u32)>,
    /// `delegate l`: the label depth (outside the `try`) the exception is
    /// handed to.
    pub delegate: Option<u32>,
}

macro_rules! define_instr {
    ($( $prefix:ident $code:literal $name:ident $mnemonic:literal { $($imm:ident : $ty:ty),* } $sig:tt )*) => {
        /// One preprocessed instruction: the [`Operator`] variant of the same
        /// name with owned immediates.
        #[derive(Debug, Clone, Copy)]
        #[allow(missing_docs)]
        pub enum Instruction<'a> {
            $( $name { $($imm: <$ty as OwnedImm>::Owned),* }, )*
            #[doc(hidden)]
            _Lifetime(PhantomData<&'a ()>),
        }

        impl Instruction<'static> {
            /// The text-format mnemonic.
            pub fn mnemonic(&self) -> &'static str {
                match self {
                    $( Instruction::$name { .. } => $mnemonic, )*
                    Instruction::_Lifetime(_) => "",
                }
            }
        }

        impl<'a> Instruction<'a> {
            /// Appends the text form: mnemonic and immediates, as the
            /// decoder's printer writes them.
            pub fn print(&self, code: &Compiled, out: &mut String) {
                match self {
                    $( Instruction::$name { $($imm),* } => {
                        out.push_str($mnemonic);
                        $( <$ty as OwnedImm>::print_owned($imm, code, out); )*
                    } )*
                    Instruction::_Lifetime(_) => {}
                }
            }
        }

        fn own_operator(op: Operator<'_>, ctx: &mut Compiled) -> Instr {
            match op {
                $( Operator::$name { $($imm),* } => Instruction::$name { $($imm: OwnedImm::own($imm, ctx)),* }, )*
            }
        }
    };
}

weft_decode::for_each_instruction!(define_instr);

/// A preprocessed instruction.
pub type Instr = Instruction<'static>;

/// What a block instruction needs at run time.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockInfo {
    /// Operands the block takes.
    pub params: u32,
    /// Results the block produces.
    pub results: u32,
    /// The position of the matching `end`.
    pub end: u32,
    /// For `if`: where the false branch starts (after `else`, or the `end`).
    pub else_start: u32,
    /// For legacy `try`: its index in [`Compiled::tries`].
    pub legacy_try: u32,
}

/// A function body ready for the reference engine.
#[derive(Debug, Default)]
pub struct Compiled {
    /// The instructions, the final `end` included.
    pub code: Vec<Instr>,
    /// Per instruction: its block information (`block`, `loop`, `if`,
    /// `else`; zero elsewhere).
    pub blocks: Vec<BlockInfo>,
    /// Per instruction: its byte offset in the module (for backtraces).
    pub offsets: Vec<u32>,
    /// `br_table` targets, default last.
    pub br_tables: Vec<Box<[u32]>>,
    /// `try_table` catch clauses.
    pub catches: Vec<Box<[Catch]>>,
    /// Legacy `try` blocks' handlers.
    pub tries: Vec<LegacyTry>,
    /// The declared locals' types (parameters excluded).
    pub locals: Vec<ValType>,
    /// The function's result count.
    pub results: u32,
}

impl Compiled {
    /// The text form of the instruction at `pc` (empty if there is none).
    pub fn instruction_text(&self, pc: usize) -> String {
        let mut out = String::new();
        if let Some(instr) = self.code.get(pc) {
            instr.print(self, &mut out);
        }
        out
    }
}

/// More declared locals than this are refused rather than allocated.
const MAX_LOCALS: u64 = 50_000;

fn block_arity(module: &ModuleInner, bt: BlockType) -> (u32, u32) {
    match bt {
        BlockType::Empty => (0, 0),
        BlockType::Value(_) => (0, 1),
        BlockType::Func(i) => {
            module.func_type(i).map_or((0, 0), |t| (t.params().len() as u32, t.results().len() as u32))
        }
    }
}

/// Records a legacy `catch`/`catch_all` at `pc` on the innermost open
/// `try` (the validator checked there is one).
fn add_legacy_catch(c: &mut Compiled, open: &[(usize, Option<usize>)], tag: Option<u32>, pc: usize) {
    if let Some(&(start, _)) = open.last()
        && let Instruction::Try { .. } = c.code[start]
    {
        let index = c.blocks[start].legacy_try as usize;
        c.tries[index].catches.push((tag, pc as u32));
    }
}

/// Preprocesses defined function `defined` of `module`.
pub(crate) fn compile(module: &ModuleInner, defined: u32) -> Result<Compiled, Trap> {
    let d = &module.decoded;
    let body = d.code.get(defined as usize).ok_or_else(|| Trap::host("no such function body"))?;
    if body.num_locals > MAX_LOCALS {
        return Err(Trap::new(TrapKind::Unsupported(format!("function with {} locals", body.num_locals))));
    }
    let func_index = d.num_imported_functions + defined;
    let results = module.type_of_func(func_index).map_or(0, |t| t.results().len() as u32);
    let mut c = Compiled { results, ..Compiled::default() };
    for &(n, ty) in &body.locals {
        c.locals.extend(std::iter::repeat_n(ty, n as usize));
    }
    // Open blocks: the position of their `block`/`loop`/`if`, and of `else`.
    let mut open: Vec<(usize, Option<usize>)> = Vec::new();
    let mut ops = d.operators(defined as usize);
    let malformed = |e: weft_decode::DecodeError| Trap::host(format!("malformed function body: {e}"));
    while !ops.is_finished() {
        let offset = ops.offset();
        let op = ops.read().map_err(malformed)?;
        let pc = c.code.len();
        let mut info = BlockInfo::default();
        match op {
            Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => {
                (info.params, info.results) = block_arity(module, blockty);
                open.push((pc, None));
            }
            Operator::TryTable { blockty, .. } => {
                (info.params, info.results) = block_arity(module, blockty);
                open.push((pc, None));
            }
            Operator::Try { blockty } => {
                (info.params, info.results) = block_arity(module, blockty);
                info.legacy_try = c.tries.len() as u32;
                c.tries.push(LegacyTry::default());
                open.push((pc, None));
            }
            Operator::Else {} => {
                if let Some(top) = open.last_mut() {
                    top.1 = Some(pc);
                }
            }
            Operator::Catch { tag_index } => add_legacy_catch(&mut c, &open, Some(tag_index), pc),
            Operator::CatchAll {} => add_legacy_catch(&mut c, &open, None, pc),
            Operator::End {} | Operator::Delegate { .. } => {
                if let Some((start, else_pos)) = open.pop() {
                    let end = pc as u32;
                    c.blocks[start].end = end;
                    c.blocks[start].else_start = else_pos.map_or(end, |e| e as u32 + 1);
                    if let Some(e) = else_pos {
                        c.blocks[e].end = end;
                    }
                    if let Instruction::Try { .. } = c.code[start] {
                        let t = &mut c.tries[c.blocks[start].legacy_try as usize];
                        if let Operator::Delegate { relative_depth } = op {
                            t.delegate = Some(relative_depth);
                        }
                        for &(_, at) in &t.catches {
                            c.blocks[at as usize].end = end;
                        }
                    }
                }
            }
            _ => {}
        }
        let instr = own_operator(op, &mut c);
        c.code.push(instr);
        c.blocks.push(info);
        c.offsets.push(offset as u32);
    }
    Ok(c)
}
