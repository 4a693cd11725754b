"""Count words like ``wc -w``: ``word-count [FILE...] [--word W | --top N]`` (or
``python -m word_count``, the same program).

Prints one line per file -- the count, then the name -- and a total line when there is
more than one file. With no FILE it reads standard input and prints the count alone, as
``wc -w`` does (``echo a b c | word-count`` prints 3); ``-`` as a FILE is standard input
too, named ``-``. With ``--word W`` the count is of the tokens equal to W (the tokens of
``line.split(" ")`` for each line, as ``word_count.search`` counts them) instead of
words. With ``--top N`` it prints instead the N most frequent words of all the files
together, most frequent first (ties in the order the words first occur, as
``Counter.most_common``), one a line after its count, as ``uniq -c`` prints them; a
character standard output cannot encode is written as a backslash escape (``\\xe9``).

With ``--scheduler ADDRESS`` the files are counted on a Dask cluster (``pip install
"word-count[dask]"``): ADDRESS is its ``distributed`` scheduler's (``tcp://host:8786``),
each FILE a path or URL its workers can read (see ``word_count.dask``), cut into tasks of
``--blocksize`` bytes; the progress bar is Dask's, on stderr. The output is the same.

Files are read in blocks (1 MiB a thread for a count), so any size works in bounded
memory. So is standard input, in binary, in 16 MiB blocks cut between words, with the
same UTF-8 errors and their byte offsets; it is read from ``sys.stdin``, not by the file
functions on /dev/stdin (``word_count._stream``). On a terminal, an input over 1 GB
shows a progress bar on stderr (never while the input is typed there: it would garble
it). An input that cannot be read (missing, a directory, not UTF-8) gets a one-line
message on stderr, like ``wc``; the others are still counted, and the exit status is 1.
So does standard output that cannot be written (``write error: No space left on
device``), but a reader that went away (``| head``) is quiet. A bad option exits with
status 2, Ctrl-C with 130.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO, NoReturn, TextIO, TypeVar

from word_count._stream import Progress, size_left, stream_count, stream_frequencies
from word_count._word_count import search_file, word_count_file, word_frequencies_file

# Inputs above this size get a progress bar, when stderr is a terminal.
PROGRESS_BYTES = 1 << 30
# The count column of --top is at least this wide, as in `uniq -c` output.
UNIQ_WIDTH = 7
# The name the messages about standard input give it when no FILE is given, as wc does.
STDIN_LABEL = "standard input"
# The bytes of a file each task reads on a cluster, as word_count.dask reads them.
BLOCKSIZE = "128MiB"

EXAMPLES = """\
examples:
  word-count notes.txt            the words of a file:  "     812 notes.txt"
  word-count *.txt                a count per file, then their total
  echo "a b c" | word-count       standard input, with no FILE: prints 3
  cat a.txt | word-count b.txt -  standard input among files, named -
  word-count --word the book.txt  the tokens that are exactly "the"
  word-count --top 10 book.txt    the 10 most frequent words, as uniq -c lists
  python -m word_count notes.txt  the same program, without the command

