//! The word-start counting kernel: a portable scalar loop, and an AVX2 version chosen at
//! run time (wheels run on any x86_64, so the CPU is asked, not assumed).
//!
//! A word start is a non-whitespace character preceded by whitespace (or by the start,
//! when the caller says the text before was whitespace). In a block of bytes whose only
//! non-ASCII bytes belong to non-whitespace characters, that is a pure byte test: a byte
//! starts a word if it is not ASCII whitespace and the byte before it is. Every byte of
//! a non-whitespace character is "not whitespace", so its continuation bytes never count.
//! Only the multibyte whitespace characters break this, and each begins with lead byte
//! C2, E1, E2 or E3; a block holding one of those is counted by the scalar loop. Both
//! follow the byte rule of [`crate::pychars::whitespace_len`], so they agree on any bytes.

use crate::pychars::whitespace_len;

/// The number of word starts in `bytes` (see the module docs); `after_space` says
/// whether the character before `bytes` was whitespace.
pub fn count_word_starts(bytes: &[u8], after_space: bool) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has just been checked to support AVX2.
            return unsafe { avx2::count_word_starts(bytes, after_space) };
        }
    }
    scalar(bytes, 0, bytes.len(), after_space).0
}

/// Count the word starts among the bytes from `start` to `end`, by the byte rule of
/// [`whitespace_len`]. A whitespace character that begins before `end` is read whole,
/// even past `end`. Returns the count, the position just after the last byte read (at or
/// past `end`), and whether that byte ended whitespace.
#[inline]
pub(crate) fn scalar(
    bytes: &[u8],
    start: usize,
    end: usize,
    after_space: bool,
) -> (usize, usize, bool) {
    let mut count = 0;
    let mut in_space = after_space;
    let mut i = start;
    while i < end {
        match whitespace_len(&bytes[i..]) {
            Some(len) => {
                in_space = true;
                i += len;
            }
            None => {
                count += usize::from(in_space);
                in_space = false;
                i += 1;
            }
        }
    }
    (count, i, in_space)
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use std::arch::x86_64::*;

    use super::scalar;

    /// Bytes `b` with `lo <= b < lo + n` (unsigned), as 0xFF lanes.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) fn in_range(v: __m256i, lo: u8, n: u8) -> __m256i {
        let t = _mm256_sub_epi8(v, _mm256_set1_epi8(lo as i8));
        _mm256_cmpeq_epi8(_mm256_min_epu8(t, _mm256_set1_epi8((n - 1) as i8)), t)
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn count_word_starts(bytes: &[u8], after_space: bool) -> usize {
        const BLOCK: usize = 32;
        let mut count = 0;
        let mut in_space = after_space;
        let mut i = 0;
        while i + BLOCK <= bytes.len() {
            // SAFETY: i + 32 <= len, so the unaligned 32-byte load stays inside `bytes`.
            let v = unsafe { _mm256_loadu_si256(bytes.as_ptr().add(i).cast()) };
            // Python's ASCII whitespace: 09..0D and 1C..20.
            let space = _mm256_or_si256(in_range(v, 0x09, 5), in_range(v, 0x1C, 5));
            // Lead bytes of multibyte whitespace: C2, E1, E2, E3.
            let lead = _mm256_or_si256(
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0xC2u8 as i8)),
                in_range(v, 0xE1, 3),
            );
            if _mm256_movemask_epi8(lead) != 0 {
                // Rare outside some scripts: count this block character by character,
                // reading its last character whole, so the next block starts on a
                // character boundary.
                let (n, next, was_space) = scalar(bytes, i, i + BLOCK, in_space);
                count += n;
                i = next;
                in_space = was_space;
                continue;
            }
            let space = _mm256_movemask_epi8(space) as u32;
            let before = (space << 1) | u32::from(in_space);
            count += (!space & before).count_ones() as usize;
            in_space = space >> 31 != 0;
            i += BLOCK;
        }
        count + scalar(bytes, i, bytes.len(), in_space).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pychars::PY_WHITESPACE;
    use proptest::prelude::*;

    fn scalar_only(bytes: &[u8], after_space: bool) -> usize {
        scalar(bytes, 0, bytes.len(), after_space).0
    }

    #[test]
    fn blocks_straddled_by_every_kind_of_character() {
        // Put each multibyte whitespace and a few other characters at every offset
        // around the 32-byte block edges.
        let mut specials: Vec<String> = PY_WHITESPACE.iter().map(|c| c.to_string()).collect();
        specials.extend(["é", "€", "😀", "\u{200B}", "\u{FEFF}", "x"].map(String::from));
        for s in &specials {
            for pad in 0..70 {
                let text = format!(
                    "{}{s}y{}{s}",
                    "a ".repeat(pad / 2) + &"b".repeat(pad % 2),
                    " z".repeat(20)
                );
                for after in [true, false] {
                    assert_eq!(
                        count_word_starts(text.as_bytes(), after),
                        scalar_only(text.as_bytes(), after),
                        "{text:?}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn simd_matches_scalar_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300), after in any::<bool>()) {
            prop_assert_eq!(count_word_starts(&bytes, after), scalar_only(&bytes, after));
        }

        #[test]
        fn simd_matches_scalar_on_mostly_ascii_text(
            parts in prop::collection::vec(prop::sample::select(vec![
                "word", " ", "  ", "\t", "\n", "\u{1C}", "é", "\u{A0}", "\u{3000}", "\u{2028}", "😀", "\u{85}"
            ]), 0..120),
            after in any::<bool>(),
        ) {
            let text = parts.concat();
            prop_assert_eq!(count_word_starts(text.as_bytes(), after), scalar_only(text.as_bytes(), after));
        }
    }
}
