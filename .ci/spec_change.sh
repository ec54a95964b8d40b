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
#     fragment); so are a security scheme moved to an `X-Upheal-Api-Key`
#     header (the wire carries it), new response enums and objects (a newer
#     API's values decode) and a documented 422; cargo-semver-checks finds
#     the removed variant breaking and
#     nothing else (the route and host changes are major under the crate's
#     policy: case 3);
#  2. changes the hand-written layer cannot follow (a removed or retyped
#     property it reads, a required field made optional, a new parameter, a
#     request property of another shape), and mistakes, stop the build with
#     a message naming the change and the bump it needs;
#  3. `cargo xtask spec-diff` gives each kind of change its bump;
#  4. each class of change the 22-change review tried, one at a time on one
#     copy: the build follows it or refuses it in build.rs (never a rustc
#     error), spec-diff's bump is the policy's, and cargo-semver-checks on
#     the edited crate against this one finds no bigger bump than spec-diff.
#
#   bash .ci/spec_change.sh     (needs cargo-semver-checks on PATH)
# `--release-type minor`: judged as the minor release such a change would
# be, whatever the version numbers of the two trees say.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
work=$(mktemp -d)
# The copies build in the repository's target directory (their dependencies
# are built once), where cargo names their outputs as it names the
# repository's own (the same package at the same relative paths): after
# the copies, make the repository's next build regenerate its own code.
trap 'rm -rf "$work"; touch "$repo/build.rs"' EXIT

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
schemas["ProviderUser"]["properties"]["spokenLanguages"] = {"type": "array", "description": "Languages.", "items": {"type": "string", "enum": ["en", "fr"]}}
schemas["ProviderUser"]["properties"]["address"] = {"type": "object", "description": "Where.", "properties": {"city": {"type": "string", "description": "City."}, "kind": {"type": "string", "description": "Kind.", "enum": ["home", "office"]}}}
schemas["ProviderUser"]["properties"]["createdAt"] = {"type": "string", "format": "date-time", "description": "When."}
spec["components"]["securitySchemes"] = {"apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Upheal-Api-Key"}}
spec["security"] = [{"apiKeyHeader": []}]
op = spec["paths"]["/users/providers/{providerUserId}"]["patch"]
op["responses"]["422"] = {"description": "Unprocessable entity.", "content": {"*/*": {}}}
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
  # The wire follows the new security scheme, a newer API's values in the
  # new enums decode, and the new 422 is reported as documented.
  cargo test --quiet --all-features --test integration -- --nocapture \
    wire_format::method_headers forward_compatibility error_mapping::every_status > "$work/added-wire.log" 2>&1
  if ! grep -F "on the wire: x-upheal-api-key: <API_KEY>" "$work/added-wire.log" ||
     ! grep -F '"ProviderUser.address.kind"' "$work/added-wire.log" | grep -F '"ProviderUser.spokenLanguages[]"'; then
    cat "$work/added-wire.log"
    echo "FAIL: the wire, the new enums or the new status did not follow the fragment"
    exit 1
  fi
  grep -q 'AUTH_HEADER: &str = "x-upheal-api-key"' tests/snapshots/generated.rs.snap
  grep -q '(422, "Unprocessable entity")' tests/snapshots/generated.rs.snap
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

