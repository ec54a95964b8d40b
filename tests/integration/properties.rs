//! Property-based tests over the value types and the wire path: whatever
//! text comes in, parsing never panics, and an accepted id reaches the
//! server as exactly one path segment that decodes back to the same id.

use crate::common;

use std::sync::{Mutex, OnceLock};

use common::{UPHEAL_UUID, client_for, user_json};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use upheal_provider_users::{ErrorKind, NoteIdentifier, Npi, ProviderUserId, ProviderUserUpdate};
use uuid::Uuid;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::method};

/// Answers with a user whose ids echo the path, so the identity check
/// passes for whatever id was sent.
struct EchoUser;

impl Respond for EchoUser {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let segment = request.url.path().rsplit('/').next().unwrap_or_default();
        let id = percent_decode_str(segment).decode_utf8_lossy().into_owned();
        let user = match Uuid::try_parse(&id) {
            Ok(uuid) => user_json(&uuid.to_string(), None),
            Err(_) => user_json(UPHEAL_UUID, Some(&id)),
        };
        ResponseTemplate::new(200).set_body_json(user)
    }
}

type Harness = (tokio::runtime::Runtime, MockServer);

/// One runtime and one server answering with `responder`, made once in
/// `cell` and shared by every case.
fn harness_with(
    cell: &'static OnceLock<Harness>,
    responder: impl Respond + 'static,
) -> &'static Harness {
    cell.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(method(upheal_provider_users::generated::OPERATION_METHOD))
                .respond_with(responder)
                .mount(&server)
                .await;
            server
        });
        (runtime, server)
    })
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    harness_with(&HARNESS, EchoUser)
}

/// The path the server saw for `id`. Calls take turns, so the last request
/// the server recorded is this call's.
fn sent_path(id: &ProviderUserId) -> String {
    static TURN: Mutex<()> = Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (runtime, server) = harness();
    runtime.block_on(async {
        let client = client_for(server);
        client
            .update_provider_user(id, &ProviderUserUpdate::new())
            .await
            .expect("the echoing server confirms the id");
        let requests = server.received_requests().await.unwrap();
        requests.last().unwrap().url.path().to_owned()
    })
}

/// The reference NPI rule, written apart from the crate's: 10 digits, Luhn
/// over `80840` and the first nine.
fn npi_is_valid(text: &str) -> bool {
    if text.len() != 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = format!("80840{}", &text[..9])
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10 == u32::from(text.as_bytes()[9] - b'0')
}

