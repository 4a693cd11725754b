"""How fast the kernels are, against the machine and the usual tools:
``python -m word_count.bench.kernels [--quick] [--size 100M] [--hc-size 100M] [--check]
[--out FILE]``.

Every number is a throughput in GB/s of input text (or, for call overhead, ns a call),
measured in one run on one text (and, for word frequencies, on a second text, below),
against three yardsticks measured in the same run.
The text is ``make_text``'s ASCII English-like prose (100 MiB by default), with a rare
needle, ``RARE_NEEDLE``, put in as the first word of ``RARE_COUNT`` lines. The
yardsticks:

- **bandwidth**: ``_sum_bytes``, a loop that adds up the bytes as u64 words on one
  thread and does nothing else, over the text and over a 1 GiB buffer (the text
  repeated; 64 MiB with ``--quick``). The 1 GiB buffer cannot sit in any cache, so it
  gives what one core reads from memory; a single-thread kernel that reads every byte
  can at best match it. The text may sit partly in the host's L3, so it is summed too.
- **the usual tools**: ``wc -w`` and ``grep -c -w the`` on a file holding the same
  text (written once, so the page cache is warm), run with ``LC_ALL=C``.
- **pure Python**: ``len(text.split())`` and ``search_py``, which define the counts, and
  ``Counter(text.split())``, which defines word frequencies.

The method is ``measure``'s, which the main benchmark (``python -m word_count.bench``)
uses too: every row is a ``Cell``; each is warmed up, calibrated to about 50 ms a sample,
then timed in rounds, every round timing every row once in a new shuffled order, so a
slow minute hits every row alike. A ratio between two rows (say, word_count against the
bandwidth) is the median over rounds of the ratio of their two timings *in the same
round*, so noise from one minute to the next mostly cancels. Each row reports its
median and quartiles.

The slow rows (pure Python, ``wc``, ``grep``, ``sort``) are timed on the whole text, not a
slice, in the same rounds as every other row: the calibration gives them fewer calls a
sample (one, on 100 MiB), so they take most of the run's time but count as much.

Every result is checked, every call: each row must return the count its reference
gives -- ``len(text.split())`` for words (also what ``wc -w`` must print: the text is
ASCII, so the C locale's whitespace is Python's), ``search_py`` for tokens, a regular
expression for the lines ``grep -c -w`` counts (it counts lines, not occurrences), and
a Python sum for ``_sum_bytes``. A wrong count stops the run.

Two rows are not throughput of a kernel but of what surrounds it:

- **call overhead**: a loop of calls on ``"x"``, per call in ns, against ``_noop``, a
  PyO3 function with ``word_count``'s signature that does nothing. The loop's own cost
  is in every row alike.
- **a non-ASCII str**: CPython builds (and caches) a UTF-8 copy of a non-ASCII ``str``
  the first time an extension asks for one. For a fresh str (built before the timer
  starts), the first ``word_count(s, 1)`` pays for that copy and a second call on the
  same object does not; the difference is the conversion, reported in GB/s of UTF-8.
  Twice: with "é", a str of one byte a character, and with "—", two bytes a character.
  On the free-threaded wheel, which reads a str's own storage, no copy is made: the two
  calls take the same time and the row says so.

**Word frequencies** (issue #12) have rows of their own, on three texts, in the same
rounds: the text; ``hc_text``, a high-cardinality text of the same size
(``make_distinct_text``: one distinct word per 10 bytes, 10 million in 100 MiB, each
once or twice; ``--hc-size`` sets another size), where the result is as large as it
gets, and its rows take most of a full run's time; and the text's first 4 MiB (all
of it if smaller), on which every thread is set against one. On the first two:
``word_frequencies`` on one thread and on every thread, ``WordCounter().add``,
``Counter(text.split())`` and the shell's ``tr -s '[:space:]' '\\n' < FILE | sort |
uniq -c`` (``LC_ALL=C``, through ``sh -c``, on a file of the text); the last two are slow
rows, timed as above. The reference is ``Counter(text.split())``, made once per text.
Every call is checked for its number of distinct words (the row's count) and their
total (the pipeline's are summed by an ``awk`` at its end); the first call of each row,
the warm-up, is also compared with the reference in full: every word, its count, and
the order of the words.

Their memory is measured apart, after the rounds, untimed, each call in a fresh
process (``memory_probe``): for ``word_frequencies(hc_text)``, the peak of the Python
objects allocated (tracemalloc) and the peak growth of the process's RSS (VmHWM, reset
through /proc/self/clear_refs just before the call), each against what the resulting
Counter holds (its table, keys and counts, by ``sys.getsizeof``); for comparison, the
RSS of ``Counter(hc_text.split())``.

The issues' targets are printed as PASS/FAIL lines; they change the exit status only
with ``--check``, so that no CI job gates on a machine's speed by accident. Issue #12's
word-frequency targets are printed as PASS/MISS and never change the exit status.
"""

