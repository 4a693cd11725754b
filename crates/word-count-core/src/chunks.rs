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
    fn chunk_count_is_capped() {
        assert_eq!(chunk_count(10, 8, 4), 2);
        assert_eq!(chunk_count(0, 8, 4), 1);
        assert_eq!(chunk_count(usize::MAX, 10_000, 1), crate::MAX_THREADS);
        assert_eq!(chunk_count(100, 0, 1), 1);
    }
}
