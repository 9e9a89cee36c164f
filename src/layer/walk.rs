//! One layer tar, read once as a stream, into [`LayerChanges`].
//!
//! Only headers are kept; regular files' content is streamed through a hash
//! and dropped. Nothing is written anywhere.

use std::io::{self, Read, Seek, SeekFrom};

use xxhash_rust::xxh3::Xxh3;

use super::digest::{Algorithm, Computed, HashingReader, LayerDigests, Want};
use super::entry::{EntryKind, LayerChanges, Meta, Op, Record};
use super::path::{self, PathError};
use super::secret_content;
use super::sniff::{self, Compression};
use super::tar_reader::{BadNumber, Header, Piece, TarReader, quoted_name, typeflag};

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
    /// The entry as [`entry_name`] names it.
    #[error("entry {0} climbs out of the image root with '..'")]
    EscapesRoot(String),
    /// `name`: the entry as [`entry_name`] names it.
    #[error("entry {name}: {reason}")]
    BadHeader { name: String, reason: String },
    /// The blob needs more memory to decode than peel allows.
    #[error("{0}")]
    Memory(String),
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

/// A walked layer, how its blob was compressed, and the digests computed
/// on the way (none without verification).
#[derive(Debug, Clone)]
pub struct WalkedLayer {
    pub changes: LayerChanges,
    pub compression: Compression,
    pub digests: LayerDigests,
}

/// Sniff the compression of a layer blob, decompress it and walk the tar.
/// Nothing is hashed (see [`walk_blob_with`]).
pub fn walk_blob<R: Read>(blob: R) -> Result<WalkedLayer, WalkError> {
    walk_blob_with(blob, Want::NONE)
}

/// [`walk_blob`], hashing what `want` asks on the way: the blob as it is
/// read, the tar as it is decoded. A plain blob is hashed once when one
/// algorithm serves both.
pub fn walk_blob_with<R: Read>(blob: R, want: Want) -> Result<WalkedLayer, WalkError> {
    let (head, blob) = sniff::peek(blob, 4).map_err(read_error(Compression::None))?;
    let compression = Compression::detect(&head);
    let hashes = Hashes::plan(want, compression);
    let mut stored = HashingReader::new(blob, hashes.blob);
    let (_, decoded) = sniff::decompress(&mut stored).map_err(read_error(Compression::None))?;
    let (changes, diff) = walk_decoded(decoded, hashes.tar, compression)?;
    let stored = stored.finish().map_err(read_error(compression))?;
    Ok(WalkedLayer {
        changes,
        compression,
        digests: hashes.digests(stored, diff),
    })
}

/// How a read error in `compression`'s stream is told.
pub(super) fn read_error(compression: Compression) -> impl Fn(io::Error) -> WalkError {
    move |source: io::Error| {
        if source.kind() == io::ErrorKind::OutOfMemory {
            return WalkError::Memory(source.to_string());
        }
        WalkError::Read {
            stream: stream_name(compression),
            source,
        }
    }
}

/// What is hashed where while a blob is walked.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hashes {
    want: Want,
    /// The blob as stored.
    pub(super) blob: Option<Algorithm>,
    /// The decoded tar.
    pub(super) tar: Option<Algorithm>,
    /// A plain blob's one hash serves as its tar's.
    diff_in_blob: bool,
}

impl Hashes {
    pub(super) fn plan(want: Want, compression: Compression) -> Self {
        let diff_in_blob = want.diff
            && compression == Compression::None
            && matches!(want.blob, None | Some(Algorithm::Sha256));
        let blob = match want.blob {
            None if diff_in_blob => Some(Algorithm::Sha256),
            other => other,
        };
        Hashes {
            want,
            blob,
            tar: (want.diff && !diff_in_blob).then_some(Algorithm::Sha256),
            diff_in_blob,
        }
    }

    /// The digests wanted, from the blob's (and its length) and the tar's.
    pub(super) fn digests(
        self,
        (blob_digest, blob_len): (Option<Computed>, u64),
        diff: Option<Computed>,
    ) -> LayerDigests {
        LayerDigests {
            diff: if self.diff_in_blob {
                blob_digest.clone()
            } else {
                diff
            },
            blob: self
                .want
                .blob
                .and(blob_digest)
                .map(|digest| (digest, blob_len)),
        }
    }
}

/// Hash (with `algorithm`) and walk a decoded tar, to its end.
pub(super) fn walk_decoded<R: Read>(
    decoded: R,
    algorithm: Option<Algorithm>,
    compression: Compression,
) -> Result<(LayerChanges, Option<Computed>), WalkError> {
    let mut decoded = HashingReader::new(decoded, algorithm);
    let (head, tar_stream) =
        sniff::peek(&mut decoded, sniff::BLOCK).map_err(read_error(compression))?;
    if !sniff::is_tar(&head) {
        return Err(WalkError::NotTar(compression));
    }
    let changes = walk_tar(tar_stream).map_err(|e| match e {
        WalkError::Read { source, .. } => read_error(compression)(source),
        other => other,
    })?;
    let (diff, _) = decoded.finish().map_err(read_error(compression))?;
    Ok((changes, diff))
}

