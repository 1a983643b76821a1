//! Runs many scripts on one or more engines in parallel and sums them up:
//! the per-directory table, the closing `N passed, M failed` line and the
//! Markdown of `docs/CONFORMANCE.md`. `weft wast` and the `conformance`
//! tool both run through [`Report::run`], so the committed document and the
//! command cannot count differently.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use weft::{EngineKind, Features};

use crate::{Outcome, Script, run_script};

/// One script to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// How failures name it (the path as given, or `wasm-v2/i32.wast`).
    pub path: String,
    /// The row of the per-directory table it counts in.
    pub group: String,
    /// Its path in the testsuite's layout ([`crate::layout::place`]).
    pub key: String,
    /// The features it runs with.
    pub features: Features,
    /// Set when weft cannot run it (the skip list's reason): it is listed,
    /// not run.
    pub unsupported: Option<&'static str>,
    /// Its text.
    pub contents: Cow<'static, str>,
}

/// A script's results.
#[derive(Debug, Clone)]
pub struct ScriptReport {
    /// As [`Job::path`].
    pub path: String,
    /// As [`Job::group`].
    pub group: String,
    /// As [`Job::unsupported`].
    pub unsupported: Option<&'static str>,
    /// One outcome per engine of [`Report::engines`], in that order; empty
    /// for an unsupported script.
    pub outcomes: Vec<Outcome>,
}

/// Results of every script on every engine.
#[derive(Debug, Clone)]
pub struct Report {
    /// The engines, in the order of each script's outcomes.
    pub engines: Vec<EngineKind>,
    /// The scripts, in the order they were given.
    pub scripts: Vec<ScriptReport>,
}

/// One row of the per-directory table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupRow {
    /// The directory.
    pub group: String,
    /// Scripts run.
    pub files: usize,
    /// Scripts listed as unsupported.
    pub unsupported: usize,
    /// Per engine: directives passed and failed.
    pub counts: Vec<(usize, usize)>,
}

/// The name of an engine on the command line and in tables.
pub fn engine_name(kind: EngineKind) -> &'static str {
    match kind {
        EngineKind::Reference => "reference",
        _ => "threaded",
    }
}

