"""The benchmark's workloads: the same counting done by Python threads, Rust threads
attached or detached, one multi-threaded Rust call, processes, and a shared counter;
word frequencies (a Counter of the words) built by Python threads or Rust threads; and
the lost updates: Python threads adding words to one shared ``collections.Counter``
unguarded, where the counts lost are the measurement, and with each remedy.

Each is declared once, in ``WORKLOADS``: its name, its label, what it runs and the count
it must return (for word frequencies, the number of distinct words, the whole Counter
being checked after each sample). The command line, the result file, the report's
summary, its checks and its chart all read that declaration, so a workload added there
is measured, checked and reported with no other change.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import platform
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cached_property, partial
from multiprocessing.pool import Pool
from typing import Any

import word_count
from word_count.bench.measure import Cell, Run, frequency_mismatch, repeat
from word_count.bench.text import NEEDLE, split_at_lines


@dataclass
class Inputs:
    """What every cell of one text works on, each made once and only if a workload asks:
    the text, its lines and chunks, and the reference results every result must equal."""

    text: str
    start_method: str  # for the processes workload's pool
    resources: ExitStack  # what the cells hold (a process pool), released after the rounds
    _chunks: dict[int, list[str]] = field(default_factory=dict, init=False, repr=False)
    _teams: dict[int, Team] = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def words(self) -> int:
        return len(self.text.split())

    @cached_property
    def frequencies(self) -> Counter[str]:
        """The reference word frequencies, in the order of each word's first occurrence."""
        return Counter(self.text.split())

    @cached_property
    def needle(self) -> int:
        return word_count.search_py(self.text, NEEDLE)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def chunks(self, n: int) -> list[str]:
        """The text cut at lines into ``n`` pieces, the same for every workload at ``n``."""
        if n not in self._chunks:
            self._chunks[n] = split_at_lines(self.text, n)
        return self._chunks[n]

    def team(self, n: int) -> Team:
        """The ``n`` Python threads every cell at ``n`` threads runs its work on: started
        once, stopped with ``resources``."""
        if n not in self._teams:
            self._teams[n] = self.resources.enter_context(Team(n))
        return self._teams[n]

    def each_chunk(self, search: Callable[[str, str], int], n: int) -> Run:
        """N Python threads, each searching its own chunk for the needle."""
        return partial(self.team(n).run, search, [(c, NEEDLE) for c in self.chunks(n)])


@dataclass(frozen=True)
class Work:
    """What a cell runs, and how it is checked."""

    run: Callable[[Inputs, int], Run]  # for the inputs at N threads, a ``run(reps)``
    count: Callable[[Inputs], int]  # what one call must return: a reference count


@dataclass(frozen=True)
class Workload:
    """One workload. ``scales``: timed at every thread count, with a speedup over 1
    thread; if not, each variant of ``work`` is timed once, on the calling thread."""

    name: str  # part of the JSON format: the report and its readers key on it
    label: str  # the report's plain words for it, in its summary and chart
    description: str  # what it runs, recorded in every result file
    work: dict[str, Work]  # by variant: "" alone for a workload that scales
    scales: bool = True
    # A short count is this workload's measurement, recorded as counts lost, not a
    # failure of the run (measure.Cell.lossy).
    lossy: bool = False
    # Why it cannot run on this interpreter, or None where it can: a result file names
    # each workload skipped with its reason, and report --check accepts no other gap.
    unavailable: Callable[[], str | None] = lambda: None


def _words(t: Inputs) -> int:
    return t.words


def _needle(t: Inputs) -> int:
    return t.needle


def _distinct(t: Inputs) -> int:
    return len(t.frequencies)


class Frequencies:
    """``run(reps)`` for a call that returns word frequencies, a Counter: each call counts
    as its number of distinct words (checked inside the timing: it costs nothing), and
    ``verify`` compares the sample's last Counter with the reference in full -- every word,
    count and the order of the words -- after the timer has stopped (``Cell.verify``):
    inside it, that comparison (about 1 ms for the 4 MiB text's 8,000 words, against
    12 ms for word_frequencies on 2 threads) would add serial time to every call and
    flatten the speedups it is meant to show.

    The last result is kept until the next sample's first call replaces it, so every
    result is freed inside a timed sample, as a caller's would be."""

    def __init__(self, call: Callable[[], Counter[str]], reference: Counter[str]) -> None:
        self.call = call
        self.reference = reference
        self.last: Counter[str] | None = None

    def __call__(self, reps: int) -> int:
        got = 0
        for _ in range(reps):
            self.last = self.call()
            got += len(self.last)
        return got

    def verify(self) -> str | None:
        return frequency_mismatch(self.last, self.reference)

    def forget(self) -> None:
        self.last = None


