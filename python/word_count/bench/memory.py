"""The memory each cell's work takes, measured apart from the timings, untimed: every cell
in a process of its own, so that nothing else the benchmark did (its freed arenas, its
pools, its earlier peaks) weighs on the numbers.

In that process, once the text is read (``baseline``: the interpreter, the package and
the text), the cell is set up as for its timing (its chunks, its pool of threads,
processes or interpreters) and called once to warm up; then, each time with the last
call's result dropped first (``Cell.forget``), as a caller's would be:

- with the peak RSS (VmHWM) of the process and of every process it started reset just
  before (Linux's ``/proc/PID/clear_refs``), called once more. ``peak_bytes``: the sum of
  those peaks over the baseline, what the work holds at its height, its pool and
  workers included (the processes workloads' workers are children, a subinterpreter
  lives in the process), and the memory its allocators kept from the warm-up call;
  ``call_growth_bytes``: the peaks over the RSS just before the call, what the call
  needed beyond what the process already held (allocators reuse what they kept, so it
  can be 0);
- under ``tracemalloc``, called a third time: the peak of the Python objects the calling
  process allocates (what it cannot see: memory Rust allocates, and other processes').

Each call's count is checked as in the timings (``measure.timed``).
"""

from __future__ import annotations

import gc
import json
import mmap
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

from word_count.bench.measure import timed
from word_count.bench.workloads import cells, references


def status_kib(pid: int, field_name: str) -> int | None:
    """A field of /proc/PID/status in KiB (VmRSS, VmHWM), or None (no /proc, or gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return None


def reset_peak_rss(pid: int) -> bool:
    """Reset a process's peak RSS (VmHWM) to its current RSS: clear_refs "5"."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _descendants(root: int) -> list[int]:
    """The processes ``root`` started, and theirs: from each /proc/PID/stat's parent."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # The name, in parentheses, may hold spaces: the fields after its last ")".
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == pid]
        found += kids
        frontier += kids
    return found


def cell_memory(
    workload: str, variant: str, threads: int, path: str, start_method: str
) -> dict[str, Any]:
    """The memory of one call of a cell on the text in the file at ``path``, its checks'
    references in ``path``.json (``workloads.references``; computing them here would
    split the whole text and leave that memory to the process, for the work to reuse
    unseen). See the module's docstring. Run in a process of its own by
    ``memory_in_child``."""
    known = json.loads(Path(path + ".json").read_text())
    # Decoded straight from the mapped file: no copy of the text is freed before the call.
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        text = str(mapped, "utf-8")
    gc.collect()
    baseline = status_kib(os.getpid(), "VmRSS")
    with cells(text, [threads], start_method, [workload], known) as cell_list:
        (cell,) = (c for c in cell_list if c.key == (workload, variant, threads))
        timed(cell, 1)  # warm-up: pools and their workers, caches, page faults
        if cell.forget is not None:
            cell.forget()
        gc.collect()
        pids = [os.getpid(), *_descendants(os.getpid())]
        reset = all([reset_peak_rss(p) for p in pids])
        before = {p: status_kib(p, "VmRSS") for p in pids}
        timed(cell, 1)
        peak = {p: status_kib(p, "VmHWM") for p in pids}
        if cell.forget is not None:
            cell.forget()
        gc.collect()
        tracemalloc.start()
        timed(cell, 1)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    measured = [p for p in pids if before[p] is not None and peak[p] is not None]
    probe: dict[str, Any] = {
        "processes": len(pids),
        "traced_peak_bytes": traced_peak,
        "baseline_bytes": None,
        "peak_bytes": None,
        "call_growth_bytes": None,
        "rss_method": "none: no /proc/PID/status",
    }
    if baseline is not None and os.getpid() in measured:
        peaks = sum(peak[p] or 0 for p in measured)
        probe.update(
            baseline_bytes=baseline * 1024,
            peak_bytes=(peaks - baseline) * 1024,
            call_growth_bytes=(peaks - sum(before[p] or 0 for p in measured)) * 1024,
            rss_method="VmHWM, reset by /proc/PID/clear_refs just before the call"
            if reset
            else "VmHWM since each process started (clear_refs refused): may overstate",
        )
    return probe


def write_text(text: str, path: Path) -> None:
    """The text and its references, for ``memory_in_child``."""
    path.write_text(text, encoding="utf-8")
    Path(f"{path}.json").write_text(json.dumps(references(text)))


def memory_in_child(
    workload: str, variant: str, threads: int, path: str, start_method: str
) -> dict[str, Any]:
    """``cell_memory`` in a fresh interpreter, the same as this one."""
    code = (
        "import json, sys\n"
        "from word_count.bench.memory import cell_memory\n"
        "print(json.dumps(cell_memory(*json.loads(sys.argv[1]))))\n"
    )
    args = json.dumps([workload, variant, threads, path, start_method])
    proc = subprocess.run(
        [sys.executable, "-c", code, args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(
            f"the memory probe of {workload} {variant} at {threads} threads failed:\n{proc.stderr}"
        )
    probe: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    return probe
