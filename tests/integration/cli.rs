//! The real `upheal-provider-users` binary, run against the fake server.
#![cfg(feature = "cli")]

use crate::cli_support;

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    process::{Command, Stdio},
    time::Duration,
};

use cli_support::*;
use serde_json::Value;
use upheal_provider_users::fake::{FakeUpheal, Fault, SeedUser};

#[tokio::test]
async fn validate_reports_every_problem_with_line_field_and_suggestion() {
    let dir = Workdir::new("validate");
    let csv = dir.file(
        "rows.csv",
        &format!(
            "{HEADER}\n6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b,,1234567893,LPC-1,Clinician,tpl-1;tpl-2\n\
             ,ext-2,1234567890,,Councelor,\n,ext-3,,,,[]\n,ext-3,,LPC-3,,\n,,,,,\n,ext-6,,,,a;;b\n,,,LPC-8,,\n"
        ),
    );
    let output = run(args(&["validate", csv.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    for expected in [
        "line 3: nationalProviderIdentifier: `1234567890` fails the NPI check digit",
        "line 3: noteIdentifier: `Councelor` is not a note identifier; did you mean `Counselor`?",
        "line 5: providerUserId: `ext-3` is a provider already on line 4",
        "note: line 6: row: every cell is empty; row skipped",
        "line 7: defaultNoteTemplateIds: must not be blank (value `a;;b`)",
        "line 8: providerUserId: every row needs a providerUserId",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(
        text(&output.stdout).contains("5 problem(s) (on stderr), 1 note (on stderr)"),
        "{}",
        text(&output.stdout)
    );

    let good = dir.file("good.csv", &format!("{HEADER}\n,ext-1,,LPC-1,coach,\n"));
    let output = run(args(&["validate", good.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("1 rows, all valid"));
}

#[tokio::test]
async fn validate_reads_json_lines_and_notes_unknown_columns() {
    let dir = Workdir::new("jsonl");
    let jsonl = dir.file(
        "rows.jsonl",
        "{\"partnerUserId\": \"ext-1\", \"defaultNoteTemplateIds\": []}\n\
         {\"partnerUserId\": \"ext-2\", \"nationalProviderIdentifier\": 1234567893}\n\
         {\"partnerUserId\": \"ext-3\", \"therapyLicence\": \"L\", \"comments\": \"x\"}\n",
    );
    let output = run(args(&["validate", jsonl.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("line 2: row: `nationalProviderIdentifier` must be a string"),
        "{stderr}"
    );
    assert!(
        stderr.contains("note: line 3: row: unknown field `comments` is ignored"),
        "{stderr}"
    );
    assert!(!stderr.contains("line 1"), "{stderr}");

    // An unknown column is a note, not a reason to stop checking rows.
    let csv = dir.file(
        "bad-header.csv",
        "partnerUserId,therapyLicence,comments\next-1,L,1234567893\n",
    );
    let output = run(args(&["validate", csv.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(0));
    assert!(
        text(&output.stderr).contains("note: line 1: header: unknown column `comments` is ignored")
    );
}

#[tokio::test]
async fn apply_refuses_an_invalid_file_and_sends_nothing() {
    let fake = FakeUpheal::start().await.unwrap();
    let dir = Workdir::new("refuse");
    let csv = dir.file("rows.csv", &format!("{HEADER}\n,ext-1,,,Councelor,\n"));
    let mut command = args(&["apply", csv.to_str().unwrap()]);
    command.extend(connection(&fake));
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("refusing to start"));
    assert_eq!(fake.counters().requests, 0);
}

/// 500 rows; 450 providers exist, 50 do not; transient faults on the way.
/// Every row must end in the results file exactly once, and its outcome must
/// be true to what happened on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_500_rows_with_faults_records_every_row_exactly_once() {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let dir = Workdir::new("apply500");
    let missing = |i: u64| i % 10 == 3;
    let mut csv = String::from(HEADER);
    for i in 0..500 {
        if !missing(i) {
            fake.seed(
                SeedUser::new("P", "Q", "p@example.com").partner_user_id(&format!("ext-{i}")),
            );
        }
        csv.push_str(&format!("\n,ext-{i},1234567893,LIC-{i},Counselor,tpl-{i}"));
    }
    let input = dir.file("rows.csv", &csv);
    let results_path = dir.0.join("results.jsonl");
    fake.inject(Fault::Status(503), 20);
    fake.inject(Fault::DropConnection, 5);
    fake.inject(
        Fault::RateLimited {
            retry_after_secs: 0,
        },
        5,
    );

    let command = apply_args(&input, &results_path, "16", &fake);
    let output = run(command).await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "the missing rows fail: {}",
        text(&output.stderr)
    );

    let records = results(&results_path);
    assert_eq!(records.len(), 500);
    let by_row: BTreeMap<u64, &Value> = records
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r))
        .collect();
    assert_eq!(by_row.len(), 500, "no row twice");
    assert_eq!(
        by_row.keys().copied().collect::<Vec<_>>(),
        (2..=501).collect::<Vec<_>>()
    );
    let mut transient_failures = 0;
    for (row, record) in by_row {
        let i = row - 2;
        assert_eq!(record["id"], format!("ext-{i}"));
        match record["outcome"].as_str().unwrap() {
            "applied" => {
                assert!(!missing(i), "row {row} cannot be applied");
                let stored = fake
                    .user(fake.find_partner_user_id(&format!("ext-{i}")).unwrap())
                    .unwrap();
                assert_eq!(
                    stored.therapy_licence,
                    Some(format!("LIC-{i}")),
                    "row {row}"
                );
                assert_eq!(stored.default_note_template_ids, [format!("tpl-{i}")]);
            }
            "failed" if record["errorKind"] == "NotFound" => {
                assert!(missing(i), "row {row} exists");
                assert_eq!(record["status"], 404);
            }
            "failed" => {
                // Only a row unlucky enough to meet a fault on every attempt.
                let kind = record["errorKind"].as_str().unwrap();
                assert!(
                    ["Server", "Transport", "RateLimited"].contains(&kind),
                    "row {row}: {kind}"
                );
                transient_failures += 1;
            }
            other => panic!("row {row}: outcome {other}"),
        }
    }
    assert!(
        transient_failures <= 30 / 3,
        "{transient_failures} rows failed transiently"
    );
    let failed = records.iter().filter(|r| r["outcome"] == "failed").count();
    let summary = text(&output.stdout);
    assert!(
        summary.contains(&format!("applied {}, failed {failed},", 500 - failed)),
        "{summary}"
    );
}

/// A CSV of `rows` rows for providers `ext-0`, `ext-1`, …, each seeded in
/// `fake`.
fn seeded_rows(fake: &FakeUpheal, dir: &Workdir, rows: usize) -> std::path::PathBuf {
    let mut csv = String::from(HEADER);
    for i in 0..rows {
        fake.seed(SeedUser::new("P", "Q", "p@example.com").partner_user_id(&format!("ext-{i}")));
        csv.push_str(&format!("\n,ext-{i},,LIC-{i},,"));
    }
    dir.file("rows.csv", &csv)
}

/// Sends `child` Ctrl-C (SIGINT), as an operator does, and waits for it.
async fn interrupt(child: std::process::Child) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_apply_resumes_without_repeating_finished_rows() {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .partner_lookup_latency(Duration::from_millis(40))
        .start()
        .await
        .unwrap();
    let dir = Workdir::new("resume");
    let input = seeded_rows(&fake, &dir, 120);
    let results_path = dir.0.join("results.jsonl");
    let command = apply_args(&input, &results_path, "2", &fake);

    let child = Command::new(BIN)
        .args(&command)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let written = results_path.clone();
    // Wait for some rows to finish, then interrupt as Ctrl-C would.
    while fs::read_to_string(&written).map_or(0, |t| t.lines().count()) < 10 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let output = interrupt(child).await;
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stdout));
    assert!(text(&output.stdout).contains("--resume"));
    let first = results(&results_path);
    assert!(
        first.len() >= 10 && first.len() < 120,
        "{} rows finished before the interrupt",
        first.len()
    );

    let mut resume = args(&[
        "apply",
        input.to_str().unwrap(),
        "--resume",
        results_path.to_str().unwrap(),
        "--concurrency",
        "8",
    ]);
    resume.extend(connection(&fake));
    fake.set_partner_lookup_latency(Duration::ZERO);
    let output = run(resume).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains(&format!("skipped {}", first.len())),
        "{}",
        text(&output.stdout)
    );

    let all = results(&results_path);
    let rows: BTreeSet<u64> = all.iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(all.len(), 120, "each row exactly once across both runs");
    assert_eq!(rows, (2..=121).collect());
    assert!(all.iter().all(|r| r["outcome"] == "applied"));
}

/// Ctrl-C means stop sending: with 64 rows queued behind a budget of 10 a
/// second, the rows not yet sent are not sent (before: every queued row
/// still went out, 257 more at concurrency 256); every row that was sent
/// is recorded; the messages count sent and unsent rows apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_sending_rows_not_yet_sent() {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let dir = Workdir::new("ctrl-c");
    let input = seeded_rows(&fake, &dir, 200);
    let results_path = dir.0.join("results.jsonl");
    let command = args(&[
        "apply",
        input.to_str().unwrap(),
        "--results",
        results_path.to_str().unwrap(),
        "--concurrency",
        "64",
        "--base-url",
        fake.base_url(),
        "--api-key",
        fake.api_key(),
        "--rate-limit",
        "10",
        "--rate-window-secs",
        "1",
    ]);
    let mut child = Command::new(BIN)
        .args(&command)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let written = results_path.clone();
    let updates = || {
        fake.requests()
            .iter()
            .filter(|r| {
                r.method
                    .eq_ignore_ascii_case(upheal_provider_users::generated::OPERATION_METHOD)
            })
            .count()
    };
    while fs::read_to_string(&written).map_or(0, |t| t.lines().count()) < 6 {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            panic!(
                "the run ended before Ctrl-C ({status}): {}",
                text(&output.stderr)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent_at_signal = updates();
    let output = interrupt(child).await;
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let sent = updates();
    assert!(
        sent <= sent_at_signal + 3,
        "{sent} updates sent, {sent_at_signal} when Ctrl-C came"
    );
    let recorded = results(&results_path);
    assert_eq!(
        recorded.len(),
        sent,
        "every row sent is recorded, and only those"
    );
    let stderr = text(&output.stderr);
    assert!(stderr.contains("nothing more is sent"), "{stderr}");
    assert!(
        stderr.contains("were not sent and stay for a resume"),
        "{stderr}"
    );
    let summary = text(&output.stdout);
    assert!(
        summary.contains(&format!("not started {}", 200 - sent)),
        "{summary}"
    );
    assert!(summary.contains("--resume"), "{summary}");
}

#[tokio::test]
async fn update_prints_a_table_or_json() {
    let fake = FakeUpheal::start().await.unwrap();
    let uuid =
        fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-ada"));
    let mut command = args(&[
        "update",
        "ext-ada",
        "--npi",
        "1234567893",
        "--note-identifier",
        "dr last name",
        "--templates",
        "a,b",
    ]);
    command.extend(connection(&fake));
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let table = text(&output.stdout);
    assert!(
        table.contains(&format!("userId                      {uuid}")),
        "{table}"
    );
    assert!(
        table.contains("noteIdentifier              DrLastName"),
        "{table}"
    );
    assert!(
        table.contains("defaultNoteTemplateIds      a, b"),
        "{table}"
    );

    let mut command = args(&["update", &uuid.to_string(), "--clear-templates", "--json"]);
    command.extend(connection(&fake));
    let output = run(command).await;
    let user: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(user["defaultNoteTemplateIds"], serde_json::json!([]));
    assert_eq!(user["nationalProviderIdentifier"], "1234567893");
}

#[tokio::test]
async fn update_refuses_bad_input_without_sending() {
    let fake = FakeUpheal::start().await.unwrap();
    let mut command = args(&["update", "ext-1", "--npi", "123"]);
    command.extend(connection(&fake));
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("exactly 10 digits"));
    assert_eq!(fake.counters().requests, 0);

    let mut command = args(&["update", "ext-unknown", "--therapy-licence", "L-1"]);
    command.extend(connection(&fake));
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("NotFound"));
}

#[tokio::test]
async fn the_api_key_is_never_echoed() {
    let secret = "sk-live-do-not-print";
    let output = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args([
                "update",
                "ext-1",
                "--base-url",
                "http://127.0.0.1:9",
                "--therapy-licence",
                "L",
            ])
            .env("UPHEAL_API_KEY", secret)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!text(&output.stdout).contains(secret) && !text(&output.stderr).contains(secret));

    let help = Command::new(BIN)
        .args(["update", "--help"])
        .env("UPHEAL_API_KEY", secret)
        .output()
        .unwrap();
    assert!(text(&help.stdout).contains("UPHEAL_API_KEY"));
    assert!(!text(&help.stdout).contains(secret));
}