from __future__ import annotations

import argparse
import gc
import json
import mmap
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import word_count
from word_count import _word_count as ext
from word_count.bench.measure import (
    Cell,
    Key,
    Rounds,
    default_label,
    frequency_mismatch,
    header,
    measure,
    paired,
    parse_size,
    progress,
    quantiles,
    repeat,
    size_name,
)
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
# A needle that occurs a handful of times: RARE_COUNT copies are put into the text.
# make_text writes lower-case words and "I" only, so its first byte is rare too.
RARE_NEEDLE = "Zanzibar"
RARE_COUNT = 5
CALLS = 100_000  # calls in one sample of a call-overhead row
QUICK_CALLS = 10_000
# Non-ASCII text: " water " becomes " water<c> " (a word stays a word), and <c> starts
# the text. "é" keeps the str at one byte a character (Latin-1); "—" makes it two.
NON_ASCII = {"latin1": "é", "ucs2": "—"}
# The issue's targets, as ratios measured in one run (and one absolute floor).
BANDWIDTH_SHARE = 0.35
FASTER_THAN_WC = 20.0
SEARCH_FLOOR_GBPS = 1.0
CALL_OVERHEAD_MAX = 2.0
# Issue #12's targets for word frequencies: reported as PASS or MISS, never an exit status.
FREQUENCIES_FLOOR_GBPS = 1.0  # word_frequencies(text, 1)
FASTER_THAN_COUNTER = 25.0  # ... against Counter(text.split())
SCALING_SIZE = 4 << 20  # every thread against one, on a text of this size (cut from the text)
FREQUENCIES_SCALING = 1.7
MEMORY_MAX = 2.0  # peak memory of word_frequencies(hc_text) over what its Counter holds
# What the shell does with word frequencies, in the C locale. The awk at the end is the
# check: it reads uniq's output and prints the number of distinct words and their total.
PIPELINE = "tr -s '[:space:]' '\\n' < FILE | sort | uniq -c"
PIPELINE_SCRIPT = (
    "tr -s '[:space:]' '\\n' < \"$1\" | sort | uniq -c"
    " | awk '{ d += 1; t += $1 } END { printf \"%d %d\\n\", d, t }'"
)


@dataclass
class Row:
    """One line of the table: a Cell to time, and how to read its timings.

    ``n_bytes`` is the input a call reads (0 for the call-overhead rows, whose times
    are per call of a loop of ``calls``); ``versus`` names the rows, on the same text,
    whose throughput the row's is divided by (``x_<id>`` in the result), if any."""

    id: str
    what: str
    cell: Cell
    n_bytes: int
    count: int
    versus: tuple[str, ...] = ()
    calls: int = 1


@dataclass
class FirstCall:
    """``word_count(s, 1)`` twice on a fresh non-ASCII str ``s``: the first call makes
    CPython build the str's UTF-8 copy, the second finds it cached.

    ``s`` is made by concatenation before the timer starts, so each sample starts from
    a str with no UTF-8 form. The Cell's own timing (which includes making ``s``) is
    not used: ``samples`` holds, per ``run``, the mean first- and second-call times."""

    prefix: str
    body: str
    samples: list[tuple[float, float]] = field(default_factory=list)

    def run(self, reps: int) -> int:
        first = second = 0.0
        got = 0
        for _ in range(reps):
            s = self.prefix + self.body  # a new object: nothing cached yet
            t0 = time.perf_counter()
            got += word_count.word_count(s, 1)
            t1 = time.perf_counter()
            got += word_count.word_count(s, 1)
            t2 = time.perf_counter()
            first, second = first + t1 - t0, second + t2 - t1
            del s
        self.samples.append((first / reps, second / reps))
        return got


def sum_bytes_py(data: bytes) -> int:
    """What ``_sum_bytes`` must return: the sum, modulo 2**64, of ``data`` read as
    little-endian u64 words, plus its last ``len(data) % 8`` bytes."""
    whole = len(data) - len(data) % 8
    words = array("Q")
    if words.itemsize != 8:
        raise RuntimeError("array('Q') is not 64-bit here")
    words.frombytes(memoryview(data)[:whole])
    if sys.byteorder == "big":
        words.byteswap()
    return (sum(words) + sum(data[whole:])) % (1 << 64)


def big_buffer(data: bytes, size: int) -> tuple[bytes, int]:
    """``size`` bytes of ``data`` repeated, and the sum ``_sum_bytes`` must give.

    The unit repeated is ``data`` cut to a multiple of 8 bytes, so every copy starts on
    a word boundary and the expected sum is (copies x the unit's sum) + the sum of the
    last partial copy: summing 1 GiB in Python would take longer than the benchmark."""
    unit = data[: len(data) - len(data) % 8] or data
    copies, rest = divmod(size, len(unit))
    buf = b"".join([unit] * copies + [unit[:rest]])
    return buf, (copies * sum_bytes_py(unit) + sum_bytes_py(unit[:rest])) % (1 << 64)


