//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Bulk and single updates of Upheal provider users.
///
/// Validate a CSV or JSON Lines file offline, apply it (rate-limited,
/// retried, resumable by provider and content), update one provider, or run
/// a fake Upheal server for tests.
///
/// Exit codes: 0 every row applied; 1 some rows failed or the run stopped
/// after sending (see the message); 2 invalid input (a misspelt column
/// included) or usage, or the results file in use by another run: nothing
/// was sent; 130 interrupted (finished rows are in the results file).
/// Warnings go to stderr (--quiet hides them).
#[derive(Debug, Parser)]
#[command(name = "upheal-provider-users", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Show only errors (warnings, such as Redis being unreachable, are
    /// shown on stderr by default).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Show more of what the library does (-v: progress events, -vv: each
    /// HTTP attempt). Never the API key.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
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
    /// Serve a fake Upheal API on loopback until Ctrl-C, for test suites in
    /// any language; prints its address and the key it accepts.
    FakeServer(FakeServerArgs),
}

#[derive(Debug, Args)]
pub struct FakeServerArgs {
    /// The loopback port to listen on; 0 picks a free one (printed).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// A JSON array of users to start with, e.g.
    /// `[{"userId": "…", "partnerUserId": "ext-1", "firstName": "Ada",
    /// "lastName": "Lovelace", "email": "ada@example.com"}]`; `"active":
    /// false` seeds a deactivated user.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// The API key the fake accepts (default: the fake's fixed test key).
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Requests per minute per key before answering 429, or `off`.
    #[arg(long, value_name = "N|off", default_value = "300", value_parser = parse_rate_limit)]
    pub rate_limit: RateLimitSetting,
    /// Extra latency of a lookup by partnerUserId, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub partner_latency_ms: u64,
}

/// `--rate-limit` of the fake: a number per minute, or `off`.
#[derive(Clone, Copy, Debug)]
pub struct RateLimitSetting(pub Option<u32>);

fn parse_rate_limit(text: &str) -> Result<RateLimitSetting, String> {
    match text {
        "off" => Ok(RateLimitSetting(None)),
        n => n
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| RateLimitSetting(Some(n)))
            .ok_or_else(|| {
                format!("`{n}` is neither a positive number of requests per minute nor `off`")
            }),
    }
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A CSV file (header row) or a JSON Lines file (`.jsonl`/`.ndjson`).
    pub file: PathBuf,
    /// Where to write results (JSON Lines); default `<FILE>.results.jsonl`.
    #[arg(long, value_name = "RESULTS")]
    pub results: Option<PathBuf>,
    /// Skip rows this results file records as applied, and append to it;
    /// without a value, the default results file `<FILE>.results.jsonl`.
    #[arg(long, value_name = "RESULTS", conflicts_with = "results", num_args = 0..=1)]
    pub resume: Option<Option<PathBuf>>,
    /// Send every row again although the results file records rows applied
    /// by an earlier run (without it, or --resume, such a run is refused).
    #[arg(long, conflicts_with = "resume")]
    pub again: bool,
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
    #[arg(long, env = "UPHEAL_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Upheal's base URL.
    #[arg(long, env = "UPHEAL_BASE_URL", default_value = upheal_provider_users::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Requests per window (see --rate-window-secs; a minute by default)
    /// this run may send with the key. Upheal allows 300 per minute per
    /// key, shared with anything else using it; 0 turns pacing off.
    /// Honoured with --fake too.
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub rate_limit: u32,
    /// The window of --rate-limit, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub rate_window_secs: u64,
    /// Share the --rate-limit budget with every other job on the same key
    /// through this Redis (e.g. redis://127.0.0.1:6379/0), instead of
    /// pacing this process alone.
    #[arg(
        long,
        env = "UPHEAL_REDIS_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub redis: Option<String>,
    /// Slow down when Upheal answers 429 anyway (something else spends the
    /// key), recovering gradually.
    #[arg(long)]
    pub adaptive: bool,
    /// Run against an embedded fake Upheal server seeded with the input's
    /// ids, to try the tool without credentials.
    #[arg(long)]
    pub fake: bool,
    /// With --fake: these ids (partnerUserIds or Upheal UUIDs, comma
    /// separated or repeated) are seeded as deactivated users, to see how
    /// a run reports them.
    #[arg(long, value_name = "ID,...", value_delimiter = ',', requires = "fake")]
    pub fake_deactivated: Vec<String>,
}
