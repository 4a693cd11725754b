//! Splitting a text into roughly equal chunks for threads, at character boundaries.

use crate::pychars::is_continuation;

/// How many chunks to split `len` bytes into when `threads` are asked for: at most
/// `threads` (capped at [`crate::MAX_THREADS`]), and none smaller than `min_chunk`
/// bytes, because a tiny chunk costs more to hand to a thread than to count.
pub fn chunk_count(len: usize, threads: usize, min_chunk: usize) -> usize {
    let by_size = len / min_chunk.max(1);
    threads.min(crate::MAX_THREADS).min(by_size).max(1)
}

/// The `n + 1` boundaries of `n` chunks of `bytes`: the first is 0, the last
/// `bytes.len()`, and every one falls on a character boundary, so no chunk starts or
/// ends inside a character. Chunks may be empty when the text is shorter than `n`.
///
/// A boundary may fall inside a *word*. The kernels make that harmless by looking
/// back one character (word counting) or reading past the chunk's end (token search),
/// so every word is counted exactly once, by the chunk where it starts.
pub fn boundaries(bytes: &[u8], n: usize) -> Vec<usize> {
    let n = n.max(1);
    let len = bytes.len();
    let mut cuts = Vec::with_capacity(n + 1);
    cuts.push(0);
    for k in 1..n {
        // u128: len * k must not overflow on 32-bit targets.
        let mut at = ((len as u128 * k as u128) / n as u128) as usize;
        // Step forward off continuation bytes: at most 3 in valid (generalised) UTF-8.
        while at < len && is_continuation(bytes[at]) {
            at += 1;
        }
        let prev = *cuts.last().unwrap_or(&0);
        cuts.push(at.max(prev));
    }
    cuts.push(len);
    cuts
}

/// Cut positions that split `bytes` into consecutive slices of at most about `max_len`
/// bytes each, on character boundaries: the slices a long call works through one at a
/// time, checking for Ctrl-C in between.
pub fn slices(bytes: &[u8], max_len: usize) -> Vec<usize> {
    let n = bytes.len().div_ceil(max_len.max(1)).max(1);
    boundaries(bytes, n)
}

/// The sum of `count(start, end)` over the chunks between consecutive `cuts`, run in
/// parallel: the calling thread counts the first chunk itself while this process's pool
/// ([`crate::pool`]) counts the others.
///
/// Why not `par_windows(..).sum()`: called from a thread outside the pool (every Python
/// thread), that hands the whole job to the pool and blocks, and the pool must then wake
/// one sleeping worker after another as the job splits. Each wake-up costs 50-300 us on
/// these VMs, a large part of a millisecond-scale count; here the caller works instead
/// of waiting, and the workers are woken at once.
pub fn sum_parallel(cuts: &[usize], count: impl Fn(usize, usize) -> usize + Sync) -> usize {
    let n = cuts.len().saturating_sub(1);
    if n <= 1 {
        return cuts
            .first()
            .zip(cuts.last())
            .map_or(0, |(&a, &b)| count(a, b));
    }
    let Some(pool) = crate::pool::pool() else {
        return cuts.windows(2).map(|w| count(w[0], w[1])).sum();
    };
    let mut counts = vec![0usize; n];
    let (first, rest) = counts.split_first_mut().expect("n >= 2");
    let count = &count;
    pool.in_place_scope(|scope| {
        for (slot, w) in rest.iter_mut().zip(cuts[1..].windows(2)) {
            scope.spawn(move |_| {
                #[cfg(feature = "test-hooks")]
                crate::testing::maybe_panic_in_worker();
                *slot = count(w[0], w[1]);
            });
        }
        *first = count(cuts[0], cuts[1]);
    });
    counts.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_monotonic_and_on_char_starts() {
        let text = "aé€😀 \u{3000}b".repeat(37);
        let bytes = text.as_bytes();
        for n in 1..40 {
            let cuts = boundaries(bytes, n);
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
    fn chunk_count_is_capped() {
        assert_eq!(chunk_count(10, 8, 4), 2);
        assert_eq!(chunk_count(0, 8, 4), 1);
        assert_eq!(chunk_count(usize::MAX, 10_000, 1), crate::MAX_THREADS);
        assert_eq!(chunk_count(100, 0, 1), 1);
    }
}
