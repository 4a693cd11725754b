"""``lint``: ruff, the type stub against the built module, mypy (the package and these
sessions), clippy on 3.13t."""

from __future__ import annotations

import sys

import nox

from .config import ABI3_PYTHON, PYPROJECT, ROOT
from .interpreters import find_python, fresh_venv, pip
from .wheels import install_wheel, release_wheel


def lint(session: nox.Session) -> None:
    """ruff (lint and format), the type stub checked against the built module, mypy
    --strict on the package and on the sessions themselves, and clippy on the
    free-threaded 3.13 build of the module."""
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
    # The sessions, typed as the package is: a name a move left behind fails here, not in
    # the one CI run that reaches it. Their nox is the one running this session.
    session.run(
        str(python), "-m", "mypy", "--strict", "--python-executable", sys.executable,
        str(ROOT / "noxfile.py"), str(ROOT / "ci" / "sessions"),
        env={"MYPYPATH": str(ROOT / "ci")},
    )  # fmt: skip