class Tally:
    """``run(reps)`` for the lost-updates workloads: one call is N Python threads adding
    the words of their chunks to a Counter, and it counts as the Counter's total, the sum
    of its counts, which falls short of the text's words by the updates lost. ``verify``
    checks the sample's last Counter after its timer has stopped: a guarded variant's in
    full (``frequency_mismatch``; in the order of first occurrence if ``ordered``); the
    unguarded one's for the only damage a lost update can do, a count too low: the same
    words as the text, each counted at least once and never more often than it occurs."""

    def __init__(
        self, call: Callable[[], Counter[str]], reference: Counter[str], lossy: bool, ordered: bool
    ) -> None:
        self.call, self.reference, self.lossy, self.ordered = call, reference, lossy, ordered
        self.last: Counter[str] | None = None

    def __call__(self, reps: int) -> int:
        got = 0
        for _ in range(reps):
            self.last = self.call()
            got += self.last.total()
        return got

    def forget(self) -> None:
        self.last = None

    def verify(self) -> str | None:
        if not self.lossy:
            return frequency_mismatch(self.last, self.reference, self.ordered)
        got, want = self.last, self.reference
        assert got is not None
        if got.keys() != want.keys():
            extra, missing = sorted(got.keys() - want.keys()), sorted(want.keys() - got.keys())
            return (
                f"{len(got)} distinct words, expected {len(want)}; not in the text: "
                f"{extra[:3]}, missing: {missing[:3]}"
            )
        wrong = next((w for w, n in got.items() if not 1 <= n <= want[w]), None)
        if wrong is not None:
            return f"{wrong!r} counted {got[wrong]} times; the text has it {want[wrong]} times"
        return None


def _add_words(counter: Counter[str], chunk: str) -> int:
    """The commonest way word counting is written in Python. On a shared Counter without a
    lock, ``counter[word] += 1`` is a read, an addition and a write: two threads updating
    one word at once can both write the same new count, and one addition is lost. Under
    the GIL a thread switch seldom falls between them; without it, nothing stops it."""
    for word in chunk.split():
        counter[word] += 1
    return 0


def _add_words_locked(counter: Counter[str], lock: threading.Lock, chunk: str) -> int:
    """The first remedy anyone writes: one Lock, taken for each update."""
    for word in chunk.split():
        with lock:
            counter[word] += 1
    return 0


def _one_counter(locked: bool) -> Callable[[Inputs, int], Run]:
    """N Python threads add their chunks' words to one shared Counter, unguarded or
    under one Lock; a new Counter every call."""

    def work(t: Inputs, n: int) -> Run:
        team = t.team(n)

        def call() -> Counter[str]:
            counter: Counter[str] = Counter()
            if locked:
                lock = threading.Lock()
                team.run(_add_words_locked, [(counter, lock, c) for c in t.chunks(n)])
            else:
                team.run(_add_words, [(counter, c) for c in t.chunks(n)])
            return counter

        return Tally(call, t.frequencies, lossy=not locked, ordered=False)

    return work


def _counter_per_thread(t: Inputs, n: int) -> Run:
    """Each thread adds its chunk's words to a Counter of its own, as the unguarded code
    does; the Counters are merged on the calling thread, in the chunks' order, which keeps
    the words in the order of their first occurrence."""

    team = t.team(n)

    def call() -> Counter[str]:
        counters: list[Counter[str]] = [Counter() for _ in range(n)]
        team.run(_add_words, list(zip(counters, t.chunks(n), strict=True)))
        merged = counters[0]
        for counter in counters[1:]:
            merged.update(counter)
        return merged

    return Tally(call, t.frequencies, lossy=False, ordered=True)


def _frequencies(fn: Callable[[str, int], Counter[str]]) -> Callable[[Inputs, int], Run]:
    """The work of ``fn(text, N)``, a word-frequency function taking N threads."""
    return lambda t, n: Frequencies(partial(fn, t.text, n), t.frequencies)


