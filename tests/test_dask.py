"""word_count.dask: lazy word counts, frequencies and search over files with Dask, exactly
equal to the single-machine file functions for every blocksize, on every scheduler.

The schedulers are real: the synchronous, threaded and multiprocessing ones everywhere,
and a ``distributed.LocalCluster`` of 2 worker processes (1 thread each) wherever
``distributed`` imports (with its compiled dependencies: tornado, msgpack, psutil, ...).
"""

from __future__ import annotations

import errno
import io
import operator
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from subproc import IN_A_CHILD, check, run_python

import word_count as w

from strategies import ALL_CHARS, PY_LINE_BREAKS, PY_WHITESPACE, SURROGATES, needle, tricky_text

dask = pytest.importorskip(
    "dask", reason='word_count.dask needs dask: pip install "word-count[dask]"'
)
import fsspec  # noqa: E402 - dask's own dependency
from dask.diagnostics import ProgressBar  # noqa: E402
from fsspec.implementations.local import LocalFileSystem  # noqa: E402
from fsspec.implementations.memory import MemoryFileSystem  # noqa: E402

import word_count.dask as wd  # noqa: E402

# distributed's sampling profiler (a thread in every scheduler and worker that reads the
# other threads' frames) is off, as distributed's own tests have it: on 3.13t it once
# read a frame whose f_code was another object (AttributeError: 'SelectorKey' object
# has no attribute 'co_name', in distributed/profile.py; CI of 462b853), a race in
# reading another thread's frame without the GIL, and its thread's exception failed the
# test. Nothing here depends on profiles.
dask.config.set({"distributed.worker.profile.enabled": False})

try:
    import distributed
except ImportError as e:  # say which package is missing, e.g. a compiled one on 3.13t
    distributed = None
    NO_DISTRIBUTED = f"distributed does not import here: {e.name or e} is missing"
else:
    NO_DISTRIBUTED = ""
needs_distributed = pytest.mark.skipif(distributed is None, reason=NO_DISTRIBUTED)
FREE_THREADED = bool(__import__("sysconfig").get_config_var("Py_GIL_DISABLED"))

# A cluster is a process-wide resource: eight test threads at once would share (or each
# start) worker processes on 2 CPUs, and a test that kills a worker must kill its own.
CLUSTER = pytest.mark.thread_unsafe(
    reason="uses a LocalCluster of worker processes, shared by the module or killed by the "
    "test: not to be run eight times at once in one process"
)

valid_text = tricky_text.map(lambda t: "".join(c for c in t if c not in SURROGATES)).filter(
    lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)
)
valid_needle = needle.filter(lambda n: not any(0xD800 <= ord(c) <= 0xDFFF for c in n))
corpus = st.lists(valid_text, min_size=1, max_size=4)
blocksizes = st.integers(1, 40)


def write_corpus(directory: str, datas: list[bytes]) -> list[str]:
    """Files 00.txt, 01.txt... in ``directory``: a glob lists them in this order."""
    paths = []
    for i, data in enumerate(datas):
        path = os.path.join(directory, f"{i:02d}.txt")
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    return paths


def expected(texts: list[str], needle_: str) -> tuple[int, Counter[str], int]:
    words = [word for text in texts for word in text.split()]
    return len(words), Counter(words), sum(w.search_py(t, needle_) for t in texts)


def from_files(paths: list[str], needle_: str) -> tuple[int, Counter[str], int]:
    """The single-machine functions, summed (merged in order) over the files."""
    total: Counter[str] = Counter()
    for path in paths:
        total.update(w.word_frequencies_file(path))
    return (
        sum(w.word_count_file(p) for p in paths),
        total,
        sum(w.search_file(p, needle_) for p in paths),
    )


def lazy(urlpath: object, needle_: str, blocksize: int | str, **kw: object) -> tuple:
    return (
        wd.word_count(urlpath, blocksize=blocksize, **kw),
        wd.word_frequencies(urlpath, blocksize=blocksize, **kw),
        wd.search(urlpath, needle_, blocksize=blocksize, **kw),
    )


