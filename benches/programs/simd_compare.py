#!/usr/bin/env python3
"""The SIMD set against wasmi_cli, each runtime as its own process (issue 22).

    cargo build --release -p weft-cli && python3 benches/programs/simd_compare.py

Runs `target/release/weft run --invoke run P.wasm` and `wasmi --invoke run
P.wasm` (wasmi_cli 2.0.0 on PATH, SIMD on by default) alternately, N times
each (env `N`, default 11), on the four SIMD programs (`simd_checksum` is
assembled from its WAT with `wasm-tools parse` and invoked as `checksum`),
checks both print the same result, and prints the median wall time and the
median user + system time (from `wait4`: these programs run in 8-40 ms,
below `/usr/bin/time`'s 10 ms resolution), their ratios and geomeans.
"""
import filecmp, os, shutil, signal, statistics, subprocess, sys, time

# Piped into `head`, end quietly as other commands do.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)

N = int(os.environ.get("N", "11"))
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(root)
weft = "target/release/weft"
wasmi = shutil.which("wasmi") or sys.exit("wasmi_cli not found: cargo install --locked wasmi_cli@2.0.0")
# Scratch files (the assembled WAT, each run's output), kept between runs.
tmp = os.path.join(root, "target", "tmp", "simd-compare")
os.makedirs(tmp, exist_ok=True)
checksum = os.path.join(tmp, "simd_checksum.wasm")
subprocess.run(["wasm-tools", "parse", "benches/programs/simd_checksum.wat", "-o", checksum], check=True)


def run(cmd, out):
    """Wall and CPU seconds of one run of `cmd`, its stdout to `out`."""
    start = time.perf_counter()
    with open(out, "wb") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f"{' '.join(cmd)} failed (status {status})")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


print("load average", open("/proc/loadavg").read().strip(), f"; median of {N}, alternated")
rows = []
for name in ["simd_base64", "simd_checksum", "simd_matmul_f32x4", "simd_nibble_hist"]:
    path = checksum if name == "simd_checksum" else f"benches/programs/{name}.wasm"
    invoke = "checksum" if name == "simd_checksum" else "run"
    a, b = os.path.join(tmp, "weft.out"), os.path.join(tmp, "wasmi.out")
    w, m = [], []
    for _ in range(N):
        w.append(run([weft, "run", "--invoke", invoke, path], a))
        m.append(run([wasmi, "--invoke", invoke, path], b))
    if not filecmp.cmp(a, b, shallow=False):
        sys.exit(f"{name}: weft and wasmi print different results")
    ww, mw = (statistics.median(x[0] for x in r) for r in (w, m))
    wc, mc = (statistics.median(x[1] for x in r) for r in (w, m))
    rows.append((ww / mw, wc / mc))
    print(f"{name:<18} wall: weft {ww * 1e3:6.1f} ms, wasmi {mw * 1e3:6.1f} ms, {ww / mw:.2f}"
          f" | CPU: weft {wc * 1e3:6.1f} ms, wasmi {mc * 1e3:6.1f} ms, {wc / mc:.2f}")
geo = statistics.geometric_mean
print(f"geomean weft/wasmi: wall {geo([r[0] for r in rows]):.2f}, CPU {geo([r[1] for r in rows]):.2f}")
print("load average", open("/proc/loadavg").read().strip())
