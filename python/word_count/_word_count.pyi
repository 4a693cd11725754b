"""Type stubs for the Rust extension module; docs are on the functions themselves."""

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Final, TypeAlias, final

from typing_extensions import Buffer

__all__ = [
    "MAX_THREADS",
    "_PYO3_VERSION",
    "_RUSTC_VERSION",
    "WordCounter",
    "__version__",
    "_noop",
    "_sum_bytes",
    "search",
    "search_file",
    "search_sequential",
    "search_sequential_detached",
    "word_count",
    "word_count_file",
    "word_frequencies",
    "word_frequencies_file",
]

__version__: Final[str]
MAX_THREADS: Final[int]
# Which rustc and PyO3 built the module: recorded with every benchmark result.
_RUSTC_VERSION: Final[str]
_PYO3_VERSION: Final[str]

# A str, or a bytes-like object (bytes, bytearray, memoryview, mmap...) of UTF-8.
_Text: TypeAlias = str | Buffer
# What open() accepts as a file name.
_StrOrBytesPath: TypeAlias = str | bytes | os.PathLike[str] | os.PathLike[bytes]
# Called after each block or batch of blocks with (bytes read so far, file size or None:
# a pipe's, or a regular file's whose size of 0 proved to be none, as /proc's).
_Progress: TypeAlias = Callable[[int, int | None], object]

def search(contents: _Text, needle: _Text, n_threads: int | None = None) -> int: ...
def search_sequential(contents: _Text, needle: _Text) -> int: ...
def search_sequential_detached(contents: _Text, needle: _Text) -> int: ...
def word_count(text: _Text, n_threads: int | None = None) -> int: ...
def word_count_file(
    path: _StrOrBytesPath, n_threads: int | None = None, *, progress: _Progress | None = None
) -> int: ...
def word_frequencies(text: _Text, n_threads: int | None = None) -> Counter[str]: ...
def word_frequencies_file(
    path: _StrOrBytesPath, n_threads: int | None = None, *, progress: _Progress | None = None
) -> Counter[str]: ...
def search_file(
    path: _StrOrBytesPath,
    needle: _Text,
    n_threads: int | None = None,
    *,
    progress: _Progress | None = None,
) -> int: ...
def _noop(text: object, n_threads: object = None) -> int: ...
def _sum_bytes(data: _Text) -> int: ...

@final
class WordCounter:
    def __new__(cls) -> WordCounter: ...
    def add(self, text: _Text, n_threads: int | None = None) -> int: ...
    def update(self, other: WordCounter | Mapping[str, int], /) -> None: ...
    def to_counter(self) -> Counter[str]: ...
    @property
    def total(self) -> int: ...
    def __getitem__(self, word: str, /) -> int: ...
    def __contains__(self, word: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[str]: ...
    def __reduce__(self) -> tuple[type[WordCounter], tuple[()], Counter[str]]: ...
    def __setstate__(self, state: Mapping[str, int], /) -> None: ...
    def most_common(self, n: int | None = None) -> list[tuple[str, int]]: ...
