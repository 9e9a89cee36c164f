//! A tar of an image (any `docker save` layout, kaniko, skopeo, an
//! `oci-archive`), possibly gzip- or zstd-compressed as a whole, read once as
//! a stream: small JSON members are kept, layer members are walked in place
//! as they pass, and the manifest (which may come last) is resolved at the end.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use tar::{Archive, EntryType};

use super::oci::{self, MAX_JSON_BYTES, Selection};
use super::sniff::{self, Compression};
use super::{
    BlobLocation, Described, Image, LayerBlob, assemble, assemble_resolved, docker_archive,
    parallel, parse_config,
};
use crate::error::{Error, Result};
use crate::layer::LayerChanges;
use crate::layer::digest::{LayerDigests, Want};
use crate::layer::path;
use crate::layer::walk::{Counted, RanDry, TarStream, WalkError, WalkedLayer, walk_blob_with};
use crate::progress::{CountingReader, Progress};

/// How deep a chain of symlinked members may go.
const MAX_ALIAS_HOPS: usize = 16;

/// A member walked as a layer.
struct WalkedMember {
    changes: Arc<LayerChanges>,
    compression: Compression,
    size: u64,
    location: BlobLocation,
    digests: LayerDigests,
}

/// A walked member, or why it could not be walked as a layer (an error only
/// if a manifest names the member).
type Walked = std::result::Result<WalkedMember, WalkError>;

/// The walk of the member `size` bytes long at `location`.
fn walked_member(
    walk: std::result::Result<WalkedLayer, WalkError>,
    size: u64,
    location: BlobLocation,
) -> Walked {
    walk.map(|w| WalkedMember {
        changes: Arc::new(w.changes),
        compression: w.compression,
        size,
        location,
        digests: w.digests,
    })
}

/// How much of the JSON members of a streamed archive (compressed, or from
/// standard input) peel keeps, all together: which of them the manifest
/// names is known only at the end. An archive file is not read for them:
/// they are located, and read only when named.
pub const MAX_KEPT_JSON_BYTES: u64 = 128 << 20;

/// A JSON member.
enum Doc {
    /// Its bytes (a streamed archive).
    Kept(Vec<u8>),
    /// Where its bytes are in the archive file.
    At { offset: u64, size: u64 },
    /// Larger than any document peel reads: an error if it is named.
    TooLarge(u64),
}

/// Which document leads to the image when an archive holds both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prefer {
    /// `manifest.json`, as `docker load` reads it (a plain path,
    /// `docker-archive:`).
    #[default]
    Manifest,
    /// `index.json`, as skopeo reads an `oci-archive:`.
    Index,
}

/// Where an archive stream comes from, when that changes what the image is:
/// an engine's export is named by its engine, and its layers are read again
/// by exporting the same image once more.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin<'a> {
    /// The format the image is read as, instead of the archive's layout
    /// (`docker-archive`, `oci-archive`).
    pub format: Option<&'static str>,
    /// The id of the engine image the stream is the export of.
    pub export_of: Option<&'a str>,
}

impl Origin<'_> {
    fn format(&self, layout: &'static str) -> &'static str {
        self.format.unwrap_or(layout)
    }

    /// Where the layer read as `name` is, seen from here: a streamed
    /// layer of an export is in the next export of the same image.
    fn locate(&self, blob: LayerBlob) -> LayerBlob {
        match (&blob.location, self.export_of) {
            (BlobLocation::Stream, Some(id)) => LayerBlob {
                location: BlobLocation::EngineLayer {
                    image: id.to_string(),
                    member: blob.name.clone(),
                },
                ..blob
            },
            _ => blob,
        }
    }
}

#[derive(Default)]
struct Members<'f> {
    /// The archive file, when JSON members are located rather than kept.
    file: Option<&'f File>,
    json: HashMap<String, Doc>,
    /// Bytes of `Doc::Kept` members, all together.
    kept: u64,
    layers: HashMap<String, Walked>,
    aliases: HashMap<String, String>,
    /// Members of a docker save from before Docker 1.10: `repositories`
    /// and `<id>/json`.
    repositories: bool,
    v1_json: bool,
}

