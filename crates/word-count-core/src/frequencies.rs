//! Word frequencies with Python's semantics: `collections.Counter(text.split())`, its
//! order included (first occurrence), for every kind of text ([`Encoding`]).
//!
//! The first chunk of the text is counted into the caller's [`WordTable`], each other
//! chunk into its own on its own thread, its words kept as slices of the text (no copy,
//! no allocation per word); those tables are then merged in the chunks' order, so a word
//! first seen in a later chunk lands after every word of the earlier ones: the order of
//! first occurrence in the whole text. A word belongs to the chunk where it starts
//! ([`crate::word_spans`]). The caller's table borrows its words from the text too, or
//! keeps a copy of each new one ([`crate::owned_word::OwnedWord`]): a file's, whose
//! blocks are read into one buffer in turn.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::chunks;
use crate::encoding::Encoding;
use crate::hash::Seed;
use crate::ring_adder::{RingAdder, RING_FROM_SLOTS};
use crate::word_table::{Word, WordTable};

/// Count into `table` the words of `units` that start in `start..end` (character
/// boundaries), each word as the bytes of its units, in `n_chunks` parallel chunks: the
/// first chunk straight into `table` on the calling thread, every other into a table
/// of its own, merged into `table` in order. The result is the same for every
/// `n_chunks`; added over consecutive ranges (in order), it is the whole text's table.
///
/// Once the first chunk is counted into `table`, but before the other chunks' tables are
/// merged into it, `meanwhile(table, busy)` runs on the calling thread, where `busy()`
/// says whether another chunk is still being counted. It gives the caller the other
/// threads' remaining time for work of its own on the table's first entries, which the
/// merge only appends to: the binding makes their Python `str`s there (see
/// `src/frequencies.rs`). With one chunk, `busy()` is false. `|_, _| {}` does nothing.
pub fn add_frequencies_in_then<'t, E: Encoding, W: Word + From<&'t [u8]> + Send>(
    table: &mut WordTable<W>,
    units: &'t [E::Unit],
    start: usize,
    end: usize,
    n_chunks: usize,
    meanwhile: impl FnOnce(&WordTable<W>, &dyn Fn() -> bool),
) {
    if n_chunks <= 1 {
        count_into::<E, W>(table, units, start, end);
        return meanwhile(table, &|| false);
    }
    let seed = table.seed();
    let cuts = chunks::boundaries::<E>(&units[start..end], n_chunks);
    // The chunks not counted yet, besides the first.
    let others = AtomicUsize::new(cuts.len().saturating_sub(2));
    let (_, others_tables) = chunks::map_parallel_with_first(
        &cuts,
        |a, b| {
            count_into::<E, W>(table, units, start + a, start + b);
            meanwhile(table, &|| others.load(Ordering::Acquire) > 0);
        },
        |a, b| {
            let bytes = (b - a) * std::mem::size_of::<E::Unit>();
            let mut own = WordTable::reused(seed, bytes);
            count_into::<E, &[u8]>(&mut own, units, start + a, start + b);
            others.fetch_sub(1, Ordering::Release);
            own
        },
    );
    for mut other in others_tables {
        table.merge_out(&mut other, W::from);
        other.give_back();
    }
}

/// A new table of the words of `units` that start in `start..end` (see
/// [`add_frequencies_in_then`]).
pub fn frequencies_in<E: Encoding>(
    units: &[E::Unit],
    start: usize,
    end: usize,
    n_chunks: usize,
    seed: Seed,
) -> WordTable<&[u8]> {
    let mut table = WordTable::new(seed);
    add_frequencies_in_then::<E, &[u8]>(&mut table, units, start, end, n_chunks, |_, _| {});
    table
}

fn count_into<'t, E: Encoding, W: Word + From<&'t [u8]>>(
    table: &mut WordTable<W>,
    units: &'t [E::Unit],
    start: usize,
    end: usize,
) {
    count_into_by::<E, W>(table, units, start, end, RingPolicy::KERNEL)
}

/// When [`count_into`] turns to a [`RingAdder`]: once the table has `from_slots` slots,
/// checked every `stretch_bytes` of text (at character boundaries) until it has.
#[derive(Debug, Clone, Copy)]
struct RingPolicy {
    from_slots: usize,
    stretch_bytes: usize,
}

