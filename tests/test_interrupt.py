"""Ctrl-C: a long call on the main thread raises KeyboardInterrupt within 0.2 s, and the
next call works. A call on another thread finishes, correct, when the program is
interrupted. Long calls work slice by slice and handle signals in between (src/sliced.rs).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import sysconfig
import time

import pytest
from subproc import IN_A_CHILD, check, run_python

pytestmark = pytest.mark.threaded

# The promise is for the builds users run, which every other session tests. Under
# ThreadSanitizer (nox -s tsan) every memory access of the Rust code is instrumented
# and a slice takes 5-15 times longer: there the test is for the interrupt's path, raced
# against the pool, and its bound is 1 s (0.26 s was seen there with CI sharing the CPUs).
TSAN = "--with-thread-sanitizer" in (sysconfig.get_config_var("CONFIG_ARGS") or "")
LATENCY_BOUND = 1.0 if TSAN else 0.2

# The interrupt comes from another process, as Ctrl-C does: a thread of the same
# process could not send it while search_sequential holds the GIL on a GIL build.
CODE = """
import json, os, signal, subprocess, sys, tempfile, time
import word_count as w

from word_count import _word_count

# About 1 GB of UTF-8. Every 32-byte block holds an ideographic space, so word counting
# takes the scalar path: a second or more for every function (ASCII text would be
# counted at over 10 GB/s, too fast to interrupt). As bytes, it takes that path on every
# build. As a str, only on the abi3 wheel: the free-threaded wheel reads a non-ASCII
# str's own storage with SIMD (UCS-2 here) in 0.1-0.2 s, too fast to interrupt; its
# slices share the loop that the bytes calls test (src/sliced.rs). CPython makes the
# UTF-8 form of a str once, uninterruptibly; do that first, untimed.
data = b"ab \\xe3\\x80\\x80" * (180 << 20)
run = b"a" * (256 << 20)
# Removed at exit, however the script ends: a 1 GB file left behind by a failed run
# (a full disk, once) fills the disk for every run after it.
tmp = tempfile.TemporaryDirectory()
fifo = os.path.join(tmp.name, "fifo")
os.mkfifo(fifo)
# A writer that stays and writes nothing (read and write, so that opening it waits for no
# reader); the readers' opens then find a writer, and their reads wait for data.
writer = os.open(fifo, os.O_RDWR)
lonely = fifo + "-lonely"
os.mkfifo(lonely)
calls = {
    "word_count, 1 thread": lambda: w.word_count(data, 1),
    "word_count, all threads": lambda: w.word_count(data),
    "search": lambda: w.search(data, "ab"),
    "search_sequential": lambda: w.search_sequential(data, "ab"),
    "search_sequential_detached": lambda: w.search_sequential_detached(data, "ab"),
    "WordCounter.add": lambda: w.WordCounter().add(data),
    "word_frequencies, 1 thread": lambda: w.word_frequencies(data, 1),
    "word_frequencies, all threads": lambda: w.word_frequencies(data),
    "word_count_file": lambda: w.word_count_file(path, 1),
    "search_file": lambda: w.search_file(path, "ab"),
    "word_frequencies_file": lambda: w.word_frequencies_file(path, 1),
    # One word of 256 MiB: each slice after the first once skipped the rest of the word,
    # and a long needle in it was checked at every byte (seconds a slice, both).
    "word_frequencies, one long word": lambda: w.word_frequencies(run, 1),
    "search, a long needle in one long word": lambda: w.search(run, b"a" * 2000),
    # A word that never ends: the buffer grows a block at a time, answering in between.
    "word_frequencies_file, an endless word": lambda: w.word_frequencies_file("/dev/zero"),
    # A pipe whose writer sends nothing: a read that waits, until a signal ends it.
    "word_count_file, a silent pipe": lambda: w.word_count_file(fifo),
    "word_frequencies_file, a silent pipe": lambda: w.word_frequencies_file(fifo),
    "search_file, a silent pipe": lambda: w.search_file(fifo, "ab"),
    # A FIFO no program has opened for writing: opening it waits.
    "word_count_file, a FIFO with no writer": lambda: w.word_count_file(lonely),
}
if _word_count.__file__.endswith(".abi3.so"):
    text = data.decode()
    assert w.search_sequential(text, "\\n") == 0
    calls.update({
        "word_count(str)": lambda: w.word_count(text, 1),
        "search_sequential(str)": lambda: w.search_sequential(text, "ab"),
        "search(str)": lambda: w.search(text, "ab"),
        "WordCounter.add(str)": lambda: w.WordCounter().add(text),
        "word_frequencies(str)": lambda: w.word_frequencies(text, 1),
    })
# The same text in a file, read block by block.
path = os.path.join(tmp.name, "text.txt")
with open(path, "wb") as f:
    f.write(data)
# The sender says when it is ready, then sends SIGINT 0.15 s later, so the signal lands
# inside the call however long the sender took to start.
SENDER = (
    "import os, signal, sys, time; print('ready', flush=True); time.sleep(0.15); "
    "t = time.monotonic(); os.kill(int(sys.argv[1]), signal.SIGINT); print(t)"
)
latency = {}
for name, call in calls.items():
    sender = subprocess.Popen(
        [sys.executable, "-c", SENDER, str(os.getpid())], stdout=subprocess.PIPE, text=True
    )
    assert sender.stdout.readline().strip() == "ready"
    try:
        # Repeated: some calls (the token search on this text) now finish before the
        # signal comes; what a user sees is the time from Ctrl-C to KeyboardInterrupt.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            call()
        latency[name] = "finished without KeyboardInterrupt"
    except KeyboardInterrupt:
        caught = time.monotonic()
        latency[name] = caught - float(sender.stdout.readline())
    sender.wait()
    assert w.word_count("still works after Ctrl-C", 2) == 4
