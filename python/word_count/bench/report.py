"""Merge benchmark results into a report: ``python -m word_count.bench.report [--check] [DIR]``.

Reads every ``DIR/*.json`` that ``python -m word_count.bench`` wrote (default
``bench-results``) and writes ``DIR/report.md`` and one speedup chart per text size
(``DIR/speedup-<size>.png``, if matplotlib is installed). Every sentence of the summary is
drawn from the numbers; nothing in it is written by hand. ``--check`` first fails if any
result file lacks a workload, thread count or field its settings promised.

The workloads, their labels and the results a complete file holds come from the
declarations in ``word_count.bench.workloads``. Nothing here calls the compiled extension
(it reads JSON files), but ``word_count`` imports it: run the report where the package is
installed, as nox's report session does.
"""

from __future__ import annotations

import itertools
import json
import math
import shlex
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from word_count.bench.measure import paired, size_name
from word_count.bench.workloads import WORKLOADS, Workload

# A result file as json.load gives it, and one of its results.
Doc = dict[str, Any]
Row = dict[str, Any]

# The workloads timed at every thread count: the summary's lines and the chart's panels.
SCALING = [w for w in WORKLOADS.values() if w.scales]
# The project's claims speak of these by name: a rename fails here, at import, and not
# as a silent gap in the summary.
PYTHON_THREADS, ATTACHED, DETACHED, RUST_THREADS = (
    WORKLOADS[name]
    for name in ("python-threads", "rust-attached-threads", "rust-detached-threads", "rust-threads")
)
SINGLE_THREAD = WORKLOADS["single-thread"]
# The same job, word frequencies, done by Python threads and by Rust threads.
PY_FREQUENCIES, RUST_FREQUENCIES = (
    WORKLOADS[name] for name in ("python-threads-frequencies", "rust-threads-frequencies")
)
# The same per-block Python count on Dask's threaded and processes schedulers: the Dask
# workloads.
DASK_THREADS, DASK_PROCESSES = (WORKLOADS[name] for name in ("dask-threads", "dask-processes"))
# The three ways to run Python in parallel, compared within one interpreter.
INTERPRETERS, PROCESSES = WORKLOADS["python-interpreters"], WORKLOADS["processes"]
# Threads adding words to one Counter with no lock, and the remedies set against them.
UNGUARDED = WORKLOADS["counter-unguarded"]
REMEDIES = [
    WORKLOADS[n]
    for n in ("counter-locked", "counter-per-thread", "shared-counter", "word-counter-per-thread")
]
# The claims, each checked against the numbers at 2 threads.
GIL_BOUND = [PYTHON_THREADS, ATTACHED]
FT_AT_LEAST, GIL_AT_MOST, RUST_AT_LEAST = 1.5, 1.25, 1.3
# Two speedups (or two gaps) closer than this are called the same.
SAME_WITHIN = 0.15
# The single-thread work whose cost on the free-threaded build the summary gives.
PENALTIES = ["search_py", "str.split", "WordCounter.add", "word_count"]


def load(folder: Path) -> list[Doc]:
    docs = []
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text())
        if doc.get("schema") == 1 and "results" in doc:
            # The file it came from, for the report's header: a label ("3.14 (Debian
            # sid's build)") is not always the file's name.
            doc["file"] = path.name
            docs.append(doc)
    # GIL builds first, then free-threaded, each by version.
    docs.sort(key=lambda d: (d["interpreter"]["version"], d["interpreter"]["free_threaded"]))
    return docs


def row(doc: Doc, workload: str, threads: int, n_bytes: int, variant: str = "") -> Row | None:
    for r in doc["results"]:
        if (r["workload"], r["variant"], r["threads"], r["bytes"]) == (
            workload,
            variant,
            threads,
            n_bytes,
        ):
            found: Row = r
            return found
    return None


def speedup(doc: Doc, workload: str, threads: int, n_bytes: int) -> float | None:
    r = row(doc, workload, threads, n_bytes)
    return float(r["speedup"]) if r and "speedup" in r else None


def flags(doc: Doc) -> list[str]:
    """Configure flags that matter for a twin check: not --prefix, not --disable-gil."""
    args = shlex.split(doc["interpreter"]["config_args"])
    return [a for a in args if a != "--disable-gil" and not a.startswith("--prefix")]


def cflags(doc: Doc) -> str:
    """The C compiler's flags the interpreter was built with; results written before
    they were recorded say so rather than guess."""
    return str(doc["interpreter"].get("cflags", "not recorded"))


