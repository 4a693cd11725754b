"""How both benchmarks measure, and what they record next to every result.

The method, because these machines are noisy (one timing can vary 2x run to run):
- every cell is run once to warm up, and timed to choose how many calls make one sample
  (enough for about 50 ms, so timer and scheduler noise stay small);
- then rounds: each round times every cell once, in a new shuffled order, so slow
  minutes hit every cell alike;
- rounds go on until every cell's median has stopped moving (under 2% between rounds)
  and 40% of the budget is spent (noise here changes minute to minute), or until the
  whole budget is spent;
- a ratio of two cells (a speedup, a throughput against a yardstick) is the median over
  rounds of the ratio of their two timings in the same round, with its quartiles
  (``paired``);
- every result is checked against its reference count, every call; a result too large
  to compare inside the timing (a Counter of word frequencies) is checked by its size on
  every call, and in full (``Cell.verify``) once each sample's timer has stopped;
- but in the lost-updates workloads, where threads update one ``Counter`` unguarded, a
  short count is the measurement: the counts lost are recorded with each sample, and
  only a count too high, or a word the text lacks, stops the run.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import random
import statistics
import sys
import sysconfig
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import word_count
from word_count import _word_count
from word_count.bench.cpu import cpu_name

# A cell's key: its workload, its variant ("" but for single-thread) and its threads.
Key = tuple[str, str, int]
Run = Callable[[int], int]


@dataclass
class Cell:
    """One thing to time: a workload at a thread count (and, for single-thread, a variant).

    ``run(reps)`` does the work ``reps`` times and returns the sum of the counts. In the
    workloads where N Python threads each call Rust, each thread repeats its call
    ``reps`` times: a sample then measures N threads counting side by side for tens of
    milliseconds, not the start of a thread (slower on a free-threaded build) or the
    wake-up of an idle CPU, either of which would swamp a call of a few milliseconds.
    """

    workload: str
    threads: int
    run: Run
    expected: int
    variant: str = ""
    # Called after each sample, outside its timing: what is wrong with the sample's last
    # result, or None. For results that take too long to compare with their reference
    # inside the timing: ``run`` keeps its last one for this to check.
    verify: Callable[[], str | None] | None = None
    # For a workload whose short count is its measurement (``Workload.lossy``): a count
    # below ``expected`` is recorded here, the counts lost per call in each sample, and
    # only a count above it stops the run.
    lossy: bool = False
    lost: list[float] = field(default_factory=list)
    # Drops the last result that ``run`` keeps for ``verify``: the memory probe calls it
    # before each measured call, whose peak would otherwise hold two results, where a
    # caller who drops each result holds one.
    forget: Callable[[], None] | None = None

    @property
    def key(self) -> Key:
        return (self.workload, self.variant, self.threads)


def repeat(fn: Callable[[], int]) -> Run:
    """``fn`` as a ``run(reps)``: called ``reps`` times on the calling thread."""
    return lambda reps: sum(fn() for _ in range(reps))


@dataclass(frozen=True)
class Rounds:
    """How long a run measures: a ``--quick`` run gives every number, less sure."""

    budget: float  # seconds of timed rounds, after which no round starts
    min_rounds: int
    max_rounds: int
    sample: float  # seconds a sample should take: the calls in one are calibrated to it
    min_time: float  # seconds of rounds even once every median has settled

    @classmethod
    def chosen(cls, quick: bool, budget: float | None, quick_budget: float) -> Rounds:
        """The settings for ``--quick`` (or not) and ``--budget`` (None: the default)."""
        if budget is None:
            budget = quick_budget if quick else 150.0
        if quick:
            return cls(budget, min_rounds=5, max_rounds=40, sample=0.02, min_time=0.0)
        # Noise here changes from minute to minute: a run must span more than one quiet spell.
        return cls(budget, min_rounds=12, max_rounds=400, sample=0.05, min_time=0.4 * budget)


def timed(cell: Cell, reps: int) -> float:
    """Seconds per call of ``cell``, over ``reps`` calls, the result checked."""
    start = time.perf_counter()
    got = cell.run(reps)
    elapsed = time.perf_counter() - start
    if cell.lossy and 0 <= got <= cell.expected * reps:
        cell.lost.append((cell.expected * reps - got) / reps)
    elif got != cell.expected * reps:
        raise SystemExit(
            f"wrong count from {cell.workload} {cell.variant} at {cell.threads} threads: "
            f"{got} for {reps} calls, expected {cell.expected} each"
        )
    problem = cell.verify() if cell.verify is not None else None
    if problem is not None:
        raise SystemExit(
            f"wrong result from {cell.workload} {cell.variant} at {cell.threads} threads: {problem}"
        )
    return elapsed / reps


def frequency_mismatch(got: object, want: Counter[str], ordered: bool = True) -> str | None:
    """How ``got`` differs from the word frequencies ``want`` (``Counter(text.split())``):
    None if it is a Counter with the same words and counts and, if ``ordered``, the same
    order of words (a Counter's order is that of first occurrence). At C speed: a second
    for ten million words, where Counter's own ``==`` loops in Python."""
    if not isinstance(got, Counter):
        return f"a {type(got).__name__}, not a Counter"
    if not dict.__eq__(got, want):
        wrong = next((w for w in itertools.chain(want, got) if got.get(w) != want.get(w)), "(none)")
        return (
            f"{len(got)} distinct words, expected {len(want)}; {wrong!r} counted "
            f"{got.get(wrong)} times, expected {want.get(wrong)}"
        )
    if ordered:
        got_words, want_words = list(got), list(want)
        if got_words != want_words:
            at = next(
                i for i, (a, b) in enumerate(zip(got_words, want_words, strict=True)) if a != b
            )
            return (
                f"the right counts, in another order: word {at} is {got_words[at]!r}, "
                f"expected {want_words[at]!r} (the order of first occurrence)"
            )
    return None


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def measure(cell_list: list[Cell], rounds: Rounds) -> dict[Key, list[float]]:
    """Warm up, calibrate, then run interleaved rounds; each cell's per-call times.

    Rounds stop once every median has settled, but not before ``rounds.min_time``."""
    reps = {}
    for cell in cell_list:
        timed(cell, 1)  # warm-up: caches, pools, UTF-8 forms, page faults
        reps[cell.key] = max(1, min(1000, math.ceil(rounds.sample / max(timed(cell, 1), 1e-9))))
        cell.lost.clear()  # the counts lost in the warm-up and the calibration
    times: dict[Key, list[float]] = {c.key: [] for c in cell_list}
    rng = random.Random(0)
    order = list(cell_list)
    started = time.monotonic()
    last_medians: dict[Key, float] = {}
    for rnd in range(1, rounds.max_rounds + 1):
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
            f"  round {rnd}: {elapsed:5.1f} s of {rounds.budget:.0f} s budget, "
            f"medians moved {moved:6.1%} at most"
        )
        settled = moved < 0.02 and elapsed >= rounds.min_time
        if rnd >= rounds.min_rounds and (settled or elapsed > rounds.budget):
            break
    return times


