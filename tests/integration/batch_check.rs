//! `check_batch` and `ProviderUserUpdate::from_fields`: a whole batch from
//! text, every request property of the fragment included.

use upheal_provider_users::{
    FieldValue, PropertyShape, ProviderUserUpdate, check_batch,
    generated::types::UpdateProviderUserRequest,
};

use crate::common::spec;

/// A valid value for each request property the fragment defines, hand-written
/// or generated: the list is read from the fragment, so a property added
/// to it is covered here with no edit.
fn every_property() -> Vec<(String, FieldValue)> {
    let spec = spec();
    let properties = spec["components"]["schemas"]["UpdateProviderUserRequest"]["properties"]
        .as_object()
        .unwrap()
        .clone();
    properties
        .keys()
        .map(|name| {
            let value = match name.as_str() {
                "nationalProviderIdentifier" => FieldValue::from("1234567893"),
                "noteIdentifier" => FieldValue::from("Coach"),
                "defaultNoteTemplateIds" => FieldValue::from(vec!["tpl-1"]),
                "therapyLicence" => FieldValue::from("LPC-1"),
                generated => {
                    let property = ProviderUserUpdate::generated_properties()
                        .iter()
                        .find(|p| p.name == generated)
                        .expect("every other property has a generated setter");
                    match property.shape {
                        PropertyShape::TextList => FieldValue::from(vec!["a"]),
                        _ => FieldValue::from("a"),
                    }
                }
            };
            (name.clone(), value)
        })
        .collect()
}

#[test]
fn every_request_property_is_read_from_text_and_sent() {
    let fields = every_property();
    let update = ProviderUserUpdate::from_fields(fields.clone()).unwrap();
    let request: UpdateProviderUserRequest = update.to_request().unwrap();
    let sent = serde_json::to_value(&request).unwrap();
    for (name, _) in &fields {
        assert!(sent.get(name).is_some(), "{name} is sent: {sent}");
    }
}

#[test]
fn a_value_of_the_wrong_shape_is_a_problem_naming_its_field() {
    for (name, value) in every_property() {
        let wrong = match value {
            FieldValue::List(_) => FieldValue::from("one"),
            _ => FieldValue::from(vec!["a", "b"]),
        };
        let problems = ProviderUserUpdate::from_fields([(name.as_str(), wrong)]).unwrap_err();
        assert_eq!(problems[0].field(), Some(name.as_str()), "{problems:?}");
    }
}

#[test]
fn a_batch_reports_every_problem_of_every_item_and_repeated_ids() {
    let batch: Vec<(&str, Vec<(&str, FieldValue)>)> = vec![
        (
            "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
            vec![("therapyLicence", "LPC-1".into())],
        ),
        (
            "ext-2",
            vec![
                ("nationalProviderIdentifier", "12345".into()),
                ("therapyLicence", " ".into()),
            ],
        ),
        ("", vec![("therapyLicence", "LPC-3".into())]),
        (
            "6F1C2A7E3B4D4E5F8A9B0C1D2E3F4A5B",
            vec![("therapyLicence", "LPC-4".into())],
        ),
        ("ext-5", vec![("therapyLicense", "LPC-5".into())]),
    ];
    let problems = check_batch(batch).unwrap_err();
    let found: Vec<(usize, &str)> = problems
        .iter()
        .map(|p| (p.index, p.error.field().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            (1, "nationalProviderIdentifier"),
            (1, "therapyLicence"),
            (2, "providerUserId"),
            (3, "providerUserId"),
            (4, "therapyLicense"),
        ],
        "{problems:?}"
    );
    assert!(
        problems[3].error.to_string().contains("first at item 0"),
        "the same UUID in another form"
    );

    let ready = check_batch(vec![
        ("ext-1", vec![("therapyLicence", "L")]),
        ("ext-2", vec![("therapyLicence", "M")]),
    ])
    .unwrap();
    assert_eq!(ready.len(), 2);
}
