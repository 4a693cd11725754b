//! A vector's elements taken out in order, the memory of those already taken handed
//! back to the operating system as the iteration goes.
//!
//! Why: a table of millions of words becomes a Python `Counter` one entry at a time, and
//! the Counter grows while the entries are read. Freed only at the end, the entries sat
//! beside the whole Counter at the peak: about 340 MB on 10 million distinct words
//! (docs/benchmarks.md, "Counters of many words").

use std::mem::size_of;

/// Elements taken between two looks at how much can be released (fewer under Miri, so
/// that its tests' small inputs still reach the look).
const CHECK_EVERY: usize = if cfg!(miri) { 64 } else { 1 << 14 };

/// Bytes, at the least, handed back at once: fewer system calls than pages.
const RELEASE_AT_LEAST: usize = 1 << 20;

/// The smallest vector, in bytes, whose pages are handed back early: glibc's largest
/// threshold for serving an allocation with its own mapping (`M_MMAP_THRESHOLD`'s
/// maximum on 64-bit systems, mallopt(3)). A smaller one may sit in the heap, where the
/// next call would reuse its pages still in memory rather than fault them in again.
const RELEASE_FROM_BYTES: usize = 32 << 20;

/// [`Vec::into_iter`], handing back the whole pages of the elements taken so far, for
/// a vector of [`RELEASE_FROM_BYTES`] or more.
///
/// On Linux the pages are released with `madvise(MADV_DONTNEED)`: they stay part of
/// the vector's allocation, and read back as zeros if touched again, so the allocation
/// is still whole when it is freed. Elsewhere (and under Miri) nothing is released early.
pub struct Releasing<T> {
    items: std::vec::IntoIter<T>,
    /// The address from which the next release may start: the allocation's start, then
    /// the end of the last release. Nothing below it is released again.
    released_to: usize,
    /// Elements taken since the last look.
    taken: usize,
    /// Whether to release anything at all.
    on: bool,
}

impl<T> Releasing<T> {
    pub fn new(items: Vec<T>) -> Self {
        Self::releasing_from(items, RELEASE_FROM_BYTES)
    }

    /// [`Self::new`], releasing pages only if the vector's allocation holds at least
    /// `min_bytes`.
    fn releasing_from(items: Vec<T>, min_bytes: usize) -> Self {
        let released_to = items.as_ptr().addr();
        let on = size_of::<T>() != 0 && items.capacity() * size_of::<T>() >= min_bytes;
        Releasing {
            items: items.into_iter(),
            released_to,
            taken: 0,
            on,
        }
    }

    /// Release the whole pages between what was released and the first element not yet
    /// taken.
    #[cold]
    fn release(&mut self) {
        let page = page_size();
        if !self.on || page == 0 {
            return;
        }
        // Whole pages only, rounded inwards: `from` up, past any allocator data just
        // before the allocation and the part of a page released already; `to` down, so
        // that the page holding the first element not yet taken is kept.
        let from = self.released_to.next_multiple_of(page);
        let to = self.items.as_slice().as_ptr().addr() / page * page;
        if to < from + RELEASE_AT_LEAST {
            return;
        }
        // SAFETY: `from..to` is whole pages inside the vector's allocation (which
        // `items` owns and keeps whole: `into_iter` neither moves nor shrinks it), and
        // every element in it was yielded (moved out) by `items`, which never reads or
        // drops it again. So no byte there is read again before the allocator writes it.
        unsafe { release_pages(from, to - from) };
        self.released_to = to;
    }
}

impl<T> Iterator for Releasing<T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        let item = self.items.next()?;
        self.taken += 1;
        if self.taken == CHECK_EVERY {
            self.taken = 0;
            self.release();
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.items.size_hint()
    }
}

impl<T> ExactSizeIterator for Releasing<T> {}

#[cfg(all(target_os = "linux", not(miri)))]
fn page_size() -> usize {
    use std::sync::OnceLock;
    static PAGE: OnceLock<usize> = OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf reads a configuration value; it has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        // Not a power of two or no answer: release nothing rather than guess.
        usize::try_from(page)
            .ok()
            .filter(|p| p.is_power_of_two())
            .unwrap_or(0)
    })
}

#[cfg(not(all(target_os = "linux", not(miri))))]
fn page_size() -> usize {
    0
}

