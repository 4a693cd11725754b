"""After a fork, parallel calls work in the child and in the parent: no hang.

A forked child inherits a copy of its parent's thread pools without their threads; a
pool-per-process (crates/word-count-core/src/pool.rs) makes the child build its own, and
so does word_count_py's (a fork hook in _reference.py).
Inputs are megabytes: small ones never reach the pool and would hide a hang."""

from __future__ import annotations

import sys

import pytest
from subproc import IN_A_CHILD, check, run_python

SETUP = """
import os, sys, warnings
from collections import Counter
import word_count as w
# fork() in a process with threads (the pool's) warns on 3.12+; that is the point here.
warnings.simplefilter("ignore", DeprecationWarning)
text = "lorem ipsum dolor sit amet, the quick brown fox\\u3000the end\\n" * 100_000  # ~6 MB
WORDS, THE = len(text.split()), w.search_py(text, "the")

def check(who):
    for n in (None, 2, 3):
        assert w.word_count(text, n) == WORDS, (who, n)
    assert w.search(text, "the") == THE, who
    c = w.WordCounter(); c.add(text)
    assert c.total == WORDS, who
    # The pure-Python twins' kept threads: a child's copy of the pool has none.
    assert w.word_count_py(text, 2) == WORDS, who
    assert w.word_frequencies_py(text[:200_000], 3) == Counter(text[:200_000].split()), who

def in_child(fn):
    pid = os.fork()
    if pid == 0:
        try:
            fn()
            os._exit(0)
        except BaseException as e:
            print("child failed:", repr(e), file=sys.stderr, flush=True)
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the child failed"
"""

pytestmark = [
    pytest.mark.threaded,
    pytest.mark.skipif(sys.platform == "win32", reason="os.fork is POSIX-only"),
]


@IN_A_CHILD
def test_forked_child_and_parent_keep_working():
    code = (
        SETUP
        + """
check("parent, before the fork")
in_child(lambda: check("child"))
check("parent, after the fork")
# A grandchild: the child's own pool must be replaced again.
in_child(lambda: (check("child"), in_child(lambda: check("grandchild"))))
print("ok")
"""
    )
    assert check(run_python(code, timeout=120)).strip() == "ok"


@IN_A_CHILD
def test_fork_while_other_threads_are_counting():
    # The pools are mid-count in other threads at the moment of fork(): rayon's, and
    # word_count_py's, whose lock a thread may hold as it looks the pool up.
    code = (
        SETUP
        + """
import threading
stop = threading.Event()
def busy():
    while not stop.is_set():
        assert w.word_count(text, 2) == WORDS
def busy_py():
    while not stop.is_set():
        assert w.word_count_py(text[:100_000], 2) == len(text[:100_000].split())
threads = [threading.Thread(target=f) for f in (busy, busy, busy_py)]
for t in threads: t.start()
try:
    for _ in range(3):
        in_child(lambda: check("child"))
finally:
    stop.set()
    for t in threads: t.join()
check("parent")
print("ok")
"""
    )
    assert check(run_python(code, timeout=120)).strip() == "ok"


@IN_A_CHILD
@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_multiprocessing_start_methods(tmp_path, method):
    code = (
        SETUP
        + f"""
import multiprocessing as mp

def work(_):
    check("pool worker")
    return w.word_count(text, 2)

if __name__ == "__main__":
    check("parent")
    with mp.get_context({method!r}).Pool(2) as pool:
        assert pool.map(work, range(4)) == [WORDS] * 4
    check("parent, after the pool")
    print("ok")
"""
    )
    proc = run_python(code, script=tmp_path / "mp_script.py")
    assert check(proc).strip() == "ok"
