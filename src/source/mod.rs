//! Where image bytes come from: the reference the user typed, parsed into a
//! source, and opened into an [`Image`].

use std::fs::File;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::image::archive::Prefer;
use crate::image::{self, Image, Selection};
use crate::progress::Progress;

pub mod docker;
pub mod engine;
mod kept_stdin;
pub mod registry;

/// `--source` values (dive's names plus peel's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceKind {
    Docker,
    Podman,
    DockerArchive,
    Oci,
    OciArchive,
    /// A registry, read without a daemon (`registry://REF`).
    Registry,
}

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A tar archive (any docker-save layout, or an oci-archive), from a
    /// file; `prefer` says which of `manifest.json` and `index.json` leads
    /// to the image when it holds both (`oci-archive:` reads `index.json`,
    /// as skopeo does; a plain path and `docker-archive:` read
    /// `manifest.json`, as `docker load` does).
    Archive {
        path: PathBuf,
        tag: Option<String>,
        prefer: Prefer,
    },
    /// The same from standard input (`-`).
    Stdin { tag: Option<String> },
    /// An OCI image layout directory.
    OciDir { path: PathBuf, tag: Option<String> },
    /// An image in a Docker (or Docker-compatible) engine.
    Engine { engine: SourceKind, name: String },
    /// An image in a registry, read without a daemon.
    Registry { name: String },
}

/// Parse what the user typed. Transports: skopeo-style `docker-archive:PATH[:TAG]`,
/// `oci:PATH[:TAG]`, `oci-archive:PATH[:TAG]`, dive-style `docker-archive://PATH`,
/// `docker://REF`, `docker-daemon:REF`, `podman://REF`; `-` is stdin; a bare
/// path is detected as a file or a directory.
pub fn parse(input: &str, source: Option<SourceKind>) -> Result<Reference> {
    if let Some(kind) = source {
        return Ok(match kind {
            SourceKind::Docker | SourceKind::Podman => Reference::Engine {
                engine: kind,
                name: input.to_string(),
            },
            SourceKind::DockerArchive => archive_ref(input, Prefer::Manifest),
            SourceKind::OciArchive => archive_ref(input, Prefer::Index),
            SourceKind::Oci => {
                let (path, tag) = split_tag(input);
                Reference::OciDir { path, tag }
            }
            SourceKind::Registry => Reference::Registry {
                name: input.to_string(),
            },
        });
    }
    if input == "-" {
        return Ok(Reference::Stdin { tag: None });
    }
    for (prefix, kind) in [
        ("docker-archive://", SourceKind::DockerArchive),
        ("docker-archive:", SourceKind::DockerArchive),
        ("oci-archive://", SourceKind::OciArchive),
        ("oci-archive:", SourceKind::OciArchive),
        ("oci://", SourceKind::Oci),
        ("oci:", SourceKind::Oci),
        ("docker-daemon://", SourceKind::Docker),
        ("docker-daemon:", SourceKind::Docker),
        ("docker://", SourceKind::Docker),
        ("podman://", SourceKind::Podman),
        ("registry://", SourceKind::Registry),
    ] {
        if let Some(rest) = input.strip_prefix(prefix) {
            if rest.is_empty() {
                return Err(Error::Config(format!(
                    "'{input}' names no image after '{prefix}'"
                )));
            }
            return parse(rest, Some(kind));
        }
    }
    let path = Path::new(input);
    if path.is_dir() {
        return Ok(Reference::OciDir {
            path: path.to_path_buf(),
            tag: None,
        });
    }
    if path.exists() || looks_like_path(input) {
        return Ok(Reference::Archive {
            path: path.to_path_buf(),
            tag: None,
            prefer: Prefer::Manifest,
        });
    }
    Ok(Reference::Engine {
        engine: SourceKind::Docker,
        name: input.to_string(),
    })
}

/// An archive reference, `PATH` or `PATH:TAG` (the path wins when it exists).
fn archive_ref(input: &str, prefer: Prefer) -> Reference {
    if input == "-" {
        return Reference::Stdin { tag: None };
    }
    if let Some(("-", tag)) = input.split_once(':') {
        return Reference::Stdin {
            tag: Some(tag.to_string()),
        };
    }
    let (path, tag) = split_tag(input);
    Reference::Archive { path, tag, prefer }
}

/// `PATH[:TAG]`: the whole string is the path if it exists, else the part
/// after the last `:` is a tag when the part before it exists.
fn split_tag(input: &str) -> (PathBuf, Option<String>) {
    if Path::new(input).exists() {
        return (input.into(), None);
    }
    // The longest prefix that exists names the file; the rest is the image
    // (`name`, `name:tag`, as skopeo writes `docker-archive:PATH:NAME:TAG`).
    for (idx, _) in input.rmatch_indices(':') {
        let (path, tag) = (&input[..idx], &input[idx + 1..]);
        if !path.is_empty() && !tag.is_empty() && Path::new(path).exists() {
            return (path.into(), Some(tag.to_string()));
        }
    }
    (input.into(), None)
}

/// A string that is surely meant as a file, not an image name.
fn looks_like_path(input: &str) -> bool {
    input.starts_with('/')
        || input.starts_with("./")
        || input.starts_with("../")
        || input.starts_with('~')
        || [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.zstd"]
            .iter()
            .any(|ext| input.ends_with(ext))
}

/// Options that apply to every source.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub platform: Option<image::PlatformSpec>,
    /// Where the reader reports how far it got (and learns of a cancel).
    pub progress: Arc<Progress>,
    /// Engine images: pull an image the engine does not have (`--pull`).
    pub pull: bool,
    /// Print nothing on stderr while reading (the terminal belongs to the UI).
    pub quiet: bool,
    /// `--no-verify`: check no digest (and hash nothing).
    pub no_verify: bool,
    /// `--keep-layers`: the folder to keep standard input in (within
    /// `keep_bound` bytes), so that its layers can be read again.
    pub keep_layers: Option<PathBuf>,
    pub keep_bound: u64,
    /// Registry images: TLS, plain HTTP, parallel fetches.
    pub registry: registry::Options,
}

