//! The dynamic op and op-pair histogram (cargo feature `op-histogram`, for
//! choosing superinstructions and finding what the translator still emits
//! too often; never in a default build).
//!
//! With the feature, the engine runs the dispatch loop (`backend.rs`,
//! `build.rs`), which counts every executed op and every pair of an op and
//! the op executed right before it (in the same frame or not). When the
//! outermost activation ends, if `WEFT_PAIR_HISTOGRAM` names a file, the
//! counts so far are written there (the file is replaced each time): the
//! top ops, then the top pairs, each with its share of all executed ops.

use std::cell::RefCell;
use std::collections::HashMap;
use std::mem::Discriminant;

use crate::op::Op;

#[derive(Default)]
struct Counts {
    prev: Option<Discriminant<Op>>,
    ops: HashMap<Discriminant<Op>, u64>,
    pairs: HashMap<(Discriminant<Op>, Discriminant<Op>), u64>,
    names: HashMap<Discriminant<Op>, String>,
    total: u64,
}

thread_local! {
    static COUNTS: RefCell<Counts> = RefCell::default();
}

/// Counts `op`, about to run.
pub(super) fn count(op: &Op) {
    COUNTS.with_borrow_mut(|c| {
        let d = std::mem::discriminant(op);
        c.total += 1;
        *c.ops.entry(d).or_insert(0) += 1;
        c.names.entry(d).or_insert_with(|| {
            let text = format!("{op:?}");
            text.split([' ', '{', '(']).next().unwrap_or_default().to_string()
        });
        if let Some(p) = c.prev {
            *c.pairs.entry((p, d)).or_insert(0) += 1;
        }
        c.prev = Some(d);
    });
}

/// Writes the counts to the file `WEFT_PAIR_HISTOGRAM` names, if set.
pub(super) fn dump() {
    let Some(path) = std::env::var_os("WEFT_PAIR_HISTOGRAM") else { return };
    let text = COUNTS.with_borrow(|c| {
        let name = |d: &Discriminant<Op>| c.names.get(d).map_or("?", String::as_str).to_string();
        let share = |n: u64| 100.0 * n as f64 / c.total.max(1) as f64;
        let mut ops: Vec<_> = c.ops.iter().collect();
        ops.sort_by(|a, b| b.1.cmp(a.1));
        let mut pairs: Vec<_> = c.pairs.iter().collect();
        pairs.sort_by(|a, b| b.1.cmp(a.1));
        let mut out = format!("executed ops: {}\n\nops:\n", c.total);
        for (d, n) in ops.iter().take(60) {
            out += &format!("{:7.3}% {n:>14} {}\n", share(**n), name(d));
        }
        out += "\npairs (op before, op):\n";
        for ((a, b), n) in pairs.iter().take(100) {
            out += &format!("{:7.3}% {n:>14} {} -> {}\n", share(**n), name(a), name(b));
        }
        out
    });
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("WEFT_PAIR_HISTOGRAM: cannot write {}: {e}", path.to_string_lossy());
    }
}
