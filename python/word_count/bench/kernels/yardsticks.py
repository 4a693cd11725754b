"""What the kernels are measured against, and how each yardstick's answer is checked:
the summing loop's buffer (memory bandwidth), ``wc -w``, ``grep -c -w`` and the shell's
word-frequency pipeline, each run in the C locale."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from array import array
from collections.abc import Callable

# What the shell does with word frequencies, in the C locale. The awk at the end is the
# check: it reads uniq's output and prints the number of distinct words and their total.
PIPELINE = "tr -s '[:space:]' '\\n' < FILE | sort | uniq -c"
PIPELINE_SCRIPT = (
    "tr -s '[:space:]' '\\n' < \"$1\" | sort | uniq -c"
    " | awk '{ d += 1; t += $1 } END { printf \"%d %d\\n\", d, t }'"
)
# The tools whose versions a result file records.
TOOLS = ("wc", "grep", "tr", "sort", "uniq", "awk")


def sum_bytes_py(data: bytes) -> int:
    """What ``_sum_bytes`` must return: the sum, modulo 2**64, of ``data`` read as
    little-endian u64 words, plus its last ``len(data) % 8`` bytes."""
    whole = len(data) - len(data) % 8
    words = array("Q")
    if words.itemsize != 8:
        raise RuntimeError("array('Q') is not 64-bit here")
    words.frombytes(memoryview(data)[:whole])
    if sys.byteorder == "big":
        words.byteswap()
    return (sum(words) + sum(data[whole:])) % (1 << 64)


def big_buffer(data: bytes, size: int) -> tuple[bytes, int]:
    """``size`` bytes of ``data`` repeated, and the sum ``_sum_bytes`` must give.

    The unit repeated is ``data`` cut to a multiple of 8 bytes, so every copy starts on
    a word boundary and the expected sum is (copies x the unit's sum) + the sum of the
    last partial copy: summing 1 GiB in Python would take longer than the benchmark."""
    unit = data[: len(data) - len(data) % 8] or data
    copies, rest = divmod(size, len(unit))
    buf = b"".join([unit] * copies + [unit[:rest]])
    return buf, (copies * sum_bytes_py(unit) + sum_bytes_py(unit[:rest])) % (1 << 64)


def lines_with_word(text: str, word: str) -> int:
    """The lines of ``text`` in which ``word`` stands as a whole word: what
    ``grep -c -w word`` prints in the C locale, where a word character is a letter, digit
    or underscore (re's ASCII ``\\b``)."""
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.ASCII)
    return sum(1 for line in text.split("\n") if pattern.search(line))


def tool(argv: list[str]) -> Callable[[], int]:
    """A call of a command-line tool in the C locale, giving the first number it prints.
    Exit status 1 is grep's "no line matched", a count of 0."""
    env = {**os.environ, "LC_ALL": "C"}

    def call() -> int:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if proc.returncode not in (0, 1) or not proc.stdout.strip():
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr}")
        return int(proc.stdout.split()[0])

    return call


def pipeline(path: str) -> Callable[[], tuple[int, int]]:
    """``PIPELINE`` on the file at ``path`` in the C locale, through ``sh -c``: the
    number of distinct words in uniq's output and their total, as its awk sums them."""
    env = {**os.environ, "LC_ALL": "C"}
    argv = ["sh", "-c", PIPELINE_SCRIPT, "sh", path]

    def call() -> tuple[int, int]:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        fields = proc.stdout.split()
        if proc.returncode != 0 or len(fields) != 2:
            raise RuntimeError(f"{PIPELINE} failed ({proc.returncode}): {proc.stderr}")
        return int(fields[0]), int(fields[1])

    return call


def tool_version(name: str) -> str:
    """The first line a tool prints of its version: ``--version``, or ``-W version`` for
    mawk (Debian's awk)."""
    for flag in (["--version"], ["-W", "version"]):
        try:
            proc = subprocess.run([name, *flag], capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise SystemExit(f"{name} is not installed: the benchmark compares with it") from None
        if proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.partition("\n")[0]
    return f"{name} (version unknown)"
