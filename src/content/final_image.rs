//! The fast route for an engine image: a file whose version at the selected
//! layer is the very entry the final image shows is read through the
//! engine's archive API (a created, never-started container), without
//! exporting the image. Only then: any other version comes from its layer.

use std::io::Read;

use super::ContentError;
use super::Origin;
use super::fetch::{self, Fetching};
use crate::image::{BlobLocation, Layer};
use crate::source::docker;
use crate::source::engine::Endpoint;
use crate::tree::{NodeId, State, Tree};

/// A file of the final image that the archive API can give.
pub(super) struct FinalFile<'a> {
    endpoint: &'a Endpoint,
    image: &'a str,
    /// The path in the image, from its root.
    path: String,
    /// The archive's one entry is named so: the path's last component.
    pub name: Vec<u8>,
    /// The file's size, as the image says (the archive must agree).
    pub size: u64,
}

/// `node`'s file, when that is provably the same version: `content` (the
/// entry the selected layer shows) is what the final layer shows at the
/// same path, and its layer is not kept already (a kept layer is a local
/// read, faster still).
pub(super) fn final_file<'a>(
    origin: &'a Origin,
    layers: &'a [Layer],
    tree: &Tree,
    node: NodeId,
    content: u32,
) -> Option<FinalFile<'a>> {
    let Origin::Engine(engine) = origin else {
        return None;
    };
    let last = tree.top_layer()?;
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
    let BlobLocation::EngineLayer { image, member } = &layers.get(file.layer.index())?.location
    else {
        return None;
    };
    let endpoint = engine.endpoint.as_ref().ok()?;
    if engine.is_kept(image, member) {
        return None;
    }
    let path = String::from_utf8(tree.path_of(node)).ok()?;
    let name = path.rsplit('/').next()?.as_bytes().to_vec();
    Some(FinalFile {
        endpoint,
        image,
        path,
        name,
        size: meta.size,
    })
}

impl FinalFile<'_> {
    /// Run `f` on the archive (a tar of the one entry [`FinalFile::name`]),
    /// counted for the progress line and cancellable; the container is gone
    /// when this returns.
    pub fn with_archive<T>(
        &self,
        f: impl FnOnce(&mut dyn Read) -> Result<T, ContentError>,
    ) -> Result<T, ContentError> {
        let fetching = Fetching::start(Some(self.size));
        let archive =
            docker::read_from_container(self.endpoint, self.image, &format!("/{}", self.path))
                .map_err(|e| e.to_string())?;
        let result = f(&mut fetching.reader(archive));
        match result {
            // A cancel comes through the tar reader as its read's error.
            Err(ContentError::Failed(e)) if e.ends_with(fetch::CANCELLED) => {
                Err(ContentError::Cancelled)
            }
            other => other,
        }
    }

    /// The message when the engine's file is not the image's.
    pub fn differs(&self, total: u64) -> String {
        format!(
            "the engine's /{} has {total} bytes, the image's {}: not the same file",
            self.path, self.size
        )
    }
}
