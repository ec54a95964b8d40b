//! The raw client and wire types that `build.rs` generates from
//! `openapi/update-provider-user-by-id-v2.json` with progenitor.
//!
//! Prefer the hand-written layer at the crate root; this module is the escape
//! hatch (reachable through [`crate::Client::generated`]). It is never edited
//! by hand: change the fragment or the generator settings in `build.rs`.
#![allow(clippy::all)]

include!(concat!(env!("OUT_DIR"), "/generated.rs"));

pub use crate::transport::Transport;
