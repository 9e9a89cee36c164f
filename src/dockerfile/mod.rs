//! The Dockerfile behind an image (`--dockerfile PATH`, `dockerfile:` in the
//! rules file): its final stage's instructions ([`Step`]s), matched to the
//! image's history ([`map`]), so that a layer and a finding can point at the
//! line to change.
//!
//! Parsing is `parse-dockerfile`'s (spans, heredocs, the `# escape=`
//! directive); this module keeps, per instruction of the final stage, what
//! the history can be compared with: the command of a `RUN`, the destination
//! of a `COPY`/`ADD`, the keyword and first argument of the others, with the
//! stage's `ARG` defaults and `ENV` values substituted where the builders
//! substitute them.

pub(crate) mod history;
pub mod map;

use std::collections::HashMap;
use std::path::Path;

use parse_dockerfile::{Command, Instruction};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::image::config::{shortened, single_line};

pub use map::{Mapping, map};

/// The largest Dockerfile read (real ones are a few KiB).
pub const MAX_BYTES: u64 = 1024 * 1024;

/// Instructions of the final stage considered (the history is matched
/// against at most this many; a longer stage is an error).
pub const MAX_STEPS: usize = 2000;

/// Where in the Dockerfile a layer or finding comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// The Dockerfile as given.
    pub path: String,
    /// 1-based line of the instruction's first line.
    pub line: usize,
    /// The instruction as written, on one line (cut to 200 characters).
    pub instruction: String,
}

/// What of an instruction the history records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// `RUN`: the command as the shell gets it (`shell` is the prefix the
    /// builder writes: `/bin/sh -c`, or the stage's `SHELL`), on one line;
    /// `exec` for the JSON form; `heredoc` when the command is a heredoc.
    Run {
        command: String,
        shell: String,
        exec: bool,
        heredoc: bool,
    },
    /// `COPY` or `ADD` (`add`), with the destination as written and as
    /// substituted.
    Copy {
        add: bool,
        dest: String,
        substituted: String,
    },
    /// Any other instruction: its keyword and its first argument
    /// (substituted), for `WORKDIR`, `USER` and `ENV`.
    Meta {
        keyword: String,
        argument: Option<String>,
    },
}

/// One instruction of the final stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub line: Line,
    pub what: What,
}

/// A Dockerfile's final stage, read and parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    pub path: String,
    pub steps: Vec<Step>,
}

/// Read and parse the Dockerfile at `path`; any failure is one line naming
/// the file (exit 2).
pub fn load(path: &Path) -> Result<Dockerfile> {
    let what = path.display().to_string();
    let file =
        std::fs::File::open(path).map_err(|e| Error::Config(format!("Dockerfile {what}: {e}")))?;
    let name = format!("Dockerfile {what}");
    let text = crate::text_file::read_capped(file, MAX_BYTES, &name, "the most peel reads")?;
    parse(&text, &what)
}