def with_rare_needle(text: str, needle: str, k: int) -> str:
    """``text`` with ``needle`` as the first word of ``k`` lines spread through it."""
    if needle in text:
        raise ValueError(f"{needle!r} is already in the text: not a rare needle")
    parts, at = [], 0
    for i in range(1, k + 1):
        cut = text.find("\n", len(text) * i // (k + 1)) + 1
        if at < cut < len(text):
            parts += [text[at:cut], needle + " "]
            at = cut
    return "".join([*parts, text[at:]])


def lines_with_word(text: str, word: str) -> int:
    """The lines of ``text`` in which ``word`` stands as a whole word: what
    ``grep -c -w word`` prints in the C locale, where a word character is a letter, digit
    or underscore (re's ASCII ``\\b``)."""
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.ASCII)
    return sum(1 for line in text.split("\n") if pattern.search(line))


def tool(argv: list[str]) -> Callable[[], int]:
    """A call of a command-line tool in the C locale, giving the first number it prints.
    Exit status 1 is grep's "no line matched", a count of 0."""
    env = {**os.environ, "LC_ALL": "C"}

    def call() -> int:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if proc.returncode not in (0, 1) or not proc.stdout.strip():
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr}")
        return int(proc.stdout.split()[0])

    return call


def tool_version(name: str) -> str:
    """The first line a tool prints of its version: ``--version``, or ``-W version`` for
    mawk (Debian's awk)."""
    for flag in (["--version"], ["-W", "version"]):
        try:
            proc = subprocess.run([name, *flag], capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise SystemExit(f"{name} is not installed: the benchmark compares with it") from None
        if proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.partition("\n")[0]
    return f"{name} (version unknown)"


def usable_cpus() -> int:
    """The CPUs this process may run on: what "every thread" means in a row."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cpus or 1


def call_loop(fn: Callable[..., int], args: tuple[object, ...], calls: int) -> Callable[[int], int]:
    """``run(reps)``: ``fn(*args)`` ``reps * calls`` times in a plain loop; the sum."""

    def run(reps: int) -> int:
        total = 0
        for _ in range(reps * calls):
            total += fn(*args)
        return total

    return run


def make_rows(
    text: str, data: bytes, big: tuple[bytes, int], path: str, calls: int
) -> tuple[list[Row], dict[str, FirstCall]]:
    """Every row, with the count each must return, computed by the references."""
    progress("computing the reference counts (pure Python) ...")
    n_words = len(text.split())
    n_the = word_count.search_py(text, NEEDLE)
    n_rare = word_count.search_py(text, RARE_NEEDLE)
    n_lines = lines_with_word(text, NEEDLE)
    sum_text = sum_bytes_py(data)
    big_data, sum_big = big
    every = usable_cpus()
    size = size_name(len(big_data))
    n = len(data)
    wc, ws, sf = word_count.word_count, word_count.search_sequential, word_count.search_file
    spec: list[tuple[str, str, str, int, Callable[[], int], int, int, str]] = [
        # id, group, what, threads, call, n_bytes, count, versus
        ("sum_text", "bandwidth", "_sum_bytes(text)", 1, partial(ext._sum_bytes, text), n,
         sum_text, ""),
        ("sum_big", "bandwidth", f"_sum_bytes({size} buffer)", 1,
         partial(ext._sum_bytes, big_data), len(big_data), sum_big, ""),
        ("word_count_1", "kernel", "word_count(text, 1)", 1, partial(wc, text, 1), n, n_words,
         "wc"),
        ("word_count_all", "kernel", f"word_count(text) [{every} threads]", every,
         partial(wc, text), n, n_words, "wc"),
        ("search_sequential_rare", "kernel", f'search_sequential(text, "{RARE_NEEDLE}")', 1,
         partial(ws, text, RARE_NEEDLE), n, n_rare, ""),
        ("search_sequential_the", "kernel", f'search_sequential(text, "{NEEDLE}")', 1,
         partial(ws, text, NEEDLE), n, n_the, "grep"),
        ("search_the", "kernel", f'search(text, "{NEEDLE}") [{every} threads]', every,
         partial(word_count.search, text, NEEDLE), n, n_the, "grep"),
        ("py_split", "python", "len(text.split())", 1, lambda: len(text.split()), n, n_words,
         "wc"),
        ("search_py", "python", f'search_py(text, "{NEEDLE}")', 1,
         partial(word_count.search_py, text, NEEDLE), n, n_the, "grep"),
        ("wc_w", "tool", "wc -w FILE", 1, tool(["wc", "-w", path]), n, n_words, "wc"),
        ("grep_cw", "tool", f"grep -c -w {NEEDLE} FILE (lines)", 1,
         tool(["grep", "-c", "-w", NEEDLE, path]), n, n_lines, "grep"),
        ("word_count_file_1", "file", "word_count_file(FILE, 1)", 1,
         partial(word_count.word_count_file, path, 1), n, n_words, "wc"),
        ("word_count_file_all", "file", f"word_count_file(FILE) [{every} threads]", every,
         partial(word_count.word_count_file, path), n, n_words, "wc"),
        ("search_file", "file", f'search_file(FILE, "{NEEDLE}")', every,
         partial(sf, path, NEEDLE), n, n_the, "grep"),
    ]  # fmt: skip
    tools = {"wc": ("wc_w",), "grep": ("grep_cw",), "": ()}
    rows = [
        Row(id_, what, Cell(group, threads, repeat(fn), count, variant=what), n_bytes, count,
            tools[versus])
        for id_, group, what, threads, fn, n_bytes, count, versus in spec
    ]  # fmt: skip
    # id, what, function, arguments, what one call must return (_noop returns 0).
    overhead: list[tuple[str, str, Callable[..., int], tuple[object, ...], int]] = [
        ("call_noop", '_noop("x")', ext._noop, ("x",), 0),
        ("call_word_count", 'word_count("x")', wc, ("x",), word_count.word_count_py("x", 1)),
        ("call_word_count_1", 'word_count("x", 1)', wc, ("x", 1), word_count.word_count_py("x", 1)),
        ("call_search", 'search("x", "x")', word_count.search, ("x", "x"),
         word_count.search_py("x", "x")),
    ]  # fmt: skip
    for id_, what, fn, args, one in overhead:
        cell = Cell("call", 1, call_loop(fn, args, calls), one * calls, variant=what)
        rows.append(Row(id_, what, cell, 0, one, calls=calls))
    if not text[-1:].isspace():
        raise ValueError("the text must end with whitespace")
    probes = {}
    for name, char in NON_ASCII.items():
        # char + body: the first word gains a character; " water<c> " is still a word.
        probe = FirstCall(char, text.replace(" water ", f" water{char} "))
        probes[name] = probe
        n_utf8 = len((char + probe.body).encode())
        what = f"word_count(s, 1), s non-ASCII ({char!r}): first and second call"
        cell = Cell("utf8", 1, probe.run, 2 * n_words, variant=what)
        rows.append(Row(f"utf8_{name}", what, cell, n_utf8, n_words))
    return rows, probes


def counter_sizes(result: Counter[str]) -> tuple[int, int]:
    return len(result), result.total()


def counter_of(result: Any) -> Any:
    return result


@dataclass
class FrequencyCall:
    """A word-frequency row's call, checked.

    Every call: the number of distinct words (the row's count) and their total, which
    must be the text's number of words (else RuntimeError); the total is a sum over the
    distinct words, in C: a tenth of a second for ten million of them, against seconds
    for the call. The first call (``measure``'s warm-up, whose time is not used) is also
    compared in full with ``reference``: every word, its count and the order of the
    words (``frequency_mismatch``). The reference is then dropped, so that the rounds run
    without it in memory."""

    what: str
    call: Callable[[], Any]
    words: int  # the total every call must give
    sizes: Callable[[Any], tuple[int, int]] = counter_sizes  # distinct words, total
    reference: Counter[str] | None = None
    as_counter: Callable[[Any], Any] = counter_of  # the result as a Counter

    def __call__(self) -> int:
        result = self.call()
        if self.reference is not None:
            problem = frequency_mismatch(self.as_counter(result), self.reference)
            if problem is not None:
                raise RuntimeError(f"{self.what}: {problem}")
            self.reference = None
        distinct, total = self.sizes(result)
        if total != self.words:
            raise RuntimeError(f"{self.what}: {total} words in all, expected {self.words}")
        return distinct


def pipeline(path: str) -> Callable[[], tuple[int, int]]:
    """``PIPELINE`` on the file at ``path`` in the C locale, through ``sh -c``: the
    number of distinct words in uniq's output and their total, as its awk sums them."""
    env = {**os.environ, "LC_ALL": "C"}
    argv = ["sh", "-c", PIPELINE_SCRIPT, "sh", path]

    def call() -> tuple[int, int]:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        fields = proc.stdout.split()
        if proc.returncode != 0 or len(fields) != 2:
            raise RuntimeError(f"{PIPELINE} failed ({proc.returncode}): {proc.stderr}")
        return int(fields[0]), int(fields[1])

    return call


def add_to_new_counter(text: str) -> word_count.WordCounter:
    counter = word_count.WordCounter()
    counter.add(text)
    return counter


def counter_split(text: str) -> Counter[str]:
    return Counter(text.split())


def word_counter_sizes(counter: word_count.WordCounter) -> tuple[int, int]:
    return len(counter), counter.total


def frequency_rows(
    text: str, hc_text: str, path: str, hc_path: str, every: int
) -> tuple[list[Row], dict[str, int]]:
    """The word-frequency rows (issue #12) and the sizes of their references: on the
    text, on the high-cardinality text, and on the text's first SCALING_SIZE bytes (one
    thread against every thread). A text's reference is ``Counter(text.split())``, made
    once; a row's ratios are to the rows of the same text named in ``versus``."""
    cut = text.rfind("\n", 0, SCALING_SIZE) + 1
    small = text[:cut] if len(text) > SCALING_SIZE and cut else text
    wf = word_count.word_frequencies
    rows: list[Row] = []
    refs: dict[str, int] = {}
    for prefix, name, t, file, file_name in (
        ("", "text", text, path, "FILE"),
        ("hc_", "hc_text", hc_text, hc_path, "HC_FILE"),
        ("small_", f"text[:{size_name(SCALING_SIZE)}]", small, "", ""),
    ):
        progress(f"computing the reference word frequencies, Counter({name}.split()) ...")
        ref = counter_split(t)
        words = ref.total()
        refs[f"{prefix}distinct"], refs[f"{prefix}words"] = len(ref), words
        # id, what, threads, the call, how to read its result, its reference (if any)
        spec: list[tuple[str, str, int, Callable[[], Any], dict[str, Any]]] = [
            ("freq_1", f"word_frequencies({name}, 1)", 1, partial(wf, t, 1),
             {"reference": ref}),
            ("freq_all", f"word_frequencies({name}) [{every} threads]", every, partial(wf, t),
             {"reference": ref}),
        ]  # fmt: skip
        if file:
            spec += [
                ("freq_add", f"WordCounter().add({name}) [{every} threads]", every,
                 partial(add_to_new_counter, t),
                 {"reference": ref, "sizes": word_counter_sizes,
                  "as_counter": word_count.WordCounter.to_counter}),
                ("freq_counter", f"Counter({name}.split())", 1, partial(counter_split, t), {}),
                ("freq_pipeline", f"{PIPELINE.replace('FILE', file_name)} [sort: {every} threads]",
                 every, pipeline(file), {"sizes": tuple}),
            ]  # fmt: skip
        ids = [id_ for id_, *_ in spec]
        versus = tuple(prefix + i for i in ("freq_counter", "freq_pipeline", "freq_1") if i in ids)
        for id_, what, threads, fn, check in spec:
            call = FrequencyCall(what, fn, words, **check)
            cell = Cell("frequencies", threads, repeat(call), len(ref), variant=what)
            rows.append(Row(prefix + id_, what, cell, len(t.encode()), len(ref), versus))
    return rows, refs


# A Counter's values up to this are CPython's cached small ints: no object of their own.
SMALL_INT_MAX = 256


def counter_bytes(counter: Counter[str]) -> int:
    """What a Counter holds: its table, its keys, and its counts beyond the small ints."""
    return (
        sys.getsizeof(counter)
        + sum(map(sys.getsizeof, counter))
        + sum(sys.getsizeof(v) for v in counter.values() if v > SMALL_INT_MAX)
    )


def _status_kib(field_name: str) -> int | None:
    """A field of /proc/self/status in KiB (VmRSS, VmHWM), or None without /proc."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return None


def _reset_peak_rss() -> bool:
    """Reset the peak RSS (VmHWM) to the current RSS: Linux's clear_refs "5"."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


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
    reset = _reset_peak_rss()
    before = _status_kib("VmRSS")
    result = fn(text)
    peak = _status_kib("VmHWM")
    after = _status_kib("VmRSS")
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
        "from word_count.bench.kernels import memory_probe\n"
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


def rate_ratios(a: Row, ta: list[float], b: Row, tb: list[float]) -> dict[str, float]:
    """Row ``a``'s throughput over row ``b``'s, paired by round: median and quartiles."""
    return ratio_stats(paired([a.n_bytes / x for x in ta], [b.n_bytes / y for y in tb]))


def ratio_stats(quartiles: tuple[float, float, float]) -> dict[str, float]:
    """A paired ratio's quartiles as a row records them."""
    q1, med, q3 = quartiles
    return {"median": med, "q1": q1, "q3": q3}


def summarize(
    rows: list[Row],
    times: dict[Key, list[float]],
    probes: dict[str, FirstCall],
) -> list[dict[str, Any]]:
    """One result per row (the non-ASCII rows give three: first call, second call and
    the conversion, their difference), each with its ratios to the yardsticks."""
    series: list[tuple[Row, str, str, list[float]]] = []
    for row in rows:
        ts = times[row.cell.key]
        if row.cell.workload == "utf8":
            samples = probes[row.id.removeprefix("utf8_")].samples[-len(ts) :]
            first = [a for a, _ in samples]
            second = [b for _, b in samples]
            char = NON_ASCII[row.id.removeprefix("utf8_")]
            series += [
                (row, f"{row.id}_first", f"word_count(s, 1), fresh {char!r} str, 1st call",
                 first),
                (row, f"{row.id}_second", f"word_count(s, 1), same {char!r} str, 2nd call", second),
                (row, f"{row.id}_conversion", f"UTF-8 copy of a {char!r} str (1st - 2nd)",
                 [a - b for a, b in samples]),
            ]  # fmt: skip
        else:
            series.append((row, row.id, row.what, [t / row.calls for t in ts]))
    by_id = {id_: (row, ts) for row, id_, _, ts in series}
    out = []
    for row, id_, what, ts in series:
        q1, med, q3 = quantiles(ts)
        # The main benchmark's field names, so that a reader of one reads the other.
        stats = zip(("q1_s", "median_s", "q3_s", "min_s", "max_s", "runs"),
                    (q1, med, q3, min(ts), max(ts), len(ts)), strict=True)  # fmt: skip
        res: dict[str, Any] = {
            "id": id_,
            "what": what,
            "group": row.cell.workload,
            "threads": row.cell.threads,
            "bytes": row.n_bytes,
            "count": None if id_.endswith("_conversion") else row.count,
            **dict(stats),
        }
        # A conversion within noise of zero (the free-threaded wheel reads a str's own
        # storage and makes no copy) has no rate: under 10% of the second call's time.
        no_copy = (
            id_.endswith("_conversion")
            and med < 0.1 * quantiles(by_id[id_.removesuffix("_conversion") + "_second"][1])[1]
        )
        if row.n_bytes and med > 0 and not no_copy:
            res["gb_per_s"] = row.n_bytes / med / 1e9
            res["gb_per_s_q1"] = row.n_bytes / q3 / 1e9 if q3 > 0 else None
            res["gb_per_s_q3"] = row.n_bytes / q1 / 1e9 if q1 > 0 else None
        if row.n_bytes and not id_.endswith("_conversion"):
            for ref in ("sum_text", "sum_big"):
                res[f"x_{ref}"] = rate_ratios(row, ts, *by_id[ref])
            for other in row.versus:
                if other != id_:
                    res[f"x_{other}"] = rate_ratios(row, ts, *by_id[other])
        if row.cell.workload == "call":
            res["ns_per_call"] = med * 1e9
            res["x_noop"] = ratio_stats(paired(ts, by_id["call_noop"][1]))
        out.append(res)
    return out


def checks(results: list[dict[str, Any]], memory: dict[str, Any]) -> list[dict[str, Any]]:
    """The issues' targets, each from this run's numbers: a ratio measured in this run
    (median of per-round ratios), but for two floors in GB/s and the memory ratios.

    The targets of issue #12 (word frequencies) do not gate: ``gates`` is False, and
    ``--check`` ignores them. They are read as PASS or MISS, goals for people to read."""
    r = {x["id"]: x for x in results}
    big = r["sum_big"]["what"]
    share = f"{BANDWIDTH_SHARE:.0%} of {big}"
    small = next(x["what"] for x in results if x["id"] == "small_freq_1")
    small_all = next(x["what"] for x in results if x["id"] == "small_freq_all")
    # name, row id, key, target, unit, gates
    targets = [
        (f"word_count(text, 1) reads at >= {share}", "word_count_1", "x_sum_big",
         BANDWIDTH_SHARE, "×", True),
        (f"word_count(text, 1) is >= {FASTER_THAN_WC:g}× as fast as wc -w", "word_count_1",
         "x_wc_w", FASTER_THAN_WC, "×", True),
        (f'search_sequential(text, "{RARE_NEEDLE}") reads at >= {share}',
         "search_sequential_rare", "x_sum_big", BANDWIDTH_SHARE, "×", True),
        (f'search_sequential(text, "{NEEDLE}") >= {SEARCH_FLOOR_GBPS:g} GB/s',
         "search_sequential_the", "gb_per_s", SEARCH_FLOOR_GBPS, "GB/s", True),
        (f'word_count("x") costs <= {CALL_OVERHEAD_MAX:g}× a call of _noop("x")',
         "call_word_count", "x_noop", CALL_OVERHEAD_MAX, "× (at most)", True),
        (f"word_frequencies(text, 1) >= {FREQUENCIES_FLOOR_GBPS:g} GB/s", "freq_1",
         "gb_per_s", FREQUENCIES_FLOOR_GBPS, "GB/s", False),
        (f"word_frequencies(text, 1) is >= {FASTER_THAN_COUNTER:g}× as fast as "
         "Counter(text.split())", "freq_1", "x_freq_counter", FASTER_THAN_COUNTER, "×",
         False),
        (f"{small_all} is >= {FREQUENCIES_SCALING:g}× as fast as {small}", "small_freq_all",
         "x_small_freq_1", FREQUENCIES_SCALING, "×", False),
    ]  # fmt: skip
    values: list[tuple[str, float | None, float, str, bool]] = []
    for name, row_id, key, target, unit, gates in targets:
        value = r[row_id].get(key)
        values.append(
            (name, value["median"] if isinstance(value, dict) else value, target, unit, gates)
        )
    probe = memory.get("word_frequencies")
    if probe:
        for key, how in (("traced_peak_bytes", "tracemalloc peak"),
                         ("rss_peak_growth_bytes", "RSS peak growth")):  # fmt: skip
            value = probe[key] / probe["result_bytes"] if probe[key] is not None else None
            values.append(
                (f"{probe['what']}: {how} <= {MEMORY_MAX:g}× what the Counter holds", value,
                 MEMORY_MAX, "× (at most)", False)
            )  # fmt: skip
    out = []
    for name, value, target, unit, gates in values:
        at_most = unit.endswith("(at most)")
        ok = value is not None and (value <= target if at_most else value >= target)
        out.append(
            {"name": name, "value": value, "target": target, "unit": unit.split()[0],
             "at_most": at_most, "pass": ok, "gates": gates}
        )  # fmt: skip
    return out


def ratio(res: dict[str, Any], key: str) -> str:
    r = res.get(key)
    return "" if r is None else f"{r['median']:.2f}"


def markdown(doc: dict[str, Any]) -> list[str]:
    """The tables and checks, as Markdown."""
    results = doc["rows"]
    big = next(r["what"] for r in results if r["id"] == "sum_big")
    lines = [
        f"## Kernels: {doc['settings']['text_bytes'] / 2**20:.1f} MiB text, "
        f"{doc['label']}, {doc['settings']['rounds']} rounds",
        "",
        "GB/s of input text: median and quartiles over the rounds. Ratios are paired by "
        "round (median of the per-round ratios); × wc/grep is the row's speed over that "
        "tool's on the same bytes.",
        "",
        f"| what | count | GB/s | q1–q3 GB/s | × _sum_bytes(text) | × {big} | × wc -w "
        "| × grep -c -w |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r["group"] in ("call", "frequencies"):
            continue
        # A checksum is no count to read: it is checked, and kept in the JSON.
        count = "" if r["count"] is None or r["group"] == "bandwidth" else f"{r['count']:,}"
        if "gb_per_s" in r:
            gbps = f"{r['gb_per_s']:.3f}"
            lo, hi = r["gb_per_s_q1"], r["gb_per_s_q3"]
            spread = f"{lo:.3f}–{hi:.3f}" if lo and hi else "n/a"
        else:
            gbps, spread = "none: 1st call no slower (no copy made)", ""
        lines.append(
            f"| `{r['what']}` | {count} | {gbps} | {spread} | {ratio(r, 'x_sum_text')} "
            f"| {ratio(r, 'x_sum_big')} | {ratio(r, 'x_wc_w')} | {ratio(r, 'x_grep_cw')} |"
        )
    lines += [
        "",
        f"Call overhead: one sample is a loop of {doc['settings']['calls']:,} calls "
        "(the loop's own cost is in every row).",
        "",
        "| call | ns/call | q1–q3 ns | × _noop (q1–q3) |",
        "|---|---:|---:|---:|",
    ]
    for r in results:
        if r["group"] == "call":
            x = r["x_noop"]
            lines.append(
                f"| `{r['what']}` | {r['ns_per_call']:.1f} "
                f"| {r['q1_s'] * 1e9:.1f}–{r['q3_s'] * 1e9:.1f} "
                f"| {x['median']:.2f} ({x['q1']:.2f}–{x['q3']:.2f}) |"
            )
    lines += frequency_tables(doc)
    ref = doc["references"]
    lines += [
        "",
        "Counts, every call checked against these references: "
        f"{ref['words']:,} words (`len(text.split())`; word_count, word_count_file and "
        f"`wc -w` agree); {ref['the']:,} tokens `{NEEDLE}` (`search_py`; search, "
        f"search_sequential and search_file agree); {ref['rare']:,} tokens "
        f"`{RARE_NEEDLE}` (put into the text); {ref['the_lines']:,} lines holding the word "
        f"`{NEEDLE}` (what `grep -c -w` counts: lines, not occurrences; a regex reference); "
        f"word frequencies equal to `Counter(text.split())`: {ref['distinct']:,} distinct "
        f"words in the text, {ref['hc_distinct']:,} in hc_text ({ref['hc_words']:,} words), "
        f"{ref['small_distinct']:,} in text[:{size_name(SCALING_SIZE)}] (every call's number "
        "of distinct words and total; the first call's words, counts and order in full).",
        "",
        "Checks (the issues' targets; ratios from this one run). FAIL counts with --check; "
        "the word-frequency targets (issue #12) never change the exit status: MISS.",
        "",
    ]
    for c in doc["checks"]:
        value = "n/a" if c["value"] is None else f"{c['value']:.2f}"
        verdict = "PASS" if c["pass"] else "FAIL" if c["gates"] else "MISS"
        lines.append(
            f"- {verdict}  {c['name']}: {value}"
            f"{'' if c['unit'] == '×' else ' '}{c['unit']} "
            f"(target {'<=' if c['at_most'] else '>='} {c['target']:g})"
        )
    i, m, b = doc["interpreter"], doc["machine"], doc["build"]
    lines += [
        "",
        f"Python {i['version']} ({'free-threaded' if i['free_threaded'] else 'GIL build'}, "
        f"GIL {'on' if i['gil_enabled'] else 'off'}), {i['compiler']}, {i['executable']}",
        f"- configure: `{i['config_args']}`",
        f"- CFLAGS: `{i['cflags']}`",
        f"- built with {b['rustc']}, PyO3 {b['pyo3']}, {b['maturin']}",
        f"- machine: {m['platform']}, {m['cpu_count']} CPUs ({m['affinity']} usable)",
        f"- tools: {'; '.join(doc['tools'].values())}; all with LC_ALL=C",
        f"- word_count {doc['package']['word_count']} from {doc['package']['source']}",
    ]
    return lines


def mb(n_bytes: int | None) -> str:
    return "n/a" if n_bytes is None else f"{n_bytes / 1e6:,.1f}"


def times(n_bytes: int | None, of: int) -> str:
    return "n/a" if n_bytes is None else f"{n_bytes / of:.2f}"


def frequency_tables(doc: dict[str, Any]) -> list[str]:
    """The word-frequency rows and the memory they take, as Markdown (issue #12)."""
    lines = [
        "",
        f"Word frequencies: on the text; on hc_text, {doc['settings']['hc_text_bytes'] / 2**20:.1f}"
        f" MiB of {doc['references']['hc_distinct']:,} distinct words (make_distinct_text); "
        f"and on the text's first {size_name(SCALING_SIZE)}. Ratios are to the rows on the "
        "same text, paired by round.",
        "",
        "| what | distinct words | GB/s | q1–q3 GB/s | × Counter(….split()) "
        "| × tr \\| sort \\| uniq -c | × word_frequencies(…, 1) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in doc["rows"]:
        if r["group"] != "frequencies":
            continue
        prefix = r["id"][: r["id"].index("freq_")]
        what = r["what"].replace("|", "\\|")  # a | in a table cell, even in code
        lines.append(
            f"| `{what}` | {r['count']:,} | {r['gb_per_s']:.3f} "
            f"| {r['gb_per_s_q1']:.3f}–{r['gb_per_s_q3']:.3f} "
            f"| {ratio(r, f'x_{prefix}freq_counter')} | {ratio(r, f'x_{prefix}freq_pipeline')} "
            f"| {ratio(r, f'x_{prefix}freq_1')} |"
        )
    lines += [
        "",
        "Memory on hc_text, each call in a fresh process, untimed: what the resulting Counter "
        "holds (its table, keys and counts, by sys.getsizeof), the peak of the Python "
        "objects allocated during the call (tracemalloc: not Rust's own memory), and the "
        "growth of the process's RSS (peak, and kept after the call: everything). MB.",
        "",
        "| call | Counter holds | tracemalloc peak | × Counter | RSS peak growth | × Counter "
        "| RSS kept |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for probe in doc["memory"].values():
        held = probe["result_bytes"]
        traced, rss = probe["traced_peak_bytes"], probe["rss_peak_growth_bytes"]
        lines.append(
            f"| `{probe['what']}` | {mb(held)} | {mb(traced)} | {times(traced, held)} "
            f"| {mb(rss)} | {times(rss, held)} "
            f"| {mb(probe['rss_kept_bytes'])} |"
        )
    lines += ["", f"RSS: {next(iter(doc['memory'].values()))['rss_method']}."]
    return lines


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
    tools = {name: tool_version(name) for name in ("wc", "grep", "tr", "sort", "uniq", "awk")}

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
        rows, probes = make_rows(text, data, big, path, calls)
        more, frequency_refs = frequency_rows(text, hc_text, path, hc_path, usable_cpus())
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
    results = summarize(rows, times, probes)
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
