"""``python -m word_count`` and the ``word-count`` command: counts like ``wc -w`` (of
standard input too, with no FILE), the most frequent words like ``uniq -c``, one-line
errors, a progress bar on a terminal for inputs over 1 GB, Ctrl-C and a closed pipe."""

from __future__ import annotations

import functools
import importlib.metadata
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from subproc import IN_A_CHILD, PEAK_RSS, check, run_python
from utf8errors import decode_error

import word_count as w
import word_count.__main__ as cli
from word_count import _stream
from word_count.__main__ import top_lines
from word_count._stream import BLOCK_BYTES, stream_count, stream_frequencies

from strategies import PY_WHITESPACE, valid_text

MODULE = [sys.executable, "-m", "word_count"]
LINUX = sys.platform.startswith("linux")
# Tests that pipe tens of MiB through the program: thread-safe, but eight at once would
# measure the pipes and the disk.
IO_HEAVY = pytest.mark.parallel_threads_limit(2)


def run(
    *args: str,
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
    command: list[str] = MODULE,
) -> subprocess.CompletedProcess[str]:
    """``command *args`` with ``stdin`` as its standard input (bytes: it may not be UTF-8);
    its output decoded."""
    proc = subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env=None if env is None else {**os.environ, **env},
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


def console_script() -> str:
    """The ``word-count`` command pip installed beside this interpreter. An editable
    install (maturin develop, pip install -e) may have none: then the test is skipped,
    saying so; any other install without it fails the test."""
    bindir = os.path.dirname(sys.executable)
    found = shutil.which("word-count", path=bindir)
    if found:
        return found
    direct_url = importlib.metadata.distribution("word-count").read_text("direct_url.json")
    if json.loads(direct_url or "{}").get("dir_info", {}).get("editable"):
        pytest.skip(
            f"word-count is installed editable here, and {bindir} has no word-count "
            "command; pip install the wheel to test it (the nox sessions do)"
        )
    pytest.fail(f"no word-count command in {bindir}: [project.scripts] did not make one")


@pytest.fixture(params=["python -m word_count", "word-count"])
def command(request: pytest.FixtureRequest) -> tuple[list[str], str]:
    """How the program is run, and the name its messages give it: both ways are the same
    program."""
    if request.param == "word-count":
        return [console_script()], "word-count"
    return MODULE, "python -m word_count"


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


@pytest.mark.thread_unsafe(reason="replaces the search functions the CLI module calls")
def test_threads_are_passed_to_every_count(files, monkeypatch, capsys):
    # --threads reaches the token search too, on a file and on standard input, where it
    # was once dropped: the result is the same either way, so the calls are recorded.
    seen = []

    def recorded(function):
        def call(*args, **kwargs):
            seen.append((function.__name__, args[2]))
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(cli, "search_file", recorded(w.search_file))
    monkeypatch.setattr(_stream, "search", recorded(w.search))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"the cat the")))
    assert cli.main(["--threads", "3", "--word", "the", files["b.txt"], "-"]) == 0
    assert seen == [("search_file", 3), ("search", 3)]
    assert capsys.readouterr().out.split()[::2] == ["2", "2", "4"]


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
        # An option that would change nothing is refused, not ignored.
        (
            ["--blocksize", "1MiB", "x"],
            "--blocksize is only for --scheduler: the bytes each task reads",
        ),
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


def test_help_shows_examples_and_what_to_do_with_input_that_is_not_utf8(command):
    cmd, name = command
    proc = run("--help", command=cmd)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith(f"usage: {name} ")
    assert "[FILE ...]" in proc.stdout  # FILE is optional: standard input without one
    examples = proc.stdout[proc.stdout.index("\nexamples:\n") :]
    for example in [
        "word-count notes.txt ",
        'echo "a b c" | word-count ',
        "cat a.txt | word-count b.txt - ",
        "word-count --word the book.txt ",
        "word-count --top 10 book.txt ",
        "python -m word_count notes.txt ",
        "iconv -c -f utf-8 -t utf-8 any.txt | word-count ",
    ]:
        assert f"\n  {example}" in examples, example
    assert "Input that is not UTF-8 is not counted" in examples


