"""The CPU that every timing is printed beside. Standard library only: ci/test loads this
file by its path, before any environment has the package installed."""

from __future__ import annotations

import platform


def cpu_name() -> str:
    """The CPU's model and its widest x86 vector extension the kernels use, as every figure
    needs beside it: the model name alone ("AMD EPYC") does not tell Zen 3 (AVX2 only)
    from Zen 4 (AVX-512BW), and the kernel the module picks differs between them."""
    info: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                info.setdefault(key.strip(), value.strip())
    except OSError:
        return platform.processor() or platform.machine()
    flags = set(info.get("flags", "").split())
    simd = "AVX-512BW" if "avx512bw" in flags else "AVX2" if "avx2" in flags else ""
    family = f"family {info['cpu family']}, model {info['model']}" if "model" in info else ""
    name = info.get("model name") or info.get("CPU part") or platform.machine()
    details = ", ".join(filter(None, [family, simd]))
    return f"{name} ({details})" if details else name
