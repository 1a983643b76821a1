#!/usr/bin/env bash
# Shows, per target, whether a handler's call to the next handler becomes a
# jump (the chain does not grow the native stack) under the Rust ABI and
# under the ABI `#[handler]` pins. Needs a nightly toolchain (for
# `#![no_core]`, so no target's standard library is needed); not part of the
# tests. Usage: crates/weft-macros/abi-check/check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf '%-28s %-10s %-16s %s\n' target "Rust ABI" "pinned ABI" pinned
for target in x86_64-unknown-linux-gnu x86_64-pc-windows-msvc x86_64-apple-darwin aarch64-unknown-linux-gnu aarch64-apple-darwin; do
  # The `-unwind` variants `#[handler]` uses assign registers as these do;
  # under `#![no_core]` they would need the panic machinery.
  case "$target" in x86_64-*) abi="sysv64" ;; *) abi="C" ;; esac
  sed "s/PINNED/$abi/g" "$here/handlers.rs" >"$tmp/h.rs"
  rustc +nightly --target "$target" -O -C overflow-checks=off --emit=asm "$tmp/h.rs" -o "$tmp/$target.s"
  verdict() { # the body of function $1: "jump" if it ends in an indirect jump, "call" if it calls
    awk -v f="$1" '$0 ~ "^_?"f":" {on=1; next} on && /^[_a-zA-Z.$][^ \t]*:/ && !/^\.L/ {exit} on' "$tmp/$target.s" |
      grep -Eq '^\s+(callq|call|blr)\s' && echo call || echo jump
  }
  printf '%-28s %-10s %-16s %s\n' "$target" "$(verdict rust_abi)" "$(verdict pinned_abi)" "$abi"
done
