"""Run the benchmark: ``python -m word_count.bench [--quick] [--size 100M] [--out FILE]``.

Method, because these machines are noisy (one timing can vary 2x run to run):
- every cell is run once to warm up, and timed to choose how many calls make one sample
  (enough for about 50 ms, so timer and scheduler noise stay small);
- then rounds: each round times every cell once, in a new shuffled order, so slow
  minutes hit every variant alike;
- rounds go on until every cell's median has stopped moving (under 2% between rounds)
  and 40% of the budget is spent (noise here changes minute to minute), or until the
  whole budget is spent;
- a speedup is the median over rounds of t(1 thread) / t(N threads), both timed in the
  same round, with its quartiles;
- in the workloads where Python threads call Rust, each thread repeats its call, so a
  sample measures threads working side by side, not thread start-up (workloads.Cell);
- every result is checked against the reference count.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import sysconfig
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import word_count
from word_count import _word_count
from word_count.bench.text import make_text
from word_count.bench.workloads import NEEDLE, WORKLOADS, Cell, cells

DEFAULT_SIZE = 4 << 20  # cache-resident: where thread scaling shows


def parse_size(value: str) -> int:
    """'4M', '100MB', '512K', '1G' or plain bytes."""
    v = value.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(v[-1:], 1)
    try:
        n = int(float(v.rstrip("KMG")) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {value!r} (try 4M or 100M)") from None
    if n < 1024:
        raise argparse.ArgumentTypeError(f"size {value!r} is under 1 KiB")
    return n


def thread_counts() -> list[int]:
    cpus = os.cpu_count() or 1
    return sorted({1, 2, 4, cpus})


def interpreter_info() -> dict[str, object]:
    """What the numbers depend on: recorded next to every result."""
    return {
        "version": platform.python_version(),
        "implementation": sys.implementation.name,
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
        "config_args": sysconfig.get_config_var("CONFIG_ARGS") or "",
        "cflags": sysconfig.get_config_var("CFLAGS") or "",
        "compiler": platform.python_compiler(),
        "executable": sys.executable,
    }


def build_info() -> dict[str, str]:
    """What built the module being measured: rustc and PyO3 (compiled into it) and the
    maturin that made its wheel (the wheel's own WHEEL file), recorded with every result."""
    from importlib import metadata

    maturin = "unknown"
    try:
        wheel = metadata.distribution("word-count").read_text("WHEEL") or ""
    except metadata.PackageNotFoundError:
        wheel = ""
    for line in wheel.splitlines():
        if line.startswith("Generator:"):
            maturin = line.split(":", 1)[1].strip()
    return {
        "rustc": _word_count._RUSTC_VERSION,
        "pyo3": _word_count._PYO3_VERSION,
        "maturin": maturin,
    }


def machine_info() -> dict[str, object]:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }


def quantiles(xs: list[float]) -> tuple[float, float, float]:
    if len(xs) < 2:
        return xs[0], xs[0], xs[0]
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q2, q3


def timed(cell: Cell, reps: int) -> float:
    """Seconds per call of ``cell``, over ``reps`` calls, the result checked."""
    start = time.perf_counter()
    got = cell.run(reps)
    elapsed = time.perf_counter() - start
    if got != cell.expected * reps:
        raise SystemExit(
            f"wrong count from {cell.workload} {cell.variant} at {cell.threads} threads: "
            f"{got} for {reps} calls, expected {cell.expected} each"
        )
    return elapsed / reps


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def measure(
    cell_list: list[Cell],
    budget: float,
    min_rounds: int,
    max_rounds: int,
    sample: float,
    min_time: float = 0.0,
) -> dict[tuple[str, str, int], list[float]]:
    """Warm up, calibrate, then run interleaved rounds; each cell's per-call times.

    Rounds stop once every median has settled, but not before ``min_time``: noise here
    changes from minute to minute, and a run must span more than one quiet spell."""
    reps = {}
    for cell in cell_list:
        timed(cell, 1)  # warm-up: caches, pools, UTF-8 forms, page faults
        reps[cell.key] = max(1, min(1000, math.ceil(sample / max(timed(cell, 1), 1e-9))))
    times: dict[tuple[str, str, int], list[float]] = {c.key: [] for c in cell_list}
    rng = random.Random(0)
    order = list(cell_list)
    started = time.monotonic()
    last_medians: dict[tuple[str, str, int], float] = {}
    for rnd in range(1, max_rounds + 1):
        rng.shuffle(order)
        for cell in order:
            times[cell.key].append(timed(cell, reps[cell.key]))
        medians = {k: statistics.median(v) for k, v in times.items()}
        moved = max(
            (abs(medians[k] - last_medians[k]) / last_medians[k] for k in last_medians),
            default=1.0,
        )
        last_medians = medians
        elapsed = time.monotonic() - started
        progress(
            f"  round {rnd}: {elapsed:5.1f} s of {budget:.0f} s budget, "
            f"medians moved {moved:6.1%} at most"
        )
        if rnd >= min_rounds and ((moved < 0.02 and elapsed >= min_time) or elapsed > budget):
            break
    return times


