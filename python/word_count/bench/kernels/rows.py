"""The rows of the kernels benchmark, each a ``Cell`` to time and the count it must
return, computed by the references: the summing loop (bandwidth), the kernels, pure
Python, the tools, the file functions, call overhead and the cost of a non-ASCII str's
UTF-8 copy. The word-frequency rows are in ``frequencies``."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import word_count
from word_count import _word_count as ext
from word_count.bench.kernels.yardsticks import lines_with_word, sum_bytes_py, tool
from word_count.bench.measure import Cell, progress, repeat, size_name
from word_count.bench.text import NEEDLE

# A needle that occurs a handful of times: RARE_COUNT copies are put into the text.
# make_text writes lower-case words and "I" only, so its first byte is rare too.
RARE_NEEDLE = "Zanzibar"
RARE_COUNT = 5
# Non-ASCII text: " water " becomes " water<c> " (a word stays a word), and <c> starts
# the text. "é" keeps the str at one byte a character (Latin-1); "—" makes it two; an
# emoji, above U+FFFF, four (UCS-4).
NON_ASCII = {"latin1": "é", "ucs2": "—", "ucs4": "\U0001f600"}
# The tiny text of the call rows of word frequencies: 13 words, 8 distinct.
SENTENCE = "the cat sat on the mat and the dog sat on the log"
# Texts of the same size as `text` where a needle matches at every other token: the
# densest matches a token search meets, with a one-byte needle and a 16-byte one.
DENSE = ("a", "a b ")
LONG = ("abcdefghijklmnop", "abcdefghijklmnop b ")


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


def non_ascii_texts(text: str) -> dict[str, str]:
    """``text`` with " water " made " water<c> ", for each kind of NON_ASCII: each str
    made once, for every row that reads it (a free-threaded build reads its own storage,
    Latin-1, UCS-2 or UCS-4; a GIL build the UTF-8 copy its first call makes)."""
    return {name: text.replace(" water ", f" water{char} ") for name, char in NON_ASCII.items()}


def make_rows(
    text: str,
    data: bytes,
    big: tuple[bytes, int],
    path: str,
    calls: int,
    non_ascii_text: dict[str, str],
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
    # Each the size of `text`, and its count from the pure-Python reference.
    dense_texts = []
    for name, (needle, unit) in (("dense", DENSE), ("long", LONG)):
        dense = unit * (n // len(unit))
        dense_texts.append((name, (needle, unit), dense, word_count.search_py(dense, needle)))
    non_ascii = []
    for name, char in NON_ASCII.items():
        s = non_ascii_text[name]
        non_ascii.append((name, char, s, word_count.search_py(s, NEEDLE)))
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
        *[(f"search_sequential_{name}", "kernel",
           f'search_sequential("{unit.strip()} ..." * n, "{needle}")', 1,
           partial(ws, dense, needle), n, count, "")
          for name, (needle, unit), dense, count in dense_texts],
        *[(f"search_sequential_the_{name}", "kernel",
           f'search_sequential(s, "{NEEDLE}"), s non-ASCII ({char!r})', 1,
           partial(ws, s, NEEDLE), len(s.encode()), count, "")
          for name, char, s, count in non_ascii],
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
         partial(word_count.word_count_file, path), n, n_words, "file"),
        ("search_file", "file", f'search_file(FILE, "{NEEDLE}")', every,
         partial(sf, path, NEEDLE), n, n_the, "grep"),
    ]  # fmt: skip
    # The rows each row is also compared with (its `x_<id>` ratios).
    tools = {"wc": ("wc_w",), "grep": ("grep_cw",), "": (),
             "file": ("wc_w", "word_count_file_1", "word_count_all")}  # fmt: skip
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
    # Word frequencies of a sentence, against its Counter: what a call costs when the
    # text is tiny, in the same rounds as the large texts' rows, whose tables the
    # module keeps for later calls. A tenth of the calls: each takes microseconds.
    distinct = len(Counter(SENTENCE.split()))
    few = max(1, calls // 10)
    sentence_rows: list[tuple[str, str, Callable[[str], int]]] = [
        ("call_word_frequencies", "word_frequencies(SENTENCE, 1)",
         lambda s: len(word_count.word_frequencies(s, 1))),
        ("call_counter", "Counter(SENTENCE.split())", lambda s: len(Counter(s.split()))),
    ]  # fmt: skip
    for id_, what, fn in sentence_rows:
        cell = Cell("call", 1, call_loop(fn, (SENTENCE,), few), distinct * few, variant=what)
        rows.append(Row(id_, what, cell, 0, distinct, calls=few))
    if not text[-1:].isspace():
        raise ValueError("the text must end with whitespace")
    probes = {}
    for name, char in NON_ASCII.items():
        # char + body: the first word gains a character; " water<c> " is still a word.
        probe = FirstCall(char, non_ascii_text[name])
        probes[name] = probe
        n_utf8 = len((char + probe.body).encode())
        what = f"word_count(s, 1), s non-ASCII ({char!r}): first and second call"
        cell = Cell("utf8", 1, probe.run, 2 * n_words, variant=what)
        rows.append(Row(f"utf8_{name}", what, cell, n_utf8, n_words))
    return rows, probes
