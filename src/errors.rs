//! The one error type of the binding layer, and how each case reaches Python.

use pyo3::exceptions::{
    PyMemoryError, PyOSError, PyRuntimeError, PyTypeError, PyUnicodeDecodeError, PyValueError,
};
use pyo3::prelude::*;
use word_count_core::CoreError;

#[derive(Debug)]
pub enum Error {
    /// A rule of the core was broken (an empty needle).
    Core(CoreError),
    /// `n_threads` was an int below 1; holds its repr.
    ThreadsNotPositive(String),
    /// `n_threads` was not an int or None; holds the type's name.
    ThreadsType(String),
    /// A bug: the Rust code panicked. Holds the panic message.
    Internal(String),
    /// Bytes that are not UTF-8: Python's UnicodeDecodeError arguments.
    Decode {
        object: Py<PyAny>,
        start: usize,
        end: usize,
        reason: String,
    },
    /// A file could not be opened or read; holds the name as the caller gave it.
    Io(std::io::Error, Py<PyAny>),
    /// An exception Python already raised, passed through.
    Python(PyErr),
}

impl From<CoreError> for Error {
    fn from(e: CoreError) -> Self {
        Error::Core(e)
    }
}

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Self {
        Error::Python(e)
    }
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        match e {
            Error::Core(CoreError::EmptyNeedle) => {
                PyValueError::new_err("needle must not be empty")
            }
            Error::ThreadsNotPositive(n) => {
                PyValueError::new_err(format!("n_threads must be at least 1, got {n}"))
            }
            Error::ThreadsType(t) => {
                PyTypeError::new_err(format!("n_threads must be an int or None, not {t}"))
            }
            Error::Internal(msg) => PyRuntimeError::new_err(format!(
                "word_count internal error ({msg}); the call was abandoned and later calls \
                 are unaffected. Please report this bug."
            )),
            Error::Decode {
                object,
                start,
                end,
                reason,
            } => PyUnicodeDecodeError::new_err(("utf-8", object, start, end, reason)),
            Error::Io(e, filename) => os_error(e, filename),
            Error::Python(e) => e,
        }
    }
}

/// The OSError `open()` would raise: `OSError(errno, strerror, filename)`, which Python
/// turns into the subclass for the errno (FileNotFoundError, IsADirectoryError,
/// PermissionError...). PyO3's own conversion from `io::Error` keeps neither the errno
/// nor the filename (PyO3 0.28, `impl From<io::Error> for PyErr`), so a caller could not
/// tell which file was missing.
fn os_error(e: std::io::Error, filename: Py<PyAny>) -> PyErr {
    if e.kind() == std::io::ErrorKind::OutOfMemory && e.raw_os_error().is_none() {
        // A word longer than the memory there is (the core's stream grows its buffer to
        // hold a word whole): what reading it into a str would raise too. An ENOMEM from
        // the system (which has an errno) stays the OSError `open()` would raise.
        return PyMemoryError::new_err("a word of the file is longer than the memory available");
    }
    match e.raw_os_error() {
        Some(errno) => {
            let strerror = Python::attach(|py| {
                py.import("os")
                    .and_then(|os| os.call_method1("strerror", (errno,)))
                    .and_then(|s| s.extract::<String>())
                    .unwrap_or_else(|_| e.to_string())
            });
            PyOSError::new_err((errno, strerror, filename))
        }
        None => PyOSError::new_err(e.to_string()),
    }
}
