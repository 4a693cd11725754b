"""Bounded resources: huge thread counts start no threads of their own, and repeated
calls leak nothing."""

from __future__ import annotations

import json
import sys

import pytest
from subproc import check, run_python

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads thread counts and RSS from /proc"
)


def test_ten_thousand_threads_asked_start_no_more_than_the_pool():
    code = """
import os, json
import word_count as w
def os_threads():
    return len(os.listdir("/proc/self/task"))
text = "a b " * 1_000_000
before = os_threads()
assert w.word_count(text, 10_000) == 2_000_000
assert w.word_count_py(text, 10_000) == 2_000_000
print(json.dumps({"before": before, "after": os_threads(), "cpus": os.cpu_count()}))
"""
    seen = json.loads(check(run_python(code)))
    # The Rust pool (one thread per CPU) may start now; nothing else may remain.
    assert seen["after"] - seen["before"] <= seen["cpus"], seen


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
