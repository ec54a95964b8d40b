# Sourced by build_time.sh and build_cost.sh: writes into DIR the design
# floor, a crate built as the design card says and nothing more: the same
# fragment through progenitor in build.rs (prettyplease, syn), with
# progenitor-client and reqwest's rustls at run time.
#
#   write_design_floor DIR REPO

# What a generated client needs at run time, with reqwest's rustls: the
# floor's and build_time.sh's dependent floor's [dependencies] alike.
DESIGN_FLOOR_RUNTIME='[dependencies]
progenitor-client = "0.15.1"
reqwest = { version = "0.13.4", default-features = false, features = ["json", "stream", "rustls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"'

write_design_floor() { # DIR REPO
  local floor=$1 repo=$2
  mkdir -p "$floor/src" "$floor/openapi"
  cp "$repo/openapi/"*.json "$floor/openapi/"
  cat > "$floor/Cargo.toml" <<TOML
[package]
name = "progenitor-floor"
version = "0.0.0"
edition = "2024"
[workspace]
$DESIGN_FLOOR_RUNTIME
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
}
