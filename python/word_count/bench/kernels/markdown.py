"""The kernels benchmark's tables and checks, as Markdown: what it prints."""

from __future__ import annotations

from typing import Any

from word_count.bench.kernels.frequencies import SCALING_SIZE
from word_count.bench.kernels.rows import RARE_NEEDLE, SENTENCE
from word_count.bench.measure import size_name
from word_count.bench.text import NEEDLE


def ratio(res: dict[str, Any], key: str) -> str:
    r = res.get(key)
    return "" if r is None else f"{r['median']:.2f}"


def markdown(doc: dict[str, Any]) -> list[str]:
    """The tables and checks, as Markdown."""
    results = doc["rows"]
    big = next(r["what"] for r in results if r["id"] == "sum_big")
    lines = [
        f"## Kernels: {doc['settings']['text_bytes'] / 2**20:.1f} MiB text, "
        f"{doc['label']}, {doc['settings']['rounds']} rounds",
        "",
        "GB/s of input text: median and quartiles over the rounds. Ratios are paired by "
        "round (median of the per-round ratios); × wc/grep is the row's speed over that "
        "tool's on the same bytes.",
        "",
        f"| what | count | GB/s | q1–q3 GB/s | × _sum_bytes(text) | × {big} | × wc -w "
        "| × grep -c -w |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r["group"] in ("call", "frequencies"):
            continue
        # A checksum is no count to read: it is checked, and kept in the JSON.
        count = "" if r["count"] is None or r["group"] == "bandwidth" else f"{r['count']:,}"
        if "gb_per_s" in r:
            gbps = f"{r['gb_per_s']:.3f}"
            lo, hi = r["gb_per_s_q1"], r["gb_per_s_q3"]
            spread = f"{lo:.3f}–{hi:.3f}" if lo and hi else "n/a"
        else:
            gbps, spread = "none: 1st call no slower (no copy made)", ""
        lines.append(
            f"| `{r['what']}` | {count} | {gbps} | {spread} | {ratio(r, 'x_sum_text')} "
            f"| {ratio(r, 'x_sum_big')} | {ratio(r, 'x_wc_w')} | {ratio(r, 'x_grep_cw')} |"
        )
    lines += [
        "",
        f"Call overhead: one sample is a loop of {doc['settings']['calls']:,} calls, a "
        f"tenth as many of the word frequencies of SENTENCE = {SENTENCE!r}, by a lambda "
        "that takes `len()` of the Counter (the loop's own cost is in every row).",
        "",
        "| call | ns/call | q1–q3 ns | × _noop (q1–q3) |",
        "|---|---:|---:|---:|",
    ]
    for r in results:
        if r["group"] == "call":
            x = r["x_noop"]
            lines.append(
                f"| `{r['what']}` | {r['ns_per_call']:.1f} "
                f"| {r['q1_s'] * 1e9:.1f}–{r['q3_s'] * 1e9:.1f} "
                f"| {x['median']:.2f} ({x['q1']:.2f}–{x['q3']:.2f}) |"
            )
    lines += frequency_tables(doc)
    ref = doc["references"]
    lines += [
        "",
        "Counts, every call checked against these references: "
        f"{ref['words']:,} words (`len(text.split())`; word_count, word_count_file and "
        f"`wc -w` agree); {ref['the']:,} tokens `{NEEDLE}` (`search_py`; search, "
        f"search_sequential and search_file agree); {ref['rare']:,} tokens "
        f"`{RARE_NEEDLE}` (put into the text); {ref['the_lines']:,} lines holding the word "
        f"`{NEEDLE}` (what `grep -c -w` counts: lines, not occurrences; a regex reference); "
        f"word frequencies equal to `Counter(text.split())`: {ref['distinct']:,} distinct "
        f"words in the text, {ref['hc_distinct']:,} in hc_text ({ref['hc_words']:,} words), "
        f"{ref['small_distinct']:,} in text[:{size_name(SCALING_SIZE)}] and "
        f"{ref['ru_distinct']:,} in its words in Cyrillic (every call's number of distinct "
        "words and total; the first call's words, counts and order in full).",
        "",
        "Checks (the issues' targets; ratios from this one run). FAIL counts with --check; "
        "the goals (frequent tokens, word frequencies, files) never change the exit status: "
        "MISS.",
        "",
    ]
    for c in doc["checks"]:
        value = "n/a" if c["value"] is None else f"{c['value']:.2f}"
        verdict = "PASS" if c["pass"] else "FAIL" if c["gates"] else "MISS"
        lines.append(
            f"- {verdict}  {c['name']}: {value}"
            f"{'' if c['unit'] == '×' else ' '}{c['unit']} "
            f"(target {'<=' if c['at_most'] else '>='} {c['target']:g})"
        )
    i, m, b = doc["interpreter"], doc["machine"], doc["build"]
    lines += [
        "",
        f"Python {i['version']} ({'free-threaded' if i['free_threaded'] else 'GIL build'}, "
        f"GIL {'on' if i['gil_enabled'] else 'off'}), {i['compiler']}, {i['executable']}",
        f"- configure: `{i['config_args']}`",
        f"- CFLAGS: `{i['cflags']}`",
        f"- built with {b['rustc']}, PyO3 {b['pyo3']}, {b['maturin']}",
        f"- machine: {m.get('cpu', 'CPU not recorded')}, {m['cpu_count']} CPUs "
        f"({m['affinity']} usable), {m['platform']}",
        f"- tools: {'; '.join(doc['tools'].values())}; all with LC_ALL=C",
        f"- word_count {doc['package']['word_count']} from {doc['package']['source']}",
    ]
    return lines


def mb(n_bytes: int | None) -> str:
    return "n/a" if n_bytes is None else f"{n_bytes / 1e6:,.1f}"


def multiple(n_bytes: int | None, of: int) -> str:
    return "n/a" if n_bytes is None else f"{n_bytes / of:.2f}"


def frequency_tables(doc: dict[str, Any]) -> list[str]:
    """The word-frequency rows and the memory they take, as Markdown."""
    lines = [
        "",
        f"Word frequencies: on the text; on hc_text, {doc['settings']['hc_text_bytes'] / 2**20:.1f}"
        f" MiB of {doc['references']['hc_distinct']:,} distinct words (make_distinct_text); "
        f"on the text's first {size_name(SCALING_SIZE)}, and on its words in Cyrillic (each "
        "run of Latin letters in Cyrillic with an ending: two bytes a letter, a quarter of "
        "the words 17 to 32 bytes long); then one thread on each non-ASCII text. Ratios are "
        "to the rows on the same text (a non-ASCII text's: to the text's), paired by round.",
        "",
        "| what | distinct words | GB/s | q1–q3 GB/s | × Counter(….split()) "
        "| × tr \\| sort \\| uniq -c | × word_frequencies(…, 1) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in doc["rows"]:
        if r["group"] != "frequencies":
            continue
        prefix = r["id"][: r["id"].index("freq_")]
        # A text's own rows, else (a non-ASCII text's row) the ASCII text's.
        x = {
            of: ratio(r, f"x_{prefix}freq_{of}") or ratio(r, f"x_freq_{of}")
            for of in ("counter", "pipeline", "1")
        }
        what = r["what"].replace("|", "\\|")  # a | in a table cell, even in code
        lines.append(
            f"| `{what}` | {r['count']:,} | {r['gb_per_s']:.3f} "
            f"| {r['gb_per_s_q1']:.3f}–{r['gb_per_s_q3']:.3f} "
            f"| {x['counter']} | {x['pipeline']} | {x['1']} |"
        )
    lines += [
        "",
        "Memory on hc_text, each call in a fresh process, untimed: what the resulting Counter "
        "holds (its table, keys and counts, by sys.getsizeof), the peak of the Python "
        "objects allocated during the call (tracemalloc: not Rust's own memory), and the "
        "growth of the process's RSS (peak, and kept after the call: everything). MB.",
        "",
        "| call | Counter holds | tracemalloc peak | × Counter | RSS peak growth | × Counter "
        "| RSS kept |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for probe in doc["memory"].values():
        held = probe["result_bytes"]
        traced, rss = probe["traced_peak_bytes"], probe["rss_peak_growth_bytes"]
        lines.append(
            f"| `{probe['what']}` | {mb(held)} | {mb(traced)} | {multiple(traced, held)} "
            f"| {mb(rss)} | {multiple(rss, held)} "
            f"| {mb(probe['rss_kept_bytes'])} |"
        )
    lines += ["", f"RSS: {next(iter(doc['memory'].values()))['rss_method']}."]
    return lines
