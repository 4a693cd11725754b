"""``python -m word_count``: counts like ``wc -w``, the most frequent words like
``uniq -c``, one-line errors, a progress bar on a terminal for inputs over 1 GB."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator

import pytest

from word_count.__main__ import top_lines


def run(
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "word_count", *args],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        timeout=120,
        env=None if env is None else {**os.environ, **env},
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
        (["--top", "0", "x"], "argument --top: must be at least 1, got 0"),
        (["--top", "-1", "x"], "argument --top: must be at least 1, got -1"),
        (["--top", "ten", "x"], "argument --top: not an integer: 'ten'"),
        (["--top", "3", "--word", "the", "x"], "argument --word: not allowed with argument --top"),
        (["--word", "the", "--top", "3", "x"], "argument --top: not allowed with argument --word"),
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
    assert "--top N" in proc.stdout


def expected_top(texts: list[str], n: int) -> list[str]:
    """What --top n prints for files holding ``texts``: counted as one Counter, like
    ``uniq -c`` (the count right-aligned in 7 columns, a space, the word)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text.split())
    return [f"{count:>7} {word}" for word, count in counts.most_common(n)]


def test_top_counts_the_words_of_all_files(files):
    texts = ["one two three\n", "the cat\u3000the hat the\n"]
    for n in (1, 3, 4, 100):
        proc = run("--top", str(n), files["a.txt"], files["b.txt"])
        assert (proc.returncode, proc.stderr) == (0, "")
        assert proc.stdout.splitlines() == expected_top(texts, n)
    assert run("--top", "2", files["b.txt"]).stdout == "      3 the\n      1 cat\n"


def test_top_breaks_ties_in_first_occurrence_order_across_files():
    texts = ["b a c é b\n", "中 a c d\u3000\u3000d", "", "😀 c e e e\x1ce"]
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, text in enumerate(texts):
            paths.append(os.path.join(d, f"{i}.txt"))
            with open(paths[-1], "w", encoding="utf-8") as f:
                f.write(text)
        proc = run("--top", "20", "--threads", "2", *paths)
        assert (proc.returncode, proc.stderr) == (0, "")
        assert proc.stdout.splitlines() == expected_top(texts, 20)
        # Another order of the same files: the same counts, the ties in another order.
        proc = run("--top", "20", *reversed(paths))
        assert proc.stdout.splitlines() == expected_top(texts[::-1], 20)


def test_top_with_stdin_and_no_words():
    assert run("--top", "2", "-", stdin=b"x y x\n").stdout == "      2 x\n      1 y\n"
    proc = run("--top", "5", "-", stdin=b" \n\t")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_top_with_bad_files_reports_them_and_counts_the_rest(files):
    missing = files["a.txt"] + ".missing"
    proc = run("--top", "2", files["b.txt"], missing, files["bad.txt"], files["a.txt"])
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == expected_top(["the cat\u3000the hat the", "one two"], 2)
    assert proc.stderr.splitlines() == [
        f"python -m word_count: {missing}: No such file or directory",
        f"python -m word_count: {files['bad.txt']}: not UTF-8: invalid start byte "
        f"(at byte 3 of {files['bad.txt']!r})",
    ]


def test_top_escapes_only_the_characters_stdout_cannot_encode(files):
    # An ASCII stdout cannot write é or U+3000's neighbours: those words are escaped, as
    # errors="backslashreplace" would, and the listing goes on.
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("café x café 中😀 x café")
        proc = run("--top", "3", path, env={"PYTHONIOENCODING": "ascii"})
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines() == [
        "      3 caf\\xe9",
        "      2 x",
        "      1 \\u4e2d\\U0001f600",
    ]


def test_top_lines_format():
    # Counts wider than uniq -c's 7 columns widen the column for every line; a word with
    # a lone surrogate (no encoding has bytes for it) is escaped, the others are not.
    counts = Counter({"big": 123_456_789, "\ud800x": 12, "é": 12})
    assert top_lines(counts, 3, "utf-8") == [
        "123456789 big",
        "       12 \\ud800x",
        "       12 é",
    ]
    assert top_lines(counts, 1, "ascii") == ["123456789 big"]
    assert top_lines(Counter({"é": 1}), 5, "latin-1") == ["      1 é"]
    assert top_lines(Counter(), 5, "utf-8") == []


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
