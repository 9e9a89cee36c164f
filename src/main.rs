use std::process::ExitCode;

use clap::Parser;

use peel::cli::Cli;
use peel::run::{EXIT_ERROR, run};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("peel: error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
