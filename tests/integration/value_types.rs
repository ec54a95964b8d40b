//! `Npi`, `NoteIdentifier` and `ProviderUserId` on their own.

use crate::common;

use std::collections::HashSet;

use upheal_provider_users::{ErrorKind, NoteIdentifier, Npi, ProviderUserId};
use uuid::Uuid;

#[test]
fn valid_npis_are_accepted() {
    for npi in ["1234567893", "1245319599", "1003000126"] {
        assert_eq!(Npi::new(npi).unwrap().as_str(), npi);
        assert_eq!(npi.parse::<Npi>().unwrap().to_string(), npi);
    }
}

#[test]
fn invalid_npis_say_which_rule_they_break() {
    let cases = [
        ("123456789", "exactly 10 digits, not 9"),
        ("12345678930", "exactly 10 digits, not 11"),
        ("", "exactly 10 digits, not 0"),
        ("12345a7893", "character 6 is 'a'"),
        ("1234567890", "last digit should be 3"),
        ("1234567839", "check digit"),
        ("١٢٣٤٥٦٧٨٩٣", "only the digits 0-9"),
    ];
    for (input, rule) in cases {
        let error = Npi::new(input).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(error.field(), Some("nationalProviderIdentifier"));
        assert!(error.to_string().contains(rule), "{input:?}: {error}");
    }
}

#[test]
fn npi_deserialisation_validates() {
    assert!(serde_json::from_str::<Npi>("\"1234567893\"").is_ok());
    assert!(serde_json::from_str::<Npi>("\"1234567890\"").is_err());
}

#[test]
fn note_identifiers_parse_in_any_case_and_spelling() {
    for known in NoteIdentifier::ALL {
        let wire = known.as_str();
        assert_eq!(&wire.parse::<NoteIdentifier>().unwrap(), known);
        assert_eq!(
            &wire.to_lowercase().parse::<NoteIdentifier>().unwrap(),
            known
        );
        assert_eq!(
            &wire.to_uppercase().parse::<NoteIdentifier>().unwrap(),
            known
        );
        assert_eq!(known.to_string(), wire);
    }
    assert_eq!(
        "dr last name".parse::<NoteIdentifier>().unwrap(),
        NoteIdentifier::DrLastName
    );
    assert_eq!(
        "peer-support_specialist".parse::<NoteIdentifier>().unwrap(),
        NoteIdentifier::PeerSupportSpecialist
    );
}

