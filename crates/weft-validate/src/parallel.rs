//! Function bodies validated on several threads (issue 18).
//!
//! The module-level context `C` is built once and shared; each thread has
//! its own [`FuncValidator`] stacks. Threads take runs of consecutive
//! functions (about `CHUNK_BYTES` of code each) from a shared
//! counter, so a few huge functions do not leave the other threads idle.
//!
//! Errors are deterministic: the result is the error of the lowest-index
//! invalid function, the one a single thread reports. A thread stops at
//! the first error of its run, and runs starting past the lowest error
//! found so far are skipped, since nothing there can be reported.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::func::FuncValidator;
use crate::module::ModuleContext;
use crate::{CHUNK_BYTES, Error, FuncInfo};

/// The infos of a run of functions, or the error of its first invalid one.
type RunResult = Result<Vec<FuncInfo>, Error>;

/// Validates every function body of `ctx`'s module on `threads` scoped
/// threads; the infos in function order, or the lowest-index error.
pub(crate) fn validate_functions(ctx: &ModuleContext<'_>, threads: usize) -> Result<Vec<FuncInfo>, Error> {
    let code = &ctx.module.code;
    // Runs of consecutive functions of about CHUNK_BYTES of code each.
    let mut runs = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, body) in code.iter().enumerate() {
        bytes += body.code.len();
        if bytes >= CHUNK_BYTES {
            runs.push(start..i + 1);
            start = i + 1;
            bytes = 0;
        }
    }
    if start < code.len() {
        runs.push(start..code.len());
    }

    let next = AtomicUsize::new(0);
    // The lowest index of a function known to be invalid (or usize::MAX).
    let lowest_error = AtomicUsize::new(usize::MAX);
    let results: Mutex<Vec<Option<RunResult>>> = Mutex::new((0..runs.len()).map(|_| None).collect());
    let worker = || {
        let mut validator = FuncValidator::default();
        loop {
            let r = next.fetch_add(1, Ordering::Relaxed);
            let Some(run) = runs.get(r) else { break };
            if run.start > lowest_error.load(Ordering::Relaxed) {
                // Only a lower-index error could be reported.
                continue;
            }
            let mut infos = Vec::with_capacity(run.len());
            let mut outcome = Ok(());
            for index in run.clone() {
                match validator.validate(ctx, index) {
                    Ok(info) => infos.push(info),
                    Err(e) => {
                        lowest_error.fetch_min(index, Ordering::Relaxed);
                        outcome = Err(e);
                        break;
                    }
                }
            }
            let result = outcome.map(|()| infos);
            results.lock().unwrap_or_else(|p| p.into_inner())[r] = Some(result);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(worker);
        }
        worker();
    });

    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut functions = Vec::with_capacity(code.len());
    // Runs are in function order: the first error met is the lowest.
    for result in results {
        match result {
            Some(Ok(infos)) => functions.extend(infos),
            Some(Err(e)) => return Err(e),
            None => unreachable!("every run before the lowest error was validated"),
        }
    }
    Ok(functions)
}
