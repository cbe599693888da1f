//! Messages on their way out: the outbox's retry bookkeeping, the window of
//! sends in flight, and the `send` calls waiting for their message's outcome.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::{Mutex, MutexGuard};
use tern_proto::ClientMsgId;
use tokio::sync::{oneshot, Notify};

use crate::error::Result;
use crate::state::Outbox;
use crate::types::LocalMessage;

/// Most sends in flight at once on the connection (the server accepts 128 and
/// stores and acks them in order). After a send goes unanswered or is refused
/// for now (e.g. `RateLimited`), the window drops to 1 and grows back by one per
/// ack, so a struggling server is not flooded with sends it would refuse.
pub(crate) const WINDOW: usize = 32;

/// See the module documentation.
pub(crate) struct Sending {
    /// Mirrored in the cache's `outbox` table.
    queue: Mutex<Outbox>,
    /// Wakes the outbox task.
    wake: Notify,
    /// Between 1 and [`WINDOW`].
    window: AtomicUsize,
    waiters: Mutex<HashMap<ClientMsgId, oneshot::Sender<Result<LocalMessage>>>>,
}

impl Sending {
    pub(crate) fn new(queue: Outbox) -> Self {
        Self {
            queue: Mutex::new(queue),
            wake: Notify::new(),
            window: AtomicUsize::new(WINDOW),
            waiters: Mutex::new(HashMap::new()),
        }
    }

    /// The retry bookkeeping, locked.
    pub(crate) fn queue(&self) -> MutexGuard<'_, Outbox> {
        self.queue.lock()
    }

    /// Wakes the outbox task.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves when [`Sending::wake`] is called.
    pub(crate) async fn woken(&self) {
        self.wake.notified().await
    }

    /// How many sends may be in flight now.
    pub(crate) fn window(&self) -> usize {
        self.window.load(Ordering::Relaxed).clamp(1, WINDOW)
    }

    /// A send was acked: one more may be in flight.
    pub(crate) fn widen(&self) {
        let w = self.window.load(Ordering::Relaxed);
        self.window.store((w + 1).min(WINDOW), Ordering::Relaxed);
    }

    /// A send went unanswered or was refused for now: one at a time again.
    pub(crate) fn narrow(&self) {
        self.window.store(1, Ordering::Relaxed);
    }

    /// A `send` call waits for the first outcome of message `id`.
    pub(crate) fn wait(&self, id: ClientMsgId, tx: oneshot::Sender<Result<LocalMessage>>) {
        self.waiters.lock().insert(id, tx);
    }

    /// The `send` call waiting on `id` gave up.
    pub(crate) fn forget(&self, id: &ClientMsgId) {
        self.waiters.lock().remove(id);
    }

    /// Resolves the `send` waiting on `id`, if any.
    pub(crate) fn resolve(&self, id: &ClientMsgId, r: Result<LocalMessage>) {
        if let Some(tx) = self.waiters.lock().remove(id) {
            let _ = tx.send(r);
        }
    }
}
