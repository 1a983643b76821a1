//! From the paths on the command line to the scripts to run: directories
//! are searched recursively for `*.wast`, files sorted by path, each placed
//! in the testsuite's layout for its features and its expectations.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use weft::Features;
use weft_spec_tests::{Job, directory_features, layout, place, unsupported};

/// The scripts under `paths`. `features` overrides the per-directory
/// features when given.
pub fn jobs(paths: &[PathBuf], features: Option<Features>) -> Result<Vec<Job>, String> {
    let mut jobs = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(root, &mut files)?;
            files.sort();
            // The top of a copy of the official testsuite repository holds
            // the latest spec's scripts.
            let latest_root = layout::is_latest_root(root).then_some(root.as_path());
            for file in files {
                let rel = file.strip_prefix(root).unwrap_or(&file);
                // Rows are directories below the root; its own files count
                // under its name.
                let group = rel.parent().map(|p| p.to_string_lossy().into_owned()).filter(|p| !p.is_empty());
                let group = group.unwrap_or_else(|| root.display().to_string().trim_end_matches('/').to_string());
                jobs.push(job(&file, group, latest_root, features)?);
            }
        } else {
            let group = root.parent().map(|p| p.to_string_lossy().into_owned()).filter(|p| !p.is_empty());
            jobs.push(job(root, group.unwrap_or_else(|| ".".to_string()), None, features)?);
        }
    }
    Ok(jobs)
}

fn job(file: &Path, group: String, latest_root: Option<&Path>, features: Option<Features>) -> Result<Job, String> {
    let contents = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let path = file.display().to_string();
    let placement = place(file, latest_root);
    let (key, dir_features) = match &placement {
        Some(p) => (p.key.clone(), directory_features(&p.dir)),
        None => (path.clone(), Features::default()),
    };
    // Only a testsuite script can be on the skip list.
    let unsupported = placement.as_ref().and_then(|p| unsupported(&p.key));
    Ok(Job {
        path,
        group,
        key,
        features: features.unwrap_or(dir_features),
        unsupported,
        contents: Cow::Owned(contents),
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = entry.path();
        let ty = entry.file_type().map_err(|e| format!("{}: {e}", path.display()))?;
        if ty.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "wast") {
            out.push(path);
        }
    }
    Ok(())
}
