//! The keys of long words in a `str`'s UCS-4 storage, narrowed to a byte a unit where
//! every unit fits, so that a frequency table finds them with one compare.
//!
//! A word of at most 16 bytes is keyed by its bytes ([`crate::hash`]) and found by
//! comparing two u64; a longer one is hashed 16 bytes at a time and compared byte by
//! byte, several times the work. In UCS-4, where CPython stores a `str` with one
//! character above U+FFFF (an emoji, say), that is every word of more than 4 characters:
//! most English words. So in a table of UCS-4 words, a word of 5 to [`MAX_UNITS`] units,
//! all below 256, is keyed by its units narrowed to one byte each, and found like a
//! short word. Measured in Rust (`frequencies_in`, 24 MiB English-like text with an
//! emoji in each " water ", best of 9, Intel Xeon family 6 model 167): 0.52 -> 0.64 G
//! characters a second, and 0.53 -> 0.73 with every word doubled (5 to 24 units).
//!
//! Not in UCS-2, where it was measured too: there it only takes words of 9 to 15
//! characters, and those doubled words went from 0.89 to 0.83 G a second.
//!
//! Two rules keep every narrowed key apart from the table's other keys, so that equal
//! keys are equal words without a byte compare:
//! - its length (in the slot's check) is the word's, more than 16 bytes, so it never
//!   equals a short word's;
//! - it holds at most 15 bytes, so the top bit of its `y` is 0, and every other word of
//!   more than 16 bytes in such a table has that bit set ([`LONG_MARK`]).

/// The most units a narrowed key holds: 15, so that its last byte is always 0.
pub(crate) const MAX_UNITS: usize = 15;

/// Set in the `y` of the key of every word of more than 16 bytes that is not narrowed,
/// in a table of UCS-4 words: no narrowed key has it.
pub(crate) const LONG_MARK: u64 = 1 << 63;

/// The units of a word, given as their bytes (4 each, native order), each narrowed to a
/// byte, as two little-endian u64 zero-padded to 16 bytes; None if a unit is 256 or
/// more, or there are more than [`MAX_UNITS`].
pub(crate) fn narrowed(bytes: &[u8]) -> Option<(u64, u64)> {
    if !bytes.len().is_multiple_of(4) || bytes.len() / 4 > MAX_UNITS {
        return None;
    }
    let mut out = [0u8; 16];
    for (byte, unit) in out.iter_mut().zip(bytes.as_chunks::<4>().0) {
        *byte = u8::try_from(u32::from_ne_bytes(*unit)).ok()?;
    }
    let half = |at: usize| u64::from_le_bytes(out[at..at + 8].try_into().expect("8 bytes"));
    Some((half(0), half(8)))
}

/// The 16 units of 4 bytes from `text[a..]`, each narrowed to its low byte, and their
/// high parts (each nonzero exactly when the unit is 256 or more), as two pairs of
/// little-endian u64 (the first unit in the lowest byte): the raw material of
/// [`narrowed`], read with a few vector instructions and no branch.
///
/// # Safety
/// `a + 64 <= text.len()`.
#[inline(always)]
pub(crate) unsafe fn low_and_high(text: &[u8], a: usize) -> [u64; 4] {
    debug_assert!(a + 64 <= text.len());
    // SAFETY: the caller guarantees that the 64 bytes from `a` are in `text`.
    let at = unsafe { text.as_ptr().add(a) };
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: as above; SSE2 is part of x86_64.
        unsafe { sse2::low_and_high(at) }
    }
    #[cfg(target_arch = "aarch64")]
    {
        // SAFETY: as above; NEON is part of AArch64.
        unsafe { neon::low_and_high(at) }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        // SAFETY: as above.
        portable_low_and_high(unsafe { &*at.cast::<[u8; 64]>() })
    }
}

/// [`low_and_high`] one unit at a time: elsewhere, and the model in the tests.
#[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), allow(dead_code))]
fn portable_low_and_high(bytes: &[u8; 64]) -> [u64; 4] {
    let mut low = [0u8; 16];
    let mut high = [0u8; 16];
    for (i, unit) in bytes.as_chunks::<4>().0.iter().enumerate() {
        let code = u32::from_ne_bytes(*unit);
        low[i] = code as u8;
        high[i] = u8::from(code > 0xFF);
    }
    let half = |s: &[u8; 16], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    [half(&low, 0), half(&low, 8), half(&high, 0), half(&high, 8)]
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// See [`super::low_and_high`]. The high parts are packed with saturation, which
    /// keeps a nonzero part nonzero (the shift makes every part fit as a positive number
    /// first); the low bytes are masked first, so that no lane saturates.
    ///
    /// # Safety
    /// The 64 bytes from `at` must be readable.
    #[inline(always)]
    pub(super) unsafe fn low_and_high(at: *const u8) -> [u64; 4] {
        // SAFETY: the caller guarantees the reads; unaligned loads.
        let v = [0, 1, 2, 3].map(|i| unsafe { _mm_loadu_si128(at.add(16 * i).cast()) });
        let byte = _mm_set1_epi32(0xFF);
        let lo = |i: usize| _mm_and_si128(v[i], byte);
        let hi = |i: usize| _mm_srli_epi32::<8>(v[i]);
        let low = _mm_packus_epi16(_mm_packs_epi32(lo(0), lo(1)), _mm_packs_epi32(lo(2), lo(3)));
        let high = _mm_packus_epi16(_mm_packs_epi32(hi(0), hi(1)), _mm_packs_epi32(hi(2), hi(3)));
        let halves = |v: __m128i| {
            (
                _mm_cvtsi128_si64(v) as u64,
                _mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)) as u64,
            )
        };
        let ((l0, l1), (h0, h1)) = (halves(low), halves(high));
        [l0, l1, h0, h1]
    }
}

