//! `apply FILE`: validate, then apply every row through the library's bulk
//! helper (bounded concurrency, rate limit, retries), writing each result as
//! it finishes. Ctrl-C stops starting rows; finished ones are already saved.

use std::path::PathBuf;

use futures_util::StreamExt;

use crate::{
    cli_args::ApplyArgs,
    connection::Connection,
    exit_code::ExitCode,
    input_file::InputFile,
    progress::Progress,
    results_file::{ResultRecord, ResultsWriter, applied_rows},
    validate_command,
};

#[derive(Debug, Default)]
struct Tally {
    applied: u64,
    failed: u64,
}

pub async fn run(args: ApplyArgs) -> ExitCode {
    let file = InputFile::read(&args.file);
    if !file.problems.is_empty() {
        validate_command::report(&file);
        eprintln!("refusing to start: fix the problems above (`validate` lists them)");
        return ExitCode::InvalidInput;
    }
    let results_path = args
        .resume
        .clone()
        .or(args.results.clone())
        .unwrap_or_else(|| default_results_path(&args.file));
    let already = match &args.resume {
        Some(path) => match applied_rows(path) {
            Ok(rows) => rows,
            Err(e) => return fail(&format!("cannot read {}: {e}", path.display())),
        },
        None => Default::default(),
    };
    let pending: Vec<_> = file
        .rows
        .into_iter()
        .filter(|row| !already.contains(&row.line))
        .collect();
    let connection =
        match Connection::open(&args.connection, pending.iter().map(|row| &row.id)).await {
            Ok(connection) => connection,
            Err(message) => return fail(&message),
        };
    let mut writer = match ResultsWriter::append_to(&results_path) {
        Ok(writer) => writer,
        Err(e) => return fail(&format!("cannot write {}: {e}", results_path.display())),
    };

    let mut progress = Progress::new(pending.len() as u64);
    let mut tally = Tally::default();
    let items = pending
        .iter()
        .map(|row| (row.id.clone(), row.update.clone()));
    let mut finished = std::pin::pin!(
        connection
            .client
            .update_many_unordered(items, usize::from(args.concurrency))
    );
    let mut interrupt = std::pin::pin!(tokio::signal::ctrl_c());
    let interrupted = loop {
        tokio::select! {
            next = finished.next() => {
                let Some((index, result)) = next else { break false };
                let row = &pending[index];
                let record = ResultRecord::new(row, &result);
                if let Err(e) = writer.write(&record) {
                    return fail(&format!("cannot write {}: {e}", results_path.display()));
                }
                match &result {
                    Ok(_) => tally.applied += 1,
                    Err(e) => {
                        tally.failed += 1;
                        progress.note(&format!("line {} ({}): {e}", row.line, row.id));
                    }
                }
                progress.row_done(tally.failed);
            }
            _ = &mut interrupt => break true,
        }
    };
    progress.finish();
    summarise(
        &tally,
        already.len(),
        pending.len(),
        interrupted,
        &results_path,
    )
}

fn summarise(
    tally: &Tally,
    skipped: usize,
    pending: usize,
    interrupted: bool,
    results: &std::path::Path,
) -> ExitCode {
    let unfinished = pending as u64 - tally.applied - tally.failed;
    println!(
        "applied {}, failed {}, skipped {skipped} (already applied), not started {unfinished}; results in {}",
        tally.applied,
        tally.failed,
        results.display()
    );
    if interrupted {
        println!(
            "interrupted: run again with `--resume {}` to finish",
            results.display()
        );
        ExitCode::Interrupted
    } else if tally.failed > 0 {
        ExitCode::SomeFailed
    } else {
        ExitCode::Success
    }
}

fn default_results_path(input: &std::path::Path) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(".results.jsonl");
    PathBuf::from(name)
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::InvalidInput
}
