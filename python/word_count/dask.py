"""Word counts, word frequencies and token search over many or large files, with Dask.

``pip install "word-count[dask]"`` installs what this module needs (``dask``, which brings
``fsspec``, and ``distributed`` where it installs). Each function takes ``urlpath``, which
is anything ``fsspec.open_files`` takes (a path, a glob, a list of them, a remote URL), and
returns a ``dask.delayed`` object: nothing is read until it is computed, with
``.compute()`` or ``dask.compute``, on whichever scheduler is active (the threaded one by
default, ``scheduler="processes"`` or ``"sync"``, or a ``distributed.Client``). It composes
with the rest of a Dask graph, and Dask's diagnostics (``dask.diagnostics.ProgressBar``,
the distributed dashboard) show its tasks.

The result is exactly what the single-machine functions give, summed over the files in
order: ``word_count_file``, ``search_file``, and for ``word_frequencies`` the Counters of
``word_frequencies_file`` merged file by file, which is ``Counter`` of all the files' words
in order, the keys' first-occurrence order included.

How a file is split: each file is cut into byte ranges of ``blocksize`` (the last one
shorter), one task per range, whatever the cut falls in: a word, a ``"\\r\\n"``, a
multibyte character. A range *owns* the characters whose first byte lies in it, and the
words (or search tokens) whose first character it owns. To know what it owns, a task
reads up to 4 bytes before its range (the start of the character that the range's first
byte may belong to, and so whether the range begins inside a word), skips a word that
began before the range (the previous range counts it), and reads on past its end, as far
as needed, to finish its last word. Every word is then counted by exactly one task, and
the tasks' results are added (frequencies: merged in file and range order, so a word
keeps its first occurrence's place).

A local path is read and named as ``word_count_file`` reads and names it, not as fsspec
would rewrite it (but for a leading ``~``, which fsspec expands). A file whose size is 0
or unknown (a FIFO, ``/proc/version``, HTTP without Content-Length) is one task that
reads it whole.

Errors: a file that does not exist, a directory, or a glob that matches nothing raises
when the function is called, before any task runs, naming it as given. A file that is
not UTF-8 raises, when computed, the UnicodeDecodeError that ``word_count_file`` raises:
the reason says the byte offset in the file and the file's name. Each task reports the
first bad byte among the characters it owns; the results are merged so that the first
bad byte of the first bad file, in file order, is the one raised.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeAlias

try:
    import fsspec
    from dask.base import tokenize
    from dask.delayed import delayed
    from dask.utils import parse_bytes
    from fsspec.core import has_magic
    from fsspec.implementations.local import LocalFileSystem
except ImportError as e:  # pragma: no cover - the message is tested in a subprocess
    raise ImportError(f'word_count.dask needs dask: pip install "word-count[dask]" ({e})') from e

import word_count as _wc

if TYPE_CHECKING:
    from dask.delayed import Delayed
    from fsspec.spec import AbstractFileSystem
    from typing_extensions import Buffer

__all__ = ["search", "word_count", "word_frequencies"]

_UrlPath: TypeAlias = "str | os.PathLike[str] | Sequence[str | os.PathLike[str]]"
_Op: TypeAlias = Literal["count", "frequencies", "search"]

# str.split()'s 29 whitespace characters, as UTF-8 (tests check it against str.isspace).
# Each begins with an ASCII byte or a lead byte, never a continuation byte, so in valid
# UTF-8 a match always begins on a character boundary.
_WHITESPACE = re.compile(
    rb"[\t\n\x0b\x0c\r\x1c-\x1f ]|\xc2[\x85\xa0]|\xe1\x9a\x80"
    rb"|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|\xe2\x81\x9f|\xe3\x80\x80"
)
# What ends a search token: " " and str.splitlines()'s 10 line breaks. "\r\n" is one line
# break to splitlines but two separators here; that only makes an empty token, and an
# empty token never equals a needle (needles are not empty). A tab is not among them:
# the needle "a\tb" is one token.
_TOKEN_END = re.compile(rb"[\n\x0b\x0c\r\x1c-\x1e ]|\xc2\x85|\xe2\x80[\xa8\xa9]")

# The longest UTF-8 character: a range's first character began at most this many bytes
# before the range.
_MAX_CHAR = 4
# Reading past a range's end to finish its last word: the first step, doubled each time.
_READ_ON = 64 << 10
# How many partial results one merge task takes: a tree of merges, not one task holding
# every range's Counter at once.
_FAN_IN = 8
# Bytes of context around a bad byte in a UnicodeDecodeError, as word_count_file gives.
_CONTEXT = 16


class _File(NamedTuple):
    """One input file, as the tasks need it: all picklable, for worker processes."""

    order: int  # its place in the list of files: the first error in this order wins
    fs: AbstractFileSystem
    path: str  # the filesystem's own path (no protocol)
    name: str  # as errors name it: the path for local files, else the full URL
    size: int


class _Bad(NamedTuple):
    """A task's result when its bytes are not UTF-8: the first bad byte it owns."""

    order: int  # the file's place in the list
    offset: int  # of the bad byte in the file
    window: bytes  # the bytes around it; the bad ones are window[start:end]
    start: int
    end: int
    reason: str
    name: str

    def error(self) -> UnicodeDecodeError:
        return _DecodeError(
            "utf-8",
            self.window,
            self.start,
            self.end,
            f"{self.reason} (at byte {self.offset} of {self.name!r})",
        )


