//! Image references as the docker CLI reads them: `debian` is
//! `docker.io/library/debian:latest`; a first component with a `.` or a `:`
//! (or `localhost`) names the registry; `:TAG` and `@DIGEST` as usual.

use std::fmt;

use crate::error::{Error, Result};
use crate::safe_text::sanitize;

/// Docker Hub as the CLI names it, and the host its API answers on.
pub const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// What a reference names in a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    /// The registry as written (`docker.io` for Docker Hub), `HOST[:PORT]`.
    pub registry: String,
    /// The repository path (`library/debian`).
    pub repository: String,
    /// The tag (`latest` when neither a tag nor a digest is given).
    pub tag: Option<String>,
    /// `sha256:…` when the reference pins one.
    pub digest: Option<String>,
}

impl RegistryRef {
    /// Parse `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`.
    pub fn parse(input: &str) -> Result<Self> {
        let bad = |why: &str| Error::Config(format!("'{}': {why}", sanitize(input)));
        if input.is_empty() {
            return Err(bad("names no image"));
        }
        let (name, digest) = match input.split_once('@') {
            Some((name, digest)) => (
                name,
                Some(parse_digest(digest).ok_or_else(|| {
                    bad("the part after '@' is not a digest (sha256:<64 hex digits>)")
                })?),
            ),
            None => (input, None),
        };
        let (host, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), rest)
            }
            _ => (DOCKER_HUB.to_string(), name),
        };
        let (path, tag) = match path.rsplit_once(':') {
            Some((path, tag)) if !tag.contains('/') => (path, Some(tag)),
            _ => (path, None),
        };
        if let Some(tag) = tag
            && !valid_tag(tag)
        {
            return Err(bad(
                "the tag is not valid (up to 128 of A-Z a-z 0-9 _ . -, not starting with . or -)",
            ));
        }
        if !valid_host(&host) {
            return Err(bad("the registry is not a valid HOST[:PORT]"));
        }
        if path.is_empty() || !path.split('/').all(valid_component) {
            return Err(bad(
                "the repository is not valid (lowercase letters, digits and separators . _ - /)",
            ));
        }
        let repository = if host == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_string()
        };
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, Some(_)) => None,
            (None, None) => Some("latest".to_string()),
        };
        Ok(RegistryRef {
            registry: host,
            repository,
            tag,
            digest,
        })
    }

    /// The host (and port) the registry's API answers on.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB || self.registry == "index.docker.io" {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// What the manifest is fetched by: the digest when pinned, else the tag.
    pub fn manifest_ref(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }
}

impl fmt::Display for RegistryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

fn parse_digest(text: &str) -> Option<String> {
    let (algorithm, hex) = text.split_once(':')?;
    let len = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        _ => return None,
    };
    (hex.len() == len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| text.to_string())
}

fn valid_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 128
        && !tag.starts_with(['.', '-'])
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn valid_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(']') || host.starts_with('[') => (name, Some(port)),
        _ => (host, None),
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    port_ok && name_ok
}

fn valid_component(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= 255
        && part.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
        && part.as_bytes()[0].is_ascii_alphanumeric()
        && part.as_bytes()[part.len() - 1].is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(input: &str) -> (String, String, Option<String>, Option<String>) {
        let r = RegistryRef::parse(input).unwrap();
        (r.registry, r.repository, r.tag, r.digest)
    }

    #[test]
    fn reads_references_as_the_docker_cli_does() {
        let latest = Some("latest".to_string());
        assert_eq!(
            parsed("debian"),
            (
                "docker.io".into(),
                "library/debian".into(),
                latest.clone(),
                None
            )
        );
        assert_eq!(
            parsed("ghcr.io/org/team/app:1.4"),
            (
                "ghcr.io".into(),
                "org/team/app".into(),
                Some("1.4".into()),
                None
            )
        );
        assert_eq!(
            parsed("localhost:5000/app"),
            ("localhost:5000".into(), "app".into(), latest.clone(), None)
        );
        assert_eq!(
            parsed("127.0.0.1:5055/a/b:pr-42"),
            (
                "127.0.0.1:5055".into(),
                "a/b".into(),
                Some("pr-42".into()),
                None
            )
        );
        assert_eq!(parsed("user/app").1, "user/app");
        let digest = format!("sha256:{}", "a".repeat(64));
        let r = RegistryRef::parse(&format!("debian@{digest}")).unwrap();
        assert_eq!(
            (r.tag.as_deref(), r.digest.as_deref()),
            (None, Some(digest.as_str()))
        );
        assert_eq!(r.manifest_ref(), digest);
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.to_string(), format!("docker.io/library/debian@{digest}"));
    }

    #[test]
    fn refuses_what_no_registry_accepts() {
        for bad in [
            "",
            "UPPER",
            "a//b",
            "debian:",
            "debian:-x",
            "x@sha256:12",
            "x@md5:aa",
            "host:99x/app",
        ] {
            assert!(RegistryRef::parse(bad).is_err(), "{bad}");
        }
    }
}
