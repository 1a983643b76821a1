//! Shared pieces of weft's benchmarks: generated workloads.

pub mod generate;
