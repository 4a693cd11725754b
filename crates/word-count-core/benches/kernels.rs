//! Throughput of the core kernels on in-memory text, in bytes per second (read it as
//! GB/s), at a cache-resident size (64 KiB) and one far beyond L2 (16 MiB):
//!
//! - `count_words`: `words::count_words`, dispatched at run time to AVX-512BW, AVX2, NEON
//!   or the scalar loop (`word_starts::scalar` is crate-private; the multibyte-space and
//!   CJK texts are what send a SIMD kernel's blocks to it);
//! - `count_words_parallel`: `words::count_words_in` on UTF-8 with 2 chunks, 16 MiB only;
//! - `needle_count`: `search::Needle::count` for a rare token and for "the";
//! - `utf8_validate`: `utf8::validate` on ASCII and on mixed 1- to 4-byte text;
//! - `sum_bytes`: `probe::sum_bytes`, the bandwidth reference the kernels compare with.
//!
//! The texts are generated deterministically (see `common/mod.rs`). Run with
//!
//! ```text
//! cargo bench -p word-count-core --bench kernels
//! cargo bench -p word-count-core --bench kernels -- count_words    # a filter
//! cargo bench -p word-count-core --bench kernels -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use word_count_core::encoding::Utf8;
use word_count_core::probe::sum_bytes;
use word_count_core::search::Needle;
use word_count_core::utf8;
use word_count_core::words::{count_words, count_words_in};

mod common;
use common::{LARGE, RARE_WORD, SMALL};

/// The sizes measured, with their labels.
const SIZES: [(usize, &str); 2] = [(SMALL, "64KiB"), (LARGE, "16MiB")];

/// Criterion's default of 100 samples needs ~5000 iterations, far too long for 16 MiB;
/// 20 samples keep each large benchmark to a few seconds.
fn sample_size(len: usize) -> usize {
    if len >= LARGE {
        20
    } else {
        100
    }
}

fn bench_count_words(c: &mut Criterion) {
    let mut group = c.benchmark_group("count_words");
    for (len, size) in SIZES {
        group.sample_size(sample_size(len));
        group.throughput(Throughput::Bytes(len as u64));
        for (name, text) in common::word_texts(len) {
            group.bench_with_input(BenchmarkId::new(name, size), &text[..], |b, text| {
                b.iter(|| count_words(black_box(text)))
            });
        }
    }
    group.finish();
}

fn bench_count_words_parallel(c: &mut Criterion) {
    let mut group = c.benchmark_group("count_words_parallel");
    group.sample_size(sample_size(LARGE));
    group.throughput(Throughput::Bytes(LARGE as u64));
    for (name, text) in common::word_texts(LARGE) {
        assert_eq!(
            count_words_in::<Utf8>(&text, 0, text.len(), 2),
            count_words(&text)
        );
        group.bench_with_input(
            BenchmarkId::new(name, "16MiB/2-chunks"),
            &text[..],
            |b, t| b.iter(|| count_words_in::<Utf8>(black_box(t), 0, t.len(), 2)),
        );
    }
    group.finish();
}

fn bench_needle_count(c: &mut Criterion) {
    let mut group = c.benchmark_group("needle_count");
    let needles = [("rare", RARE_WORD.as_bytes()), ("the", &b"the"[..])];
    for (len, size) in SIZES {
        let text = common::english(len);
        group.sample_size(sample_size(len));
        group.throughput(Throughput::Bytes(len as u64));
        for (label, needle) in needles {
            let needle = Needle::new(needle).expect("non-empty needle");
            if len >= LARGE {
                assert!(needle.count(&text) > 0, "{label} should occur in 16 MiB");
            }
            group.bench_with_input(BenchmarkId::new(label, size), &text[..], |b, text| {
                b.iter(|| needle.count(black_box(text)))
            });
        }
    }
    group.finish();
}

fn bench_utf8_validate(c: &mut Criterion) {
    let mut group = c.benchmark_group("utf8_validate");
    for (len, size) in SIZES {
        group.sample_size(sample_size(len));
        group.throughput(Throughput::Bytes(len as u64));
        for (name, text) in [
            ("ascii", common::english(len)),
            ("mixed", common::mixed(len)),
        ] {
            assert!(utf8::validate(&text).is_ok());
            group.bench_with_input(BenchmarkId::new(name, size), &text[..], |b, text| {
                b.iter(|| utf8::validate(black_box(text)))
            });
        }
    }
    group.finish();
}

fn bench_sum_bytes(c: &mut Criterion) {
    let mut group = c.benchmark_group("sum_bytes");
    for (len, size) in SIZES {
        let text = common::english(len);
        group.sample_size(sample_size(len));
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::new("ascii", size), &text[..], |b, text| {
            b.iter(|| sum_bytes(black_box(text)))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_count_words,
    bench_count_words_parallel,
    bench_needle_count,
    bench_utf8_validate,
    bench_sum_bytes
);
criterion_main!(benches);
