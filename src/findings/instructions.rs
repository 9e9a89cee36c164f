//! Findings about the Dockerfile's instructions, read from the history of the
//! user's layers: `ADD` where `COPY` would do.
//!
//! `ADD` copies like `COPY`, and also extracts a local tar archive and
//! fetches a URL; the best-practice guides keep it for those. The history
//! says what an `ADD` took, in two spellings:
//!
//! - Docker's legacy builder and buildah: `/bin/sh -c #(nop) ADD
//!   [--chown=U]file:<hash> in <dest>` for one file of the context (a plain
//!   file, or a local archive it extracted), `dir:<hash>` for a folder (never
//!   extracted: only an archive named as the source is), `multi:<hash>` for
//!   several sources, and a bare hash for a URL download.
//! - BuildKit (and kaniko): `ADD [--options] <src>... <dest>`, sources named.
//!
//! A false positive is worse than a miss, so only these are flagged: a
//! `dir:` source; a `file:` source whose layer holds nothing but that one
//! regular file at the destination (an archive extracts to a tree); named
//! sources that are neither URLs, git references, archive names nor
//! patterns that could match one. Several hashed sources, URLs, and 0600
//! files (what a URL download leaves) are left alone.

use super::{Finding, Group, Kind, Severity, command};
use crate::analysis::ExactView;
use crate::image::config::display_command;
use crate::layer::{EntryKind, LayerChanges, LayerIdx, Op, path};

/// What the history says one `ADD` took.
#[derive(Debug, PartialEq, Eq)]
enum Source<'a> {
    /// `file:<hash>`: one file of the context, copied or extracted.
    File,
    /// `dir:<hash>`: a folder of the context.
    Dir,
    /// BuildKit's named sources, all plainly local and not archives.
    Plain,
    /// Anything ADD may be needed for, or that cannot be told.
    Other(&'a str),
}

#[derive(Debug, PartialEq, Eq)]
struct Add<'a> {
    source: Source<'a>,
    /// The destination as written (relative to the WORKDIR when relative).
    dest: &'a str,
}

/// Archive names `ADD` would extract (compressed alone too: Docker looks at
/// the content, and a `.gz` may hold a tar).
const ARCHIVE_ENDINGS: [&str; 14] = [
    ".tar", ".tgz", ".taz", ".tbz", ".tbz2", ".txz", ".tzst", ".tlz", ".gz", ".bz2", ".xz", ".zst",
    ".zstd", ".lz4",
];

/// The `ADD` a history entry records, if it is one.
fn parse_add(created_by: &str) -> Option<Add<'_>> {
    let raw = created_by.trim();
    if let Some(rest) = raw.strip_prefix("/bin/sh -c") {
        let rest = rest.trim_start().strip_prefix("#(nop)")?.trim();
        let (head, dest) = rest.strip_prefix("ADD ")?.rsplit_once(" in ")?;
        return Some(Add {
            source: hashed_source(head.trim()),
            dest: dest.trim(),
        });
    }
    let text = raw.strip_suffix("# buildkit").unwrap_or(raw).trim();
    let rest = text.strip_prefix("ADD ")?;
    let words: Vec<&str> = rest
        .split_whitespace()
        .skip_while(|w| w.starts_with("--"))
        .collect();
    let (dest, sources) = words.split_last()?;
    if sources.is_empty() {
        // A heredoc, or something else than a plain list.
        return Some(Add {
            source: Source::Other(rest),
            dest,
        });
    }
    let source = if sources.iter().all(|s| plainly_local_file(s)) {
        Source::Plain
    } else {
        Source::Other(rest)
    };
    Some(Add { source, dest })
}

/// `[--chown=U]file:<hex>` and its kin (the legacy builder glues the option
/// to the hash).
fn hashed_source(head: &str) -> Source<'_> {
    let Some((kind, hash)) = head.rsplit_once(':') else {
        return Source::Other(head);
    };
    if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Source::Other(head);
    }
    if kind.ends_with("file") {
        Source::File
    } else if kind.ends_with("dir") {
        Source::Dir
    } else {
        // `multi:` (several sources, an archive maybe among them), or a
        // URL's bare hash.
        Source::Other(head)
    }
}

/// A named source that is surely a local file or folder `ADD` will not
/// extract: no URL, no git reference, no archive name, no pattern, no
/// quoting or variable peel cannot read.
fn plainly_local_file(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    let unclear = ['"', '\'', '[', ']', '*', '?', '$', '<', '\\'];
    !lower.contains("://")
        && !lower.starts_with("git@")
        && !lower.contains(".git#")
        && !lower.ends_with(".git")
        && !source.contains(unclear)
        && !ARCHIVE_ENDINGS.iter().any(|end| lower.ends_with(end))
}

