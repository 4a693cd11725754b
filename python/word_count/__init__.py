"""Word counting and whole-token search, in Rust and in pure Python, on any CPython.

The Rust functions are safe to call from many threads at once. On free-threaded
CPython (3.13t, 3.14t) they run in parallel with each other and with Python code, and
importing this package leaves the GIL off.

Every text argument may be a ``str`` or a bytes-like object of UTF-8 (``bytes``,
``bytearray``, ``memoryview``, ``mmap``), read in place without a copy; bytes mean the
text they decode to, and bytes that are not UTF-8 raise the UnicodeDecodeError that
``bytes.decode()`` would. ``word_count_file``, ``word_frequencies_file`` and
``search_file`` read files of any size in bounded memory. ``python -m word_count
FILE...`` is a ``wc -w`` built on them (``--top N``: the N most frequent words).

Every implementation of a function gives the same answer for every ``str``:

- ``word_count``, ``word_count_py`` and ``WordCounter`` split words as ``str.split()``
  does, with Python's 29 whitespace characters;
- ``word_frequencies`` and ``word_frequencies_py`` return
  ``collections.Counter(text.split())``, its keys' first-occurrence order included (as
  does ``WordCounter.to_counter`` for all the text added);
- ``search``, ``search_sequential``, ``search_sequential_detached`` and ``search_py``
  count the tokens equal to a needle, where the tokens are ``line.split(" ")`` for each
  line of ``contents.splitlines()``.
"""

try:
    from word_count._reference import search_py, word_count_py, word_frequencies_py
    from word_count._word_count import (
        MAX_THREADS,
        WordCounter,
        __version__,
        search,
        search_file,
        search_sequential,
        search_sequential_detached,
        word_count,
        word_count_file,
        word_frequencies,
        word_frequencies_file,
    )
except ImportError as error:
    # CPython refuses, in a subinterpreter, an extension module that does not declare
    # support for them, and PyO3 0.28, which builds this one, declares none
    # (https://github.com/PyO3/pyo3/issues/576). CPython's message names the module, not
    # why, nor what to do instead.
    if "subinterpreters" not in str(error):
        raise
    raise ImportError(
        "word_count cannot be imported in a subinterpreter: its Rust extension is built "
        "with PyO3, which does not support subinterpreters yet "
        "(https://github.com/PyO3/pyo3/issues/576). Import it in the main interpreter, "
        "and run in parallel with threads (on a free-threaded build, or with its Rust "
        "functions, which detach on any build) or with processes.",
        name="word_count._word_count",
    ) from error

__all__ = [
    "MAX_THREADS",
    "WordCounter",
    "__version__",
    "search",
    "search_file",
    "search_py",
    "search_sequential",
    "search_sequential_detached",
    "word_count",
    "word_count_file",
    "word_count_py",
    "word_frequencies",
    "word_frequencies_file",
    "word_frequencies_py",
]
