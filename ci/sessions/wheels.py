"""The release wheels, built once per source fingerprint and installed by every session that
tests, lints or benchmarks the module (release_wheel)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import nox

from .config import ABI3_PYTHON, MATURIN, PYPROJECT, ROOT, WHEEL_SOURCES, WHEELS
from .interpreters import find_python, fresh_venv, is_free_threaded, pip
from .toolchains import add_rust_target


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
