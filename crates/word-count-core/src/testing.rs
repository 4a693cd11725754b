//! Test hooks (feature `test-hooks`): a panic injected into a pool worker, to prove that
//! callers turn a bug into an error rather than an abort or a hang.

use std::sync::atomic::{AtomicBool, Ordering};

static PANIC_IN_WORKER: AtomicBool = AtomicBool::new(false);

/// Make the next chunk counted by a pool worker panic.
pub fn panic_in_next_worker() {
    PANIC_IN_WORKER.store(true, Ordering::SeqCst);
}

pub(crate) fn maybe_panic_in_worker() {
    if PANIC_IN_WORKER.swap(false, Ordering::SeqCst) {
        panic!("injected panic in a pool worker");
    }
}