def twin_warnings(docs: list[Doc]) -> list[str]:
    gil = [d for d in docs if not d["interpreter"]["free_threaded"]]
    ft = [d for d in docs if d["interpreter"]["free_threaded"]]
    out = []
    for f in ft:
        minor = f["interpreter"]["version"].rsplit(".", 1)[0]
        twins = [g for g in gil if g["interpreter"]["version"].rsplit(".", 1)[0] == minor]
        for g in twins:
            if g["interpreter"]["version"] != f["interpreter"]["version"] or flags(g) != flags(f):
                out.append(
                    f"**{g['label']} and {f['label']} are not twins** "
                    f"({g['interpreter']['version']} {flags(g)} vs "
                    f"{f['interpreter']['version']} {flags(f)}): differences between them "
                    "may come from how they were built, not only from the GIL."
                )
            elif cflags(g) != cflags(f):
                # Configured alike, compiled otherwise (CFLAGS=-O2 in one's environment).
                out.append(
                    f"**{g['label']} and {f['label']} are not twins**: compiled with "
                    f"`{cflags(g)}` vs `{cflags(f)}`; differences between them may come from "
                    "how they were built, not only from the GIL."
                )
        if not twins:
            out.append(f"No GIL build of {minor} was measured to compare {f['label']} with.")
    if any(d["interpreter"]["gil_enabled"] for d in ft):
        out.append("A free-threaded interpreter ran with the GIL enabled (PYTHON_GIL=1?).")
    sources = {d["package"].get("source", "unknown") for d in docs}
    if len(sources) > 1:
        out.append(
            "**The results come from different builds of word-count** "
            f"({', '.join(sorted(sources))}): differences between interpreters may come from "
            "the code, not the GIL."
        )
    if any(s.endswith("-dirty") for s in sources):
        out.append("Some results come from a build with uncommitted changes.")
    if len({d["machine"]["cpu_count"] for d in docs}) > 1:
        out.append("The results come from machines with different CPU counts.")
    if len({cpu(d) for d in docs}) > 1:
        out.append("**The results come from different CPUs**: compare them with care.")
    if any(d["settings"]["quick"] for d in docs):
        out.append("Some results come from `--quick` runs: fewer rounds, wider spreads.")
    return out


class Ratio:
    """How many times as long one cell takes as another of the same run: the median over
    rounds of their two times in the same round, with its quartiles (``measure.paired``),
    as a speedup is. Both rows must come from one result file and one text size: only
    then do the i-th samples of the two share a round (nothing in the rows can check it). Rows
    whose samples cannot be paired (a file from before results held their samples) give
    the ratio of the two medians instead, with no spread, and say so."""

    def __init__(self, a: Row, b: Row) -> None:
        sa, sb = a.get("samples_s"), b.get("samples_s")
        self.spread: tuple[float, float] | None = None
        if sa and sb and len(sa) == len(sb):
            q1, self.value, q3 = paired(sa, sb)
            self.spread = (q1, q3)
        else:
            self.value = a["median_s"] / b["median_s"]

    def text(self, digits: int = 2) -> str:
        if self.spread is None:
            return f"{self.value:.{digits}f}× (a ratio of medians: no paired samples)"
        q1, q3 = self.spread
        return f"{self.value:.{digits}f}× ({q1:.{digits}f}–{q3:.{digits}f})"


def cpu(doc: Doc) -> str:
    # Results written before the CPU was recorded say so rather than guess.
    return str(doc["machine"].get("cpu", "CPU not recorded"))


def cpu_counts(docs: list[Doc]) -> str:
    """The CPUs of the machines that made ``docs``: "2", or "2 or 4" (which twin_warnings
    flags), never only the first file's."""
    return " or ".join(str(n) for n in sorted({d["machine"]["cpu_count"] for d in docs}))


def fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}×"


def capitalized(label: str) -> str:
    """A label to start a sentence: str.capitalize would lower "Rust" too."""
    return label[0].upper() + label[1:]


def summary(docs: list[Doc], sizes: list[int]) -> list[str]:
    """Plain-words findings, each computed from the numbers."""
    lines = []
    gil = [d for d in docs if not d["interpreter"]["free_threaded"]]
    ft = [d for d in docs if d["interpreter"]["free_threaded"]]
    for n_bytes in sizes:
        lines.append(f"**{size_name(n_bytes)} text, speedup at 2 threads over 1 thread:**")
        lines.append("")
        for w in SCALING:
            parts = [
                f"{fmt(speedup(d, w.name, 2, n_bytes))} on {d['label']}"
                for d in docs
                if row(d, w.name, 2, n_bytes)
            ]
            if parts:
                lines.append(f"- {w.label}: {', '.join(parts)}")
        lines.append("")
        for g, f in same_version_pairs(gil, ft):
            lines.extend(findings(g, f, n_bytes))
        for d in docs:
            lines.extend(interpreter_findings(d, n_bytes))
        lines.append("")
    skipped = [
        f"- Not measured on {d['label']}: `{name}`, {why}."
        for d in docs
        for name, why in d.get("skipped", {}).items()
    ]
    # A blank line after the list: the next section's heading must not run into it.
    return lines + ([*skipped, ""] if skipped else [])


def interpreter_findings(d: Doc, n_bytes: int) -> list[str]:
    """Subinterpreters against threads and processes, within the one interpreter ``d``
    (another version's build is no twin of it), at 2 workers; and what an extension
    needs to be imported there, which this one lacks."""
    si, st, sp = (speedup(d, w.name, 2, n_bytes) for w in (INTERPRETERS, PYTHON_THREADS, PROCESSES))
    ri, rp = row(d, INTERPRETERS.name, 2, n_bytes), row(d, PROCESSES.name, 2, n_bytes)
    if si is None or st is None or sp is None or ri is None or rp is None:
        return []
    return [
        f"- On {d['label']}, at 2 workers over 1: subinterpreters running Python {fmt(si)}, "
        f"pure-Python threads {fmt(st)}, processes {fmt(sp)}; the subinterpreters take "
        f"{Ratio(ri, rp).text()} the processes' time. Each subinterpreter "
        "has a GIL of its own, and every call sends each chunk to its interpreter, as to a "
        "process. word_count itself cannot be imported in one: CPython loads there only an "
        "extension that declares support for subinterpreters (Py_mod_multiple_interpreters) "
        "and keeps no state across them, and PyO3 declares none yet "
        "(https://github.com/PyO3/pyo3/issues/576)."
    ]


