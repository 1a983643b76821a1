//! The formats of `weft wast`: text, JSON (serde_json) and JUnit XML
//! (quick-junit). The table and the closing line come from the library's
//! [`Report`], so every format counts the same way.

use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use serde_json::{Map, Value, json};
use weft_spec_tests::{Outcome, Report, engine_name};

/// Each script's `spectest` output and failures (`file:line:col: message`,
/// with the engine named when there are several), the unsupported scripts
/// with their reasons, the per-directory table and the closing line.
pub fn text(report: &Report) -> String {
    let several = report.engines.len() > 1;
    let mut out = String::new();
    for script in &report.scripts {
        if let Some(reason) = script.unsupported {
            let _ = writeln!(out, "{}: unsupported: {reason}", script.path);
            continue;
        }
        if let Some(first) = script.outcomes.first() {
            out.push_str(&first.output);
        }
        for (engine, outcome) in report.engines.iter().zip(&script.outcomes) {
            for f in &outcome.failures {
                if several {
                    let _ = writeln!(out, "{}: [{}] {}", f.location, engine_name(*engine), f.message);
                } else {
                    let _ = writeln!(out, "{f}");
                }
            }
        }
    }
    out.push('\n');
    out.push_str(&report.table_text());
    let _ = writeln!(out, "{}", report.closing_line());
    out
}

fn engine_json(outcome: &Outcome) -> Value {
    let failures: Vec<Value> =
        outcome.failures.iter().map(|f| json!({ "location": f.location, "message": f.message })).collect();
    json!({ "passed": outcome.passed, "failed": outcome.failures.len(), "failures": failures })
}

/// One JSON document: totals, the per-directory rows and every script.
pub fn json(report: &Report) -> Result<String, serde_json::Error> {
    let engines: Vec<&str> = report.engines.iter().map(|e| engine_name(*e)).collect();
    let directories: Vec<Value> = report
        .groups()
        .into_iter()
        .map(|g| {
            let per_engine: Map<String, Value> = engines
                .iter()
                .zip(&g.counts)
                .map(|(e, c)| (e.to_string(), json!({ "passed": c.0, "failed": c.1 })))
                .collect();
            json!({ "directory": g.group, "files": g.files, "unsupported": g.unsupported, "engines": per_engine })
        })
        .collect();
    let scripts: Vec<Value> = report
        .scripts
        .iter()
        .map(|s| {
            let per_engine: Map<String, Value> =
                engines.iter().zip(&s.outcomes).map(|(e, o)| (e.to_string(), engine_json(o))).collect();
            let output = s.outcomes.first().map(|o| o.output.as_str()).unwrap_or_default();
            json!({
                "path": s.path,
                "directory": s.group,
                "unsupported": s.unsupported,
                "output": output,
                "engines": per_engine,
            })
        })
        .collect();
    let (passed, failed, unsupported) = report.totals();
    let doc = json!({
        "engines": engines,
        "passed": passed,
        "failed": failed,
        "unsupported": unsupported,
        "directories": directories,
        "scripts": scripts,
    });
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}

/// JUnit XML: one `<testsuite>` per script and engine (`engine::path`),
/// one `<testcase>` per directive (`line:col kind`), failures with their
/// message; an unsupported script is one skipped case with its reason.
pub fn junit(report: &Report) -> Result<String, quick_junit::SerializeError> {
    let mut junit = quick_junit::Report::new("weft wast");
    for script in &report.scripts {
        if let Some(reason) = script.unsupported {
            for engine in &report.engines {
                let mut suite = TestSuite::new(format!("{}::{}", engine_name(*engine), script.path));
                let mut status = TestCaseStatus::skipped();
                status.set_message(format!("unsupported: {reason}"));
                suite.add_test_case(TestCase::new(script.path.clone(), status));
                junit.add_test_suite(suite);
            }
            continue;
        }
        for (engine, outcome) in report.engines.iter().zip(&script.outcomes) {
            let name = engine_name(*engine);
            let mut suite = TestSuite::new(format!("{name}::{}", script.path));
            for d in &outcome.directives {
                let status = match &d.failure {
                    None => TestCaseStatus::success(),
                    Some(message) => {
                        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                        status.set_message(message.clone());
                        status
                    }
                };
                let mut case = TestCase::new(format!("{} {}", d.location, d.kind), status);
                case.set_classname(format!("{name}::{}", script.path));
                suite.add_test_case(case);
            }
            // A script that cannot be parsed has failures but no directive.
            if outcome.directives.is_empty() {
                for f in &outcome.failures {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                    status.set_message(f.message.clone());
                    suite.add_test_case(TestCase::new(f.location.clone(), status));
                }
            }
            if !outcome.output.is_empty() {
                suite.set_system_out(outcome.output.clone());
            }
            junit.add_test_suite(suite);
        }
    }
    let mut text = junit.to_string()?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}
