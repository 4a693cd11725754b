"""search, search_sequential, search_sequential_detached and search_py agree on every str."""

from __future__ import annotations

import functools
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

import word_count
from word_count import search, search_py, search_sequential, search_sequential_detached

from strategies import ALL_CHARS, PY_LINE_BREAKS, PY_WHITESPACE, needle, tricky_text

pytestmark = pytest.mark.threaded

RUST = [search, search_sequential, search_sequential_detached]
ALL = [*RUST, search_py]


def reference(contents: str, needle: str) -> int:
    """The definition, written out once more, independent of the package."""
    return sum(t == needle for line in contents.splitlines() for t in line.split(" "))


@pytest.mark.parametrize("impl", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("contents", "needle", "expected"),
    [
        ("the cat the\nthe", "the", 3),
        ("there other the", "the", 1),
        ("the\tthe", "the", 0),  # a tab does not split tokens
        ("the  the", "the", 2),  # two spaces make an empty token between
        ("the\u2028the\x85the\r\nthe\x1ethe\x0bthe\x0cthe\rthe", "the", 8),
        ("a b", "a b", 0),  # a needle with a space is never a token
        ("aaa", "aa", 0),
        ("", "x", 0),
        ("x", "x", 1),
        ("é中😀 é中😀\né中😀", "é中😀", 3),
        ("\ud800 x \ud800", "\ud800", 2),  # lone surrogates
    ],
)
def test_examples(impl, contents, needle, expected):
    assert impl(contents, needle) == expected


@given(contents=tricky_text, needle=needle)
def test_all_implementations_agree(contents, needle):
    expected = reference(contents, needle)
    assert [impl(contents, needle) for impl in ALL] == [expected] * len(ALL)


