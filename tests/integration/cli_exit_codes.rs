//! What the exit code and the messages promise: 2 means nothing was sent; a
//! run that stops after sending says what was sent.
#![cfg(feature = "cli")]

use crate::cli_support;

use std::{
    fs,
    io::{BufRead, BufReader},
    process::Command,
    time::{Duration, Instant},
};

use cli_support::*;
use upheal_provider_users::fake::{FakeUpheal, Fault, SeedUser};

async fn seeded_fake(rows: usize) -> FakeUpheal {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    for i in 0..rows {
        fake.seed(SeedUser::new("P", "Q", "p@example.com").partner_user_id(&format!("ext-{i}")));
    }
    fake
}

fn rows_csv(rows: usize) -> String {
    let mut text = String::from(HEADER);
    for i in 0..rows {
        text.push_str(&format!("\n,ext-{i},,LPC-{i},,"));
    }
    text
}

#[tokio::test]
async fn an_unwritable_results_path_is_found_before_anything_is_sent() {
    let fake = seeded_fake(3).await;
    let dir = Workdir::new("dev-full");
    let input = dir.file("rows.csv", &rows_csv(3));
    let output = run(apply_args(&input, "/dev/full".as_ref(), "2", &fake)).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("cannot write the results file /dev/full"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(fake.counters().requests, 0);

    let missing_folder = dir.path("no/such/folder/results.jsonl");
    let output = run(apply_args(&input, &missing_folder, "2", &fake)).await;
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(fake.counters().requests, 0);

    // A device to resume from: `/dev/full` reads zeros for ever (one line
    // that never ends), `/dev/null` reads as an empty history; neither is a
    // results file this tool wrote.
    for device in ["/dev/full", "/dev/null"] {
        let output = run(resume_args(&input, device.as_ref(), &fake)).await;
        assert_eq!(output.status.code(), Some(2), "{device}");
        assert!(
            text(&output.stderr).contains("not a regular file"),
            "{}",
            text(&output.stderr)
        );
        assert_eq!(fake.counters().requests, 0);
    }
}

#[tokio::test]
async fn a_results_path_that_is_the_input_is_refused() {
    let fake = seeded_fake(2).await;
    let dir = Workdir::new("same-path");
    let input = dir.file("rows.csv", &rows_csv(2));
    let original = fs::read(&input).unwrap();
    let same_file_other_spelling = dir.0.join(".").join("rows.csv");
    for results_path in [&input, &same_file_other_spelling] {
        let output = run(apply_args(&input, results_path, "2", &fake)).await;
        assert_eq!(output.status.code(), Some(2));
        assert!(
            text(&output.stderr).contains("is the input file"),
            "{}",
            text(&output.stderr)
        );
    }
    let mut resume = args(&[
        "apply",
        input.to_str().unwrap(),
        "--resume",
        input.to_str().unwrap(),
    ]);
    resume.extend(connection(&fake));
    assert_eq!(run(resume).await.status.code(), Some(2));
    assert_eq!(
        fs::read(&input).unwrap(),
        original,
        "the input is untouched"
    );
    assert_eq!(fake.counters().requests, 0);
}

#[tokio::test]
async fn a_refused_key_stops_the_run_at_the_first_row() {
    let fake = seeded_fake(20).await;
    let dir = Workdir::new("bad-key");
    let input = dir.file("rows.csv", &rows_csv(20));
    let mut command = args(&[
        "apply",
        input.to_str().unwrap(),
        "--concurrency",
        "8",
        "--base-url",
        fake.base_url(),
        "--api-key",
        "wrong-key",
        "--rate-limit",
        "0",
    ]);
    command.extend(args(&["--results", dir.path("r.jsonl").to_str().unwrap()]));
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("stopped: Upheal refused the API key on line 2 (Unauthorized, HTTP 401)"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("HTTP 401").count(),
        2,
        "no wall of errors: {stderr}"
    );
    assert_eq!(fake.counters().requests, 1, "nothing more was sent");
    assert!(
        text(&output.stdout)
            .contains("applied 0, failed 1, skipped 0 (already applied), not started 19")
    );

    // 403 the same way, on a run that resumes.
    fake.inject(Fault::Status(403), 1);
    let output = run(apply_args(&input, &dir.path("r2.jsonl"), "8", &fake)).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("(Forbidden, HTTP 403)"));
    assert_eq!(fake.counters().requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_results_file_that_breaks_mid_run_stops_the_run_and_says_what_was_sent() {
    let fake = seeded_fake(40).await;
    fake.set_partner_lookup_latency(Duration::from_millis(20));
    let dir = Workdir::new("broken-results");
    let input = dir.file("rows.csv", &rows_csv(40));
    // A pipe whose reader hangs up after two lines: later writes fail.
    let fifo = dir.path("results.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let mut lines = BufReader::new(fs::File::open(reader_path).unwrap()).lines();
        let first_two: Vec<String> = lines.by_ref().take(2).map(Result::unwrap).collect();
        first_two
    });
    let output = run(apply_args(&input, &fifo, "2", &fake)).await;
    let first_two = reader.join().unwrap();
    assert!(
        first_two[0].contains("\"run\":\"started\""),
        "{first_two:?}"
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("stopped: cannot write the results file"),
        "{stderr}"
    );
    let unrecorded = stderr
        .lines()
        .skip_while(|line| !line.contains("Sent but not recorded:"))
        .skip(1)
        .filter(|line| line.starts_with("  line "))
        .count();
    assert!(unrecorded >= 1, "{stderr}");
    let sent = fake.counters().requests as usize;
    assert!(sent < 40, "the run stopped: {sent} sent");
    assert!(
        unrecorded <= sent,
        "{unrecorded} unrecorded of {sent} sent:\n{stderr}"
    );
}

#[tokio::test]
async fn without_a_key_the_tool_says_how_to_give_one() {
    let dir = Workdir::new("no-key");
    let input = dir.file("rows.csv", &rows_csv(1));
    let output = run(args(&["apply", input.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("set UPHEAL_API_KEY or pass --api-key, or use --fake"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test]
async fn rate_limit_is_honoured_with_fake_and_progress_goes_to_stderr() {
    let dir = Workdir::new("fake-pace");
    let input = dir.file("rows.csv", &rows_csv(4));
    let started = Instant::now();
    let output = run(args(&[
        "apply",
        input.to_str().unwrap(),
        "--fake",
        "--rate-limit",
        "120",
    ]))
    .await;
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    // 120 per minute is one every ~0.5 s: four rows cannot finish sooner
    // than three intervals (a lower bound; a slow machine only adds to it).
    assert!(elapsed >= Duration::from_millis(1_500), "{elapsed:?}");
    let stdout = text(&output.stdout);
    assert!(!stdout.contains("progress:"), "{stdout}");
    assert!(text(&output.stderr).contains("progress: 4/4 rows"));
    assert_eq!(
        stdout.lines().count(),
        1,
        "stdout holds the summary: {stdout}"
    );
}

#[tokio::test]
async fn top_level_help_describes_the_tool() {
    let output = run(args(&["--help"])).await;
    let help = text(&output.stdout);
    assert!(
        help.contains("Bulk and single updates of Upheal provider users"),
        "{help}"
    );
    assert!(help.contains("fake-server"), "{help}");
    assert!(
        help.contains(
            "2 invalid input (a misspelt column included) or usage, or the results file in use by \
             another run: nothing was sent"
        ),
        "{help}"
    );
    assert!(!help.contains("generated at build time"), "{help}");
}
