//! Load progress, shared between the thread that reads an image and whoever
//! shows it (the UI's progress bar, `--ci`'s stderr line). Plain atomics: the
//! reader never waits for the viewer.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Progress {
    bytes_read: AtomicU64,
    /// Expected bytes, 0 when unknown.
    bytes_total: AtomicU64,
    layers_read: AtomicU64,
    /// Expected layers, 0 when unknown (a `docker save` stream names its
    /// layers only at its end).
    layers_total: AtomicU64,
    cancelled: AtomicBool,
}

/// A snapshot of [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressSnapshot {
    pub bytes_read: u64,
    pub bytes_total: Option<u64>,
    pub layers_read: u64,
    pub layers_total: Option<u64>,
}

impl Progress {
    pub fn new() -> Arc<Self> {
        Arc::new(Progress::default())
    }

    pub fn set_bytes_total(&self, total: u64) {
        self.bytes_total.store(total, Ordering::Relaxed);
    }

    pub fn set_layers_total(&self, total: u64) {
        self.layers_total.store(total, Ordering::Relaxed);
    }

    pub fn add_bytes(&self, n: u64) {
        self.bytes_read.fetch_add(n, Ordering::Relaxed);
    }

    pub fn layer_done(&self) {
        self.layers_read.fetch_add(1, Ordering::Relaxed);
    }

    /// Ask the reader to stop; it fails with `Interrupted` at its next read.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    pub fn snapshot(&self) -> ProgressSnapshot {
        let nonzero = |v: u64| (v > 0).then_some(v);
        ProgressSnapshot {
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            bytes_total: nonzero(self.bytes_total.load(Ordering::Relaxed)),
            layers_read: self.layers_read.load(Ordering::Relaxed),
            layers_total: nonzero(self.layers_total.load(Ordering::Relaxed)),
        }
    }
}

/// Counts the bytes read from the source into a [`Progress`], and stops the
/// read when it is cancelled.
pub struct CountingReader<R> {
    inner: R,
    progress: Arc<Progress>,
}

impl<R> CountingReader<R> {
    pub fn new(inner: R, progress: Arc<Progress>) -> Self {
        CountingReader { inner, progress }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.progress.is_cancelled() {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
        }
        let n = self.inner.read(buf)?;
        self.progress.add_bytes(n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_cancels() {
        let progress = Progress::new();
        let mut reader = CountingReader::new(&b"hello"[..], progress.clone());
        let mut buf = [0u8; 3];
        assert_eq!(reader.read(&mut buf).unwrap(), 3);
        assert_eq!(progress.snapshot().bytes_read, 3);
        assert_eq!(progress.snapshot().bytes_total, None);
        progress.cancel();
        assert_eq!(
            reader.read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::Interrupted
        );
    }
}
