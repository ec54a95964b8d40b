//! Which rows a resumed run sends: matched on the provider and the content
//! of its update, never on row numbers, so an input edited, reordered or
//! extended since the first run is still applied exactly once.

use std::collections::{HashMap, HashSet};

use crate::{input_row::InputRow, results_file::ResultRecord};

/// The rows to send, and how the input compares with the results file.
#[derive(Debug, Default)]
pub struct ResumePlan {
    pub pending: Vec<InputRow>,
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
    pub fn fresh(rows: Vec<InputRow>) -> Self {
        Self {
            new: rows.len(),
            pending: rows,
            ..Self::default()
        }
    }

    /// Skips a row only when the **last** record for its provider says this
    /// very update was applied: a later failure (which may have changed the
    /// provider, e.g. a timeout) or other content means it is sent again.
    ///
    /// Refuses (with the message to show) a results file that names none of
    /// the input's providers: it belongs to another input.
    pub fn resume(rows: Vec<InputRow>, records: &[ResultRecord]) -> Result<Self, String> {
        let mut last = HashMap::new();
        for record in records {
            last.insert(record.id.as_str(), record);
        }
        let input_ids: HashSet<String> = rows.iter().map(|row| row.id.to_string()).collect();
        if !last.is_empty() && !last.keys().any(|id| input_ids.contains(*id)) {
            return Err(format!(
                "the results file records {} provider(s), none of them in this input: it \
                 belongs to another input; pass --results NEW_FILE to start afresh",
                last.len()
            ));
        }
        let mut plan = Self {
            gone: last.keys().filter(|id| !input_ids.contains(**id)).count(),
            ..Self::default()
        };
        for row in rows {
            match last.get(row.id.to_string().as_str()) {
                Some(record)
                    if record.is_applied()
                        && record.fingerprint.as_ref() == Some(&row.fingerprint) =>
                {
                    plan.matched += 1;
                }
                Some(record) if record.is_applied() => {
                    plan.changed += 1;
                    plan.pending.push(row);
                }
                _ => {
                    plan.new += 1;
                    plan.pending.push(row);
                }
            }
        }
        Ok(plan)
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
