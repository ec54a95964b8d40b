//! `apply --resume` after the input was edited: rows are matched on the
//! provider and the content of its update, never on row numbers.
#![cfg(feature = "cli")]

use crate::cli_support;

use std::collections::BTreeSet;

use cli_support::*;
use upheal_provider_users::fake::{FakeUpheal, Fault, SeedUser};

fn csv(rows: &[&str]) -> String {
    let mut text = String::from(HEADER);
    for row in rows {
        text.push_str("\r\n");
        text.push_str(row);
    }
    text.push_str("\r\n");
    text
}

const A: &str = ",ext-a,,LPC-A,Coach,";
const B: &str = ",ext-b,,LPC-B,Coach,";
const C: &str = ",ext-c,,LPC-C,Coach,";

/// Applies `first`, then resumes with `second`; returns what the resume
/// sent, its exit code and its stdout + stderr.
async fn apply_then_resume(
    name: &str,
    fake: &FakeUpheal,
    first: &[&str],
    second: &[&str],
) -> (Vec<String>, Option<i32>, String) {
    let dir = Workdir::new(name);
    let input = dir.file("providers.csv", &csv(first));
    let results_path = dir.path("providers.results.jsonl");
    let output = run(apply_args(&input, &results_path, "2", fake)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let before = fake.requests().len();

    dir.file("providers.csv", &csv(second));
    let output = run(resume_args(&input, &results_path, fake)).await;
    let sent = sent_ids(fake)[before..].to_vec();
    let said = format!("{}{}", text(&output.stdout), text(&output.stderr));
    (sent, output.status.code(), said)
}

#[tokio::test]
async fn a_row_inserted_before_the_resume_is_sent_and_nothing_else() {
    let fake = fake_with_partner_ids(&["ext-a", "ext-b", "ext-c", "ext-new"]).await;
    let inserted = ",ext-new,,LPC-N,Coach,";
    let (sent, code, said) =
        apply_then_resume("insert", &fake, &[A, B, C], &[inserted, A, B, C]).await;
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(sent, ["ext-new"], "{said}");
    assert!(
        said.contains("resume: 3 row(s) already applied with the same content (skipped), 0 changed since (sent again), 1 not yet applied (sent)"),
        "{said}"
    );
    assert!(said.contains("applied 1, failed 0, skipped 3"), "{said}");
}

#[tokio::test]
async fn deleted_and_reordered_rows_send_nothing_again() {
    let fake = fake_with_partner_ids(&["ext-a", "ext-b", "ext-c"]).await;
    let (sent, code, said) = apply_then_resume("reorder", &fake, &[A, B, C], &[C, A]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(sent.is_empty(), "sent {sent:?}: {said}");
    assert!(
        said.contains("1 recorded provider(s) no longer in the input"),
        "{said}"
    );
}

#[tokio::test]
async fn an_edited_row_is_sent_again_with_its_new_content() {
    let fake = fake_with_partner_ids(&["ext-a", "ext-b", "ext-c"]).await;
    let edited_b = ",ext-b,,LPC-B2,Coach,";
    // The same content, re-saved differently, is not an edit.
    let resaved_a = ",ext-a,,LPC-A,coach,";
    let (sent, code, said) =
        apply_then_resume("edit", &fake, &[A, B, C], &[resaved_a, C, edited_b]).await;
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(sent, ["ext-b"], "{said}");
    assert!(said.contains("1 changed since (sent again)"), "{said}");
    let stored = fake
        .user(fake.find_partner_user_id("ext-b").unwrap())
        .unwrap();
    assert_eq!(stored.therapy_licence.as_deref(), Some("LPC-B2"));
}

#[tokio::test]
async fn an_upheal_uuid_rewritten_in_another_form_still_matches() {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let uuid = fake.seed(SeedUser::new("P", "Q", "p@example.com"));
    let lower = format!("{uuid},,,LPC-U,,");
    let upper = format!("{},,,LPC-U,,", uuid.to_string().to_uppercase());
    let (sent, code, said) = apply_then_resume("uuid-form", &fake, &[&lower], &[&upper]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(sent.is_empty(), "sent {sent:?}: {said}");
}

#[tokio::test]
async fn a_row_that_failed_last_time_is_sent_again() {
    let fake = fake_with_partner_ids(&["ext-a", "ext-b"]).await;
    let dir = Workdir::new("failed-before");
    let input = dir.file("providers.csv", &csv(&[A, B]));
    let results_path = dir.path("results.jsonl");
    // ext-b fails: it does not exist yet.
    fake.remove(fake.find_partner_user_id("ext-b").unwrap());
    let output = run(apply_args(&input, &results_path, "1", &fake)).await;
    assert_eq!(output.status.code(), Some(1));
    fake.seed(SeedUser::new("P", "Q", "p@example.com").partner_user_id("ext-b"));
    let before = fake.requests().len();
    let output = run(resume_args(&input, &results_path, &fake)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(sent_ids(&fake)[before..], ["ext-b"]);
}

#[tokio::test]
async fn a_timeout_after_an_applied_record_is_not_trusted() {
    // Applied with content 1, then content 2 failed (server state unknown):
    // a resume with content 1 must send it again, not trust the old record.
    let fake = fake_with_partner_ids(&["ext-a"]).await;
    let dir = Workdir::new("stale-applied");
    let results_path = dir.path("results.jsonl");
    let first = dir.file("first.csv", &csv(&[A]));
    assert_eq!(
        run(apply_args(&first, &results_path, "1", &fake))
            .await
            .status
            .code(),
        Some(0)
    );
    let second = dir.file("second.csv", &csv(&[",ext-a,,LPC-A2,Coach,"]));
    // 500 on every attempt (a 500 is retried).
    fake.inject(Fault::Status(500), 3);
    let mut command = args(&[
        "apply",
        second.to_str().unwrap(),
        "--resume",
        results_path.to_str().unwrap(),
    ]);
    command.extend(connection(&fake));
    assert_eq!(run(command).await.status.code(), Some(1));
    let before = fake.requests().len();
    let output = run(resume_args(&first, &results_path, &fake)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(sent_ids(&fake)[before..], ["ext-a"]);
}

#[tokio::test]
async fn a_results_file_of_another_input_is_refused() {
    let fake = fake_with_partner_ids(&["ext-a", "ext-b", "ext-x", "ext-y"]).await;
    let dir = Workdir::new("other-input");
    let other = dir.file("other.csv", &csv(&[",ext-x,,L,,", ",ext-y,,L,,"]));
    let results_path = dir.path("other.results.jsonl");
    assert_eq!(
        run(apply_args(&other, &results_path, "2", &fake))
            .await
            .status
            .code(),
        Some(0)
    );
    let input = dir.file("providers.csv", &csv(&[A, B]));
    let before = fake.requests().len();
    let output = run(resume_args(&input, &results_path, &fake)).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("none of them in this input"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(fake.requests().len(), before, "nothing was sent");
    let rows: BTreeSet<String> = results(&results_path)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(rows, ["ext-x", "ext-y"].map(String::from).into());
}

/// Two runs on one results file would both send every row neither has
/// recorded yet: while one run holds the file, a second is refused (exit 2,
/// nothing sent); once the first ends, a resume takes the file and finds
/// every row applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_results_file_in_use_by_another_run_is_refused() {
    let fake = fake_with_partner_ids(&["ext-a", "ext-b", "ext-c"]).await;
    let dir = Workdir::new("in-use");
    let input = dir.file("providers.csv", &csv(&[A, B, C]));
    let results_path = dir.path("providers.results.jsonl");
    // The first row (sent alone) takes 5 s: the first run holds the file
    // at least that long.
    fake.inject(Fault::Delay(std::time::Duration::from_secs(5)), 1);
    let first = std::process::Command::new(BIN)
        .args(apply_args(&input, &results_path, "2", &fake))
        .env_remove("UPHEAL_API_KEY")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its first line is written once it holds the file.
    while std::fs::read_to_string(&results_path).map_or(true, |t| !t.contains("\"started\"")) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let second = run(resume_args(&input, &results_path, &fake)).await;
    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stderr));
    assert!(
        text(&second.stderr).contains("is in use by another run of this tool"),
        "{}",
        text(&second.stderr)
    );

    let first = tokio::task::spawn_blocking(move || first.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert_eq!(fake.counters().updates_applied, 3, "each row applied once");

    let third = run(resume_args(&input, &results_path, &fake)).await;
    assert_eq!(third.status.code(), Some(0), "{}", text(&third.stderr));
    assert_eq!(fake.counters().updates_applied, 3, "nothing sent again");
}

/// `--resume` without a value resumes the default results file; a results
/// file whose last line was cut off (a run killed mid-write) gets the next
/// record on a line of its own, so every line stays JSON.
#[tokio::test]
async fn resume_without_a_value_and_after_a_cut_off_line() {
    let fake = fake_with_partner_ids(&["ext-a", "ext-b"]).await;
    let dir = Workdir::new("resume-default");
    let input = dir.file("rows.csv", &csv(&[A]));
    let mut first = args(&["apply", input.to_str().unwrap()]);
    first.extend(connection(&fake));
    assert_eq!(run(first).await.status.code(), Some(0));
    let default_results = dir.path("rows.csv.results.jsonl");
    let mut written = std::fs::read_to_string(&default_results).unwrap();
    written.push_str(r#"{"row":3,"id":"ext-b","outc"#);
    std::fs::write(&default_results, written).unwrap();

    std::fs::write(&input, csv(&[A, B])).unwrap();
    let mut resume = args(&["apply", input.to_str().unwrap(), "--resume"]);
    resume.extend(connection(&fake));
    let output = run(resume).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        sent_ids(&fake),
        ["ext-a", "ext-b"],
        "only the new row was sent"
    );
    let lines: Vec<String> = std::fs::read_to_string(&default_results)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let cut = lines.iter().position(|l| l.ends_with("\"outc")).unwrap();
    for line in &lines[cut + 1..] {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{line}: {e}"));
    }
    assert!(lines[cut + 1..].iter().any(|l| l.contains("\"ext-b\"")));
}

/// A run whose client cannot be built (a malformed --redis URL) refuses
/// before the "started" record: its results file says nothing was started.
#[tokio::test]
async fn a_run_that_cannot_build_its_client_records_no_start() {
    let fake = fake_with_partner_ids(&["ext-a"]).await;
    let dir = Workdir::new("no-start");
    let input = dir.file("rows.csv", &csv(&[A]));
    let results = dir.path("results.jsonl");
    let command = apply_with_redis(&input, &results, &fake, "not a url");
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(&results).unwrap_or_default();
    assert!(!written.contains("started"), "{written}");
    assert_eq!(fake.counters().requests, 0);
}

/// `apply` on a results file that records rows applied by an earlier run
/// is refused without `--resume` (skip them) or `--again` (send them all
/// again): before, every row was silently sent again.
#[tokio::test]
async fn applying_again_over_applied_rows_needs_resume_or_again() {
    let fake = crate::cli_support::fake_with_partner_ids(&["ext-1", "ext-2"]).await;
    let dir = Workdir::new("apply-again");
    let csv = dir.file(
        "rows.csv",
        "partnerUserId,therapyLicence\next-1,LPC-1\next-2,LPC-2\n",
    );
    let results = dir.path("results.jsonl");
    let first = run(apply_args(&csv, &results, "1", &fake)).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let sent = fake.counters().requests;

    let refused = run(apply_args(&csv, &results, "1", &fake)).await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("already records 2 row(s) applied"),
        "{}",
        text(&refused.stderr)
    );
    assert!(text(&refused.stderr).contains("--again"));
    assert_eq!(fake.counters().requests, sent, "nothing was sent");

    let mut again = apply_args(&csv, &results, "1", &fake);
    again.push("--again".to_owned());
    let output = run(again).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(fake.counters().updates_applied, 4);
}
