//! `word_count_file` and `search_file`: files of any size, read block by block in
//! bounded memory (why reading and not mapping: see the core's `stream` module).

use std::fs::File;
use std::io;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use word_count_core::open_once::open_once;
use word_count_core::parallel_read::ParallelRead;
use word_count_core::stream::{Block, Stream, StreamError, BLOCK_BYTES};
use word_count_core::text::Text;
use word_count_core::{chunks, pool};

use crate::detach::detach;
use crate::errors::Error;
use crate::search::needle_of;
use crate::sliced::{no_panic, FREQUENCY_SLICE_BYTES};
use crate::text::PyText;
use crate::threads::thread_count;

/// Count the words of the file at `path` as `len(text.split())` would for its text,
/// decoded as UTF-8, splitting the work over `n_threads` Rust threads.
///
/// A regular file is read by every thread at once, each its own blocks of up to 1 MiB; a
/// pipe or character device in blocks of 16 MiB into one buffer, and a regular file of
/// size 0 (/proc's, made as they are read) in order, in blocks of 1 MiB. Memory stays a
/// few blocks whatever the file's size, so files larger than memory work. `progress`, if
/// given, is called as `progress(done, total)` after each batch of blocks, and at least
/// once, with the bytes read so far and the file's size (None if it has none, as for a
/// pipe); an exception it raises stops the count.
///
/// `path` is a str, bytes or os.PathLike, as for `open()`. Raises the OSError `open()`
/// would (FileNotFoundError, IsADirectoryError, PermissionError, with errno and
/// filename), and UnicodeDecodeError if the file is not UTF-8, whose reason gives the
/// byte offset. A file that shrinks while it is read is counted up to where it ended.
#[pyfunction]
#[pyo3(signature = (path, n_threads=None, *, progress=None))]
pub fn word_count_file(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    n_threads: Option<&Bound<'_, PyAny>>,
    progress: Option<&Bound<'_, PyAny>>,
) -> Result<usize, Error> {
    let threads = thread_count(n_threads)?;
    count_file(py, path, 0, threads, progress, |b, threads| {
        Text::Utf8(b.bytes).count_words(b.start, b.end, threads)
    })
}

/// Count the tokens equal to `needle` in the file at `path`, as `search` would for its
/// text decoded as UTF-8, splitting the work over `n_threads` Rust threads.
///
/// Reads the file as `word_count_file` does, in bounded memory, with the same
/// `n_threads`, `progress` callback and errors; `needle` is a str or UTF-8 bytes.
#[pyfunction]
#[pyo3(signature = (path, needle, n_threads=None, *, progress=None))]
pub fn search_file(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    needle: PyText<'_>,
    n_threads: Option<&Bound<'_, PyAny>>,
    progress: Option<&Bound<'_, PyAny>>,
) -> Result<usize, Error> {
    let threads = thread_count(n_threads)?;
    let needle = needle_of(py, &needle)?;
    count_file(
        py,
        path,
        needle.lookahead(),
        threads,
        progress,
        |b, threads| Text::Utf8(b.bytes).count_tokens(&needle, b.start, b.end, threads),
    )
}

/// `path` as `open()` takes it: `os.fspath(path)` (kept for error messages) and the
/// path it names.
fn fs_path<'py>(path: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, PathBuf)> {
    let py = path.py();
    let fspath = py.import("os")?.call_method1("fspath", (path,))?;
    let name: PathBuf = if fspath.is_instance_of::<PyString>() {
        fspath.extract()?
    } else {
        bytes_path(&fspath)?
    };
    // A NUL cannot be in a path: `open()` says so with a ValueError, where Rust's
    // `File::open` gives an OSError with no errno.
    if name.as_os_str().as_encoded_bytes().contains(&0) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "embedded null byte",
        ));
    }
    Ok((fspath, name))
}