impl RingPolicy {
    /// A stretch of 1 MiB: some 200,000 words, which can at most double a table's
    /// slots, so a table is never long past [`RING_FROM_SLOTS`] before the check sees it;
    /// a check costs one call of the word loop, a few nanoseconds.
    const KERNEL: RingPolicy = RingPolicy {
        from_slots: RING_FROM_SLOTS,
        stretch_bytes: 1 << 20,
    };
}

fn count_into_by<'t, E: Encoding, W: Word + From<&'t [u8]>>(
    table: &mut WordTable<W>,
    units: &'t [E::Unit],
    start: usize,
    end: usize,
    policy: RingPolicy,
) {
    let stretch = (policy.stretch_bytes / E::UNIT_BYTES).max(1);
    let mut at = start;
    while at < end {
        if table.slot_count() >= policy.from_slots {
            return count_with::<E, W, true>(table, units, at, end);
        }
        // A word belongs to the stretch where it starts, as to a chunk.
        let cut = if end - at > stretch {
            E::char_boundary(units, at + stretch).min(end)
        } else {
            end
        };
        count_with::<E, W, false>(table, units, at, cut);
        at = cut;
    }
}

fn count_with<'t, E: Encoding, W: Word + From<&'t [u8]>, const PREFETCH: bool>(
    table: &mut WordTable<W>,
    units: &'t [E::Unit],
    start: usize,
    end: usize,
) {
    // The width as a constant of the `Adder`'s type (a generic's associated constant
    // cannot be one on stable Rust): one arm is compiled for each encoding.
    match E::UNIT_BYTES {
        1 => count_units::<E, W, 1, PREFETCH>(table, units, start, end),
        2 => count_units::<E, W, 2, PREFETCH>(table, units, start, end),
        _ => count_units::<E, W, 4, PREFETCH>(table, units, start, end),
    }
}

/// `PREFETCH`: through a [`RingAdder`], each word's slot prefetched, else with the
/// `Adder` alone.
fn count_units<
    't,
    E: Encoding,
    W: Word + From<&'t [u8]>,
    const UNIT: usize,
    const PREFETCH: bool,
