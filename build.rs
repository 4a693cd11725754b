//! Gives this crate PyO3's cfgs (`Py_LIMITED_API`, `Py_3_14`, ...), so that the
//! version-specific (free-threaded) build may read a `str`'s storage, which the stable
//! ABI forbids (src/text.rs, `Contents`).
fn main() {
    pyo3_build_config::use_pyo3_cfgs();
}
