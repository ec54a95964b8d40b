//! The budget's one connection to Redis, made in a task of its own.
//!
//! Why a task: a handshake (TCP, then TLS to a managed Redis, then AUTH)
//! can take longer than a caller is willing to wait for the budget. Made
//! inside the caller's future, it was dropped with every caller that gave
//! up, so a slow but healthy Redis (a TLS handshake on a loaded machine, a
//! far region) was never reached at all and the budget stayed on its
//! fallback for good. Here the attempt outlives whoever started it, bounded
//! only by `CONNECT_TIMEOUT`, and the next caller finds it made.

use std::{fmt, sync::Arc};

use tokio::sync::watch;

use super::redis_connection::{CONNECT_TIMEOUT, RedisConnection, RedisTarget};

/// Where the connection stands.
enum State {
    /// None made and none under way (at first, and after one broke).
    Idle,
    Connecting,
    Ready(RedisConnection),
    /// The last attempt failed, and why.
    Failed(String),
}

/// Makes and keeps the connection; asking it where things stand never
/// waits.
pub(super) struct RedisConnector {
    target: Arc<RedisTarget>,
    /// Written by the attempt's task when it settles.
    state: Arc<watch::Sender<State>>,
}

impl fmt::Debug for RedisConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConnector").finish_non_exhaustive()
    }
}

impl RedisConnector {
    pub(super) fn new(target: RedisTarget) -> Self {
        Self {
            target: Arc::new(target),
            state: Arc::new(watch::Sender::new(State::Idle)),
        }
    }

    /// The open connection, if there is one; never starts an attempt.
    pub(super) fn ready(&self) -> Option<RedisConnection> {
        match &*self.state.borrow() {
            State::Ready(connection) => Some(connection.clone()),
            _ => None,
        }
    }

    /// Starts an attempt in the background unless a connection is open or
    /// under way: a budget on its fallback calls this instead of waiting.
    pub(super) fn start(&self) {
        let mut starts = false;
        self.state.send_if_modified(|state| {
            starts = matches!(state, State::Idle | State::Failed(_));
            if starts {
                *state = State::Connecting;
            }
            starts
        });
        if starts {
            self.spawn_attempt();
        }
    }

    /// The open connection, or the one under way (started if none is).
    /// A caller that stops waiting leaves the attempt running.
    pub(super) async fn connection(&self) -> Result<RedisConnection, String> {
        let mut settled = self.state.subscribe();
        self.start();
        let state = settled
            .wait_for(|state| !matches!(state, State::Connecting))
            .await
            .map_err(|_| "the connection attempt was abandoned".to_owned())?;
        match &*state {
            State::Ready(connection) => Ok(connection.clone()),
            State::Failed(why) => Err(why.clone()),
            State::Idle | State::Connecting => Err("the connection was dropped".to_owned()),
        }
    }

    /// Drops an open connection that failed a step; an attempt under way
    /// goes on.
    pub(super) fn forget(&self) {
        self.state.send_if_modified(|state| {
            let open = matches!(state, State::Ready(_));
            if open {
                *state = State::Idle;
            }
            open
        });
    }

    fn spawn_attempt(&self) {
        let target = Arc::clone(&self.target);
        let settle = Settle(Arc::clone(&self.state));
        tokio::spawn(async move {
            let outcome = match tokio::time::timeout(CONNECT_TIMEOUT, target.connect()).await {
                Ok(Ok(connection)) => State::Ready(connection),
                Ok(Err(e)) => State::Failed(e.to_string()),
                Err(_) => State::Failed("timed out connecting".to_owned()),
            };
            settle.0.send_replace(outcome);
        });
    }
}

/// Settles an attempt whose task was dropped unfinished (its runtime shut
/// down, as each `#[tokio::test]`'s does): left `Connecting`, a client used
/// from the next runtime would never try again.
struct Settle(Arc<watch::Sender<State>>);

impl Drop for Settle {
    fn drop(&mut self) {
        self.0.send_if_modified(|state| {
            let unsettled = matches!(state, State::Connecting);
            if unsettled {
                *state = State::Failed("the runtime making the connection stopped".to_owned());
            }
            unsettled
        });
    }
}
