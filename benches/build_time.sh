#!/usr/bin/env bash
# What a downstream build pays for this crate: a clean build of the library
# with default features, a no-op rebuild, a rebuild after touching the spec,
# and build.rs's own run time; against the floor of this design, a bare crate
# whose build.rs runs progenitor on the same fragment with the same TLS
# dependency. Dependencies are fetched first; timings exclude downloads.
#
#   bash benches/build_time.sh        (about 5 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); python3 -c "print($t1 - $t0)"; }

# The floor: same fragment, same generator, same TLS stack, nothing else.
floor="$work/floor"
mkdir -p "$floor/src" "$floor/openapi"
cp "$repo/openapi/"*.json "$floor/openapi/"
cat > "$floor/Cargo.toml" <<'TOML'
[package]
name = "progenitor-floor"
version = "0.0.0"
edition = "2024"
[workspace]
[dependencies]
progenitor-client = "0.15.1"
reqwest = { version = "0.13.4", default-features = false, features = ["json", "rustls-no-provider"] }
rustls = { version = "0.23.20", default-features = false, features = ["ring", "std", "tls12", "logging"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
[build-dependencies]
progenitor = { version = "0.15.1", default-features = false }
openapiv3 = "2"
serde_json = "1"
syn = "2"
prettyplease = "0.2"
TOML
cat > "$floor/build.rs" <<'RS'
fn main() {
    let spec = "openapi/update-provider-user-by-id-v2.json";
    println!("cargo:rerun-if-changed={spec}");
    let spec: openapiv3::OpenAPI = serde_json::from_str(&std::fs::read_to_string(spec).unwrap()).unwrap();
    let tokens = progenitor::Generator::default().generate_tokens(&spec).unwrap();
    let code = prettyplease::unparse(&syn::parse2(tokens).unwrap());
    std::fs::write(std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("generated.rs"), code).unwrap();
}
RS
echo 'include!(concat!(env!("OUT_DIR"), "/generated.rs"));' > "$floor/src/lib.rs"

# The crate as a dependency would see it: the lib with default features.
ours="$work/ours"
mkdir -p "$ours"
(cd "$repo" && git ls-files -z | xargs -0 -I{} cp --parents {} "$ours/") 2>/dev/null || cp -r "$repo/." "$ours/"
rm -rf "$ours/target"

measure() {
  local name=$1 dir=$2 spec=$3 package=$4
  export CARGO_TARGET_DIR="$work/target-$name"
  (cd "$dir" && cargo fetch -q)
  local clean noop touched
  clean=$(cd "$dir" && seconds cargo build --lib --offline)
  noop=$(cd "$dir" && seconds cargo build --lib --offline)
  touch "$dir/$spec"
  touched=$(cd "$dir" && seconds cargo build --lib --offline)
  # build.rs's own run time: run the compiled build script again by hand.
  local script out_dir
  script=$(ls -t "$CARGO_TARGET_DIR"/debug/build/"$package"-*/build-script-build | head -1)
  out_dir=$(mktemp -d)
  local run
  run=$(cd "$dir" && OUT_DIR="$out_dir" seconds "$script")
  printf '%-6s clean %6.1f s   no-op %5.2f s   spec touched %5.1f s   build.rs run %5.2f s\n' \
    "$name" "$clean" "$noop" "$touched" "$run"
  echo "$clean" > "$work/clean-$name"
}

measure floor "$floor" openapi/update-provider-user-by-id-v2.json progenitor-floor
measure ours "$ours" openapi/update-provider-user-by-id-v2.json upheal-provider-users
python3 -c "print('clean-build ratio ours/floor: %.2f' % ($(cat "$work/clean-ours") / $(cat "$work/clean-floor")))"
