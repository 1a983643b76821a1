//! The encoding of executable code: the translator's op vector ([`Op`]s)
//! becomes one byte string of variable-length ops, in one pass at the end
//! of translation ([`encode`]).
//!
//! An op is a **handler reference** ([`REF`] bytes) followed by the op's
//! **payload**: its fields as a packed struct generated from its row of
//! the op table ([`payload`]), padded to a multiple of 4 bytes. With the
//! 8-byte reference (the handler's address, what dispatch jumps to after
//! one load) `Copy { d, a }` is 12 bytes, `I32Add { d, a, b }` and loads
//! 16, `Const { d, imm }` 20, a `br_table` entry 12; every op was a
//! 24-byte cell before.
//!
//! `REF = 4` makes the reference the handler's offset from one anchor
//! function ([`anchor`]; dispatch is then a 4-byte load, an add and the
//! jump) and every op 4 bytes shorter: code 2.6× the wasm code bytes
//! instead of 3.5–3.6×. It measured up to 12 % slower on float kernels
//! (`matmul_f32`, `nbody_lite`; docs/PERFORMANCE.md, "issue 15 item 5"),
//! so the address is the default.
//!
//! A handler knows its op's size at compile time: `operands!` reads the
//! payload and brings into scope a `next()` for the op pointer that
//! advances by that size, and a branch target field carries its op's size
//! in its type ([`Target`]), so `branch` knows the fall-through. Handlers
//! that do not bind their operands (ops without fields) advance by 4.
//!
//! Three kinds of op are laid out differently:
//!
//! * **calls** (`Call`, `CallInternal`, `CallInternalCopy`, `CallIndirect`,
//!   `CallRef`) are all
//!   [`CALL_SIZE`] bytes (the largest call's), so code that only knows it is after a call
//!   (`Exec::call`) finds the return address;
//! * **self-decoding** ops — those whose handler decodes the op itself
//!   through [`Ip::op`](super::Ip::op) (the shared `slow` handler, GC ops,
//!   `throw`) — are their handler reference, then a *skip* op (a handler
//!   reference to [`skip`], their tag and their length), then their
//!   payload: their handler's `ip.next()` reaches the skip, which jumps
//!   over the payload;
//! * **`br_table` entries** are `Br` ops: a reference and a 4-byte
//!   offset, half the 24-byte cell they replace (a third with `REF = 4`). When no branch reaches an entry, its handler
//!   reference is its *target's* handler, so `br_table` loads the offset
//!   and the next handler from one place.
//!
//! Branch targets are byte offsets from the branch op's first byte, as
//! before. The op index of a byte offset (for traps, backtraces and
//! exception handlers, which are keyed by op index) comes from
//! `Code::index` ([`OpIndex`]: each op's tag, 2 bytes, and every 64th
//! op's byte offset).

use super::backend::{Flow, Handler, next};
use super::{Exec, Ip, Mem, Sp, handlers};
use crate::op::{Op, for_each_op};
use weft_macros::handler;

/// A branch target as a handler sees it: a byte offset from the branch
/// op's start (`i32` bits), tagged with the op's encoded size `N` so the
/// fall-through is known where the target is used (`backend::branch`).
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub(crate) struct Target<const N: usize>(pub(crate) u32);

impl<const N: usize> std::fmt::Debug for Target<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The bytes of a handler reference: 8, the handler's address, or 4, its
/// offset from [`anchor`] (see the module docs for what each measured).
pub(crate) const REF: usize = 8;

/// The encoded size of every call op (see the module docs).
pub(crate) const CALL_SIZE: usize = REF + 12;

/// The encoded size of `BrTable` (its entries follow).
pub(crate) const BR_TABLE_SIZE: usize = size::BrTable;

/// The encoded size of a `br_table` entry (a `Br`).
pub(crate) const ENTRY_SIZE: usize = size::Br;

/// Where self-decoding ops' payload starts (after their handler
/// reference, the skip's and the skip's tag and length).
pub(crate) const COLD_PAYLOAD: usize = 2 * REF + 4;

