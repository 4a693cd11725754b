//! Test hooks, compiled only with the `test-hooks` Cargo feature: they inject the panics
//! that no user input can cause, to prove a bug would surface as a Python exception and
//! leave later calls working. Release wheels do not have them.

#[cfg(feature = "test-hooks")]
mod hooks {
    use std::sync::atomic::{AtomicBool, Ordering};

    use pyo3::exceptions::PyValueError;
    use pyo3::prelude::*;

    static PANIC_HOLDING_LOCK: AtomicBool = AtomicBool::new(false);

    pub fn maybe_panic_holding_lock() {
        if PANIC_HOLDING_LOCK.swap(false, Ordering::SeqCst) {
            panic!("injected panic while holding WordCounter's lock");
        }
    }

    /// Make the next parallel count panic in a pool worker (`"worker"`), or the next
    /// `WordCounter.add` panic while it holds the counter's lock (`"lock"`).
    #[pyfunction]
    pub fn _inject_panic(place: &str) -> PyResult<()> {
        match place {
            "worker" => word_count_core::testing::panic_in_next_worker(),
            "lock" => PANIC_HOLDING_LOCK.store(true, Ordering::SeqCst),
            _ => return Err(PyValueError::new_err("place must be 'worker' or 'lock'")),
        }
        Ok(())
    }
}

#[cfg(feature = "test-hooks")]
pub use hooks::{_inject_panic, maybe_panic_holding_lock};

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub fn maybe_panic_holding_lock() {}
