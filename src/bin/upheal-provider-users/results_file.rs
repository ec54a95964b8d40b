//! The results file: a line naming the run, then one JSON line per
//! finished row, written as each row finishes, so an interrupted run loses
//! nothing it completed.

use std::{
    fs::{File, OpenOptions},
    io::{self, Read, Seek, SeekFrom, Write},
    path::Path,
};

use serde::{Deserialize, Serialize};
use upheal_provider_users::{Error, ProviderUser};

use crate::{input_row::InputRow, update_fingerprint::UpdateFingerprint};

const APPLIED: &str = "applied";
const FAILED: &str = "failed";

/// One finished row.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultRecord {
    /// The input file's line number, as an editor shows it.
    pub row: u64,
    /// The id as sent (an Upheal UUID in canonical form).
    pub id: String,
    /// `applied` or `failed`.
    pub outcome: String,
    /// The provider and update this outcome is for; what `--resume`
    /// compares. Absent in files from before it existed, which then match
    /// nothing (every row is applied again).
    #[serde(default)]
    pub fingerprint: Option<UpdateFingerprint>,
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
            fingerprint: Some(row.fingerprint.clone()),
            error_kind: error.map(|e| format!("{:?}", e.kind())),
            status: error.and_then(Error::status),
            message: error.map(ToString::to_string),
        }
    }

    pub fn is_applied(&self) -> bool {
        self.outcome == APPLIED
    }
}

/// The line that opens each run, so a file appended to by several runs
/// says which input each part came from.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord<'a> {
    pub run: &'a str,
    pub input: String,
    pub rows_to_send: usize,
}

/// Whether `a` and `b` are one file: by identity (device and inode), so a
/// hard link, a symlink or another spelling of the path is caught. A path
/// that does not exist is no existing file. Read with `stat`, never by
/// opening: opening a FIFO would wait for its other end.
#[cfg(unix)]
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

/// Whether `a` and `b` are one file: by identity (the volume and file
/// index), so a hard link or another spelling of the path is caught.
#[cfg(not(unix))]
pub fn same_file(a: &Path, b: &Path) -> bool {
    same_file::is_same_file(a, b).unwrap_or(false)
}

/// Why the results file cannot be this run's.
#[derive(Debug)]
pub enum TakeError {
    /// Another run of the tool holds it: two runs on one results file would
    /// both send the rows neither has recorded yet.
    InUse,
    Io(io::Error),
}

/// The run's results file, held for the run: read once for `--resume`,
/// then appended to, a record at a time, each flushed.
pub struct ResultsWriter {
    file: File,
    /// The file to resume ends in a line cut off (a run killed mid-write):
    /// the next record starts on a new line, so the file stays JSON Lines.
    ends_mid_line: bool,
    /// Opened for reading too: a regular file that existed (earlier runs'
    /// records are read through this handle).
    readable: bool,
}

impl ResultsWriter {
    /// Opens `path` for appending (creating it, unless `must_exist`: a file
    /// to `--resume`, which is also read) and locks it for this run until
    /// the process ends, before `--resume` reads it, so what it reads stays
    /// true. A file that cannot be locked at all (a device, a filesystem
    /// without locks) is used unlocked, with a note.
    fn new(file: File, readable: bool) -> Self {
        Self {
            file,
            ends_mid_line: false,
            readable,
        }
    }

    pub fn take(path: &Path, must_exist: bool) -> Result<Self, TakeError> {
        // A file to resume is read through this same handle: on Windows the
        // lock is mandatory, so a second handle could not read it. A new
        // one is only written (a pipe opened for reading too would never
        // see its reader go); an existing regular file is read too, for
        // the records of earlier runs.
        let readable = must_exist || std::fs::metadata(path).is_ok_and(|m| m.is_file());
        let file = OpenOptions::new()
            .read(readable)
            .create(!must_exist)
            .append(true)
            .open(path)
            .map_err(TakeError::Io)?;
        if must_exist && !file.metadata().map_err(TakeError::Io)?.is_file() {
            return Err(TakeError::Io(io::Error::other(
                "not a regular file (a results file to resume is one this tool wrote)",
            )));
        }
        // Named in full: from Rust 1.89 std's own `File::try_lock` would
        // shadow the trait's method, with another error type.
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => Ok(Self::new(file, readable)),
            Err(fs4::TryLockError::WouldBlock) => Err(TakeError::InUse),
            Err(fs4::TryLockError::Error(e)) => {
                eprintln!(
                    "note: the results file cannot be locked ({e}); \
                     run no other job on it until this one ends"
                );
                Ok(Self::new(file, readable))
            }
        }
    }

    /// Every row record in the file, in order; other lines (run records, a
    /// line cut short by a crash) are passed over, so such a row runs again.
    pub fn previous_results(&mut self) -> io::Result<Vec<ResultRecord>> {
        if !self.readable {
            return Ok(Vec::new());
        }
        self.file.seek(SeekFrom::Start(0))?;
        let mut text = Vec::new();
        (&self.file).read_to_end(&mut text)?;
        self.ends_mid_line = text.last().is_some_and(|last| *last != b'\n');
        let records = text
            .split(|byte| *byte == b'\n')
            .filter_map(|line| serde_json::from_slice::<ResultRecord>(line).ok())
            .collect();
        Ok(records)
    }

    /// Writes the run's first line at once, so that a file that cannot be
    /// written is found before anything is sent (opening `/dev/full`
    /// succeeds; only writing fails).
    pub fn start(&mut self, run: &RunRecord<'_>) -> io::Result<()> {
        self.write_line(run)
    }

    pub fn write(&mut self, record: &ResultRecord) -> io::Result<()> {
        self.write_line(record)
    }

    fn write_line(&mut self, value: &impl Serialize) -> io::Result<()> {
        let mut line = Vec::new();
        if std::mem::take(&mut self.ends_mid_line) {
            line.push(b'\n');
        }
        serde_json::to_writer(&mut line, value).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.flush()
    }
}
