#!/bin/sh
# Rebuilds the C benchmark programs in this directory into the .wasm files
# committed beside them. CI never compiles C; run this after editing a .c
# file and commit both.
#
# Needs Debian's clang, lld and wasi-libc (the sysroot is /usr), and wabt's
# wasm-objdump for the checks below:
#   apt-get install clang lld wasi-libc wabt
#
# Each program exports `run: [] -> [i64]` and imports nothing: no start
# files (no `_start`, no WASI calls), wasi-libc only for malloc/free and
# the string functions, which need no imports. `-mbulk-memory` lowers
# memcpy/memmove/memset to `memory.copy`/`memory.fill`. Debug sections
# from libc.a are stripped; the name section stays for `weft inspect`.
set -eu
cd "$(dirname "$0")"
for src in *.c; do
    out="${src%.c}.wasm"
    clang --target=wasm32-wasi --sysroot=/usr -O2 -mbulk-memory \
        -nostartfiles -Wl,--no-entry -Wl,--export=run -Wl,--strip-debug \
        -o "$out" "$src"
    if wasm-objdump -j Import -x "$out" 2>/dev/null | grep -q ' <- '; then
        echo "$out has imports:" >&2
        wasm-objdump -j Import -x "$out" >&2
        exit 1
    fi
    bulk=$(wasm-objdump -d "$out" 2>/dev/null | grep -c 'memory\.\(copy\|fill\)' || true)
    echo "built $out ($(wc -c <"$out") bytes, $bulk memory.copy/fill)"
done
