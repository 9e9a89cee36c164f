//! Reading a file's bytes back from a layer, on demand: the analysis keeps no
//! content, so the file viewer and the extractor re-read the layer blob from
//! where its reader found it (the layer's [`BlobLocation`]).
//! Nothing here follows a symlink inside the image or writes outside the
//! destination it is given.

use std::collections::{HashMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use crate::image::{BlobLocation, Layer, sniff};
use crate::layer::tar_reader::{self, Header, Piece, TarReader};
use crate::layer::{EntryKind, LayerIdx, path, walk};
use crate::source::Reference;
use crate::tree::{NodeId, State, Tree};
pub use engine::EngineLayers;
pub use error::ContentError;
use final_image::final_file;

mod engine;
mod error;
mod fetch;
mod final_image;
pub mod session;

pub use fetch::{CANCELLED, FetchProgress, cancel as cancel_fetch, progress as fetch_progress};

/// Whether the layers can be read again at all; where each one's bytes are
/// is on the layer ([`BlobLocation`], recorded by the reader that walked it).
#[derive(Debug, Clone)]
pub enum Origin {
    /// A file or a directory, still there to be read again.
    Kept,
    /// Cannot be read twice: why.
    Unavailable(String),
    /// Standard input: readable again where `--keep-layers` kept it (in
    /// the folder this removes when the last clone is dropped).
    Stdin(Arc<session::SessionDir>),
    /// An engine's image: its layers are exported again when asked for, and
    /// kept for the session.
    Engine(Arc<EngineLayers>),
}

/// Why an image read from standard input has no viewer.
pub const STDIN_NOT_KEPT: &str = "the image was read from standard input and its layers were not \
     kept (not asked to, or the stream was larger than PEEL_KEEP_LAYERS_BYTES); start peel with \
     --keep-layers, or save the image to a file, to view or extract content";

impl Origin {
    pub fn of(reference: &Reference) -> Origin {
        match reference {
            Reference::Archive { .. } | Reference::OciDir { .. } => Origin::Kept,
            // Fetched again from the registry (BlobLocation::Remote).
            Reference::Registry { .. } => Origin::Kept,
            Reference::Stdin { .. } => Origin::Stdin(Arc::new(session::SessionDir::stdin())),
            Reference::Engine { engine, .. } => {
                Origin::Engine(Arc::new(EngineLayers::new(*engine)))
            }
        }
    }
}

/// Run `f` on the uncompressed tar stream of layer `idx`: the bytes the
/// walker read.
fn with_layer<T>(
    origin: &Origin,
    layers: &[Layer],
    idx: LayerIdx,
    f: impl FnOnce(&mut dyn Read) -> Result<T, ContentError>,
) -> Result<T, ContentError> {
    let location = location_of(layers, idx)?;
    let stored = match (location, origin) {
        (BlobLocation::EngineLayer { image, member }, Origin::Engine(engine)) => {
            let also: Vec<&str> = layers.iter().map(|l| l.blob.as_str()).collect();
            engine.open(image, member, &also)?
        }
        (_, Origin::Unavailable(why)) => return Err(why.as_str().into()),
        (_, Origin::Stdin(_)) if location.file().is_none() => return Err(STDIN_NOT_KEPT.into()),
        _ => location.open().ok_or_else(|| {
            "the image was read from a stream, which cannot be read again; \
             save it to a file to view or extract content"
                .to_string()
        })??,
    };
    let (_, mut decoded) = sniff::decompress(stored).map_err(|e| match location.file() {
        Some(file) => format!("{}: {e}", file.display()),
        None => e.to_string(),
    })?;
    f(&mut decoded)
}

/// Where layer `idx`'s bytes are.
fn location_of(layers: &[Layer], idx: LayerIdx) -> Result<&BlobLocation, ContentError> {
    layers
        .get(idx.index())
        .map(|layer| &layer.location)
        .ok_or_else(|| format!("layer {idx} is unknown").into())
}

/// A window of a file's bytes (the whole file when it is small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub bytes: Vec<u8>,
    /// Where `bytes` start in the file.
    pub offset: u64,
    /// The file's full size.
    pub total: u64,
}