def assert_same(got: tuple, want: tuple) -> None:
    assert got[0] == want[0]
    # Equal as Counters and in key order: most_common breaks ties by it.
    assert list(got[1].items()) == list(want[1].items())
    assert got[2] == want[2]


def check_exact(
    texts: list[str], needle_: str, blocksize: int, how: str, scheduler: object
) -> None:
    with tempfile.TemporaryDirectory() as d:
        paths = write_corpus(d, [t.encode() for t in texts])
        urlpath = os.path.join(d, "*.txt") if how == "glob" else paths
        got = dask.compute(*lazy(urlpath, needle_, blocksize), scheduler=scheduler)
        want = expected(texts, needle_)
        assert_same(got, want)
        assert_same(got, from_files(paths, needle_))


# ---- Exactness ------------------------------------------------------------------------


def test_separator_patterns_are_pythons():
    """The byte patterns that find word and token ends match exactly the UTF-8 of
    str.split()'s whitespace and of " " and str.splitlines()'s line breaks."""
    valid = [c for c in ALL_CHARS if not 0xD800 <= ord(c) <= 0xDFFF]
    words = {c for c in valid if wd._WHITESPACE.fullmatch(c.encode())}
    tokens = {c for c in valid if wd._TOKEN_END.fullmatch(c.encode())}
    assert words == set(PY_WHITESPACE)
    assert tokens == {" ", *PY_LINE_BREAKS}


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=corpus,
    needle_=valid_needle,
    blocksize=blocksizes,
    how=st.sampled_from(["list", "glob"]),
)
def test_any_blocksize_gives_the_single_machine_result(scheduler, texts, needle_, blocksize, how):
    check_exact(texts, needle_, blocksize, how, scheduler)


# Sweeps of thousands of small graphs: thread-safe, but eight copies at once on 2 CPUs
# would take most of the run. Two threads at once still exercise concurrency.
CPU_HEAVY = pytest.mark.parallel_threads_limit(2)


@CPU_HEAVY
@pytest.mark.parametrize(
    "text",
    [
        "a\r\nb\r\n\r\nc",  # every cut between \r and \n
        "é中😀 😀中é\u3000x\u2028y\x85z\xa0w",  # cuts inside each multibyte character
        "a\tb a\tb\x1fa\tb",  # a tab is whitespace, but inside a search token
        "  lead and trail  ",
        "",
        "x",
    ],
)
def test_every_cut_of_tricky_texts(text):
    # Every blocksize, so that a range boundary falls on each byte.
    needles = ["a\tb", "b", "é中😀", "x", "a"]
    with tempfile.TemporaryDirectory() as d:
        paths = write_corpus(d, [text.encode()] * 2)
        want = [*expected([text, text], "x")[:2], *(w.search_py(text, n) * 2 for n in needles)]
        for blocksize in range(1, len(text.encode()) + 2):
            got = dask.compute(
                wd.word_count(paths, blocksize=blocksize),
                wd.word_frequencies(paths, blocksize=blocksize),
                *(wd.search(paths, n, blocksize=blocksize) for n in needles),
                scheduler="sync",
            )
            assert got[0] == want[0]
            assert list(got[1].items()) == list(want[1].items())
            assert list(got[2:]) == want[2:]


@CPU_HEAVY
@pytest.mark.parametrize("at", range(-3, 2))
@pytest.mark.parametrize("step", [0, 1])
@pytest.mark.parametrize("sep", ["\u3000", "\x85", " "])
def test_a_word_longer_than_the_reads(at, step, sep):
    # The first range reads 4 bytes past its end, then on in steps of 64 KiB, 128 KiB...
    # A separator of 1 to 3 bytes is put across the end of the first or second step.
    blocksize = 4096
    edge = blocksize + 4 + wd._READ_ON * (2 ** (step + 1) - 1)
    text = "w" * (edge + at) + sep + "b" + sep + "end"
    check_exact([text, text], "b", blocksize, "list", "sync")


