//! What the binary does once the command line is parsed: the [`Plan`] from
//! the flags, then the UI or the reports of its [`Outcome`]. Returns how the
//! run ended; `main` turns that into the exit status.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use crate::analysis::Ignore;
use crate::ci::{self, RuleText, Rules};
use crate::cli::{self, Cli, Command};
use crate::error::{Error, Result};
use crate::pipeline::{Outcome, Plan};
use crate::progress::ProgressSnapshot;
use crate::report::{html, json, markdown, sanitize, text};
use crate::source::{self, OpenOptions, Reference};
use crate::ui;

pub mod diff;
mod output;

pub use output::Ended;
use output::{write_report, write_stdout};

pub fn run(cli: &Cli) -> Result<Ended> {
    if let Some(Command::Diff(args)) = &cli.command {
        return diff::diff(args);
    }
    if let Some(command) = &cli.command {
        return print_generated(command);
    }
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
    let mut file_dockerfile = None;
    let rules = if ci_mode {
        let (rules, file_ignore, dockerfile) = load_rules(cli)?;
        ignore.extend(file_ignore);
        file_dockerfile = dockerfile;
        Some(rules)
    } else {
        // Not judged, but a bad value on the command line is still an error.
        Rules::resolve(&RuleText::default(), &flag_rules(cli))?;
        None
    };
    diff::check_baseline_flags(cli.baseline.as_deref(), &cli.growth.text(), ci_mode)?;
    let ignore = Ignore::new(&ignore)?;
    // The flag wins over the rules file's `dockerfile:`.
    let dockerfile = match cli.dockerfile.as_deref().or(file_dockerfile.as_deref()) {
        Some(path) => Some(std::sync::Arc::new(crate::dockerfile::load(path)?)),
        None => None,
    };
    let parsed = source::parse(reference, cli.read.source)?;
    let options = cli.read.open_options();
    if report_paths(cli).filter(|p| *p == Path::new("-")).count() > 1 {
        return Err(Error::Config(
            "only one of --json, --markdown, --html, --codequality, --sarif and --junit can write to standard output ('-')"
                .into(),
        ));
    }
    let plan = Plan {
        base: cli.base.clone(),
        base_layers: cli.base_layers,
        ignore,
        options,
        rules,
        dive_compat: cli.dive_compat,
        dockerfile,
    };
    if !ci_mode && report_paths(cli).next().is_none() && !cli.ci_outputs() {
        return interactive(cli, &parsed, reference, plan);
    }
    headless(cli, &parsed, reference, &plan)
}

/// `peel IMAGE` in a terminal: the interactive UI.
fn interactive(cli: &Cli, parsed: &Reference, reference: &str, plan: Plan) -> Result<Ended> {
    let config = crate::ui::keymap::load_config(cli.ui.config.as_deref())?;
    // Keys come from the terminal (crossterm opens /dev/tty when standard
    // input is the image itself, as in `docker save x | peel -`).
    if std::io::stdout().is_terminal() {
        let plan = Plan {
            options: OpenOptions {
                quiet: true,
                ..plan.options
            },
            ..plan
        };
        return Ok(match ui::run(parsed, reference, plan, config)? {
            ui::Ended::Quit => Ended::Passed,
            ui::Ended::Interrupted => Ended::Interrupted,
        });
    }
    // No terminal to draw on (a pipe, a file): the text report instead.
    let outcome = plan.run(parsed, reference)?;
    write_stdout(&text::render(
        &outcome,
        text::TextOptions {
            wasted_limit: cli.wasted_limit,
        },
    ))?;
    Ok(Ended::Passed)
}