/// Drop the contents of the pages at `at..at + len`.
///
/// # Safety
///
/// `at..at + len` must be whole pages of memory this process allocated, none of whose
/// bytes is read again before it is written: afterwards they read back as zeros
/// (madvise(2), MADV_DONTNEED).
#[cfg(all(target_os = "linux", not(miri)))]
unsafe fn release_pages(at: usize, len: usize) {
    // SAFETY: the caller's promise. The pages stay mapped, so the allocation remains
    // memory its allocator may write, free or hand out again; a failure (EINVAL, EAGAIN)
    // leaves them as they were, which is harmless.
    unsafe {
        libc::madvise(at as *mut libc::c_void, len, libc::MADV_DONTNEED);
    }
}

/// Nothing to do where no release is made (`page_size` is 0).
///
/// # Safety
///
/// None needed; `unsafe` to match the Linux function.
#[cfg(not(all(target_os = "linux", not(miri))))]
unsafe fn release_pages(_at: usize, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Elements of `size` bytes enough for a release of [`RELEASE_AT_LEAST`] and more
    /// when about half are taken, or a few looks' worth under Miri, which releases nothing.
    fn past_a_release(size: usize) -> usize {
        if cfg!(miri) {
            3 * CHECK_EVERY + 5
        } else {
            3 * RELEASE_AT_LEAST / size + 5
        }
    }

    #[test]
    fn yields_every_element_in_order_and_drops_the_rest() {
        let big = past_a_release(size_of::<Box<[u8]>>());
        for len in [0, 1, CHECK_EVERY - 1, CHECK_EVERY, 2 * CHECK_EVERY + 3, big] {
            // Boxed, so a double drop or a lost element shows (Miri, or a leak check).
            let items: Vec<Box<[u8]>> = (0..len).map(|i| i.to_le_bytes().into()).collect();
            let mut it = Releasing::releasing_from(items, 0);
            assert_eq!(it.len(), len);
            for i in 0..len / 2 {
                assert_eq!(*it.next().unwrap(), i.to_le_bytes());
            }
            assert_eq!(it.len(), len - len / 2);
            // The rest is dropped unread (for `big`, after a release of the first half).
        }
    }

    #[test]
    fn elements_after_releases_are_intact() {
        // Elements of 24 bytes, so element and page boundaries fall out of step.
        let len = 2 * past_a_release(24);
        let items: Vec<[u64; 3]> = (0..len as u64).map(|i| [i, !i, i * 7]).collect();
        let mut seen = 0;
        for (i, item) in Releasing::releasing_from(items, 0).enumerate() {
            let i = i as u64;
            assert_eq!(item, [i, !i, i * 7]);
            seen += 1;
        }
        assert_eq!(seen, len);
    }

    #[test]
    fn zero_sized_elements_are_counted_out() {
        let len = 3 * CHECK_EVERY + 1;
        assert_eq!(Releasing::releasing_from(vec![(); len], 0).count(), len);
    }

    #[cfg(all(target_os = "linux", not(miri)))]
    #[test]
    fn the_pages_taken_are_released_in_a_large_vector_only() {
        // The resident pages of [at, at + len), from mincore(2): the vector's own pages,
        // whatever other tests allocate meanwhile. Up to a tenth may be out for other
        // reasons (reclaim under memory pressure), never back in once released.
        fn resident_pages(at: usize, len: usize) -> usize {
            let mut flags = vec![0u8; len / page_size()];
            // SAFETY: [at, at + len) is whole pages of a live allocation (below), and
            // `flags` has one byte for each.
            let ok = unsafe { libc::mincore(at as *mut libc::c_void, len, flags.as_mut_ptr()) };
            assert_eq!(ok, 0, "mincore failed");
            flags.iter().filter(|&&f| f & 1 == 1).count()
        }
        let page = page_size();
        let most = |bytes: usize| bytes / page * 9 / 10;
        for (bytes, released) in [
            (2 * RELEASE_FROM_BYTES, true),
            (RELEASE_FROM_BYTES / 2, false),
        ] {
            let len = bytes / 8; // u64s, every page touched
            let items: Vec<u64> = (0..len as u64).collect();
            let first = items.as_ptr().addr().next_multiple_of(page);
            let part = bytes / 4; // well inside each half
            let mut it = Releasing::new(items);
            assert!(resident_pages(first, part) >= most(part));
            for i in 0..len / 2 {
                assert_eq!(it.next(), Some(i as u64));
            }
            let taken = resident_pages(first, part);
            if released {
                assert_eq!(taken, 0, "{bytes} bytes");
            } else {
                assert!(taken >= most(part), "{bytes} bytes: {taken} pages");
            }
            assert!(resident_pages(first + bytes * 5 / 8, part) >= most(part));
            assert!(it.eq(len as u64 / 2..len as u64));
        }
    }
}