@pytest.mark.thread_unsafe(reason="monkeypatches a class of word_count.dask")
def test_a_range_inside_a_long_word_does_not_read_it_all(monkeypatch):
    # Ranges that start and end inside one word own nothing and read only their bytes
    # (and 4 on either side), not on to the word's end: blocksize 1 stays linear.
    text = "x" + "y" * 5000 + " z"
    with tempfile.TemporaryDirectory() as d:
        (path,) = write_corpus(d, [text.encode()])
        reads: list[int] = []
        real_read_on = wd._Reader.read_on
        monkeypatch.setattr(
            wd._Reader, "read_on", lambda self, n: reads.append(n) or real_read_on(self, n)
        )
        assert wd.word_count(path, blocksize=1).compute(scheduler="sync") == 2
        assert len(reads) == 1  # only the first range reads on, to the end of its word


def test_empty_files_and_urls():
    with tempfile.TemporaryDirectory() as d:
        paths = write_corpus(d, [b"", b" \n ", b"", b"one"])
        got = dask.compute(*lazy(paths, "one", 1), scheduler="sync")
        assert_same(got, (1, Counter(["one"]), 1))
        # file:// URLs and pathlib paths are fsspec's too.
        urls = [pathlib.Path(paths[0]), "file://" + paths[3]]
        assert dask.compute(*lazy(urls, "one", 2), scheduler="sync")[0] == 1
    # A remote filesystem: fsspec's in-memory one (in this process only, so not on a
    # cluster of processes), under a protocol of its own for each call. fsspec's
    # "memory" store is one dict for the whole process, and its glob iterates that dict
    # while the other test threads write to it, which raises RuntimeError on a
    # free-threaded build: https://github.com/fsspec/filesystem_spec/issues/1904
    protocol = f"wcmem{uuid.uuid4().hex}"
    fsspec.register_implementation(
        protocol,
        type(
            "PrivateMemoryFileSystem",
            (MemoryFileSystem,),
            {
                "store": {},
                "pseudo_dirs": [""],
                "protocol": protocol,
            },
        ),
    )
    directory = f"{protocol}://corpus"
    with fsspec.open(f"{directory}/a.txt", "wb") as f:
        f.write("deux mots\u3000deux".encode())
    got = dask.compute(*lazy(f"{directory}/*.txt", "deux", 3), scheduler="sync")
    assert_same(got, (3, Counter({"deux": 2, "mots": 1}), 1))
    fsspec.filesystem(protocol).rm(directory, recursive=True)


@pytest.mark.thread_unsafe(reason="starts a pool of worker processes; eight at once on 2 CPUs")
def test_processes_scheduler():
    texts = ["the cat\r\nthe é\u3000dog", "😀 the\x85the"]
    check_exact(texts, "the", 3, "glob", "processes")


# ---- Composing, naming, progress ------------------------------------------------------


def test_results_compose_with_a_users_graph():
    with tempfile.TemporaryDirectory() as d:
        a, b = write_corpus(d, [b"one two", b"three four five"])
        total = dask.delayed(operator.add)(wd.word_count(a, blocksize=2), wd.word_count(b))
        assert total.compute(scheduler="threads") == 5
        # The same call gives the same keys (Dask computes them once); a changed file not.
        assert wd.word_count(a).key == wd.word_count(a).key
        assert wd.word_count(a).key != wd.word_count(a, blocksize=3).key
        assert wd.search(a, "one").key != wd.search(a, "two").key
        key = wd.word_count(a).key
        with open(a, "ab") as f:
            f.write(b" six")
        changed = wd.word_count(a)
        assert changed.key != key
        assert changed.compute(scheduler="sync") == 3


@pytest.mark.thread_unsafe(
    reason="ProgressBar is a global callback: it would see other threads' tasks"
)
def test_dask_progress_bar_shows_the_tasks():
    with tempfile.TemporaryDirectory() as d:
        paths = write_corpus(d, [b"a b c " * 100] * 3)
        out = io.StringIO()
        with ProgressBar(out=out, dt=0.01):
            assert wd.word_count(paths, blocksize=64).compute(scheduler="threads") == 900
        assert "100% Completed" in out.getvalue()


# ---- Errors ---------------------------------------------------------------------------