def minor_version(doc: Doc) -> str:
    return str(doc["interpreter"]["version"]).rsplit(".", 1)[0]


def same_version_pairs(gil: list[Doc], ft: list[Doc]) -> list[tuple[Doc, Doc]]:
    """The GIL and free-threaded results of one CPython version: only those are compared,
    so a GIL build with no free-threaded twin here (Debian's 3.14, say) is never set
    against another version's free-threaded build."""
    return [(g, f) for g in gil for f in ft if minor_version(g) == minor_version(f)]


# gil_claim's verdicts for a workload named in the plural ("pure-Python threads") and for
# one named in the singular ("Dask's threaded scheduler").
THEY = (
    "speed up only without the GIL",
    "do not speed up with the GIL, and fall short of the claim without it",
    "do not show the GIL contrast",
)
IT = (
    "speeds up only without the GIL",
    "does not speed up with the GIL, and falls short of the claim without it",
    "does not show the GIL contrast",
)


def gil_claim(w: Workload, g: Doc, f: Doc, n_bytes: int, verdicts: Sequence[str]) -> str | None:
    """The summary's line on the claim that ``w`` speeds up at 2 threads only without the
    GIL (at least FT_AT_LEAST× on ``f``, at most GIL_AT_MOST× on ``g``), with no full stop.
    ``verdicts``: its words if the claim holds; if ``w`` does not speed up with the GIL but
    falls short of the claim without it; otherwise. None unless both builds measured ``w``."""
    sg, sf = speedup(g, w.name, 2, n_bytes), speedup(f, w.name, 2, n_bytes)
    if sg is None or sf is None:
        return None
    holds, neither, other = verdicts
    if sf >= FT_AT_LEAST and sg <= GIL_AT_MOST:
        verdict = holds
    elif sg <= GIL_AT_MOST:
        verdict = neither
    else:
        verdict = other
    return (
        f"- {capitalized(w.label)} {verdict}: {fmt(sf)} on {f['label']} (claim: at least "
        f"{FT_AT_LEAST}×) against {fmt(sg)} on {g['label']} (claim: at most {GIL_AT_MOST}×)"
    )


def time_ratio(
    g: Doc,
    f: Doc,
    n_bytes: int,
    slow: Workload,
    fast: Workload,
    changes: Sequence[str],
    line: str,
    digits: int = 2,
) -> list[str]:
    """``line`` filled in with how many times as long ``slow`` takes as ``fast`` at 2
    threads, ``{rg}`` on ``g`` and ``{rf}`` on ``f`` (each paired round by round within
    its run, with its quartiles: ``Ratio``); with the builds' labels, ``{g}`` and
    ``{f}``; and with ``{change}``, the word of ``changes`` (more, same, less: ``compared``)
    for how the ratio moves once the GIL is gone. No line unless both builds measured both."""
    ratios = []
    for d in (g, f):
        a, b = row(d, slow.name, 2, n_bytes), row(d, fast.name, 2, n_bytes)
        if a and b:
            ratios.append(Ratio(a, b))
    if len(ratios) < 2:
        return []
    rg, rf = ratios
    change = compared(rf.value, rg.value, *changes)
    return [
        line.format(rg=rg.text(digits), rf=rf.text(digits), g=g["label"], f=f["label"],
                    change=change)
    ]  # fmt: skip


def findings(g: Doc, f: Doc, n_bytes: int) -> list[str]:
    out = []
    for w in GIL_BOUND:
        # These lines say no more than whether the claim holds.
        line = gil_claim(w, g, f, n_bytes, (THEY[0], THEY[2], THEY[2]))
        if line is not None:
            out.append(line + ".")
    sg, sf = speedup(g, RUST_THREADS.name, 2, n_bytes), speedup(f, RUST_THREADS.name, 2, n_bytes)
    if sg is not None and sf is not None:
        both = min(sg, sf) >= RUST_AT_LEAST
        out.append(
            f"- Rust threads in one call {'speed up on both builds' if both else 'fall short'}"
            f": {fmt(sg)} on {g['label']}, {fmt(sf)} on {f['label']} "
            f"(claim: at least {RUST_AT_LEAST}× on both)."
        )
    sg, sf = speedup(g, DETACHED.name, 2, n_bytes), speedup(f, DETACHED.name, 2, n_bytes)
    if sg is not None and sf is not None:
        out.append(
            f"- Detaching is what lets Python threads run Rust in parallel on a GIL build: "
            f"detached Rust {fmt(sg)} on {g['label']}, {fmt(sf)} on {f['label']}."
        )
    out.extend(frequency_findings(g, f, n_bytes))
    out.extend(dask_findings(g, f, n_bytes))
    penalties = []
    for variant in PENALTIES:
        rg = row(g, SINGLE_THREAD.name, 1, n_bytes, variant)
        rf = row(f, SINGLE_THREAD.name, 1, n_bytes, variant)
        if rg and rf:
            # Two runs, so no round pairs them: the quartiles bound the ratio instead.
            penalties.append(
                f"{variant} {rf['median_s'] / rg['median_s']:.2f}× "
                f"({rf['q1_s'] / rg['q3_s']:.2f}–{rf['q3_s'] / rg['q1_s']:.2f})"
            )
    if penalties:
        out.append(
            f"- On one thread, {f['label']} takes this long relative to {g['label']} "
            f"(above 1 is the free-threaded build's single-thread cost): {', '.join(penalties)}. "
            "Each is the ratio of two runs' medians, the runs one after the other, not "
            "interleaved: a change in the machine between them is in the figure. In "
            "brackets, from one quartile's ratio to the other's, the widest the two runs' "
            "spreads allow."
        )
    return out


