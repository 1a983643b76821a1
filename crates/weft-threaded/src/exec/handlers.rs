//! The handlers: one function per op, each doing its op's work and passing
//! control on with [`next`]; which op gets which is its row of the op
//! table (`for_each_op!`, `handler_of` below). Numeric handlers are derived
//! from the numeric table (`for_each_numeric_op!`) and are one line of
//! semantics each; the
//! hot control, call, variable and memory ops are written out below; the
//! rest (bulk memory, tables, references — ops that call into the store
//! anyway) share one handler, [`slow`], that matches on them.

use std::sync::Arc;
use weft_macros::handler;

use super::backend::{Flow, Handler, NO_ACC, branch, exit, next, next_via};
use super::calls::IndirectCallee;
use super::{Exec, Exit, Ip, Mem, Sp, calls, memory, simd, table_hierarchy, to_raw, to_val_like, wide};
use crate::Code;
use crate::op::fused::for_each_fused_op;
use crate::op::{Flags, Op, Raw, Slot, for_each_acc_op, for_each_op};
use weft_exec::TrapKind;
use weft_exec::Val;
use weft_exec::executor::InstanceData;
use weft_exec::executor::StoreInner;
use weft_exec::executor::ops;
use weft_exec::numeric as n;

/// Expands to the handler lookup from the op table's rows: one arm per
/// op (no wildcard), so it compiles to one table load with no range check.
macro_rules! lookup {
    ($(
        $(#[$attr:meta])*
        $name:ident $({ $($field:ident : $form:ident $fty:ty),* $(,)? })?
        [$($flag:ident)*] $(<- $base:ident . $from:ident)? => $handler:path;
    )*) => {
        /// The handler of `op` (its handler reference when translation
        /// ends, `encode`). Debug builds check the row's `SLOW` flag says whether
        /// its handler is [`slow`].
        pub(super) fn handler_of(op: Op) -> Handler {
            let h: Handler = match op {
                $( Op::$name { .. } => {
                    debug_assert_eq!(
                        op.flags().has(Flags::SLOW),
                        stringify!($handler) == "slow",
                        "{}: the SLOW flag and the handler disagree",
                        stringify!($name),
                    );
                    $handler
                } )*
            };
            h
        }

        /// Whether `h` is the handler of an op that [`Ip::next`] (which
        /// steps over one handler reference) may step past: an op with no
        /// operands, or a self-decoding op, whose `ip.next()` reaches its
        /// skip (`encode.rs`). Any other handler must step with the `next`
        /// that `operands!` brings, or with `Ip::after_call`; debug builds
        /// check it in `Ip::next`.
        #[cfg(debug_assertions)]
        pub(super) fn steps_one_reference(h: Handler) -> bool {
            let h = h as usize;
            $(
                if h == ($handler as Handler) as usize
                    && (super::encode::size::$name == super::encode::REF
                        || super::encode::kind_of(stringify!($name), stringify!($handler))
                            == super::encode::SELF_DECODING)
                {
                    return true;
                }
            )*
            false
        }
    };
}

/// Expands to one handler per numeric op.
macro_rules! numeric_handlers {
    (
        acc: {
            bin: [$($ab:ident $abx:ident),* $(,)?]
            bin_imm: [$($abi:ident $abix:ident : $abit:ty = $abis:ident),* $(,)?]
            br: [$($aj:ident $ajx:ident = $ajs:ident),* $(,)?]
            br_imm: [$($aji:ident $ajix:ident : $ajit:ty = $ajis:ident),* $(,)?]
            un: [$($au:ident $aux:ident),* $(,)?]
            bin_b: [$($abb:ident $abbx:ident),* $(,)?]
            bin_b_trap: [$($abt:ident $abtx:ident),* $(,)?]
        }
        bin_imm: [$($bi:ident $bii:ident : $bit:ty => $bir:ty = $bif:expr),* $(,)?]
        bin_imm_trap: [$($bt:ident $bti:ident : $btt:ty => $btr:ty = $btf:expr),* $(,)?]
        bin: [$($b:ident : $bty:ty => $br:ty = $bf:expr),* $(,)?]
        cmp_imm: [$($c:ident $ci:ident $cj:ident $cji:ident ! $cn:ident $cni:ident : $ct:ty = $cf:expr),* $(,)?]
        cmp: [$($f:ident : $ft:ty = $ff:expr),* $(,)?]
        un: [$($u:ident : $ut:ty => $ur:ty = $uf:expr),* $(,)?]
        un_trap: [$($ut_:ident : $utt:ty => $utr:ty = $utf:expr),* $(,)?]
    ) => {
        $(
            #[handler]
            pub(super) fn $bi(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $bi { d, a, b });
                let acc = s.put::<$bir>(d, ($bif)(s.get::<$bit>(a), s.get::<$bit>(b)));
                next(ex, ip.next(), s, m, acc)
            }
            #[handler]
            pub(super) fn $bii(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $bii { d, a, imm });
                let acc = s.put::<$bir>(d, ($bif)(s.get::<$bit>(a), imm));
                next(ex, ip.next(), s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $bt(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $bt { d, a, b });
                let acc = match ($btf)(s.get::<$btt>(a), s.get::<$btt>(b)) {
                    Ok(v) => s.put::<$btr>(d, v),
                    Err(k) => return ex.trap(ip, k),
                };
                next(ex, ip.next(), s, m, acc)
            }
            #[handler]
            pub(super) fn $bti(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $bti { d, a, imm });
                let acc = match ($btf)(s.get::<$btt>(a), imm) {
                    Ok(v) => s.put::<$btr>(d, v),
                    Err(k) => return ex.trap(ip, k),
                };
                next(ex, ip.next(), s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $b(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $b { d, a, b });
                let acc = s.put::<$br>(d, ($bf)(s.get::<$bty>(a), s.get::<$bty>(b)));
                next(ex, ip.next(), s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $c(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $c { d, a, b });
                let acc = s.put(d, i32::from(($cf)(s.get::<$ct>(a), s.get::<$ct>(b))));
                next(ex, ip.next(), s, m, acc)
            }
            #[handler]
            pub(super) fn $ci(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $ci { d, a, imm });
                let acc = s.put(d, i32::from(($cf)(s.get::<$ct>(a), imm)));
                next(ex, ip.next(), s, m, acc)
            }
            #[handler]
            pub(super) fn $cj(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $cj { a, b, t });
                branch(ex, ($cf)(s.get::<$ct>(a), s.get::<$ct>(b)), ip, t, s, m, acc)
            }
            #[handler]
            pub(super) fn $cji(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $cji { a, imm, t });
                branch(ex, ($cf)(s.get::<$ct>(a), imm), ip, t, s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $f(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $f { d, a, b });
                let acc = s.put(d, i32::from(($ff)(s.get::<$ft>(a), s.get::<$ft>(b))));
                next(ex, ip.next(), s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $u(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $u { d, a });
                let acc = s.put::<$ur>(d, ($uf)(s.get::<$ut>(a)));
                next(ex, ip.next(), s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $ut_(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $ut_ { d, a });
                let acc = match ($utf)(s.get::<$utt>(a)) {
                    Ok(v) => s.put::<$utr>(d, v),
                    Err(k) => return ex.trap(ip, k),
                };
                next(ex, ip.next(), s, m, acc)
            }
        )*
        /// Each numeric op's semantics as a function, for the accumulator
        /// forms' handlers (which cover only some of the unary ops).
        #[allow(dead_code)]
        pub(in crate::exec) mod sem {
            use super::*;
            $( pub(in crate::exec) fn $bi(a: $bit, b: $bit) -> $bir { ($bif)(a, b) } )*
            $( pub(in crate::exec) fn $b(a: $bty, b: $bty) -> $br { ($bf)(a, b) } )*
            $( pub(in crate::exec) fn $c(a: $ct, b: $ct) -> bool { ($cf)(a, b) } )*
            $( pub(super) fn $bt(a: $btt, b: $btt) -> Result<$btr, TrapKind> { ($btf)(a, b) } )*
            $( pub(super) fn $u(a: $ut) -> $ur { ($uf)(a) } )*
        }
        $(
            #[handler]
            pub(super) fn $abx(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $abx { d, b });
                let acc = s.put(d, sem::$ab(Raw::from_raw(acc), s.get(b)));
                next(ex, ip.next(), s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $abix(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $abix { d, imm });
                let acc = s.put(d, sem::$abis(Raw::from_raw(acc), imm));
                next(ex, ip.next(), s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $ajx(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $ajx { b, t });
                branch(ex, sem::$ajs(Raw::from_raw(acc), s.get(b)), ip, t, s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $ajix(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $ajix { imm, t });
                branch(ex, sem::$ajis(Raw::from_raw(acc), imm), ip, t, s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $abbx(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $abbx { d, a });
                let acc = s.put(d, sem::$abb(s.get(a), Raw::from_raw(acc)));
                next(ex, ip.next(), s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $abtx(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $abtx { d, a });
                let acc = match sem::$abt(s.get(a), Raw::from_raw(acc)) {
                    Ok(v) => s.put(d, v),
                    Err(k) => return ex.trap(ip, k),
                };
                next(ex, ip.next(), s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $aux(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $aux { d });
                let acc = s.put(d, sem::$au(Raw::from_raw(acc)));
                next(ex, ip.next(), s, m, acc)
            }
        )*
    };
}

for_each_op!(lookup);

/// The numeric handlers, named after their ops.
#[allow(non_snake_case)]
mod num {
    use super::*;
    for_each_acc_op!(numeric_handlers);
}

/// Expands to the handlers of the binary ops fused with a load or a store
/// (`op/fused.rs`): the memory access as the plain load's or store's
/// handler does it, the arithmetic as the binary op's (`num::sem`).
macro_rules! fused_handlers {
    (
        fused: [$($base:ident $load:ident $store:ident : $t:ty = $plain_load:ident $plain_store:ident),* $(,)?]
        xor_shift: [$($xs:ident $xsx:ident : $xt:ty = $shift:ident $shift_imm:ident $xor:ident),* $(,)?]
        step_branch: [$($sb:ident $sbi:ident $sbxi:ident $sbx:ident = $sbc:ident),* $(,)?]
    ) => {
        $(
            #[handler]
            pub(super) fn $sbxi(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $sbxi { d, imm, limit, t });
                let v = s.get::<i32>(d).wrapping_add(imm);
                s.put(d, v);
                branch(ex, num::sem::$sbc(v, limit), ip, t, s, m, acc)
            }
            #[handler]
            pub(super) fn $sbx(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $sbx { d, a, b, c, t });
                let v = s.get::<i32>(a).wrapping_add(s.get(b));
                s.put(d, v);
                branch(ex, num::sem::$sbc(v, s.get(c)), ip, t, s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $load(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $load { d, a, p, offset });
                let loaded = match m.load::<{ size_of::<$t>() }>(s.raw(p), offset) {
                    Some(bytes) => <$t>::from_le_bytes(bytes),
                    None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
                };
                let acc = s.put(d, num::sem::$base(s.get::<$t>(a), loaded));
                next(ex, ip.next(), s, m, acc)
            }
            #[handler]
            pub(super) fn $store(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $store { a, b, p, offset });
                let v = num::sem::$base(s.get::<$t>(a), s.get::<$t>(b));
                if m.store::<{ size_of::<$t>() }>(s.raw(p), offset, v.to_raw()).is_none() {
                    return ex.trap(ip, TrapKind::MemoryOutOfBounds);
                }
                next(ex, ip.next(), s, m, acc)
            }
        )*
        $(
            #[handler]
            pub(super) fn $xs(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $xs { d, a, imm });
                let x = s.get::<$xt>(a);
                let acc = s.put(d, num::sem::$xor(x, num::sem::$shift(x, imm)));
                next(ex, ip.next(), s, m, acc)
            }
            #[handler]
            pub(super) fn $xsx(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $xsx { d, imm });
                let x = <$xt>::from_raw(acc);
                let acc = s.put(d, num::sem::$xor(x, num::sem::$shift(x, imm)));
                next(ex, ip.next(), s, m, acc)
            }
        )*
    };
}

/// The fused handlers, named after their ops (the table's) or written out.
#[allow(non_snake_case)]
mod fused {
    use super::*;
    for_each_fused_op!(fused_handlers);

    #[handler]
    pub(super) fn i32_add_imm_copy(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
        operands!(ip, I32AddImmCopy { d, a, imm, e });
        let v = s.get::<i32>(a).wrapping_add(imm);
        s.put(e, v);
        let acc = s.put(d, v);
        next(ex, ip.next(), s, m, acc)
    }

    #[handler]
    pub(super) fn i32_add_imm_copy_acc(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
        operands!(ip, I32AddImmCopyAcc { d, imm, e });
        let v = i32::from_raw(acc).wrapping_add(imm);
        s.put(e, v);
        let acc = s.put(d, v);
        next(ex, ip.next(), s, m, acc)
    }

    #[handler]
    pub(super) fn global_add_imm(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
        operands!(ip, GlobalAddImm { d, g, imm });
        let addr = ex.inst.globals[g as usize] as usize;
        let global = &mut ex.store.globals[addr].value;
        // The translator fuses this op for `i32` globals only.
        let Val::I32(old) = *global else { unreachable!("GlobalAddImm of a non-i32 global") };
        let v = old.wrapping_add(imm);
        *global = Val::I32(v);
        let acc = s.put(d, v);
        next(ex, ip.next(), s, m, acc)
    }

    /// Expands to handlers that compute one value into `d`: `name Variant
    /// { fields but d } value;`, the handler's slot pointer named `s` and
    /// accumulator `acc`.
    macro_rules! value_handlers {
        (|$s:ident, $acc:ident| $($name:ident $variant:ident { $($field:ident),* } $value:expr;)*) => {$(
            #[allow(unused_variables)]
            #[handler]
            pub(super) fn $name(ex: &mut Exec<'_>, ip: Ip, $s: Sp, m: Mem, $acc: u64) -> Flow {
                operands!(ip, $variant { d, $($field),* });
                let acc = $s.put(d, $value);
                next(ex, ip.next(), $s, m, acc)
            }
        )*};
    }

    value_handlers! { |s, acc|
        i32_add_shl_imm I32AddShlImm { a, b, imm } s.get::<i32>(a).wrapping_add(n::i32_shl(s.get(b), imm));
        i32_add_shl_imm_acc I32AddShlImmAcc { a, imm } s.get::<i32>(a).wrapping_add(n::i32_shl(i32::from_raw(acc), imm));
        i32_shr_u_and_imm I32ShrUAndImm { a, shift, mask } n::i32_shr_u(s.get(a), shift) & mask;
        i32_shr_u_and_imm_acc I32ShrUAndImmAcc { shift, mask } n::i32_shr_u(i32::from_raw(acc), shift) & mask;
    }

    /// Expands to branches on a test of one i32: `name Variant { fields }
    /// target, taken;`, the handler's slot pointer named `s` and
    /// accumulator `acc`.
    macro_rules! test_branch_handlers {
        (|$s:ident, $acc:ident| $($name:ident $variant:ident { $($field:ident),* } $t:expr, $taken:expr;)*) => {$(
            #[handler]
            pub(super) fn $name(ex: &mut Exec<'_>, ip: Ip, $s: Sp, m: Mem, $acc: u64) -> Flow {
                operands!(ip, $variant { $($field),* });
                branch(ex, $taken, ip, $t, $s, m, $acc)
            }
        )*};
    }

    test_branch_handlers! { |s, acc|
        br_i32_and_imm_zero BrI32AndImmZero { a, imm, t } t, s.get::<i32>(a) & imm == 0;
        br_i32_and_imm_zero_acc BrI32AndImmZeroAcc { imm, t } t, i32::from_raw(acc) & imm == 0;
        br_i32_and_imm_non_zero BrI32AndImmNonZero { a, imm, t } t, s.get::<i32>(a) & imm != 0;
        br_i32_and_imm_non_zero_acc BrI32AndImmNonZeroAcc { imm, t } t, i32::from_raw(acc) & imm != 0;
    }

    /// Expands to the i32 loads at a computed address: `name Variant {
    /// fields but d and offset } address;`, the handler's slot pointer
    /// named `s` and accumulator `acc`.
    macro_rules! load_at_handlers {
        (|$s:ident, $acc:ident| $($name:ident $variant:ident { $($field:ident),* } $addr:expr;)*) => {$(
            #[allow(unused_variables)]
            #[handler]
            pub(super) fn $name(ex: &mut Exec<'_>, ip: Ip, $s: Sp, m: Mem, $acc: u64) -> Flow {
                operands!(ip, $variant { d, $($field,)* offset });
                let loaded = match m.load::<4>(u64::from($addr as u32), offset) {
                    Some(bytes) => $s.put_raw(d, u64::from(u32::from_le_bytes(bytes))),
                    None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
                };
                next(ex, ip.next(), $s, m, loaded)
            }
        )*};
    }

    load_at_handlers! { |s, acc|
        i32_load_add I32LoadAdd { a, b } s.get::<i32>(a).wrapping_add(s.get(b));
        i32_load_add_acc I32LoadAddAcc { b } i32::from_raw(acc).wrapping_add(s.get(b));
        i32_load_idx I32LoadIdx { a, b, shift } s.get::<i32>(a).wrapping_add(n::i32_shl(s.get(b), i32::from(shift)));
        i32_load_idx_acc I32LoadIdxAcc { a, shift } s.get::<i32>(a).wrapping_add(n::i32_shl(i32::from_raw(acc), i32::from(shift)));
    }

    /// Expands to the branches on a loaded i32, kept in a slot: `name
    /// Variant { fields } slot, address, offset, target, taken when (the
    /// loaded value) -> bool;`, the handler's slot pointer named `s` and
    /// accumulator `acc`.
    macro_rules! br_load_handlers {
        (|$s:ident, $acc:ident| $($name:ident $variant:ident { $($field:ident),* } $d:expr, $addr:expr, $offset:expr, $t:expr, $taken:expr;)*) => {$(
            #[handler]
            pub(super) fn $name(ex: &mut Exec<'_>, ip: Ip, $s: Sp, m: Mem, $acc: u64) -> Flow {
                operands!(ip, $variant { $($field),* });
                let v = match m.load::<4>($addr, $offset) {
                    Some(bytes) => i32::from_le_bytes(bytes),
                    None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
                };
                $s.put($d, v);
                branch(ex, ($taken)(v), ip, $t, $s, m, $acc)
            }
        )*};
    }

    br_load_handlers! { |s, acc|
        br_if_zero_load BrIfZeroLoad { d, p, offset, t } d, s.raw(p), offset, t, |v| v == 0;
        br_if_zero_load_acc BrIfZeroLoadAcc { d, offset, t } d, acc, offset, t, |v| v == 0;
        br_if_non_zero_load BrIfNonZeroLoad { d, p, offset, t } d, s.raw(p), offset, t, |v| v != 0;
        br_if_non_zero_load_acc BrIfNonZeroLoadAcc { d, offset, t } d, acc, offset, t, |v| v != 0;
    }

    test_branch_handlers! { |s, acc|
        br_if_zero_copy BrIfZeroCopy { d, a, t } t, s.put_raw(d, s.raw(a)) as u32 == 0;
        br_if_non_zero_copy BrIfNonZeroCopy { d, a, t } t, s.put_raw(d, s.raw(a)) as u32 != 0;
    }

    /// Expands to an i32 load with a move before or after it: `name
    /// Variant before|after`.
    macro_rules! load_copy_handlers {
        ($($name:ident $variant:ident $when:ident;)*) => {$(
            #[handler]
            pub(super) fn $name(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
                operands!(ip, $variant { e, b, d, a, offset });
                load_copy_handlers!(@before $when s e b);
                let loaded = match m.load::<4>(s.raw(a), offset) {
                    Some(bytes) => s.put_raw(d, u64::from(u32::from_le_bytes(bytes))),
                    None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
                };
                load_copy_handlers!(@after $when s e b);
                next(ex, ip.next(), s, m, loaded)
            }
        )*};
        (@before before $s:ident $e:ident $b:ident) => { $s.set_raw($e, $s.raw($b)) };
        (@before after $s:ident $e:ident $b:ident) => {};
        (@after after $s:ident $e:ident $b:ident) => { $s.set_raw($e, $s.raw($b)) };
        (@after before $s:ident $e:ident $b:ident) => {};
    }

    load_copy_handlers! {
        copy_i32_load CopyI32Load before;
        i32_load_copy I32LoadCopy after;
    }

    /// Expands to a conditional branch whose fall-through path loads an
    /// i32: `name Variant { fields } condition, taken when (it) -> bool;`,
    /// the handler's slot pointer named `s` and accumulator `acc`.
    macro_rules! br_else_load_handlers {
        (|$s:ident, $acc:ident| $($name:ident $variant:ident { $($field:ident),* } $cond:expr, $taken:expr;)*) => {$(
            #[handler]
            pub(super) fn $name(ex: &mut Exec<'_>, ip: Ip, $s: Sp, m: Mem, $acc: u64) -> Flow {
                operands!(ip, $variant { $($field,)* t, d, a, offset });
                if ($taken)(i32::from_raw($cond)) {
                    return next(ex, ip.jump(t), $s, m, $acc);
                }
                let loaded = match m.load::<4>($s.raw(a), offset) {
                    Some(bytes) => $s.put_raw(d, u64::from(u32::from_le_bytes(bytes))),
                    None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
                };
                next(ex, ip.next(), $s, m, loaded)
            }
        )*};
    }

    br_else_load_handlers! { |s, acc|
        br_if_zero_else_load BrIfZeroElseLoad { c } s.raw(c), |v: i32| v == 0;
        br_if_zero_else_load_acc BrIfZeroElseLoadAcc {} acc, |v: i32| v == 0;
        br_if_non_zero_else_load BrIfNonZeroElseLoad { c } s.raw(c), |v: i32| v != 0;
        br_if_non_zero_else_load_acc BrIfNonZeroElseLoadAcc {} acc, |v: i32| v != 0;
    }

    #[handler]
    pub(super) fn i32_load_load(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
        operands!(ip, I32LoadLoad { d, a, o1, e, o2 });
        let first = match m.load::<4>(s.raw(a), o1) {
            Some(bytes) => s.put_raw(d, u64::from(u32::from_le_bytes(bytes))),
            None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
        };
        let second = match m.load::<4>(first, o2) {
            Some(bytes) => s.put_raw(e, u64::from(u32::from_le_bytes(bytes))),
            None => return ex.trap_second(ip, TrapKind::MemoryOutOfBounds),
        };
        next(ex, ip.next(), s, m, second)
    }

    /// Expands to a value copied in memory: `name Variant bytes;`.
    macro_rules! load_store_handlers {
        ($($name:ident $variant:ident $n:literal;)*) => {$(
            #[handler]
            pub(super) fn $name(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
                operands!(ip, $variant { d, a, o1, p, o2 });
                let v = match m.load::<$n>(s.raw(a), o1) {
                    Some(bytes) => s.put_raw(d, u64::from_le_bytes(widen(bytes))),
                    None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
                };
                // `p` after `d` is written: it may be `d`.
                if m.store::<$n>(s.raw(p), o2, v).is_none() {
                    return ex.trap_second(ip, TrapKind::MemoryOutOfBounds);
                }
                next(ex, ip.next(), s, m, acc)
            }
        )*};
    }

    /// `bytes` zero-extended to 8.
    #[inline(always)]
    fn widen<const N: usize>(bytes: [u8; N]) -> [u8; 8] {
        let mut wide = [0; 8];
        wide[..N].copy_from_slice(&bytes);
        wide
    }

    load_store_handlers! {
        i32_load_store I32LoadStore 4;
        i64_load_store I64LoadStore 8;
    }

    #[handler]
    pub(super) fn copy3(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
        operands!(ip, Copy3 { f, c, e, b, d, a });
        s.set_raw(f, s.raw(c));
        s.set_raw(e, s.raw(b));
        let acc = s.put_raw(d, s.raw(a));
        next(ex, ip.next(), s, m, acc)
    }
}

// ---- moves ----

#[handler]
fn copy(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, Copy { d, a });
    let acc = s.put_raw(d, s.raw(a));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
fn copy2(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, Copy2 { e, b, d, a });
    s.set_raw(e, s.raw(b));
    let acc = s.put_raw(d, s.raw(a));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
fn constant(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, Const { d, imm });
    let acc = s.put_raw(d, imm);
    next(ex, ip.next(), s, m, acc)
}

#[handler]
fn select(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, Select { d, a, b, c });
    let acc = s.put_raw(d, if s.get::<i32>(c) != 0 { s.raw(a) } else { s.raw(b) });
    next(ex, ip.next(), s, m, acc)
}