impl Report {
    /// Runs every supported job on every engine, on `threads` threads,
    /// largest scripts first; `progress(done, total)` is called after each
    /// script-engine run.
    pub fn run(
        jobs: Vec<Job>,
        engines: &[EngineKind],
        threads: usize,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Report {
        let mut tasks: Vec<(usize, usize)> = (0..jobs.len())
            .filter(|&j| jobs[j].unsupported.is_none())
            .flat_map(|j| (0..engines.len()).map(move |e| (j, e)))
            .collect();
        tasks.sort_by_key(|&(j, e)| (std::cmp::Reverse(jobs[j].contents.len()), j, e));
        let results: Vec<Mutex<Option<Outcome>>> = (0..jobs.len() * engines.len()).map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let worker = || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(j, e)) = tasks.get(i) else { break };
                let job = &jobs[j];
                let script = Script {
                    path: job.path.clone(),
                    key: job.key.clone(),
                    contents: &job.contents,
                    features: job.features,
                };
                let outcome = run_script(&script, engines[e]);
                *results[j * engines.len() + e].lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, tasks.len());
            }
        };
        std::thread::scope(|scope| {
            for _ in 0..threads.clamp(1, tasks.len().max(1)) {
                // Deep recursion in scripts (call stacks up to the engines'
                // limits) wants more than a spawned thread's default stack.
                std::thread::Builder::new()
                    .stack_size(8 << 20)
                    .spawn_scoped(scope, worker)
                    .expect("cannot spawn a test thread");
            }
        });
        let mut results = results.into_iter().map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()));
        let scripts = jobs
            .into_iter()
            .map(|job| {
                let outcomes: Vec<Outcome> = (0..engines.len()).filter_map(|_| results.next().flatten()).collect();
                ScriptReport { path: job.path, group: job.group, unsupported: job.unsupported, outcomes }
            })
            .collect();
        Report { engines: engines.to_vec(), scripts }
    }

    /// The per-directory rows, sorted by directory.
    pub fn groups(&self) -> Vec<GroupRow> {
        let mut rows: BTreeMap<&str, GroupRow> = BTreeMap::new();
        for s in &self.scripts {
            let row = rows.entry(&s.group).or_insert_with(|| GroupRow {
                group: s.group.clone(),
                counts: vec![(0, 0); self.engines.len()],
                ..GroupRow::default()
            });
            if s.unsupported.is_some() {
                row.unsupported += 1;
                continue;
            }
            row.files += 1;
            for (count, outcome) in row.counts.iter_mut().zip(&s.outcomes) {
                count.0 += outcome.passed;
                count.1 += outcome.failures.len();
            }
        }
        rows.into_values().collect()
    }

    /// Per engine: directives passed and failed over all scripts.
    pub fn engine_totals(&self) -> Vec<(usize, usize)> {
        let mut totals = vec![(0, 0); self.engines.len()];
        for row in self.groups() {
            for (t, c) in totals.iter_mut().zip(&row.counts) {
                t.0 += c.0;
                t.1 += c.1;
            }
        }
        totals
    }

    /// Directives passed, directives failed (over all engines) and scripts
    /// unsupported.
    pub fn totals(&self) -> (usize, usize, usize) {
        let (passed, failed) = self.engine_totals().iter().fold((0, 0), |a, c| (a.0 + c.0, a.1 + c.1));
        (passed, failed, self.scripts.iter().filter(|s| s.unsupported.is_some()).count())
    }

    /// `N passed, M failed` (`, K unsupported` when scripts were).
    pub fn closing_line(&self) -> String {
        let (passed, failed, unsupported) = self.totals();
        let mut line = format!("{passed} passed, {failed} failed");
        if unsupported > 0 {
            let _ = write!(line, ", {unsupported} unsupported");
        }
        line
    }

    fn header(&self) -> Vec<String> {
        let mut header = vec!["directory".to_string(), "files".to_string(), "unsupported".to_string()];
        for &e in &self.engines {
            header.push(format!("{} passed", engine_name(e)));
            header.push(format!("{} failed", engine_name(e)));
        }
        header
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let groups = self.groups();
        let mut rows: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                let mut row = vec![g.group.clone(), g.files.to_string(), g.unsupported.to_string()];
                for c in &g.counts {
                    row.push(c.0.to_string());
                    row.push(c.1.to_string());
                }
                row
            })
            .collect();
        let mut total = vec![
            "total".to_string(),
            groups.iter().map(|g| g.files).sum::<usize>().to_string(),
            groups.iter().map(|g| g.unsupported).sum::<usize>().to_string(),
        ];
        for t in self.engine_totals() {
            total.push(t.0.to_string());
            total.push(t.1.to_string());
        }
        rows.push(total);
        rows
    }

    /// The per-directory table as aligned text (the total last).
    pub fn table_text(&self) -> String {
        let header = self.header();
        let rows = self.rows();
        let widths: Vec<usize> = (0..header.len())
            .map(|i| rows.iter().map(|r| r[i].len()).chain([header[i].len()]).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&header).chain(&rows) {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(
                    |(i, c)| if i == 0 { format!("{c:<w$}", w = widths[i]) } else { format!("{c:>w$}", w = widths[i]) },
                )
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
        out
    }

    /// The per-directory table in Markdown (the total row in bold), then
    /// the unsupported scripts with their reasons.
    pub fn markdown(&self) -> String {
        let header = self.header();
        let mut out = String::new();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(header.len() - 1));
        let rows = self.rows();
        for (i, row) in rows.iter().enumerate() {
            if i + 1 == rows.len() {
                let bold: Vec<String> = row.iter().map(|c| format!("**{c}**")).collect();
                let _ = writeln!(out, "| {} |", bold.join(" | "));
            } else {
                let _ = writeln!(out, "| {} |", row.join(" | "));
            }
        }
        let _ = writeln!(out, "\n{}\n", self.closing_line());
        let unsupported: Vec<&ScriptReport> = self.scripts.iter().filter(|s| s.unsupported.is_some()).collect();
        if !unsupported.is_empty() {
            let _ = writeln!(out, "Unsupported scripts (listed, not run):\n");
            for s in unsupported {
                let _ = writeln!(out, "- `{}`: {}", s.path, s.unsupported.unwrap_or_default());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(path: &str, group: &str, contents: &'static str, unsupported: Option<&'static str>) -> Job {
        Job {
            path: path.to_string(),
            group: group.to_string(),
            key: path.to_string(),
            features: Features::default(),
            unsupported,
            contents: Cow::Borrowed(contents),
        }
    }

    #[test]
    fn counts_per_directory_and_engine() {
        let jobs = vec![
            job(
                "a/ok.wast",
                "a",
                "(module (func (export \"f\") (result i32) i32.const 1))\n(assert_return (invoke \"f\") (i32.const 1))",
                None,
            ),
            job(
                "a/bad.wast",
                "a",
                "(module (func (export \"f\") (result i32) i32.const 1))\n(assert_return (invoke \"f\") (i32.const 2))",
                None,
            ),
            job("b/gc.wast", "b", "(this is not run)", Some("needs GC")),
        ];
        let report = Report::run(jobs, &[EngineKind::Reference, EngineKind::Threaded], 2, &|_, _| {});
        let groups = report.groups();
        assert_eq!(groups[0], GroupRow { group: "a".into(), files: 2, unsupported: 0, counts: vec![(3, 1), (3, 1)] });
        assert_eq!(groups[1], GroupRow { group: "b".into(), files: 0, unsupported: 1, counts: vec![(0, 0), (0, 0)] });
        assert_eq!(report.closing_line(), "6 passed, 2 failed, 1 unsupported");
        assert_eq!(report.scripts[1].outcomes[1].failures[0].location, "a/bad.wast:2:2");
        let md = report.markdown();
        assert!(md.contains("| **total** | **2** | **1** | **3** | **1** | **3** | **1** |"), "{md}");
        assert!(md.contains("- `b/gc.wast`: needs GC"), "{md}");
    }
}
