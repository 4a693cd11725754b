"""What ``asan`` and ``tsan`` share: a sanitized module in a sanitizer-built CPython, and
the report files that fail a run."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import nox

from .config import PYPROJECT, ROOT
from .interpreters import fresh_venv, pip
from .wheels import maturin_venv

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