/// The size of an op whose payload is `payload` bytes, laid out as `kind`
/// says (0: plain, 1: a call, 2: self-decoding).
const fn op_size(payload: usize, kind: u8) -> usize {
    let padded = payload.div_ceil(4) * 4;
    match kind {
        1 => CALL_SIZE,
        SELF_DECODING => COLD_PAYLOAD + padded,
        _ => REF + padded,
    }
}

/// Whether `a` and `b` are the same string but for spaces (in a
/// constant: `stringify!` of a path spaces its `::`).
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        while i < a.len() && a[i] == b' ' {
            i += 1;
        }
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        if i == a.len() || j == b.len() {
            return i == a.len() && j == b.len();
        }
        if a[i] != b[j] {
            return false;
        }
        i += 1;
        j += 1;
    }
}

/// The layout kind of a self-decoding op (see [`kind_of`]).
pub(super) const SELF_DECODING: u8 = 2;

/// The layout kind of the op named `name` whose handler is `handler` (as
/// written in its row): 1 for a call, [`SELF_DECODING`] for a
/// self-decoding op, else 0.
pub(super) const fn kind_of(name: &str, handler: &str) -> u8 {
    if str_eq(name, "Call")
        || str_eq(name, "CallInternal")
        || str_eq(name, "CallInternalCopy")
        || str_eq(name, "CallInternalMoves")
        || str_eq(name, "CallIndirect")
        || str_eq(name, "CallIndirectMoves")
        || str_eq(name, "CallRef")
    {
        1
    } else if str_eq(handler, "slow")
        || str_eq(handler, "super::gc::gc")
        || str_eq(handler, "simd::vmem_ext")
        || str_eq(handler, "super::exceptions::throw")
    {
        SELF_DECODING
    } else {
        0
    }
}

/// The field type a handler sees for a field of form `$form`: a branch
/// target carries its op's size.
macro_rules! field_ty {
    (t $fty:ty, $name:ident) => { $crate::exec::encode::Target<{ size::$name }> };
    ($form:ident $fty:ty, $name:ident) => { $fty };
}

