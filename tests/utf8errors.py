"""What ``bytes.decode()`` raises for bytes that are not UTF-8, and a check that another
UnicodeDecodeError says the same: the functions of word_count raise that very error."""

from __future__ import annotations

import pytest


def decode_error(data: bytes) -> UnicodeDecodeError:
    """The error ``data.decode("utf-8")`` raises (``data`` must not be UTF-8)."""
    with pytest.raises(UnicodeDecodeError) as info:
        data.decode("utf-8")
    return info.value


def same_error(ours: UnicodeDecodeError, expected: UnicodeDecodeError) -> None:
    assert (ours.encoding, ours.start, ours.end, ours.reason) == (
        expected.encoding,
        expected.start,
        expected.end,
        expected.reason,
    )
    assert ours.object == expected.object
    assert str(ours) == str(expected)