def test_missing_files_fail_when_called_naming_the_path():
    with tempfile.TemporaryDirectory() as d:
        (present,) = write_corpus(d, [b"x"])
        missing = os.path.join(d, "missing.txt")
        pattern = os.path.join(d, "nothing-*.txt")
        for call in (wd.word_count, wd.word_frequencies, lambda p: wd.search(p, "x")):
            for urlpath, name in [
                (missing, missing),
                ([present, missing], missing),
                (pattern, pattern),
                ([pattern, present], pattern),  # fsspec alone would drop it silently
            ]:
                with pytest.raises(FileNotFoundError) as info:
                    call(urlpath)  # no compute(): it fails before any task exists
                assert (info.value.errno, info.value.filename) == (errno.ENOENT, name)
                assert repr(name) in str(info.value)
            with pytest.raises(IsADirectoryError) as info:
                call(d)
            assert info.value.filename == d


@pytest.mark.thread_unsafe(reason="changes the working directory, which is the process's")
def test_local_paths_are_named_and_refused_as_given(monkeypatch):
    # As the single-machine functions name them, relative or not; and as they read them,
    # never rewritten by fsspec ("a::b" is a chain of URLs to it, "f/" is "f").
    with tempfile.TemporaryDirectory() as d:
        monkeypatch.chdir(d)
        bad = os.path.basename(write_corpus(d, [b"x y \xff"])[0])
        for name, data in [("c::d.txt", b"a b"), ("a[1].txt", b"a b c")]:
            with open(name, "wb") as f:
                f.write(data)
        for name in ["c::d.txt", "a[1].txt", pathlib.Path("c::d.txt")]:
            want = w.word_count_file(name)
            assert wd.word_count(name, blocksize=1).compute(scheduler="sync") == want
        # A leading ~ is fsspec's to expand, as it always was here (open() does not).
        monkeypatch.setenv("HOME", d)
        pathlib.Path("plain.txt").write_bytes(b"p q")
        assert wd.word_count("~/plain.txt", blocksize=1).compute(scheduler="sync") == 2
        for name, error in [
            ("missing.txt", FileNotFoundError),
            ("", FileNotFoundError),
            ("c::d.txt/", NotADirectoryError),
            (pathlib.Path("missing.txt"), FileNotFoundError),
        ]:
            with pytest.raises(error) as single:
                w.word_count_file(name)
            with pytest.raises(error) as info:
                wd.word_count(name)
            assert info.value.filename == single.value.filename == os.fspath(name)
        with pytest.raises(UnicodeDecodeError) as single:
            w.word_count_file(bad)
        for urlpath in [bad, "*.txt", "./*.txt"]:  # a glob's matches, as a shell names them
            lazy = wd.word_count(urlpath, blocksize=2)
            with pytest.raises(UnicodeDecodeError) as info:
                lazy.compute(scheduler="sync")
            name = f"./{bad}" if urlpath.startswith("./") else bad
            assert info.value.reason == single.value.reason.replace(repr(bad), repr(name))
            assert info.value.reason.endswith(f" of {name!r})")
        os.mkdir("sub")
        monkeypatch.chdir("sub")
        with pytest.raises(UnicodeDecodeError) as info:
            wd.word_count("../0*.txt").compute(scheduler="sync")
        assert info.value.reason.endswith(f" of {os.path.join('..', bad)!r})")


@pytest.mark.skipif(not os.path.exists("/proc/version"), reason="reads /proc/version (Linux)")
def test_a_file_whose_size_is_not_known_is_read_whole():
    # A size of 0 is no size for /proc's files and a FIFO: they are read to their end.
    path = "/proc/version"
    want = (w.word_count_file(path), w.word_frequencies_file(path), w.search_file(path, "Linux"))
    assert want[0] > 0
    assert_same(dask.compute(*lazy(path, "Linux", 1), scheduler="sync"), want)
    with tempfile.TemporaryDirectory() as d:
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        count = wd.word_count(fifo, blocksize=1)
        assert count.key != wd.word_count(fifo, blocksize=1).key  # no result stands in
        writer = threading.Thread(target=lambda: pathlib.Path(fifo).write_bytes(b"a b c"))
        writer.start()
        try:
            assert count.compute(scheduler="sync") == 3
        finally:
            # A reader, should the count not have opened it: the writer's open returns.
            reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            writer.join(10)
            os.close(reader)


