"""The benchmarks, in the wheel so that they measure the module as it is installed.

- ``python -m word_count.bench --help``: the Python-threads vs Rust-threads benchmark. It
  times the same workloads at 1, 2, 4 (and ``os.cpu_count()``) threads, interleaved and
  repeated, checks every result against the reference count, and writes JSON;
- ``python -m word_count.bench.report``: turns those JSON files into a report;
- ``python -m word_count.bench.kernels --help``: the kernels against memory bandwidth,
  ``wc -w``, ``grep`` and pure Python (a package: rows, memory probes, targets, ...);
- ``python -m word_count.bench.merge_cost --help``: what merging word frequencies costs
  the client of a Dask cluster;
- ``python -m word_count.bench.thread_end``: what a Python thread's start and end cost,
  and how that grows, on a free-threaded build, with what ended threads left behind.

What they share: ``measure`` (how a cell is timed and checked, and what every result
file records), ``text`` (the generated texts) and, for the first and the report,
``workloads`` (each workload declared once). docs/benchmarks.md has the method and the
results.
"""
