//! An engine image's layers, read again: the image's export once more
//! (pinned by its id), with the layer asked for, and those passing by before
//! it, kept in the session folder within its bound; the next read of a kept
//! layer is a file read.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::ContentError;
use super::fetch::{self, Fetching};
use super::session::{self, SessionDir};
use crate::layer::path;
use crate::layer::tar_reader::{Piece, TarReader};
use crate::source::SourceKind;
use crate::source::docker;
use crate::source::engine::{self, Endpoint};

/// The layers of one engine's images kept for a session.
#[derive(Debug)]
pub struct EngineLayers {
    /// The engine the image was read from (or why it cannot be reached).
    pub endpoint: Result<Endpoint, ContentError>,
    dir: SessionDir,
    /// How many bytes of layers may be kept.
    bound: u64,
    /// One fetch at a time (a second asks the first's result).
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    /// (image id, member) → the kept file and its size.
    files: HashMap<(String, Vec<u8>), (PathBuf, u64)>,
    bytes: u64,
}

impl EngineLayers {
    /// The layers of images of the engine the environment names for `kind`.
    pub fn new(kind: SourceKind) -> EngineLayers {
        let endpoint = engine::discover(kind, &engine::ProcessEnv);
        EngineLayers::at(endpoint.map_err(|e| ContentError::Failed(e.to_string())))
    }

    /// The layers of images of the engine at `endpoint`.
    pub fn at(endpoint: Result<Endpoint, ContentError>) -> EngineLayers {
        EngineLayers::with_bound(endpoint, session::bound())
    }

    /// [`EngineLayers::at`], keeping at most `bound` bytes.
    pub fn with_bound(endpoint: Result<Endpoint, ContentError>, bound: u64) -> EngineLayers {
        EngineLayers {
            endpoint,
            bound,
            dir: SessionDir::unique(),
            kept: Mutex::new(Kept::default()),
        }
    }

