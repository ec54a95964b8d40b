//! Run-time cost per call: `Client::update_provider_user` (limiter off, and
//! on but never binding) against a bare progenitor client of the same
//! fragment with the crate's default timeouts, a hand-written reqwest +
//! serde call of the same request, and the hand-written layer alone without
//! I/O. Retries off.
//!
//! Then the same two clients under load (`concurrent_32`): 32 calls in
//! flight on one client thread, the server on a thread of its own, so the
//! client's CPU per call sets the throughput. Before criterion's figures, a
//! peer run alternates the two clients round by round (same server, same
//! run) and prints their throughput ratio and the connections each opened
//! for 20,000 calls, counted by the server as it accepts them; a second
//! peer run does the same one call at a time (`one_at_a_time`), the
//! per-call ratio in the same form.
//!
//! `cargo bench --bench per_call`

mod support;

use std::{
    future::Future,
    time::{Duration, Instant},
};

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::StreamExt;
use support::{
    API_KEY, UPHEAL_UUID, bare_progenitor_client, bare_request, baseline_http_client, crate_client,
    operation_method, server_thread, start_fixed_server, user_body,
};
use upheal_provider_users::{
    NoteIdentifier, Npi, ProviderUser, ProviderUserId, ProviderUserUpdate,
    generated::operation_path,
};

const USER_AGENT: &str = concat!("upheal-provider-users/", env!("CARGO_PKG_VERSION"));

fn update() -> ProviderUserUpdate {
    ProviderUserUpdate::new()
        .note_identifier(NoteIdentifier::Clinician)
        .national_provider_identifier(Npi::new("1234567893").unwrap())
        .therapy_licence("LPC-12345")
        .default_note_template_ids(["tpl-1", "tpl-2"])
}

fn per_call(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let address = runtime.block_on(start_fixed_server());
    let base_url = format!("http://{address}");
    let client = crate_client(&base_url);
    let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
    let update = update();
    let baseline = baseline_http_client();
    let url = format!("{base_url}{}", operation_path(UPHEAL_UUID));
    let body = update.to_request().unwrap();

    let mut group = c.benchmark_group("per_call");
    group.bench_function("crate_client", |b| {
        b.to_async(&runtime)
            .iter(|| async { client.update_provider_user(&id, &update).await.unwrap() })
    });
    // The limiter on but never binding: what pacing costs when it waits
    // for nothing.
    let paced = upheal_provider_users::Client::builder()
        .api_key(API_KEY)
        .base_url(&base_url)
        .rate_limit(Some(upheal_provider_users::RateLimit::new(
            1_000_000_000,
            std::time::Duration::from_secs(1),
        )))
        .retry_policy(upheal_provider_users::RetryPolicy::none())
        .build()
        .unwrap();
    group.bench_function("crate_client_limiter_on", |b| {
        b.to_async(&runtime)
            .iter(|| async { paced.update_provider_user(&id, &update).await.unwrap() })
    });
    let id_text = UPHEAL_UUID.to_string();
    group.bench_function("generated_method_only", |b| {
        b.to_async(&runtime).iter(|| async {
            client
                .generated()
                .update_provider_user_by_id_v2(&id_text, &body)
                .await
                .unwrap()
                .into_inner()
        })
    });
    let bare = bare_progenitor_client(&base_url);
    let bare_body = bare_request(&update);
    group.bench_function("bare_progenitor", |b| {
        b.to_async(&runtime).iter(|| async {
            bare.update_provider_user_by_id_v2(&id_text, &bare_body)
                .await
                .unwrap()
                .into_inner()
        })
    });
    group.bench_function("raw_reqwest_serde", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = baseline
                .request(operation_method(), &url)
                .bearer_auth(API_KEY)
                // The same request on the wire as the crate sends.
                .header("accept", "application/json")
                .header("user-agent", USER_AGENT)
                .json(&body)
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap();
            response.json::<ProviderUser>().await.unwrap()
        })
    });
    group.finish();
}

