//! The core's kernels against simple models, on arbitrary input:
//! - any bytes: no panic, and every chunking gives the sequential count;
//! - valid UTF-8: word counts equal a char-by-char model of `str.split()`, and token
//!   counts a model of `line.split(" ")` over `str.splitlines()`; the kernels on a
//!   `str`'s own storage (Latin-1, UCS-2, UCS-4 units, SIMD where there is a kernel)
//!   agree with both, as do the streamed (file) counts and UTF-8 validation with std.
//!
//! Run: `nox -s fuzz -- 600 kernels` (seconds), or `cargo fuzz run kernels` in this folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use word_count_core::encoding::{Storage, Utf8};
use word_count_core::pychars::{is_py_line_break, is_py_whitespace};
use word_count_core::search::{count_tokens_in, Needle};
use word_count_core::str_storage::{scalar_word_starts, CodeUnit};
use word_count_core::stream::Stream;
use word_count_core::{utf8, word_spans, words};

/// The units of `text` if every character fits in a `T`; checks the storage kernels.
fn check_units<T: CodeUnit>(
    text: &str,
    needle: Option<&str>,
    n: usize,
    words: usize,
    tokens: Option<usize>,
) {
    let Ok(u) = text
        .chars()
        .map(|c| T::try_from(u32::from(c)))
        .collect::<Result<Vec<T>, _>>()
    else {
        return;
    };
    assert_eq!(
        words::count_words_in::<Storage<T>>(&u, 0, u.len(), n),
        words,
        "{text:?}"
    );
    assert_eq!(T::word_starts(&u, true), scalar_word_starts(&u, true));
    if let (Some(needle), Some(tokens)) = (needle, tokens) {
        let prepared = Needle::new(needle.as_bytes()).expect("not empty");
        let found = count_tokens_in::<Storage<T>>(&u, &prepared, 0, u.len(), n);
        assert_eq!(found, tokens, "{text:?} / {needle:?}");
    }
}

fn model_words(text: &str) -> usize {
    text.split(is_py_whitespace)
        .filter(|w| !w.is_empty())
        .count()
}

fn model_tokens(text: &str, needle: &str) -> usize {
    let mut count = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let (line, next) = match rest.find(is_py_line_break) {
            Some(i) => {
                let width = if rest[i..].starts_with("\r\n") {
                    2
                } else {
                    rest[i..].chars().next().map_or(1, char::len_utf8)
                };
                (&rest[..i], &rest[i + width..])
            }
            None => (rest, ""),
        };
        count += line.split(' ').filter(|t| *t == needle).count();
        rest = next;
    }
    count
}

fuzz_target!(|data: &[u8]| {
    let [chunks, needle_len, rest @ ..] = data else {
        return;
    };
    let n_chunks = usize::from(chunks % 8) + 1;
    let (needle, text) = rest.split_at(usize::from(needle_len % 17).min(rest.len()));

    let count = words::count_words(text);
    assert_eq!(
        words::count_words_in::<Utf8>(text, 0, text.len(), n_chunks),
        count
    );
    assert_eq!(word_spans::split_words(text).count(), count);
    let found = Needle::new(needle).ok().map(|n| {
        let c = n.count(text);
        assert_eq!(
            count_tokens_in::<Utf8>(text, &n, 0, text.len(), n_chunks),
            c
        );
        c
    });

    assert_eq!(
        utf8::validate(text).is_ok(),
        std::str::from_utf8(text).is_ok()
    );
    if let Ok(text) = std::str::from_utf8(text) {
        assert_eq!(count, model_words(text), "{text:?}");
        let needle = std::str::from_utf8(needle).ok();
        let tokens = match (found, needle) {
            (Some(found), Some(needle)) => {
                assert_eq!(found, model_tokens(text, needle), "{text:?} / {needle:?}");
                Some(found)
            }
            _ => None,
        };
        check_units::<u8>(text, needle, n_chunks, count, tokens);
        check_units::<u16>(text, needle, n_chunks, count, tokens);
        check_units::<u32>(text, needle, n_chunks, count, tokens);
        // Streamed in tiny blocks, as a file is read.
        let mut stream = Stream::new(text.as_bytes(), n_chunks * 7, 0);
        let mut streamed = 0;
        while let Some(b) = stream.next_block().expect("valid UTF-8") {
            streamed += words::count_words_in::<Utf8>(b.bytes, b.start, b.end, 2);
        }
        assert_eq!(streamed, count);
    }
});
