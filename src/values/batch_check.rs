//! A whole batch checked before anything is sent, from the text the
//! records arrive as (a database row, a form, a file): every problem of
//! every item, each naming the item, the field and the rule, and ids that
//! appear twice. What the CLI's `validate` does per row, as a library call.

use std::collections::HashMap;

use crate::{
    errors::Error,
    values::{
        NoteIdentifier, Npi, ProviderUserId, ProviderUserUpdate,
        request_property::{
            HAND_WRITTEN_PROPERTIES, NOTE_IDENTIFIER, NPI, TEMPLATE_IDS, THERAPY_LICENCE,
        },
    },
};

/// A field's value as text: one string, or a list (`defaultNoteTemplateIds`
/// and list-shaped generated properties).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldValue {
    /// A single value.
    Text(String),
    /// A list of values (`[]` clears the list).
    List(Vec<String>),
}

impl From<&str> for FieldValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for FieldValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl<S: Into<String>> From<Vec<S>> for FieldValue {
    fn from(items: Vec<S>) -> Self {
        Self::List(items.into_iter().map(Into::into).collect())
    }
}

/// One problem of a batch: the item's index (from 0) and the error, whose
/// [`Error::field`] names the field.
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchProblem {
    /// The item's position in the batch, from 0.
    pub index: usize,
    /// What is wrong, with the field and the rule.
    pub error: Error,
}

impl ProviderUserUpdate {
    /// An update read from its fields as text, by their wire names, with
    /// every problem rather than the first: the NPI checked as
    /// [`Npi::new`] does, the note identifier read as
    /// [`NoteIdentifier`]'s `FromStr` does, the rules of
    /// [`Self::problems`], and a field no request property has named (with
    /// the valid names).
    ///
    /// ```
    /// use upheal_provider_users::{FieldValue, ProviderUserUpdate};
    ///
    /// let update = ProviderUserUpdate::from_fields([
    ///     ("nationalProviderIdentifier", FieldValue::from("1234567893")),
    ///     ("noteIdentifier", "dr last name".into()),
    ///     ("defaultNoteTemplateIds", vec!["tpl-1", "tpl-2"].into()),
    /// ])
    /// .unwrap();
    /// assert_eq!(update.get_default_note_template_ids().unwrap().len(), 2);
    ///
    /// let problems = ProviderUserUpdate::from_fields([
    ///     ("nationalProviderIdentifier", FieldValue::from("12345")),
    ///     ("therapyLicense", "L-1".into()),
    /// ])
    /// .unwrap_err();
    /// let fields: Vec<_> = problems.iter().filter_map(|e| e.field()).collect();
    /// assert_eq!(fields, ["nationalProviderIdentifier", "therapyLicense"]);
    /// ```
    pub fn from_fields<I, K, V>(fields: I) -> Result<Self, Vec<Error>>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<FieldValue>,
    {
        let mut update = Self::new();
        let mut problems = Vec::new();
        for (name, value) in fields {
            match update.clone().with_field(name.as_ref(), value.into()) {
                Ok(with_field) => update = with_field,
                Err(problem) => problems.push(problem),
            }
        }
        problems.extend(update.problems());
        if problems.is_empty() {
            Ok(update)
        } else {
            Err(problems)
        }
    }

    fn with_field(self, name: &str, value: FieldValue) -> Result<Self, Error> {
        match (name, value) {
            (NPI, FieldValue::Text(text)) => {
                Ok(self.national_provider_identifier(Npi::new(&text)?))
            }
            (THERAPY_LICENCE, FieldValue::Text(text)) => Ok(self.therapy_licence(text)),
            (NOTE_IDENTIFIER, FieldValue::Text(text)) => {
                Ok(self.note_identifier(text.parse::<NoteIdentifier>()?))
            }
            (TEMPLATE_IDS, FieldValue::List(ids)) => Ok(self.default_note_template_ids(ids)),
            (hand_written, _) if HAND_WRITTEN_PROPERTIES.contains(&hand_written) => {
                let wanted = if hand_written == TEMPLATE_IDS {
                    "a list"
                } else {
                    "a single text"
                };
                Err(Error::invalid_input(
                    hand_written.to_owned(),
                    format!("takes {wanted}"),
                ))
            }
            (generated, FieldValue::Text(text)) => self.with_generated_text(generated, text),
            (generated, FieldValue::List(items)) => self.with_generated_list(generated, items),
        }
    }
}

