//! Text arguments -- a `str` or a bytes-like object of UTF-8 -- as bytes the core can
//! count, and words back to `str`.

use pyo3::buffer::PyUntypedBuffer;
use pyo3::exceptions::{PyBufferError, PyTypeError, PyUnicodeEncodeError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyMemoryView, PyString};
use pyo3::{ffi, intern, Borrowed};
use word_count_core::text::Text;
use word_count_core::utf8::{self, Utf8Error};

use crate::errors::Error;

/// A text argument, held as generalised UTF-8 (see the core's crate docs).
///
/// A `str` is almost always borrowed, for the duration of the call (no reference count
/// is taken; the argument itself keeps it alive): an ASCII `str` is its own UTF-8, and
/// for any other CPython builds and caches a UTF-8 copy once. A `str` holding lone surrogates has no
/// UTF-8 form at all; rather than fail where Python's own `split()` works, we encode it
/// with `"surrogatepass"`, which keeps every code point distinct and self-synchronising,
/// so word and token boundaries are unchanged.
///
/// A bytes-like object (`bytes`, `bytearray`, `memoryview`, `mmap`, ...) is borrowed
/// through the buffer protocol, never copied, and means the text it decodes to: it must
/// be strict UTF-8, which the caller checks slice by slice with [`PyText::check_utf8`]
/// while detached, since that is long work on a large buffer.
///
/// Every variant keeps its Python object alive and is `Send`, so the bytes may be read
/// while detached from the interpreter.
pub enum PyText<'a> {
    Utf8(&'a str),
    SurrogatePass(PyBackedBytes),
    Buffer {
        buffer: PyUntypedBuffer,
        /// The object itself, for the UnicodeDecodeError an invalid buffer raises.
        object: Py<PyAny>,
    },
}

