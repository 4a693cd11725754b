"""The benchmark's workloads: the same counting done by Python threads, Rust threads
attached or detached, one multi-threaded Rust call, processes, and a shared counter."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.pool import Pool

import word_count
from word_count.bench.text import split_at_lines

NEEDLE = "the"

# Names are part of the JSON format: the report and its readers key on them.
WORKLOADS = {
    "python-threads": "N Python threads count words in pure Python (word_count_py)",
    "rust-attached-threads": "N Python threads each call search_sequential on a chunk; "
    "the Rust code stays attached (holds the GIL on a GIL build)",
    "rust-detached-threads": "N Python threads each call search_sequential_detached on a chunk",
    "rust-threads": "one call, N Rust threads inside: word_count(text, N)",
    "processes": "multiprocessing with N processes counting words, sending the text included",
    "shared-counter": "N Python threads add the text's lines to one WordCounter",
    "single-thread": "each kind of work on the calling thread alone, no thread machinery",
}


@dataclass
class Cell:
    """One thing to time: a workload at a thread count (and, for single-thread, a variant).

    ``run(reps)`` does the work ``reps`` times and returns the sum of the counts. In the
    workloads where N Python threads each call Rust, each thread repeats its call
    ``reps`` times: a sample then measures N threads counting side by side for tens of
    milliseconds, not the start of a thread (60 us on 3.13, 200 us on 3.13t here) or
    the wake-up of an idle CPU, which would swamp a call of a few milliseconds.
    """

    workload: str
    threads: int
    run: Callable[[int], int]
    expected: int
    variant: str = ""
    close: Callable[[], None] = field(default=lambda: None)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.workload, self.variant, self.threads)


def in_threads(fn: Callable[..., int], args: list[tuple[object, ...]], reps: int = 1) -> int:
    """Run ``fn(*a)`` ``reps`` times for each ``a``, each ``a`` on its own Python thread;
    the sum of the results.

    A thread that raises leaves its result as None, and the sum then raises, so a lost
    count can never pass for a result.
    """
    results: list[int | None] = [None] * len(args)

    def target(i: int) -> None:
        results[i] = sum(fn(*args[i]) for _ in range(reps))

    threads = [threading.Thread(target=target, args=(i,)) for i in range(len(args))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if any(r is None for r in results):
        raise RuntimeError(f"a thread running {fn.__name__} failed; see its traceback above")
    return sum(results)  # type: ignore[arg-type]


def _count_words(text: str) -> int:
    """A process pool's task: must be importable by name for the spawned children."""
    return len(text.split())


def _add_lines(counter: word_count.WordCounter, lines: list[str]) -> int:
    for line in lines:
        counter.add(line)
    return len(lines)


def _map_sum(pool: Pool, chunks: list[str]) -> int:
    """The processes workload: every call sends the chunks to the workers again."""
    return sum(pool.map(_count_words, chunks))


def _add_all(lines: list[str], reps: int) -> int:
    counter = word_count.WordCounter()
    for _ in range(reps):
        _add_lines(counter, lines)
    return counter.total


def _shared_counter(lines: list[str], n: int) -> Callable[[int], int]:
    # Contiguous shares, not lines[i::n]: round-robin shares put neighbouring str objects
    # in different threads, and on 3.13t each add writes the line's (shared) refcount, so
    # the threads would fight over cache lines -- false sharing of the input, measured
    # at 0.76x on a 100 MiB text, where we mean to measure contention on the counter.
    cuts = [len(lines) * k // n for k in range(n + 1)]
    shares = [lines[a:b] for a, b in itertools.pairwise(cuts)]

    def run(reps: int) -> int:
        counter = word_count.WordCounter()
        in_threads(_add_lines, [(counter, share) for share in shares], reps)
        return counter.total

    return run


def _repeat(fn: Callable[[], int]) -> Callable[[int], int]:
    """``fn`` as a ``run(reps)``: called ``reps`` times on the calling thread."""
    return lambda reps: sum(fn() for _ in range(reps))


def cells(
    text: str, threads: list[int], start_method: str, workloads: list[str] | None = None
) -> list[Cell]:
    """Every cell for ``text``, each with the count it must return."""
    n_words = len(text.split())
    n_needle = word_count.search_py(text, NEEDLE)
    lines = text.splitlines()
    wanted = set(workloads or WORKLOADS)
    out: list[Cell] = []
    for n in threads:
        chunks = split_at_lines(text, n)
        per_chunk: list[tuple[object, ...]] = [(c, NEEDLE) for c in chunks]
        if "python-threads" in wanted:
            # word_count_py starts its own n threads on every call.
            run = _repeat(partial(word_count.word_count_py, text, n))
            out.append(Cell("python-threads", n, run, n_words))
        if "rust-attached-threads" in wanted:
            run = partial(in_threads, word_count.search_sequential, per_chunk)
            out.append(Cell("rust-attached-threads", n, run, n_needle))
        if "rust-detached-threads" in wanted:
            run = partial(in_threads, word_count.search_sequential_detached, per_chunk)
            out.append(Cell("rust-detached-threads", n, run, n_needle))
        if "rust-threads" in wanted:
            run = _repeat(partial(word_count.word_count, text, n))
            out.append(Cell("rust-threads", n, run, n_words))
        if "processes" in wanted:
            pool = multiprocessing.get_context(start_method).Pool(n)
            # Every call sends the chunks to the workers again: that cost is the point.
            run = _repeat(partial(_map_sum, pool, chunks))
            out.append(Cell("processes", n, run, n_words, close=pool.terminate))
        if "shared-counter" in wanted:
            out.append(Cell("shared-counter", n, _shared_counter(lines, n), n_words))
    if "single-thread" in wanted:
        single = {
            "str.split": (_repeat(lambda: len(text.split())), n_words),
            "search_py": (_repeat(lambda: word_count.search_py(text, NEEDLE)), n_needle),
            "search_sequential": (
                _repeat(lambda: word_count.search_sequential(text, NEEDLE)),
                n_needle,
            ),
            "word_count": (_repeat(lambda: word_count.word_count(text, 1)), n_words),
            "WordCounter.add": (lambda reps: _add_all(lines, reps), n_words),
        }
        for variant, (run, expected) in single.items():
            out.append(Cell("single-thread", 1, run, expected, variant=variant))
    return out