/// Validation, body building, decoding and the identity check: everything
/// the crate adds to a call except the network.
fn layer_alone(c: &mut Criterion) {
    let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
    let update = update();
    let response = user_body().into_bytes();
    let prebuilt = update.to_request().unwrap();
    c.bench_function("serde_only_baseline", |b| {
        b.iter(|| {
            let body = serde_json::to_vec(&prebuilt).unwrap();
            let user: ProviderUser = serde_json::from_slice(&response).unwrap();
            (body, user)
        })
    });
    c.bench_function("layer_without_io", |b| {
        b.iter(|| {
            let request = update.to_request().unwrap();
            let body = serde_json::to_vec(&request).unwrap();
            let user: ProviderUser = serde_json::from_slice(&response).unwrap();
            assert!(id.identifies(&user));
            (body, user)
        })
    });
}

/// Calls in flight at once in the concurrent comparison.
const CONCURRENCY: usize = 32;
/// Calls per round of the peer run (about a quarter of a second), and
/// rounds per client.
const ROUND_CALLS: usize = 10_000;
const ROUNDS: usize = 10;
/// Calls per criterion iteration.
const BATCH_CALLS: usize = 2_000;
/// Calls over which connections are counted.
const CONNECT_RUN_CALLS: usize = 20_000;

/// `calls` calls with [`CONCURRENCY`] in flight; how long they took.
async fn run_concurrent<F, Fut>(calls: usize, call: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    run_measured(calls, CONCURRENCY, call).await.wall
}

/// What a run cost: its wall time, and the CPU time of the thread it ran
/// on (the client's alone: the servers run on threads of their own).
#[derive(Clone, Copy, Default)]
struct RunCost {
    wall: Duration,
    cpu: Duration,
}

async fn run_measured<F, Fut>(calls: usize, in_flight: usize, call: F) -> RunCost
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let (wall, cpu) = (Instant::now(), thread_cpu_time());
    futures_util::stream::iter(0..calls)
        .map(|_| call())
        .buffer_unordered(in_flight)
        .for_each(|()| async {})
        .await;
    RunCost {
        wall: wall.elapsed(),
        cpu: thread_cpu_time() - cpu,
    }
}

/// The CPU time this thread has used (`CLOCK_THREAD_CPUTIME_ID`): per-call
/// CPU is what sets throughput when the client is the bottleneck, and
/// other load on the machine moves it much less than wall time.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the call.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Keeps this thread on one CPU (when the machine has two or more): the
/// client on CPU 0 and the servers on CPU 1 never take turns on one core,
/// and the scheduler's migrations stop moving the figures.
fn pin_to_cpu(cpu: usize) {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cpus < 2 {
        return;
    }
    // SAFETY: a zeroed cpu_set_t is a valid empty set, CPU_SET writes within
    // it, and sched_setaffinity(0, ..) applies to the calling thread only.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// The median of `values` (sorted in place), with the range.
fn median_and_range(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
    )
}

/// Calls per round of the one-at-a-time peer run (about a tenth of a
/// second each).
const ONE_AT_A_TIME_ROUND_CALLS: usize = 3_000;

/// The peer run: [`ROUNDS`] rounds, each running the crate's client, the
/// bare one and the bare one building its body for `calls` calls with
/// `in_flight` at once, in an order that rotates per round. Prints, per
/// baseline, the median and range of the throughput ratio (the baseline's
/// wall time over ours) and of the client thread's CPU per call (ours
/// over the baseline's): ratios within a round, so that what the machine
/// does between rounds cancels out.
async fn peer_run<A, B, C, FA, FB, FC>(
    label: &str,
    in_flight: usize,
    calls: usize,
    (crate_call, bare_call, bare_building_call): (&A, &B, &C),
) where
    A: Fn() -> FA,
    B: Fn() -> FB,
    C: Fn() -> FC,
    FA: Future<Output = ()>,
    FB: Future<Output = ()>,
    FC: Future<Output = ()>,
{
    let mut throughput = [Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS)];
    let mut cpu = [Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS)];
    for round in 0..ROUNDS {
        // Rotate which client goes first, so none always meets a warmer
        // machine.
        let mut costs = [RunCost::default(); 3];
        for turn in 0..3 {
            let which = (round + turn) % 3;
            costs[which] = match which {
                0 => run_measured(calls, in_flight, crate_call).await,
                1 => run_measured(calls, in_flight, bare_call).await,
                _ => run_measured(calls, in_flight, bare_building_call).await,
            };
        }
        for baseline in 0..2 {
            let (ours, theirs) = (costs[0], costs[baseline + 1]);
            throughput[baseline].push(theirs.wall.as_secs_f64() / ours.wall.as_secs_f64());
            cpu[baseline].push(ours.cpu.as_secs_f64() / theirs.cpu.as_secs_f64());
        }
    }
    let baselines = ["bare_progenitor", "bare_progenitor_building"];
    for (baseline, name) in baselines.iter().enumerate() {
        let (median, low, high) = median_and_range(&mut throughput[baseline]);
        println!(
            "{label} throughput crate_client / {name}: median {median:.3}, \
             range {low:.3}..{high:.3} ({ROUNDS} rounds of {calls} calls)"
        );
        let (median, low, high) = median_and_range(&mut cpu[baseline]);
        println!(
            "{label} client-thread CPU per call crate_client / {name}: median \
             {median:.3}, range {low:.3}..{high:.3}"
        );
    }
}