/// The longest canonical path peel accepts, in bytes: Linux's `PATH_MAX`.
/// No engine can unpack a longer path (the kernel refuses it with
/// `ENAMETOOLONG`), and the limit bounds a path's depth (2048 components at
/// most) and so the work and memory every walk of the trees spends on one.
pub const MAX_PATH: usize = 4096;

/// Walk an uncompressed layer tar.
pub fn walk_tar<R: Read>(tar_stream: R) -> Result<LayerChanges, WalkError> {
    let io_err = |source| WalkError::Read {
        stream: "tar",
        source,
    };
    let mut reader = TarReader::new(tar_stream);
    let mut changes = LayerChanges::default();
    while let Some(header) = reader.next_header().map_err(io_err)? {
        changes.tar_entries += 1;
        let raw_name = &header.path;
        let Some(kind) = classify(header.typeflag, raw_name) else {
            continue;
        };
        let canonical = match path::canonicalize(raw_name) {
            Ok(Some(p)) => p,
            Ok(None) => continue, // the root directory itself
            Err(PathError::EscapesRoot) => {
                return Err(WalkError::EscapesRoot(entry_name(&reader, raw_name)));
            }
        };
        if canonical.len() > MAX_PATH {
            return Err(WalkError::BadHeader {
                name: entry_name(&reader, raw_name),
                reason: format!(
                    "path of {} bytes is longer than Linux's PATH_MAX ({MAX_PATH}): \
                     no engine can unpack it",
                    canonical.len()
                ),
            });
        }
        let (parent, name) = path::split_last(&canonical);
        let is_marker = name.starts_with(WHITEOUT_PREFIX);
        if is_marker && header.declared_size != 0 {
            changes.warnings.push(format!(
                "whiteout {} carries {} bytes, which no engine unpacks; they are not counted",
                path::display_line(&canonical),
                header.declared_size
            ));
        }
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
        if is_marker && name.len() > WHITEOUT_PREFIX.len() {
            let victim = path::join(parent, &name[WHITEOUT_PREFIX.len()..]);
            changes.records.push(Record {
                path: victim.into(),
                op: Op::Whiteout,
            });
            continue;
        }
        if is_marker {
            changes.warnings.push(format!(
                "{} is a whiteout marker that names nothing; kept as a plain entry \
                 (Docker's unpack fails on it or removes its directory)",
                path::display_line(&canonical)
            ));
        }
        let meta = read_meta(&mut reader, &header, kind)?;
        changes.size += meta.size;
        changes.records.push(Record {
            path: canonical.into(),
            op: Op::Add(meta),
        });
    }
    // Read what follows the end marker (padding, the compressed stream's
    // trailer) so that the decoder checks its CRC and a cut stream is seen.
    reader.drain().map_err(io_err)?;
    // Kept for the whole run: not a quarter more than it needs.
    changes.records.shrink_to_fit();
    Ok(changes)
}

/// An entry as errors name it: escaped, quoted, with its header's offset.
fn entry_name<R: Read>(reader: &TarReader<R>, raw_name: &[u8]) -> String {
    format!(
        "{} (header at byte {})",
        quoted_name(raw_name),
        reader.entry_offset()
    )
}

/// A tar stream that can tell whether it ran dry while the tar reader still
/// asked for more: a tar that ends without its zero blocks was cut short.
pub(crate) trait RanDry {
    fn ran_dry(&self) -> bool;
}

impl<T: RanDry> RanDry for &mut T {
    fn ran_dry(&self) -> bool {
        (**self).ran_dry()
    }
}

impl<R> RanDry for TarStream<R> {
    fn ran_dry(&self) -> bool {
        self.stream.ran_dry()
    }
}

/// A reader that counts the bytes it gave and notes whether it ran dry while
/// more was asked for: what [`TarStream`] and an archive's deferred file
/// stream share (each skips forward its own way).
pub(crate) struct Counted<R> {
    pub(crate) inner: R,
    /// Bytes consumed so far: tar-rs takes its position from `seek`.
    pub(crate) position: u64,
    /// The stream ended while more was asked for.
    pub(crate) hit_eof: bool,
}

impl<R> Counted<R> {
    pub(crate) fn new(inner: R) -> Self {
        Counted {
            inner,
            position: 0,
            hit_eof: false,
        }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.hit_eof = true;
        }
        self.position += n as u64;
        Ok(n)
    }
}

impl<R> RanDry for Counted<R> {
    fn ran_dry(&self) -> bool {
        self.hit_eof
    }
}

/// A tar stream as tar-rs sees it. It notes whether the stream ran dry while
/// the tar reader was asking for more (a tar that ends without its zero
/// blocks has been cut short), and "seeks" forward by reading and dropping
/// bytes through one reused buffer.
pub(crate) struct TarStream<R> {
    stream: Counted<R>,
    discard: Vec<u8>,
}

