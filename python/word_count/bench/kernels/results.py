"""What the rows' timings give: one result per row, with its throughput and its ratios
to the yardsticks, each paired by round."""

from __future__ import annotations

from typing import Any

from word_count.bench.kernels.rows import NON_ASCII, FirstCall, Row
from word_count.bench.measure import Key, paired, quantiles


def rate_ratios(a: Row, ta: list[float], b: Row, tb: list[float]) -> dict[str, float]:
    """Row ``a``'s throughput over row ``b``'s, paired by round: median and quartiles."""
    return ratio_stats(paired([a.n_bytes / x for x in ta], [b.n_bytes / y for y in tb]))


def ratio_stats(quartiles: tuple[float, float, float]) -> dict[str, float]:
    """A paired ratio's quartiles as a row records them."""
    q1, med, q3 = quartiles
    return {"median": med, "q1": q1, "q3": q3}


def row_results(
    rows: list[Row],
    times: dict[Key, list[float]],
    probes: dict[str, FirstCall],
) -> list[dict[str, Any]]:
    """One result per row (the non-ASCII rows give three: first call, second call and
    the conversion, their difference), each with its ratios to the yardsticks."""
    series: list[tuple[Row, str, str, list[float]]] = []
    for row in rows:
        ts = times[row.cell.key]
        if row.cell.workload == "utf8":
            samples = probes[row.id.removeprefix("utf8_")].samples[-len(ts) :]
            first = [a for a, _ in samples]
            second = [b for _, b in samples]
            char = NON_ASCII[row.id.removeprefix("utf8_")]
            series += [
                (row, f"{row.id}_first", f"word_count(s, 1), fresh {char!r} str, 1st call",
                 first),
                (row, f"{row.id}_second", f"word_count(s, 1), same {char!r} str, 2nd call", second),
                (row, f"{row.id}_conversion", f"UTF-8 copy of a {char!r} str (1st - 2nd)",
                 [a - b for a, b in samples]),
            ]  # fmt: skip
        else:
            series.append((row, row.id, row.what, [t / row.calls for t in ts]))
    by_id = {id_: (row, ts) for row, id_, _, ts in series}
    out = []
    for row, id_, what, ts in series:
        q1, med, q3 = quantiles(ts)
        # The main benchmark's field names, so that a reader of one reads the other.
        stats = zip(("q1_s", "median_s", "q3_s", "min_s", "max_s", "runs"),
                    (q1, med, q3, min(ts), max(ts), len(ts)), strict=True)  # fmt: skip
        res: dict[str, Any] = {
            "id": id_,
            "what": what,
            "group": row.cell.workload,
            "threads": row.cell.threads,
            "bytes": row.n_bytes,
            "count": None if id_.endswith("_conversion") else row.count,
            **dict(stats),
        }
        # A conversion within noise of zero (the free-threaded wheel reads a str's own
        # storage and makes no copy) has no rate: under 10% of the second call's time.
        no_copy = (
            id_.endswith("_conversion")
            and med < 0.1 * quantiles(by_id[id_.removesuffix("_conversion") + "_second"][1])[1]
        )
        if row.n_bytes and med > 0 and not no_copy:
            res["gb_per_s"] = row.n_bytes / med / 1e9
            res["gb_per_s_q1"] = row.n_bytes / q3 / 1e9 if q3 > 0 else None
            res["gb_per_s_q3"] = row.n_bytes / q1 / 1e9 if q1 > 0 else None
        if row.n_bytes and not id_.endswith("_conversion"):
            for ref in ("sum_text", "sum_big"):
                res[f"x_{ref}"] = rate_ratios(row, ts, *by_id[ref])
            for other in row.versus:
                if other != id_:
                    res[f"x_{other}"] = rate_ratios(row, ts, *by_id[other])
        if row.cell.workload == "call":
            res["ns_per_call"] = med * 1e9
            res["x_noop"] = ratio_stats(paired(ts, by_id["call_noop"][1]))
        out.append(res)
    return out
