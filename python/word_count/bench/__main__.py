"""Run the benchmark: ``python -m word_count.bench [--quick] [--size 100M] [--out FILE]``.

Every workload of ``workloads.WORKLOADS`` is timed at each thread count, with the method
of ``measure`` (warm-up, calibration, interleaved rounds, every count checked). A
speedup is the median over rounds of t(1 thread) / t(N threads), both timed in the same
round, with its quartiles. In the workloads where Python threads call Rust, each thread
repeats its call, so a sample measures threads working side by side, not thread
start-up (measure.Cell). Then the memory of every cell, untimed, each in a fresh process
(word_count.bench.memory).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import word_count
from word_count.bench.measure import (
    Cell,
    Key,
    Rounds,
    default_label,
    header,
    interpreter_info,
    measure,
    paired,
    parse_size,
    progress,
    quantiles,
)
from word_count.bench.memory import memory_in_child, write_text
from word_count.bench.text import NEEDLE, make_text
from word_count.bench.workloads import WORKLOADS, cells

DEFAULT_SIZE = 4 << 20  # cache-resident: where thread scaling shows


def thread_counts() -> list[int]:
    cpus = os.cpu_count() or 1
    return sorted({1, 2, 4, cpus})


def summarize(
    cell_list: list[Cell], times: dict[Key, list[float]], n_bytes: int
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
            # Per call, one a round, in the order of the rounds: every cell of a run is
            # timed once in each round, so the report can pair any two cells' samples
            # round by round (measure.paired), as a speedup pairs a cell with 1 thread.
            "samples_s": ts,
        }
        if cell.lossy:
            # Counts lost per call, each sample's: the measurement of a lossy workload.
            l1, lost, l3 = quantiles(cell.lost)
            row.update(
                expected=cell.expected, lost=lost, lost_q1=l1, lost_q3=l3,
                lost_min=min(cell.lost), lost_max=max(cell.lost),
                lost_share=lost / cell.expected,
            )  # fmt: skip
        one = times.get((cell.workload, cell.variant, 1))
        if one is not None and WORKLOADS[cell.workload].scales:
            s1, s, s3 = paired(one, ts)
            row.update(speedup=s, speedup_q1=s1, speedup_q3=s3)
        rows.append(row)
    return rows


def peak_mb(r: dict[str, Any]) -> str:
    peak = r.get("memory", {}).get("peak_bytes")
    return "" if peak is None else f"{peak / 1e6:.1f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    w = max(len(name) for name in WORKLOADS)
    print(
        f"{'workload':{w}} {'variant':18} {'thr':>3} {'median ms':>10} {'q1-q3 ms':>17} "
        f"{'runs':>4} {'GB/s':>6} {'speedup':>16} {'peak MB':>8}"
    )
    for r in rows:
        sp = ""
        if "speedup" in r:
            sp = f"{r['speedup']:.2f}x ({r['speedup_q1']:.2f}-{r['speedup_q3']:.2f})"
        print(
            f"{r['workload']:{w}} {r['variant']:18} {r['threads']:>3} "
            f"{r['median_s'] * 1e3:10.2f} "
            f"{r['q1_s'] * 1e3:8.2f}-{r['q3_s'] * 1e3:<8.2f} {r['runs']:>4} "
            f"{r['gb_per_s']:6.3f} {sp:>16} {peak_mb(r):>8}"
            + (f"  lost {r['lost_share']:.2%} (max {r['lost_max']:,.0f})" if "lost" in r else ""),
            flush=True,
        )


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
    rounds = Rounds.chosen(args.quick, args.budget, quick_budget=25.0)
    out = args.out or Path("bench-results") / f"{args.label}.json"

    info = interpreter_info()
    progress(
        f"word_count {word_count.__version__} on Python {info['version']} "
        f"({'free-threaded' if info['free_threaded'] else 'GIL build'}, "
        f"GIL {'on' if info['gil_enabled'] else 'off'}), {os.cpu_count()} CPUs; "
        f"threads {threads}, sizes {[f'{s / 2**20:.0f} MiB' for s in sizes]}"
    )
    asked = [w for w in WORKLOADS.values() if not args.workload or w.name in args.workload]
    # What this interpreter cannot run, and why (report --check accepts these gaps).
    skipped = {w.name: why for w in asked if (why := w.unavailable()) is not None}
    for name, why in skipped.items():
        progress(f"skipping {name}: {why}")
    results = []
    for n_bytes in sizes:
        progress(f"making a {n_bytes / 2**20:.0f} MiB text ...")
        text = make_text(n_bytes)
        with cells(text, threads, args.start_method, args.workload) as cell_list:
            progress(f"{len(cell_list)} cells: warming up, then interleaved rounds")
            times = measure(cell_list, rounds)
        rows = summarize(cell_list, times, len(text.encode()))
        progress(f"memory: each of the {len(cell_list)} cells in a fresh process, untimed")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "text.txt"
            write_text(text, path)
            # As many probes at once as CPUs: each reads only its own processes' peaks.
            with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
                probes = pool.map(
                    lambda c, text_path=str(path): memory_in_child(
                        c.workload, c.variant, c.threads, text_path, args.start_method
                    ),
                    cell_list,
                )
                for row, probe in zip(rows, probes, strict=True):
                    row["memory"] = probe
        print(f"\n{args.label}, {len(text.encode()) / 2**20:.1f} MiB text:")
        print_table(rows)
        results.extend(rows)

    doc = {
        **header(1, args.label, args.source),
        "settings": {
            "quick": args.quick,
            "threads": threads,
            "sizes": sizes,
            "budget_s": rounds.budget,
            "min_rounds": rounds.min_rounds,
            "sample_s": rounds.sample,
            "start_method": args.start_method,
            "needle": NEEDLE,
            "text": "ASCII English-like prose, generated (word_count.bench.text)",
        },
        # The workloads this run timed (--workload), which report --check holds it to.
        "workload_filter": args.workload,
        "workloads": {w.name: w.description for w in asked if w.name not in skipped},
        "skipped": skipped,
        "results": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    progress(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
