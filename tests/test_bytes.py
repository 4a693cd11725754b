"""Bytes-like input: bytes, bytearray and memoryview of UTF-8 mean the text they decode to,
are read in place, and bytes that are not UTF-8 raise what ``bytes.decode()`` raises."""

from __future__ import annotations

import contextlib
import ctypes
import json
import mmap
import sys
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from subproc import PEAK_RSS, check, run_python
from utf8errors import decode_error, same_error

import word_count as w

from strategies import BUFFERS, valid_text

# Tests that make buffers of 16 MiB or more: thread-safe, but eight copies at once, three
# times over, would measure memory bandwidth and take most of CI's time.
MEMORY_HEAVY = pytest.mark.parallel_threads_limit(2)
SEARCHES = [w.search, w.search_sequential, w.search_sequential_detached, w.search_py]


@pytest.mark.parametrize("kind", BUFFERS)
@given(text=valid_text, needle=st.sampled_from(["the", "a", "é", "😀", "ab"]))
def test_bytes_mean_their_text(kind, text, needle):
    data = BUFFERS[kind](text.encode())
    n_words = len(text.split())
    assert w.word_count(data) == w.word_count(data, 1) == w.word_count_py(data) == n_words
    expected = w.search_py(text, needle)
    for search in SEARCHES:
        assert search(data, needle) == search(text, needle.encode()) == expected
        assert search(data, BUFFERS[kind](needle.encode())) == expected
    from_bytes, from_str = w.WordCounter(), w.WordCounter()
    assert from_bytes.add(data) == from_str.add(text) == n_words
    assert from_bytes.most_common() == from_str.most_common()


