"""Checks shared by the tests of the functions that read files (word_count_file,
search_file, word_frequencies_file): their progress callback, and pipes."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def assert_progress_can_stop_the_read(read: Callable[..., object]) -> None:
    """An exception raised by the progress callback stops ``read(progress=...)`` and
    reaches its caller as it is."""

    class Stop(Exception):
        pass

    def stop(done: int, total: int | None) -> None:
        raise Stop

    with pytest.raises(Stop):
        read(progress=stop)


def read_a_pipe(read: Callable[..., T], data: bytes) -> tuple[T, list[int | None]]:
    """``read(path, progress=...)`` on a pipe holding ``data`` (at most 64 KiB, what a
    pipe holds unread), through /dev/fd (Linux): its result, and the totals the progress
    callback was given."""
    fd, write_end = os.pipe()
    os.write(write_end, data)
    os.close(write_end)
    try:
        totals: list[int | None] = []
        result = read(f"/dev/fd/{fd}", progress=lambda done, total: totals.append(total))
        return result, totals
    finally:
        os.close(fd)
