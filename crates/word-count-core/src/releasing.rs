//! A vector's elements taken out in order, the memory of those already taken handed
//! back to the operating system as the iteration goes.
//!
//! Why: a table of millions of words becomes a Python `Counter` one entry at a time, and
//! the Counter grows while the entries are read. Freed only at the end, the entries sat
//! beside the whole Counter at the peak: about 340 MB on 10 million distinct words
//! (docs/benchmarks.md, "Counters of many words").

use std::mem::size_of;

/// Elements taken between two looks at how much can be released (fewer under Miri, so
/// that its tests pass many looks in a short run).
const CHECK_EVERY: usize = if cfg!(miri) { 64 } else { 1 << 14 };

/// Bytes, at the least, handed back at once: fewer system calls than pages.
const RELEASE_AT_LEAST: usize = 1 << 20;

/// [`Vec::into_iter`], handing back the whole pages of the elements taken so far.
///
/// On Linux the pages are released with `madvise(MADV_DONTNEED)`: they stay part of
/// the vector's allocation, and read back as zeros if touched again, so the allocation
/// is still whole when it is freed. Elsewhere (and under Miri) nothing is released early.
pub struct Releasing<T> {
    items: std::vec::IntoIter<T>,
    /// Everything below this address, in the allocation, has been released.
    released_to: usize,
    /// Elements taken since the last look.
    taken: usize,
}

impl<T> Releasing<T> {
    pub fn new(items: Vec<T>) -> Self {
        let released_to = items.as_ptr().addr();
        Releasing {
            items: items.into_iter(),
            released_to,
            taken: 0,
        }
    }

    /// Release the whole pages between what was released and the first element not yet
    /// taken.
    #[cold]
    fn release(&mut self) {
        let page = page_size();
        if size_of::<T>() == 0 || page == 0 {
            return;
        }
        // Whole pages only: the allocator may keep its own data just before the
        // allocation, and the elements not yet taken follow the last page released.
        let from = self.released_to.next_multiple_of(page);
        let to = self.items.as_slice().as_ptr().addr() / page * page;
        if to < from + RELEASE_AT_LEAST {
            return;
        }
        release_pages(from, to - from);
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

#[cfg(all(target_os = "linux", not(miri)))]
fn release_pages(at: usize, len: usize) {
    // SAFETY: [at, at + len) is whole pages inside a live allocation of a `Vec`, all of
    // it holding elements that `Releasing::items` has yielded (moved out) already, so
    // nothing reads or drops them again. MADV_DONTNEED on this private anonymous memory
    // only drops the pages' contents: they stay mapped and read back as zeros (Linux's
    // madvise(2)), so the allocation is still valid memory when its allocator frees or
    // reuses it. A failure leaves the pages as they were, which is harmless.
    unsafe {
        libc::madvise(at as *mut libc::c_void, len, libc::MADV_DONTNEED);
    }
}

#[cfg(not(all(target_os = "linux", not(miri))))]
fn release_pages(_at: usize, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yields_every_element_in_order_and_drops_the_rest() {
        for len in [0, 1, CHECK_EVERY - 1, CHECK_EVERY, 2 * CHECK_EVERY + 3] {
            // Boxed, so a double drop or a lost element shows (Miri, or a leak check).
            let items: Vec<Box<[u8]>> = (0..len).map(|i| i.to_le_bytes().into()).collect();
            let mut it = Releasing::new(items);
            assert_eq!(it.len(), len);
            for i in 0..len / 2 {
                assert_eq!(*it.next().unwrap(), i.to_le_bytes());
            }
            assert_eq!(it.len(), len - len / 2);
            // The rest is dropped unread, after the first half's pages were released.
        }
    }

    #[test]
    fn elements_after_a_release_are_intact() {
        // Elements of 24 bytes, so element and page boundaries fall out of step.
        let len = 3 * CHECK_EVERY + 11;
        let items: Vec<[u64; 3]> = (0..len as u64).map(|i| [i, !i, i * 7]).collect();
        let mut seen = 0;
        for (i, item) in Releasing::new(items).enumerate() {
            let i = i as u64;
            assert_eq!(item, [i, !i, i * 7]);
            seen += 1;
        }
        assert_eq!(seen, len);
    }

    #[cfg(all(target_os = "linux", not(miri)))]
    #[test]
    fn the_pages_taken_are_released() {
        // The resident pages of [at, at + len), from mincore(2): the vector's own pages,
        // whatever other tests allocate meanwhile.
        fn resident_pages(at: usize, len: usize) -> usize {
            let mut flags = vec![0u8; len / page_size()];
            // SAFETY: [at, at + len) is whole pages of a live allocation (below), and
            // `flags` has one byte for each.
            let ok = unsafe { libc::mincore(at as *mut libc::c_void, len, flags.as_mut_ptr()) };
            assert_eq!(ok, 0, "mincore failed");
            flags.iter().filter(|&&f| f & 1 == 1).count()
        }
        let page = page_size();
        let len = 8 << 20; // 64 MiB of u64, every page touched
        let items: Vec<u64> = (0..len as u64).collect();
        let first = items.as_ptr().addr().next_multiple_of(page);
        let half = 16 << 20; // bytes, well inside each half
        let mut it = Releasing::new(items);
        assert_eq!(resident_pages(first, half), half / page);
        for i in 0..len / 2 {
            assert_eq!(it.next(), Some(i as u64));
        }
        assert_eq!(resident_pages(first, half), 0);
        assert_eq!(resident_pages(first + (40 << 20), half), half / page);
        assert!(it.eq(len as u64 / 2..len as u64));
    }
}