@given(text=valid_text, size=st.integers(64 << 10, 320 << 10), n_threads=st.integers(2, 9))
def test_bytes_split_between_threads(text, size, n_threads):
    # 64 KiB or more, or the text is not cut: a chunk is 32 KiB or more.
    unit = text + "x"
    big = unit * (size // len(unit) + 1)
    data = bytearray(big.encode())
    assert w.word_count(data, n_threads) == len(big.split())
    assert w.search(data, "x") == w.search_py(big, "x")


def test_counter_counts_bytes_as_text():
    counter = w.WordCounter()
    counter.add(b"caf\xc3\xa9 tea caf\xc3\xa9")
    counter.add("café")
    assert counter["café"] == 3
    assert counter.most_common(1) == [("café", 3)]
    # Keys are str, as in collections.Counter: a bytes key is a type error, not a miss.
    assert b"tea" not in counter
    with pytest.raises(TypeError):
        counter[b"tea"]  # type: ignore[index]


@given(data=st.binary(max_size=40))
def test_invalid_utf8_raises_what_decode_raises(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as expected:
        for call in (
            lambda: w.word_count(data),
            lambda: w.word_count(bytearray(data), 3),
            lambda: w.search(memoryview(data), "x"),
            lambda: w.search_sequential(data, "x"),
            lambda: w.search("x", data),
            lambda: w.WordCounter().add(data),
            lambda: w.word_count_py(data),
            lambda: w.search_py(bytearray(data), "x"),
        ):
            with pytest.raises(UnicodeDecodeError) as info:
                call()
            same_error(info.value, expected)
    else:
        assert w.word_count(data) == len(text.split())


@MEMORY_HEAVY
@pytest.mark.parametrize("at", [0, (16 << 20) - 1, (16 << 20) - 2, (16 << 20) + 1])
@pytest.mark.parametrize("bad", [b"\xff", b"\xe2\x82", b"\xe2\x82x", b"\xed\xa0\x80"])
def test_error_position_in_a_large_buffer(at, bad):
    # Large buffers are checked in 16 MiB slices: an error at or across a slice boundary
    # must be reported where bytes.decode() reports it.
    data = b"ab " * ((at + 2) // 3) + b"x"
    data = data[:at] + bad + b" tail" * 4
    expected = decode_error(data)
    with pytest.raises(UnicodeDecodeError) as info:
        w.word_count(data, 2)
    same_error(info.value, expected)
    assert info.value.object is data  # the caller's own bytes, not a copy


def test_wrong_types_and_layouts():
    with pytest.raises(TypeError, match="str or a bytes-like object, not int"):
        w.word_count(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not list"):
        w.search(["a"], "a")  # type: ignore[arg-type]
    for impl in (w.word_count, w.word_count_py):
        with pytest.raises(BufferError, match="not C-contiguous"):
            impl(memoryview(b"a b c d")[::2])
    with pytest.raises(ValueError, match="empty"):
        w.search(b"a", b"")


class _ExportsOther(bytes):
    """A bytes whose buffer (Python 3.12's __buffer__) holds other bytes than it does."""

    def __buffer__(self, flags: int) -> memoryview:
        return memoryview(b"x y z")


def test_a_bytes_subclass_means_the_bytes_its_buffer_exports():
    # What the Rust functions read is the buffer; the twins read the same. (On 3.11 a
    # class cannot export a buffer of its own, and both read the bytes it holds.)
    data = _ExportsOther(b"a")
    assert w.word_count(data) == w.word_count_py(data) == (3 if sys.version_info >= (3, 12) else 1)
    assert w.search(data, "x") == w.search_py(data, "x")
    assert list(w.word_frequencies(data).items()) == list(w.word_frequencies_py(data).items())


class _Refuses:
    """An exporter whose buffer is never there: each request counted, then refused."""

    def __init__(self) -> None:
        self.asked = 0

    def __buffer__(self, flags: int) -> memoryview:
        self.asked += 1
        raise BufferError("not now")


@pytest.mark.skipif(
    sys.version_info < (3, 12), reason="a Python class exports a buffer (__buffer__) from 3.12 on"
)
def test_an_exporter_that_refuses_is_asked_once_and_its_error_raised():
    # A memoryview is tried as well only for what PyO3 refuses in a buffer that was given
    # (no shape, no strides): an exporter's own error is final, and its side effects
    # happen once.
    calls = [
        lambda x: w.word_count(x),
        lambda x: w.word_frequencies(x),
        lambda x: w.search(x, "a"),
        lambda x: w.search("a", x),
        lambda x: w.WordCounter().add(x),
    ]
    for call in calls:
        refuses = _Refuses()
        with pytest.raises(BufferError, match=r"^not now$"):
            call(refuses)
        assert refuses.asked == 1


# The calls a bytearray that another thread writes must never break, by what it is to
# them (the text, or the needle).
RACED_CALLS = {
    "text": [
        lambda b: w.word_count(b),
        lambda b: w.word_frequencies(b),
        lambda b: w.search(b, "a"),
    ],
    "needle": [lambda b: w.search("a b", b), lambda b: w.search_sequential("a b", b)],
}


# Not `threaded`: the race is the test's own, on purpose, and ThreadSanitizer would
# rightly report it (nox -s tsan runs only the threaded tests).
@pytest.mark.parametrize("role", sorted(RACED_CALLS))
def test_a_bytearray_written_during_a_call_never_breaks_it(role):
    # guide.md: a bytearray another thread writes during a call gives an unspecified
    # count, never a crash. The last byte flips between invalid and valid UTF-8, so the
    # checks that read it twice once disagreed: 3.13t gave thousands of RuntimeErrors
    # (text) and PyO3 PanicExceptions (needle) a second, while 3.13 never ran the writer
    # inside these short, attached calls.
    data = bytearray(b"a " * 100 + b"\xff" if role == "text" else b"\xff")
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            data[-1] = 0xFF
            data[-1] = ord("a")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            for call in RACED_CALLS[role]:
                with contextlib.suppress(UnicodeDecodeError):
                    call(data)
    finally:
        stop.set()
        thread.join()


def test_other_buffers():
    assert w.word_count(memoryview(b"a b c").cast("c")) == 3
    with mmap.mmap(-1, 16) as m:
        m.write(b"one two  three\n")
        # The unwritten 16th byte is a NUL, a word of its own, as in the decoded str.
        assert w.word_count(m) == len(bytes(m).decode().split()) == 4


@MEMORY_HEAVY
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads peak RSS")
def test_bytes_are_not_copied():
    code = """
import ctypes
import json
import word_count as w
data = bytearray(b"the quick brown fox " * (12 << 20))  # 240 MiB
w.word_count(b"warm up " * 100_000)  # start the pool before measuring
peak0 = peak_rss_kib()
n = w.word_count(data) + w.word_count(memoryview(data)[4:], 1) + w.search(data, b"fox")
peak1 = peak_rss_kib()
print(json.dumps({"n": n, "growth_kib": peak1 - peak0, "size_kib": len(data) >> 10}))
"""
    seen = json.loads(check(run_python(PEAK_RSS + code, timeout=200)))
    assert seen["n"] == 2 * (48 << 20) - 1 + (12 << 20)
    # A copy of the buffer would add 240 MiB to the peak.
    assert seen["growth_kib"] < 16 << 10, seen


def test_buffers_without_shape_or_strides():
    # ctypes exports no strides (https://github.com/python/cpython/issues/57060), and a
    # 0-dimensional buffer no shape: still C-contiguous bytes, read like any other.
    text = "héllo wörld héllo"
    data = text.encode()
    buffers = [
        ctypes.create_string_buffer(data, len(data)),
        (ctypes.c_char * len(data)).from_buffer_copy(data),
    ]
    for buf in buffers:
        assert w.word_count(buf) == w.word_count_py(buf) == 3
        assert list(w.word_frequencies(buf).items()) == [("héllo", 2), ("wörld", 1)]
        assert w.search(buf, "héllo") == w.search_py(buf, "héllo") == 2
        assert w.search(text, buf[:6]) == 2  # a slice of it is bytes: a needle too
        assert w.search(text, ctypes.create_string_buffer(b"w\xc3\xb6rld", 6)) == 1
        counter = w.WordCounter()
        assert counter.add(buf) == 3
    for zero_d in (ctypes.c_char(b"x"), memoryview(b"x").cast("B", shape=[])):
        assert w.word_count(zero_d) == w.word_count_py(zero_d) == 1
        assert w.search(zero_d, "x") == w.search("x", zero_d) == 1
    bad = ctypes.create_string_buffer(b"ok \xff", 4)
    with pytest.raises(UnicodeDecodeError) as info:
        w.word_count(bad)
    assert (info.value.start, info.value.end, info.value.object) == (3, 4, b"ok \xff")
