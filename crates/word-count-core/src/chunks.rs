//! Splitting a text into chunks for threads and slices for long calls, at character
//! boundaries, for every kind of text; and how many chunks a call gets.

use crate::encoding::Encoding;
use crate::{MAX_THREADS, MIN_CHUNK_BYTES};

/// How many chunks to count `bytes` bytes of text in, on `threads` threads (None: every
/// thread of this process's pool): at most `threads` (capped at [`MAX_THREADS`]), and
/// none smaller than [`MIN_CHUNK_BYTES`], because a tiny chunk costs more to hand to a
/// thread than to count.
///
/// A text under two minimum chunks is never split, so it does not ask for the pool at
/// all: that lookup costs a `getpid()` system call (the pool is per process, see
/// [`crate::pool`]), a large part of a call on a tiny text.
#[inline]
pub fn chunks_for(bytes: usize, threads: Option<usize>) -> usize {
    if bytes < 2 * MIN_CHUNK_BYTES {
        return 1;
    }
    let threads = threads.unwrap_or_else(crate::pool::threads);
    chunk_count(bytes, threads, MIN_CHUNK_BYTES)
}

/// How many chunks to split `len` bytes into when `threads` are asked for: at most
/// `threads` (capped at [`MAX_THREADS`]), and none smaller than `min_chunk` bytes.
pub fn chunk_count(len: usize, threads: usize, min_chunk: usize) -> usize {
    let by_size = len / min_chunk.max(1);
    threads.min(MAX_THREADS).min(by_size).max(1)
}

/// The `n + 1` boundaries of `n` chunks of `units`: the first is 0, the last
/// `units.len()`, and every one falls on a character boundary, so no chunk starts or
/// ends inside a character. Chunks may be empty when the text is shorter than `n`.
///
/// A boundary may fall inside a *word*. The operations make that harmless by looking
/// back one character (word counting) or reading past the chunk's end (token search),
/// so every word is counted exactly once, by the chunk where it starts.
pub fn boundaries<E: Encoding>(units: &[E::Unit], n: usize) -> Vec<usize> {
    let n = n.max(1);
    let len = units.len();
    let mut cuts = Vec::with_capacity(n + 1);
    cuts.push(0);
    for k in 1..n {
        // u128: len * k must not overflow on 32-bit targets.
        let at = ((len as u128 * k as u128) / n as u128) as usize;
        let prev = *cuts.last().unwrap_or(&0);
        cuts.push(E::char_boundary(units, at).max(prev));
    }
    cuts.push(len);
    cuts
}

/// Cut positions that split `units` into consecutive slices of at most about
/// `max_units` each, on character boundaries: the slices a long call works through one
/// at a time, checking for Ctrl-C in between.
pub fn slices<E: Encoding>(units: &[E::Unit], max_units: usize) -> Vec<usize> {
    let n = units.len().div_ceil(max_units.max(1)).max(1);
    boundaries::<E>(units, n)
}

/// The sum of `count(start, end)` over the chunks between consecutive `cuts`, run in
/// parallel (see [`map_parallel`]).
pub fn sum_parallel(cuts: &[usize], count: impl Fn(usize, usize) -> usize + Sync) -> usize {
    map_parallel(cuts, count).into_iter().sum()
}

/// `f(start, end)` for each chunk between consecutive `cuts`, run in parallel, the
/// results in the chunks' order: the calling thread does the first chunk itself while
/// this process's pool ([`crate::pool`]) does the others.
///
/// Why not `par_windows(..).map(..).collect()`: called from a thread outside the pool
/// (every Python thread), that hands the whole job to the pool and blocks, and the pool
/// must then wake one sleeping worker after another as the job splits. Each wake-up
/// costs tens to hundreds of microseconds on a virtual machine, a large part of a
/// millisecond-scale count; here the caller works instead of waiting, and the workers
/// are woken at once.
pub fn map_parallel<T: Send>(cuts: &[usize], f: impl Fn(usize, usize) -> T + Sync) -> Vec<T> {
    let (first, mut rest) = map_parallel_with_first(cuts, &f, &f);
    if let Some(first) = first {
        rest.insert(0, first);
    }
    rest
}

