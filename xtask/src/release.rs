//! `check-bump`: the version and the changelog carry the bump the fragment's
//! changes since the last release require.

use std::process::Command;

use crate::{api_smart_diff::repository_root, spec_diff, spec_policy::Bump};

const FRAGMENT: &str = "openapi/update-provider-user-by-id-v2.json";

pub fn check_bump() -> Result<(), String> {
    let root = repository_root()?;
    let current = version_at(None)?;
    let Some((released_at, released)) = last_release(&current)? else {
        println!("no earlier version to compare with; nothing to check");
        return Ok(());
    };
    let old = std::env::temp_dir().join(format!("released-fragment-{}.json", std::process::id()));
    std::fs::write(&old, git(&["show", &format!("{released_at}:{FRAGMENT}")])?)
        .map_err(|e| e.to_string())?;
    println!("fragment of {released} ({released_at}) -> working tree ({current}):");
    let required = spec_diff(&old, &root.join(FRAGMENT))?;
    let _ = std::fs::remove_file(&old);
    let made = bump_between(&released, &current)?;
    if made < required {
        return Err(format!(
            "the fragment's changes need a {} bump, but {released} -> {current} is a {} one",
            required.name(),
            made.name()
        ));
    }
    let changelog =
        std::fs::read_to_string(root.join("CHANGELOG.md")).map_err(|e| e.to_string())?;
    if required > Bump::Patch && !changelog.contains(&current) {
        return Err(format!("CHANGELOG.md has no entry for {current}"));
    }
    println!(
        "version {released} -> {current} carries the {} bump",
        required.name()
    );
    Ok(())
}

/// The newest `v*` tag, else the last commit whose `Cargo.toml` had another
/// version than `current`.
fn last_release(current: &str) -> Result<Option<(String, String)>, String> {
    let tags = git(&["tag", "--list", "v*", "--sort=-v:refname"])?;
    if let Some(tag) = tags.lines().next() {
        return Ok(Some((
            tag.to_owned(),
            tag.trim_start_matches('v').to_owned(),
        )));
    }
    for commit in git(&["log", "--format=%H", "--", "Cargo.toml"])?.lines() {
        let version = version_at(Some(commit))?;
        if version != current {
            return Ok(Some((commit.to_owned(), version)));
        }
    }
    Ok(None)
}

fn version_at(commit: Option<&str>) -> Result<String, String> {
    let text = match commit {
        Some(commit) => git(&["show", &format!("{commit}:Cargo.toml")])?,
        None => std::fs::read_to_string(repository_root()?.join("Cargo.toml"))
            .map_err(|e| e.to_string())?,
    };
    text.lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
        .ok_or_else(|| "no version in Cargo.toml".to_owned())
}

/// The bump from `old` to `new`, with 0.x semantics (0.1 -> 0.2 is major).
fn bump_between(old: &str, new: &str) -> Result<Bump, String> {
    let parse = |v: &str| -> Result<(u64, u64, u64), String> {
        let mut parts = v.split(['.', '-']).map(|p| p.parse::<u64>());
        match (parts.next(), parts.next(), parts.next()) {
            (Some(Ok(a)), Some(Ok(b)), Some(Ok(c))) => Ok((a, b, c)),
            _ => Err(format!("`{v}` is not a version")),
        }
    };
    let ((a, b, c), (x, y, z)) = (parse(old)?, parse(new)?);
    Ok(match () {
        _ if x > a || (a == 0 && x == 0 && y > b) => Bump::Major,
        _ if y > b || (a == 0 && z > c) => Bump::Minor,
        _ if z > c => Bump::Patch,
        _ => Bump::Patch,
    })
}

fn git(args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(repository_root()?)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
