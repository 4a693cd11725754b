"""AArch64 without an ARM CPU, under qemu-aarch64: ``rust-aarch64`` (the core's tests),
``tests-aarch64`` (the wheel end to end), ``insns-aarch64`` (instructions a byte)."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from pathlib import Path

import nox

from .config import ABI3_PYTHON, BENCH_RESULTS, PYPROJECT, ROOT
from .interpreters import fresh_venv, pip
from .toolchains import AARCH64, aarch64_toolchain, apt_install
from .wheels import release_wheel


def rust_aarch64(session: nox.Session) -> None:
    """The core's tests built for AArch64 and run under qemu-aarch64, so the NEON kernels
    are tested on a machine without an ARM CPU; clippy for the whole workspace on that
    target. qemu runs the code, not its speed: no timing is taken here."""
    env = aarch64_toolchain(session)
    target = ["--target", AARCH64]
    session.run(
        "cargo", "clippy", "--workspace", "--all-targets", *target, "--", "-D", "warnings",
        env=env,
    )  # fmt: skip
    session.run("cargo", "test", "-p", "word-count-core", *target, env=env)


# What tests-aarch64 runs: every test of what the functions return. The others test the
# process around them (fork, signals, memory, exit), which qemu-user emulates differently:
# it aborts forking a process that has threads, reserves the address space a limit is
# tested against, grows RSS by 286 kB per Python thread it runs (a bare threading.Thread
# loop shows it), and runs too slowly for the 0.2 s Ctrl-C promise. Left out too: the
# memory of a 1 GiB file and the CLI's bar for one, which read a gigabyte through qemu
# (65 of the 348 s the tests took here), and of a 256 MiB word on standard input (7 s),
# to test the process, not the NEON results. And
# the `word-count` command: the guest has no pip, so the host's pip installs into a folder
# (--target), whose scripts would start the host's x86 interpreter; `python -m
# word_count`, the same program, is tested there instead.
AARCH64_TESTS = [
    "test_word_count.py",
    "test_search.py",
    "test_bytes.py",
    "test_counter.py",
    "test_files.py",
    "test_cli.py",
    "-k",
    "not test_a_file_larger_than_the_address_space"
    " and not test_a_word_longer_than_the_memory_there_is_is_a_memory_error"
    " and not test_top_reports_a_word_longer_than_the_memory_and_counts_the_rest"
    " and not test_a_buffer_beyond_the_memory_is_a_memory_error"
    " and not test_a_1_gib_file_needs_a_few_blocks_of_memory_not_a_copy"
    " and not test_stream_grows_a_long_word_without_copying_it"
    " and not test_a_bar_on_a_terminal_for_a_file_over_1_gb"
    " and not word-count and not test_the_command_is_on_the_path_of_its_environment",
]


def tests_aarch64(session: nox.Session) -> None:
    """The release abi3 wheel for AArch64 (manylinux2014, cross-linked by zig), tested end
    to end on Debian's arm64 CPython under qemu-aarch64 (ci/aarch64-python): the NEON
    kernels inside the real module. Arguments after -- replace the test selection
    (AARCH64_TESTS)."""
    aarch64_toolchain(session)  # qemu-aarch64 and the arm64 libc the guest runs on
    guest = subprocess.run(
        [str(ROOT / "ci" / "aarch64-python")], stdout=subprocess.PIPE, text=True, check=True
    ).stdout.strip()
    guest_version = subprocess.run(
        [guest, "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        stdout=subprocess.PIPE, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    wheel = release_wheel(session, "abi3", target=AARCH64)
    python = fresh_venv(session, ABI3_PYTHON)
    # The guest has no pip: install into a folder with the host's pip, for the guest's
    # platform and version (the test dependencies are pure Python).
    site = ROOT / ".nox" / session.name / "site"
    shutil.rmtree(site, ignore_errors=True)
    # manylinux2014_aarch64.manylinux_2_17_aarch64: one --platform each.
    platforms = wheel.name.removesuffix(".whl").rsplit("-", 1)[1].split(".")
    pip(
        session, python, "install", "-q", "--target", str(site), "--only-binary=:all:",
        "--implementation", "cp", "--python-version", guest_version,
        *(f"--platform={p}" for p in platforms),
        str(wheel), *nox.project.dependency_groups(PYPROJECT, "test"),
    )  # fmt: skip
    with session.chdir(ROOT / "tests"):
        session.run(
            guest, "-c",
            "import platform, word_count; "
            "print(platform.machine(), word_count.__file__, word_count.word_count('a b\u3000c'))",
            env={"PYTHONPATH": str(site)},
        )  # fmt: skip
        session.run(
            guest, "-m", "pytest", "-p", "no:cacheprovider",
            "--durations=5", *(session.posargs or AARCH64_TESTS),
            env={"PYTHONPATH": str(site)},
        )  # fmt: skip


# What insns-aarch64 counts, each case as run by ci/aarch64-insns/main.rs, and the case
# whose count (the text made, nothing counted) is subtracted from it.
INSNS_CASES = [
    ("none", "the English-like text alone"),
    ("ab", '"a b a b ..." alone'),
    ("word_count", "`count_words`"),
    ("frequencies", "`frequencies_in`, one chunk"),
    ("search:the", '`count_token(text, "the")`'),
    ("search:government", '`count_token(text, "government")`'),
    ("search:Zanzibar", '`count_token(text, "Zanzibar")` (no match)'),
    ("ab:a", '`count_token("a b a b ...", "a")`'),
    ("latin1", "the text as Latin-1 units alone"),
    ("latin1:words", "`word_starts`, Latin-1"),
    ("ucs2", "the text as UCS-2 units alone"),
    ("ucs2:words", "`word_starts`, UCS-2"),
    ("ucs2:frequencies", "`frequencies_in`, UCS-2, one chunk"),
    ("ucs4", "the text as UCS-4 units alone"),
    ("ucs4:words", "`word_starts`, UCS-4"),
    ("ucs4:frequencies", "`frequencies_in`, UCS-4, one chunk"),
]
# The cases that make a text and call nothing on it.
INSNS_TEXTS = ("none", "ab", "latin1", "ucs2", "ucs4")


def insns_aarch64(session: nox.Session) -> None:
    """Instructions a byte the AArch64 kernels execute, counted under qemu-aarch64 by a
    TCG plugin (ci/aarch64-insns): the one measure of the NEON code this project can
    take without an ARM CPU. A count, not a time: it says nothing of the cycles an
    instruction takes or of memory. Not part of CI.

    nox -s insns-aarch64 -- [--base REV] [--mib N]

    With --base, the same program is built against the core of REV too (a git worktree)
    and the table compares the two; the text is the same on every run."""
    parser = argparse.ArgumentParser(prog="nox -s insns-aarch64 --")
    parser.add_argument("--base", help="a commit to compare with (git rev)")
    parser.add_argument("--mib", type=int, default=4, help="MiB of text (default 4)")
    args = parser.parse_args(session.posargs)
    env = aarch64_toolchain(session)
    apt_install(session, ["gcc"], "to build the QEMU plugin that counts instructions")
    work = ROOT / ".nox" / "insns-aarch64"
    work.mkdir(parents=True, exist_ok=True)
    plugin = work / "libinsn-count.so"
    session.run(
        "gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", str(plugin),
        str(ROOT / "ci" / "aarch64-insns" / "insn-count.c"),
    )  # fmt: skip
    sources = {"HEAD (working tree)": ROOT / "crates" / "word-count-core"}
    if args.base:
        base = work / "base"
        if base.exists():
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT)
        session.run("git", "worktree", "add", "--detach", "--force", str(base), args.base)
        sources = {args.base: base / "crates" / "word-count-core", **sources}
    exes = {}
    for i, (name, core) in enumerate(sources.items()):
        crate = work / f"program{i}"
        (crate / "src").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "ci" / "aarch64-insns" / "main.rs", crate / "src" / "main.rs")
        (crate / "Cargo.toml").write_text(
            '[package]\nname = "aarch64-insns"\nversion = "0.0.0"\nedition = "2021"\n'
            f"[dependencies]\nword-count-core = {{ path = {json.dumps(str(core))} }}\n"
            "[workspace]\n"
        )
        session.run(
            "cargo", "build", "--quiet", "--release", "--target", AARCH64,
            "--manifest-path", str(crate / "Cargo.toml"), env=env,
        )  # fmt: skip
        exes[name] = crate / "target" / AARCH64 / "release" / "aarch64-insns"

    def insns(exe: Path, case: str) -> tuple[int, str]:
        run = subprocess.run(
            ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "-plugin", str(plugin),
             str(exe), case, str(args.mib)],
            capture_output=True, text=True,
        )  # fmt: skip
        found = re.search(r"^insns (\d+)$", run.stderr, re.M)
        if run.returncode != 0 or not found:
            session.error(
                f"{case}: qemu-aarch64 with the plugin failed (exit {run.returncode}): "
                f"{run.stderr.strip()[:300]} -- the plugin is written for QEMU 7.2's API "
                "(Debian 12); see ci/aarch64-insns/insn-count.c"
            )
        return int(found.group(1)), run.stdout.strip()

    size = args.mib << 20
    rows = []
    for case, what in INSNS_CASES:
        rows.append((case, what, {name: insns(exe, case) for name, exe in exes.items()}))
    names = list(exes)
    emulator = subprocess.run(
        ["qemu-aarch64", "--version"], capture_output=True, text=True
    ).stdout.splitlines()[0]
    lines = [
        f"Instructions a byte of text, counted under {emulator}, {args.mib} MiB of text",
        "(the instructions that make the text subtracted). Each cell: instructions a",
        "byte, and the call's result. The ratio is the first column over the second.",
        "The text is ASCII: in a `str`'s storage (UCS-2, UCS-4), a byte is a character.",
        "",
        "| case | " + " | ".join(names) + (" | ratio |" if len(names) == 2 else " |"),
        "|---|" + "---:|" * (len(names) + (len(names) == 2)),
    ]
    # A text alone, subtracted from the cases "TEXT:..." (and "none" from the others).
    alone = {case: counts for case, _, counts in rows if case in INSNS_TEXTS}
    for case, what, counts in rows:
        if case in alone:
            continue
        none = alone.get(case.split(":")[0], alone["none"])
        per_byte = [(counts[n][0] - none[n][0]) / size for n in names]
        cells = [f"{b:.2f} ({counts[n][1]})" for b, n in zip(per_byte, names, strict=True)]
        if len(names) == 2:
            cells.append(f"{per_byte[0] / per_byte[1]:.2f}×" if per_byte[1] > 0 else "")
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    BENCH_RESULTS.mkdir(exist_ok=True)
    out = BENCH_RESULTS / "insns-aarch64.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    session.log(f"written to {out.relative_to(ROOT)}")
