//! The thread pool, one per process, so that a forked child never waits on threads it
//! does not have.
//!
//! `fork()` copies only the calling thread. A child of a process that used rayon's global
//! pool inherits a pool whose worker threads do not exist in it, so its next parallel
//! call hands work to nobody and hangs for ever
//! (<https://github.com/rayon-rs/rayon/issues/708>). Small inputs never reach the pool
//! and hide the hang. So we keep our own pool, tagged with the id of the process that
//! built it: a process that finds a pool built by another (its parent) builds a fresh
//! one. The parent's pool is leaked, never dropped: dropping it would signal
//! threads that are not there. This is the approach of turbovec and zarrs-python.
//!
//! No lock guards the pool: a lock held by a parent thread at the moment of `fork()` stays
//! locked for ever in the child. The pool is published with an atomic pointer instead.

use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use rayon::{ThreadPool, ThreadPoolBuilder};

struct Owned {
    pid: u32,
    pool: ThreadPool,
}

/// The current pool; never freed once published, so a `&'static` to it is sound.
static POOL: AtomicPtr<Owned> = AtomicPtr::new(ptr::null_mut());

/// This process's thread pool, built on first use (and anew in a forked child). Its size
/// is `RAYON_NUM_THREADS` if set, else the number of CPUs this process may use. None if
/// the OS refuses to start threads: callers then count on the calling thread.
pub fn pool() -> Option<&'static ThreadPool> {
    let pid = std::process::id();
    loop {
        let current = POOL.load(Ordering::Acquire);
        // SAFETY: a non-null POOL points to a leaked `Box<Owned>` that is never freed (see
        // below), so it is valid for 'static and only ever read.
        if let Some(owned) = unsafe { current.as_ref() } {
            if owned.pid == pid {
                return Some(&owned.pool);
            }
        }
        let pool = ThreadPoolBuilder::new()
            .thread_name(|i| format!("word-count-{i}"))
            .build()
            .ok()?;
        let fresh = Box::into_raw(Box::new(Owned { pid, pool }));
        match POOL.compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire) {
            // The previous pool (if any) belonged to a parent process: leaked on purpose.
            // SAFETY: `fresh` was just published and is never freed.
            Ok(_) => return Some(unsafe { &(*fresh).pool }),
            Err(_) => {
                // Another thread of this process published a pool first: use that one.
                // SAFETY: `fresh` was never published, so this thread owns it alone.
                drop(unsafe { Box::from_raw(fresh) });
            }
        }
    }
}

/// The number of threads in this process's pool (1 if it has none).
pub fn threads() -> usize {
    pool().map_or(1, ThreadPool::current_num_threads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pool_per_process() {
        let a = pool().unwrap() as *const ThreadPool;
        let b = pool().unwrap() as *const ThreadPool;
        assert_eq!(a, b);
        assert!(threads() >= 1);
    }

    #[test]
    fn concurrent_first_use_agrees_on_one_pool() {
        let pools: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| pool().unwrap() as *const _ as usize))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(pools.windows(2).all(|w| w[0] == w[1]));
    }
}
