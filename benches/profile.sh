#!/usr/bin/env bash
# Where one call's CPU goes: perf samples (cpu-clock) of the per_call bench
# running the crate's client, and the same for a bare progenitor client,
# folded into flamegraphs (benches/profile/*.svg) and a table of the share
# of samples under each part of the call path.
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
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for case in crate_client bare_progenitor raw_reqwest_serde; do
  perf record -q -e cpu-clock -F 1999 -g -o "$work/$case.data" -- \
    "$bench" --bench --profile-time 8 "per_call/$case\$" >/dev/null 2>&1
  perf script -i "$work/$case.data" 2>/dev/null | inferno-collapse-perf > "$work/$case.folded"
  inferno-flamegraph --title "per_call/$case" < "$work/$case.folded" > "benches/profile/per_call_$case.svg"
  python3 - "$work/$case.folded" "$case" <<'PY'
import re, sys
stacks = [line.rsplit(" ", 1) for line in open(sys.argv[1])]
total = sum(int(n) for _, n in stacks)
def share(pattern):
    rx = re.compile(pattern)
    return 100.0 * sum(int(n) for s, n in stacks if rx.search(s)) / total
parts = {
    "client (update_provider_user)": r"upheal_provider_users::client::Client::update_provider_user",
    "  validate + to_request": r"ProviderUserUpdate::(validate|to_request)",
    "  tracing": r"tracing(_core)?::",
    "  hooks (pre/exec)": r"ClientHooks",
    "  identity check": r"check_identity|identifies",
    "generated method": r"update_provider_user_by_id_v2",
    "reqwest/hyper send": r"reqwest::async_impl::client::Client::execute|hyper",
    "serde_json": r"serde_json::",
    "server (axum)": r"axum::",
    "allocator": r"malloc|free|realloc",
}
print(f"{sys.argv[2]}: {total} samples")
for name, pattern in parts.items():
    print(f"  {name:32s} {share(pattern):5.1f} %")
PY
done
