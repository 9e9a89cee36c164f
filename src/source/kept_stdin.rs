//! `--keep-layers`: standard input copied, as it is read, into a file of the
//! session folder, so that its layers can be read again (the viewer,
//! extract). Within a bound: past it the copy stops and is removed, and the
//! layers are a stream again (the viewer says to save the image to a file).

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::image::BlobLocation;

/// Standard input as read, copied into `file` while it stays within `bound`.
pub struct Tee<R> {
    inner: R,
    out: Option<BufWriter<File>>,
    file: PathBuf,
    written: u64,
    bound: u64,
}

impl<R: Read> Tee<R> {
    /// Make `folder` (private to the user) and the copy in it.
    pub fn new(inner: R, folder: &Path, bound: u64) -> io::Result<Tee<R>> {
        let mut builder = fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(folder) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        let file = folder.join("stdin.tar");
        let out = BufWriter::with_capacity(1 << 20, File::create_new(&file)?);
        Ok(Tee {
            inner,
            out: Some(out),
            file,
            written: 0,
            bound,
        })
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Whether the whole stream was kept (and is on disk now).
    pub fn finish(&mut self) -> bool {
        match self.out.take().map(|mut out| out.flush()) {
            Some(Ok(())) => true,
            _ => {
                let _ = fs::remove_file(&self.file);
                false
            }
        }
    }
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(out) = &mut self.out {
            self.written += n as u64;
            if self.written > self.bound || out.write_all(&buf[..n]).is_err() {
                // Past the bound (or the disk is full): keep nothing.
                self.out = None;
                let _ = fs::remove_file(&self.file);
            }
        }
        Ok(n)
    }
}

/// The layers in `file` are a stream again (the copy was not kept).
pub fn forget(layers: &mut [crate::image::Layer], file: &Path) {
    for layer in layers {
        if layer.location.file() == Some(file) {
            layer.location = BlobLocation::Stream;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_stream_within_the_bound_and_nothing_past_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut tee = Tee::new(&b"0123456789"[..], &dir.path().join("s"), 10).unwrap();
        io::copy(&mut tee, &mut io::sink()).unwrap();
        assert!(tee.finish());
        assert_eq!(fs::read(tee.file()).unwrap(), b"0123456789");

        let mut tee = Tee::new(&b"0123456789"[..], &dir.path().join("t"), 9).unwrap();
        io::copy(&mut tee, &mut io::sink()).unwrap();
        assert!(!tee.finish());
        assert!(!tee.file().exists());
    }
}
