//! The fast route for an engine image: a file whose version at the selected
//! layer is the very entry the final image shows is read through the
//! engine's archive API (a created, never-started container), without
//! exporting the image. Only then: any other version comes from its layer.

use super::fetch::{self, Fetching};
use super::{Content, Origin, read_from_layer};
use crate::image::{BlobLocation, Layer};
use crate::source::docker;
use crate::tree::{NodeId, State, Tree};

/// A read of the file through the archive API, when that is provably the
/// same version: `content` (the entry the selected layer shows) is what the
/// final layer shows at the same path, and its layer is not kept already
/// (a kept layer is a local read, faster still).
pub(super) fn final_route<'a>(
    origin: &'a Origin,
    layers: &'a [Layer],
    tree: &'a Tree,
    node: NodeId,
    content: u32,
    source: &'a [u8],
) -> Option<impl FnOnce(u64, u64) -> Result<Content, String> + 'a> {
    let Origin::Engine(engine) = origin else {
        return None;
    };
    let last = tree.layer_count.checked_sub(1)?;
    let State::Present {
        content: Some(shown),
        meta,
        ..
    } = &tree.node(node).at(last)?.state
    else {
        return None;
    };
    if *shown != content {
        return None;
    }
    let file = &tree.files[content as usize];
    let BlobLocation::EngineLayer { image, member } = &layers.get(file.layer as usize)?.location
    else {
        return None;
    };
    let endpoint = engine.endpoint.as_ref().ok()?;
    if engine.is_kept(image, member) {
        return None;
    }
    let path = String::from_utf8(tree.path_of(node)).ok()?;
    let name = path.rsplit('/').next()?.as_bytes().to_vec();
    let size = meta.size;
    Some(move |offset: u64, limit: u64| {
        let fetching = Fetching::start(Some(size));
        let read = docker::read_from_container(endpoint, image, &format!("/{path}"))
            .map_err(|e| e.to_string())
            .and_then(|archive| {
                read_from_layer(&mut fetching.reader(archive), &name, offset, limit)
            });
        match read {
            Ok(content) if content.total == size => Ok(content),
            Ok(content) => Err(format!(
                "the engine's {path} has {} bytes, the image's {size}: not the same file",
                content.total
            )),
            Err(e) if e.ends_with(fetch::CANCELLED) => Err(fetch::CANCELLED.into()),
            Err(e) => Err(e),
        }
        .or_else(|e| {
            // Not a cancel: the layer itself is the sure route.
            if e == fetch::CANCELLED {
                return Err(e);
            }
            super::with_layer(origin, layers, file.layer, |r| {
                read_from_layer(r, source, offset, limit)
            })
        })
    })
}
