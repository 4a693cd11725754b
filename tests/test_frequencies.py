"""word_frequencies (Rust threads), word_frequencies_py (Python threads) and
word_frequencies_file equal ``collections.Counter(text.split())``: the same counts, and
the same keys in the same order (first occurrence first), so ``most_common`` breaks ties
the same way."""

from __future__ import annotations

import dataclasses
import errno
import functools
import itertools
import mmap
import os
import pathlib
import random
import sys
import tempfile
from collections import Counter

import pytest
from filechecks import assert_progress_can_stop_the_read, read_a_pipe
from hypothesis import given, settings
from hypothesis import strategies as st
from tmpfiles import write
from utf8errors import decode_error, same_error

import word_count as w

from strategies import (
    ALL_CHARS,
    BUFFERS,
    LOOKALIKES,
    PY_WHITESPACE,
    SURROGATES,
    tricky_text,
    valid_text,
)

pytestmark = pytest.mark.threaded

IMPLS = [w.word_frequencies, w.word_frequencies_py]
THREAD_COUNTS = [None, *range(1, 10)]
# The Rust side splits only a text of 64 KiB or more, into chunks of 32 KiB or more: 9
# chunks need 288 KiB. Big texts are drawn between these sizes (in characters). Their
# tests take few examples: each is counted on ten thread counts, and --parallel-threads=8
# runs eight copies of it at once.
SPLIT_MIN, SPLIT_MAX = 64 << 10, 320 << 10
BLOCK = 16 << 20  # the block size of the core's stream module
# Tests that write files of 16 MiB or more (a block must be crossed): thread-safe, but
# eight copies at once would measure the disk. Two threads at once still run concurrently.
IO_HEAVY = pytest.mark.parallel_threads_limit(2)
# Tests whose texts and Counters take a few hundred MB: thread-safe, but eight copies at
# once would measure the allocator and the machine's memory, not the code.
MEMORY_HEAVY = pytest.mark.parallel_threads_limit(2)
# The largest code point of each kind of str CPython stores (1, 1, 2 or 4 bytes a
# character; the free-threaded build's Rust side reads each kind in place), and a
# character that puts a str in that kind.
STR_KINDS = {"ascii": (0x7F, ""), "latin-1": (0xFF, "é"), "ucs-2": (0xFFFF, "中")}
STR_KINDS["ucs-4"] = (sys.maxunicode, "😀")


def same(ours: Counter[str], expected: Counter[str]) -> None:
    """``ours`` is a Counter equal to ``expected``, its keys in the same order (and so
    its ``most_common()``, which Counter computes from the items alone; the small-text
    tests compare that too). Its attributes are a Counter's too (none): it is made as
    ``dict.__new__(Counter)``, without ``Counter.__init__``."""
    assert type(ours) is Counter
    assert vars(ours) == vars(expected)
    assert list(ours.items()) == list(expected.items())


def fit(text: str, limit: int, valid: bool) -> str:
    """``text`` with every character above ``limit`` moved below it, and, if ``valid``,
    no surrogates (which moving a character may make)."""
    text = "".join(c if ord(c) <= limit else chr(ord(c) % (limit + 1)) for c in text)
    return "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF) if valid else text


@dataclasses.dataclass(frozen=True)
class BigText:
    """How to make a text of ``size`` (64 to 320 Ki) characters of one str kind: drawn
    tricky pieces, whitespace, multibyte characters and words, in a random order. New
    words keep appearing all along, so every chunk holds words seen first there and the
    merge order counts; chunk boundaries fall anywhere (in words, in multibyte
    characters, on whitespace). Hypothesis draws this recipe, whose repr is short, rather
    than the text, which would be too long to print in a failure report."""

    kind: str
    pieces: tuple[str, ...]
    size: int
    seed: int
    valid: bool  # no lone surrogates: the text has a UTF-8 form

    def make(self) -> str:
        limit, marker = STR_KINDS[self.kind]
        pieces = [fit(p, limit, self.valid) for p in self.pieces]
        rng = random.Random(self.seed)
        spaces = [c for c in PY_WHITESPACE if ord(c) <= limit]
        chars = ["a", "é", "中", "😀", *LOOKALIKES, *([] if self.valid else SURROGATES)]
        chars = [c for c in chars if ord(c) <= limit]
        parts, length = [marker], len(marker)
        while length < self.size:
            roll = rng.random()
            if pieces and roll < 0.2:
                part = rng.choice(pieces)
            elif roll < 0.5:
                part = rng.choice(spaces)
            elif roll < 0.7:
                part = rng.choice(chars)
            else:
                # Words seen before, and new ones: a vocabulary that grows with the text.
                part = f"w{rng.randrange(1 + length // 16)}"
            parts.append(part)
            length += len(part)
        return "".join(parts)


