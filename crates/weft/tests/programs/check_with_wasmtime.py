#!/usr/bin/env python3
"""Runs the `;; @expect NAME ARG -> RESULT` lines of every program here in
wasmtime (`pip install wasmtime`) and prints, per line, wasmtime's result
and whether it agrees with the expectation that `tests/exceptions.rs`
checks on weft's two engines.

RESULT is an i32, `exception` (an uncaught wasm exception) or
`trap MESSAGE`. A program wasmtime cannot compile (e.g. the legacy
`try`/`catch` form, which wasmtime does not implement) is reported as
such. Usage: python3 check_with_wasmtime.py [FILE.wat...]
"""

import pathlib
import sys

import wasmtime


def expectations(text):
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(";; @expect "):
            call, result = line[len(";; @expect "):].split(" -> ")
            name, arg = call.split(" ", 1)
            yield name, int(arg), result.strip()


def engine():
    config = wasmtime.Config()
    config.wasm_exceptions = True
    config.wasm_tail_call = True
    config.wasm_function_references = True
    config.wasm_gc = True  # wasmtime's exnref lives in its GC heap
    return wasmtime.Engine(config)


def outcome(func, store, arg):
    try:
        return str(func(store, arg))
    except (wasmtime.Trap, wasmtime.WasmtimeError) as err:
        # wasmtime prints the backtrace, then "Caused by:" and the reason.
        cause = str(err).split("Caused by:")[-1].strip().splitlines()[0]
        if cause == "thrown Wasm exception":
            return "exception"
        return "trap " + cause.removeprefix("wasm trap: ")


def main(paths):
    here = pathlib.Path(__file__).parent
    files = [pathlib.Path(p) for p in paths] or sorted(here.glob("*.wat"))
    eng = engine()
    agree = disagree = skipped = 0
    for path in files:
        text = path.read_text()
        cases = list(expectations(text))
        try:
            module = wasmtime.Module(eng, text)
        except Exception as err:  # noqa: BLE001 - report anything wasmtime rejects
            reason = str(err).strip().splitlines()[-1].strip()
            print(f"{path.name}: wasmtime cannot compile it ({reason}); {len(cases)} cases not checked")
            skipped += len(cases)
            continue
        store = wasmtime.Store(eng)
        instance = wasmtime.Instance(store, module, [])
        exports = instance.exports(store)
        for name, arg, expected in cases:
            got = outcome(exports[name], store, arg)
            # Trap texts are the spec interpreter's in weft and wasmtime's
            # own in wasmtime ("null exception reference" is its "null
            # reference"): a trap agrees with a trap.
            ok = got == expected or (expected.startswith("trap ") and got.startswith("trap "))
            agree += ok
            disagree += not ok
            print(f"{path.name}: {name}({arg}) = {got}  [{'agrees' if ok else 'DIFFERS: expected ' + expected}]")
    print(f"{agree} agree, {disagree} differ, {skipped} not checked")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
