"""The noxfile's sessions, a module a subject. noxfile.py registers them (names, tags,
what CI runs); each module holds a session's code and the helpers only it needs.

- config.py: what every session shares (PYTHONS, paths, pins)
- interpreters.py: CPython from ci/find-python, fresh venvs, pip
- toolchains.py: Debian packages, rustup targets, the AArch64 cross toolchain, nightly
- wheels.py: the release wheels, built once per source fingerprint
- dist.py: ``build`` (dist/, audited) and ``install-check``
- tests.py: ``tests-<version>``, ``latency``, ``tests-oldest``
- bench.py: ``bench-<version>``, ``bench-kernels``, ``report``
- rust.py: ``rust``, ``rust-avx512``, ``fuzz``
- aarch64.py: ``rust-aarch64``, ``tests-aarch64``, ``insns-aarch64``
- lint.py: ``lint``
- sanitizers.py: what ``asan`` and ``tsan`` share
- asan.py, tsan.py, miri.py: ``asan``, ``tsan``, ``miri``
"""