impl Members<'_> {
    fn resolve<'a>(&'a self, name: &'a str) -> &'a str {
        let mut cur = name;
        for _ in 0..MAX_ALIAS_HOPS {
            match self.aliases.get(cur) {
                Some(next) => cur = next,
                None => break,
            }
        }
        cur
    }

    fn json(&self, name: &str, what: &str, role: &str) -> Result<Cow<'_, [u8]>> {
        let resolved = self.resolve(name);
        match self.json.get(resolved) {
            Some(Doc::Kept(bytes)) => Ok(Cow::Borrowed(bytes)),
            Some(Doc::At { offset, size }) => {
                let file = self.file.expect("located members come with their file");
                let mut bytes = vec![0u8; *size as usize];
                file.read_exact_at(&mut bytes, *offset)
                    .map_err(|e| Error::io(format!("{what}: {name}"), e))?;
                Ok(Cow::Owned(bytes))
            }
            Some(Doc::TooLarge(size)) => Err(Error::invalid(
                format!("{what}: {name}"),
                format!(
                    "the {role} is a JSON member of {size} bytes, larger than peel reads ({MAX_JSON_BYTES})"
                ),
            )),
            None if self.layers.contains_key(resolved) => Err(Error::invalid(
                format!("{what}: {name}"),
                format!("the {role} is not a JSON document"),
            )),
            None => Err(Error::missing(
                what,
                format!("the {role} {name} is not in the archive"),
            )),
        }
    }

    /// The JSON blob `descriptor` names, under `blobs/`.
    fn blob(&self, descriptor: &oci_spec::image::Descriptor, what: &str) -> Result<Vec<u8>> {
        self.json(&oci::blob_path(descriptor), what, "blob")
            .map(Cow::into_owned)
    }

    fn has_json(&self, name: &str) -> bool {
        self.json.contains_key(name)
    }

    fn layer(&self, name: &str, what: &str) -> Result<LayerBlob> {
        let resolved = self.resolve(name);
        match self.layers.get(resolved) {
            Some(Ok(member)) => Ok(LayerBlob {
                name: name.to_string(),
                changes: member.changes.clone(),
                compression: member.compression,
                blob_size: member.size,
                location: member.location.clone(),
                digests: member.digests.clone(),
                expected: None,
            }),
            Some(Err(reason)) => Err(Error::invalid(format!("{what}: layer {name}"), reason)),
            None if self.json.contains_key(resolved) => Err(Error::invalid(
                format!("{what}: layer {name}"),
                "not a tar stream (it is a JSON document)",
            )),
            None => Err(Error::missing(
                what,
                format!("layer {name} is not in the archive"),
            )),
        }
    }
}

/// What an archive member is, by its structure first (a tar header, a
/// compressed stream), then by its name or its first character.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Layer,
    Json,
    /// `oci-layout`, `repositories`, `<id>/json`: never named by a manifest.
    Unused,
}

fn kind_of(name: &str, head: &[u8]) -> Kind {
    if Compression::detect(head) != Compression::None || sniff::is_tar(head) {
        return Kind::Layer;
    }
    if is_v1_json(name) || matches!(name, "repositories" | "oci-layout") {
        return Kind::Unused;
    }
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    if name.ends_with(".json") || matches!(first, Some(b'{' | b'[')) {
        Kind::Json
    } else {
        Kind::Layer
    }
}

/// `<id>/json`, the per-layer JSON of a docker save before Docker 1.10.
fn is_v1_json(name: &str) -> bool {
    name.split_once('/')
        .is_some_and(|(id, rest)| rest == "json" && !id.is_empty())
}

/// Read an image archive from a stream. `what` names the stream in errors.
pub fn read<R: Read>(
    input: R,
    what: &str,
    reference: &str,
    selection: &Selection,
    progress: &Arc<Progress>,
) -> Result<Image> {
    read_as(input, what, reference, selection, progress, How::default())
}

/// How a stream is read: the document it goes through when it holds both,
/// the file it decompresses (when it is one, its layers can be read again;
/// `None`: a stream, read once) and where it comes from.
#[derive(Debug, Clone, Copy, Default)]
pub struct How<'a> {
    pub prefer: Prefer,
    pub archive: Option<&'a Path>,
    pub origin: Origin<'a>,
}

/// [`read`], as `how` says.
pub fn read_as<R: Read>(
    input: R,
    what: &str,
    reference: &str,
    selection: &Selection,
    progress: &Arc<Progress>,
    how: How<'_>,
) -> Result<Image> {
    let io = |e| Error::io(what, e);
    let input = CountingReader::new(input, progress.clone());
    let (compression, decoded) = sniff::decompress(input).map_err(io)?;
    let (head, stream) = sniff::peek(decoded, sniff::BLOCK)
        .map_err(|e| Error::invalid(what, format!("corrupt {} stream: {e}", compression.name())))?;
    check_head(&head, compression, what)?;
    let mut stream = TarStream::new(stream);
    let no_verify = selection.no_verify;
    let members = scan(
        &mut stream,
        what,
        (how.archive, compression),
        progress,
        no_verify,
        None,
    )?;
    sniff::finish_outer(stream, compression).map_err(|e| {
        if progress.is_cancelled() {
            return Error::Cancelled;
        }
        let name = compression.name();
        Error::invalid(
            what,
            format!("corrupt {name} stream after the tar's end: {e}"),
        )
    })?;
    resolve(
        &members,
        what,
        reference,
        selection,
        (how.prefer, how.origin),
    )
}