#[cfg(target_arch = "aarch64")]
mod neon {
    use std::arch::aarch64::*;

    /// See [`super::low_and_high`]: truncating narrows for the low bytes, saturating
    /// ones for the high parts, which keep a nonzero part nonzero.
    ///
    /// # Safety
    /// The 64 bytes from `at` must be readable.
    #[inline(always)]
    pub(super) unsafe fn low_and_high(at: *const u8) -> [u64; 4] {
        // SAFETY: the caller guarantees the reads; `vld1q` needs no alignment.
        let v = [0, 1, 2, 3].map(|i| unsafe { vld1q_u32(at.add(16 * i).cast()) });
        let low16 = |i: usize| vcombine_u16(vmovn_u32(v[i]), vmovn_u32(v[i + 1]));
        let high16 = |i: usize| vcombine_u16(vqshrn_n_u32::<8>(v[i]), vqshrn_n_u32::<8>(v[i + 1]));
        let low = vcombine_u8(vmovn_u16(low16(0)), vmovn_u16(low16(2)));
        let high = vcombine_u8(vqmovn_u16(high16(0)), vqmovn_u16(high16(2)));
        let halves = |v: uint8x16_t| {
            let v = vreinterpretq_u64_u8(v);
            (vgetq_lane_u64::<0>(v), vgetq_lane_u64::<1>(v))
        };
        let ((l0, l1), (h0, h1)) = (halves(low), halves(high));
        [l0, l1, h0, h1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bytes_of(units: &[u32]) -> Vec<u8> {
        units.iter().flat_map(|u| u.to_ne_bytes()).collect()
    }

    /// A unit near the edges the narrowing must not blur: 255 and 256, units whose low
    /// byte is a letter's, and units with only high bits set.
    fn unit() -> impl Strategy<Value = u32> {
        prop_oneof![
            0u32..0x80,
            prop::sample::select(vec![0, 0xFF, 0x100, 0x161, 0x3000, 0xFF61, 0x1_0061]),
            prop::sample::select(vec![0x7F00, 0x8000, 0xFFFF, 0x0100_0061, 0x8000_0000]),
            any::<u32>(),
        ]
    }

    proptest! {
        // 24 under Miri, where 64 cases took 37 s.
        #![proptest_config(crate::proptest_config(24))]

        #[test]
        fn fast_narrowing_matches_the_model(units in prop::collection::vec(unit(), 16)) {
            let bytes: [u8; 64] = bytes_of(&units).try_into().unwrap();
            // SAFETY: 64 bytes.
            let [l0, l1, h0, h1] = unsafe { low_and_high(&bytes, 0) };
            let [m0, m1, g0, g1] = portable_low_and_high(&bytes);
            // The high parts may differ in value (saturated), not in which are zero.
            let zeros = |x: u64| x.to_le_bytes().map(|b| b == 0);
            prop_assert_eq!((l0, l1), (m0, m1));
            prop_assert_eq!((zeros(h0), zeros(h1)), (zeros(g0), zeros(g1)));
            for n in 1..=MAX_UNITS {
                let keep = u128::MAX >> (128 - 8 * n);
                let (kx, ky) = (keep as u64, (keep >> 64) as u64);
                let fast = ((h0 & kx) | (h1 & ky) == 0).then_some((l0 & kx, l1 & ky));
                prop_assert_eq!(fast, narrowed(&bytes[..4 * n]), "n = {}", n);
            }
        }
    }

    #[test]
    fn a_narrowed_key_keeps_every_unit_and_its_last_byte_free() {
        let word: Vec<u32> = (0..15).map(|i| 0xF1 + i).collect();
        let (x, y) = narrowed(&bytes_of(&word)).expect("all below 256");
        assert_eq!((x, y), (0xF8F7_F6F5_F4F3_F2F1, 0x00FF_FEFD_FCFB_FAF9));
        assert_eq!(y & LONG_MARK, 0);
        let mut wide = word.clone();
        wide[7] = 0x100;
        assert_eq!(narrowed(&bytes_of(&wide)), None);
        assert_eq!(narrowed(&bytes_of(&[0x61; 16])), None, "16 units");
        assert_eq!(narrowed(&[0x61, 0, 0, 0, 0x62]), None, "not whole units");
    }
}