/// The path a `bytes` path names (what `os.fspath` gives that is not a `str`).
fn bytes_path(fspath: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    #[cfg(unix)]
    if let Ok(bytes) = fspath.cast::<PyBytes>() {
        use std::os::unix::ffi::OsStrExt;
        return Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes.as_bytes())));
    }
    let _ = fspath;
    Err(pyo3::exceptions::PyTypeError::new_err(
        "bytes paths are only supported on POSIX systems",
    ))
}

/// How a file is cut into blocks: with `lookahead` bytes after each (see the core's
/// `stream` module), or each block ending after whitespace, every word in it whole, for
/// frequencies (in blocks of [`FREQUENCY_SLICE_BYTES`], to answer Ctrl-C as often).
pub enum Blocks {
    Lookahead(usize),
    WholeWords,
}

/// The file at `path`, opened detached, with its size if it is a regular file; the name
/// `open()` would give in errors.
struct Opened<'py> {
    file: File,
    size: Option<u64>,
    fspath: Bound<'py, PyAny>,
}

impl<'py> Opened<'py> {
    fn new(py: Python<'py>, path: &Bound<'py, PyAny>) -> Result<Self, Error> {
        let (fspath, name) = fs_path(path)?;
        // Opening a FIFO waits for a writer: answer Ctrl-C meanwhile, as `open()` does.
        let file = loop {
            match detach(py, || open_once(&name)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => py.check_signals()?,
                opened => break opened.map_err(|e| Error::Io(e, fspath.clone().unbind()))?,
            }
        };
        let size = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        Ok(Opened { file, size, fspath })
    }

    /// The Python exception for `e`, naming this file.
    fn error(&self, e: StreamError) -> Error {
        match e {
            StreamError::Io(e) => Error::Io(e, self.fspath.clone().unbind()),
            StreamError::Utf8 {
                offset,
                window,
                start,
                end,
                reason,
            } => match self.fspath.repr() {
                Ok(name) => Error::Decode {
                    object: PyBytes::new(self.fspath.py(), &window).into_any().unbind(),
                    start,
                    end,
                    reason: format!("{reason} (at byte {offset} of {name})"),
                },
                Err(e) => e.into(),
            },
        }
    }

    /// The size to plan the reads by: none for a regular file whose size is 0, which may
    /// hold bytes all the same (/proc's files, made as they are read). Read by offsets in
    /// blocks planned for a size of 0, /proc/kallsyms (5 MB) took 15 s, deaf to Ctrl-C:
    /// each read that does not go on from the last makes the kernel build the file again
    /// from its start. Read in order, it takes 0.04 s.
    fn planned_size(&self) -> Option<u64> {
        self.size.filter(|&n| n > 0)
    }

    /// The `total` for `progress` once `done` bytes are read: the size, unless a size of
    /// 0 proved to be none (see [`Self::planned_size`]).
    fn total(&self, done: u64) -> Option<u64> {
        self.size.filter(|&n| n > 0 || done == 0)
    }

    /// A block of at most `max_block` bytes, no larger than the file needs (many small
    /// files are the CLI's common case); one that grows while it is read is still read
    /// whole, a block at a time. A regular file of size 0, which may be none (see
    /// [`Self::planned_size`]), in blocks of at most 1 MiB; a pipe, of `max_block`.
    fn block(&self, max_block: usize) -> usize {
        match (self.size, self.planned_size()) {
            (_, Some(n)) => {
                usize::try_from(n).map_or(max_block, |n| n.saturating_add(1).clamp(4096, max_block))
            }
            (Some(_), None) => max_block.min(PARALLEL_BLOCK_BYTES),
            (None, None) => max_block,
        }
    }
}

/// The nominal size of each thread's block when a regular file is read by several
/// threads: small enough that the block is still in the core's caches when it is
/// validated and counted after the copy from the page cache.
const PARALLEL_BLOCK_BYTES: usize = 1 << 20;

