"""What merging word frequencies costs the client of a Dask cluster, per million distinct
words: ``python -m word_count.bench.merge_cost [--words N] [--rounds R]``.

``word_count.dask.word_frequencies`` merges the ranges' Counters in a tree of tasks,
then the last merge's result travels to the client. On a corpus of many distinct words
that part does not shrink with more workers, so it bounds how far the job scales. Timed
here, each step on its own, interleaved over rounds (median, and the spread):

- pickling a Counter of N distinct words and unpickling it (what a transfer between
  processes or machines costs besides the network);
- ``Counter.update`` with such a Counter, of a Counter of as many other words (a merge
  that adds only new words) and of one of the same words (one that adds only counts).
"""

from __future__ import annotations

import argparse
import pickle
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import partial


def _words(n: int) -> Counter[str]:
    # Distinct words of 6 to 9 characters, like a large vocabulary's, each counted 3 times.
    return Counter({f"w{i:x}{i % 97:02d}": 3 for i in range(n)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m word_count.bench.merge_cost")
    parser.add_argument("--words", type=int, default=1_000_000, help="distinct words")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    if args.words < 1 or args.rounds < 1:
        parser.error("--words and --rounds must be at least 1")
    part = _words(args.words)
    other = Counter({f"x{word}": 1 for word in part})  # as many words, none shared
    blob = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
    times: dict[str, list[float]] = {
        "pickle.dumps": [],
        "pickle.loads": [],
        "update adding new words": [],
        "update adding counts": [],
    }

    def timed(name: str, step: Callable[[], object]) -> None:
        start = time.perf_counter()
        step()
        times[name].append(time.perf_counter() - start)

    def round_() -> None:
        timed("pickle.dumps", lambda: pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
        timed("pickle.loads", lambda: pickle.loads(blob))
        # Into a copy made outside the timing: a Counter of other words (every word of
        # `part` is new to it), or of the same words (every word adds to a count).
        # Counter.update of an empty Counter would only time dict's copy of a dict.
        for name, base in (("update adding new words", other), ("update adding counts", part)):
            total = Counter(base)
            timed(name, partial(total.update, part))

    round_()  # warm-up
    for ts in times.values():
        ts.clear()
    for _ in range(args.rounds):
        round_()
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(
        f"{args.words:,} distinct words, {len(blob) / 1e6:.1f} MB pickled; "
        f"{platform.python_implementation()} {platform.python_version()}, GIL "
        f"{'on' if gil else 'off'}; median (min-max) of {args.rounds} interleaved rounds, "
        "seconds per million words:"
    )
    per_million = 1e6 / args.words
    for name, ts in times.items():
        print(
            f"  {name:30} {statistics.median(ts) * per_million:.3f} "
            f"({min(ts) * per_million:.3f}-{max(ts) * per_million:.3f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