def close(a: float, b: float) -> bool:
    return abs(a - b) <= SAME_WITHIN * max(a, b)


def compared(a: float, b: float, more: str, same: str, less: str) -> str:
    """``more``, ``same`` or ``less``: how ``a`` compares with ``b``, within SAME_WITHIN."""
    return same if close(a, b) else more if a > b else less


def frequency_findings(g: Doc, f: Doc, n_bytes: int) -> list[str]:
    """What changes for word frequencies once the GIL is gone, each verdict drawn from the
    speedups at 2 threads and the times of the two ways of doing the job.

    What is not measured but is so by construction: each Python thread splits its chunk
    and builds its own Counter, a str object per word and a dict entry per distinct word,
    and their Counters are merged on one thread; the Rust threads count detached from the
    interpreter, and only the building of the resulting Counter is attached."""
    out = []
    line = gil_claim(PY_FREQUENCIES, g, f, n_bytes, THEY)
    if line is not None:
        line += (
            ". Each Python thread splits its chunk and builds its own Counter, a str object "
            "per word and a dict entry per distinct word, and the Counters are merged on one "
            "thread"
        )
        pf = speedup(f, PY_FREQUENCIES.name, 2, n_bytes)
        pw = speedup(f, PYTHON_THREADS.name, 2, n_bytes)
        if pf is not None and pw is not None:
            than = compared(pf, pw, "better than", "as well as", "less well than")
            line += (
                f"; on {f['label']} this scales {than} counting the words in pure Python "
                f"({fmt(pw)})"
            )
        out.append(line + ".")
    rg, rf = (
        speedup(g, RUST_FREQUENCIES.name, 2, n_bytes),
        speedup(f, RUST_FREQUENCIES.name, 2, n_bytes),
    )
    if rg is not None and rf is not None:
        if not close(rf, rg):
            verdict = f"speed up more on {f['label'] if rf > rg else g['label']}"
            why = (
                "Their counting is detached on both builds, so the difference lies in the "
                "attached part, the building of the resulting Counter, or in noise (see the "
                "quartiles under Results)."
            )
        else:
            if min(rg, rf) >= RUST_AT_LEAST:
                verdict = "speed up alike on both builds"
            elif max(rg, rf) < RUST_AT_LEAST:
                verdict = f"do alike on both builds, short of {RUST_AT_LEAST}× on each"
            else:
                # Close, yet on either side of the claim: it fell short on one build only.
                short = g["label"] if rg < rf else f["label"]
                verdict = f"do about alike on both builds, short of {RUST_AT_LEAST}× on {short}"
            why = (
                "They count detached from the interpreter, so the GIL makes no difference "
                "to them; only the building of the resulting Counter is attached, mostly on "
                "one thread after the counting (the calling thread makes its chunk's strs "
                "while the others count only with the GIL off, or on a GIL build when no "
                "other thread exists: not in this benchmark's process, which holds pools)."
            )
        out.append(
            f"- {capitalized(RUST_FREQUENCIES.label)} {verdict}: {fmt(rg)} on "
            f"{g['label']}, {fmt(rf)} on {f['label']}. {why}"
        )
    return out + time_ratio(
        g, f, n_bytes, PY_FREQUENCIES, RUST_FREQUENCIES,
        ("widens", "stays about the same", "narrows"),
        "- Once the GIL is gone, the gap between the two at 2 threads {change}: "
        "word_frequencies_py takes {rg} as long as word_frequencies on {g}, {rf} on {f}.",
        digits=1,
    )  # fmt: skip


def dask_findings(g: Doc, f: Doc, n_bytes: int) -> list[str]:
    """What changes for a Dask user's own Python tasks once the GIL is gone, from the
    speedups of Dask's threaded scheduler at 2 workers, and its time against the
    processes scheduler's on each build.

    So by construction: the threaded scheduler's workers run the tasks' Python in one
    process, which one GIL serializes on a standard build; the processes scheduler's run
    it in processes of their own, each block sent to its process on every call."""
    out = []
    line = gil_claim(DASK_THREADS, g, f, n_bytes, IT)
    if line is not None:
        out.append(line + ". Its worker threads run the tasks' Python in one process.")
    return out + time_ratio(
        g, f, n_bytes, DASK_PROCESSES, DASK_THREADS,
        ("gains on", "stays about even with", "loses ground to"),
        "- At 2 workers, Dask's processes scheduler takes {rg} the threaded scheduler's "
        "time on {g} and {rf} on {f} (above 1: threads win): once the GIL is gone, the "
        "threaded scheduler {change} processes, which pay to send every block to a worker "
        "process.",
    )  # fmt: skip


def lost(r: Row) -> str:
    """The counts a lossy result lost: its median share and its worst sample, or none. A
    sample's figure is the mean over its calls (``measure.timed``): no single call's."""
    if r["lost_max"] == 0:
        return "none"
    return f"{r['lost_share']:.2%} (up to {r['lost_max']:,.0f} a call in the worst sample)"