class _DecodeError(UnicodeDecodeError):
    """The UnicodeDecodeError raised, made to cross process boundaries whole.

    ``distributed`` installs tblib's exception pickling, which rebuilds a
    UnicodeDecodeError with ``__new__`` and loses its encoding, object, start, end and
    reason (its ``str()`` is then empty). This pickles as the plain UnicodeDecodeError
    it equals, so a client gets that, with its message."""

    def __reduce__(self) -> tuple[type[UnicodeDecodeError], tuple[Any, ...]]:
        return (UnicodeDecodeError, self.args)


def word_count(
    urlpath: _UrlPath,
    *,
    blocksize: int | str = "128MiB",
    storage_options: Mapping[str, Any] | None = None,
) -> Delayed:
    """The number of words in the files at ``urlpath``, lazily: a ``dask.delayed`` int.

    Equal to the sum of ``word_count_file`` over the files, i.e. of
    ``len(text.split())``, with Python's 29 whitespace characters. Each file is cut into
    byte ranges of ``blocksize`` (an int, or a string such as ``"64MiB"``), one task
    each; a range counts the words whose first byte lies in it, seeing from the
    character before it whether it begins inside a word that an earlier range counts.

    ``storage_options`` go to ``fsspec`` (credentials, for instance). Raises, when
    called: FileNotFoundError for a missing file or a glob that matches nothing,
    IsADirectoryError for a directory, TypeError and ValueError for bad arguments
    (``blocksize`` below 1 byte). When computed: UnicodeDecodeError for a file that is
    not UTF-8, naming the file and the offset of its first bad byte.
    """
    return _graph("count", urlpath, blocksize, storage_options, None)


def word_frequencies(
    urlpath: _UrlPath,
    *,
    blocksize: int | str = "128MiB",
    storage_options: Mapping[str, Any] | None = None,
) -> Delayed:
    """How often each word occurs in the files at ``urlpath``, lazily: a ``dask.delayed``
    ``collections.Counter``.

    Equal to ``Counter`` of all the files' words (``text.split()``) in file order, key
    order included (first occurrence first, so ``most_common`` breaks ties as the
    single-machine functions do): ``word_frequencies_file``'s Counters merged file by
    file. Each range of ``blocksize`` bytes counts the words whose first byte lies in it
    (see ``word_count``) into a Counter of its own, in order; the Counters are merged in
    file and range order, so every word is inserted where it first occurs.

    Arguments and errors are ``word_count``'s.
    """
    return _graph("frequencies", urlpath, blocksize, storage_options, None)