impl<R> TarStream<R> {
    pub(crate) fn new(inner: R) -> Self {
        TarStream {
            stream: Counted::new(inner),
            discard: Vec::new(),
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
        let stream = &mut self.stream;
        while amount > 0 {
            let want = (amount as usize).min(self.discard.len());
            let n = stream.inner.read(&mut self.discard[..want])?;
            if n == 0 {
                stream.hit_eof = true;
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "unexpected end of the tar stream",
                ));
            }
            amount -= n as i64;
            stream.position += n as u64;
        }
        Ok(stream.position)
    }
}

impl<R: Read> Read for TarStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }
}

/// The kind of a tar entry; `None` for headers that describe no path.
pub(crate) fn classify(flag: u8, raw_name: &[u8]) -> Option<EntryKind> {
    Some(match flag {
        typeflag::REGULAR | typeflag::REGULAR_OLD | typeflag::CONTIGUOUS | typeflag::GNU_SPARSE => {
            // Old tars mark directories only by a trailing slash.
            if raw_name.ends_with(b"/") {
                EntryKind::Dir
            } else {
                EntryKind::File
            }
        }
        typeflag::DIRECTORY => EntryKind::Dir,
        typeflag::SYMLINK => EntryKind::Symlink,
        typeflag::HARDLINK => EntryKind::Hardlink,
        typeflag::CHAR => EntryKind::CharDevice,
        typeflag::BLOCK => EntryKind::BlockDevice,
        typeflag::FIFO => EntryKind::Fifo,
        _ => return None,
    })
}

fn read_meta<R: Read>(
    reader: &mut TarReader<R>,
    header: &Header,
    kind: EntryKind,
) -> Result<Meta, WalkError> {
    let raw_name = &header.path[..];
    let bad = |reader: &TarReader<R>, reason: String| WalkError::BadHeader {
        name: entry_name(reader, raw_name),
        reason,
    };
    let field = |what: &str, value: &Result<u64, BadNumber>| match value {
        Ok(v) => Ok(*v),
        Err(e) => Err(bad(reader, format!("bad {what} field: {e}"))),
    };
    let mode = header
        .mode
        .as_ref()
        .map_err(|e| bad(reader, format!("bad mode field: {e}")))?;
    let uid = field("uid", &header.uid)?;
    let gid = field("gid", &header.gid)?;
    let mtime = field("mtime", &header.mtime)?;
    let link = match (kind, &header.link) {
        (EntryKind::Symlink, Some(target)) => Some(target.clone().into_boxed_slice()),
        (EntryKind::Hardlink, Some(target)) => match path::canonicalize(target) {
            Ok(Some(p)) => Some(p.into()),
            Ok(None) | Err(_) => {
                return Err(bad(
                    reader,
                    format!(
                        "hardlink target '{}' is outside the image",
                        path::escape_line(target)
                    ),
                ));
            }
        },
        _ => None,
    };
    let (size, hash, secret) = if kind == EntryKind::File {
        let size = header.size;
        let mut hasher = Xxh3::new();
        // A small file's first bytes are kept aside to look for secrets.
        let name = path::split_last(raw_name).1;
        let mut head = [0u8; secret_content::HEAD];
        let wanted = if size <= secret_content::MAX_FILE {
            secret_content::head_len(name)
        } else {
            0
        };
        let mut head_len = 0;
        let seen = reader
            .content(&mut |piece| match piece {
                Piece::Data(chunk) => {
                    hasher.update(chunk);
                    if head_len < wanted {
                        let n = (wanted - head_len).min(chunk.len());
                        head[head_len..head_len + n].copy_from_slice(&chunk[..n]);
                        head_len += n;
                    }
                }
                // A hole is hashed as its length, not as its zeros: the work
                // is bounded by what the tar stores, whatever the real size.
                Piece::Hole(len) => {
                    hasher.update(&[0xff]);
                    hasher.update(&len.to_le_bytes());
                    if head_len < wanted {
                        // `head` is zeros already.
                        head_len +=
                            (wanted - head_len).min(usize::try_from(len).unwrap_or(usize::MAX));
                    }
                }
            })
            .map_err(|source| WalkError::Read {
                stream: "tar",
                source,
            })?;
        if seen != size {
            return Err(WalkError::Read {
                stream: "tar",
                source: io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "entry {}: declares {size} bytes but only {seen} follow",
                        entry_name(reader, raw_name)
                    ),
                ),
            });
        }
        let secret = if wanted > 0 {
            secret_content::sniff(name, &head[..head_len])
        } else {
            None
        };
        (size, hasher.digest(), secret)
    } else {
        (0, 0, None)
    };
    Ok(Meta {
        kind,
        size,
        mode: *mode,
        uid,
        gid,
        mtime,
        link,
        hash,
        secret,
    })
}
