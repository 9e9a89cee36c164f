//! One layer tar, read once as a stream, into [`LayerChanges`].
//!
//! Only headers are kept; regular files' content is streamed through a hash
//! and dropped. Nothing is written anywhere.

use std::io::{self, Read, Seek, SeekFrom};

use tar::{Archive, EntryType};
use xxhash_rust::xxh3::Xxh3;

use super::entry::{EntryKind, LayerChanges, Meta, Op, Record};
use super::path::{self, PathError};
use crate::image::sniff::{self, Compression};

/// The opaque-directory marker (OCI image-layer spec).
pub const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";
/// Prefix of a whiteout file.
pub const WHITEOUT_PREFIX: &[u8] = b".wh.";
/// Prefix of AUFS metadata entries (`.wh..wh.plnk`, ...), which are not whiteouts.
const AUFS_META_PREFIX: &[u8] = b".wh..wh.";

/// Why a layer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("not a tar stream{}", after(*.0))]
    NotTar(Compression),
    /// `stream` names what was being read: `tar`, `gzip` or `zstd`.
    #[error("corrupt or truncated {stream} stream: {source}")]
    Read {
        stream: &'static str,
        source: io::Error,
    },
    #[error("entry '{0}' climbs out of the image root with '..'")]
    EscapesRoot(String),
    #[error("entry '{name}': {reason}")]
    BadHeader { name: String, reason: String },
}

fn after(compression: Compression) -> String {
    match compression {
        Compression::None => String::new(),
        other => format!(" (after {} decompression)", other.name()),
    }
}

/// The stream a read error happened in, as the user knows it.
fn stream_name(compression: Compression) -> &'static str {
    match compression {
        Compression::None => "tar",
        other => other.name(),
    }
}

/// A walked layer and how its blob was compressed.
#[derive(Debug, Clone)]
pub struct WalkedLayer {
    pub changes: LayerChanges,
    pub compression: Compression,
}

/// Sniff the compression of a layer blob, decompress it and walk the tar.
pub fn walk_blob<R: Read>(blob: R) -> Result<WalkedLayer, WalkError> {
    let read_err = |compression: Compression| {
        move |source| WalkError::Read {
            stream: stream_name(compression),
            source,
        }
    };
    let (compression, decoded) = sniff::decompress(blob).map_err(read_err(Compression::None))?;
    let (head, tar_stream) = sniff::peek(decoded, sniff::BLOCK).map_err(read_err(compression))?;
    if !sniff::is_tar(&head) {
        return Err(WalkError::NotTar(compression));
    }
    let changes = walk_tar(tar_stream).map_err(|e| match e {
        WalkError::Read { source, .. } => read_err(compression)(source),
        other => other,
    })?;
    Ok(WalkedLayer {
        changes,
        compression,
    })
}

/// Walk an uncompressed layer tar.
pub fn walk_tar<R: Read>(tar_stream: R) -> Result<LayerChanges, WalkError> {
    let io_err = |source| WalkError::Read {
        stream: "tar",
        source,
    };
    let mut archive = Archive::new(TarStream::new(tar_stream));
    let mut changes = LayerChanges::default();
    let mut buf = vec![0u8; 64 * 1024];
    // With a (forward-only) seek, tar-rs skips padding by seeking instead of
    // zeroing a 32 KiB buffer for every entry.
    for entry in archive.entries_with_seek().map_err(io_err)? {
        let mut entry = entry.map_err(io_err)?;
        changes.tar_entries += 1;
        let raw_name = entry.path_bytes().into_owned();
        let kind = match classify(entry.header().entry_type(), &raw_name) {
            Some(kind) => kind,
            None => continue,
        };
        let canonical = match path::canonicalize(&raw_name) {
            Ok(Some(p)) => p,
            Ok(None) => continue, // the root directory itself
            Err(PathError::EscapesRoot) => {
                return Err(WalkError::EscapesRoot(path::escape(&raw_name).into_owned()));
            }
        };
        let (parent, name) = path::split_last(&canonical);
        if name == OPAQUE_MARKER {
            changes.records.push(Record {
                path: parent.into(),
                op: Op::Opaque,
            });
            continue;
        }
        if name.starts_with(AUFS_META_PREFIX) {
            continue;
        }
        if name.starts_with(WHITEOUT_PREFIX) && name.len() > WHITEOUT_PREFIX.len() {
            let victim = path::join(parent, &name[WHITEOUT_PREFIX.len()..]);
            changes.records.push(Record {
                path: victim.into(),
                op: Op::Whiteout,
            });
            continue;
        }
        let meta = read_meta(&mut entry, kind, &raw_name, &mut buf)?;
        changes.size += meta.size;
        changes.records.push(Record {
            path: canonical.into(),
            op: Op::Add(meta),
        });
    }
    let mut rest = archive.into_inner();
    if rest.hit_eof {
        return Err(io_err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the tar stream ends without its end-of-archive marker",
        )));
    }
    // Read what follows the end marker (padding, the compressed stream's
    // trailer) so that the decoder checks its CRC and a cut stream is seen.
    io::copy(&mut rest, &mut io::sink()).map_err(io_err)?;
    Ok(changes)
}

