"""Count words in files, like ``wc -w``: ``python -m word_count FILE... [--word W | --top N]``.

Prints one line per file -- the count, then the name -- and a total line when there is
more than one file. With ``--word W`` the count is of the tokens equal to W (the tokens
of ``line.split(" ")`` for each line, as ``word_count.search`` counts them) instead of
words. With ``--top N`` it prints instead the N most frequent words of all the files
together, most frequent first (ties in the order the words first occur, as
``Counter.most_common``), one a line after its count, as ``uniq -c`` prints them; a
character standard output cannot encode is written as a backslash escape (``\\xe9``).
``-`` reads standard input.

With ``--scheduler ADDRESS`` the files are counted on a Dask cluster (``pip install
"word-count[dask]"``): ADDRESS is its ``distributed`` scheduler's (``tcp://host:8786``),
each FILE a path or URL its workers can read (see ``word_count.dask``), cut into tasks of
``--blocksize`` bytes; the progress bar is Dask's, on stderr. The output is the same.

Files are read in blocks of 16 MiB, so any size works in bounded memory. On a terminal,
a file over 1 GB shows a progress bar on stderr. A file that cannot be read (missing, a
directory, not UTF-8) gets a one-line message on stderr, like ``wc``; the others are still
counted, and the exit status is 1. A bad option exits with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import NoReturn, TextIO, TypeVar

from word_count._word_count import search_file, word_count_file, word_frequencies_file

PROG = "python -m word_count"
# Inputs above this size get a progress bar, when stderr is a terminal.
PROGRESS_BYTES = 1 << 30
# The count column of --top is at least this wide, as in `uniq -c` output.
UNIQ_WIDTH = 7


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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Count words (as str.split() does) in UTF-8 files, or occurrences of one "
        "word with --word. Prints a count per file and, for several files, a total; with "
        "--top N, the N most frequent words of all the files instead.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="files to read; - for stdin")
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
        help="Rust threads to count words with (default: every core)",
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
        default="128MiB",
        metavar="BYTES",
        help="with --scheduler: the bytes of a file each task reads (default: 128MiB)",
    )
    parser.add_argument(
        "--progress",
        choices=["auto", "always", "never"],
        default="auto",
        help="progress bar on stderr: auto (a terminal and a file over 1 GB, or any file "
        "with --scheduler), always, never",
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
        if now - self.last < 0.1 and done != total:
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


def _wants_progress(mode: str, path: str, on_cluster: bool = False) -> bool:
    if mode != "auto":
        return mode == "always"
    if on_cluster:
        # A cluster's job is large by nature, and its files may be URLs of unknown size.
        return sys.stderr.isatty()
    try:
        return sys.stderr.isatty() and os.path.getsize(path) > PROGRESS_BYTES
    except OSError:
        return False


Progress = Callable[[int, int | None], None]
T = TypeVar("T")


def _count(path: str, args: argparse.Namespace, progress: Progress | None) -> int:
    if args.word is not None:
        return search_file(path, args.word, progress=progress)
    return word_count_file(path, args.threads, progress=progress)


def _printable(word: str, encoding: str) -> str:
    """``word`` as standard output can write it: a character its encoding has no bytes
    for (a lone surrogate has none in any) is written as a backslash escape, as
    ``errors="backslashreplace"`` would. Only the word is escaped, so that one odd word
    never stops the listing, and every other word comes out as it is."""
    try:
        word.encode(encoding)
    except UnicodeEncodeError:
        return word.encode(encoding, "backslashreplace").decode(encoding)
    return word


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


def _each_file(
    args: argparse.Namespace, read: Callable[[str, Progress | None], T]
) -> Iterator[tuple[str, T | None]]:
    """``(name, read(path, progress))`` for each file, in order, as it is read; None for a
    file that could not be read, which gets its one-line message on stderr, like wc."""
    for name in args.files:
        path = "/dev/stdin" if name == "-" else name
        wanted = _wants_progress(args.progress, path, args.scheduler is not None)
        bar = ProgressBar(name, sys.stderr) if wanted else None
        result: T | None = None
        try:
            result = read(path, bar)
        except (OSError, UnicodeDecodeError) as error:
            print(f"{PROG}: {name}: {_describe(error)}", file=sys.stderr)
        finally:
            if bar is not None:
                bar.close()
        yield name, result


@contextlib.contextmanager
def _on_cluster(args: argparse.Namespace) -> Iterator[None]:
    """With --scheduler: a ``distributed.Client`` for the run, and ``args.read`` set to
    read a file with ``word_count.dask`` on it."""
    try:
        import distributed
        from dask.utils import parse_bytes

        import word_count.dask as wd
    except ImportError as e:
        _parser().error(
            f'--scheduler needs dask and distributed: pip install "word-count[dask]" ({e})'
        )
    try:
        blocksize = parse_bytes(args.blocksize)
    except (ValueError, TypeError):
        _parser().error(f"--blocksize: not a size: {args.blocksize!r}")
    if blocksize < 1:
        _parser().error(f"--blocksize must be at least 1 byte, got {args.blocksize!r}")
    if "-" in args.files:
        _parser().error("--scheduler: the cluster's workers cannot read standard input (-)")
    # distributed's Client, compute and progress have no type hints (hence the ignores).
    try:
        client = distributed.Client(  # type: ignore[no-untyped-call]
            args.scheduler, timeout="20s"
        )
    except (OSError, TimeoutError) as e:
        print(f"{PROG}: cannot reach the scheduler {args.scheduler}: {e}", file=sys.stderr)
        raise SystemExit(1) from None

    def read(kind: str, path: str, bar: Progress | None) -> object:
        if kind == "top":
            lazy = wd.word_frequencies(path, blocksize=blocksize)
        elif args.word is not None:
            lazy = wd.search(path, args.word, blocksize=blocksize)
        else:
            lazy = wd.word_count(path, blocksize=blocksize)
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
    args = _parser().parse_args(argv)
    if args.word == "":
        _parser().error("--word must not be empty")
    if args.scheduler is None:
        return _main(args)
    with _on_cluster(args):
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    failed = False
    if args.top is not None:
        frequencies: Counter[str] = Counter()
        read_top: Callable[[str, Progress | None], Counter[str]] = (
            (lambda path, bar: args.read("top", path, bar))
            if args.scheduler
            else (lambda path, bar: word_frequencies_file(path, args.threads, progress=bar))
        )
        for _, counts in _each_file(args, read_top):
            if counts is None:
                failed = True
            else:
                # In file order, so that ties keep the order of first occurrence overall.
                frequencies.update(counts)
        for line in top_lines(frequencies, args.top, sys.stdout.encoding or "utf-8"):
            print(line)
        return 1 if failed else 0
    width = 8
    total = 0
    read_count: Callable[[str, Progress | None], int] = (
        (lambda path, bar: args.read("count", path, bar))
        if args.scheduler
        else (lambda path, bar: _count(path, args, bar))
    )
    for name, count in _each_file(args, read_count):
        if count is None:
            failed = True
            continue
        total += count
        print(f"{count:>{width}} {name}")
    if len(args.files) > 1:
        print(f"{total:>{width}} total")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # `python -m word_count ... | head`: stop quietly, as wc does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
