//! `apply FILE`: validate, then apply every row through the library's bulk
//! helper (bounded concurrency, rate limit, retries), writing each result as
//! it finishes.
//!
//! A run stops starting rows, lets the ones in flight finish and records
//! them, when: the key is refused (401/403: it would be refused for every
//! row), the results file cannot be written (a result that cannot be
//! recorded must not be followed by more), or Ctrl-C is pressed (a second
//! Ctrl-C abandons the rows in flight).

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    io,
    path::PathBuf,
};

use futures_util::{FutureExt, StreamExt};
use tokio::sync::mpsc;
use upheal_provider_users::{BulkStop, Client, Error, ErrorKind, ProviderUser, Sharing};

use crate::{
    cli_args::ApplyArgs,
    connection::Connection,
    exit_code::ExitCode,
    input_file::InputFile,
    input_row::InputRow,
    progress::Progress,
    results_file::{ResultRecord, ResultsWriter, RunRecord, TakeError, same_file},
    resume_plan::ResumePlan,
    shown::shown,
    validate_command,
};

pub async fn run(args: ApplyArgs) -> ExitCode {
    let file = InputFile::read(&args.file);
    validate_command::report(&file);
    let notes = validate_command::notes_mentioned(&file);
    if !file.problems.is_empty() {
        eprintln!(
            "{} problem(s); nothing was sent. refusing to start: fix the problems above (`validate` lists them)",
            file.problems.len()
        );
        return ExitCode::InvalidInput;
    }
    let results_path = args
        .resume
        .clone()
        .flatten()
        .or(args.results.clone())
        .unwrap_or_else(|| default_results_path(&args.file));
    if same_file(&results_path, &args.file) {
        return refuse(&format!(
            "the results file {} is the input file; pass another --results path",
            shown(&results_path.display().to_string())
        ));
    }
    let shown_path = shown(&results_path.display().to_string());
    let mut writer = match ResultsWriter::take(&results_path, args.resume.is_some()) {
        Ok(writer) => writer,
        Err(TakeError::InUse) => {
            return refuse(&format!(
                "the results file {shown_path} is in use by another run of this tool; \
                 wait for it to finish, or pass another --results path"
            ));
        }
        Err(TakeError::Io(e)) => {
            return refuse(&format!("cannot open the results file {shown_path}: {e}"));
        }
    };
    let plan = match plan(&args, &file, &mut writer, &results_path) {
        Ok(plan) => plan,
        Err(message) => return refuse(&message),
    };
    // Rows are scanned again from the file's text as they are sent: memory
    // holds the rows in flight, not the file's rows.
    let pending = || file.valid_rows().filter(|row| plan.sends(row));
    // Before the "started" record: a run that cannot even build its client
    // (a bad --redis URL) started nothing.
    let connection = match Connection::open(&args.connection, pending().map(|row| row.id)).await {
        Ok(connection) => connection,
        Err(message) => return refuse(&message),
    };
    let run_record = RunRecord {
        run: "started",
        input: args.file.display().to_string(),
        rows_to_send: plan.to_send(),
    };
    if let Err(e) = writer.start(&run_record) {
        return refuse(&format!("cannot write the results file {shown_path}: {e}"));
    }
    let mut state = RunState::new(writer, plan.to_send());
    send_all(
        &connection.client,
        pending(),
        usize::from(args.concurrency),
        &mut state,
    )
    .await;
    state.progress.finish();
    if let Some(sharing) = redis_sharing(&connection.client) {
        println!("rate budget: {sharing}");
    }
    if let Some(budget) = connection.client.budget() {
        if let Some(redis) = budget.redis_status().filter(|redis| !redis.answering()) {
            println!("rate budget: Redis not answering at the end of the run ({redis})");
        }
        // The other processes on the key stop leaving room for this one.
        budget.leave().await;
    }
    state.summarise(plan.matched, &results_path, &notes)
}

/// How a budget held in Redis was shared over the run ("shared through
/// Redis", or how long Redis was unavailable and the share used meanwhile);
/// `None` for a budget of this process alone.
fn redis_sharing(client: &Client) -> Option<Sharing> {
    client
        .budget()
        .map(|budget| budget.sharing())
        .filter(|sharing| matches!(sharing, Sharing::Redis { .. }))
}

