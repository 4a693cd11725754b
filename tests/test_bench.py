"""The benchmark runs, checks its counts, and writes a complete result file and report.

No timing is asserted here: on shared 2-core machines any time limit would be a coin
toss. The speedups are read by people, from the report."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import subprocess
import sys
import threading
from collections import Counter

import pytest
from subproc import IN_A_CHILD

from word_count.bench import report
from word_count.bench.measure import Cell, frequency_mismatch, size_name, timed
from word_count.bench.text import distinct_words, make_distinct_text, make_text, split_at_lines
from word_count.bench.workloads import WORKLOADS, Tally, Team, cells


def test_text_is_deterministic_and_cut_at_lines():
    text = make_text(100_000)
    assert text == make_text(100_000)
    assert text.isascii()
    assert text.endswith("\n")
    assert 90_000 < len(text) <= 100_000
    for n in (1, 2, 3, 7):
        parts = split_at_lines(text, n)
        assert "".join(parts) == text
        assert all(p.endswith("\n") for p in parts if p)


@pytest.mark.parametrize("n_bytes", [1024, 65536, 1 << 20])
def test_the_high_cardinality_text_is_deterministic_and_all_rare_words(n_bytes):
    text = make_distinct_text(n_bytes)
    assert text == make_distinct_text(n_bytes)
    assert text.isascii()
    assert text.endswith("\n")
    assert 0.9 * n_bytes < len(text) <= n_bytes
    counts = Counter(text.split())
    n_distinct, length = distinct_words(n_bytes)
    assert len(counts) == n_distinct
    assert {len(w) for w in counts} == {length}
    # Every word about as often as every other: none common, none left out.
    assert max(counts.values()) - min(counts.values()) <= 1
    # 100 MiB: ten million distinct words, each once or twice (checked by arithmetic, as
    # making the text takes seconds).
    n_distinct, length = distinct_words(100 << 20)
    assert 10_000_000 < n_distinct < 11_000_000
    assert 1 < (100 << 20) // (length + 1) / n_distinct < 2


def frequencies(words):
    return Counter(words.split())


def test_word_frequencies_are_checked_in_full():
    want = frequencies("b a b c")
    assert frequency_mismatch(frequencies("b a b c"), want) is None
    assert "another order" in str(frequency_mismatch(frequencies("a b b c"), want))
    assert frequency_mismatch(frequencies("a b b c"), want, ordered=False) is None
    wrong = frequency_mismatch(frequencies("b a b c c"), want)
    assert "'c' counted 2 times, expected 1" in str(wrong)
    assert "expected 3" in str(frequency_mismatch(frequencies("b a b"), want))
    assert "not a Counter" in str(frequency_mismatch(dict(want), want))
    # A result found wrong after its sample stops the run, as a wrong count does.
    cell = Cell("w", 1, lambda reps: 3 * reps, 3, verify=lambda: "the words differ")
    with pytest.raises(SystemExit, match=r"wrong result from w .*: the words differ"):
        timed(cell, 2)
    assert timed(Cell("w", 1, lambda reps: 3 * reps, 3, verify=lambda: None), 2) > 0


# The Dask workloads need dask, an optional dependency that the bench sessions install
# and only some test sessions do (ci/sessions/config.py: DASK_VERSIONS).
HAS_DASK = importlib.util.find_spec("dask") is not None


@IN_A_CHILD
def test_a_tiny_run_writes_a_complete_result_and_report(tmp_path):
    out = tmp_path / "tiny.json"
    chosen = [w for w in WORKLOADS if HAS_DASK or not w.startswith("dask-")]
    subprocess.run(
        [sys.executable, "-m", "word_count.bench", "--quick", "--size", "64K", "--budget", "0",
         "--threads", "1,2", "--label", "tiny", "--out", str(out),
         *(f"--workload={w}" for w in chosen)],
        check=True, capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    doc = json.loads(out.read_text())
    assert report.check_complete(doc) == []
    assert doc["label"] == "tiny"
    assert doc["interpreter"]["gil_enabled"] == getattr(sys, "_is_gil_enabled", lambda: True)()
    assert {r["threads"] for r in doc["results"]} == {1, 2}
    assert_build_recorded(doc)
    assert all("speedup" in r for r in doc["results"] if r["workload"] != "single-thread")
    # One sample a round for every cell, so that the report can pair any two.
    assert {len(r["samples_s"]) for r in doc["results"]} == {doc["results"][0]["runs"]}
    # Subinterpreters where the interpreter has them, else skipped with the reason.
    ran = {r["threads"] for r in doc["results"] if r["workload"] == "python-interpreters"}
    if sys.version_info >= (3, 14):
        assert ran == {1, 2}
        assert doc["skipped"] == {}
    else:
        assert ran == set()
        assert "before Python 3.14" in doc["skipped"]["python-interpreters"]
    # Memory of every cell, each in a fresh process; the processes' workers included.
    for r in doc["results"]:
        m = r["memory"]
        assert m["baseline_bytes"] is None or m["baseline_bytes"] > len(TEXT_64K)
        assert m["traced_peak_bytes"] >= 0
        workers = 1 if r["workload"] not in ("processes", "dask-processes") else r["threads"]
        assert m["processes"] >= 1 + (workers > 1) * workers, r
    lossy = [r for r in doc["results"] if r["workload"] == "counter-unguarded"]
    assert {r["threads"] for r in lossy} == {1, 2}
    assert all(0 <= r["lost"] <= r["lost_max"] < r["expected"] for r in lossy)
    for name in ("python-threads-frequencies", "rust-threads-frequencies"):
        assert {r["threads"] for r in doc["results"] if r["workload"] == name} == {1, 2}
        assert name in doc["workloads"]
    written = report.write_report(tmp_path)
    text = written.read_text()
    assert "## Summary" in text
    assert "\n\n## Counts lost without the GIL" in text  # not run into the list above it
    assert "a ratio of medians" not in text  # every ratio within the run is paired
    # Every figure names the CPU it was measured on.
    assert doc["machine"]["cpu"]
    assert f"CPU: {doc['machine']['cpu']}; " in text
    assert "pure-Python threads" in text
    assert "- pure-Python threads building word frequencies: " in text
    assert "- Rust threads building word frequencies: " in text
    assert "## Counts lost without the GIL" in text
    assert "| tiny | 2 | " in text.split("## Counts lost without the GIL")[1]
    assert "| processes |  | 2 | " in text.split("## Memory")[1]
    if HAS_DASK:
        assert "- Dask's threaded scheduler running Python tasks: " in text
    # As nox's report session runs it.
    subprocess.run(
        [sys.executable, "-m", "word_count.bench.report", "--check", str(tmp_path)],
        check=True, capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert written.read_text() == text


def assert_build_recorded(doc):
    """The result names what built the module: the real rustc, PyO3 and maturin."""
    build = doc["build"]
    assert re.fullmatch(r"rustc 1\.\d+\.\d+.*", build["rustc"]), build
    assert re.fullmatch(r"0\.28\.\d+", build["pyo3"]), build  # 0.29 drops 3.13t
    assert re.fullmatch(r"maturin \(1\.\d+\.\d+\)", build["maturin"]), build


def scaled(doc, label, free_threaded, speedups):
    """``doc`` as if measured on another interpreter, with these speedups at 2 threads
    (and the 2-thread times to match)."""
    doc = copy.deepcopy(doc)
    doc["label"] = label
    doc["interpreter"].update(free_threaded=free_threaded, gil_enabled=not free_threaded)
    for r in doc["results"]:
        if r["workload"] in speedups and r["threads"] == 2:
            r["speedup"] = speedups[r["workload"]]
            r["median_s"] = 1.0 / speedups[r["workload"]]
        elif r["threads"] == 1:
            r["median_s"] = 1.0
        r["samples_s"] = [r["median_s"]] * 3
    return doc


def results(workloads):
    return [
        {"workload": w, "variant": "", "threads": t, "bytes": 65530, "median_s": 1.0,
         "speedup": 1.0}
        for w in workloads
        for t in (1, 2)
    ]  # fmt: skip


# How pure-Python word counting scales on 3.13t in the word-frequency cases, which set
# Python threads building word frequencies against it.
PYTHON_THREADS_FT = {"python-threads": 1.7}


@pytest.mark.parametrize(
    ("findings", "gil", "free", "says", "lines"),
    [
        # Word frequencies, a line each: Python threads, Rust threads, the gap between them.
        # Python threads scale only without the GIL; Rust threads alike on both builds.
        ("frequency_findings",
         {"python-threads-frequencies": 1.0, "rust-threads-frequencies": 1.8},
         {"python-threads-frequencies": 1.7, "rust-threads-frequencies": 1.8, **PYTHON_THREADS_FT},
         ["Pure-Python threads building word frequencies speed up only without the GIL: "
          "1.70× on 3.13t", "speed up alike on both builds: 1.80× on 3.13, 1.80× on 3.13t",
          "the gap between the two at 2 threads narrows: word_frequencies_py takes 1.8× "
          "(1.8–1.8) as long as word_frequencies on 3.13, 1.1× (1.1–1.1) on 3.13t."], 3),
        # Python threads scale on neither build: the report must not say they do.
        ("frequency_findings",
         {"python-threads-frequencies": 1.0, "rust-threads-frequencies": 1.0},
         {"python-threads-frequencies": 1.0, "rust-threads-frequencies": 1.5, **PYTHON_THREADS_FT},
         ["do not speed up with the GIL, and fall short of the claim without it",
          "speed up more on 3.13t", "the gap between the two at 2 threads widens: "
          "word_frequencies_py takes 1.0× (1.0–1.0) as long as word_frequencies on 3.13, "
          "1.5× (1.5–1.5) on 3.13t"], 3),
        # Nothing scales (a loaded machine): nor may the report say that Rust threads do.
        ("frequency_findings",
         {"python-threads-frequencies": 1.0, "rust-threads-frequencies": 1.0},
         {"python-threads-frequencies": 1.0, "rust-threads-frequencies": 1.05, **PYTHON_THREADS_FT},
         ["do alike on both builds, short of 1.3× on each: 1.00× on 3.13, 1.05× on 3.13t",
          "stays about the same"], 3),
        # Close, on either side of the claim (the d4a44d8 run): short on one build only.
        ("frequency_findings",
         {"python-threads-frequencies": 1.0, "rust-threads-frequencies": 1.26},
         {"python-threads-frequencies": 1.0, "rust-threads-frequencies": 1.44, **PYTHON_THREADS_FT},
         ["do about alike on both builds, short of 1.3× on 3.13: 1.26× on 3.13, 1.44× on "
          "3.13t"], 3),
        # Dask users, a line each: the threaded scheduler, threads against processes.
        ("dask_findings",
         {"dask-threads": 1.0, "dask-processes": 1.5},
         {"dask-threads": 1.8, "dask-processes": 1.5},
         ["Dask's threaded scheduler running Python tasks speeds up only without the GIL: "
          "1.80× on 3.13t", "takes 0.67× (0.67–0.67) the threaded scheduler's time on 3.13 "
          "and 1.20× (1.20–1.20) on 3.13t", "the threaded scheduler gains on processes"], 2),
        ("dask_findings",
         {"dask-threads": 1.0, "dask-processes": 1.0},
         {"dask-threads": 1.1, "dask-processes": 1.0},
         ["does not speed up with the GIL, and falls short of the claim without it",
          "stays about even with processes"], 2),
    ],
)  # fmt: skip
def test_the_report_says_what_changes_for_word_frequencies_and_dask_users(
    findings, gil, free, says, lines
):
    """What the report says of 3.13 and 3.13t measured with these speedups at 2 threads
    (a workload given a speedup on one build only has 1.0 on the other)."""
    doc = {
        "interpreter": {"version": "3.13.15", "config_args": ""},
        "results": results({**gil, **free}),
    }
    g = scaled(doc, "3.13", False, gil)
    f = scaled(doc, "3.13t", True, free)
    text = "\n".join(getattr(report, findings)(g, f, 65530))
    for words in says:
        assert words in text
    assert text.count("\n- ") == lines - 1


def test_check_complete_names_what_is_missing():
    doc = {"interpreter": {}, "settings": {"threads": [1, 2]}, "results": []}
    problems = report.check_complete(doc)
    assert "interpreter.version is missing" in problems
    assert "build.rustc is missing" in problems
    assert "no results at all" in problems
    # A run given --workload promises only those workloads, and is held to them.
    memory = dict.fromkeys(report.MEMORY_FIELDS, 1)
    one = [
        {**r, "runs": 1, "min_s": 1.0, "max_s": 1.0, "memory": memory}
        for r in results(["rust-threads"])
    ]
    doc = {"settings": {"threads": [1, 2]}, "workload_filter": ["rust-threads"],
           "workloads": {"rust-threads": ""}, "results": one}  # fmt: skip
    assert not [p for p in report.check_complete(doc) if p.startswith("no ")]
    doc["workloads"]["processes"] = ""
    assert [p for p in report.check_complete(doc) if p.startswith("no ")] == [
        "no processes result at 1 threads for 64KiB",
        "no processes result at 2 threads for 64KiB",
    ]
    # A file written with no --workload, before the lost-updates workloads existed,
    # promised every workload: it fails for lacking them.
    del doc["workload_filter"]
    problems = report.check_complete(doc)
    assert "no counter-unguarded result at 2 threads for 64KiB" in problems
    assert "no counter-locked result at 1 threads for 64KiB" in problems
    # A lossy result must say what it lost.
    doc["results"].append({**one[0], "workload": "counter-unguarded"})
    assert any("counter-unguarded result lacks" in p for p in report.check_complete(doc))
    # Every result must say what memory its work took.
    doc["results"].append({**one[0], "memory": {"peak_bytes": 1}})
    assert any(p.startswith("memory missing for rust-threads  at 1 threads") for p in
               report.check_complete(doc))  # fmt: skip


TEXT_64K = make_text(65536)
LOST_UPDATES = [
    "counter-unguarded", "counter-locked", "counter-per-thread", "shared-counter",
    "word-counter-per-thread",
]  # fmt: skip


def test_the_remedies_are_exact_and_the_unguarded_counter_only_loses_counts():
    """On either build: ``timed`` stops the run (SystemExit) on a guarded variant's wrong
    count or Counter; the unguarded one's shortfall is recorded, and it may be anything
    from none to all but one count a word (scheduling decides: nothing asserts a loss)."""
    with cells(TEXT_64K, [1, 2, 4], "forkserver", LOST_UPDATES) as cell_list:
        assert {(c.workload, c.threads) for c in cell_list} == {
            (w, t) for w in LOST_UPDATES for t in (1, 2, 4)
        }
        for cell in cell_list:
            assert cell.expected == len(TEXT_64K.split())
            assert timed(cell, 3) > 0
            assert cell.lossy == (cell.workload == "counter-unguarded")
            if cell.lossy:
                (lost,) = cell.lost
                assert 0 <= lost < cell.expected
                if cell.threads == 1:
                    assert lost == 0
            else:
                assert cell.lost == []


def test_a_lossy_run_stops_on_a_count_too_high_or_a_word_too_many():
    cell = Cell("counter-unguarded", 2, lambda reps: 11 * reps, 10, lossy=True)
    with pytest.raises(SystemExit, match="wrong count from counter-unguarded"):
        timed(cell, 2)
    cell = Cell("counter-unguarded", 2, lambda reps: 7 * reps, 10, lossy=True)
    timed(cell, 2)
    assert cell.lost == [3.0]
    want = Counter(["a", "b", "b", "c"])
    lossy = Tally(lambda: Counter(["a", "b", "c"]), want, lossy=True, ordered=False)
    lossy(1)
    assert lossy.verify() is None  # a lost "b": a count too low is the measurement
    for got, says in [("a b b c d", "not in the text: ['d'], missing: []"),
                      ("a a b b c", "'a' counted 2 times; the text has it 1 times"),
                      ("a b b", "2 distinct words, expected 3; not in the text: [], "
                                "missing: ['c']")]:  # fmt: skip
        lossy = Tally(lambda got=got: Counter(got.split()), want, lossy=True, ordered=False)
        lossy(1)
        assert says in str(lossy.verify())
    exact = Tally(lambda: Counter(["a", "b", "c"]), want, lossy=False, ordered=False)
    exact(1)
    assert "'b' counted 1 times, expected 2" in str(exact.verify())


def lost_doc(label, free_threaded, lost_at_2):
    rows = []
    for t in (1, 2):
        for w in LOST_UPDATES:
            r = {"workload": w, "variant": "", "threads": t, "bytes": 65530,
                 "median_s": {"counter-unguarded": 0.1, "counter-locked": 0.3,
                              "counter-per-thread": 0.08, "shared-counter": 0.02,
                              "word-counter-per-thread": 0.05}[w]}  # fmt: skip
            r["samples_s"] = [r["median_s"]] * 3
            if w == "counter-unguarded":
                n = lost_at_2 if t == 2 else 0
                r.update(expected=10_000, lost=n, lost_q1=n, lost_q3=n, lost_max=n * 1.5,
                         lost_share=n / 10_000)  # fmt: skip
            rows.append(r)
    return {"label": label, "interpreter": {"version": "3.13.15", "free_threaded": free_threaded},
            "results": rows}  # fmt: skip


def test_the_report_says_what_the_free_threaded_build_costs_in_memory():
    def doc(label, free_threaded, peaks):
        return {
            "label": label,
            "interpreter": {"version": "3.13.15", "free_threaded": free_threaded},
            "results": [
                {"workload": w, "variant": "", "threads": 2, "bytes": 65530,
                 "memory": {"peak_bytes": p, "baseline_bytes": 20e6 if free_threaded else 10e6}}
                for w, p in peaks.items()
            ],
        }  # fmt: skip

    g = doc("3.13", False, {"python-threads": 10e6, "processes": 100e6, "rust-threads": 0.2e6})
    f = doc("3.13t", True, {"python-threads": 15e6, "processes": 120e6, "rust-threads": 0.4e6})
    text = "\n".join(report.memory_section([g, f], 65530))
    assert "| python-threads |  | 2 | 10.0 | 15.0 | 1.50× |" in text
    assert "| rust-threads |  | 2 | 0.2 | 0.4 | – |" in text  # under 1 MB: no ratio
    assert (
        "- For the same work, 3.13t peaks at 1.35× the memory of 3.13 (the median over the 2 "
        "cells of 1 MB or more on 3.13; from 1.20× to 1.50×), over a baseline of 20.0 MB "
        "against 10.0 MB"
    ) in text


def test_each_texts_memory_is_told_over_that_texts_baseline():
    # The baseline holds the text: the 4 MiB line must not take the first result's, of
    # another size (it did, from the file's first result).
    def doc(label, free_threaded, scale):
        return {
            "label": label,
            "interpreter": {"version": "3.13.15", "free_threaded": free_threaded},
            "results": [
                {"workload": "python-threads", "variant": "", "threads": 2, "bytes": n,
                 "memory": {"peak_bytes": 10 * n * scale, "baseline_bytes": n * scale}}
                for n in (65530, 4194289)
            ],
        }  # fmt: skip

    docs = [doc("3.13", False, 1), doc("3.13t", True, 2)]
    text = "\n".join(report.memory_section(docs, 4194289))
    assert "over a baseline of 8.4 MB against 4.2 MB" in text


def test_twins_must_be_compiled_alike_and_the_table_says_how():
    def doc(label, free_threaded, cflags):
        return {
            "label": label,
            "interpreter": {"version": "3.13.15", "free_threaded": free_threaded,
                            "gil_enabled": not free_threaded, "config_args": "--prefix=/x",
                            "cflags": cflags},
            "machine": {"cpu_count": 2, "cpu": "Some CPU (family 6, model 167)"},
            "settings": {"budget_s": 60, "quick": False},
            "package": {"source": "abc1234"},
            "build": {"rustc": "rustc 1.0", "pyo3": "0.28.3", "maturin": "maturin 1.0"},
            "created": "2026-12-07",
            "results": [],
        }  # fmt: skip

    same = [doc("3.13", False, "-O3"), doc("3.13t", True, "-O3")]
    assert not [w for w in report.twin_warnings(same) if "not twins" in w]
    other = [doc("3.13", False, "-O3"), doc("3.13t", True, "-O2")]
    assert any("compiled with `-O3` vs `-O2`" in w for w in report.twin_warnings(other))
    table = "\n".join(report.interpreters_table(other))
    assert "| `--prefix=/x` | `-O2` | Some CPU (family 6, model 167) | 2 |" in table
    assert not [p for p in report.check_complete(same[0]) if "cflags" in p or "cpu" in p]
    del same[0]["interpreter"]["cflags"], same[0]["machine"]["cpu"]
    problems = report.check_complete(same[0])
    assert "interpreter.cflags is missing" in problems
    assert "machine.cpu is missing" in problems


def test_the_report_says_what_was_lost_and_what_each_remedy_costs():
    docs = [lost_doc("3.13", False, 0), lost_doc("3.13t", True, 2180)]
    text = "\n".join(report.lost_updates(docs, 65530))
    assert (
        "| 3.13t | 2 | 21.80% (3,270) | 10,000 | 100.0 | 3.00× (3.00–3.00) | 0.80× (0.80–0.80) "
        "| 0.20× (0.20–0.20) | 0.50× (0.50–0.50) |"
    ) in text
    assert "| 3.13 | 2 | 0.00% (0) | 10,000 | 100.0 |" in text
    # A sample's losses are its calls' mean: the worst is a sample's, not one call's.
    assert (
        "- At 2 threads, the unguarded Counter lost 21.80% (up to 3,270 a call in the worst "
        "sample) of its 10,000 counts a call on 3.13t, and none on 3.13. The remedies, exact, "
        "against its time on 3.13t: threads sharing one Counter under a Lock 3.00× "
        "(3.00–3.00), a Counter per thread, merged 0.80× (0.80–0.80), threads sharing one "
        "WordCounter 0.20× (0.20–0.20), a WordCounter per thread, merged 0.50× (0.50–0.50)."
    ) in text
    # Without the workloads (an older file, or --workload), no section at all.
    assert report.lost_updates([{**docs[0], "results": []}], 65530) == []


def test_a_ratio_of_two_cells_pairs_their_rounds_and_shows_its_spread():
    # Round by round the locked Counter takes 3, 1 and 3 times the unguarded one's time:
    # the median is 3.00, where the ratio of the two medians (0.3 / 0.2) would say 1.50.
    unguarded = {"median_s": 0.2, "samples_s": [0.1, 0.2, 0.4]}
    locked = {"median_s": 0.3, "samples_s": [0.3, 0.2, 1.2]}
    assert report.Ratio(locked, unguarded).text() == "3.00× (2.00–3.00)"
    # A file from before the samples were recorded: the medians, and no spread to show.
    old = [{k: v for k, v in r.items() if k != "samples_s"} for r in (locked, unguarded)]
    assert report.Ratio(*old).text(1) == "1.5× (a ratio of medians: no paired samples)"


def test_the_single_thread_cost_says_it_compares_two_runs():
    def doc(label, free_threaded, q1, med, q3):
        return {
            "label": label,
            "interpreter": {"version": "3.13.15", "free_threaded": free_threaded},
            "results": [
                {"workload": "single-thread", "variant": v, "threads": 1, "bytes": 65530,
                 "median_s": med, "q1_s": q1, "q3_s": q3, "samples_s": [med] * 3}
                for v in report.PENALTIES
            ],
        }  # fmt: skip

    g, f = doc("3.13", False, 0.9, 1.0, 1.2), doc("3.13t", True, 1.1, 1.2, 1.35)
    text = "\n".join(report.findings(g, f, 65530))
    # No round holds both: the quartiles of each run bound the ratio of the medians.
    assert "word_count 1.20× (0.92–1.50)" in text
    assert "the ratio of two runs' medians, the runs one after the other, not interleaved" in text


def test_each_kernel_is_told_on_one_thread_apart():
    def doc(label, rates):
        return {
            "label": label,
            "interpreter": {"version": "3.13.15", "free_threaded": label.endswith("t")},
            "results": [
                {"workload": w, "variant": "", "threads": 1, "bytes": n, "gb_per_s": rate}
                for w, rate in rates.items()
                for n in (65530, 104857589)
            ],
        }  # fmt: skip

    docs = [
        doc("3.13", {"rust-threads": 9.0, "rust-threads-frequencies": 0.4}),
        doc("3.13t", {"rust-threads": 8.5, "rust-threads-frequencies": 0.38}),
    ]
    text = "\n".join(report.size_findings(docs, [65530, 104857589]))
    # Not "0.4-9.0 GB/s", a range over a count and a Counter's build that says nothing.
    assert (
        "- On one thread at 100MiB: Rust threads in one call 9.00 GB/s on 3.13, 8.50 GB/s on "
        "3.13t; Rust threads building word frequencies 0.40 GB/s on 3.13, 0.38 GB/s on 3.13t."
    ) in text


def test_the_memory_probe_drops_each_result_before_the_next_call(tmp_path, monkeypatch):
    # The probe's measured calls must not hold the last call's Counter as well as their
    # own: a caller who drops each result holds one at a time.
    from word_count.bench import memory, workloads

    held = []
    text = make_text(1 << 12)
    real = workloads.Frequencies.__call__

    def call(self, reps):
        held.append(self.last is not None)
        return real(self, reps)

    monkeypatch.setattr(workloads.Frequencies, "__call__", call)
    path = tmp_path / "text.txt"
    memory.write_text(text, path)
    probe = memory.cell_memory("rust-threads-frequencies", "", 1, str(path), "forkserver")
    assert probe["traced_peak_bytes"] > 0
    assert held == [False, False, False]  # the warm-up, the RSS call, the traced one


def test_a_team_runs_each_share_on_a_thread_of_its_own_and_keeps_them():
    seen = []

    def share(x):
        seen.append((threading.get_ident(), x))
        return x

    with Team(2) as team:
        assert team.run(share, [(1,), (2,)], reps=3) == 9
        assert team.run(share, [(10,), (20,)]) == 30
        idents = {i for i, _ in seen}
        assert len(idents) == 2  # two threads, the same two for both calls
        assert threading.get_ident() not in idents
        # A share that raises fails the call, once every share is done.
        with pytest.raises(RuntimeError, match=r"1 thread\(s\) running fail failed") as raised:
            team.run(fail, [(0,), (1,)])
        assert isinstance(raised.value.__cause__, ZeroDivisionError)
        # Both shares fail: both errors reach the caller.
        with pytest.raises(RuntimeError, match=r"2 thread\(s\)") as raised:
            team.run(fail, [(0,), (0,)])
        assert len(raised.value.__cause__.exceptions) == 2
        assert team.run(share, [(1,), (1,)]) == 2  # and the team goes on
    assert not any(t.is_alive() for t in team.threads)


def fail(x):
    return 1 // x


# The workloads whose Python threads are the benchmark's own (Team). Of the others,
# word_count_py and word_frequencies_py keep a pool of their own from call to call, and
# Dask's threaded scheduler keeps the pool made at set-up.
TEAM_WORKLOADS = [
    "rust-attached-threads", "rust-detached-threads", "shared-counter", "counter-unguarded",
    "counter-locked", "counter-per-thread", "word-counter-per-thread",
]  # fmt: skip


def test_a_sample_starts_no_thread(monkeypatch):
    # On 3.13t a thread's end can cost milliseconds in a process that holds much (see
    # Team): a sample must time the work, not the threads' start and end.
    started = []
    real = threading.Thread.start
    text = make_text(1 << 16)
    with cells(text, [1, 2], "forkserver", TEAM_WORKLOADS) as cell_list:
        assert {c.workload for c in cell_list} == set(TEAM_WORKLOADS)
        for cell in cell_list:
            timed(cell, 1)  # the teams start here, before any sample
        monkeypatch.setattr(threading.Thread, "start", lambda t: (started.append(t), real(t)))
        for cell in cell_list:
            timed(cell, 2)
    assert started == []


def test_the_thread_end_probe_prints_its_three_figures():
    proc = subprocess.run(
        [sys.executable, "-m", "word_count.bench.thread_end", "--size", "64K", "--threads", "2"],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = proc.stdout.splitlines()
    assert lines[1].startswith("CPU: ")
    for label in ("in a fresh process:", "2 threads ended, their Counters kept:",
                  "those Counters dropped:"):  # fmt: skip
        (line,) = [x for x in lines if label in x]
        assert re.search(r" \d+\.\d{3} ms$", line), line
    bad = subprocess.run(
        [sys.executable, "-m", "word_count.bench.thread_end", "--threads", "0"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "--threads must be at least 1" in bad.stderr


def test_the_report_follows_the_declared_workloads():
    assert report.grid(6) == (2, 3)
    for panels in range(1, 13):  # the chart has room for every workload, and no empty row
        rows, columns = report.grid(panels)
        assert (rows - 1) * columns < panels <= rows * columns
    assert set(report.PENALTIES) <= set(WORKLOADS["single-thread"].work)
    doc = {"interpreter": {}, "settings": {"threads": [1, 2]}, "results": [{"bytes": 65530}]}
    problems = report.check_complete(doc)
    for w in WORKLOADS.values():
        for variant in w.work:
            expected = (
                [f"no {w.name} result at {t} threads for 64KiB" for t in (1, 2)]
                if w.scales
                else [f"no {w.name} {variant} result for 64KiB"]
            )
            assert set(expected) <= set(problems)


def test_sizes_are_named_one_way():
    # A text is cut at a line end, a few bytes short of its --size.
    assert size_name(65530) == "64KiB"
    assert size_name((4 << 20) - 10) == "4MiB"
    assert size_name(3 << 19) == "1.5MiB"
    assert size_name(1 << 30) == "1GiB"


FREQUENCY_ROWS = {
    *(f"{text}freq_{what}" for text in ("", "hc_")
      for what in ("1", "all", "add", "counter", "pipeline")),
    "small_freq_1", "small_freq_all", "freq_file", "ru_freq_1", "ru_freq_counter",
    *(f"{kind}_freq_1" for kind in ("latin1", "ucs2", "ucs4")),
}  # fmt: skip
KERNEL_ROWS = {
    "sum_text", "sum_big", "word_count_1", "word_count_all", "search_sequential_rare",
    "search_sequential_the", "search_sequential_dense", "search_sequential_long",
    "search_sequential_the_latin1", "search_sequential_the_ucs2", "search_sequential_the_ucs4",
    "search_the", "py_split", "search_py", "wc_w", "grep_cw",
    "word_count_file_1", "word_count_file_all", "search_file", "call_noop",
    "call_word_count", "call_word_count_1", "call_search", "call_word_frequencies",
    "call_counter",
    *(f"utf8_{kind}_{part}" for kind in ("latin1", "ucs2", "ucs4")
      for part in ("first", "second", "conversion")),
    *FREQUENCY_ROWS,
}  # fmt: skip


@IN_A_CHILD
def test_a_tiny_kernels_run_has_every_row_and_the_counts_agree(tmp_path):
    out = tmp_path / "kernels.json"
    proc = subprocess.run(
        [sys.executable, "-m", "word_count.bench.kernels", "--quick", "--size", "64K",
         "--bandwidth-size", "1M", "--hc-size", "32K", "--calls", "100", "--budget", "0",
         "--out", str(out)],
        check=True, capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    doc = json.loads(out.read_text())
    rows = {r["id"]: r for r in doc["rows"]}
    assert_build_recorded(doc)
    assert set(rows) == KERNEL_ROWS
    for r in rows.values():
        assert r["runs"] >= 5
        assert r["min_s"] <= r["median_s"] <= r["max_s"]
        # Every row is in the printed tables (a | in a table cell is written \\|).
        assert f"`{r['what'].replace('|', chr(92) + '|')}`" in proc.stdout
    refs = doc["references"]
    words = ["word_count_1", "word_count_all", "py_split", "wc_w", "word_count_file_1",
             "word_count_file_all", *(f"utf8_{k}_{p}" for k in ("latin1", "ucs2", "ucs4")
                                      for p in ("first", "second"))]  # fmt: skip
    assert {rows[i]["count"] for i in words} == {refs["words"]}
    the = ["search_sequential_the", "search_the", "search_py", "search_file"]
    assert {rows[i]["count"] for i in the} == {refs["the"]} != {0}
    assert rows["search_sequential_rare"]["count"] == refs["rare"] == 5
    # The sentence's distinct words, from the module and from Counter.
    assert rows["call_word_frequencies"]["count"] == rows["call_counter"]["count"] == 8
    # A match at every other token: one a unit ("a b ", "abcdefghijklmnop b ").
    n = doc["settings"]["text_bytes"]
    assert rows["search_sequential_dense"]["count"] == n // 4
    assert rows["search_sequential_long"]["count"] == n // 19
    # grep -c -w counts lines holding the word (also as "the,"): its own reference.
    assert 0 < rows["grep_cw"]["count"] == refs["the_lines"]
    # Word frequencies: each row's count is its text's number of distinct words, the
    # total having been checked on every call.
    for id_ in FREQUENCY_ROWS:
        prefix = id_[: id_.index("freq_")]
        assert rows[id_]["count"] == refs[f"{prefix}distinct"] > 0, id_
    assert refs["distinct"] < refs["words"] == rows["py_split"]["count"]
    assert refs["small_distinct"] == refs["distinct"]  # a 64 KiB text is its own first 4 MiB
    assert refs["hc_distinct"] == distinct_words(doc["settings"]["hc_size"])[0]
    assert refs["hc_words"] < 3 * refs["hc_distinct"]
    assert "x_freq_counter" in rows["freq_1"]
    assert "x_hc_freq_pipeline" in rows["hc_freq_all"]
    assert "x_small_freq_1" in rows["small_freq_all"]
    # The same words in Cyrillic: as many, against their own Counter only.
    assert refs["ru_words"] == refs["small_words"]
    ru_ratios = {k for k in rows["ru_freq_1"] if k.startswith("x_")}
    assert "x_ru_freq_counter" in ru_ratios
    assert not ru_ratios & {"x_freq_1", "x_small_freq_1", "x_freq_counter"}
    # A non-ASCII text's row against the (ASCII) text's, in the JSON and in the table.
    assert "x_freq_1" in rows["ucs4_freq_1"]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("| `word_frequencies(s, 1)"))
    assert line.rstrip(" |").rsplit("|", 1)[1].strip()
    # Memory, measured apart in fresh processes against what the resulting Counter holds.
    memory = doc["memory"]
    assert set(memory) == {"word_frequencies", "counter_split"}
    for probe in memory.values():
        assert (probe["distinct"], probe["words"]) == (refs["hc_distinct"], refs["hc_words"])
        assert probe["result_bytes"] > probe["distinct"] * 40  # a str key is 40+ bytes
        if sys.platform == "linux":
            assert probe["rss_peak_growth_bytes"] >= 0
            assert "clear_refs" in probe["rss_method"]
    assert (
        memory["word_frequencies"]["traced_peak_bytes"]
        >= memory["word_frequencies"]["result_bytes"] * 0.9
    )
    assert memory["counter_split"]["traced_peak_bytes"] is None
    # The targets: the five kernel targets may gate (with --check); the goals (token
    # search, word frequencies, files) never do.
    assert [c["gates"] for c in doc["checks"]] == [True] * 5 + [False] * 11
    assert all(c["pass"] in (True, False) for c in doc["checks"])
    assert proc.stdout.count("PASS  ") + proc.stdout.count("FAIL  ") + proc.stdout.count(
        "MISS  "
    ) == len(doc["checks"])
    assert "FAIL  word_frequencies" not in proc.stdout
    # The main benchmark's report reads bench-results/*.json: it must skip this file.
    assert report.load(tmp_path) == []