    /// The session folder the layers are kept in (made on the first fetch).
    pub fn folder(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// How many bytes of layers are kept now.
    pub fn kept_bytes(&self) -> u64 {
        self.kept.lock().map_or(0, |k| k.bytes)
    }

    /// Whether member `member` of image `image` is kept already.
    pub fn is_kept(&self, image: &str, member: &str) -> bool {
        let Some(want) = canonical(member) else {
            return false;
        };
        self.kept
            .lock()
            .is_ok_and(|k| k.files.contains_key(&(image.to_string(), want)))
    }

    /// The stored bytes of member `member` of image `image`'s export,
    /// fetched from the engine when not kept yet; `also`: the image's other
    /// layers' members, kept when they pass by first (within the bound).
    pub fn open(
        &self,
        image: &str,
        member: &str,
        also: &[&str],
    ) -> Result<Box<dyn Read>, ContentError> {
        let want = canonical(member).ok_or_else(|| format!("{member}: not an archive member"))?;
        let mut kept = self.kept.lock().map_err(|_| "the kept layers' lock")?;
        let key = (image.to_string(), want.clone());
        if !kept.files.contains_key(&key) {
            let also: Vec<Vec<u8>> = also.iter().filter_map(|m| canonical(m)).collect();
            self.fetch(&mut kept, image, &want, &also)?;
        }
        let (file, _) = &kept.files[&key];
        let opened = File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
        Ok(Box::new(BufReader::with_capacity(1 << 20, opened)))
    }

    fn fetch(
        &self,
        kept: &mut Kept,
        image: &str,
        want: &[u8],
        also: &[Vec<u8>],
    ) -> Result<(), ContentError> {
        let dir = self.dir.create()?.to_path_buf();
        let bound = self.bound;
        let endpoint = self.endpoint.as_ref().map_err(Clone::clone)?;
        let (total, export) = docker::export_by_id(endpoint, image).map_err(|e| e.to_string())?;
        let progress = Fetching::start(total);
        let mut reader = TarReader::new(progress.reader(export));
        let what = |e: io::Error| {
            if fetch::was_cancelled(&e) {
                ContentError::Cancelled
            } else {
                ContentError::Failed(format!("re-reading {image} from the engine: {e}"))
            }
        };
        // A member that is a link to another (an old `docker save` stores a
        // repeated layer once): the name it stands for.
        let mut aliases: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        while let Some(header) = reader.next_header().map_err(what)? {
            let Some(name) = canonical_bytes(&header.path) else {
                continue;
            };
            let wanted_here = name == want || aliases.get(&name).is_some_and(|a| a == want);
            if matches!(header.typeflag, b'1' | b'2') {
                if let Some(target) = header
                    .link
                    .as_deref()
                    .and_then(|l| link_target(&name, l, header.typeflag))
                    && (name == want || also.contains(&name))
                {
                    aliases.insert(target, name);
                }
                continue;
            }
            let of_image = wanted_here || also.contains(&name) || aliases.contains_key(&name);
            let key = (image.to_string(), name.clone());
            if !of_image || kept.files.contains_key(&key) {
                continue;
            }
            if kept.bytes.saturating_add(header.size) > bound {
                if !wanted_here {
                    continue;
                }
                if header.size > bound {
                    return Err(format!(
                        "the layer is {} bytes, more than the session keeps ({bound} bytes; \
                         PEEL_KEEP_LAYERS_BYTES sets it)",
                        header.size
                    )
                    .into());
                }
                kept.evict_for(header.size, bound);
            }
            let file = dir.join(file_name(image, &name));
            let part = file.with_extension("part");
            let written = write_member(&mut reader, &part).map_err(|e| {
                let _ = fs::remove_file(&part);
                what(e)
            })?;
            fs::rename(&part, &file).map_err(|e| format!("{}: {e}", file.display()))?;
            kept.bytes += written;
            if let Some(alias) = aliases.get(&name) {
                kept.files
                    .insert((image.to_string(), alias.clone()), (file.clone(), 0));
            }
            kept.files.insert(key, (file, written));
            if wanted_here {
                return Ok(());
            }
        }
        Err(format!(
            "the engine's export of {image} has no member {} (was the image removed?)",
            path::display_line(want)
        )
        .into())
    }
}

impl Kept {
    /// Drop kept layers until `size` more fits in `bound`.
    fn evict_for(&mut self, size: u64, bound: u64) {
        let keys: Vec<_> = self.files.keys().cloned().collect();
        for key in keys {
            if self.bytes.saturating_add(size) <= bound {
                return;
            }
            if let Some((file, bytes)) = self.files.remove(&key) {
                self.files.retain(|_, (f, _)| f != &file);
                let _ = fs::remove_file(&file);
                self.bytes = self.bytes.saturating_sub(bytes);
            }
        }
    }
}

fn write_member<R: Read>(reader: &mut TarReader<R>, to: &std::path::Path) -> io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create_new(to)?);
    let mut failed = None;
    let seen = reader.content(&mut |piece| {
        if failed.is_none()
            && let Err(e) = match piece {
                Piece::Data(chunk) => out.write_all(chunk),
                Piece::Hole(n) => io::copy(&mut io::repeat(0).take(n), &mut out).map(|_| ()),
            }
        {
            failed = Some(e);
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    out.flush()?;
    Ok(seen)
}

/// The file a kept member is stored in: a digest of its name, never the name.
fn file_name(image: &str, member: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(image.as_bytes());
    hash.update([0]);
    hash.update(member);
    let digest = hash.finalize();
    digest
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        + ".layer"
}

fn canonical(member: &str) -> Option<Vec<u8>> {
    canonical_bytes(member.as_bytes())
}

fn canonical_bytes(member: &[u8]) -> Option<Vec<u8>> {
    path::canonicalize(member).ok().flatten()
}

/// What a link member points at, as a member name: a hard link names it from
/// the archive's root, a symbolic link from the link's folder (`..` climbs,
/// never above the root).
fn link_target(name: &[u8], link: &[u8], typeflag: u8) -> Option<Vec<u8>> {
    let mut parts: Vec<&[u8]> = Vec::new();
    if typeflag == b'2' {
        parts.extend(name.split(|&b| b == b'/'));
        parts.pop();
    }
    for part in link.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    canonical_bytes(&parts.join(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_members_name_their_target() {
        assert_eq!(
            link_target(b"b/layer.tar", b"../a/layer.tar", b'2').as_deref(),
            Some(&b"a/layer.tar"[..])
        );
        assert_eq!(
            link_target(b"b/layer.tar", b"a/layer.tar", b'1').as_deref(),
            Some(&b"a/layer.tar"[..])
        );
    }

    #[test]
    fn kept_files_are_named_by_a_digest() {
        let name = file_name("sha256:00", b"../../etc/passwd");
        assert!(name.ends_with(".layer") && !name.contains('/'));
    }
}
