//! Why bytes are wasted, and what to change: patterns from the Docker
//! best-practice guides, recognised in the exact model and the config, each
//! with the layers, the commands, the paths and one or two sentences of
//! advice. Findings never print file contents.

mod cache_order;
mod commands;
mod context_leak;
pub mod describe;
mod fix;
mod hygiene;
mod instructions;
mod patterns;
pub mod savings;
mod toolchain;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::{ExactView, Ignore};
use crate::image::config::{SecretPlace, display_command, shortened, single_line};
use crate::layer::{EntryKind, LayerIdx, Meta, path};
use crate::tree::{HideReason, NodeId, Overwrite, State, Tree};
pub use fix::Fix;
use patterns::{Cache, cache_of, is_apt_list, is_leftover, is_secret};

/// How many paths a finding lists (the count says how many there were).
const MAX_PATHS: usize = 20;

/// Duplicated files smaller than this are not worth a finding.
const MIN_DUPLICATE_BYTES: u64 = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Files added in one layer and deleted in a later one.
    DeletedLater,
    /// Package-manager caches and indexes left in a layer.
    PackageCache,
    /// A later layer only changed mode, owner or times: the whole file again.
    MetadataCopyUp,
    /// The same content written again at the same path.
    RewrittenIdentical,
    /// The same content at several paths of the final image.
    DuplicateContent,
    /// Private keys, `.env` files, credentials.
    Secret,
    /// VCS folders, compilers, documentation left in the final image.
    BuildLeftover,
    /// The image runs as root.
    RunsAsRoot,
    /// No HEALTHCHECK.
    NoHealthcheck,
    /// `ADD` of plain files, where `COPY` would do.
    AddInsteadOfCopy,
    /// The build context copied before a dependency install.
    CacheBustingOrder,
    /// Files of the build context that `.dockerignore` should keep out.
    ContextLeak,
    /// apt, apk, dnf and pip used in ways that cost bytes or reproducibility.
    PackageManagerHygiene,
    /// Compilers and headers in a single-stage image.
    ToolchainInFinalImage,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::DeletedLater,
        Kind::PackageCache,
        Kind::MetadataCopyUp,
        Kind::RewrittenIdentical,
        Kind::DuplicateContent,
        Kind::Secret,
        Kind::BuildLeftover,
        Kind::RunsAsRoot,
        Kind::NoHealthcheck,
        Kind::AddInsteadOfCopy,
        Kind::CacheBustingOrder,
        Kind::ContextLeak,
        Kind::PackageManagerHygiene,
        Kind::ToolchainInFinalImage,
    ];

    /// The kebab-case name used in reports and rules.
    pub fn name(self) -> &'static str {
        match self {
            Kind::DeletedLater => "deleted-later",
            Kind::PackageCache => "package-cache",
            Kind::MetadataCopyUp => "metadata-copy-up",
            Kind::RewrittenIdentical => "rewritten-identical",
            Kind::DuplicateContent => "duplicate-content",
            Kind::Secret => "secret",
            Kind::BuildLeftover => "build-leftover",
            Kind::RunsAsRoot => "runs-as-root",
            Kind::NoHealthcheck => "no-healthcheck",
            Kind::AddInsteadOfCopy => "add-instead-of-copy",
            Kind::CacheBustingOrder => "cache-busting-order",
            Kind::ContextLeak => "context-leak",
            Kind::PackageManagerHygiene => "package-manager-hygiene",
            Kind::ToolchainInFinalImage => "toolchain-in-final-image",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    High,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::High => "high",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    /// Bytes the finding is about (wasted, or left in the image).
    pub bytes: u64,
    /// The layers involved, bottom first.
    pub layers: Vec<LayerIdx>,
    /// The first paths (at most 20), absolute.
    pub paths: Vec<String>,
    pub path_count: usize,
    /// The command of the layer the advice is about.
    pub command: Option<String>,
    pub advice: String,
    /// What fixing it is worth, and where the Dockerfile says it.
    #[serde(flatten)]
    pub fix: Fix,
}