def test_bad_options_name_the_program_as_it_was_run(command):
    cmd, name = command
    proc = run("--top", "0", command=cmd)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"{name}: error: argument --top: must be at least 1, got 0 (see --help)\n"


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


# The program with its address space limited to 1.5 GiB, checked to hold first (else
# /dev/zero would fill the memory): a word longer than that cannot be held.
LIMITED = """
import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 29, resource.RLIM_INFINITY))
try:
    bytearray(3 << 29)
    raise SystemExit("the limit does not hold")
except MemoryError:
    pass
sys.argv[0] = "word-count"
runpy.run_module("word_count", run_name="__main__")
"""


@IN_A_CHILD
@pytest.mark.skipif(not LINUX, reason="needs RLIMIT_AS to bound allocations, as Linux does")
def test_top_reports_a_word_longer_than_the_memory_and_counts_the_rest(files):
    # /dev/zero is one endless word, which --top must hold whole: where the memory runs
    # out, that input gets its one line, as a file that cannot be read does, not a
    # traceback, and the other files are counted. As a file and as standard input.
    for args, expected in (
        (["/dev/zero", files["a.txt"]], "/dev/zero: a word of the file"),
        ([], "standard input: a word of the stream"),
    ):
        with open("/dev/zero", "rb") as zero:
            proc = subprocess.run(
                [sys.executable, "-c", LIMITED, "--top", "1", *args],
                stdin=zero,
                capture_output=True,
                text=True,
                timeout=120,
            )
        assert (proc.returncode, proc.stderr) == (
            1,
            f"word-count: {expected} is longer than the memory available\n",
        )
        assert proc.stdout.splitlines() == (expected_top(["one two three"], 1) if args else [])


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


@pytest.mark.skipif(not LINUX, reason="a file name of bytes that are not UTF-8")
@pytest.mark.parametrize(
    ("encoding", "name", "shown"),
    [
        ("utf-8", b"\xff.txt", "\\udcff.txt"),  # strict: the undecodable byte escaped
        ("ascii", "café.txt".encode(), "caf\\xe9.txt"),
        (None, b"\xff.txt", "\udcff.txt"),  # the locale's surrogateescape: as it was
    ],
)
def test_file_names_stdout_cannot_encode_are_escaped_and_the_rest_counted(
    files, encoding, name, shown
):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}
    env.update({"PYTHONIOENCODING": encoding} if encoding else {"LC_ALL": "C.UTF-8"})
    # A folder of its own: under --parallel-threads the threads share `files`.
    with tempfile.TemporaryDirectory() as folder:
        d = os.fsencode(folder)
        odd = os.path.join(d, name)
        with open(odd, "wb") as f:
            f.write(b"a b\n")
        cmd = [*MODULE, odd, files["a.txt"]]
        proc = subprocess.run(cmd, capture_output=True, timeout=120, env=env)
    assert (proc.returncode, proc.stderr) == (0, b"")
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    assert lines == [
        f"       2 {os.fsdecode(d)}/{shown}",
        f"       3 {files['a.txt']}",
        "       5 total",
    ]


