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
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.error_on_external_run = False

ROOT = Path(__file__).resolve().parent
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


def find_python(session: nox.Session, version: str) -> str | None:
    """The interpreter for ``version``, from ci/find-python (its progress shows on stderr);
    None if ``version`` is OPTIONAL and cannot be had here."""
    session.log(f"finding CPython {version} (ci/find-python {version})")
    proc = subprocess.run(
        [str(ROOT / "ci" / "find-python"), version], stdout=subprocess.PIPE, text=True
    )
    if proc.returncode != 0:
        if version in OPTIONAL:
            return None
        session.error(f"ci/find-python {version} failed (see its message above)")
    return proc.stdout.strip()


def fresh_venv(session: nox.Session, version: str, name: str = "venv") -> Path:
    """A new venv for ``version`` in this session's folder; returns its python."""
    interpreter = find_python(session, version)
    if interpreter is None:
        session.skip(f"no CPython {version} on this machine and none can be built here")
    location = ROOT / ".nox" / session.name / name
    shutil.rmtree(location, ignore_errors=True)
    session.run(interpreter, "-m", "venv", str(location), silent=True)
    python = location / "bin" / "python"
    session.run(str(python), "-m", "pip", "install", "-q", "--upgrade", PIP, silent=True)
    return python


def pip(session: nox.Session, python: Path, *args: str, env: dict[str, str] | None = None) -> None:
    session.run(str(python), "-m", "pip", *args, env=env)


def is_free_threaded(version: str) -> bool:
    return version.endswith("t")


def assert_gil_stays_off(
    session: nox.Session, python: Path | str, inside: Sequence[str] = ()
) -> None:
    """Importing word_count under -W error must leave the GIL off (gil_used = false).
    ``inside``: a command that runs the interpreter elsewhere (ci/oldest's root)."""
    session.run(
        *inside,
        str(python),
        "-W",
        "error",
        "-c",
        "import sys, word_count; "
        "assert not sys._is_gil_enabled(), 'importing word_count enabled the GIL'; "
        "print('GIL off after import:', word_count.__file__)",
    )


def source_fingerprint() -> str:
    """A hash of every file a wheel is built from (WHEEL_SOURCES, committed or not): two
    checkouts with the same fingerprint build the same wheel."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
         *WHEEL_SOURCES],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    if listed.returncode == 0:
        names = [n for n in listed.stdout.decode().split("\0") if n]
    else:  # not a git checkout: every file below the sources
        names = [
            str(p.relative_to(ROOT))
            for top in WHEEL_SOURCES
            for p in ([ROOT / top] if (ROOT / top).is_file() else (ROOT / top).rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        ]
    digest = hashlib.sha256()
    for name in sorted(set(names)):
        path = ROOT / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def wheel_kind(version: str) -> str:
    """Which release wheel serves ``version``: its own for a free-threaded build, the abi3
    wheel for every GIL build."""
    return version if is_free_threaded(version) else "abi3"


_MATURIN: dict[str, Path] = {}


def maturin_venv(session: nox.Session) -> Path:
    """A venv of ABI3_PYTHON with the pinned maturin and the release group (zig, the
    auditors), made once per session; returns maturin's path (the others are beside it)."""
    if session.name not in _MATURIN:
        python = fresh_venv(session, ABI3_PYTHON, name="venv-maturin")
        pip(session, python, "install", "-q", MATURIN,
            *nox.project.dependency_groups(PYPROJECT, "release"))  # fmt: skip
        _MATURIN[session.name] = python.parent / "maturin"
    return _MATURIN[session.name]


# The oldest glibc the wheels need: manylinux2014's, 2.17 (RHEL/Alma 7 and later, Debian
# 8, Ubuntu 14.04), as rpds-py, pydantic-core and cryptography ship. maturin's zig linker
# builds against it on any machine; the machine's own linker takes its glibc's newest
# symbol versions (2.34 on Debian 12: pthread_key_create, stat64, gettid ...).
MANYLINUX = "manylinux2014"
GLIBC_MAX = (2, 17)


