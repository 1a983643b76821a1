//! The process's memory use, for the footprint tests
//! (`memory_footprint.rs`, `table_footprint.rs`).

/// The process's peak resident set in KiB, from `/proc/self/status`
/// (`None` where there is no such file, as off Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
