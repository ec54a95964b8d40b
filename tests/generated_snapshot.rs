//! Keeps the generated code reviewable: a spec or generator change shows up
//! as a diff of `tests/snapshots/generated.rs.snap`.
//!
//! After an intended change, rewrite the snapshot with
//! `UPDATE_GENERATED_SNAPSHOT=1 cargo test --test generated_snapshot`
//! and commit it together with the change.

use std::{fs, path::Path};

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/snapshots/generated.rs.snap"
);
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/generated.rs"));

#[test]
fn generated_code_matches_the_snapshot() {
    if std::env::var_os("UPDATE_GENERATED_SNAPSHOT").is_some() {
        fs::write(SNAPSHOT, GENERATED).expect("the snapshot is writable");
        return;
    }
    let snapshot = fs::read_to_string(Path::new(SNAPSHOT)).unwrap_or_default();
    if snapshot == GENERATED {
        return;
    }
    let diff = similar::TextDiff::from_lines(snapshot.as_str(), GENERATED)
        .unified_diff()
        .header("tests/snapshots/generated.rs.snap", "$OUT_DIR/generated.rs")
        .to_string();
    panic!(
        "the generated code differs from its snapshot; review the diff and, if it is \
         intended, run `UPDATE_GENERATED_SNAPSHOT=1 cargo test --test generated_snapshot`\n{diff}"
    );
}