/// Expands to the payload structs, sizes, tags, encoder and decoder from
/// the op table's rows.
macro_rules! define_encoding {
    ($(
        $(#[$attr:meta])*
        $name:ident $({ $($field:ident : $form:ident $fty:ty),* $(,)? })?
        [$($flag:ident)*] $(<- $base:ident . $from:ident)? => $handler:path;
    )*) => {
        /// Each op's operands as they lie in the code, as a handler binds
        /// them (`operands!`): one packed struct per row of the op table,
        /// named after its op.
        #[allow(non_camel_case_types, dead_code)]
        pub(crate) mod payload {
            use crate::op::{gc, simd, Access, Slot};
            use super::size;
            $(
                #[repr(C, packed)]
                #[derive(Clone, Copy)]
                pub(crate) struct $name { $($(pub(crate) $field: field_ty!($form $fty, $name)),*)? }
            )*
        }

        /// The same structs with plain fields: what the sizes come from
        /// (a [`Target`] has a `u32`'s size).
        #[allow(non_camel_case_types, dead_code)]
        mod layout {
            use crate::op::{gc, simd, Access, Slot};
            $(
                #[repr(C, packed)]
                pub(crate) struct $name { $($(pub(crate) $field: $fty),*)? }
            )*
        }

        /// Each op's encoded size in bytes.
        #[allow(non_upper_case_globals, dead_code)]
        pub(crate) mod size {
            $(
                pub(crate) const $name: usize =
                    super::op_size(size_of::<super::layout::$name>(), super::kind_of(stringify!($name), stringify!($handler)));
            )*
        }

        /// Each op's tag: its row's position in the table.
        #[allow(non_camel_case_types, dead_code, clippy::upper_case_acronyms)]
        #[repr(u16)]
        #[derive(Clone, Copy)]
        enum Tag { $($name),* }

        /// Per tag: the layout kind (see [`kind_of`]).
        const KINDS: &[u8] = &[$( kind_of(stringify!($name), stringify!($handler)) ),*];

        /// Per tag: the encoded size.
        const SIZES: &[usize] = &[$( size::$name ),*];

        /// Per tag: the op's payload as an [`Op`], read from `p`.
        const DECODERS: &[fn(*const u8) -> Op] = &[$(
            {
                #[allow(unused_variables)]
                fn decode(p: *const u8) -> Op {
                    // SAFETY: `p` is the payload of an op of this row
                    // (`decode`'s callers find it from the op's tag), which
                    // `encode` wrote as this struct; the read is unaligned.
                    #[allow(unused_unsafe)]
                    let payload::$name { $($($field),*)? } = unsafe { std::ptr::read_unaligned(p.cast::<payload::$name>()) };
                    Op::$name $({ $($field: field_value!($form $field)),* })?
                }
                decode
            }
        ),*];

        /// `op`'s tag.
        fn tag_of(op: &Op) -> u16 {
            match op {
                $( Op::$name { .. } => Tag::$name as u16, )*
            }
        }

        /// Writes `op`'s payload at `dst`, which has room for it.
        ///
        /// # Safety
        /// `dst` must be valid for writes of the payload's size.
        unsafe fn write_payload(op: &Op, dst: *mut u8) {
            match *op {
                $( Op::$name $({ $($field),* })? => {
                    let p = payload::$name { $($($field: field_wrap!($form $field)),*)? };
                    // SAFETY: the caller gave room; the write is unaligned.
                    unsafe { std::ptr::write_unaligned(dst.cast::<payload::$name>(), p) };
                } )*
            }
        }
    };
}

/// A field's value for the [`Op`] from its payload field.
macro_rules! field_value {
    (t $x:ident) => {
        $x.0
    };
    ($form:ident $x:ident) => {
        $x
    };
}

/// A field's payload value from the [`Op`]'s.
macro_rules! field_wrap {
    (t $x:ident) => {
        Target($x)
    };
    ($form:ident $x:ident) => {
        $x
    };
}

for_each_op!(define_encoding);

// Every call's payload fits its fixed size, and `CallInternalCopy`'s and
// `CallInternalMoves`'s start as `CallInternal`'s (`call_internal_general`
// reads each as a `CallInternal`).
const _: () = {
    let room = CALL_SIZE - REF;
    assert!(size_of::<layout::Call>() <= room);
    assert!(size_of::<layout::CallInternal>() <= room);
    assert!(size_of::<layout::CallInternalCopy>() <= room);
    assert!(size_of::<layout::CallIndirect>() <= room);
    assert!(size_of::<layout::CallIndirectMoves>() <= room);
    assert!(size_of::<layout::CallRef>() <= room);
    assert!(
        std::mem::offset_of!(layout::CallInternalCopy, defined) == std::mem::offset_of!(layout::CallInternal, defined)
    );
    assert!(std::mem::offset_of!(layout::CallInternalCopy, base) == std::mem::offset_of!(layout::CallInternal, base));
    assert!(size_of::<layout::CallInternalMoves>() <= room);
    assert!(
        std::mem::offset_of!(layout::CallInternalMoves, defined) == std::mem::offset_of!(layout::CallInternal, defined)
    );
    assert!(std::mem::offset_of!(layout::CallInternalMoves, base) == std::mem::offset_of!(layout::CallInternal, base));
};

/// The address handler references are offsets from.
#[inline(always)]
pub(super) fn anchor() -> usize {
    skip as Handler as usize
}

/// `handler` as a reference (an offset from [`anchor`]); `None` if it is
/// too far away (a binary of more than 2 GiB of code).
fn handler_ref(handler: Handler) -> Option<i32> {
    i32::try_from((handler as usize).wrapping_sub(anchor()) as isize).ok()
}

/// Writes `handler`'s reference at word `at` of `words`.
fn put_ref(words: &mut [u32], at: usize, handler: Handler) -> Option<()> {
    if REF == 8 {
        let a = handler as usize as u64;
        words[at] = a as u32;
        words[at + 1] = (a >> 32) as u32;
    } else {
        words[at] = handler_ref(handler)? as u32;
    }
    Some(())
}

/// The handler a reference names.
#[inline(always)]
pub(super) fn handler_at(r: i32) -> Handler {
    let addr = anchor().wrapping_add(r as isize as usize);
    // SAFETY: `r` was made by `handler_ref` from a `Handler` (the encoder
    // writes no other reference), so `addr` is that handler's address.
    unsafe { std::mem::transmute::<usize, Handler>(addr) }
}

/// Continues after a self-decoding op's payload: its skip's length is
/// the distance from the skip to the next op.
#[handler]
fn skip(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    // SAFETY: a skip reference is followed by its tag and length (`encode`).
    let len = unsafe { std::ptr::read_unaligned(ip.0.add(REF + 2).cast::<u16>()) };
    next(ex, ip.advance(usize::from(len)), s, m, acc)
}

/// What the encoder made of a function's ops.
pub(crate) struct Encoded {
    /// The code, 4-byte aligned.
    pub(crate) code: Box<[u32]>,
    /// Where each op starts.
    pub(crate) index: OpIndex,
}

/// Where each op of encoded code starts, compactly: each op's tag (its
/// size follows from it) and every [`OpIndex::K`]th op's byte offset. For
/// the op index of an op pointer (traps, backtraces, exception handlers,
/// all keyed by op index) and the disassembler; never on a hot path.
#[derive(Debug, Default)]
pub(crate) struct OpIndex {
    tags: Box<[u16]>,
    checkpoints: Box<[u32]>,
}

impl OpIndex {
    /// Ops per checkpoint.
    const K: usize = 64;

    /// How many ops there are.
    pub(crate) fn len(&self) -> usize {
        self.tags.len()
    }

    /// The tag of op `pc`.
    #[cfg(any(test, feature = "op-histogram"))]
    pub(crate) fn tag(&self, pc: usize) -> u16 {
        self.tags[pc]
    }

    /// The byte offset where op `pc` starts (`pc` may be the op count:
    /// the code's end).
    pub(crate) fn start(&self, pc: usize) -> u32 {
        let block = pc / Self::K;
        let from = block * Self::K;
        let sizes: usize = self.tags[from..pc].iter().map(|&t| SIZES[usize::from(t)]).sum();
        self.checkpoints[block] + sizes as u32
    }

    /// The op whose bytes hold byte offset `at` (the last op if `at` is
    /// past the end).
    pub(crate) fn pc_of(&self, at: u32) -> usize {
        let block = self.checkpoints.partition_point(|&c| c <= at).saturating_sub(1);
        let mut pc = block * Self::K;
        let mut pos = self.checkpoints[block] as usize;
        while pc + 1 < self.tags.len() {
            let next = pos + SIZES[usize::from(self.tags[pc])];
            if next > at as usize {
                break;
            }
            (pos, pc) = (next, pc + 1);
        }
        pc
    }

    /// The op that starts at byte offset `at`, if one does.
    pub(crate) fn pc_at(&self, at: u32) -> Option<usize> {
        let pc = self.pc_of(at);
        (pc < self.len() && self.start(pc) == at).then_some(pc)
    }

    /// Each op's tag and start, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u16, u32)> + '_ {
        self.tags.iter().scan(0u32, |at, &t| {
            let start = *at;
            *at += SIZES[usize::from(t)] as u32;
            Some((t, start))
        })
    }

    /// The bytes the index takes.
    pub(crate) fn bytes(&self) -> usize {
        self.tags.len() * 2 + self.checkpoints.len() * 4
    }
}

