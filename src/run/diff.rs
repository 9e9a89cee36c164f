//! `peel diff OLD NEW`, and the baseline of `peel --ci --baseline`: each
//! input opened (an image through the pipeline, or a JSON report read
//! back), two local images in parallel, then compared and reported.

use std::io::{IsTerminal, Read};
use std::path::Path;

use super::output::{Ended, write_report, write_stdout};
use crate::analysis::Ignore;
use crate::ci::growth::{self, GrowthRules, GrowthText};
use crate::ci::{self, Verdict};
use crate::cli::DiffArgs;
use crate::diff::baseline::{self, Object};
use crate::diff::{self, Side};
use crate::error::{Error, Result};
use crate::pipeline::{Outcome, Plan};
use crate::report::diff::{DiffView, json, markdown, text};
use crate::source::{self, OpenOptions, Reference, SourceKind};

/// One input of a comparison.
pub struct Opened {
    pub side: Side,
    /// The single-image report's `image` object.
    pub image: Object,
    /// The analysed image (none for a report read back).
    pub outcome: Option<Outcome>,
}

/// What `reference` names: a JSON report (a file that starts with `{`), or
/// an image for the pipeline.
enum Input {
    Report(String),
    Image(Reference),
}

fn input(reference: &str, source: Option<SourceKind>) -> Result<Input> {
    if source.is_none() && reference != "-" {
        let path = Path::new(reference);
        if path.is_file() {
            let mut head = [0u8; 64];
            let n = std::fs::File::open(path)
                .and_then(|mut f| f.read(&mut head))
                .map_err(|e| Error::io(reference, e))?;
            if baseline::looks_like_report(&head[..n]) {
                return Ok(Input::Report(reference.to_string()));
            }
        }
    }
    Ok(Input::Image(source::parse(reference, source)?))
}

/// A local input reads without a network or an engine.
fn is_local(input: &Input) -> bool {
    matches!(
        input,
        Input::Report(_) | Input::Image(Reference::Archive { .. } | Reference::OciDir { .. })
    )
}

fn open(plan: &Plan, input: &Input, reference: &str) -> Result<Opened> {
    match input {
        Input::Report(path) => {
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| f.take(baseline::MAX_BYTES + 1).read_to_end(&mut bytes))
                .map_err(|e| Error::io(path, e))?;
            if bytes.len() as u64 > baseline::MAX_BYTES {
                return Err(Error::invalid(
                    path,
                    format!(
                        "larger than {} MiB, the most a baseline report may be",
                        baseline::MAX_BYTES >> 20
                    ),
                ));
            }
            let (side, image) = baseline::read(&bytes, path)?;
            Ok(Opened {
                side,
                image,
                outcome: None,
            })
        }
        Input::Image(parsed) => {
            let outcome = plan.run_exact(parsed, reference)?;
            let image = Object::of(&crate::report::json::image_section(&outcome));
            Ok(Opened {
                side: Side::of(&outcome),
                image,
                outcome: Some(outcome),
            })
        }
    }
}

/// Open `first` and `second`: at once on two threads when both are local,
/// else one after the other (two engines' streams or pulls do not race).
fn open_both(
    plan: &Plan,
    first: (&Input, &str),
    second: (&Input, &str),
) -> Result<(Opened, Opened)> {
    if is_local(first.0) && is_local(second.0) {
        let (a, b) = std::thread::scope(|scope| {
            let other = scope.spawn(|| open(plan, second.0, second.1));
            let a = open(plan, first.0, first.1);
            let b = other
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (a, b)
        });
        return Ok((a?, b?));
    }
    Ok((
        open(plan, first.0, first.1)?,
        open(plan, second.0, second.1)?,
    ))
}

/// The growth rules in force: the rules file's, overridden by `flags`.
/// Also the file's `ignore:` globs.
pub fn growth_rules(ci_config: &Path, flags: &GrowthText) -> Result<(GrowthRules, Vec<String>)> {
    let explicit = ci_config != Path::new(".dive-ci");
    let file = ci::config::load(ci_config, explicit)?;
    Ok((GrowthRules::resolve(&file.growth, flags)?, file.ignore))
}

