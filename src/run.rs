//! What the binary does once the command line is parsed: open, analyse,
//! report, judge. Returns the exit status.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use crate::analysis::{self, Analysis, BaseLayersFrom, Ignore};
use crate::ci::{self, Judged, RuleText, Rules};
use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::progress::ProgressSnapshot;
use crate::report::{json, markdown, sanitize, text};
use crate::source::{self, OpenOptions, Reference};

/// Exit statuses (README documents them).
pub const EXIT_PASS: u8 = 0;
pub const EXIT_RULE_FAILED: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: &Cli) -> Result<u8> {
    let ci_mode = cli.ci_mode();
    let Some(reference) = cli.image.as_deref() else {
        // Usage and the way to the demo image, on one line like every error.
        let usage = <Cli as clap::CommandFactory>::command()
            .render_usage()
            .to_string();
        return Err(Error::Config(format!(
            "no image given ({}); try the demo image: `peel assets/demo/demo.tar`, or `peel --help`",
            usage.trim()
        )));
    };
    // Validate the configuration before the (possibly long) read of the image.
    let mut ignore = cli.ignore.clone();
    let rules = if ci_mode {
        let (rules, file_ignore) = load_rules(cli)?;
        ignore.extend(file_ignore);
        Some(rules)
    } else {
        // Not judged, but a bad value on the command line is still an error.
        Rules::resolve(&RuleText::default(), &flag_rules(cli))?;
        None
    };
    let ignore = Ignore::new(&ignore)?;
    let parsed = source::parse(reference, cli.source)?;
    let options = OpenOptions {
        platform: cli.platform.clone(),
        pull: cli.pull,
        no_verify: cli.no_verify,
        ..OpenOptions::default()
    };
    if [&cli.json, &cli.markdown]
        .iter()
        .all(|p| p.as_deref() == Some(Path::new("-")))
    {
        return Err(Error::Config(
            "--json - and --markdown - cannot both write to standard output".into(),
        ));
    }
    let prepare = Prepare {
        base: cli.base.clone(),
        base_layers: cli.base_layers,
        ignore,
        options: options.clone(),
    };
    if !ci_mode && cli.json.is_none() && cli.markdown.is_none() {
        return interactive(cli, &parsed, reference, &options, prepare);
    }
    headless(cli, &parsed, reference, &options, rules, &prepare)
}

/// From a read image to the analysis every consumer shows: the base layers
/// (`--base`, `--base-layers` or detected), and the accepted paths
/// (`--ignore` and the config's `ignore:`).
#[derive(Clone)]
pub struct Prepare {
    base: Option<String>,
    base_layers: Option<usize>,
    ignore: Ignore,
    options: OpenOptions,
}

impl Prepare {
    pub fn analyze(&self, image: Image) -> Result<Analysis> {
        let base = match &self.base {
            Some(base) => Some((
                base_layers_shared_with(&image, base, &self.options)?,
                BaseLayersFrom::BaseImage,
            )),
            None => self.base_layers.map(|n| (n, BaseLayersFrom::Flag)),
        };
        // The report lists it too; stderr only where no UI draws.
        if let Some((n, _)) = base
            && let Some(warning) = analysis::base::beyond_layers(n, image.layers.len())
            && !self.options.quiet
        {
            eprintln!("peel: warning: {}", sanitize(&warning));
        }
        let mut analysis = analysis::analyze_with_base(image, base);
        analysis.accept(&self.ignore);
        Ok(analysis)
    }
}

/// `peel IMAGE` in a terminal: the interactive UI.
fn interactive(
    cli: &Cli,
    parsed: &Reference,
    reference: &str,
    options: &OpenOptions,
    prepare: Prepare,
) -> Result<u8> {
    let config = crate::ui::keymap::load_config(cli.config.as_deref()).map_err(Error::Config)?;
    // Keys come from the terminal (crossterm opens /dev/tty when standard
    // input is the image itself, as in `docker save x | peel -`).
    if std::io::stdout().is_terminal() {
        let options = OpenOptions {
            quiet: true,
            ..options.clone()
        };
        return crate::ui::run(parsed, reference, &options, prepare, config);
    }
    // No terminal to draw on (a pipe, a file): the text report instead.
    let image = source::open(parsed, reference, options)?;
    let analysis = prepare.analyze(image)?;
    write_stdout(&text::render(
        &analysis,
        None,
        text::TextOptions {
            wasted_limit: cli.wasted_limit,
        },
    ))?;
    Ok(EXIT_PASS)
}

/// `--ci` and `--json`: reports, rules, exit status.
fn headless(
    cli: &Cli,
    parsed: &Reference,
    reference: &str,
    options: &OpenOptions,
    rules: Option<Rules>,
    prepare: &Prepare,
) -> Result<u8> {
    let mut image = with_progress_line(reference, options, || {
        source::open(parsed, reference, options)
    })?;
    if cli.base.is_none() && cli.base_layers.is_none() {
        find_declared_base_in_engine(&mut image, parsed);
    }
    let analysis = prepare.analyze(image)?;
    let verdict = rules.map(|rules| {
        let mut verdict = ci::evaluate(
            &rules,
            &Judged::of(&analysis, cli.dive_compat),
            cli.dive_compat,
        );
        verdict.rules.extend(ci::findings_rules(
            &rules.fail_on_findings,
            &analysis.findings,
        ));
        verdict
    });

    let stdout_taken = [&cli.json, &cli.markdown]
        .iter()
        .any(|p| p.as_deref() == Some(Path::new("-")));
    if let Some(path) = &cli.json {
        write_report(path, &json::render(&analysis, verdict.as_ref()))?;
    }
    if let Some(path) = &cli.markdown {
        write_report(path, &markdown::render(&analysis, verdict.as_ref()))?;
    }
    if verdict.is_some() {
        let report = text::render(
            &analysis,
            verdict.as_ref(),
            text::TextOptions {
                wasted_limit: cli.wasted_limit,
            },
        );
        if stdout_taken {
            eprint!("{report}");
        } else {
            write_stdout(&report)?;
        }
    }
    // The process ends here: freeing the model node by node would take
    // longer (a tenth of a run on 100k files) than the exit that frees it.
    std::mem::forget(analysis);
    Ok(match verdict {
        Some(v) if !v.passed() => EXIT_RULE_FAILED,
        _ => EXIT_PASS,
    })
}