impl<'a> PyText<'a> {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PyText::Utf8(s) => s.as_bytes(),
            PyText::SurrogatePass(b) => b,
            PyText::Buffer { buffer, .. } => {
                let len = buffer.len_bytes();
                if len == 0 {
                    return &[];
                }
                // SAFETY: the buffer was obtained C-contiguous (checked in `extract`), so
                // its `len` bytes start at `buf_ptr`, and they stay valid and unmoved
                // until `buffer` is released, which cannot happen while `&self` is
                // borrowed. A writable exporter (bytearray) may have its bytes changed by
                // another thread meanwhile -- the caller's race, as with hashlib or zlib
                // reading a bytearray without the GIL. The kernels are sound on any byte
                // values (they index only within the slice), so such a race can change
                // the count but not crash; the README says so.
                unsafe { std::slice::from_raw_parts(buffer.buf_ptr().cast::<u8>(), len) }
            }
        }
    }

    /// A `str` argument (TypeError for anything else), also for lookups such as
    /// `counter[word]`, where a bytes key would find nothing (as in `collections.Counter`).
    pub fn from_str(s: Borrowed<'a, '_, PyAny>) -> PyResult<Self> {
        let py = s.py();
        match <&'a str as FromPyObject<'a, '_>>::extract(s) {
            Ok(utf8) => Ok(PyText::Utf8(utf8)),
            Err(e) if e.is_instance_of::<PyUnicodeEncodeError>(py) => {
                // The codec itself, not `s.encode(...)`: a subclass of `str` may override
                // `encode`, and `str.split()` never calls it.
                // SAFETY: `s` is a live `str` (checked by the extraction that failed
                // above with an encode error, which only a `str` gives) and both names are
                // NUL-terminated literals. The call returns a new reference or NULL with
                // an exception set, which `from_owned_ptr_or_err` turns into an error.
                let encoded = unsafe {
                    Bound::from_owned_ptr_or_err(
                        py,
                        ffi::PyUnicode_AsEncodedString(
                            s.as_ptr(),
                            c"utf-8".as_ptr(),
                            c"surrogatepass".as_ptr(),
                        ),
                    )?
                };
                Ok(PyText::SurrogatePass(PyBackedBytes::from(
                    encoded.cast_into::<PyBytes>()?,
                )))
            }
            Err(e) => Err(e),
        }
    }

    /// Check that `self.as_bytes()[start..end]` is UTF-8, if this text came as bytes (a
    /// `str` always is). Pure Rust: call it detached.
    pub fn check_utf8(&self, start: usize, end: usize) -> Result<(), Utf8Error> {
        match self {
            PyText::Buffer { .. } => {
                // Shared: another thread may write a bytearray while it is read.
                let bytes = self.as_bytes();
                utf8::validate_shared(&bytes[start..end]).map_err(|e| {
                    // The slice may end inside a bad sequence: classify it against the
                    // whole buffer, as `bytes.decode()` would.
                    let at = start + e.start;
                    match utf8::validate_shared(&bytes[at..(at + 4).min(bytes.len())]) {
                        Err(whole) => Utf8Error {
                            start: at,
                            end: at + whole.end,
                            reason: whole.reason,
                        },
                        // Rewritten since the first read: report what that read found.
                        Ok(()) => Utf8Error {
                            start: at,
                            end: start + e.end,
                            reason: e.reason,
                        },
                    }
                })
            }
            _ => Ok(()),
        }
    }

    /// The UnicodeDecodeError `bytes(self).decode("utf-8")` raises for `e`.
    pub fn decode_error(&self, py: Python<'_>, e: Utf8Error) -> Error {
        let object = match self {
            PyText::Buffer { object, .. } => object.clone_ref(py),
            // A str is always valid; keep the error well-formed all the same.
            _ => PyBytes::new(py, self.as_bytes()).into_any().unbind(),
        };
        Error::Decode {
            object,
            start: e.start,
            end: e.end,
            reason: e.reason.to_string(),
        }
    }

    /// Check all of a (short) text at once, attached: for needles.
    pub fn check_utf8_now(&self, py: Python<'_>) -> Result<(), Error> {
        self.check_utf8(0, self.as_bytes().len())
            .map_err(|e| self.decode_error(py, e))
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for PyText<'a> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyString>() {
            return PyText::from_str(obj);
        }
        let buffer = match PyUntypedBuffer::get(&obj) {
            Ok(buffer) => buffer,
            Err(e) if e.is_instance_of::<PyTypeError>(obj.py()) => {
                return Err(PyTypeError::new_err(format!(
                    "expected str or a bytes-like object, not {}",
                    obj.get_type().name()?
                )));
            }
            Err(e) if refused_by_pyo3(obj.py(), &e) => bytes_view(&obj).ok_or(e)?,
            Err(e) => return Err(e),
        };
        if !buffer.is_c_contiguous() {
            return Err(PyBufferError::new_err(
                "the buffer is not C-contiguous; pass bytes(view) instead",
            ));
        }
        Ok(PyText::Buffer {
            buffer,
            object: obj.to_owned().unbind(),
        })
    }
}

/// Whether `e` is PyO3's refusal of a buffer the exporter gave (see [`bytes_view`]), not
/// the exporter's own error: only then is it worth asking again, through a memoryview. An
/// exporter that failed would be asked twice, its side effects with it.
fn refused_by_pyo3(py: Python<'_>, e: &PyErr) -> bool {
    // PyO3 0.28's `PyUntypedBuffer::get` raises these two, and no other BufferError.
    e.is_instance_of::<PyBufferError>(py)
        && e.value(py)
            .str()
            .is_ok_and(|m| matches!(m.to_str(), Ok("shape is null" | "strides is null")))
}

/// The buffer of `memoryview(obj).cast("B")`: the same bytes, for an exporter whose own
/// buffer PyO3 refuses because it leaves out its shape or strides (PyO3 0.28's
/// `PyUntypedBuffer::get`), though the buffer protocol allows both for a C-contiguous
/// buffer. ctypes arrays export no strides
/// (<https://github.com/python/cpython/issues/57060>), and a 0-dimensional buffer (a
/// `ctypes.c_char`) no shape; a memoryview fills in both. None if `obj` has no such view
/// (not C-contiguous, say): the caller then raises PyO3's error.
fn bytes_view(obj: &Bound<'_, PyAny>) -> Option<PyUntypedBuffer> {
    let view = PyMemoryView::from(obj).ok()?;
    let bytes = view.call_method1(intern!(obj.py(), "cast"), ("B",)).ok()?;
    PyUntypedBuffer::get(&bytes).ok()
}

