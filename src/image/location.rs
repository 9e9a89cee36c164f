//! Where a layer's blob lives, as the reader that walked it found it. The
//! file viewer and the extractor read the same bytes again through it: no
//! second lookup by name, no symlinked members followed again.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::sniff::{self, Compression};
use crate::error::{Error, Result};

/// Where a walked layer blob's bytes are, as stored (still compressed when
/// the layer is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    /// A member of a plain tar file: `size` bytes from byte `offset`.
    ArchiveMember {
        archive: PathBuf,
        offset: u64,
        size: u64,
    },
    /// A member of a tar file compressed as a whole: `size` bytes from byte
    /// `offset` of the decompressed stream, reached by decompressing again.
    CompressedMember {
        archive: PathBuf,
        compression: Compression,
        offset: u64,
        size: u64,
    },
    /// A file of an OCI image layout directory.
    LayoutFile { path: PathBuf },
    /// Read from a stream (standard input, an engine's export), which is
    /// not kept: it cannot be read again.
    Stream,
    /// A blob in a registry: fetched again, whole, when read (a cut
    /// connection resumes with a Range request).
    Remote(RemoteBlob),
    /// Member `member` of the export of the engine image whose id is
    /// `image`: read again by exporting that id once more
    /// ([`crate::content`] keeps what passes by for the session).
    EngineLayer { image: String, member: String },
}

/// A blob that can be fetched again (the registry source gives one).
pub trait FetchAgain: Send + Sync + std::fmt::Debug {
    /// The blob's bytes as stored; errors say what failed.
    fn fetch(&self) -> Result<Box<dyn Read>>;
}

/// A shared [`FetchAgain`]; two are equal when they are the same one.
#[derive(Debug, Clone)]
pub struct RemoteBlob(pub Arc<dyn FetchAgain>);

impl PartialEq for RemoteBlob {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for RemoteBlob {}

impl BlobLocation {
    /// A member of the archive file `archive` (`None`: a stream), whose tar
    /// stream is compressed as a whole with `compression`.
    pub fn member(
        archive: Option<&Path>,
        compression: Compression,
        offset: u64,
        size: u64,
    ) -> Self {
        let Some(archive) = archive else {
            return BlobLocation::Stream;
        };
        let archive = archive.to_path_buf();
        match compression {
            Compression::None => BlobLocation::ArchiveMember {
                archive,
                offset,
                size,
            },
            compression => BlobLocation::CompressedMember {
                archive,
                compression,
                offset,
                size,
            },
        }
    }

    /// The file the blob is in, or `None` for a stream.
    pub fn file(&self) -> Option<&Path> {
        match self {
            BlobLocation::ArchiveMember { archive, .. }
            | BlobLocation::CompressedMember { archive, .. } => Some(archive),
            BlobLocation::LayoutFile { path } => Some(path),
            BlobLocation::Stream | BlobLocation::Remote(_) => None,
            BlobLocation::EngineLayer { .. } => None,
        }
    }

    /// The blob's bytes as stored. Errors name the file; `None` for a
    /// stream, which cannot be read again.
    pub fn open(&self) -> Option<Result<Box<dyn Read>>> {
        if let BlobLocation::Remote(remote) = self {
            return Some(remote.0.fetch());
        }
        let path = self.file()?;
        let opened = match self {
            BlobLocation::Stream | BlobLocation::Remote(_) => return None,
            BlobLocation::EngineLayer { .. } => return None,
            BlobLocation::LayoutFile { path } => open_layout_file(path),
            BlobLocation::ArchiveMember { offset, size, .. } => {
                open_plain_member(path, *offset, *size)
            }
            BlobLocation::CompressedMember { offset, size, .. } => {
                open_compressed_member(path, *offset, *size)
            }
        };
        Some(opened.map_err(|e| Error::io(path.display(), e)))
    }
}

fn open_layout_file(path: &Path) -> io::Result<Box<dyn Read>> {
    Ok(Box::new(BufReader::with_capacity(
        1 << 20,
        File::open(path)?,
    )))
}

fn open_plain_member(archive: &Path, offset: u64, size: u64) -> io::Result<Box<dyn Read>> {
    let mut file = File::open(archive)?;
    file.seek(SeekFrom::Start(offset))?;
    Ok(Box::new(BufReader::with_capacity(1 << 20, file).take(size)))
}

fn open_compressed_member(archive: &Path, offset: u64, size: u64) -> io::Result<Box<dyn Read>> {
    let file = File::open(archive)?;
    let (_, mut decoded) = sniff::decompress(BufReader::with_capacity(1 << 20, file))?;
    let skipped = io::copy(&mut (&mut decoded).take(offset), &mut io::sink())?;
    if skipped != offset {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the archive is shorter than when it was read",
        ));
    }
    Ok(Box::new(decoded.take(size)))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn read_all(location: &BlobLocation) -> Vec<u8> {
        let mut bytes = Vec::new();
        location
            .open()
            .expect("re-readable")
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    }

    #[test]
    fn reads_a_member_of_a_plain_file_by_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar");
        std::fs::write(&path, b"headerBLOBtrailer").unwrap();
        let at = BlobLocation::member(Some(&path), Compression::None, 6, 4);
        assert!(matches!(at, BlobLocation::ArchiveMember { .. }));
        assert_eq!(read_all(&at), b"BLOB");
    }

    #[test]
    fn reads_a_member_of_a_compressed_file_in_the_decompressed_stream() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"headerBLOBtrailer").unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let at = BlobLocation::member(Some(&path), Compression::Gzip, 6, 4);
        assert!(matches!(at, BlobLocation::CompressedMember { .. }));
        assert_eq!(read_all(&at), b"BLOB");
        let past_the_end = BlobLocation::member(Some(&path), Compression::Gzip, 100, 4);
        assert!(past_the_end.open().unwrap().is_err());
    }

    #[test]
    fn a_stream_cannot_be_read_again() {
        let at = BlobLocation::member(None, Compression::Gzip, 6, 4);
        assert_eq!(at, BlobLocation::Stream);
        assert!(at.open().is_none());
    }
}
