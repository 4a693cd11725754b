"""word_count (Rust threads) and word_count_py (Python threads) equal len(text.split())."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from word_count import MAX_THREADS, word_count, word_count_py

from strategies import ALL_CHARS, LOOKALIKES, PY_WHITESPACE, tricky_text

pytestmark = pytest.mark.threaded

IMPLS = [word_count, word_count_py]
# Both split work only into chunks of at least 32 KiB (Rust) / 32 Ki chars (Python), so
# texts must be longer than this for every thread count to be used.
SPLIT_SIZE = 40 * 1024


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("   ", 0),
        ("one", 1),
        ("one two  three\n", 3),
        ("\tleading and trailing\x0b", 3),
        ("a\x1cb\x1dc\x1ed\x1fe", 5),  # not whitespace to Rust, but to Python
        ("a\x85b\xa0c\u1680d\u3000e\u2028f\u2029g\u202fh\u205fi", 9),
        ("a\u200bb\u180ec\ufeffd", 1),  # look like spaces, are not
        ("\ud800 \udfff", 2),  # lone surrogates are characters like any other
    ],
)
def test_examples(impl, text, expected):
    assert impl(text, 1) == expected == len(text.split())


def test_whitespace_is_exactly_pythons():
    # Every code point between two letters: Rust must split on exactly what Python does.
    splits = [c for c in ALL_CHARS if word_count(f"a{c}b") == 2]
    assert splits == PY_WHITESPACE
    assert len(splits) == 29


@given(text=tricky_text, n_threads=st.integers(1, 9))
def test_all_agree_on_small_texts(text, n_threads):
    expected = len(text.split())
    assert word_count(text, n_threads) == expected
    assert word_count_py(text, n_threads) == expected


@given(text=tricky_text, size=st.integers(64 << 10, 320 << 10), n_threads=st.integers(2, 9))
def test_all_agree_when_split_between_threads(text, size, n_threads):
    # A repeated tricky text puts chunk boundaries at arbitrary places in the pattern:
    # inside multibyte characters, inside words, on multibyte whitespace. At least 64 Ki
    # characters (so as many bytes), or neither side cuts it: a chunk is 32 KiB or more.
    unit = text + "x"
    big = unit * (size // len(unit) + 1)
    expected = len(big.split())
    assert word_count(big, n_threads) == expected
    assert word_count_py(big, n_threads) == expected


@pytest.mark.parametrize("space", [c for c in PY_WHITESPACE if len(c.encode()) > 1])
@pytest.mark.parametrize("shift", range(-4, 5))
def test_multibyte_whitespace_on_every_side_of_a_chunk_boundary(space, shift):
    # With 2 threads the Rust side cuts near the byte midpoint; put a multibyte space
    # (2 or 3 bytes) at every offset around it, between two words.
    half = SPLIT_SIZE
    text = "w" * (half + shift) + space + "w" * half
    assert word_count(text, 2) == 2 == len(text.split())
    # As UTF-8: the free-threaded wheel reads a str in its own storage (Latin-1 or UCS-2
    # here), where the space is one unit; bytes put its 2 or 3 bytes across the cut.
    assert word_count(text.encode(), 2) == 2
    assert word_count(text.replace(space, LOOKALIKES[0]), 2) == 1


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
def test_result_is_the_same_for_every_thread_count(impl):
    text = "lorem ipsum\u3000dolor\x1csit amet, é中😀 \ud800\n" * 20_000
    expected = len(text.split())
    assert {impl(text, n) for n in [None, 1, 2, 3, 4, 7, 8, 64, MAX_THREADS]} == {expected}


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n_threads", [0, -1, -(2**100)])
def test_thread_counts_below_one_are_value_errors(impl, n_threads):
    with pytest.raises(ValueError, match="n_threads must be at least 1"):
        impl("a b", n_threads)


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n_threads", [1.0, "2", [2], 2j])
def test_thread_counts_of_the_wrong_type_are_type_errors(impl, n_threads):
    with pytest.raises(TypeError, match="n_threads must be an int or None"):
        impl("a b", n_threads)


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n_threads", [10_000, 2**100])
def test_huge_thread_counts_are_capped(impl, n_threads):
    text = "a b " * SPLIT_SIZE
    assert impl(text, n_threads) == len(text.split())


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("text", [None, 3, ["a"], 1.5])
def test_text_of_the_wrong_type_is_a_type_error(impl, text):
    with pytest.raises(TypeError):
        impl(text)


class _Index:
    """An int-like object that is not an int: only __index__ makes it one."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
def test_index_like_thread_counts_beyond_64_bits_are_ints_too(impl):
    # Their sign is the int's that __index__ gives: the object itself may not compare.
    assert impl("a b", _Index(2**64)) == 2
    with pytest.raises(ValueError, match="n_threads must be at least 1"):
        impl("a b", _Index(-(2**64)))


def test_index_like_thread_counts_are_accepted():
    class Two:
        def __index__(self):
            return 2

    assert word_count("a b c", Two()) == word_count_py("a b c", Two()) == 3
    assert word_count("a b c", True) == word_count_py("a b c", True) == 3
