//! The core's kernels against simple models, on arbitrary input:
//! - any bytes: no panic, and every chunking gives the sequential count;
//! - valid UTF-8: word counts equal a char-by-char model of `str.split()`, and token
//!   counts a model of `line.split(" ")` over `str.splitlines()`.
//!
//! Run: `nox -s fuzz -- 600` (seconds), or `cargo fuzz run kernels` in this folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use word_count_core::pychars::{is_py_line_break, is_py_whitespace};
use word_count_core::search::Needle;
use word_count_core::words;

fn model_words(text: &str) -> usize {
    text.split(is_py_whitespace).filter(|w| !w.is_empty()).count()
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
    let [chunks, needle_len, rest @ ..] = data else { return };
    let n_chunks = usize::from(chunks % 8) + 1;
    let (needle, text) = rest.split_at(usize::from(needle_len % 5).min(rest.len()));

    let count = words::count_words(text);
    assert_eq!(words::count_words_parallel(text, n_chunks), count);
    assert_eq!(words::split_words(text).count(), count);
    let found = Needle::new(needle).ok().map(|n| {
        let c = n.count(text);
        assert_eq!(n.count_parallel(text, n_chunks), c);
        c
    });

    if let Ok(text) = std::str::from_utf8(text) {
        assert_eq!(count, model_words(text), "{text:?}");
        if let (Some(found), Ok(needle)) = (found, std::str::from_utf8(needle)) {
            assert_eq!(found, model_tokens(text, needle), "{text:?} / {needle:?}");
        }
    }
});
