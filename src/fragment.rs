//! Facts of the OpenAPI fragment that hand-written code needs beyond the
//! generated client (the default base URL, the operation's method and
//! path, how a deactivated user is told apart), written by `build.rs` from
//! the fragment: correcting one is a spec change, never a code change.
#![allow(dead_code)]

include!(concat!(env!("OUT_DIR"), "/fragment_facts.rs"));
