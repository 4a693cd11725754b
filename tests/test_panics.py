"""A bug that panics in Rust reaches Python as a RuntimeError, not an abort and not a
BaseException, and leaves later calls working: no poisoned lock, no dead pool.

No input can make the code panic, so the panics are injected through hooks that exist
only in a build with the `test-hooks` Cargo feature (nox's test sessions run this file
against such a build; release wheels lack the hooks)."""

from __future__ import annotations

import pytest

from word_count import WordCounter, _word_count, search, word_count

inject = getattr(_word_count, "_inject_panic", None)
pytestmark = [
    pytest.mark.threaded,
    pytest.mark.skipif(
        inject is None,
        reason="this wheel has no test hooks; nox's tests sessions run this file against "
        "a build with --features test-hooks",
    ),
    pytest.mark.thread_unsafe(
        reason="a hook arms a process-wide flag: a call from another test thread could "
        "trip the injected panic instead of the call this test makes"
    ),
]

TEXT = "the quick brown fox jumps over the lazy dog\n" * 20_000  # chunks for 2 threads


def test_panic_in_a_pool_worker_is_a_runtime_error_and_the_pool_survives():
    expected = len(TEXT.split())
    inject("worker")
    with pytest.raises(RuntimeError, match=r"internal error .*injected panic in a pool worker"):
        word_count(TEXT, 2)
    assert word_count(TEXT, 2) == expected
    inject("worker")
    with pytest.raises(RuntimeError, match="internal error"):
        search(TEXT, "the")
    assert search(TEXT, "the") == 40_000


@pytest.mark.parametrize(
    "text",
    # Counted under the lock (a short str, attached), and merged after a count apart (a
    # text of 32 KiB or more, detached).
    ["c d", "c d " * 10_000],
    ids=["short", "long"],
)
def test_panic_holding_the_counter_lock_leaves_it_usable(text):
    counter = WordCounter()
    counter.add("a b")
    inject("lock")
    with pytest.raises(RuntimeError, match=r"internal error .*holding WordCounter's lock"):
        counter.add(text)
    # The panic struck with the lock held, before any word of the text was added: none
    # of them was, the total is the counts' sum, and the lock works.
    counter.add("a")
    assert (counter.total, counter["a"], counter["c"]) == (3, 2, 0)
    counter.add(text)
    assert (counter.total, counter["c"]) == (3 + len(text.split()), text.count("c"))


def test_the_error_is_an_exception_not_a_base_exception():
    inject("worker")
    # pytest.raises(Exception) would not catch PyO3's PanicException, a BaseException.
    with pytest.raises(Exception, match="Please report this bug") as info:
        word_count(TEXT, 2)
    assert type(info.value) is RuntimeError
