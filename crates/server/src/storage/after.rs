//! After-events queued in the transaction of the write they report, so a
//! process that dies right after the commit cannot lose them (docs/webhooks.md,
//! "At least once"). A service runs one storage call inside [`scope`] with the
//! events it reports; the first write transaction that call opens takes them
//! ([`take`]: the SQLite writer job, or PostgreSQL's `tx!`) and queues them
//! for their endpoints before it commits. A write that fails rolls them back
//! with it. Reads never take them.

use std::cell::RefCell;
use std::future::Future;

/// One after-event for the endpoints that want it.
#[derive(Debug, Clone)]
pub struct PendingEvent {
    /// The endpoints (by name) that want it, in configuration order.
    pub endpoints: Vec<String>,
    /// The event kind, e.g. `user.created`.
    pub kind: String,
    /// The event's data, JSON.
    pub data: String,
    /// When it happened (ms).
    pub now: i64,
    /// Most undelivered events per endpoint (`webhook_queue_max`).
    pub cap: u64,
}

tokio::task_local! {
    static PENDING: RefCell<Vec<PendingEvent>>;
}

/// Runs `f` (one storage call) with `events` for its first write to queue.
pub async fn scope<F: Future>(events: Vec<PendingEvent>, f: F) -> F::Output {
    PENDING.scope(RefCell::new(events), f).await
}

/// The events of the current [`scope`], once (empty outside one).
pub fn take() -> Vec<PendingEvent> {
    PENDING
        .try_with(|p| std::mem::take(&mut *p.borrow_mut()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str) -> PendingEvent {
        PendingEvent {
            endpoints: vec!["rx".into()],
            kind: kind.into(),
            data: "{}".into(),
            now: 1,
            cap: 10,
        }
    }

    #[tokio::test]
    async fn the_first_take_gets_the_events_and_outside_a_scope_nothing() {
        assert!(take().is_empty());
        let (first, second) = scope(vec![event("user.created")], async {
            let first = take();
            (first, take())
        })
        .await;
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].kind, "user.created");
        assert!(second.is_empty());
        assert!(take().is_empty());
    }
}
