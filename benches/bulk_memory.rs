//! Peak memory of a bulk run: it must grow with the results kept, not with
//! the number of items in flight or already sent. Runs 10,000 and then
//! 40,000 updates in fresh processes and compares peak RSS.
//!
//! `cargo bench --bench bulk_memory`

mod support;

use std::process::Command;

use support::{UPHEAL_UUID, crate_client, peak_rss_kib, start_fixed_server};
use upheal_provider_users::{NoteIdentifier, ProviderUser, ProviderUserId, ProviderUserUpdate};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    if let Some(items) = args
        .iter()
        .position(|a| a == "--child")
        .map(|i| args[i + 1].parse().unwrap())
    {
        return child(items);
    }
    let me = &args[0];
    let run = |items: usize| -> u64 {
        let out = Command::new(me)
            .args(["--child", &items.to_string()])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let small = run(10_000);
    let large = run(40_000);
    let per_item_bytes = (large.saturating_sub(small) * 1024) as f64 / 30_000.0;
    let result_bytes = std::mem::size_of::<Result<ProviderUser, upheal_provider_users::Error>>();
    println!("bulk_memory: peak RSS {small} KiB for 10k updates, {large} KiB for 40k");
    println!(
        "  growth {per_item_bytes:.0} bytes per extra item; each kept result is {result_bytes} bytes inline plus its strings"
    );
}

fn child(items: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let address = start_fixed_server().await;
        let client = crate_client(&format!("http://{address}"));
        let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
        let update = ProviderUserUpdate::new().note_identifier(NoteIdentifier::Counselor);
        let results = client
            .update_many((0..items).map(|_| (id.clone(), update.clone())), 32)
            .await;
        assert!(results.iter().all(Result::is_ok));
    });
    println!("{}", peak_rss_kib().unwrap_or(0));
}
