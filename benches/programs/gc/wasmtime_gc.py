#!/usr/bin/env python3
"""Runs one export of a GC program under wasmtime with GC enabled (the
Python package `wasmtime`, `Config.wasm_gc`), the JIT reference point of
the GC bench, as `weft run --invoke NAME FILE ARG` runs it under weft.

    python3 benches/programs/gc/wasmtime_gc.py FILE.wat NAME [ARG]

ARG is passed as the export's single parameter (i32 or i64, by its type).
Prints the result, then on stderr the compile and run times in seconds.
"""

import sys
import time

import wasmtime


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, name = sys.argv[1], sys.argv[2]
    args = [int(a) for a in sys.argv[3:]]
    config = wasmtime.Config()
    config.wasm_gc = True
    config.wasm_function_references = True
    engine = wasmtime.Engine(config)
    start = time.monotonic()
    with open(path) as f:
        module = wasmtime.Module(engine, f.read())
    compiled = time.monotonic() - start
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, module, [])
    func = instance.exports(store)[name]
    start = time.monotonic()
    result = func(store, *args)
    ran = time.monotonic() - start
    print(result)
    print(f"compile {compiled:.3f} s, run {ran:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