/// `--ci` and `--json`: reports, rules, exit status.
fn headless(cli: &Cli, parsed: &Reference, reference: &str, plan: &Plan) -> Result<Ended> {
    let local = matches!(parsed, Reference::Archive { .. } | Reference::OciDir { .. });
    let (baseline, image) = diff::beside(cli.baseline.as_deref(), plan, local, || {
        with_progress_line(reference, &plan.options, || plan.open(parsed, reference))
    })?;
    let mut outcome = plan.outcome(parsed, image?)?;
    if let Some(baseline) = &baseline {
        let (rules, _) = diff::growth_rules(&cli.report.ci_config, &cli.growth.text())?;
        outcome = diff::with_growth(outcome, baseline, &rules);
    }

    let stdout_taken = report_paths(cli).any(|p| p == Path::new("-"));
    if let Some(path) = &cli.report.json {
        write_report(path, &json::render(&outcome))?;
    }
    if let Some(path) = &cli.report.markdown {
        write_report(path, &markdown::render(&outcome))?;
    }
    if let Some(path) = &cli.report.html {
        write_report(path, &html::render(&outcome))?;
    }
    ci_outputs(cli, &outcome, stdout_taken)?;
    if outcome.verdict.is_some() {
        let report = text::render(
            &outcome,
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
    let ended = match &outcome.verdict {
        Some(v) if !v.passed() => Ended::RuleFailed,
        _ => Ended::Passed,
    };
    std::mem::forget::<Outcome>(outcome);
    std::mem::forget(baseline);
    Ok(ended)
}

/// `peel completions SHELL` and `peel man`: generated text on stdout.
fn print_generated(command: &Command) -> Result<Ended> {
    let bytes = match command {
        Command::Completions { shell } => cli::completions(*shell),
        Command::Man => cli::man_page().map_err(|e| Error::io("the man page", e))?,
        Command::Diff(_) => unreachable!("`peel diff` runs in run::diff"),
    };
    write_stdout(&String::from_utf8_lossy(&bytes))?;
    Ok(Ended::Passed)
}

/// The CI formats: GitHub workflow commands (on stdout, or stderr when a
/// report takes stdout) and the step summary, Code Quality, SARIF, JUnit.
fn ci_outputs(cli: &Cli, outcome: &Outcome, stdout_taken: bool) -> Result<()> {
    use crate::report::annotations::{codequality, github, junit, sarif};
    let findings = &outcome.findings;
    if cli.annotations() == crate::cli::Annotations::Github {
        let commands = github::render(findings);
        if stdout_taken {
            eprint!("{commands}");
        } else {
            write_stdout(&commands)?;
        }
        if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
            append_report(Path::new(&summary), &markdown::render(outcome))?;
        }
    }
    if let Some(path) = &cli.codequality {
        let fallback = cli
            .dockerfile
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| outcome.image().reference.clone());
        write_report(path, &codequality::render(findings, &fallback))?;
    }
    if let Some(path) = &cli.sarif {
        write_report(path, &sarif::render(findings))?;
    }
    if let Some(path) = &cli.junit {
        let report = junit::render(
            &outcome.image().reference,
            outcome.verdict.as_ref(),
            findings,
        );
        write_report(path, &report)?;
    }
    Ok(())
}

/// Every report file asked for.
fn report_paths(cli: &Cli) -> impl Iterator<Item = &Path> {
    [
        &cli.report.json,
        &cli.report.markdown,
        &cli.report.html,
        &cli.codequality,
        &cli.sarif,
        &cli.junit,
    ]
    .into_iter()
    .filter_map(|p| p.as_deref())
}

/// Append a report to a file (GitHub's step summary collects several).
fn append_report(path: &Path, report: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| Error::io(path.display(), e))?;
    file.write_all(report.as_bytes())
        .map_err(|e| Error::io(path.display(), e))
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

/// The rules in force, the rules file's `ignore:` globs and `dockerfile:`.
fn load_rules(cli: &Cli) -> Result<(Rules, Vec<String>, Option<std::path::PathBuf>)> {
    let explicit = cli.report.ci_config != Path::new(".dive-ci");
    let file = ci::config::load(&cli.report.ci_config, explicit)?;
    for warning in &file.warnings {
        eprintln!("peel: warning: {}", sanitize(warning));
    }
    Ok((
        Rules::resolve(&file.rules, &flag_rules(cli))?,
        file.ignore,
        file.dockerfile.map(std::path::PathBuf::from),
    ))
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
