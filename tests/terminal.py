"""Run a program on a pseudo-terminal, as a person at a terminal runs it: for what a
program does only on a terminal (a progress bar), and for reading the keyboard (lines
typed, Ctrl-D, Ctrl-C). POSIX only: importing it elsewhere fails, so import it in the test."""

from __future__ import annotations

import dataclasses
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence

# Runs the program with the terminal on its stdin as its controlling terminal (TIOCSCTTY:
# the caller leads a new session, which start_new_session gives it), so that Ctrl-C typed
# there is a SIGINT from the terminal, as at a shell prompt. Without preexec_fn, which is
# unsafe in a process with threads (pytest-run-parallel's).
_CONTROLLING = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


@dataclasses.dataclass
class Ran:
    returncode: int
    stdout: str
    # Everything the terminal showed: what the program wrote to it, and the echo of
    # what was typed.
    shown: bytes


def _unread(fd: int) -> int:
    """Bytes typed on the terminal of ``fd`` that no program has read yet (of whole
    lines: the terminal is in canonical mode)."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def run_in_a_terminal(
    cmd: Sequence[str],
    *,
    keyboard: bool = False,
    lines: Sequence[bytes] = (),
    then: bytes = b"",
    timeout: float = 120,
) -> Ran:
    """Run ``cmd`` with its stderr on a new pseudo-terminal and its stdout on a pipe.

    With ``keyboard``, its stdin is that terminal too, and its controlling terminal: the
    ``lines`` are typed (each ending in a newline), and once the program has read them
    all, ``then`` (b"\\x04" for Ctrl-D, which ends the input; b"\\x03" for Ctrl-C).
    Otherwise its stdin is empty. Returns once the program has exited and closed the
    terminal; after ``timeout`` seconds it is killed and the test fails."""
    primary, secondary = os.openpty()
    if keyboard:
        cmd = [sys.executable, "-c", _CONTROLLING, *cmd]
    proc = subprocess.Popen(
        cmd,
        stdin=secondary if keyboard else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
        start_new_session=keyboard,
    )
    # Kept open until `then` is typed: _unread asks it. The end of the output is when
    # every copy is closed (reading the primary then fails with EIO).
    watching: int | None = secondary
    if keyboard:
        os.write(primary, b"".join(lines))
    else:
        os.close(secondary)
        watching = None
    echoed = [line.rstrip(b"\n") for line in lines]
    shown = b""
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"{cmd} still running after {timeout} s; showed {shown!r}")
            if watching is not None and proc.poll() is not None:
                os.close(watching)  # it exited before reading every line: stop typing
                watching = None
            if watching is not None and _read_all(shown, echoed) and _unread(watching) == 0:
                # Every line reached the terminal (its echo is shown) and was read.
                os.write(primary, then)
                os.close(watching)
                watching = None
            if not select.select([primary], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # EIO: the program closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        assert proc.stdout is not None
        stdout = proc.stdout.read().decode()
        returncode = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if watching is not None:
            os.close(watching)
        os.close(primary)
        if proc.poll() is None:
            proc.kill()
        if proc.stdout is not None:
            proc.stdout.close()
        proc.wait()
    return Ran(returncode, stdout, shown)


def _read_all(shown: bytes, echoed: list[bytes]) -> bool:
    """Has the terminal echoed every typed line, in order?"""
    at = 0
    for line in echoed:
        at = shown.find(line, at)
        if at < 0:
            return False
        at += len(line)
    return True
