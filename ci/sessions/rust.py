"""The Rust core: ``rust`` (fmt, clippy, tests), ``rust-avx512`` (the AVX-512BW kernels'
tests, emulated where the CPU lacks it), ``fuzz``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import nox

from .config import CARGO_FUZZ, ROOT
from .toolchains import apt_install


def rust(session: nox.Session) -> None:
    """cargo fmt --check, clippy with warnings as errors, and the core's tests."""
    cargo = ["cargo"]
    session.run(*cargo, "fmt", "--all", "--check")
    session.run(*cargo, "clippy", "--workspace", "--all-targets", "--", "-D", "warnings")
    session.run(*cargo, "test", "--workspace")


# The core's tests that reach the AVX-512BW kernels: their own (every kernel against the
# scalar model, 1000 cases each), and those of the word counts built on the word-start
# kernel (the only caller, encoding.rs's count of word starts). The token search kernels'
# tests (UTF-8 and a str's storage) and the storage word-start kernels' check them
# directly. The rest of the core has no AVX-512 code, and under Bochs all of it took 8 of
# CI's minutes on an AMD machine.
AVX512_TESTS = ["word_starts::", "words::", "text::", "chunks::", "stream::", "token_masks::",
                "str_storage::", "storage_tokens::"]  # fmt: skip


def has_avx512bw() -> bool:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(
        line.startswith("flags") and "avx512bw" in line.split() for line in cpuinfo.splitlines()
    )


def rust_avx512(session: nox.Session) -> None:
    """The AVX-512BW kernel's tests (AVX512_TESTS): on this CPU if it has AVX-512BW,
    else on an emulated one (Bochs, ci/bochs/run), so the kernel is tested on machines
    without it; fails unless that kernel ran. Arguments after -- go to the test binary
    (default: AVX512_TESTS, 1000 cases each); `-- --bochs` emulates even where the CPU
    has AVX-512BW."""
    posargs = list(session.posargs)
    emulate = "--bochs" in posargs or not has_avx512bw()
    posargs = [a for a in posargs if a != "--bochs"]
    args = posargs or ["--test-threads=1", "--nocapture", *AVX512_TESTS]
    if emulate:
        where = "on an emulated CPU (Bochs)"
        out = subprocess.run(
            [
                "cargo", "test", "-p", "word-count-core", "--release", "--no-run",
                "--target", "x86_64-unknown-linux-gnu", "--message-format=json",
            ],
            # Static: the guest has no libc. --target keeps these flags off the host's builds.
            env={**os.environ, "RUSTFLAGS": "-C target-feature=+crt-static"},
            cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True,
        ).stdout  # fmt: skip
        binaries = [
            m["executable"]
            for m in map(json.loads, out.splitlines())
            if m.get("reason") == "compiler-artifact" and m.get("executable")
            and m["target"]["name"] == "word_count_core"
        ]  # fmt: skip
        if len(binaries) != 1:
            session.error(f"expected one test binary of word_count_core, found {binaries}")
        command = [str(ROOT / "ci" / "bochs" / "run"), "-v", "-e", "PROPTEST_CASES=1000",
                   binaries[0], *args]  # fmt: skip
        env = None
    else:
        where = "on this CPU, which has AVX-512BW"
        command = ["cargo", "test", "-p", "word-count-core", "--release", "--lib", "--", *args]
        env = {**os.environ, "PROPTEST_CASES": "1000"}
    session.log(f"the AVX-512BW kernel's tests, {where}")
    run = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    print(run.stdout)
    if run.returncode != 0:
        session.error(f"the tests failed {where} (exit status {run.returncode})")
    if not posargs and "kernels checked: dispatch, avx512bw" not in run.stdout:
        session.error(f"the AVX-512BW kernel did not run {where}")


def fuzz(session: nox.Session) -> None:
    """Fuzz the core against simple models, every target of fuzz/fuzz_targets (the
    kernels, the word frequencies, the file stream, the parallel file reader) for SECONDS
    each (default 60), and
    fail on the first crash or mismatch: `nox -s fuzz -- [SECONDS] [TARGET...]`.

    One build (ASan) of all targets, then each target in turn on its corpus,
    fuzz/corpus/TARGET (kept between runs, not committed), the committed seeds of
    fuzz/seeds/TARGET and the dictionary fuzz/text.dict. Installs cargo-fuzz if missing,
    and g++ for libFuzzer's sources. RUSTC_BOOTSTRAP lets the stable toolchain take the
    sanitizer flags cargo-fuzz passes, so no nightly toolchain is needed."""
    fuzz_dir = ROOT / "fuzz"
    known = sorted(p.stem for p in (fuzz_dir / "fuzz_targets").glob("*.rs"))
    args = list(session.posargs)
    seconds = args.pop(0) if args and args[0].isdigit() else "60"
    unknown = sorted(set(args) - set(known))
    if unknown:
        session.error(f"no fuzz target {', '.join(unknown)}; there are {', '.join(known)}")
    if shutil.which("cargo-fuzz") is None:
        session.run("cargo", "install", "--locked", CARGO_FUZZ)
    apt_install(session, ["g++"], "libfuzzer-sys compiles libFuzzer's C++")
    env = {"RUSTC_BOOTSTRAP": "1"}
    with session.chdir(fuzz_dir):
        session.run("cargo", "fuzz", "build", env=env)
        for target in args or known:
            corpus = fuzz_dir / "corpus" / target
            corpus.mkdir(parents=True, exist_ok=True)
            seeds = fuzz_dir / "seeds" / target
            dirs = [str(corpus), *([str(seeds)] if seeds.is_dir() else [])]
            # -len_control=0: inputs up to the full length (4096 bytes) at once, not
            # grown over minutes from a few bytes, which a short run would never outlive.
            # -dict: Python's whitespace, surrogates and bad UTF-8, which mutation seldom
            # builds byte by byte. -timeout: an input this slow is a hang, and fails.
            session.run(
                "cargo", "fuzz", "run", target, *dirs, "--", f"-max_total_time={seconds}",
                "-len_control=0", f"-dict={fuzz_dir / 'text.dict'}", "-timeout=30",
                env=env,
            )  # fmt: skip