/// The content of the regular-file entry `path` (canonical) in one layer's
/// tar stream: at most `limit` bytes from `offset`. The last entry of that
/// name wins. The layer is read by the walker's reader
/// ([`crate::layer::tar_reader`]), so these are exactly the bytes the walker
/// hashed; a sparse file's holes are zeros, expanded only inside the window.
pub fn read_from_layer(
    layer: &mut dyn Read,
    want: &[u8],
    offset: u64,
    limit: u64,
) -> Result<Content, ContentError> {
    let mut reader = TarReader::new(layer);
    let mut found = None;
    let err = |e: io::Error| format!("reading the layer: {e}");
    while let Some(header) = reader.next_header().map_err(err)? {
        if !is_file(&header, want) {
            continue;
        }
        let total = header.size;
        let offset = offset.min(total);
        let end = offset.saturating_add(limit).min(total);
        let mut bytes = Vec::with_capacity(usize::try_from(end - offset).unwrap_or(0));
        let mut at = 0u64;
        let seen = reader
            .content(&mut |piece| {
                let len = match piece {
                    Piece::Data(chunk) => chunk.len() as u64,
                    Piece::Hole(n) => n,
                };
                let (lo, hi) = (at.max(offset), at.saturating_add(len).min(end));
                if lo < hi {
                    match piece {
                        Piece::Data(chunk) => {
                            bytes.extend_from_slice(&chunk[(lo - at) as usize..(hi - at) as usize]);
                        }
                        Piece::Hole(_) => bytes.resize(bytes.len() + (hi - lo) as usize, 0),
                    }
                }
                at = at.saturating_add(len);
            })
            .map_err(err)?;
        if seen != total {
            return Err(cut_short(&reader, &header.path, total, seen).into());
        }
        found = Some(Content {
            bytes,
            offset,
            total,
        });
    }
    found.ok_or_else(|| format!("{} is not in the layer", path::display_line(want)).into())
}

/// Is this header the regular-file entry `want`, as the walker reads it?
fn is_file(header: &Header, want: &[u8]) -> bool {
    walk::classify(header.typeflag, &header.path) == Some(EntryKind::File)
        && matches!(path::canonicalize(&header.path), Ok(Some(ref p)) if p == want)
}

fn cut_short<R: Read>(reader: &TarReader<R>, name: &[u8], total: u64, seen: u64) -> String {
    format!(
        "reading the layer: entry {} (header at byte {}) declares {total} bytes but only {seen} follow",
        tar_reader::quoted_name(name),
        reader.entry_offset()
    )
}

/// The bytes `node` shows at `layer`, at most `limit` from `offset`: re-read
/// from the layer that wrote them (for a hardlink, the entry it links to).
pub fn read_file(
    origin: &Origin,
    layers: &[Layer],
    tree: &Tree,
    node: NodeId,
    layer: LayerIdx,
    offset: u64,
    limit: u64,
) -> Result<Content, ContentError> {
    let Some(version) = tree.node(node).at(layer) else {
        return Err("not in this layer".into());
    };
    let content = match &version.state {
        State::Present {
            content: Some(c), ..
        } => *c,
        State::Present { meta, .. } => {
            return Err(format!("a {} has no content to show", meta.kind.name()).into());
        }
        State::Absent(_) => return Err("removed in this layer".into()),
    };
    let file = &tree.files[content as usize];
    let source = tree.path_of(file.node);
    if let Some(fast) = final_file(origin, layers, tree, node, content) {
        let read = fast
            .with_archive(|r| read_from_layer(r, &fast.name, offset, limit))
            .and_then(|c| match c.total == fast.size {
                true => Ok(c),
                false => Err(fast.differs(c.total).into()),
            });
        match read {
            Err(e) if e != ContentError::Cancelled => {} // the layer is the sure route
            done => return done,
        }
    }
    with_layer(origin, layers, file.layer, |r| {
        read_from_layer(r, &source, offset, limit)
    })
}

