//! The facade: a text of any kind, [`Text`], and the operations on it. The kind is known
//! only at run time (the binding learns it from the Python object); [`Text`] names it and
//! dispatches to the generic operations ([`crate::words`], [`crate::search`],
//! [`crate::frequencies`], written once over an [`Encoding`]) once per call, through
//! `with_encoding!`.

use crate::encoding::{Encoding, Latin1, Ucs2, Ucs4, Utf8};
use crate::search::Needle;
use crate::word_table::{Word, WordTable};
use crate::{chunks, frequencies, search, words};

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
    /// kind), borrowed from the text or, in a table of owned words, copied when new.
    pub fn add_word_frequencies<W: Word + From<&'a [u8]> + Send>(
        &self,
        table: &mut WordTable<W>,
        start: usize,
        end: usize,
        threads: Option<usize>,
    ) {
        self.add_word_frequencies_then(table, start, end, threads, |_, _| {});
    }

    /// [`Self::add_word_frequencies`], with `meanwhile` run on the calling thread while
    /// the other threads still count (see [`frequencies::add_frequencies_in_then`]).
    pub fn add_word_frequencies_then<W: Word + From<&'a [u8]> + Send>(
        &self,
        table: &mut WordTable<W>,
        start: usize,
        end: usize,
        threads: Option<usize>,
        meanwhile: impl FnOnce(&WordTable<W>, &dyn Fn() -> bool),
    ) {
        with_encoding!(*self, units, E => {
            let n_chunks = chunks::chunks_for((end - start) * E::UNIT_BYTES, threads);
            frequencies::add_frequencies_in_then::<E, W>(table, units, start, end, n_chunks, meanwhile)
        })
    }
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
