//! Every integration test but one, in one binary: one link for the whole
//! suite instead of one per file (22 before), which is most of a rebuild's
//! time after a change to the library. Each module is one concern, as each
//! file was; a module that needs a feature says so in its own `#![cfg]`.
//! `tests/tracing_redaction.rs` stays a binary of its own: tracing caches
//! each callsite's interest process-wide, so tests here that run without a
//! subscriber could switch its events off.
//!
//! Run one concern with `cargo test --all-features --test integration MODULE::`.

#[cfg(feature = "cli")]
mod cli_support;
mod common;
mod redis_support;

mod api_request;
mod batch_check;
mod bulk_stop;
mod cli;
mod cli_exit_codes;
mod cli_input_files;
mod cli_resume;
mod cli_shared_budget;
mod client_builder;
mod error_mapping;
mod error_truth;
mod fake_server;
mod fake_server_standalone;
mod fleet_budget;
mod forward_compatibility;
mod generated_snapshot;
mod hostile_server;
mod json_schema;
mod properties;
mod refused_inputs;
mod resilience;
mod shared_budget;
mod spec_drift;
mod tls_backends;
mod value_types;
mod wire_format;