@pytest.mark.skipif(not LINUX, reason="closes a descriptor with the shell")
@pytest.mark.parametrize("args", [[], ["--top", "2"]])
def test_a_closed_stdout_is_a_write_error_like_wc(files, args):
    # print() with sys.stdout None writes nothing: the counts would be lost in silence.
    script = 'exec "$@" >&-'
    proc = subprocess.run(
        ["sh", "-c", script, "sh", *MODULE, *args, files["a.txt"]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stderr) == (
        1,
        "python -m word_count: write error: standard output is closed\n",
    )


@pytest.mark.skipif(
    not os.path.exists("/dev/full"),
    reason="needs /dev/full (Linux, BSD), a device whose every write fails with ENOSPC",
)
@pytest.mark.parametrize("args", [[], ["--top", "2"]])
def test_a_full_stdout_is_a_write_error_like_wc(files, args):
    # `wc -w a.txt > /dev/full` says `wc: write error`, in one line, with status 1.
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [*MODULE, *args, files["a.txt"]],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert (proc.returncode, proc.stderr) == (
        1,
        "python -m word_count: write error: No space left on device\n",
    )


def test_an_inputs_message_is_on_a_line_of_its_own_after_its_bar(capsys):
    # The bar is erased before the message, not after, which left the message on the
    # end of the bar's line (and erased the empty line below it).
    args = cli._parser("word-count").parse_args(["--progress", "always", "f.txt"])
    args.prog = "word-count"

    def read(path: str, bar: cli.ProgressBar | None) -> int:
        assert bar is not None
        bar(10, 10)
        raise OSError(5, "Input/output error", path)

    assert list(cli._each_file(args, read)) == [("f.txt", None)]
    shown = capsys.readouterr().err
    assert shown.startswith("\rf.txt [")
    assert shown.endswith("\x1b[K\r\x1b[Kword-count: f.txt: Input/output error\n"), shown


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


@pytest.mark.parametrize("args", [[], ["--word", "a"], ["--top", "1"]])
def test_progress_always_draws_a_bar_for_a_fast_pipe_of_unknown_size(args):
    # Its size unknown, no call is the last to force a draw: the first one draws.
    proc = subprocess.run(
        [*MODULE, "--progress", "always", *args], input=b"a b a\n", capture_output=True, timeout=60
    )
    assert proc.returncode == 0
    assert proc.stderr.startswith(b"\rstandard input 0.00 GB ")
    assert proc.stderr.endswith(b"\r\x1b[K")


def test_no_bar_when_stderr_is_not_a_terminal(files):
    assert run(files["b.txt"]).stderr == ""


# Reads a 1 GiB (sparse) file: thread-safe, but eight at once would measure the disk.
@pytest.mark.parallel_threads_limit(2)
@pytest.mark.skipif(not LINUX, reason="pty and sparse files")
def test_a_bar_on_a_terminal_for_a_file_over_1_gb():
    from terminal import run_in_a_terminal

    with tempfile.NamedTemporaryFile(suffix=".txt") as f:
        f.write(b"start ")
        f.truncate((1 << 30) + (1 << 20))  # sparse: NULs, one long word after "start"
        f.flush()
        ran = run_in_a_terminal([*MODULE, f.name])
    assert ran.returncode == 0
    assert ran.stdout == f"       2 {f.name}\n"
    assert b"100.0%" in ran.shown
    assert b" GB/s" in ran.shown


# ---- Standard input ----------------------------------------------------------------


def test_no_file_reads_stdin_and_prints_the_count_alone(command):
    # As wc -w does: `echo "a b c" | wc -w` prints 3.
    cmd, _ = command
    for args, stdin, out in [
        ([], b"a b c\n", "3\n"),
        ([], "the cat\u3000the hat\n".encode(), "4\n"),
        ([], b"", "0\n"),
        (["--threads", "1"], b" a\tb \n", "2\n"),
        (["--word", "the"], "the cat\u3000the the\n".encode(), "2\n"),
        (["--top", "2"], b"x y x\n", "      2 x\n      1 y\n"),
        (["--top", "2"], b" \n", ""),
    ]:
        proc = run(*args, stdin=stdin, command=cmd)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, out, ""), (args, stdin)


@pytest.mark.skipif(not LINUX, reason="a shell and its PATH")
def test_the_command_is_on_the_path_of_its_environment():
    # The example, word for word, in a shell whose PATH has the environment's bin.
    script = console_script()
    env = {**os.environ, "PATH": os.path.dirname(script) + os.pathsep + os.environ["PATH"]}
    proc = subprocess.run(
        'echo "a b c" | word-count',
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "3\n", "")


