//! [`operands!`], shared by every handler file (declared first in
//! `exec/mod.rs`, with `#[macro_use]`).

/// Binds the operands of the op at `ip`, which must be a `$variant`.
macro_rules! operands {
    ($ip:expr, $variant:ident { $($fields:tt)* }) => {
        // SAFETY: an op's handler reference names this handler only if
        // the op is a `$variant` (`handler_of`, `encode`), except
        // `br_table` entries, which may name their target's handler and
        // are never dispatched to (`encode`, checked by translation).
        let payload = unsafe { $ip.payload::<$crate::exec::encode::payload::$variant>() };
        let $crate::exec::encode::payload::$variant { $($fields)* } = payload;
        // The row's op, named where handlers name it (their files import
        // `Op` for it).
        #[allow(dead_code)]
        type Row = Op;
        /// `ip.next()` in this handler: past this op's encoded size
        /// (preferred to `Ip::next`, which takes `&self`).
        #[allow(dead_code)]
        trait OpSize {
            fn next(self) -> $crate::exec::Ip;
        }
        impl OpSize for $crate::exec::Ip {
            #[inline(always)]
            fn next(self) -> $crate::exec::Ip {
                self.advance($crate::exec::encode::size::$variant)
            }
        }
    };
}
