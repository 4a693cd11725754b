"""The interpreter exits cleanly while a daemon thread is inside a detached call: exit
status 0, no abort, no "FATAL: exception not rethrown"."""

from __future__ import annotations

import pytest
from subproc import IN_A_CHILD, run_python

pytestmark = pytest.mark.threaded


@pytest.mark.parametrize(
    "call",
    [
        "w.word_count(text, 1)",
        "w.word_count(text)",
        "w.search(text, 'ab')",
        "w.search_sequential_detached(text, 'ab')",
        "w.WordCounter().add(text)",
        "w.word_frequencies(text)",
        # Many distinct words: the calling thread attaches mid-call to make their strs
        # while the other threads count (on a GIL build only with no other thread: not
        # here, where there are two).
        "w.word_frequencies(words * 4)",
    ],
)
@IN_A_CHILD
def test_exit_with_a_daemon_thread_inside_a_detached_call(call):
    code = f"""
import sys, threading, time
import word_count as w
text = "ab " * (100 << 20)
words = " ".join(map(str, range(1 << 20)))
started = threading.Event()
def work():
    {call}
    started.set()  # one call done: the loop below is in its next
    while True:
        {call}
threading.Thread(target=work, daemon=True).start()
started.wait()
time.sleep(0.05)
print("exiting", flush=True)
"""
    proc = run_python(code, timeout=120)
    assert proc.stdout.strip() == "exiting"
    assert "FATAL" not in proc.stderr
    assert "panicked" not in proc.stderr
    assert proc.returncode == 0, proc.stderr[-2000:]
