"""What a Python thread's start and end cost, and how that grows with what ended threads
left behind: ``python -m word_count.bench.thread_end [--size 4M] [--threads 16]``.

Why the main benchmark keeps its threads (``workloads.Team``): on a free-threaded build,
a thread's end (``PyThreadState_Clear``) abandons its mimalloc heaps, and mimalloc then
walks every segment that threads which ended before it left behind. Objects made by a
thread and kept after it ended keep their segments there. So this prints the median
time to start and join a thread that does nothing:

1. in a fresh process;
2. once ``--threads`` threads have each counted the words of a chunk of a generated
   text into a ``collections.Counter`` and ended, their Counters kept (as the lost-updates
   workloads' Counters are kept to be checked);
3. once those Counters are dropped.

It calls nothing of the compiled module and runs on any build; the output names the
build, whether the GIL is on, and the CPU.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import threading
import time
from collections import Counter

from word_count.bench.cpu import cpu_name
from word_count.bench.measure import interpreter_info, parse_size
from word_count.bench.text import make_text, split_at_lines

STARTS = 31  # each figure: the median of this many starts and joins


def start_and_join_ms() -> float:
    """The median time, in ms, to start a thread that does nothing and join it."""
    times = []
    for _ in range(STARTS):
        start = time.perf_counter()
        thread = threading.Thread(target=lambda: None)
        thread.start()
        thread.join()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def left_behind(text: str, n_threads: int) -> list[Counter[str]]:
    """Each of ``n_threads`` threads counts a chunk's words into a Counter and ends; the
    Counters, made on those threads, outlive them."""
    chunks = split_at_lines(text, n_threads)
    counters: list[Counter[str]] = [Counter() for _ in chunks]

    def count(i: int) -> None:
        counters[i] = Counter(chunks[i].split())

    threads = [threading.Thread(target=count, args=(i,)) for i in range(len(chunks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counters


def row(label: str, ms: float) -> None:
    print(f"  {label + ':':44} {ms:7.3f} ms", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m word_count.bench.thread_end")
    parser.add_argument("--size", type=parse_size, default=4 << 20, help="text (default 4M)")
    parser.add_argument("--threads", type=int, default=16, help="threads that end (16)")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    info = interpreter_info()
    build = "free-threaded" if info["free_threaded"] else "GIL"
    print(f"Python {info['version']}, {build} build, GIL {'on' if info['gil_enabled'] else 'off'}")
    print(f"CPU: {cpu_name()}")
    text = make_text(args.size)
    print(f"a thread's start and join, median of {STARTS}:")
    row("in a fresh process", start_and_join_ms())
    kept = left_behind(text, args.threads)
    entries = sum(len(c) for c in kept)
    row(f"{args.threads} threads ended, their Counters kept", start_and_join_ms())
    print(f"    (the Counters: {entries:,} entries, each key a str made on its thread)")
    del kept
    gc.collect()
    row("those Counters dropped", start_and_join_ms())
    return 0


if __name__ == "__main__":
    sys.exit(main())
