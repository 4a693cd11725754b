//! Throughput of word counting through `stream::Stream`, in bytes per second (read it as
//! GB/s): 16 MiB of in-memory text (`&[u8]` is a `Read`) read block by block, each
//! block's region counted with `words::count_words_in`, as the binding counts a file.
//!
//! Each iteration builds a fresh `Stream`, as each call of the binding does, so the time
//! includes allocating and first touching its buffer, copying the bytes in and
//! validating them as UTF-8, as well as counting. Compare with `count_words/*/16MiB` and
//! `utf8_validate/*/16MiB` from the `kernels` bench. Run with
//!
//! ```text
//! cargo bench -p word-count-core --bench stream
//! cargo bench -p word-count-core --bench stream -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use word_count_core::encoding::Utf8;
use word_count_core::stream::{Stream, BLOCK_BYTES};
use word_count_core::words::{count_words, count_words_in};

mod common;
use common::LARGE;

/// The words of `data`, streamed in blocks of `block` bytes, each counted in `n_chunks`
/// parallel chunks.
fn stream_words(data: &[u8], block: usize, n_chunks: usize) -> usize {
    let mut stream = Stream::new(data, block, 0);
    let mut n = 0;
    while let Some(b) = stream.next_block().expect("the text is valid UTF-8") {
        n += count_words_in::<Utf8>(b.bytes, b.start, b.end, n_chunks);
    }
    n
}

fn bench_stream(c: &mut Criterion) {
    let mut group = c.benchmark_group("stream_count_words");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(LARGE as u64));
    // (block size, chunks per block, label): the binding's block size on one and on two
    // threads, and a smaller block that pays the per-block costs 16 times.
    let configs = [
        (BLOCK_BYTES, 1, "16MiB/block-16MiB/1-chunk"),
        (BLOCK_BYTES, 2, "16MiB/block-16MiB/2-chunks"),
        (1 << 20, 1, "16MiB/block-1MiB/1-chunk"),
    ];
    for (name, text) in common::word_texts(LARGE) {
        let expected = count_words(&text);
        for (block, n_chunks, label) in configs {
            assert_eq!(stream_words(&text, block, n_chunks), expected);
            group.bench_with_input(BenchmarkId::new(name, label), &text[..], |b, text| {
                b.iter(|| stream_words(black_box(text), block, n_chunks))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_stream);
criterion_main!(benches);