/// The `str` whose generalised UTF-8 is `bytes`: the inverse of [`PyText`].
pub fn to_py_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(PyString::new(py, s)),
        Err(_) => Ok(PyBytes::new(py, bytes)
            .call_method1(intern!(py, "decode"), ("utf-8", "surrogatepass"))?
            .cast_into::<PyString>()?),
    }
}

/// The text argument of `word_count` and `search*`: a [`PyText`], or, where the build
/// allows, a non-ASCII `str` read in place, its own storage handed to the core as is
/// (Latin-1, UCS-2 or UCS-4 units), instead of converted to UTF-8, which CPython does
/// slower than we count (the kernels benchmark's "UTF-8 copy" rows), keeping the copy
/// for the `str`'s lifetime.
///
/// The storage is readable only where PyO3 exposes it: not under the stable ABI (abi3),
/// whose rules hide the layout of a `str`, and not yet on 3.14, whose accessors changed
/// (build.rs sets `str_storage` where it is readable).
pub enum Contents<'a> {
    Text(PyText<'a>),
    #[cfg(str_storage)]
    Storage(Text<'a>),
}

impl Contents<'_> {
    /// The text as the core counts it.
    #[inline]
    pub fn text(&self) -> Text<'_> {
        match self {
            Contents::Text(text) => Text::Utf8(text.as_bytes()),
            #[cfg(str_storage)]
            Contents::Storage(text) => *text,
        }
    }

    /// Check that units `start..end` are UTF-8 where the text came as bytes (see
    /// [`PyText::check_utf8`]); a `str` always is. Pure Rust: call it detached.
    #[inline]
    pub fn check_utf8(&self, start: usize, end: usize) -> Result<(), Utf8Error> {
        match self {
            Contents::Text(text) => text.check_utf8(start, end),
            #[cfg(str_storage)]
            Contents::Storage(_) => Ok(()),
        }
    }

    /// The UnicodeDecodeError for `e`, found by [`Contents::check_utf8`].
    pub fn decode_error(&self, py: Python<'_>, e: Utf8Error) -> Error {
        match self {
            Contents::Text(text) => text.decode_error(py, e),
            #[cfg(str_storage)]
            Contents::Storage(_) => unreachable!("a str's storage is never checked as UTF-8"),
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Contents<'a> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        #[cfg(str_storage)]
        if obj.is_instance_of::<PyString>() {
            if let Some(storage) = storage_of(obj) {
                return Ok(Contents::Storage(storage));
            }
        }
        Ok(Contents::Text(obj.extract()?))
    }
}

/// The storage of `s` (a `str`), unless it is ASCII: an ASCII `str` is its own UTF-8,
/// which the byte kernels (SIMD) count fastest.
#[cfg(str_storage)]
fn storage_of<'a>(s: Borrowed<'a, '_, PyAny>) -> Option<Text<'a>> {
    use pyo3::ffi;
    use std::slice::from_raw_parts;
    let ptr = s.as_ptr();
    // SAFETY: `ptr` is a `str` (checked by the caller), alive and immutable for 'a: the
    // call holds a reference to it. Since 3.12 every `str` is "ready" and compact, so
    // KIND, DATA and GET_LENGTH describe `len` units of the kind's width at `data`,
    // which never move or change while the `str` is alive.
    unsafe {
        if ffi::PyUnicode_IS_ASCII(ptr) != 0 {
            return None;
        }
        let len = usize::try_from(ffi::PyUnicode_GET_LENGTH(ptr)).ok()?;
        let data = ffi::PyUnicode_DATA(ptr);
        match ffi::PyUnicode_KIND(ptr) {
            ffi::PyUnicode_1BYTE_KIND => Some(Text::Latin1(from_raw_parts(data.cast(), len))),
            ffi::PyUnicode_2BYTE_KIND => Some(Text::Ucs2(from_raw_parts(data.cast(), len))),
            ffi::PyUnicode_4BYTE_KIND => Some(Text::Ucs4(from_raw_parts(data.cast(), len))),
            _ => None,
        }
    }
}
