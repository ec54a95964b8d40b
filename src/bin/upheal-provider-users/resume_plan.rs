//! Which rows a resumed run sends: matched on the provider and the content
//! of its update, never on row numbers, so an input edited, reordered or
//! extended since the first run is still applied exactly once.

use std::collections::{HashMap, HashSet};

use crate::{
    input_row::InputRow, results_file::ResultRecord, update_fingerprint::UpdateFingerprint,
};

/// Which rows to send, and how the input compares with the results file.
/// It holds what the results file says of each provider, never the rows:
/// [`ResumePlan::sends`] decides row by row while they are sent.
#[derive(Debug, Default)]
pub struct ResumePlan {
    /// The last record of each provider the results file names: whether it
    /// was applied, and the update it was for.
    last: HashMap<String, (bool, Option<UpdateFingerprint>)>,
    /// Recorded as applied with the same content: skipped.
    pub matched: usize,
    /// Applied before with other content (the row was edited): sent again.
    pub changed: usize,
    /// Never recorded as applied (new rows, earlier failures): sent.
    pub new: usize,
    /// Providers the results file records but the input no longer lists.
    pub gone: usize,
}

impl ResumePlan {
    /// Every row, for a run that resumes nothing.
    pub fn fresh(rows: usize) -> Self {
        Self {
            new: rows,
            ..Self::default()
        }
    }

    /// Skips a row only when the **last** record for its provider says this
    /// very update was applied: a later failure (which may have changed the
    /// provider, e.g. a timeout) or other content means it is sent again.
    /// `rows` are the input's rows, read once here to count.
    ///
    /// Refuses (with the message to show) a results file that names none of
    /// the input's providers: it belongs to another input.
    pub fn resume(
        rows: impl Iterator<Item = InputRow>,
        records: &[ResultRecord],
    ) -> Result<Self, String> {
        let mut plan = Self::default();
        for record in records {
            let outcome = (record.is_applied(), record.fingerprint.clone());
            plan.last.insert(record.id.clone(), outcome);
        }
        let mut named: HashSet<String> = HashSet::new();
        for row in rows {
            let id = row.id.to_string();
            match plan.last.get(&id) {
                Some((true, fingerprint)) if fingerprint.as_ref() == Some(&row.fingerprint) => {
                    plan.matched += 1;
                }
                Some((true, _)) => plan.changed += 1,
                _ => plan.new += 1,
            }
            if plan.last.contains_key(&id) {
                named.insert(id);
            }
        }
        if !plan.last.is_empty() && named.is_empty() {
            return Err(format!(
                "the results file records {} provider(s), none of them in this input: it \
                 belongs to another input; pass --results NEW_FILE to start afresh",
                plan.last.len()
            ));
        }
        plan.gone = plan.last.len() - named.len();
        Ok(plan)
    }

    /// Whether `row` is sent in this run.
    pub fn sends(&self, row: &InputRow) -> bool {
        !matches!(
            self.last.get(&row.id.to_string()),
            Some((true, fingerprint)) if fingerprint.as_ref() == Some(&row.fingerprint)
        )
    }

    /// How many rows this run sends.
    pub fn to_send(&self) -> usize {
        self.changed + self.new
    }

    /// One line for the user before anything is sent.
    pub fn describe(&self) -> String {
        format!(
            "resume: {} row(s) already applied with the same content (skipped), {} changed \
             since (sent again), {} not yet applied (sent); {} recorded provider(s) no longer \
             in the input (left alone)",
            self.matched, self.changed, self.new, self.gone
        )
    }
}
