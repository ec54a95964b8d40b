//! Input files as spreadsheets really export them, read by the real binary:
//! every line number is the one an editor shows.
#![cfg(feature = "cli")]

use crate::cli_support;

use cli_support::*;
use upheal_provider_users::fake::{FakeUpheal, SeedUser};

/// The line an editor shows `needle` on: independent of the CSV reader.
/// `validate FILE` exits 2 and its stderr says `hint`.
async fn validate_refuses(file: &std::path::Path, hint: &str) {
    let output = run(args(&["validate", file.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2), "{}", file.display());
    assert!(
        text(&output.stderr).contains(hint),
        "{}",
        text(&output.stderr)
    );
}

fn editor_line(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} is in the fixture"));
    text[..at].matches('\n').count() + 1
}

/// Excel on Windows: UTF-8 BOM, CRLF, an extra "comments" column whose
/// quoted cells span lines, blank lines and a row of empty cells.
const EXCEL_EXPORT: &str = "\u{feff}providerUserId,partnerUserId,nationalProviderIdentifier,\
therapyLicence,noteIdentifier,defaultNoteTemplateIds,comments\r\n\
,ext-1,1234567893,LPC-1,Clinician,tpl-1;tpl-2,\"called on Monday,\r\nsays yes\r\n\"\"ok\"\"\"\r\n\
\r\n\
,ext-2,1234567890,,,,\r\n\
,,,,,,\r\n\
,ext-3,,,Councelor,,\"two\r\nlines\"\r\n\
,ext-4,,LPC-4,,,\r\n\
\r\n\
,ext-1,,LPC-9,,,duplicate of the first\r\n";