/// Every finding of an analysis, most severe and largest first, leaving out
/// the paths `ignore` accepts (the same globs the analysis was given).
pub fn find(analysis: &ExactView<'_>, ignore: &Ignore) -> Vec<Finding> {
    let ignored = &|path: &[u8]| ignore.matches(path);
    let mut findings = Vec::new();
    hidden_files(analysis, ignored, &mut findings);
    left_in_image(analysis, ignored, &mut findings);
    configuration(analysis, &mut findings);
    instructions::add_instead_of_copy(analysis, ignored, &mut findings);
    cache_order::cache_busting_order(analysis, &mut findings);
    context_leak::context_leak(analysis, ignored, &mut findings);
    hygiene::package_manager_hygiene(analysis, &mut findings);
    toolchain::toolchain_in_final_image(analysis, ignored, &mut findings);
    // A finding about one layer names its command (duplicate-content, whose
    // copies may come from several layers, is built without one).
    for finding in &mut findings {
        if let ([layer], None) = (finding.layers.as_slice(), &finding.command) {
            finding.command = command(analysis, *layer);
        }
    }
    savings::price(analysis.image, &mut findings);
    // Within a severity, the fix worth most first.
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.fix.saved_bytes.cmp(&a.fix.saved_bytes))
            .then(b.bytes.cmp(&a.bytes))
            .then(a.kind.cmp(&b.kind))
    });
    findings
}

