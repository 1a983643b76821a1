//! [`operands!`], shared by the handler files added after `handlers.rs`
//! (`calls.rs`, `memory.rs`, `wide.rs`).

/// Binds the operands of the op at `ip`, which must be a `$variant`.
macro_rules! operands {
    ($ip:expr, $variant:ident { $($fields:tt)* }) => {
        let Op::$variant { $($fields)* } = $ip.op() else {
            if cfg!(debug_assertions) {
                unreachable!("{:?} reached the handler of {}", $ip.op(), stringify!($variant));
            }
            // SAFETY: `handler` maps an op to this handler only if it is a
            // `$variant`.
            unsafe { std::hint::unreachable_unchecked() }
        };
    };
}