def search(
    urlpath: _UrlPath,
    needle: str | Buffer,
    *,
    blocksize: int | str = "128MiB",
    storage_options: Mapping[str, Any] | None = None,
) -> Delayed:
    """How many tokens of the files at ``urlpath`` equal ``needle``, lazily: a
    ``dask.delayed`` int.

    Equal to the sum of ``search_file`` over the files: the tokens are
    ``line.split(" ")`` for each line of ``text.splitlines()``, so a token ends at a
    space or a line break, not at a tab. Each range of ``blocksize`` bytes counts the
    tokens whose first byte lies in it, seeing from the character before it whether it
    begins inside a token that an earlier range counts.

    ``needle`` is a str or UTF-8 bytes; it is checked when called (ValueError if empty,
    TypeError, UnicodeDecodeError). The other arguments and errors are ``word_count``'s.
    """
    # The Rust function checks the needle exactly as search_file would, before any task.
    _wc.search_sequential(b"", needle)
    if not isinstance(needle, str):
        needle = bytes(memoryview(needle)).decode("utf-8")
    return _graph("search", urlpath, blocksize, storage_options, needle)


# ---- Planning, at call time ----------------------------------------------------------


def _blocksize(blocksize: object) -> int:
    if isinstance(blocksize, bool) or not isinstance(blocksize, (int, str)):
        raise TypeError(f"blocksize must be an int or a str, not {type(blocksize).__name__}")
    if isinstance(blocksize, str) and not blocksize.strip():
        # parse_bytes reads "" as 1 byte.
        raise ValueError("blocksize must be a size, not an empty string")
    try:
        size = parse_bytes(blocksize)
    except OverflowError:  # "1e400": int(float("inf"))
        raise ValueError(f"blocksize is too large: {blocksize!r}") from None
    if size < 1:
        raise ValueError(f"blocksize must be at least 1 byte, got {blocksize!r}")
    return size


def _urlpaths(urlpath: object) -> list[str | os.PathLike[str]]:
    if isinstance(urlpath, (str, os.PathLike)):
        return [urlpath]
    if isinstance(urlpath, Sequence) and not isinstance(urlpath, (bytes, bytearray)):
        paths = list(urlpath)
        if not paths:
            raise ValueError("urlpath is an empty list: no files to read")
        for p in paths:
            if not isinstance(p, (str, os.PathLike)):
                raise TypeError(f"urlpath: expected str or os.PathLike, not {type(p).__name__}")
        return paths
    raise TypeError(
        f"urlpath must be a str, an os.PathLike or a list of them, not {type(urlpath).__name__}"
    )


def _files(urlpath: object, storage_options: object) -> list[tuple[_File, object]]:
    """The files to read, in order, with their fsspec info, each checked to exist now
    rather than in a task."""
    if storage_options is None:
        storage_options = {}
    if not isinstance(storage_options, Mapping):
        raise TypeError(
            f"storage_options must be a mapping or None, not {type(storage_options).__name__}"
        )
    files: list[tuple[_File, object]] = []
    # One entry at a time: fsspec drops a list entry whose glob matches nothing, silently.
    for entry in _urlpaths(urlpath):
        path = _local_path(entry)
        if path is not None:
            files.append(_local_file(len(files), path))
            continue
        opened = fsspec.open_files(entry, mode="rb", **storage_options)
        if not opened:
            raise FileNotFoundError(errno.ENOENT, "No files match", os.fspath(entry))
        given = os.fspath(entry)
        for f in opened:
            # Local files alone, not a subclass's (another filesystem, in a local guise).
            if type(f.fs) is LocalFileSystem:
                files.append(_local_file(len(files), _match_name(given, f.path)))
                continue
            name = f.full_name
            try:
                info = f.fs.info(f.path)
            except FileNotFoundError as e:
                raise FileNotFoundError(errno.ENOENT, "No such file or directory", name) from e
            if info.get("type") == "directory":
                raise IsADirectoryError(errno.EISDIR, "Is a directory", name)
            # No size (HTTP without Content-Length, say), or 0: the whole file is one task.
            size = info.get("size") or -1
            files.append((_File(len(files), f.fs, f.path, name, size), info))
    return files


