"""``asan``: the whole suite and the core's tests under AddressSanitizer and LeakSanitizer."""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

import nox

from .config import PARALLEL_THREADS, ROOT
from .sanitizers import empty_dir, sanitized_pytest, sanitized_python, sanitizer_reports
from .toolchains import apt_install, nightly_rustc

# The interpreter: CPython 3.13 with the GIL, configured --with-address-sanitizer by the
# clang of the TSAN build (ci/find-python), whose ASan runtime the module's __asan_*
# calls bind to. Not free-threaded 3.13t, though it builds and runs that way
# (3.13t-asan): 3.13t allocates every Python object -- a str's characters, a bytes' or
# a bytearray's buffer -- from its own mimalloc, which CPython compiles without
# mimalloc's ASan annotations (MI_TRACK_ASAN stays commented out in
# Include/internal/mimalloc/mimalloc/types.h) and cannot turn them on: the free-threaded
# build reads the reference counts of freed objects by design
# (https://github.com/python/cpython/issues/115491). Nor can PYTHONMALLOC choose malloc
# there ("unknown allocator"; https://github.com/python/cpython/pull/112883). Measured
# here: on 3.13t-asan, reading 64 bytes past a bytes object, or a bytearray's buffer
# after it was reallocated, gives no report; on 3.13-asan both are reported. Those are
# the memory errors a binding makes -- reading the buffers it borrows from Python, while
# detached, past their end or after their release -- and only 3.13 shows them:
# --with-address-sanitizer turns pymalloc off there, so every object is malloc'd inside
# ASan's red zones. The module's own memory (the Rust heap: tables, chunks, the pool) is
# malloc'd and checked on either build, and its parallel paths are the same on both:
# every call counts detached, on rayon's pool, while other Python threads run. What only
# 3.13t adds -- Python objects shared by threads without the GIL -- lives in mimalloc,
# out of ASan's sight; the tsan session watches those paths. (NumPy runs ASan on a
# free-threaded build, https://github.com/numpy/numpy/pull/28391, for races on array
# data, which NumPy allocates with malloc, where ASan sees it.) The cost: the abi3
# module's code, not the version-specific build's reading of a str's own storage
# (str_storage), whose kernels the core's tests run here instead.
ASAN_PYTHON = "3.13-asan"
LSAN_SUPPRESSIONS = ROOT / "ci" / "lsan-suppressions.txt"
# Tests whose own measurement ASan defeats, whatever the code does (node ids, from the
# project's root). Each runs in every tests session.
ASAN_DESELECT = [
    # It limits the address space (RLIMIT_AS, 1.5 GiB), and ASan has reserved terabytes
    # of it for its shadow memory up front (the pytest process's VSZ: 20 TB), so every
    # later mmap fails, ASan's own included ("out of memory ... InternalMmapVector").
    "tests/test_files.py::test_a_file_larger_than_the_address_space",
    "tests/test_files.py::test_a_word_longer_than_the_memory_there_is_is_a_memory_error",
    "tests/test_cli.py::test_top_reports_a_word_longer_than_the_memory_and_counts_the_rest",
    "tests/test_cli.py::test_a_buffer_beyond_the_memory_is_a_memory_error",
    # Its bound on RSS growth, 4 MB over 10,000 calls: ASan keeps freed memory poisoned in
    # a 256 MB quarantine, to catch use after free. The same calls grew RSS by 104 MB,
    # and by 1.8 MB with quarantine_size_mb=0. (Its tracemalloc bound held.)
    "tests/test_resources.py::test_ten_thousand_calls_leak_nothing",
    # Its bound on peak RSS while a 256 MiB word grows, 1.5 times the word: the stream
    # decodes the word a MiB at a time to check it, and the quarantine would hold up to
    # 256 MB of those freed str.
    "tests/test_cli.py::test_stream_grows_a_long_word_without_copying_it",
]


def asan_env(log_dir: Path, llvm: str, suppress_cpython: bool) -> dict[str, str]:
    """ASAN_OPTIONS and LSAN_OPTIONS for a run whose every report must fail the session:
    each process (every child the tests start included, whatever its exit status) writes
    its report to log_dir/asan.<pid>, and the session fails if any such file exists
    afterwards. ``suppress_cpython``: the LeakSanitizer suppressions of what CPython leaves
    allocated at exit by design (ci/lsan-suppressions.txt); the core's tests have none."""
    options = [
        f"log_path={log_dir / 'asan'}",
        # The first error ends the process (the default without -fsanitize-recover,
        # written out): what a program does after a memory error proves nothing.
        "halt_on_error=1",
        "exitcode=66",
        # Leaks are checked at every process's exit (see ci/lsan-suppressions.txt).
        "detect_leaks=1",
        # Not detect_stack_use_after_return: it made test_word_count.py and
        # test_search.py 26 % slower (47 s against 37 s), and finds only a pointer to a
        # local that outlives its function, which safe Rust rules out and none of the
        # module's unsafe blocks makes (they point into Python's buffers and the heap).
        # Stack overflows are found without it.
        f"external_symbolizer_path=/usr/lib/llvm-{llvm}/bin/llvm-symbolizer",
    ]
    env = {"ASAN_OPTIONS": ":".join(options)}
    if suppress_cpython:
        # print_suppressions=0: the tally of suppressed leaks would make a report file.
        env["LSAN_OPTIONS"] = f"suppressions={LSAN_SUPPRESSIONS}:print_suppressions=0"
        # Every Python object from malloc, inside ASan's red zones: the ASan build's
        # default (pymalloc is compiled out), said here so that no PYTHONMALLOC=mimalloc
        # in the caller's environment hides Python's objects. The Rust heap is malloc's
        # whatever this says: Rust's default allocator is the system one.
        env["PYTHONMALLOC"] = "malloc"
    return env


