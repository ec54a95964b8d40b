//! How long a call with a 3 s attempt timeout takes against a server that
//! answers with `102 Processing` heads for ever (hyper reads 1xx heads in a
//! loop), on a current-thread and on a multi-thread runtime. The server
//! runs on a thread of its own and stops after 60 s.
//!
//!   cargo bench --features fake --bench informational_flood

use std::{
    io::Write,
    net::TcpListener,
    time::{Duration, Instant},
};

use upheal_provider_users::{Client, ProviderUserId, ProviderUserUpdate, RetryPolicy};

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                // The request first, as a server does.
                let mut seen = Vec::new();
                let mut byte = [0u8; 1];
                while !seen.ends_with(b"\r\n\r\n")
                    && std::io::Read::read(&mut stream, &mut byte).is_ok_and(|n| n == 1)
                {
                    seen.push(byte[0]);
                }
                let head = b"HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n"
                    .repeat(64);
                let until = Instant::now() + Duration::from_secs(60);
                while Instant::now() < until && stream.write_all(&head).is_ok() {}
            });
        }
    });
    let policies = [
        ("one attempt", RetryPolicy::none()),
        ("the default policy (3 attempts)", RetryPolicy::default()),
        (
            "a 5 s call deadline",
            RetryPolicy::default().deadline(Some(Duration::from_secs(5))),
        ),
    ];
    for (flavour, (policy_name, policy)) in
        ["current-thread", "multi-thread"]
            .into_iter()
            .flat_map(|flavour| {
                policies
                    .iter()
                    .cloned()
                    .map(move |policy| (flavour, policy))
            })
    {
        let runtime = match flavour {
            "current-thread" => tokio::runtime::Builder::new_current_thread(),
            _ => tokio::runtime::Builder::new_multi_thread(),
        }
        .enable_all()
        .build()
        .unwrap();
        let took = runtime.block_on(async {
            let client = Client::builder()
                .api_key("key-for-the-flood")
                .base_url(format!("http://{address}"))
                .timeout(Duration::from_secs(3))
                .retry_policy(policy)
                .build()
                .unwrap();
            let started = Instant::now();
            let id = ProviderUserId::partner("ext-1").unwrap();
            let result = client
                .update_provider_user(&id, &ProviderUserUpdate::new().therapy_licence("L"))
                .await;
            (started.elapsed(), result.map(|_| ()).map_err(|e| e.kind()))
        });
        println!(
            "1xx flood, {flavour} runtime, 3 s attempt timeout, {policy_name}: ended after {:.1} s ({:?})",
            took.0.as_secs_f64(),
            took.1
        );
    }
}