/// Read an image archive from a file, going through `prefer` when it holds
/// both documents. A plain tar's layers are found by their headers alone
/// (seeking over their bytes), then walked in parallel by positional reads;
/// a compressed archive can only be streamed. `path` is where `file` was
/// opened, for reading its layers again.
pub fn read_file_as(
    file: File,
    path: &Path,
    what: &str,
    reference: &str,
    selection: &Selection,
    progress: &Arc<Progress>,
    prefer: Prefer,
) -> Result<Image> {
    let io = |e| Error::io(what, e);
    let len = file.metadata().map_err(io)?.len();
    let mut head = vec![0u8; sniff::BLOCK];
    let got = read_at_most(&file, &mut head, 0).map_err(io)?;
    head.truncate(got);
    if Compression::detect(&head) != Compression::None || !sniff::is_tar(&head) {
        let how = How {
            prefer,
            archive: Some(path),
            origin: Origin::default(),
        };
        let file = BufReader::with_capacity(1 << 20, file);
        return read_as(file, what, reference, selection, progress, how);
    }
    let stream = FileStream::new(&file, len);
    let mut deferred = Vec::new();
    let mut members = scan(
        stream,
        what,
        (Some(path), Compression::None),
        progress,
        selection.no_verify,
        Some(&mut deferred),
    )?;
    members.file = Some(&file);
    let walked = parallel::map(&deferred, |member| {
        // No buffer in between: the tar reader and the decoders keep their
        // own, and one more would copy every byte once more.
        let span = CountingReader::new(
            Span::new(&file, member.offset, member.size),
            progress.clone(),
        );
        let want = Want::unless(selection.no_verify, || Want::member(&member.name));
        let walked = walk_blob_with(span, want);
        // Only layers count (not `VERSION` or another member that is no tar).
        if walked.is_ok() {
            progress.layer_done();
        }
        walked
    });
    if progress.is_cancelled() {
        return Err(Error::Cancelled);
    }
    for (member, walk) in deferred.into_iter().zip(walked) {
        let location =
            BlobLocation::member(Some(path), Compression::None, member.offset, member.size);
        members
            .layers
            .insert(member.name, walked_member(walk, member.size, location));
    }
    let origin = Origin::default();
    resolve(&members, what, reference, selection, (prefer, origin))
}

/// Refuse what is not a tar archive (after its outer decompression).
fn check_head(head: &[u8], compression: Compression, what: &str) -> Result<()> {
    if head.is_empty() {
        return Err(Error::invalid(what, "empty file"));
    }
    if !sniff::is_tar(head) {
        let shape = match compression {
            Compression::None => "not a tar archive (nor gzip or zstd)".to_string(),
            other => format!("a {} stream that does not hold a tar archive", other.name()),
        };
        return Err(Error::invalid(what, shape));
    }
    Ok(())
}

/// Find the image in the members: `manifest.json` (docker save) or
/// `index.json` (oci-archive); `prefer` decides when both are there.
fn resolve(
    members: &Members,
    what: &str,
    reference: &str,
    selection: &Selection,
    (prefer, origin): (Prefer, Origin<'_>),
) -> Result<Image> {
    let (manifest, index) = (
        members.has_json("manifest.json"),
        members.has_json("index.json"),
    );
    let wanted = Wanted {
        what,
        reference,
        selection,
        origin,
    };
    if manifest && !(index && prefer == Prefer::Index) {
        return resolve_manifest(members, wanted);
    }
    if index {
        return resolve_index(members, wanted);
    }
    if members.repositories && members.v1_json {
        return Err(Error::invalid(
            what,
            "a docker save archive from before Docker 1.10 (repositories and <id>/json, no manifest.json): \
             this old format is not supported; docker load it and docker save it again",
        ));
    }
    Err(Error::invalid(
        what,
        "not an image archive: it has neither manifest.json nor index.json",
    ))
}

/// What the image is resolved for: the archive's name, the reference,
/// the selection asked for and where the stream comes from.
#[derive(Clone, Copy)]
struct Wanted<'a> {
    what: &'a str,
    reference: &'a str,
    selection: &'a Selection,
    origin: Origin<'a>,
}