/// `dest` as a canonical path (empty for the root), relative ones under
/// `workdir`.
fn canonical_dest(workdir: &str, dest: &str) -> Vec<u8> {
    let joined = if dest.starts_with('/') {
        dest.to_string()
    } else {
        format!("{workdir}/{dest}")
    };
    path::canonicalize(joined.as_bytes())
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The layer holds one regular file, at `dest` or in it, and otherwise only
/// directories: a file copied as it is, not an archive extracted.
fn one_plain_file(changes: &LayerChanges, dest: &[u8]) -> bool {
    let mut others = changes.records.iter().filter(|r| match &r.op {
        Op::Add(meta) => !meta.kind.is_dir(),
        Op::Whiteout | Op::Opaque => true,
    });
    let (Some(only), None) = (others.next(), others.next()) else {
        return false;
    };
    let Op::Add(meta) = &only.op else {
        return false;
    };
    meta.kind == EntryKind::File
        // What a URL download leaves.
        && meta.mode & 0o777 != 0o600
        && (*only.path == *dest || path::split_last(&only.path).0 == dest)
}

/// The files and links a layer adds, for the finding's paths, leaving out
/// the ignored ones; `None` when every one of them is ignored.
fn added_paths<'a>(
    changes: &'a LayerChanges,
    ignored: &dyn Fn(&[u8]) -> bool,
) -> Option<Group<'a>> {
    let mut group = Group::default();
    let mut any = false;
    for record in &changes.records {
        if let Op::Add(meta) = &record.op
            && !meta.kind.is_dir()
        {
            any = true;
            if !ignored(&record.path) {
                group.add(&*record.path, 0);
            }
        }
    }
    (!any || !group.paths.is_empty()).then_some(group)
}

