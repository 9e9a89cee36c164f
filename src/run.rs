//! What the binary does once the command line is parsed: open, analyse,
//! report, judge. Returns the exit status.

use std::io::Write;
use std::path::Path;

use crate::analysis;
use crate::ci::{self, Judged, RuleText, Rules};
use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::report::{json, text};
use crate::source::{self, OpenOptions, Reference};

/// Exit statuses (README documents them).
pub const EXIT_PASS: u8 = 0;
pub const EXIT_RULE_FAILED: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: &Cli) -> Result<u8> {
    let ci_mode = cli.ci_mode();
    let Some(reference) = cli.image.as_deref() else {
        return Err(Error::Config(
            "no image given; try `peel assets/demo/demo.tar`, or `peel --help`".into(),
        ));
    };
    // Validate the configuration before the (possibly long) read of the image.
    let rules = if ci_mode {
        Some(load_rules(cli)?)
    } else {
        None
    };
    let parsed = source::parse(reference, cli.source)?;
    let options = OpenOptions {
        platform: cli.platform.clone(),
        ..OpenOptions::default()
    };
    if !ci_mode && cli.json.is_none() {
        return interactive(cli, &parsed, reference, &options);
    }
    headless(cli, &parsed, reference, &options, rules)
}

/// `peel IMAGE` in a terminal.
fn interactive(
    cli: &Cli,
    parsed: &Reference,
    reference: &str,
    options: &OpenOptions,
) -> Result<u8> {
    let image = source::open(parsed, reference, options)?;
    let analysis = analysis::analyze(image, cli.base_layers);
    eprintln!("peel: the interactive view is not built yet; printing the report instead");
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
) -> Result<u8> {
    let image = source::open(parsed, reference, options)?;
    let analysis = analysis::analyze(image, cli.base_layers);
    let verdict = rules.map(|rules| {
        ci::evaluate(
            &rules,
            &Judged::of(&analysis, cli.dive_compat),
            cli.dive_compat,
        )
    });

    let json_to_stdout = cli.json.as_deref() == Some(Path::new("-"));
    if let Some(path) = &cli.json {
        let report = json::render(&analysis, verdict.as_ref());
        if json_to_stdout {
            write_stdout(&report)?;
        } else {
            std::fs::write(path, report).map_err(|e| Error::io(path.display(), e))?;
        }
    }
    if verdict.is_some() {
        let report = text::render(
            &analysis,
            verdict.as_ref(),
            text::TextOptions {
                wasted_limit: cli.wasted_limit,
            },
        );
        if json_to_stdout {
            eprint!("{report}");
        } else {
            write_stdout(&report)?;
        }
    }
    Ok(match verdict {
        Some(v) if !v.passed() => EXIT_RULE_FAILED,
        _ => EXIT_PASS,
    })
}

fn load_rules(cli: &Cli) -> Result<Rules> {
    let explicit = cli.ci_config != Path::new(".dive-ci");
    let file = ci::config::load(&cli.ci_config, explicit)?;
    for warning in &file.warnings {
        eprintln!("peel: warning: {warning}");
    }
    let flags = RuleText {
        lowest_efficiency: cli.lowest_efficiency.clone(),
        highest_wasted_bytes: cli.highest_wasted_bytes.clone(),
        highest_user_wasted_percent: cli.highest_user_wasted_percent.clone(),
    };
    Rules::resolve(&file.rules, &flags)
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
