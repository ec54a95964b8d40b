//! # Assumptions, and how inputs are normalised
//!
//! Upheal publishes the fields, auth, host and rate limit, but not
//! everything. These are the crate's working assumptions, written into the
//! OpenAPI fragment (marked `ASSUMPTION`, or as the `x-deactivated-user`
//! extension) so that correcting one is a one-file spec change:
//!
//! - **Method and path:** `PATCH /users/providers/{providerUserId}` (the page
//!   has no method badge; this follows from `POST /users/providers` and from
//!   every field being optional).
//! - **Error bodies:** no schema is published; every error body is kept as
//!   raw text (bounded) and never fails to decode.
//! - **404** for an unknown user (documented on sibling endpoints only);
//!   **a 400 whose message contains "deactivated"** for a deactivated user.
//! - **`[]` clears** `defaultNoteTemplateIds`; whether `null` clears a field
//!   is unknown, so the crate never sends `null`.
//! - **`Retry-After`** may accompany a 429 (seconds or an HTTP date).
//! - **Ambiguous ids:** any text the `uuid` crate reads as a UUID parses as
//!   the Upheal form and is sent in the canonical form; use
//!   [`ProviderUserId::partner`](crate::ProviderUserId::partner) if your own
//!   ids look like UUIDs. Either way the response's identity is checked.
//! - `ProviderUser.email`'s published description ("Client email address")
//!   is about another resource; the fragment says so beside it.
//!
//! Client-side sanity bounds (not published limits): partner ids and
//! free-text fields at most 256 characters; template ids non-blank and
//! distinct.
//!
//! ## Normalisation: one rule
//!
//! Values whose grammar has no spaces or punctuation are normalised;
//! identifiers are never altered (an altered id would address someone else).
//!
//! | input | normalised | example |
//! |---|---|---|
//! | [`Npi`](crate::Npi) | surrounding whitespace trimmed | `" 1234567893 "` → `1234567893` |
//! | [`NoteIdentifier`](crate::NoteIdentifier) | any case; spaces, `-`, `_`, `.` ignored | `dr. last name` → `DrLastName` |
//! | UUID ([`ProviderUserId`](crate::ProviderUserId) text) | any form the `uuid` crate reads, sent canonical | `URN:UUID:6F1C…` → `6f1c…` |
//! | partner id | never altered; surrounding whitespace refused | `" ext-1"` is an error |
//! | therapy licence, template ids | never altered; blank or control characters refused | |