/// `uuid` written in one of the forms the uuid crate reads, or as a URN
/// with its prefix in capitals too (RFC 9562 makes it case-insensitive).
fn uuid_text(uuid: Uuid, form: u8, upper: bool) -> String {
    let case = |text: String| if upper { text.to_uppercase() } else { text };
    match form % 5 {
        0 => case(uuid.hyphenated().to_string()),
        1 => case(uuid.simple().to_string()),
        2 => case(uuid.braced().to_string()),
        3 => format!("urn:uuid:{}", case(uuid.hyphenated().to_string())),
        _ => case(uuid.urn().to_string()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn partner_ids_are_refused_or_round_trip_as_one_segment(id in "\\PC{0,40}|[./\\\\?#% a-z]{0,6}") {
        match ProviderUserId::partner(id.as_str()) {
            Err(error) => {
                prop_assert_eq!(error.kind(), ErrorKind::InvalidInput);
                prop_assert_eq!(error.field(), Some("providerUserId"));
            }
            Ok(parsed) => {
                prop_assert_eq!(parsed.to_string(), id.clone());
                // The fragment's path with exactly one segment in place of
                // its parameter, which decodes back to the id.
                let path = sent_path(&parsed);
                let template = upheal_provider_users::generated::operation_path("\u{0}");
                let (before, after) = template.split_once('\u{0}').unwrap();
                let segment = path
                    .strip_prefix(before)
                    .and_then(|rest| rest.strip_suffix(after))
                    .unwrap_or_else(|| panic!("{path} is not the operation's path"));
                prop_assert!(!segment.contains('/'), "{}", path);
                prop_assert_eq!(percent_decode_str(segment).decode_utf8().unwrap(), id);
            }
        }
    }

    #[test]
    fn any_uuid_form_parses_as_upheal_and_is_sent_canonical(bytes in any::<[u8; 16]>(), form in 0u8..4, upper in any::<bool>()) {
        let uuid = Uuid::from_bytes(bytes);
        let text = uuid_text(uuid, form, upper);
        let id: ProviderUserId = text.parse().unwrap();
        prop_assert_eq!(id.as_upheal(), Some(uuid));
        prop_assert_eq!(sent_path(&id), upheal_provider_users::generated::operation_path(uuid.hyphenated()));
    }

    #[test]
    fn parsing_any_text_as_an_id_never_panics_and_keeps_the_text(text in "\\PC{0,80}") {
        match text.parse::<ProviderUserId>() {
            Ok(id) => match id.as_upheal() {
                Some(uuid) => prop_assert_eq!(Uuid::try_parse(&text).ok(), Some(uuid)),
                None => prop_assert_eq!(id.as_partner(), Some(text.as_str())),
            },
            Err(error) => prop_assert_eq!(error.kind(), ErrorKind::InvalidInput),
        }
    }

    #[test]
    fn ids_survive_serde(text in "[a-zA-Z0-9_-]{1,30}") {
        let id: ProviderUserId = text.parse().unwrap();
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(serde_json::from_str::<ProviderUserId>(&json).unwrap(), id);
    }

    #[test]
    fn npi_accepts_exactly_the_valid_ones(text in "[0-9]{10}|[0-9 a]{0,12}") {
        // Surrounding whitespace is trimmed (guide::assumptions), nothing else.
        let parsed = Npi::new(&text);
        prop_assert_eq!(parsed.is_ok(), npi_is_valid(text.trim()), "{}", text);
        if let Ok(npi) = parsed {
            prop_assert_eq!(npi.as_str(), text.trim());
        }
    }

    #[test]
    fn note_identifiers_parse_in_any_case(index in 0usize..16, flips in any::<u64>()) {
        let known = &NoteIdentifier::ALL[index];
        let cased: String = known
            .as_str()
            .chars()
            .enumerate()
            .map(|(i, c)| if flips >> (i % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        prop_assert_eq!(&cased.parse::<NoteIdentifier>().unwrap(), known);
    }

    #[test]
    fn unknown_note_identifiers_are_refused_naming_the_valid_values(text in "\\PC{0,20}") {
        match text.parse::<NoteIdentifier>() {
            Ok(value) => prop_assert!(value.is_known()),
            Err(error) => {
                prop_assert_eq!(error.field(), Some("noteIdentifier"));
                prop_assert!(error.message().contains("Valid values: Therapist"));
            }
        }
    }
}

/// The ways a server or proxy plausibly writes a text it echoes, written
/// apart from the crate's redactor; the server composes two of them.
pub(crate) const ENCODINGS: [fn(&str) -> String; 16] = [
    |text| text.to_owned(),
    |text| {
        let json = serde_json::to_string(text).unwrap();
        json[1..json.len() - 1].to_owned()
    },
    |text| serde_json::to_string(text).unwrap().replace('/', "\\/"),
    |text| text.replace('+', "\\u002B").replace('/', "\\u002F"),
    |text| {
        percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
    },
    str::to_uppercase,
    |text| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("Authorization: Bearer {text}"))
    },
    |text| {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!(
            "POST / HTTP/1.1\r\nAuthorization: Bearer {text}\r\n"
        ));
        let lines: Vec<String> = encoded
            .as_bytes()
            .chunks(76)
            .map(|line| String::from_utf8(line.to_vec()).unwrap())
            .collect();
        lines.join("\\r\\n")
    },
    |text| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Bearer {text}"))
    },
    |text| {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_string()
                } else {
                    format!("&#{};", c as u32)
                }
            })
            .collect()
    },
    |text| {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_string()
                } else {
                    format!("&#x{:X};", c as u32)
                }
            })
            .collect()
    },
    |text| text.bytes().map(|b| format!("{b:02x}")).collect(),
    |text| {
        text.bytes()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    },
    |text| {
        text.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .map(|b| format!("{b:02x}"))
            .collect()
    },
    |text| {
        let cut = text.len() / 2;
        let cut = (0..=cut)
            .rev()
            .find(|at| text.is_char_boundary(*at))
            .unwrap_or(0);
        format!("{}=\r\n{}", &text[..cut], text[cut..].replace('=', "=3D"))
    },
    |text| text.replace('/', "\\/"),
];