class Team:
    """N Python threads that live as long as the run: each call hands every thread its
    share and waits for all of them, so a sample times threads working side by side,
    never a thread's start or end.

    Why not a thread a share and a call, as a user might write: on 3.13t a thread's end
    costs more once threads that ended before it have left objects behind.
    ``PyThreadState_Clear`` abandons the thread's mimalloc heaps, and mimalloc then walks
    every segment that ended threads left behind (``_mi_abandoned_collect``, seen with
    ``perf``; measure it with ``python -m word_count.bench.thread_end``). On an Intel
    Xeon (family 6, model 167), a thread's start and end took 0.3 ms in a fresh process
    and 5.5 to 7.4 ms in this benchmark's once every workload had run. With threads
    started a share a call, that cost fell on every 3.13t sample of every threaded
    workload (a third of a 4 MiB search on one thread), and not on 3.13's.
    """

    # A share: the function, its arguments and how many times to call it; None: stop.
    Job = tuple[Callable[..., int], tuple[object, ...], int] | None

    def __init__(self, n: int) -> None:
        self.inboxes: list[queue.SimpleQueue[Team.Job]] = [queue.SimpleQueue() for _ in range(n)]
        self.results: queue.SimpleQueue[int | BaseException] = queue.SimpleQueue()
        self.threads = [
            threading.Thread(target=self._serve, args=(inbox,), daemon=True, name=f"bench-{i}")
            for i, inbox in enumerate(self.inboxes)
        ]
        for thread in self.threads:
            thread.start()

    def _serve(self, inbox: queue.SimpleQueue[Team.Job]) -> None:
        while (job := inbox.get()) is not None:
            fn, args, reps = job
            try:
                self.results.put(sum(fn(*args) for _ in range(reps)))
            except BaseException as e:  # handed to the caller, which raises it
                self.results.put(e)

    def run(self, fn: Callable[..., int], args: list[tuple[object, ...]], reps: int = 1) -> int:
        """``fn(*a)`` ``reps`` times for each ``a``, each ``a`` on a thread of its own;
        the sum of the results. A share that raises makes the call raise, after every
        thread has finished, so a lost count can never pass for a result."""
        if len(args) != len(self.inboxes):
            raise ValueError(f"{len(args)} shares for {len(self.inboxes)} threads")
        for inbox, a in zip(self.inboxes, args, strict=True):
            inbox.put((fn, a, reps))
        results = [self.results.get() for _ in args]
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            # Every share's error, not the first alone.
            cause = errors[0] if len(errors) == 1 else BaseExceptionGroup("shares", errors)
            raise RuntimeError(f"{len(errors)} thread(s) running {fn.__name__} failed") from cause
        return sum(r for r in results if not isinstance(r, BaseException))

    def __enter__(self) -> Team:
        return self

    def __exit__(self, *exc: object) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for thread in self.threads:
            thread.join()


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


def _processes(t: Inputs, n: int) -> Run:
    pool = multiprocessing.get_context(t.start_method).Pool(n)
    t.resources.callback(pool.terminate)
    # Every call sends the chunks to the workers again: that cost is the point.
    return repeat(partial(_map_sum, pool, t.chunks(n)))


# Tasks per Dask call: enough for the scheduler to keep N workers busy.
DASK_BLOCKS = 16


def _dask(scheduler: str) -> Callable[[Inputs, int], Run]:
    """The pure-Python count of the text's DASK_BLOCKS blocks (``len(block.split())``, what
    word_count_py runs per chunk), one Dask task each, summed by one more, on Dask's
    ``scheduler`` ("threads" or "processes") with N workers: what a Dask user gets from
    their own Python code, whose threads share one GIL on a standard build and do not on
    3.13t, against processes, which pay for sending each block."""

    def work(t: Inputs, n: int) -> Run:
        # Imported here, when the workload runs: dask is an optional dependency, which
        # the bench sessions install.
        from dask.base import compute
        from dask.delayed import delayed

        pool: Executor
        if scheduler == "processes":
            context = multiprocessing.get_context(t.start_method)
            pool = ProcessPoolExecutor(n, mp_context=context)
        else:
            pool = ThreadPoolExecutor(n)
        t.resources.callback(pool.shutdown)
        blocks = t.chunks(DASK_BLOCKS)

        def call() -> int:
            total = delayed(sum)([delayed(_count_words)(b) for b in blocks])
            # dask.base.compute has no type hints.
            (result,) = compute(total, scheduler=scheduler, pool=pool)  # type: ignore[no-untyped-call]
            return int(result)

        return repeat(call)

    return work


# What each subinterpreter runs: the pure-Python count of word_count_py's chunks, as
# source evaluated by the builtin eval. InterpreterPoolExecutor pickles a task's function
# by name, to be imported in the worker interpreter, where no function of this package
# can be: word_count cannot be imported in a subinterpreter (its __init__ says why).
COUNT_IN_AN_INTERPRETER = "len(chunk.split())"


def _no_interpreter_pool() -> str | None:
    if hasattr(concurrent.futures, "InterpreterPoolExecutor"):
        return None
    return (
        "no concurrent.futures.InterpreterPoolExecutor before Python 3.14: "
        f"this is {platform.python_version()}"
    )


