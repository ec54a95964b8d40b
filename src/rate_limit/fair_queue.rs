//! First come, first served among the callers waiting for the budget.
//!
//! Callers wait in line; a dispatcher (see `dispatcher`) takes each slot
//! from the budget and *hands* it to the earliest ticket still waiting.
//! No caller drives the budget itself, so a caller whose future is not
//! polled (held by a `select!` busy elsewhere, polled once and parked)
//! cannot hold the others: the slot handed to it waits in its mailbox, and
//! the next slot goes to the next caller. A slot handed to a caller that
//! left before taking it goes to the next caller in line.
//!
//! Tickets are numbered in the order calls arrive. A call keeps its ticket
//! across its retries, so a retry goes ahead of calls that arrived after it
//! instead of joining the back of the line (in a bulk run, behind every row
//! still waiting for its first attempt).

use std::{
    collections::BTreeMap,
    sync::{
        Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
};

use tokio::{sync::oneshot, time::Instant};

/// A caller's place in line: lower tickets go first.
pub(crate) type Ticket = u64;

/// What a caller in line is handed.
#[derive(Debug)]
pub(super) enum Answer {
    /// A slot, taken from the budget for the moment `at`: send now.
    Slot(Slot),
    /// The next slot comes after this caller's deadline; nothing was taken.
    TooLate,
}

/// A slot the budget gave for the moment `at`. It must be used soon after:
/// a slot used long after its moment would count in a window the budget
/// did not give it to (see [`Slot::is_fresh`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    pub(super) at: Instant,
}

impl Slot {
    /// Whether a request sent now still counts where the budget put it:
    /// within `lateness` (the budget's interval) of its moment.
    pub(super) fn is_fresh(&self, lateness: std::time::Duration) -> bool {
        Instant::now() <= self.at + lateness
    }
}

#[derive(Debug)]
struct Waiting {
    deadline: Option<Instant>,
    mailbox: oneshot::Sender<Answer>,
}

#[derive(Debug, Default)]
struct Line {
    waiting: BTreeMap<Ticket, Waiting>,
    /// A slot handed to a caller that left before taking it: the next
    /// caller gets it (while it is fresh) before a new one is taken.
    spare: Option<Slot>,
    /// The earliest moment the dispatcher knows the next slot can come: a
    /// caller whose deadline is earlier is told at once.
    next_slot_not_before: Option<Instant>,
}

#[derive(Debug, Default)]
pub(super) struct FairQueue {
    next_ticket: AtomicU64,
    line: Mutex<Line>,
}

impl FairQueue {
    /// A ticket for a call arriving now.
    pub(super) fn ticket(&self) -> Ticket {
        self.next_ticket.fetch_add(1, Ordering::Relaxed)
    }