/// `ADD` of plain files and folders, one finding per layer of the user's
/// (none for a layer whose every path is `ignored`).
pub(super) fn add_instead_of_copy(
    analysis: &ExactView<'_>,
    ignored: &dyn Fn(&[u8]) -> bool,
    findings: &mut Vec<Finding>,
) {
    let image = &analysis.image;
    let base = analysis.exact.base_layers;
    let mut workdir = String::from("/");
    let mut layer = 0usize;
    for entry in image.config.history.iter().flatten() {
        let created_by = entry.created_by.as_deref().unwrap_or_default();
        // The legacy builder makes a layer of a WORKDIR it creates.
        if let Some(dir) = display_command(created_by).strip_prefix("WORKDIR ") {
            let dir = dir.trim();
            workdir = if dir.starts_with('/') {
                dir.to_string()
            } else {
                format!("{workdir}/{dir}")
            };
        }
        if entry.empty_layer {
            continue;
        }
        let idx = layer;
        layer += 1;
        let (Some(current), Some(at)) = (image.layers.get(idx), LayerIdx::new(idx)) else {
            break;
        };
        if idx < base {
            continue;
        }
        let Some(add) = parse_add(created_by) else {
            continue;
        };
        let changes = &current.changes;
        let plain = match add.source {
            Source::Dir | Source::Plain => true,
            Source::File => one_plain_file(changes, &canonical_dest(&workdir, add.dest)),
            Source::Other(_) => false,
        };
        if !plain {
            continue;
        }
        let Some(paths) = added_paths(changes, ignored) else {
            continue;
        };
        let advice = format!(
            "Layer {idx} copies plain files with ADD, which also extracts archives and fetches URLs: use COPY, \
             which only copies. Keep ADD for a local tar archive it should extract; for a URL, prefer `RUN curl` \
             or `ADD --checksum=…`."
        );
        findings.push(paths.into_finding(
            Kind::AddInsteadOfCopy,
            Severity::Info,
            vec![at],
            command(analysis, at),
            advice,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Meta, Record};

    fn parsed(created_by: &str) -> Option<(Source<'_>, &str)> {
        parse_add(created_by).map(|a| (a.source, a.dest))
    }

    #[test]
    fn legacy_and_buildah_spellings() {
        let hash = "473ad245acd505a00b2f08ea23b6fd3ab2a7ce516cb9cd4f3ac5fa4cb6d22262";
        assert_eq!(
            parsed(&format!("/bin/sh -c #(nop) ADD file:{hash} in /app/ ")),
            Some((Source::File, "/app/"))
        );
        assert_eq!(
            parsed(&format!("/bin/sh -c #(nop) ADD dir:{hash} in /app/d/ ")),
            Some((Source::Dir, "/app/d/"))
        );
        // `--chown` glued to the hash, a relative destination.
        assert_eq!(
            parsed(&format!(
                "/bin/sh -c #(nop) ADD --chown=1000:1000file:{hash} in . "
            )),
            Some((Source::File, "."))
        );
        assert!(matches!(
            parsed(&format!("/bin/sh -c #(nop) ADD multi:{hash} in /multi/ ")),
            Some((Source::Other(_), "/multi/"))
        ));
        // A URL download: a bare hash, with or without an owner.
        for head in [hash.to_string(), format!("--chown=1000:1000{hash}")] {
            assert!(matches!(
                parsed(&format!("/bin/sh -c #(nop) ADD {head} in /tmp/x ")),
                Some((Source::Other(_), "/tmp/x"))
            ));
        }
        // Not an ADD.
        assert_eq!(
            parsed(&format!("/bin/sh -c #(nop) COPY file:{hash} in /app/ ")),
            None
        );
        assert_eq!(parsed("/bin/sh -c echo ADD file:1 in /x"), None);
    }

    #[test]
    fn buildkit_spellings() {
        assert_eq!(
            parsed("ADD --chown=app --chmod=644 config.yml /etc/app/ # buildkit"),
            Some((Source::Plain, "/etc/app/"))
        );
        assert_eq!(
            parsed("ADD src/ lib ./ # buildkit"),
            Some((Source::Plain, "./"))
        );
        assert_eq!(parsed("ADD . /app"), Some((Source::Plain, "/app")));
        for kept in [
            "ADD https://example.com/tool /usr/local/bin/tool # buildkit",
            "ADD --checksum=sha256:00 https://example.com/a.tgz /opt/ # buildkit",
            "ADD git@github.com:moby/buildkit.git /src # buildkit",
            "ADD https://github.com/moby/buildkit.git#v0.10.1 /src # buildkit",
            "ADD rootfs.tar.xz / # buildkit",
            "ADD vendor.TGZ /opt/ # buildkit",
            "ADD app.zst /opt/ # buildkit",
            "ADD notes.txt release.tar.gz /opt/ # buildkit",
            "ADD *.tar /opt/ # buildkit",
            "ADD dist/* /opt/ # buildkit",
            "ADD $SRC /opt/ # buildkit",
            "ADD [\"a b\", \"/opt/\"] # buildkit",
        ] {
            assert!(
                matches!(parsed(kept), Some((Source::Other(_), _))),
                "{kept}"
            );
        }
        // A heredoc names no source.
        assert!(matches!(
            parsed("ADD /etc/motd # buildkit"),
            Some((Source::Other(_), _))
        ));
        assert_eq!(parsed("COPY a /b # buildkit"), None);
        assert_eq!(parsed("RUN /bin/sh -c tar -xf a.tar # buildkit"), None);
    }

    fn file(path: &str, mode: u32) -> Record {
        Record {
            path: path.as_bytes().into(),
            op: Op::Add(Meta {
                kind: EntryKind::File,
                size: 10,
                mode,
                uid: 0,
                gid: 0,
                mtime: 0,
                link: None,
                hash: 1,
                secret: None,
            }),
        }
    }

    fn dir(path: &str) -> Record {
        Record {
            path: path.as_bytes().into(),
            op: Op::Add(Meta::implicit_dir()),
        }
    }

    fn layer(records: Vec<Record>) -> LayerChanges {
        LayerChanges {
            records,
            ..LayerChanges::default()
        }
    }

    #[test]
    fn a_plain_file_is_one_regular_file_at_the_destination() {
        let copied = layer(vec![dir("app"), file("app/main.sh", 0o644)]);
        assert!(one_plain_file(&copied, &canonical_dest("/", "/app/")));
        assert!(one_plain_file(&copied, &canonical_dest("/app", ".")));
        assert!(one_plain_file(
            &copied,
            &canonical_dest("/", "/app/main.sh")
        ));
        assert!(!one_plain_file(&copied, &canonical_dest("/", "/srv/")));
        // An extracted archive: a tree, or a file below the destination.
        let extracted = layer(vec![
            dir("opt"),
            dir("opt/x"),
            file("opt/x/t.txt", 0o644),
            file("opt/x/u.txt", 0o644),
        ]);
        assert!(!one_plain_file(&extracted, &canonical_dest("/", "/opt/")));
        let nested = layer(vec![dir("opt/x"), file("opt/x/t.txt", 0o644)]);
        assert!(!one_plain_file(&nested, &canonical_dest("/", "/opt/")));
        // What a URL download leaves, and a layer that also deletes.
        let downloaded = layer(vec![file("tmp/x", 0o600)]);
        assert!(!one_plain_file(&downloaded, &canonical_dest("/", "/tmp/x")));
        let mut deleting = copied.clone();
        deleting.records.push(Record {
            path: b"app/old".to_vec().into(),
            op: Op::Whiteout,
        });
        assert!(!one_plain_file(&deleting, &canonical_dest("/", "/app/")));
    }

    #[test]
    fn destinations_resolve_under_the_workdir() {
        assert_eq!(canonical_dest("/", "/app/"), b"app");
        assert_eq!(canonical_dest("/srv/app", "conf/"), b"srv/app/conf");
        assert_eq!(canonical_dest("/srv", "."), b"srv");
        assert_eq!(canonical_dest("/", "/"), b"");
    }
}