def test_dash_is_stdin_among_files(files):
    proc = run(files["a.txt"], "-", files["b.txt"], stdin=b"four five\n")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines() == [
        f"       3 {files['a.txt']}",
        "       2 -",
        f"       5 {files['b.txt']}",
        "      10 total",
    ]
    proc = run("--top", "2", "-", files["b.txt"], stdin=b"hat hat hat hat\n")
    assert proc.stdout == "      5 hat\n      3 the\n"


def test_stdin_that_is_not_utf8_is_reported_like_a_file(files):
    # The same one line as for a file, with the byte offset; named as wc names it.
    with open(files["bad.txt"], "rb") as f:
        data = f.read()
    for args, name in [([], "standard input"), (["-"], "-"), (["--top", "1"], "standard input")]:
        proc = run(*args, stdin=data)
        assert (proc.returncode, proc.stdout) == (1, ""), args
        assert proc.stderr == (
            f"python -m word_count: {name}: not UTF-8: invalid start byte "
            "(at byte 3 of '<stdin>')\n"
        )
    proc = run(files["a.txt"], "-", files["bad.txt"], stdin=data)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [f"       3 {files['a.txt']}", "       3 total"]
    assert [line.replace(files["bad.txt"], "X") for line in proc.stderr.splitlines()] == [
        "python -m word_count: -: not UTF-8: invalid start byte (at byte 3 of '<stdin>')",
        "python -m word_count: X: not UTF-8: invalid start byte (at byte 3 of 'X')",
    ]