/// Encodes `ops`, whose branch targets are op indices. If
/// `entries_unreached` (no branch, clause or fall-through reaches a
/// `br_table` entry, which translation checked), each entry holds its
/// target's handler instead of `br`'s, and `br_table` uses
/// `br_table_direct`. `None` if a handler is out of a reference's reach.
pub(crate) fn encode(ops: &[Op], entries_unreached: bool) -> Option<Encoded> {
    let mut starts = Vec::with_capacity(ops.len() + 1);
    let mut tags = Vec::with_capacity(ops.len());
    let mut at = 0usize;
    for op in ops {
        let tag = tag_of(op);
        starts.push(at as u32);
        tags.push(tag);
        at += SIZES[usize::from(tag)];
    }
    u32::try_from(at).ok()?;
    starts.push(at as u32);
    let mut code = vec![0u32; at / 4].into_boxed_slice();
    let base = code.as_mut_ptr().cast::<u8>();
    for (pc, op) in ops.iter().enumerate() {
        let start = starts[pc] as usize;
        let tag = tags[pc];
        let mut op = *op;
        if let Some(t) = op.target_mut() {
            let target = starts.get(*t as usize).copied().unwrap_or(u32::MAX) as i64;
            *t = (target - start as i64) as i32 as u32;
        }
        let mut handler = handlers::handler_of(op);
        if entries_unreached && let Op::BrTable { .. } = op {
            handler = handlers::br_table_direct;
        }
        let words = &mut code[start / 4..start / 4 + SIZES[usize::from(tag)] / 4];
        put_ref(words, 0, handler)?;
        let payload_at = if KINDS[usize::from(tag)] == 2 {
            put_ref(words, REF / 4, skip)?;
            let len = (SIZES[usize::from(tag)] - REF) as u16;
            words[2 * REF / 4] = u32::from(tag) | u32::from(len) << 16;
            COLD_PAYLOAD
        } else {
            REF
        };
        // SAFETY: `SIZES` gives each op room for its payload after
        // `payload_at` (`op_size`), inside `code` (`starts` sums them).
        unsafe { write_payload(&op, base.add(start + payload_at)) };
    }
    if entries_unreached {
        for (pc, op) in ops.iter().enumerate() {
            let Op::BrTable { len, .. } = *op else { continue };
            for e in pc + 1..pc + 1 + len as usize {
                let Some(Op::Br { t }) = ops.get(e) else { continue };
                let target = *t as usize;
                let Some(&tstart) = starts.get(target).filter(|_| target < ops.len()) else { continue };
                let (from, to) = (tstart as usize / 4, starts[e] as usize / 4);
                for k in 0..REF / 4 {
                    code[to + k] = code[from + k];
                }
            }
        }
    }
    let checkpoints = starts.iter().step_by(OpIndex::K).copied().collect();
    Some(Encoded { code, index: OpIndex { tags: tags.into_boxed_slice(), checkpoints } })
}

