//! The hooks every generated request goes through.
//!
//! `build.rs` makes [`Transport`] the generated client's inner value and asks
//! for these hooks (`HooksMode::Expected`), so the generated method stays
//! untouched while the hand-written layer decides how bytes move.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::{generated, response_body::limit_body};

/// Progenitor sends the fragment's `info.version` as an `api-version` header;
/// Upheal documents no such header, so it is not sent.
const UNDOCUMENTED_VERSION_HEADER: &str = "api-version";

/// Per-client settings the hooks apply to every request.
#[derive(Clone, Debug)]
pub struct Transport {
    pub(crate) max_response_bytes: usize,
}

impl ClientHooks<Transport> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().remove(UNDOCUMENTED_VERSION_HEADER);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        Ok(limit_body(response, self.inner().max_response_bytes))
    }
}
