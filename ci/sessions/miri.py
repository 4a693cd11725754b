"""``miri``: the core's tests under Miri."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import nox

from .config import ROOT
from .toolchains import nightly_rustc


def miri(session: nox.Session) -> None:
    """The core's tests under Miri, which fails on any undefined behaviour it meets: an
    access out of bounds, dangling or misaligned, an uninitialised read, an aliasing
    violation, a data race, a leak. Six runs: the scalar kernels under Stacked Borrows; the
    token search, which reaches memchr, the same with alignment checked by address; the
    pool's own tests, then the other tests that run the pool, under Tree Borrows; the x86
    SIMD kernels under Stacked Borrows, and their substring search by address. Arguments
    after -- go to every run's test binaries in place of its own selection (libtest
    filters, e.g. `-- word_table`; the Stacked Borrows runs still skip the pool's tests).
    docs/guarantees.md says what each run covers, what Miri cannot check, and why."""
    import time

    # The tests that run rayon's pool, as libtest filters. Not under Stacked Borrows:
    # crossbeam-epoch (rayon's deque) fails it at its first use, turning a reference to a
    # list entry into one to the struct around it, which Tree Borrows allows (open since
    # 2020: https://github.com/crossbeam-rs/crossbeam/issues/545; crossbeam's own Miri CI
    # runs Tree Borrows: https://github.com/crossbeam-rs/crossbeam/pull/996). And the
    # pool's threads never end, which Miri reports unless its leak check is off. A test
    # that reaches the pool but is missing here fails the Stacked Borrows run, loudly.
    pool_tests = [
        "chunks::tests::sum_parallel_sums_every_chunk_once",
        "frequencies::",
        "parallel_read::",
        "search::tests::garbage_bytes_never_panic",
        "search::tests::parallel_matches_sequential",
        "search::tests::ranges_sum_to_the_whole",
        "search::tests::storage_examples",
        "search::tests::units_agree_with_utf8",
        "stream::",
        "words::tests::garbage_bytes_never_panic",
        "words::tests::parallel_matches_sequential",
        "words::tests::ranges_sum_to_the_whole",
    ]
    # Under Miri, `is_x86_feature_detected!` reports only the features the code was
    # compiled with, so by default the dispatchers take the scalar loops. The SIMD run
    # compiles with every feature an x86 kernel asks for (Miri implements the intrinsics
    # they call), and runs the kernels' tests, and the byte search and UTF-8 validation,
    # which then take memchr's and simdutf8's AVX2 code.
    simd_features = "+avx2,+bmi1,+bmi2,+popcnt,+avx512f,+avx512bw"
    simd_tests = ["word_starts::", "str_storage::", "word_spans::", "utf8::",
                  "token_masks::", "storage_tokens::"]  # fmt: skip
    # -Zmiri-strict-provenance: no integer-to-pointer casts in the code these tests reach;
    # -Zmiri-symbolic-alignment-check: alignment from the types, never from where an
    # allocation happened to land.
    stacked = ["-Zmiri-strict-provenance", "-Zmiri-symbolic-alignment-check"]
    # The token search's tests reach memchr's substring search, which aligns its pointer
    # by masking the address and then loads aligned vectors: a false positive of the
    # symbolic check, which the flag's help says it can give, and which trips or not with
    # the addresses a run hands out (here after a change to other tests' allocations;
    # https://github.com/slint-ui/slint/pull/12378 met the same, and Miri has no way to
    # promise an alignment: https://github.com/rust-lang/miri/issues/3068). So they run
    # apart, under Stacked Borrows with alignment checked by address, which still fails
    # any access that is misaligned where it lands.
    by_address = ["-Zmiri-strict-provenance"]
    skip_search = ["--skip", "search::"]
    # crossbeam-epoch casts integers to pointers (permissive provenance, stated to quiet
    # its warnings); the pool's threads outlive main (-Zmiri-ignore-leaks).
    tree = ["-Zmiri-tree-borrows", "-Zmiri-permissive-provenance", "-Zmiri-ignore-leaks"]
    # Threads switch only where one blocks or yields. Else Miri can preempt a pool thread
    # just after rayon-core (1.13) sets a scope job's completion latch and before that
    # job's frame returns, still holding the `&Scope` that `Scope::spawn` captured in the
    # closure it passes (a protected argument); the caller then frees the scope, and Tree
    # Borrows reports the deallocation. That is rayon's code, never this crate's; it did
    # so in the first full run here (docs/guarantees.md).
    no_preemption = ["-Zmiri-preemption-rate=0"]
    # rustup skips what is installed. Miri builds its own standard library from rust-src
    # on first use ("Preparing a sysroot for Miri", kept in ~/.cache/miri).
    session.run("rustup", "component", "add", "miri", "rust-src", "--toolchain", "nightly")
    session.run("cargo", "+nightly", "miri", "--version")
    host, _ = nightly_rustc(session)
    skip_pool = [arg for test in ["pool::", *pool_tests] for arg in ("--skip", test)]
    runs = [
        # (name, RUSTFLAGS, MIRIFLAGS, cargo's arguments, the tests to run (libtest
        # filters; none: all), the word_starts kernels it must take)
        ("scalar kernels, Stacked Borrows", "", stacked, ["--", *skip_pool, *skip_search], [],
         "dispatch"),
        ("token search through memchr, Stacked Borrows, alignment by address", "", by_address,
         ["--lib", "--", *skip_pool], ["search::"], None),
        # The pool's publication, racing: preemption on (no scope is spawned there).
        ("the pool's own tests, Tree Borrows", "", tree, ["--lib", "--"], ["pool::"], None),
        ("the tests that run the pool, Tree Borrows", "", [*tree, *no_preemption],
         ["--lib", "--"], pool_tests, None),
    ]  # fmt: skip
    if host.startswith("x86_64-"):
        simd = f"-Ctarget-feature={simd_features}"
        runs += [
            ("x86 SIMD kernels, Stacked Borrows", simd, stacked, ["--lib", "--", *skip_pool],
             simd_tests, "dispatch, avx512bw, avx2"),
            ("x86 SIMD substring search (memchr's AVX2), Stacked Borrows, alignment by address",
             simd, by_address, ["--lib", "--", *skip_pool], ["search::tests::sub"], None),
        ]  # fmt: skip
    else:
        session.log(f"no x86 SIMD run: Miri runs the host's target, {host}")
    times = []
    for name, rustflags, miriflags, args, tests, kernels in runs:
        env = {
            **os.environ,
            "RUSTUP_TOOLCHAIN": "nightly",
            "MIRIFLAGS": " ".join([*miriflags, os.environ.get("MIRIFLAGS", "")]).strip(),
            "RUSTFLAGS": rustflags,
        }
        if rustflags:
            # Its own folder for the SIMD build (cargo miri adds miri/ to it): sharing
            # one, the two sets of flags would rebuild everything each time.
            env["CARGO_TARGET_DIR"] = str(ROOT / "target" / "simd")
        # Arguments after -- take the place of the run's own selection.
        command = ["cargo", "miri", "test", "-p", "word-count-core", *args, "--nocapture",
                   *(session.posargs or tests)]  # fmt: skip
        session.log(f"Miri, {name}: MIRIFLAGS={env['MIRIFLAGS']!r} RUSTFLAGS={rustflags!r}")
        session.log(" ".join(command))
        start = time.monotonic()
        # Teed: the output shows as it comes, and is read for the kernels' names below.
        lines = []
        with subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace",
        ) as proc:  # fmt: skip
            for line in proc.stdout or []:
                sys.stdout.write(line)
                lines.append(line)
        seconds = time.monotonic() - start
        times.append(f"{name} {seconds:.0f} s")
        # cargo miri exits non-zero on any report of undefined behaviour or a leak.
        if proc.returncode != 0:
            session.error(f"Miri, {name}: failed (exit status {proc.returncode}), see above")
        # Proof that the run took the kernels meant: word_starts' names_the_kernels_it_checks.
        ran = re.search(r"word_starts kernels checked: (.*)", "".join(lines))
        if kernels and not session.posargs and (ran is None or ran[1] != kernels):
            session.error(
                f"Miri, {name}: expected the word_starts kernels {kernels!r}, "
                f"ran {ran[1] if ran else 'none'!r}"
            )
        session.log(f"Miri, {name}: passed in {seconds:.0f} s")
    session.log("Miri: no report. " + "; ".join(times))