def big_texts(valid: bool = False) -> st.SearchStrategy[BigText]:
    return st.builds(
        BigText,
        kind=st.sampled_from(sorted(STR_KINDS)),
        pieces=st.lists(valid_text if valid else tricky_text, max_size=4).map(tuple),
        size=st.integers(SPLIT_MIN, SPLIT_MAX),
        seed=st.integers(0, 2**32),
        valid=st.just(valid),
    )


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "one",
        "b a b\n",
        "the cat the\u3000hat\x1cthe",
        "a\x1cb\x1dc\x1ed\x1fe a",  # not whitespace to Rust, but to Python
        "a\x85b\xa0c\u1680d\u3000e\u2028f\u2029g\u202fh\u205fi a",
        "a\u200bb\u180ec\ufeffd a\u200bb",  # look like spaces, are not
        # Lone surrogates; a pair of them is two characters, not the one it would encode.
        "\ud800 \udfff \ud800\udc00 \U00010000 \ud800",
        "😀 é 中 😀\r\né",
    ],
)
def test_examples(impl, text):
    expected = Counter(text.split())
    for n_threads in (None, 1, 2):
        same(ours := impl(text, n_threads), expected)
        assert ours.most_common() == expected.most_common()
        assert ours.most_common(2) == expected.most_common(2)


def test_every_code_point():
    # Every code point once, between two words: the 29 whitespace characters split, the
    # others (lone surrogates included) join the words on either side.
    text = "x".join(ALL_CHARS)
    expected = Counter(text.split())
    assert expected.total() == len(PY_WHITESPACE) + 1
    for n_threads in (1, 2, 7, None):
        same(w.word_frequencies(text, n_threads), expected)
    same(w.word_frequencies_py(text, 3), expected)


@MEMORY_HEAVY
def test_every_code_point_is_a_word():
    # 1.1 million distinct one-character words, in code point order, then again in reverse.
    text = " ".join(ALL_CHARS) + "\n" + " ".join(reversed(ALL_CHARS[::7]))
    expected = Counter(text.split())
    assert len(expected) == len(ALL_CHARS) - len(PY_WHITESPACE)
    for n_threads in (1, 3, None):
        same(w.word_frequencies(text, n_threads), expected)


@given(text=tricky_text, n_threads=st.sampled_from(THREAD_COUNTS))
def test_all_agree_on_small_texts(text, n_threads):
    expected = Counter(text.split())
    for impl in IMPLS:
        same(ours := impl(text, n_threads), expected)
        assert ours.most_common() == expected.most_common()


@settings(max_examples=10)
@given(recipe=big_texts(), n_py=st.integers(1, 9))
def test_all_agree_when_split_between_threads(recipe, n_py):
    text = recipe.make()
    expected = Counter(text.split())
    for n_threads in THREAD_COUNTS:
        same(w.word_frequencies(text, n_threads), expected)
    # Python threads are slower: one thread count a text.
    same(w.word_frequencies_py(text, n_py), expected)


@pytest.mark.parametrize("kind", BUFFERS)
@given(text=valid_text, n_threads=st.sampled_from(THREAD_COUNTS))
def test_bytes_mean_their_text(kind, text, n_threads):
    data = BUFFERS[kind](text.encode())
    expected = Counter(text.split())
    same(w.word_frequencies(data, n_threads), expected)
    same(w.word_frequencies_py(data, n_threads), expected)


@settings(max_examples=8)
@given(recipe=big_texts(valid=True), kind=st.sampled_from(sorted(BUFFERS)))
def test_bytes_split_between_threads(recipe, kind):
    text = recipe.make()
    expected = Counter(text.split())
    data = BUFFERS[kind](text.encode())
    for n_threads in THREAD_COUNTS:
        same(w.word_frequencies(data, n_threads), expected)


