//! A fixed number of calls with 32 in flight, for instruction counts:
//! `benches/concurrent_instructions.sh` runs it under callgrind for each
//! client and two call counts, and divides the difference, so the figure
//! is per call, with the setup left out, and the same whatever else the
//! machine is doing (wall-time ratios on a shared 2-core VM move ±20 %
//! between rounds; instruction counts do not move).
//!
//! `target/release/deps/concurrent_calls-* CLIENT CALLS [IN_FLIGHT]`,
//! CLIENT one of `crate_client` (one update value, checked on its first
//! call), `crate_client_building` (a new update value per call, checked on
//! every call), `crate_generated` (the crate's generated method alone:
//! its transport hooks without the hand-written layer), `bare_progenitor`,
//! `bare_progenitor_building` (the body cloned per call); IN_FLIGHT 32
//! unless given (1: one call at a time).

mod support;

use futures_util::StreamExt;
use support::{UPHEAL_UUID, bare_progenitor_client, bare_request, crate_client, server_thread};
use upheal_provider_users::{NoteIdentifier, Npi, ProviderUserId, ProviderUserUpdate};

/// Calls in flight unless the command line says otherwise.
const CONCURRENCY: usize = 32;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let (Some(client_name), Some(calls)) = (args.next(), args.next()) else {
        // `cargo bench` runs every bench binary: with no arguments, nothing.
        return;
    };
    let calls: usize = calls.parse().expect("CALLS is a number");
    let in_flight: usize = args
        .next()
        .map_or(CONCURRENCY, |n| n.parse().expect("IN_FLIGHT is a number"));
    let (address, _) = server_thread();
    let base_url = format!("http://{address}");
    let update = ProviderUserUpdate::new()
        .note_identifier(NoteIdentifier::Clinician)
        .national_provider_identifier(Npi::new("1234567893").unwrap())
        .therapy_licence("LPC-12345")
        .default_note_template_ids(["tpl-1", "tpl-2"]);
    let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
    let id_text = UPHEAL_UUID.to_string();
    // Both clients are built in every run, so the setup is the same.
    let client = crate_client(&base_url);
    let bare = bare_progenitor_client(&base_url);
    let bare_body = bare_request(&update);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let calls = futures_util::stream::iter(0..calls);
    runtime.block_on(async {
        match client_name.as_str() {
            "crate_client" => {
                calls
                    .map(|_| async {
                        client.update_provider_user(&id, &update).await.unwrap();
                    })
                    .buffer_unordered(in_flight)
                    .for_each(|()| async {})
                    .await
            }
            // A new update value per call (a clone starts unchecked): the
            // checks and the copy into the wire request on every call, as
            // when each call sends a different update.
            "crate_client_building" => {
                calls
                    .map(|_| async {
                        let update = update.clone();
                        client.update_provider_user(&id, &update).await.unwrap();
                    })
                    .buffer_unordered(in_flight)
                    .for_each(|()| async {})
                    .await
            }
            "bare_progenitor" => {
                calls
                    .map(|_| async {
                        bare.update_provider_user_by_id_v2(&id_text, &bare_body)
                            .await
                            .unwrap();
                    })
                    .buffer_unordered(in_flight)
                    .for_each(|()| async {})
                    .await
            }
            "bare_progenitor_building" => {
                calls
                    .map(|_| async {
                        let body = bare_body.clone();
                        bare.update_provider_user_by_id_v2(&id_text, &body)
                            .await
                            .unwrap();
                    })
                    .buffer_unordered(in_flight)
                    .for_each(|()| async {})
                    .await
            }
            // The generated method through the crate's transport hooks, its
            // request checked once: what the hand-written layer adds is the
            // difference between this and `crate_client`.
            "crate_generated" => {
                let request = update.to_request().unwrap();
                calls
                    .map(|_| async {
                        client
                            .generated()
                            .update_provider_user_by_id_v2(&id_text, &request)
                            .await
                            .unwrap();
                    })
                    .buffer_unordered(in_flight)
                    .for_each(|()| async {})
                    .await
            }
            other => panic!("unknown client {other}"),
        }
    });
}
