#!/usr/bin/env bash
# What a dependent compiles, feature by feature: the clean-build CPU time
# (user + system) of a one-file crate that depends on this one with each
# feature set, against the design floor (a bare crate whose build.rs runs
# progenitor on the same fragment, with reqwest's `rustls`: what any crate
# built as the design card says pays), and which packages each feature adds
# to the default build, with the time cargo spent compiling each
# (`cargo build --timings`).
#
#   bash benches/build_cost.sh                 # this checkout
#   bash benches/build_cost.sh aa2c9d7 HEAD    # several commits, one table each
#
# Measure on a quiet machine: CPU time read while other builds ran was up
# to 80 % higher. About 8 minutes per commit on 2 cores. Downloads are
# fetched first and excluded.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
FEATURE_SETS=${FEATURE_SETS:-"default fake redis cli"}

# Runs a command quietly and prints "WALL CPU" in seconds.
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

# Each compiled package and cargo's time for it, from the timings report.
unit_times() { # TARGET_DIR
  python3 - "$1" <<'PY'
import glob, json, re, sys
report = sorted(glob.glob(f"{sys.argv[1]}/cargo-timings/cargo-timing-*.html"))[-1]
data = re.search(r"const UNIT_DATA = (\[.*?\]);\n", open(report).read(), re.S).group(1)
totals = {}
for unit in json.loads(data):
    totals[unit["name"]] = totals.get(unit["name"], 0.0) + unit["duration"]
for name, seconds in sorted(totals.items()):
    print(f"{name} {seconds:.2f}")
PY
}

# Builds the crate in DIR clean and records "WALL CPU" and unit times.
measure() { # NAME DIR
  local name=$1 dir=$2
  export CARGO_TARGET_DIR="$work/target-$name"
  (cd "$dir" && cargo fetch -q)
  (cd "$dir" && wall_and_cpu cargo build --offline --timings) > "$work/cost-$name"
  unit_times "$CARGO_TARGET_DIR" > "$work/units-$name"
}

floor="$work/floor"
source "$repo/benches/design_floor.sh"
write_design_floor "$floor" "$repo"
measure floor "$floor"

# A one-file dependent of the crate at REV (or of this checkout) with FEATURE.
dependent() { # REV FEATURE
  local rev=$1 feature=$2 tree="$work/tree-$1" dir="$work/dependent-$1-$2"
  if [ ! -d "$tree" ]; then
    mkdir -p "$tree"
    if [ "$rev" = "checkout" ]; then
      git ls-files -z | xargs -0 -I{} cp --parents {} "$tree/"
    else
      git archive "$rev" | tar -x -C "$tree"
    fi
  fi
  mkdir -p "$dir/src"
  local features="[]"
  [ "$feature" = default ] || features="[\"$feature\"]"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "one-file-dependent"
version = "0.0.0"
edition = "2024"
[workspace]
[dependencies]
upheal-provider-users = { path = "$tree", features = $features }
TOML
  echo 'pub use upheal_provider_users::Client;' > "$dir/src/lib.rs"
  echo "$dir"
}

revs=("$@")
[ ${#revs[@]} -gt 0 ] || revs=(checkout)
for rev in "${revs[@]}"; do
  for feature in $FEATURE_SETS; do
    measure "$rev-$feature" "$(dependent "$rev" "$feature")"
  done
done

python3 - "$work" "$FEATURE_SETS" "${revs[@]}" <<'PY'
import sys
work, feature_sets, revs = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
cost = lambda name: [float(x) for x in open(f"{work}/cost-{name}").read().split()]
units = lambda name: dict((line.split()[0], float(line.split()[1])) for line in open(f"{work}/units-{name}"))
floor = cost("floor")
print(f"design floor: clean {floor[0]:.1f} s wall, {floor[1]:.1f} s CPU\n")
for rev in revs:
    print(f"## {rev}")
    print("| features | clean wall | clean CPU | x design floor | CPU over default |")
    print("|---|---:|---:|---:|---:|")
    default = cost(f"{rev}-default")
    for feature in feature_sets:
        wall, cpu = cost(f"{rev}-{feature}")
        print(f"| {feature} | {wall:.1f} s | {cpu:.1f} s | {cpu / floor[1]:.2f}x | {cpu - default[1]:+.1f} s |")
    print()
    base = units(f"{rev}-default")
    floor_units = units("floor")
    added = {n: s for n, s in base.items() if n not in floor_units}
    print(f"default over the floor: {', '.join(f'{n} {s:.1f} s' for n, s in sorted(added.items(), key=lambda x: -x[1]))}")
    for feature in feature_sets:
        if feature == "default":
            continue
        mine = units(f"{rev}-{feature}")
        added = {n: s for n, s in mine.items() if n not in base}
        listed = ", ".join(f"{n} {s:.1f} s" for n, s in sorted(added.items(), key=lambda x: -x[1]))
        print(f"{feature} adds ({sum(added.values()):.1f} s of compile units): {listed}")
    print()
PY
