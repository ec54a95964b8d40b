#!/usr/bin/env bash
# Instructions per call on the client's thread, 32 calls in flight and one
# at a time, for the crate's client (one update value, checked on its first
# call; and a new update value per call, checked on every call) and a bare
# progenitor client (its request built once; and cloned per call), and the
# crate's generated method called directly (its transport hooks without the
# hand-written layer above them):
# callgrind counts each client's run at two call counts, and the difference
# over the extra calls is the per-call figure (setup and the server's thread
# left out). Repeatable on a busy machine to a few hundred instructions
# (the order in which 32 calls interleave moves it).
#
#   bash benches/concurrent_instructions.sh        (needs valgrind; ~4 min)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
cargo bench --bench concurrent_calls --no-run --quiet 2>/dev/null
bench=$(ls -t target/release/deps/concurrent_calls-* | grep -v '\.d$' | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
low=1000 high=3000
# Instructions of the main thread (the client) for CLIENT making CALLS calls
# with IN_FLIGHT at once.
count() { # CLIENT CALLS IN_FLIGHT
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/$1-$2-$3.%p" \
    "$bench" "$1" "$2" "$3" >/dev/null 2>&1
  grep -m1 '^summary' "$(ls "$work/$1-$2-$3".*-01)" | awk '{print $2}'
}
for in_flight in 32 1; do
  echo "$in_flight in flight:"
  declare -A per_call=()
  for client in crate_client crate_client_building crate_generated bare_progenitor bare_progenitor_building; do
    a=$(count "$client" "$low" "$in_flight")
    b=$(count "$client" "$high" "$in_flight")
    per_call[$client]=$(( (b - a) / (high - low) ))
    printf '  %-26s %7d instructions per call\n' "$client" "${per_call[$client]}"
  done
  python3 -c "print(f'  crate_client / bare_progenitor: {${per_call[crate_client]} / ${per_call[bare_progenitor]}:.3f}')"
  python3 -c "print(f'  crate_generated / bare_progenitor: {${per_call[crate_generated]} / ${per_call[bare_progenitor]}:.3f}')"
  python3 -c "print(f'  crate_client_building / bare_progenitor_building: {${per_call[crate_client_building]} / ${per_call[bare_progenitor_building]}:.3f}')"
done
