//! Maintainer commands for upheal-provider-users (the xtask convention).
//!
//!   cargo xtask spec-diff OLD.json NEW.json
//!       Lists each change between two fragments with its class under the
//!       crate's policy and ends with `required bump: major|minor|patch`.
//!   cargo xtask check-bump
//!       Compares the fragment with the one of the last released version
//!       (the newest `v*` tag, else the last commit of the previous
//!       `Cargo.toml` version) and fails when `Cargo.toml`'s version or
//!       CHANGELOG.md does not carry the bump the change requires.

mod api_smart_diff;
#[allow(dead_code)]
#[path = "../../build/fragment_json.rs"]
mod fragment_json;
mod release;
mod spec_policy;

use std::{path::Path, process::ExitCode};

use spec_policy::Bump;

/// The operation the crate wraps (build.rs's `OPERATION_ID`).
pub const OPERATION_ID: &str = "updateProviderUserByIdV2";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["spec-diff", old, new] => spec_diff(Path::new(old), Path::new(new)).map(|_| ()),
        ["check-bump"] => release::check_bump(),
        _ => Err("usage: cargo xtask spec-diff OLD.json NEW.json | cargo xtask check-bump".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Prints each change with its class and the bump they require together.
pub fn spec_diff(old: &Path, new: &Path) -> Result<Bump, String> {
    let read = |path: &Path| -> Result<serde_json::Value, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let (before, after) = (read(old)?, read(new)?);
    let changes = api_smart_diff::changes(old, new)?;
    let classified = spec_policy::classify(&before, &after, &changes);
    for change in &classified {
        println!(
            "{:<5}  {}: {}",
            change.bump.name(),
            change.location,
            change.why
        );
    }
    let required = classified
        .iter()
        .map(|c| c.bump)
        .max()
        .unwrap_or(Bump::Patch);
    if classified.is_empty() {
        println!("no change");
    }
    println!("required bump: {}", required.name());
    Ok(required)
}