echo "--- 4. each class of change: what the build does, spec-diff's bump, cargo-semver-checks' bump"
copy class
unedited="$work/unedited.json"
cp openapi/update-provider-user-by-id-v2.json "$unedited"
rank() { case "$1" in patch) echo 0;; minor) echo 1;; major) echo 2;; esac; }
class() { # NAME PYTHON-STATEMENTS BUMP builds|"refused:TEXT" [WARNING-TEXT]
  local name=$1 edit=$2 bump=$3 build=$4 warning=${5:-}
  cp "$unedited" "$work/class/openapi/update-provider-user-by-id-v2.json"
  edit_fragment class "$edit"
  cargo xtask spec-diff "$unedited" "$work/class/openapi/update-provider-user-by-id-v2.json" > "$work/$name.diff"
  local said; said=$(sed -n 's/^required bump: //p' "$work/$name.diff")
  if [ "$said" != "$bump" ]; then
    cat "$work/$name.diff"; echo "FAIL: $name: spec-diff says $said, the policy $bump"; exit 1
  fi
  local verdict semver="-"
  if (cd "$work/class" && cargo check --all-features > "$work/$name.build" 2>&1); then
    verdict=builds
    if [ -n "$warning" ] && ! grep -qF -- "$warning" "$work/$name.build"; then
      cat "$work/$name.build"; echo "FAIL: $name: the build did not warn \"$warning\""; exit 1
    fi
    cargo semver-checks --baseline-root "$repo" --manifest-path "$work/class/Cargo.toml" --all-features \
      --release-type patch > "$work/$name.semver" 2>&1 || true
    semver=patch
    grep -q "requires new minor version" "$work/$name.semver" && semver=minor
    grep -q "requires new major version" "$work/$name.semver" && semver=major
    if ! grep -qE "Summary|no semver update required|semver requires" "$work/$name.semver"; then
      cat "$work/$name.semver"; echo "FAIL: $name: cargo-semver-checks did not run"; exit 1
    fi
    if [ "$(rank "$semver")" -gt "$(rank "$bump")" ]; then
      cat "$work/$name.semver"; echo "FAIL: $name: cargo-semver-checks needs $semver, spec-diff said $bump"; exit 1
    fi
  else
    verdict=refused
    if grep -qE "^error\[E|panicked" "$work/$name.build" || ! grep -qF -- "${build#refused:}" "$work/$name.build"; then
      cat "$work/$name.build"; echo "FAIL: $name: not refused by build.rs with \"${build#refused:}\""; exit 1
    fi
  fi
  if [ "$verdict" != "${build%%:*}" ]; then
    cat "$work/$name.build"; echo "FAIL: $name: expected the build to be ${build%%:*}, it $verdict"; exit 1
  fi
  printf '%-30s spec-diff %-5s  build %-8s  semver-checks %s\n' "$name" "$said" "$verdict" "$semver"
}
S='spec["components"]["schemas"]'
OP='spec["paths"]["/users/providers/{providerUserId}"]["patch"]'
class auth-api-key-header \
  'spec["components"]["securitySchemes"] = {"k": {"type": "apiKey", "in": "header", "name": "X-Upheal-Api-Key"}}; spec["security"] = [{"k": []}]' \
  major builds
class auth-oauth2 \
  'spec["components"]["securitySchemes"] = {"o": {"type": "oauth2", "flows": {}}}; spec["security"] = [{"o": []}]' \
  major "refused:the client sends the key only as HTTP bearer auth or as an API key in a header"
class new-response-enum-object-date \
  "$S[\"ProviderUser\"][\"properties\"][\"spokenLanguages\"] = {\"type\": \"array\", \"description\": \"L.\", \"items\": {\"type\": \"string\", \"enum\": [\"en\", \"fr\"]}}; $S[\"ProviderUser\"][\"properties\"][\"address\"] = {\"type\": \"object\", \"description\": \"A.\", \"properties\": {\"kind\": {\"type\": \"string\", \"description\": \"K.\", \"enum\": [\"home\"]}}}; $S[\"ProviderUser\"][\"properties\"][\"createdAt\"] = {\"type\": \"string\", \"format\": \"date-time\", \"description\": \"W.\"}" \
  minor builds "is kept as documentation: the field is generated as text"
class text-becomes-enum-response "$S[\"ProviderUser\"][\"properties\"][\"organizationId\"][\"enum\"] = [\"a\", \"b\"]" \
  major "refused:is now an enum of string, but it is used as string"
class text-becomes-enum-request "$S[\"UpdateProviderUserRequest\"][\"properties\"][\"therapyLicence\"][\"enum\"] = [\"a\"]" \
  major "refused:is now an enum of string, but it is used as string"
class format-uuid-on-template-ids "$S[\"ProviderUser\"][\"properties\"][\"defaultNoteTemplateIds\"][\"items\"][\"format\"] = \"uuid\"" \
  major "refused:is now array of string with format \`uuid\`"
class request-bounds-tightened "$S[\"UpdateProviderUserRequest\"][\"properties\"][\"nationalProviderIdentifier\"][\"pattern\"] = \"^1\"; $S[\"UpdateProviderUserRequest\"][\"properties\"][\"therapyLicence\"][\"maxLength\"] = 12" \
  major builds
