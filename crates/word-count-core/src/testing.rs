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

/// A deliberate data race, so that the ThreadSanitizer session (`nox -s tsan`; its
/// `-- --race` arms this) can show it fails when there is one: with
/// `WORD_COUNT_TEST_RACE=1` in the environment, the calling thread and every pool worker
/// of a parallel call bump one counter with a plain read and write, unsynchronised.
/// Nothing reads the counter; the race is the whole point.
struct Racy(std::cell::UnsafeCell<u64>);

// SAFETY: it is not: sharing it is the data race this hook exists to commit, and only
// a build with `test-hooks`, run with WORD_COUNT_TEST_RACE=1, ever touches it.
unsafe impl Sync for Racy {}

static RACY: Racy = Racy(std::cell::UnsafeCell::new(0));

fn race_armed() -> bool {
    static ARMED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ARMED.get_or_init(|| std::env::var_os("WORD_COUNT_TEST_RACE").is_some_and(|v| v == "1"))
}

pub(crate) fn maybe_race() {
    if race_armed() {
        let p = RACY.0.get();
        // SAFETY: none -- an unsynchronised read-modify-write from several threads is
        // undefined behaviour, committed on purpose for TSAN to report (see above).
        // black_box keeps the compiler from folding the access away.
        unsafe { p.write(std::hint::black_box(p.read()) + 1) };
    }
}