#[handler]
fn select_imm(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, SelectImm { d, c, a, b });
    let acc = s.put_raw(d, u64::from(if s.get::<i32>(c) != 0 { a } else { b }));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
fn select_imm_acc(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, SelectImmAcc { d, a, b });
    let acc = s.put_raw(d, u64::from(if i32::from_raw(acc) != 0 { a } else { b }));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
fn select_acc(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, SelectAcc { d, a, b });
    let acc = s.put_raw(d, if i32::from_raw(acc) != 0 { s.raw(a) } else { s.raw(b) });
    next(ex, ip.next(), s, m, acc)
}

// ---- control ----

#[handler]
fn fuel(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, Fuel { n });
    let n = u64::from(n);
    let fuel = &mut ex.store.fuel;
    if *fuel < n {
        *fuel = 0;
        return ex.trap(ip, TrapKind::OutOfFuel);
    }
    *fuel -= n;
    next(ex, ip.next(), s, m, acc)
}

#[handler]
fn check_interrupt(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    if ex.store.interrupt.take() {
        return ex.trap(ip, TrapKind::Interrupted);
    }
    next(ex, ip.next(), s, m, acc)
}

#[handler]
fn br(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, Br { t });
    next(ex, ip.jump(t), s, m, acc)
}

#[handler]
fn br_if_zero(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, BrIfZero { c, t });
    branch(ex, s.get::<i32>(c) == 0, ip, t, s, m, acc)
}