/// The sum of `count(block, threads)` over the blocks of the file at `path`, each with
/// `lookahead` bytes after it. A regular file of known size is read on `threads` threads
/// at once (None: every thread of the pool), each reading, checking and counting its own
/// blocks (the core's `parallel_read`), so each block is counted on one thread; anything
/// else (a pipe, a character device, a regular file of size 0) is read in order, block
/// by block through one buffer, and each block is counted on `threads` threads. Between
/// batches of blocks, Ctrl-C is answered and `progress` told.
pub fn count_file(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    lookahead: usize,
    threads: Option<usize>,
    progress: Option<&Bound<'_, PyAny>>,
    count: impl Fn(Block<'_>, Option<usize>) -> usize + Sync,
) -> Result<usize, Error> {
    check_progress(progress)?;
    let opened = Opened::new(py, path)?;
    let Some(size) = opened.planned_size() else {
        let mut total = 0;
        scan_opened(py, opened, Blocks::Lookahead(lookahead), progress, |b| {
            total += count(b, threads)
        })?;
        return Ok(total);
    };
    let mut n = chunks::chunks_for(usize::try_from(size).unwrap_or(usize::MAX), threads);
    if n > 1 {
        // More readers than the pool has threads would only wait, each holding a block.
        n = n.min(pool::threads());
    }
    let per_thread = usize::try_from(size / n as u64).unwrap_or(usize::MAX);
    let block = per_thread
        .saturating_add(1)
        .clamp(4096, PARALLEL_BLOCK_BYTES);
    let mut reader = ParallelRead::new(&opened.file, block, lookahead, n);
    let mut total = 0;
    loop {
        let batch = detach(py, || no_panic(|| reader.next_batch(|b| count(b, Some(1)))))?;
        match batch {
            Ok(Some(n)) => total += n,
            Ok(None) => return Ok(total),
            Err(e) => return Err(opened.error(e)),
        }
        py.check_signals()?;
        if let Some(progress) = progress {
            progress.call1((reader.position(), size))?;
        }
    }
}

/// `step` on each block of the file at `path`, in order. Each block is read, checked and
/// stepped detached; between blocks, Ctrl-C is answered and `progress` told.
pub fn scan_file(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    blocks: Blocks,
    progress: Option<&Bound<'_, PyAny>>,
    step: impl FnMut(Block<'_>) + Send,
) -> Result<(), Error> {
    check_progress(progress)?;
    scan_opened(py, Opened::new(py, path)?, blocks, progress, step)
}

/// A TypeError for a `progress` that cannot be called, before the file is opened: not
/// after its first block, nor never, for a file with none.
fn check_progress(progress: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    match progress {
        Some(p) if !p.is_callable() => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "progress must be callable or None, not {}",
            p.get_type().name()?
        ))),
        _ => Ok(()),
    }
}

fn scan_opened(
    py: Python<'_>,
    opened: Opened<'_>,
    blocks: Blocks,
    progress: Option<&Bound<'_, PyAny>>,
    mut step: impl FnMut(Block<'_>) + Send,
) -> Result<(), Error> {
    let block = opened.block(match blocks {
        Blocks::Lookahead(_) => BLOCK_BYTES,
        Blocks::WholeWords => FREQUENCY_SLICE_BYTES,
    });
    let file = &opened.file;
    let mut stream = match blocks {
        Blocks::Lookahead(lookahead) => Stream::new(file, block, lookahead),
        Blocks::WholeWords => Stream::whole_words(file, block),
    };
    let mut told = false;
    loop {
        let read = detach(py, || {
            no_panic(|| stream.next_block().map(|block| block.map(&mut step)))
        })?;
        match read {
            Ok(Some(())) => {}
            Ok(None) => {
                // Told at least once, so that a bar can finish: an empty input has no
                // block.
                match progress {
                    Some(progress) if !told => {
                        let done = stream.bytes_read();
                        progress.call1((done, opened.total(done)))?;
                    }
                    _ => {}
                }
                return Ok(());
            }
            Err(e) => return Err(opened.error(e)),
        }
        py.check_signals()?;
        if let Some(progress) = progress {
            let done = stream.bytes_read();
            progress.call1((done, opened.total(done)))?;
            told = true;
        }
    }
}
