"""A deterministic, English-like benchmark text: no download, same bytes on every run."""

from __future__ import annotations

import itertools
import random
import re
import zlib

# The most common English words, most common first, then made-up words: the text has
# a Zipf-like spread of word frequencies, like real prose, and "the" is common.
COMMON = (  # noqa: SIM905 -- a sentence reads better than 100 quoted words
    "the of and to a in is you that it he was for on are as with his they I at be this "
    "have from or one had by word but not what all were we when your can said there use "
    "an each which she do how their if will up other about out many then them these so "
    "some her would make like him into time has look two more write go see number no way "
    "could people my than first water been call who oil its now find long down day did "
    "get come made may part"
).split()
# What both benchmarks search for: the most common word, a match every few tokens.
NEEDLE = "the"
SYLLABLES = "ka lo mi ne ru sa ti vo be da fe gi ho ju ly pe qu re so tu wa xe yo ze".split()  # noqa: SIM905


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    made_up: set[str] = set()
    while len(made_up) < size - len(COMMON):
        made_up.add("".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))))
    return COMMON + sorted(made_up)


def make_text(n_bytes: int, seed: int = 2026) -> str:
    """About ``n_bytes`` of ASCII prose-like text: lines of 8-16 words, some punctuation.

    ASCII on purpose: the benchmark measures threads and the GIL, not the one-off cost
    of CPython building a UTF-8 copy of a non-ASCII str (which happens once per str and
    is then cached). 1 MiB blocks are generated and tiled in a seeded order, so that
    100 MB take seconds, not minutes, to make.
    """
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    blocks = []
    for _ in range(min(8, max(1, n_bytes >> 20))):
        lines, size = [], 0
        while size < min(n_bytes, 1 << 20):
            words = rng.choices(vocab, weights, k=rng.randint(8, 16))
            if rng.random() < 0.3:
                words[-1] += rng.choice(",.;:!?")
            line = " ".join(words)
            lines.append(line)
            size += len(line) + 1
        blocks.append("\n".join(lines) + "\n")
    parts, size = [], 0
    while size < n_bytes:
        block = rng.choice(blocks)
        parts.append(block)
        size += len(block)
    text = "".join(parts)
    # Cut at a line end, so no word is cut in half.
    return text[: text.rfind("\n", 0, n_bytes) + 1] or text


# The Latin letters' Cyrillic stand-ins (the first 26 of the Russian alphabet), and
# endings of 0 to 6 letters, as Russian inflects its words.
_CYRILLIC = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "абвгдежзийклмнопрстуфхцчшщАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩ",
)
_ENDINGS = ("", "а", "ов", "ами", "ения", "ностью")  # noqa: RUF001 -- Cyrillic on purpose


def cyrillic_words(text: str) -> str:
    """``text`` with every run of Latin letters written in Cyrillic and given an ending
    picked by the run (its CRC-32), the same for every occurrence: the same words and
    separators, so the same number of words, each of two bytes a letter in UTF-8 and
    some letters longer. On make_text's prose a quarter of the words then have 17 to 32
    bytes, which the frequencies' table keys apart from shorter ones, as in Russian
    prose, whose words average some six letters."""
    cache: dict[str, str] = {}

    def word(match: re.Match[str]) -> str:
        run = match.group(0)
        out = cache.get(run)
        if out is None:
            out = run.translate(_CYRILLIC) + _ENDINGS[zlib.crc32(run.encode()) % len(_ENDINGS)]
            cache[run] = out
        return out

    return re.sub("[A-Za-z]+", word, text)


def split_at_lines(text: str, n: int) -> list[str]:
    """``text`` in ``n`` pieces of about equal size, each cut just after a newline, so
    that no word and no token is cut in two."""
    cuts = [0]
    for k in range(1, n):
        at = text.find("\n", max(len(text) * k // n, cuts[-1]))
        cuts.append(len(text) if at < 0 else at + 1)
    cuts.append(len(text))
    return [text[a:b] for a, b in itertools.pairwise(cuts)]


# The high-cardinality text: every word made of LETTERS, all of one length, about one
# distinct word per BYTES_PER_DISTINCT bytes of text (10 million at 100 MiB).
LETTERS = "abcdefghijklmnopqrstuvwxyz"
BYTES_PER_DISTINCT = 10


def _fixed_words(length: int, n: int) -> list[str]:
    """The first ``n`` words of ``length`` letters, in base-26 order ("aa", "ab", ...)."""
    if length <= 2:
        return ["".join(p) for p in itertools.islice(itertools.product(LETTERS, repeat=length), n)]
    pairs = _fixed_words(2, 26**2)
    heads = _fixed_words(length - 2, -(-n // len(pairs)))
    return [h + p for h in heads for p in pairs][:n]


def distinct_words(n_bytes: int) -> tuple[int, int]:
    """How many distinct words a ``make_distinct_text(n_bytes)`` holds, and their length."""
    n = max(1, n_bytes // BYTES_PER_DISTINCT)
    length = 1
    while len(LETTERS) ** length < n:
        length += 1
    return n, length


def make_distinct_text(n_bytes: int, seed: int = 2026) -> str:
    """About ``n_bytes`` of ASCII text in which nearly every word is rare: one distinct
    word per ``BYTES_PER_DISTINCT`` bytes (10 million in 100 MiB), each appearing once or
    twice (more only in texts under a few MiB, whose words are shorter), in lines of
    8-16 words. A word-frequency table of it is as large as the result can be.

    The words are fixed-width base-26 numbers written in letters ("aaaaa", "aaaab", ...),
    so no two collide; their occurrences are spread through the text by taking every
    S-th one from S shuffled starting points (extended slices: C speed), then the lines
    are shuffled, so that neither a word's neighbours nor its second occurrence are near
    it in the base-26 order. 100 MiB take a few seconds to make. Deterministic: the same
    bytes for the same arguments.
    """
    rng = random.Random(seed)
    n_distinct, length = distinct_words(n_bytes)
    words = _fixed_words(length, n_distinct)
    occurrences = max(n_distinct, n_bytes // (length + 1))  # each word and its separator
    repeats, rest = divmod(occurrences, n_distinct)
    pool = words * repeats + words[:rest]
    del words
    stride = 1009  # prime: the slices take every word once
    starts = list(range(min(stride, len(pool))))
    rng.shuffle(starts)
    order = list(itertools.chain.from_iterable(pool[s :: len(starts)] for s in starts))
    del pool
    widths = [rng.randint(8, 16) for _ in range(997)]
    lines, at = [], 0
    for width in itertools.cycle(widths):
        if at >= len(order):
            break
        lines.append(" ".join(order[at : at + width]))
        at += width
    rng.shuffle(lines)
    return "\n".join(lines) + "\n"
