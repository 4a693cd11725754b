"""Suite-wide checks: the GIL must stay off on a free-threaded build, test after test."""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Iterator

import pytest
from hypothesis import settings

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled() -> bool:
    """Is the GIL on? (sys._is_gil_enabled exists from 3.13; before, it always is.)"""
    return getattr(sys, "_is_gil_enabled", lambda: True)()


settings.register_profile("default", deadline=None, print_blob=True)
# Many more examples, for a long local run: HYPOTHESIS_PROFILE=thorough.
settings.register_profile("thorough", deadline=None, print_blob=True, max_examples=5000)
# Under ThreadSanitizer (nox -s tsan) every example costs 5-20 times more; TSAN is
# there for the threads' interleavings, the inputs are the other sessions' job.
settings.register_profile("tsan", deadline=None, print_blob=True, max_examples=20)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--parallel-full",
        action="store_true",
        help="under --parallel-threads, every thread draws all of a property test's "
        "examples, and the tests of a child process run on every thread too",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "in_a_child: the test's subject is a child process it starts; under "
        "--parallel-threads it runs on one thread (unless --parallel-full)",
    )
    config.addinivalue_line(
        "markers",
        "wall_clock: the test asserts a bound in wall-clock time, which another "
        "program sharing the CPUs can break; ci/test leaves it out of the tests "
        "sessions and runs it in the latency session, alone on the machine",
    )
    config.addinivalue_line(
        "markers",
        "threaded: the test runs threads, or runs the module while the interpreter stops, "
        "forks, exits or is interrupted; nox -s tsan runs these under ThreadSanitizer",
    )
    config.addinivalue_line(
        "markers",
        "threaded_stress: a threaded test of threads sharing counters and texts, which "
        "nox -s tsan also runs on 8 threads at once (--parallel-threads=8)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under --parallel-threads=N (unless --parallel-full), two cuts of repetition:

    - each thread of a property test draws 1/N of its examples, so the N threads
      together draw as many as one thread does in a plain run (N: the threads it runs
      on, one for a test marked to run alone, fewer under parallel_threads_limit). The
      parallel run is there for the threads' interleavings, on inputs the plain run has
      covered; N times the examples made the 8-thread run of 3.13t four times as long as the
      plain one (test_frequencies' split-between-threads tests 71 s and 50 s, against
      6 s and 2 s);
    - a test marked in_a_child runs on one thread: its subject is a child process,
      which shares nothing with pytest's threads, so eight copies at once test eight
      processes side by side on 2 CPUs, not threads in one (the threads such tests are
      about run inside the child, in every run). Eight copies of
      test_ten_thousand_calls_leak_nothing took 66 s; one takes 12 s.

    pytest-run-parallel reads the thread-count markers after this hook, when collection
    finishes."""
    threads = config.getoption("parallel_threads", default=1)
    threads = (os.cpu_count() or 1) if threads == "auto" else int(threads)
    if threads <= 1 or config.getoption("parallel_full"):
        return
    seen: set[int] = set()
    for item in items:
        if item.get_closest_marker("in_a_child"):
            item.add_marker(pytest.mark.parallel_threads_limit(1))
        test = getattr(item, "obj", None)
        # Parametrized items share one function: scale its settings once.
        if test is None or not hasattr(test, "hypothesis") or id(test) in seen:
            continue
        seen.add(id(test))
        # By the threads it runs on: one, if it is marked to run alone.
        runs_on = threads
        if item.get_closest_marker("thread_unsafe") or item.get_closest_marker("in_a_child"):
            runs_on = 1
        if limit := item.get_closest_marker("parallel_threads_limit"):
            runs_on = min(runs_on, int(limit.args[0]))
        # What @given reads at call time (hypothesis/core.py); the public @settings
        # decorator refuses a test that already has explicit settings.
        current = test._hypothesis_internal_use_settings
        test._hypothesis_internal_use_settings = settings(
            current, max_examples=max(1, -(-current.max_examples // runs_on))
        )


def pytest_report_header() -> list[str]:
    import word_count

    gil = "on" if gil_enabled() else "off"
    return [
        f"word_count {word_count.__version__} from {word_count.__file__}",
        f"free-threaded build: {FREE_THREADED}, GIL {gil}",
    ]


@pytest.fixture(autouse=True)
def _gil_stays_off() -> object:
    """Fail any test after which a free-threaded interpreter has turned the GIL on, as
    NumPy's and PyO3's conftests do: an extension that re-enables it must not pass."""
    yield
    if FREE_THREADED and gil_enabled():
        pytest.fail("the GIL was enabled during this test")


@pytest.fixture
def tmp_file() -> Iterator[list[str]]:
    """Collects the files a test writes (see tmpfiles.write) and removes them after it."""
    paths: list[str] = []
    yield paths
    for path in paths:
        os.unlink(path)