/// Checks a batch of updates already built, before
/// [`Client::update_many`](crate::Client::update_many): every problem of
/// every item ([`ProviderUserUpdate::problems`]) with its index, and ids
/// that appear again. Empty when every item may be sent.
///
/// ```
/// use upheal_provider_users::{ProviderUserId, ProviderUserUpdate, check_updates};
///
/// let ada = ProviderUserId::partner("ext-1")?;
/// let items = [
///     (ada.clone(), ProviderUserUpdate::new().therapy_licence("LPC-1")),
///     (ada, ProviderUserUpdate::new().therapy_licence(" ")),
/// ];
/// let problems = check_updates(items.iter().map(|(id, update)| (id, update)));
/// assert_eq!(problems.len(), 2); // item 1: repeated id, blank licence
/// assert!(problems.iter().all(|p| p.index == 1));
/// # Ok::<(), upheal_provider_users::Error>(())
/// ```
pub fn check_updates<'a, I>(items: I) -> Vec<BatchProblem>
where
    I: IntoIterator<Item = (&'a ProviderUserId, &'a ProviderUserUpdate)>,
{
    let mut problems = Vec::new();
    let mut first_seen: HashMap<&ProviderUserId, usize> = HashMap::new();
    for (index, (id, update)) in items.into_iter().enumerate() {
        if let Some(first) = first_seen.get(id) {
            problems.push(BatchProblem {
                index,
                error: repeated(id, *first),
            });
        } else {
            first_seen.insert(id, index);
        }
        let errors = update.problems().into_iter();
        problems.extend(errors.map(|error| BatchProblem { index, error }));
    }
    problems
}

/// The problem of an id seen before in the batch.
fn repeated(id: &ProviderUserId, first: usize) -> Error {
    Error::invalid_input(
        "providerUserId",
        format!("`{id}` appears again (first at item {first}); one update per user per batch"),
    )
}

/// Checks every item of a batch before anything is sent: each item is an
/// id as text (an Upheal UUID in any form, else a partner id, as
/// [`ProviderUserId`]'s `FromStr` reads it) and its fields as text (see
/// [`ProviderUserUpdate::from_fields`]). An id that appears again is a
/// problem of the later item (two updates of one user in one batch race).
/// Returns every item ready to send, or every problem.
///
/// ```
/// use upheal_provider_users::{FieldValue, check_batch};
///
/// let batch = vec![
///     ("ext-1", vec![("therapyLicence", FieldValue::from("LPC-1"))]),
///     ("ext-2", vec![("noteIdentifier", FieldValue::from("Councelor"))]),
///     ("ext-1", vec![("therapyLicence", FieldValue::from("LPC-2"))]),
/// ];
/// let problems = check_batch(batch).unwrap_err();
/// let found: Vec<_> = problems.iter().map(|p| (p.index, p.error.field().unwrap())).collect();
/// assert_eq!(found, [(1, "noteIdentifier"), (2, "providerUserId")]);
/// assert!(problems[0].error.to_string().contains("did you mean `Counselor`"));
/// ```
pub fn check_batch<I, Id, F, K, V>(
    items: I,
) -> Result<Vec<(ProviderUserId, ProviderUserUpdate)>, Vec<BatchProblem>>
where
    I: IntoIterator<Item = (Id, F)>,
    Id: AsRef<str>,
    F: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: Into<FieldValue>,
{
    let mut ready = Vec::new();
    let mut problems = Vec::new();
    let mut first_seen: HashMap<ProviderUserId, usize> = HashMap::new();
    for (index, (id, fields)) in items.into_iter().enumerate() {
        let id = id.as_ref().parse::<ProviderUserId>();
        let update = ProviderUserUpdate::from_fields(fields);
        if let Ok(id) = &id
            && let Some(first) = first_seen.get(id)
        {
            let error = Error::invalid_input(
                "providerUserId",
                format!(
                    "`{id}` appears again (first at item {first}); one update per user per batch"
                ),
            );
            problems.push(BatchProblem { index, error });
            continue;
        }
        match (id, update) {
            (Ok(id), Ok(update)) => {
                first_seen.insert(id.clone(), index);
                ready.push((id, update));
            }
            (id, update) => {
                if let Ok(id) = &id {
                    first_seen.insert(id.clone(), index);
                }
                let errors = id
                    .err()
                    .into_iter()
                    .chain(update.err().into_iter().flatten());
                problems.extend(errors.map(|error| BatchProblem { index, error }));
            }
        }
    }
    if problems.is_empty() {
        Ok(ready)
    } else {
        Err(problems)
    }
}
