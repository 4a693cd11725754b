"""WordCounter: a Counter of str.split() words that many threads can add to and update at
once, and turn into a collections.Counter."""

from __future__ import annotations

import copy
import itertools
import pickle
import threading
from collections import Counter
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threads import run_at_once

from word_count import WordCounter, word_frequencies

from strategies import tricky_text

pytestmark = [pytest.mark.threaded, pytest.mark.threaded_stress]


def test_counts_like_collections_counter():
    c = WordCounter()
    assert c.add("the cat the\u3000hat\x1cthe") == 5
    assert c.add("") == 0
    assert (c.total, len(c), c["the"], c["cat"], c["dog"]) == (5, 3, 3, 1, 0)
    assert c.most_common() == [("the", 3), ("cat", 1), ("hat", 1)]
    assert c.most_common(1) == [("the", 3)]
    assert "the" in c
    assert "dog" not in c
    assert 3 not in c
    with pytest.raises(TypeError, match="unhashable"):
        [] in c  # noqa: B015 (as `[] in Counter()` raises)
    assert repr(c) == "<WordCounter: 3 distinct words, 5 in all>"


@given(texts=st.lists(tricky_text, max_size=8), n=st.one_of(st.none(), st.integers(-3, 12)))
def test_most_common_matches_collections_counter(texts, n):
    ours, theirs = WordCounter(), Counter()
    for text in texts:
        ours.add(text)
        theirs.update(text.split())
    # Same counts, and the same order: ties keep first-seen order in both.
    assert ours.most_common(n) == theirs.most_common(n)
    assert ours.total == theirs.total()
    assert len(ours) == len(theirs)
    for word in theirs:
        assert ours[word] == theirs[word]


def test_most_common_of_many_tied_words_matches_collections_counter():
    # A few counts shared by 2,000 words met in a scrambled order: most_common(n) picks
    # its first n without sorting every word, and must pick Counter's, ties included.
    words = [f"w{i * 7919 % 2000}" for i in range(2000)]
    text = " ".join(w for i, w in enumerate(words) for _ in range(i * 31 % 5 + 1))
    ours, theirs = WordCounter(), Counter(text.split())
    ours.add(text)
    for n in (None, -1, 0, 1, 2, 5, 399, 400, 401, 1000, 1999, 2000, 2001):
        assert ours.most_common(n) == theirs.most_common(n), n


def test_lone_surrogates_round_trip():
    c = WordCounter()
    c.add("\ud800 x \ud800")
    assert c["\ud800"] == 2
    assert c.most_common() == [("\ud800", 2), ("x", 1)]


@pytest.mark.parametrize("bad", [None, 1, ["a"]])
def test_wrong_types_are_type_errors(bad):
    c = WordCounter()
    with pytest.raises(TypeError):
        c.add(bad)
    with pytest.raises(TypeError):
        c[bad]
    with pytest.raises(TypeError):  # keys are str, as in collections.Counter
        c[b"a"]
    with pytest.raises(TypeError):
        c.most_common("3")


def test_is_frozen_and_final():
    c = WordCounter()
    with pytest.raises(AttributeError):
        c.total = 3
    with pytest.raises(TypeError):
        type("Sub", (WordCounter,), {})


@pytest.mark.parametrize("threads", [2, 8])
def test_no_update_is_lost_when_threads_add_at_once(threads):
    # K threads x M adds of a text of W words: exactly K*M*W words, no "Already borrowed".
    adds, text = 300, "alpha beta gamma alpha é中😀\u3000delta"
    words = Counter(text.split())
    counter = WordCounter()

    def worker():
        for _ in range(adds):
            counter.add(text)

    assert run_at_once(*[worker] * threads) == []
    assert counter.total == threads * adds * sum(words.values())
    assert {w: counter[w] for w in words} == {w: threads * adds * n for w, n in words.items()}
    assert len(counter) == len(words)