/// Parse Dockerfile `text`; `what` names it in errors and in each [`Line`].
pub fn parse(text: &str, what: &str) -> Result<Dockerfile> {
    let parsed = parse_dockerfile::parse(text).map_err(|e| {
        Error::Config(format!(
            "Dockerfile {what}: cannot parse: {}",
            crate::safe_text::sanitize(&e.to_string())
        ))
    })?;
    let escape = parsed
        .parser_directives
        .escape
        .as_ref()
        .map_or('\\', |d| d.value.value);
    let Some(stage) = parsed.stages().last() else {
        return Err(Error::Config(format!("Dockerfile {what}: no FROM")));
    };
    if stage.instructions.len() > MAX_STEPS {
        return Err(Error::Config(format!(
            "Dockerfile {what}: more than {MAX_STEPS} instructions in the final stage"
        )));
    }
    let starts: Vec<usize> = parsed.instructions.iter().map(start_of).collect();
    let mut vars: HashMap<String, String> = HashMap::new();
    let mut shell = "/bin/sh -c".to_string();
    let mut steps = Vec::new();
    for instruction in stage.instructions {
        let start = start_of(instruction);
        // The instruction's text: up to the next instruction.
        let end = starts
            .iter()
            .copied()
            .find(|&s| s > start)
            .unwrap_or(text.len());
        let raw = &text[start..end];
        let line = Line {
            path: what.to_string(),
            line: text[..start].matches('\n').count() + 1,
            instruction: shown(raw, escape),
        };
        let what = match instruction {
            Instruction::Run(run) => {
                let (command, exec) = match &run.arguments {
                    Command::Exec(words) => (
                        words
                            .value
                            .iter()
                            .map(|w| w.value.as_ref())
                            .collect::<Vec<_>>()
                            .join(" "),
                        true,
                    ),
                    Command::Shell(cmd) => (joined(cmd.value, escape), false),
                    // A later parser version's form: matches nothing.
                    _ => (String::new(), true),
                };
                What::Run {
                    command,
                    shell: shell.clone(),
                    exec,
                    heredoc: !run.here_docs.is_empty(),
                }
            }
            Instruction::Copy(copy) => What::Copy {
                add: false,
                dest: copy.dest.value.to_string(),
                substituted: substitute(&copy.dest.value, &vars),
            },
            Instruction::Add(add) => What::Copy {
                add: true,
                dest: add.dest.value.to_string(),
                substituted: substitute(&add.dest.value, &vars),
            },
            other => {
                let keyword = raw
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                let argument = meta_argument(other, &vars);
                remember(other, &mut vars, &mut shell);
                What::Meta { keyword, argument }
            }
        };
        steps.push(Step { line, what });
    }
    Ok(Dockerfile {
        path: what.to_string(),
        steps,
    })
}

/// Where an instruction starts: its keyword.
fn start_of(instruction: &Instruction<'_>) -> usize {
    match instruction {
        Instruction::Add(i) => i.add.span.start,
        Instruction::Arg(i) => i.arg.span.start,
        Instruction::Cmd(i) => i.cmd.span.start,
        Instruction::Copy(i) => i.copy.span.start,
        Instruction::Entrypoint(i) => i.entrypoint.span.start,
        Instruction::Env(i) => i.env.span.start,
        Instruction::Expose(i) => i.expose.span.start,
        Instruction::From(i) => i.from.span.start,
        Instruction::Healthcheck(i) => i.healthcheck.span.start,
        Instruction::Label(i) => i.label.span.start,
        Instruction::Maintainer(i) => i.maintainer.span.start,
        Instruction::Onbuild(i) => i.onbuild.span.start,
        Instruction::Run(i) => i.run.span.start,
        Instruction::Shell(i) => i.shell.span.start,
        Instruction::Stopsignal(i) => i.stopsignal.span.start,
        Instruction::User(i) => i.user.span.start,
        Instruction::Volume(i) => i.volume.span.start,
        Instruction::Workdir(i) => i.workdir.span.start,
        // A later parser version's instruction: its keyword is unknown here.
        _ => 0,
    }
}

/// The text of continued lines as the builder runs it: each escape
/// character before a line end removed with the line end, comment lines
/// inside the instruction dropped, on one line.
fn joined(text: &str, escape: char) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim_start().starts_with('#') && !out.is_empty() {
            continue;
        }
        let trimmed = line.trim_end();
        match trimmed.strip_suffix(escape) {
            Some(head) => out.push_str(head),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    single_line(&out)
}

/// An instruction for display: joined, comments between instructions
/// dropped, at most 200 characters.
fn shown(raw: &str, escape: char) -> String {
    // Comment and blank lines after the instruction belong to the next.
    let mut lines: Vec<&str> = raw.lines().collect();
    while lines
        .last()
        .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        lines.pop();
    }
    shortened(&joined(&lines.join("\n"), escape), 200)
}

/// `$NAME` and `${NAME}` replaced by the values known (others left as
/// written). `${NAME:-default}` and the like are left as written too.
fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(close) => (&inner[..close], close + 2),
                None => ("", 0),
            }
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..n], n)
        };
        match vars.get(name) {
            Some(value) if !name.is_empty() => out.push_str(value),
            _ => out.push_str(&rest[at..at + 1 + len]),
        }
        rest = &rest[at + 1 + len..];
    }
    out.push_str(rest);
    out
}