def release_wheel(
    session: nox.Session, kind: str, hooks: bool = False, zig: bool = True, target: str = ""
) -> Path:
    """The wheel of ``kind`` ("abi3", or a free-threaded version such as "3.13t"), built
    as released (`maturin build --release --zig --compatibility manylinux2014`) from this
    checkout, or with ``hooks`` the test-hooks build that is never released. Built once
    per source fingerprint and kept in target/wheels/, so that `build` puts in dist/ the
    very file every test, lint and bench session installs, and no session builds a wheel
    another has built (each build is a fat-LTO link). ``zig=False`` links with the
    machine's linker, as `pip install .` does: only to show that the audit catches it.
    ``target``: a Rust target to cross-build for (zig links it: no cross gcc needed)."""
    name = (
        kind + (f"-{target.split('-')[0]}" if target else "") + ("+test-hooks" if hooks else "")
        + ("" if zig else "+system-linker")
    )  # fmt: skip
    folder = WHEELS / source_fingerprint() / name
    WHEELS.mkdir(parents=True, exist_ok=True)
    # Sessions run two at a time (ci/test): one builds, another waiting for the same
    # wheel takes it when done.
    with open(WHEELS / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = sorted(folder.glob("*.whl"))
        if not found:
            if kind == "abi3":
                interpreter = find_python(session, ABI3_PYTHON)
            else:
                interpreter = find_python(session, kind)
                if interpreter is None:
                    session.skip(f"no CPython {kind} on this machine and none can be built here")
            maturin = maturin_venv(session)
            partial = folder.with_name(name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            features = ["--features", "test-hooks"] if hooks else []
            link = ["--zig", "--compatibility", MANYLINUX] if zig else []
            if target:
                add_rust_target(session, target)
                link += ["--target", target]
            session.log(f"building the {name} wheel (fingerprint {folder.parent.name})")
            session.run(
                str(maturin), "build", "--release", "--interpreter", str(interpreter),
                "--out", str(partial), *link, *features,
                env={
                    # Its own target folder per kind: switching the interpreter or the
                    # features in one folder rebuilds PyO3 and everything above it.
                    "CARGO_TARGET_DIR": str(ROOT / "target" / f"wheel-{name}"),
                    # maturin runs `python -m ziglang` from PATH: the venv's.
                    "PATH": f"{maturin.parent}{os.pathsep}{os.environ.get('PATH', '')}",
                },
            )  # fmt: skip
            partial.rename(folder)
            found = sorted(folder.glob("*.whl"))
        for old in WHEELS.iterdir():
            if old.is_dir() and old.name != folder.parent.name:
                shutil.rmtree(old, ignore_errors=True)
    if len(found) != 1:
        session.error(f"expected one wheel in {folder}, found {[w.name for w in found]}")
    session.log(f"wheel: {found[0].name} ({name}, source {folder.parent.name})")
    return found[0]


def install_wheel(session: nox.Session, python: Path, wheel: Path) -> None:
    """pip install ``wheel`` itself (no index: it has no dependencies), replacing any
    word-count already there."""
    pip(session, python, "install", "-q", "--no-index", "--force-reinstall", str(wheel))


def tests(session: nox.Session, version: str) -> None:
    kind = wheel_kind(version)
    release = release_wheel(session, kind)
    python = fresh_venv(session, version)
    install_wheel(session, python, release)
    pip(session, python, "install", "-q", *nox.project.dependency_groups(PYPROJECT, "test"))
    if version in DASK_VERSIONS:
        pip(session, python, "install", "-q", *nox.project.dependency_groups(PYPROJECT, "dask"))
    # Run from tests/ so that `import word_count` finds the installed wheel, never the
    # source folder python/word_count (which has no compiled module).
    with session.chdir(ROOT / "tests"):
        if is_free_threaded(version):
            assert_gil_stays_off(session, python)
        # --durations: every CI log shows where a session's time goes.
        session.run(str(python), "-m", "pytest", "--durations=10", *session.posargs)
        if version in STRESSED:
            session.log(f"again, every test on {PARALLEL_THREADS} threads at once")
            session.run(
                str(python),
                "-m",
                "pytest",
                f"--parallel-threads={PARALLEL_THREADS}",
                "--durations=10",
                *session.posargs,
            )
    # The tests that inject panics need hooks that release wheels lack (the skips above):
    # run them against a second build with the test-hooks Cargo feature.
    install_wheel(session, python, release_wheel(session, kind, hooks=True))
    with session.chdir(ROOT / "tests"):
        session.run(str(python), "-m", "pytest", "test_panics.py", "-rs")


@nox.session(python=False, tags=[NEEDS_WHEELS, ALONE])
def latency(session: nox.Session) -> None:
    """The tests marked wall_clock (the Ctrl-C test's 0.2 s bound), on every interpreter
    of PYTHONS, each against its release wheel. ci/test leaves them out of the tests
    sessions and runs this session alone on the machine: beside another session, the
    bound measured the scheduler (0.37 s, in a run where the code took under 0.2 s).
    Arguments after -- go to pytest."""
    ran = []
    for version in PYTHONS:
        if find_python(session, version) is None:
            session.warn(f"no CPython {version} on this machine and none can be built here")
            continue
        python = fresh_venv(session, version, name=f"venv-{version}")
        install_wheel(session, python, release_wheel(session, wheel_kind(version)))
        pip(session, python, "install", "-q", *nox.project.dependency_groups(PYPROJECT, "test"))
        with session.chdir(ROOT / "tests"):
            session.run(str(python), "-m", "pytest", "-m", "wall_clock", "-v", *session.posargs)
        ran.append(version)
    session.log(f"the wall_clock tests passed on {', '.join(ran)}")


# The interpreters of tests-oldest: the oldest the abi3 wheel supports, and the
# free-threaded one with a wheel of its own.
OLDEST_PYTHONS = ["3.11", "3.13t"]
# Run inside the bullseye root: the wheel pip installed must be a release wheel (a wheel
# built from the sdist would be tagged linux_x86_64), on a glibc older than 2.34.
CHECK_OLDEST_WHEEL = """
import importlib.metadata, platform, word_count, word_count._word_count as module
tags = [line.split(": ", 1)[1] for line in
        importlib.metadata.distribution("word-count").read_text("WHEEL").splitlines()
        if line.startswith("Tag: ")]
libc, version = platform.libc_ver()
print("installed the wheel tagged", tags, "on", libc, version, ":", module.__file__)
assert tags and all(t.endswith("-manylinux_2_17_x86_64") or t.endswith("-manylinux2014_x86_64")
                    for t in tags), tags
assert libc == "glibc" and tuple(map(int, version.split("."))) < (2, 34), (libc, version)
assert word_count.word_count("deux mots\u3000deux") == 3
"""


@nox.session(name="tests-oldest", python=False, tags=["tests", NEEDS_WHEELS])
def tests_oldest(session: nox.Session) -> None:
    """The release wheels on an older Linux: in a Debian 11 (bullseye, glibc 2.31) root
    (ci/oldest, needs root), CPython 3.11 and 3.13t are built from source, pip installs
    each one's wheel from the release wheels alone (never the sdist), and the suite runs
    (once; the 8-thread run is tests-3.13t's). Arguments after -- go to pytest.
    Skipped, saying why, where the machine forbids what a root needs (mount, chroot)."""
    probe = subprocess.run(
        [str(ROOT / "ci" / "oldest"), "--probe"], stderr=subprocess.PIPE, text=True
    )
    if probe.returncode == 3:
        session.skip(f"no Debian 11 root can be made here: {probe.stderr.strip()}")
    if probe.returncode != 0:
        session.error(f"ci/oldest --probe failed: {probe.stderr.strip()}")
    run = ROOT / ".nox" / session.name / "run"
    shutil.rmtree(run, ignore_errors=True)
    (run / "wheels").mkdir(parents=True)
    for version in OLDEST_PYTHONS:
        shutil.copy2(release_wheel(session, wheel_kind(version)), run / "wheels")
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", ".pytest_cache")
    shutil.copytree(ROOT / "tests", run / "tests", ignore=ignore)
    # The pytest settings (markers, warnings as errors) are pyproject.toml's.
    shutil.copy2(ROOT / "pyproject.toml", run / "pyproject.toml")
    for version in OLDEST_PYTHONS:
        inside = [str(ROOT / "ci" / "oldest"), "--python", version, str(run)]
        venv = f"venv-{version}"
        python = f"/oldest/{venv}/bin/python"
        session.run(*inside, "bash", "-c", f'"$(/ci/find-python {version})" -m venv {venv}')
        session.run(*inside, python, "-m", "pip", "install", "-q", "--upgrade", PIP)
        # Only wheels, and only the release wheels: pip must find one whose tags fit.
        session.run(
            *inside, python, "-m", "pip", "install", "-q", "--no-index",
            "--only-binary=:all:", "--find-links", "/oldest/wheels", "word-count",
        )  # fmt: skip
        session.run(*inside, python, "-c", CHECK_OLDEST_WHEEL)
        groups = ["test", "dask"] if version in DASK_VERSIONS else ["test"]
        deps = [d for g in groups for d in nox.project.dependency_groups(PYPROJECT, g)]
        session.run(*inside, python, "-m", "pip", "install", "-q", *deps)
        if is_free_threaded(version):
            assert_gil_stays_off(session, python, inside)
        session.run(
            *inside, "bash", "-c", 'cd tests && exec "$@"', "pytest",
            python, "-m", "pytest", "-p", "no:cacheprovider", "--durations=10",
            *session.posargs,
        )  # fmt: skip


def bench_label(session: nox.Session, version: str) -> str:
    """The version, and "Debian sid's build" when ci/find-python gives Debian's binary
    interpreter (ci/debian-python), so that no reader takes it for the project's own
    build of that version, or for anybody's twin."""
    found = find_python(session, version)
    debian = subprocess.run(
        [str(ROOT / "ci" / "debian-python"), "--cached", version.rstrip("t")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    if found and debian.returncode == 0 and debian.stdout.strip() == found:
        return f"{version} (Debian sid's build)"
    return version


def bench(
    session: nox.Session, version: str, module: str = "word_count.bench", prefix: str = ""
) -> None:
    """Install the release wheel (built if need be), then run the benchmark ``module``; writes
    bench-results/<prefix><version>.json. Arguments after -- go to the benchmark (--quick,
    --size 100M, ...: see python -m word_count.bench --help)."""
    label = bench_label(session, version)
    release = release_wheel(session, wheel_kind(version))
    python = fresh_venv(session, version)
    install_wheel(session, python, release)
    if module == "word_count.bench":
        # The dask-threads and dask-processes workloads: Dask's local schedulers only.
        pip(session, python, "install", "-q", *nox.project.dependency_groups(PYPROJECT, "bench"))
    BENCH_RESULTS.mkdir(exist_ok=True)
    out = BENCH_RESULTS / f"{prefix}{version}.json"
    # Recorded with the results, so the report can tell if two runs measured different code.
    describe = subprocess.run(
        ["git", "describe", "--always", "--dirty", "--abbrev=12"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    source = describe.stdout.strip() if describe.returncode == 0 else "unknown"
    # Run from bench-results/ so that `import word_count` is the installed wheel.
    with session.chdir(BENCH_RESULTS):
        session.run(
            str(python),
            "-m",
            module,
            "--label",
            label,
            "--source",
            source,
            "--out",
            str(out),
            *session.posargs,
        )


def _per_python(kind: str, body: Callable[[nox.Session, str], None], doc: str) -> None:
    """Register ``<kind>-<version>`` for every version in PYTHONS."""
    for version in PYTHONS:

        def session_func(session: nox.Session, version: str = version) -> None:
            body(session, version)

        session_func.__doc__ = doc.format(version=version)
        nox.session(name=f"{kind}-{version}", python=False, tags=[kind, NEEDS_WHEELS])(session_func)


_per_python("tests", tests, "Install the release wheel and run the tests on {version}.")
_per_python("bench", bench, "Run the benchmark on {version}: bench-results/{version}.json.")


@nox.session(name="bench-kernels", python=False)
def bench_kernels(session: nox.Session) -> None:
    """The kernels against memory bandwidth, wc -w, grep and pure Python, on CPython
    3.13: bench-results/kernels-3.13.json (which `report` skips). Arguments after -- go
    to it (--quick, --size 100M, --check, ...: python -m word_count.bench.kernels --help)."""
    bench(session, KERNELS_PYTHON, module="word_count.bench.kernels", prefix="kernels-")


@nox.session(name="bench-kernels-3.13t", python=False)
def bench_kernels_ft(session: nox.Session) -> None:
    """The same on free-threaded 3.13t, whose wheel reads a non-ASCII str's storage in
    place: its "UTF-8 copy" rows show that no copy is made."""
    bench(session, "3.13t", module="word_count.bench.kernels", prefix="kernels-")


@nox.session(python=False, tags=["report", NEEDS_WHEELS])
def report(session: nox.Session) -> None:
    """Merge bench-results/*.json into bench-results/report.md and speedup charts,
    after checking every result file is complete."""
    python = fresh_venv(session, ABI3_PYTHON)
    pip(session, python, "install", "-q", *nox.project.dependency_groups(PYPROJECT, "report"))
    # The report reads only JSON, but importing word_count loads the compiled module: so
    # the abi3 release wheel, as bench-3.13 installs it (release_wheel builds it once).
    install_wheel(session, python, release_wheel(session, "abi3"))
    # Run from bench-results/ so that `import word_count` is the installed wheel.
    BENCH_RESULTS.mkdir(exist_ok=True)
    with session.chdir(BENCH_RESULTS):
        session.run(str(python), "-m", "word_count.bench.report", "--check", str(BENCH_RESULTS))


@nox.session(python=False)
def build(session: nox.Session) -> None:
    """dist/: the abi3 wheel, a wheel per free-threaded CPython found (manylinux2014,
    linked by zig), and the sdist; each wheel audited (audit_wheel), `twine check` on
    all. The wheels are release_wheel's: the very files the test sessions install.
    `-- --system-linker` builds them with the machine's linker instead, which must fail
    the audit (it shows the audit works)."""
    zig = "--system-linker" not in session.posargs
    shutil.rmtree(DIST, ignore_errors=True)
    DIST.mkdir()
    shutil.copy2(release_wheel(session, "abi3", zig=zig), DIST)
    if zig:  # the machine's own linker cannot link for AArch64 (no cross gcc named)
        shutil.copy2(release_wheel(session, "abi3", target=AARCH64), DIST)
    built_ft = []
    for version in FREE_THREADED:
        if find_python(session, version) is None:
            session.warn(f"no CPython {version} here: no {version} wheel built")
            continue
        shutil.copy2(release_wheel(session, version, zig=zig), DIST)
        built_ft.append(version)
    maturin = maturin_venv(session)
    session.run(str(maturin), "sdist", "--out", str(DIST))
    apt_install(session, ["binutils"], "objdump, to read the module's glibc symbol versions")
    for wheel in sorted(DIST.glob("*.whl")):
        audit_wheel(session, wheel, maturin.parent)
    check_dist(session, built_ft)
    twine = str(maturin.parent / "twine")
    session.run(twine, "check", "--strict", *map(str, sorted(DIST.iterdir())))


def glibc_needs(library: Path) -> list[tuple[tuple[int, ...], str]]:
    """Every (glibc version, symbol) ``library`` imports, from `objdump -T`."""
    out = subprocess.run(
        ["objdump", "-T", str(library)], stdout=subprocess.PIPE, text=True, check=True
    ).stdout
    needs = []
    for line in out.splitlines():
        m = re.search(r"\(?GLIBC_([0-9.]+)\)?\s+(\S+)\s*$", line)
        if m:
            needs.append((tuple(int(p) for p in m.group(1).split(".")), m.group(2)))
    return needs


# The x86_64 kernels count mask bits (`count_ones`), and `#[target_feature(enable =
# "avx2")]` does not imply POPCNT: without asking for it too, each count compiled to a
# software bit count of a dozen instructions, and the module held no `popcnt` at all.
# Now it holds six (the AVX2 and AVX-512BW word starts, the word spans twice, the
# Latin-1 and UCS-2 storage kernels). The release wheels are stripped, so no kernel can
# be found by name: this is the fewest `popcnt` instructions an x86_64 module may hold,
# one for each kind of kernel that counts bits.
POPCNT_AT_LEAST = 4


def popcnt_count(library: Path) -> int:
    """How many `popcnt` instructions ``library``'s code holds (objdump -d)."""
    out = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", str(library)],
        stdout=subprocess.PIPE, text=True, check=True,
    ).stdout  # fmt: skip
    return sum(1 for line in out.splitlines() if "\tpopcnt" in line)


def audit_wheel(session: nox.Session, wheel: Path, tools: Path) -> None:
    """Fail, in one line naming the wheel, unless: no symbol of its extension is
    versioned above GLIBC_MAX (read here, so that a wrong tag cannot hide one),
    `auditwheel show` finds it manylinux_2_17 compatible, and, for an abi3 wheel,
    abi3audit finds no call outside the limited API; and, on x86_64, its module holds
    at least POPCNT_AT_LEAST `popcnt` instructions."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as zf:
        for member in (n for n in zf.namelist() if n.endswith(".so")):
            library = Path(zf.extract(member, tmp))
            if "x86_64" in wheel.name and (n := popcnt_count(library)) < POPCNT_AT_LEAST:
                session.error(
                    f"{wheel.name}: {Path(member).name} holds {n} popcnt instructions, "
                    f"fewer than POPCNT_AT_LEAST ({POPCNT_AT_LEAST}): a kernel lost POPCNT"
                )
            too_new = [(v, sym) for v, sym in glibc_needs(library) if v[:2] > GLIBC_MAX]
            if too_new:
                version, symbol = max(too_new)
                session.error(
                    f"{wheel.name}: {Path(member).name} needs {symbol} from GLIBC_"
                    f"{'.'.join(map(str, version))}, newer than {MANYLINUX}'s glibc "
                    f"{'.'.join(map(str, GLIBC_MAX))} ({len(too_new)} such symbols)"
                )
    shown = subprocess.run(
        [str(tools / "auditwheel"), "show", str(wheel)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    tag = f"manylinux_{GLIBC_MAX[0]}_{GLIBC_MAX[1]}_"
    if shown.returncode != 0 or tag not in shown.stdout:
        said = " ".join(shown.stdout.split())[:300]
        session.error(f"{wheel.name}: auditwheel show does not find it {tag}* compatible: {said}")
    if "-abi3-" in wheel.name:
        audit = subprocess.run(
            [str(tools / "abi3audit"), "--strict", "--summary", str(wheel)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        if audit.returncode != 0:
            said = " ".join(audit.stdout.split())[:300]
            session.error(f"{wheel.name}: abi3audit finds calls outside the limited API: {said}")
    popcnt = f", >= {POPCNT_AT_LEAST} popcnt" if "x86_64" in wheel.name else ""
    session.log(f"audited  {wheel.name}: glibc <= {'.'.join(map(str, GLIBC_MAX))}, {tag}*{popcnt}")


def wheel_tags(wheel: Path) -> list[str]:
    """The tags a wheel's own WHEEL file declares."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/WHEEL"))
        text = zf.read(name).decode()
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")]


def check_dist(session: nox.Session, free_threaded: list[str]) -> None:
    """Exactly the expected files, each wheel's tags and extension module as promised."""
    wheels = sorted(DIST.glob("*.whl"))
    sdists = sorted(DIST.glob("*.tar.gz"))
    if len(sdists) != 1:
        session.error(f"expected one sdist in dist/, found {[s.name for s in sdists]}")
    # (interpreter-abi, CPU): the extension module's name.
    expected = {
        ("cp311-abi3", "x86_64"): "_word_count.abi3.so",
        ("cp311-abi3", "aarch64"): "_word_count.abi3.so",
    }
    for version in free_threaded:
        nodot = version.rstrip("t").replace(".", "")
        expected[(f"cp{nodot}-cp{nodot}t", "x86_64")] = f"_word_count.cpython-{nodot}t-"
    found = {}
    # cp311-abi3-manylinux2014_x86_64 -> ("cp311-abi3", "x86_64"), one per wheel.
    platform = re.compile(r"^manylinux(?:2014|_2_17)_(\w+)$")
    for wheel in wheels:
        tags = wheel_tags(wheel)
        kinds = set()
        for tag in tags:
            interpreter, abi, plat = tag.split("-")
            m = platform.match(plat)
            if m is None:
                session.error(f"{wheel.name}: tag {tag} is not {MANYLINUX}")
            kinds.add((f"{interpreter}-{abi}", m.group(1)))
        if len(kinds) != 1:
            session.error(f"{wheel.name}: mixed tags {tags}")
        key = kinds.pop()
        if key not in expected:
            session.error(f"{wheel.name}: unexpected tags {tags}")
        with zipfile.ZipFile(wheel) as zf:
            modules = [n for n in zf.namelist() if n.startswith("word_count/_word_count")]
            names = set(zf.namelist())
        if not any(Path(m).name.startswith(expected[key]) for m in modules):
            session.error(f"{wheel.name}: extension module {modules}, expected {expected[key]}*")
        for needed in (
            "word_count/__init__.py",
            "word_count/py.typed",
            "word_count/_word_count.pyi",
            "word_count/_reference.py",
        ):
            if needed not in names:
                session.error(f"{wheel.name}: {needed} is missing")
        found[key] = wheel
        session.log(f"ok  {wheel.name}: tags {', '.join(tags)}; module {Path(modules[0]).name}")
    missing = set(expected) - set(found)
    if missing:
        session.error(f"no wheel with tags {sorted(missing)} in dist/")
    session.log(f"ok  {sdists[0].name}")


@nox.session(name="install-check", python=False, tags=[NEEDS_WHEELS])
def install_check(session: nox.Session) -> None:
    """pip install the wheels in dist/ into fresh venvs, and the sdist on both builds."""
    if not list(DIST.glob("*.whl")):
        session.error("dist/ has no wheels: run `nox -s build` first")
    for version in PYTHONS:
        if version in OPTIONAL and not any(
            DIST.glob(f"*cp{version.rstrip('t').replace('.', '')}t*.whl")
        ):
            session.log(f"no {version} wheel in dist/: not checked")
            continue
        python = fresh_venv(session, version, name=f"venv-{version}")
        pip(session, python, "install", "-q", "--no-index", "--find-links", str(DIST), "word-count")
        check_import(session, python, version)
    sdist = next(DIST.glob("*.tar.gz"))
    for version in (ABI3_PYTHON, "3.13t"):
        python = fresh_venv(session, version, name=f"venv-sdist-{version}")
        # Building from the sdist needs maturin from the index: no --no-index here.
        pip(session, python, "install", "-q", str(sdist))
        check_import(session, python, version)


def check_import(session: nox.Session, python: Path, version: str) -> None:
    with session.chdir(ROOT / "tests"):
        session.run(
            str(python),
            "-W",
            "error",
            "-c",
            "import sys, word_count as w; "
            "gil = getattr(sys, '_is_gil_enabled', lambda: True)(); "
            "assert w.word_count('a b\\u3000c', 2) == 3 and w.search('a b a', 'a') == 2; "
            f"assert gil != {is_free_threaded(version)}, 'GIL state unexpected'; "
            "print(sys.version.split()[0], 'GIL', 'on' if gil else 'off', w.__file__)",
        )


@nox.session(python=False)
def rust(session: nox.Session) -> None:
    """cargo fmt --check, clippy with warnings as errors, and the core's tests."""
    cargo = ["cargo"]
    session.run(*cargo, "fmt", "--all", "--check")
    session.run(*cargo, "clippy", "--workspace", "--all-targets", "--", "-D", "warnings")
    session.run(*cargo, "test", "--workspace")


AARCH64 = "aarch64-unknown-linux-gnu"
# Every Debian package the AArch64 sessions need, named: apt's --no-install-recommends
# leaves out libc6-dev-arm64-cross (only a Recommends of the cross gcc), and without it
# the link fails with "cannot find Scrt1.o" -- on a new machine only.
AARCH64_PACKAGES = [
    "gcc-aarch64-linux-gnu",  # the cross linker cargo uses
    "libc6-dev-arm64-cross",  # crt1.o, crti.o, libc.so for the link
    "qemu-user",  # qemu-aarch64, which runs the tests
]


def apt_install(session: nox.Session, packages: list[str], why: str) -> None:
    """Install the missing ones of ``packages`` from Debian by name (ci/apt-install)."""
    session.run(str(ROOT / "ci" / "apt-install"), "--why", why, *packages)


def add_rust_target(session: nox.Session, target: str) -> None:
    """rustup's standard library for ``target``, if missing (a new machine lacks it)."""
    installed = subprocess.run(
        ["rustup", "target", "list", "--installed"], stdout=subprocess.PIPE, text=True
    ).stdout.split()
    if target not in installed:
        session.run("rustup", "target", "add", target)


def check_aarch64_toolchain(session: nox.Session) -> None:
    """Link a trivial C program with the cross gcc and run it under qemu-aarch64: one
    clear line naming the missing piece if the toolchain cannot build and run for
    AArch64, instead of a linker error deep in cargo's output."""
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = Path(tmp) / "hello.c", Path(tmp) / "hello"
        src.write_text("int main(void) { return 42; }\n")
        link = subprocess.run(
            ["aarch64-linux-gnu-gcc", str(src), "-o", str(exe)], capture_output=True, text=True
        )
        if link.returncode != 0:
            first = (link.stderr.strip().splitlines() or ["no output"])[0]
            session.error(
                "aarch64-linux-gnu-gcc cannot link a trivial program "
                f"(is libc6-dev-arm64-cross installed?): {first}"
            )
        run = subprocess.run(
            ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", str(exe)], capture_output=True
        )
        if run.returncode != 42:
            session.error(
                f"qemu-aarch64 does not run an AArch64 program (exit {run.returncode}): "
                f"{run.stderr.decode(errors='replace').strip()[:200]} (is qemu-user installed?)"
            )


def aarch64_toolchain(session: nox.Session) -> dict[str, str]:
    """Install what building for AArch64 needs, if missing: the Rust target (rustup), and
    AARCH64_PACKAGES (apt); check that they link and run a program. Returns cargo's
    environment for the target."""
    add_rust_target(session, AARCH64)
    apt_install(session, AARCH64_PACKAGES, "to build and run for AArch64")
    check_aarch64_toolchain(session)
    return {
        "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER": "aarch64-linux-gnu-gcc",
        "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER": "qemu-aarch64 -L /usr/aarch64-linux-gnu",
    }


@nox.session(name="rust-aarch64", python=False)
def rust_aarch64(session: nox.Session) -> None:
    """The core's tests built for AArch64 and run under qemu-aarch64, so the NEON kernels
    are tested on a machine without an ARM CPU; clippy for the whole workspace on that
    target. qemu runs the code, not its speed: no timing is taken here."""
    env = aarch64_toolchain(session)
    target = ["--target", AARCH64]
    session.run(
        "cargo", "clippy", "--workspace", "--all-targets", *target, "--", "-D", "warnings",
        env=env,
    )  # fmt: skip
    session.run("cargo", "test", "-p", "word-count-core", *target, env=env)


# What tests-aarch64 runs: every test of what the functions return. The others test the
# process around them (fork, signals, memory, exit), which qemu-user emulates differently:
# it aborts forking a process that has threads, reserves the address space a limit is
# tested against, grows RSS by 286 kB per Python thread it runs (a bare threading.Thread
# loop shows it), and runs too slowly for the 0.2 s Ctrl-C promise. Left out too: the
# memory of a 1 GiB file and the CLI's bar for one, which read a gigabyte through qemu
# (65 of the 348 s the tests took here), and of a 256 MiB word on standard input (7 s),
# to test the process, not the NEON results. And
# the `word-count` command: the guest has no pip, so the host's pip installs into a folder
# (--target), whose scripts would start the host's x86 interpreter; `python -m
# word_count`, the same program, is tested there instead.
AARCH64_TESTS = [
    "test_word_count.py",
    "test_search.py",
    "test_bytes.py",
    "test_counter.py",
    "test_files.py",
    "test_cli.py",
    "-k",
    "not test_a_file_larger_than_the_address_space"
    " and not test_a_word_longer_than_the_memory_there_is_is_a_memory_error"
    " and not test_top_reports_a_word_longer_than_the_memory_and_counts_the_rest"
    " and not test_a_buffer_beyond_the_memory_is_a_memory_error"
    " and not test_a_1_gib_file_needs_a_few_blocks_of_memory_not_a_copy"
    " and not test_stream_grows_a_long_word_without_copying_it"
    " and not test_a_bar_on_a_terminal_for_a_file_over_1_gb"
    " and not word-count and not test_the_command_is_on_the_path_of_its_environment",
]


@nox.session(name="tests-aarch64", python=False)
def tests_aarch64(session: nox.Session) -> None:
    """The release abi3 wheel for AArch64 (manylinux2014, cross-linked by zig), tested end
    to end on Debian's arm64 CPython under qemu-aarch64 (ci/aarch64-python): the NEON
    kernels inside the real module. Arguments after -- replace the test selection
    (AARCH64_TESTS)."""
    aarch64_toolchain(session)  # qemu-aarch64 and the arm64 libc the guest runs on
    guest = subprocess.run(
        [str(ROOT / "ci" / "aarch64-python")], stdout=subprocess.PIPE, text=True, check=True
    ).stdout.strip()
    guest_version = subprocess.run(
        [guest, "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        stdout=subprocess.PIPE, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    wheel = release_wheel(session, "abi3", target=AARCH64)
    python = fresh_venv(session, ABI3_PYTHON)
    # The guest has no pip: install into a folder with the host's pip, for the guest's
    # platform and version (the test dependencies are pure Python).
    site = ROOT / ".nox" / session.name / "site"
    shutil.rmtree(site, ignore_errors=True)
    # manylinux2014_aarch64.manylinux_2_17_aarch64: one --platform each.
    platforms = wheel.name.removesuffix(".whl").rsplit("-", 1)[1].split(".")
    pip(
        session, python, "install", "-q", "--target", str(site), "--only-binary=:all:",
        "--implementation", "cp", "--python-version", guest_version,
        *(f"--platform={p}" for p in platforms),
        str(wheel), *nox.project.dependency_groups(PYPROJECT, "test"),
    )  # fmt: skip
    with session.chdir(ROOT / "tests"):
        session.run(
            guest, "-c",
            "import platform, word_count; "
            "print(platform.machine(), word_count.__file__, word_count.word_count('a b\u3000c'))",
            env={"PYTHONPATH": str(site)},
        )  # fmt: skip
        session.run(
            guest, "-m", "pytest", "-p", "no:cacheprovider",
            "--durations=5", *(session.posargs or AARCH64_TESTS),
            env={"PYTHONPATH": str(site)},
        )  # fmt: skip


# What insns-aarch64 counts, each case as run by ci/aarch64-insns/main.rs, and the case
# whose count (the text made, nothing counted) is subtracted from it.
INSNS_CASES = [
    ("none", "the English-like text alone"),
    ("ab", '"a b a b ..." alone'),
    ("word_count", "`count_words`"),
    ("frequencies", "`frequencies_in`, one chunk"),
    ("search:the", '`count_token(text, "the")`'),
    ("search:government", '`count_token(text, "government")`'),
    ("search:Zanzibar", '`count_token(text, "Zanzibar")` (no match)'),
    ("ab:a", '`count_token("a b a b ...", "a")`'),
    ("latin1", "the text as Latin-1 units alone"),
    ("latin1:words", "`word_starts`, Latin-1"),
    ("ucs2", "the text as UCS-2 units alone"),
    ("ucs2:words", "`word_starts`, UCS-2"),
    ("ucs2:frequencies", "`frequencies_in`, UCS-2, one chunk"),
    ("ucs4", "the text as UCS-4 units alone"),
    ("ucs4:words", "`word_starts`, UCS-4"),
    ("ucs4:frequencies", "`frequencies_in`, UCS-4, one chunk"),
]
# The cases that make a text and call nothing on it.
INSNS_TEXTS = ("none", "ab", "latin1", "ucs2", "ucs4")


@nox.session(name="insns-aarch64", python=False)
def insns_aarch64(session: nox.Session) -> None:
    """Instructions a byte the AArch64 kernels execute, counted under qemu-aarch64 by a
    TCG plugin (ci/aarch64-insns): the one measure of the NEON code this project can
    take without an ARM CPU. A count, not a time: it says nothing of the cycles an
    instruction takes or of memory. Not part of CI.

    nox -s insns-aarch64 -- [--base REV] [--mib N]

    With --base, the same program is built against the core of REV too (a git worktree)
    and the table compares the two; the text is the same on every run."""
    parser = argparse.ArgumentParser(prog="nox -s insns-aarch64 --")
    parser.add_argument("--base", help="a commit to compare with (git rev)")
    parser.add_argument("--mib", type=int, default=4, help="MiB of text (default 4)")
    args = parser.parse_args(session.posargs)
    env = aarch64_toolchain(session)
    apt_install(session, ["gcc"], "to build the QEMU plugin that counts instructions")
    work = ROOT / ".nox" / "insns-aarch64"
    work.mkdir(parents=True, exist_ok=True)
    plugin = work / "libinsn-count.so"
    session.run(
        "gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", str(plugin),
        str(ROOT / "ci" / "aarch64-insns" / "insn-count.c"),
    )  # fmt: skip
    sources = {"HEAD (working tree)": ROOT / "crates" / "word-count-core"}
    if args.base:
        base = work / "base"
        if base.exists():
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT)
        session.run("git", "worktree", "add", "--detach", "--force", str(base), args.base)
        sources = {args.base: base / "crates" / "word-count-core", **sources}
    exes = {}
    for i, (name, core) in enumerate(sources.items()):
        crate = work / f"program{i}"
        (crate / "src").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "ci" / "aarch64-insns" / "main.rs", crate / "src" / "main.rs")
        (crate / "Cargo.toml").write_text(
            '[package]\nname = "aarch64-insns"\nversion = "0.0.0"\nedition = "2021"\n'
            f"[dependencies]\nword-count-core = {{ path = {json.dumps(str(core))} }}\n"
            "[workspace]\n"
        )
        session.run(
            "cargo", "build", "--quiet", "--release", "--target", AARCH64,
            "--manifest-path", str(crate / "Cargo.toml"), env=env,
        )  # fmt: skip
        exes[name] = crate / "target" / AARCH64 / "release" / "aarch64-insns"

    def insns(exe: Path, case: str) -> tuple[int, str]:
        run = subprocess.run(
            ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "-plugin", str(plugin),
             str(exe), case, str(args.mib)],
            capture_output=True, text=True,
        )  # fmt: skip
        found = re.search(r"^insns (\d+)$", run.stderr, re.M)
        if run.returncode != 0 or not found:
            session.error(
                f"{case}: qemu-aarch64 with the plugin failed (exit {run.returncode}): "
                f"{run.stderr.strip()[:300]} -- the plugin is written for QEMU 7.2's API "
                "(Debian 12); see ci/aarch64-insns/insn-count.c"
            )
        return int(found.group(1)), run.stdout.strip()

    size = args.mib << 20
    rows = []
    for case, what in INSNS_CASES:
        rows.append((case, what, {name: insns(exe, case) for name, exe in exes.items()}))
    names = list(exes)
    emulator = subprocess.run(
        ["qemu-aarch64", "--version"], capture_output=True, text=True
    ).stdout.splitlines()[0]
    lines = [
        f"Instructions a byte of text, counted under {emulator}, {args.mib} MiB of text",
        "(the instructions that make the text subtracted). Each cell: instructions a",
        "byte, and the call's result. The ratio is the first column over the second.",
        "The text is ASCII: in a `str`'s storage (UCS-2, UCS-4), a byte is a character.",
        "",
        "| case | " + " | ".join(names) + (" | ratio |" if len(names) == 2 else " |"),
        "|---|" + "---:|" * (len(names) + (len(names) == 2)),
    ]
    # A text alone, subtracted from the cases "TEXT:..." (and "none" from the others).
    alone = {case: counts for case, _, counts in rows if case in INSNS_TEXTS}
    for case, what, counts in rows:
        if case in alone:
            continue
        none = alone.get(case.split(":")[0], alone["none"])
        per_byte = [(counts[n][0] - none[n][0]) / size for n in names]
        cells = [f"{b:.2f} ({counts[n][1]})" for b, n in zip(per_byte, names, strict=True)]
        if len(names) == 2:
            cells.append(f"{per_byte[0] / per_byte[1]:.2f}×" if per_byte[1] > 0 else "")
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    BENCH_RESULTS.mkdir(exist_ok=True)
    out = BENCH_RESULTS / "insns-aarch64.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    session.log(f"written to {out.relative_to(ROOT)}")


# The core's tests that reach the AVX-512BW kernels: their own (every kernel against the
# scalar model, 1000 cases each), and those of the word counts built on the word-start
# kernel (the only caller, encoding.rs's count of word starts). The token search kernels'
# tests (UTF-8 and a str's storage) and the storage word-start kernels' check them
# directly. The rest of the core has no AVX-512 code, and under Bochs all of it took 8 of
# CI's minutes on an AMD machine.
AVX512_TESTS = ["word_starts::", "words::", "text::", "chunks::", "stream::", "token_masks::",
                "str_storage::", "storage_tokens::"]  # fmt: skip


def has_avx512bw() -> bool:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(
        line.startswith("flags") and "avx512bw" in line.split() for line in cpuinfo.splitlines()
    )


@nox.session(name="rust-avx512", python=False)
def rust_avx512(session: nox.Session) -> None:
    """The AVX-512BW kernel's tests (AVX512_TESTS): on this CPU if it has AVX-512BW,
    else on an emulated one (Bochs, ci/bochs/run), so the kernel is tested on machines
    without it; fails unless that kernel ran. Arguments after -- go to the test binary
    (default: AVX512_TESTS, 1000 cases each); `-- --bochs` emulates even where the CPU
    has AVX-512BW."""
    posargs = list(session.posargs)
    emulate = "--bochs" in posargs or not has_avx512bw()
    posargs = [a for a in posargs if a != "--bochs"]
    args = posargs or ["--test-threads=1", "--nocapture", *AVX512_TESTS]
    if emulate:
        where = "on an emulated CPU (Bochs)"
        out = subprocess.run(
            [
                "cargo", "test", "-p", "word-count-core", "--release", "--no-run",
                "--target", "x86_64-unknown-linux-gnu", "--message-format=json",
            ],
            # Static: the guest has no libc. --target keeps these flags off the host's builds.
            env={**os.environ, "RUSTFLAGS": "-C target-feature=+crt-static"},
            cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True,
        ).stdout  # fmt: skip
        binaries = [
            m["executable"]
            for m in map(json.loads, out.splitlines())
            if m.get("reason") == "compiler-artifact" and m.get("executable")
            and m["target"]["name"] == "word_count_core"
        ]  # fmt: skip
        if len(binaries) != 1:
            session.error(f"expected one test binary of word_count_core, found {binaries}")
        command = [str(ROOT / "ci" / "bochs" / "run"), "-v", "-e", "PROPTEST_CASES=1000",
                   binaries[0], *args]  # fmt: skip
        env = None
    else:
        where = "on this CPU, which has AVX-512BW"
        command = ["cargo", "test", "-p", "word-count-core", "--release", "--lib", "--", *args]
        env = {**os.environ, "PROPTEST_CASES": "1000"}
    session.log(f"the AVX-512BW kernel's tests, {where}")
    run = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    print(run.stdout)
    if run.returncode != 0:
        session.error(f"the tests failed {where} (exit status {run.returncode})")
    if not posargs and "kernels checked: dispatch, avx512bw" not in run.stdout:
        session.error(f"the AVX-512BW kernel did not run {where}")


@nox.session(python=False)
def fuzz(session: nox.Session) -> None:
    """Fuzz the core against simple models, every target of fuzz/fuzz_targets (the
    kernels, the word frequencies, the file stream, the parallel file reader) for SECONDS
    each (default 60), and
    fail on the first crash or mismatch: `nox -s fuzz -- [SECONDS] [TARGET...]`.

    One build (ASan) of all targets, then each target in turn on its corpus,
    fuzz/corpus/TARGET (kept between runs, not committed), the committed seeds of
    fuzz/seeds/TARGET and the dictionary fuzz/text.dict. Installs cargo-fuzz if missing,
    and g++ for libFuzzer's sources. RUSTC_BOOTSTRAP lets the stable toolchain take the
    sanitizer flags cargo-fuzz passes, so no nightly toolchain is needed."""
    fuzz_dir = ROOT / "fuzz"
    known = sorted(p.stem for p in (fuzz_dir / "fuzz_targets").glob("*.rs"))
    args = list(session.posargs)
    seconds = args.pop(0) if args and args[0].isdigit() else "60"
    unknown = sorted(set(args) - set(known))
    if unknown:
        session.error(f"no fuzz target {', '.join(unknown)}; there are {', '.join(known)}")
    if shutil.which("cargo-fuzz") is None:
        session.run("cargo", "install", "--locked", CARGO_FUZZ)
    apt_install(session, ["g++"], "libfuzzer-sys compiles libFuzzer's C++")
    env = {"RUSTC_BOOTSTRAP": "1"}
    with session.chdir(fuzz_dir):
        session.run("cargo", "fuzz", "build", env=env)
        for target in args or known:
            corpus = fuzz_dir / "corpus" / target
            corpus.mkdir(parents=True, exist_ok=True)
            seeds = fuzz_dir / "seeds" / target
            dirs = [str(corpus), *([str(seeds)] if seeds.is_dir() else [])]
            # -len_control=0: inputs up to the full length (4096 bytes) at once, not
            # grown over minutes from a few bytes, which a short run would never outlive.
            # -dict: Python's whitespace, surrogates and bad UTF-8, which mutation seldom
            # builds byte by byte. -timeout: an input this slow is a hang, and fails.
            session.run(
                "cargo", "fuzz", "run", target, *dirs, "--", f"-max_total_time={seconds}",
                "-len_control=0", f"-dict={fuzz_dir / 'text.dict'}", "-timeout=30",
                env=env,
            )  # fmt: skip


@nox.session(python=False, tags=[NEEDS_WHEELS])
def lint(session: nox.Session) -> None:
    """ruff (lint and format), the type stub checked against the built module, and
    clippy on the free-threaded 3.13 build of the module."""
    # The rust session's clippy builds the abi3 module, so the code under
    # cfg(Py_GIL_DISABLED) -- reading a str's storage, a dict read in its critical
    # section -- was never linted. Here, after the build session, 3.13t is at hand.
    clippy_env = {
        "PYO3_PYTHON": str(find_python(session, "3.13t")),
        "CARGO_TARGET_DIR": str(ROOT / "target" / "clippy-3.13t"),
    }
    session.run(
        "cargo", "clippy", "-p", "word-count", "--all-targets", "--", "-D", "warnings",
        env=clippy_env,
    )  # fmt: skip
    python = fresh_venv(session, ABI3_PYTHON)
    # The report group too: mypy checks the report's matplotlib calls against its types.
    groups = nox.project.dependency_groups(PYPROJECT, "lint", "report", "dask")
    pip(session, python, "install", "-q", *groups)
    bindir = python.parent
    session.run(str(bindir / "ruff"), "check", str(ROOT))
    session.run(str(bindir / "ruff"), "format", "--check", str(ROOT))
    # Every relative link and anchor in the docs, and every name ARCHITECTURE.md gives.
    session.run(str(python), str(ROOT / "ci" / "check-docs"))
    install_wheel(session, python, release_wheel(session, "abi3"))
    with session.chdir(ROOT / "tests"):
        session.run(str(python), "-m", "mypy.stubtest", "word_count._word_count")
        session.run(str(python), "-m", "mypy", "--strict", str(ROOT / "python" / "word_count"))


# --- AddressSanitizer -------------------------------------------------------------
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


SANITIZERS = {"asan": "AddressSanitizer", "tsan": "ThreadSanitizer"}


def sanitizer_reports(session: nox.Session, log_dir: Path, prefix: str, what: str) -> list[Path]:
    """The report files a sanitizer wrote into log_dir (its log_path is log_dir/prefix),
    each printed whole."""
    reports = sorted(log_dir.glob(f"{prefix}*"))
    for report in reports:
        session.log(f"--- {report.name} ---\n{report.read_text(errors='replace')}")
    if reports:
        session.log(f"{what}: {SANITIZERS[prefix]} wrote {len(reports)} report file(s), above")
    return reports


def sanitized_pytest(python: Path, args: list[str], env: dict[str, str]) -> bool:
    """pytest ``args`` with ``env`` added: True if it passed. The hang guard's bound
    (pyproject.toml) times 6: TSAN runs 5 to 15 times slower, ASan about twice, and the
    machine may be shared."""
    command = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "--durations=10",
               "--timeout=1800", *args]  # fmt: skip
    return subprocess.run(command, env={**os.environ, **env}, check=False).returncode == 0


def empty_dir(session: nox.Session, name: str) -> Path:
    """.nox/SESSION/name, emptied: a run's logs, canary reports or wheels, never the last
    run's."""
    path = ROOT / ".nox" / session.name / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def session_env(session: nox.Session) -> dict[str, str]:
    """The environment session.run gives a command, for subprocess.run: the process's
    with the session's settings, where nox's None unsets a variable."""
    env = dict(os.environ)
    for key, value in session.env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def sanitized_python(
    session: nox.Session, version: str, prefix: str, host: str, llvm: str,
    cargo_env: dict[str, str], groups: Sequence[str],
) -> Path:  # fmt: skip
    """A fresh venv of the sanitizer-built CPython ``version`` (ci/find-python), with the
    module built by nightly Rust with ``cargo_env`` (the sanitizer's RUSTFLAGS, its own
    target folder), -Zbuild-std, the test hooks and the Cargo profile named ``prefix``,
    and the dependency ``groups``: its python."""
    python = fresh_venv(session, version)
    # The module carries no sanitizer runtime; the interpreter's must be the one
    # nightly's LLVM instruments for (ci/find-python's TSAN_CLANG_MAJOR).
    cc = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_config_var('CC'))"],
        stdout=subprocess.PIPE, text=True, check=True, env=session_env(session),
    ).stdout.strip()  # fmt: skip
    if cc != f"clang-{llvm}":
        session.error(
            f"{version} was built with {cc!r}, but nightly Rust instruments for LLVM "
            f"{llvm}: set TSAN_CLANG_MAJOR={llvm} in ci/find-python, and remove the old "
            "build from its cache"
        )
    maturin = maturin_venv(session)
    wheels = empty_dir(session, "wheels")
    session.log(f"the module under {SANITIZERS[prefix]}, sanitized std")
    session.run(
        str(maturin), "build", "--profile", prefix, "--target", host,
        "-Zbuild-std", "--features", "test-hooks", "--interpreter", str(python),
        "--out", str(wheels), env=cargo_env,
    )  # fmt: skip
    pip(session, python, "install", "-q", "--no-index", "--find-links", str(wheels), "word-count")
    pip(session, python, "install", "-q", *nox.project.dependency_groups(PYPROJECT, *groups))
    return python


@nox.session(python=False)
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


# --- ThreadSanitizer --------------------------------------------------------------
# The interpreter: free-threaded 3.13 configured --with-thread-sanitizer, built with the
# clang whose TSAN runtime matches nightly Rust's LLVM (ci/find-python says why).
TSAN_PYTHON = "3.13t-tsan"
TSAN_SUPPRESSIONS = ROOT / "ci" / "tsan-suppressions.txt"
# Which tests run under TSAN is said by markers in tests/ (registered in conftest.py), so
# that a new threaded test joins by itself: `threaded`, the tests that run threads, or
# run the module while the interpreter stops, forks, exits or is interrupted (run once,
# plainly), and `threaded_stress`, run again on PARALLEL_THREADS threads at once: the
# tests of threads sharing counters and texts, and of the frequencies' strs made while
# the pool counts. The rest of `threaded` takes over 10 minutes more that way
# (test_frequencies' threaded tests alone 11 min 16 s here), and their threads are the
# pool's, which the plain run already has.
TSAN_MARKERS = ["threaded", "threaded_stress"]


def nightly_rustc(session: nox.Session) -> tuple[str, str]:
    """The nightly toolchain's host triple (-Zbuild-std needs the target named) and its
    LLVM's major version."""
    out = subprocess.run(
        ["rustc", "+nightly", "-vV"], stdout=subprocess.PIPE, text=True, check=True
    ).stdout
    fields = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    return fields["host"], fields["LLVM version"].split(".")[0]


def tsan_env(log_dir: Path, llvm: str) -> dict[str, str]:
    """TSAN_OPTIONS for a run whose every report must fail the session: each process
    (subprocesses the tests start included) writes its reports to log_dir/tsan.<pid>,
    and the session fails if any such file exists afterwards. A report cannot hide in a
    subprocess whose exit code a test expected to be nonzero (Ctrl-C, a killed worker).
    Also hypothesis's 'tsan' profile (tests/conftest.py): fewer examples, as each costs
    5-20 times more there."""
    options = [
        f"suppressions={TSAN_SUPPRESSIONS}",
        f"log_path={log_dir / 'tsan'}",
        "exitcode=66",
        "second_deadlock_stack=1",
        # Reports with function, file and line, not bare addresses.
        f"external_symbolizer_path=/usr/lib/llvm-{llvm}/bin/llvm-symbolizer",
        # Python's own signal handler takes SIGSEGV for faulthandler; TSAN's must not.
        "handle_segv=0",
        # test_fork's children start threads (their own pool) after forking a process
        # that has threads, which TSAN does not support and by default dies on. Its
        # runtime takes its own locks around fork(), so the child goes on, watched; no
        # report has come from such a child here (README, Guarantees).
        "die_after_fork=0",
    ]
    return {"TSAN_OPTIONS": " ".join(options), "HYPOTHESIS_PROFILE": "tsan"}


@nox.session(python=False)
def tsan(session: nox.Session) -> None:
    """The threaded tests under ThreadSanitizer: the core's tests and the module,
    built with nightly Rust, -Zsanitizer=thread and a sanitized std (-Zbuild-std), on a
    TSAN-built free-threaded CPython 3.13. Any report not in ci/tsan-suppressions.txt
    fails the session. `-- --race` arms a deliberate data race in the module
    (WORD_COUNT_TEST_RACE=1, test-hooks builds only), which must make it fail; other
    arguments after -- replace the test selection (the markers TSAN_MARKERS)."""
    parser = argparse.ArgumentParser(prog="nox -s tsan --")
    parser.add_argument("--race", action="store_true", help="arm the deliberate data race")
    args, selection = parser.parse_known_args(session.posargs)
    # Without the standard library's source, std stays uninstrumented and every hand-off
    # through its futex-based Mutex/Condvar shows up as a race: 773 false reports on the
    # core's tests alone. With it, zero. rustup skips it if installed.
    session.run("rustup", "component", "add", "rust-src", "--toolchain", "nightly")
    host, llvm = nightly_rustc(session)
    apt_install(session, [f"llvm-{llvm}"], "llvm-symbolizer, for TSAN's reports")
    logs = empty_dir(session, "logs")
    race_env = {"WORD_COUNT_TEST_RACE": "1"} if args.race else {}
    cargo_env = {
        "RUSTUP_TOOLCHAIN": "nightly",
        "RUSTFLAGS": "-Zsanitizer=thread",
        # Its own folder: the flags differ from every other build's, and sharing target/
        # would rebuild everything each time one or the other runs.
        "CARGO_TARGET_DIR": str(ROOT / "target" / "tsan"),
    }
    session.log("the core's tests, sanitized std, -Zsanitizer=thread")
    session.run(
        "cargo", "test", "-Zbuild-std", "--target", host, "-p", "word-count-core",
        "--features", "test-hooks", "--lib",
        env={**cargo_env, **tsan_env(logs, llvm), **race_env},
        success_codes=[0, 66],  # 66: TSAN reported (exitcode=66); the logs are read below
    )  # fmt: skip
    failed = bool(sanitizer_reports(session, logs, "tsan", "cargo test"))

    python = sanitized_python(session, TSAN_PYTHON, "tsan", host, llvm, cargo_env, groups=["test"])
    env = {**tsan_env(logs, llvm), **race_env}
    with session.chdir(ROOT / "tests"):
        assert_gil_stays_off(session, python)
        # A canary: the deliberate race, armed in one subprocess, must be reported, or
        # TSAN is not watching the module's code and a clean run would prove nothing.
        canary = empty_dir(session, "canary")
        subprocess.run(
            [str(python), "-c", "import word_count; word_count.word_count('a b ' * 2**20, 2)"],
            env={**os.environ, **tsan_env(canary, llvm), "WORD_COUNT_TEST_RACE": "1"},
            check=False,
        )
        caught = [p for p in canary.glob("tsan*") if "maybe_race" in p.read_text(errors="replace")]
        if not caught:
            session.error("the canary race was not reported: TSAN is not watching the module")
        session.log(f"canary: the deliberate race was reported ({caught[0].name})")
        plain, stress = (selection or ["-m", marker] for marker in TSAN_MARKERS)
        runs = [([], plain), ([f"--parallel-threads={PARALLEL_THREADS}"], stress)]
        for extra, tests in runs:
            session.log(f"pytest {' '.join(extra + tests)} (under TSAN)")
            failed |= not sanitized_pytest(python, [*extra, *tests], env)
    failed |= bool(sanitizer_reports(session, logs, "tsan", "pytest"))
    if failed:
        session.error("ThreadSanitizer found races, or a test failed (above)")
    session.log("no ThreadSanitizer report")


@nox.session(python=False)
def miri(session: nox.Session) -> None:
    """The core's tests under Miri, which fails on any undefined behaviour it meets: an
    access out of bounds, dangling or misaligned, an uninitialised read, an aliasing
    violation, a data race, a leak. Six runs: the scalar kernels under Stacked Borrows; the
    token search, which reaches memchr, the same with alignment checked by address; the
    pool's own tests, then the other tests that run the pool, under Tree Borrows; the x86
    SIMD kernels under Stacked Borrows, and their substring search by address. Arguments
    after -- go to every run's test binaries in place of its own selection (libtest
    filters, e.g. `-- word_table`; the Stacked Borrows runs still skip the pool's tests).
    docs/guarantees.md says what each run covers, what Miri cannot check, and why."""
    import time

    # The tests that run rayon's pool, as libtest filters. Not under Stacked Borrows:
    # crossbeam-epoch (rayon's deque) fails it at its first use, turning a reference to a
    # list entry into one to the struct around it, which Tree Borrows allows (open since
    # 2020: https://github.com/crossbeam-rs/crossbeam/issues/545; crossbeam's own Miri CI
    # runs Tree Borrows: https://github.com/crossbeam-rs/crossbeam/pull/996). And the
    # pool's threads never end, which Miri reports unless its leak check is off. A test
    # that reaches the pool but is missing here fails the Stacked Borrows run, loudly.
    pool_tests = [
        "chunks::tests::sum_parallel_sums_every_chunk_once",
        "frequencies::",
        "parallel_read::",
        "search::tests::garbage_bytes_never_panic",
        "search::tests::parallel_matches_sequential",
        "search::tests::ranges_sum_to_the_whole",
        "search::tests::storage_examples",
        "search::tests::units_agree_with_utf8",
        "stream::",
        "words::tests::garbage_bytes_never_panic",
        "words::tests::parallel_matches_sequential",
        "words::tests::ranges_sum_to_the_whole",
    ]
    # Under Miri, `is_x86_feature_detected!` reports only the features the code was
    # compiled with, so by default the dispatchers take the scalar loops. The SIMD run
    # compiles with every feature an x86 kernel asks for (Miri implements the intrinsics
    # they call), and runs the kernels' tests, and the byte search and UTF-8 validation,
    # which then take memchr's and simdutf8's AVX2 code.
    simd_features = "+avx2,+bmi1,+bmi2,+popcnt,+avx512f,+avx512bw"
    simd_tests = ["word_starts::", "str_storage::", "word_spans::", "utf8::",
                  "token_masks::", "storage_tokens::"]  # fmt: skip
    # -Zmiri-strict-provenance: no integer-to-pointer casts in the code these tests reach;
    # -Zmiri-symbolic-alignment-check: alignment from the types, never from where an
    # allocation happened to land.
    stacked = ["-Zmiri-strict-provenance", "-Zmiri-symbolic-alignment-check"]
    # The token search's tests reach memchr's substring search, which aligns its pointer
    # by masking the address and then loads aligned vectors: a false positive of the
    # symbolic check, which the flag's help says it can give, and which trips or not with
    # the addresses a run hands out (here after a change to other tests' allocations;
    # https://github.com/slint-ui/slint/pull/12378 met the same, and Miri has no way to
    # promise an alignment: https://github.com/rust-lang/miri/issues/3068). So they run
    # apart, under Stacked Borrows with alignment checked by address, which still fails
    # any access that is misaligned where it lands.
    by_address = ["-Zmiri-strict-provenance"]
    skip_search = ["--skip", "search::"]
    # crossbeam-epoch casts integers to pointers (permissive provenance, stated to quiet
    # its warnings); the pool's threads outlive main (-Zmiri-ignore-leaks).
    tree = ["-Zmiri-tree-borrows", "-Zmiri-permissive-provenance", "-Zmiri-ignore-leaks"]
    # Threads switch only where one blocks or yields. Else Miri can preempt a pool thread
    # just after rayon-core (1.13) sets a scope job's completion latch and before that
    # job's frame returns, still holding the `&Scope` that `Scope::spawn` captured in the
    # closure it passes (a protected argument); the caller then frees the scope, and Tree
    # Borrows reports the deallocation. That is rayon's code, never this crate's; it did
    # so in the first full run here (docs/guarantees.md).
    no_preemption = ["-Zmiri-preemption-rate=0"]
    # rustup skips what is installed. Miri builds its own standard library from rust-src
    # on first use ("Preparing a sysroot for Miri", kept in ~/.cache/miri).
    session.run("rustup", "component", "add", "miri", "rust-src", "--toolchain", "nightly")
    session.run("cargo", "+nightly", "miri", "--version")
    host, _ = nightly_rustc(session)
    skip_pool = [arg for test in ["pool::", *pool_tests] for arg in ("--skip", test)]
    runs = [
        # (name, RUSTFLAGS, MIRIFLAGS, cargo's arguments, the tests to run (libtest
        # filters; none: all), the word_starts kernels it must take)
        ("scalar kernels, Stacked Borrows", "", stacked, ["--", *skip_pool, *skip_search], [],
         "dispatch"),
        ("token search through memchr, Stacked Borrows, alignment by address", "", by_address,
         ["--lib", "--", *skip_pool], ["search::"], None),
        # The pool's publication, racing: preemption on (no scope is spawned there).
        ("the pool's own tests, Tree Borrows", "", tree, ["--lib", "--"], ["pool::"], None),
        ("the tests that run the pool, Tree Borrows", "", [*tree, *no_preemption],
         ["--lib", "--"], pool_tests, None),
    ]  # fmt: skip
    if host.startswith("x86_64-"):
        simd = f"-Ctarget-feature={simd_features}"
        runs += [
            ("x86 SIMD kernels, Stacked Borrows", simd, stacked, ["--lib", "--", *skip_pool],
             simd_tests, "dispatch, avx512bw, avx2"),
            ("x86 SIMD substring search (memchr's AVX2), Stacked Borrows, alignment by address",
             simd, by_address, ["--lib", "--", *skip_pool], ["search::tests::sub"], None),
        ]  # fmt: skip
    else:
        session.log(f"no x86 SIMD run: Miri runs the host's target, {host}")
    times = []
    for name, rustflags, miriflags, args, tests, kernels in runs:
        env = {
            **os.environ,
            "RUSTUP_TOOLCHAIN": "nightly",
            "MIRIFLAGS": " ".join([*miriflags, os.environ.get("MIRIFLAGS", "")]).strip(),
            "RUSTFLAGS": rustflags,
        }
        if rustflags:
            # Its own folder for the SIMD build (cargo miri adds miri/ to it): sharing
            # one, the two sets of flags would rebuild everything each time.
            env["CARGO_TARGET_DIR"] = str(ROOT / "target" / "simd")
        # Arguments after -- take the place of the run's own selection.
        command = ["cargo", "miri", "test", "-p", "word-count-core", *args, "--nocapture",
                   *(session.posargs or tests)]  # fmt: skip
        session.log(f"Miri, {name}: MIRIFLAGS={env['MIRIFLAGS']!r} RUSTFLAGS={rustflags!r}")
        session.log(" ".join(command))
        start = time.monotonic()
        # Teed: the output shows as it comes, and is read for the kernels' names below.
        lines = []
        with subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace",
        ) as proc:  # fmt: skip
            for line in proc.stdout or []:
                sys.stdout.write(line)
                lines.append(line)
        seconds = time.monotonic() - start
        times.append(f"{name} {seconds:.0f} s")
        # cargo miri exits non-zero on any report of undefined behaviour or a leak.
        if proc.returncode != 0:
            session.error(f"Miri, {name}: failed (exit status {proc.returncode}), see above")
        # Proof that the run took the kernels meant: word_starts' names_the_kernels_it_checks.
        ran = re.search(r"word_starts kernels checked: (.*)", "".join(lines))
        if kernels and not session.posargs and (ran is None or ran[1] != kernels):
            session.error(
                f"Miri, {name}: expected the word_starts kernels {kernels!r}, "
                f"ran {ran[1] if ran else 'none'!r}"
            )
        session.log(f"Miri, {name}: passed in {seconds:.0f} s")
    session.log("Miri: no report. " + "; ".join(times))


if __name__ == "__main__":
    sys.exit("run this file with nox (or ci/nox), not python")