def _local_path(entry: str | os.PathLike[str]) -> str | None:
    """``entry`` as a local path, if it is one to the single-machine functions: a file by
    that very name, or a name that is no URL (``://``), no chain of them (``zip::...``) and
    no glob. fsspec would rewrite such a name: ``"a::b.txt"`` is a chain of URLs to it,
    ``"f.txt/"`` is ``"f.txt"``, and ``""`` the working directory."""
    path = os.fspath(entry)
    if not isinstance(path, str):
        return None  # a bytes path: fsspec's to refuse
    if os.path.lexists(path):
        return path
    if path.startswith("~"):
        return None  # fsspec expands it, as it always has here (open() does not)
    chained = "::" in path and path.split("::", 1)[0] in fsspec.available_protocols()
    if "://" in path or chained or has_magic(path):
        return None
    return path


def _match_name(pattern: object, path: str) -> str:
    """The name of ``path``, a local match of the glob ``pattern``, as a shell expands the
    pattern: the part of it before the first component with a wildcard as written
    (``../data``, ``.``), then the rest of the path; ``path`` itself, absolute, for an
    absolute pattern, a URL or one that starts with ``~``."""
    if not isinstance(pattern, str) or "://" in pattern or pattern.startswith("~"):
        return path
    if os.path.isabs(pattern):
        return path
    parts = pattern.split(os.sep)
    wild = next((i for i, part in enumerate(parts) if has_magic(part)), len(parts))
    prefix = os.sep.join(parts[:wild])
    rest = os.path.relpath(path, os.path.abspath(prefix or os.curdir))
    return os.path.join(prefix, rest) if prefix else rest


def _local_file(order: int, path: str) -> tuple[_File, object]:
    """The local file ``path``, named as given: its errors are those of ``os.stat``, as
    ``word_count_file`` raises them (FileNotFoundError, NotADirectoryError, ...)."""
    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
    # A size of 0 may be no size at all (a FIFO, /proc/version): the whole file is one
    # task. An empty file then reads nothing, as it would anyway.
    size = info.st_size if stat.S_ISREG(info.st_mode) and info.st_size > 0 else -1
    absolute = os.path.abspath(path)  # the workers' working directory may be another
    # Its identity and version, for the graph's keys: they change when the file does. A
    # file of no known size (a FIFO) may hold other bytes each time it is read, which no
    # version tells: a key of its own each call, so that no earlier result stands in.
    version: tuple[object, ...] = (absolute, info.st_size, info.st_mtime_ns, info.st_ino)
    if size < 0:
        version += (os.urandom(8),)
    return _File(order, LocalFileSystem(), absolute, path, size), version


def _graph(
    op: _Op,
    urlpath: object,
    blocksize: object,
    storage_options: object,
    needle: str | None,
) -> Delayed:
    """One task per byte range, then a tree of merges in file order, then the result."""
    step = _blocksize(blocksize)
    files = _files(urlpath, storage_options)
    # A deterministic name, so that the same call gives the same keys (Dask shares equal
    # keys), which change when a file does (its info holds its size and modification time).
    token = tokenize(op, needle, step, [(f.fs, f.path, info) for f, info in files])
    ranges = [
        (f, start) for f, _ in files for start in (range(0, f.size, step) if f.size >= 0 else [0])
    ]
    parts = [
        delayed(_range)(
            op, f, start, step, needle, dask_key_name=f"word-count-{op}-range-{token}-{k}"
        )
        for k, (f, start) in enumerate(ranges)
    ]
    level = 0
    while len(parts) > _FAN_IN:
        parts = [
            delayed(_merge)(
                op,
                parts[i : i + _FAN_IN],
                dask_key_name=f"word-count-{op}-merge-{token}-{level}-{i}",
            )
            for i in range(0, len(parts), _FAN_IN)
        ]
        level += 1
    result: Delayed = delayed(_result)(op, parts, dask_key_name=f"word-count-{op}-{token}")
    return result


# ---- The tasks ---------------------------------------------------------------------


def _merge(op: _Op, parts: list[Any]) -> Any:
    """Parts in file order merged into one; if any is a _Bad, the first in file order."""
    bad = [p for p in parts if isinstance(p, _Bad)]
    if bad:
        return min(bad, key=lambda b: (b.order, b.offset))
    if op == "frequencies":
        total: Counter[str] = Counter()
        for part in parts:  # in order: a new key goes in at its first occurrence
            total.update(part)
        return total
    return sum(parts)