def test_other_buffers():
    same(w.word_frequencies(memoryview(b"a b a").cast("c")), Counter(["a", "b", "a"]))
    with mmap.mmap(-1, 16) as m:
        m.write(b"one two  one\n")
        # The unwritten bytes are NULs, a word of their own, as in the decoded str.
        same(w.word_frequencies(m), Counter(bytes(m).decode().split()))


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
def test_result_is_the_same_for_every_thread_count(impl):
    text = "lorem ipsum\u3000dolor\x1csit amet, é中😀 \ud800\n" * 20_000 + "last words"
    expected = Counter(text.split())
    for n_threads in [*THREAD_COUNTS, 64, w.MAX_THREADS, 10_000, 2**100]:
        same(impl(text, n_threads), expected)


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("space", [c for c in PY_WHITESPACE if len(c.encode()) > 1])
@pytest.mark.parametrize("shift", range(-4, 5, 2))
def test_multibyte_whitespace_around_a_chunk_boundary(impl, space, shift):
    # With 2 threads the text is cut near its middle: put a multibyte space (2 or 3
    # bytes in UTF-8) at offsets around it, between two different words.
    half = 40 * 1024
    text = "u" * (half + shift) + space + "v" * half
    same(impl(text, 2), Counter(text.split()))
    same(impl(text.encode(), 2), Counter(text.split()))


# Words a weak hash would send to a few buckets: permutations of the same letters (equal
# sums and xors of their bytes), words that differ only in their last bytes after a long
# shared prefix, and runs of NULs that differ only in length.
ADVERSARIAL = {
    "permutations": lambda: [
        "".join(p) for p in itertools.islice(itertools.permutations("abcdefghij"), 200_000)
    ],
    "shared-prefix": lambda: [f"{'x' * 29}{i:06d}" for i in range(200_000)],
    "nul-runs": lambda: ["\0" * k for k in range(1, 2_000)],
}


@MEMORY_HEAVY
@pytest.mark.parametrize("family", ADVERSARIAL)
def test_words_that_collide_under_a_weak_hash(family):
    words = ADVERSARIAL[family]()
    # Every third word twice, the second time in reverse order, after all the others.
    text = " ".join(words) + "\n" + " ".join(words[::-3])
    expected = Counter(text.split())
    assert len(expected) == len(words)
    for n_threads in (1, None):
        same(w.word_frequencies(text, n_threads), expected)
    same(w.word_frequencies(text.encode(), 4), expected)


@MEMORY_HEAVY
def test_many_distinct_words_keep_their_order():
    # 300,000 distinct words in a shuffled order, then a random half of them again: the
    # keys must come back in first-occurrence order, whichever chunk saw each first.
    rng = random.Random(12)
    words = [f"w{i}" for i in range(300_000)]
    rng.shuffle(words)
    text = " ".join(words) + "\n" + " ".join(rng.sample(words, 150_000))
    expected = Counter(text.split())
    for n_threads in (1, 2, 9, None):
        same(w.word_frequencies(text, n_threads), expected)
    same(w.word_frequencies(text.encode()), expected)
    same(w.word_frequencies_py(text, 3), expected)


