"""What building needs beyond Rust and Python: Debian packages, rustup targets, the
AArch64 cross toolchain and qemu, the nightly toolchain's LLVM."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import nox

from .config import ROOT

AARCH64 = "aarch64-unknown-linux-gnu"
# Every Debian package the AArch64 sessions need, named: apt's --no-install-recommends
# leaves out libc6-dev-arm64-cross (only a Recommends of the cross gcc), and without it
# the link fails with "cannot find Scrt1.o" -- on a new machine only.
AARCH64_PACKAGES = [
    "gcc-aarch64-linux-gnu",  # the cross linker cargo uses
    "libc6-dev-arm64-cross",  # crt1.o, crti.o, libc.so for the link
    "qemu-user",  # qemu-aarch64, which runs the tests
]


def apt_install(session: nox.Session, packages: list[str], why: str) -> None:
    """Install the missing ones of ``packages`` from Debian by name (ci/apt-install)."""
    session.run(str(ROOT / "ci" / "apt-install"), "--why", why, *packages)


def add_rust_target(session: nox.Session, target: str) -> None:
    """rustup's standard library for ``target``, if missing (a new machine lacks it)."""
    installed = subprocess.run(
        ["rustup", "target", "list", "--installed"], stdout=subprocess.PIPE, text=True
    ).stdout.split()
    if target not in installed:
        session.run("rustup", "target", "add", target)


def check_aarch64_toolchain(session: nox.Session) -> None:
    """Link a trivial C program with the cross gcc and run it under qemu-aarch64: one
    clear line naming the missing piece if the toolchain cannot build and run for
    AArch64, instead of a linker error deep in cargo's output."""
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = Path(tmp) / "hello.c", Path(tmp) / "hello"
        src.write_text("int main(void) { return 42; }\n")
        link = subprocess.run(
            ["aarch64-linux-gnu-gcc", str(src), "-o", str(exe)], capture_output=True, text=True
        )
        if link.returncode != 0:
            first = (link.stderr.strip().splitlines() or ["no output"])[0]
            session.error(
                "aarch64-linux-gnu-gcc cannot link a trivial program "
                f"(is libc6-dev-arm64-cross installed?): {first}"
            )
        run = subprocess.run(
            ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", str(exe)], capture_output=True
        )
        if run.returncode != 42:
            session.error(
                f"qemu-aarch64 does not run an AArch64 program (exit {run.returncode}): "
                f"{run.stderr.decode(errors='replace').strip()[:200]} (is qemu-user installed?)"
            )


def aarch64_toolchain(session: nox.Session) -> dict[str, str]:
    """Install what building for AArch64 needs, if missing: the Rust target (rustup), and
    AARCH64_PACKAGES (apt); check that they link and run a program. Returns cargo's
    environment for the target."""
    add_rust_target(session, AARCH64)
    apt_install(session, AARCH64_PACKAGES, "to build and run for AArch64")
    check_aarch64_toolchain(session)
    return {
        "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER": "aarch64-linux-gnu-gcc",
        "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER": "qemu-aarch64 -L /usr/aarch64-linux-gnu",
    }


def nightly_rustc(session: nox.Session) -> tuple[str, str]:
    """The nightly toolchain's host triple (-Zbuild-std needs the target named) and its
    LLVM's major version."""
    out = subprocess.run(
        ["rustc", "+nightly", "-vV"], stdout=subprocess.PIPE, text=True, check=True
    ).stdout
    fields = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    return fields["host"], fields["LLVM version"].split(".")[0]