>(
    table: &mut WordTable<W>,
    units: &'t [E::Unit],
    start: usize,
    end: usize,
) {
    debug_assert_eq!(UNIT, E::UNIT_BYTES);
    let adder = table.adder_of_units::<UNIT>(E::as_bytes(units));
    if PREFETCH {
        let mut ring = RingAdder::new(adder);
        E::words(
            units,
            start,
            end,
            #[inline(always)]
            |a, b| ring.add(a * E::UNIT_BYTES, b * E::UNIT_BYTES),
        );
        ring.finish();
    } else {
        let mut adder = adder;
        E::words(
            units,
            start,
            end,
            #[inline(always)]
            move |a, b| adder.add(a * E::UNIT_BYTES, b * E::UNIT_BYTES),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{Ucs2, Ucs4, Utf8};
    use crate::owned_word::OwnedWord;
    use crate::pychars::is_py_whitespace;
    use proptest::prelude::*;

    /// The model: `Counter(text.split())`, as (word, count) in first-seen order.
    fn model(text: &str) -> Vec<(Vec<u8>, u64)> {
        let mut out: Vec<(Vec<u8>, u64)> = Vec::new();
        for word in text.split(is_py_whitespace).filter(|w| !w.is_empty()) {
            match out.iter_mut().find(|(w, _)| w == word.as_bytes()) {
                Some((_, n)) => *n += 1,
                None => out.push((word.as_bytes().to_vec(), 1)),
            }
        }
        out
    }

    fn listed(table: &WordTable<&[u8]>) -> Vec<(Vec<u8>, u64)> {
        table.iter().map(|(w, n)| (w.to_vec(), n)).collect()
    }

    fn text() -> impl Strategy<Value = String> {
        let unit = prop::sample::select(vec![
            "a", "b", "ab", " ", "\n", "\u{3000}", "\u{85}", "é", "😀", "\u{1C}", "the ",
        ]);
        // Under Miri, fewer: a borrowed table keeps each word as a reference into the
        // text, and under Tree Borrows each one makes every later access to it slower.
        let units = if cfg!(miri) { 0..60 } else { 0..300 };
        prop::collection::vec(unit, units).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(crate::proptest_config(4))]

        #[test]
        fn utf8_matches_counter_for_every_chunking(text in text(), n in 1usize..12) {
            let bytes = text.as_bytes();
            let table = frequencies_in::<Utf8>(bytes, 0, bytes.len(), n, Seed::random());
            prop_assert_eq!(listed(&table), model(&text));
        }

        #[test]
        fn storage_matches_counter(text in text(), n in 1usize..6) {
            let units: Vec<u32> = text.chars().map(u32::from).collect();
            let table = frequencies_in::<Ucs4>(&units, 0, units.len(), n, Seed::random());
            let expected: Vec<(String, u64)> = model(&text).into_iter().map(|(w, n)| (String::from_utf8(w).unwrap(), n)).collect();
            prop_assert_eq!(words_of::<4>(&table), expected);
        }

        /// Long words in UCS-2 and UCS-4, where a word of up to 15 units all below 256
        /// is keyed narrowed in UCS-4 (`crate::ucs4_keys`): each word of a few, of 1 to 17 units,
        /// near 256 and around the block edges, met both where the kernel's path reads
        /// it (16 units to read from its start) and near the end, where the general path
        /// keys it.
        #[test]
        fn wide_storage_long_words_match_counter(
            words in prop::collection::vec((wide_word(), any::<prop::sample::Index>()), 1..4),
            picks in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3), 1..40),
            n in 1usize..5,
        ) {
            // Each word with a sibling that differs in one unit by 256, so that their
            // units' low bytes are the same.
            let text = siblings_text(words, |c| char::from_u32(u32::from(c) ^ 0x100).unwrap(), picks);
            let expected: Vec<(String, u64)> = model(&text)
                .into_iter()
                .map(|(w, n)| (String::from_utf8(w).unwrap(), n))
                .collect();
            let u16s: Vec<u16> = text.chars().map(|c| c as u16).collect();
            let table = frequencies_in::<Ucs2>(&u16s, 0, u16s.len(), n, Seed::random());
            prop_assert_eq!(words_of::<2>(&table), expected.clone());
            let u32s: Vec<u32> = text.chars().map(u32::from).collect();
            let table = frequencies_in::<Ucs4>(&u32s, 0, u32s.len(), n, Seed::random());
            prop_assert_eq!(words_of::<4>(&table), expected);
        }

        /// Words of 14 to 34 bytes in UTF-8, around the 17 to 32 that the table finds
        /// by their first and last 16 bytes (`WordTable::add_mid`): each with a sibling
        /// that differs in one character, anywhere. Their hashes nearly always differ
        /// too; `colliding_mid_length_words_are_told_apart` tests the compare itself.
        #[test]
        fn utf8_mid_length_words_match_counter(
            words in prop::collection::vec((mid_word(), any::<prop::sample::Index>()), 1..4),
            picks in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3), 1..60),
            n in 1usize..5,
        ) {
            let text = siblings_text(words, |c| if c == 'a' { 'b' } else { 'a' }, picks);
            let bytes = text.as_bytes();
            let table = frequencies_in::<Utf8>(bytes, 0, bytes.len(), n, Seed::random());
            prop_assert_eq!(listed(&table), model(&text));
        }

        /// The same table through a `RingAdder`, from the start or from any table size,
        /// checked every few bytes (cutting words and characters between stretches), in
        /// every width, with words of every length (long ones skip the ring's key).
        #[test]
        fn ring_adder_counts_as_the_plain_adder(
            text in text(),
            long in prop::collection::vec(mid_word(), 0..3),
            // Under Miri a text has at most 32 distinct words, so a table never grows
            // past 64 slots, the size it starts at: 64 acts as 0 there, and 128 and 256
            // as usize::MAX.
            from_slots in prop::sample::select(if cfg!(miri) {
                vec![0usize, usize::MAX]
            } else {
                vec![0usize, 64, 128, 256, usize::MAX]
            }),
            // Under Miri from 16 bytes: each stretch of a UCS-4 unit or two scanned a
            // whole block of 64, most of the test's time there.
            stretch_bytes in if cfg!(miri) { 16usize..40 } else { 1usize..40 },
        ) {
            let text = [text.as_str(), " ", &long.join(" \u{3000}"), " ", text.as_str()].concat();
            let policy = RingPolicy { from_slots, stretch_bytes };
            let seed = Seed::random();
            let bytes = text.as_bytes();
            let mut table = WordTable::new(seed);
            count_into_by::<Utf8, _>(&mut table, bytes, 0, bytes.len(), policy);
            let counted = model(&text);
            prop_assert_eq!(listed(&table), counted.clone());
            let expected: Vec<(String, u64)> = counted
                .into_iter()
                .map(|(w, n)| (String::from_utf8(w).unwrap(), n))
                .collect();
            let u32s: Vec<u32> = text.chars().map(u32::from).collect();
            let mut table = WordTable::new(seed);
            count_into_by::<Ucs4, _>(&mut table, &u32s, 0, u32s.len(), policy);
            prop_assert_eq!(words_of::<4>(&table), expected.clone());
            if text.chars().all(|c| u32::from(c) < 0x10000) {
                let u16s: Vec<u16> = text.chars().map(|c| c as u16).collect();
                let mut table = WordTable::new(seed);
                count_into_by::<Ucs2, _>(&mut table, &u16s, 0, u16s.len(), policy);
                prop_assert_eq!(words_of::<2>(&table), expected);
            }
        }

        /// A file's count: consecutive ranges of the text (its blocks, over a buffer that
        /// is then reused) counted straight into one table of owned words, each range
        /// on `n` chunks, through the plain `Adder` or the `RingAdder`, in every width.
        /// Its words, counts and order are the text's.
        #[test]
        fn ranges_counted_into_owned_words_are_the_whole(
            text in text(),
            long in prop::collection::vec(mid_word(), 0..3),
            cuts in prop::collection::vec(0usize..700, 0..4),
            n in 1usize..4,
            // Under Miri at most 32 distinct words: 128 slots are never reached, and
            // 128 would act as usize::MAX does.
            from_slots in prop::sample::select(if cfg!(miri) {
                vec![0usize, usize::MAX]
            } else {
                vec![0usize, 128, usize::MAX]
            }),
        ) {
            // The mid-length words twice, so that the second finds its owned entry.
            let long = long.join(" ");
            let text = [text.as_str(), " ", &long, " ", text.as_str(), " ", &long].concat();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(text.len())).collect();
            cuts.extend([0, text.len()]);
            for cut in &mut cuts {
                while !text.is_char_boundary(*cut) {
                    *cut += 1;
                }
            }
            cuts.sort_unstable();
            // Under Miri 29 bytes (7 UCS-4 units), not 7 (one unit a stretch): still
            // no multiple of 2, 3 or 4, so stretches still end inside characters.
            let stretch_bytes = if cfg!(miri) { 29 } else { 7 };
            let policy = RingPolicy { from_slots, stretch_bytes };
            let expected = model(&text);
            let owned = |table: &WordTable<OwnedWord>| -> Vec<(Vec<u8>, u64)> {
                table.iter().map(|(w, n)| (w.as_bytes().to_vec(), n)).collect()
            };
            let mut table: WordTable<OwnedWord> = WordTable::new(Seed::random());
            for range in cuts.windows(2) {
                // Each range's text copied out and dropped after, as a block's buffer is
                // reused: the table must keep no reference into it.
                let block = text.as_bytes().to_vec();
                let (a, b) = (range[0], range[1]);
                if n == 1 {
                    count_into_by::<Utf8, _>(&mut table, &block, a, b, policy);
                } else {
                    add_frequencies_in_then::<Utf8, _>(&mut table, &block, a, b, n, |_, _| {});
                }
            }
            prop_assert_eq!(owned(&table), expected.clone());
            let u32s: Vec<u32> = text.chars().map(u32::from).collect();
            let mut table: WordTable<OwnedWord> = WordTable::new(Seed::random());
            count_into_by::<Ucs4, _>(&mut table, &u32s, 0, u32s.len(), policy);
            let narrowed: Vec<(String, u64)> = owned(&table)
                .into_iter()
                .map(|(w, n)| {
                    let units = w.chunks(4).map(|u| u32::from_ne_bytes(u.try_into().unwrap()));
                    (units.map(|u| char::from_u32(u).unwrap()).collect(), n)
                })
                .collect();
            let expected: Vec<(String, u64)> = expected
                .into_iter()
                .map(|(w, n)| (String::from_utf8(w).unwrap(), n))
                .collect();
            prop_assert_eq!(narrowed, expected);
        }

        #[test]
        fn ranges_merge_to_the_whole(text in text(), cut in 0usize..600) {
            let bytes = text.as_bytes();
            let mut cut = cut.min(bytes.len());
            while !text.is_char_boundary(cut) {
                cut += 1;
            }
            let seed = Seed::random();
            let mut whole = frequencies_in::<Utf8>(bytes, 0, cut, 2, seed);
            whole.merge(frequencies_in::<Utf8>(bytes, cut, bytes.len(), 3, seed), |w| w);
            prop_assert_eq!(listed(&whole), model(&text));
        }
    }

    /// Words of 32 bytes that share their length, their first 8 bytes (zero) and their
    /// last 16, so that under `Seed::weak` they share their hash and their slot's check:
    /// only bytes 8 to 15 tell them apart, as `WordTable::add_mid` must.
    #[test]
    fn colliding_mid_length_words_are_told_apart() {
        let word = |v: u8| [&[0; 8][..], b"abcdefg", &[v], b"samelastsixteen!"].concat();
        let picks = [1, 2, 1, 3, 1, 2, 4, 4, 1, 3];
        let text: Vec<u8> = picks
            .iter()
            .flat_map(|&v| [word(v), b" ".to_vec()].concat())
            .collect();
        let expected: Vec<(Vec<u8>, u64)> =
            vec![(word(1), 4), (word(2), 2), (word(3), 2), (word(4), 2)];
        assert_eq!(Seed::weak().hash(&word(1)), Seed::weak().hash(&word(4)));
        for n in [1, 2, 3] {
            let table = frequencies_in::<Utf8>(&text, 0, text.len(), n, Seed::weak());
            assert_eq!(listed(&table), expected, "n = {n}");
        }
        // The same words as UCS-2 units of one byte each (16 units, 32 bytes).
        let half = |v: u8| [&[0; 4][..], b"abc", &[v], b"lasteigh"].concat();
        let units: Vec<u16> = picks
            .iter()
            .flat_map(|&v| half(v).into_iter().map(u16::from).chain([0x20]))
            .collect();
        let table = frequencies_in::<Ucs2>(&units, 0, units.len(), 1, Seed::weak());
        let counts: Vec<u64> = table.iter().map(|(_, n)| n).collect();
        assert_eq!((table.len(), counts), (4, vec![4, 2, 2, 2]));
    }

    /// A table that grows past the ring's threshold in the middle of a text switches to
    /// the `RingAdder` there, and the kernel's own policy does so on a table of more
    /// than 2^18 words; both count as the model does.
    #[test]
    fn a_table_grown_large_switches_to_the_ring_and_counts_the_same() {
        // Under Miri 80 lines, and the switch at 128 slots: the table reaches them at its
        // 33rd distinct word (about line 26), switches at the next stretch, and grows
        // again (to 256 slots, at 65 words) while the ring counts.
        let (lines, from_slots) = if cfg!(miri) {
            (80, 128)
        } else {
            (300_000, 256)
        };
        let text: String = (0..lines).map(|i| format!("w{} x{} ", i, i % 7)).collect();
        let bytes = text.as_bytes();
        let expected = model_fast(&text);
        let policies = [
            RingPolicy {
                from_slots,
                stretch_bytes: 100,
            },
            RingPolicy::KERNEL,
        ];
        for policy in policies {
            let mut table = WordTable::new(Seed::random());
            count_into_by::<Utf8, _>(&mut table, bytes, 0, bytes.len(), policy);
            assert_eq!(listed(&table), expected, "{policy:?}");
        }
        if !cfg!(miri) {
            assert!(
                lines as usize > RING_FROM_SLOTS / 2,
                "the kernel's policy switches"
            );
        }
    }

    #[test]
    fn many_distinct_words_in_order() {
        // Under Miri, where a word costs a thousand times more (and under Tree Borrows
        // more again for each one a table keeps, see `text`): still enough to grow each
        // chunk's table.
        let lines = if cfg!(miri) { 100 } else { 50_000 };
        let text: String = (0..lines).map(|i| format!("w{} x{} ", i, i % 7)).collect();
        let bytes = text.as_bytes();
        let table = frequencies_in::<Utf8>(bytes, 0, bytes.len(), 5, Seed::random());
        assert_eq!(listed(&table), model_fast(&text));
    }

    #[test]
    fn meanwhile_runs_once_on_a_prefix_of_the_result_until_the_others_are_done() {
        // Under Miri, smaller: a word costs a thousand times more there (see above).
        let (words, distinct) = if cfg!(miri) {
            // 200 words: the first of three chunks (about 67 words) grows its table
            // past 64 slots and holds a part of the 97 distinct words, so what
            // `meanwhile` sees is a true prefix of the result.
            (200, 97)
        } else {
            (200_000, 7919)
        };
        let text: String = (0..words).map(|i| format!("w{} ", i % distinct)).collect();
        let bytes = text.as_bytes();
        // Under Miri: one chunk, and three (two of them on the pool).
        let chunkings: &[usize] = if cfg!(miri) {
            &[1, 3]
        } else {
            &[1, 2, 3, 4, 5]
        };
        for &n in chunkings {
            let mut table = WordTable::new(Seed::random());
            let mut seen: Vec<Vec<u8>> = Vec::new();
            let mut calls = 0;
            add_frequencies_in_then::<Utf8, &[u8]>(
                &mut table,
                bytes,
                0,
                bytes.len(),
                n,
                |t, busy| {
                    calls += 1;
                    seen = t.words_from(0).map(|w| w.to_vec()).collect();
                    // Spinning here must end: busy() turns false as the others finish.
                    while busy() {
                        std::hint::spin_loop();
                    }
                },
            );
            assert_eq!(calls, 1);
            let all: Vec<Vec<u8>> = table.words_from(0).map(|w| w.to_vec()).collect();
            assert!(!seen.is_empty() && all.starts_with(&seen), "n = {n}");
            assert_eq!(table.words_from(all.len() - 1).count(), 1);
            assert_eq!(listed(&table), model_fast(&text));
        }
    }

    /// The model with a hash map, for texts too long for the quadratic one.
    /// A word of 1 to 17 characters of the BMP (so that UCS-2 holds it too), most below
    /// 256: an ASCII letter, NUL, U+00FF, U+0100, U+0161.
    fn wide_word() -> impl Strategy<Value = String> {
        let c = prop::sample::select(vec!['a', 'b', '\0', '\u{FF}', '\u{100}', '\u{161}']);
        let weighted = prop_oneof![4 => prop::sample::select(vec!['a', 'b']), 1 => c];
        prop::collection::vec(weighted, 1..=17).prop_map(|v| v.into_iter().collect())
    }

    /// A text of `words`, each with a sibling that differs in the character at its
    /// index (`sibling` of it), picked in the order of `picks`, each followed by one of
    /// three separators.
    fn siblings_text(
        words: Vec<(String, prop::sample::Index)>,
        sibling: impl Fn(char) -> char,
        picks: Vec<(prop::sample::Index, usize)>,
    ) -> String {
        let mut vocabulary = Vec::new();
        for (word, at) in words {
            let mut chars: Vec<char> = word.chars().collect();
            let c = at.get_mut(&mut chars);
            *c = sibling(*c);
            vocabulary.push(word);
            vocabulary.push(chars.into_iter().collect());
        }
        let mut text = String::new();
        for (pick, space) in picks {
            text.push_str(pick.get::<String>(&vocabulary));
            text.push([' ', '\u{3000}', '\n'][space]);
        }
        text
    }

    /// A word of 14 to 34 bytes in UTF-8: ASCII letters, and characters of two and
    /// three bytes, so that its halves fall on and off character boundaries.
    fn mid_word() -> impl Strategy<Value = String> {
        let c = prop::sample::select(vec!['a', 'b', 'ж', '\u{3042}']);
        prop::collection::vec(c, 5..=34).prop_map(|v| {
            let mut word = String::new();
            for c in v {
                if word.len() + c.len_utf8() > 34 {
                    break;
                }
                word.push(c);
            }
            while word.len() < 14 {
                word.push('a');
            }
            word
        })
    }

    /// A table of `UNIT`-byte units' words, as strings.
    fn words_of<const UNIT: usize>(table: &WordTable<&[u8]>) -> Vec<(String, u64)> {
        let unit = |c: &[u8]| match *c {
            [a, b] => u32::from(u16::from_ne_bytes([a, b])),
            [a, b, c, d] => u32::from_ne_bytes([a, b, c, d]),
            _ => unreachable!(),
        };
        table
            .iter()
            .map(|(w, n)| {
                let s = w
                    .chunks(UNIT)
                    .map(|c| char::from_u32(unit(c)).unwrap())
                    .collect();
                (s, n)
            })
            .collect()
    }

    fn model_fast(text: &str) -> Vec<(Vec<u8>, u64)> {
        let mut index = std::collections::HashMap::new();
        let mut out: Vec<(Vec<u8>, u64)> = Vec::new();
        for word in text.split(is_py_whitespace).filter(|w| !w.is_empty()) {
            let i = *index.entry(word).or_insert_with(|| {
                out.push((word.as_bytes().to_vec(), 0));
                out.len() - 1
            });
            out[i].1 += 1;
        }
        out
    }
}
