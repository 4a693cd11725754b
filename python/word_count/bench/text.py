"""A deterministic, English-like benchmark text: no download, same bytes on every run."""

from __future__ import annotations

import itertools
import random

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


def split_at_lines(text: str, n: int) -> list[str]:
    """``text`` in ``n`` pieces of about equal size, each cut just after a newline, so
    that no word and no token is cut in two."""
    cuts = [0]
    for k in range(1, n):
        at = text.find("\n", max(len(text) * k // n, cuts[-1]))
        cuts.append(len(text) if at < 0 else at + 1)
    cuts.append(len(text))
    return [text[a:b] for a, b in itertools.pairwise(cuts)]