@given(
    contents=tricky_text,
    needle=st.sampled_from(["the", "a", "é中😀", "\ud800"]),
    size=st.integers(64 << 10, 320 << 10),
    n_threads=st.integers(1, 9),
)
def test_agree_on_texts_large_enough_to_split(contents, needle, size, n_threads):
    # Repeating a tricky text makes it long enough (64 to 320 Ki characters) for
    # `search` to split it between threads, with chunk boundaries landing anywhere in the
    # pattern: a chunk is 32 KiB or more.
    unit = contents + " " + needle + " "
    big = unit * (size // len(unit) + 1)
    expected = search_py(big, needle)
    assert [impl(big, needle) for impl in RUST] == [expected] * len(RUST)
    assert search(big, needle, n_threads) == expected


def test_search_is_the_same_for_every_thread_count():
    text = "the cat\u3000the\x1cthe é中😀 \ud800\nthe\u2028the " * 20_000
    expected = search_py(text, "the")
    counts = {search(text, "the", n) for n in [None, 1, 2, 3, 4, 7, 8, 64, word_count.MAX_THREADS]}
    assert counts == {expected}
    assert search(text, "the", 2**100) == expected  # capped, as word_count caps it


@pytest.mark.parametrize("on_file", [False, True], ids=["search", "search_file"])
@pytest.mark.parametrize(
    ("n_threads", "error", "message"),
    [
        *((n, ValueError, "n_threads must be at least 1") for n in [0, -1, -(2**100)]),
        *((n, TypeError, "n_threads must be an int or None") for n in [1.0, "2", [2], 2j]),
    ],
)
def test_bad_thread_counts_are_refused(on_file, n_threads, error, message, tmp_path):
    # On a file, refused before it is opened: this one does not exist.
    call = (
        functools.partial(word_count.search_file, tmp_path / "missing.txt")
        if on_file
        else functools.partial(search, "a b")
    )
    with pytest.raises(error, match=message):
        call("a", n_threads)


def test_token_boundaries_are_exactly_space_and_python_line_breaks():
    # Every code point between two needles: the Rust split must agree with Python's.
    boundaries = [c for c in ALL_CHARS if search(f"a{c}a", "a") == 2]
    assert boundaries == sorted({" ", *PY_LINE_BREAKS})
    assert boundaries == [c for c in ALL_CHARS if reference(f"a{c}a", "a") == 2]


@pytest.mark.parametrize("impl", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("separator", [*PY_WHITESPACE, *PY_LINE_BREAKS])
def test_needle_holding_a_separator_never_matches_across_it(impl, separator):
    text = f"a{separator}b a{separator}b"
    assert impl(text, f"a{separator}b") == reference(text, f"a{separator}b")


@pytest.mark.parametrize("impl", ALL, ids=lambda f: f.__name__)
def test_empty_needle_is_a_value_error(impl):
    with pytest.raises(ValueError, match="needle must not be empty"):
        impl("a b", "")


@pytest.mark.parametrize("impl", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("contents", "needle"),
    [(None, "a"), ("a", None), (1, "a"), (["a"], "a"), ("a", 1.5)],
)
def test_wrong_types_are_type_errors(impl, contents, needle):
    with pytest.raises(TypeError):
        impl(contents, needle)


def test_str_subclass_is_accepted():
    class Text(str):
        pass

    assert [impl(Text("x y x"), Text("x")) for impl in ALL] == [2] * len(ALL)


def test_exported_names():
    assert set(word_count.__all__) <= set(dir(word_count))
    for name in word_count.__all__:
        obj = getattr(word_count, name)
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"


class _Overriding(str):
    """A str whose methods say otherwise: the functions read its characters, as
    str.split() does, and call none of them."""

    def encode(self, *args, **kwargs):  # type: ignore[override]
        return b"X"

    def split(self, *args, **kwargs):  # type: ignore[override]
        return ["X"]

    def splitlines(self, *args, **kwargs):  # type: ignore[override]
        return ["X"]

    def __eq__(self, other):  # type: ignore[override]
        return True

    __hash__ = str.__hash__


# With a lone surrogate the text has no UTF-8, and the Rust side encodes it itself.
@pytest.mark.parametrize("text", ["a \ud800 b \ud800", "a é b é"])
def test_overridden_methods_of_a_str_subclass_change_nothing(text):
    plain = text.split()[-1]
    expected = sum(t == plain for t in text.split())
    for impl in ALL:
        assert impl(_Overriding(text), plain) == expected, impl.__name__
        assert impl(text, _Overriding(plain)) == expected, impl.__name__
    assert word_count.word_count(_Overriding(text)) == len(text.split())
    assert word_count.word_count_py(_Overriding(text)) == len(text.split())
    truth = list(Counter(text.split()).items())
    assert list(word_count.word_frequencies(_Overriding(text)).items()) == truth
    assert list(word_count.word_frequencies_py(_Overriding(text)).items()) == truth
    counter = word_count.WordCounter()
    assert counter.add(_Overriding(text)) == len(text.split())
    assert list(counter.to_counter().items()) == truth
    assert counter[_Overriding(plain)] == expected
    assert _Overriding(plain) in counter
    counter.update({_Overriding(plain): 1})
    assert counter[plain] == expected + 1


@pytest.mark.parametrize(
    ("pair", "args", "error"),
    [
        ("word_count", (b"\xff", 0), ValueError),
        ("word_count", (b"\xff", "2"), TypeError),
        ("word_count", (5, 0), TypeError),
        ("word_frequencies", (b"\xff", 0), ValueError),
        ("word_frequencies", (memoryview(b"a b")[::2], "2"), BufferError),
        ("search", (b"\xff", ""), ValueError),
        ("search", (b"\xff", b"\xfe"), UnicodeDecodeError),
        ("search", (5, b"\xfe"), TypeError),
        ("search", (b"\xff", 5), TypeError),
    ],
)
def test_rust_and_python_check_arguments_in_the_same_order(pair, args, error):
    # With two things wrong, both raise for the same one: every type, then the values.
    raised = []
    for impl in (getattr(word_count, pair), getattr(word_count, pair + "_py")):
        with pytest.raises(error) as info:
            impl(*args)
        assert type(info.value) is error, impl.__name__  # not a UnicodeDecodeError
        raised.append(getattr(info.value, "object", None))
    assert raised[0] == raised[1]  # a UnicodeDecodeError's bytes: the same argument's
