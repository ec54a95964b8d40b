//! Stopping a bulk run without sending anything more.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use tokio::sync::Notify;

/// Stops a bulk run ([`Client::update_many_unordered_until`]): once
/// [`BulkStop::stop`] is called, **no request is sent for any item** of
/// the run, including a retry. An item whose request is in flight finishes
/// that attempt and yields its outcome; every item not sent yet yields an
/// [`ErrorKind::Stopped`] error at once, so a caller can tell rows that
/// went out (and whose outcome it has) from rows that never did.
///
/// Why not just drop the stream: dropping it abandons requests already on
/// the wire, whose outcome nobody then sees; and letting it run sends every
/// row already taken from the input at the budget's rate. An operator's
/// Ctrl-C means neither.
///
/// Cheap to clone; every clone stops the same runs.
///
/// ```no_run
/// # use upheal_provider_users::{Client, ProviderUserId, ProviderUserUpdate};
/// # async fn run(
/// #     client: Client,
/// #     items: Vec<(ProviderUserId, ProviderUserUpdate)>,
/// #     shutdown: impl std::future::Future<Output = ()> + Send + 'static,
/// # ) {
/// use futures_util::StreamExt;
/// use upheal_provider_users::{BulkStop, ErrorKind};
///
/// let stop = BulkStop::new();
/// let on_shutdown = stop.clone();
/// tokio::spawn(async move {
///     shutdown.await; // e.g. `tokio::signal::ctrl_c()`, or a service's shutdown
///     on_shutdown.stop();
/// });
/// let mut finished = std::pin::pin!(client.update_many_unordered_until(items, 16, &stop));
/// while let Some((index, result)) = finished.next().await {
///     match result {
///         Err(e) if e.kind() == ErrorKind::Stopped => { /* never sent: send it next time */ }
///         Err(e) => eprintln!("item {index}: {e}"),
///         Ok(_) => {}
///     }
/// }
/// # }
/// ```
///
/// [`Client::update_many_unordered_until`]: crate::Client::update_many_unordered_until
/// [`ErrorKind::Stopped`]: crate::ErrorKind::Stopped
#[derive(Clone, Debug, Default)]
pub struct BulkStop {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    stopped: AtomicBool,
    notify: Notify,
}

impl BulkStop {
    /// A stop not yet pulled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends nothing more: items waiting for their turn or their slot end
    /// with [`ErrorKind::Stopped`](crate::ErrorKind::Stopped) at once.
    pub fn stop(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// Whether [`Self::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// `work`'s output, or `None` when the stop is pulled first (`work` is
    /// then dropped).
    pub(crate) async fn unless_stopped<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        let work = std::pin::pin!(work);
        let stopped = std::pin::pin!(self.stopped());
        match futures_util::future::select(work, stopped).await {
            futures_util::future::Either::Left((output, _)) => Some(output),
            futures_util::future::Either::Right(((), _)) => None,
        }
    }

    /// Resolves once [`Self::stop`] has been called.
    async fn stopped(&self) {
        let mut notified = std::pin::pin!(self.inner.notify.notified());
        // Registered before the check, so a stop in between is not lost.
        notified.as_mut().enable();
        if !self.is_stopped() {
            notified.await;
        }
    }
}