#[tokio::test]
async fn fake_mode_needs_no_credentials() {
    let dir = Workdir::new("fake");
    let csv = dir.file(
        "rows.csv",
        &format!(
            "{HEADER}\n,ext-1,1234567893,,,\n6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b,,,L-2,,[]\n"
        ),
    );
    let output = run(args(&["apply", csv.to_str().unwrap(), "--fake"])).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("applied 2, failed 0"));
    let records = results(&dir.0.join("rows.csv.results.jsonl"));
    assert_eq!(records.len(), 2);
}

/// A proxy in the environment (`HTTP_PROXY`, `http_proxy`, `ALL_PROXY`)
/// never sees a plain-http request: the key and the body would reach it in
/// clear. The run goes straight to the loopback host named, and the proxy
/// (a listener here that answers 502 to whatever reaches it) hears nothing.
/// Before: every request went through it and the row failed with "HTTP 502".
#[tokio::test]
async fn a_proxy_in_the_environment_never_sees_a_plain_http_request() {
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let reached = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&reached);
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut connection, _)) = proxy.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = connection
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let fake = fake_with_partner_ids(&["ext-1"]).await;
    let dir = Workdir::new("proxy-env");
    let csv = dir.file("rows.csv", "partnerUserId,therapyLicence\next-1,LPC-1\n");
    let results = dir.path("results.jsonl");
    let env = [
        ("HTTP_PROXY", proxy_url.as_str()),
        ("http_proxy", proxy_url.as_str()),
        ("ALL_PROXY", proxy_url.as_str()),
        ("all_proxy", proxy_url.as_str()),
        ("NO_PROXY", ""),
        ("no_proxy", ""),
    ];
    let output = run_with_env(apply_args(&csv, &results, "1", &fake), &env).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(fake.counters().updates_applied, 1);
    assert_eq!(
        reached.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the proxy saw a request"
    );
}

