"""word_count_file and search_file: a file means the text it decodes to, read block by
block in bounded memory, with the errors open() and bytes.decode() would raise."""

from __future__ import annotations

import errno
import functools
import json
import os
import pathlib
import sys
import tempfile
from collections import Counter

import pytest
from filechecks import assert_progress_can_stop_the_read, read_a_pipe
from hypothesis import given, settings
from hypothesis import strategies as st
from subproc import IN_A_CHILD, PEAK_RSS, check, run_python
from tmpfiles import write

import word_count as w

from strategies import valid_text

# The block of the core's stream module (a pipe's), and the batch of the core's
# parallel_read (a regular file's), whose blocks are 1 MiB: a multiple of those.
BLOCK = 16 << 20
# Tests that write files of 16 MiB or more (a block must be crossed) or read gigabytes:
# they are thread-safe, but eight copies at once, three times over, would measure the
# disk and take most of CI's time. Two threads at once still exercise concurrency.
IO_HEAVY = pytest.mark.parallel_threads_limit(2)

LINUX = sys.platform.startswith("linux")


@given(text=valid_text, needle=st.sampled_from(["the", "a", "é", "ab", "😀"]))
def test_small_files_mean_their_text(text, needle):
    path = write(text.encode())
    try:
        assert w.word_count_file(path) == w.word_count_file(path, 1) == len(text.split())
        assert w.search_file(path, needle) == w.search_py(text, needle)
    finally:
        os.unlink(path)


# The character at the block boundary, and a needle that may straddle it.
UNITS = ["\u3000", "é", "😀", "\r\n", "\u2028", "\x85", " ", "the", "\xa0"]