def quantiles(xs: list[float]) -> tuple[float, float, float]:
    if len(xs) < 2:
        return xs[0], xs[0], xs[0]
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q2, q3


def paired(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """The quartiles of ``a[i] / b[i]``: two cells' numbers from the same round, taken
    within seconds of each other, so that noise from one minute to the next cancels."""
    return quantiles([x / y for x, y in zip(a, b, strict=True)])


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


def size_name(n_bytes: int) -> str:
    """64KiB, 4MiB, 1.5GiB: no space, as it names the report's chart files too. A text is
    cut at a line end, a few bytes short of its ``--size``: rounding names 4M "4MiB"."""
    for unit, shift in (("GiB", 30), ("MiB", 20)):
        if round(n_bytes / 2**shift, 1) >= 1:
            return f"{round(n_bytes / 2**shift, 1):g}{unit}"
    return f"{round(n_bytes / 2**10, 1):g}KiB"


def default_label() -> str:
    ft = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
    return f"{sys.version_info.major}.{sys.version_info.minor}{ft}"


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
        "cpu": cpu_name(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }


def header(schema: int | str, label: str, source: str) -> dict[str, Any]:
    """How every result file begins: what it is, and what its numbers depend on (the
    interpreter, what built the module, the machine, the package's source revision)."""
    return {
        "schema": schema,
        "label": label,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "interpreter": interpreter_info(),
        "build": build_info(),
        "machine": machine_info(),
        "package": {"word_count": word_count.__version__, "source": source},
    }