/// A tar stream as tar-rs sees it. It notes whether the stream ran dry while
/// the tar reader was asking for more (a tar that ends without its zero
/// blocks has been cut short), and "seeks" forward by reading and dropping
/// bytes through one reused buffer.
pub(crate) struct TarStream<R> {
    inner: R,
    /// The stream ended while more was asked for.
    pub(crate) hit_eof: bool,
    discard: Vec<u8>,
    /// Bytes consumed so far: tar-rs takes its position from `seek`.
    position: u64,
}

impl<R> TarStream<R> {
    pub(crate) fn new(inner: R) -> Self {
        TarStream {
            inner,
            hit_eof: false,
            discard: Vec::new(),
            position: 0,
        }
    }
}

impl<R: Read> Seek for TarStream<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let SeekFrom::Current(mut amount) = pos else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a layer stream only skips forward",
            ));
        };
        if amount < 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a layer stream only skips forward",
            ));
        }
        if self.discard.is_empty() {
            self.discard = vec![0; 32 * 1024];
        }
        while amount > 0 {
            let want = (amount as usize).min(self.discard.len());
            let n = self.inner.read(&mut self.discard[..want])?;
            if n == 0 {
                self.hit_eof = true;
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "unexpected end of the tar stream",
                ));
            }
            amount -= n as i64;
            self.position += n as u64;
        }
        Ok(self.position)
    }
}

impl<R: Read> Read for TarStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.hit_eof = true;
        }
        self.position += n as u64;
        Ok(n)
    }
}

/// The kind of a tar entry; `None` for headers that describe no path.
fn classify(entry_type: EntryType, raw_name: &[u8]) -> Option<EntryKind> {
    Some(match entry_type {
        EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
            // Old tars mark directories only by a trailing slash.
            if raw_name.ends_with(b"/") {
                EntryKind::Dir
            } else {
                EntryKind::File
            }
        }
        EntryType::Directory => EntryKind::Dir,
        EntryType::Symlink => EntryKind::Symlink,
        EntryType::Link => EntryKind::Hardlink,
        EntryType::Char => EntryKind::CharDevice,
        EntryType::Block => EntryKind::BlockDevice,
        EntryType::Fifo => EntryKind::Fifo,
        _ => return None,
    })
}

fn read_meta<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    kind: EntryKind,
    raw_name: &[u8],
    buf: &mut [u8],
) -> Result<Meta, WalkError> {
    let bad = |what: &str, e: io::Error| WalkError::BadHeader {
        name: path::escape(raw_name).into_owned(),
        reason: format!("bad {what} field: {e}"),
    };
    let header = entry.header();
    let mode = header.mode().map_err(|e| bad("mode", e))?;
    let uid = header.uid().map_err(|e| bad("uid", e))?;
    let gid = header.gid().map_err(|e| bad("gid", e))?;
    let mtime = header.mtime().map_err(|e| bad("mtime", e))?;
    let link = match kind {
        EntryKind::Symlink => entry.link_name_bytes().map(|l| l.into_owned().into()),
        EntryKind::Hardlink => match entry.link_name_bytes() {
            Some(target) => match path::canonicalize(&target) {
                Ok(Some(p)) => Some(p.into()),
                Ok(None) | Err(_) => {
                    return Err(WalkError::BadHeader {
                        name: path::escape(raw_name).into_owned(),
                        reason: format!(
                            "hardlink target '{}' is outside the image",
                            path::escape(&target)
                        ),
                    });
                }
            },
            None => None,
        },
        _ => None,
    };
    let (size, hash) = if kind == EntryKind::File {
        let size = entry.size();
        let mut hasher = Xxh3::new();
        let mut seen = 0u64;
        loop {
            let n = entry.read(buf).map_err(|source| WalkError::Read {
                stream: "tar",
                source,
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            seen += n as u64;
        }
        if seen != size {
            return Err(WalkError::Read {
                stream: "tar",
                source: io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "'{}' declares {size} bytes but only {seen} follow",
                        path::escape(raw_name)
                    ),
                ),
            });
        }
        (size, hasher.digest())
    } else {
        (0, 0)
    };
    Ok(Meta {
        kind,
        size,
        mode,
        uid,
        gid,
        mtime,
        link,
        hash,
    })
}