def asan(session: nox.Session) -> None:
    """The whole test suite under AddressSanitizer and LeakSanitizer, plainly and on
    PARALLEL_THREADS threads at once, and the core's tests: the module built with nightly
    Rust, -Zsanitizer=address and a sanitized std (-Zbuild-std), on an ASan-built CPython
    3.13 (ASAN_PYTHON says why not 3.13t). Any report fails the session. A canary runs
    first: a deliberate out-of-bounds read (WORD_COUNT_TEST_OOB=1, test-hooks builds
    only) must be reported, or the session fails; `-- --oob` arms it for the whole run,
    which must then fail. Other arguments after -- replace the test selection."""
    import time  # only here: the session logs what each step takes

    started = time.monotonic()
    parser = argparse.ArgumentParser(prog="nox -s asan --")
    parser.add_argument("--oob", action="store_true", help="arm the deliberate OOB read")
    args, selection = parser.parse_known_args(session.posargs)
    times: list[str] = []

    def took(what: str, since: float) -> None:
        times.append(f"{what} {time.monotonic() - since:.0f} s")
        session.log(f"took: {times[-1]}")

    # Every run of the ASan python that is not under test (venv, pip, maturin asking it
    # for its metadata) would fail on CPython's leaks at exit.
    session.env["ASAN_OPTIONS"] = "detect_leaks=0"
    # The standard library built sanitized (-Zbuild-std), as rustc wants every crate of a
    # sanitized build to be, so that ASan checks std's code too (Vec, slices, memchr).
    session.run("rustup", "component", "add", "rust-src", "--toolchain", "nightly")
    host, llvm = nightly_rustc(session)
    apt_install(session, [f"llvm-{llvm}"], "llvm-symbolizer, for ASan's reports")
    logs = empty_dir(session, "logs")
    cargo_env = {
        "RUSTUP_TOOLCHAIN": "nightly",
        "RUSTFLAGS": "-Zsanitizer=address",
        # Its own folder, as tsan's: the flags differ from every other build's.
        "CARGO_TARGET_DIR": str(ROOT / "target" / "asan"),
    }
    step = time.monotonic()
    session.log("the core's tests, sanitized std, -Zsanitizer=address")
    session.run(
        "cargo", "test", "-Zbuild-std", "--target", host, "-p", "word-count-core",
        "--features", "test-hooks",
        env={**cargo_env, **asan_env(logs, llvm, suppress_cpython=False)},
        success_codes=[0, 66],  # 66: ASan reported (exitcode=66); the logs are read below
    )  # fmt: skip
    took("the core's tests (build and run)", step)
    failed = bool(sanitizer_reports(session, logs, "asan", "cargo test"))

    step = time.monotonic()
    # The dask group too (DASK_VERSIONS has 3.13): the whole suite, tests/test_dask.py
    # included.
    python = sanitized_python(
        session, ASAN_PYTHON, "asan", host, llvm, cargo_env, groups=["test", "dask"]
    )
    took(f"{ASAN_PYTHON} (found or built), its venv and the module's build", step)
    env = asan_env(logs, llvm, suppress_cpython=True)
    if args.oob:
        env["WORD_COUNT_TEST_OOB"] = "1"
    with session.chdir(ROOT / "tests"):
        # The canary: the deliberate out-of-bounds read, armed in one child, must be
        # reported, or ASan is not watching the module and a clean run proves nothing.
        canary = empty_dir(session, "canary")
        subprocess.run(
            [str(python), "-c", "import word_count; word_count.word_count('a b')"],
            env={**os.environ, **asan_env(canary, llvm, suppress_cpython=True),
                 "WORD_COUNT_TEST_OOB": "1"},
            check=False,
        )  # fmt: skip
        caught = [
            p for p in canary.glob("asan*")
            if all(s in p.read_text(errors="replace")
                   for s in ("heap-buffer-overflow", "maybe_read_past_end"))
        ]  # fmt: skip
        if not caught:
            session.error("the canary read was not reported: ASan is not watching the module")
        session.log(f"canary: the deliberate out-of-bounds read was reported ({caught[0].name})")
        # The wall-clock test's bound is for uninstrumented runs (ci/test runs it alone).
        # ASAN_DESELECT's tests cannot run under ASan, whatever the selection.
        tests = [
            *(selection or ["-m", "not wall_clock"]),
            *(f"--deselect={test}" for test in ASAN_DESELECT),
        ]  # fmt: skip
        runs = [("plainly", []), (f"on {PARALLEL_THREADS} threads",
                                  [f"--parallel-threads={PARALLEL_THREADS}"])]  # fmt: skip
        for name, extra in runs:
            step = time.monotonic()
            session.log(f"pytest {' '.join(extra + tests)} (under ASan)")
            failed |= not sanitized_pytest(python, [*extra, *tests], env)
            took(f"pytest {name}", step)
    failed |= bool(sanitizer_reports(session, logs, "asan", "pytest"))
    took("the whole session", started)
    session.log("times: " + "; ".join(times))
    if failed:
        session.error("AddressSanitizer reported, or a test failed (above)")
    session.log("no AddressSanitizer report")