def test_readers_see_consistent_totals_while_writers_add():
    counter = WordCounter()
    stop = threading.Event()
    barrier = threading.Barrier(3)
    seen, errors = [], []

    def writer():
        barrier.wait()
        for i in range(2000):
            counter.add(f"w{i % 50} common")
        stop.set()

    def reader():
        barrier.wait()
        try:
            last = 0
            while True:  # at least once, however late this thread runs
                finished = stop.is_set()
                snapshot = dict(counter.most_common())
                # A snapshot is taken under one lock, and an add is all or nothing: it
                # holds whole lines, each a "w" word and a "common".
                common = snapshot.pop("common", 0)
                assert sum(snapshot.values()) == common, snapshot
                # Read after it, the total counts at least its words, and never falls.
                total = counter.total
                assert total % 2 == 0, total
                assert total >= max(2 * common, last), (total, common, last)
                last = total
                seen.append(total)
                if finished:
                    break
        except BaseException as e:
            errors.append(e)

    pool = [threading.Thread(target=f) for f in (writer, reader, reader)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    assert len(seen) >= 2  # each reader read at least once
    assert counter.total == 4000
    assert counter["common"] == 2000


# update() and to_counter(): WordCounter as a collections.Counter of str.split() words.


def counter_of(*texts: str) -> WordCounter:
    c = WordCounter()
    for text in texts:
        c.add(text)
    return c


def same(ours: Counter[str], expected: Counter[str]) -> None:
    """``ours`` is a Counter equal to ``expected``, its keys in the same order."""
    assert type(ours) is Counter
    assert list(ours.items()) == list(expected.items())


@given(texts=st.lists(tricky_text, max_size=8))
def test_add_counts_as_word_frequencies_does(texts):
    ours, expected = WordCounter(), Counter()
    for text in texts:
        ours.add(text)
        # Merged in order, each text's words keep their first-seen order after the others'.
        expected.update(word_frequencies(text))
    same(ours.to_counter(), expected)
    same(ours.to_counter(), Counter(" ".join(texts).split()))


@settings(max_examples=20)
@given(piece=tricky_text, size=st.integers(64 << 10, 256 << 10))
def test_add_agrees_with_word_frequencies_on_large_texts(piece, size):
    # Numbered words all along the text: the words first seen late must come last. At
    # least 64 Ki characters, so that the add cuts it between threads.
    repeat = size // (len(piece) + 4) + 1  # each at least len(piece) + 4: " n0 "
    big = "".join(f"{piece} n{i % 997} " for i in range(repeat)) + piece
    ours = WordCounter()
    assert ours.add(big) == len(big.split())
    same(ours.to_counter(), word_frequencies(big))
    same(ours.to_counter(), Counter(big.split()))


# A str or bytes under 32 KiB is counted straight into the counter's table; a longer
# text, or another buffer, is counted apart and merged, attached if it has few words (up
# to 512 distinct) and detached if more. One counter takes all of them, in any order.
SMALL = 32 * 1024


def long_text(piece: str, distinct: int) -> str:
    # At least 32 KiB whatever the piece (" m0 " alone is 4 bytes), with numbered words
    # all along, so that the words first seen late must come last.
    return "".join(f"{piece} m{i % distinct} " for i in range(8200)) + piece


added_text = st.one_of(
    tricky_text.map(lambda t: ("str", t)),
    tricky_text.map(lambda t: ("bytes", t)),
    tricky_text.map(lambda t: ("bytearray", t)),
    st.tuples(tricky_text, st.sampled_from([7, 1009])).map(lambda p: ("long", long_text(*p))),
)


@settings(max_examples=40)
@given(items=st.lists(added_text, max_size=8))
def test_short_and_long_adds_in_one_counter_agree_with_counter(items):
    ours, expected = WordCounter(), Counter()
    for kind, text in items:
        if kind == "long":
            assert len(text.encode("utf-8", "surrogatepass")) >= SMALL
        if kind in ("bytes", "bytearray"):
            try:
                data = text.encode()
            except UnicodeEncodeError:  # a lone surrogate: no UTF-8 bytes to give
                continue
            assert ours.add(data if kind == "bytes" else bytearray(data)) == len(text.split())
        else:
            assert ours.add(text) == len(text.split())
        expected.update(text.split())
    same(ours.to_counter(), expected)
    assert ours.most_common() == expected.most_common()
    assert (ours.total, len(ours)) == (expected.total(), len(expected))


def test_lines_wait_for_long_merges_and_none_is_lost():
    # One thread adds texts of 100,000 distinct words, whose merges hold the lock for
    # milliseconds; others add lines all the while, each counted with the lock free or
    # waiting for it (a while spinning, then asleep), each line with a word of its own,
    # so that the table, past 65,536 words, grows under lines too; one more thread reads.
    # Every word is counted, and a reader never sees a count fall.
    distinct = " ".join(f"d{i}" for i in range(100_000))
    line = "alpha beta gamma alpha é中😀\u3000delta"
    rounds, adders = 3, 3
    counter = WordCounter()
    merged = threading.Event()
    added = [0] * adders
    seen: list[tuple[int, int, int]] = []

    def merger():
        for _ in range(rounds):
            counter.add(distinct, 1)
        merged.set()

    def adder(k):
        while not merged.is_set() or added[k] < 100:
            counter.add(f"{line} w{k}-{added[k]}")
            added[k] += 1

    def reader():
        while not merged.is_set():
            seen.append((counter.total, counter["alpha"], len(counter)))

    workers = [merger, reader] + [lambda k=k: adder(k) for k in range(adders)]
    assert run_at_once(*workers) == []
    lines = sum(added)
    per_line = Counter(line.split())
    assert {w: counter[w] for w in per_line} == {w: n * lines for w, n in per_line.items()}
    assert all(counter[f"w{k}-{i}"] == 1 for k in range(adders) for i in range(added[k]))
    assert counter["d0"] == counter["d99999"] == rounds
    total = (per_line.total() + 1) * lines + rounds * 100_000
    assert (len(counter), counter.total) == (100_000 + len(per_line) + lines, total)
    # The total, a count and the number of words only ever grow.
    for earlier, later in itertools.pairwise(seen):
        assert all(a <= b for a, b in zip(earlier, later, strict=True)), (earlier, later)


@pytest.mark.parametrize("letter", ["a", "\u0436", "\u4e2d", "\U0001f600", "\ud800"])
def test_words_each_side_of_the_length_kept_in_place(letter):
    # The counter keeps a word of up to 22 UTF-8 bytes in place and a longer one on the
    # heap: words of every length around that edge, in letters of 1 to 4 bytes (and lone
    # surrogates, 3), counted, copied out, updated and looked up as Counter does.
    words = [letter * n + "x" * extra for n in range(1, 13) for extra in range(0, 25, 3)]
    text = " ".join(words[i * 7 % len(words)] for i in range(3 * len(words)))
    expected = Counter(text.split())
    ours = counter_of(text, "")
    same(ours.to_counter(), expected)
    assert ours.most_common() == expected.most_common()
    assert ours.most_common(3) == expected.most_common(3)
    assert all(ours[w] == n for w, n in expected.items())
    copy = WordCounter()
    copy.update(ours)
    copy.update(ours.to_counter())
    expected.update(expected)
    same(copy.to_counter(), expected)


def test_to_counter_is_a_fresh_collections_counter():
    c = counter_of("b a b \ud800")
    first = c.to_counter()
    same(first, Counter({"b": 2, "a": 1, "\ud800": 1}))
    first["a"] = 100
    first["new"] = 1
    assert (c["a"], "new" in c, len(c)) == (1, False, 3)
    assert c.to_counter() is not c.to_counter()
    same(c.to_counter(), Counter({"b": 2, "a": 1, "\ud800": 1}))
    same(WordCounter().to_counter(), Counter())


@given(
    first=st.lists(tricky_text, max_size=4),
    second=st.lists(tricky_text, max_size=4),
    kind=st.sampled_from(["WordCounter", "dict", "Counter"]),
)
def test_update_adds_counts_like_counter_update(first, second, kind):
    ours = counter_of(*first)
    expected = Counter(" ".join(first).split())
    other_counts = Counter(" ".join(second).split())
    other = {
        "WordCounter": lambda: counter_of(*second),
        "dict": lambda: dict(other_counts),
        "Counter": lambda: other_counts,
    }[kind]()
    assert ours.update(other) is None
    # Counter.update: the words already there keep their place; new ones follow, in the
    # order of the other's iteration.
    expected.update(other_counts)
    same(ours.to_counter(), expected)
    assert ours.total == expected.total()
    assert len(ours) == len(expected)
    assert ours.most_common() == expected.most_common()


class _Word(str):
    """A str subclass: read by its UTF-8, like a str."""


class _Count(int):
    """An int subclass: its value, through __index__, like an int."""


class _ItemsOwn(dict):
    """A dict whose items() is its own: update() must call it, not read the dict."""

    def items(self):
        return [(k, v + 1) for k, v in dict.items(self)]


class _CounterKind(Counter):
    """A Counter subclass, read through items() like any mapping."""


@given(
    pairs=st.lists(
        st.tuples(
            tricky_text.filter(bool),
            st.integers(0, 2**40),
            st.sampled_from(["str", "subclass"]),
            st.sampled_from(["int", "subclass", "bool"]),
        ),
        max_size=12,
    ),
    kind=st.sampled_from([dict, Counter, _CounterKind]),
    start=st.lists(tricky_text, max_size=3),
    plain=st.booleans(),
)
def test_update_reads_any_dict_or_counter_as_its_items(pairs, kind, start, plain):
    # A dict or Counter of str and int is read straight from its table; a key or count of
    # a subclass, a str with lone surrogates or a subclass of Counter goes through items().
    # Either way the result is Counter.update's. `plain`: every key a str and every count
    # an int, so that dicts of many items are read the direct way too.
    items = []
    for word, n, key_kind, count_kind in pairs:
        key = word if plain or key_kind == "str" else _Word(word)
        count = n if plain else {"int": n, "subclass": _Count(n), "bool": bool(n % 2)}[count_kind]
        items.append((key, count))
    mapping = kind(dict(items))
    ours, expected = counter_of(*start), Counter(" ".join(start).split())
    ours.update(mapping)
    expected.update(dict(items))
    same(ours.to_counter(), expected)
    assert ours.total == expected.total()


def test_update_calls_the_items_of_a_dict_subclass():
    c = WordCounter()
    c.update(_ItemsOwn({"a": 1, "b": 2}))
    same(c.to_counter(), Counter({"a": 2, "b": 3}))


def test_update_reads_a_counter_as_dict_update_does():
    # An exact dict or Counter is read straight from its table, as dict.update reads it:
    # an `items` set on the instance is not called (the way items() would read it).
    source = Counter({"é": 1, "a": 2})
    source.items = lambda: [("b", 5)]  # type: ignore[method-assign]
    c = WordCounter()
    c.update(source)
    expected: dict[str, int] = {}
    expected.update(source)
    assert dict(c.to_counter()) == expected == {"é": 1, "a": 2}


def test_update_reads_keys_whose_utf8_is_made_as_any_other():
    # The first update makes each non-ASCII key's UTF-8. On free-threaded 3.13 it holds
    # such keys and reads them after the dict's lock, and the later updates find the UTF-8
    # made and read it under the lock; elsewhere every update reads every key under the
    # lock or the GIL. All add the same words. Subclass keys keep their UTF-8 in the same
    # place as a str's.
    keys = ["é", "слово", "😀x", "a", "日本語", _Word("ключ"), _Word("ascii"), _Word("ü")]
    mapping = {key: i + 1 for i, key in enumerate(keys)}
    c = WordCounter()
    c.update(mapping)
    c.update(Counter(mapping))
    c.update(mapping)
    expected: Counter[str] = Counter()
    for _ in range(3):
        expected.update(mapping)
    same(c.to_counter(), expected)
    assert c.total == 3 * sum(mapping.values())


@pytest.mark.parametrize(
    "last", [("\ud800", 1), ("b", 2**62 + 1), ("b", -1), ("b", 2**64), (3, 1), ("b", 1.0)], ids=repr
)
def test_update_from_a_dict_decides_on_its_last_item_too(last):
    # Many good items, then one the dict's own read cannot take: the update goes on
    # through items(), which adds a surrogate word and raises for the rest, all or nothing.
    mapping = {f"w{i}": i for i in range(1000)}
    mapping[last[0]] = last[1]
    c = counter_of("a")
    if last[0] == "\ud800":
        c.update(mapping)
        expected = Counter(["a"])
        expected.update(mapping)
        same(c.to_counter(), expected)
        return
    with pytest.raises((TypeError, ValueError, OverflowError)):
        c.update(mapping)
    same(c.to_counter(), Counter(["a"]))
    assert c.total == 1


def test_update_from_dicts_sharing_keys_other_threads_change():
    # Non-ASCII keys whose UTF-8 is not made yet, shared by two dicts that threads update
    # from at once, while another thread replaces the first dict's values with new int
    # objects (freeing the old ones) and adds and removes keys. Reading a key's UTF-8
    # takes a lock on the key, which must not suspend the read of the dict. Each update
    # adds one whole reading of its dict.
    big = 10**12  # not one of the ints CPython keeps, so each is an object of its own
    for _ in range(5):
        keys = [f"слово{i}é" for i in range(3000)]
        first = dict.fromkeys(keys, big)
        second = dict(first)
        counter, stop, done = WordCounter(), threading.Event(), []

        def changer(first=first, keys=keys, stop=stop):
            i = 0
            while not stop.is_set():
                first[f"x{i}"] = 1
                first[keys[i % 3000]] = int(str(big))  # a new int, the same count
                if i >= 50:
                    del first[f"x{i - 50}"]
                i += 1

        def reader(mapping, counter=counter, done=done):
            for _ in range(20):
                counter.update(mapping)
                done.append(1)

        thread = threading.Thread(target=changer, daemon=True)
        thread.start()
        try:
            assert run_at_once(lambda m=first: reader(m), lambda m=second: reader(m)) == []
        finally:
            stop.set()
            thread.join(60)
        counts = counter.to_counter()
        assert counter.total == sum(counts.values())
        assert all(counts[key] == len(done) * big for key in keys)


def test_update_from_a_dict_other_threads_change():
    # One thread adds and removes keys while others update from the dict. The dict is read
    # under its lock (or the GIL): each update adds a whole reading of it or raises
    # RuntimeError as iterating a changing dict does, and the counter stays consistent.
    mapping = {f"w{i}": 1 for i in range(2000)}
    counter, stop = WordCounter(), threading.Event()

    def changer():
        i = 0
        while not stop.is_set():
            mapping[f"x{i}"] = 1
            if i >= 50:
                del mapping[f"x{i - 50}"]
            i += 1

    done = []

    def reader():
        for _ in range(100):
            try:
                counter.update(mapping)
            except RuntimeError as e:
                # Only the dict's own: a panic in the module is a RuntimeError too.
                if "changed size during iteration" not in str(e):
                    raise
                continue
            done.append(1)

    thread = threading.Thread(target=changer, daemon=True)
    thread.start()
    try:
        assert run_at_once(reader, reader) == []
    finally:
        stop.set()
        thread.join(60)
    counts = counter.to_counter()
    assert counter.total == sum(counts.values())
    assert done
    assert all(counts[f"w{i}"] == len(done) for i in range(2000))


@given(texts=st.lists(tricky_text, max_size=6))
def test_iterating_gives_the_words_as_counter_does(texts):
    ours = counter_of(*texts)
    theirs = Counter(" ".join(texts).split())
    assert list(ours) == list(theirs)
    assert sorted(ours) == sorted(theirs)
    it = iter(ours)
    assert iter(it) is it
    assert it.__length_hint__() == len(theirs)
    assert list(it) == list(theirs)
    assert (list(it), it.__length_hint__()) == ([], 0)
    with pytest.raises(StopIteration):
        next(it)


def test_an_iterator_reads_the_words_of_its_call():
    c = counter_of("a b")
    it = iter(c)
    c.add("c a")
    assert (next(it), list(it), list(c)) == ("a", ["b"], ["a", "b", "c"])


def test_threads_sharing_an_iterator_each_get_other_words():
    c = counter_of(" ".join(f"w{i}" for i in range(5000)))
    it = iter(c)
    seen: list[list[str]] = [[], [], []]

    def take(out: list[str]) -> None:
        out.extend(it)

    assert run_at_once(*[lambda out=out: take(out) for out in seen]) == []
    # Every word exactly once in all, and each thread's in the counter's order.
    assert sorted(word for part in seen for word in part) == sorted(c)
    place = {word: i for i, word in enumerate(c)}
    assert all(part == sorted(part, key=place.__getitem__) for part in seen)


def test_iterating_while_threads_add_sees_a_prefix_of_the_words():
    # Words only ever go last, in first-seen order: each iteration made while threads add
    # lists the words of some moment, a prefix of the final list.
    c, lists = WordCounter(), []

    def adder(k: int) -> None:
        for i in range(200):
            c.add(f"k{k}w{i} shared")

    def reader() -> None:
        for _ in range(200):
            lists.append(list(c))

    assert run_at_once(lambda: adder(0), lambda: adder(1), reader) == []
    final = list(c)
    assert len(final) == 401
    assert all(words == final[: len(words)] for words in lists)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_pickled_counter_comes_back_the_same(protocol):
    c = counter_of("b a b \ud800 café 中", "a")
    back = pickle.loads(pickle.dumps(c, protocol))
    assert type(back) is WordCounter
    same(back.to_counter(), c.to_counter())
    assert (back.total, len(back), list(back)) == (c.total, len(c), list(c))
    same(pickle.loads(pickle.dumps(WordCounter(), protocol)).to_counter(), Counter())


@pytest.mark.parametrize("how", [copy.copy, copy.deepcopy])
def test_a_copied_counter_is_a_counter_of_its_own(how):
    c = counter_of("a b a")
    d = how(c)
    d.add("a c")
    c.add("b")
    same(c.to_counter(), Counter({"a": 2, "b": 2}))
    same(d.to_counter(), Counter({"a": 3, "b": 1, "c": 1}))
    assert (c.total, d.total) == (4, 5)


def test_pickling_while_threads_add_gives_whole_adds():
    # Each add is all or nothing, and pickle reads the counts under the lock: every
    # pickle holds some number of whole adds.
    c, pickles = WordCounter(), []

    def adder() -> None:
        for _ in range(300):
            c.add("x y y")

    def pickler() -> None:
        for _ in range(100):
            pickles.append(pickle.dumps(c))

    assert run_at_once(adder, adder, pickler) == []
    for data in pickles:
        back = pickle.loads(data)
        n = back["x"]
        assert (back["y"], back.total, list(back)) == (2 * n, 3 * n, ["x", "y"] if n else [])


def test_update_order_and_counts():
    c = counter_of("a b")
    c.update({"c": 2, "a": 5, "d": 1})
    c.update(counter_of("d e d"))
    same(c.to_counter(), Counter({"a": 6, "b": 1, "c": 2, "d": 3, "e": 1}))
    assert c.total == 13
    assert c.most_common(2) == [("a", 6), ("d", 3)]
    c.update({})
    c.update(WordCounter())
    assert c.total == 13


def test_update_with_a_zero_count_adds_the_key_as_counter_does():
    c = counter_of("a")
    c.update({"z": 0, "a": 0})
    expected = Counter(["a"])
    expected.update({"z": 0, "a": 0})
    same(c.to_counter(), expected)
    assert (c.total, len(c), "z" in c, c["z"]) == (1, 2, True, 0)


def test_update_with_big_counts():
    c = WordCounter()
    c.update({"big": 2**40, "small": 1})
    c.update({"big": 2**40})
    assert (c["big"], c.total) == (2**41, 2**41 + 1)


@pytest.mark.parametrize("huge", [2**58, 2**59, 2**63, 2**64, 2**100])
def test_a_count_too_large_to_keep_is_exact_or_an_overflow_error(huge):
    # Counter's counts are unbounded ints; a WordCounter may bound them, but then it must
    # say so rather than keep a wrong count (or a total that is not the counts' sum).
    c = counter_of("a b")
    for _ in range(3):
        try:
            c.update({"a": huge, "b": 1})
        except OverflowError:
            break
    counts = c.to_counter()
    assert c.total == counts.total()
    assert counts["a"] - 1 == (counts["b"] - 1) * huge


def test_update_from_a_counter_past_the_bound_raises_and_changes_nothing():
    # From another WordCounter the counts are added under both counters' locks, with no
    # list of them made first: the bound is checked before any is added, as for a dict.
    a, b = WordCounter(), WordCounter()
    a.update({"x": 2**61, "y": 1})
    b.update({"y": 2**60})
    b.update(a)
    assert (b["x"], b["y"], b.total) == (2**61, 2**60 + 1, 2**61 + 2**60 + 1)
    with pytest.raises(OverflowError, match="limited to 2\\*\\*62"):
        b.update(a)
    same(b.to_counter(), Counter({"y": 2**60 + 1, "x": 2**61}))
    assert b.total == 2**61 + 2**60 + 1
    same(a.to_counter(), Counter({"x": 2**61, "y": 1}))  # only read


@pytest.mark.parametrize("impl", ["add", "update"])
def test_errors_leave_the_counter_as_it_was(impl):
    c = counter_of("a b a")
    bad = {"add": [b"ok \xff"], "update": [{"a": 1, "b": -1}, {"a": 1, 2: 1}, {"c": 1.0}]}
    for arg in bad[impl]:
        with pytest.raises((TypeError, ValueError)):
            getattr(c, impl)(arg)
        same(c.to_counter(), Counter({"a": 2, "b": 1}))
        assert c.total == 3


@settings(max_examples=5)
@given(piece=tricky_text)
def test_add_takes_a_thread_count(piece):
    # Over 64 KiB, so that the text is split between threads.
    big = (piece + " w") * (3000 // (len(piece) + 2) + 1) + " ".join(map(str, range(20_000)))
    expected = Counter(big.split())
    for n_threads in [None, *range(1, 10)]:
        c = WordCounter()
        assert c.add(big, n_threads) == len(big.split())
        same(c.to_counter(), expected)


@pytest.mark.parametrize("n_threads", [0, -1])
def test_add_with_a_thread_count_below_one_is_a_value_error(n_threads):
    with pytest.raises(ValueError, match="n_threads must be at least 1"):
        WordCounter().add("a", n_threads)


def test_update_from_itself_doubles_every_count():
    # Counter.update(self) doubles the counts; the counter must not wait on itself.
    c = counter_of("a b a é")
    done = threading.Event()

    def call():
        c.update(c)
        done.set()

    # A daemon thread: if update() deadlocked, the test fails instead of hanging.
    threading.Thread(target=call, daemon=True).start()
    assert done.wait(60), "WordCounter.update(itself) never returned"
    same(c.to_counter(), Counter({"a": 4, "b": 2, "é": 2}))
    assert c.total == 8


def test_update_keys_are_the_words_of_any_text():
    # Words with lone surrogates and from bytes: keys are the same str, whatever the input.
    c = WordCounter()
    c.add(b"caf\xc3\xa9 \xe4\xb8\xad")
    c.update({"café": 1, "\ud800": 2})
    c.update(counter_of("\ud800 中"))
    same(c.to_counter(), Counter({"café": 2, "中": 2, "\ud800": 3}))


@pytest.mark.parametrize(
    "bad",
    [
        {b"a": 1},  # keys are str, as WordCounter's own keys
        {1: 1},
        {None: 1},
        {"a": 1.0},  # counts are int
        {"a": "1"},
        {"a": None},
        {"a": 1, "b": [2]},
    ],
    ids=repr,
)
def test_update_with_a_bad_key_or_count_is_a_type_error(bad):
    c = counter_of("a")
    with pytest.raises(TypeError):
        c.update(bad)


@pytest.mark.parametrize("bad", [None, 3, "a b", b"a b", ["a", "b"], [("a", 1)]], ids=repr)
def test_update_with_a_non_mapping_is_a_type_error(bad):
    # A WordCounter or a mapping only: text is what add() is for.
    c = counter_of("a")
    with pytest.raises(TypeError):
        c.update(bad)
    same(c.to_counter(), Counter(["a"]))


class _IndexOnly:
    """A count that is an int only through __index__, and does not compare with one."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        return f"_IndexOnly({self.value})"


@pytest.mark.parametrize(
    ("count", "error"), [(2**64, OverflowError), (-(2**64), ValueError)], ids=repr
)
def test_an_index_like_count_beyond_64_bits_is_judged_by_its_value(count, error):
    # Too large to keep, or negative, as the same int would be; not a wrong type.
    c = counter_of("a b")
    with pytest.raises(error):
        c.update({"a": _IndexOnly(count)})
    same(c.to_counter(), Counter(["a", "b"]))


class _Fickle:
    """A count whose __index__ answers 2**100 once, then -1: counted as it is called."""

    def __init__(self) -> None:
        self.calls = 0

    def __index__(self) -> int:
        self.calls += 1
        return 2**100 if self.calls == 1 else -1


def test_a_counts_index_is_asked_once():
    # As operator.index asks it: judged by its one answer (too large), not by a second.
    c, count = counter_of("a"), _Fickle()
    with pytest.raises(OverflowError):
        c.update({"a": count})
    assert count.calls == 1
    same(c.to_counter(), Counter(["a"]))


class _Raises:
    """A count whose __index__ raises ``error``."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __index__(self) -> int:
        raise self.error


@pytest.mark.parametrize("error", [KeyboardInterrupt(), MemoryError(), ValueError("odd")])
def test_an_error_of_a_counts_index_is_raised_as_it_is(error):
    # Ctrl-C while a count is read is Ctrl-C, not "counts must be int"; nothing is added.
    c = counter_of("a")
    with pytest.raises(type(error)) as info:
        c.update({"b": 1, "a": _Raises(error)})
    assert info.value is error
    same(c.to_counter(), Counter(["a"]))


class _Interrupts:
    """An item whose __iter__ is interrupted, as by Ctrl-C."""

    def __iter__(self) -> Iterator[object]:
        raise KeyboardInterrupt


class _ListItems(Mapping[str, int]):
    """A mapping whose items() gives lists, as a Mapping may: Counter unpacks any pair."""

    def __init__(self, *pairs: list[object]) -> None:
        self.pairs = pairs

    def __getitem__(self, key: str) -> int:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return len(self.pairs)

    def items(self):  # type: ignore[override]
        return list(self.pairs)


def test_update_unpacks_items_that_are_not_tuples_as_counter_does():
    items = _ListItems(["b", 2], ("a", 1), ["c", 3])
    c, want = counter_of("a"), Counter(["a"])
    c.update(items)
    want.update(items)
    same(c.to_counter(), want)
    for bad, error, message in [
        # (3.14 adds ", got 3" where the length is known.)
        (["a", 1, 2], ValueError, r"^too many values to unpack \(expected 2"),
        (["a"], ValueError, r"^not enough values to unpack \(expected 2, got 1\)$"),
        (5, TypeError, "^cannot unpack non-iterable int object$"),
    ]:
        with pytest.raises(error, match=message):
            Counter(["q"]).update(_ListItems(["z", 1], bad))  # not empty: read by items()
        with pytest.raises(error, match=message):
            c.update(_ListItems(["z", 1], bad))
    # An item's own error, raised as it is, as Counter raises it.
    for update in (Counter(["q"]).update, c.update):
        with pytest.raises(KeyboardInterrupt):
            update(_ListItems(["z", 1], _Interrupts()))
    same(c.to_counter(), want)


@pytest.mark.parametrize("bad", [{"a": -1}, {"new": -1}, {"a": 2, "b": -(2**70)}], ids=repr)
def test_update_with_a_negative_count_is_a_value_error(bad):
    # A WordCounter counts words seen: no count of one can be below 0.
    c = counter_of("a b")
    with pytest.raises(ValueError, match="negative"):
        c.update(bad)


@pytest.mark.parametrize("threads", [2, 8])
def test_no_update_is_lost_when_threads_add_and_update_at_once(threads):
    # K threads each add a text, update from a dict and update from a WordCounter, M
    # times: every count is exactly K*M times the sum of the three.
    rounds, text = 200, "alpha beta gamma alpha é中😀\u3000delta"
    mapping = {"beta": 2, "epsilon": 3}
    source = counter_of("gamma zeta zeta")
    per_round = Counter(text.split())
    per_round.update(mapping)
    per_round.update(source.to_counter())
    counter = WordCounter()

    def worker():
        for _ in range(rounds):
            counter.add(text)
            counter.update(mapping)
            counter.update(source)

    assert run_at_once(*[worker] * threads) == []
    expected = {word: threads * rounds * n for word, n in per_round.items()}
    assert dict(counter.to_counter()) == expected
    assert counter.total == sum(expected.values())
    same(source.to_counter(), Counter({"gamma": 1, "zeta": 2}))  # only read


def test_counters_updating_each_other_at_once_do_not_deadlock():
    # a.update(b) and b.update(a) at once: locking one counter and then the other, in
    # opposite orders, would deadlock. Few rounds each: the counts grow like Fibonacci
    # numbers (each update adds the other's counts), so many rounds would overflow.
    for _ in range(20):
        a, b = counter_of("a"), counter_of("b")
        barrier = threading.Barrier(2)
        errors = []

        def worker(this, other, barrier=barrier, errors=errors):
            try:
                barrier.wait()
                for _ in range(30):
                    this.update(other)
            except BaseException as e:
                errors.append(e)

        pool = [
            threading.Thread(target=worker, args=pair, daemon=True) for pair in [(a, b), (b, a)]
        ]
        for t in pool:
            t.start()
        for t in pool:
            t.join(60)
        assert not any(t.is_alive() for t in pool), "a.update(b) and b.update(a) deadlocked"
        assert errors == []
        # Whatever the interleaving, each counter's total is the sum of its counts.
        for c in (a, b):
            assert c.total == sum(c.to_counter().values())
            assert list(c.to_counter()) == (["a", "b"] if c is a else ["b", "a"])