def test_a_file_that_changes_before_compute_gives_a_count_not_a_crash():
    with tempfile.TemporaryDirectory() as d:
        (path,) = write_corpus(d, [b"word " * 40])
        planned = lazy(path, "word", 16)
        with open(path, "wb") as f:
            f.write("word \u3000wörd".encode())
        # Shrunk: every range reads what the file now holds, and those past its end own
        # nothing.
        assert_same(dask.compute(*planned, scheduler="sync"), from_files([path], "word"))
        small = lazy(path, "word", 3)
        with open(path, "ab") as f:
            f.write(b" more words")
        # Grown: counted up to the size the call saw (an unspecified count, as for a
        # file that changes while read, but never an error).
        count, counts, found = dask.compute(*small, scheduler="sync")
        assert 2 <= count <= 4
        assert 2 <= counts.total() <= 4
        assert 1 <= found <= 2


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"blocksize": 0}, ValueError),
        ({"blocksize": -1}, ValueError),
        ({"blocksize": "0B"}, ValueError),
        ({"blocksize": "12 parsecs"}, ValueError),
        ({"blocksize": "1e400"}, ValueError),  # parse_bytes: OverflowError
        ({"blocksize": ""}, ValueError),  # parse_bytes: 1 byte
        ({"blocksize": " "}, ValueError),
        ({"blocksize": 1.5}, TypeError),
        ({"blocksize": True}, TypeError),
        ({"blocksize": None}, TypeError),
        ({"storage_options": [("a", 1)]}, TypeError),
    ],
)
def test_bad_arguments(kwargs, error):
    with tempfile.TemporaryDirectory() as d:
        (path,) = write_corpus(d, [b"x"])
        for call in (wd.word_count, wd.word_frequencies, lambda p, **k: wd.search(p, "x", **k)):
            with pytest.raises(error):
                call(path, **kwargs)


def test_bad_urlpaths_and_needles():
    for urlpath in (3, b"/tmp/x", [b"/tmp/x"], None):
        with pytest.raises(TypeError):
            wd.word_count(urlpath)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty list"):
        wd.word_count([])
    with tempfile.TemporaryDirectory() as d:
        (path,) = write_corpus(d, [b"x y x"])
        with pytest.raises(ValueError, match="empty"):
            wd.search(path, "")
        with pytest.raises(TypeError):
            wd.search(path, 3)  # type: ignore[arg-type]
        with pytest.raises(UnicodeDecodeError):
            wd.search(path, b"\xff")
        assert wd.search(path, b"x").compute(scheduler="sync") == 2
        assert wd.search(path, memoryview(b"y")).compute(scheduler="sync") == 1


BAD = [
    b"\xff",
    b"\x80",
    b"\xc0\xaf",
    b"\xe2\x82",
    b"\xe2\x82 ",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xf0\x9f\x98",
]


@st.composite
def corpus_with_bad_bytes(draw: st.DrawFn) -> list[bytes]:
    """Valid texts, one or more of them with bad bytes put anywhere (also inside a
    multibyte character, which makes it bad too)."""
    datas = [t.encode() for t in draw(corpus)]
    spoiled = draw(st.sets(st.integers(0, len(datas) - 1), min_size=1))
    for i in sorted(spoiled):
        for _ in range(draw(st.integers(1, 2))):
            at = draw(st.integers(0, len(datas[i])))
            datas[i] = datas[i][:at] + draw(st.sampled_from(BAD)) + datas[i][at:]
    # Two bad pieces can make a good character ("\xe2\x82" then "\x80": "€").
    assume(not all(is_utf8(data) for data in datas))
    return datas


def check_first_error(datas: list[bytes], blocksize: int, scheduler: object) -> None:
    with tempfile.TemporaryDirectory() as d:
        paths = write_corpus(d, datas)
        first = next(i for i, data in enumerate(datas) if not is_utf8(data))
        with pytest.raises(UnicodeDecodeError) as single:
            w.word_count_file(paths[first])
        for result in lazy(paths, "a", blocksize):
            with pytest.raises(UnicodeDecodeError) as info:
                result.compute(scheduler=scheduler)
            e, want = info.value, single.value
            # The same reason as word_count_file's: the first bad byte's offset, the name.
            assert e.reason == want.reason
            assert f" of {paths[first]!r})" in e.reason
            assert e.object[e.start : e.end] == want.object[want.start : want.end]
            assert str(e).endswith(want.reason)


