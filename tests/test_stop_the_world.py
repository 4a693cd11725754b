"""Threads keep working, with exact totals, while another thread stops the world again
and again: the garbage collector, and profilers and tracers switched on and off."""

from __future__ import annotations

import pytest
from subproc import IN_A_CHILD, check, run_python

pytestmark = pytest.mark.threaded

CODE = """
import gc, sys, threading
import word_count as w

text = "the quick brown fox\\u3000jumps over the lazy dog\\n" * 20_000
WORDS, THE = len(text.split()), w.search_py(text, "the")
counter = w.WordCounter()
stop = threading.Event()
ROUNDS, WORKERS = 25, 6
done = threading.Barrier(WORKERS + 1)  # the workers and the main thread
errors = []

def worker():
    try:
        for _ in range(ROUNDS):
            assert w.word_count(text, 2) == WORDS
            assert w.search(text, "the") == THE
            assert w.search_sequential(text, "the") == THE
            counter.add("one two three")
    except BaseException as e:
        errors.append(e)
    finally:
        # Exit only once the toggling has stopped, so that every stop of the world
        # happens while all the workers are alive and counting or waiting.
        done.wait()

def collector():
    while not stop.is_set():
        gc.collect()

def hook(*args):
    return None

def toggler():
    # sys.settrace/sys.setprofile re-instrument the code of every thread, which stops the
    # world on free-threaded builds. (Not threading.setprofile_all_threads: on CPython
    # 3.13 it races with other threads and can crash the interpreter, with or without
    # our code -- python/cpython#137400, fixed in 3.14.)
    while not stop.is_set():
        sys.setprofile(hook); sys.setprofile(None)
        sys.settrace(hook); sys.settrace(None)

workers = [threading.Thread(target=worker) for _ in range(WORKERS)]
others = [threading.Thread(target=collector), threading.Thread(target=toggler)]
for t in workers + others:
    t.start()
while done.n_waiting < WORKERS and not errors:  # every worker has finished its rounds
    threading.Event().wait(0.01)
stop.set()
for t in others:
    t.join()
done.wait()
for t in workers:
    t.join()
assert errors == [], errors
assert counter.total == ROUNDS * WORKERS * 3, counter.total
print("ok")
"""


@IN_A_CHILD
def test_workers_finish_exactly_while_the_world_keeps_stopping():
    assert check(run_python(CODE, timeout=180)).strip() == "ok"