/// Read the image a reference names.
pub fn open(reference: &Reference, display: &str, options: &OpenOptions) -> Result<Image> {
    let selection = |tag: &Option<String>| Selection {
        tag: tag.clone(),
        platform: options.platform.clone(),
        no_verify: options.no_verify,
    };
    match reference {
        Reference::Archive { path, tag, prefer } => {
            let what = path.display().to_string();
            let file = File::open(path).map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => Error::missing(&what, "no such file or directory"),
                _ => Error::io(&what, e),
            })?;
            if path.is_dir() {
                return image::oci_dir::read(path, display, &selection(tag), &options.progress);
            }
            if let Ok(meta) = file.metadata() {
                options.progress.set_bytes_total(meta.len());
            }
            image::archive::read_file_as(
                file,
                path,
                &what,
                display,
                &selection(tag),
                &options.progress,
                *prefer,
            )
        }
        Reference::Stdin { tag } => open_stream(io::stdin().lock(), tag, display, options),
        Reference::OciDir { path, tag } => {
            let what = path.display().to_string();
            if !path.exists() {
                return Err(Error::missing(&what, "no such file or directory"));
            }
            if !path.is_dir() {
                // `oci:` given a file: it is most likely an oci-archive.
                return open(
                    &Reference::Archive {
                        path: path.clone(),
                        tag: tag.clone(),
                        prefer: Prefer::Index,
                    },
                    display,
                    options,
                );
            }
            image::oci_dir::read(path, display, &selection(tag), &options.progress)
        }
        Reference::Engine { engine, name } => docker::open(*engine, name, display, options),
        Reference::Registry { name } => registry::open(name, display, options),
    }
}

/// Read an image archive from the stream `input` (standard input). With
/// `--keep-layers` the stream is copied into the session folder as it is
/// read, so that its layers can be read again.
pub fn open_stream(
    input: impl io::Read,
    tag: &Option<String>,
    display: &str,
    options: &OpenOptions,
) -> Result<Image> {
    let selection = Selection {
        tag: tag.clone(),
        platform: options.platform.clone(),
        no_verify: options.no_verify,
    };
    let input = BufReader::with_capacity(1 << 20, input);
    let Some(folder) = options.keep_layers.as_deref() else {
        return image::archive::read(
            input,
            "standard input",
            display,
            &selection,
            &options.progress,
        );
    };
    let mut tee = kept_stdin::Tee::new(input, folder, options.keep_bound)
        .map_err(|e| Error::io(folder.display().to_string(), e))?;
    let file = tee.file().to_path_buf();
    let read = image::archive::read_as(
        &mut tee,
        "standard input",
        display,
        &selection,
        &options.progress,
        image::archive::How {
            archive: Some(&file),
            ..Default::default()
        },
    );
    let kept = tee.finish();
    read.map(|mut image| {
        if !kept {
            kept_stdin::forget(&mut image.layers, &file);
        }
        image
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports() {
        assert_eq!(parse("-", None).unwrap(), Reference::Stdin { tag: None });
        assert_eq!(
            parse("docker-archive:/nonexistent/x.tar", None).unwrap(),
            Reference::Archive {
                path: "/nonexistent/x.tar".into(),
                tag: None,
                prefer: Prefer::Manifest,
            }
        );
        assert_eq!(
            parse("docker-archive:///nonexistent/x.tar", None).unwrap(),
            Reference::Archive {
                path: "/nonexistent/x.tar".into(),
                tag: None,
                prefer: Prefer::Manifest,
            }
        );
        assert_eq!(
            parse("myapp:latest", None).unwrap(),
            Reference::Engine {
                engine: SourceKind::Docker,
                name: "myapp:latest".into()
            }
        );
        assert_eq!(
            parse("podman://x", None).unwrap(),
            Reference::Engine {
                engine: SourceKind::Podman,
                name: "x".into()
            }
        );
        assert!(matches!(
            parse("missing.tar", None).unwrap(),
            Reference::Archive { .. }
        ));
        assert!(parse("oci:", None).is_err());
    }

    #[test]
    fn tag_split_needs_existing_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("layout");
        std::fs::create_dir(&p).unwrap();
        let input = format!("oci:{}:v1", p.display());
        assert_eq!(
            parse(&input, None).unwrap(),
            Reference::OciDir {
                path: p.clone(),
                tag: Some("v1".into())
            }
        );
    }

    #[test]
    fn oci_archive_prefers_index_json() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("both.tar");
        std::fs::write(&p, b"").unwrap();
        let prefer = |input: String| match parse(&input, None).unwrap() {
            Reference::Archive { prefer, tag, .. } => (prefer, tag),
            other => panic!("{other:?}"),
        };
        let path = p.display();
        assert_eq!(prefer(format!("oci-archive:{path}")), (Prefer::Index, None));
        assert_eq!(
            prefer(format!("oci-archive:{path}:v1")),
            (Prefer::Index, Some("v1".into()))
        );
        assert_eq!(prefer(format!("docker-archive:{path}")).0, Prefer::Manifest);
        assert_eq!(prefer(format!("{path}")).0, Prefer::Manifest);
        assert_eq!(
            prefer(format!("docker-archive:{path}:@1")),
            (Prefer::Manifest, Some("@1".into()))
        );
    }
}
