//! The Python binding layer of word-count: thin wrappers that turn Python arguments
//! into bytes, detach from the interpreter, and call the pure-Rust core
//! (`word-count-core`), which has no pyo3 in it.

mod counter;
mod detach;
mod errors;
mod files;
mod frequencies;
mod mapping_counts;
mod probes;
mod search;
mod sliced;
mod testing;
mod text;
mod threads;
mod words;

/// Word counting, word frequencies and whole-token search, in Rust, safe to call from many threads.
///
/// `gil_used = false` is a promise checked by the test suite: on free-threaded CPython
/// importing this module leaves the GIL off. It holds because the only shared state is
/// `WordCounter` (frozen, with a lock inside), the per-process thread pool and the exit
/// flag (both pure Rust, published atomically); no Python object is shared unguarded.
#[pyo3::pymodule(gil_used = false)]
mod _word_count {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::counter::WordCounter;
    #[pymodule_export]
    use crate::files::{search_file, word_count_file};
    #[pymodule_export]
    use crate::frequencies::{word_frequencies, word_frequencies_file};
    #[pymodule_export]
    use crate::probes::{_noop, _sum_bytes};
    #[pymodule_export]
    use crate::search::{search, search_sequential, search_sequential_detached};
    #[pymodule_export]
    use crate::words::word_count;

    /// Runs when the module is imported.
    #[pymodule_init]
    fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
        crate::detach::register(module)
    }

    #[cfg(feature = "test-hooks")]
    #[pymodule_export]
    use crate::testing::_inject_panic;

    /// The package version, from Cargo.toml.
    #[pymodule_export]
    #[allow(non_upper_case_globals)] // Python's name for it
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// The rustc that compiled this module (`rustc --version`), recorded by the benchmarks
    /// next to every result.
    #[pymodule_export]
    const _RUSTC_VERSION: &str = env!("WORD_COUNT_RUSTC_VERSION");

    /// The PyO3 release this module is built on (from Cargo.lock), likewise recorded.
    #[pymodule_export]
    const _PYO3_VERSION: &str = env!("WORD_COUNT_PYO3_VERSION");

    /// Thread counts above this are capped: a call never splits its text into more
    /// chunks than this, whatever `n_threads` asks for.
    #[pymodule_export]
    const MAX_THREADS: usize = word_count_core::MAX_THREADS;
}