/// What an extraction wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub target: PathBuf,
    pub files: u64,
    pub dirs: u64,
    pub links: u64,
    /// Devices and FIFOs are not written.
    pub skipped: u64,
}

/// Where `node` would be written under `dest`.
pub fn target_path(tree: &Tree, node: NodeId, dest: &Path) -> PathBuf {
    let name = &tree.node(node).name;
    if name.is_empty() {
        dest.join("rootfs")
    } else {
        dest.join(std::ffi::OsStr::from_bytes(name))
    }
}

/// Write `node` (a file, link or whole directory) as it is at `layer` into
/// the directory `dest`. Something already at the target is an error, unless
/// `overwrite` (the user said yes) and both are not directories: then the new
/// entry is written beside it and renamed over it (a symlink there is
/// replaced, not followed). Never follows a symlink, neither the image's nor
/// one met on disk.
pub fn extract(
    origin: &Origin,
    layers: &[Layer],
    tree: &Tree,
    node: NodeId,
    layer: LayerIdx,
    dest: &Path,
    overwrite: bool,
) -> Result<Extracted, ContentError> {
    let dest = &real_destination(dest)?;
    let final_target = target_path(tree, node, dest);
    let mut target = final_target.clone();
    if let Ok(existing) = fs::symlink_metadata(&final_target) {
        let source_is_dir = matches!(
            tree.node(node).at(layer).map(|v| &v.state),
            Some(State::Present { meta, .. }) if meta.kind.is_dir()
        );
        if !overwrite {
            return Err(format!("{} already exists", final_target.display()).into());
        }
        if existing.is_dir() || source_is_dir {
            return Err(format!(
                "{} already exists; peel does not replace directories",
                final_target.display()
            )
            .into());
        }
        target = dest.join(format!(".peel-extract-{}.tmp", std::process::id()));
        let _ = fs::remove_file(&target);
    }
    // Nothing was at `target` a moment ago: whatever is there after a
    // failure (a cancel, a full disk) is this extraction's, half-written,
    // and goes.
    write_tree(origin, layers, tree, node, layer, &target)
        .and_then(|out| {
            if target != final_target {
                fs::rename(&target, &final_target).map_err(|e| {
                    let _ = fs::remove_file(&target);
                    format!("{}: {e}", final_target.display())
                })?;
            }
            Ok(Extracted {
                target: final_target,
                ..out
            })
        })
        .map_err(|e| discard(&target, e))
}

/// Remove what a failed extraction wrote at `target`; `e` says why it
/// failed, and what remains when the removal fails too.
fn discard(target: &Path, e: ContentError) -> ContentError {
    let removed = match fs::symlink_metadata(target) {
        Err(_) => Ok(()),
        Ok(m) if m.is_dir() => fs::remove_dir_all(target),
        Ok(_) => fs::remove_file(target),
    };
    match removed {
        Ok(()) => e,
        Err(why) => format!(
            "{e}; {} is left partly written (removing it failed: {why})",
            target.display()
        )
        .into(),
    }
}

