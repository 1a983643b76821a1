#!/bin/sh
# Builds hello.wasm from hello.c: clang's wasm32 target, wasm-ld from lld,
# and the WASI C library as the sysroot (Debian/Ubuntu:
# `apt-get install -y clang lld wasi-libc`). The committed hello.wasm was
# built this way; rebuilding it with another clang version gives different
# bytes, and the guide's outputs (docs/how-wasm-executes.md) then need
# regenerating with BLESS=1.
set -eu
cd "$(dirname "$0")"
# --strip-debug drops the DWARF sections wasi-libc brings along (30 KiB);
# the "name" section, which gives functions their names in traces, stays.
clang --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-debug hello.c -o hello.wasm
