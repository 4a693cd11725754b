//! Gives this crate PyO3's cfgs (`Py_LIMITED_API`, `Py_3_14`, ...), so that the
//! version-specific (free-threaded) build may read a `str`'s storage, which the stable
//! ABI forbids (src/text.rs, `Contents`), as one cfg, `str_storage`. Also records which
//! rustc and which PyO3 built the module, for the build metadata the benchmarks write
//! next to every result.
use std::{env, fs, path::Path, process::Command};

fn main() {
    pyo3_build_config::use_pyo3_cfgs();

    // `str_storage`: a `str`'s own storage may be read (src/text.rs, `Contents`). Not
    // under the stable ABI, which hides a `str`'s layout, and not yet on 3.14, whose
    // accessors PyO3 0.28 leaves out. Said once here, from PyO3's own cfgs.
    let pyo3_cfgs = pyo3_build_config::get().build_script_outputs();
    let has = |cfg: &str| {
        pyo3_cfgs
            .iter()
            .any(|c| c == &format!("cargo:rustc-cfg={cfg}"))
    };
    println!("cargo:rustc-check-cfg=cfg(str_storage)");
    if !has("Py_LIMITED_API") && !has("Py_3_14") {
        println!("cargo:rustc-cfg=str_storage");
    }

    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=WORD_COUNT_RUSTC_VERSION={rustc_version}");

    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let lock = Path::new(&manifest_dir).join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    println!("cargo:rerun-if-changed=build.rs");
    let pyo3_version = fs::read_to_string(&lock)
        .ok()
        .and_then(|text| locked_version(&text, "pyo3"))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=WORD_COUNT_PYO3_VERSION={pyo3_version}");
}

/// The version Cargo.lock gives package `name` (its `name = ` line is followed by its
/// `version = ` line).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_owned());
        }
    }
    None
}
