"""The pure-Python implementations: the reference the Rust functions must agree with,
and the Python-threads workload the benchmarks compare them against."""

from __future__ import annotations

import operator
import os
import queue
import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from word_count._word_count import MAX_THREADS

if TYPE_CHECKING:
    from typing_extensions import Buffer

_R = TypeVar("_R")

# A chunk smaller than this is not worth a thread (the Rust side uses 32 KiB of UTF-8).
_MIN_CHUNK_CHARS = 32 * 1024
# For str patterns, re's \s is exactly str.isspace(), i.e. what str.split() splits on.
_WHITESPACE = re.compile(r"\s")


def _text_arg(value: object, name: str) -> str | bytes:
    """``value`` as the Rust functions take a text argument: a str, or the bytes of a
    bytes-like object, not yet decoded. The Rust functions check every argument's type
    first, then the values, so the twins do the same (TypeError before UnicodeDecodeError)."""
    if isinstance(value, str):
        # An exact str: a subclass's own methods (split, splitlines, __eq__, decode...)
        # must not change what is counted, as they cannot in the Rust functions.
        return str.__str__(value)
    try:
        view = memoryview(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{name}: expected str or a bytes-like object, not {type(value).__name__}"
        ) from None
    if not view.c_contiguous:
        raise BufferError("the buffer is not C-contiguous; pass bytes(view) instead")
    # bytes(b) is b itself for bytes, so its UnicodeDecodeError holds the caller's object.
    # Not a subclass's: it may export other bytes (__buffer__) than it holds, and the
    # buffer is what the Rust functions read.
    return value if type(value) is bytes else view.tobytes()


def _decoded(text: str | bytes) -> str:
    """The text a :func:`_text_arg` means (decoding raises UnicodeDecodeError)."""
    return text if isinstance(text, str) else bytes.decode(text, "utf-8")


def _available_cpus() -> int:
    """The CPUs this process may run on (what rayon sizes its pool by on the Rust side)."""
    if hasattr(os, "process_cpu_count"):  # 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _thread_count(n_threads: object) -> int:
    """Validate ``n_threads`` exactly as the Rust functions do."""
    if n_threads is None:
        return _available_cpus()
    try:
        n = operator.index(n_threads)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"n_threads must be an int or None, not {type(n_threads).__name__}"
        ) from None
    if n < 1:
        raise ValueError(f"n_threads must be at least 1, got {n_threads!r}")
    return min(n, MAX_THREADS)


def search_py(contents: str | Buffer, needle: str | Buffer) -> int:
    """Count the tokens of ``contents`` equal to ``needle``, in pure Python.

    The tokens are ``line.split(" ")`` for each line of ``contents.splitlines()``.
    This is the reference: ``search``, ``search_sequential`` and
    ``search_sequential_detached`` return the same count for every ``str``.

    Either argument may be a bytes-like object of UTF-8, which means its decoded text.
    Raises TypeError if an argument is neither, ValueError if ``needle`` is empty, and
    UnicodeDecodeError for bytes that are not UTF-8.
    """
    # In the Rust functions' order: both types, then the needle, then the contents.
    raw_contents = _text_arg(contents, "contents")
    needle = _decoded(_text_arg(needle, "needle"))
    if not needle:
        raise ValueError("needle must not be empty")
    contents = _decoded(raw_contents)
    total = 0
    for line in contents.splitlines():
        for token in line.split(" "):
            if token == needle:
                total += 1
    return total


def _chunk_bounds(text: str, n_chunks: int) -> list[int]:
    """Split points for ``n_chunks`` chunks of ``text``, each at a whitespace character,
    so that no chunk boundary falls inside a word."""
    bounds = [0]
    for k in range(1, n_chunks):
        at = max(len(text) * k // n_chunks, bounds[-1])
        found = _WHITESPACE.search(text, at)
        bounds.append(found.start() if found else len(text))
    bounds.append(len(text))
    return bounds


# The threads of word_count_py and word_frequencies_py, kept from call to call as the Rust
# functions keep rayon's pool: a thread's start and end is no part of what a call measures.
# On 3.13t a thread's end grows dearer once threads that ended before it left mimalloc
# segments behind (bench/workloads.py's Team says why); a pool a call cost
# word_count_py(text, 2) on 4 MiB a fifth or more of its time there (docs/benchmarks.md).
#
# Not a ThreadPoolExecutor: it starts a thread for a task whenever its count of idle
# threads is 0, and that count falls behind when one worker takes two tasks in a row, so
# a kept executor grows, call after call, to its max_workers: 256 threads after 300 calls
# of 2 chunks on CPython 3.12.1. Here a thread is put back among the idle before its
# result is handed back, so a call finds idle every thread no call is using, and the pool
# holds exactly as many threads as calls ever ran at once. They are daemons, each waiting
# on a queue of its own, and end with the interpreter.
_Job = tuple[Callable[[str, int, int], object], str, int, int, int, "queue.SimpleQueue[_Done]"]
_Done = tuple[int, bool, object]


class _Pool:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: list[queue.SimpleQueue[_Job]] = []
        self.started = 0

    def run(self, fn: Callable[[str, int, int], _R], text: str, bounds: list[int]) -> list[_R]:
        n = len(bounds) - 1
        with self.lock:
            inboxes = [self.idle.pop() for _ in range(min(n, len(self.idle)))]
            first, self.started = self.started, self.started + n - len(inboxes)
        for k in range(first, first + n - len(inboxes)):
            inbox: queue.SimpleQueue[_Job] = queue.SimpleQueue()
            name = f"word_count_py_{k}"
            threading.Thread(target=self.serve, args=(inbox,), name=name, daemon=True).start()
            inboxes.append(inbox)
        done: queue.SimpleQueue[_Done] = queue.SimpleQueue()
        for i, inbox in enumerate(inboxes):
            inbox.put((fn, text, bounds[i], bounds[i + 1], i, done))
        results: list[object] = [None] * n
        failed: list[tuple[int, BaseException]] = []
        for _ in range(n):
            i, ok, value = done.get()
            if ok:
                results[i] = value
            else:
                failed.append((i, value))  # type: ignore[arg-type]
        if failed:
            # Every chunk has ended: the first chunk's exception, as map() would raise it.
            raise min(failed, key=lambda f: f[0])[1]
        return results  # type: ignore[return-value]

    def serve(self, inbox: queue.SimpleQueue[_Job]) -> None:
        while True:
            fn, text, start, end, i, done = inbox.get()
            try:
                result: _Done = (i, True, fn(text, start, end))
            except BaseException as e:  # handed to the caller, which raises it
                result = (i, False, e)
            with self.lock:
                self.idle.append(inbox)
            done.put(result)
            # An idle thread holds nothing of the call: not its text, nor a chunk's
            # Counter (word_frequencies_py's, as large as the result), until the next.
            del fn, text, result, done


_pool = _Pool()


def _forget_pool() -> None:
    # A forked child has a copy of the pool but none of its threads: its work would wait
    # forever. The child starts a pool of its own, with a lock of its own: the copy's was
    # held across the fork (below), so that no other thread held it.
    global _pool
    _pool = _Pool()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=lambda: _pool.lock.acquire(),
        after_in_parent=lambda: _pool.lock.release(),
        after_in_child=_forget_pool,
    )