def lost_updates(docs: list[Doc], n_bytes: int) -> list[str]:
    """The counts lost when N Python threads add words to one Counter with no lock, on each
    interpreter and at each thread count, and what each remedy costs against that code:
    a table, then a line for each pair of twins at 2 threads. Nothing here is a claim: how
    many updates are lost depends on the scheduling, and is reported as measured."""
    have = [d for d in docs if row(d, UNGUARDED.name, 1, n_bytes)]
    if not have:
        return []
    threads = sorted(
        {r["threads"] for d in have for r in d["results"]
         if r["workload"] == UNGUARDED.name and r["bytes"] == n_bytes}
    )  # fmt: skip
    out = [
        f"**{size_name(n_bytes)} text: counts lost by N threads running "
        "`counter[word] += 1` on one shared `collections.Counter`, and what each remedy "
        "costs** (its time over the unguarded code's at the same threads; each remedy is "
        "checked exact, or the run stops):",
        "",
        "| interpreter | threads | counts lost a call: median (worst sample) | of "
        "| unguarded ms | " + " | ".join(w.label for w in REMEDIES) + " |",
        "|---|---:|---:|---:|---:|" + "---:|" * len(REMEDIES),
    ]
    for d in have:
        for t in threads:
            u = row(d, UNGUARDED.name, t, n_bytes)
            if u is None:
                continue
            costs = []
            for w in REMEDIES:
                r = row(d, w.name, t, n_bytes)
                costs.append(Ratio(r, u).text() if r else "n/a")
            out.append(
                f"| {d['label']} | {t} | {u['lost_share']:.2%} ({u['lost_max']:,.0f}) "
                f"| {u['expected']:,} | {u['median_s'] * 1e3:.1f} | {' | '.join(costs)} |"
            )
    out.append("")
    gil = [d for d in have if not d["interpreter"]["free_threaded"]]
    ft = [d for d in have if d["interpreter"]["free_threaded"]]
    for g, f in same_version_pairs(gil, ft):
        ug, uf = row(g, UNGUARDED.name, 2, n_bytes), row(f, UNGUARDED.name, 2, n_bytes)
        if ug is None or uf is None:
            continue
        costs = [
            f"{w.label} {Ratio(r, uf).text()}"
            for w in REMEDIES
            if (r := row(f, w.name, 2, n_bytes))
        ]
        out.append(
            f"- At 2 threads, the unguarded Counter lost {lost(uf)} of its "
            f"{uf['expected']:,} counts a call on {f['label']}, and {lost(ug)} on "
            f"{g['label']}."
            + (f" The remedies, exact, against its time on {f['label']}: {', '.join(costs)}."
               if costs else "")
        )  # fmt: skip
    return [*out, ""]


def mb(x: float | None) -> str:
    return "n/a" if x is None else f"{x / 1e6:.1f}"


def peak(r: Row | None) -> float | None:
    if r is None:
        return None
    value = r.get("memory", {}).get("peak_bytes")
    return None if value is None else float(value)


def baseline(doc: Doc, n_bytes: int) -> float | None:
    """The memory before a call on the text of ``n_bytes`` (the interpreter, the package
    and that text): from a result of that size, not the file's first, which may be
    another size's."""
    for r in doc["results"]:
        if r["bytes"] == n_bytes and "memory" in r:
            value = r["memory"].get("baseline_bytes")
            return None if value is None else float(value)
    return None


def memory_section(docs: list[Doc], n_bytes: int) -> list[str]:
    """The memory of every cell on every interpreter (word_count.bench.memory), a table
    with the free-threaded twin's ratio to its GIL build, and a line per twin pair: what
    the free-threaded build costs in memory for the same work."""
    keys = []
    for d in docs:
        for r in d["results"]:
            key = (r["workload"], r["variant"], r["threads"])
            if r["bytes"] == n_bytes and "memory" in r and key not in keys:
                keys.append(key)
    if not keys:
        return []
    gil = [d for d in docs if not d["interpreter"]["free_threaded"]]
    ft = [d for d in docs if d["interpreter"]["free_threaded"]]
    pairs = same_version_pairs(gil, ft)
    out = [
        f"**{size_name(n_bytes)} text: peak memory of one call, MB** (each cell in a fresh "
        "process: the peak RSS of the process and its workers over the interpreter with the "
        "package and the text; see the Method):",
        "",
        "| workload | variant | threads | "
        + " | ".join(d["label"] for d in docs)
        + "".join(f" | {f['label']} / {g['label']}" for g, f in pairs)
        + " |",
        "|---|---|---:|" + "---:|" * (len(docs) + len(pairs)),
    ]
    for workload, variant, t in keys:
        cells = [mb(peak(row(d, workload, t, n_bytes, variant))) for d in docs]
        for g, f in pairs:
            pg = peak(row(g, workload, t, n_bytes, variant))
            pf = peak(row(f, workload, t, n_bytes, variant))
            cells.append(f"{pf / pg:.2f}×" if pg and pf is not None and pg >= 1e6 else "–")
        out.append(f"| {workload} | {variant} | {t} | {' | '.join(cells)} |")
    out.append("")
    for g, f in pairs:
        ratios = []
        for workload, variant, t in keys:
            pg = peak(row(g, workload, t, n_bytes, variant))
            pf = peak(row(f, workload, t, n_bytes, variant))
            # Under 1 MB, a ratio says more about page granularity than about the work.
            if pg is not None and pf is not None and pg >= 1e6:
                ratios.append(pf / pg)
        bases = [baseline(d, n_bytes) for d in (g, f)]
        if ratios:
            ratios.sort()
            out.append(
                f"- For the same work, {f['label']} peaks at {statistics.median(ratios):.2f}× "
                f"the memory of {g['label']} (the median over the {len(ratios)} cells of 1 MB "
                f"or more on {g['label']}; from {ratios[0]:.2f}× to {ratios[-1]:.2f}×), over "
                f"a baseline of {mb(bases[1])} MB against {mb(bases[0])} MB (the interpreter, "
                "the package and the text)."
            )
    return [*out, ""]


