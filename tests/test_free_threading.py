"""The free-threading promises: the GIL stays off, and threads really share the work."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import sysconfig
import threading

import pytest
from threads import run_at_once

from word_count import (
    WordCounter,
    search,
    search_py,
    search_sequential,
    search_sequential_detached,
)
from word_count import (
    word_count as count,
)

pytestmark = [pytest.mark.threaded, pytest.mark.threaded_stress]

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def test_import_leaves_the_gil_as_the_build_has_it():
    # Under -W error, a module that does not declare free-threading support makes
    # CPython warn that it re-enables the GIL -- and so fail here.
    code = "import sys, word_count; print(int(getattr(sys, '_is_gil_enabled', lambda: 1)()))"
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stderr == ""
    assert out.stdout.strip() == ("0" if FREE_THREADED else "1")


def test_works_with_the_gil_forced_on():
    # PYTHON_GIL=1 is a user's choice on a free-threaded build; everything still works.
    # A GIL build accepts it and has the GIL anyway. The rest of the environment is
    # inherited: a sanitizer's options (nox -s asan) must reach the child too.
    env = {**os.environ, "PYTHON_GIL": "1"}
    out = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-c",
            "import sys, word_count as w; "
            "print(w.word_count('a b c', 2), w.search('a b a', 'a'), "
            "getattr(sys, '_is_gil_enabled', lambda: True)())",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    )
    assert out.stdout.split() == ["3", "2", "True"]


def test_many_threads_calling_everything_at_once_get_exact_results():
    text = "the quick brown fox jumps over the lazy dog\u3000é中😀\n" * 5000
    expected = {
        "count": len(text.split()),
        "search": search_py(text, "the"),
    }
    counter = WordCounter()
    threads, rounds = 8, 20
    results = []

    def worker(i):
        for _ in range(rounds):
            results.append(("count", count(text, 1 + i % 3)))
            results.append(("search", search(text, "the")))
            results.append(("search", search_sequential(text, "the")))
            results.append(("search", search_sequential_detached(text, "the")))
            counter.add("shared words here")

    assert run_at_once(*[functools.partial(worker, i) for i in range(threads)]) == []
    assert len(results) == threads * rounds * 4
    assert all(value == expected[kind] for kind, value in results)
    assert counter.total == threads * rounds * 3


def test_threads_sharing_one_non_ascii_str():
    # The first borrow of a non-ASCII str makes CPython build its UTF-8 form; threads
    # racing to do that on one fresh str must all see the same, complete text. The
    # free-threaded wheel reads a text in its own storage, never as UTF-8, but a needle
    # as UTF-8: so the needle is fresh each round too.
    for round_ in range(20):
        text = f"{round_} é中😀 " * 20_000  # a new str each round: no UTF-8 cached yet
        needle = "".join(["é中", "😀"])  # likewise: not the code object's constant
        barrier = threading.Barrier(8)
        results = []

        def worker(text=text, needle=needle, barrier=barrier, results=results):
            barrier.wait()
            results.append(search_sequential(text, needle))

        pool = [threading.Thread(target=worker) for _ in range(8)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        assert results == [20_000] * 8