/// `peel diff OLD NEW`.
pub fn diff(args: &DiffArgs) -> Result<Ended> {
    let to_stdout: Vec<&str> = [
        ("--json -", &args.report.json),
        ("--markdown -", &args.report.markdown),
        ("--html -", &args.report.html),
    ]
    .into_iter()
    .filter(|(_, p)| p.as_deref() == Some(Path::new("-")))
    .map(|(flag, _)| flag)
    .collect();
    if to_stdout.len() > 1 {
        return Err(Error::Config(format!(
            "{} cannot both write to standard output",
            to_stdout.join(" and ")
        )));
    }
    if args.old == "-" && args.new == "-" {
        return Err(Error::Config(
            "OLD and NEW cannot both be standard input ('-')".into(),
        ));
    }
    let (rules, file_ignore) = growth_rules(&args.report.ci_config, &args.growth.text())?;
    let mut ignore = args.ignore.clone();
    ignore.extend(file_ignore);
    let plan = Plan {
        base: None,
        base_layers: None,
        ignore: Ignore::new(&ignore)?,
        options: args.read.open_options(),
        rules: None,
        dive_compat: false,
        dockerfile: None,
    };
    let old_input = input(&args.old, args.read.source)?;
    let new_input = input(&args.new, args.read.source)?;
    // As for `peel IMAGE`: the UI's config is read, and a bad one refused,
    // whenever the UI is what was asked for, on a terminal or not.
    let ui_config = match wants_ui(args, &rules) {
        true => Some(crate::ui::keymap::load_config(args.ui.config.as_deref())?),
        false => None,
    };
    if let Some(config) = ui_config
        && std::io::stdout().is_terminal()
        && let Input::Image(new_parsed) = new_input
    {
        let old = (old_input, args.old.clone());
        return interactive(plan, config, old, new_parsed, &args.new);
    }
    let (old, new) = open_both(&plan, (&old_input, &args.old), (&new_input, &args.new))?;
    let comparison = diff::compare(&old.side, &new.side);
    let verdict = rules.any_enabled().then(|| Verdict {
        rules: growth::evaluate(&rules, &comparison.growths(&old.side, &new.side)),
        dive_compat: false,
    });
    let view = DiffView {
        old: &old.side,
        new: &new.side,
        old_image: &old.image,
        new_image: &new.image,
        comparison: &comparison,
        verdict: verdict.as_ref(),
    };
    let stdout_taken = !to_stdout.is_empty();
    if let Some(path) = &args.report.json {
        write_report(path, &json::render(&view))?;
    }
    if let Some(path) = &args.report.markdown {
        write_report(path, &markdown::render(&view))?;
    }
    if let Some(path) = &args.report.html {
        let page = crate::report::html::diff::render(&view, new.outcome.as_ref())?;
        write_report(path, &page)?;
    }
    let report = text::render(&view);
    if !stdout_taken {
        write_stdout(&report)?;
    } else if verdict.is_some() {
        eprint!("{report}");
    }
    let ended = match &verdict {
        Some(v) if !v.passed() => Ended::RuleFailed,
        _ => Ended::Passed,
    };
    // As for one image: the exit frees the models faster than their drop.
    std::mem::forget((old, new));
    Ok(ended)
}

/// `peel diff OLD NEW` with no report asked for, no rule to judge and not
/// in CI: the UI on NEW, in compare mode, when standard output is a
/// terminal. (NEW a JSON report: there is no tree to show, the text report
/// is printed.)
fn wants_ui(args: &DiffArgs, rules: &GrowthRules) -> bool {
    let ci = std::env::var("CI")
        .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1"));
    args.report.json.is_none()
        && args.report.markdown.is_none()
        && args.report.html.is_none()
        && !rules.any_enabled()
        && !ci
}

