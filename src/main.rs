use std::process::ExitCode;

use clap::Parser;

use peel::cli::Cli;
use peel::report::sanitize;
use peel::run::{EXIT_ERROR, run};

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
            let first = text.lines().next().unwrap_or("invalid command line");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("peel: error: {} (see `peel --help`)", sanitize(first));
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // One line whatever the error quotes (names, tags, engine messages).
            eprintln!("peel: error: {}", sanitize(&e.to_string()));
            ExitCode::from(EXIT_ERROR)
        }
    }
}