/// [`map_parallel`], with the first chunk done by `first` on the calling thread (which
/// may hold what no other thread may touch: a `&mut` to the caller's accumulator) and
/// every other chunk by `rest`; None for the first if there are no chunks.
pub fn map_parallel_with_first<F, T: Send>(
    cuts: &[usize],
    first: impl FnOnce(usize, usize) -> F,
    rest: impl Fn(usize, usize) -> T + Sync,
) -> (Option<F>, Vec<T>) {
    let n = cuts.len().saturating_sub(1);
    if n == 0 {
        return (None, Vec::new());
    }
    // One chunk never asks for the pool: that lookup costs a system call (see
    // `chunks_for`), a large part of a call on a tiny text.
    let pool = if n > 1 { crate::pool::pool() } else { None };
    let Some(pool) = pool else {
        let head = first(cuts[0], cuts[1]);
        return (
            Some(head),
            cuts[1..].windows(2).map(|w| rest(w[0], w[1])).collect(),
        );
    };
    let mut results: Vec<Option<T>> = (1..n).map(|_| None).collect();
    let rest = &rest;
    let head = pool.in_place_scope(|scope| {
        for (slot, w) in results.iter_mut().zip(cuts[1..].windows(2)) {
            scope.spawn(move |_| {
                #[cfg(feature = "test-hooks")]
                {
                    crate::testing::maybe_panic_in_worker();
                    crate::testing::maybe_race();
                }
                *slot = Some(rest(w[0], w[1]));
            });
        }
        #[cfg(feature = "test-hooks")]
        crate::testing::maybe_race();
        first(cuts[0], cuts[1])
    });
    // A worker's panic is re-raised by the scope, so every slot is filled here.
    let rest = results
        .into_iter()
        .map(|r| r.expect("every chunk done"))
        .collect();
    (Some(head), rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::encoding::{Ucs2, Utf8};

    #[test]
    fn boundaries_are_monotonic_and_on_char_starts() {
        let text = "aé€😀 \u{3000}b".repeat(37);
        let bytes = text.as_bytes();
        for n in 1..40 {
            let cuts = boundaries::<Utf8>(bytes, n);
            assert_eq!(cuts.len(), n + 1);
            assert_eq!((cuts[0], cuts[n]), (0, bytes.len()));
            assert!(cuts.windows(2).all(|w| w[0] <= w[1]));
            assert!(cuts.iter().all(|&c| text.is_char_boundary(c)));
        }
    }

    #[test]
    fn sum_parallel_sums_every_chunk_once() {
        let cuts = [0, 3, 3, 10, 11];
        assert_eq!(sum_parallel(&cuts, |a, b| (a..b).sum()), (0..11).sum());
        assert_eq!(sum_parallel(&[0, 5], |a, b| b - a), 5);
        assert_eq!(sum_parallel(&[], |a, b| b - a), 0);
    }

    #[test]
    fn storage_is_cut_anywhere() {
        let units = [0x61u16; 10];
        assert_eq!(boundaries::<Ucs2>(&units, 3), [0, 3, 6, 10]);
        assert_eq!(slices::<Ucs2>(&units, 4), [0, 3, 6, 10]);
    }

    #[test]
    fn small_texts_are_never_split() {
        assert_eq!(chunks_for(2 * MIN_CHUNK_BYTES - 1, None), 1);
        assert_eq!(chunks_for(100 * MIN_CHUNK_BYTES, Some(3)), 3);
        assert_eq!(chunks_for(100 * MIN_CHUNK_BYTES, Some(1)), 1);
    }

    #[test]
    fn chunk_count_is_capped() {
        assert_eq!(chunk_count(10, 8, 4), 2);
        assert_eq!(chunk_count(0, 8, 4), 1);
        assert_eq!(chunk_count(usize::MAX, 10_000, 1), MAX_THREADS);
        assert_eq!(chunk_count(100, 0, 1), 1);
    }
}