def _interpreters(t: Inputs, n: int) -> Run:
    """N subinterpreters, each with its own GIL (Python 3.14's InterpreterPoolExecutor),
    count the text's N chunks in pure Python; every call sends each chunk to its
    interpreter (pickled), as the processes workload sends it to its process."""
    # Only where _no_interpreter_pool found it (3.14 and later).
    from concurrent.futures import InterpreterPoolExecutor  # type: ignore[attr-defined,unused-ignore]

    pool = InterpreterPoolExecutor(n)
    t.resources.callback(pool.shutdown)
    tasks = [COUNT_IN_AN_INTERPRETER] * n
    scopes = [{"chunk": c} for c in t.chunks(n)]
    return repeat(lambda: sum(pool.map(eval, tasks, scopes)))


def _add_all(lines: list[str], reps: int) -> int:
    counter = word_count.WordCounter()
    for _ in range(reps):
        _add_lines(counter, lines)
    return counter.total


def _line_shares(t: Inputs, n: int) -> list[list[str]]:
    # Contiguous shares, not lines[i::n]: round-robin shares put neighbouring str objects
    # in different threads, and on 3.13t each add writes the line's (shared) refcount, so
    # the threads would fight over cache lines -- false sharing of the input, enough to
    # make two threads slower than one, where we mean to measure contention on the counter.
    lines = t.lines
    cuts = [len(lines) * k // n for k in range(n + 1)]
    return [lines[a:b] for a, b in itertools.pairwise(cuts)]


def _shared_counter(t: Inputs, n: int) -> Run:
    shares = _line_shares(t, n)

    def run(reps: int) -> int:
        counter = word_count.WordCounter()
        t.team(n).run(_add_lines, [(counter, share) for share in shares], reps)
        return counter.total

    return run


def _counter_each(t: Inputs, n: int) -> Run:
    """Each thread adds its share of the lines to a WordCounter of its own; the calling
    thread then updates the first from the others, as a user wanting every count would."""
    shares = _line_shares(t, n)

    def run(reps: int) -> int:
        counters = [word_count.WordCounter() for _ in range(n)]
        t.team(n).run(_add_lines, list(zip(counters, shares, strict=True)), reps)
        for other in counters[1:]:
            counters[0].update(other)
        return counters[0].total

    return run


_DECLARED = [
    Workload(
        "python-threads",
        "pure-Python threads",
        "N Python threads count words in pure Python (word_count_py)",
        # word_count_py runs its n chunks on threads it keeps from call to call.
        {"": Work(lambda t, n: repeat(partial(word_count.word_count_py, t.text, n)), _words)},
    ),
    Workload(
        "rust-attached-threads",
        "Python threads calling attached Rust",
        "N Python threads each call search_sequential on a chunk; "
        "the Rust code stays attached (holds the GIL on a GIL build)",
        {"": Work(lambda t, n: t.each_chunk(word_count.search_sequential, n), _needle)},
    ),
    Workload(
        "rust-detached-threads",
        "Python threads calling detached Rust",
        "N Python threads each call search_sequential_detached on a chunk",
        {"": Work(lambda t, n: t.each_chunk(word_count.search_sequential_detached, n), _needle)},
    ),
    Workload(
        "rust-threads",
        "Rust threads in one call",
        "one call, N Rust threads inside: word_count(text, N)",
        {"": Work(lambda t, n: repeat(partial(word_count.word_count, t.text, n)), _words)},
    ),
    Workload(
        "processes",
        "processes",
        "multiprocessing with N processes counting words, sending the text included",
        {"": Work(_processes, _words)},
    ),
    Workload(
        "python-interpreters",
        "subinterpreters running Python",
        "N subinterpreters, one GIL each (InterpreterPoolExecutor, Python 3.14+), count "
        "the words of N chunks in pure Python, sending each chunk to its interpreter",
        {"": Work(_interpreters, _words)},
        unavailable=_no_interpreter_pool,
    ),
    Workload(
        "shared-counter",
        "threads sharing one WordCounter",
        "N Python threads add the text's lines to one WordCounter",
        {"": Work(_shared_counter, _words)},
    ),
    Workload(
        "word-counter-per-thread",
        "a WordCounter per thread, merged",
        "N Python threads add the text's lines to a WordCounter each, merged on the "
        "calling thread at the end (update)",
        {"": Work(_counter_each, _words)},
    ),
    Workload(
        "counter-unguarded",
        "threads sharing one Counter, unguarded",
        "N Python threads add the words of their chunks to one collections.Counter, "
        "`counter[word] += 1` with no lock; its total falls short by the updates lost, "
        "which are recorded, not a failure",
        {"": Work(_one_counter(locked=False), _words)},
        lossy=True,
    ),
    Workload(
        "counter-locked",
        "threads sharing one Counter under a Lock",
        "the same, each update under one threading.Lock; must be exact",
        {"": Work(_one_counter(locked=True), _words)},
    ),
    Workload(
        "counter-per-thread",
        "a Counter per thread, merged",
        "the same loop, each thread on a Counter of its own, merged on the calling thread "
        "at the end; must be exact",
        {"": Work(_counter_per_thread, _words)},
    ),
    Workload(
        "python-threads-frequencies",
        "pure-Python threads building word frequencies",
        "N Python threads each build a Counter of a chunk's words, merged in order on one "
        "thread (word_frequencies_py(text, N)); checked against Counter(text.split())",
        {"": Work(_frequencies(word_count.word_frequencies_py), _distinct)},
    ),
    Workload(
        "rust-threads-frequencies",
        "Rust threads building word frequencies",
        "one call, N Rust threads inside: word_frequencies(text, N), a Counter; checked "
        "against Counter(text.split())",
        {"": Work(_frequencies(word_count.word_frequencies), _distinct)},
    ),
    Workload(
        "dask-threads",
        "Dask's threaded scheduler running Python tasks",
        f"Dask's threaded scheduler with N workers counts the text's {DASK_BLOCKS} blocks in "
        "pure Python, a task each (len(block.split())), and sums them",
        {"": Work(_dask("threads"), _words)},
    ),
    Workload(
        "dask-processes",
        "Dask's processes scheduler running Python tasks",
        f"Dask's processes scheduler with N worker processes counts the text's {DASK_BLOCKS} "
        "blocks in pure Python, a task each, sending each block to its process",
        {"": Work(_dask("processes"), _words)},
    ),
    Workload(
        "single-thread",
        "one thread, no thread machinery",
        "each kind of work on the calling thread alone, no thread machinery",
        {
            "str.split": Work(lambda t, _: repeat(partial(_count_words, t.text)), _words),
            "search_py": Work(
                lambda t, _: repeat(partial(word_count.search_py, t.text, NEEDLE)), _needle
            ),
            "search_sequential": Work(
                lambda t, _: repeat(partial(word_count.search_sequential, t.text, NEEDLE)),
                _needle,
            ),
            "word_count": Work(
                lambda t, _: repeat(partial(word_count.word_count, t.text, 1)), _words
            ),
            "WordCounter.add": Work(lambda t, _: partial(_add_all, t.lines), _words),
        },
        scales=False,
    ),
]
WORKLOADS = {w.name: w for w in _DECLARED}


def _cell(w: Workload, n: int, variant: str, work: Work, t: Inputs) -> Cell:
    run = work.run(t, n)
    if isinstance(run, Frequencies | Tally):
        return Cell(w.name, n, run, work.count(t), variant, run.verify, w.lossy, forget=run.forget)
    return Cell(w.name, n, run, work.count(t), variant, lossy=w.lossy)


def references(text: str) -> dict[str, Any]:
    """What ``Inputs`` would compute to check the cells of ``text``, as JSON can carry it
    to another process (``cells(..., known=...)``)."""
    t = Inputs(text, "", ExitStack())
    return {"words": t.words, "needle": t.needle, "frequencies": list(t.frequencies.items())}


@contextmanager
def cells(
    text: str,
    threads: list[int],
    start_method: str,
    workloads: list[str] | None = None,
    known: dict[str, Any] | None = None,
) -> Iterator[list[Cell]]:
    """Every cell for ``text``, each with the count it must return: the workloads that
    scale at each thread count, then the others' variants. What the cells hold (a process
    pool) is released on leaving the context. ``known``: the text's ``references``, given
    rather than computed (splitting the whole text), as the memory probes need."""
    wanted = [
        w
        for w in WORKLOADS.values()
        if (not workloads or w.name in workloads) and w.unavailable() is None
    ]
    plan = [(n, w) for n in threads for w in wanted if w.scales]
    plan += [(1, w) for w in wanted if not w.scales]
    with ExitStack() as resources:
        t = Inputs(text, start_method, resources)
        if known is not None:
            # Into the cached properties' places.
            t.words, t.needle = known["words"], known["needle"]
            t.frequencies = Counter(dict(known["frequencies"]))
        yield [_cell(w, n, variant, work, t) for n, w in plan for variant, work in w.work.items()]
