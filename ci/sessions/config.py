"""What every session shares: the interpreters (PYTHONS), where things are, the pins."""

from __future__ import annotations

from pathlib import Path

import nox

# This file is ci/sessions/config.py.
ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
BENCH_RESULTS = ROOT / "bench-results"
# Release wheels by source fingerprint (release_wheel): what dist/ gets and tests install.
WHEELS = ROOT / "target" / "wheels"
# What a wheel is built from (README.md and LICENSE are in its metadata).
WHEEL_SOURCES = [
    "Cargo.toml", "Cargo.lock", "build.rs", "pyproject.toml", "README.md", "LICENSE",
    "src", "crates", "python",
]  # fmt: skip
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")

PYTHONS = ["3.11", "3.12", "3.13", "3.13t", "3.14", "3.14t", "3.15"]
FREE_THREADED = [v for v in PYTHONS if v.endswith("t")]
# Every GIL build installs and tests the one abi3 wheel that ABI3_PYTHON builds, as
# released; each free-threaded build its own wheel (release_wheel). Where no source can
# be had (3.14, 3.15), ci/find-python takes Debian sid's binary packages
# (ci/debian-python), whose configure flags differ from the project's own builds: their
# benchmarks are labelled as Debian's and never compared with a free-threaded twin.
# Where the tests of word_count.dask run: the oldest GIL version, and 3.13 with the
# GIL and without, where distributed's compiled dependencies build from source. Elsewhere
# dask is not installed and tests/test_dask.py skips, saying so: the module is pure Python
# over the functions those sessions test, and each session with it takes about a minute
# more (3.13t: four source builds, and the suite again on 8 threads).
DASK_VERSIONS = {"3.11", "3.13", "3.13t"}
# No CPython 3.14 source can be had on this project's machines yet (see README); a
# session for such a version is skipped, loudly, when find-python cannot provide it.
OPTIONAL = {"3.14t"}
# The abi3 wheel is built with the oldest GIL interpreter it supports.
ABI3_PYTHON = "3.11"
# The kernels benchmark's interpreter: the GIL twin of 3.13t, built the same way.
KERNELS_PYTHON = "3.13"
PARALLEL_THREADS = 8
# The interpreters whose tests session runs the suite a second time with every test on
# PARALLEL_THREADS threads at once: the free-threaded builds, and the GIL twin of 3.13t,
# whose paths of its own (the GIL's hand-offs; word_frequencies attaching midway only
# when no other thread exists) no other stress run takes. The other GIL builds run the
# same code as 3.13's, through the same abi3 wheel.
STRESSED = {"3.13", *FREE_THREADED}
# The maturin pin, written once, in pyproject.toml's build-system (see the reason there).
MATURIN = next(r for r in PYPROJECT["build-system"]["requires"] if r.startswith("maturin"))
# pip in every venv: the newest tested here (a venv's bundled pip on 3.11 predates
# dependency groups and some wheel tags, so it is upgraded, but not past what was tested).
PIP = "pip>=25,<27"
# cargo fuzz, for the fuzz session, at the version tested here.
CARGO_FUZZ = "cargo-fuzz@0.13.2"
