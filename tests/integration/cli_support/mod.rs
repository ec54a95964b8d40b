//! Running the real `upheal-provider-users` binary from tests.
#![allow(dead_code)]

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use serde_json::Value;
use upheal_provider_users::fake::FakeUpheal;

pub const BIN: &str = env!("CARGO_BIN_EXE_upheal-provider-users");
pub const HEADER: &str = "providerUserId,partnerUserId,nationalProviderIdentifier,therapyLicence,noteIdentifier,defaultNoteTemplateIds";

/// A fresh folder per test, removed when the test ends.
pub struct Workdir(pub PathBuf);

impl Workdir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("upheal-cli-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        self.bytes(name, text.as_bytes())
    }

    pub fn bytes(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, bytes).unwrap();
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs the binary off the test's runtime threads (it blocks until exit).
pub async fn run(args: Vec<String>) -> Output {
    run_with_env(args, &[]).await
}

/// [`run`] with extra environment variables.
pub async fn run_with_env(args: Vec<String>, env: &[(&str, &str)]) -> Output {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(args)
            .env_remove("UPHEAL_API_KEY")
            .envs(env)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

pub fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

pub fn connection(fake: &FakeUpheal) -> Vec<String> {
    args(&[
        "--base-url",
        fake.base_url(),
        "--api-key",
        fake.api_key(),
        "--rate-limit",
        "0",
    ])
}

/// `apply INPUT --results RESULTS --concurrency N` against `fake`.
pub fn apply_args(
    input: &Path,
    results: &Path,
    concurrency: &str,
    fake: &FakeUpheal,
) -> Vec<String> {
    let mut command = args(&[
        "apply",
        input.to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
        "--concurrency",
        concurrency,
    ]);
    command.extend(connection(fake));
    command
}

/// `apply INPUT --results RESULTS` against `fake` at the default rate
/// limit, its budget shared through the Redis at `redis_url`.
pub fn apply_with_redis(
    input: &Path,
    results: &Path,
    fake: &FakeUpheal,
    redis_url: &str,
) -> Vec<String> {
    args(&[
        "apply",
        input.to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
        "--base-url",
        fake.base_url(),
        "--api-key",
        fake.api_key(),
        "--redis",
        redis_url,
    ])
}

/// A fake with no rate limit and one active provider per partner id.
pub async fn fake_with_partner_ids(ids: &[&str]) -> FakeUpheal {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    for id in ids {
        fake.seed(
            upheal_provider_users::fake::SeedUser::new("A", "B", "a@example.com")
                .partner_user_id(id),
        );
    }
    fake
}

/// `apply INPUT --resume RESULTS` against `fake`.
pub fn resume_args(input: &Path, results: &Path, fake: &FakeUpheal) -> Vec<String> {
    let mut command = args(&[
        "apply",
        input.to_str().unwrap(),
        "--resume",
        results.to_str().unwrap(),
        "--concurrency",
        "4",
    ]);
    command.extend(connection(fake));
    command
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The row records of a results file (each run's opening line left out).
pub fn results(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("every results line is JSON"))
        .filter(|record| record.get("row").is_some())
        .collect()
}

/// Every id the fake was sent an update for, in arrival order.
pub fn sent_ids(fake: &FakeUpheal) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|request| {
            request
                .path
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}