@IO_HEAVY
@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("shift", [-3, -1, 0, 1])
def test_block_boundaries(unit, shift, tmp_file):
    # Put `unit` so that it begins `shift` bytes from the end of the first block: a
    # multibyte character, a word or a token then spans the boundary.
    head = "ab the " * (BLOCK // 7 + 1)
    head = head[: BLOCK + shift - 1] + " "
    text = head + unit + "the" + unit + " the\n" + head[:1000]
    tmp_file.append(path := write(text.encode()))
    assert w.word_count_file(path) == w.word_count(text) == len(text.split())
    assert w.search_file(path, "the") == w.search(text, "the") == w.search_py(text, "the")
    long = "the" + unit + "the"
    assert w.search_file(path, long) == w.search(text, long) == w.search_py(text, long)


@IO_HEAVY
@settings(max_examples=10)
@given(text=valid_text, repeat=st.integers(1, 40), n_threads=st.integers(1, 4))
def test_large_files_mean_their_text(text, repeat, n_threads):
    # From one to two blocks and a half: the last block is partial, the first is full.
    unit = text + "x"
    big = unit * ((BLOCK + repeat * BLOCK // 27) // len(unit.encode()) + 1)
    path = write(big.encode())
    try:
        assert w.word_count_file(path, n_threads) == w.word_count(big) == len(big.split())
        assert w.search_file(path, "x", n_threads) == w.search_py(big, "x")
    finally:
        os.unlink(path)


@settings(max_examples=20)
@given(
    text=valid_text,
    size=st.integers(64 << 10, 300 << 10),
    n_threads=st.integers(2, 4),
    needle=st.sampled_from(["x", "é", "😀 x"]),
)
def test_files_split_between_threads_mean_their_text(text, size, n_threads, needle):
    # A file of 64-300 KiB is cut into one block per thread: the cuts fall anywhere in
    # the text, inside characters, words and tokens.
    unit = text + " x😀 x\u3000"
    big = unit * (size // len(unit.encode()) + 1)
    path = write(big.encode())
    try:
        assert w.word_count_file(path, n_threads) == len(big.split())
        assert w.search_file(path, needle, n_threads) == w.search_py(big, needle)
    finally:
        os.unlink(path)


def test_path_types(tmp_file):
    tmp_file.append(path := write(b"one two three"))
    for p in (path, os.fsencode(path), pathlib.Path(path)):
        assert w.word_count_file(p) == 3
        assert w.search_file(p, "two") == w.search_file(p, b"two") == 1
    with pytest.raises(TypeError):
        w.word_count_file(3)  # type: ignore[arg-type]


def test_a_nul_in_the_path_is_a_value_error_as_for_open(tmp_file):
    tmp_file.append(path := write(b"one two"))
    for p in (path + "\0", os.fsencode(path) + b"\0x", pathlib.Path(path + "\0")):
        with pytest.raises(ValueError, match="embedded null byte"):
            open(p)  # noqa: SIM115 (the reference)
        for call in (
            w.word_count_file,
            w.word_frequencies_file,
            lambda p: w.search_file(p, "one"),
        ):
            with pytest.raises(ValueError, match="embedded null byte"):
                call(p)


@pytest.mark.parametrize("data", [b"", b"one two"])
def test_a_progress_that_cannot_be_called_is_a_type_error_before_any_read(data, tmp_file):
    tmp_file.append(path := write(data))
    for call in (
        w.word_count_file,
        w.word_frequencies_file,
        lambda p, **kw: w.search_file(p, "one", **kw),
    ):
        with pytest.raises(TypeError, match="progress must be callable or None, not int"):
            call(path, progress=5)
        with pytest.raises(TypeError, match="progress"):
            call(path + ".missing", progress=5)  # checked before the file is opened


def test_missing_file_and_directory():
    with tempfile.TemporaryDirectory() as d:
        missing = os.path.join(d, "missing.txt")
        for call in (w.word_count_file, lambda p: w.search_file(p, "x")):
            with pytest.raises(FileNotFoundError) as info:
                call(missing)
            assert (info.value.errno, info.value.filename) == (errno.ENOENT, missing)
            assert str(info.value) == f"[Errno 2] No such file or directory: {missing!r}"
            with pytest.raises(IsADirectoryError) as info:
                call(pathlib.Path(d))
            assert (info.value.errno, info.value.filename) == (errno.EISDIR, d)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads all")
def test_unreadable_file(tmp_file):
    tmp_file.append(path := write(b"secret"))
    os.chmod(path, 0)
    with pytest.raises(PermissionError) as info:
        w.word_count_file(path)
    assert (info.value.errno, info.value.filename) == (errno.EACCES, path)


@IO_HEAVY
@pytest.mark.parametrize("at", [0, 10, BLOCK - 1, BLOCK - 2, BLOCK + 5])
@pytest.mark.parametrize("bad", [b"\xff", b"\xe2\x82", b"\xed\xa0\x80"])
def test_invalid_utf8_reports_the_byte_offset(at, bad, tmp_file):
    data = (b"ab " * (at // 3 + 1))[:at] + bad + b" more text"
    with pytest.raises(UnicodeDecodeError) as expected:
        data.decode()
    tmp_file.append(path := write(data))
    with pytest.raises(UnicodeDecodeError) as info:
        w.word_count_file(path)
    e = info.value
    assert (e.encoding, e.reason.split(" (")[0]) == ("utf-8", expected.value.reason)
    assert f"at byte {expected.value.start} of {path!r}" in e.reason
    # The error's object is the bytes around the error, and start:end the bad ones.
    bad_bytes = data[expected.value.start : expected.value.end]
    assert e.object[e.start : e.end] == bad_bytes
    with pytest.raises(UnicodeDecodeError, match=f"at byte {expected.value.start} "):
        w.search_file(path, "ab")


def test_empty_file_and_devices(tmp_file):
    tmp_file.append(path := write(b""))
    assert w.word_count_file(path) == w.search_file(path, "x") == 0
    if os.path.exists("/dev/null"):
        assert w.word_count_file("/dev/null") == 0


FILE_READS = {
    "word_count_file": w.word_count_file,
    "word_frequencies_file": w.word_frequencies_file,
    "search_file": functools.partial(w.search_file, needle="x"),
}
PROC_READS = {**FILE_READS, "search_file": functools.partial(w.search_file, needle="Linux")}


@pytest.mark.skipif(not os.path.exists("/proc/version"), reason="reads /proc/version (Linux)")
@pytest.mark.parametrize("read", PROC_READS.values(), ids=PROC_READS.keys())
def test_a_file_whose_size_of_0_is_none_is_read_in_order_as_a_pipe(read):
    # /proc's files are regular, of size 0, and made as they are read. Read by offsets
    # in blocks planned for that size, /proc/kallsyms took 15 s where Python reads it in
    # 0.04: each read that did not go on from the last rebuilt the file from its start.
    # Read in order, and told as a pipe tells, `total` None: the size was none.
    path = "/proc/version"
    assert os.stat(path).st_size == 0
    with open(path, "rb") as f:
        data = f.read()
    assert data
    seen: list[tuple[int, int | None]] = []
    got = read(path, progress=lambda done, total: seen.append((done, total)))
    want = {
        w.word_count_file: len(data.decode().split()),
        w.word_frequencies_file: Counter(data.decode().split()),
    }.get(read, w.search_py(data, "Linux"))
    assert got == want
    assert got  # (a count of 0 would prove little)
    assert seen == [(len(data), None)]


@pytest.mark.parametrize("read", FILE_READS.values(), ids=FILE_READS.keys())
def test_progress_is_told_of_an_empty_input_too(read, tmp_file):
    # At least once, so that a bar can finish; word_frequencies_file and a pipe, with no
    # block to report, were not told at all, while word_count_file of a file was.
    tmp_file.append(path := write(b""))
    seen: list[tuple[int, int | None]] = []
    read(path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 0)]
    if LINUX:
        assert read_a_pipe(read, b"")[1] == [None]


@IO_HEAVY
def test_progress_is_reported_and_can_stop_the_count(tmp_file):
    data = b"word " * ((BLOCK * 5 // 2) // 5)
    tmp_file.append(path := write(data))
    seen: list[tuple[int, int | None]] = []
    assert w.word_count_file(path, progress=lambda done, total: seen.append((done, total))) == (
        len(data) // 5
    )
    assert len(seen) == 3
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (len(data), len(data))
    assert_progress_can_stop_the_read(functools.partial(w.search_file, path, "word"))


@pytest.mark.skipif(not LINUX, reason="reads a pipe through /dev/fd")
def test_a_pipe_has_no_size():
    count, totals = read_a_pipe(w.word_count_file, b"one two three " * 100)
    assert count == 300
    assert totals == [None]


@IN_A_CHILD
@IO_HEAVY
@pytest.mark.skipif(not LINUX, reason="truncate(2) semantics and /proc")
def test_a_file_truncated_while_read_gives_a_result_or_an_error():
    # With a memory map, reading a page past the new end kills the process (SIGBUS).
    code = """
import atexit, os, tempfile, threading
import word_count as w
fd, path = tempfile.mkstemp()
os.close(fd)
# Removed at exit even if a call raises: the vandal leaves up to 64 MiB behind.
atexit.register(os.unlink, path)
data = ("ab \\u3000 " * (8 << 20)).encode()  # 8 bytes per word; 64 MiB
stop = threading.Event()
def vandal():
    while not stop.is_set():
        with open(path, "r+b") as f:
            f.truncate(len(data) // 3)
            f.truncate(0)
            f.write(data[: len(data) // 2 + 1])  # ends inside a character
        with open(path, "wb") as f:
            f.write(data)
with open(path, "wb") as f:
    f.write(data)
t = threading.Thread(target=vandal)
t.start()
results = set()
for _ in range(30):
    for call in (lambda: w.word_count_file(path), lambda: w.search_file(path, "ab")):
        try:
            n = call()
            assert 0 <= n <= 2 * (8 << 20), n
            results.add("count")
        except UnicodeDecodeError:
            results.add("UnicodeDecodeError")
stop.set()
t.join()
print(sorted(results))
"""
    out = check(run_python(code, timeout=200))
    assert "count" in out


@IN_A_CHILD
@IO_HEAVY
@pytest.mark.skipif(not LINUX, reason="RLIMIT_AS and sparse files")
def test_a_file_larger_than_the_address_space():
    # A 3 GiB sparse file, read with the address space limited to 1.5 GiB: it cannot be
    # mapped or read whole. Its holes read as NULs, which are not whitespace (as in str).
    code = """
import os, resource, tempfile
import word_count as w
w.word_count("start the pool first " * 10_000)
fd, path = tempfile.mkstemp()
size = 3 << 30
with os.fdopen(fd, "r+b") as f:
    for at in (0, 1 << 30, (2 << 30) - 2, size - 6):
        f.seek(at)
        f.write(b" end ")
    f.truncate(size)
resource.setrlimit(resource.RLIMIT_AS, (3 << 29, resource.RLIM_INFINITY))
try:
    try:
        bytearray(size)
        raise SystemExit("the limit does not hold")
    except MemoryError:
        pass
    print(w.word_count_file(path), w.search_file(path, "end"))
finally:
    os.unlink(path)
"""
    # Words: NUL runs between the writes, and the " end " tokens themselves.
    assert check(run_python(code, timeout=200)).split() == ["8", "4"]


@IN_A_CHILD
@pytest.mark.skipif(not LINUX, reason="RLIMIT_AS and /dev/zero")
def test_a_word_longer_than_the_memory_there_is_is_a_memory_error():
    # /dev/zero is one endless word, which word_frequencies_file grows its buffer to hold
    # whole: with the address space limited, a MemoryError, as reading it into a str
    # would raise, not an abort ("memory allocation ... failed") that kills the process.
    code = """
import resource
import word_count as w
w.word_frequencies("start the pool first " * 10_000)
resource.setrlimit(resource.RLIMIT_AS, (3 << 29, resource.RLIM_INFINITY))
try:
    bytearray(3 << 29)
    raise SystemExit("the limit does not hold")  # else /dev/zero would fill the memory
except MemoryError:
    pass
try:
    w.word_frequencies_file("/dev/zero")
except MemoryError as e:
    print("MemoryError:", e)
print(w.word_frequencies_file("/dev/null"))
"""
    assert check(run_python(code, timeout=200)).splitlines() == [
        "MemoryError: a word of the file is longer than the memory available",
        "Counter()",
    ]


@pytest.mark.skipif(not LINUX, reason="reads peak RSS")
@pytest.mark.thread_unsafe(
    reason="writes a 1 GiB file; eight at once would need 8 GiB of disk and page cache "
    "and measure the disk, not the code"
)
def test_a_1_gib_file_needs_a_few_blocks_of_memory_not_a_copy():
    code = """
import json, os, tempfile
import word_count as w
w.word_count("start the pool first " * 10_000)
fd, path = tempfile.mkstemp()
try:  # never left behind, even by a full disk
    line = b"the quick brown fox jumps over the lazy dog \\xe3\\x80\\x80 caf\\xc3\\xa9\\n"
    with os.fdopen(fd, "wb") as f:
        block = line * ((1 << 20) // len(line))
        for _ in range(1024):
            f.write(block)
    size = os.path.getsize(path)
    peak0 = peak_rss_kib()
    counts = [w.word_count_file(path), w.word_count_file(path, 1), w.search_file(path, "the")]
    peak1 = peak_rss_kib()
finally:
    os.unlink(path)
lines = size // len(line)
text = line.decode()
expected = [len(text.split()) * lines] * 2 + [w.search_py(text, "the") * lines]
print(json.dumps({"counts": counts, "expected": expected, "growth_kib": peak1 - peak0}))
"""
    seen = json.loads(check(run_python(PEAK_RSS + code, timeout=300)))
    assert seen["counts"] == seen["expected"]
    # A 1 MiB block per thread, and what the threads touch; a copy of the file would be
    # 1 GiB.
    assert seen["growth_kib"] < 4 * (BLOCK >> 10), seen
