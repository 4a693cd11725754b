//! The one error type of the binding layer, and how each case reaches Python.

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::PyErr;
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
            Error::Python(e) => e,
        }
    }
}
