//! What `--resume` compares: a provider and the update it was given.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use upheal_provider_users::{ProviderUserId, ProviderUserUpdate};

/// SHA-256 over the id's form, the id and the update's wire body.
///
/// Taken after normalisation (`coach` and `Coach` are one note identifier,
/// cells are trimmed), so re-saving a file does not change it, while any
/// change to what would be sent does. A resumed run skips a row only when
/// the results file says this exact update was applied to this provider.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UpdateFingerprint(String);

impl UpdateFingerprint {
    pub fn of(id: &ProviderUserId, update: &ProviderUserUpdate) -> Self {
        let body = update
            .to_request()
            .ok()
            .and_then(|request| serde_json::to_string(&request).ok())
            .unwrap_or_default();
        let mut hash = Sha256::new();
        for part in [id.form(), &id.to_string(), &body] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        let hex = hash
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Self(hex)
    }
}

impl fmt::Display for UpdateFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use upheal_provider_users::{NoteIdentifier, ProviderUserId, ProviderUserUpdate};

    use super::UpdateFingerprint;

    #[test]
    fn the_same_update_to_the_same_provider_matches_and_any_change_does_not() {
        let id = ProviderUserId::partner("ext-1").unwrap();
        let coach = ProviderUserUpdate::new().note_identifier("coach".parse().unwrap());
        let same = ProviderUserUpdate::new().note_identifier(NoteIdentifier::Coach);
        let other = ProviderUserUpdate::new().note_identifier(NoteIdentifier::Clinician);
        let fingerprint = UpdateFingerprint::of(&id, &coach);
        assert_eq!(fingerprint, UpdateFingerprint::of(&id, &same));
        assert_ne!(fingerprint, UpdateFingerprint::of(&id, &other));
        let elsewhere = ProviderUserId::partner("ext-2").unwrap();
        assert_ne!(fingerprint, UpdateFingerprint::of(&elsewhere, &coach));
        assert_eq!(fingerprint.to_string().len(), 64);
    }
}
