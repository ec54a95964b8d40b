//! The README's main command: `cargo run --example quickstart`.
//!
//! Starts the embedded fake Upheal server, seeds two providers and walks
//! through what the client does, printing each result. No credentials and no
//! network needed. To run the same calls against Upheal, build the client
//! with your key instead of `fake.client()`.

use upheal_provider_users::{
    Client, Error, NoteIdentifier, Npi, ProviderUser, ProviderUserId, ProviderUserUpdate,
    fake::{FakeUpheal, SeedUser},
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeUpheal::start().await?;
    let ada = fake.seed(
        SeedUser::new("Ada", "Lovelace", "ada@example.com")
            .partner_user_id("ext-ada")
            .default_templates(["soap-note", "intake"]),
    );
    let retired = fake.seed(
        SeedUser::new("Old", "Account", "old@example.com")
            .partner_user_id("ext-old")
            .deactivated(),
    );
    let client: Client = fake.client();
    println!(
        "Fake Upheal server on {} (seeded Ada {ada} and a deactivated user {retired})\n",
        fake.base_url()
    );

    step("1. Update by Upheal UUID: NPI and note identifier");
    let update = ProviderUserUpdate::new()
        .national_provider_identifier(Npi::new("1234567893")?)
        .note_identifier(NoteIdentifier::Clinician);
    show(
        client
            .update_provider_user(&ProviderUserId::upheal(ada), &update)
            .await,
    );

    step("2. Update by partner id `ext-ada`: therapy licence");
    let by_partner = ProviderUserId::partner("ext-ada")?;
    let update = ProviderUserUpdate::new().therapy_licence("LPC-12345");
    show(client.update_provider_user(&by_partner, &update).await);

    step("3. Clear the default note templates (sends `[]`), by partner id again");
    let update = ProviderUserUpdate::new().default_note_template_ids(Vec::<String>::new());
    show(client.update_provider_user(&by_partner, &update).await);

    step("4. A typo in a note identifier is refused before sending");
    show_refusal("Councelor".parse::<NoteIdentifier>().map(|_| ()));

    step("5. An NPI with a wrong check digit is refused before sending");
    show_refusal(Npi::new("1234567890").map(|_| ()));

    step("6. A deactivated user (by partner id `ext-old`) cannot be updated");
    let update = ProviderUserUpdate::new().therapy_licence("LPC-999");
    show(
        client
            .update_provider_user(&ProviderUserId::partner("ext-old")?, &update)
            .await,
    );

    let counters = fake.counters();
    println!(
        "\nThe fake saw {} requests ({} by partner id); refused inputs sent none.",
        counters.requests, counters.partner_lookups
    );
    Ok(())
}

fn step(title: &str) {
    println!("{title}");
}

fn show(result: Result<ProviderUser, Error>) {
    match result {
        Ok(user) => println!(
            "   ok: {} {} <{}>\n       NPI {}, licence {}, note identifier {}, templates {:?}\n",
            user.first_name,
            user.last_name,
            user.email,
            user.national_provider_identifier.as_deref().unwrap_or("-"),
            user.therapy_licence.as_deref().unwrap_or("-"),
            user.note_identifier
                .as_ref()
                .map_or("-", NoteIdentifier::as_str),
            user.default_note_template_ids,
        ),
        Err(e) if e.is_deactivated_user() => println!(
            "   refused by the server: the user is deactivated ({:?}, HTTP {}): {}\n",
            e.kind(),
            e.status().unwrap_or_default(),
            e.api_message().unwrap_or_default()
        ),
        Err(e) => println!("   refused by the server ({:?}): {e}\n", e.kind()),
    }
}

fn show_refusal(result: Result<(), Error>) {
    match result {
        Ok(()) => println!("   unexpectedly accepted\n"),
        Err(e) => println!(
            "   refused ({:?}, field `{}`): {e}\n",
            e.kind(),
            e.field().unwrap_or("-")
        ),
    }
}
