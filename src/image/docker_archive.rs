//! `manifest.json` of a `docker save` archive (every layout: legacy
//! `<id>/layer.tar`, Docker 25+ `blobs/sha256/...`, skopeo's symlinks,
//! kaniko's `sha256:<cfg>` and `*.tar.gz`, Jib's lower-case keys).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::{Error, Result};

/// One image of `manifest.json`. Its keys are matched as Go's
/// `encoding/json` matches them (what Docker, skopeo and dive read it
/// with): whatever their case (Jib writes `config`, `repoTags`, `layers`),
/// the last of two spellings winning.
#[derive(Debug, Clone)]
pub struct ManifestItem {
    pub config: String,
    pub repo_tags: Option<Vec<String>>,
    pub layers: Vec<String>,
}

#[derive(Clone, Copy)]
enum Field {
    Config,
    RepoTags,
    Layers,
}

impl Field {
    fn of(key: &str) -> Option<Field> {
        [
            ("Config", Field::Config),
            ("RepoTags", Field::RepoTags),
            ("Layers", Field::Layers),
        ]
        .into_iter()
        .find(|(name, _)| go_fold_eq(key, name))
        .map(|(_, field)| field)
    }
}

/// Go's case folding of a key against an ASCII field name: ASCII letters of
/// either case, and the two non-ASCII letters that fold to ASCII ones (`ſ`
/// to `s`, the Kelvin sign to `k`).
fn go_fold_eq(key: &str, field: &str) -> bool {
    let fold = |c: char| match c {
        '\u{17f}' => 's',
        '\u{212a}' => 'k',
        c => c.to_ascii_lowercase(),
    };
    let mut want = field.chars();
    key.chars().all(|c| {
        want.next()
            .is_some_and(|w| fold(c) == w.to_ascii_lowercase())
    }) && want.next().is_none()
}