/// The UI on NEW, marked against OLD: both read (at once when both are
/// local) and compared on the UI's loader thread, while it shows NEW's
/// progress.
fn interactive(
    plan: Plan,
    config: crate::ui::keymap::Config,
    (old_input, old_reference): (Input, String),
    new_parsed: Reference,
    new_reference: &str,
) -> Result<Ended> {
    let plan = Plan {
        options: OpenOptions {
            quiet: true,
            ..plan.options
        },
        ..plan
    };
    let origin = crate::content::Origin::of(&new_parsed);
    let name = new_reference.to_string();
    let ended = crate::ui::run_loader(new_reference, origin, plan, config, move |plan| {
        let old_plan = Plan {
            options: OpenOptions {
                progress: Default::default(),
                ..plan.options.clone()
            },
            ..plan.clone()
        };
        let open_old = || open(&old_plan, &old_input, &old_reference);
        let open_new = || plan.run(&new_parsed, &name);
        let local = is_local(&old_input) && is_local(&Input::Image(new_parsed.clone()));
        let (old, new) = if local {
            std::thread::scope(|scope| {
                let other = scope.spawn(open_old);
                let new = open_new();
                let old = other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (old, new)
            })
        } else {
            (open_old(), open_new())
        };
        let (old, new) = (old?, new?);
        let comparison = diff::compare(&old.side, &Side::of(&new));
        let marks = crate::ui::compare::CompareMarks::new(&new.tree, &comparison, &old_reference);
        // As at exit: OLD's model is not needed again, and freeing it is slow.
        std::mem::forget(old);
        Ok((new, Some(marks)))
    })?;
    Ok(match ended {
        crate::ui::Ended::Quit => Ended::Passed,
        crate::ui::Ended::Interrupted => Ended::Interrupted,
    })
}

/// `--baseline`: the baseline opened (on another thread, when it and the
/// image are local) while `main` reads the image.
pub fn beside<T>(
    baseline: Option<&str>,
    plan: &Plan,
    image_is_local: bool,
    main: impl FnOnce() -> T,
) -> Result<(Option<Opened>, T)> {
    let Some(reference) = baseline else {
        return Ok((None, main()));
    };
    let baseline_plan = Plan {
        rules: None,
        options: OpenOptions {
            progress: Default::default(),
            quiet: true,
            ..plan.options.clone()
        },
        ..plan.clone()
    };
    let what = input(reference, None)?;
    if image_is_local && is_local(&what) {
        let (opened, out) = std::thread::scope(|scope| {
            let other = scope.spawn(|| open(&baseline_plan, &what, reference));
            let out = main();
            let opened = other
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (opened, out)
        });
        return Ok((Some(opened?), out));
    }
    let opened = open(&baseline_plan, &what, reference)?;
    Ok((Some(opened), main()))
}

/// The single-image outcome with the growth rules against `baseline`
/// appended to its verdict.
pub fn with_growth(outcome: Outcome, baseline: &Opened, rules: &GrowthRules) -> Outcome {
    let new = Side::of(&outcome);
    let comparison = diff::compare(&baseline.side, &new);
    let judged = growth::evaluate(rules, &comparison.growths(&baseline.side, &new));
    let verdict = outcome.verdict.map(|mut v| {
        v.rules.extend(judged);
        v
    });
    Outcome { verdict, ..outcome }
}

/// `--baseline` and the growth flags are for `--ci`; a value is checked
/// even when not judged.
pub fn check_baseline_flags(
    baseline: Option<&str>,
    flags: &GrowthText,
    ci_mode: bool,
) -> Result<()> {
    GrowthRules::resolve(&GrowthText::default(), flags)?;
    let any_flag = flags != &GrowthText::default();
    match baseline {
        Some(_) if !ci_mode => Err(Error::Config(
            "--baseline judges the growth rules of a --ci run: add --ci, or compare with `peel diff OLD NEW`".into(),
        )),
        None if any_flag => Err(Error::Config(
            "the growth rules (--highest-growth, --highest-pull-cost, --highest-wasted-growth, --fail-on-new) need a baseline: add --baseline IMAGE|REPORT, or use `peel diff OLD NEW`".into(),
        )),
        _ => Ok(()),
    }
}
