//! The task that takes each slot from the budget and hands it to the
//! caller at the front of the line (see `fair_queue`).
//!
//! Why a task of its own: when the caller at the front asked the budget
//! itself, a caller whose future stopped being polled (a `select!` loop
//! busy in another branch, a future polled once and parked) held every
//! other caller of the process for as long as it was not polled. The task
//! is always polled by the runtime, so such a caller costs at most the one
//! slot handed to it, and the line moves on.
//!
//! The task holds only a weak reference to its pacer while idle: dropping
//! the last client ends it. It runs on the runtime of the call that started
//! it; when that runtime shuts down (each `#[tokio::test]` has its own),
//! the next call starts a new one on its own runtime.

use std::sync::{
    Arc, Weak,
    atomic::{AtomicBool, Ordering},
};

use tokio::sync::Notify;

use super::Pacer;

#[derive(Debug, Default)]
pub(super) struct Dispatcher {
    running: Arc<AtomicBool>,
    wake: Arc<Notify>,
}

impl Dispatcher {
    /// Starts the task if none runs, and tells it someone joined the line.
    pub(super) fn call(&self, pacer: &Arc<Pacer>) {
        if !self.running.swap(true, Ordering::AcqRel) {
            let running = Running(Arc::clone(&self.running));
            let (pacer, wake) = (Arc::downgrade(pacer), Arc::clone(&self.wake));
            tokio::spawn(dispatch(pacer, wake, running));
        }
        self.wake.notify_one();
    }

    /// Wakes an idle task so that it notices its pacer is gone.
    pub(super) fn stop(&self) {
        self.wake.notify_one();
    }
}

/// Marks the task stopped however it ends (its runtime dropping it too).
struct Running(Arc<AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

async fn dispatch(pacer: Weak<Pacer>, wake: Arc<Notify>, _running: Running) {
    loop {
        let idle_until = {
            let Some(pacer) = pacer.upgrade() else { return };
            if pacer.queue.has_waiters() {
                pacer.serve_front().await;
                continue;
            }
            pacer.idle_check_at()
        };
        // Idle: wait for a caller, or (for a budget in Redis) until the
        // next heartbeat is due, holding no strong reference.
        match idle_until {
            Some(at) => {
                if tokio::time::timeout_at(at, wake.notified()).await.is_err() {
                    let Some(pacer) = pacer.upgrade() else { return };
                    pacer.idle_check().await;
                }
            }
            None => wake.notified().await,
        }
    }
}
