//! The fetch under way (one at a time: the viewer asks for one file at a
//! time): how many bytes the engine has sent, for the UI's progress line,
//! and the cancel the UI's `esc` sets.

use std::io::{self, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The message of a cancelled fetch.
pub const CANCELLED: &str = "cancelled";

static ACTIVE: AtomicBool = AtomicBool::new(false);
static CANCEL: AtomicBool = AtomicBool::new(false);
static BYTES: AtomicU64 = AtomicU64::new(0);
/// The whole stream's size when the engine said it.
static TOTAL: Mutex<Option<u64>> = Mutex::new(None);

/// How far the fetch under way got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchProgress {
    pub bytes: u64,
    pub total: Option<u64>,
}

/// The fetch under way, if any (the UI polls it).
pub fn progress() -> Option<FetchProgress> {
    ACTIVE.load(Ordering::Relaxed).then(|| FetchProgress {
        bytes: BYTES.load(Ordering::Relaxed),
        total: TOTAL.lock().ok().and_then(|t| *t),
    })
}

/// Stop the fetch under way: its read ends with [`CANCELLED`], and nothing
/// partial is kept.
pub fn cancel() {
    if ACTIVE.load(Ordering::Relaxed) {
        CANCEL.store(true, Ordering::Relaxed);
    }
}

/// Marks a fetch as under way while it lives.
pub struct Fetching(());

impl Fetching {
    pub fn start(total: Option<u64>) -> Fetching {
        BYTES.store(0, Ordering::Relaxed);
        CANCEL.store(false, Ordering::Relaxed);
        if let Ok(mut t) = TOTAL.lock() {
            *t = total;
        }
        ACTIVE.store(true, Ordering::Relaxed);
        Fetching(())
    }

    /// `inner`, counted and cancellable.
    pub fn reader<R: Read>(&self, inner: R) -> Counted<'_, R> {
        Counted {
            inner,
            _fetch: self,
        }
    }
}

impl Drop for Fetching {
    fn drop(&mut self) {
        ACTIVE.store(false, Ordering::Relaxed);
        CANCEL.store(false, Ordering::Relaxed);
    }
}

pub struct Counted<'f, R> {
    inner: R,
    _fetch: &'f Fetching,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if CANCEL.load(Ordering::Relaxed) {
            return Err(io::Error::other(CANCELLED));
        }
        let n = self.inner.read(buf)?;
        BYTES.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Whether `e` is a cancel's.
pub fn was_cancelled(e: &io::Error) -> bool {
    CANCEL.load(Ordering::Relaxed) || e.to_string().ends_with(CANCELLED)
}
