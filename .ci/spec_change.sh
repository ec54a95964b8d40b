#!/usr/bin/env bash
# Spec changes cannot break dependents by accident, shown on copies of the
# crate with an edited fragment:
#  1. new optional request properties (`timezone`, `spokenLanguages`: a
#     string and a list, which get generated setters, rules, storage in the
#     fake and CLI columns), a new optional response property, a new
#     `noteIdentifier` value (`Nurse`), a removed one (`Writer`), and a
#     corrected path and servers URL are a spec-only change: accept the
#     snapshot, and the crate builds and its tests pass, with no other edit
#     (the fake's route, the tests' paths and DEFAULT_BASE_URL follow the
#     fragment); cargo-semver-checks finds the removed variant breaking and
#     nothing else (the route and host changes are major under the crate's
#     policy: case 3);
#  2. changes the hand-written layer cannot follow (a removed or retyped
#     property it reads, a required field made optional, a new parameter, a
#     request property of another shape), and mistakes, stop the build with
#     a message naming the change and the bump it needs;
#  3. `cargo xtask spec-diff` gives each kind of change its bump.
#
#   bash .ci/spec_change.sh     (needs cargo-semver-checks on PATH)
# `--release-type minor`: judged as the minor release such a change would
# be, whatever the version numbers of the two trees say.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

copy() {
  mkdir -p "$work/$1"
  git ls-files -z | xargs -0 cp --parents -t "$work/$1"
}
edit_fragment() { # DIR PYTHON-STATEMENTS (on `spec`)
  python3 - "$work/$1/openapi/update-provider-user-by-id-v2.json" "$2" <<'PY'
import json, sys
path, change = sys.argv[1], sys.argv[2]
spec = json.load(open(path))
exec(change)
json.dump(spec, open(path, "w"), indent=2)
PY
}

echo "--- 1. new request and response properties, noteIdentifier Nurse added and Writer removed, corrected path and servers URL"
copy added
edit_fragment added '
schemas = spec["components"]["schemas"]
schemas["UpdateProviderUserRequest"]["properties"]["timezone"] = {"type": "string", "maxLength": 64, "description": "IANA time zone."}
schemas["UpdateProviderUserRequest"]["properties"]["spokenLanguages"] = {"type": "array", "items": {"type": "string"}, "description": "Languages the provider speaks."}
schemas["ProviderUser"]["properties"]["timezone"] = {"type": "string", "description": "IANA time zone."}
schemas["NoteIdentifier"]["enum"].append("Nurse")
schemas["NoteIdentifier"]["enum"].remove("Writer")
spec["paths"]["/v2/users/providers/{providerUserId}"] = spec["paths"].pop("/users/providers/{providerUserId}")
spec["servers"][0]["url"] = "https://api.eu.upheal.io"'
(
  cd "$work/added"
  UPDATE_GENERATED_SNAPSHOT=1 cargo test --quiet --all-features --test integration generated_snapshot
  grep -q "pub timezone" tests/snapshots/generated.rs.snap
  grep -q "pub fn timezone(mut self, value: impl Into<String>) -> Self" tests/snapshots/generated.rs.snap
  grep -q "pub fn spoken_languages<I, S>(mut self, values: I) -> Self" tests/snapshots/generated.rs.snap
  grep -q 'Nurse = "Nurse"' tests/snapshots/generated.rs.snap
  ! grep -q 'Writer = "Writer"' tests/snapshots/generated.rs.snap
  grep -q 'OPERATION_PATH: &str = "/v2/users/providers/{providerUserId}"' tests/snapshots/generated.rs.snap
  grep -q 'SERVER_URL: &str = "https://api.eu.upheal.io"' tests/snapshots/generated.rs.snap
  # The generated-property tests must see both properties, not pass vacuously.
  if ! UPHEAL_EXPECT_GENERATED_PROPERTIES=timezone,spokenLanguages \
      cargo test --quiet --all-features > "$work/added-tests.log" 2>&1; then
    cat "$work/added-tests.log"
    echo "FAIL: the crate with the edited fragment does not pass its tests"
    exit 1
  fi
  grep -cE "^test result: ok" "$work/added-tests.log" | sed 's/$/ test binaries passed/'
)
echo "the edited crate builds and every test passes"
if cargo semver-checks --baseline-root "$repo" --manifest-path "$work/added/Cargo.toml" --all-features \
    --release-type minor > "$work/added-semver.log" 2>&1; then
  cat "$work/added-semver.log"
  echo "FAIL: removing Writer was not reported as breaking"
  exit 1
fi
breaking=$(grep -oE "^--- failure [a-z_]+" "$work/added-semver.log" | sort -u)
if [ "$breaking" != "--- failure enum_variant_missing" ]; then
  cat "$work/added-semver.log"
  echo "FAIL: cargo-semver-checks should find only the removed variant breaking, found: $breaking"
  exit 1
fi
echo "cargo-semver-checks: the removed variant is breaking, the additions are not"

echo "--- 2. mistakes in the fragment stop the build with a located message, not a generator panic"
refused() { # NAME PYTHON-STATEMENTS EXPECTED-TEXT
  copy "$1"
  edit_fragment "$1" "$2"
  if (cd "$work/$1" && cargo build --quiet > "$work/$1.log" 2>&1); then
    echo "FAIL: $1 built"
    exit 1
  fi
  if ! grep -qF -- "$3" "$work/$1.log" || grep -q "panicked" "$work/$1.log"; then
    cat "$work/$1.log"
    echo "FAIL: $1: the build did not say \"$3\" (or a generator panicked)"
    exit 1
  fi
  grep -F -- "$3" "$work/$1.log" | head -1
}
refused broken-ref '
op = spec["paths"]["/users/providers/{providerUserId}"]["patch"]
op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] = "#/components/schemas/ProviderUsr"' \
  "points to nothing; the nearest existing name is \`#/components/schemas/ProviderUser\`"
