"""``build``: dist/, its wheels audited (glibc, manylinux, abi3, POPCNT); ``install-check``:
pip installs them."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import nox

from .config import ABI3_PYTHON, DIST, FREE_THREADED, OPTIONAL, PYTHONS, ROOT
from .interpreters import find_python, fresh_venv, is_free_threaded, pip
from .toolchains import AARCH64, apt_install
from .wheels import GLIBC_MAX, MANYLINUX, maturin_venv, release_wheel


def build(session: nox.Session) -> None:
    """dist/: the abi3 wheel, a wheel per free-threaded CPython found (manylinux2014,
    linked by zig), and the sdist; each wheel audited (audit_wheel), `twine check` on
    all. The wheels are release_wheel's: the very files the test sessions install.
    `-- --system-linker` builds them with the machine's linker instead, which must fail
    the audit (it shows the audit works)."""
    zig = "--system-linker" not in session.posargs
    shutil.rmtree(DIST, ignore_errors=True)
    DIST.mkdir()
    shutil.copy2(release_wheel(session, "abi3", zig=zig), DIST)
    if zig:  # the machine's own linker cannot link for AArch64 (no cross gcc named)
        shutil.copy2(release_wheel(session, "abi3", target=AARCH64), DIST)
    built_ft = []
    for version in FREE_THREADED:
        if find_python(session, version) is None:
            session.warn(f"no CPython {version} here: no {version} wheel built")
            continue
        shutil.copy2(release_wheel(session, version, zig=zig), DIST)
        built_ft.append(version)
    maturin = maturin_venv(session)
    session.run(str(maturin), "sdist", "--out", str(DIST))
    apt_install(session, ["binutils"], "objdump, to read the module's glibc symbol versions")
    for wheel in sorted(DIST.glob("*.whl")):
        audit_wheel(session, wheel, maturin.parent)
    check_dist(session, built_ft)
    twine = str(maturin.parent / "twine")
    session.run(twine, "check", "--strict", *map(str, sorted(DIST.iterdir())))


def glibc_needs(library: Path) -> list[tuple[tuple[int, ...], str]]:
    """Every (glibc version, symbol) ``library`` imports, from `objdump -T`."""
    out = subprocess.run(
        ["objdump", "-T", str(library)], stdout=subprocess.PIPE, text=True, check=True
    ).stdout
    needs = []
    for line in out.splitlines():
        m = re.search(r"\(?GLIBC_([0-9.]+)\)?\s+(\S+)\s*$", line)
        if m:
            needs.append((tuple(int(p) for p in m.group(1).split(".")), m.group(2)))
    return needs


# The x86_64 kernels count mask bits (`count_ones`), and `#[target_feature(enable =
# "avx2")]` does not imply POPCNT: without asking for it too, each count compiled to a
# software bit count of a dozen instructions, and the module held no `popcnt` at all.
# Now both x86_64 release wheels of f29f83e hold 182: the word starts, word spans, token
# masks and storage kernels, each inlined and unrolled into several copies, so the number
# moves with the compiler. The release wheels are stripped, so no kernel can be found by
# name: this is the fewest `popcnt` instructions an x86_64 module may hold, one for each
# kind of kernel that counts bits.
POPCNT_AT_LEAST = 4


def popcnt_count(library: Path) -> int:
    """How many `popcnt` instructions ``library``'s code holds (objdump -d)."""
    out = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", str(library)],
        stdout=subprocess.PIPE, text=True, check=True,
    ).stdout  # fmt: skip
    return sum(1 for line in out.splitlines() if "\tpopcnt" in line)


def audit_wheel(session: nox.Session, wheel: Path, tools: Path) -> None:
    """Fail, in one line naming the wheel, unless: no symbol of its extension is
    versioned above GLIBC_MAX (read here, so that a wrong tag cannot hide one),
    `auditwheel show` finds it manylinux_2_17 compatible, and, for an abi3 wheel,
    abi3audit finds no call outside the limited API; and, on x86_64, its module holds
    at least POPCNT_AT_LEAST `popcnt` instructions."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as zf:
        for member in (n for n in zf.namelist() if n.endswith(".so")):
            library = Path(zf.extract(member, tmp))
            if "x86_64" in wheel.name and (n := popcnt_count(library)) < POPCNT_AT_LEAST:
                session.error(
                    f"{wheel.name}: {Path(member).name} holds {n} popcnt instructions, "
                    f"fewer than POPCNT_AT_LEAST ({POPCNT_AT_LEAST}): a kernel lost POPCNT"
                )
            too_new = [(v, sym) for v, sym in glibc_needs(library) if v[:2] > GLIBC_MAX]
            if too_new:
                version, symbol = max(too_new)
                session.error(
                    f"{wheel.name}: {Path(member).name} needs {symbol} from GLIBC_"
                    f"{'.'.join(map(str, version))}, newer than {MANYLINUX}'s glibc "
                    f"{'.'.join(map(str, GLIBC_MAX))} ({len(too_new)} such symbols)"
                )
    shown = subprocess.run(
        [str(tools / "auditwheel"), "show", str(wheel)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    tag = f"manylinux_{GLIBC_MAX[0]}_{GLIBC_MAX[1]}_"
    if shown.returncode != 0 or tag not in shown.stdout:
        said = " ".join(shown.stdout.split())[:300]
        session.error(f"{wheel.name}: auditwheel show does not find it {tag}* compatible: {said}")
    if "-abi3-" in wheel.name:
        audit = subprocess.run(
            [str(tools / "abi3audit"), "--strict", "--summary", str(wheel)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        if audit.returncode != 0:
            said = " ".join(audit.stdout.split())[:300]
            session.error(f"{wheel.name}: abi3audit finds calls outside the limited API: {said}")
    popcnt = f", >= {POPCNT_AT_LEAST} popcnt" if "x86_64" in wheel.name else ""
    session.log(f"audited  {wheel.name}: glibc <= {'.'.join(map(str, GLIBC_MAX))}, {tag}*{popcnt}")


def wheel_tags(wheel: Path) -> list[str]:
    """The tags a wheel's own WHEEL file declares."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/WHEEL"))
        text = zf.read(name).decode()
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")]


