//! Word counting with Python's semantics: `len(text.split())`.
//!
//! A word is a maximal run of non-whitespace characters, so the count is the number
//! of *word starts*: non-whitespace characters preceded by whitespace or the start of
//! the text. Counting starts rather than splitting lets a chunk be counted on its own
//! given one bit of context: whether the character before it is whitespace. Written
//! once for every kind of text ([`Encoding`]).

use crate::chunks;
use crate::encoding::{Encoding, Utf8};

/// `len(text.split())` for the generalised-UTF-8 `bytes` of a Python `str`.
pub fn count_words(bytes: &[u8]) -> usize {
    Utf8::word_starts(bytes, true)
}

/// The words of `text` that *start* in `text[start..end]` (both character boundaries),
/// counted in `n_chunks` parallel chunks. Summed over consecutive ranges this is the
/// whole count, which lets a caller count a huge text slice by slice; the result is the
/// same for every `n_chunks`.
#[inline]
pub fn count_words_in<E: Encoding>(
    text: &[E::Unit],
    start: usize,
    end: usize,
    n_chunks: usize,
) -> usize {
    if n_chunks <= 1 {
        // No boundaries to allocate: a tiny text's whole call costs about 100 ns, so this
        // path stays small enough to inline into the binding (the kernels benchmark's
        // call rows); the parallel one is kept out of line.
        return E::word_starts(&text[start..end], after_space::<E>(text, start));
    }
    count_words_split::<E>(text, start, end, n_chunks)
}

#[inline(never)]
fn count_words_split<E: Encoding>(
    text: &[E::Unit],
    start: usize,
    end: usize,
    n_chunks: usize,
) -> usize {
    let range = &text[start..end];
    let cuts = chunks::boundaries::<E>(range, n_chunks);
    chunks::sum_parallel(&cuts, |a, b| {
        E::word_starts(&range[a..b], after_space::<E>(text, start + a))
    })
}

/// Is the character before `at` whitespace (true at the start of the text)?
#[inline]
fn after_space<E: Encoding>(text: &[E::Unit], at: usize) -> bool {
    at == 0 || E::ends_with_space(&text[..at])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pychars::{is_py_whitespace, PY_WHITESPACE};
    use crate::word_spans::split_words;
    use proptest::prelude::*;

    /// The obvious model: split on Python whitespace, drop the empty pieces.
    fn model(text: &str) -> Vec<&str> {
        text.split(is_py_whitespace)
            .filter(|w| !w.is_empty())
            .collect()
    }

    fn tricky_text() -> impl Strategy<Value = String> {
        let unit = prop_oneof![
            prop::sample::select(PY_WHITESPACE.to_vec()).prop_map(String::from),
            prop::sample::select(vec![
                "a", "é", "€", "😀", "\r\n", "\u{1B}", "\u{180E}", "\u{200B}", "\u{FEFF}"
            ])
            .prop_map(String::from),
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(unit, 0..64).prop_map(|v| v.concat())
    }

    #[test]
    fn examples() {
        assert_eq!(count_words(b""), 0);
        assert_eq!(count_words(b"   "), 0);
        assert_eq!(count_words(b"one two  three\n"), 3);
        assert_eq!(count_words("a\u{1C}b\u{0B}c\u{85}d\u{3000}e".as_bytes()), 5);
        // U+180E and U+200B are not whitespace to Python (nor U+FEFF).
        assert_eq!(count_words("a\u{180E}b\u{200B}c\u{FEFF}d".as_bytes()), 1);
        // A lone surrogate, as surrogatepass encodes it, is a character like any other.
        assert_eq!(count_words(b"\xED\xA0\x80 x"), 2);
    }

    proptest! {
        #![proptest_config(crate::proptest_config(4))]

        #[test]
        fn count_matches_model(text in tricky_text()) {
            prop_assert_eq!(count_words(text.as_bytes()), model(&text).len());
        }

        #[test]
        fn split_matches_model(text in tricky_text()) {
            let ours: Vec<&[u8]> = split_words(text.as_bytes()).collect();
            let theirs: Vec<&[u8]> = model(&text).into_iter().map(str::as_bytes).collect();
            prop_assert_eq!(ours, theirs);
        }

        // Under Miri, up to 8 chunks (its pool has one thread): each is a task to spawn.
        #[test]
        fn parallel_matches_sequential_for_every_chunking(text in tricky_text(), n in 1usize..if cfg!(miri) { 9 } else { 80 }) {
            prop_assert_eq!(count_words_in::<Utf8>(text.as_bytes(), 0, text.len(), n), count_words(text.as_bytes()));
        }

        #[test]
        fn ranges_sum_to_the_whole(text in tricky_text(), cut in 0usize..300, n in 1usize..5) {
            let bytes = text.as_bytes();
            let mut cut = cut.min(bytes.len());
            while !text.is_char_boundary(cut) {
                cut += 1;
            }
            let parts = count_words_in::<Utf8>(bytes, 0, cut, n) + count_words_in::<Utf8>(bytes, cut, bytes.len(), n);
            prop_assert_eq!(parts, count_words(bytes));
        }

        #[test]
        fn garbage_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), n in 1usize..9) {
            let whole = count_words(&bytes);
            prop_assert!(whole <= bytes.len());
            let _ = count_words_in::<Utf8>(&bytes, 0, bytes.len(), n);
            prop_assert!(split_words(&bytes).count() <= bytes.len());
        }
    }
}
