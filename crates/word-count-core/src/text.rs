//! One description of a text for every operation: generalised UTF-8 bytes, or a Python
//! `str`'s own storage (PEP 393: code units of 1, 2 or 4 bytes, one per code point).
//!
//! Each operation ([`crate::words`], [`crate::search`]) is written once, generic over an
//! [`Encoding`], which supplies what differs between the kinds of text: where a
//! character may be cut, the SIMD kernel that counts word starts, and the tests for
//! whitespace and token boundaries next to a position. [`Text`] names the kind at run
//! time and dispatches to the generic code once per call, through `with_encoding!`.
//!
//! Why a `str`'s storage at all: for a non-ASCII `str`, asking CPython for UTF-8 makes it
//! build (and keep) a UTF-8 copy, slower than any count and doubling the memory. Where
//! the binding may read the storage (not under the stable ABI) it hands it over as is.

use std::borrow::Cow;

use crate::pychars::{
    ends_with_token_boundary, ends_with_whitespace, is_continuation, is_py_line_break,
    starts_with_token_boundary,
};
use crate::search::Needle;
use crate::str_storage::{is_space, CodeUnit};
use crate::word_table::WordTable;
use crate::{chunks, frequencies, search, utf8, word_spans, word_starts, words};

/// A text to count, borrowed: positions in it are code units (bytes for UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text<'a> {
    /// Generalised UTF-8: a `str`'s UTF-8 form, or bytes (see the crate docs).
    Utf8(&'a [u8]),
    /// A `str` whose code points are all below 256.
    Latin1(&'a [u8]),
    /// A `str` whose code points are all below 65536 (lone surrogates included).
    Ucs2(&'a [u16]),
    /// Any other `str`.
    Ucs4(&'a [u32]),
}

/// Run `$body` with `$units` bound to the text's units and `$E` to its [`Encoding`]:
/// the one place that turns the run-time kind into the generic code's type parameter.
/// (Each variant of [`Text`] is named after its encoding type.)
macro_rules! with_encoding {
    ($text:expr, $units:ident, $E:ident => $body:expr) => {
        with_encoding!(@each $text, $units, $E, $body, Utf8 Latin1 Ucs2 Ucs4)
    };
    (@each $text:expr, $units:ident, $E:ident, $body:expr, $($kind:ident)*) => {
        match $text {
            $(Text::$kind($units) => {
                #[allow(dead_code)] // a body may need only the units
                type $E = $kind;
                $body
            })*
        }
    };
}

impl Text<'_> {
    /// The number of code units (bytes for UTF-8).
    #[inline]
    pub fn len(&self) -> usize {
        with_encoding!(*self, units, E => units.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes per code unit.
    #[inline]
    pub fn unit_bytes(&self) -> usize {
        with_encoding!(*self, _units, E => E::UNIT_BYTES)
    }

    /// The size of the text in memory.
    #[inline]
    pub fn len_bytes(&self) -> usize {
        self.len() * self.unit_bytes()
    }

    /// Cut positions that split the text into consecutive slices of at most about
    /// `max_bytes` each, on character boundaries: the slices a long call works through
    /// one at a time (answering Ctrl-C in between).
    pub fn slices(&self, max_bytes: usize) -> Vec<usize> {
        with_encoding!(*self, units, E => chunks::slices::<E>(units, max_bytes / E::UNIT_BYTES))
    }

    /// The words (`str.split()`) that start in `start..end` (character boundaries), on
    /// `threads` threads (None: this process's pool) where the range is large enough to
    /// split. Summed over consecutive ranges, this is `len(text.split())`.
    #[inline]
    pub fn count_words(&self, start: usize, end: usize, threads: Option<usize>) -> usize {
        // The chunk count inside each arm, from the encoding's constant unit size: no
        // second dispatch on the kind, which a tiny text's call would feel.
        with_encoding!(*self, units, E => {
            let n_chunks = chunks::chunks_for((end - start) * E::UNIT_BYTES, threads);
            words::count_words_in::<E>(units, start, end, n_chunks)
        })
    }

    /// The tokens equal to `needle` that start in `start..end`, as
    /// [`Text::count_words`] counts words; see [`crate::search`] for what a token is.
    #[inline]
    pub fn count_tokens(
        &self,
        needle: &Needle,
        start: usize,
        end: usize,
        threads: Option<usize>,
    ) -> usize {
        with_encoding!(*self, units, E => {
            let n_chunks = chunks::chunks_for((end - start) * E::UNIT_BYTES, threads);
            search::count_tokens_in::<E>(units, needle, start, end, n_chunks)
        })
    }
}

impl<'a> Text<'a> {
    /// Count into `table` the words that start in `start..end`, on `threads` threads
    /// (see [`crate::frequencies`]); each word is the bytes of its units (this text's
    /// kind), borrowed from the text.
    pub fn add_word_frequencies(
        &self,
        table: &mut WordTable<&'a [u8]>,
        start: usize,
        end: usize,
        threads: Option<usize>,
    ) {
        self.add_word_frequencies_then(table, start, end, threads, |_, _| {});
    }

    /// [`Self::add_word_frequencies`], with `meanwhile` run on the calling thread while
    /// the other threads still count (see [`frequencies::add_frequencies_in_then`]).
    pub fn add_word_frequencies_then(
        &self,
        table: &mut WordTable<&'a [u8]>,
        start: usize,
        end: usize,
        threads: Option<usize>,
        meanwhile: impl FnOnce(&WordTable<&'a [u8]>, &dyn Fn() -> bool),
    ) {
        with_encoding!(*self, units, E => {
            let n_chunks = chunks::chunks_for((end - start) * E::UNIT_BYTES, threads);
            frequencies::add_frequencies_in_then::<E>(table, units, start, end, n_chunks, meanwhile)
        })
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_measures_itself() {
        let u16s = [0x61u16, 0x3000, 0x62];
        let text = Text::Ucs2(&u16s);
        assert_eq!((text.len(), text.unit_bytes(), text.len_bytes()), (3, 2, 6));
        assert!(Text::Utf8(b"").is_empty());
        assert_eq!(text.count_words(0, 3, Some(1)), 2);
        assert_eq!(
            Text::Utf8("a\u{3000}b".as_bytes()).count_words(0, 5, None),
            2
        );
    }

    #[test]
    fn slices_are_in_units_and_cover_the_text() {
        let u32s = vec![0x61u32; 1000];
        let cuts = Text::Ucs4(&u32s).slices(400);
        assert_eq!((cuts[0], *cuts.last().unwrap()), (0, 1000));
        assert!(cuts.windows(2).all(|w| w[1] - w[0] <= 100));
    }
}
