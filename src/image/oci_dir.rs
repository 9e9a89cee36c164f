//! An OCI image layout directory. Blobs are files, so the layers are walked
//! in parallel (`parallel::map`).

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use oci_spec::image::Descriptor;

use super::oci::{self, MAX_JSON_BYTES, Selection};
use super::{BlobLocation, Image, LayerBlob, assemble_resolved};
use crate::error::{Error, Result};
use crate::layer::digest::Want;
use crate::layer::walk::walk_blob_with;
use crate::progress::{CountingReader, Progress};

pub fn read(
    dir: &Path,
    reference: &str,
    selection: &Selection,
    progress: &Arc<Progress>,
) -> Result<Image> {
    let what = dir.display().to_string();
    let index_path = dir.join("index.json");
    if !index_path.exists() {
        return Err(Error::invalid(
            &what,
            "not an OCI image layout: no index.json in this directory",
        ));
    }
    let index = read_json(&index_path, &format!("{what}/index.json"))?;
    let mut fetch = |d: &Descriptor| -> Result<Vec<u8>> {
        let rel = oci::blob_path(d);
        read_json(&dir.join(&rel), &format!("{what}/{rel}"))
    };
    let resolved = oci::resolve(&index, &what, selection, &mut fetch)?;
    progress.set_layers_total(resolved.layers.len() as u64);
    progress.set_bytes_total(resolved.layers.iter().map(|d| d.size()).sum());
    let blobs = walk_layers(dir, &what, &resolved.layers, selection.no_verify, progress)?;
    assemble_resolved(reference, "oci-layout", &what, resolved, blobs)
}

fn read_json(path: &Path, what: &str) -> Result<Vec<u8>> {
    let (file, _) = open_regular(path, what, "blob is missing")?;
    let mut bytes = Vec::new();
    file.take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(what, e))?;
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(Error::invalid(
            what,
            format!("JSON document larger than {MAX_JSON_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

/// Open a blob that must be a regular file (a symlink to one will do): a
/// FIFO, a device or a socket would block or never end. Also its length.
fn open_regular(path: &Path, what: &str, missing: &str) -> Result<(File, u64)> {
    let not_found = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => Error::missing(what, missing),
        _ => Error::io(what, e),
    };
    // Looked at before opening (opening a FIFO blocks), and again after, on
    // what was opened.
    check_regular(&std::fs::metadata(path).map_err(not_found)?, what)?;
    let file = File::open(path).map_err(not_found)?;
    let meta = file.metadata().map_err(|e| Error::io(what, e))?;
    check_regular(&meta, what)?;
    Ok((file, meta.len()))
}

fn check_regular(meta: &std::fs::Metadata, what: &str) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    let name = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(Error::invalid(
        what,
        format!("is {name}, not a regular file"),
    ))
}

/// Walk every distinct layer blob, on as many threads as there are cores.
fn walk_layers(
    dir: &Path,
    what: &str,
    layers: &[Descriptor],
    no_verify: bool,
    progress: &Arc<Progress>,
) -> Result<Vec<LayerBlob>> {
    let mut distinct: Vec<String> = Vec::new();
    for d in layers {
        let rel = oci::blob_path(d);
        if !distinct.contains(&rel) {
            distinct.push(rel);
        }
    }
    let walked = super::parallel::map(&distinct, |rel| {
        let want = Want::unless(no_verify, || Want::member(rel));
        let result = walk_one(
            &dir.join(rel),
            &format!("{what}/{rel}"),
            rel,
            want,
            progress,
        );
        progress.layer_done();
        result
    });
    let mut results: HashMap<String, Result<LayerBlob>> =
        distinct.into_iter().zip(walked).collect();
    let mut blobs = Vec::with_capacity(layers.len());
    for d in layers {
        let rel = oci::blob_path(d);
        if let Some(Err(_)) = results.get(&rel)
            && let Some(Err(e)) = results.remove(&rel)
        {
            return Err(oci::name_artifact_layer(e, d));
        }
        match results.get(&rel) {
            Some(Ok(blob)) => blobs.push(
                LayerBlob {
                    name: d.digest().to_string(),
                    ..blob.clone()
                }
                .described_by(d),
            ),
            _ => return Err(Error::missing(what, format!("layer {rel} was not read"))),
        }
    }
    Ok(blobs)
}

fn walk_one(
    path: &Path,
    what: &str,
    rel: &str,
    want: Want,
    progress: &Arc<Progress>,
) -> Result<LayerBlob> {
    let (file, size) = open_regular(path, what, "layer blob is missing")?;
    // No buffer in between: the tar reader and the decoders keep their own.
    let reader = CountingReader::new(file, progress.clone());
    let walked = walk_blob_with(reader, want).map_err(|e| {
        if progress.is_cancelled() {
            Error::Cancelled
        } else {
            Error::invalid(what, e)
        }
    })?;
    Ok(LayerBlob {
        name: rel.to_string(),
        changes: Arc::new(walked.changes),
        compression: walked.compression,
        blob_size: size,
        location: BlobLocation::LayoutFile {
            path: path.to_path_buf(),
        },
        digests: walked.digests,
        expected: None,
    })
}
