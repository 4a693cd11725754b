"""Interpreters and venvs: ci/find-python's CPython builds, a fresh venv per session, pip."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import nox

from .config import OPTIONAL, PIP, ROOT


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
