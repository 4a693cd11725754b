"""``tsan``: the threaded tests under ThreadSanitizer, on a TSAN-built free-threaded 3.13."""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

import nox

from .config import PARALLEL_THREADS, ROOT
from .interpreters import assert_gil_stays_off
from .sanitizers import empty_dir, sanitized_pytest, sanitized_python, sanitizer_reports
from .toolchains import apt_install, nightly_rustc

# The interpreter: free-threaded 3.13 configured --with-thread-sanitizer, built with the
# clang whose TSAN runtime matches nightly Rust's LLVM (ci/find-python says why).
TSAN_PYTHON = "3.13t-tsan"
TSAN_SUPPRESSIONS = ROOT / "ci" / "tsan-suppressions.txt"
# Which tests run under TSAN is said by markers in tests/ (registered in conftest.py), so
# that a new threaded test joins by itself: `threaded`, the tests that run threads, or
# run the module while the interpreter stops, forks, exits or is interrupted (run once,
# plainly), and `threaded_stress`, run again on PARALLEL_THREADS threads at once: the
# tests of threads sharing counters and texts, and of the frequencies' strs made while
# the pool counts. The rest of `threaded` takes over 10 minutes more that way
# (test_frequencies' threaded tests alone 11 min 16 s here), and their threads are the
# pool's, which the plain run already has.
TSAN_MARKERS = ["threaded", "threaded_stress"]


def tsan_env(log_dir: Path, llvm: str) -> dict[str, str]:
    """TSAN_OPTIONS for a run whose every report must fail the session: each process
    (subprocesses the tests start included) writes its reports to log_dir/tsan.<pid>,
    and the session fails if any such file exists afterwards. A report cannot hide in a
    subprocess whose exit code a test expected to be nonzero (Ctrl-C, a killed worker).
    Also hypothesis's 'tsan' profile (tests/conftest.py): fewer examples, as each costs
    5-20 times more there."""
    options = [
        f"suppressions={TSAN_SUPPRESSIONS}",
        f"log_path={log_dir / 'tsan'}",
        "exitcode=66",
        "second_deadlock_stack=1",
        # Reports with function, file and line, not bare addresses.
        f"external_symbolizer_path=/usr/lib/llvm-{llvm}/bin/llvm-symbolizer",
        # Python's own signal handler takes SIGSEGV for faulthandler; TSAN's must not.
        "handle_segv=0",
        # test_fork's children start threads (their own pool) after forking a process
        # that has threads, which TSAN does not support and by default dies on. Its
        # runtime takes its own locks around fork(), so the child goes on, watched; no
        # report has come from such a child here (README, Guarantees).
        "die_after_fork=0",
    ]
    return {"TSAN_OPTIONS": " ".join(options), "HYPOTHESIS_PROFILE": "tsan"}


def tsan(session: nox.Session) -> None:
    """The threaded tests under ThreadSanitizer: the core's tests and the module,
    built with nightly Rust, -Zsanitizer=thread and a sanitized std (-Zbuild-std), on a
    TSAN-built free-threaded CPython 3.13. Any report not in ci/tsan-suppressions.txt
    fails the session. `-- --race` arms a deliberate data race in the module
    (WORD_COUNT_TEST_RACE=1, test-hooks builds only), which must make it fail; other
    arguments after -- replace the test selection (the markers TSAN_MARKERS)."""
    parser = argparse.ArgumentParser(prog="nox -s tsan --")
    parser.add_argument("--race", action="store_true", help="arm the deliberate data race")
    args, selection = parser.parse_known_args(session.posargs)
    # Without the standard library's source, std stays uninstrumented and every hand-off
    # through its futex-based Mutex/Condvar shows up as a race: 773 false reports on the
    # core's tests alone. With it, zero. rustup skips it if installed.
    session.run("rustup", "component", "add", "rust-src", "--toolchain", "nightly")
    host, llvm = nightly_rustc(session)
    apt_install(session, [f"llvm-{llvm}"], "llvm-symbolizer, for TSAN's reports")
    logs = empty_dir(session, "logs")
    race_env = {"WORD_COUNT_TEST_RACE": "1"} if args.race else {}
    cargo_env = {
        "RUSTUP_TOOLCHAIN": "nightly",
        "RUSTFLAGS": "-Zsanitizer=thread",
        # Its own folder: the flags differ from every other build's, and sharing target/
        # would rebuild everything each time one or the other runs.
        "CARGO_TARGET_DIR": str(ROOT / "target" / "tsan"),
    }
    session.log("the core's tests, sanitized std, -Zsanitizer=thread")
    session.run(
        "cargo", "test", "-Zbuild-std", "--target", host, "-p", "word-count-core",
        "--features", "test-hooks", "--lib",
        env={**cargo_env, **tsan_env(logs, llvm), **race_env},
        success_codes=[0, 66],  # 66: TSAN reported (exitcode=66); the logs are read below
    )  # fmt: skip
    failed = bool(sanitizer_reports(session, logs, "tsan", "cargo test"))

    python = sanitized_python(session, TSAN_PYTHON, "tsan", host, llvm, cargo_env, groups=["test"])
    env = {**tsan_env(logs, llvm), **race_env}
    with session.chdir(ROOT / "tests"):
        assert_gil_stays_off(session, python)
        # A canary: the deliberate race, armed in one subprocess, must be reported, or
        # TSAN is not watching the module's code and a clean run would prove nothing.
        canary = empty_dir(session, "canary")
        subprocess.run(
            [str(python), "-c", "import word_count; word_count.word_count('a b ' * 2**20, 2)"],
            env={**os.environ, **tsan_env(canary, llvm), "WORD_COUNT_TEST_RACE": "1"},
            check=False,
        )
        caught = [p for p in canary.glob("tsan*") if "maybe_race" in p.read_text(errors="replace")]
        if not caught:
            session.error("the canary race was not reported: TSAN is not watching the module")
        session.log(f"canary: the deliberate race was reported ({caught[0].name})")
        plain, stress = (selection or ["-m", marker] for marker in TSAN_MARKERS)
        runs = [([], plain), ([f"--parallel-threads={PARALLEL_THREADS}"], stress)]
        for extra, tests in runs:
            session.log(f"pytest {' '.join(extra + tests)} (under TSAN)")
            failed |= not sanitized_pytest(python, [*extra, *tests], env)
    failed |= bool(sanitizer_reports(session, logs, "tsan", "pytest"))
    if failed:
        session.error("ThreadSanitizer found races, or a test failed (above)")
    session.log("no ThreadSanitizer report")
