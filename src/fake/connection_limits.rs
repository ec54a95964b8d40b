//! How the fake accepts connections: as a test server partners leave
//! running for hours should, it closes a connection whose request headers
//! do not arrive in time (a half-sent request would otherwise hold it for
//! ever) and serves at most so many connections at once (more wait in the
//! listen queue), so slow or stuck clients cannot exhaust its file
//! descriptors and hang everyone else.

use std::{sync::Arc, time::Duration};

use futures_util::future::{Either, select};
use hyper::service::service_fn;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use tokio::{net::TcpListener, sync::Semaphore};

use super::{router, state::FakeState};

/// The default time a client has to send a request's headers (and between
/// requests on a kept-alive connection).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The default number of connections served at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 128;

/// The limits a fake serves under.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConnectionLimits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serves the fake of `state` on `listener` under `limits` until `stop`
/// resolves, then lets the requests in flight finish.
pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<FakeState>,
    limits: ConnectionLimits,
    stop: impl std::future::Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let slot = std::pin::pin!(Arc::clone(&slots).acquire_owned());
        let slot = match select(slot, &mut stop).await {
            Either::Left((slot, _)) => slot.expect("never closed"),
            Either::Right(_) => break,
        };
        let accepted = std::pin::pin!(listener.accept());
        let stream = match select(accepted, &mut stop).await {
            Either::Left((Ok((stream, _)), _)) => stream,
            // Out of descriptors, say: wait a moment rather than spin.
            Either::Left((Err(_), _)) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            Either::Right(_) => break,
        };
        let state = Arc::clone(&state);
        let _ = stream.set_nodelay(true);
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(
                TokioIo::new(stream),
                service_fn(move |request| router::route(Arc::clone(&state), request)),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    graceful.shutdown().await;
}
