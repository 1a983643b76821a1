//! A digest of the ops translation emits, for checking that work on the
//! translator's speed leaves its output unchanged (`WEFT_DIGEST=1 cargo
//! run --release -p weft-benches --example translate` prints it; compare
//! the figure before and after a change). Off unless asked for: then one
//! relaxed load per function.

use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::Code;

static ON: AtomicBool = AtomicBool::new(false);
static SUM: AtomicU64 = AtomicU64::new(0);

/// Starts (or stops) digesting; returns the digest of what was translated
/// since the last call, and restarts it from zero.
pub(crate) fn take(on: bool) -> u64 {
    ON.store(on, Ordering::Relaxed);
    SUM.swap(0, Ordering::Relaxed)
}

/// Adds defined function `defined`'s ops (branch targets still absolute
/// op positions, so the figure does not depend on the cell encoding),
/// their wasm offsets and frame layout to the digest, if on. The sum over
/// functions does not depend on the order they are translated in.
pub(super) fn note(defined: u32, code: &Code) {
    if ON.load(Ordering::Relaxed) {
        SUM.fetch_add(hash(defined, code), Ordering::Relaxed);
    }
}

#[cold]
#[inline(never)]
fn hash(defined: u32, code: &Code) -> u64 {
    /// Feeds formatted text to a hasher.
    struct Feed(DefaultHasher);
    impl std::fmt::Write for Feed {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut feed = Feed(DefaultHasher::new());
    defined.hash(&mut feed.0);
    (code.params, code.locals, code.frame_size, code.v128).hash(&mut feed.0);
    for op in &code.ops {
        let _ = write!(feed, "{op:?};");
    }
    code.offsets.hash(&mut feed.0);
    feed.0.finish()
}
