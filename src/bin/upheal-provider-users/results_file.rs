//! The results file: one JSON line per finished row, written as each row
//! finishes, so an interrupted run loses nothing it completed.

use std::{
    collections::HashSet,
    fs::{File, OpenOptions},
    io::{self, BufRead, BufReader, Write},
    path::Path,
};

use serde::{Deserialize, Serialize};
use upheal_provider_users::{Error, ProviderUser};

use crate::input_row::InputRow;

const APPLIED: &str = "applied";
const FAILED: &str = "failed";

/// One finished row.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultRecord {
    /// The input file's line number.
    pub row: u64,
    pub id: String,
    /// `applied` or `failed`.
    pub outcome: String,
    pub error_kind: Option<String>,
    pub status: Option<u16>,
    pub message: Option<String>,
}

impl ResultRecord {
    pub fn new(row: &InputRow, result: &Result<ProviderUser, Error>) -> Self {
        let error = result.as_ref().err();
        Self {
            row: row.line,
            id: row.id.to_string(),
            outcome: if error.is_some() { FAILED } else { APPLIED }.to_owned(),
            error_kind: error.map(|e| format!("{:?}", e.kind())),
            status: error.and_then(Error::status),
            message: error.map(ToString::to_string),
        }
    }

    pub fn is_applied(&self) -> bool {
        self.outcome == APPLIED
    }
}

/// The rows a previous run applied, by line number; an unreadable line in
/// the file (e.g. cut short by a crash) is skipped, so that row runs again.
pub fn applied_rows(path: &Path) -> io::Result<HashSet<u64>> {
    let file = File::open(path)?;
    let mut applied = HashSet::new();
    for line in BufReader::new(file).lines() {
        if let Ok(record) = serde_json::from_str::<ResultRecord>(&line?)
            && record.is_applied()
        {
            applied.insert(record.row);
        }
    }
    Ok(applied)
}

/// Appends records, flushing each one.
pub struct ResultsWriter(File);

impl ResultsWriter {
    pub fn append_to(path: &Path) -> io::Result<Self> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map(Self)
    }

    pub fn write(&mut self, record: &ResultRecord) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.0.write_all(&line)?;
        self.0.flush()
    }
}
