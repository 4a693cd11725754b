"""The benchmark runs, checks its counts, and writes a complete result file and report.

No timing is asserted here: on shared 2-core machines any time limit would be a coin
toss. The speedups are read by people, from the report."""

from __future__ import annotations

import json
import subprocess
import sys

from word_count.bench import report
from word_count.bench.text import make_text, split_at_lines


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
    assert all("speedup" in r for r in doc["results"] if r["workload"] != "single-thread")
    written = report.write_report(tmp_path)
    text = written.read_text()
    assert "## Summary" in text
    assert "pure-Python threads" in text


def test_check_complete_names_what_is_missing():
    doc = {"interpreter": {}, "settings": {"threads": [1, 2]}, "results": []}
    problems = report.check_complete(doc)
    assert "interpreter.version is missing" in problems
    assert "no results at all" in problems