/// Write `node` at `layer` as `target` (which does not exist yet).
fn write_tree(
    origin: &Origin,
    layers: &[Layer],
    tree: &Tree,
    node: NodeId,
    layer: LayerIdx,
    target: &Path,
) -> Result<Extracted, ContentError> {
    let target = target.to_path_buf();
    let mut out = Extracted {
        target: target.clone(),
        ..Extracted::default()
    };
    // Plan: every present node of the subtree, parents first.
    let mut dirs = Vec::new();
    let mut links = Vec::new();
    // layer -> source path -> destinations
    let mut wanted: HashMap<LayerIdx, Wanted> = HashMap::new();
    let mut stack = vec![(node, target.clone())];
    while let Some((id, at)) = stack.pop() {
        let Some(State::Present { meta, content, .. }) = tree.node(id).at(layer).map(|v| &v.state)
        else {
            continue;
        };
        if meta.kind.is_dir() {
            dirs.push((at.clone(), meta.mode));
            for &child in &tree.node(id).children {
                let name = &tree.node(child).name;
                if name.is_empty()
                    || name.contains(&b'/')
                    || &name[..] == b"."
                    || &name[..] == b".."
                {
                    continue;
                }
                stack.push((child, at.join(std::ffi::OsStr::from_bytes(name))));
            }
        } else if let Some(c) = content {
            let file = &tree.files[*c as usize];
            wanted
                .entry(file.layer)
                .or_default()
                .entry(tree.path_of(file.node))
                .or_default()
                .push((at, meta.mode));
        } else if let Some(link) = meta
            .link
            .as_deref()
            .filter(|_| meta.kind == crate::layer::EntryKind::Symlink)
        {
            links.push((at, link.to_vec()));
        } else {
            out.skipped += 1;
        }
    }
    for (dir, _) in &dirs {
        create_dir_safely(dir, &target)?;
        out.dirs += 1;
    }
    let mut sources: Vec<LayerIdx> = wanted.keys().copied().collect();
    sources.sort_unstable();
    for l in sources {
        let want = &wanted[&l];
        if let Some(written) = extract_final(origin, layers, tree, node, layer, want, &target)? {
            out.files += written;
            continue;
        }
        let written = with_layer(origin, layers, l, |r| write_from_layer(r, want, &target))?;
        out.files += written;
    }
    for (at, link) in links {
        check_parent(&at, &target)?;
        std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(&link), &at)
            .map_err(|e| format!("{}: {e}", at.display()))?;
        out.links += 1;
    }
    // Directories last (a read-only one would refuse its own entries), the
    // deepest first.
    for (dir, mode) in dirs.iter().rev() {
        keep_mode(dir, *mode)?;
    }
    Ok(out)
}

/// Extract the single file `node` through the archive API when its version
/// at `layer` is the final image's (`None`: not that case, or that route
/// failed short of a cancel and left nothing behind).
fn extract_final(
    origin: &Origin,
    layers: &[Layer],
    tree: &Tree,
    node: NodeId,
    layer: LayerIdx,
    want: &Wanted,
    target: &Path,
) -> Result<Option<u64>, ContentError> {
    let Some(State::Present {
        content: Some(content),
        ..
    }) = tree.node(node).at(layer).map(|v| &v.state)
    else {
        return Ok(None);
    };
    let Some(fast) = final_file(origin, layers, tree, node, *content) else {
        return Ok(None);
    };
    let Some(dests) = want.values().next().filter(|_| want.len() == 1) else {
        return Ok(None);
    };
    let by_name: Wanted = [(fast.name.clone(), dests.clone())].into();
    match fast.with_archive(|r| write_from_layer(r, &by_name, target)) {
        Ok(1)
            if dests
                .iter()
                .all(|(at, _)| fs::metadata(at).is_ok_and(|m| m.len() == fast.size)) =>
        {
            Ok(Some(1))
        }
        Err(ContentError::Cancelled) => Err(ContentError::Cancelled),
        _ => {
            for (at, _) in dests {
                let _ = fs::remove_file(at);
            }
            Ok(None)
        }
    }
}

