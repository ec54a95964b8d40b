//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Bulk and single updates of Upheal provider users: validate a file
/// offline, apply it safely (rate-limited, retried, resumable), or update one
/// provider.
#[derive(Debug, Parser)]
#[command(name = "upheal-provider-users", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every row offline with the library's own validation; sends nothing.
    Validate {
        /// A CSV file (header row) or a JSON Lines file (`.jsonl`/`.ndjson`).
        file: PathBuf,
    },
    /// Validate, then apply every row; results go to a JSON Lines file.
    Apply(ApplyArgs),
    /// Update one provider and print the result.
    Update(UpdateArgs),
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A CSV file (header row) or a JSON Lines file (`.jsonl`/`.ndjson`).
    pub file: PathBuf,
    /// Where to write results (JSON Lines); default `<FILE>.results.jsonl`.
    #[arg(long, value_name = "RESULTS")]
    pub results: Option<PathBuf>,
    /// Skip rows this results file records as applied, and append to it.
    #[arg(long, value_name = "RESULTS", conflicts_with = "results")]
    pub resume: Option<PathBuf>,
    /// Updates in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// An Upheal UUID, or your partnerUserId (see --partner).
    pub id: String,
    /// Treat ID as a partnerUserId even if it looks like a UUID.
    #[arg(long)]
    pub partner: bool,
    /// National Provider Identifier (10 digits, valid check digit).
    #[arg(long)]
    pub npi: Option<String>,
    /// How the provider is referred to in notes, e.g. Clinician.
    #[arg(long)]
    pub note_identifier: Option<String>,
    /// Therapy licence number.
    #[arg(long)]
    pub therapy_licence: Option<String>,
    /// Default note template ids, comma-separated; replaces the list.
    #[arg(long, value_delimiter = ',', conflicts_with = "clear_templates")]
    pub templates: Option<Vec<String>>,
    /// Clear the default note template ids.
    #[arg(long)]
    pub clear_templates: bool,
    /// Print the provider as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// The partner API key (never printed).
    #[arg(
        long,
        env = "UPHEAL_API_KEY",
        hide_env_values = true,
        required_unless_present = "fake"
    )]
    pub api_key: Option<String>,
    /// Upheal's base URL.
    #[arg(long, env = "UPHEAL_BASE_URL", default_value = upheal_provider_users::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Requests per minute this run may send with the key (Upheal allows 300
    /// per key, shared with anything else using it); 0 turns pacing off.
    #[arg(long, value_name = "PER_MINUTE", default_value_t = 300)]
    pub rate_limit: u32,
    /// Run against an embedded fake Upheal server seeded with the input's
    /// ids, to try the tool without credentials.
    #[arg(long)]
    pub fake: bool,
}
