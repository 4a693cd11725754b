"""How fast the kernels are, against the machine and the usual tools:
``python -m word_count.bench.kernels [--quick] [--size 100M] [--hc-size 100M] [--check]
[--out FILE]`` (``--help`` for the rest).

What is measured, against which yardsticks, how every count is checked and which
targets are held: docs/benchmarks.md, "How the kernels benchmark measures". The method
of timing is ``word_count.bench.measure``'s, shared with the main benchmark.

- ``rows``: the rows timed, each a Cell and the count it must return;
- ``frequencies``: the word-frequency rows, on three texts;
- ``yardsticks``: the summing loop's buffer, ``wc``, ``grep`` and the shell's pipeline;
- ``memory``: the word-frequency calls' memory, each probed in a process of its own;
- ``results``: each row's throughput and ratios, from its timings;
- ``targets``: the targets, PASS, FAIL or MISS;
- ``markdown``: the tables and checks it prints;
- ``__main__``: the command line.
"""