/// A request property the fragment adds gets a column of its name, in CSV
/// and JSON Lines alike: sent, and checked by the text rules (nothing sent
/// when a cell breaks one). Vacuous while the fragment has no
/// such property; `.ci/spec_change.sh` adds some and checks they were seen.
#[tokio::test]
async fn a_generated_property_is_a_column() {
    use upheal_provider_users::{PropertyShape, ProviderUserUpdate};
    for property in ProviderUserUpdate::generated_properties() {
        let name = property.name;
        let list = property.shape == PropertyShape::TextList;
        let (cell, sent) = if list {
            ("en;fr", serde_json::json!(["en", "fr"]))
        } else {
            ("Europe/Paris", serde_json::json!("Europe/Paris"))
        };
        let fake = fake_with_partner_ids(&["ext-1", "ext-2"]).await;
        let dir = Workdir::new("generated-column");
        let csv = dir.file("rows.csv", &format!("partnerUserId,{name}\next-1,{cell}\n"));
        let json_cell = sent.to_string();
        let jsonl = dir.file(
            "rows.jsonl",
            &format!("{{\"partnerUserId\":\"ext-2\",\"{name}\":{json_cell}}}\n"),
        );
        for (input, partner) in [(&csv, "ext-1"), (&jsonl, "ext-2")] {
            let output = run(apply_args(
                input,
                &dir.path(&format!("{partner}.jsonl")),
                "1",
                &fake,
            ))
            .await;
            assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
            let path = fake.requests().last().map(|r| r.path.clone()).unwrap();
            assert!(path.ends_with(partner), "{path}");
        }
        let bodies: Vec<_> = fake
            .requests()
            .iter()
            .map(|request| serde_json::from_str::<Value>(&request.body).unwrap()[name].clone())
            .collect();
        assert_eq!(bodies, [sent.clone(), sent], "sent from both files");

        let bad = dir.file(
            "bad.csv",
            &format!("partnerUserId,{name}\next-1,\"a\u{7}b\"\n"),
        );
        let requests = fake.requests().len();
        let output = run(apply_args(&bad, &dir.path("bad.jsonl"), "1", &fake)).await;
        assert_eq!(output.status.code(), Some(2));
        assert!(
            text(&output.stderr).contains(&format!(
                "line 2: {name}: must not contain control characters"
            )),
            "{}",
            text(&output.stderr)
        );
        assert_eq!(fake.requests().len(), requests, "nothing sent");
    }
}

