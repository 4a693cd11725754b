"""The Python-threads vs Rust-threads benchmark: ``python -m word_count.bench --help``.

It times the same workloads at 1, 2, 4 (and ``os.cpu_count()``) threads, interleaved and
repeated, checks every result against the reference count, and writes JSON that
``python -m word_count.bench.report`` turns into a report. See the README.
"""