/// The op at `start` of `code` (tag `tag`), as an [`Op`] whose branch
/// targets are byte offsets from its start.
pub(crate) fn decode(code: &[u32], start: u32, tag: u16) -> Op {
    let at = start as usize + if KINDS[usize::from(tag)] == 2 { COLD_PAYLOAD } else { REF };
    let end = start as usize + SIZES[usize::from(tag)];
    assert!(end <= code.len() * 4 && at <= end, "op outside its code");
    DECODERS[usize::from(tag)](code.as_ptr().cast::<u8>().wrapping_add(at))
}

/// The self-decoding op at `ip` (see the module docs).
pub(super) fn decode_cold(ip: Ip) -> Op {
    // SAFETY: `ip` is at a self-decoding op (only their handlers call
    // `Ip::op`), whose tag is 8 bytes in and payload 12.
    let tag = unsafe { std::ptr::read_unaligned(ip.0.add(2 * REF).cast::<u16>()) };
    debug_assert_eq!(KINDS.get(usize::from(tag)), Some(&2), "Ip::op on an op that is not self-decoding");
    DECODERS[usize::from(tag)](ip.0.wrapping_add(COLD_PAYLOAD))
}

/// The encoded size of an op with tag `tag`.
#[cfg(test)]
pub(crate) fn size_of_tag(tag: u16) -> usize {
    SIZES[usize::from(tag)]
}

/// A branch offset as handlers hold it: a `u32` (`i32` bits) or a
/// [`Target`].
pub(crate) trait Rel: Copy {
    /// The offset in bytes from the branch op's start (`i32` bits).
    fn bytes(self) -> u32;
}