#[handler]
fn br_if_zero_acc(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, BrIfZeroAcc { t });
    branch(ex, i32::from_raw(acc) == 0, ip, t, s, m, acc)
}

#[handler]
fn br_if_non_zero_acc(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, BrIfNonZeroAcc { t });
    branch(ex, i32::from_raw(acc) != 0, ip, t, s, m, acc)
}

#[handler]
fn br_if_non_zero(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, BrIfNonZero { c, t });
    branch(ex, s.get::<i32>(c) != 0, ip, t, s, m, acc)
}

#[handler]
fn br_table(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, BrTable { c, len });
    let entry = ip.skip(1 + (s.get::<i32>(c) as u32).min(len - 1));
    // Every entry is a `br` (checked by the translator's `verify`).
    next(ex, entry.jump(entry.entry_target()), s, m, acc)
}

/// `br_table` whose entries hold their targets' handler references
/// (`encode.rs`): the entry's offset and the next handler come from the
/// same 8 bytes, one dependent load fewer before the jump than [`br_table`].
#[handler]
pub(super) fn br_table_direct(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, BrTable { c, len });
    let entry = ip.skip(1 + (s.get::<i32>(c) as u32).min(len - 1));
    // Every entry is a `br` (checked by the translator's `verify`).
    next_via(entry.handler(), ex, entry.jump(entry.entry_target()), s, m, acc)
}

