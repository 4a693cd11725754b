//! Detaching from the interpreter, safely even while it shuts down.
//!
//! When the interpreter exits, daemon threads may still be inside a detached call. On
//! CPython up to 3.13, a thread that re-attaches after finalization has begun is ended
//! with `pthread_exit()`; its forced unwind runs into PyO3's `catch_unwind` around every
//! function, and Rust aborts the process ("FATAL: exception not rethrown", or a bare
//! SIGABRT). CPython 3.14 parks such threads instead (python/cpython#87135). We do the
//! same, one step earlier: an `atexit` hook -- which CPython runs after joining the
//! non-daemon threads and before it starts to finalize -- records the exiting thread,
//! and from then on any *other* thread that finishes detached work parks for ever instead
//! of re-attaching. Only daemon threads can be left at that point, and the process is
//! about to end them.

use std::sync::OnceLock;
use std::thread::{self, ThreadId};

use pyo3::prelude::*;

/// The thread that runs the interpreter's exit, once it has started.
static EXITING_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// Registered with `atexit` when the module is imported.
#[pyfunction]
pub fn _on_interpreter_exit() {
    let _ = EXITING_THREAD.set(thread::current().id());
}

/// `py.detach(f)`, except that a thread other than the exiting one, coming back while
/// the interpreter is shutting down, never re-attaches (see the module docs).
pub fn detach<T: Send, F: Send + FnOnce() -> T>(py: Python<'_>, f: F) -> T {
    py.detach(|| {
        let result = f();
        if let Some(&exiting) = EXITING_THREAD.get() {
            if exiting != thread::current().id() {
                loop {
                    thread::park(); // spurious wake-ups just park again
                }
            }
        }
        result
    })
}

/// Register [`_on_interpreter_exit`] with `atexit`.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let hook = wrap_pyfunction!(_on_interpreter_exit, module)?;
    module
        .py()
        .import("atexit")?
        .call_method1("register", (hook,))?;
    Ok(())
}
