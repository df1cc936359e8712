//! `roster`: the one binary. `roster serve` runs the HTTP server; the other
//! subcommands run the same use cases directly against the database, for
//! bootstrapping and scripts.

mod cli;
mod commands;
mod config;
mod group_command;
mod guide_command;
mod logs_command;
mod output;
mod progress;
mod provider_command;
mod serve;
mod setup_link_command;
mod site_command;
mod sync_command;
mod test_knobs;
mod user_command;
mod webhook_command;

use std::process::ExitCode;

/// jemalloc rather than the system allocator: a SCIM request allocates and
/// frees many small JSON values, on which glibc's malloc spent about a
/// sixth of the server's CPU; jemalloc takes a fifth less CPU over the
/// SCIM benchmark for the same memory (mimalloc took as little CPU but
/// half as much memory again; README, "Benchmarks").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use clap::Parser;
use clap::error::ErrorKind;

/// Help and version go out as clap prints them; a usage mistake becomes one
/// line, as every other error of the CLI.
fn usage_error(err: &clap::Error) -> ExitCode {
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let rendered = err.render().to_string();
    let first =
        rendered.lines().find(|line| !line.trim().is_empty()).unwrap_or("invalid arguments");
    let reason = first.trim_start_matches("error: ");
    eprintln!("error: {reason} (see roster --help)");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, as the CLI promises: the outermost context and its
            // causes joined.
            eprintln!("error: {}", format!("{err:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
