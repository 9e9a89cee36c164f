//! `--pull`: pull the image through the engine, with its progress on
//! stderr (one redrawn line on a terminal, the engine's status lines
//! otherwise).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write as _};

use bollard::Docker;
use bollard::models::CreateImageInfo;
use bollard::query_parameters::CreateImageOptions;
use futures_util::StreamExt;

use super::error::{EngineError, Failure, failed};
use super::session::Request;
use crate::safe_text::sanitize;
use crate::source::engine::Endpoint;

/// Pull `request.name` through the engine.
pub async fn pull(
    client: &Docker,
    endpoint: &Endpoint,
    request: &Request,
) -> Result<(), EngineError> {
    let name = &request.name;
    if name.starts_with("sha256:") || is_short_id(name) {
        return Err(Failure::IdNotPullable {
            at: endpoint.clone(),
            name: name.clone(),
        }
        .into());
    }
    let (repo, tag) = split_reference(name);
    let options = CreateImageOptions {
        from_image: Some(repo.to_string()),
        tag: Some(tag.to_string()),
        platform: request
            .platform
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        ..Default::default()
    };
    let mut progress = PullProgress::new(name, request.quiet);
    if !request.quiet {
        eprintln!(
            "peel: pulling {} through the {} engine at {}",
            progress.shown,
            endpoint.engine_name(),
            endpoint.host
        );
    }
    let mut stream = client.create_image(Some(options), None, None);
    while let Some(event) = stream.next().await {
        match event {
            Ok(info) => progress.show(info),
            Err(e) => {
                progress.finish();
                return Err(failed(endpoint, &format!("pulling {name}"), &e));
            }
        }
    }
    progress.finish();
    Ok(())
}

/// The pull's progress on stderr.
struct PullProgress {
    /// The name as stderr shows it: escaped, one line.
    shown: String,
    quiet: bool,
    /// Redraw one line (stderr is a terminal).
    terminal: bool,
    layers_done: BTreeSet<String>,
    layers_seen: BTreeSet<String>,
}

impl PullProgress {
    fn new(name: &str, quiet: bool) -> Self {
        PullProgress {
            shown: sanitize(name),
            quiet,
            terminal: !quiet && io::stderr().is_terminal(),
            layers_done: BTreeSet::new(),
            layers_seen: BTreeSet::new(),
        }
    }

    /// Count one event of the engine's pull stream, and show it.
    fn show(&mut self, info: CreateImageInfo) {
        let status = info.status.unwrap_or_default();
        if let Some(id) = info
            .id
            .filter(|id| !id.is_empty() && status != "Pulling from")
        {
            if matches!(status.as_str(), "Pull complete" | "Already exists") {
                self.layers_done.insert(id.clone());
            }
            self.layers_seen.insert(id);
        }
        if self.terminal {
            let mut line = format!(
                "\r\x1b[2Kpeel: pulling {}: layer {} of {} done",
                self.shown,
                self.layers_done.len(),
                self.layers_seen.len()
            );
            if let Some(detail) = info.progress_detail
                && let (Some(cur), Some(total)) = (detail.current, detail.total)
                && total > 0
            {
                let _ = write!(
                    line,
                    ", {} {}%",
                    sanitize(&status),
                    (cur.max(0) as u128 * 100 / total as u128).min(100)
                );
            }
            let mut err = io::stderr().lock();
            let _ = err.write_all(line.as_bytes());
            let _ = err.flush();
        } else if !self.quiet && (status.starts_with("Status:") || status.starts_with("Digest:")) {
            eprintln!("peel: {}", sanitize(&status));
        }
    }

    /// End the redrawn line.
    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}

/// `repo[:tag]` or `repo@digest` → (repo, tag-or-digest); no tag is `latest`
/// (an empty tag would pull every tag).
fn split_reference(name: &str) -> (&str, &str) {
    if let Some((repo, digest)) = name.split_once('@') {
        return (repo, digest);
    }
    let last = name.rfind('/').map_or(0, |i| i + 1);
    match name[last..].rfind(':') {
        Some(i) => (&name[..last + i], &name[last + i + 1..]),
        None => (name, "latest"),
    }
}

fn is_short_id(name: &str) -> bool {
    (12..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_for_pull() {
        assert_eq!(split_reference("busybox"), ("busybox", "latest"));
        assert_eq!(split_reference("busybox:1.36"), ("busybox", "1.36"));
        assert_eq!(
            split_reference("localhost:5000/app"),
            ("localhost:5000/app", "latest")
        );
        assert_eq!(
            split_reference("localhost:5000/app:v2"),
            ("localhost:5000/app", "v2")
        );
        assert_eq!(split_reference("app@sha256:abcd"), ("app", "sha256:abcd"));
        assert!(is_short_id("842bc5ef21b6"));
        assert!(!is_short_id("busybox"));
    }
}
