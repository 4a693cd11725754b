"""The memory of a word-frequency call on the high-cardinality text, measured apart from
the timings, untimed, each call in a fresh process."""

from __future__ import annotations

import gc
import json
import mmap
import os
import subprocess
import sys
import tracemalloc
from collections import Counter
from collections.abc import Callable
from typing import Any

import word_count
from word_count.bench.kernels.frequencies import counter_split
from word_count.bench.memory import reset_peak_rss, status_kib

# A Counter's values up to this are CPython's cached small ints: no object of their own.
SMALL_INT_MAX = 256


def counter_bytes(counter: Counter[str]) -> int:
    """What a Counter holds: its table, its keys, and its counts beyond the small ints."""
    return (
        sys.getsizeof(counter)
        + sum(map(sys.getsizeof, counter))
        + sum(sys.getsizeof(v) for v in counter.values() if v > SMALL_INT_MAX)
    )


# What a memory probe runs, in a child process of its own, and whether under tracemalloc
# too: not Counter(hc_text.split()), whose list of every word would be 17 million traces.
PROBES: dict[str, tuple[str, Callable[[str], Counter[str]], bool]] = {
    "word_frequencies": (
        "word_frequencies(hc_text)",
        lambda t: word_count.word_frequencies(t),
        True,
    ),
    "counter_split": ("Counter(hc_text.split())", counter_split, False),
}


def memory_probe(kind: str, path: str) -> dict[str, Any]:
    """The memory one call of ``PROBES[kind]`` takes on the text of the file at ``path``,
    against what its result, a Counter, holds (``counter_bytes``). Run by
    ``memory_in_child`` in a process of its own, so that nothing else the benchmark
    did (its freed arenas, its earlier peaks) weighs on the numbers.

    Two calls, neither timed: the first with the peak RSS (VmHWM) reset just before it,
    which gives the call's peak growth of the whole process's memory, Rust's hash
    tables included, and what it keeps; the second under tracemalloc, which sees only
    the Python objects (the Counter, its keys and counts) but sees each byte of them."""
    what, fn, traced = PROBES[kind]
    # Decoded straight from the mapped file: no bytes copy of the text is freed before
    # the call, to leave freed memory in the process (and to blur its RSS) while it runs.
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        text = str(mapped, "utf-8")
    gc.collect()
    reset = reset_peak_rss(os.getpid())
    before = status_kib(os.getpid(), "VmRSS")
    result = fn(text)
    peak = status_kib(os.getpid(), "VmHWM")
    after = status_kib(os.getpid(), "VmRSS")
    held = counter_bytes(result)
    distinct, words = len(result), result.total()
    del result
    traced_current = traced_peak = None
    if traced:
        gc.collect()
        tracemalloc.start()
        result = fn(text)
        traced_current, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del result
    probe: dict[str, Any] = {
        "what": what,
        "distinct": distinct,
        "words": words,
        "text_bytes": len(text.encode()),
        "result_bytes": held,
        "traced_peak_bytes": traced_peak,
        "traced_kept_bytes": traced_current,
        "rss_before_bytes": None,
        "rss_peak_growth_bytes": None,
        "rss_kept_bytes": None,
        "rss_method": "none: no /proc/self/status",
    }
    if before is not None and peak is not None and after is not None:
        probe.update(
            rss_before_bytes=before * 1024,
            rss_peak_growth_bytes=(peak - before) * 1024,
            rss_kept_bytes=(after - before) * 1024,
            rss_method="VmHWM, reset by /proc/self/clear_refs just before the call"
            if reset
            else "VmHWM since the process started (clear_refs refused): may overstate",
        )
    return probe


def memory_in_child(kind: str, path: str, refs: dict[str, int]) -> dict[str, Any]:
    """``memory_probe(kind, path)`` in a fresh interpreter; its counts checked against
    the references."""
    code = (
        "import json, sys\n"
        "from word_count.bench.kernels.memory import memory_probe\n"
        "print(json.dumps(memory_probe(sys.argv[1], sys.argv[2])))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, kind, path], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the memory probe of {kind} failed: {proc.stderr}")
    probe: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    if (probe["distinct"], probe["words"]) != (refs["hc_distinct"], refs["hc_words"]):
        raise RuntimeError(
            f"the memory probe of {kind} counted {probe['distinct']} distinct words and "
            f"{probe['words']} in all, expected {refs['hc_distinct']} and {refs['hc_words']}"
        )
    return probe
