"""The targets the kernels are held to, each checked against one run's numbers: the
kernel targets, which fail a run given ``--check``, and the goals (frequent tokens, word
frequencies, files), read as PASS or MISS, which never change the exit status."""

from __future__ import annotations

from typing import Any

from word_count.bench.kernels.rows import RARE_NEEDLE
from word_count.bench.text import NEEDLE

# The kernel targets, as ratios measured in one run (and one absolute floor).
BANDWIDTH_SHARE = 0.35
FASTER_THAN_WC = 20.0
SEARCH_FLOOR_GBPS = 1.0
CALL_OVERHEAD_MAX = 2.0
# The goals (frequent tokens above, word frequencies, files): PASS or MISS, never an exit
# status.
FREQUENCIES_FLOOR_GBPS = 1.0  # word_frequencies(text, 1)
FASTER_THAN_COUNTER = 50.0  # ... against Counter(text.split())
FREQUENCIES_SCALING = 1.8
MEMORY_MAX = 2.0  # peak memory of word_frequencies(hc_text) over what its Counter holds
# The file targets, goals too: every thread against one, and a file against memory.
FILE_SCALING = 1.6
FILE_SHARE = 0.5


def checks(results: list[dict[str, Any]], memory: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target, from this run's numbers: a ratio measured in this run (median of
    per-round ratios), but for two floors in GB/s and the memory ratios.

    The goals do not gate: ``gates`` is False, and ``--check`` ignores them. They are
    read as PASS or MISS, for people to read."""
    r = {x["id"]: x for x in results}
    big = r["sum_big"]["what"]
    share = f"{BANDWIDTH_SHARE:.0%} of {big}"
    small = next(x["what"] for x in results if x["id"] == "small_freq_1")
    small_all = next(x["what"] for x in results if x["id"] == "small_freq_all")
    file_all, file_1, in_memory = (r[i]["what"] for i in ("word_count_file_all",
                                   "word_count_file_1", "word_count_all"))  # fmt: skip
    freq_file, freq_all = (r[i]["what"] for i in ("freq_file", "freq_all"))
    # name, row id, key, target, unit, gates
    targets = [
        (f"word_count(text, 1) reads at >= {share}", "word_count_1", "x_sum_big",
         BANDWIDTH_SHARE, "×", True),
        (f"word_count(text, 1) is >= {FASTER_THAN_WC:g}× as fast as wc -w", "word_count_1",
         "x_wc_w", FASTER_THAN_WC, "×", True),
        (f'search_sequential(text, "{RARE_NEEDLE}") reads at >= {share}',
         "search_sequential_rare", "x_sum_big", BANDWIDTH_SHARE, "×", True),
        (f'search_sequential(text, "{NEEDLE}") >= {SEARCH_FLOOR_GBPS:g} GB/s',
         "search_sequential_the", "gb_per_s", SEARCH_FLOOR_GBPS, "GB/s", True),
        (f'word_count("x") costs <= {CALL_OVERHEAD_MAX:g}× a call of _noop("x")',
         "call_word_count", "x_noop", CALL_OVERHEAD_MAX, "× (at most)", True),
        (f'search_sequential(text, "{NEEDLE}") reads at >= {share}',
         "search_sequential_the", "x_sum_big", BANDWIDTH_SHARE, "×", False),
        (f"a match at every other token, 1-byte needle, reads at >= {share}",
         "search_sequential_dense", "x_sum_big", BANDWIDTH_SHARE, "×", False),
        (f"a match at every other token, 16-byte needle, reads at >= {share}",
         "search_sequential_long", "x_sum_big", BANDWIDTH_SHARE, "×", False),
        (f"word_frequencies(text, 1) >= {FREQUENCIES_FLOOR_GBPS:g} GB/s", "freq_1",
         "gb_per_s", FREQUENCIES_FLOOR_GBPS, "GB/s", False),
        (f"word_frequencies(text, 1) is >= {FASTER_THAN_COUNTER:g}× as fast as "
         "Counter(text.split())", "freq_1", "x_freq_counter", FASTER_THAN_COUNTER, "×",
         False),
        (f"{small_all} is >= {FREQUENCIES_SCALING:g}× as fast as {small}", "small_freq_all",
         "x_small_freq_1", FREQUENCIES_SCALING, "×", False),
        (f"{file_all} is >= {FILE_SCALING:g}× as fast as {file_1}", "word_count_file_all",
         "x_word_count_file_1", FILE_SCALING, "×", False),
        (f"{file_all} reads at >= {FILE_SHARE:g}× the speed of {in_memory}",
         "word_count_file_all", "x_word_count_all", FILE_SHARE, "×", False),
        (f"{freq_file} reads at >= {FILE_SHARE:g}× the speed of {freq_all}",
         "freq_file", "x_freq_all", FILE_SHARE, "×", False),
    ]  # fmt: skip
    values: list[tuple[str, float | None, float, str, bool]] = []
    for name, row_id, key, target, unit, gates in targets:
        value = r[row_id].get(key)
        values.append(
            (name, value["median"] if isinstance(value, dict) else value, target, unit, gates)
        )
    probe = memory.get("word_frequencies")
    if probe:
        for key, how in (("traced_peak_bytes", "tracemalloc peak"),
                         ("rss_peak_growth_bytes", "RSS peak growth")):  # fmt: skip
            value = probe[key] / probe["result_bytes"] if probe[key] is not None else None
            values.append(
                (f"{probe['what']}: {how} <= {MEMORY_MAX:g}× what the Counter holds", value,
                 MEMORY_MAX, "× (at most)", False)
            )  # fmt: skip
    out = []
    for name, value, target, unit, gates in values:
        at_most = unit.endswith("(at most)")
        ok = value is not None and (value <= target if at_most else value >= target)
        out.append(
            {"name": name, "value": value, "target": target, "unit": unit.split()[0],
             "at_most": at_most, "pass": ok, "gates": gates}
        )  # fmt: skip
    return out