/// Leaves the running frame (its results are in place) and continues in
/// the caller, or ends the chain after the entry frame.
#[inline(always)]
pub(super) fn return_to_caller(ex: &mut Exec<'_>, m: Mem) -> Flow {
    match ex.return_from_frame(m) {
        Some((ip, s, m)) => next(ex, ip, s, m, NO_ACC),
        None => exit(Exit::Return),
    }
}

/// Calls store function `addr` (arguments at frame slot `base`) and
/// continues with the callee's first op, or after the call if it already
/// ran (host or reference engine).
#[inline(always)]
pub(super) fn call_and_continue(ex: &mut Exec<'_>, ip: Ip, addr: u32, base: Slot) -> Flow {
    match ex.call(ip, addr, base) {
        Some(ip) => {
            let (s, m) = (ex.sp(), ex.memory());
            next(ex, ip, s, m, NO_ACC)
        }
        None => exit(Exit::Trap),
    }
}

#[handler]
fn return0(ex: &mut Exec<'_>, _: Ip, _: Sp, m: Mem, _: u64) -> Flow {
    return_to_caller(ex, m)
}

#[handler]
fn return1(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, Return1 { a });
    s.set_raw(0, s.raw(a));
    return_to_caller(ex, m)
}

#[handler]
fn return_n(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, ReturnN { a, n });
    s.copy_to_start(a, n);
    return_to_caller(ex, m)
}