@IO_HEAVY
def test_a_large_stdin_is_read_in_blocks_and_counted_whole():
    # Two and a half blocks, multibyte characters across their boundaries; then bad UTF-8
    # past the second, reported at its offset in the stream.
    data = "ab cd\u3000é the ".encode() * ((BLOCK_BYTES * 5 // 2) // 15 + 1)
    counts = Counter(data.decode().split())
    assert run(stdin=data).stdout == f"{sum(counts.values())}\n"
    assert run("--word", "the", "-", stdin=data).stdout == f"{w.search_py(data, 'the'):>8} -\n"
    assert run("--top", "1", stdin=data).stdout == f"{counts['ab']:>7} ab\n"
    at = 2 * BLOCK_BYTES + 5
    bad = data[:at] + b"\xe2\x82" + data[at:]
    proc = run(stdin=bad)
    assert (proc.returncode, proc.stdout) == (1, "")
    expected = decode_error(bad)
    assert expected.start > 2 * BLOCK_BYTES
    assert proc.stderr == (
        f"python -m word_count: standard input: not UTF-8: {expected.reason} "
        f"(at byte {expected.start} of '<stdin>')\n"
    )


def test_progress_always_on_stdin_from_a_file_draws_a_bar_of_what_is_left(files):
    # `word-count --progress always < file`: the size is known, less what was read before.
    with open(files["b.txt"], "rb") as f:
        f.seek(4)  # "cat\u3000the hat the\n" is left: the bar goes to 100% of it
        cmd = [*MODULE, "--progress", "always"]
        proc = subprocess.run(cmd, stdin=f, capture_output=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, b"4\n")
    assert b"\rstandard input [##############################] 100.0% " in proc.stderr
    assert proc.stderr.endswith(b"\r\x1b[K")


@given(
    text=valid_text,
    block=st.integers(1, 40),
    needle=st.sampled_from(["the", "a", "é", "😀", "😀😀", "\x1c", "a b", "a\u2028"]),
)
def test_streams_count_what_the_text_holds_whatever_the_block_size(text, block, needle):
    # Blocks are cut after whitespace (after a space or a line break for tokens); a word
    # (a token longer than the needle) longer than a block is cut between characters
    # when words (tokens) are counted, and makes the buffer grow for the frequencies.
    # Each count is that of the whole text.
    data = text.encode()
    assert stream_count(io.BytesIO(data), block=block) == len(text.split())
    assert stream_count(io.BytesIO(data), needle, block=block) == w.search_py(text, needle)
    counts = stream_frequencies(io.BytesIO(data), 2, block=block)
    assert list(counts.items()) == list(Counter(text.split()).items())


@given(data=st.binary(max_size=60), block=st.integers(1, 40))
def test_stream_errors_give_the_offset_as_the_file_functions_do(data, block):
    try:
        text = data.decode()
    except UnicodeDecodeError:
        expected = decode_error(data)
        for read in [
            functools.partial(stream_count, io.BytesIO(data), block=block),
            functools.partial(stream_count, io.BytesIO(data), "x", block=block),
            functools.partial(stream_frequencies, io.BytesIO(data), block=block),
        ]:
            with pytest.raises(UnicodeDecodeError) as info:
                read()
            e = info.value
            assert e.encoding == "utf-8"
            assert e.reason == f"{expected.reason} (at byte {expected.start} of '<stdin>')"
            # The bytes around the error, start:end the bad ones.
            assert e.object[e.start : e.end] == data[expected.start : expected.end]
            assert e.object in data
    else:
        assert stream_count(io.BytesIO(data), block=block) == len(text.split())


class Reads(io.BytesIO):
    """A stream that records the size of each read asked of it, and the size of the
    buffer read into (the object the reader's memoryview is of)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.asked: list[int] = []
        self.buffers: list[int] = []

    def readinto1(self, buffer) -> int:  # type: ignore[override]
        self.asked.append(len(buffer))
        self.buffers.append(len(buffer.obj))
        return super().readinto1(buffer)


def test_stream_memory_stays_at_one_block_unless_a_word_is_longer():
    # One buffer of `block` bytes, never more while the words are shorter: no read asks
    # for more than it. A word longer than the buffer grows it a block at a time, as the
    # file functions' stream does, so no read asks for more than a block then either.
    block = 4096
    data = b"word \xe3\x80\x80" * (200 * block // 8)
    stream = Reads(data)
    assert stream_count(stream, block=block) == 200 * block // 8
    assert max(stream.asked) == block
    assert len(stream.asked) > 200
    long_word = b"x" * (3 * block)
    stream = Reads(b"a " + long_word + b" b" * block)
    expected = Counter(["a", long_word.decode(), *["b"] * block])
    assert stream_frequencies(stream, block=block) == expected
    assert max(stream.asked) == block
    assert len(stream.asked) >= 4  # the word's three blocks, then its end
    # Once the word has ended, its memory is given back: one block again.
    assert stream.buffers[-1] == block
    assert max(stream.buffers) > block


GROWING_WORD = """
import io
from word_count import _stream

WORD = 256 << 20

class Zeros(io.RawIOBase):
    left = WORD
    zeros = bytes(1 << 20)

    def readinto(self, buffer):
        if self.left == 0:
            raise KeyboardInterrupt  # as Ctrl-C would, before the word ends
        n = min(len(buffer), len(self.zeros), self.left)
        buffer[:n] = self.zeros[:n]
        self.left -= n
        return n

before = peak_rss_kib()
try:
    _stream.stream_frequencies(Zeros())
except KeyboardInterrupt:
    pass
print((peak_rss_kib() - before) / (WORD >> 10))
"""


@IN_A_CHILD
@pytest.mark.skipif(not LINUX, reason="reads the peak memory from /proc, as Linux has it")
def test_stream_grows_a_long_word_without_copying_it():
    # --top holds a word whole, growing the buffer a block at a time. A bytearray grown so
    # on 3.13t was copied every few blocks (mimalloc moved it): 0.25 s a copy once the
    # word was 320 MB, deaf to Ctrl-C, and a peak of 2.13 times the word's memory here.
    grown = float(check(run_python(PEAK_RSS + GROWING_WORD)))
    assert grown < 1.5, f"a 256 MiB word took {grown:.2f} times its size at the peak"


@pytest.mark.parametrize("kind", ["the platform's", "bytearray"])
def test_a_resized_buffer_keeps_what_it_holds(kind):
    # Linux's buffer is an anonymous mapping; elsewhere, and here alike, a bytearray.
    buf = _stream._buffer(8) if kind == "the platform's" else bytearray(8)
    buf[:8] = b"abcdefgh"
    buf = _stream._resized(buf, 8 + 4096)
    assert (len(buf), bytes(buf[:9])) == (8 + 4096, b"abcdefgh\0")
    buf[-1:] = b"z"
    buf = _stream._resized(buf, 4)
    assert bytes(buf) == b"abcd"


@IN_A_CHILD
@pytest.mark.skipif(not LINUX, reason="needs RLIMIT_AS to bound allocations, as Linux does")
def test_a_buffer_beyond_the_memory_is_a_memory_error():
    # A mapping refused for want of memory raises OSError (ENOMEM): a MemoryError, as
    # bytearray's, is what the CLI and callers expect.
    code = """
import io, resource
from word_count import _stream
with open("/proc/self/status") as f:
    size = next(int(l.split()[1]) << 10 for l in f if l.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (size + (96 << 20), resource.RLIM_INFINITY))
try:
    _stream.stream_count(io.BytesIO(b"a"), block=1 << 30)
except MemoryError as e:
    print(type(e).__name__)
print(_stream.stream_count(io.BytesIO(b"a b"), block=1 << 20))
"""
    assert check(run_python(code)).split() == ["MemoryError", "2"]


@pytest.mark.parametrize("space", [c for c in PY_WHITESPACE if ord(c) >= 0x80])
def test_stream_frequencies_hold_one_block_of_words_split_by_any_whitespace(space):
    # Words split only by whitespace that is not ASCII (U+3000, NBSP...): each block is
    # cut after the last of it, not grown to hold the whole input as if one word.
    block = 4096
    data = f"ab{space}é{space}".encode() * 5_000
    stream = Reads(data)
    assert stream_frequencies(stream, block=block) == Counter(data.decode().split())
    assert set(stream.buffers) == {block}


def _is_line_break(c: str) -> bool:
    return len(f"a{c}b".splitlines()) == 2


@pytest.mark.parametrize(
    ("wide", "belongs"),
    [(_stream.WIDE_SPACES, str.isspace), (_stream.WIDE_LINE_BREAKS, _is_line_break)],
    ids=["whitespace", "line-breaks"],
)
def test_wide_characters_are_pythons_beyond_ascii(wide, belongs):
    # Asked of the interpreter, so that neither list can fall behind str.split() or
    # str.splitlines().
    chars = (chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000)
    assert sorted(wide) == sorted(c.encode() for c in chars if belongs(c))


@pytest.mark.parametrize(
    "data",
    [b"\xe2\x80" * 20_000, b"\xc3" * 40_000, b"x" + b"\xf0\x9f\x98" * 20_000],
    ids=["cut-3-byte", "lead-bytes", "cut-4-byte"],
)
def test_bytes_that_are_not_utf8_stop_a_long_word_at_once(data):
    # One word of bytes that can never be UTF-8 (each sequence cut short by the next):
    # the error at its start comes once a block is read, as from the file functions,
    # not when the word ends (never, on an endless stream) or the memory runs out.
    block = 4096
    expected = decode_error(data)
    for read in [
        functools.partial(stream_count, block=block),
        functools.partial(stream_count, word="x", block=block),
        functools.partial(stream_frequencies, block=block),
    ]:
        stream = Reads(data)
        with pytest.raises(UnicodeDecodeError) as info:
            read(stream)
        assert info.value.reason == f"{expected.reason} (at byte {expected.start} of '<stdin>')"
        assert set(stream.buffers) == {block}
        assert stream.tell() == block


@pytest.mark.parametrize(
    "data",
    [
        b"x" * 40_000,  # one word of ten blocks
        "\u3042\u3000".encode() * 4_000,  # words split only by U+3000, not by ASCII
        "\U0001f600".encode() * 10_000 + b" end",  # 4-byte characters cut across blocks
        b"a \xc2\xa0" + b"y" * 9_000 + "\u2029".encode() + b"z" * 9_000,
        "the\u2028a\x85".encode() * 5_000,  # lines broken only by non-ASCII breaks
    ],
    ids=["one-word", "ideographic-spaces", "emoji", "nbsp-and-paragraph", "wide-breaks"],
)
@pytest.mark.parametrize("needle", [None, "a", "the", "😀", "y" * 20])
def test_stream_count_holds_one_block_whatever_the_words(data, needle):
    # Counting needs no word whole: a word longer than the buffer is cut at a character
    # boundary, and the part after the cut is not counted again, so memory stays at one
    # block even for /dev/zero, as word_count_file's does. So is a token longer than the
    # needle, which cannot match it; a block is cut after a line break that is not ASCII.
    block = 4096
    stream = Reads(data)
    text = data.decode()
    expected = len(text.split()) if needle is None else w.search_py(text, needle)
    assert stream_count(stream, needle, block=block) == expected
    assert set(stream.buffers) == {block}


def test_stream_progress_gives_bytes_read_and_a_regular_files_size_left(tmp_path):
    data = b"one two three " * 1000
    seen: list[tuple[int, int | None]] = []
    assert stream_count(io.BytesIO(data), progress=lambda *p: seen.append(p), block=4096) == 3000
    assert seen[-1] == (len(data), None)
    assert {total for _, total in seen} == {None}  # a stream of unknown size
    (path := tmp_path / "f.txt").write_bytes(data)
    with open(path, "rb") as f:
        f.seek(4)  # what is left from here: as wc reads a file given as its stdin
        seen.clear()
        assert stream_count(f, progress=lambda *p: seen.append(p), block=4096) == 2999
    assert seen[-1] == (len(data) - 4, len(data) - 4)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


@pytest.mark.skipif(not LINUX, reason="closes the read end of a pipe early")
def test_a_reader_that_goes_away_stops_the_program_quietly(command):
    # `word-count ... | head -1` where head has exited: status 1, no message, as for wc.
    # With stdout buffered, as it is for a pipe unless PYTHONUNBUFFERED (set here on the
    # machines that run the tests) asks otherwise: the write then comes when it flushes.
    cmd, _ = command
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    for unbuffered in [{}, {"PYTHONUNBUFFERED": "1"}]:
        for args in [[], ["--top", "3"], ["-", "-"]]:
            proc = subprocess.Popen(
                [*cmd, *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**env, **unbuffered},
            )
            assert proc.stdout is not None
            proc.stdout.close()  # before anything is written: the stdin below comes after
            _, err = proc.communicate(b"a b c a\n", timeout=60)
            assert (proc.returncode, err) == (1, b""), (args, unbuffered)


# ---- On a terminal ------------------------------------------------------------------


@pytest.mark.skipif(not LINUX, reason="a pseudo-terminal as the controlling terminal")
def test_stdin_typed_on_a_terminal_is_read_until_ctrl_d_without_a_bar(command):
    # As wc reads it. No progress bar, even asked for: it would be drawn over the typing.
    from terminal import run_in_a_terminal

    cmd, _ = command
    for args, out in [([], "4\n"), (["-"], "       4 -\n"), (["--top", "1"], "      2 a\n")]:
        ran = run_in_a_terminal(
            [*cmd, "--progress", "always", *args],
            keyboard=True,
            lines=[b"a b a\n", "é\n".encode()],
            then=b"\x04",
        )
        assert (ran.returncode, ran.stdout) == (0, out), args
        assert ran.shown == "a b a\r\né\r\n".encode()  # the echo of the typing, only


@pytest.mark.skipif(not LINUX, reason="a pseudo-terminal as the controlling terminal")
def test_ctrl_c_while_stdin_is_read_from_a_terminal_exits_130_at_once(command):
    # Ctrl-C on the terminal, as the program waits for more typing: status 130, no
    # traceback, no count. (The file functions on /dev/stdin kept waiting here.)
    from terminal import run_in_a_terminal

    cmd, _ = command
    ran = run_in_a_terminal([*cmd], keyboard=True, lines=[b"a b c\n"], then=b"\x03", timeout=30)
    assert (ran.returncode, ran.stdout) == (130, "")
    assert ran.shown.replace(b"^C", b"") == b"a b c\r\n"  # the echo only