/// `what (1.50 MB), other (200 kB)`: parts of a finding with their bytes.
fn with_sizes<'a>(parts: impl IntoIterator<Item = (String, &'a u64)>) -> String {
    parts
        .into_iter()
        .map(|(what, bytes)| {
            format!(
                "{what} ({})",
                humansize::format_size(*bytes, humansize::DECIMAL)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn command(analysis: &ExactView<'_>, layer: LayerIdx) -> Option<String> {
    let text = analysis.image.layers.get(layer.index())?.command();
    (!text.is_empty()).then_some(text)
}

/// A layer's command on one line, cut to a length that reads in a sentence.
fn short_command(analysis: &ExactView<'_>, layer: LayerIdx) -> Option<String> {
    const MAX_CHARS: usize = 60;
    let words = command(analysis, layer)?;
    Some(shortened(&single_line(&words), MAX_CHARS))
}

/// Paths grouped under one key, with their bytes. Paths stay raw (borrowed
/// where they can be) until the group becomes a finding: a group can hold
/// every file of a deleted tree, and only the first few are shown.
#[derive(Default)]
struct Group<'a> {
    bytes: u64,
    paths: Vec<Cow<'a, [u8]>>,
    /// What a fix removes: each path's layer (`None`: the finding's first
    /// layer) and bytes, beside `paths`.
    saved: Vec<(Option<LayerIdx>, u64)>,
}

impl<'a> Group<'a> {
    fn add(&mut self, path: impl Into<Cow<'a, [u8]>>, bytes: u64) {
        self.bytes += bytes;
        self.paths.push(path.into());
        self.saved.push((None, bytes));
    }

    /// A path a fix removes from `layer` (not the finding's first).
    fn add_in(&mut self, layer: LayerIdx, path: impl Into<Cow<'a, [u8]>>, bytes: u64) {
        self.add(path, bytes);
        if let Some(last) = self.saved.last_mut() {
            last.0 = Some(layer);
        }
    }

    fn into_finding(
        mut self,
        kind: Kind,
        severity: Severity,
        layers: Vec<LayerIdx>,
        command: Option<String>,
        advice: String,
    ) -> Finding {
        let first = layers.first().copied().unwrap_or_default();
        let claims = self
            .paths
            .iter()
            .zip(&self.saved)
            .filter(|(_, (_, bytes))| *bytes > 0)
            .map(|(path, (layer, bytes))| savings::Claim::new(layer.unwrap_or(first), path, *bytes))
            .collect();
        let path_count = self.paths.len();
        if path_count > MAX_PATHS {
            self.paths.select_nth_unstable(MAX_PATHS);
            self.paths.truncate(MAX_PATHS);
        }
        self.paths.sort_unstable();
        Finding {
            kind,
            severity,
            bytes: self.bytes,
            layers,
            paths: self.paths.iter().map(|p| path::display(p)).collect(),
            path_count,
            command,
            advice,
            fix: Fix {
                claims,
                ..Fix::default()
            },
        }
    }
}

/// `path` and its bytes added to the group at `key`.
fn add_to<'a, K: Ord>(
    groups: &mut BTreeMap<K, Group<'a>>,
    key: K,
    path: impl Into<Cow<'a, [u8]>>,
    bytes: u64,
) {
    groups.entry(key).or_default().add(path, bytes);
}

/// What makes the finding of one (adding layer, hiding layer) pair.
struct PairFinding<'f> {
    kind: Kind,
    severity: Severity,
    /// Whether the finding's command is the hiding layer's (else the adding one's).
    command_of_hider: bool,
    /// The advice, from the adding and the hiding layer.
    advice: &'f dyn Fn(LayerIdx, LayerIdx) -> String,
}

/// One finding per (adding layer, hiding layer) group, in the groups' order.
fn pair_findings(
    analysis: &ExactView<'_>,
    findings: &mut Vec<Finding>,
    groups: BTreeMap<(LayerIdx, LayerIdx), Group>,
    make: PairFinding<'_>,
) {
    for ((added, hidden), group) in groups {
        let command = command(analysis, if make.command_of_hider { hidden } else { added });
        findings.push(group.into_finding(
            make.kind,
            make.severity,
            vec![added, hidden],
            command,
            (make.advice)(added, hidden),
        ));
    }
}

/// Findings about bytes that a later layer hid: deleted files, caches
/// removed too late, copy-ups, identical rewrites, secrets deleted later.
fn hidden_files(
    analysis: &ExactView<'_>,
    ignored: &dyn Fn(&[u8]) -> bool,
    findings: &mut Vec<Finding>,
) {
    let mut deleted: BTreeMap<(LayerIdx, LayerIdx), Group> = BTreeMap::new();
    let mut caches: BTreeMap<(LayerIdx, LayerIdx, Cache), Group> = BTreeMap::new();
    let mut copy_ups: BTreeMap<(LayerIdx, LayerIdx), Group> = BTreeMap::new();
    let mut rewrites: BTreeMap<(LayerIdx, LayerIdx), Group> = BTreeMap::new();
    let mut secrets: BTreeMap<LayerIdx, Group> = BTreeMap::new();
    for waste in analysis.exact.wasted.iter().filter(|w| !ignored(&w.path)) {
        let key = (waste.layer, waste.hidden_by);
        if waste.secret.is_some() || is_secret(&waste.path) {
            add_to(&mut secrets, waste.layer, &*waste.path, waste.bytes);
            continue;
        }
        // A cache a later layer rewrites (apt-get update touching the base's
        // lists) is the cache's finding, not a copy-up to set as you copy.
        if let (
            HideReason::Overwritten(Overwrite::MetadataOnly | Overwrite::Identical),
            Some(cache),
        ) = (waste.reason, cache_of(&waste.path))
            && waste.hidden_by != waste.layer
        {
            add_to(
                &mut caches,
                (waste.layer, waste.hidden_by, cache),
                &*waste.path,
                waste.bytes,
            );
            continue;
        }
        match waste.reason {
            HideReason::Deleted | HideReason::Opaque | HideReason::Replaced => {
                if let Some(cache) = cache_of(&waste.path) {
                    add_to(
                        &mut caches,
                        (waste.layer, waste.hidden_by, cache),
                        &*waste.path,
                        waste.bytes,
                    );
                } else if waste.hidden_by != waste.layer {
                    add_to(&mut deleted, key, &*waste.path, waste.bytes);
                }
            }
            HideReason::Overwritten(Overwrite::MetadataOnly) => {
                add_to(&mut copy_ups, key, &*waste.path, waste.bytes)
            }
            HideReason::Overwritten(Overwrite::Identical) => {
                add_to(&mut rewrites, key, &*waste.path, waste.bytes)
            }
            HideReason::Overwritten(Overwrite::Changed) => {}
        }
    }
    pair_findings(
        analysis,
        findings,
        deleted,
        PairFinding {
            kind: Kind::DeletedLater,
            severity: Severity::Warning,
            // The finding's command is the one that adds; the advice names the
            // one that deletes.
            command_of_hider: false,
            advice: &|added, hidden| {
                let deleting = match short_command(analysis, hidden) {
                    Some(cmd) => format!(" (`{cmd}`)"),
                    None => String::new(),
                };
                format!(
                    "Layer {added} adds these files and layer {hidden}{deleting} deletes them, but the bytes stay in layer {added}: \
                 delete them in the same RUN that creates them, or build them in a separate stage and COPY only the result."
                )
            },
        },
    );
    pair_findings(
        analysis,
        findings,
        copy_ups,
        PairFinding {
            kind: Kind::MetadataCopyUp,
            severity: Severity::Warning,
            command_of_hider: true,
            advice: &|added, hidden| {
                format!(
                    "Layer {hidden} only changes the mode, owner or times of files from layer {added}, which stores them whole again: \
                 set them as you copy (`COPY --chown=… --chmod=…`) or in the RUN that creates the files."
                )
            },
        },
    );
    pair_findings(
        analysis,
        findings,
        rewrites,
        PairFinding {
            kind: Kind::RewrittenIdentical,
            severity: Severity::Info,
            command_of_hider: true,
            advice: &|added, hidden| {
                format!(
                    "Layer {hidden} writes the same content that layer {added} already has at the same paths: \
                 drop the second copy, or order the Dockerfile so it is written once."
                )
            },
        },
    );
    for ((added, hidden, cache), group) in caches {
        let command = command(analysis, added);
        let fix = cache_advice(cache, &group, command.as_deref());
        let base_layers = analysis.exact.base_layers;
        let advice = if added.index() < base_layers {
            // Not the Dockerfile's RUN: the base image brought it.
            format!(
                "Layer {added} is the base image's and holds {}; removing or rewriting it in layer {hidden} does not shrink the image: \
                 layer {added} keeps it. Start from a base without it (clean it where the base is built).",
                cache.what()
            )
        } else if hidden == added {
            format!(
                "{fix} Layer {added} writes these files more than once: every copy stays in the layer."
            )
        } else {
            format!(
                "{fix} Removing it in layer {hidden} does not shrink the image: layer {added} keeps it."
            )
        };
        findings.push(group.into_finding(
            Kind::PackageCache,
            Severity::Warning,
            vec![added, hidden],
            command,
            advice,
        ));
    }
    for (added, group) in secrets {
        let advice = format!(
            "Layer {added} holds what looks like a secret; a later layer hides it (deleted or replaced), but its bytes stay in \
             layer {added}, where anyone who pulls the image can read them. Rotate it, and pass secrets with \
             `RUN --mount=type=secret` instead of copying them."
        );
        let command = command(analysis, added);
        findings.push(group.into_finding(
            Kind::Secret,
            Severity::High,
            vec![added],
            command,
            advice,
        ));
    }
}

/// A file of the final image by its content: (hash, size, content entry,
/// node, the layer that put it there). Sorted, equal contents sit together.
type ContentCopy = (u64, u64, u32, NodeId, LayerIdx);

/// A path of the final image that is not a directory, as the findings about
/// what the image still holds see it.
struct FinalEntry<'t> {
    id: NodeId,
    /// The layer that wrote it.
    layer: LayerIdx,
    meta: &'t Meta,
    content: Option<u32>,
    /// Its content's bytes (a hardlink's: its target's).
    bytes: u64,
}

