//! An update's wire request, built and checked once per update value: a
//! service that sends one update to many providers, or sends it again
//! after a failure, pays for the checks and for copying every value once,
//! not on every call.

use std::sync::OnceLock;

use crate::{errors::Error, generated::types::UpdateProviderUserRequest};

/// The request an update was last checked into, until the update changes.
///
/// A memo, not part of the update's value: two updates that set the
/// same fields are equal whether or not either was checked, a clone starts
/// without it (a clone is made to be changed), it is never serialized, and
/// the update's `Debug` leaves it out.
#[derive(Default)]
pub(crate) struct ValidatedRequest(OnceLock<UpdateProviderUserRequest>);

impl ValidatedRequest {
    /// The request `build` makes, made once; a failure is not kept (the
    /// next call checks again and names the same field and rule).
    pub(crate) fn get_or_build(
        &self,
        build: impl FnOnce() -> Result<UpdateProviderUserRequest, Error>,
    ) -> Result<&UpdateProviderUserRequest, Error> {
        if let Some(request) = self.0.get() {
            return Ok(request);
        }
        let request = build()?;
        // Two threads may both build it; the first one kept is the same.
        Ok(self.0.get_or_init(|| request))
    }

    /// Drops the request: the update it was built from is being changed.
    pub(crate) fn forget(&mut self) {
        self.0.take();
    }
}

impl Clone for ValidatedRequest {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for ValidatedRequest {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ValidatedRequest {}