def size_findings(docs: list[Doc], sizes: list[int]) -> list[str]:
    """How scaling changes from the smallest text to each larger one, from the numbers:
    whether memory bandwidth caps the Rust kernels is measured here, not assumed."""
    if len(sizes) < 2:
        return []
    small, out = sizes[0], []
    for big in sizes[1:]:
        for d in docs:
            for w in (RUST_THREADS, DETACHED, PYTHON_THREADS):
                rs, rb = row(d, w.name, 2, small), row(d, w.name, 2, big)
                if not (rs and rb and "speedup" in rs and "speedup" in rb):
                    continue
                drop = rb["speedup"] < 0.85 * rs["speedup"]
                verdict = (
                    "scaling drops on the large text, which no longer fits in cache"
                    if drop
                    else "scaling holds on the large text"
                )
                out.append(
                    f"- {capitalized(w.label)} on {d['label']}: "
                    f"{fmt(rb['speedup'])} at {size_name(big)} ({rb['gb_per_s']:.2f} GB/s) "
                    f"against {fmt(rs['speedup'])} at {size_name(small)} "
                    f"({rs['gb_per_s']:.2f} GB/s): {verdict}."
                )
        # Each kernel on its own line: a search, a count and a Counter's build differ by
        # tens of times, and a range over all of them would say nothing of any.
        kernels = []
        for w in WORKLOADS.values():
            rates = [
                f"{r['gb_per_s']:.2f} GB/s on {d['label']}"
                for d in docs
                if w.name.startswith("rust") and (r := row(d, w.name, 1, big))
            ]
            if rates:
                kernels.append(f"{w.label} {', '.join(rates)}")
        if kernels:
            out.append(
                f"- On one thread at {size_name(big)}: {'; '.join(kernels)}. Where a kernel "
                "reads well under what one core can read from memory, it is limited by "
                "computation, not by memory bandwidth."
            )
    return [*out, ""]


def gil_cache_note(docs: list[Doc], sizes: list[int]) -> list[str]:
    """A GIL build's python-threads gaining at more threads is not parallelism."""
    out = []
    for d in docs:
        if d["interpreter"]["free_threaded"]:
            continue
        for n_bytes in sizes:
            for r in d["results"]:
                if (
                    r["workload"] == PYTHON_THREADS.name
                    and r["bytes"] == n_bytes
                    and r["threads"] > 2
                    and r.get("speedup", 0) > GIL_AT_MOST
                ):
                    out.append(
                        f"- On {d['label']} (GIL) {PYTHON_THREADS.label} gain {fmt(r['speedup'])} "
                        f"at {r['threads']} threads on the {size_name(n_bytes)} text. That is not "
                        "parallelism: under the GIL the chunks are split one after another, so "
                        "each word list is smaller and stays in cache."
                    )
    return [*out, ""] if out else []


