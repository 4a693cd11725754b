"""The word-frequency rows of the kernels benchmark, on three texts: the text, the
high-cardinality text and the text's first ``SCALING_SIZE`` bytes; each call checked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import word_count
from word_count.bench.kernels.rows import NON_ASCII, Row
from word_count.bench.kernels.yardsticks import PIPELINE, pipeline
from word_count.bench.measure import Cell, frequency_mismatch, progress, repeat, size_name
from word_count.bench.text import cyrillic_words

SCALING_SIZE = 4 << 20  # every thread against one, on a text of this size (cut from the text)


def counter_sizes(result: Counter[str]) -> tuple[int, int]:
    return len(result), result.total()


def counter_of(result: Any) -> Any:
    return result


@dataclass
class FrequencyCall:
    """A word-frequency row's call, checked.

    Every call: the number of distinct words (the row's count) and their total, which
    must be the text's number of words (else RuntimeError); the total is a sum over the
    distinct words, in C: a tenth of a second for ten million of them, against seconds
    for the call. The first call (``measure``'s warm-up, whose time is not used) is also
    compared in full with ``reference``: every word, its count and the order of the
    words (``frequency_mismatch``). The reference is then dropped, so that the rounds run
    without it in memory."""

    what: str
    call: Callable[[], Any]
    words: int  # the total every call must give
    sizes: Callable[[Any], tuple[int, int]] = counter_sizes  # distinct words, total
    reference: Counter[str] | None = None
    as_counter: Callable[[Any], Any] = counter_of  # the result as a Counter

    def __call__(self) -> int:
        result = self.call()
        if self.reference is not None:
            problem = frequency_mismatch(self.as_counter(result), self.reference)
            if problem is not None:
                raise RuntimeError(f"{self.what}: {problem}")
            self.reference = None
        distinct, total = self.sizes(result)
        if total != self.words:
            raise RuntimeError(f"{self.what}: {total} words in all, expected {self.words}")
        return distinct


def add_to_new_counter(text: str) -> word_count.WordCounter:
    counter = word_count.WordCounter()
    counter.add(text)
    return counter


def counter_split(text: str) -> Counter[str]:
    return Counter(text.split())


def word_counter_sizes(counter: word_count.WordCounter) -> tuple[int, int]:
    return len(counter), counter.total


def frequency_rows(
    text: str, hc_text: str, path: str, hc_path: str, every: int, non_ascii: dict[str, str]
) -> tuple[list[Row], dict[str, int]]:
    """The word-frequency rows and the sizes of their references: on the
    text, on the high-cardinality text, and on the text's first SCALING_SIZE bytes (one
    thread against every thread), and on those bytes' words in Cyrillic (one thread,
    and the Counter); and one thread on each non-ASCII text (``non_ascii``,
    by kind: a free-threaded build reads its storage). A text's reference is
    ``Counter(text.split())``, made once; a row's ratios are to the rows of the same text
    named in ``versus``, and a non-ASCII row's to the (ASCII) text's."""
    cut = text.rfind("\n", 0, SCALING_SIZE) + 1
    small = text[:cut] if len(text) > SCALING_SIZE and cut else text
    wf = word_count.word_frequencies
    rows: list[Row] = []
    refs: dict[str, int] = {}
    for prefix, name, t, file, file_name in (
        ("", "text", text, path, "FILE"),
        ("hc_", "hc_text", hc_text, hc_path, "HC_FILE"),
        ("small_", f"text[:{size_name(SCALING_SIZE)}]", small, "", ""),
    ):
        progress(f"computing the reference word frequencies, Counter({name}.split()) ...")
        ref = counter_split(t)
        words = ref.total()
        refs[f"{prefix}distinct"], refs[f"{prefix}words"] = len(ref), words
        # id, what, threads, the call, how to read its result, its reference (if any)
        spec: list[tuple[str, str, int, Callable[[], Any], dict[str, Any]]] = [
            ("freq_1", f"word_frequencies({name}, 1)", 1, partial(wf, t, 1),
             {"reference": ref}),
            ("freq_all", f"word_frequencies({name}) [{every} threads]", every, partial(wf, t),
             {"reference": ref}),
        ]  # fmt: skip
        if file:
            spec += [
                ("freq_add", f"WordCounter().add({name}) [{every} threads]", every,
                 partial(add_to_new_counter, t),
                 {"reference": ref, "sizes": word_counter_sizes,
                  "as_counter": word_count.WordCounter.to_counter}),
                ("freq_counter", f"Counter({name}.split())", 1, partial(counter_split, t), {}),
                ("freq_pipeline", f"{PIPELINE.replace('FILE', file_name)} [sort: {every} threads]",
                 every, pipeline(file), {"sizes": tuple}),
            ]  # fmt: skip
        if file and not prefix:
            # The file path, on the text only: on hc_text a call takes seconds, and the
            # table, not the read, is what limits it.
            spec.append(
                ("freq_file", f"word_frequencies_file({file_name}) [{every} threads]", every,
                 partial(word_count.word_frequencies_file, file), {"reference": ref}),
            )  # fmt: skip
        ids = [id_ for id_, *_ in spec]
        versus = tuple(prefix + i for i in ("freq_counter", "freq_pipeline", "freq_1") if i in ids)
        for id_, what, threads, fn, check in spec:
            call = FrequencyCall(what, fn, words, **check)
            cell = Cell("frequencies", threads, repeat(call), len(ref), variant=what)
            # The file row against the same call on the text in memory, too.
            also = (prefix + "freq_all",) if id_ == "freq_file" else ()
            rows.append(Row(prefix + id_, what, cell, len(t.encode()), len(ref), versus + also))
    # The first SCALING_SIZE bytes' words in Cyrillic (cyrillic_words): a quarter of
    # them 17 to 32 bytes long, against almost none in the text. Its own Counter row,
    # since its bytes are not the text's (ratios of GB/s to the text's rows would
    # compare different amounts of text for the same words).
    ru = cyrillic_words(small)
    ru_name = f"cyrillic_words(text[:{size_name(SCALING_SIZE)}])"
    progress(f"computing the reference word frequencies, Counter({ru_name}.split()) ...")
    ref = counter_split(ru)
    refs["ru_distinct"], refs["ru_words"] = len(ref), ref.total()
    ru_spec: list[tuple[str, str, Callable[[], Any], Counter[str] | None]] = [
        ("ru_freq_1", f"word_frequencies({ru_name}, 1)", partial(wf, ru, 1), ref),
        ("ru_freq_counter", f"Counter({ru_name}.split())", partial(counter_split, ru), None),
    ]
    for id_, what, fn, reference in ru_spec:
        call = FrequencyCall(what, fn, ref.total(), reference=reference)
        cell = Cell("frequencies", 1, repeat(call), len(ref), variant=what)
        rows.append(Row(id_, what, cell, len(ru.encode()), len(ref), ("ru_freq_counter",)))
    for kind, s in non_ascii.items():
        progress(f"computing the reference word frequencies of the {kind} text ...")
        ref = counter_split(s)
        refs[f"{kind}_distinct"], refs[f"{kind}_words"] = len(ref), ref.total()
        what = f"word_frequencies(s, 1), s non-ASCII ({NON_ASCII[kind]!r})"
        call = FrequencyCall(what, partial(wf, s, 1), ref.total(), reference=ref)
        cell = Cell("frequencies", 1, repeat(call), len(ref), variant=what)
        versus = ("freq_counter", "freq_pipeline", "freq_1")
        rows.append(Row(f"{kind}_freq_1", what, cell, len(s.encode()), len(ref), versus))
    return rows, refs
