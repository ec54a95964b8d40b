//! Every name in DESIGN.md's public API contract, used the way a partner
//! would. If a release renames or removes one, this stops compiling.

use std::{collections::HashSet, str::FromStr};

use upheal_provider_users::{
    Client, Error, ErrorKind, NoteIdentifier, Npi, ProviderUser, ProviderUserId,
    ProviderUserUpdate,
};

async fn contract() -> Result<ProviderUser, Error> {
    let client = Client::builder()
        .api_key("...")
        .base_url("https://api.upheal.io")
        .build()?;

    let id = ProviderUserId::partner("ext-42")?;
    let _by_uuid = ProviderUserId::upheal(uuid::Uuid::nil());
    let _parsed = ProviderUserId::from_str("6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b")?;
    let _shown: String = id.to_string();
    let mut ids = HashSet::new();
    ids.insert(id.clone());

    let all: &[NoteIdentifier] = NoteIdentifier::ALL;
    let _wire: &str = all[0].as_str();
    let _typed = NoteIdentifier::from_str("clinician")?;

    let npi = Npi::new("1234567893")?;
    let _digits: &str = npi.as_str();

    let update = ProviderUserUpdate::new()
        .note_identifier(NoteIdentifier::Clinician)
        .national_provider_identifier(npi)
        .therapy_licence("LPC-12345")
        .default_note_template_ids(["tpl-1", "tpl-2"]);
    let result = client.update_provider_user(&id, &update).await;
    if let Err(e) = &result {
        let _kind: ErrorKind = e.kind();
        let _status: Option<u16> = e.status();
        let _body: Option<&str> = e.body();
        match e.kind() {
            ErrorKind::InvalidInput
            | ErrorKind::Unauthorized
            | ErrorKind::Forbidden
            | ErrorKind::NotFound
            | ErrorKind::BadRequest
            | ErrorKind::RateLimited
            | ErrorKind::Server
            | ErrorKind::Timeout
            | ErrorKind::Transport
            | ErrorKind::Decode
            | ErrorKind::IdentityMismatch => {}
            _ => {}
        }
    }
    let _raw: &upheal_provider_users::generated::Client = client.generated();
    round_3(&client, &update).await?;
    result
}

/// DESIGN.md's round-3 additions: the budget handle, errors a program can
/// act on, every problem of an update.
async fn round_3(client: &Client, update: &ProviderUserUpdate) -> Result<(), Error> {
    if let Some(budget) = client.budget() {
        let budget: upheal_provider_users::Budget = budget.clone();
        budget.acquire().await;
        budget.acquire_before(std::time::Instant::now()).await?;
        budget.acquire_before(tokio::time::Instant::now()).await?;
        budget.throttled(Some(std::time::Duration::from_secs(1)));
    }
    let error = Error::for_test(ErrorKind::BadRequest, "deactivated");
    let _: Option<&str> = error.api_message();
    let _: bool = error.is_deactivated_user();
    let _: Option<&ProviderUser> = error.returned_user();
    let _: Vec<Error> = update.problems();
    Ok(())
}

fn main() {
    // Compiling is the check; the call would need a real key.
    let _ = contract;
}