/// The destination directory as typed, resolved without following any
/// symbolic link: `.`, `..` and repeated or trailing `/` are read lexically
/// (`a/b/..` is `a`), a relative path is taken from the current directory
/// (whose path the kernel gives without links), and every component typed
/// must be a real directory, not a link (an earlier extraction may have
/// planted the image's links there: `dest/pkg/evil/` must not lead out).
pub fn real_destination(dest: &Path) -> Result<PathBuf, ContentError> {
    use std::path::Component;
    let shown = dest.display();
    let (mut resolved, typed_from) = if dest.is_absolute() {
        (PathBuf::from("/"), 0)
    } else {
        let cwd =
            std::env::current_dir().map_err(|e| format!("{shown}: the current directory: {e}"))?;
        let depth = cwd.components().count();
        (cwd, depth)
    };
    for part in dest.components() {
        match part {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(name) => resolved.push(name),
        }
    }
    // Each component from where the typed path starts (with `..` the typed
    // path may climb into the current directory's own path: those are
    // checked too).
    let start = typed_from.min(resolved.components().count());
    let mut cur = PathBuf::new();
    for (i, part) in resolved.components().enumerate() {
        cur.push(part);
        if i < start.saturating_sub(1) || cur.parent().is_none() {
            continue;
        }
        let meta =
            fs::symlink_metadata(&cur).map_err(|e| format!("{shown}: {}: {e}", cur.display()))?;
        if meta.file_type().is_symlink() {
            return Err(format!(
                "{shown}: {} is a symbolic link; peel extracts only into real directories \
                 (give the destination's real path)",
                cur.display()
            )
            .into());
        }
        if !meta.is_dir() {
            return Err(format!("{shown}: {} is not a directory", cur.display()).into());
        }
    }
    Ok(resolved)
}

/// Source path in a layer → where to write it, with which permission bits.
type Wanted = HashMap<Vec<u8>, Vec<(PathBuf, u32)>>;

fn write_from_layer(layer: &mut dyn Read, want: &Wanted, root: &Path) -> Result<u64, ContentError> {
    let mut reader = TarReader::new(layer);
    let err = |e: io::Error| format!("reading the layer: {e}");
    // The last entry of a name wins: a later one rewrites the same files.
    let mut done: HashSet<&[u8]> = HashSet::new();
    let mut written = 0;
    while let Some(header) = reader.next_header().map_err(err)? {
        if walk::classify(header.typeflag, &header.path) != Some(EntryKind::File) {
            continue;
        }
        let Ok(Some(canon)) = path::canonicalize(&header.path) else {
            continue;
        };
        let Some((key, dests)) = want.get_key_value(&canon) else {
            continue;
        };
        let again = done.contains(key.as_slice());
        let mut files = Vec::with_capacity(dests.len());
        for (at, mode) in dests {
            check_parent(at, root)?;
            let mut options = OpenOptions::new();
            options.write(true);
            if again {
                // A later entry of the same name in the same layer: it wins.
                options.truncate(true);
            } else {
                options.create_new(true);
            }
            use std::os::unix::fs::OpenOptionsExt;
            // create_new (O_EXCL) never follows a symlink in the last place.
            options.mode((*mode & 0o777) | 0o200);
            let file = options
                .open(at)
                .map_err(|e| format!("{}: {e}", at.display()))?;
            files.push((at, file));
        }
        // Streamed to disk as it comes: a file's size is not peel's memory.
        // A sparse file's holes are skipped over, and stay holes.
        let mut failed = None;
        let seen = reader
            .content(&mut |piece| {
                if failed.is_some() {
                    return;
                }
                for (at, file) in &mut files {
                    let done = match piece {
                        Piece::Data(chunk) => file.write_all(chunk),
                        Piece::Hole(n) => i64::try_from(n)
                            .map_err(|_| io::Error::other("a hole too large to seek over"))
                            .and_then(|n| file.seek(SeekFrom::Current(n)).map(|_| ())),
                    };
                    if let Err(e) = done {
                        failed = Some(format!("{}: {e}", at.display()));
                        return;
                    }
                }
            })
            .map_err(err)?;
        if let Some(e) = failed {
            return Err(ContentError::Failed(e));
        }
        if seen != header.size {
            return Err(cut_short(&reader, &header.path, header.size, seen).into());
        }
        for (at, file) in &files {
            // A trailing hole, or a shorter rewrite: the file's length is
            // the entry's.
            file.set_len(header.size)
                .map_err(|e| format!("{}: {e}", at.display()))?;
        }
        for ((at, _), (_, mode)) in files.iter().zip(dests) {
            keep_mode(at, *mode)?;
        }
        if !again {
            written += files.len() as u64;
        }
        done.insert(key.as_slice());
    }
    Ok(written)
}