Input that is not UTF-8 is not counted: its line on stderr gives the byte where
the UTF-8 breaks, and the exit status is 1 (wc -w counts it anyway). To count
it, convert it first:
  iconv -f latin1 -t utf-8 old.txt | word-count    # from its encoding
  iconv -c -f utf-8 -t utf-8 any.txt | word-count  # dropping the bytes that are
                                                   # not UTF-8, as GNU wc -w does
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, not argparse's usage block: the message is what the user needs."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _prog() -> str:
    """The program's name, as the user ran it: the ``word-count`` command, or ``python
    -m word_count`` (whose sys.argv[0] is this file)."""
    script = os.path.splitext(os.path.basename(sys.argv[0] if sys.argv else ""))[0]
    return "word-count" if script == "word-count" else "python -m word_count"


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Count the words (as str.split() splits them) of UTF-8 files, like wc -w: a count
per file and, for several files, their total. With no FILE, read standard input
and print the count alone. With --word W, count the tokens equal to W instead;
with --top N, print the N most frequent words of all the files together.""",
        epilog=EXAMPLES,
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="files to read; - (or no FILE) for standard input",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--word", metavar="W", help="count the tokens equal to W instead of all words"
    )
    what.add_argument(
        "--top",
        type=_positive,
        metavar="N",
        help="print the N most frequent words of all the files together, each after its "
        "count (like uniq -c), most frequent first; ties in first-occurrence order",
    )
    parser.add_argument(
        "--threads",
        type=_positive,
        metavar="N",
        help="Rust threads to count with (default: every core)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="count on a Dask cluster: the address of its distributed scheduler "
        "(tcp://host:8786); FILEs are then paths or URLs its workers read. "
        'Needs "word-count[dask]"',
    )
    parser.add_argument(
        "--blocksize",
        metavar="BYTES",
        help=f"with --scheduler: the bytes of a file each task reads (default: {BLOCKSIZE})",
    )
    parser.add_argument(
        "--progress",
        choices=["auto", "always", "never"],
        default="auto",
        help="progress bar on stderr: auto (a terminal and an input over 1 GB, or any "
        "file with --scheduler), always, never; never while the input is typed on a "
        "terminal",
    )
    return parser


class ProgressBar:
    """A one-line bar on ``stream``, redrawn at most ten times a second."""

    def __init__(self, name: str, stream: TextIO) -> None:
        self.name, self.stream = name, stream
        self.start = self.last = time.monotonic()
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        # The first call draws at once: an input of unknown size has no last call to
        # force a draw, so a fast one would otherwise never show the bar it was asked for.
        if self.drawn and now - self.last < 0.1 and done != total:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9) / 1e9
        if total:
            width = 30
            filled = width * done // total
            bar = "#" * filled + "-" * (width - filled)
            line = f"{self.name} [{bar}] {100 * done / total:5.1f}% {rate:.2f} GB/s"
        else:
            line = f"{self.name} {done / 1e9:.2f} GB {rate:.2f} GB/s"
        self.stream.write(f"\r{line}\x1b[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _stdin() -> BinaryIO:
    """Standard input, in binary; EBADF if the process has none (started with it closed)."""
    if sys.stdin is None:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))  # as reading fd 0 would
    return sys.stdin.buffer


def _wants_progress(mode: str, path: str, on_cluster: bool = False) -> bool:
    if path == "-":
        # Typed on a terminal: a bar there would be drawn over what is being typed.
        with contextlib.suppress(OSError, ValueError):
            if _stdin().isatty():
                return False
    if mode != "auto":
        return mode == "always"
    if on_cluster:
        # A cluster's job is large by nature, and its files may be URLs of unknown size.
        return sys.stderr.isatty()
    try:
        size = size_left(_stdin()) if path == "-" else os.path.getsize(path)
    except OSError:
        return False
    return sys.stderr.isatty() and size is not None and size > PROGRESS_BYTES


T = TypeVar("T")


def _count(path: str, args: argparse.Namespace, progress: Progress | None) -> int:
    if path == "-":
        return stream_count(_stdin(), args.word, args.threads, progress)
    if args.word is not None:
        return search_file(path, args.word, args.threads, progress=progress)
    return word_count_file(path, args.threads, progress=progress)


def _frequencies(path: str, args: argparse.Namespace, progress: Progress | None) -> Counter[str]:
    if path == "-":
        return stream_frequencies(_stdin(), args.threads, progress)
    return word_frequencies_file(path, args.threads, progress=progress)


def _printable(word: str, encoding: str, errors: str = "strict") -> str:
    """``word`` as standard output can write it: a character its encoding has no bytes
    for (a lone surrogate has none in any) is written as a backslash escape, as
    ``errors="backslashreplace"`` would. Only the word is escaped, so that one odd word
    never stops the listing, and every other word comes out as it is. ``errors`` is the
    stream's own handler: with "surrogateescape" (Python's default for a UTF-8 or C
    locale) a file name's undecodable bytes are written back as they were."""
    try:
        word.encode(encoding, errors)
    except UnicodeEncodeError:
        return word.encode(encoding, "backslashreplace").decode(encoding)
    return word


