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
#
# Programs named `simd_*.c` are compiled with `-msimd128` (fixed-width
# SIMD). They are written with GCC/clang vector extensions
# (`__attribute__((vector_size(16)))`, `__builtin_shufflevector`), so the
# same source compiles natively for the checksum check below; the one
# wasm-only intrinsic (`wasm_i8x16_swizzle`) has a portable twin under
# `#ifndef __wasm__`.
#
# Each program is also compiled natively with the host's cc and run, and
# its checksum printed: the peer bench must print the same one for every
# engine (an independent check on all of them; C code whose result
# depends on the compiler, e.g. two calls in one expression, shows up here).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/main.c" <<'EOF'
#include <stdint.h>
#include <stdio.h>
int64_t run(void);
int main(void) { printf("%lld\n", (long long)run()); return 0; }
EOF
for src in *.c; do
    out="${src%.c}.wasm"
    simd=""
    case "$src" in simd_*) simd="-msimd128" ;; esac
    clang --target=wasm32-wasi --sysroot=/usr -O2 -mbulk-memory $simd \
        -nostartfiles -Wl,--no-entry -Wl,--export=run -Wl,--strip-debug \
        -o "$out" "$src"
    if wasm-objdump -j Import -x "$out" 2>/dev/null | grep -q ' <- '; then
        echo "$out has imports:" >&2
        wasm-objdump -j Import -x "$out" >&2
        exit 1
    fi
    bulk=$(wasm-objdump -d "$out" 2>/dev/null | grep -c 'memory\.\(copy\|fill\)' || true)
    cc -O1 -o "$tmp/native" "$src" "$tmp/main.c"
    echo "built $out ($(wc -c <"$out") bytes, $bulk memory.copy/fill); native checksum $("$tmp/native")"
done