/// The single forms of `key`, to look for in what the error shows.
fn echoed_forms(key: &str) -> Vec<String> {
    ENCODINGS.iter().map(|encode| encode(key)).collect()
}

/// Answers 401 with the request's key echoed in the two encodings the
/// partner id names (`form-INNER-OUTER`), the way PHP, .NET, an HTML error
/// page, a gateway wrapping another body or a logging proxy writes it.
struct EchoKey;

impl Respond for EchoKey {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let key = crate::common::key_of(&request.headers);
        let segment = request.url.path().rsplit('/').next().unwrap_or_default();
        let mut forms = segment.trim_start_matches("form-").split('-');
        let mut form = || forms.next().unwrap().parse::<usize>().unwrap();
        let (inner, outer) = (form(), form());
        let echoed = &ENCODINGS[outer](&ENCODINGS[inner](key));
        ResponseTemplate::new(401).set_body_string(format!(
            r#"{{"message":"invalid key {echoed}","echo":{{"authorization":"{echoed}"}}}}"#
        ))
    }
}

fn echo_key_server() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    harness_with(&HARNESS, EchoKey)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the key holds (`/`, `+`, `=`, `"`, `\`) and however the
    /// server echoes it (two encodings composed), no form of it reaches
    /// what the error shows or keeps.
    #[test]
    fn an_encoded_echo_of_the_key_never_reaches_the_error(
        key in "[A-Za-z0-9/+=\"\\\\_-]{16,48}",
        inner in 0usize..16,
        outer in 0usize..16,
    ) {
        // Upper-casing base64 destroys it: no reader recovers the key from
        // that, and nothing writes it.
        prop_assume!(!(outer == 5 && (6..=8).contains(&inner)));
        let (runtime, server) = echo_key_server();
        let error = runtime.block_on(async {
            let client = upheal_provider_users::Client::builder()
                .api_key(&key)
                .base_url(server.uri())
                .retry_policy(upheal_provider_users::RetryPolicy::none())
                .build()
                .unwrap();
            let id = ProviderUserId::partner(format!("form-{inner}-{outer}")).unwrap();
            client.update_provider_user(&id, &ProviderUserUpdate::new()).await.unwrap_err()
        });
        let mut shown = vec![
            error.to_string(),
            format!("{error:?}"),
            error.body().unwrap_or_default().to_owned(),
            error.api_message().unwrap_or_default().to_owned(),
        ];
        let mut source = std::error::Error::source(&error);
        while let Some(e) = source {
            shown.push(e.to_string());
            source = e.source();
        }
        let composed = ENCODINGS[outer](&ENCODINGS[inner](&key));
        for text in &shown {
            prop_assert!(!text.contains(&composed), "forms {}-{} of {:?} in {}", inner, outer, key, text);
            for echoed in echoed_forms(&key) {
                prop_assert!(!text.contains(&echoed), "forms {}-{} of {:?} in {}", inner, outer, key, text);
            }
            prop_assert!(!text.to_lowercase().contains(&key.to_lowercase()), "{}", text);
        }
    }
}
