//! Every function of `wasi_snapshot_preview1` links with the spec's
//! signature; a missing memory export or a wrong signature is handled.

use weft::{Engine, Error, LinkError, Module};
use weft_wasi::WasiCtx;

/// The spec's signatures (params; `->` the result), written out
/// independently of the crate's own table.
const SIGNATURES: &[(&str, &str, &str)] = &[
    ("args_get", "i32 i32", "i32"),
    ("args_sizes_get", "i32 i32", "i32"),
    ("environ_get", "i32 i32", "i32"),
    ("environ_sizes_get", "i32 i32", "i32"),
    ("clock_res_get", "i32 i32", "i32"),
    ("clock_time_get", "i32 i64 i32", "i32"),
    ("fd_advise", "i32 i64 i64 i32", "i32"),
    ("fd_allocate", "i32 i64 i64", "i32"),
    ("fd_close", "i32", "i32"),
    ("fd_datasync", "i32", "i32"),
    ("fd_fdstat_get", "i32 i32", "i32"),
    ("fd_fdstat_set_flags", "i32 i32", "i32"),
    ("fd_fdstat_set_rights", "i32 i64 i64", "i32"),
    ("fd_filestat_get", "i32 i32", "i32"),
    ("fd_filestat_set_size", "i32 i64", "i32"),
    ("fd_filestat_set_times", "i32 i64 i64 i32", "i32"),
    ("fd_pread", "i32 i32 i32 i64 i32", "i32"),
    ("fd_prestat_get", "i32 i32", "i32"),
    ("fd_prestat_dir_name", "i32 i32 i32", "i32"),
    ("fd_pwrite", "i32 i32 i32 i64 i32", "i32"),
    ("fd_read", "i32 i32 i32 i32", "i32"),
    ("fd_readdir", "i32 i32 i32 i64 i32", "i32"),
    ("fd_renumber", "i32 i32", "i32"),
    ("fd_seek", "i32 i64 i32 i32", "i32"),
    ("fd_sync", "i32", "i32"),
    ("fd_tell", "i32 i32", "i32"),
    ("fd_write", "i32 i32 i32 i32", "i32"),
    ("path_create_directory", "i32 i32 i32", "i32"),
    ("path_filestat_get", "i32 i32 i32 i32 i32", "i32"),
    ("path_filestat_set_times", "i32 i32 i32 i32 i64 i64 i32", "i32"),
    ("path_link", "i32 i32 i32 i32 i32 i32 i32", "i32"),
    ("path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", "i32"),
    ("path_readlink", "i32 i32 i32 i32 i32 i32", "i32"),
    ("path_remove_directory", "i32 i32 i32", "i32"),
    ("path_rename", "i32 i32 i32 i32 i32 i32", "i32"),
    ("path_symlink", "i32 i32 i32 i32 i32", "i32"),
    ("path_unlink_file", "i32 i32 i32", "i32"),
    ("poll_oneoff", "i32 i32 i32 i32", "i32"),
    ("proc_exit", "i32", ""),
    ("proc_raise", "i32", "i32"),
    ("sched_yield", "", "i32"),
    ("random_get", "i32 i32", "i32"),
    ("sock_accept", "i32 i32 i32", "i32"),
    ("sock_recv", "i32 i32 i32 i32 i32 i32", "i32"),
    ("sock_send", "i32 i32 i32 i32 i32", "i32"),
    ("sock_shutdown", "i32 i32", "i32"),
];

fn import(name: &str, params: &str, result: &str) -> String {
    let params = if params.is_empty() { String::new() } else { format!("(param {params})") };
    let result = if result.is_empty() { String::new() } else { format!("(result {result})") };
    format!("(import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} {params} {result}))\n")
}

#[test]
fn every_function_links_with_the_spec_signature() {
    assert_eq!(SIGNATURES.len(), 46);
    let imports: String = SIGNATURES.iter().map(|(n, p, r)| import(n, p, r)).collect();
    let engine = Engine::default();
    let module = Module::new(&engine, format!("(module {imports} (func (export \"_start\")))")).unwrap();
    let (status, _) = weft_wasi::run_command(&engine, &module, WasiCtx::builder().build().unwrap()).unwrap();
    assert_eq!(status, 0);
}

#[test]
fn wrong_signature_and_unknown_function_are_link_errors() {
    let engine = Engine::default();
    let ctx = || WasiCtx::builder().build().unwrap();
    let wrong = Module::new(&engine, format!("(module {})", import("fd_write", "i32", "i32"))).unwrap();
    let err = weft_wasi::run_command(&engine, &wrong, ctx()).unwrap_err();
    assert!(matches!(err, Error::Link(LinkError::IncompatibleImportType { .. })), "{err}");
    let unknown = Module::new(&engine, format!("(module {})", import("fd_frobnicate", "", "i32"))).unwrap();
    let err = weft_wasi::run_command(&engine, &unknown, ctx()).unwrap_err();
    assert!(matches!(err, Error::Link(LinkError::UnknownImport { .. })), "{err}");
}

#[test]
fn a_module_without_memory_gets_efault_not_a_panic() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        format!(
            r#"(module {} {}
                 (func (export "_start")
                   (call $proc_exit (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
            import("fd_write", "i32 i32 i32 i32", "i32"),
            import("proc_exit", "i32", ""),
        ),
    )
    .unwrap();
    let (status, _) = weft_wasi::run_command(&engine, &module, WasiCtx::builder().build().unwrap()).unwrap();
    assert_eq!(status, weft_wasi::Errno::Fault as i32);
}
