//! Python `str` arguments as bytes the core can count, and words back to `str`.

use pyo3::exceptions::PyUnicodeEncodeError;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBytes, PyString};
use pyo3::{intern, Borrowed};

/// A `str` argument, held as generalised UTF-8 (see the core's crate docs).
///
/// Almost every `str` is borrowed: an ASCII `str` is its own UTF-8, and for any other
/// CPython builds and caches a UTF-8 copy once. A `str` holding lone surrogates has no
/// UTF-8 form at all; rather than fail where Python's own `split()` works, we encode it
/// with `"surrogatepass"`, which keeps every code point distinct and self-synchronising,
/// so word and token boundaries are unchanged.
///
/// Both variants keep the Python object alive and are `Send`, so the bytes may be read
/// while detached from the interpreter.
pub enum PyText {
    Utf8(PyBackedStr),
    SurrogatePass(PyBackedBytes),
}

impl PyText {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PyText::Utf8(s) => s.as_bytes(),
            PyText::SurrogatePass(b) => b,
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for PyText {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        let s = obj.cast::<PyString>()?;
        match PyBackedStr::try_from(s.to_owned()) {
            Ok(utf8) => Ok(PyText::Utf8(utf8)),
            Err(e) if e.is_instance_of::<PyUnicodeEncodeError>(py) => {
                let encoded = s.call_method1(intern!(py, "encode"), ("utf-8", "surrogatepass"))?;
                Ok(PyText::SurrogatePass(PyBackedBytes::from(
                    encoded.cast_into::<PyBytes>()?,
                )))
            }
            Err(e) => Err(e),
        }
    }
}

/// The `str` whose generalised UTF-8 is `bytes`: the inverse of [`PyText`].
pub fn to_py_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(PyString::new(py, s)),
        Err(_) => Ok(PyBytes::new(py, bytes)
            .call_method1(intern!(py, "decode"), ("utf-8", "surrogatepass"))?
            .cast_into::<PyString>()?),
    }
}
