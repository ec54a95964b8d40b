//! # The command-line tool for bulk updates
//!
//! For operations staff fixing provider data in batches (feature `cli`):
//!
//! ```sh
//! cargo install upheal-provider-users --features cli
//! export UPHEAL_API_KEY=...                      # never echoed; or --api-key
//! upheal-provider-users validate providers.csv   # offline: every problem, nothing sent
//! upheal-provider-users apply providers.csv      # validated first, then applied
//! upheal-provider-users apply providers.csv --resume
//! upheal-provider-users update ext-42 --npi 1234567893 --note-identifier clinician
//! ```
//!
//! Add `--fake` to `apply` or `update` to run against an embedded fake
//! server seeded with the input's ids. Warnings (Redis unreachable, say) go
//! to stderr; `--quiet` keeps only errors, `-v`/`-vv` shows more.
//!
//! ## Input
//!
//! CSV with a header row naming the API's fields — `providerUserId` (an
//! Upheal UUID, in any form the `uuid` crate reads) or `partnerUserId`,
//! `nationalProviderIdentifier`, `therapyLicence`, `noteIdentifier`,
//! `defaultNoteTemplateIds` — or JSON Lines (`.jsonl`/`.ndjson`) with the
//! same field names. An empty cell (or an absent or `null` field) leaves the
//! value unchanged. In CSV, template ids are separated by `;` and `[]` clears
//! the list; in JSON Lines, `[]` clears it. A request property the API adds
//! later is a column of its own name as soon as the crate's fragment has
//! it (see [`ProviderUserUpdate::generated_properties`](crate::ProviderUserUpdate::generated_properties)):
//! a text cell, or for a list, items separated by `;` as above.
//!
//! Files as Excel saves them are read as they are: a UTF-8 byte-order mark,
//! CRLF, quoted cells spanning lines, blank rows (a note), and extra columns
//! (a note names each one ignored). **A column named as people name a
//! field** (`NPI`, `npi`, `nationalProviderId`, `licence`, `license`,
//! `partnerId`, `templateIds`, `noteTemplateIds`, … in any case) **or
//! looking like one misspelt** (case, spaces, `-`, `_`, or up to two
//! letters off: `therapyLicense`, `Therapy licence`) **is a problem, not a
//! note**, naming the field meant: its values would be dropped without a
//! word. A column holding a field's whole name among other words
//! (`oldPartnerUserId`, `therapyLicenceNo`) is a note. **A row that names
//! a provider but sets no field is a problem** (it would be an empty
//! update). Text holding bidirectional controls or zero-width characters
//! is refused, naming the character: what you read would not be what is
//! sent. A JSON Lines object naming a
//! field twice is refused, as a CSV header naming a column twice is. A file
//! separated by `;` or tabs, or not in UTF-8, is refused with a hint saying
//! how to save it.
//!
//! Line numbers in every message and in the results file are the lines your
//! editor shows. Messages quote at most 64 characters of a value (and its
//! length), with terminal control characters escaped.
//!
//! ## `validate FILE`
//!
//! Checks every row with the library's own rules and prints each problem as
//! `line N: field: what is wrong`, and each note as `note: line N: ...`, in
//! one pass (on stderr); a provider listed twice is a problem too. The
//! summary on stdout, valid or not, says how many problems and notes there
//! are.
//!
//! ## `apply FILE`
//!
//! Refuses to start on any problem, or when the results file is the input
//! (compared by identity: a hard link is caught). It builds the client
//! (a malformed `--redis` URL stops here, with nothing recorded), writes
//! the results file's first line, then sends the rows with the library's
//! bulk helper (`--concurrency`, default 8; `--rate-limit` per
//! `--rate-window-secs`, default 300 per 60 s; retried). No row fails for
//! waiting its turn. Progress goes to stderr, the summary to stdout (with
//! `rate budget: …` when shared through Redis: "shared through Redis", or
//! how long Redis was unavailable and the share used meanwhile).
//!
//! The results file (`FILE.results.jsonl`, or `--results`) gets
//! `{"run": "started", "input", "rowsToSend"}` per run, then one line per
//! finished row: `{"row", "id", "outcome", "fingerprint", "errorKind",
//! "status", "message"}`.
//!
//! A run stops starting rows, lets those in flight finish and records them,
//! when Upheal refuses the key (401/403), or when the results file cannot
//! be written (listing what was sent but not recorded).
//!
//! **Ctrl-C means stop sending**: no row that has not been sent is sent
//! (rows waiting for their turn in the budget are not sent either, and
//! stay for a resume; nor is a retry); rows already sent are awaited and
//! recorded. The message counts the two apart; a second Ctrl-C abandons
//! the rows already sent, and only those are reported as "whether Upheal
//! applied them is unknown".
//!
//! On a results file that records rows applied by an earlier run, `apply`
//! without `--resume` is refused (exit 2): `--resume` skips them, `--again`
//! sends every row again.
//!
//! `--resume [RESULTS]` (default: the default results file) skips a row only
//! when the last record for its provider says this very update was applied
//! (matched on the provider and a fingerprint of the update, never on row
//! numbers), and appends; a last line cut off by a killed run is left as it
//! is and the next record starts on a line of its own. `apply` locks its
//! results file: a second run on it is refused with exit 2.
//!
//! `--fake` runs against an embedded fake seeded with the input's ids;
//! `--fake-deactivated ID,…` seeds some of them deactivated. The
//! standalone `fake-server --seed FILE` takes `"active": false` for the
//! same.
//!
//! `--redis URL` shares the budget with every job on the key (see
//! [`guide::shared_budget`](crate::guide::shared_budget)); `--adaptive`
//! slows down on 429s. A `--redis` with `--rate-limit 0` is refused.
//!
//! ## Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | every row applied (or, for `validate`, every row valid) |
//! | 1 | some rows failed, or the run stopped after sending (key refused, results file unwritable); the message says what was sent |
//! | 2 | invalid input (a misspelt column included) or usage, or the results file is in use by another run: **nothing was sent** |
//! | 130 | interrupted; finished rows are in the results file |
