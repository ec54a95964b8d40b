//! First come, first served among the callers waiting for the budget.
//!
//! Only the caller at the front of the line asks the budget for a slot, and
//! a slot is taken only at the moment it is free: nobody holds a reservation
//! while asleep, so a caller that gives up (a deadline, a dropped future, a
//! panic) leaves the budget exactly as it found it, and the next in line is
//! woken in its place.
//!
//! Tickets are numbered in the order calls arrive. A call keeps its ticket
//! across its retries, so a retry goes ahead of calls that arrived after it
//! instead of joining the back of the line (in a bulk run, behind every row
//! still waiting for its first attempt).

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
};

use tokio::sync::Notify;

/// A caller's place in line: lower tickets go first.
pub(crate) type Ticket = u64;

#[derive(Debug, Default)]
pub(super) struct FairQueue {
    next_ticket: AtomicU64,
    /// The callers waiting, by ticket; each is woken through its `Notify`
    /// when it reaches the front.
    waiting: Mutex<BTreeMap<Ticket, Arc<Notify>>>,
}

impl FairQueue {
    /// A ticket for a call arriving now.
    pub(super) fn ticket(&self) -> Ticket {
        self.next_ticket.fetch_add(1, Ordering::Relaxed)
    }

    /// Callers waiting in line (for tests and diagnostics).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<Ticket, Arc<Notify>>> {
        // A panic elsewhere while holding the lock leaves a valid map.
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Joins the line with `ticket`; leaving it (by drop) wakes the next.
    pub(super) fn join(&self, ticket: Ticket) -> Place<'_> {
        let notify = Arc::new(Notify::new());
        self.lock().insert(ticket, Arc::clone(&notify));
        Place {
            queue: self,
            ticket,
            notify,
        }
    }

    fn front(&self) -> Option<Ticket> {
        self.lock().first_key_value().map(|(ticket, _)| *ticket)
    }
}

/// A caller in line. Dropping it, whatever the reason, takes it out of the
/// line and, if it was at the front, wakes whoever is next.
#[derive(Debug)]
pub(super) struct Place<'a> {
    queue: &'a FairQueue,
    ticket: Ticket,
    notify: Arc<Notify>,
}

impl Place<'_> {
    /// Waits until no earlier ticket is in line.
    pub(super) async fn reach_front(&self) {
        // `notify_one` keeps a permit when nobody waits yet, so a wake-up
        // between the check and the wait is not lost.
        while !self.is_front() {
            self.notify.notified().await;
        }
    }

    pub(super) fn is_front(&self) -> bool {
        self.queue.front() == Some(self.ticket)
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut waiting = self.queue.lock();
        waiting.remove(&self.ticket);
        if let Some((_, next)) = waiting.first_key_value() {
            next.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FairQueue;

    #[tokio::test]
    async fn the_earliest_ticket_is_at_the_front_and_leaving_wakes_the_next() {
        let queue = FairQueue::default();
        let (first, second) = (queue.ticket(), queue.ticket());
        let later = queue.join(second);
        let earlier = queue.join(first);
        assert!(earlier.is_front() && !later.is_front());
        drop(earlier);
        later.reach_front().await;
        assert!(later.is_front());
        drop(later);
        assert_eq!(queue.len(), 0);
    }
}
