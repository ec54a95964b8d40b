//! `upheal-provider-users`: bulk provider updates for partner operations
//! staff. Validate a CSV or JSON Lines file offline, apply it safely, resume
//! after an interruption, or update one provider.
//!
//! Install with `cargo install upheal-provider-users --features cli`.

mod apply_command;
mod cli_args;
mod connection;
mod csv_input;
mod editor_lines;
mod exit_code;
mod fake_server_command;
mod found;
mod input_file;
mod input_row;
mod json_lines_input;
mod problem;
mod progress;
mod results_file;
mod resume_plan;
mod shown;
mod suggestion;
mod update_command;
mod update_fingerprint;
mod validate_command;

use clap::Parser;

use crate::cli_args::{Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    show_library_events(&cli);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let code = match cli.command {
        Command::Validate { file } => validate_command::run(&file),
        Command::Apply(args) => runtime.block_on(apply_command::run(args)),
        Command::Update(args) => runtime.block_on(update_command::run(args)),
        Command::FakeServer(args) => runtime.block_on(fake_server_command::run(args)),
    };
    code.into()
}

/// The library's warnings (an unreachable Redis, a retry) go to stderr, as
/// users of a command-line tool expect: without them a run that silently
/// drops to a quarter of its budget looks merely slow.
fn show_library_events(cli: &Cli) {
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        (false, _) => tracing::Level::DEBUG,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}