/// Run `load`, showing how far it got on one stderr line while it runs, when
/// stderr is a terminal (never mixed into a report on stdout or in a pipe).
fn with_progress_line<T>(reference: &str, options: &OpenOptions, load: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return load();
    }
    let (finished, wait) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            // A quick load shows nothing.
            let mut delay = Duration::from_millis(300);
            let mut shown = false;
            while let Err(RecvTimeoutError::Timeout) = wait.recv_timeout(delay) {
                let snapshot = options.progress.snapshot();
                // Nothing known yet (an engine still pulling prints its own line).
                if snapshot.bytes_read == 0 && snapshot.bytes_total.is_none() {
                    continue;
                }
                let line = progress_text(reference, &snapshot);
                eprint!("\r\x1b[2K{line}");
                shown = true;
                delay = Duration::from_millis(100);
            }
            if shown {
                eprint!("\r\x1b[2K");
            }
        });
        let result = load();
        drop(finished);
        result
    })
}

fn progress_text(reference: &str, p: &ProgressSnapshot) -> String {
    let reference = sanitize(reference);
    let size = |n: u64| humansize::format_size(n, humansize::DECIMAL);
    if p.bytes_read == 0 {
        return format!("peel: reading {reference}: waiting for the first bytes");
    }
    // A total is the image's size, which the archive's headers slightly exceed.
    let mut line = format!(
        "peel: reading {reference}: {}",
        size(p.bytes_total.map_or(p.bytes_read, |t| p.bytes_read.min(t)))
    );
    if let Some(total) = p.bytes_total {
        line.push_str(&format!(" of {}", size(total)));
    }
    match p.layers_total {
        Some(total) => line.push_str(&format!(", layer {} of {total}", p.layers_read.min(total))),
        None if p.layers_read > 0 => line.push_str(&format!(", {} layers", p.layers_read)),
        None => {}
    }
    line
}

/// The rules in force, and the rules file's `ignore:` globs.
fn load_rules(cli: &Cli) -> Result<(Rules, Vec<String>)> {
    let explicit = cli.ci_config != Path::new(".dive-ci");
    let file = ci::config::load(&cli.ci_config, explicit)?;
    for warning in &file.warnings {
        eprintln!("peel: warning: {}", sanitize(warning));
    }
    Ok((Rules::resolve(&file.rules, &flag_rules(cli))?, file.ignore))
}

/// The thresholds given as flags (or their environment variables).
fn flag_rules(cli: &Cli) -> RuleText {
    RuleText {
        lowest_efficiency: cli.lowest_efficiency.clone(),
        highest_wasted_bytes: cli.highest_wasted_bytes.clone(),
        highest_user_wasted_percent: cli.highest_user_wasted_percent.clone(),
        fail_on_findings: cli.fail_on.clone(),
    }
}

/// How many bottom layers `image` shares with the base image `base` names.
fn base_layers_shared_with(image: &Image, base: &str, options: &OpenOptions) -> Result<usize> {
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
/// layers are all the image's bottom layers). Not found is not an error.
fn find_declared_base_in_engine(image: &mut Image, parsed: &Reference) {
    let Reference::Engine { engine, .. } = parsed else {
        return;
    };
    let Some(declared) = analysis::base::declared(image).filter(|d| d.found.is_empty()) else {
        return;
    };
    let mut names = Vec::new();
    if let Some(name) = &declared.name {
        if let Some(digest) = &declared.digest {
            names.push(format!("{}@{digest}", repository(name)));
        }
        names.push(name.clone());
    }
    for name in names {
        if let Ok(ids) = source::docker::diff_ids(*engine, &name)
            && !ids.is_empty()
            && let Some(declared) = image.declared_base.as_mut()
        {
            declared.found.push(ids);
            return;
        }
    }
}

/// `REPO[:TAG][@DIGEST]` without its tag and digest.
fn repository(name: &str) -> &str {
    let name = name.split_once('@').map_or(name, |(repo, _)| repo);
    let last = name.rfind('/').map_or(0, |i| i + 1);
    match name[last..].rfind(':') {
        Some(i) => &name[..last + i],
        None => name,
    }
}

/// Write a report to its file, or to standard output for `-`.
fn write_report(path: &Path, report: &str) -> Result<()> {
    if path == Path::new("-") {
        return write_stdout(report);
    }
    std::fs::write(path, report).map_err(|e| Error::io(path.display(), e))
}

/// Write to stdout; a closed pipe (`peel ... | head`) is not an error.
fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("standard output", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::repository;

    #[test]
    fn repository_without_tag_or_digest() {
        assert_eq!(
            repository("docker.io/library/debian:bookworm"),
            "docker.io/library/debian"
        );
        assert_eq!(repository("localhost:5000/app"), "localhost:5000/app");
        assert_eq!(
            repository("localhost:5000/app:1@sha256:abc"),
            "localhost:5000/app"
        );
        assert_eq!(repository("busybox"), "busybox");
    }
}