#[handler]
fn call(ex: &mut Exec<'_>, ip: Ip, _: Sp, _: Mem, _: u64) -> Flow {
    operands!(ip, Call { func, base });
    let addr = ex.inst.funcs[func as usize];
    call_and_continue(ex, ip, addr, base)
}

/// A call within the instance. The common case — the callee translated,
/// within the limits, room in the slots and the frame stack, no `v128`, at
/// most 32 locals to zero — runs with no call at all, so the handler
/// needs no prologue saving registers; anything else goes on to
/// [`call_internal_general`], a sibling call with the same arguments.
#[handler]
fn call_internal(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, CallInternal { defined, base });
    enter_defined(ex, ip, s, m, acc, defined, base)
}

/// [`call_internal`] after its last argument's move (one dispatch fewer
/// than a `copy` and then the call).
#[handler]
fn call_internal_copy(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, CallInternalCopy { defined, base, d, a });
    s.set_raw(d, s.raw(a));
    enter_defined(ex, ip, s, m, acc, defined, base)
}

/// [`call_internal`] after its argument moves (`Code::call_moves`): one
/// dispatch for what were a `copy` or `constant` op per argument.
#[handler]
fn call_internal_moves(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, CallInternalMoves { defined, base, moves });
    let _ = (defined, base);
    call_moves(ex, s, moves);
    call_internal_after_moves(ex, ip, s, m, acc)
}

/// [`call_internal_moves`] after the moves: the call, out of line (a
/// sibling call, a jump). The moves' loops and the call's fast path in one
/// function would take callee-saved registers, so a prologue and an
/// epilogue on every call. `CallInternalMoves`'s payload starts as
/// `CallInternal`'s (a const assertion in `encode.rs`).
#[inline(never)]
#[handler]
fn call_internal_after_moves(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, CallInternal { defined, base });
    enter_defined(ex, ip, s, m, acc, defined, base)
}

/// Does the argument moves listed at `Code::call_moves[moves..]` of the
/// running code: copies from locals, then constants.
#[inline(always)]
fn call_moves(ex: &Exec<'_>, s: Sp, moves: u32) {
    let list = &ex.code().call_moves;
    // SAFETY: `moves` is where the running op's list starts, a header and
    // then as many words as it counts (`translate::take_arg_moves`), in
    // the running code's list, and its slots are inside the frame: both
    // checked by `verify` (`call_moves_in_frame`).
    unsafe {
        let at = list.as_ptr().add(moves as usize);
        let header = *at;
        let mut p = at.add(1);
        let copies_end = p.add((header as u32) as usize);
        while p < copies_end {
            let w = *p;
            s.set_raw(w as Slot, s.raw((w >> 16) as Slot));
            p = p.add(1);
        }
        let end = p.add(2 * (header >> 32) as usize);
        while p < end {
            s.set_raw(*p as Slot, *p.add(1));
            p = p.add(2);
        }
    }
}

/// The body of [`call_internal`] and [`call_internal_copy`]: the fast
/// path, or on to [`call_internal_general`].
#[inline(always)]
fn enter_defined(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64, defined: u32, base: Slot) -> Flow {
    // SAFETY: `cache` is null or the cache of the running instance's
    // module (`set_instance` keeps it so), which `ex.inst` keeps alive.
    let entry = unsafe { ex.cache.as_ref() }.and_then(|c| c.entry(defined));
    if let Some(callee) = entry
        && let abs = ex.fp + usize::from(base)
        && ex.fast_entry(callee, abs)
    {
        ex.enter_fast(ip.after_call(), callee, abs);
        let (ip, s) = (Ip(callee.cells), ex.sp());
        return next(ex, ip, s, m, NO_ACC);
    }
    call_internal_general(ex, ip, s, m, acc)
}