def _on_threads(fn: Callable[[str, int, int], _R], text: str, bounds: list[int]) -> list[_R]:
    """``fn(text, start, end)`` for each chunk between ``bounds``, each on a thread of the
    kept pool, in chunk order. A single chunk is counted on the caller's thread, as the
    Rust functions count one: handing it to another thread would only add the hand-over."""
    if len(bounds) == 2:
        return [fn(text, bounds[0], bounds[1])]
    return _pool.run(fn, text, bounds)


def _count_slice(text: str, start: int, end: int) -> int:
    # Line by line: memory holds the chunk's lines and one line's words at a time, not a
    # list of every word of the chunk (tens of millions of str objects per thread for a
    # gigabyte of text). The sum is the same: every line break Python knows is also
    # whitespace to str.split().
    count = 0
    for line in text[start:end].splitlines():
        count += len(line.split())
    return count


def word_count_py(text: str | Buffer, n_threads: int | None = None) -> int:
    """Count the words of ``text`` (``len(text.split())``) with ``n_threads`` Python threads.

    The text is cut at whitespace into at most ``n_threads`` chunks (none shorter than
    32 Ki characters) and each chunk is counted by a ``threading`` thread in Python.
    On a GIL build the threads take turns holding the GIL, so this cannot scale; on
    free-threaded Python it can. ``n_threads=None`` means one thread per available CPU.
    The threads are kept for later calls, as the Rust functions keep theirs: a call
    reuses the idle ones, and a forked child starts its own.

    ``text`` may be a bytes-like object of UTF-8, which means its decoded text. Raises
    TypeError if ``text`` is neither or ``n_threads`` not an int or None, ValueError if
    ``n_threads`` is below 1, and UnicodeDecodeError for bytes that are not UTF-8.
    Counts above ``MAX_THREADS`` are capped.
    """
    raw = _text_arg(text, "text")
    threads = _thread_count(n_threads)
    text = _decoded(raw)
    n_chunks = max(1, min(threads, len(text) // _MIN_CHUNK_CHARS))
    # An exception raised counting a chunk reaches the caller: no count is silently lost.
    return sum(_on_threads(_count_slice, text, _chunk_bounds(text, n_chunks)))


def _count_each_word(text: str, start: int, end: int) -> Counter[str]:
    # Line by line, for the memory reason of _count_slice. The order is kept: the lines
    # come in text order, so each word is first inserted at its first occurrence.
    counts: Counter[str] = Counter()
    for line in text[start:end].splitlines():
        counts.update(line.split())
    return counts


def word_frequencies_py(text: str | Buffer, n_threads: int | None = None) -> Counter[str]:
    """Count each word of ``text`` (``Counter(text.split())``) with ``n_threads`` Python
    threads.

    The text is cut into chunks as ``word_count_py`` cuts it, each chunk gets a
    ``Counter`` of its own in a ``threading`` thread, and the chunks' Counters are merged
    in text order. The result equals ``Counter(text.split())`` in its keys' order too
    (first occurrence first), so ``most_common`` breaks ties the same way.

    ``text`` may be a bytes-like object of UTF-8, which means its decoded text (the keys
    are ``str``). The errors are those of ``word_count_py``.
    """
    raw = _text_arg(text, "text")
    threads = _thread_count(n_threads)
    text = _decoded(raw)
    n_chunks = max(1, min(threads, len(text) // _MIN_CHUNK_CHARS))
    parts = _on_threads(_count_each_word, text, _chunk_bounds(text, n_chunks))
    # In chunk order: update() appends the words it has not seen in the order of the
    # chunk's Counter, which is their order of first occurrence in the chunk; and every
    # chunk's words come after the previous chunks' in the text.
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part)
    return total
