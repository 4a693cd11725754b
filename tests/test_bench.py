"""The benchmark runs, checks its counts, and writes a complete result file and report.

No timing is asserted here: on shared 2-core machines any time limit would be a coin
toss. The speedups are read by people, from the report."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from word_count.bench import report
from word_count.bench.measure import size_name
from word_count.bench.text import make_text, split_at_lines
from word_count.bench.workloads import WORKLOADS

# As nox's report session runs it: from the source tree, which may hold no built extension.
REPORT_SCRIPT = Path(__file__).parents[1] / "python" / "word_count" / "bench" / "report.py"


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


def test_a_tiny_run_writes_a_complete_result_and_report(tmp_path):
    out = tmp_path / "tiny.json"
    subprocess.run(
        [sys.executable, "-m", "word_count.bench", "--quick", "--size", "64K", "--budget", "0",
         "--threads", "1,2", "--label", "tiny", "--out", str(out)],
        check=True, capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    doc = json.loads(out.read_text())
    assert report.check_complete(doc) == []
    assert doc["label"] == "tiny"
    assert doc["interpreter"]["gil_enabled"] == getattr(sys, "_is_gil_enabled", lambda: True)()
    assert {r["threads"] for r in doc["results"]} == {1, 2}
    assert_build_recorded(doc)
    assert all("speedup" in r for r in doc["results"] if r["workload"] != "single-thread")
    written = report.write_report(tmp_path)
    text = written.read_text()
    assert "## Summary" in text
    assert "pure-Python threads" in text
    subprocess.run(
        [sys.executable, str(REPORT_SCRIPT), "--check", str(tmp_path)],
        check=True, capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert written.read_text() == text


def assert_build_recorded(doc):
    """The result names what built the module: the real rustc, PyO3 and maturin."""
    build = doc["build"]
    assert re.fullmatch(r"rustc 1\.\d+\.\d+.*", build["rustc"]), build
    assert re.fullmatch(r"0\.28\.\d+", build["pyo3"]), build  # 0.29 drops 3.13t
    assert re.fullmatch(r"maturin \(1\.\d+\.\d+\)", build["maturin"]), build


def test_check_complete_names_what_is_missing():
    doc = {"interpreter": {}, "settings": {"threads": [1, 2]}, "results": []}
    problems = report.check_complete(doc)
    assert "interpreter.version is missing" in problems
    assert "build.rustc is missing" in problems
    assert "no results at all" in problems


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


KERNEL_ROWS = {
    "sum_text", "sum_big", "word_count_1", "word_count_all", "search_sequential_rare",
    "search_sequential_the", "search_the", "py_split", "search_py", "wc_w", "grep_cw",
    "word_count_file_1", "word_count_file_all", "search_file", "call_noop",
    "call_word_count", "call_word_count_1", "call_search",
    *(f"utf8_{kind}_{part}" for kind in ("latin1", "ucs2")
      for part in ("first", "second", "conversion")),
}  # fmt: skip


def test_a_tiny_kernels_run_has_every_row_and_the_counts_agree(tmp_path):
    out = tmp_path / "kernels.json"
    proc = subprocess.run(
        [sys.executable, "-m", "word_count.bench.kernels", "--quick", "--size", "64K",
         "--bandwidth-size", "1M", "--calls", "100", "--budget", "0", "--out", str(out)],
        check=True, capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    doc = json.loads(out.read_text())
    rows = {r["id"]: r for r in doc["rows"]}
    assert_build_recorded(doc)
    assert set(rows) == KERNEL_ROWS
    for r in rows.values():
        assert r["runs"] >= 5
        assert r["min_s"] <= r["median_s"] <= r["max_s"]
        assert f"`{r['what']}`" in proc.stdout  # every row is in the printed table
    refs = doc["references"]
    words = ["word_count_1", "word_count_all", "py_split", "wc_w", "word_count_file_1",
             "word_count_file_all", *(f"utf8_{k}_{p}" for k in ("latin1", "ucs2")
                                      for p in ("first", "second"))]  # fmt: skip
    assert {rows[i]["count"] for i in words} == {refs["words"]}
    the = ["search_sequential_the", "search_the", "search_py", "search_file"]
    assert {rows[i]["count"] for i in the} == {refs["the"]} != {0}
    assert rows["search_sequential_rare"]["count"] == refs["rare"] == 5
    # grep -c -w counts lines holding the word (also as "the,"): its own reference.
    assert 0 < rows["grep_cw"]["count"] == refs["the_lines"]
    assert [c["pass"] in (True, False) for c in doc["checks"]] == [True] * 5
    assert proc.stdout.count("PASS  ") + proc.stdout.count("FAIL  ") == 5
    # The main benchmark's report reads bench-results/*.json: it must skip this file.
    assert report.load(tmp_path) == []
