//! The fake server as a process of its own (`upheal-provider-users
//! fake-server`), the way a test suite in another language would run it.
#![cfg(feature = "cli")]

use std::{
    io::{BufRead, BufReader},
    process::{Child, ChildStdout, Command, Stdio},
};

use upheal_provider_users::{Client, ProviderUserId, ProviderUserUpdate};

const BIN: &str = env!("CARGO_BIN_EXE_upheal-provider-users");

/// Starts `fake-server --port 0 ARGS…`: the process, its stdout after the
/// first line, and the base URL that line names.
fn start_fake_server(args: &[&str]) -> (Child, BufReader<ChildStdout>, String) {
    let mut child = Command::new(BIN)
        .args(["fake-server", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    let base_url = first_line
        .trim()
        .strip_prefix("fake Upheal server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
        .to_owned();
    (child, stdout, base_url)
}

#[test]
fn fake_server_help_lists_its_options() {
    let output = Command::new(BIN)
        .args(["fake-server", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--port",
        "--seed",
        "--api-key",
        "--rate-limit",
        "--partner-latency-ms",
    ] {
        assert!(help.contains(option), "{option} in {help}");
    }
    let output = Command::new(BIN)
        .args(["fake-server", "--rate-limit", "fast"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nor `off`"));
}

#[tokio::test]
async fn the_standalone_server_serves_seeded_users_and_stops_on_ctrl_c() {
    let seed = std::env::temp_dir().join(format!("upheal-seed-{}.json", std::process::id()));
    std::fs::write(
        &seed,
        r#"[{"userId": "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "partnerUserId": "ext-1",
             "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"},
            {"partnerUserId": "ext-old", "firstName": "Old", "lastName": "Account",
             "email": "old@example.com", "active": false}]"#,
    )
    .unwrap();
    let (mut child, mut stdout, base_url) = start_fake_server(&[
        "--rate-limit",
        "off",
        "--seed",
        seed.to_str().unwrap(),
        "--api-key",
        "my-test-key",
    ]);
    let mut key_line = String::new();
    stdout.read_line(&mut key_line).unwrap();
    assert!(
        key_line.starts_with("API key: my-test-key "),
        "{key_line:?}"
    );

    let client = Client::builder()
        .api_key("my-test-key")
        .base_url(&base_url)
        .build()
        .unwrap();
    let user = client
        .update_provider_user(
            &ProviderUserId::partner("ext-1").unwrap(),
            &ProviderUserUpdate::new().therapy_licence("L-1"),
        )
        .await
        .unwrap();
    assert_eq!(user.user_id, "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
    assert_eq!(user.therapy_licence.as_deref(), Some("L-1"));
    // A user seeded with `"active": false` is deactivated.
    let refused = client
        .update_provider_user(
            &ProviderUserId::partner("ext-old").unwrap(),
            &ProviderUserUpdate::new().therapy_licence("L-2"),
        )
        .await
        .unwrap_err();
    assert!(refused.is_deactivated_user(), "{refused}");

    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    let rest: Vec<String> = stdout.lines().map(Result::unwrap).collect();
    assert!(status.success(), "{status:?}");
    assert!(
        rest.iter().any(|l| l == "stopping after 2 requests"),
        "{rest:?}"
    );
    let _ = std::fs::remove_file(seed);
}

/// The standalone fake steered and read over HTTP only, as a test suite in
/// another language would: `/__admin/` seeds users, injects faults (aimed
/// at a user or a path), returns the request log and the counters, resets.
#[tokio::test]
async fn the_standalone_fake_is_steered_and_read_through_its_admin_api() {
    use serde_json::{Value, json};
    use upheal_provider_users::{ErrorKind, RetryPolicy, reqwest::Method};

    let (mut child, _stdout, base_url) = start_fake_server(&["--api-key", "admin-test-key"]);
    let http = reqwest::Client::new();
    let admin = |path: &str| format!("{base_url}/__admin/{path}");

    let seeded: Value = http
        .post(admin("users"))
        .body(r#"[{"partnerUserId": "ext-1", "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"},
                  {"partnerUserId": "ext-old", "firstName": "Old", "lastName": "Account", "email": "old@example.com", "active": false}]"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seeded["userIds"].as_array().unwrap().len(), 2);
    let inject = |fault: Value| {
        let http = http.clone();
        let url = admin("faults");
        async move {
            http.post(url)
                .json(&fault)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let aimed = json!({"fault": {"kind": "status", "status": 503}, "providerUserId": "ext-1"});
    assert_eq!(inject(aimed).await, 204);
    let at_path =
        json!({"fault": {"kind": "status", "status": 500}, "path": "/users/check", "times": 1});
    assert_eq!(inject(at_path).await, 204);
    assert_eq!(inject(json!({"fault": {"kind": "explode"}})).await, 400);

    let client = Client::builder()
        .api_key("admin-test-key")
        .base_url(&base_url)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let ada = ProviderUserId::partner("ext-1").unwrap();
    let update = ProviderUserUpdate::new().therapy_licence("L-1");
    let failed = client
        .update_provider_user(&ada, &update)
        .await
        .unwrap_err();
    assert_eq!(failed.kind(), ErrorKind::Server);
    client.update_provider_user(&ada, &update).await.unwrap();
    let deactivated = ProviderUserId::partner("ext-old").unwrap();
    let refused = client
        .update_provider_user(&deactivated, &update)
        .await
        .unwrap_err();
    assert!(refused.is_deactivated_user(), "{refused}");
    let check = client.request(Method::POST, "/users/check").send().await;
    assert_eq!(check.unwrap_err().kind(), ErrorKind::Server);

    let log: Vec<Value> = http
        .get(admin("requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses: Vec<u64> = log.iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses[0], 503);
    assert_eq!(statuses[1], 200);
    assert_eq!(statuses[3], 500);
    assert_eq!(log[3]["path"], "/users/check");
    let times: Vec<f64> = log
        .iter()
        .map(|r| r["receivedAtMs"].as_f64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(
        !serde_json::to_string(&log)
            .unwrap()
            .contains("admin-test-key")
    );
    let counters: Value = http
        .get(admin("counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["requests"], 4);
    assert_eq!(counters["byStatus"]["503"], 1);

    let reset = http.post(admin("reset")).send().await.unwrap();
    assert_eq!(reset.status().as_u16(), 204);
    let log: Vec<Value> = http
        .get(admin("requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(log.is_empty());
    let counters: Value = http
        .get(admin("counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["requests"], 0);
    client
        .update_provider_user(&ada, &update)
        .await
        .expect("users stay after a reset");

    child.kill().unwrap();
    child.wait().unwrap();
}