fn concurrent(c: &mut Criterion) {
    pin_to_cpu(0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let update = update();
    let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
    let id_text = UPHEAL_UUID.to_string();
    let bare_body = bare_request(&update);
    // Each client gets a server of its own, so that the connections each
    // opens are counted apart.
    let (crate_address, crate_connects) = server_thread();
    let (bare_address, bare_connects) = server_thread();
    let client = crate_client(&format!("http://{crate_address}"));
    let bare = bare_progenitor_client(&format!("http://{bare_address}"));
    let crate_call = || async {
        client.update_provider_user(&id, &update).await.unwrap();
    };
    let bare_call = || async {
        bare.update_provider_user_by_id_v2(&id_text, &bare_body)
            .await
            .unwrap();
    };
    // The bare client with its request built for each call (a copy of the
    // same values): the least a caller pays whose values differ per call,
    // as the crate's client builds and validates its request per call.
    let bare_building_call = || async {
        let body = bare_body.clone();
        bare.update_provider_user_by_id_v2(&id_text, &body)
            .await
            .unwrap();
    };

    // A profile (`--profile-time`) samples criterion's loop alone.
    let profiling = std::env::args().any(|argument| argument == "--profile-time");
    runtime.block_on(async {
        if profiling {
            return;
        }
        let opened_before = (crate_connects.count(), bare_connects.count());
        run_concurrent(CONNECT_RUN_CALLS, crate_call).await;
        run_concurrent(CONNECT_RUN_CALLS, bare_call).await;
        println!(
            "concurrent_32 connects per {CONNECT_RUN_CALLS} calls: crate_client {}, bare_progenitor {}",
            crate_connects.count() - opened_before.0,
            bare_connects.count() - opened_before.1
        );
        let clients = (&crate_call, &bare_call, &bare_building_call);
        peer_run("concurrent_32", CONCURRENCY, ROUND_CALLS, clients).await;
        peer_run("one_at_a_time", 1, ONE_AT_A_TIME_ROUND_CALLS, clients).await;
    });

    let mut group = c.benchmark_group("concurrent_32");
    group.throughput(criterion::Throughput::Elements(BATCH_CALLS as u64));
    group.bench_function("crate_client", |b| {
        b.to_async(&runtime).iter_custom(|iterations| async move {
            run_concurrent(BATCH_CALLS * iterations as usize, crate_call).await
        })
    });
    group.bench_function("bare_progenitor", |b| {
        b.to_async(&runtime).iter_custom(|iterations| async move {
            run_concurrent(BATCH_CALLS * iterations as usize, bare_call).await
        })
    });
    group.bench_function("bare_progenitor_building", |b| {
        b.to_async(&runtime).iter_custom(|iterations| async move {
            run_concurrent(BATCH_CALLS * iterations as usize, bare_building_call).await
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(5));
    targets = per_call, layer_alone
}
criterion_group! {
    name = under_load;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(10));
    targets = concurrent
}
criterion_main!(benches, under_load);