/// [`call_internal`] off its fast path: translates the callee if needed,
/// grows what must grow, traps at a limit.
#[inline(never)]
#[handler]
fn call_internal_general(ex: &mut Exec<'_>, ip: Ip, _: Sp, m: Mem, _: u64) -> Flow {
    // Either op: `CallInternalCopy`'s payload starts as `CallInternal`'s
    // (a const assertion in `encode.rs`), and its argument move is done
    // already (`enter_defined`).
    operands!(ip, CallInternal { defined, base });
    match ex.own_code(defined) {
        Some(code) => enter_internal(ex, ip, Arc::as_ptr(code), base, m),
        None => call_defined_slow(ex, ip, defined, base),
    }
}

/// Calls `callee`, threaded code of the running instance's module, with
/// its arguments at frame slot `base`.
#[inline(always)]
fn enter_internal(ex: &mut Exec<'_>, ip: Ip, callee: *const Code, base: Slot, m: Mem) -> Flow {
    let abs = ex.fp + usize::from(base);
    // SAFETY: the callee's code belongs to the running instance's module,
    // which `ex.inst` keeps alive while this frame and the callee's run.
    let code = unsafe { &*callee };
    if !ex.enter_frame(ip, code, abs) {
        return exit(Exit::Trap);
    }
    ex.push_frame(ip.after_call(), callee, None, abs);
    let (ip, s) = (Ip::entry(code), ex.sp());
    // Same instance, and nothing ran yet: memory 0 is as it was.
    next(ex, ip, s, m, NO_ACC)
}

/// A call to a defined function of the running instance that is not
/// threaded code (it falls back to the reference engine).
#[cold]
#[inline(never)]
fn call_defined_slow(ex: &mut Exec<'_>, ip: Ip, defined: u32, base: u16) -> Flow {
    let addr = ex.inst.funcs[(defined + ex.inst.module.decoded.num_imported_functions) as usize];
    call_and_continue(ex, ip, addr, base)
}

#[handler]
fn call_indirect(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, CallIndirect { ty, table, c, base });
    match ex.indirect_callee(ip, ty, table, s.raw(c)) {
        IndirectCallee::Internal(code) => enter_internal(ex, ip, code, base, m),
        IndirectCallee::Other(addr) => call_and_continue(ex, ip, addr, base),
        IndirectCallee::Trap => exit(Exit::Trap),
    }
}

/// [`call_indirect`] after its argument moves (`Code::call_moves`).
#[handler]
fn call_indirect_moves(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, CallIndirectMoves { ty, c, base, table, moves });
    let _ = (ty, c, base, table);
    call_moves(ex, s, u32::from(moves));
    call_indirect_after_moves(ex, ip, s, m, acc)
}

/// [`call_indirect_moves`] after the moves, out of line (see
/// [`call_internal_after_moves`]).
#[inline(never)]
#[handler]
fn call_indirect_after_moves(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, CallIndirectMoves { ty, c, base, table, moves });
    let _ = moves;
    match ex.indirect_callee(ip, ty, u32::from(table), s.raw(c)) {
        IndirectCallee::Internal(code) => enter_internal(ex, ip, code, base, m),
        IndirectCallee::Other(addr) => call_and_continue(ex, ip, addr, base),
        IndirectCallee::Trap => exit(Exit::Trap),
    }
}

// ---- variables ----

#[handler]
fn global_get(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, GlobalGet { d, g });
    let a = ex.inst.globals[g as usize] as usize;
    let v = ex.store.globals[a].value;
    let acc = s.put_raw(d, to_raw(ex.store, v));
    next(ex, ip.next(), s, m, acc)
}

#[handler]
fn global_set(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, GlobalSet { a, g });
    let addr = ex.inst.globals[g as usize] as usize;
    let old = ex.store.globals[addr].value;
    ex.store.globals[addr].value = to_val_like(&*ex.store, s.raw(a), old);
    next(ex, ip.next(), s, m, acc)
}

#[handler]
fn global_get_num(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, GlobalGetNum { d, g });
    let a = ex.inst.globals[g as usize] as usize;
    let bits = match ex.store.globals[a].value {
        Val::I32(x) => u64::from(x as u32),
        Val::I64(x) => x as u64,
        Val::F32(x) => u64::from(x),
        Val::F64(x) => x,
        // The translator picks this op for numeric globals only.
        v => to_raw(ex.store, v),
    };
    let acc = s.put_raw(d, bits);
    next(ex, ip.next(), s, m, acc)
}

/// Expands to the `global.set` handlers of numeric globals: `name Variant
/// => Val::Variant(conversion of the slot's bits)`. A global's type never
/// changes, so the new value is written without reading the old one.
macro_rules! global_set_handlers {
    ($($name:ident $variant:ident => $val:ident($conv:expr);)*) => {$(
        #[handler]
        fn $name(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
            operands!(ip, $variant { a, g });
            let addr = ex.inst.globals[g as usize] as usize;
            ex.store.globals[addr].value = Val::$val(($conv)(s.raw(a)));
            next(ex, ip.next(), s, m, acc)
        }
    )*};
}

global_set_handlers! {
    global_set_i32 GlobalSetI32 => I32(|r: u64| r as u32 as i32);
    global_set_i64 GlobalSetI64 => I64(|r: u64| r as i64);
    global_set_f32 GlobalSetF32 => F32(|r: u64| r as u32);
    global_set_f64 GlobalSetF64 => F64(|r: u64| r);
}

#[handler]
fn global_set_add_imm(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, _: u64) -> Flow {
    operands!(ip, GlobalSetAddImm { d, a, g, imm });
    let v = s.get::<i32>(a).wrapping_add(imm);
    let acc = s.put_raw(d, v.to_raw());
    let addr = ex.inst.globals[g as usize] as usize;
    ex.store.globals[addr].value = Val::I32(v);
    next(ex, ip.next(), s, m, acc)
}

// ---- memory 0 ----

/// Expands to load handlers: `name Variant { d, fields } bytes: address,
/// offset => conversion;` — the address a slot read, the accumulator
/// (`acc`) or a constant, the handler's slot pointer named `s`. Each
/// passes the value loaded on as the accumulator.
macro_rules! load_handlers {
    (|$s:ident, $acc:ident| $($name:ident $variant:ident { $d:ident $(, $field:ident)* } $n:literal: $addr:expr, $offset:expr => $conv:expr;)*) => {$(
        // Only the accumulator forms read the accumulator they receive.
        #[allow(unused_variables)]
        #[handler]
        fn $name(ex: &mut Exec<'_>, ip: Ip, $s: Sp, m: Mem, $acc: u64) -> Flow {
            operands!(ip, $variant { $d $(, $field)* });
            let loaded = match m.load::<$n>($addr, $offset) {
                Some(bytes) => $s.put_raw($d, ($conv)(bytes)),
                None => return ex.trap(ip, TrapKind::MemoryOutOfBounds),
            };
            next(ex, ip.next(), $s, m, loaded)
        }
    )*};
}