impl<'de> Deserialize<'de> for ManifestItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemVisitor;
        impl<'de> Visitor<'de> for ItemVisitor {
            type Value = ManifestItem;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object with Config, RepoTags and Layers")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ManifestItem, A::Error> {
                let (mut config, mut repo_tags, mut layers) = (None, None, None);
                while let Some(key) = map.next_key::<String>()? {
                    // A null leaves the field as it was, as in Go.
                    match Field::of(&key) {
                        Some(Field::Config) => {
                            if let Some(v) = map.next_value::<Option<String>>()? {
                                config = Some(v);
                            }
                        }
                        Some(Field::RepoTags) => {
                            if let Some(v) = map.next_value::<Option<Vec<String>>>()? {
                                repo_tags = Some(v);
                            }
                        }
                        Some(Field::Layers) => {
                            if let Some(v) = map.next_value::<Option<Vec<String>>>()? {
                                layers = Some(v);
                            }
                        }
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(ManifestItem {
                    config: config.ok_or_else(|| de::Error::missing_field("Config"))?,
                    repo_tags,
                    layers: layers.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_map(ItemVisitor)
    }
}

/// A Docker reference in its full form (`docker.io/library/name:latest`),
/// as Docker normalises it: no registry means `docker.io` (and `library/`
/// for a one-part name), `index.docker.io` is `docker.io`, no tag (and no
/// digest) means `latest`.
pub fn normalize(reference: &str) -> String {
    let (name, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (reference, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    let (domain, path) = match repo.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first, rest.to_string())
        }
        _ => ("docker.io", repo.to_string()),
    };
    let domain = if domain == "index.docker.io" {
        "docker.io"
    } else {
        domain
    };
    let path = if domain == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path
    };
    let mut out = format!("{domain}/{path}");
    match (tag, digest) {
        (Some(tag), _) => {
            out.push(':');
            out.push_str(tag);
        }
        (None, None) => out.push_str(":latest"),
        (None, Some(_)) => {}
    }
    if let Some(digest) = digest {
        out.push('@');
        out.push_str(digest);
    }
    out
}

/// The repository part of a normalised reference (no tag, no digest).
pub(crate) fn repository(normalized: &str) -> &str {
    let name = normalized.split_once('@').map_or(normalized, |(n, _)| n);
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[last_slash..].rfind(':') {
        Some(i) => &name[..last_slash + i],
        None => name,
    }
}

/// Does `tag` (as the user typed it after `PATH:`) name the image tagged
/// `repo_tag`? The same reference once both are normalised.
fn names_same(tag: &str, repo_tag: &str) -> bool {
    normalize(tag) == normalize(repo_tag)
}

/// Parse `manifest.json` and pick the image: the one tagged `tag` when given
/// (any spelling of one reference; `@N` is the Nth image, from 0, as skopeo
/// counts), else the first (as `docker load` and dive do). A name without a
/// tag that is not tagged `latest` picks the first image of that repository.
pub fn select(
    manifest_json: &[u8],
    what: &str,
    tag: Option<&str>,
) -> Result<(ManifestItem, Vec<String>)> {
    let items: Vec<ManifestItem> = serde_json::from_slice(manifest_json).map_err(|e| {
        Error::invalid(
            format!("{what}: manifest.json"),
            format!("not a docker-save manifest: {e}"),
        )
    })?;
    let mut warnings = Vec::new();
    let tags_of = |item: &ManifestItem| item.repo_tags.clone().unwrap_or_default();
    let item = match tag {
        Some(index) if index.starts_with('@') => {
            let n = index[1..].parse::<usize>().map_err(|_| {
                Error::Config(format!(
                    "'{}': an image index is @N, a number counted from 0",
                    crate::safe_text::sanitize(index)
                ))
            })?;
            items.get(n).cloned().ok_or_else(|| {
                Error::missing(
                    what,
                    format!(
                        "no image @{n} in manifest.json: it lists {} (@0 to @{})",
                        items.len(),
                        items.len().saturating_sub(1)
                    ),
                )
            })?
        }
        Some(tag) => {
            let exact = items
                .iter()
                .find(|item| tags_of(item).iter().any(|t| names_same(tag, t)));
            let by_repository = || {
                // `name` alone: the image of that repository, whatever its tag.
                let has_tag =
                    tag.contains('@') || tag[tag.rfind('/').map_or(0, |i| i + 1)..].contains(':');
                let wanted = normalize(tag);
                let wanted = repository(&wanted);
                items.iter().find(|item| {
                    !has_tag
                        && tags_of(item)
                            .iter()
                            .any(|t| repository(&normalize(t)) == wanted)
                })
            };
            exact.or_else(by_repository).cloned().ok_or_else(|| {
                let known: Vec<String> = items.iter().flat_map(tags_of).collect();
                Error::missing(
                    what,
                    format!(
                        "no image tagged '{}' in manifest.json (it has {})",
                        crate::safe_text::sanitize(tag),
                        if known.is_empty() {
                            "no tags".to_string()
                        } else {
                            crate::safe_text::sanitize(&known.join(", "))
                        }
                    ),
                )
            })?
        }
        None => {
            let first = items.first().cloned().ok_or_else(|| {
                Error::invalid(format!("{what}: manifest.json"), "lists no image")
            })?;
            if items.len() > 1 {
                warnings.push(format!(
                    "the archive holds {} images; reading the first ({}); name another as PATH:TAG",
                    items.len(),
                    first
                        .repo_tags
                        .iter()
                        .flatten()
                        .next()
                        .map(String::as_str)
                        .unwrap_or("untagged")
                ));
            }
            first
        }
    };
    Ok((item, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(json: &str) -> ManifestItem {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn keys_match_whatever_their_case_as_in_go() {
        // Jib's spelling.
        let jib = item(r#"{"config":"config.json","repoTags":["jib:1"],"layers":["a.tar.gz"]}"#);
        assert_eq!(jib.config, "config.json");
        assert_eq!(jib.repo_tags, Some(vec!["jib:1".to_string()]));
        assert_eq!(jib.layers, vec!["a.tar.gz"]);
        // Two spellings of one key: the last wins; a null changes nothing;
        // unknown keys are ignored; Go's non-ASCII folds.
        let both = item(r#"{"Config":"a","CONFIG":"b","Layers":["x"],"layers":null,"Other":1}"#);
        assert_eq!((both.config.as_str(), both.layers.len()), ("b", 1));
        assert_eq!(
            item("{\"Config\":\"c\",\"Layer\u{17f}\":[\"y\"]}").layers,
            vec!["y"]
        );
        assert!(serde_json::from_str::<ManifestItem>(r#"{"Configs":"a"}"#).is_err());
        assert!(serde_json::from_str::<ManifestItem>(r#"{"Config":1}"#).is_err());
    }

    #[test]
    fn references_are_normalised() {
        for spelling in [
            "name",
            "name:latest",
            "library/name",
            "docker.io/library/name:latest",
            "index.docker.io/library/name:latest",
        ] {
            assert_eq!(
                normalize(spelling),
                "docker.io/library/name:latest",
                "{spelling}"
            );
        }
        assert_eq!(normalize("me/app:1"), "docker.io/me/app:1");
        assert_eq!(normalize("localhost/app"), "localhost/app:latest");
        assert_eq!(normalize("reg.io:5000/a/b:2"), "reg.io:5000/a/b:2");
        assert_eq!(normalize("reg.io:5000/a"), "reg.io:5000/a:latest");
        assert_eq!(normalize("a@sha256:ff"), "docker.io/library/a@sha256:ff");
    }

    fn two() -> Vec<u8> {
        br#"[{"Config":"1.json","RepoTags":["docker.io/library/one:latest"],"Layers":[]},
             {"Config":"2.json","RepoTags":["index.docker.io/me/two:v2"],"Layers":[]}]"#
            .to_vec()
    }

    #[test]
    fn any_spelling_of_a_tag_and_an_index_select_the_image() {
        let pick = |tag: &str| select(&two(), "t", Some(tag)).map(|(item, _)| item.config);
        for tag in [
            "one",
            "one:latest",
            "library/one",
            "docker.io/library/one:latest",
            "index.docker.io/library/one:latest",
            "@0",
        ] {
            assert_eq!(pick(tag).unwrap(), "1.json", "{tag}");
        }
        for tag in ["me/two:v2", "docker.io/me/two:v2", "me/two", "@1"] {
            assert_eq!(pick(tag).unwrap(), "2.json", "{tag}");
        }
        for tag in ["two", "one:v2", "me/two:latest", "@2"] {
            assert!(pick(tag).is_err(), "{tag}");
        }
        let err = pick("@x").unwrap_err().to_string();
        assert!(err.contains("@N"), "{err}");
        let err = pick("@2").unwrap_err().to_string();
        assert!(err.contains("@0 to @1"), "{err}");
    }
}
