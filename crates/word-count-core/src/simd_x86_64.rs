//! The lane tests the x86_64 kernels build their character classes from: one place for
//! each, shared by the UTF-8 kernels ([`crate::word_starts`], [`crate::word_spans`]) and
//! those on a `str`'s storage ([`crate::str_storage`]).
//!
//! Each is a safe `#[target_feature]` function: a kernel compiled with the same feature
//! calls it (and inlines it) without `unsafe`; the kernels' dispatchers ask the CPU.

use std::arch::x86_64::*;

/// Bytes `b` with `lo <= b < lo + n` (unsigned), as 0xFF lanes.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn in_range8(v: __m256i, lo: u8, n: u8) -> __m256i {
    let t = _mm256_sub_epi8(v, _mm256_set1_epi8(lo as i8));
    _mm256_cmpeq_epi8(_mm256_min_epu8(t, _mm256_set1_epi8((n - 1) as i8)), t)
}

/// Lanes with `lo <= v < lo + n` (unsigned 16-bit), as 0xFFFF.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn in_range16(v: __m256i, lo: u16, n: u16) -> __m256i {
    let t = _mm256_sub_epi16(v, _mm256_set1_epi16(lo as i16));
    _mm256_cmpeq_epi16(_mm256_min_epu16(t, _mm256_set1_epi16((n - 1) as i16)), t)
}

/// 16-bit lanes equal to `x`, as 0xFFFF.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn eq16(v: __m256i, x: u16) -> __m256i {
    _mm256_cmpeq_epi16(v, _mm256_set1_epi16(x as i16))
}

/// Bytes `b` with `lo <= b < lo + n` (unsigned), as mask bits (AVX-512BW).
#[inline]
#[target_feature(enable = "avx512bw")]
pub(crate) fn in_range8_mask(v: __m512i, lo: u8, n: u8) -> __mmask64 {
    _mm512_cmplt_epu8_mask(
        _mm512_sub_epi8(v, _mm512_set1_epi8(lo as i8)),
        _mm512_set1_epi8(n as i8),
    )
}
