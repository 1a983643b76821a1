//! Wide arithmetic (`i64.add128`, `i64.sub128`, `i64.mul_wide_s`,
//! `i64.mul_wide_u`): two results, `(lo, hi)`, in slots `d` and `d + 1`;
//! the semantics are [`weft_exec::numeric`]'s, shared with the reference engine.

use super::backend::{Flow, next};
use super::{Exec, Ip, Mem, Sp};
use crate::op::Op;
use weft_exec::numeric as n;
use weft_macros::handler;

#[handler]
pub(super) fn i64_add128(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, I64Add128 { d, lo1, hi1, lo2, hi2 });
    let (lo, hi) = n::i64_add128(s.get(lo1), s.get(hi1), s.get(lo2), s.get(hi2));
    s.set(d, lo);
    s.set(d + 1, hi);
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn i64_sub128(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, I64Sub128 { d, lo1, hi1, lo2, hi2 });
    let (lo, hi) = n::i64_sub128(s.get(lo1), s.get(hi1), s.get(lo2), s.get(hi2));
    s.set(d, lo);
    s.set(d + 1, hi);
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn i64_mul_wide_s(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, I64MulWideS { d, a, b });
    let (lo, hi) = n::i64_mul_wide_s(s.get(a), s.get(b));
    s.set(d, lo);
    s.set(d + 1, hi);
    next(ex, ip.next(), s, m, acc)
}

#[handler]
pub(super) fn i64_mul_wide_u(ex: &mut Exec<'_>, ip: Ip, s: Sp, m: Mem, acc: u64) -> Flow {
    operands!(ip, I64MulWideU { d, a, b });
    let (lo, hi) = n::i64_mul_wide_u(s.get(a), s.get(b));
    s.set(d, lo);
    s.set(d + 1, hi);
    next(ex, ip.next(), s, m, acc)
}
