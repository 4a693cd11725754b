"""``python -m word_count``: counts like ``wc -w``, one-line errors, a progress bar on a
terminal for inputs over 1 GB."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "word_count", *args],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc


@pytest.fixture
def files() -> Iterator[dict[str, str]]:
    """Three files: words; words with "the" (U+3000 splits words, not tokens); bad UTF-8."""
    with tempfile.TemporaryDirectory() as d:
        paths = {}
        for name, data in {
            "a.txt": b"one two three\n",
            "b.txt": "the cat\u3000the hat the\n".encode(),
            "bad.txt": b"ok \xff no",
        }.items():
            paths[name] = os.path.join(d, name)
            with open(paths[name], "wb") as f:
                f.write(data)
        yield paths


def test_counts_per_file_and_total(files):
    proc = run(files["a.txt"], files["b.txt"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"       3 {files['a.txt']}",
        f"       5 {files['b.txt']}",
        "       8 total",
    ]
    assert proc.stderr == ""


def test_one_file_has_no_total(files):
    assert run(files["a.txt"], "--threads", "1").stdout == f"       3 {files['a.txt']}\n"


def test_word_counts_tokens(files):
    proc = run("--word", "the", files["a.txt"], files["b.txt"])
    assert proc.stdout.split() == ["0", files["a.txt"], "2", files["b.txt"], "2", "total"]


def test_stdin():
    assert run("-", stdin=b"a b  c\n").stdout == "       3 -\n"


def test_bad_files_get_one_line_each_and_the_rest_are_counted(files):
    missing = files["a.txt"] + ".missing"
    proc = run(files["a.txt"], missing, files["bad.txt"], os.path.dirname(missing))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [f"       3 {files['a.txt']}", "       3 total"]
    assert proc.stderr.splitlines() == [
        f"python -m word_count: {missing}: No such file or directory",
        f"python -m word_count: {files['bad.txt']}: not UTF-8: invalid start byte "
        f"(at byte 3 of {files['bad.txt']!r})",
        f"python -m word_count: {os.path.dirname(missing)}: Is a directory",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threads", "0", "x"], "argument --threads: must be at least 1, got 0"),
        (["--threads", "many", "x"], "argument --threads: not an integer: 'many'"),
        (["--word", "", "x"], "--word must not be empty"),
        ([], "the following arguments are required: FILE"),
    ],
)
def test_bad_options_exit_2_with_one_line(args, message):
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stderr == f"python -m word_count: error: {message} (see --help)\n"
    assert proc.stdout == ""


def test_help():
    proc = run("--help")
    assert proc.returncode == 0
    assert "--word W" in proc.stdout
    assert "--threads N" in proc.stdout


def test_progress_always_draws_a_bar(files):
    cmd = [sys.executable, "-m", "word_count", "--progress", "always", files["b.txt"]]
    proc = subprocess.run(cmd, capture_output=True, timeout=60)  # bytes: keep the \r
    assert proc.returncode == 0
    assert b"\r" + files["b.txt"].encode() + b" [##############################] 100.0%" in (
        proc.stderr
    )
    assert proc.stderr.endswith(b"\r\x1b[K")  # and clears it before the count is printed


def test_no_bar_when_stderr_is_not_a_terminal(files):
    assert run(files["b.txt"]).stderr == ""


# Reads a 1 GiB (sparse) file: thread-safe, but eight at once would measure the disk.
@pytest.mark.parallel_threads_limit(2)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty and sparse files")
def test_a_bar_on_a_terminal_for_a_file_over_1_gb():
    import pty

    with tempfile.NamedTemporaryFile(suffix=".txt") as f:
        f.write(b"start ")
        f.truncate((1 << 30) + (1 << 20))  # sparse: NULs, one long word after "start"
        f.flush()
        primary, secondary = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "word_count", f.name],
            stdout=subprocess.PIPE,
            stderr=secondary,
            text=True,
        )
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        out, _ = proc.communicate(timeout=120)
        os.close(primary)
    assert proc.returncode == 0
    assert out == f"       2 {f.name}\n"
    assert b"100.0%" in seen
    assert b" GB/s" in seen