/// The argument the history is compared with, for `WORKDIR`, `USER`, `ENV`.
fn meta_argument(instruction: &Instruction<'_>, vars: &HashMap<String, String>) -> Option<String> {
    match instruction {
        Instruction::Workdir(i) => Some(substitute(&i.arguments.value, vars)),
        Instruction::User(i) => Some(substitute(&i.arguments.value, vars)),
        Instruction::Env(i) => env_pairs(&i.arguments.value)
            .first()
            .map(|(name, _)| name.clone()),
        _ => None,
    }
}

/// What an instruction sets for the ones after it: `ARG` defaults, `ENV`
/// values, the `SHELL`.
fn remember(instruction: &Instruction<'_>, vars: &mut HashMap<String, String>, shell: &mut String) {
    match instruction {
        Instruction::Arg(i) => {
            for word in i.arguments.value.split_whitespace() {
                if let Some((name, value)) = word.split_once('=') {
                    let value = unquote(value);
                    let value = substitute(&value, vars);
                    vars.insert(name.to_string(), value);
                }
            }
        }
        Instruction::Env(i) => {
            for (name, value) in env_pairs(&i.arguments.value) {
                let value = substitute(&value, vars);
                vars.insert(name, value);
            }
        }
        Instruction::Shell(i) => {
            *shell = i
                .arguments
                .iter()
                .map(|w| w.value.as_ref())
                .collect::<Vec<_>>()
                .join(" ");
        }
        _ => {}
    }
}

/// `ENV A=1 B="two words"` or the old `ENV A value`.
fn env_pairs(text: &str) -> Vec<(String, String)> {
    let text = text.trim();
    let first = text.split_whitespace().next().unwrap_or_default();
    if !first.contains('=') {
        let value = text[first.len()..].trim();
        return vec![(first.to_string(), value.to_string())];
    }
    words(text)
        .into_iter()
        .filter_map(|w| w.split_once('=').map(|(n, v)| (n.to_string(), unquote(v))))
        .collect()
}

/// Space-separated words, quotes keeping spaces inside.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                word.push(c);
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                word.push(c);
            }
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            (_, c) => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn unquote(value: &str) -> String {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_stage_with_lines_and_substitution() {
        let text = "# syntax=docker/dockerfile:1\nFROM golang AS build\nRUN go build\n\nFROM debian:12-slim\nARG APP=/srv/app\nENV HOME=/home/app \\\n    MODE=prod\nWORKDIR $APP\n# install\nRUN apt-get update && \\\n    # the packages\n    apt-get install -y curl\nCOPY --from=build /out ${APP}/bin/\nUSER app\n";
        let file = parse(text, "Dockerfile").unwrap();
        let lines: Vec<usize> = file.steps.iter().map(|s| s.line.line).collect();
        assert_eq!(lines, [6, 7, 9, 11, 14, 15]);
        assert_eq!(
            file.steps[1].line.instruction,
            "ENV HOME=/home/app MODE=prod"
        );
        assert_eq!(
            file.steps[2].what,
            What::Meta {
                keyword: "WORKDIR".into(),
                argument: Some("/srv/app".into())
            }
        );
        assert_eq!(
            file.steps[3].what,
            What::Run {
                command: "apt-get update && apt-get install -y curl".into(),
                shell: "/bin/sh -c".into(),
                exec: false,
                heredoc: false
            }
        );
        assert_eq!(
            file.steps[4].what,
            What::Copy {
                add: false,
                dest: "${APP}/bin/".into(),
                substituted: "/srv/app/bin/".into()
            }
        );
    }

    #[test]
    fn errors_are_one_line() {
        for (text, part) in [
            ("RUN echo no from\n", "cannot parse"),
            ("FROM x\nCOPY onlyone\n", "cannot parse"),
            ("FROM x\nFROBNICATE\n", "cannot parse"),
        ] {
            let e = parse(text, "bad/Dockerfile").unwrap_err().to_string();
            assert!(e.contains("bad/Dockerfile") && e.contains(part), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn substitution_leaves_unknown_names() {
        let vars = HashMap::from([("A".to_string(), "1".to_string())]);
        assert_eq!(
            substitute("$A/${A}/$B/${C:-x}/$", &vars),
            "1/1/$B/${C:-x}/$"
        );
    }
}
