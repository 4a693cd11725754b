"""The benchmarks: ``bench-<version>``, ``bench-kernels`` and their ``report``."""

from __future__ import annotations

import subprocess

import nox

from .config import ABI3_PYTHON, BENCH_RESULTS, KERNELS_PYTHON, PYPROJECT, ROOT
from .interpreters import find_python, fresh_venv, pip
from .wheels import install_wheel, release_wheel, wheel_kind


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


def bench_kernels(session: nox.Session) -> None:
    """The kernels against memory bandwidth, wc -w, grep and pure Python, on CPython
    3.13: bench-results/kernels-3.13.json (which `report` skips). Arguments after -- go
    to it (--quick, --size 100M, --check, ...: python -m word_count.bench.kernels --help)."""
    bench(session, KERNELS_PYTHON, module="word_count.bench.kernels", prefix="kernels-")


def bench_kernels_ft(session: nox.Session) -> None:
    """The same on free-threaded 3.13t, whose wheel reads a non-ASCII str's storage in
    place: its "UTF-8 copy" rows show that no copy is made."""
    bench(session, "3.13t", module="word_count.bench.kernels", prefix="kernels-")


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