load_handlers! { |s, acc|
    i32_load I32Load { d, a, offset } 4: s.raw(a), offset => |b| u64::from(u32::from_le_bytes(b));
    i64_load I64Load { d, a, offset } 8: s.raw(a), offset => u64::from_le_bytes;
    f32_load F32Load { d, a, offset } 4: s.raw(a), offset => |b| u64::from(u32::from_le_bytes(b));
    f64_load F64Load { d, a, offset } 8: s.raw(a), offset => u64::from_le_bytes;
    i32_load8_s I32Load8S { d, a, offset } 1: s.raw(a), offset => |b: [u8; 1]| i32::from(b[0] as i8).to_raw();
    i32_load8_u I32Load8U { d, a, offset } 1: s.raw(a), offset => |b: [u8; 1]| u64::from(b[0]);
    i32_load16_s I32Load16S { d, a, offset } 2: s.raw(a), offset => |b| i32::from(i16::from_le_bytes(b)).to_raw();
    i32_load16_u I32Load16U { d, a, offset } 2: s.raw(a), offset => |b| u64::from(u16::from_le_bytes(b));
    i64_load8_s I64Load8S { d, a, offset } 1: s.raw(a), offset => |b: [u8; 1]| i64::from(b[0] as i8).to_raw();
    i64_load8_u I64Load8U { d, a, offset } 1: s.raw(a), offset => |b: [u8; 1]| u64::from(b[0]);
    i64_load16_s I64Load16S { d, a, offset } 2: s.raw(a), offset => |b| i64::from(i16::from_le_bytes(b)).to_raw();
    i64_load16_u I64Load16U { d, a, offset } 2: s.raw(a), offset => |b| u64::from(u16::from_le_bytes(b));
    i64_load32_s I64Load32S { d, a, offset } 4: s.raw(a), offset => |b| i64::from(i32::from_le_bytes(b)).to_raw();
    i64_load32_u I64Load32U { d, a, offset } 4: s.raw(a), offset => |b| u64::from(u32::from_le_bytes(b));
    // The address in the accumulator.
    i32_load_acc I32LoadAcc { d, offset } 4: acc, offset => |b| u64::from(u32::from_le_bytes(b));
    i64_load_acc I64LoadAcc { d, offset } 8: acc, offset => u64::from_le_bytes;
    f32_load_acc F32LoadAcc { d, offset } 4: acc, offset => |b| u64::from(u32::from_le_bytes(b));
    f64_load_acc F64LoadAcc { d, offset } 8: acc, offset => u64::from_le_bytes;
    i32_load8_s_acc I32Load8SAcc { d, offset } 1: acc, offset => |b: [u8; 1]| i32::from(b[0] as i8).to_raw();
    i32_load8_u_acc I32Load8UAcc { d, offset } 1: acc, offset => |b: [u8; 1]| u64::from(b[0]);
    i32_load16_s_acc I32Load16SAcc { d, offset } 2: acc, offset => |b| i32::from(i16::from_le_bytes(b)).to_raw();
    i32_load16_u_acc I32Load16UAcc { d, offset } 2: acc, offset => |b| u64::from(u16::from_le_bytes(b));
    // A constant address (`i32.const` plus the offset).
    i32_load_abs I32LoadAbs { d, addr } 4: 0, addr => |b| u64::from(u32::from_le_bytes(b));
    i64_load_abs I64LoadAbs { d, addr } 8: 0, addr => u64::from_le_bytes;
}

/// Expands to store handlers: `name Variant { fields } bytes: address,
/// offset, value;` — the address and value as slot reads, the accumulator
/// (`acc`) or constants, the handler's slot pointer named `s`.
macro_rules! store_handlers {
    (|$s:ident, $acc:ident| $($name:ident $variant:ident { $($field:ident),* } $n:literal: $addr:expr, $offset:expr, $value:expr;)*) => {$(
        #[handler]
        fn $name(ex: &mut Exec<'_>, ip: Ip, $s: Sp, m: Mem, $acc: u64) -> Flow {
            operands!(ip, $variant { $($field),* });
            if m.store::<$n>($addr, $offset, $value).is_none() {
                return ex.trap(ip, TrapKind::MemoryOutOfBounds);
            }
            next(ex, ip.next(), $s, m, $acc)
        }
    )*};
}

store_handlers! { |s, acc|
    store8 Store8 { a, v, offset } 1: s.raw(a), offset, s.raw(v);
    store16 Store16 { a, v, offset } 2: s.raw(a), offset, s.raw(v);
    store32 Store32 { a, v, offset } 4: s.raw(a), offset, s.raw(v);
    store64 Store64 { a, v, offset } 8: s.raw(a), offset, s.raw(v);
    // A constant value.
    store8_imm Store8Imm { a, offset, imm } 1: s.raw(a), offset, u64::from(imm);
    store16_imm Store16Imm { a, offset, imm } 2: s.raw(a), offset, u64::from(imm);
    store32_imm Store32Imm { a, offset, imm } 4: s.raw(a), offset, u64::from(imm);
    store64_imm Store64Imm { a, offset, imm } 8: s.raw(a), offset, imm;
    // The value in the accumulator.
    store8_acc Store8Acc { a, offset } 1: s.raw(a), offset, acc;
    store16_acc Store16Acc { a, offset } 2: s.raw(a), offset, acc;
    store32_acc Store32Acc { a, offset } 4: s.raw(a), offset, acc;
    store64_acc Store64Acc { a, offset } 8: s.raw(a), offset, acc;
    // The address in the accumulator.
    store8_acc_addr Store8AccAddr { v, offset } 1: acc, offset, s.raw(v);
    store16_acc_addr Store16AccAddr { v, offset } 2: acc, offset, s.raw(v);
    store32_acc_addr Store32AccAddr { v, offset } 4: acc, offset, s.raw(v);
    store64_acc_addr Store64AccAddr { v, offset } 8: acc, offset, s.raw(v);
    store8_imm_acc Store8ImmAcc { offset, imm } 1: acc, offset, u64::from(imm);
    store16_imm_acc Store16ImmAcc { offset, imm } 2: acc, offset, u64::from(imm);
    store32_imm_acc Store32ImmAcc { offset, imm } 4: acc, offset, u64::from(imm);
    store64_imm_acc Store64ImmAcc { offset, imm } 8: acc, offset, imm;
    // A constant address (`i32.const` plus the offset).
    store32_abs Store32Abs { v, addr } 4: 0, addr, s.raw(v);
    store64_abs Store64Abs { v, addr } 8: 0, addr, s.raw(v);
    store32_abs_acc Store32AbsAcc { addr } 4: 0, addr, acc;
    store64_abs_acc Store64AbsAcc { addr } 8: 0, addr, acc;
}

