//! The OpenAPI diff itself, by api-smart-diff (a well-kept npm package that
//! resolves `$ref`s and classifies OpenAPI 3.0 changes); the crate's policy
//! is applied on top in `spec_policy`.

use std::{path::Path, process::Command};

use serde_json::Value;

const TOOL_DIR: &str = "xtask/spec-diff";

/// One change as api-smart-diff reports it.
pub struct Change {
    pub action: String,
    pub path: Vec<String>,
    /// api-smart-diff's own class.
    pub tool_class: String,
    pub description: Option<String>,
}

/// The changes from `old` to `new`; installs the tool (pinned by its
/// lockfile) on first use.
pub fn changes(old: &Path, new: &Path) -> Result<Vec<Change>, String> {
    let root = repository_root()?;
    let tool = root.join(TOOL_DIR);
    if !tool.join("node_modules/api-smart-diff").exists() {
        let installed = Command::new("npm")
            .args(["ci", "--silent", "--no-audit", "--no-fund"])
            .current_dir(&tool)
            .status()
            .map_err(|e| format!("cannot run npm (Node.js is needed for the diff): {e}"))?;
        if !installed.success() {
            return Err(format!("`npm ci` failed in {}", tool.display()));
        }
    }
    let output = Command::new("node")
        .arg(tool.join("diff.mjs"))
        .args([old, new])
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "api-smart-diff failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let list: Vec<Value> =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("api-smart-diff: {e}"))?;
    Ok(list.into_iter().map(change).collect())
}

fn change(value: Value) -> Change {
    let text = |field: &str| value[field].as_str().map(str::to_owned);
    Change {
        action: text("action").unwrap_or_default(),
        path: value["path"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect(),
        tool_class: text("type").unwrap_or_else(|| "unclassified".to_owned()),
        description: text("description"),
    }
}

/// The checkout this xtask belongs to.
pub fn repository_root() -> Result<std::path::PathBuf, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "no repository around xtask/".to_owned())
}