    /// Callers waiting in line (for tests and diagnostics).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().waiting.len()
    }

    fn lock(&self) -> MutexGuard<'_, Line> {
        // A panic elsewhere while holding the lock leaves a valid line.
        self.line.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Nobody waits and no spare slot is held: a caller may ask the budget
    /// itself without passing anyone.
    pub(super) fn is_idle(&self) -> bool {
        let line = self.lock();
        line.waiting.is_empty() && line.spare.is_none()
    }

    /// Whether anybody waits.
    pub(super) fn has_waiters(&self) -> bool {
        !self.lock().waiting.is_empty()
    }

    /// Joins the line with `ticket`, or `None` when the dispatcher already
    /// knows no slot comes before `deadline`. Leaving (by drop) gives back
    /// a slot handed to the caller and not yet taken.
    pub(super) fn join(&self, ticket: Ticket, deadline: Option<Instant>) -> Option<Place<'_>> {
        let mut line = self.lock();
        if let (Some(deadline), Some(next)) = (deadline, line.next_slot_not_before)
            && next > deadline
            && line.spare.is_none()
        {
            return None;
        }
        let (mailbox, answer) = oneshot::channel();
        line.waiting.insert(ticket, Waiting { deadline, mailbox });
        Some(Place {
            queue: self,
            ticket,
            answer,
        })
    }

    /// The dispatcher's word on when the next slot can come (`None`: it
    /// does not know).
    pub(super) fn set_next_slot_not_before(&self, at: Option<Instant>) {
        self.lock().next_slot_not_before = at;
    }

    /// Tells every caller whose deadline is before `at` that no slot comes
    /// in time; they leave the line having spent nothing.
    pub(super) fn turn_away_deadlines_before(&self, at: Instant) {
        let mut line = self.lock();
        let late: Vec<Ticket> = line
            .waiting
            .iter()
            .filter(|(_, waiting)| waiting.deadline.is_some_and(|deadline| deadline < at))
            .map(|(ticket, _)| *ticket)
            .collect();
        for ticket in late {
            if let Some(waiting) = line.waiting.remove(&ticket) {
                let _ = waiting.mailbox.send(Answer::TooLate);
            }
        }
    }

    /// Hands `slot` to the earliest caller still waiting; `Err` gives it
    /// back when nobody waits.
    pub(super) fn hand_out(&self, slot: Slot) -> Result<(), Slot> {
        let mut line = self.lock();
        while let Some((_, waiting)) = line.waiting.pop_first() {
            match waiting.mailbox.send(Answer::Slot(slot)) {
                Ok(()) => return Ok(()),
                // Left while the slot was on its way: the next one gets it.
                Err(_) => continue,
            }
        }
        Err(slot)
    }

    /// Keeps a slot nobody could take, for the next caller.
    pub(super) fn keep_spare(&self, slot: Slot) {
        self.lock().spare = Some(slot);
    }

    /// The spare slot, if one is kept and still `fresh`.
    pub(super) fn take_spare(&self, fresh: impl Fn(&Slot) -> bool) -> Option<Slot> {
        self.lock().spare.take().filter(fresh)
    }
}

/// A caller in line. Dropping it, whatever the reason, takes it out of the
/// line; a slot already handed to it goes back to the line as the spare.
#[derive(Debug)]
pub(super) struct Place<'a> {
    queue: &'a FairQueue,
    ticket: Ticket,
    answer: oneshot::Receiver<Answer>,
}

impl Place<'_> {
    /// Waits for the dispatcher's answer; `None` when the dispatcher
    /// stopped (its runtime shut down) before answering.
    pub(super) async fn answer(&mut self) -> Option<Answer> {
        (&mut self.answer).await.ok()
    }

    /// The answer, if it has come (for a caller whose deadline passed just
    /// as its slot came).
    pub(super) fn answer_now(&mut self) -> Option<Answer> {
        self.answer.try_recv().ok()
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut line = self.queue.lock();
        line.waiting.remove(&self.ticket);
        self.answer.close();
        if let Ok(Answer::Slot(slot)) = self.answer.try_recv() {
            line.spare = Some(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{Answer, FairQueue, Slot};

    #[tokio::test]
    async fn the_earliest_ticket_is_handed_the_slot_and_a_slot_left_behind_is_kept() {
        let queue = FairQueue::default();
        let (first, second) = (queue.ticket(), queue.ticket());
        let mut later = queue.join(second, None).unwrap();
        let earlier = queue.join(first, None).unwrap();
        let slot = Slot { at: Instant::now() };
        queue.hand_out(slot).unwrap();
        // The earlier caller left without taking its slot: it is the spare.
        drop(earlier);
        assert!(!queue.is_idle());
        let spare = queue.take_spare(|_| true).expect("kept");
        queue.hand_out(spare).unwrap();
        assert!(matches!(later.answer().await, Some(Answer::Slot(_))));
        drop(later);
        assert_eq!(queue.len(), 0);
        assert!(queue.hand_out(slot).is_err(), "nobody waits");
    }

    #[tokio::test]
    async fn callers_whose_deadline_comes_first_are_turned_away() {
        let queue = FairQueue::default();
        let now = Instant::now();
        let mut soon = queue
            .join(queue.ticket(), Some(now + Duration::from_millis(10)))
            .unwrap();
        let mut patient = queue.join(queue.ticket(), None).unwrap();
        queue.turn_away_deadlines_before(now + Duration::from_secs(1));
        assert!(matches!(soon.answer().await, Some(Answer::TooLate)));
        assert!(patient.answer_now().is_none());
        queue.set_next_slot_not_before(Some(now + Duration::from_secs(1)));
        assert!(
            queue
                .join(queue.ticket(), Some(now + Duration::from_millis(10)))
                .is_none(),
            "told at once"
        );
    }
}