/// Every non-directory path of the final image not `ignored`, in path order.
fn for_each_final_entry(
    tree: &Tree,
    ignored: &dyn Fn(&[u8]) -> bool,
    mut visit: impl FnMut(&[u8], FinalEntry<'_>),
) {
    tree.for_each_path(|id, path| {
        let Some(version) = tree.node(id).versions.last() else {
            return;
        };
        let State::Present { meta, content, .. } = &version.state else {
            return;
        };
        if meta.kind.is_dir() || ignored(path) {
            return;
        }
        let entry = FinalEntry {
            id,
            layer: version.layer,
            meta,
            content: *content,
            bytes: content.map_or(0, |f| tree.files[f as usize].size),
        };
        visit(path, entry);
    });
}

/// Findings about what the final image still holds: caches, secrets and build
/// leftovers, from the user's layers (the base image's own files are not the
/// Dockerfile's to fix).
fn left_in_image(
    analysis: &ExactView<'_>,
    ignored: &dyn Fn(&[u8]) -> bool,
    findings: &mut Vec<Finding>,
) {
    let tree = &analysis.tree;
    let base = analysis.exact.base_layers;
    let mut caches: BTreeMap<(LayerIdx, Cache), Group> = BTreeMap::new();
    let mut secrets: BTreeMap<LayerIdx, Group> = BTreeMap::new();
    let mut leftovers: BTreeMap<LayerIdx, Group> = BTreeMap::new();
    let mut copies: Vec<ContentCopy> = Vec::new();
    for_each_final_entry(tree, ignored, |path, entry| {
        let FinalEntry {
            id, layer, bytes, ..
        } = entry;
        // Secrets count wherever they came from: the base image's too.
        if is_secret_entry(tree, id, entry.meta.kind, entry.content, path) {
            add_to(&mut secrets, layer, path.to_vec(), bytes);
        }
        // Duplicated documentation is already a build leftover.
        if let Some(file) = entry.content
            && bytes >= MIN_DUPLICATE_BYTES
            && !is_leftover(path)
        {
            copies.push((entry.meta.hash, bytes, file, id, layer));
        }
        if layer.index() < base {
            return;
        }
        if let Some(cache) = cache_of(path) {
            // apt's `lock`, an empty `partial/`: no bytes, nothing to fix.
            if bytes == 0 {
                return;
            }
            add_to(&mut caches, (layer, cache), path.to_vec(), bytes);
        } else if is_leftover(path) {
            add_to(&mut leftovers, layer, path.to_vec(), bytes);
        }
    });
    for ((layer, cache), group) in caches {
        let command = command(analysis, layer);
        let advice = cache_advice(cache, &group, command.as_deref());
        findings.push(group.into_finding(
            Kind::PackageCache,
            Severity::Warning,
            vec![layer],
            command,
            advice,
        ));
    }
    for (layer, group) in secrets {
        let command = command(analysis, layer);
        let advice = "The final image holds what looks like a secret: anyone who pulls it can read it. Rotate it, \
                      keep it out of the build context (`.dockerignore`), and pass build secrets with \
                      `RUN --mount=type=secret`."
            .to_string();
        findings.push(group.into_finding(
            Kind::Secret,
            Severity::High,
            vec![layer],
            command,
            advice,
        ));
    }
    duplicate_content(analysis, copies, findings);
    for (layer, group) in leftovers {
        let command = command(analysis, layer);
        let advice = "Build leftovers (VCS folders, compilers, documentation, tests) ship in the final image: \
                      build in a separate stage and copy only what runs, and list the rest in `.dockerignore`."
            .to_string();
        findings.push(group.into_finding(
            Kind::BuildLeftover,
            Severity::Info,
            vec![layer],
            command,
            advice,
        ));
    }
}

/// The advice for a package cache left by the layer of `command`, fitted
/// to that command: what it does not yet do, or, when it already cleans,
/// why the cache is still there. Never asks for what the command does.
fn cache_advice(cache: Cache, group: &Group, command: Option<&str>) -> String {
    let Some(command) = command.map(single_line) else {
        return cache.advice().to_string();
    };
    let copied = ["COPY ", "ADD "].iter().any(|c| command.starts_with(c));
    if copied {
        return format!(
            "{} came in with a {}: keep it out of what is copied (`.dockerignore`, or COPY from a stage that \
             leaves no cache).",
            cache.what(),
            command.split(' ').next().unwrap_or_default()
        );
    }
    let cleans = |marks: &[&str]| marks.iter().any(|m| command.contains(m));
    if cache != Cache::Apt {
        return match cache.cleanup_marks().iter().find(|m| command.contains(*m)) {
            Some(mark) => format!(
                "{} is in the layer although its command has `{mark}`: another {} call of the same RUN writes it \
                 after that (run the cleanup last, or use a cache mount).",
                cache.what(),
                cache.tool()
            ),
            None => cache.advice().to_string(),
        };
    }
    let lists = group.paths.iter().any(|p| is_apt_list(p));
    let archives = group.paths.iter().any(|p| !is_apt_list(p));
    let removes_lists = cleans(&[
        "rm -rf /var/lib/apt/lists",
        "rm -fr /var/lib/apt/lists",
        "rm -r /var/lib/apt/lists",
    ]);
    let cleans_archives = cleans(&[
        "apt-get clean",
        "apt clean",
        "rm -rf /var/cache/apt",
        "rm -fr /var/cache/apt",
    ]);
    if lists && archives && !removes_lists && !cleans_archives {
        return cache.advice().to_string();
    }
    let mut fixes = Vec::new();
    let mut notes = Vec::new();
    if lists {
        if removes_lists {
            notes.push(
                "the RUN removes /var/lib/apt/lists before a later apt-get call writes them again",
            );
            fixes.push("move that removal to the very end of the RUN");
        } else {
            fixes.push("`rm -rf /var/lib/apt/lists/*`");
        }
    }
    if archives {
        if cleans_archives {
            notes.push("the RUN cleans apt's cache before a later apt-get call downloads again");
            fixes.push("move the cleanup to the very end of the RUN");
        } else {
            if removes_lists {
                notes.push("the RUN removes the lists, not the downloaded archives; this base has no hook that deletes them");
            }
            fixes.push("`apt-get clean`");
        }
    }
    let what = match (lists, archives) {
        (true, true) => "apt's package lists and downloaded archives are",
        (true, false) => "apt's package lists are",
        _ => "apt's downloaded archives are",
    };
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    format!(
        "{what} in the layer{notes}: end the same RUN with {}, or use a cache mount \
         (`RUN --mount=type=cache,target=/var/cache/apt`).",
        fixes.join(" and ")
    )
}

/// Is the entry at `path` a secret by itself? Only a regular file with
/// bytes is: a symlink (`/usr/lib/ssl/cert.pem` → the CA bundle), an empty
/// file or a directory never is. A hardlink name shares its target's
/// content, which is reported under the name that carries it, unless that
/// name no longer shows it.
fn is_secret_entry(
    tree: &crate::tree::Tree,
    id: NodeId,
    kind: EntryKind,
    content: Option<u32>,
    path: &[u8],
) -> bool {
    let Some(file) = content.map(|f| &tree.files[f as usize]) else {
        return false;
    };
    if file.size == 0 {
        return false;
    }
    match kind {
        EntryKind::File => file.secret.is_some() || is_secret(path),
        EntryKind::Hardlink => {
            let owner_shows_it = file.node != id
                && matches!(
                    tree.node(file.node).current(),
                    Some(State::Present { content: Some(c), .. }) if Some(*c) == content
                );
            file.secret.is_some() && !owner_shows_it
        }
        _ => false,
    }
}

/// How many groups of identical files are reported (largest saving first).
const MAX_DUPLICATE_GROUPS: usize = 10;

/// One `duplicate-content` finding per group of identical files of the
/// final image: the extra copies of one content together (the advice names
/// the copy to keep), their size as bytes, the largest saving first.
fn duplicate_content(
    analysis: &ExactView<'_>,
    mut copies: Vec<ContentCopy>,
    findings: &mut Vec<Finding>,
) {
    let tree = &analysis.tree;
    let base = analysis.exact.base_layers;
    copies.sort_unstable();
    // Hardlinked names share one content entry: one copy, not a duplicate.
    copies.dedup_by_key(|&mut (hash, size, file, ..)| (hash, size, file));
    let mut groups: Vec<(u64, &[ContentCopy])> = copies
        .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
        // Only what the user's layers added is theirs to fix.
        .filter(|same| same.len() >= 2 && same.iter().any(|&(.., layer)| layer.index() >= base))
        .map(|same| (same[0].1 * (same.len() as u64 - 1), same))
        .collect();
    groups.sort_by(|a, b| b.0.cmp(&a.0).then(a.1[0].0.cmp(&b.1[0].0)));
    for (_, same) in groups.into_iter().take(MAX_DUPLICATE_GROUPS) {
        let mut group = Group::default();
        let mut copies: Vec<(LayerIdx, Vec<u8>)> = same
            .iter()
            .map(|&(.., id, layer)| (layer, tree.path_of(id)))
            .collect();
        copies.sort_unstable();
        // The first layer's copy (first by path) is the one to keep; the
        // finding lists the others and the layers that made them.
        let mut copies = copies.into_iter();
        let kept = copies.next().map(|(_, path)| path).unwrap_or_default();
        let mut layers = Vec::new();
        for (layer, path) in copies {
            layers.push(layer);
            group.add_in(layer, path, same[0].1);
        }
        layers.sort_unstable();
        layers.dedup();
        let advice = format!(
            "These files have the same content as {} ({} bytes each): keep one copy and link to it \
             (`ln`, or a symlink), or copy it once.",
            path::display(&kept),
            same[0].1
        );
        findings.push(group.into_finding(
            Kind::DuplicateContent,
            Severity::Info,
            layers,
            None,
            advice,
        ));
    }
}

/// Findings about secrets in the configuration: the history's commands and
/// the run config's `Env`, `Cmd` and `Entrypoint` (already redacted where
/// the config was read; the finding names the place, never the value).
fn configuration_secrets(analysis: &ExactView<'_>, findings: &mut Vec<Finding>) {
    let config = &analysis.image.config;
    for secret in &config.secrets {
        let what = secret.kind.name();
        let (layers, command, advice) = match &secret.place {
            SecretPlace::History(index) => {
                let layer = config.layer_of_history(*index);
                let text = config
                    .history
                    .as_deref()
                    .and_then(|h| h.get(*index))
                    .and_then(|h| h.created_by.as_deref().or(h.comment.as_deref()))
                    .map(display_command);
                let whose = match layer {
                    Some(layer) => format!("The command of layer {layer}"),
                    None => format!("History entry {index}"),
                };
                (
                    layer.map(|l| vec![l]).unwrap_or_default(),
                    text,
                    format!(
                        "{whose} holds what looks like a {what} (shown redacted): the image's history keeps it for \
                         anyone who pulls the image. Rotate it, and pass it with `RUN --mount=type=secret`, not \
                         with ARG, ENV or on the command line."
                    ),
                )
            }
            SecretPlace::Env(name) => (
                Vec::new(),
                None,
                format!(
                    "The config's Env variable `{}` holds what looks like a {what}: anyone who pulls the image can \
                     read it. Rotate it, and give it to the container when it runs (`docker run -e`, a secret \
                     store), not with ENV.",
                    path::escape(name.as_bytes()).escape_debug()
                ),
            ),
            SecretPlace::Command(field) => (
                Vec::new(),
                None,
                format!(
                    "The config's {field} holds what looks like a {what}: anyone who pulls the image can read it. \
                     Rotate it, and give it to the container when it runs."
                ),
            ),
        };
        findings.push(Finding {
            kind: Kind::Secret,
            severity: Severity::High,
            bytes: 0,
            layers,
            paths: Vec::new(),
            path_count: 0,
            command,
            advice,
            fix: Fix::default(),
        });
    }
}

/// Findings about the image configuration.
fn configuration(analysis: &ExactView<'_>, findings: &mut Vec<Finding>) {
    configuration_secrets(analysis, findings);
    let run = analysis.image.config.config.clone().unwrap_or_default();
    let user = run.user.unwrap_or_default();
    let user = user.split(':').next().unwrap_or_default();
    let about_config = |kind, severity, advice: &str| Finding {
        kind,
        severity,
        bytes: 0,
        layers: Vec::new(),
        paths: Vec::new(),
        path_count: 0,
        command: None,
        advice: advice.into(),
        fix: Fix::default(),
    };
    if matches!(user, "" | "root" | "0") {
        findings.push(about_config(
            Kind::RunsAsRoot,
            Severity::Warning,
            "The image runs as root: add a user and switch to it (`RUN useradd -r app` then `USER app`).",
        ));
    }
    if run.healthcheck.is_none() {
        findings.push(about_config(
            Kind::NoHealthcheck,
            Severity::Info,
            "The image declares no HEALTHCHECK: add one so that the runtime can tell a hung container from a healthy one.",
        ));
    }
}