# ... and enforced: validate refuses what the tightened fragment refuses.
(
  cd "$work/class"
  printf 'providerUserId,nationalProviderIdentifier,therapyLicence\r\next-1,2000000002,LPC-1\r\next-2,1234567893,LPC-123456789\r\n' > bounds.csv
  if cargo run --quiet --features cli --bin upheal-provider-users -- validate bounds.csv > bounds.out 2>&1; then
    cat bounds.out; echo "FAIL: the tightened bounds were not enforced"; exit 1
  fi
  grep -F 'does not match the pattern `^1`' bounds.out
  grep -F "at most 12 are accepted" bounds.out
)
class new-required-request-property "$S[\"UpdateProviderUserRequest\"][\"properties\"][\"timezone\"] = {\"type\": \"string\", \"description\": \"Z.\"}; $S[\"UpdateProviderUserRequest\"][\"required\"] = [\"timezone\"]" \
  major "refused:every update must now send it"
class wrapped-response "$OP[\"responses\"][\"200\"][\"content\"][\"application/json\"][\"schema\"] = {\"type\": \"object\", \"properties\": {\"data\": {\"\$ref\": \"#/components/schemas/ProviderUser\", \"description\": \"D.\"}}}" \
  major "refused:the success body is no longer"
class one-error-schema-for-all "
$S[\"Problem\"] = {\"type\": \"object\", \"properties\": {\"message\": {\"type\": \"string\", \"description\": \"M.\"}}}
for name in spec[\"components\"][\"responses\"]: spec[\"components\"][\"responses\"][name][\"content\"] = {\"application/json\": {\"schema\": {\"\$ref\": \"#/components/schemas/Problem\"}}}" \
  major "refused:an error response now has a body schema"
class openapi-3-1 'spec["openapi"] = "3.1.0"' major "refused:OpenAPI 3.1"
class type-list-3-1 "$S[\"ProviderUser\"][\"properties\"][\"phoneNumber\"][\"type\"] = [\"string\", \"null\"]" \
  major "refused:a list of types"
class new-optional-query-parameter "$OP[\"parameters\"].append({\"name\": \"dryRun\", \"in\": \"query\", \"required\": False, \"description\": \"D.\", \"schema\": {\"type\": \"boolean\"}})" \
  major "refused:a new query parameter \`dryRun\`"
class second-operation-same-path "spec[\"paths\"][\"/users/providers/{providerUserId}\"][\"get\"] = {\"operationId\": \"getProviderUser\", \"summary\": \"Get.\", \"parameters\": $OP[\"parameters\"], \"responses\": {\"200\": {\"description\": \"The user.\", \"content\": {\"application/json\": {\"schema\": {\"\$ref\": \"#/components/schemas/ProviderUser\"}}}}}}" \
  minor builds
class example-changed "$S[\"ProviderUser\"][\"example\"][\"firstName\"] = \"Grace\"" patch builds
class const-added "$S[\"ProviderUser\"][\"properties\"][\"email\"][\"const\"] = \"x\"" patch builds \
  "is not an OpenAPI 3.0 schema keyword: the generator ignores it"
class extension-description 'spec["components"]["responses"]["InvalidRequestParameters"]["x-deactivated-user"]["description"] = "Changed."' \
  patch builds
class documented-422 "$OP[\"responses\"][\"422\"] = {\"description\": \"Unprocessable.\", \"content\": {\"*/*\": {}}}" minor builds
echo "every class is followed by the build or refused by build.rs, with spec-diff's bump never below cargo-semver-checks'"

echo "--- 5. enum values of any schema, by spec-diff (two edited fragments)"
with_enum() { python3 - "$1" "$2" <<'PY'
import json, sys
spec = json.load(open("openapi/update-provider-user-by-id-v2.json"))
spec["components"]["schemas"]["ProviderUser"]["properties"]["spokenLanguages"] = {"type": "array", "description": "L.", "items": {"type": "string", "enum": json.loads(sys.argv[2])}}
json.dump(spec, open(sys.argv[1], "w"), indent=2)
PY
}
with_enum "$work/enum-en-fr.json" '["en", "fr"]'
with_enum "$work/enum-en.json" '["en"]'
with_enum "$work/enum-en-fr-de.json" '["en", "fr", "de"]'
cargo xtask spec-diff "$work/enum-en-fr.json" "$work/enum-en.json" | grep -qx "required bump: major"
echo "a value removed from a response enum: major"
cargo xtask spec-diff "$work/enum-en-fr.json" "$work/enum-en-fr-de.json" | grep -qx "required bump: minor"
echo "a value added to a response enum: minor"