/// Every component from `root` to `at`'s parent must be a real directory.
fn check_parent(at: &Path, root: &Path) -> Result<(), ContentError> {
    let parent = at.parent().ok_or("no parent")?;
    let rel = parent
        .strip_prefix(root.parent().unwrap_or(root))
        .map_err(|_| format!("{} is outside the destination", at.display()))?;
    let mut cur = root.parent().unwrap_or(root).to_path_buf();
    for part in rel.components() {
        cur.push(part);
        let meta = fs::symlink_metadata(&cur).map_err(|e| format!("{}: {e}", cur.display()))?;
        if !meta.is_dir() {
            return Err(format!("{} is not a directory", cur.display()).into());
        }
    }
    Ok(())
}

/// Give what peel just wrote the image's permission bits. Run as root (what
/// peel wrote is root's), setuid, setgid and sticky are kept too, as `tar -p`
/// does; anyone else gets the `rwx` bits only, and always the owner's write
/// bit on files (peel may rewrite them).
fn keep_mode(at: &Path, mode: u32) -> Result<(), ContentError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = fs::symlink_metadata(at).map_err(|e| format!("{}: {e}", at.display()))?;
    let mode = if meta.uid() == 0 {
        mode & 0o7777
    } else if meta.is_dir() {
        mode & 0o777
    } else {
        (mode & 0o777) | 0o200
    };
    fs::set_permissions(at, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("{}: {e}", at.display()).into())
}

fn create_dir_safely(dir: &Path, root: &Path) -> Result<(), ContentError> {
    check_parent(dir, root)?;
    fs::create_dir(dir).map_err(|e| format!("{}: {e}", dir.display()).into())
}

#[cfg(test)]
mod tests {
    use tar::EntryType;

    use super::*;

    fn layer_tar(entries: &[(&str, EntryType, &[u8], Option<&str>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, kind, data, link) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            if let Some(l) = link {
                h.set_link_name(l).unwrap();
            }
            h.set_path(name).unwrap();
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn reads_the_last_entry_of_a_name() {
        let tar = layer_tar(&[
            ("a/b", EntryType::Regular, b"old", None),
            ("./a/b", EntryType::Regular, b"new!", None),
        ]);
        let c = read_from_layer(&mut &tar[..], b"a/b", 0, 100).unwrap();
        assert_eq!(c.bytes, b"new!");
        let c = read_from_layer(&mut &tar[..], b"a/b", 0, 2).unwrap();
        assert_eq!((c.bytes.as_slice(), c.total), (&b"ne"[..], 4));
        let c = read_from_layer(&mut &tar[..], b"a/b", 2, 10).unwrap();
        assert_eq!((c.bytes.as_slice(), c.offset), (&b"w!"[..], 2));
        assert!(read_from_layer(&mut &tar[..], b"a/c", 0, 10).is_err());
    }

    #[test]
    fn origin_of_stdin_is_unavailable() {
        let o = Origin::of(&Reference::Stdin { tag: None });
        let layers = [crate::image::Layer {
            diff_id: None,
            blob: "x".into(),
            location: BlobLocation::Stream,
            compression: sniff::Compression::None,
            compressed_size: None,
            history: None,
            changes: Default::default(),
        }];
        let err = with_layer(&o, &layers, LayerIdx::BOTTOM, |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("--keep-layers"), "{err}");
    }
}