/// Through `manifest.json`, as `docker load` reads it.
fn resolve_manifest(members: &Members, wanted: Wanted<'_>) -> Result<Image> {
    let what = wanted.what;
    let manifest = members.json("manifest.json", what, "manifest")?;
    let (item, warnings) =
        docker_archive::select(&manifest, what, wanted.selection.tag.as_deref())?;
    let config = members.json(&item.config, what, "config")?;
    let blobs = item
        .layers
        .iter()
        .map(|name| members.layer(name, what).map(|b| wanted.origin.locate(b)))
        .collect::<Result<Vec<_>>>()?;
    let config = parse_config(&format!("{what}: {}", item.config), &config)?;
    // The config's labels may declare the base; a Docker 25+ archive
    // keeps manifests among its blobs, where the base may be too.
    let labels = config.config.as_ref().and_then(|c| c.labels.as_ref());
    let mut fetch = |d: &oci_spec::image::Descriptor| members.blob(d, what);
    let declared_base = oci::declared_base(&Default::default(), labels, &mut fetch);
    let described = Described {
        tags: item.repo_tags.unwrap_or_default(),
        platform: None,
        declared_base,
        warnings,
    };
    let format = wanted.origin.format("docker-archive");
    let image = assemble(wanted.reference, format, config, blobs, described)?;
    // A docker-save archive holds one platform: it must be the one asked for.
    if let (Some(want), Some(os), Some(arch)) = (
        &wanted.selection.platform,
        image.config.os.as_deref(),
        image.config.architecture.as_deref(),
    ) && !want.matches(os, arch, image.config.variant.as_deref())
    {
        return Err(Error::missing(
            what,
            format!(
                "no image for platform {want} (the archive holds {})",
                image.platform.as_deref().unwrap_or(arch)
            ),
        ));
    }
    Ok(image)
}

/// Through `index.json`, as skopeo reads an oci-archive.
fn resolve_index(members: &Members, wanted: Wanted<'_>) -> Result<Image> {
    let what = wanted.what;
    let index = members.json("index.json", what, "index")?;
    let mut fetch = |d: &oci_spec::image::Descriptor| members.blob(d, what);
    let resolved = oci::resolve(&index, what, wanted.selection, &mut fetch)?;
    let blobs = resolved
        .layers
        .iter()
        .map(|d| {
            members
                .layer(&oci::blob_path(d), what)
                .map(|b| wanted.origin.locate(b.described_by(d)))
                .map_err(|e| oci::name_artifact_layer(e, d))
        })
        .collect::<Result<Vec<_>>>()?;
    let format = wanted.origin.format("oci-archive");
    assemble_resolved(wanted.reference, format, what, resolved, blobs)
}

/// A layer member left for later: where its bytes are in the file.
struct Deferred {
    name: String,
    offset: u64,
    size: u64,
}

/// One pass over the members. Layers are walked as they pass, or, given
/// `deferred`, only located there (the stream then seeks over them).
/// `(file, compression)`: the file the stream is read from, if any, and
/// how it is compressed as a whole (where the walked members are).
fn scan<S: Read + Seek + RanDry>(
    stream: S,
    what: &str,
    (file, compression): (Option<&Path>, Compression),
    progress: &Progress,
    no_verify: bool,
    mut deferred: Option<&mut Vec<Deferred>>,
) -> Result<Members<'static>> {
    let corrupt = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::Interrupted && progress.is_cancelled() {
            return Error::Cancelled;
        }
        let kind = match compression {
            Compression::None => "tar".to_string(),
            other => format!("{} or tar", other.name()),
        };
        Error::invalid(what, format!("corrupt or truncated {kind} stream: {e}"))
    };
    let mut archive = Archive::new(stream);
    let mut members = Members::default();
    for entry in archive.entries_with_seek().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let raw = entry.path_bytes().into_owned();
        let Ok(Some(name)) = path::canonicalize(&raw) else {
            continue;
        };
        let name = path::escape(&name).into_owned();
        match entry.header().entry_type() {
            EntryType::Symlink | EntryType::Link => {
                let Some(target) = entry.link_name_bytes() else {
                    continue;
                };
                let target = path::escape(&target).into_owned();
                let base = if entry.header().entry_type() == EntryType::Symlink {
                    path::escape(path::split_last(name.as_bytes()).0).into_owned()
                } else {
                    String::new()
                };
                let joined = path::join(base.as_bytes(), target.as_bytes());
                if let Ok(Some(resolved)) = path::canonicalize(&joined) {
                    members
                        .aliases
                        .insert(name, path::escape(&resolved).into_owned());
                }
            }
            EntryType::Regular | EntryType::Continuous => {
                let size = entry.size();
                let offset = entry.raw_file_position();
                let (head, mut rest) = sniff::peek(&mut entry, sniff::BLOCK).map_err(corrupt)?;
                let kind = kind_of(&name, &head);
                if kind == Kind::Unused {
                    members.repositories |= name == "repositories";
                    members.v1_json |= is_v1_json(&name);
                } else if kind == Kind::Json {
                    let doc = if size > MAX_JSON_BYTES {
                        if matches!(name.as_str(), "manifest.json" | "index.json") {
                            // Always read: refused now, by name.
                            return Err(Error::invalid(
                                format!("{what}: {name}"),
                                format!(
                                    "JSON member of {size} bytes is larger than peel reads ({MAX_JSON_BYTES})"
                                ),
                            ));
                        }
                        Doc::TooLarge(size)
                    } else if deferred.is_some() {
                        Doc::At { offset, size }
                    } else {
                        keep(&mut rest, &name, size, &mut members.kept, what).map_err(
                            |e| match e {
                                Kept::Budget(e) => e,
                                Kept::Read(e) => corrupt(e),
                            },
                        )?
                    };
                    members.json.insert(name, doc);
                } else if let Some(deferred) = deferred.as_deref_mut() {
                    deferred.push(Deferred { name, offset, size });
                } else {
                    let want = Want::unless(no_verify, || Want::member(&name));
                    let location = BlobLocation::member(file, compression, offset, size);
                    let walk = walk_blob_with(rest, want);
                    if walk.is_ok() {
                        progress.layer_done();
                    }
                    let walk = walked_member(walk, size, location);
                    members.layers.insert(name, walk);
                }
            }
            _ => {}
        }
    }
    if archive.into_inner().ran_dry() {
        return Err(Error::invalid(
            what,
            "truncated: the archive ends without its end-of-archive marker",
        ));
    }
    Ok(members)
}

