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