def is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


@CPU_HEAVY
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(datas=corpus_with_bad_bytes(), blocksize=blocksizes)
def test_the_first_bad_byte_is_reported_with_its_offset_and_file(datas, blocksize):
    check_first_error(datas, blocksize, "sync")


def test_the_import_error_says_what_to_install():
    code = """
import sys
sys.modules["dask"] = None  # as if dask were not installed
try:
    import word_count.dask
except ImportError as e:
    print(e)
"""
    assert 'pip install "word-count[dask]"' in check(run_python(code))


# ---- A real cluster -------------------------------------------------------------------


def local_cluster() -> distributed.LocalCluster:
    # The scheduler's HTTP server listens even without bokeh; on 8787 by default, which
    # another cluster may hold (a warning, so an error here): any free loopback port.
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
    )


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    if distributed is None:
        pytest.skip(NO_DISTRIBUTED)
    with (
        local_cluster() as cluster,
        distributed.Client(cluster, set_as_default=False) as c,
    ):
        yield c


@CLUSTER
@needs_distributed
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=corpus, needle_=valid_needle, blocksize=blocksizes, how=st.sampled_from(["list", "glob"])
)
def test_distributed_gives_the_single_machine_result(client, texts, needle_, blocksize, how):
    check_exact(texts, needle_, blocksize, how, client)


@CLUSTER
@needs_distributed
@settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow])
@given(datas=corpus_with_bad_bytes(), blocksize=blocksizes)
def test_distributed_reports_the_first_bad_byte(client, datas, blocksize):
    check_first_error(datas, blocksize, client)


@CLUSTER
@needs_distributed
def test_distributed_workers_keep_the_gil_off(client):
    # Each worker has imported word_count.dask, distributed and its compiled dependencies.
    with tempfile.TemporaryDirectory() as d:
        (path,) = write_corpus(d, [b"x y"])
        assert wd.word_count(path, blocksize=1).compute(scheduler=client) == 2
    gil = client.run(lambda: getattr(sys, "_is_gil_enabled", lambda: True)())
    assert len(gil) == 2
    assert set(gil.values()) == {not FREE_THREADED}


