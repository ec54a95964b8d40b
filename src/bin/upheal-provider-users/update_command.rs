//! `update ID [...]`: one update, printed as a table or as JSON.

use upheal_provider_users::{
    Error, NoteIdentifier, Npi, ProviderUser, ProviderUserId, ProviderUserUpdate,
};

use crate::{cli_args::UpdateArgs, connection::Connection, exit_code::ExitCode};

pub async fn run(args: UpdateArgs) -> ExitCode {
    let (id, update) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::InvalidInput;
        }
    };
    let connection = match Connection::open(&args.connection, [id.clone()]).await {
        Ok(connection) => connection,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::InvalidInput;
        }
    };
    match connection.client.update_provider_user(&id, &update).await {
        Ok(user) if args.json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&user).expect("a provider user serialises")
            );
            ExitCode::Success
        }
        Ok(user) => {
            print!("{}", table(&user));
            ExitCode::Success
        }
        Err(e) => {
            eprintln!("error ({:?}): {e}", e.kind());
            ExitCode::SomeFailed
        }
    }
}

fn parse(args: &UpdateArgs) -> Result<(ProviderUserId, ProviderUserUpdate), Error> {
    let id = if args.partner {
        ProviderUserId::partner(args.id.as_str())?
    } else {
        args.id.parse()?
    };
    let mut update = ProviderUserUpdate::new();
    if let Some(npi) = &args.npi {
        update = update.national_provider_identifier(Npi::new(npi)?);
    }
    if let Some(note_identifier) = &args.note_identifier {
        update = update.note_identifier(note_identifier.parse::<NoteIdentifier>()?);
    }
    if let Some(licence) = &args.therapy_licence {
        update = update.therapy_licence(licence.as_str());
    }
    if let Some(templates) = &args.templates {
        update = update.default_note_template_ids(templates.iter().map(|t| t.trim()));
    }
    if args.clear_templates {
        update = update.default_note_template_ids(Vec::<String>::new());
    }
    update.validate()?;
    Ok((id, update))
}

/// The provider as aligned `field  value` lines.
pub fn table(user: &ProviderUser) -> String {
    let dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
    let templates = if user.default_note_template_ids.is_empty() {
        "-".to_owned()
    } else {
        user.default_note_template_ids.join(", ")
    };
    let rows = [
        ("userId", user.user_id.clone()),
        ("partnerUserId", dash(&user.partner_user_id)),
        ("name", format!("{} {}", user.first_name, user.last_name)),
        ("email", user.email.clone()),
        (
            "nationalProviderIdentifier",
            dash(&user.national_provider_identifier),
        ),
        ("therapyLicence", dash(&user.therapy_licence)),
        (
            "noteIdentifier",
            user.note_identifier
                .as_ref()
                .map_or("-".to_owned(), ToString::to_string),
        ),
        ("defaultNoteTemplateIds", templates),
        ("organizationId", dash(&user.organization_id)),
    ];
    rows.iter()
        .map(|(field, value)| format!("{field:<28}{value}\n"))
        .collect()
}