def check_dist(session: nox.Session, free_threaded: list[str]) -> None:
    """Exactly the expected files, each wheel's tags and extension module as promised."""
    wheels = sorted(DIST.glob("*.whl"))
    sdists = sorted(DIST.glob("*.tar.gz"))
    if len(sdists) != 1:
        session.error(f"expected one sdist in dist/, found {[s.name for s in sdists]}")
    # (interpreter-abi, CPU): the extension module's name.
    expected = {
        ("cp311-abi3", "x86_64"): "_word_count.abi3.so",
        ("cp311-abi3", "aarch64"): "_word_count.abi3.so",
    }
    for version in free_threaded:
        nodot = version.rstrip("t").replace(".", "")
        expected[(f"cp{nodot}-cp{nodot}t", "x86_64")] = f"_word_count.cpython-{nodot}t-"
    found = {}
    # cp311-abi3-manylinux2014_x86_64 -> ("cp311-abi3", "x86_64"), one per wheel.
    platform = re.compile(r"^manylinux(?:2014|_2_17)_(\w+)$")
    for wheel in wheels:
        tags = wheel_tags(wheel)
        kinds = set()
        for tag in tags:
            interpreter, abi, plat = tag.split("-")
            m = platform.match(plat)
            if m is None:
                session.error(f"{wheel.name}: tag {tag} is not {MANYLINUX}")
            kinds.add((f"{interpreter}-{abi}", m.group(1)))
        if len(kinds) != 1:
            session.error(f"{wheel.name}: mixed tags {tags}")
        key = kinds.pop()
        if key not in expected:
            session.error(f"{wheel.name}: unexpected tags {tags}")
        with zipfile.ZipFile(wheel) as zf:
            modules = [n for n in zf.namelist() if n.startswith("word_count/_word_count")]
            names = set(zf.namelist())
        if not any(Path(m).name.startswith(expected[key]) for m in modules):
            session.error(f"{wheel.name}: extension module {modules}, expected {expected[key]}*")
        for needed in (
            "word_count/__init__.py",
            "word_count/py.typed",
            "word_count/_word_count.pyi",
            "word_count/_reference.py",
        ):
            if needed not in names:
                session.error(f"{wheel.name}: {needed} is missing")
        found[key] = wheel
        session.log(f"ok  {wheel.name}: tags {', '.join(tags)}; module {Path(modules[0]).name}")
    missing = set(expected) - set(found)
    if missing:
        session.error(f"no wheel with tags {sorted(missing)} in dist/")
    session.log(f"ok  {sdists[0].name}")


def install_check(session: nox.Session) -> None:
    """pip install the wheels in dist/ into fresh venvs, and the sdist on both builds."""
    if not list(DIST.glob("*.whl")):
        session.error("dist/ has no wheels: run `nox -s build` first")
    for version in PYTHONS:
        if version in OPTIONAL and not any(
            DIST.glob(f"*cp{version.rstrip('t').replace('.', '')}t*.whl")
        ):
            session.log(f"no {version} wheel in dist/: not checked")
            continue
        python = fresh_venv(session, version, name=f"venv-{version}")
        pip(session, python, "install", "-q", "--no-index", "--find-links", str(DIST), "word-count")
        check_import(session, python, version)
    sdist = next(DIST.glob("*.tar.gz"))
    for version in (ABI3_PYTHON, "3.13t"):
        python = fresh_venv(session, version, name=f"venv-sdist-{version}")
        # Building from the sdist needs maturin from the index: no --no-index here.
        pip(session, python, "install", "-q", str(sdist))
        check_import(session, python, version)


def check_import(session: nox.Session, python: Path, version: str) -> None:
    with session.chdir(ROOT / "tests"):
        session.run(
            str(python),
            "-W",
            "error",
            "-c",
            "import sys, word_count as w; "
            "gil = getattr(sys, '_is_gil_enabled', lambda: True)(); "
            "assert w.word_count('a b\\u3000c', 2) == 3 and w.search('a b a', 'a') == 2; "
            f"assert gil != {is_free_threaded(version)}, 'GIL state unexpected'; "
            "print(sys.version.split()[0], 'GIL', 'on' if gil else 'off', w.__file__)",
        )
