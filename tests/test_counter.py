"""WordCounter: a Counter of str.split() words that many threads can add to at once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from word_count import WordCounter

from strategies import tricky_text


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
    barrier = threading.Barrier(threads)
    errors = []

    def worker():
        try:
            barrier.wait()
            for _ in range(adds):
                counter.add(text)
        except BaseException as e:  # reported below; a thread must not swallow it
            errors.append(e)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
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
            while not stop.is_set():
                top = counter.most_common()
                # A snapshot is taken under one lock: its counts sum to at most total.
                assert sum(n for _, n in top) <= counter.total
                seen.append(counter.total)
        except BaseException as e:
            errors.append(e)

    pool = [threading.Thread(target=f) for f in (writer, reader, reader)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    assert counter.total == 4000
    assert counter["common"] == 2000
