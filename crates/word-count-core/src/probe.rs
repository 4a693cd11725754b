//! Reference loops for the benchmarks: what the kernels are measured against.

/// The wrapping sum of `bytes` read as little-endian `u64` words (and the tail bytes):
/// a read of every byte with next to no work per byte, so it runs at the speed memory
/// (or cache) delivers bytes to one core. The kernels benchmark reports each kernel's
/// speed as a share of this.
pub fn sum_bytes(bytes: &[u8]) -> u64 {
    let words = bytes.chunks_exact(8);
    let tail: u64 = words.remainder().iter().map(|&b| u64::from(b)).sum();
    words
        .map(|w| u64::from_le_bytes(w.try_into().expect("chunks of 8")))
        .fold(tail, u64::wrapping_add)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sums_words_and_tail() {
        let mut bytes = 1u64.to_le_bytes().to_vec();
        bytes.extend([2, 3]);
        assert_eq!(super::sum_bytes(&bytes), 6);
        assert_eq!(super::sum_bytes(&[]), 0);
    }
}
