"""The kernels benchmark's command line: ``python -m word_count.bench.kernels --help``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from word_count.bench.kernels.frequencies import SCALING_SIZE, frequency_rows
from word_count.bench.kernels.markdown import markdown
from word_count.bench.kernels.memory import PROBES, memory_in_child
from word_count.bench.kernels.results import row_results
from word_count.bench.kernels.rows import (
    NON_ASCII,
    RARE_COUNT,
    RARE_NEEDLE,
    make_rows,
    non_ascii_texts,
    usable_cpus,
    with_rare_needle,
)
from word_count.bench.kernels.targets import checks
from word_count.bench.kernels.yardsticks import PIPELINE_SCRIPT, TOOLS, big_buffer, tool_version
from word_count.bench.measure import Rounds, default_label, header, measure, parse_size, progress
from word_count.bench.text import (
    BYTES_PER_DISTINCT,
    NEEDLE,
    distinct_words,
    make_distinct_text,
    make_text,
)

DEFAULT_SIZE = 100 << 20  # as --size 100M; too large to sit in cache: the kernels read from memory
QUICK_SIZE = 4 << 20
BANDWIDTH_SIZE = 1 << 30  # "a simple summing loop over 1 GB"
QUICK_BANDWIDTH_SIZE = 64 << 20
CALLS = 100_000  # calls in one sample of a call-overhead row
QUICK_CALLS = 10_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m word_count.bench.kernels",
        description="The kernels against memory bandwidth, wc -w, grep and pure Python.",
    )
    parser.add_argument("--size", type=parse_size, help="text size (default 100M; 4M with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small, few rounds")
    parser.add_argument(
        "--hc-size",
        type=parse_size,
        help="the high-cardinality text's size (default: the text's), one distinct word per "
        f"{BYTES_PER_DISTINCT} bytes; its rows take most of a full run",
    )
    parser.add_argument(
        "--bandwidth-size",
        type=parse_size,
        help="the summed buffer (default 1G; 64M with --quick)",
    )
    parser.add_argument("--calls", type=int, help="calls a sample for call overhead (100000)")
    parser.add_argument("--budget", type=float, help="seconds of timed rounds (150; 20 quick)")
    parser.add_argument("--label", default=default_label(), help="name of this interpreter")
    parser.add_argument("--source", default="unknown", help="source revision (git describe)")
    parser.add_argument("--out", type=Path, help="JSON (default bench-results/kernels-LABEL.json)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if a target is missed (not the word-frequency targets: never)",
    )
    args = parser.parse_args(argv)

    n_bytes = args.size or (QUICK_SIZE if args.quick else DEFAULT_SIZE)
    bw_bytes = args.bandwidth_size or (QUICK_BANDWIDTH_SIZE if args.quick else BANDWIDTH_SIZE)
    calls = args.calls or (QUICK_CALLS if args.quick else CALLS)
    rounds = Rounds.chosen(args.quick, args.budget, quick_budget=20.0)
    out = args.out or Path("bench-results") / f"kernels-{args.label}.json"
    tools = {name: tool_version(name) for name in TOOLS}

    progress(f"making a {n_bytes / 1e6:.1f} MB text and a {bw_bytes / 2**20:.0f} MiB buffer ...")
    text = with_rare_needle(make_text(n_bytes), RARE_NEEDLE, RARE_COUNT)
    data = text.encode()
    big = big_buffer(data, bw_bytes)
    hc_bytes = args.hc_size or n_bytes
    progress(
        f"making a {hc_bytes / 1e6:.1f} MB high-cardinality text "
        f"({distinct_words(hc_bytes)[0]:,} distinct words) ..."
    )
    hc_text = make_distinct_text(hc_bytes)
    with tempfile.TemporaryDirectory(prefix="word-count-kernels-") as tmp:
        path, hc_path = os.path.join(tmp, "text.txt"), os.path.join(tmp, "hc_text.txt")
        Path(path).write_bytes(data)
        Path(hc_path).write_text(hc_text, encoding="utf-8")
        non_ascii = non_ascii_texts(text)
        rows, probes = make_rows(text, data, big, path, calls, non_ascii)
        more, frequency_refs = frequency_rows(
            text, hc_text, path, hc_path, usable_cpus(), non_ascii
        )
        rows += more
        count = {r.id: r.count for r in rows}
        refs = {
            "words": count["py_split"],
            "the": count["search_py"],
            "rare": count["search_sequential_rare"],
            "the_lines": count["grep_cw"],
            **frequency_refs,
        }
        progress(
            f"{len(rows)} rows: warming up, then interleaved rounds (budget {rounds.budget:.0f} s)"
        )
        times = measure([r.cell for r in rows], rounds)
        progress("memory on hc_text, each call in a process of its own (untimed) ...")
        memory = {kind: memory_in_child(kind, hc_path, refs) for kind in PROBES}
    results = row_results(rows, times, probes)
    doc: dict[str, Any] = {
        # Not schema 1: report.py merges bench-results/*.json of schema 1 and must skip this.
        **header("word_count.bench.kernels/1", args.label, args.source),
        "tools": tools,
        "settings": {
            "quick": args.quick,
            "size": n_bytes,
            "text_bytes": len(data),
            "bandwidth_bytes": len(big[0]),
            "budget_s": rounds.budget,
            "min_rounds": rounds.min_rounds,
            "rounds": len(next(iter(times.values()))),
            "sample_s": rounds.sample,
            "calls": calls,
            "needle": NEEDLE,
            "rare_needle": RARE_NEEDLE,
            "non_ascii": NON_ASCII,
            "text": "make_text (ASCII English-like prose) with the rare needle put in "
            f"{RARE_COUNT} times; slow rows timed on the whole text, one call a round",
            "hc_size": hc_bytes,
            "hc_text_bytes": len(hc_text),
            "hc_text": "make_distinct_text: one distinct word per "
            f"{BYTES_PER_DISTINCT} bytes, each once or twice",
            "scaling_bytes": SCALING_SIZE,
            "pipeline": PIPELINE_SCRIPT,
        },
        "references": refs,
        "rows": results,
        "memory": memory,
    }
    doc["checks"] = checks(results, memory)
    print("\n".join(markdown(doc)), flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    progress(f"\nwrote {out}")
    if args.check and not all(c["pass"] for c in doc["checks"] if c["gates"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
