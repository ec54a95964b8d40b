#!/usr/bin/env bash
# Where one call's CPU goes: perf samples (cpu-clock) of the per_call bench
# running the crate's client, a bare progenitor client and hand-written
# reqwest, folded into flamegraphs (benches/profile/*.svg) and a table of
# the share of samples under each part of the call path
# (benches/profile_shares.py; the folded stacks stay in target/profile).
# Then the concurrent loop (32 calls in flight, `concurrent_32`) of the
# crate's client and the bare one: the client's thread only (the servers
# run on threads named bench-server, left out).
#
#   bash benches/profile.sh      (needs linux-perf; installs inferno)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf; }
command -v inferno-flamegraph >/dev/null || cargo install inferno --locked --quiet
export CARGO_PROFILE_BENCH_DEBUG=true RUSTFLAGS="-C force-frame-pointers=yes"
export CARGO_TARGET_DIR=target/profile
cargo bench --bench per_call --no-run --quiet 2>/dev/null
bench=$(ls -t target/profile/release/deps/per_call-* | grep -v '\.d$' | head -1)
work=target/profile/samples
mkdir -p "$work"
for case in crate_client bare_progenitor raw_reqwest_serde; do
  perf record -q -e cpu-clock -F 1999 -g -o "$work/$case.data" -- \
    "$bench" --bench --profile-time 8 "per_call/$case\$" >/dev/null 2>&1
  perf script -i "$work/$case.data" 2>/dev/null | inferno-collapse-perf > "$work/$case.folded"
  inferno-flamegraph --title "per_call/$case" < "$work/$case.folded" > "benches/profile/per_call_$case.svg"
  python3 benches/profile_shares.py "$work/$case.folded" "$case"
done
for case in crate_client bare_progenitor; do
  perf record -q -e cpu-clock -F 1999 -g -o "$work/concurrent_$case.data" -- \
    "$bench" --bench --profile-time 10 "concurrent_32/$case\$" >/dev/null 2>&1
  perf script -i "$work/concurrent_$case.data" 2>/dev/null | inferno-collapse-perf \
    | grep -v '^bench-server;' > "$work/concurrent_$case.folded"
  inferno-flamegraph --title "concurrent_32/$case (client thread)" < "$work/concurrent_$case.folded" \
    > "benches/profile/concurrent_32_$case.svg"
  python3 benches/profile_shares.py "$work/concurrent_$case.folded" "concurrent_32/$case"
done
