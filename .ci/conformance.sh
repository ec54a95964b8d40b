#!/usr/bin/env bash
# Third-party conformance: schemathesis sends generated requests (valid and
# invalid) to the standalone fake server and checks every answer against
# the fragment: status codes, content types, headers and response bodies
# (the 4xx error bodies included). Bounded in examples and time.
#
#   bash .ci/conformance.sh [VENV]   (VENV gets schemathesis if it lacks it)
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION=4.32.5
venv="${1:-${TMPDIR:-/tmp}/upheal-ci-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{print $3}')" != "$SCHEMATHESIS_VERSION" ]; then
  "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet --features cli --bin upheal-provider-users
work=$(mktemp -d)
trap 'kill -INT "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/seed.json" <<'JSON'
[{"userId": "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "partnerUserId": "ext-1",
  "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"}]
JSON
target/debug/upheal-provider-users fake-server --rate-limit off \
  --seed "$work/seed.json" --api-key conformance-key > "$work/fake.out" &
fake_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/fake.out" 2>/dev/null && break; sleep 0.1; done
base_url=$(sed -n 's/^fake Upheal server listening on //p' "$work/fake.out")
[ -n "$base_url" ] || { echo "the fake server did not start"; cat "$work/fake.out"; exit 1; }

fragment=$(realpath "${FRAGMENT:-openapi/update-provider-user-by-id-v2.json}")
# From the scratch folder: schemathesis and hypothesis leave caches behind.
cd "$work"
"$venv/bin/schemathesis" run "$fragment" \
  --url "$base_url" \
  --header "Authorization: Bearer conformance-key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --max-examples 200 --max-time "${MAX_TIME:-60}" --seed 42 --workers 1 \
  --phases examples,coverage,fuzzing \
  --no-color
