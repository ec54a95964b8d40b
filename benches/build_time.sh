#!/usr/bin/env bash
# What a downstream build pays for this crate: a clean build of the library
# with default features (wall time, CPU time, packages compiled), a no-op
# rebuild, a rebuild after touching the spec, and build.rs's own run time;
# against two floors with the same TLS stack (reqwest's `rustls`):
#  - dependent: what a dependent would compile anyway to call the endpoint
#    itself: progenitor-client + reqwest + serde, no code generation;
#  - design: a bare crate whose build.rs runs progenitor on the same
#    fragment (the design card's own minimum).
# Dependencies are fetched first; timings exclude downloads.
#
#   bash benches/build_time.sh        (about 8 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); python3 -c "print($t1 - $t0)"; }
# "WALL CPU" seconds of a command (CPU = user + system of all its children).
wall_and_cpu() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.1f} {usage.ru_utime + usage.ru_stime:.1f}")
PY
}

# The dependent floor: the runtime crates a hand-rolled call would need.
dependent="$work/dependent"
mkdir -p "$dependent/src"
source "$repo/benches/design_floor.sh"
cat > "$dependent/Cargo.toml" <<TOML
[package]
name = "dependent-floor"
version = "0.0.0"
edition = "2024"
[workspace]
$DESIGN_FLOOR_RUNTIME
TOML
echo 'pub use progenitor_client; pub use reqwest; pub use serde_json;' > "$dependent/src/lib.rs"

# The floor: same fragment, same generator, same TLS stack, nothing else.
floor="$work/floor"
write_design_floor "$floor" "$repo"

# The crate as a dependency would see it: the lib with default features.
ours="$work/ours"
mkdir -p "$ours"
(cd "$repo" && git ls-files -z | xargs -0 -I{} cp --parents {} "$ours/") 2>/dev/null || cp -r "$repo/." "$ours/"
rm -rf "$ours/target"

measure() {
  local name=$1 dir=$2 spec=$3 package=$4
  export CARGO_TARGET_DIR="$work/target-$name"
  (cd "$dir" && cargo fetch -q)
  local clean noop touched packages
  read -r clean cpu < <(cd "$dir" && wall_and_cpu cargo build --lib --offline)
  packages=$(ls "$CARGO_TARGET_DIR/debug/.fingerprint" | sed 's/-[0-9a-f]*$//' | sort -u | wc -l)
  echo "$clean $cpu $packages" > "$work/clean-$name"
  noop=$(cd "$dir" && seconds cargo build --lib --offline)
  [ -n "$spec" ] || { printf '%-9s clean %6.1f s wall %6.1f s CPU, %3d packages\n' "$name" "$clean" "$cpu" "$packages"; return; }
  touch "$dir/$spec"
  touched=$(cd "$dir" && seconds cargo build --lib --offline)
  # build.rs's own run time: run the compiled build script again by hand.
  local script out_dir
  script=$(ls -t "$CARGO_TARGET_DIR"/debug/build/"$package"-*/build-script-build | head -1)
  out_dir=$(mktemp -d)
  local run
  run=$(cd "$dir" && OUT_DIR="$out_dir" seconds "$script")
  printf '%-9s clean %6.1f s wall %6.1f s CPU, %3d packages   no-op %5.2f s   spec touched %5.1f s   build.rs run %5.2f s\n' \
    "$name" "$clean" "$cpu" "$packages" "$noop" "$touched" "$run"
}

measure dependent "$dependent" "" dependent-floor
measure design "$floor" openapi/update-provider-user-by-id-v2.json progenitor-floor
measure ours "$ours" openapi/update-provider-user-by-id-v2.json upheal-provider-users
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
read = lambda name: [float(x) for x in open(f"{work}/clean-{name}").read().split()]
ours = read("ours")
for floor in ["dependent", "design"]:
    base = read(floor)
    print(f"ours/{floor}: CPU {ours[1] / base[1]:.2f}x, wall {ours[0] / base[0]:.2f}x, packages {int(ours[2])} vs {int(base[2])}")
PY