fn plan(
    args: &ApplyArgs,
    file: &InputFile,
    results: &mut ResultsWriter,
    path: &std::path::Path,
) -> Result<ResumePlan, String> {
    let records = results
        .previous_results()
        .map_err(|e| format!("cannot read {}: {e}", shown(&path.display().to_string())))?;
    if args.resume.is_none() {
        let applied = records.iter().filter(|r| r.outcome == "applied").count();
        if applied > 0 && !args.again {
            return Err(format!(
                "{} already records {applied} row(s) applied by an earlier run; add `--resume` \
                 to skip them, or `--again` to send every row again",
                shown(&path.display().to_string())
            ));
        }
        return Ok(ResumePlan::fresh(file.rows));
    }
    let plan = ResumePlan::resume(file.valid_rows(), &records)?;
    eprintln!("{}", plan.describe());
    Ok(plan)
}

/// Why a run stopped before sending every row.
enum Stop {
    KeyRefused {
        line: u64,
        kind: ErrorKind,
        status: Option<u16>,
    },
    ResultsUnwritable(io::Error),
    Interrupted,
}

struct RunState {
    writer: ResultsWriter,
    progress: Progress,
    applied: u64,
    failed: u64,
    /// Rows sent whose result the results file does not hold.
    unrecorded: Vec<String>,
    /// Rows sent whose outcome nobody saw (abandoned on a second Ctrl-C).
    abandoned: u64,
    /// Rows taken into the run but never sent (stopped by Ctrl-C first).
    not_sent: u64,
    stop: Option<Stop>,
    interrupts: mpsc::UnboundedReceiver<()>,
    ctrl_c_presses: u32,
}

impl RunState {
    fn new(writer: ResultsWriter, total: usize) -> Self {
        Self {
            writer,
            progress: Progress::new(total as u64),
            applied: 0,
            failed: 0,
            unrecorded: Vec::new(),
            abandoned: 0,
            not_sent: 0,
            stop: None,
            interrupts: listen_for_ctrl_c(),
            ctrl_c_presses: 0,
        }
    }

    fn record(&mut self, row: &InputRow, result: &Result<ProviderUser, Error>) {
        // Never sent (the run was stopped): nothing to record, and a
        // resume sends it.
        if result
            .as_ref()
            .is_err_and(|e| e.kind() == ErrorKind::Stopped)
        {
            self.not_sent += 1;
            return;
        }
        let outcome = match result {
            Ok(_) => {
                self.applied += 1;
                "applied"
            }
            Err(e) => {
                self.failed += 1;
                self.progress
                    .note(&shown(&format!("line {} ({}): {e}", row.line, row.id)));
                "failed"
            }
        };
        self.progress.row_done(self.failed);
        let written = match self.stop {
            Some(Stop::ResultsUnwritable(_)) => Ok(false),
            _ => self
                .writer
                .write(&ResultRecord::new(row, result))
                .map(|()| true),
        };
        match written {
            Ok(true) => {}
            Ok(false) => self.unrecorded.push(unrecorded(row, outcome)),
            Err(e) => {
                self.unrecorded.push(unrecorded(row, outcome));
                self.stop = Some(Stop::ResultsUnwritable(e));
            }
        }
        if let Err(error) = result
            && matches!(error.kind(), ErrorKind::Unauthorized | ErrorKind::Forbidden)
            && self.stop.is_none()
        {
            self.stop = Some(Stop::KeyRefused {
                line: row.line,
                kind: error.kind(),
                status: error.status(),
            });
        }
    }

