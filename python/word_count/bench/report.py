"""Merge benchmark results into a report: ``python -m word_count.bench.report [--check] [DIR]``.

Reads every ``DIR/*.json`` that ``python -m word_count.bench`` wrote (default
``bench-results``) and writes ``DIR/report.md`` and one speedup chart per text size
(``DIR/speedup-<size>.png``, if matplotlib is installed). Every sentence of the summary is
drawn from the numbers; nothing in it is written by hand. ``--check`` first fails if any
result file lacks a workload, thread count or field its settings promised.

This file needs only the standard library (and matplotlib for charts): it does not
import the compiled extension, so it runs from a source checkout too.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

# A result file as json.load gives it, and one of its results.
Doc = dict[str, Any]
Row = dict[str, Any]

WORKLOAD_ORDER = [
    "python-threads",
    "rust-attached-threads",
    "rust-detached-threads",
    "rust-threads",
    "processes",
    "shared-counter",
]
PLAIN_NAMES = {
    "python-threads": "pure-Python threads",
    "rust-attached-threads": "Python threads calling attached Rust",
    "rust-detached-threads": "Python threads calling detached Rust",
    "rust-threads": "Rust threads in one call",
    "processes": "processes",
    "shared-counter": "threads sharing one WordCounter",
}
# The claims the project makes, each checked against the numbers at 2 threads.
GIL_BOUND = ["python-threads", "rust-attached-threads"]
FT_AT_LEAST, GIL_AT_MOST, RUST_AT_LEAST = 1.5, 1.25, 1.3


def load(folder: Path) -> list[Doc]:
    docs = []
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text())
        if doc.get("schema") == 1 and "results" in doc:
            docs.append(doc)
    # GIL builds first, then free-threaded, each by version.
    docs.sort(key=lambda d: (d["interpreter"]["version"], d["interpreter"]["free_threaded"]))
    return docs


def size_name(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.0f}MiB" if n_bytes >= 2**20 else f"{n_bytes / 2**10:.0f}KiB"


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
    if any(d["settings"]["quick"] for d in docs):
        out.append("Some results come from `--quick` runs: fewer rounds, wider spreads.")
    return out


def fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}×"


def summary(docs: list[Doc], sizes: list[int]) -> list[str]:
    """Plain-words findings, each computed from the numbers."""
    lines = []
    gil = [d for d in docs if not d["interpreter"]["free_threaded"]]
    ft = [d for d in docs if d["interpreter"]["free_threaded"]]
    for n_bytes in sizes:
        lines.append(f"**{size_name(n_bytes)} text, speedup at 2 threads over 1 thread:**")
        lines.append("")
        for w in WORKLOAD_ORDER:
            parts = [
                f"{fmt(speedup(d, w, 2, n_bytes))} on {d['label']}"
                for d in docs
                if row(d, w, 2, n_bytes)
            ]
            if parts:
                lines.append(f"- {PLAIN_NAMES[w]}: {', '.join(parts)}")
        lines.append("")
        for g in gil:
            for f in ft:
                lines.extend(findings(g, f, n_bytes))
        lines.append("")
    return lines


def findings(g: Doc, f: Doc, n_bytes: int) -> list[str]:
    out = []
    bound = []
    for w in GIL_BOUND:
        sg, sf = speedup(g, w, 2, n_bytes), speedup(f, w, 2, n_bytes)
        if sg is None or sf is None:
            continue
        holds = sf >= FT_AT_LEAST and sg <= GIL_AT_MOST
        bound.append(holds)
        out.append(
            f"- {PLAIN_NAMES[w][0].upper()}{PLAIN_NAMES[w][1:]} "
            f"{'speed up only without the GIL' if holds else 'do not show the GIL contrast'}"
            f": {fmt(sf)} on {f['label']} (claim: at least {FT_AT_LEAST}×) against "
            f"{fmt(sg)} on {g['label']} (claim: at most {GIL_AT_MOST}×)."
        )
    sg, sf = speedup(g, "rust-threads", 2, n_bytes), speedup(f, "rust-threads", 2, n_bytes)
    if sg is not None and sf is not None:
        both = min(sg, sf) >= RUST_AT_LEAST
        out.append(
            f"- Rust threads in one call {'speed up on both builds' if both else 'fall short'}"
            f": {fmt(sg)} on {g['label']}, {fmt(sf)} on {f['label']} "
            f"(claim: at least {RUST_AT_LEAST}× on both)."
        )
    sg = speedup(g, "rust-detached-threads", 2, n_bytes)
    sf = speedup(f, "rust-detached-threads", 2, n_bytes)
    if sg is not None and sf is not None:
        out.append(
            f"- Detaching is what lets Python threads run Rust in parallel on a GIL build: "
            f"detached Rust {fmt(sg)} on {g['label']}, {fmt(sf)} on {f['label']}."
        )
    penalties = []
    for variant in ("search_py", "str.split", "WordCounter.add", "word_count"):
        rg = row(g, "single-thread", 1, n_bytes, variant)
        rf = row(f, "single-thread", 1, n_bytes, variant)
        if rg and rf:
            penalties.append(f"{variant} {rf['median_s'] / rg['median_s']:.2f}×")
    if penalties:
        out.append(
            f"- On one thread, {f['label']} takes this long relative to {g['label']} "
            f"(above 1 is the free-threaded build's single-thread cost): {', '.join(penalties)}."
        )
    return out


def size_findings(docs: list[Doc], sizes: list[int]) -> list[str]:
    """How scaling changes from the smallest text to each larger one, from the numbers:
    whether memory bandwidth caps the Rust kernels is measured here, not assumed."""
    if len(sizes) < 2:
        return []
    small, out = sizes[0], []
    for big in sizes[1:]:
        for d in docs:
            for w in ("rust-threads", "rust-detached-threads", "python-threads"):
                rs, rb = row(d, w, 2, small), row(d, w, 2, big)
                if not (rs and rb and "speedup" in rs and "speedup" in rb):
                    continue
                drop = rb["speedup"] < 0.85 * rs["speedup"]
                verdict = (
                    "scaling drops on the large text, which no longer fits in cache"
                    if drop
                    else "scaling holds on the large text"
                )
                out.append(
                    f"- {PLAIN_NAMES[w][0].upper()}{PLAIN_NAMES[w][1:]} on {d['label']}: "
                    f"{fmt(rb['speedup'])} at {size_name(big)} ({rb['gb_per_s']:.2f} GB/s) "
                    f"against {fmt(rs['speedup'])} at {size_name(small)} "
                    f"({rs['gb_per_s']:.2f} GB/s): {verdict}."
                )
        one = [
            r["gb_per_s"]
            for d in docs
            for r in d["results"]
            if r["bytes"] == big and r["threads"] == 1 and r["workload"].startswith("rust")
        ]
        if one:
            out.append(
                f"- On one thread the Rust kernels count {min(one):.1f}-{max(one):.1f} GB/s at "
                f"{size_name(big)}. Where that is well under what one core can read from "
                "memory, they are limited by computation, not by memory bandwidth."
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
                    r["workload"] == "python-threads"
                    and r["bytes"] == n_bytes
                    and r["threads"] > 2
                    and r.get("speedup", 0) > GIL_AT_MOST
                ):
                    out.append(
                        f"- On {d['label']} (GIL) pure-Python threads gain {fmt(r['speedup'])} at "
                        f"{r['threads']} threads on the {size_name(n_bytes)} text. That is not "
                        "parallelism: under the GIL the chunks are split one after another, so "
                        "each word list is smaller and stays in cache."
                    )
    return [*out, ""] if out else []


def results_table(doc: Doc) -> list[str]:
    lines = [
        f"### {doc['label']}",
        "",
        "| size | workload | variant | threads | median ms | q1–q3 ms | min–max ms | runs "
        "| GB/s | speedup (q1–q3) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in doc["results"]:
        sp = ""
        if "speedup" in r:
            sp = f"{r['speedup']:.2f}× ({r['speedup_q1']:.2f}–{r['speedup_q3']:.2f})"
        lines.append(
            f"| {size_name(r['bytes'])} | {r['workload']} | {r['variant']} | {r['threads']} "
            f"| {r['median_s'] * 1e3:.2f} | {r['q1_s'] * 1e3:.2f}–{r['q3_s'] * 1e3:.2f} "
            f"| {r['min_s'] * 1e3:.2f}–{r['max_s'] * 1e3:.2f} | {r['runs']} "
            f"| {r['gb_per_s']:.3f} | {sp} |"
        )
    return [*lines, ""]


def interpreters_table(docs: list[Doc]) -> list[str]:
    lines = [
        "| label | version | free-threaded | GIL at run time | configure flags | CPUs "
        "| rounds budget | word-count source | built with | created |",
        "|---|---|---|---|---|---:|---|---|---|---|",
    ]
    for d in docs:
        i, s, b = d["interpreter"], d["settings"], d["build"]
        lines.append(
            f"| {d['label']} | {i['version']} | {i['free_threaded']} "
            f"| {'on' if i['gil_enabled'] else 'off'} | `{i['config_args']}` "
            f"| {d['machine']['cpu_count']} | {s['budget_s']:.0f} s"
            f"{' (quick)' if s['quick'] else ''} | {d['package'].get('source', 'unknown')} "
            f"| {b['rustc']}, PyO3 {b['pyo3']}, {b['maturin']} | {d['created']} |"
        )
    return [*lines, ""]


def chart(docs: list[Doc], n_bytes: int, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharey=True)
    top = 1.0
    for ax, w in zip(axes.flat, WORKLOAD_ORDER, strict=True):
        threads_seen: set[int] = set()
        for d in docs:
            pts = sorted(
                (r["threads"], r["speedup"], r["speedup_q1"], r["speedup_q3"])
                for r in d["results"]
                if r["workload"] == w and r["bytes"] == n_bytes and "speedup" in r
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
        ax.set_title(PLAIN_NAMES[w], fontsize=10)
        ax.set_xlabel("threads")
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("speedup over 1 thread")
    for ax in axes.flat:
        ax.set_ylim(0, top * 1.1)
    axes.flat[0].legend(fontsize=9)
    cpus = docs[0]["machine"]["cpu_count"]
    fig.suptitle(
        f"word-count: what changes once the GIL is gone ({size_name(n_bytes)} text, {cpus} CPUs;"
        " median and quartiles)",
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
        f"{', '.join(d['label'] + '.json' for d in docs)}.",
        "",
    ]
    warnings = twin_warnings(docs)
    if warnings:
        lines += [f"> {w}" for w in warnings] + [""]
    lines += ["## Summary", "", *summary(docs, sizes)]
    lines += size_findings(docs, sizes) + gil_cache_note(docs, sizes)
    lines += [f"![speedup chart]({c.name})" for c in charts] + [""]
    lines += [
        "## Method",
        "",
        "Each cell (workload × threads) is warmed up, then timed in rounds; every round "
        "runs every cell once, in a new shuffled order, until each median moves less than "
        "2% between rounds or the time budget is spent. A speedup is the median, over "
        "rounds, of t(1 thread) / t(N threads) timed in the same round; the quartiles give "
        "its spread. Every result is checked against the reference count. Where Python "
        "threads call Rust, each thread repeats its call (about 50 ms of work per sample), "
        "so the numbers measure threads working side by side, not thread start-up.",
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
SINGLE_THREAD_VARIANTS = {
    "str.split",
    "search_py",
    "search_sequential",
    "word_count",
    "WordCounter.add",
}


def check_complete(doc: Doc) -> list[str]:
    """What a result file lacks: a field, an interpreter detail, or a workload x thread x
    size cell its settings promised. Empty when it is complete."""
    problems = []
    for key in ("version", "free_threaded", "gil_enabled", "config_args"):
        if key not in doc.get("interpreter", {}):
            problems.append(f"interpreter.{key} is missing")
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
    settings = doc.get("settings", {})
    for n_bytes in {r.get("bytes") for r in results} or {None}:
        if n_bytes is None:
            problems.append("no results at all")
            break
        for w in WORKLOAD_ORDER:
            for t in settings.get("threads", []):
                if (w, "", t, n_bytes) not in have:
                    problems.append(f"no {w} result at {t} threads for {size_name(n_bytes)}")
        for v in SINGLE_THREAD_VARIANTS:
            if ("single-thread", v, 1, n_bytes) not in have:
                problems.append(f"no single-thread {v} result for {size_name(n_bytes)}")
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