/// `--fake --fake-deactivated ID` seeds that provider deactivated, so a
/// trial run shows how a deactivated user is reported.
#[tokio::test]
async fn a_fake_run_can_seed_deactivated_users() {
    let dir = Workdir::new("fake-deactivated");
    let input = dir.file(
        "rows.csv",
        &format!("{HEADER}\n,ext-1,,LIC-1,,\n,ext-2,,LIC-2,,\n"),
    );
    let results = dir.0.join("results.jsonl");
    let output = run(args(&[
        "apply",
        input.to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
        "--fake",
        "--fake-deactivated",
        "ext-2",
    ]))
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let records = crate::cli_support::results(&results);
    let outcome = |id: &str| {
        records
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["outcome"].as_str().unwrap().to_owned())
    };
    assert_eq!(outcome("ext-1").as_deref(), Some("applied"));
    assert_eq!(outcome("ext-2").as_deref(), Some("failed"));
    assert!(
        text(&output.stderr).contains("deactivated"),
        "{}",
        text(&output.stderr)
    );
}

/// A server that answers 400 with the request's key echoed in every
/// encoding of the redaction property test (one per row): no run of the
/// key reaches the CLI's stdout, stderr or results file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_echo_of_the_key_reaches_the_cli_outputs_in_any_encoding() {
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};
    let key = "sk/live+Q9zKEYm0p=0123456789abcdefXYZ";
    let encodings = crate::properties::ENCODINGS;
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(move |request: &Request| {
            let key = crate::common::key_of(&request.headers);
            let form: usize = request
                .url
                .path()
                .rsplit("form-")
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let echoed = encodings[form](key);
            ResponseTemplate::new(400)
                .set_body_string(format!(r#"{{"message":"bad request for {echoed}"}}"#))
        })
        .mount(&server)
        .await;
    let dir = Workdir::new("echoes");
    let mut csv = String::from(HEADER);
    for form in 0..encodings.len() {
        csv.push_str(&format!("\n,form-{form},,LIC,,"));
    }
    let input = dir.file("rows.csv", &csv);
    let results_path = dir.0.join("results.jsonl");
    let output = run(args(&[
        "apply",
        input.to_str().unwrap(),
        "--results",
        results_path.to_str().unwrap(),
        "--base-url",
        &server.uri(),
        "--api-key",
        key,
        "--rate-limit",
        "0",
        "-v",
    ]))
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let written = fs::read_to_string(&results_path).unwrap();
    assert_eq!(results(&results_path).len(), encodings.len());
    for shown in [text(&output.stdout), text(&output.stderr), written] {
        for run in ["q9zkeym0p", "0123456789abcdef", "sk/live"] {
            assert!(!shown.to_lowercase().contains(run), "{run} in {shown}");
        }
    }
}