def _result(op: _Op, parts: list[Any]) -> Any:
    merged = _merge(op, parts)
    if isinstance(merged, _Bad):
        raise merged.error()
    return merged


def _range(op: _Op, file: _File, start: int, step: int, needle: str | None) -> Any:
    """What the range file[start:start+step] owns (see the module's docs), or a _Bad."""
    # A local file with Python's own open: fsspec's seeks to the end of what it opens,
    # which a FIFO refuses.
    local = type(file.fs) is LocalFileSystem
    with open(file.path, "rb") if local else file.fs.open(file.path, mode="rb") as f:
        if file.size < 0:  # size unknown: the whole file is one range
            data = _Reader(f, bytearray(f.read()), 0, 0)
            data.size = stop = len(data.data)
        else:
            stop = min(start + step, file.size)
            base = max(0, start - _MAX_CHAR)
            f.seek(base)
            # The range, the bytes before it that its first character may have begun in,
            # and those after it that its last character may end in.
            wanted = min(stop + _MAX_CHAR, file.size) - base
            data = _Reader(f, bytearray(f.read(wanted)), base, file.size)
            if len(data.data) < wanted:
                # The file shrank after the call planned the ranges: it ends where the read
                # did. What it holds is counted, as word_count_file counts a file that
                # changes while it is read; a range now past its end owns nothing.
                data.size = data.end
                stop = min(stop, data.size)
                if start >= stop:
                    return _counter(op, needle)(memoryview(b""))
        separator = _TOKEN_END if op == "search" else _WHITESPACE
        begin, end, checked = _owned_span(data, start, stop, separator)
        view = memoryview(data.data)
        try:
            for a, b in checked:
                bad = _count(file, data, view, a, b, _counter("count", None))
                if isinstance(bad, _Bad):
                    return bad
            return _count(file, data, view, begin, end, _counter(op, needle))
        finally:
            view.release()


def _counter(op: _Op, needle: str | None) -> Callable[[memoryview], Any]:
    """The Rust function for a range's bytes. On one thread: Dask's scheduler gives the
    parallelism, running tasks at once, and each detaches from the interpreter while it
    counts, so the threads of the threaded scheduler or of a worker count in parallel."""
    if op == "count":
        return lambda text: _wc.word_count(text, 1)
    if op == "frequencies":
        return lambda text: _wc.word_frequencies(text, 1)
    assert needle is not None
    return lambda text: _wc.search_sequential_detached(text, needle)


class _Reader:
    """The bytes ``data`` of a file from offset ``base`` on, read further on demand."""

    def __init__(self, f: Any, data: bytearray, base: int, size: int) -> None:
        self.f, self.data, self.base, self.size = f, data, base, size

    @property
    def end(self) -> int:
        return self.base + len(self.data)

    def byte(self, at: int) -> int:
        return self.data[at - self.base]

    def read_on(self, n: int) -> bool:
        """Read up to ``n`` more bytes; False at the end of the file."""
        more = self.f.read(min(n, self.size - self.end)) if self.end < self.size else b""
        self.data += more
        return bool(more)

    def find(self, pattern: re.Pattern[bytes], at: int, to: int | None = None) -> int | None:
        """The file offset of the first match of ``pattern`` in [at, to), or in what has
        been read from ``at`` on."""
        to = self.end if to is None else to
        m = pattern.search(self.data, at - self.base, to - self.base)
        return None if m is None else self.base + m.start()

    def is_one(self, pattern: re.Pattern[bytes], at: int, to: int) -> bool:
        """Are the bytes [at, to) one match of ``pattern``?"""
        return pattern.fullmatch(self.data, at - self.base, to - self.base) is not None