def summarize(
    cell_list: list[Cell], times: dict[tuple[str, str, int], list[float]], n_bytes: int
) -> list[dict[str, Any]]:
    rows = []
    for cell in cell_list:
        ts = times[cell.key]
        q1, med, q3 = quantiles(ts)
        row: dict[str, Any] = {
            "workload": cell.workload,
            "variant": cell.variant,
            "threads": cell.threads,
            "bytes": n_bytes,
            "median_s": med,
            "q1_s": q1,
            "q3_s": q3,
            "min_s": min(ts),
            "max_s": max(ts),
            "runs": len(ts),
            "gb_per_s": n_bytes / med / 1e9,
        }
        one = times.get((cell.workload, cell.variant, 1))
        if one is not None and cell.workload != "single-thread":
            # Paired by round: both timings were taken within seconds of each other.
            ratios = [a / b for a, b in zip(one, ts, strict=True)]
            s1, s, s3 = quantiles(ratios)
            row.update(speedup=s, speedup_q1=s1, speedup_q3=s3)
        rows.append(row)
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'workload':24} {'variant':18} {'thr':>3} {'median ms':>10} {'q1-q3 ms':>17} "
        f"{'runs':>4} {'GB/s':>6} {'speedup':>16}"
    )
    for r in rows:
        sp = ""
        if "speedup" in r:
            sp = f"{r['speedup']:.2f}x ({r['speedup_q1']:.2f}-{r['speedup_q3']:.2f})"
        print(
            f"{r['workload']:24} {r['variant']:18} {r['threads']:>3} "
            f"{r['median_s'] * 1e3:10.2f} "
            f"{r['q1_s'] * 1e3:8.2f}-{r['q3_s'] * 1e3:<8.2f} {r['runs']:>4} "
            f"{r['gb_per_s']:6.3f} {sp:>16}",
            flush=True,
        )


def default_label() -> str:
    ft = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
    return f"{sys.version_info.major}.{sys.version_info.minor}{ft}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m word_count.bench",
        description="Python threads vs Rust threads, with and without the GIL.",
    )
    parser.add_argument(
        "--size",
        type=parse_size,
        action="append",
        help="text size, e.g. 4M (default) or 100M; repeat for several",
    )
    parser.add_argument("--quick", action="store_true", help="a short run: every number, less sure")
    parser.add_argument("--budget", type=float, help="seconds of timed rounds per size")
    parser.add_argument("--threads", help="comma-separated thread counts (default 1,2,4[,cpus])")
    parser.add_argument(
        "--workload", action="append", choices=list(WORKLOADS), help="only these (repeatable)"
    )
    parser.add_argument("--label", default=default_label(), help="name of this interpreter")
    parser.add_argument(
        "--source",
        default="unknown",
        help="the source revision the package was built from (nox passes `git describe`)",
    )
    parser.add_argument("--out", type=Path, help="JSON file (default bench-results/LABEL.json)")
    parser.add_argument(
        "--start-method",
        default="forkserver",
        choices=["fork", "spawn", "forkserver"],
        help="for the processes workload (default forkserver: no fork of a threaded parent)",
    )
    # Unknown arguments are an error, but say which: nox passes posargs straight through.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")

    sizes = args.size or [DEFAULT_SIZE]
    threads = sorted({int(t) for t in args.threads.split(",")}) if args.threads else thread_counts()
    if threads[0] != 1:
        threads.insert(0, 1)  # speedups are relative to 1 thread
    budget = args.budget if args.budget is not None else (25.0 if args.quick else 150.0)
    min_rounds, max_rounds = (5, 40) if args.quick else (12, 400)
    sample = 0.02 if args.quick else 0.05
    out = args.out or Path("bench-results") / f"{args.label}.json"

    info = interpreter_info()
    progress(
        f"word_count {word_count.__version__} on Python {info['version']} "
        f"({'free-threaded' if info['free_threaded'] else 'GIL build'}, "
        f"GIL {'on' if info['gil_enabled'] else 'off'}), {os.cpu_count()} CPUs; "
        f"threads {threads}, sizes {[f'{s / 2**20:.0f} MiB' for s in sizes]}"
    )
    results = []
    for n_bytes in sizes:
        progress(f"making a {n_bytes / 2**20:.0f} MiB text ...")
        text = make_text(n_bytes)
        cell_list = cells(text, threads, args.start_method, args.workload)
        progress(f"{len(cell_list)} cells: warming up, then interleaved rounds")
        try:
            min_time = 0.0 if args.quick else 0.4 * budget
            times = measure(cell_list, budget, min_rounds, max_rounds, sample, min_time)
        finally:
            for cell in cell_list:
                cell.close()
        rows = summarize(cell_list, times, len(text.encode()))
        print(f"\n{args.label}, {len(text.encode()) / 2**20:.1f} MiB text:")
        print_table(rows)
        results.extend(rows)

    doc = {
        "schema": 1,
        "label": args.label,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "interpreter": info,
        "build": build_info(),
        "machine": machine_info(),
        "package": {"word_count": word_count.__version__, "source": args.source},
        "settings": {
            "quick": args.quick,
            "threads": threads,
            "sizes": sizes,
            "budget_s": budget,
            "min_rounds": min_rounds,
            "sample_s": sample,
            "start_method": args.start_method,
            "needle": NEEDLE,
            "text": "ASCII English-like prose, generated (word_count.bench.text)",
        },
        "workloads": WORKLOADS,
        "results": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    progress(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
