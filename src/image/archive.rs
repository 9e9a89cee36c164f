//! A tar of an image (any `docker save` layout, kaniko, skopeo, an
//! `oci-archive`), possibly gzip- or zstd-compressed as a whole, read once as
//! a stream: small JSON members are kept, layer members are walked in place
//! as they pass, and the manifest (which may come last) is resolved at the end.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use tar::{Archive, EntryType};

use super::oci::{self, MAX_JSON_BYTES, Selection};
use super::sniff::{self, Compression};
use super::{Image, LayerBlob, assemble, assemble_resolved, docker_archive};
use crate::error::{Error, Result};
use crate::layer::path;
use crate::layer::walk::TarStream;
use crate::layer::{LayerChanges, walk_blob};
use crate::progress::{CountingReader, Progress};

/// How deep a chain of symlinked members may go.
const MAX_ALIAS_HOPS: usize = 16;

/// A walked member, or why it could not be walked as a layer.
type Walked = std::result::Result<(Arc<LayerChanges>, Compression, u64), String>;

#[derive(Default)]
struct Members {
    json: HashMap<String, Vec<u8>>,
    layers: HashMap<String, Walked>,
    aliases: HashMap<String, String>,
}

impl Members {
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

    fn json(&self, name: &str, what: &str, role: &str) -> Result<&[u8]> {
        let resolved = self.resolve(name);
        match self.json.get(resolved) {
            Some(bytes) => Ok(bytes),
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

    fn layer(&self, name: &str, what: &str) -> Result<LayerBlob> {
        let resolved = self.resolve(name);
        match self.layers.get(resolved) {
            Some(Ok((changes, compression, size))) => Ok(LayerBlob {
                name: name.to_string(),
                changes: changes.clone(),
                compression: *compression,
                blob_size: *size,
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

/// Read an image archive from a stream. `what` names the stream in errors.
pub fn read<R: Read>(
    input: R,
    what: &str,
    reference: &str,
    selection: &Selection,
    progress: &Arc<Progress>,
) -> Result<Image> {
    let io = |e| Error::io(what, e);
    let input = CountingReader::new(input, progress.clone());
    let (compression, decoded) = sniff::decompress(input).map_err(io)?;
    let (head, stream) = sniff::peek(decoded, sniff::BLOCK)
        .map_err(|e| Error::invalid(what, format!("corrupt {} stream: {e}", compression.name())))?;
    if head.is_empty() {
        return Err(Error::invalid(what, "empty file"));
    }
    if !sniff::is_tar(&head) {
        let shape = match compression {
            Compression::None => "not a tar archive (nor gzip or zstd)".to_string(),
            other => format!("a {} stream that does not hold a tar archive", other.name()),
        };
        return Err(Error::invalid(what, shape));
    }
    let members = scan(stream, what, compression, progress)?;
    if let Some(manifest) = members.json.get("manifest.json") {
        let (item, warnings) = docker_archive::select(manifest, what, selection.tag.as_deref())?;
        let config = members.json(&item.config, what, "config")?;
        let blobs = item
            .layers
            .iter()
            .map(|name| members.layer(name, what))
            .collect::<Result<Vec<_>>>()?;
        let mut image = assemble(
            reference,
            "docker-archive",
            &format!("{what}: {}", item.config),
            config,
            blobs,
        )?;
        image.tags = item.repo_tags.unwrap_or_default();
        image.warnings.extend(warnings);
        // The config's labels may declare the base; a Docker 25+ archive
        // keeps manifests among its blobs, where the base may be too.
        let labels = image.config.config.as_ref().and_then(|c| c.labels.as_ref());
        let mut fetch = |d: &oci_spec::image::Descriptor| -> Result<Vec<u8>> {
            members
                .json(&oci::blob_path(d), what, "blob")
                .map(<[u8]>::to_vec)
        };
        image.declared_base = oci::declared_base(&Default::default(), labels, &mut fetch);
        // A docker-save archive holds one platform: it must be the one asked for.
        if let (Some(want), Some(os), Some(arch)) = (
            &selection.platform,
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
        return Ok(image);
    }
    if let Some(index) = members.json.get("index.json") {
        let mut fetch = |d: &oci_spec::image::Descriptor| -> Result<Vec<u8>> {
            let name = oci::blob_path(d);
            members.json(&name, what, "blob").map(<[u8]>::to_vec)
        };
        let resolved = oci::resolve(index, what, selection, &mut fetch)?;
        let blobs = resolved
            .layers
            .iter()
            .map(|d| members.layer(&oci::blob_path(d), what))
            .collect::<Result<Vec<_>>>()?;
        return assemble_resolved(reference, "oci-archive", what, resolved, blobs);
    }
    Err(Error::invalid(
        what,
        "not an image archive: it has neither manifest.json nor index.json",
    ))
}

/// One pass over the members.
fn scan<R: Read>(
    stream: R,
    what: &str,
    compression: Compression,
    progress: &Progress,
) -> Result<Members> {
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
    let mut archive = Archive::new(TarStream::new(stream));
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
                let (head, rest) = sniff::peek(&mut entry, 1).map_err(corrupt)?;
                let json_like = name.ends_with(".json")
                    || matches!(name.as_str(), "repositories" | "oci-layout")
                    || head.first() == Some(&b'{')
                    || head.first() == Some(&b'[');
                if json_like {
                    if size > MAX_JSON_BYTES {
                        return Err(Error::invalid(
                            format!("{what}: {name}"),
                            format!(
                                "JSON member of {size} bytes is larger than peel reads ({MAX_JSON_BYTES})"
                            ),
                        ));
                    }
                    let mut bytes = Vec::with_capacity(size as usize);
                    rest.take(MAX_JSON_BYTES)
                        .read_to_end(&mut bytes)
                        .map_err(corrupt)?;
                    members.json.insert(name, bytes);
                } else {
                    let walked = match walk_blob(rest) {
                        Ok(w) => Ok((Arc::new(w.changes), w.compression, size)),
                        Err(e) => Err(e.to_string()),
                    };
                    progress.layer_done();
                    members.layers.insert(name, walked);
                }
            }
            _ => {}
        }
    }
    if archive.into_inner().hit_eof {
        return Err(Error::invalid(
            what,
            "truncated: the archive ends without its end-of-archive marker",
        ));
    }
    Ok(members)
}