def results_table(doc: Doc) -> list[str]:
    lines = [
        f"### {doc['label']}",
        "",
        "| size | workload | variant | threads | median ms | q1–q3 ms | min–max ms | runs "
        "| GB/s | speedup (q1–q3) | counts lost a call (q1–q3, worst sample) | peak MB "
        "| traced peak MB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in doc["results"]:
        sp = ""
        if "speedup" in r:
            sp = f"{r['speedup']:.2f}× ({r['speedup_q1']:.2f}–{r['speedup_q3']:.2f})"
        lines.append(
            f"| {size_name(r['bytes'])} | {r['workload']} | {r['variant']} | {r['threads']} "
            f"| {r['median_s'] * 1e3:.2f} | {r['q1_s'] * 1e3:.2f}–{r['q3_s'] * 1e3:.2f} "
            f"| {r['min_s'] * 1e3:.2f}–{r['max_s'] * 1e3:.2f} | {r['runs']} "
            f"| {r['gb_per_s']:.3f} | {sp} | {lost_cell(r)} | {mb(peak(r))} "
            f"| {mb(r.get('memory', {}).get('traced_peak_bytes'))} |"
        )
    return [*lines, ""]


def lost_cell(r: Row) -> str:
    if "lost" not in r:
        return ""
    return f"{r['lost']:,.0f} ({r['lost_q1']:,.0f}–{r['lost_q3']:,.0f}, {r['lost_max']:,.0f})"


def interpreters_table(docs: list[Doc]) -> list[str]:
    lines = [
        "| label | version | free-threaded | GIL at run time | configure flags | CFLAGS | CPU "
        "| CPUs | rounds budget | word-count source | built with | created |",
        "|---|---|---|---|---|---|---|---:|---|---|---|---|",
    ]
    for d in docs:
        i, s, b = d["interpreter"], d["settings"], d["build"]
        lines.append(
            f"| {d['label']} | {i['version']} | {i['free_threaded']} "
            f"| {'on' if i['gil_enabled'] else 'off'} | `{i['config_args']}` | `{cflags(d)}` "
            f"| {cpu(d)} | {d['machine']['cpu_count']} | {s['budget_s']:.0f} s"
            f"{' (quick)' if s['quick'] else ''} | {d['package'].get('source', 'unknown')} "
            f"| {b['rustc']}, PyO3 {b['pyo3']}, {b['maturin']} | {d['created']} |"
        )
    return [*lines, ""]


def grid(panels: int) -> tuple[int, int]:
    """The chart's rows and columns: three panels a row, as many rows as it takes."""
    return math.ceil(panels / 3), min(panels, 3)


def pyplot() -> Any:
    """matplotlib's pyplot, drawing to files (Agg), or None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def chart(docs: list[Doc], n_bytes: int, path: Path) -> bool:
    plt = pyplot()
    if plt is None:
        return False
    n_rows, n_cols = grid(len(SCALING))
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(13, 3.75 * n_rows), sharey=True, squeeze=False
    )
    for ax in axes.flat[len(SCALING) :]:
        ax.set_visible(False)
    top = 1.0
    for ax, w in zip(axes.flat, SCALING, strict=False):
        threads_seen: set[int] = set()
        for d in docs:
            pts = sorted(
                (r["threads"], r["speedup"], r["speedup_q1"], r["speedup_q3"])
                for r in d["results"]
                if r["workload"] == w.name and r["bytes"] == n_bytes and "speedup" in r
            )
            if not pts:
                continue
            t, s, q1, q3 = zip(*pts, strict=True)
            threads_seen.update(t)
            top = max(top, *q3)
            style = "-o" if d["interpreter"]["free_threaded"] else "--s"
            ax.plot(t, s, style, label=d["label"])
            ax.fill_between(t, q1, q3, alpha=0.15)
        if threads_seen:
            ts = sorted(threads_seen)
            ax.plot(ts, ts, ":", color="grey", label="ideal")
            ax.set_xticks(ts)
        ax.set_title(w.label, fontsize=10)
        ax.set_xlabel("threads")
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("speedup over 1 thread")
    for ax in axes.flat:
        ax.set_ylim(0, top * 1.1)
    axes.flat[0].legend(fontsize=9)
    fig.suptitle(
        f"word-count: what changes once the GIL is gone ({size_name(n_bytes)} text, "
        f"{cpu_counts(docs)} CPUs;"
        " median and quartiles)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def memory_chart(docs: list[Doc], n_bytes: int, path: Path) -> bool:
    """Peak memory of one call at 2 threads, a bar per interpreter for each workload that
    scales; False without matplotlib."""
    plt = pyplot()
    if plt is None:
        return False
    names = [w.name for w in SCALING if any(row(d, w.name, 2, n_bytes) for d in docs)]
    if not names:
        return False
    fig, ax = plt.subplots(figsize=(13, 4.5))
    width = 0.8 / len(docs)
    for i, d in enumerate(docs):
        values = [(peak(row(d, name, 2, n_bytes)) or 0) / 1e6 for name in names]
        hatch = "" if d["interpreter"]["free_threaded"] else "//"
        ax.bar([k + i * width for k in range(len(names))], values, width, label=d["label"],
               hatch=hatch)  # fmt: skip
    ax.set_xticks([k + 0.4 - width / 2 for k in range(len(names))])
    ax.set_xticklabels([WORKLOADS[n].label for n in names], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("peak MB over the baseline")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=9)
    ax.set_title(
        f"word-count: peak memory of one call at 2 threads ({size_name(n_bytes)} text; "
        "each cell in a fresh process, its workers included)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(folder: Path) -> Path:
    docs = load(folder)
    if not docs:
        raise SystemExit(f"no results in {folder}/: run `nox -s bench-3.13 bench-3.13t` first")
    sizes = sorted({r["bytes"] for d in docs for r in d["results"]})
    charts = []
    for n_bytes in sizes:
        path = folder / f"speedup-{size_name(n_bytes)}.png"
        if chart(docs, n_bytes, path):
            charts.append(path)
    labels = ", ".join(d["label"] for d in docs)
    lines = [
        "# word-count benchmark: what changes once the GIL is gone",
        "",
        f"Interpreters: {labels}. Generated by `python -m word_count.bench.report` from "
        f"{', '.join(d['file'] for d in docs)}.",
        "",
        f"CPU: {', '.join(sorted({cpu(d) for d in docs}))}; {cpu_counts(docs)} CPUs.",
        "",
    ]
    warnings = twin_warnings(docs)
    if warnings:
        lines += [f"> {w}" for w in warnings] + [""]
    lines += ["## Summary", "", *summary(docs, sizes)]
    lost_lines = [line for n_bytes in sizes for line in lost_updates(docs, n_bytes)]
    if lost_lines:
        lines += ["## Counts lost without the GIL", "", *lost_lines]
    memory_lines = [line for n_bytes in sizes for line in memory_section(docs, n_bytes)]
    if memory_lines:
        lines += ["## Memory", "", *memory_lines]
        for n_bytes in sizes:
            path = folder / f"memory-{size_name(n_bytes)}.png"
            if memory_chart(docs, n_bytes, path):
                lines += [f"![peak memory chart]({path.name})", ""]
    lines += size_findings(docs, sizes) + gil_cache_note(docs, sizes)
    lines += [f"![speedup chart]({c.name})" for c in charts] + [""]
    lines += [
        "## Method",
        "",
        "Each cell (workload × threads) is warmed up, then timed in rounds; every round "
        "runs every cell once, in a new shuffled order, until each median moves less than "
        "2% between rounds or the time budget is spent. A speedup is the median, over "
        "rounds, of t(1 thread) / t(N threads) timed in the same round; the quartiles give "
        "its spread. So is every other ratio of two cells' times in one run (\"1.20× "
        '(1.10–1.30)": the median over rounds, then the quartiles). Every result is '
        "checked against the reference count; word frequencies "
        "are checked by their number of distinct words on every call and, after each "
        "sample, in full (every word, its count and their order) against "
        "`Counter(text.split())`. Where Python "
        "threads call Rust, each thread repeats its call (about 50 ms of work per sample), "
        "so the numbers measure threads working side by side, not thread start-up. "
        "Memory is measured apart, untimed, each cell in a fresh process: the text is read "
        "(the baseline), the cell set up and called once to warm up (its result then dropped, "
        "as a caller's would be), then the peak RSS "
        "(VmHWM) of the process and of every process it started is reset and the cell "
        "called again; the peak is the sum of those peaks over the baseline, its pools and "
        "workers included, and a third call under tracemalloc gives the peak of the Python "
        "objects the calling process allocates. Where threads share one Counter with no "
        "lock, the counts lost are recorded with each sample, and every remedy is checked "
        "exact.",
        "",
        "Workloads:",
        "",
        *[f"- `{k}`: {v}" for k, v in docs[0]["workloads"].items()],
        "",
        "## Results",
        "",
    ]
    for d in docs:
        lines += results_table(d)
    lines += ["## Interpreters", "", *interpreters_table(docs)]
    out = folder / "report.md"
    out.write_text("\n".join(lines))
    return out


REQUIRED_FIELDS = ("workload", "threads", "bytes", "median_s", "min_s", "max_s", "runs")
# What every result's "memory" holds (word_count.bench.memory).
MEMORY_FIELDS = ("baseline_bytes", "peak_bytes", "call_growth_bytes", "traced_peak_bytes")
# What a lossy workload's result holds besides: the counts lost per call.
LOST_FIELDS = ("expected", "lost", "lost_q1", "lost_q3", "lost_max", "lost_share")


def check_complete(doc: Doc) -> list[str]:
    """What a result file lacks: a field, an interpreter detail, or a workload x thread x
    size cell its settings promised. Empty when it is complete."""
    problems = []
    for key in ("version", "free_threaded", "gil_enabled", "config_args", "cflags"):
        if key not in doc.get("interpreter", {}):
            problems.append(f"interpreter.{key} is missing")
    if "cpu" not in doc.get("machine", {}):
        problems.append("machine.cpu is missing")
    for key in ("rustc", "pyo3", "maturin"):
        if key not in doc.get("build", {}):
            problems.append(f"build.{key} is missing")
    results = doc.get("results", [])
    for r in results:
        missing = [f for f in REQUIRED_FIELDS if f not in r]
        if missing:
            problems.append(f"a result lacks {missing}: {r}")
        elif r["runs"] < 1 or not 0 < r["min_s"] <= r["median_s"] <= r["max_s"]:
            problems.append(f"inconsistent timings: {r}")
    have = {
        (r.get("workload"), r.get("variant", ""), r.get("threads"), r.get("bytes")) for r in results
    }
    for r in results:
        memory = r.get("memory")
        if not isinstance(memory, dict) or not set(MEMORY_FIELDS) <= set(memory):
            problems.append(
                f"memory missing for {r.get('workload')} {r.get('variant', '')} at "
                f"{r.get('threads')} threads: {MEMORY_FIELDS} expected"
            )
        w = WORKLOADS.get(r.get("workload", ""))
        if w is not None and w.lossy:
            missing = [f for f in LOST_FIELDS if f not in r]
            if missing:
                problems.append(f"a {w.name} result lacks {missing}: counts lost not recorded")
    settings = doc.get("settings", {})
    # The workloads the run was asked for: those it names if it was given --workload, else
    # every workload declared now, so that a file written before a workload existed fails.
    promised = (doc.get("workloads") or {}) if doc.get("workload_filter") else WORKLOADS
    for n_bytes in {r.get("bytes") for r in results} or {None}:
        if n_bytes is None:
            problems.append("no results at all")
            break
        for w in WORKLOADS.values():
            if w.name not in promised or w.name in doc.get("skipped", {}):
                continue
            threads = settings.get("threads", []) if w.scales else [1]
            for variant, t in itertools.product(w.work, threads):
                if (w.name, variant, t, n_bytes) not in have:
                    what = f"result at {t} threads" if w.scales else f"{variant} result"
                    problems.append(f"no {w.name} {what} for {size_name(n_bytes)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    folder = Path(args[0] if args else "bench-results")
    if check:
        bad = False
        for doc in load(folder):
            for problem in check_complete(doc):
                print(f"{doc['label']}: {problem}", file=sys.stderr)
                bad = True
        if bad:
            return 1
    out = write_report(folder)
    print(f"wrote {out}")
    print(out.read_text().split("## Method")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