class GatedFileSystem(LocalFileSystem):
    """Local files, at "gated://" URLs, that a task opens only once the test lets it. A
    task first writes its process id to the gate directory, so the test knows whom to
    kill while the task waits. (A test double for timing only; the cluster is real.)"""

    protocol = "gated"

    def __init__(self, gate: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.gate = gate

    @classmethod
    def _strip_protocol(cls, path):  # type: ignore[no-untyped-def]
        path = fsspec.utils.stringify_path(path)
        return super()._strip_protocol(path.removeprefix("gated://"))

    def _open(self, path, mode="rb", **kwargs):  # type: ignore[no-untyped-def]
        pathlib.Path(self.gate, f"pid-{os.getpid()}").touch()
        deadline = time.monotonic() + 60
        while not os.path.exists(os.path.join(self.gate, "open")):
            assert time.monotonic() < deadline, "the test never opened the gate"
            time.sleep(0.01)
        return super()._open(path, mode, **kwargs)


fsspec.register_implementation("gated", GatedFileSystem, clobber=True)


def wait_for(condition, timeout: float = 60):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return result


@CLUSTER
@needs_distributed
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_worker_killed_mid_task_is_retried_and_the_result_is_exact():
    texts = ["the quick\r\nbrown é\u3000fox " * 20, "😀 the\x85the lazy dog " * 30, "the end"]
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as gate:
        paths = write_corpus(d, [t.encode() for t in texts])
        with (
            local_cluster() as cluster,
            distributed.Client(cluster, set_as_default=False) as client,
        ):
            before = client.run(os.getpid)
            urls = ["gated://" + p for p in paths]
            futures = client.compute(list(lazy(urls, "the", 50, storage_options={"gate": gate})))
            # A task is reading a range: kill its worker process, mid-task.
            pid_file = wait_for(lambda: next(pathlib.Path(gate).glob("pid-*"), None))
            pid = int(pid_file.name.removeprefix("pid-"))
            assert pid in before.values()
            os.kill(pid, signal.SIGKILL)
            pathlib.Path(gate, "open").touch()
            got = client.gather(futures)
            assert_same(got, expected(texts, "the"))
            # The nanny started a new worker in place of the one killed.
            after = wait_for(lambda: (pids := client.run(os.getpid)) and len(pids) == 2 and pids)
            assert pid not in after.values()


# ---- The command line on a cluster ----------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "word_count", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@CLUSTER
@needs_distributed
def test_the_command_line_on_a_cluster_prints_what_it_prints_alone(client):
    texts = [b"one two three\r\n" * 50, "the cat\u3000the hat the\n".encode() * 40, b"ok \xff no"]
    with tempfile.TemporaryDirectory() as d:
        a, b, bad = write_corpus(d, texts)
        address = client.scheduler.address
        for args in (
            [a, b, bad],
            ["--word", "the", a, b],
            ["--top", "3", a, b, bad],
            [os.path.join(d, "missing.txt"), a],
        ):
            alone = cli(*args)
            for blocksize in ("7", "1KiB"):
                got = cli("--scheduler", address, "--blocksize", blocksize, *args)
                assert (got.returncode, got.stdout, got.stderr) == (
                    alone.returncode,
                    alone.stdout,
                    alone.stderr,
                ), args
        # A URL that fsspec cannot open (no such protocol): that input's one line, and
        # the others counted, as for a missing file.
        odd = cli("--scheduler", address, a, "foo://x", b)
        assert (odd.returncode, odd.stdout) == (1, cli(a, b).stdout)
        (line,) = odd.stderr.splitlines()
        prefix = "python -m word_count: foo://x: "
        assert line.startswith(prefix), line
        assert "foo" in line.removeprefix(prefix), line
        # Dask's progress bar, on stderr: the results on stdout are unchanged.
        shown = cli("--scheduler", address, "--progress", "always", "--blocksize", "9", a, b)
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == cli(a, b).stdout
        assert "100%" in shown.stderr


@CLUSTER
@needs_distributed
def test_the_command_line_on_a_cluster_shows_dasks_bar_on_a_terminal(client):
    from terminal import run_in_a_terminal

    with tempfile.TemporaryDirectory() as d:
        (path,) = write_corpus(d, [b"a b c\n" * 100])
        ran = run_in_a_terminal(
            [sys.executable, "-m", "word_count", "--scheduler", client.scheduler.address,
             "--blocksize", "64", path],
        )  # fmt: skip
    assert ran.returncode == 0
    assert ran.stdout == f"     300 {path}\n"
    assert b"100%" in ran.shown


@IN_A_CHILD
@needs_distributed
def test_the_command_line_refuses_what_a_cluster_cannot_do():
    for args, message in [
        (["--scheduler", "tcp://127.0.0.1:9", "-"], "cannot read standard input"),
        (["--scheduler", "tcp://127.0.0.1:9"], "cannot read standard input"),
        (["--scheduler", "tcp://127.0.0.1:9", "--blocksize", "0", "x"], "at least 1 byte"),
        (["--scheduler", "tcp://127.0.0.1:9", "--blocksize", "lots", "x"], "not a size"),
        (["--scheduler", "tcp://127.0.0.1:9", "--blocksize", "1e400", "x"], "not a size"),
        (["--scheduler", "tcp://127.0.0.1:9", "--blocksize", " ", "x"], "not a size"),
        (["--scheduler", "localhost", "x"], "not a scheduler address"),
        (["--scheduler", "tcp://127.0.0.1", "x"], "not a scheduler address"),
        (["--scheduler", "tcp://127.0.0.1:9", "--threads", "2", "x"], "not for --scheduler"),
    ]:
        proc = cli(*args)
        assert proc.returncode == 2
        assert message in proc.stderr