    fn summarise(&self, skipped: usize, results: &std::path::Path, notes: &str) -> ExitCode {
        let total = self.progress.total();
        let not_started = total - self.applied - self.failed - self.abandoned;
        let results = shown(&results.display().to_string());
        println!(
            "applied {}, failed {}, skipped {skipped} (already applied), not started {not_started}{notes}; results in {results}",
            self.applied, self.failed
        );
        if self.abandoned > 0 {
            println!(
                "{} update(s) were sent and abandoned in flight: whether Upheal applied them is unknown, and a resume sends them again",
                self.abandoned
            );
        }
        match &self.stop {
            Some(Stop::ResultsUnwritable(e)) => {
                eprintln!(
                    "stopped: cannot write the results file ({e}); no further rows were started. \
                     Sent but not recorded:"
                );
                for line in &self.unrecorded {
                    eprintln!("  {line}");
                }
                ExitCode::SomeFailed
            }
            Some(Stop::KeyRefused { line, kind, status }) => {
                eprintln!(
                    "stopped: Upheal refused the API key on line {line} ({:?}, HTTP {}); no further \
                     rows were started. Check UPHEAL_API_KEY / --api-key, then resume with \
                     `--resume {results}`",
                    kind,
                    status.unwrap_or_default()
                );
                ExitCode::SomeFailed
            }
            Some(Stop::Interrupted) if not_started + self.abandoned == 0 => {
                println!("interrupted after every row was sent: nothing is left to resume");
                ExitCode::Interrupted
            }
            Some(Stop::Interrupted) => {
                println!("interrupted: run again with `--resume {results}` to finish");
                ExitCode::Interrupted
            }
            None if self.failed > 0 => ExitCode::SomeFailed,
            None => ExitCode::Success,
        }
    }
}

/// The first row goes alone: a refused key or an unreachable server is then
/// found with one request sent, not `concurrency` of them.
async fn send_all(
    client: &Client,
    mut rows: impl Iterator<Item = InputRow>,
    concurrency: usize,
    state: &mut RunState,
) {
    send_batch(client, rows.by_ref().take(1), 1, state).await;
    if state.stop.is_none() {
        send_batch(client, rows, concurrency, state).await;
    }
}

async fn send_batch(
    client: &Client,
    rows: impl Iterator<Item = InputRow>,
    width: usize,
    state: &mut RunState,
) {
    let stopped = Cell::new(false);
    // The rows taken and not yet finished, by their index in this batch:
    // what a result is recorded against.
    let in_flight: RefCell<HashMap<usize, InputRow>> = RefCell::new(HashMap::new());
    let items = rows
        .take_while(|_| !stopped.get())
        .enumerate()
        .map(|(index, row)| {
            let item = (row.id.clone(), row.update.clone());
            in_flight.borrow_mut().insert(index, row);
            item
        });
    let stop = BulkStop::new();
    let mut finished = std::pin::pin!(client.update_many_unordered_until(items, width, &stop));
    let record = |state: &mut RunState, index: usize, result: &Result<ProviderUser, Error>| {
        if let Some(row) = in_flight.borrow_mut().remove(&index) {
            state.record(&row, result);
        }
    };
    loop {
        tokio::select! {
            next = finished.next() => {
                let Some((index, result)) = next else { break };
                record(state, index, &result);
            }
            Some(()) = state.interrupts.recv() => {
                state.ctrl_c_presses += 1;
                if state.ctrl_c_presses > 1 {
                    state.abandoned += in_flight.borrow().len() as u64;
                    break;
                }
                state.stop.get_or_insert(Stop::Interrupted);
                stopped.set(true);
                stop.stop();
                // Rows not sent yet end at once; what is left is in flight.
                while let Some(Some((index, result))) = finished.next().now_or_never() {
                    record(state, index, &result);
                }
                eprintln!(
                    "stopping: nothing more is sent ({} row(s) were not sent and stay for a resume); \
                     waiting for {} update(s) already sent; Ctrl-C again abandons them",
                    state.not_sent,
                    in_flight.borrow().len()
                );
            }
        }
        if state.stop.is_some() {
            stopped.set(true);
        }
    }
}

/// Ctrl-C presses as messages, so the loop can count them.
fn listen_for_ctrl_c() -> mpsc::UnboundedReceiver<()> {
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if sender.send(()).is_err() {
                break;
            }
        }
    });
    receiver
}

fn unrecorded(row: &InputRow, outcome: &str) -> String {
    shown(&format!("line {} ({}): {outcome}", row.line, row.id))
}

fn default_results_path(input: &std::path::Path) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(".results.jsonl");
    PathBuf::from(name)
}

/// Nothing was sent: exit 2.
fn refuse(message: &str) -> ExitCode {
    eprintln!("error: {message}; nothing was sent");
    ExitCode::InvalidInput
}