#[test]
fn note_identifier_typos_get_a_suggestion_and_the_valid_list() {
    let cases = [
        ("Councelor", Some("Counselor")),
        ("therapis", Some("Therapist")),
        ("Psycologist", Some("Psychologist")),
        ("DrLastname", None), // folded exactly: accepted, see below
        ("Astronaut", None),
    ];
    for (input, suggestion) in cases {
        match input.parse::<NoteIdentifier>() {
            Ok(parsed) => assert_eq!(parsed, NoteIdentifier::DrLastName),
            Err(error) => {
                assert_eq!(error.field(), Some("noteIdentifier"));
                let text = error.to_string();
                assert!(
                    text.contains("Valid values: Therapist, Clinician"),
                    "{text}"
                );
                match suggestion {
                    Some(name) => {
                        assert!(text.contains(&format!("did you mean `{name}`")), "{text}")
                    }
                    None => {
                        assert!(!text.contains("did you mean"), "{text}");
                        // A sentence ends before the list begins.
                        assert!(
                            text.contains(&format!(
                                "`{input}` is not a note identifier. Valid values:"
                            )),
                            "{text}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn note_identifier_wire_format() {
    assert_eq!(
        serde_json::to_string(&NoteIdentifier::CaseManager).unwrap(),
        "\"CaseManager\""
    );
    assert_eq!(
        serde_json::from_str::<NoteIdentifier>("\"Dietitian\"").unwrap(),
        NoteIdentifier::Dietitian
    );
    let unknown: NoteIdentifier = serde_json::from_str("\"Shaman\"").unwrap();
    assert_eq!(unknown, NoteIdentifier::Unknown("Shaman".into()));
    assert!(!unknown.is_known());
    assert_eq!(serde_json::to_string(&unknown).unwrap(), "\"Shaman\"");
    // A differently cased value reads as `FromStr` reads it, and is sent
    // back in the wire's spelling.
    let lower: NoteIdentifier = serde_json::from_str("\"coach\"").unwrap();
    assert_eq!(lower, NoteIdentifier::Coach);
    assert_eq!(serde_json::to_string(&lower).unwrap(), "\"Coach\"");
}

#[test]
fn note_identifier_all_is_complete_and_distinct() {
    // As many as the fragment lists (16 when this was written).
    let in_spec = common::spec()["components"]["schemas"]["NoteIdentifier"]["enum"]
        .as_array()
        .unwrap()
        .len();
    assert!(in_spec >= 16);
    assert_eq!(NoteIdentifier::ALL.len(), in_spec);
    let distinct: HashSet<_> = NoteIdentifier::ALL.iter().collect();
    assert_eq!(distinct.len(), in_spec);
    assert!(NoteIdentifier::ALL.iter().all(NoteIdentifier::is_known));
}

#[test]
fn provider_user_id_forms() {
    let uuid = Uuid::new_v4();
    let upheal: ProviderUserId = uuid.to_string().parse().unwrap();
    assert_eq!(upheal, ProviderUserId::upheal(uuid));
    assert_eq!(upheal.as_upheal(), Some(uuid));
    assert_eq!(upheal.form(), "upheal");
    assert_eq!(upheal.to_string(), uuid.to_string());

    // Every form the uuid crate reads is the Upheal form, shown canonically:
    // otherwise Upheal would resolve it as a UUID anyway and the partner-form
    // identity check would fail after the update was applied.
    for text in [
        uuid.hyphenated().to_string().to_uppercase(),
        uuid.simple().to_string(),
        uuid.simple().to_string().to_uppercase(),
        uuid.braced().to_string(),
        uuid.urn().to_string(),
        format!("urn:uuid:{}", uuid.hyphenated().to_string().to_uppercase()),
        // The URN prefix is case-insensitive (RFC 9562); the uuid crate
        // alone reads only `urn:uuid:`.
        uuid.urn().to_string().to_uppercase(),
        format!("Urn:Uuid:{}", uuid.hyphenated()),
    ] {
        let id: ProviderUserId = text.parse().unwrap();
        assert_eq!(id.as_upheal(), Some(uuid), "{text}");
        assert_eq!(id.to_string(), uuid.to_string(), "{text}");
    }
    // Near misses stay partner ids.
    for text in [
        format!("{}0", uuid.simple()),
        format!("{{{}", uuid.hyphenated()),
        format!(" {}", uuid.hyphenated()).trim().to_owned() + "-x",
    ] {
        let id: ProviderUserId = text.parse().unwrap();
        assert_eq!(id.as_partner(), Some(text.as_str()), "{text}");
    }

    let partner: ProviderUserId = "ext-42".parse().unwrap();
    assert_eq!(partner.as_partner(), Some("ext-42"));
    assert_eq!(partner.form(), "partner");
    assert_eq!(partner.to_string(), "ext-42");

    // A partner whose ids are UUIDs says so explicitly.
    let explicit = ProviderUserId::partner(uuid.to_string()).unwrap();
    assert_eq!(explicit.as_partner(), Some(uuid.to_string().as_str()));
    assert_ne!(explicit, upheal);

    let set: HashSet<_> = [upheal.clone(), upheal, partner].into_iter().collect();
    assert_eq!(set.len(), 2);
}

/// One normalisation rule (guide::assumptions): values whose grammar has no
/// spaces or punctuation are normalised, identifiers never altered.
#[test]
fn values_are_normalised_and_identifiers_never_altered() {
    use upheal_provider_users::{NoteIdentifier, Npi, ProviderUserId};
    assert_eq!(Npi::new(" 1234567893\t").unwrap().as_str(), "1234567893");
    assert!(
        Npi::new("1234 567893").is_err(),
        "inner whitespace is not padding"
    );
    for typed in [
        "Dr. Last Name",
        "dr-last-name",
        "DR_LAST_NAME",
        "drlastname",
    ] {
        assert_eq!(
            typed.parse::<NoteIdentifier>().unwrap(),
            NoteIdentifier::DrLastName,
            "{typed}"
        );
    }
    let padded = ProviderUserId::partner(" ext-1").unwrap_err();
    assert_eq!(padded.field(), Some("providerUserId"));
    assert_eq!(
        ProviderUserId::partner("Ext-1.A").unwrap().to_string(),
        "Ext-1.A"
    );
}

/// Every text the library sends refuses the hidden characters of the
/// Trojan Source class and names them: partner ids (a path segment), the
/// licence, template ids.
#[test]
fn hidden_characters_are_refused_in_every_text_sent() {
    for (hidden, named) in [
        ('\u{202E}', "U+202E"),
        ('\u{200B}', "U+200B"),
        ('\u{FEFF}', "U+FEFF"),
    ] {
        let text = format!("ext{hidden}-1");
        let error = upheal_provider_users::ProviderUserId::partner(&text).unwrap_err();
        assert!(error.to_string().contains(named), "{error}");
        let update =
            upheal_provider_users::ProviderUserUpdate::new().therapy_licence(text.as_str());
        let error = update.validate().unwrap_err();
        assert_eq!(error.field(), Some("therapyLicence"));
        assert!(error.to_string().contains(named), "{error}");
        let update = upheal_provider_users::ProviderUserUpdate::new()
            .default_note_template_ids([text.as_str()]);
        let error = update.validate().unwrap_err();
        assert_eq!(error.field(), Some("defaultNoteTemplateIds"));
        assert!(error.to_string().contains(named), "{error}");
    }
}

/// A note identifier means the same from JSON as from text: any case,
/// with or without separators; an unknown one is still kept.
#[test]
fn a_note_identifier_reads_the_same_from_json_and_from_text() {
    use upheal_provider_users::NoteIdentifier;
    for text in ["Clinician", "clinician", "CLINICIAN"] {
        let from_json: NoteIdentifier = serde_json::from_value(serde_json::json!(text)).unwrap();
        let parsed: NoteIdentifier = text.parse().unwrap();
        assert_eq!(from_json, parsed, "{text}");
        assert_eq!(from_json, NoteIdentifier::Clinician);
    }
    let dr: NoteIdentifier = serde_json::from_value(serde_json::json!("dr_last_name")).unwrap();
    assert_eq!(dr, NoteIdentifier::DrLastName);
    // (not a value the fragment could add: a spec change may add `Nurse`)
    let newer: NoteIdentifier =
        serde_json::from_value(serde_json::json!("A Value From A Newer API")).unwrap();
    assert_eq!(
        newer,
        NoteIdentifier::Unknown("A Value From A Newer API".into())
    );
}

/// An update read from JSON refuses a key no request property has, naming
/// it, instead of sending the update without it.
#[test]
fn an_update_from_json_refuses_unknown_keys() {
    use upheal_provider_users::ProviderUserUpdate;
    let error = serde_json::from_value::<ProviderUserUpdate>(serde_json::json!({
        "therapyLicence": "L-1",
        "therapyLicense": "L-2"
    }))
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("therapyLicense: unknown property; did you mean therapyLicence?"),
        "{error}"
    );
    assert!(
        error.contains("therapyLicence"),
        "the valid names are listed: {error}"
    );
    let update: ProviderUserUpdate = serde_json::from_value(
        serde_json::json!({"therapyLicence": "L-1", "noteIdentifier": "coach"}),
    )
    .unwrap();
    assert_eq!(update.get_therapy_licence(), Some("L-1"));
    assert_eq!(
        update.get_note_identifier(),
        Some(&upheal_provider_users::NoteIdentifier::Coach)
    );
}
