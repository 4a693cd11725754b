//! Test hooks, compiled only with the `test-hooks` Cargo feature: they inject the panics
//! that no user input can cause, to prove a bug would surface as a Python exception and
//! leave later calls working, and the AddressSanitizer session's canary, a deliberate
//! out-of-bounds read. Release wheels do not have them.

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

    fn read_past_end_armed() -> bool {
        static ARMED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *ARMED.get_or_init(|| std::env::var_os("WORD_COUNT_TEST_OOB").is_some_and(|v| v == "1"))
    }

    /// A deliberate heap out-of-bounds read, so that the AddressSanitizer session
    /// (`nox -s asan`, which runs it as its canary, and whose `-- --oob` arms it for the
    /// whole suite) can show it fails when there is one: with `WORD_COUNT_TEST_OOB=1` in
    /// the environment, every `word_count` call reads the byte just past a fresh 16-byte
    /// heap allocation. Nothing uses the byte; the read is the whole point.
    pub fn maybe_read_past_end() {
        if read_past_end_armed() {
            let bytes = std::hint::black_box(vec![0u8; 16]);
            let end = bytes.as_ptr_range().end;
            // SAFETY: none -- deliberately unsound: `end` is one past the allocation, and
            // reading it is undefined behaviour, committed on purpose for ASan to report
            // (a heap-buffer-overflow). Compiled only with `test-hooks`, reached only with
            // WORD_COUNT_TEST_OOB=1. Volatile, so that the compiler keeps the read.
            let past = unsafe { end.read_volatile() };
            std::hint::black_box(past);
        }
    }
}

#[cfg(feature = "test-hooks")]
pub use hooks::{_inject_panic, maybe_panic_holding_lock, maybe_read_past_end};

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub fn maybe_panic_holding_lock() {}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub fn maybe_read_past_end() {}