os.close(writer)
tmp.cleanup()
print(json.dumps(latency))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT from another process is POSIX")
@pytest.mark.wall_clock
@pytest.mark.thread_unsafe(
    reason="measures signal latency in wall-clock time and allocates 1 GB (and writes a "
    "1 GB file) per run; "
    "eight copies competing for two cores would measure the scheduler, not the code"
)
def test_ctrl_c_interrupts_every_long_call_within_0_2_s():
    latency = json.loads(check(run_python(CODE, timeout=240)))
    slow = {name: t for name, t in latency.items() if not isinstance(t, float) or t > LATENCY_BOUND}
    assert slow == {}, f"latencies: {latency}"


@IN_A_CHILD
def test_calls_on_other_threads_finish_when_the_program_is_interrupted():
    code = """
import os, signal, threading, time
import word_count as w
text = "ab " * (60 << 20)
rounds, started, stop = [], threading.Event(), threading.Event()
def work():
    # Call after call (each some tens of ms), so that the signal comes mid-call.
    while not stop.is_set():
        started.set()
        assert w.word_count(text, 2) == 60 << 20
        assert w.search_sequential_detached(text, "ab") == 60 << 20
        rounds.append(1)
t = threading.Thread(target=work)
t.start()
started.wait()
try:
    time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
    raise SystemExit("no KeyboardInterrupt")
except KeyboardInterrupt:
    pass
finished = len(rounds)
time.sleep(0.2)
stop.set()
t.join()
# The thread went on counting, exactly, after the main thread was interrupted.
assert len(rounds) > finished, (finished, len(rounds))
print("ok")
"""
    assert check(run_python(code, timeout=120)).strip() == "ok"


# How much of an endless word --top holds when it is interrupted.
WORD_HELD = 512 << 20


def _wait_until_reading(proc: subprocess.Popen[str], size: int = 64 << 20) -> None:
    """Wait until ``proc`` has read ``size`` bytes, where Linux tells (/proc): past its
    start-up, whose own reads (the interpreter's modules) are far fewer, and inside the
    CLI's handler of Ctrl-C. A fixed sleep once sent the signal before a slow start (a
    ThreadSanitizer build starts several times slower) had reached it."""
    if not sys.platform.startswith("linux"):
        time.sleep(0.6)
        return
    deadline = time.monotonic() + 60
    read = 0
    while time.monotonic() < deadline:
        with open(f"/proc/{proc.pid}/io") as f:
            read = next(int(line.split()[1]) for line in f if line.startswith("rchar:"))
        if read >= size:
            return
        time.sleep(0.005)
    raise AssertionError(f"the CLI read {read} bytes in 60 s, not {size}")


def _wait_until_resident(proc: subprocess.Popen[str], size: int) -> None:
    """Wait until ``proc`` holds ``size`` bytes in memory, where Linux tells (/proc)."""
    if not sys.platform.startswith("linux"):
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(f"/proc/{proc.pid}/status") as f:
            rss = next(int(line.split()[1]) << 10 for line in f if line.startswith("VmRSS:"))
        if rss >= size:
            return
        time.sleep(0.005)
    raise AssertionError(f"the CLI held {rss} bytes after 60 s, not {size}")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT from another process is POSIX")
@pytest.mark.wall_clock
@pytest.mark.thread_unsafe(
    reason="measures signal latency in wall-clock time, with processes of which one (--top) "
    "grows a buffer of hundreds of MB; copies on other threads would measure the scheduler"
)
def test_ctrl_c_stops_the_cli_reading_an_endless_word_within_0_2_s():
    # The CLI reads standard input itself (python/word_count/_stream.py), block by
    # block: counting (with --word too) cuts a word longer than a block, --top grows its
    # buffer to hold it. Either way it must answer Ctrl-C between blocks, as the file functions
    # do, and exit with status 130. It once doubled the buffer in one call, which took up
    # to 2.4 s once the word reached a GB; then, on 3.13t, grown a block at a time, it
    # still copied the whole buffer every few blocks (mimalloc moved it), 0.25 s a copy
    # at 320 MB, so --top is interrupted once its word is large.
    latency = {}
    for args in ([], ["--word", "a"], ["--top", "1"]):
        with open("/dev/zero", "rb") as zero:
            cli = subprocess.Popen(
                [sys.executable, "-m", "word_count", *args],
                stdin=zero,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        _wait_until_reading(cli)  # the interpreter starts, then the word grows
        if args == ["--top", "1"] and not TSAN:  # whose shadow memory is the word's, 4 times
            _wait_until_resident(cli, WORD_HELD)
        sent = time.monotonic()
        cli.send_signal(signal.SIGINT)
        try:
            stderr = cli.communicate(timeout=60)[1]
        finally:
            cli.kill()
        name = " ".join(["wc", *args])
        latency[name] = time.monotonic() - sent
        assert cli.returncode == 130, f"{name}: status {cli.returncode}\n{stderr[-2000:]}"
    slow = {name: t for name, t in latency.items() if t > LATENCY_BOUND}
    assert slow == {}, f"latencies: {latency}"