impl Rel for u32 {
    #[inline(always)]
    fn bytes(self) -> u32 {
        self
    }
}

impl<const N: usize> Rel for Target<N> {
    #[inline(always)]
    fn bytes(self) -> u32 {
        self.0
    }
}

// Ops of up to two slots are shorter than 16 bytes, of three 16 (12 with
// `REF = 4`); the compiler checks it.
const _: () = assert!(size::Copy < 16 && size::Return1 < 16 && size::I32Add <= 16);

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes the design promises (docs/ARCHITECTURE.md).
    #[test]
    fn op_sizes() {
        assert_eq!(size::Copy, REF + 4);
        assert_eq!(size::Br, REF + 4);
        assert_eq!(size::I32Add, REF + 8);
        assert_eq!(size::I32AddImm, REF + 8);
        assert_eq!(size::Const, REF + 12);
        assert_eq!(size::I32Load, REF + 8);
        assert_eq!(size::BrI32LtS, REF + 8);
        assert_eq!(size::Return0, REF);
        assert_eq!(size::Call, CALL_SIZE);
        // Self-decoding ops: their handlers' paths as rows write them.
        assert_eq!(KINDS[Tag::Throw as usize], 2);
        assert_eq!(KINDS[Tag::Gc as usize], 2);
        assert_eq!(KINDS[Tag::VMemExt as usize], 2);
        assert_eq!(KINDS[Tag::TableCopy as usize], 2);
        assert_eq!(KINDS[Tag::GcBr as usize], 0);
        assert_eq!(size::CallIndirect, CALL_SIZE);
        assert_eq!(size::CallInternalCopy, CALL_SIZE);
        assert_eq!(size::CallInternalMoves, CALL_SIZE);
        assert_eq!(size::CallIndirectMoves, CALL_SIZE);
        assert!(SIZES.iter().all(|&s| s % 4 == 0 && s <= 36));
    }

    /// Encoding then decoding gives the ops back, branch targets as byte
    /// offsets.
    #[test]
    fn round_trip() {
        let ops = [
            Op::Const { d: 3, imm: u64::MAX - 7 },
            Op::I32AddImm { d: 1, a: 1, imm: -5 },
            Op::BrI64LtSImm { a: 2, imm: i64::MIN, t: 0 },
            Op::TableCopy { d: 1, s: 2, n: 3, dst: 4, src: 5 },
            Op::Return0,
        ];
        let e = encode(&ops, true).expect("encodes");
        let ix = &e.index;
        assert_eq!(ix.len(), ops.len());
        assert_eq!(ix.start(ops.len()) as usize, e.code.len() * 4);
        for (pc, op) in ops.iter().enumerate() {
            let mut want = *op;
            if let Some(t) = want.target_mut() {
                *t = (ix.start(*t as usize) as i64 - ix.start(pc) as i64) as i32 as u32;
            }
            assert_eq!(decode(&e.code, ix.start(pc), ix.tag(pc)), want);
            assert_eq!(size_of_tag(ix.tag(pc)), (ix.start(pc + 1) - ix.start(pc)) as usize);
            assert_eq!(ix.pc_at(ix.start(pc)), Some(pc));
            assert_eq!(ix.pc_of(ix.start(pc + 1) - 1), pc);
        }
        assert_eq!(ix.pc_at(ix.start(1) + 4), None);
    }

    /// The index finds ops across checkpoints.
    #[test]
    fn index_across_checkpoints() {
        let mut ops: Vec<Op> = (0..300u16)
            .map(|i| if i % 3 == 0 { Op::Const { d: i, imm: 1 } } else { Op::Copy { d: i, a: 0 } })
            .collect();
        ops.push(Op::Return0);
        let e = encode(&ops, false).expect("encodes");
        let mut at = 0;
        for (pc, (tag, start)) in e.index.iter().enumerate() {
            assert_eq!((start, e.index.start(pc)), (at, at));
            assert_eq!(e.index.pc_of(start), pc);
            at += size_of_tag(tag) as u32;
        }
        assert_eq!(at as usize, e.code.len() * 4);
    }
}