// ---- everything else ----

/// The ops that are rare in hot code, or call into the store anyway: bulk
/// memory, `memory.size`/`grow`, tables, references, traps.
#[handler]
fn slow(ex: &mut Exec<'_>, ip: Ip, s: Sp, _: Mem, acc: u64) -> Flow {
    if !slow_step(ex, ip, s) {
        return exit(Exit::Trap);
    }
    let m = ex.memory();
    next(ex, ip.next(), s, m, acc)
}

/// Runs the op at `ip` with [`slow_op`]; `false` after recording its trap.
/// Out of line and returning a `bool`: `slow_op`'s `Result` and the op it
/// takes live in memory, and kept in `slow`'s frame they would stop its
/// final call from being a jump (`tests/threaded_stack.rs` caught it).
#[inline(never)]
fn slow_step(ex: &mut Exec<'_>, ip: Ip, s: Sp) -> bool {
    match slow_op(ex, ip.op(), s) {
        Ok(()) => true,
        Err(k) => {
            ex.record_trap(ip, k);
            false
        }
    }
}

/// Executes `op`, one of the ops [`slow`] handles.
#[inline(never)]
fn slow_op(ex: &mut Exec<'_>, op: Op, s: Sp) -> Result<(), TrapKind> {
    let index = |x| u64::from(s.get::<i32>(x) as u32);
    let inst: &Arc<InstanceData> = &ex.inst;
    let store = &mut *ex.store;
    let mem = ex.mem;
    match op {
        Op::Unreachable => return Err(TrapKind::Unreachable),
        Op::MemorySize { d } => s.set(d, store.memories[mem].pages() as i32),
        Op::MemoryGrow { d, a } => {
            let old = ex.with_erased(|store| ops::memory_grow(store, mem, index(a))).map_or(u64::MAX, |o| o);
            s.set(d, old as i32);
        }
        Op::MemoryFill { d, v, n } => ops::memory_fill(store, mem, index(d), s.raw(v) as u8, index(n))?,
        Op::MemoryCopy { d, s: src, n } => ops::memory_copy(store, mem, mem, index(d), index(src), index(n))?,
        Op::MemoryInit { d, s: src, n, data } => {
            ops::memory_init(store, inst, 0, data, index(d), index(src), index(n))?;
        }
        Op::DataDrop { data } => {
            let a = inst.datas[data as usize] as usize;
            store.datas[a].bytes = Vec::new();
        }
        Op::TableGet { d, i, table } => {
            let t = inst.tables[table as usize] as usize;
            let i = usize::try_from(table_index(store, t, s, i)).unwrap_or(usize::MAX);
            match store.tables[t].elements.get(i) {
                Some(&v) => s.set_raw(d, to_raw(store, v)),
                None => return Err(TrapKind::TableOutOfBounds),
            }
        }
        Op::TableSet { i, v, table } => {
            let t = inst.tables[table as usize] as usize;
            let val = store.gc.decode(s.raw(v), table_hierarchy(inst, table), store.id);
            let i = usize::try_from(table_index(store, t, s, i)).unwrap_or(usize::MAX);
            match store.tables[t].elements.get_mut(i) {
                Some(e) => *e = val,
                None => return Err(TrapKind::TableOutOfBounds),
            }
        }
        Op::TableSize { d, table } => {
            let t = inst.tables[table as usize] as usize;
            set_table_index(store, t, s, d, store.tables[t].elements.len() as u64);
        }
        Op::TableGrow { d, v, n, table } => {
            let t = inst.tables[table as usize] as usize;
            let init = store.gc.decode(s.raw(v), table_hierarchy(inst, table), store.id);
            let delta = table_index(store, t, s, n);
            let old = ex.with_erased(|store| ops::table_grow(store, t, delta, init)).map_or(u64::MAX, |o| o);
            set_table_index(ex.store, t, s, d, old);
        }
        Op::TableFill { i, v, n, table } => {
            let t = inst.tables[table as usize] as usize;
            let val = store.gc.decode(s.raw(v), table_hierarchy(inst, table), store.id);
            ops::table_fill(store, t, table_index(store, t, s, i), val, table_index(store, t, s, n))?;
        }
        Op::TableCopy { d, s: src, n, dst, src: src_table } => {
            let (dt, st) = (inst.tables[dst as usize] as usize, inst.tables[src_table as usize] as usize);
            // The length is 64-bit only if both tables are.
            let n = if store.tables[dt].ty.index64 { table_index(store, st, s, n) } else { index(n) };
            ops::table_copy(store, dt, st, table_index(store, dt, s, d), table_index(store, st, s, src), n)?;
        }
        Op::TableInit { d, s: src, n, table, elem } => {
            let t = inst.tables[table as usize] as usize;
            ops::table_init(store, inst, table, elem, table_index(store, t, s, d), index(src), index(n))?;
        }
        Op::ElemDrop { elem } => {
            let a = inst.elems[elem as usize] as usize;
            store.elems[a].items = Vec::new();
        }
        Op::RefIsNull { d, a } => s.set(d, i32::from(s.raw(a) == 0)),
        Op::RefFunc { d, func } => s.set_raw(d, u64::from(inst.funcs[func as usize]) + 1),
        Op::RefAsNonNull { a } => {
            if s.raw(a) == 0 {
                return Err(TrapKind::NullReference);
            }
        }
        Op::MemorySizeExt { .. }
        | Op::MemoryGrowExt { .. }
        | Op::MemoryFillExt { .. }
        | Op::MemoryCopyExt { .. }
        | Op::MemoryInitExt { .. } => memory::slow_memory_op(ex, op, s)?,
        other => unreachable!("{other:?} has its own handler"),
    }
    Ok(())
}

/// An index operand of table address `t`: `i64` for a 64-bit table
/// (table64), else an unsigned `i32`.
fn table_index(store: &StoreInner, t: usize, s: Sp, x: crate::op::Slot) -> u64 {
    if store.tables[t].ty.index64 { s.raw(x) } else { u64::from(s.get::<i32>(x) as u32) }
}

/// Writes an index result (a size, or `u64::MAX` for failure) of table
/// address `t`, typed as its index type.
fn set_table_index(store: &StoreInner, t: usize, s: Sp, d: crate::op::Slot, v: u64) {
    if store.tables[t].ty.index64 { s.set_raw(d, v) } else { s.set(d, v as i32) }
}
