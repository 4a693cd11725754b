//! The lane tests the x86_64 kernels build their character classes from: one place for
//! each, shared by the UTF-8 kernels ([`crate::word_starts`], [`crate::word_spans`]) and
//! those on a `str`'s storage ([`crate::str_storage`]).
//!
//! Each is a safe `#[target_feature]` function: a kernel compiled with the same feature
//! calls it (and inlines it) without `unsafe`; the kernels' dispatchers ask the CPU.
//! With them, the prefetch every streaming kernel issues ahead of its loads.

use std::arch::x86_64::*;

/// Bytes `b` with `lo <= b < lo + n` (unsigned), as 0xFF lanes.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn in_range8(v: __m256i, lo: u8, n: u8) -> __m256i {
    let t = _mm256_sub_epi8(v, _mm256_set1_epi8(lo as i8));
    _mm256_cmpeq_epi8(_mm256_min_epu8(t, _mm256_set1_epi8((n - 1) as i8)), t)
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

/// 16-bit lanes equal to `x`, as mask bits (AVX-512BW).
#[inline]
#[target_feature(enable = "avx512bw")]
pub(crate) fn eq16_mask(v: __m512i, x: u16) -> __mmask32 {
    _mm512_cmpeq_epi16_mask(v, _mm512_set1_epi16(x as i16))
}

/// How many bytes past its loads a streaming kernel asks the cache for the text.
///
/// The hardware prefetcher keeps a loop that only sums bytes at memory speed, but on an
/// Intel Xeon (family 6, model 167, under KVM, 2 CPUs) it left every kernel that does
/// more per byte far below it. Measured on 100 MiB of English-like text, out of the
/// cache, median of 5 interleaved rounds, without and with this prefetch: `word_count`
/// 7.7 -> 11.4 GB/s with AVX-512BW and 5.9 -> 11.0 with AVX2 (the summing loop: 11-13);
/// the token "the" 5.6 -> 8.5 GB/s with AVX-512BW and 2.1 -> 6.2 with AVX2; "the" in
/// Latin-1 storage 1.8 -> 6.9 G units/s. 4096 bytes ahead gave the same, 1024 less;
/// within the cache it changed nothing. The summing loop gains nothing from it.
pub(crate) const PREFETCH_AHEAD: usize = 2048;

/// Asks for the cache line [`PREFETCH_AHEAD`] bytes past `data[at]`, to be read soon.
#[inline(always)]
pub(crate) fn prefetch_ahead<T>(data: &[T], at: usize) {
    let line = data
        .as_ptr()
        .cast::<u8>()
        .wrapping_add(at * std::mem::size_of::<T>() + PREFETCH_AHEAD);
    // SAFETY: a prefetch only hints to the cache: it never faults and changes nothing the
    // program can see, whatever the address (Intel SDM, PREFETCHh), so one past the end
    // of `data` is harmless; `wrapping_add` keeps the pointer arithmetic defined there.
    // SSE, which `_mm_prefetch` needs, is part of every x86_64 CPU.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(line.cast()) }
}
