"""Bounded resources: huge thread counts start no threads of their own, and repeated
calls leak nothing."""

from __future__ import annotations

import json
import sys

import pytest
from subproc import IN_A_CHILD, PEAK_RSS, check, run_python

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads thread counts and RSS from /proc"
)


@IN_A_CHILD
def test_ten_thousand_threads_asked_are_capped():
    code = """
import os, json, time
import word_count as w
def os_threads():
    return len(os.listdir("/proc/self/task"))
def settled(limit):
    # A joined thread may linger in /proc for a moment after join() returns: give
    # finished threads up to 5 s to go. A leaked thread stays, and fails the test.
    deadline = time.monotonic() + 5
    while os_threads() > limit and time.monotonic() < deadline:
        time.sleep(0.01)
    return os_threads()
text = "a b " * 1_000_000
cpus = os.cpu_count()
before = os_threads()
assert w.word_count(text, 10_000) == 2_000_000
after_rust = settled(before + cpus)
import threading
peak, done = [0], threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], os_threads())
sampler = threading.Thread(target=sample)
sampler.start()
assert w.word_count_py(text, 10_000) == 2_000_000
done.set()
sampler.join()
def pool_threads():
    return sum(t.name.startswith("word_count_py") for t in threading.enumerate())
kept = pool_threads()
for _ in range(5):
    assert w.word_count_py(text, 10_000) == 2_000_000
kept_again = pool_threads()
# Every thread but the caller, rayon's pool and word_count_py's is gone.
after_python = settled(after_rust + kept_again)
print(json.dumps({"before": before, "after_rust": after_rust, "after": after_python,
                  "peak_python": peak[0], "cpus": cpus, "max": w.MAX_THREADS,
                  "chunks": len(text) // (32 * 1024), "kept": kept,
                  "kept_again": kept_again}))
"""
    seen = json.loads(check(run_python(code)))
    # word_count starts no thread but the pool's (one per CPU), whatever it is asked.
    assert seen["after_rust"] - seen["before"] <= seen["cpus"], seen
    # word_count_py runs at most MAX_THREADS Python threads at once (plus the sampler),
    # one a chunk, and keeps them: the next calls reuse them, and start none.
    assert seen["peak_python"] - seen["before"] <= seen["cpus"] + seen["max"] + 1, seen
    assert seen["kept"] == min(seen["chunks"], seen["max"]), seen
    assert seen["kept_again"] == seen["kept"], seen
    # And it leaves no other thread behind.
    assert seen["after"] - seen["after_rust"] <= seen["kept_again"], seen


@IN_A_CHILD
def test_word_count_py_keeps_as_many_threads_as_it_runs_at_once():
    code = """
import json, threading
import word_count as w
text = "a b " * 40_000  # 160 Ki characters: up to 4 chunks of 32 Ki
def pool_threads():
    return sum(t.name.startswith("word_count_py") for t in threading.enumerate())
seen = {}
for n in (1, 2, 4, 2):
    for _ in range(100):
        assert w.word_count_py(text, n) == 80_000
        assert w.word_frequencies_py(text, n) == {"a": 40_000, "b": 40_000}
    seen.setdefault(n, []).append(pool_threads())
print(json.dumps(seen))
"""
    seen = json.loads(check(run_python(code, timeout=300)))
    # One thread counts on the caller's thread: no pool. Then each call reuses the idle
    # threads: a thread is idle again before its caller has its result. So the pool holds
    # as many as a call ran at once, never one a call, and never shrinks.
    assert seen == {"1": [0], "2": [2, 4], "4": [4]}, seen


@IN_A_CHILD
def test_ten_thousand_calls_leak_nothing():
    code = """
import json, os, tracemalloc
import word_count as w

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

text = "the cat\\u3000sat on the mat é中😀 \\ud800\\n" * 50
def calls():
    w.word_count(text, 2); w.word_count_py(text, 2)
    w.search(text, "the"); w.search_sequential(text, "the")
    w.search_sequential_detached(text, "the"); w.search_py(text, "the")
    c = w.WordCounter(); c.add(text); c.most_common(3); c["the"]; "x" in c
    for bad in ("", None):
        try:
            w.search(text, bad)
        except (TypeError, ValueError):
            pass

for _ in range(1000):
    calls()
tracemalloc.start()
rss0, (traced0, _) = rss(), tracemalloc.get_traced_memory()
for _ in range(10_000):
    calls()
rss1, (traced1, _) = rss(), tracemalloc.get_traced_memory()
print(json.dumps({"rss_growth": rss1 - rss0, "traced_growth": traced1 - traced0}))
"""
    seen = json.loads(check(run_python(code, timeout=300)))
    assert seen["traced_growth"] < 64 * 1024, seen
    assert seen["rss_growth"] < 4 * 1024 * 1024, seen


@pytest.mark.parallel_threads_limit(2)  # 150 MB per child: eight at once measure memory
def test_non_ascii_str_is_read_in_place_where_the_build_allows():
    # The free-threaded (version-specific) wheel reads a str's own storage; the abi3 wheel
    # cannot, and CPython then builds (and keeps) a UTF-8 copy of a non-ASCII str.
    code = """
import json
import word_count as w
from word_count import _word_count
text = "caf\\u00e9 na\\u00efve " * (6 << 20)  # Latin-1 storage: 66 MiB; UTF-8: 78 MiB
w.word_count("start the pool " * 10_000)
peak0 = peak_rss_kib()
counts = [w.word_count(text), w.word_count(text, 1), w.search(text, "caf\\u00e9"),
          w.search_sequential(text, "na\\u00efve")]
peak1 = peak_rss_kib()
print(json.dumps({"counts": counts, "growth_kib": peak1 - peak0,
                  "abi3": _word_count.__file__.endswith(".abi3.so")}))
"""
    seen = json.loads(check(run_python(PEAK_RSS + code, timeout=200)))
    assert seen["counts"] == [12 << 20, 12 << 20, 6 << 20, 6 << 20]
    if seen["abi3"]:
        assert seen["growth_kib"] > 70 << 10, seen  # the documented UTF-8 copy
    else:
        assert seen["growth_kib"] < 8 << 10, seen
