#!/bin/sh
# Rebuilds the C examples to WASI modules (wasm32-wasi, preview1).
# Needs: apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32
# (the wasm32 compiler-rt builtins matching clang's version, e.g. libclang-rt-14-dev-wasm32).
set -eu
cd "$(dirname "$0")"
sysroot=/usr
if [ ! -e "$sysroot/include/wasm32-wasi/stdio.h" ] && [ ! -e "$sysroot/include/wasm32-wasip1/stdio.h" ]; then
    # Debian's wasi-libc lays its sysroot out under /usr/share/wasi-sysroot on some releases.
    sysroot=/usr/share/wasi-sysroot
fi
clang --target=wasm32-wasi --sysroot="$sysroot" -O2 -Wall -Wextra cat.c -o cat.wasm
echo "built examples/cat.wasm"
