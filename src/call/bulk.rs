//! Applying many updates at once with bounded concurrency.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use futures_util::{Stream, StreamExt, stream};

use crate::{
    call::{BulkStop, Client, retry_loop::Turn},
    errors::Error,
    generated::types::ProviderUser,
    telemetry,
    values::{ProviderUserId, ProviderUserUpdate},
};

impl Client {
    /// Applies every `(id, update)` pair with at most `concurrency` calls in
    /// flight (0 is taken as 1), and returns one result per item **in input
    /// order**; a failure never loses the other results.
    ///
    /// Items for the same provider (the same UUID, or the same partner id)
    /// are applied one after another in input order, never at once, so the
    /// input's last word is what Upheal keeps. An item waits for its turn
    /// in the rate budget before its deadline starts: no item fails for
    /// waiting. Each item's `upheal.bulk_item` tracing span carries its
    /// `index` in the input.
    ///
    /// Each call is a full [`Client::update_provider_user`]: validated,
    /// paced by the client's rate limiter (shared with every clone), retried
    /// under its policy and identity-checked. Items are consumed lazily, so
    /// memory holds the results and at most `concurrency` calls.
    ///
    /// ```no_run
    /// # async fn run(client: upheal_provider_users::Client) -> Result<(), upheal_provider_users::Error> {
    /// use upheal_provider_users::{NoteIdentifier, ProviderUserId, ProviderUserUpdate};
    ///
    /// let items = ["ext-1", "ext-2", "ext-3"].map(|id| {
    ///     let id = ProviderUserId::partner(id).expect("valid ids");
    ///     (id, ProviderUserUpdate::new().note_identifier(NoteIdentifier::Counselor))
    /// });
    /// for result in client.update_many(items, 8).await {
    ///     match result {
    ///         Ok(user) => println!("updated {}", user.user_id),
    ///         Err(e) => eprintln!("failed: {e}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn update_many<I>(
        &self,
        items: I,
        concurrency: usize,
    ) -> Vec<Result<ProviderUser, Error>>
    where
        I: IntoIterator<Item = (ProviderUserId, ProviderUserUpdate)>,
    {
        // Unordered completion (no head-of-line blocking behind one slow
        // call), then each result is put back in its input slot.
        let mut slots: Vec<Option<Result<ProviderUser, Error>>> = Vec::new();
        let mut finished = std::pin::pin!(self.update_many_unordered(items, concurrency));
        while let Some((index, result)) = finished.next().await {
            if slots.len() <= index {
                slots.resize_with(index + 1, || None);
            }
            slots[index] = Some(result);
        }
        slots
            .into_iter()
            .map(|slot| slot.expect("every input index yields exactly one result"))
            .collect()
    }

    /// Like [`Client::update_many`], with each result paired with the id it
    /// belongs to, so a caller needs no kept copy of the ids to report on.
    ///
    /// ```no_run
    /// # async fn run(client: upheal_provider_users::Client) {
    /// use upheal_provider_users::{NoteIdentifier, ProviderUserId, ProviderUserUpdate};
    ///
    /// let items = ["ext-1", "ext-2"].map(|id| {
    ///     let id = ProviderUserId::partner(id).expect("valid ids");
    ///     (id, ProviderUserUpdate::new().note_identifier(NoteIdentifier::Coach))
    /// });
    /// for (id, result) in client.update_many_with_ids(items, 8).await {
    ///     if let Err(e) = result {
    ///         eprintln!("{id}: {e}");
    ///     }
    /// }
    /// # }
    /// ```
    pub async fn update_many_with_ids<I>(
        &self,
        items: I,
        concurrency: usize,
    ) -> Vec<(ProviderUserId, Result<ProviderUser, Error>)>
    where
        I: IntoIterator<Item = (ProviderUserId, ProviderUserUpdate)>,
    {
        let mut ids = Vec::new();
        let items = items.into_iter().inspect(|(id, _)| ids.push(id.clone()));
        let results = self.update_many(items, concurrency).await;
        ids.into_iter().zip(results).collect()
    }

    /// Like [`Client::update_many`], but yields `(input index, result)` as
    /// each call finishes, for progress reporting and incremental writes;
    /// memory holds only the calls in flight.
    ///
    /// ```no_run
    /// # async fn run(client: upheal_provider_users::Client) {
    /// use futures_util::StreamExt; // from the futures-util (or futures) crate
    /// use upheal_provider_users::{ProviderUserId, ProviderUserUpdate};
    ///
    /// let ids: Vec<ProviderUserId> = ["ext-1", "ext-2", "ext-3"]
    ///     .iter()
    ///     .map(|id| ProviderUserId::partner(*id).expect("valid ids"))
    ///     .collect();
    /// let items = ids
    ///     .iter()
    ///     .map(|id| (id.clone(), ProviderUserUpdate::new().therapy_licence("LPC-1")));
    /// let mut finished = std::pin::pin!(client.update_many_unordered(items, 8));
    /// while let Some((index, result)) = finished.next().await {
    ///     match result {
    ///         Ok(_) => println!("{} done", ids[index]),
    ///         Err(e) => eprintln!("{} failed: {e}", ids[index]),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn update_many_unordered<'a, I>(
        &'a self,
        items: I,
        concurrency: usize,
    ) -> impl Stream<Item = (usize, Result<ProviderUser, Error>)> + 'a
    where
        I: IntoIterator<Item = (ProviderUserId, ProviderUserUpdate)>,
        I::IntoIter: 'a,
    {
        self.update_many_unordered_until(items, concurrency, &BulkStop::new())
    }

    /// Like [`Client::update_many_unordered`], with a [`BulkStop`]: once it
    /// is pulled, no request is sent for any item (nor a retry). Items in
    /// flight finish their attempt and yield its outcome; every other item
    /// the stream still holds or takes yields [`ErrorKind::Stopped`] at
    /// once (nothing sent), so the stream ends quickly and tells sent rows
    /// from unsent ones. The stream keeps taking items from `items` until
    /// it ends: stop the iterator too (e.g. `take_while`) to end sooner.
    ///
    /// [`ErrorKind::Stopped`]: crate::ErrorKind::Stopped
    pub fn update_many_unordered_until<'a, I>(
        &'a self,
        items: I,
        concurrency: usize,
        stop: &BulkStop,
    ) -> impl Stream<Item = (usize, Result<ProviderUser, Error>)> + use<'a, I> + 'a
    where
        I: IntoIterator<Item = (ProviderUserId, ProviderUserUpdate)>,
        I::IntoIter: 'a,
    {
        let same_provider = SameProvider::default();
        let stop = stop.clone();
        stream::iter(items.into_iter().enumerate())
            .map(move |(index, (id, update))| {
                let (same_provider, stop) = (same_provider.clone(), stop.clone());
                async move {
                    let span = tracing::debug_span!("upheal.bulk_item", index);
                    let item = self.update_item(&id, &update, &same_provider, stop);
                    let result = telemetry::in_span(item, &span).await;
                    (index, result)
                }
            })
            .buffer_unordered(concurrency.max(1))
    }

    /// One item of a bulk run: validated first (an invalid one waits for
    /// nothing), then after any earlier item for the same provider, then
    /// admitted by the rate limiter with no deadline (waiting one's turn in
    /// a bulk run is not a failure), and only then the call, whose deadline
    /// starts with its first attempt.
    async fn update_item(
        &self,
        id: &ProviderUserId,
        update: &ProviderUserUpdate,
        same_provider: &SameProvider,
        stop: BulkStop,
    ) -> Result<ProviderUser, Error> {
        let request = update.validated_request()?;
        let Some(_in_order) = stop.unless_stopped(same_provider.turn(id)).await else {
            return Err(Error::stopped());
        };
        let mut turn = Turn::default();
        if let Some(limiter) = self.pacer() {
            let ticket = limiter.ticket();
            // Without a deadline, waiting cannot fail.
            let admitted = stop.unless_stopped(limiter.acquire(None, Some(ticket)));
            if admitted.await.is_none() {
                return Err(Error::stopped());
            }
            turn.ticket = Some(ticket);
            turn.slot_taken = true;
        }
        turn.stop = Some(stop);
        self.update_request(id, request, turn).await
    }
}

/// Items of one bulk run that address the same provider (the same UUID, or
/// the same partner id) run one after another in input order, so the
/// input's last word is what Upheal keeps. Only ids in flight are held.
#[derive(Clone, Default)]
struct SameProvider(Arc<Mutex<HashMap<ProviderUserId, Arc<tokio::sync::Mutex<()>>>>>);

/// Held while an item runs; the next item for the same provider waits for it.
struct InOrder<'a> {
    same_provider: &'a SameProvider,
    id: &'a ProviderUserId,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl SameProvider {
    /// Waits for every earlier item with this id (tokio's mutex is fair:
    /// first come, first served, and items arrive in input order).
    async fn turn<'a>(&'a self, id: &'a ProviderUserId) -> InOrder<'a> {
        let lock = Arc::clone(self.lock().entry(id.clone()).or_default());
        InOrder {
            same_provider: self,
            id,
            guard: Some(lock.lock_owned().await),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<ProviderUserId, Arc<tokio::sync::Mutex<()>>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for InOrder<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut ids = self.same_provider.lock();
        // Nobody else holds or waits for it: forget the id.
        if ids
            .get(self.id)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            ids.remove(self.id);
        }
    }
}
