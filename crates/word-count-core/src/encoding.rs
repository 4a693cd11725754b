//! What differs between the kinds of text, as one trait, [`Encoding`]: generalised UTF-8
//! bytes ([`Utf8`]), or a Python `str`'s own storage (PEP 393: code units of 1, 2 or 4
//! bytes, one per code point; [`Storage`]).
//!
//! Each operation (word counts, token search, frequencies) is written once, generic over
//! an [`Encoding`], which supplies what differs: where a character may be cut, the SIMD
//! kernel that counts word starts, the tests for whitespace and token boundaries next to
//! a position, and where the words are.
//!
//! Why a `str`'s storage at all: for a non-ASCII `str`, asking CPython for UTF-8 makes it
//! build (and keep) a UTF-8 copy, slower than any count and doubling the memory. Where
//! the binding may read the storage (not under the stable ABI) it hands it over as is.

use std::borrow::Cow;

use crate::pychars::{
    ends_with_token_boundary, ends_with_whitespace, is_continuation, is_py_line_break,
    starts_with_token_boundary,
};
use crate::str_storage::{is_space, CodeUnit};
use crate::token_masks::MAX_NEEDLE;
use crate::{storage_tokens, token_masks, utf8, word_spans, word_starts};

/// What the operations need to know of a kind of text. Positions are code units.
pub trait Encoding: 'static {
    type Unit: Copy + Eq + Send + Sync + 'static;
    const UNIT_BYTES: usize = std::mem::size_of::<Self::Unit>();

    /// The first character boundary at or after `at` (at most `units.len()`).
    fn char_boundary(units: &[Self::Unit], at: usize) -> usize;

    /// The word starts in `units`: non-whitespace characters preceded by whitespace, the
    /// one before `units` being whitespace if `after_space`. SIMD where the CPU has it.
    fn word_starts(units: &[Self::Unit], after_space: bool) -> usize;

    /// Does `before` end with Python whitespace?
    fn ends_with_space(before: &[Self::Unit]) -> bool;

    /// Does `before` end with a token boundary (a space or a Python line break)?
    fn ends_with_boundary(before: &[Self::Unit]) -> bool;

    /// Does `after` start with a token boundary?
    fn starts_with_boundary(after: &[Self::Unit]) -> bool;

    /// `needle` (generalised UTF-8) in this encoding's units, as the bytes of those
    /// units; None if no token can equal it (it holds a code point these units cannot).
    fn needle_bytes(needle: &[u8]) -> Option<Cow<'_, [u8]>>;

    /// The bytes of `units` in memory order, for the byte-wise substring search and as
    /// the words of a frequency table.
    fn as_bytes(units: &[Self::Unit]) -> &[u8];

    /// Calls `f(a, b)` for each word `units[a..b]` that starts in `start..end`, in order
    /// ([`crate::word_spans`]).
    fn words(units: &[Self::Unit], start: usize, end: usize, f: impl FnMut(usize, usize));

    /// The tokens equal to `needle` (the bytes of its units) that start in a range
    /// `lo..hi` of `start..end`, counted by a SIMD kernel, as `(count, lo, hi)`; `lo ==
    /// hi` where there is no kernel ([`crate::token_masks`]). The search counts the rest.
    fn count_tokens_masked(
        _units: &[Self::Unit],
        _needle: &[u8],
        start: usize,
        _end: usize,
    ) -> (usize, usize, usize) {
        (0, start, start)
    }
}

/// Generalised UTF-8 (see the crate docs).
pub struct Utf8;

impl Encoding for Utf8 {
    type Unit = u8;

    fn char_boundary(units: &[u8], at: usize) -> usize {
        // At most 3 continuation bytes in valid (generalised) UTF-8.
        let mut at = at.min(units.len());
        while at < units.len() && is_continuation(units[at]) {
            at += 1;
        }
        at
    }

    fn word_starts(units: &[u8], after_space: bool) -> usize {
        word_starts::count_word_starts(units, after_space)
    }

    fn ends_with_space(before: &[u8]) -> bool {
        ends_with_whitespace(before)
    }

    fn ends_with_boundary(before: &[u8]) -> bool {
        ends_with_token_boundary(before)
    }

    fn count_tokens_masked(
        units: &[u8],
        needle: &[u8],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        token_masks::count_utf8(units, needle, start, end)
    }

    fn starts_with_boundary(after: &[u8]) -> bool {
        starts_with_token_boundary(after)
    }

    fn needle_bytes(needle: &[u8]) -> Option<Cow<'_, [u8]>> {
        Some(Cow::Borrowed(needle))
    }

    fn as_bytes(units: &[u8]) -> &[u8] {
        units
    }

    #[inline]
    fn words(units: &[u8], start: usize, end: usize, f: impl FnMut(usize, usize)) {
        word_spans::utf8_words(units, start, end, f)
    }
}

/// A `str`'s storage of units `T`: every unit is a whole character.
pub struct Storage<T>(std::marker::PhantomData<T>);

pub type Latin1 = Storage<u8>;
pub type Ucs2 = Storage<u16>;
pub type Ucs4 = Storage<u32>;

impl<T: CodeUnit> Encoding for Storage<T> {
    type Unit = T;

    fn char_boundary(units: &[T], at: usize) -> usize {
        at.min(units.len())
    }

    fn word_starts(units: &[T], after_space: bool) -> usize {
        T::word_starts(units, after_space)
    }

    fn ends_with_space(before: &[T]) -> bool {
        before.last().is_some_and(|u| is_space(u.code_point()))
    }

    fn ends_with_boundary(before: &[T]) -> bool {
        before.last().is_some_and(|u| is_boundary(u.code_point()))
    }

    fn starts_with_boundary(after: &[T]) -> bool {
        after.first().is_some_and(|u| is_boundary(u.code_point()))
    }

    fn count_tokens_masked(
        units: &[T],
        needle: &[u8],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        // `needle` holds the bytes of whole units (see `needle_bytes`).
        let size = std::mem::size_of::<T>();
        let m = needle.len() / size;
        // Too short a text for a vector (or a needle too long for the kernels): not
        // worth decoding the needle.
        if m == 0 || m > MAX_NEEDLE || units.len() < m + 32 / size + 1 {
            return (0, start, start);
        }
        let mut own = [units[0]; MAX_NEEDLE];
        for (unit, bytes) in own.iter_mut().zip(needle.chunks_exact(size)) {
            let value = match *bytes {
                [b] => u32::from(b),
                [a, b] => u32::from(u16::from_ne_bytes([a, b])),
                [a, b, c, d] => u32::from_ne_bytes([a, b, c, d]),
                _ => return (0, start, start),
            };
            match T::try_from(value) {
                Ok(u) => *unit = u,
                Err(_) => return (0, start, start),
            }
        }
        storage_tokens::count(units, &own[..m], start, end)
    }

    fn needle_bytes(needle: &[u8]) -> Option<Cow<'_, [u8]>> {
        let units = utf8::code_points(needle)
            .map(|c| T::try_from(c).ok())
            .collect::<Option<Vec<T>>>()?;
        Some(Cow::Owned(T::as_bytes(&units).to_vec()))
    }

    fn as_bytes(units: &[T]) -> &[u8] {
        T::as_bytes(units)
    }

    #[inline]
    fn words(units: &[T], start: usize, end: usize, f: impl FnMut(usize, usize)) {
        word_spans::storage_words(units, start, end, f)
    }
}

/// Is code point `c` a token boundary for `search`: a space or a Python line break?
#[inline]
fn is_boundary(c: u32) -> bool {
    c == 0x20 || char::from_u32(c).is_some_and(is_py_line_break)
}