enum Kept {
    Budget(Error),
    Read(io::Error),
}

/// Read a JSON member of a streamed archive into memory, within what all
/// of them may take together.
fn keep(
    rest: &mut impl Read,
    name: &str,
    size: u64,
    kept: &mut u64,
    what: &str,
) -> std::result::Result<Doc, Kept> {
    if kept.saturating_add(size) > MAX_KEPT_JSON_BYTES {
        return Err(Kept::Budget(Error::invalid(
            format!("{what}: {name}"),
            format!(
                "this JSON member ({size} bytes) takes the JSON members of a streamed archive \
                 past the {} MiB peel keeps of them; read the archive from a plain tar file instead",
                MAX_KEPT_JSON_BYTES >> 20
            ),
        )));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    rest.take(size)
        .read_to_end(&mut bytes)
        .map_err(Kept::Read)?;
    *kept += bytes.len() as u64;
    Ok(Doc::Kept(bytes))
}

/// An archive file as tar-rs sees it when layers are deferred: reads go
/// through a small buffer (only headers and JSON members are read), skips
/// are real seeks, and a skip or read past the end is noted, as
/// [`TarStream`] notes it for a stream.
struct FileStream<'f> {
    stream: Counted<BufReader<&'f File>>,
    len: u64,
}

impl<'f> FileStream<'f> {
    fn new(file: &'f File, len: u64) -> Self {
        FileStream {
            stream: Counted::new(BufReader::with_capacity(64 * 1024, file)),
            len,
        }
    }
}

impl Read for FileStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }
}

impl Seek for FileStream<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let SeekFrom::Current(amount) = pos else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "an archive is only skipped forward",
            ));
        };
        let stream = &mut self.stream;
        let target = stream.position.checked_add_signed(amount);
        match target {
            Some(target) if target >= stream.position && target <= self.len => {
                stream.inner.seek_relative(amount)?;
                stream.position = target;
                Ok(target)
            }
            Some(target) if target > self.len => {
                stream.hit_eof = true;
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "unexpected end of the tar stream",
                ))
            }
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "an archive is only skipped forward",
            )),
        }
    }
}

impl RanDry for FileStream<'_> {
    fn ran_dry(&self) -> bool {
        self.stream.ran_dry()
    }
}

/// A member's bytes, read from the file by position: several threads read
/// their own members of one file at once.
struct Span<'f> {
    file: &'f File,
    position: u64,
    end: u64,
}

impl<'f> Span<'f> {
    fn new(file: &'f File, offset: u64, size: u64) -> Self {
        Span {
            file,
            position: offset,
            end: offset.saturating_add(size),
        }
    }
}

impl Read for Span<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.position);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.position)?;
        self.position += n as u64;
        Ok(n)
    }
}

/// Fill `buf` from `offset`, stopping early only at the end of the file.
fn read_at_most(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
