//! The fake server as a standalone process (`examples/fake_server.rs`), the
//! way a test suite in another language would run it.
#![cfg(feature = "fake")]

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Command, Stdio},
};

use upheal_provider_users::{Client, ProviderUserId, ProviderUserUpdate, fake::FAKE_API_KEY};

/// `cargo test` builds the examples next to the test binaries.
fn example_binary() -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let profile_dir = deps.parent().and_then(|d| d.parent()).unwrap();
    let binary = profile_dir
        .join("examples")
        .join(format!("fake_server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is built by `cargo test`",
        binary.display()
    );
    binary
}

#[tokio::test]
async fn the_standalone_server_serves_seeded_users_and_stops_on_ctrl_c() {
    let seed = std::env::temp_dir().join(format!("upheal-seed-{}.json", std::process::id()));
    std::fs::write(
        &seed,
        r#"[{"userId": "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "partnerUserId": "ext-1",
             "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"}]"#,
    )
    .unwrap();
    let mut child = Command::new(example_binary())
        .args([
            "--port",
            "0",
            "--rate-limit",
            "off",
            "--seed",
            seed.to_str().unwrap(),
        ])
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

    let client = Client::builder()
        .api_key(FAKE_API_KEY)
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
        rest.iter().any(|l| l == "stopping after 1 requests"),
        "{rest:?}"
    );
    let _ = std::fs::remove_file(seed);
}
