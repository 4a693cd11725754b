"""nox sessions for word-count: one test session per interpreter, wheels, lint, Rust.

    nox -s tests-3.13t        # pip install the release wheel, run the suite (+ threads)
    nox -t tests              # every interpreter in PYTHONS, and tests-oldest
    nox -s build              # dist/: manylinux2014 wheels (abi3, AArch64, cp313t), sdist
    nox -s install-check      # pip install dist/ into fresh venvs of every interpreter
    nox -s rust lint          # cargo fmt/clippy/test; ruff, stub check
    nox -s rust-aarch64       # the core's tests (NEON kernels) for AArch64, under qemu
    nox -s tests-aarch64      # the AArch64 wheel on Debian's arm64 CPython, under qemu
    nox -s insns-aarch64      # instructions a byte of the AArch64 kernels (qemu plugin)
    nox -s rust-avx512        # the AVX-512BW kernel's tests (under Bochs if the CPU lacks it)
    nox -s bench-3.13 bench-3.13t report   # the benchmark on both builds, and its report
    nox -s bench-kernels      # the kernels against memory bandwidth, wc -w, grep, Python
    nox -s bench-kernels-3.13t   # the same on the free-threaded build

Interpreters come from ``ci/find-python``, which looks on PATH and in pyenv, then in the
project's cache, and otherwise builds CPython from source -- so ``nox -s tests-3.13t``
works on a machine that has never seen 3.13t. Sessions therefore manage their own
venvs (``.nox/<session>/venv``) instead of letting nox discover interpreters: nox's
discovery would hide the build's progress and could pick an interpreter that is not the
free-threaded build's twin.

Every session that installs the module installs the release wheel ``build`` ships,
built once per source fingerprint (``release_wheel``); ``ci/test`` runs the sessions two
at a time.

Arguments after ``--`` go to pytest, e.g. ``nox -s tests-3.13t -- -k counter -x``.

The sessions' code is in ci/sessions/, a module a subject (its ``__init__`` lists them);
this file says which sessions there are, their names and tags, and what CI runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import nox

# ci/sessions is a package of this repository, not an installed one.
sys.path.insert(0, str(Path(__file__).resolve().parent / "ci"))

from sessions import aarch64, asan, bench, dist, lint, miri, rust, tests, tsan
from sessions.config import PYTHONS

nox.needs_version = ">=2025.2.9"
nox.options.error_on_external_run = False

# What CI runs: `nox` alone runs these, and ci/test reads this very list (`nox --list
# --json`), with its scheduling from the sessions' tags: NEEDS_WHEELS waits for `build`, ALONE
# runs with nothing beside it, and `report` waits for the `bench` sessions. (ci/test
# passes --quick to the benchmarks and leaves the wall-clock tests to `latency`.)
nox.options.sessions = [
    "build",
    "lint",
    "rust",
    "rust-aarch64",
    "rust-avx512",
    *[f"tests-{v}" for v in PYTHONS],
    "tests-aarch64",
    "tests-oldest",
    "install-check",
    "bench-3.13",
    "bench-3.13t",
    "report",
    "fuzz",
    "miri",
    "latency",
]
# Sessions that install the release wheels, so run after `build` made them.
NEEDS_WHEELS = "wheels"
# A session whose result depends on having the machine to itself (a wall-clock bound).
ALONE = "alone"


def _per_python(kind: str, body: Callable[[nox.Session, str], None], doc: str) -> None:
    """Register ``<kind>-<version>`` for every version in PYTHONS."""
    for version in PYTHONS:

        def session_func(session: nox.Session, version: str = version) -> None:
            body(session, version)

        session_func.__doc__ = doc.format(version=version)
        nox.session(name=f"{kind}-{version}", python=False, tags=[kind, NEEDS_WHEELS])(session_func)


# Registered in this order, which `nox --list` shows and ci/test keeps among equals.
# The tests: each interpreter's suite, its wall-clock bounds, an older Linux (tests.py).
nox.session(python=False, tags=[NEEDS_WHEELS, ALONE])(tests.latency)
nox.session(name="tests-oldest", python=False, tags=["tests", NEEDS_WHEELS])(tests.tests_oldest)
_per_python("tests", tests.tests, "Install the release wheel and run the tests on {version}.")
# The benchmarks and their report (bench.py).
_per_python("bench", bench.bench, "Run the benchmark on {version}: bench-results/{version}.json.")
nox.session(name="bench-kernels", python=False)(bench.bench_kernels)
nox.session(name="bench-kernels-3.13t", python=False)(bench.bench_kernels_ft)
nox.session(python=False, tags=["report", NEEDS_WHEELS])(bench.report)
# dist/ and its install (dist.py; the wheels themselves: wheels.py).
nox.session(python=False)(dist.build)
nox.session(name="install-check", python=False, tags=[NEEDS_WHEELS])(dist.install_check)
# The Rust core, on this CPU and under qemu for AArch64 (rust.py, aarch64.py).
nox.session(python=False)(rust.rust)
nox.session(name="rust-aarch64", python=False)(aarch64.rust_aarch64)
nox.session(name="tests-aarch64", python=False)(aarch64.tests_aarch64)
nox.session(name="insns-aarch64", python=False)(aarch64.insns_aarch64)
nox.session(name="rust-avx512", python=False)(rust.rust_avx512)
nox.session(python=False)(rust.fuzz)
nox.session(python=False, tags=[NEEDS_WHEELS])(lint.lint)
# The sanitizers and Miri (asan.py, tsan.py, miri.py).
nox.session(python=False)(asan.asan)
nox.session(python=False)(tsan.tsan)
nox.session(python=False)(miri.miri)


if __name__ == "__main__":
    sys.exit("run this file with nox (or ci/nox), not python")