def _char_around(data: _Reader, x: int) -> tuple[int, int]:
    """(q, b) for an offset 0 < x < size: the character holding byte x-1 starts at q
    and ends at b, the first character boundary at or after x.

    This assumes the bytes before x are UTF-8. If they are not, b is still between x and
    x+3: an earlier range then holds an error before x, which is the one raised, and what
    this range computes does not matter.
    """
    q = x - 1
    lowest = max(0, x - _MAX_CHAR)
    while q > lowest and 0x80 <= data.byte(q) < 0xC0:  # back over continuation bytes
        q -= 1
    lead = data.byte(q)
    length = 2 if 0xC0 <= lead < 0xE0 else 3 if 0xE0 <= lead < 0xF0 else 4 if lead >= 0xF0 else 1
    return q, min(max(x, q + length), data.size)


def _owned_span(
    data: _Reader, start: int, stop: int, separator: re.Pattern[bytes]
) -> tuple[int, int, list[tuple[int, int]]]:
    """(begin, end, checked) for the range [start, stop): the words (tokens) it owns are
    all those of file[begin:end]; the spans in ``checked`` hold characters it owns that
    are in no word it owns (the rest of a word begun before it) and are only to be
    checked for UTF-8. May read past ``stop``, as far as the last owned word goes."""
    # The owned characters, those whose first byte is in [start, stop), are [first, after).
    if start == 0:
        first = 0
    else:
        q_first, first = _char_around(data, start)
    if stop >= data.size:
        after = data.size
    else:
        q_last, after = _char_around(data, stop)
    if first >= after:
        return first, first, []  # inside one character that an earlier range owns

    # The first owned word starts at `first`, unless the range begins inside a word: when
    # neither the character before `first` nor the one at `first` separates words.
    begin, checked = first, []
    if start > 0 and not data.is_one(separator, q_first, first):
        found = data.find(separator, first, after)
        if found is None:  # all inside that word: nothing owned to count, nor to read on for
            return first, first, [(first, after)]
        begin = found
        checked.append((first, begin))

    # The last owned word ends at `after` if the last owned character separates words,
    # else at the first separator from `after` on, read for as far as it takes.
    end = after
    if after < data.size and not data.is_one(separator, q_last, after):
        look_from, chunk = after, _READ_ON
        while (found := data.find(separator, look_from)) is None:
            # A separator of several bytes may straddle the end of what was read.
            look_from = max(after, data.end - (_MAX_CHAR - 1))
            if not data.read_on(chunk):
                break
            chunk *= 2
        end = data.end if found is None else found
    return begin, max(begin, end), checked


def _count(
    file: _File,
    data: _Reader,
    view: memoryview,
    begin: int,
    end: int,
    count: Callable[[memoryview], Any],
) -> Any:
    """``count`` of the file's bytes [begin, end) (``view`` holds ``data``'s), or a _Bad
    for the first one that is not UTF-8."""
    try:
        return count(view[begin - data.base : end - data.base])
    except UnicodeDecodeError as e:
        return _bad(file, data, begin + e.start, e)


def _bad(file: _File, data: _Reader, at: int, e: UnicodeDecodeError) -> _Bad:
    """The _Bad for the undecodable byte at offset ``at``, exactly as decoding the whole
    file reports it.

    The Rust function saw a slice of the file, perhaps cut inside a bad sequence (only
    ever inside a bad one: every cut is at a separator's first byte, the end of a whole
    character, or the end of the file), which can change the reason and the end of the
    bad bytes. So the file's own bytes are decoded again there: a bad sequence shows
    within 4 bytes (the longest character), as ``bytes.decode()`` on the whole file
    would see it.
    """
    lo = max(0, at - _CONTEXT)
    hi = at + _MAX_CHAR + _CONTEXT
    if file.size < 0:
        # Read whole (and perhaps unseekable, a FIFO): the bytes are all in `data`.
        window = bytes(data.data[lo:hi])
    else:
        data.f.seek(lo)
        window = data.f.read(hi - lo)
    start = at - lo
    end, reason = start + e.end - e.start, e.reason
    try:
        window[start : start + _MAX_CHAR].decode("utf-8")
    except UnicodeDecodeError as exact:
        if exact.start == 0:
            end, reason = start + exact.end, exact.reason
    # Otherwise the bytes there are UTF-8, which happens only after an earlier error
    # (in another range), which is the one raised: this _Bad is never seen.
    return _Bad(file.order, at, window, start, end, reason, file.name)
