"""Threads started together, for the tests of what many threads do at once."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_at_once(*targets: Callable[[], object]) -> list[BaseException]:
    """Run each target on a thread of its own, all released together by a barrier, and
    wait for them all; returns what they raised, in no particular order (a thread's
    exception would otherwise be printed and lost, and the test pass)."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target: Callable[[], object]) -> None:
        try:
            barrier.wait()
            target()
        except BaseException as e:  # reported to the caller; a thread must not swallow it
            errors.append(e)

    pool = [threading.Thread(target=run, args=(target,)) for target in targets]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return errors
