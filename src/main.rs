use std::process::ExitCode;

use clap::Parser;

use peel::cli::Cli;
use peel::report::sanitize;
use peel::run::{Ended, run};

/// Exit statuses (README documents them); nothing else picks one.
const EXIT_PASS: u8 = 0;
const EXIT_RULE_FAILED: u8 = 1;
const EXIT_ERROR: u8 = 2;
/// 128 + SIGINT, as a shell reports a process a signal stopped.
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line, like every other error: clap's first line, without
            // its own "error: " prefix.
            let text = e.to_string();
            let mut lines = text.lines();
            let first = lines.next().unwrap_or("invalid command line");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            // "...were not provided:" names them on the next line.
            let named = match lines.next() {
                Some(next) if first.ends_with(':') => format!("{first} {}", next.trim()),
                _ => first.to_string(),
            };
            eprintln!("peel: error: {} (see `peel --help`)", sanitize(&named));
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match run(&cli) {
        Ok(ended) => ExitCode::from(exit_status(ended)),
        Err(e) => {
            // One line whatever the error quotes (names, tags, engine messages).
            eprintln!("peel: error: {}", sanitize(&e.to_string()));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// How a run ended, as the process's exit status.
fn exit_status(ended: Ended) -> u8 {
    match ended {
        Ended::Passed => EXIT_PASS,
        Ended::RuleFailed => EXIT_RULE_FAILED,
        Ended::Interrupted => EXIT_INTERRUPTED,
    }
}
