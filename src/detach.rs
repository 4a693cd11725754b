//! Detaching from the interpreter, safely even while it shuts down.
//!
//! When the interpreter exits, daemon threads may still be inside a detached call. On
//! CPython up to 3.13, a thread that re-attaches after finalization has begun is ended
//! with `pthread_exit()`; its forced unwind runs into PyO3's `catch_unwind` around every
//! function, and Rust aborts the process ("FATAL: exception not rethrown", or a bare
//! SIGABRT). CPython 3.14 parks such threads instead
//! (<https://github.com/python/cpython/issues/87135>). We do the same, one step earlier:
//! an `atexit` hook -- which CPython runs after joining the non-daemon threads and before
//! it starts to finalize -- records the exiting thread, and from then on any *other*
//! thread that finishes detached work parks for ever instead of re-attaching. Only daemon
//! threads can be left at that point, and the process is about to end them.
//!
//! A thread that checked the flag just *before* the hook set it is still on its way to
//! re-attach, and would meet a finalizing interpreter (a CI run caught this on 3.12:
//! SIGABRT one time in many). So each thread announces itself (`IN_FLIGHT`) before it
//! checks, and the hook, detached, waits until every announced thread has either parked
//! or re-attached; one of the two always sees the other's write (both are SeqCst).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::OnceLock;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

/// The thread that runs the interpreter's exit, once it has started.
static EXITING_THREAD: OnceLock<ThreadId> = OnceLock::new();
/// Set (after `EXITING_THREAD`) when the exit has started.
static EXITING: AtomicBool = AtomicBool::new(false);
/// Threads between the end of their detached work and being attached again.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Registered with `atexit` when the module is imported.
#[pyfunction]
pub fn _on_interpreter_exit(py: Python<'_>) {
    let _ = EXITING_THREAD.set(thread::current().id());
    EXITING.store(true, SeqCst);
    // Detached, so that a thread on its way back can take the GIL and get there. The
    // bound only guards against the unforeseen: a re-attach takes microseconds.
    py.detach(|| {
        let deadline = Instant::now() + Duration::from_secs(2);
        while IN_FLIGHT.load(SeqCst) > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_micros(100));
        }
    });
}

/// `py.detach(f)`, except that a thread other than the exiting one, coming back while
/// the interpreter is shutting down, never re-attaches (see the module docs).
pub fn detach<T: Send, F: Send + FnOnce() -> T>(py: Python<'_>, f: F) -> T {
    let result = py.detach(|| {
        let result = f();
        IN_FLIGHT.fetch_add(1, SeqCst);
        if EXITING.load(SeqCst) && EXITING_THREAD.get() != Some(&thread::current().id()) {
            IN_FLIGHT.fetch_sub(1, SeqCst);
            loop {
                thread::park(); // spurious wake-ups just park again
            }
        }
        result
    });
    // Attached again: the exit may go on.
    IN_FLIGHT.fetch_sub(1, SeqCst);
    result
}

/// Run `f` attached, from inside [`detach`]'s closure: a short piece of work that needs
/// the interpreter in the middle of detached work. None, without running `f`, once the
/// interpreter has begun to exit: the rule of the re-attach at the end of [`detach`],
/// and the same announcement (`IN_FLIGHT`) so that the exit waits for this thread to
/// detach again; but this thread has detached work left to finish, so it skips `f`
/// instead of parking.
pub fn attach_midway<T>(f: impl FnOnce(Python<'_>) -> T) -> Option<T> {
    IN_FLIGHT.fetch_add(1, SeqCst);
    let result = if EXITING.load(SeqCst) && EXITING_THREAD.get() != Some(&thread::current().id()) {
        None
    } else {
        Some(Python::attach(f))
    };
    IN_FLIGHT.fetch_sub(1, SeqCst);
    result
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
