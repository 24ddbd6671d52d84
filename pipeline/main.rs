//! The `scorecard` binary: parses the command line, runs the command ([`scorecard::cmd`]) and
//! exits with its code.

use clap::Parser;

fn main() {
    scorecard::cli::init_threads();
    let cli = scorecard::cli::Cli::parse();
    std::process::exit(scorecard::cmd::dispatch(cli.command));
}