refused unknown-type '
spec["components"]["schemas"]["ProviderUser"]["properties"]["email"]["type"] = "strng"' \
  "components.schemas.ProviderUser.properties.email.type\`: unknown type \`strng\` (did you mean \`string\`?)"
refused conflict-with-json-body '
spec["components"]["schemas"]["Conflict"] = {"type": "object", "properties": {"message": {"type": "string"}}}
op = spec["paths"]["/users/providers/{providerUserId}"]["patch"]
op["responses"]["409"] = {"description": "Conflict.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conflict"}}}}' \
  "have different body types"
P='spec["components"]["schemas"]'
refused removed-response-property "del $P[\"ProviderUser\"][\"properties\"][\"organizationId\"]" \
  "\`components.schemas.ProviderUser.properties.organizationId\` is gone, but it is used by \`fake::SeedUser\` and the CLI's \`update\` table: removing a property is a breaking change (a major bump"
refused type-change "$P[\"ProviderUser\"][\"properties\"][\"organizationId\"][\"type\"] = \"integer\"" \
  "\`components.schemas.ProviderUser.properties.organizationId\` is now integer, but it is used as string by \`fake::SeedUser\` and the CLI's \`update\` table: changing a property's type is a breaking change (a major bump)"
refused email-optional "$P[\"ProviderUser\"][\"required\"].remove(\"email\")" \
  "\`components.schemas.ProviderUser.properties.email\` is now optional"
refused email-nullable "$P[\"ProviderUser\"][\"properties\"][\"email\"][\"nullable\"] = True" \
  "\`components.schemas.ProviderUser.properties.email\` is now nullable"
refused required-header '
op = spec["paths"]["/users/providers/{providerUserId}"]["patch"]
op["parameters"].append({"name": "X-Partner-Id", "in": "header", "required": True, "schema": {"type": "string"}})' \
  "a new header parameter \`X-Partner-Id\`; every call must now send it, and no caller can yet: a new required input is a breaking change (a major bump)"
refused undescribed-property "$P[\"UpdateProviderUserRequest\"][\"properties\"][\"timezone\"] = {\"type\": \"string\"}" \
  "\`components.schemas.UpdateProviderUserRequest.properties.timezone\` has no \`description\`"
refused integer-request-property "$P[\"UpdateProviderUserRequest\"][\"properties\"][\"sessionMinutes\"] = {\"type\": \"integer\", \"description\": \"Minutes.\"}" \
  "\`components.schemas.UpdateProviderUserRequest.properties.sessionMinutes\` is of type \`integer\`, and only plain strings and arrays of plain strings get a generated setter. A new optional request property is a minor change"
echo "each mistake, and each change the hand-written layer cannot follow, is refused with its location, its bump and what to do"

echo "--- 3. cargo xtask spec-diff classifies each kind of change under the crate's policy"
classified() { # NAME PYTHON-STATEMENTS EXPECTED-BUMP
  mkdir -p "$work/diff"
  cp openapi/update-provider-user-by-id-v2.json "$work/diff/$1.json"
  python3 - "$work/diff/$1.json" "$2" <<'PY'
import json, sys
path, change = sys.argv[1], sys.argv[2]
spec = json.load(open(path))
exec(change)
json.dump(spec, open(path, "w"), indent=2)
PY
  cargo xtask spec-diff openapi/update-provider-user-by-id-v2.json "$work/diff/$1.json" > "$work/diff/$1.log"
  if ! grep -qx "required bump: $3" "$work/diff/$1.log"; then
    cat "$work/diff/$1.log"
    echo "FAIL: $1 should need a $3 bump"
    exit 1
  fi
  printf '%-28s %s\n' "$1" "$(tail -1 "$work/diff/$1.log")"
}
S='spec["components"]["schemas"]'
OP='spec["paths"]["/users/providers/{providerUserId}"]["patch"]'
classified new-request-property "$S[\"UpdateProviderUserRequest\"][\"properties\"][\"timezone\"] = {\"type\": \"string\"}" minor
classified new-response-property "$S[\"ProviderUser\"][\"properties\"][\"timezone\"] = {\"type\": \"string\"}" minor
classified new-enum-value "$S[\"NoteIdentifier\"][\"enum\"].append(\"Nurse\")" minor
classified removed-enum-value "$S[\"NoteIdentifier\"][\"enum\"].remove(\"Writer\")" major
classified type-change "$S[\"ProviderUser\"][\"properties\"][\"organizationId\"][\"type\"] = \"integer\"" major
classified email-optional "$S[\"ProviderUser\"][\"required\"].remove(\"email\")" major
classified path-change "spec[\"paths\"][\"/v2/users/providers/{providerUserId}\"] = spec[\"paths\"].pop(\"/users/providers/{providerUserId}\")" major
classified server-change "spec[\"servers\"][0][\"url\"] = \"https://api.eu.upheal.io\"" major
classified required-header "$OP.setdefault(\"parameters\", []).append({\"name\": \"X-Partner-Id\", \"in\": \"header\", \"required\": True, \"schema\": {\"type\": \"string\"}})" major
classified description-only "$S[\"ProviderUser\"][\"properties\"][\"email\"][\"description\"] = \"Email.\"" patch
echo "every kind of change gets the bump the policy gives it"
