//! The third row of the benches: a bare progenitor client of the same
//! fragment (positional interface, no hooks, no hand-written layer), as a
//! partner would get from progenitor alone.
#![allow(dead_code, missing_docs, clippy::all)]

progenitor::generate_api!("openapi/update-provider-user-by-id-v2.json");
