#!/usr/bin/env python3
"""Runs a WASI command under wasmtime (the Python package `wasmtime`), the
JIT reference point of the real-program bench, with the same preopens as
`weft run --dir HOST::GUEST`.

    python3 benches/real/wasmtime_run.py [--dir HOST[::GUEST]]... [--invoke NAME]
        [--cache DIR] [--compile-only] FILE.wasm [ARGS...]

Exits with the program's exit code. `--invoke NAME` calls that export with
no arguments instead of `_start` and prints its results one per line, as
`weft run --invoke` does. `--compile-only` compiles the module and exits (to
split compile time from run time); the compile time goes to stderr.
`--cache DIR` keeps the compiled code in DIR (named by the module's SHA-256)
and loads it from there on later runs, as an ahead-of-time compiled
deployment would.
"""

import hashlib
import os
import sys
import time

import wasmtime


def main():
    args = sys.argv[1:]
    dirs = []
    compile_only = False
    invoke = None
    cache = None
    while args and args[0].startswith("--"):
        flag = args.pop(0)
        if flag == "--dir":
            dirs.append(args.pop(0))
        elif flag == "--invoke":
            invoke = args.pop(0)
        elif flag == "--cache":
            cache = args.pop(0)
        elif flag == "--compile-only":
            compile_only = True
        else:
            sys.exit(f"wasmtime_run.py: unknown flag {flag}")
    if not args:
        sys.exit(__doc__)
    path, argv = args[0], args
    engine = wasmtime.Engine()
    start = time.monotonic()
    if cache is None:
        module = wasmtime.Module.from_file(engine, path)
    else:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        compiled = os.path.join(cache, digest + ".cwasm")
        if os.path.exists(compiled):
            module = wasmtime.Module.deserialize_file(engine, compiled)
        else:
            module = wasmtime.Module.from_file(engine, path)
            os.makedirs(cache, exist_ok=True)
            with open(compiled + ".tmp", "wb") as f:
                f.write(module.serialize())
            os.replace(compiled + ".tmp", compiled)
    if compile_only:
        print(f"wasmtime_run.py: compiled in {time.monotonic() - start:.2f} s", file=sys.stderr)
        return 0
    wasi = wasmtime.WasiConfig()
    wasi.argv = argv
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for spec in dirs:
        host, _, guest = spec.partition("::")
        wasi.preopen_dir(host, guest or host)
    store = wasmtime.Store(engine)
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, module)
    try:
        if invoke is not None:
            results = instance.exports(store)[invoke](store)
            for value in results if isinstance(results, (list, tuple)) else [results]:
                print(value)
            return 0
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        return e.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