def _stdout_encoding() -> tuple[str, str]:
    """Standard output's encoding and error handler; UTF-8 and "strict" where it does
    not say (a replacement such as io.StringIO has neither)."""
    out = sys.stdout
    return getattr(out, "encoding", None) or "utf-8", getattr(out, "errors", None) or "strict"


def top_lines(counts: Counter[str], n: int, encoding: str) -> list[str]:
    """The lines ``--top n`` prints for ``counts``, for a stream in ``encoding``."""
    top = counts.most_common(n)
    # Most frequent first: the first count is the widest.
    width = max(UNIQ_WIDTH, len(str(top[0][1]))) if top else UNIQ_WIDTH
    return [f"{count:>{width}} {_printable(word, encoding)}" for word, count in top]


def _describe(error: Exception) -> str:
    """One line saying what went wrong, without the traceback."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8: {error.reason}"
    return str(error) or type(error).__name__


class _Unreadable(Exception):
    """An input the cluster cannot read for a reason that is not an OSError: fsspec's
    ValueError for a URL of an unknown protocol, its ImportError for one whose driver is
    not installed (s3:// without s3fs)."""


class _WriteError(Exception):
    """Standard output failed (a full disk, /dev/full, an I/O error), other than a reader
    gone away: the run's failure, not an input's."""


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """Standard output's failures inside, but a reader gone away, as :class:`_WriteError`."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        raise _WriteError(_describe(error)) from error


def _print(line: object) -> None:
    with _writing():
        print(line)


def _each_file(
    args: argparse.Namespace, read: Callable[[str, Progress | None], T]
) -> Iterator[tuple[str, T | None]]:
    """``(name, read(path, progress))`` for each file, in order, as it is read; None for a
    file that could not be read, which gets its one-line message on stderr, like wc.
    Standard input is the path ``-``; with no FILE, it alone, labelled as wc labels it."""
    for name in args.files or ["-"]:
        label = name if args.files else STDIN_LABEL
        wanted = _wants_progress(args.progress, name, args.scheduler is not None)
        bar = ProgressBar(label, sys.stderr) if wanted else None
        result: T | None = None
        failure: Exception | None = None
        try:
            result = read(name, bar)
        except (OSError, UnicodeDecodeError, MemoryError, _Unreadable) as error:
            # MemoryError: a word longer than the memory there is (/dev/zero is one),
            # which --top must hold whole; the input's own failure, like a bad file.
            failure = error
        finally:
            if bar is not None:
                bar.close()
        if failure is not None:
            # After the bar is erased: on a line of its own, not on the end of the bar's.
            print(f"{args.prog}: {label}: {_describe(failure)}", file=sys.stderr)
        yield name, result


@contextlib.contextmanager
def _on_cluster(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Iterator[None]:
    """With --scheduler: a ``distributed.Client`` for the run, and ``args.read`` set to
    read a file with ``word_count.dask`` on it."""
    try:
        import distributed
        from dask.utils import parse_bytes

        import word_count.dask as wd
    except ImportError as e:
        parser.error(
            f'--scheduler needs dask and distributed: pip install "word-count[dask]" ({e})'
        )
    try:
        if not args.blocksize.strip():
            raise ValueError  # which parse_bytes reads as 1 byte
        blocksize = parse_bytes(args.blocksize)
    except (ValueError, TypeError, OverflowError):  # OverflowError: "1e400"
        parser.error(f"--blocksize: not a size: {args.blocksize!r}")
    if blocksize < 1:
        parser.error(f"--blocksize must be at least 1 byte, got {args.blocksize!r}")
    if not args.files or "-" in args.files:
        parser.error("--scheduler: the cluster's workers cannot read standard input (- or no FILE)")
    # distributed's Client, compute and progress have no type hints (hence the ignores).
    try:
        client = distributed.Client(  # type: ignore[no-untyped-call]
            args.scheduler, timeout="20s"
        )
    except (OSError, TimeoutError) as e:
        print(f"{args.prog}: cannot reach the scheduler {args.scheduler}: {e}", file=sys.stderr)
        raise SystemExit(1) from None
    except ValueError as e:
        # distributed's, for an address it cannot parse: no port, an unknown scheme.
        parser.error(f"--scheduler: not a scheduler address: {args.scheduler!r} ({e})")

    def read(kind: str, path: str, bar: Progress | None) -> object:
        try:
            if kind == "top":
                lazy = wd.word_frequencies(path, blocksize=blocksize)
            elif args.word is not None:
                lazy = wd.search(path, args.word, blocksize=blocksize)
            else:
                lazy = wd.word_count(path, blocksize=blocksize)
        except (ValueError, ImportError) as e:
            raise _Unreadable(str(e)) from e
        future = client.compute(lazy)  # type: ignore[no-untyped-call]
        if bar is not None:
            # Dask's own bar: it draws on stdout, which holds the results, so on stderr.
            with contextlib.redirect_stdout(sys.stderr):
                distributed.progress(future)  # type: ignore[no-untyped-call]
            print(file=sys.stderr)
        return future.result()

    args.read = read
    with client:
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """The program (``python -m word_count`` and the ``word-count`` command): runs it on
    ``argv`` (default: the command line) and returns its exit status. Ctrl-C stops it
    with status 130, and a reader of its output that goes away (``| head``) with 1,
    quietly, as for wc; a bad option raises SystemExit(2), and --help SystemExit(0)."""
    if sys.stdout is None:
        # Started with standard output closed: nothing could be written. wc says so, with
        # status 1, after counting; here before, as the count would be lost.
        print(f"{_prog()}: write error: standard output is closed", file=sys.stderr)
        return 1
    try:
        status = _run(argv)
        # Here, not at exit: a reader gone away (a buffered stdout's write comes when it
        # is flushed) must end in the handler below, not in a message and status 120.
        with _writing():
            sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Nothing more can be written; and Python, flushing stdout at exit, must not
        # report the same broken pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except _WriteError as error:
        # As wc says it (`wc: write error: No space left on device`), and for the same
        # reason as above, what is left unwritten is dropped.
        print(f"{_prog()}: write error: {error}", file=sys.stderr)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser(_prog())
    args = parser.parse_args(argv)
    args.prog = parser.prog
    if args.word == "":
        parser.error("--word must not be empty")
    if args.scheduler is None:
        # Said, not ignored: a user who gave it expects it to change something.
        if args.blocksize is not None:
            parser.error("--blocksize is only for --scheduler: the bytes each task reads")
        return _main(args)
    if args.threads is not None:
        parser.error("--threads is not for --scheduler: its workers count on their own")
    if args.blocksize is None:
        args.blocksize = BLOCKSIZE
    with _on_cluster(args, parser):
        return _main(args)


def _reader(
    args: argparse.Namespace,
    kind: str,
    here: Callable[[str, argparse.Namespace, Progress | None], T],
) -> Callable[[str, Progress | None], T]:
    """How to read an input for ``kind`` ("count" or "top"): on the cluster with
    --scheduler (``args.read``), else here, with ``here``."""
    if args.scheduler:
        return lambda path, bar: args.read(kind, path, bar)
    return lambda path, bar: here(path, args, bar)


def _main(args: argparse.Namespace) -> int:
    failed = False
    if args.top is not None:
        frequencies: Counter[str] = Counter()
        for _, counts in _each_file(args, _reader(args, "top", _frequencies)):
            if counts is None:
                failed = True
            else:
                # In file order, so that ties keep the order of first occurrence overall.
                frequencies.update(counts)
        for line in top_lines(frequencies, args.top, _stdout_encoding()[0]):
            _print(line)
        return 1 if failed else 0
    width = 8
    total = 0
    # A file's name as given, unless standard output cannot write it (a strict stream,
    # PYTHONIOENCODING=utf-8, and a name of bytes that are not UTF-8; or an ASCII one):
    # then escaped, so that one name never stops the count of the others.
    encoding, errors = _stdout_encoding()
    for name, count in _each_file(args, _reader(args, "count", _count)):
        if count is None:
            failed = True
            continue
        total += count
        # With no FILE, the count alone, as wc -w prints it for its standard input.
        _print(f"{count:>{width}} {_printable(name, encoding, errors)}" if args.files else count)
    if len(args.files) > 1:
        _print(f"{total:>{width}} total")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