#[tokio::test]
async fn validate_reports_the_lines_an_editor_shows_for_an_excel_export() {
    let dir = Workdir::new("excel-validate");
    let csv = dir.file("providers.csv", EXCEL_EXPORT);
    let output = run(args(&["validate", csv.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    let npi_line = editor_line(EXCEL_EXPORT, "ext-2");
    let note_line = editor_line(EXCEL_EXPORT, "ext-3");
    let duplicate_line = editor_line(EXCEL_EXPORT, ",ext-1,,LPC-9");
    let blank_row_line = editor_line(EXCEL_EXPORT, ",,,,,,");
    for expected in [
        format!(
            "line {npi_line}: nationalProviderIdentifier: `1234567890` fails the NPI check digit"
        ),
        format!("line {note_line}: noteIdentifier: `Councelor` is not a note identifier"),
        format!("line {duplicate_line}: providerUserId: `ext-1` is a provider already on line 2"),
        format!("note: line {blank_row_line}: row: every cell is empty; row skipped"),
        "note: line 1: header: unknown column `comments` is ignored".to_owned(),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(
        text(&output.stdout).contains("3 problem(s) (on stderr)"),
        "{}",
        text(&output.stdout)
    );
    // The fixture's own arithmetic: CRLF, blank lines and the multi-line
    // cell all moved these rows, so an off-by-one cannot pass.
    assert_eq!((npi_line, note_line, duplicate_line), (6, 8, 12));
}

#[tokio::test]
async fn apply_output_and_results_name_editor_lines() {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    for id in ["ext-1", "ext-4"] {
        fake.seed(SeedUser::new("P", "Q", "p@example.com").partner_user_id(id));
    }
    let fixed = EXCEL_EXPORT
        .replace("1234567890", "1234567893")
        .replace("Councelor", "Counselor")
        .replace(",ext-1,,LPC-9,,,duplicate of the first", ",ext-5,,LPC-5,,,");
    let dir = Workdir::new("excel-apply");
    let csv = dir.file("providers.csv", &fixed);
    let results_path = dir.path("results.jsonl");
    let output = run(apply_args(&csv, &results_path, "4", &fake)).await;
    // ext-2, ext-3 and ext-5 do not exist on the server.
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    for missing in ["ext-2", "ext-3", "ext-5"] {
        let line = editor_line(&fixed, missing);
        assert!(
            stderr.contains(&format!("line {line} ({missing}): ")),
            "{missing} on line {line}:\n{stderr}"
        );
    }
    let records = results(&results_path);
    assert_eq!(records.len(), 5);
    for record in &records {
        let id = record["id"].as_str().unwrap();
        assert_eq!(
            record["row"].as_u64().unwrap() as usize,
            editor_line(&fixed, &format!(",{id},")),
            "{record}"
        );
    }
    assert!(
        text(&output.stdout).contains("applied 2, failed 3"),
        "{}",
        text(&output.stdout)
    );
}

#[tokio::test]
async fn json_lines_with_bom_and_crlf_keep_their_line_numbers() {
    let dir = Workdir::new("jsonl-crlf");
    let jsonl = "\u{feff}{\"partnerUserId\": \"ext-1\", \"therapyLicence\": \"L\"}\r\n\r\n{\"partnerUserId\": \"ext-2\", \
                 \"noteIdentifier\": \"Councelor\"}\r\n{}\r\n";
    let file = dir.file("rows.jsonl", jsonl);
    let output = run(args(&["validate", file.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("line 3: noteIdentifier: `Councelor`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("note: line 4: row: every cell is empty; row skipped"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("line 1:"),
        "the BOM is not a problem: {stderr}"
    );
}

#[tokio::test]
async fn the_provider_user_id_column_takes_upheal_uuids_in_any_form_only() {
    let uuid = "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
    let dir = Workdir::new("uuid-forms");
    let bad = dir.file(
        "bad.csv",
        &format!("{HEADER}\nnot-a-uuid-at-all,,,LPC-1,,\n"),
    );
    let output = run(args(&["validate", bad.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(
            "line 2: providerUserId: `not-a-uuid-at-all` is not an Upheal UUID; if it is your own id \
             for the provider, put it in the partnerUserId column"
        ),
        "{stderr}"
    );

    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let forms = [
        uuid.to_uppercase(),
        uuid.replace('-', ""),
        format!("{{{uuid}}}"),
        format!("urn:uuid:{uuid}"),
        format!("URN:UUID:{}", uuid.to_uppercase()),
    ];
    for (n, form) in forms.iter().enumerate() {
        fake.seed(SeedUser::new("P", "Q", "p@example.com").user_id(uuid.parse().unwrap()));
        let csv = dir.file(
            &format!("form-{n}.csv"),
            &format!("{HEADER}\n{form},,,LPC-{n},,\n"),
        );
        let results_path = dir.path(&format!("form-{n}.results.jsonl"));
        let output = run(apply_args(&csv, &results_path, "1", &fake)).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{form}: {}",
            text(&output.stderr)
        );
        assert_eq!(results(&results_path)[0]["id"], uuid, "{form}");
    }
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        vec![upheal_provider_users::generated::operation_path(uuid); forms.len()]
    );

    // The same provider written in two forms is one provider twice.
    let twice = dir.file(
        "twice.csv",
        &format!(
            "{HEADER}\n{uuid},,,,Coach,\n{},,,,Coach,\n",
            uuid.to_uppercase()
        ),
    );
    let output = run(args(&["validate", twice.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains(&format!(
            "line 3: providerUserId: `{}` is a provider already on line 2",
            uuid.to_uppercase()
        )),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test]
async fn every_problem_is_found_in_one_pass() {
    let dir = Workdir::new("one-pass");
    let csv = dir.file(
        "rows.csv",
        "providerUserId,partnerUserId,therapyLicense,noteIdentifier\n\
         ,ext-1,LPC-1,Coach\n\
         ,ext-2\n\
         ,ext-3,LPC-3,Coach,surplus\n\
         ,ext-4,,\u{1b}[2JCoach\n\
         ,ext-5,,Author\n",
    );
    let output = run(args(&["validate", csv.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    for expected in [
        "line 1: header: column `therapyLicense` looks like `therapyLicence` misspelt",
        "line 3: row: has 2 cells but the header has 4: a cell is missing",
        "line 4: row: has 5 cells but the header has 4: a value holding `,` needs double quotes",
        "line 5: noteIdentifier: `\\u{1b}[2JCoach` is not a note identifier",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(
        text(&output.stdout).contains("4 problem(s) (on stderr); nothing was sent"),
        "{}",
        text(&output.stdout)
    );
    assert!(!stderr.contains('\u{1b}'), "control characters are escaped");

    let semicolons = dir.file(
        "semicolons.csv",
        "partnerUserId;therapyLicence\r\next-1;LPC-1\r\n",
    );
    validate_refuses(&semicolons, "this file looks separated by `;`").await;

    let tabs = dir.file(
        "tabs.txt",
        "partnerUserId\ttherapyLicence\r\next-1\tLPC-1\r\n",
    );
    validate_refuses(&tabs, "this file looks separated by tabs").await;

    // Excel's "Unicode Text": UTF-16 little-endian with a byte-order mark.
    let utf16: Vec<u8> = "\u{feff}partnerUserId\ttherapyLicence\r\next-1\tLPC-1\r\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    validate_refuses(&dir.bytes("unicode.txt", &utf16), "is UTF-16 text").await;

    let latin1 = dir.bytes("latin1.csv", b"partnerUserId,therapyLicence\nJos\xe9,LPC\n");
    validate_refuses(&latin1, "is not UTF-8 text").await;
}

/// Operations staff's Excel export with a header one letter off: the
/// column's data would be dropped, so `validate` and `apply` refuse the
/// file (exit 2, nothing sent) and name the column meant. A column unlike
/// any field stays a note, and the summary on stdout says there is one.
/// Before: "7 rows, all valid", exit 0, every row sent without a licence.
#[tokio::test]
async fn a_misspelt_column_blocks_the_run_and_a_stranger_is_a_note_beside_the_summary() {
    let fake = fake_with_partner_ids(&["ext-1"]).await;
    let dir = Workdir::new("misspelt-column");
    for header in [
        "therapyLicense",
        "Therapy Licence",
        "therapy_licence",
        "THERAPYLICENCE",
    ] {
        let csv = dir.file(
            "rows.csv",
            &format!("partnerUserId,{header}\r\next-1,LPC-1\r\n"),
        );
        validate_refuses(&csv, "looks like `therapyLicence` misspelt").await;
        let results = dir.path("results.jsonl");
        let output = run(apply_args(&csv, &results, "1", &fake)).await;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{header}: {}",
            text(&output.stderr)
        );
        assert_eq!(fake.counters().requests, 0, "{header}: nothing was sent");
    }

    let csv = dir.file(
        "rows.csv",
        "partnerUserId,therapyLicence,comments\r\next-1,LPC-1,hi\r\n",
    );
    let output = run(args(&["validate", csv.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("note: line 1: header: unknown column `comments`"));
    assert!(
        text(&output.stdout).contains("1 rows, all valid, 1 note (on stderr)"),
        "{}",
        text(&output.stdout)
    );
}

/// A JSON Lines object naming a field twice is refused, as a CSV header
/// naming a column twice is: serde_json alone keeps the last value without
/// a word (before: `"partnerUserId":"ext-1","partnerUserId":"ext-2"`
/// updated ext-2; a second `therapyLicence` of null dropped the licence).
#[tokio::test]
async fn a_json_lines_object_with_a_field_twice_is_refused() {
    let dir = Workdir::new("json-duplicate-keys");
    for line in [
        r#"{"partnerUserId":"ext-1","partnerUserId":"ext-2"}"#,
        r#"{"partnerUserId":"ext-1","therapyLicence":"A","therapyLicence":null}"#,
    ] {
        let jsonl = dir.file("rows.jsonl", &format!("{line}\n"));
        validate_refuses(&jsonl, "line 1: row: field `").await;
        validate_refuses(&jsonl, "` appears twice in this object").await;
    }
    let misspelt = dir.file(
        "rows.jsonl",
        "{\"partnerUserId\":\"ext-1\",\"therapyLicense\":\"A\"}\n",
    );
    validate_refuses(&misspelt, "looks like `therapyLicence` misspelt").await;
}

/// A results file that is the input under another name (a hard link) is
/// refused before anything is sent, and the input is left as it was.
#[cfg(unix)]
#[tokio::test]
async fn a_results_file_hard_linked_to_the_input_is_refused() {
    let fake = fake_with_partner_ids(&["ext-1"]).await;
    let dir = Workdir::new("hard-link");
    let input_text = "partnerUserId,therapyLicence\next-1,LPC-1\n";
    let csv = dir.file("rows.csv", input_text);
    let link = dir.path("results.jsonl");
    std::fs::hard_link(&csv, &link).unwrap();
    let output = run(apply_args(&csv, &link, "1", &fake)).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("is the input file"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), input_text);
    assert_eq!(fake.counters().requests, 0);
}

/// A 10 MB cell is quoted by its start and length, never whole; a NUL in a
/// partner id is reported under the column it was typed in.
#[tokio::test]
async fn huge_cells_are_quoted_short_and_problems_name_their_column() {
    let dir = Workdir::new("huge-cell");
    let huge = "N".repeat(10_000_000);
    let csv = dir.file(
        "rows.csv",
        &format!("partnerUserId,noteIdentifier\next-1,{huge}\next-\u{0}2,Coach\n"),
    );
    let output = run(args(&["validate", csv.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.len() < 2_000, "{} bytes of messages", stderr.len());
    assert!(stderr.contains("(10000000 characters)"), "{stderr}");
    assert!(
        stderr.contains("line 3: partnerUserId: must not contain control characters"),
        "{stderr}"
    );
}

/// Columns named as people name them mean their field: `NPI`, `license`,
/// `partnerId`, `templateIds`, … are problems naming the field meant (their
/// values would be dropped), in CSV headers and JSON Lines fields alike,
/// in any case. A name holding a field's whole name among other words, or
/// another word two letters away, is only a note. Before: `NPI` was a note
/// and `apply` sent empty updates reported as applied; `oldPartnerUserId`
/// was refused as a misspelling.
#[tokio::test]
async fn columns_named_as_people_name_them_are_read_as_meant_or_noted() {
    let fake = fake_with_partner_ids(&["ext-1"]).await;
    let dir = Workdir::new("column-synonyms");
    for (header, meant) in [
        ("NPI", "nationalProviderIdentifier"),
        ("npi", "nationalProviderIdentifier"),
        ("nationalProviderId", "nationalProviderIdentifier"),
        ("licence", "therapyLicence"),
        ("LICENSE", "therapyLicence"),
        ("partnerId", "partnerUserId"),
        ("templateIds", "defaultNoteTemplateIds"),
        ("noteTemplateIds", "defaultNoteTemplateIds"),
    ] {
        let hint = format!("is a common name for `{meant}`");
        let csv = dir.file(
            "rows.csv",
            &format!("partnerUserId,{header}\r\next-1,x\r\n"),
        );
        validate_refuses(&csv, &hint).await;
        let jsonl = dir.file(
            "rows.jsonl",
            &format!("{{\"partnerUserId\":\"ext-1\",\"{header}\":\"x\"}}\n"),
        );
        validate_refuses(&jsonl, &hint).await;
        let output = run(apply_args(&csv, &dir.path("results.jsonl"), "1", &fake)).await;
        assert_eq!(output.status.code(), Some(2), "{header}");
    }
    assert_eq!(fake.counters().requests, 0, "nothing was sent");

    for header in [
        "oldPartnerUserId",
        "partnerUserIdOld",
        "therapyLicenceNo",
        "parentUserId",
    ] {
        let csv = dir.file(
            "rows.csv",
            &format!("partnerUserId,therapyLicence,{header}\r\next-1,LPC-1,x\r\n"),
        );
        let output = run(args(&["validate", csv.to_str().unwrap()])).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{header}: {}",
            text(&output.stderr)
        );
        assert!(
            text(&output.stderr).contains(&format!("`{header}`")),
            "{header}"
        );
        assert!(
            text(&output.stdout).contains("1 note (on stderr)"),
            "{header}"
        );
    }
}

/// A row that names a provider and sets nothing is a problem: it would be
/// an empty update reported as applied.
#[tokio::test]
async fn a_row_that_sets_no_field_is_a_problem() {
    let fake = fake_with_partner_ids(&["ext-1", "ext-2"]).await;
    let dir = Workdir::new("empty-row");
    let csv = dir.file(
        "rows.csv",
        "partnerUserId,therapyLicence\next-1,LPC-1\next-2,\n",
    );
    validate_refuses(
        &csv,
        "line 3: row: the row names a provider but sets no field",
    )
    .await;
    let output = run(apply_args(&csv, &dir.path("results.jsonl"), "1", &fake)).await;
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(fake.counters().requests, 0);
}

/// `validate`'s summary is on stdout whether the file is valid or not (the
/// problems themselves on stderr), as `guide::cli` says.
#[tokio::test]
async fn validate_puts_its_summary_on_stdout() {
    let dir = Workdir::new("validate-stdout");
    let csv = dir.file(
        "rows.csv",
        "partnerUserId,nationalProviderIdentifier\next-1,123\n",
    );
    let output = run(args(&["validate", csv.to_str().unwrap()])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stdout).contains("1 problem(s) (on stderr); nothing was sent"),
        "{}",
        text(&output.stdout)
    );
    assert!(
        text(&output.stderr).contains("nationalProviderIdentifier"),
        "{}",
        text(&output.stderr)
    );
}

/// Text that reads differently on a screen than it is stored (the Trojan
/// Source class: bidirectional overrides, zero-width characters) is
/// refused, naming the character; nothing is sent.
#[tokio::test]
async fn hidden_characters_in_values_are_refused_and_named() {
    let fake = fake_with_partner_ids(&["ext-1"]).await;
    let dir = Workdir::new("hidden-characters");
    for (hidden, named) in [
        ('\u{202E}', "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ('\u{200B}', "U+200B ZERO WIDTH SPACE"),
        ('\u{2066}', "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ] {
        let csv = dir.file(
            "rows.csv",
            &format!("partnerUserId,therapyLicence\next-1,LPC{hidden}-1\n"),
        );
        validate_refuses(&csv, named).await;
        let output = run(apply_args(&csv, &dir.path("results.jsonl"), "1", &fake)).await;
        assert_eq!(output.status.code(), Some(2));
    }
    assert_eq!(fake.counters().requests, 0);
}
