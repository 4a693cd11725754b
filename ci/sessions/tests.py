"""The test suite: ``tests-<version>`` per interpreter, ``latency`` (the wall-clock bounds,
alone on the machine), ``tests-oldest`` (an older glibc)."""

from __future__ import annotations

import shutil
import subprocess

import nox

from .config import DASK_VERSIONS, PARALLEL_THREADS, PIP, PYPROJECT, PYTHONS, ROOT, STRESSED
from .interpreters import assert_gil_stays_off, find_python, fresh_venv, is_free_threaded, pip
from .wheels import install_wheel, release_wheel, wheel_kind


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