@MEMORY_HEAVY
@pytest.mark.parametrize("distinct", [2**16 - 1, 2**16, 2**16 + 1])
def test_counters_each_side_of_the_size_made_of_general_keys(distinct, tmp_path):
    # From 2**16 words on, the Counter's dict is given CPython's general keys by setting
    # and deleting a key that is not a str first: nothing of that key may show, and the
    # Counter must behave as one built word by word (copies, updates, deletions).
    rng = random.Random(distinct)
    words = [f"w{i}" for i in range(distinct)]
    rng.shuffle(words)
    text = " ".join(words) + "\n" + " ".join(rng.sample(words, distinct // 3))
    expected = Counter(text.split())
    path = tmp_path / "words.txt"
    path.write_text(text, encoding="utf-8")
    counter = w.WordCounter()
    counter.add(text)
    made = [
        w.word_frequencies(text, 1),
        w.word_frequencies(text, 2),
        w.word_frequencies_file(path, 2),
        counter.to_counter(),
    ]
    for ours in made:
        same(ours, expected)
        assert None not in ours
        assert len(ours) == distinct
        # General keys hold each key's hash: 8 bytes more an entry, in a table of the
        # same size (grown through the same sizes, which Counter.copy()'s fast path
        # needs). A CPython where this trick no longer works fails here, not silently.
        if distinct >= 2**16:
            assert sys.getsizeof(ours) > sys.getsizeof(expected)
        else:
            assert sys.getsizeof(ours) == sys.getsizeof(expected)
        assert sys.getsizeof(ours.copy()) == sys.getsizeof(ours)
        same(ours.copy(), expected)
        ours.update(["new", words[0]])
        del ours[words[1]]
        ours[None] = 7  # a key of another type still goes last
        again = expected.copy()
        again.update(["new", words[0]])
        del again[words[1]]
        again[None] = 7
        assert list(ours.items()) == list(again.items())


@pytest.mark.threaded_stress
@MEMORY_HEAVY
@pytest.mark.parametrize("letter", ["e", "é", "中", "😀"])
def test_words_made_early_while_another_thread_counts(letter):
    # On two threads the calling thread counts the first half: here quick to count (short
    # words, 20,000 distinct), while the other counts a second half of long distinct
    # words, which take the table's slow path. So the calling thread makes its words'
    # strs while the other still counts (Early in src/frequencies.rs; on a GIL build only
    # when no other thread runs), and the Counter built from them must still be exact.
    # One letter per kind of str storage (1, 2 and 4 bytes a character), and bytes.
    first = " ".join(f"{letter}{i % 20_000}" for i in range(300_000))
    second = " ".join(f"{'x' * 40}{i}" for i in range(len(first.encode()) // 48))
    text = first + "\n" + second + " " + first[:1000]
    expected = Counter(text.split())
    for n_threads in (2, 3):
        same(w.word_frequencies(text, n_threads), expected)
        same(w.word_frequencies(text.encode(), n_threads), expected)


# Errors: those of word_count and word_count_py, from both.


# Thread counts refused, and how: below one, ValueError; not an int, TypeError.
BAD_THREAD_COUNTS = [
    *(
        pytest.param(n, ValueError, "n_threads must be at least 1", id=f"ValueError-{n}")
        for n in [0, -1, -(2**100)]
    ),
    *(
        pytest.param(n, TypeError, "n_threads must be an int or None", id=f"TypeError-{n!r}")
        for n in [1.0, "2", [2], 2j]
    ),
]


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("n_threads", "error", "message"), BAD_THREAD_COUNTS)
def test_bad_thread_counts_are_refused(impl, n_threads, error, message, tmp_path):
    with pytest.raises(error, match=message):
        impl("a b", n_threads)
    (path := tmp_path / "a.txt").write_text("a b")
    with pytest.raises(error, match=message):
        w.word_frequencies_file(path, n_threads)


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
def test_index_like_thread_counts_are_accepted(impl):
    class Two:
        def __index__(self):
            return 2

    same(impl("a b a", Two()), Counter(["a", "b", "a"]))
    same(impl("a b a", True), Counter(["a", "b", "a"]))


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("text", [None, 3, ["a"], 1.5, Counter("ab")])
def test_text_of_the_wrong_type_is_a_type_error(impl, text):
    with pytest.raises(TypeError, match="str or a bytes-like object"):
        impl(text)


@pytest.mark.parametrize("impl", IMPLS, ids=lambda f: f.__name__)
def test_a_non_contiguous_buffer_is_a_buffer_error(impl):
    with pytest.raises(BufferError, match="not C-contiguous"):
        impl(memoryview(b"a b c d")[::2])


@given(data=st.binary(max_size=40), kind=st.sampled_from(sorted(BUFFERS)))
def test_invalid_utf8_raises_what_decode_raises(data, kind):
    buffer = BUFFERS[kind](data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as expected:
        with pytest.raises(UnicodeDecodeError) as info:
            w.word_frequencies(buffer, 2)
        same_error(info.value, expected)
        if kind == "bytes":
            # The caller's own bytes, not a copy. (UnicodeDecodeError() itself turns any
            # other buffer into bytes, so only bytes can be kept as they are.)
            assert info.value.object is buffer
        with pytest.raises(UnicodeDecodeError) as info:
            w.word_frequencies_py(buffer)
        same_error(info.value, expected)
    else:
        same(w.word_frequencies(buffer), Counter(text.split()))


# Offsets in the first chunk, at the 64 KiB at which texts start being split, and in
# later chunks; the text before is ASCII and multibyte, so the offset may cut a character.
@pytest.mark.parametrize("at", [0, 5, SPLIT_MIN - 1, SPLIT_MIN, SPLIT_MIN + 1, 200_003, 300_001])
@pytest.mark.parametrize("bad", [b"\xff", b"\xe2\x82", b"\xe2\x82x", b"\xed\xa0\x80", b"\xf4\x90"])
def test_error_position_in_a_large_buffer(at, bad):
    data = ("ab é\u3000中 " * (at // 8 + 1)).encode()[:at] + bad + b" tail" * 4
    expected = decode_error(data)
    for n_threads in (1, 4, None):
        with pytest.raises(UnicodeDecodeError) as info:
            w.word_frequencies(data, n_threads)
        same_error(info.value, expected)
        assert info.value.object is data
    with pytest.raises(UnicodeDecodeError) as info:
        w.word_frequencies_py(data, 4)
    same_error(info.value, expected)


# Files: word_frequencies_file(path) == Counter(Path(path).read_text("utf-8").split()).


@given(text=valid_text, n_threads=st.sampled_from(THREAD_COUNTS))
def test_small_files_mean_their_text(text, n_threads):
    path = write(text.encode())
    try:
        same(w.word_frequencies_file(path, n_threads), Counter(text.split()))
    finally:
        os.unlink(path)


@settings(max_examples=5)
@given(recipe=big_texts(valid=True))
def test_files_split_between_threads(recipe):
    text = recipe.make()
    path = write(text.encode())
    try:
        expected = Counter(text.split())
        for n_threads in (None, 1, 2, 9):
            same(w.word_frequencies_file(path, n_threads), expected)
    finally:
        os.unlink(path)


# What begins near the end of the first read: multibyte whitespace, multibyte characters
# inside a word, a line break of two characters.
BOUNDARY_UNITS = ["\u3000", "\x85", "\u2028", "é", "😀", "中", "\r\n", " ", "the"]
# Where the first read of a file ends: word_count_file reads blocks of 16 MiB;
# word_frequencies_file reads 4 MiB at a time (FREQUENCY_SLICE_BYTES in src/files.rs,
# for Ctrl-C) and cuts each block after its last whitespace, carrying the rest over.
FIRST_READS = [4 << 20, BLOCK]


@functools.cache
def head_before(offset: int) -> tuple[str, Counter[str]]:
    """ASCII text of ``offset`` bytes ending with a space, and its words' Counter
    (computed once: 16 MiB of words takes a while to split)."""
    head = "ab the " * (offset // 7 + 1)
    head = head[: offset - 1] + " "
    return head, Counter(head.split())


@IO_HEAVY
@pytest.mark.parametrize("first_read", FIRST_READS, ids=lambda n: f"{n >> 20}MiB")
@pytest.mark.parametrize("unit", BOUNDARY_UNITS)
@pytest.mark.parametrize("shift", [-3, -1, 0, 1])
def test_read_boundaries(first_read, unit, shift, tmp_file):
    # `unit` begins `shift` bytes from the end of the first read, so a word, a multibyte
    # character or a multibyte space spans the boundary, between words seen only there.
    head, expected = head_before(first_read + shift)
    rest = unit + "straddle" + unit + "after" + unit + " end\n"
    text = head + rest + head[:1000]
    tmp_file.append(path := write(text.encode()))
    # The pieces meet at whitespace, so the text's words are theirs, in order.
    expected = expected.copy()
    expected.update(rest.split())
    expected.update(head[:1000].split())
    same(w.word_frequencies_file(path), expected)
    same(w.word_frequencies_file(path, 1), expected)


@IO_HEAVY
@pytest.mark.parametrize("space", ["", " ", "\u3000"])
def test_a_word_longer_than_a_block(space, tmp_file):
    # A block is cut after its last whitespace; a block with none (a word of 20 MiB,
    # longer than any read) must be carried over whole, not cut.
    long_word = "é" * (10 << 20) + "x"
    text = f"a{space}b {long_word}{space}c {long_word} a\u3000é"
    tmp_file.append(path := write(text.encode()))
    same(w.word_frequencies_file(path), Counter(text.split()))


@IO_HEAVY
@settings(max_examples=5)
@given(text=valid_text, repeat=st.integers(1, 20), n_threads=st.sampled_from([None, 1, 3]))
def test_large_files_mean_their_text(text, repeat, n_threads):
    # From one block to two: the last block is partial. Words first seen in the second
    # block follow, so that the merge order counts.
    unit = text + "x\n"
    body = unit * ((BLOCK + repeat * BLOCK // 20) // len(unit.encode()) + 1)
    big = body + " ".join(f"new{i}" for i in range(1000)) + "\n" + body[: len(body) // 3]
    path = write(big.encode())
    try:
        same(w.word_frequencies_file(path, n_threads), Counter(big.split()))
    finally:
        os.unlink(path)


def test_path_types(tmp_file):
    tmp_file.append(path := write("one two one é".encode()))
    for p in (path, os.fsencode(path), pathlib.Path(path)):
        same(w.word_frequencies_file(p), Counter(["one", "two", "one", "é"]))
    with pytest.raises(TypeError):
        w.word_frequencies_file(3)  # type: ignore[arg-type]


def test_missing_file_and_directory():
    with tempfile.TemporaryDirectory() as d:
        missing = os.path.join(d, "missing.txt")
        with pytest.raises(FileNotFoundError) as info:
            w.word_frequencies_file(missing)
        assert (info.value.errno, info.value.filename) == (errno.ENOENT, missing)
        assert str(info.value) == f"[Errno 2] No such file or directory: {missing!r}"
        with pytest.raises(IsADirectoryError) as info:
            w.word_frequencies_file(pathlib.Path(d))
        assert (info.value.errno, info.value.filename) == (errno.EISDIR, d)


@pytest.mark.parametrize("at", [0, 10, pytest.param(BLOCK - 1, marks=IO_HEAVY)])
@pytest.mark.parametrize("bad", [b"\xff", b"\xe2\x82", b"\xed\xa0\x80"])
def test_invalid_utf8_in_a_file_reports_the_byte_offset(at, bad, tmp_file):
    data = (b"ab " * (at // 3 + 1))[:at] + bad + b" more text"
    expected = decode_error(data)
    tmp_file.append(path := write(data))
    with pytest.raises(UnicodeDecodeError) as info:
        w.word_frequencies_file(path)
    e = info.value
    assert (e.encoding, e.reason.split(" (")[0]) == ("utf-8", expected.reason)
    assert f"at byte {expected.start} of {path!r}" in e.reason
    assert e.object[e.start : e.end] == data[expected.start : expected.end]


def test_empty_file_and_devices(tmp_file):
    tmp_file.append(path := write(b""))
    same(w.word_frequencies_file(path), Counter())
    if os.path.exists("/dev/null"):
        same(w.word_frequencies_file("/dev/null"), Counter())


@IO_HEAVY
def test_progress_is_reported_and_can_stop_the_count(tmp_file):
    data = b"word other " * ((BLOCK * 5 // 2) // 11)
    tmp_file.append(path := write(data))
    seen: list[tuple[int, int | None]] = []
    counts = w.word_frequencies_file(path, progress=lambda done, total: seen.append((done, total)))
    same(counts, Counter({"word": len(data) // 11, "other": len(data) // 11}))
    # After each block (16 MiB or less: at least 3 for 2.5 blocks), bytes read so far of
    # the file's size, rising to all of it.
    assert len(seen) >= 3
    done = [d for d, _ in seen]
    assert done == sorted(set(done))
    assert {total for _, total in seen} == {len(data)}
    assert seen[-1] == (len(data), len(data))
    assert_progress_can_stop_the_read(functools.partial(w.word_frequencies_file, path))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads a pipe via /dev/fd")
def test_a_pipe_has_no_size():
    counts, totals = read_a_pipe(w.word_frequencies_file, b"one two three " * 100)
    same(counts, Counter({"one": 100, "two": 100, "three": 100}))
    assert totals == [None]
