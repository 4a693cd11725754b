"""Run Python code in a child process, with a timeout, so that a hang or a crash in the
code under test is reported as a failure instead of freezing or killing the test run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# For a test whose subject is a child process it starts: under --parallel-threads it runs
# on one thread (conftest.py says why; --parallel-full runs it on every thread).
IN_A_CHILD = pytest.mark.in_a_child


def watchdog(timeout: float) -> str:
    """A first line for child code: if it has not finished ``timeout - 5`` seconds in,
    faulthandler prints every thread's stack, showing where it hangs, and exits."""
    return f"import faulthandler; faulthandler.dump_traceback_later({timeout - 5}, exit=True)\n"


# Child code that defines peak_rss_kib(): the peak resident memory of this process.
# Not getrusage's ru_maxrss: on Linux a child's ru_maxrss starts at its parent's RSS at
# fork (the kernel keeps the old mm's high-water mark across exec), so under pytest it
# reads 100+ MB before the child has done anything. VmHWM is the current mm's own peak.
PEAK_RSS = """
def peak_rss_kib():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
"""


def run_python(
    code: str,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    script: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (this one's executable), under a watchdog.
    With ``script``, the code is written to that file and run from it, as a program's
    main module (which multiprocessing's spawn needs, to import it in the children)."""
    code = watchdog(timeout) + textwrap.dedent(code)
    if script is not None:
        script.write_text(code)
    return subprocess.run(
        [sys.executable, *([str(script)] if script else ["-c", code])],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
    )


def check(proc: subprocess.CompletedProcess[str]) -> str:
    """The child's stdout, after asserting it exited 0 (its stderr is in the message)."""
    assert proc.returncode == 0, f"exit status {proc.returncode}\n{proc.stderr[-3000:]}"
    return proc.stdout
