//! The base layers' inputs that lie outside the image: the image `--base`
//! names, and the base the image declares when the engine it came from has
//! it. The counting itself is [`crate::analysis::base`]'s.

use crate::analysis;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::image::docker_archive::repository;
use crate::source::{self, OpenOptions, Reference};

/// How many bottom layers `image` shares with the base image `base` names.
pub fn shared_with(image: &Image, base: &str, options: &OpenOptions) -> Result<usize> {
    let parsed = source::parse(base, None)?;
    let base_options = OpenOptions {
        quiet: true,
        progress: Default::default(),
        ..options.clone()
    };
    let base_image = source::open(&parsed, base, &base_options).map_err(|e| e.within("--base"))?;
    let shared =
        analysis::base::shared_prefix(image.config.diff_ids(), base_image.config.diff_ids());
    if shared == 0 {
        return Err(Error::invalid(
            &image.reference,
            format!("shares no bottom layer with the base image {base}"),
        ));
    }
    Ok(shared)
}

/// For an image read from an engine, look the base it declares up in the
/// same engine (an inspect, nothing exported or pulled): its diff ids let
/// the base layers be counted exactly. The pinned `NAME@DIGEST` first, then
/// the name (a tag may have moved since: the analysis only takes a base whose
/// layers are all the image's bottom layers). Not found is not an error:
/// no diff ids then.
pub fn declared_in_engine(image: &Image, parsed: &Reference) -> Vec<Vec<String>> {
    let Reference::Engine { engine, .. } = parsed else {
        return Vec::new();
    };
    let Some(declared) = analysis::base::declared(image).filter(|d| d.found.is_empty()) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    if let Some(name) = &declared.name {
        if let Some(digest) = &declared.digest {
            names.push(format!("{}@{digest}", repository(name)));
        }
        names.push(name.clone());
    }
    names
        .iter()
        .filter_map(|name| source::docker::diff_ids(*engine, name).ok())
        .find(|ids| !ids.is_empty())
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::repository;

    /// The engine is asked for `REPO@DIGEST`: the name without its tag.
    #[test]
    fn repository_without_tag_or_digest() {
        for (reference, name) in [
            (
                "docker.io/library/debian:bookworm",
                "docker.io/library/debian",
            ),
            ("localhost:5000/app", "localhost:5000/app"),
            ("localhost:5000/app:1@sha256:abc", "localhost:5000/app"),
            ("busybox", "busybox"),
        ] {
            assert_eq!(repository(reference), name, "{reference}");
        }
    }
}
