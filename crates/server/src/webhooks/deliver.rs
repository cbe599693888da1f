//! One task per endpoint delivers its queued after-events in number order:
//! the oldest undelivered event is POSTed until a 2xx answer, then marked
//! delivered, then the next. A failed attempt is retried after a backoff that
//! doubles from 500 ms up to `webhook_retry_max_secs`. An event whose answer
//! arrived but whose mark was lost (a crash, the database away) is sent
//! again with the same number: at least once, duplicates only as repeats.
//!
//! On PostgreSQL (several processes may share the database) the node holding the endpoint's lease (a row in
//! `webhook_endpoints`, renewed before every attempt, [`LEASE`] long) is the
//! only one delivering it; another node takes over when the lease expires.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;

use super::Webhooks;
use crate::storage::api::QueuedEvent;
use crate::storage::now_ms;

/// How long a node's delivery lease of an endpoint lasts without renewal.
pub(super) const LEASE: Duration = Duration::from_secs(15);

/// How often an idle task looks for events queued by other nodes.
const POLL: Duration = Duration::from_secs(1);

/// First retry delay; doubles per failed attempt up to the configured cap.
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// The delivery task of one endpoint.
pub(super) struct Task {
    pub hooks: Arc<Webhooks>,
    pub index: usize,
    pub node: String,
    /// Only this process uses the database (SQLite): the lease is taken at once.
    pub exclusive: bool,
}

/// The body of an after-event request.
pub(super) fn body(endpoint: &str, e: &QueuedEvent) -> String {
    let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null);
    json!({
        "endpoint": endpoint,
        "seq": e.seq,
        "event": e.kind,
        "time": e.created_at,
        "data": data,
    })
    .to_string()
}

/// The wait before attempt `attempts + 1` (after `attempts` failures).
pub(super) fn backoff(attempts: u32, cap: Duration) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(16);
    (FIRST_RETRY * factor).min(cap)
}

impl Task {
    pub(super) async fn run(self, mut stop: watch::Receiver<bool>) {
        let wake = self.hooks.wake[self.index].clone();
        loop {
            let stopping = async {
                let _ = stop.wait_for(|s| *s).await;
            };
            let step = tokio::select! {
                w = self.step() => Some(w),
                _ = stopping => None,
            };
            let Some(wait) = step else { break };
            if wait.is_zero() {
                continue;
            }
            let stopping = async {
                let _ = stop.wait_for(|s| *s).await;
            };
            let stopped = tokio::select! {
                _ = tokio::time::sleep(wait) => false,
                _ = wake.notified() => false,
                _ = stopping => true,
            };
            if stopped {
                break;
            }
        }
        self.release().await;
    }

    /// Gives the lease up at shutdown, so another node takes over at once.
    async fn release(&self) {
        let name = &self.hooks.hooks[self.index].name;
        let _ = self
            .hooks
            .store
            .hook_lease(name, &self.node, now_ms(), 0, false)
            .await;
    }

    /// One attempt; returns how long to wait before the next.
    async fn step(&self) -> Duration {
        let w = &self.hooks;
        let hook = &w.hooks[self.index];
        let name = hook.name.as_str();
        let now = now_ms();
        let until = now + LEASE.as_millis() as i64;
        match w
            .store
            .hook_lease(name, &self.node, now, until, self.exclusive)
            .await
        {
            Ok(true) => {}
            Ok(false) => return LEASE / 3,
            Err(e) => {
                tracing::warn!(endpoint = name, error = %e, "webhook lease failed");
                return POLL;
            }
        }
        let event = match w.store.hook_next(name).await {
            Ok(Some(e)) => e,
            Ok(None) => return POLL,
            Err(e) => {
                tracing::warn!(endpoint = name, error = %e, "reading the webhook queue failed");
                return POLL;
            }
        };
        if event.next_attempt_at > now {
            return Duration::from_millis((event.next_attempt_at - now) as u64).min(POLL);
        }
        let body = body(name, &event);
        match w
            .post(hook, &event.kind, Some((event.seq, &self.node)), body)
            .await
        {
            Ok(_) => {
                if let Err(e) = w.store.hook_delivered(name, event.seq, now_ms()).await {
                    tracing::warn!(endpoint = name, seq = event.seq, error = %e,
                        "marking a webhook event delivered failed; it will be sent again");
                    return POLL;
                }
                Duration::ZERO
            }
            Err(why) => {
                let delay = backoff(event.attempts + 1, w.retry_max);
                tracing::warn!(endpoint = name, seq = event.seq, attempts = event.attempts + 1,
                    retry_in_ms = delay.as_millis() as u64, error = %why, "webhook delivery failed");
                let at = now_ms() + delay.as_millis() as i64;
                if let Err(e) = w.store.hook_failed(name, event.seq, &why, at).await {
                    tracing::warn!(endpoint = name, error = %e, "recording a webhook failure failed");
                }
                delay.min(POLL)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let cap = Duration::from_secs(60);
        assert_eq!(backoff(1, cap), Duration::from_millis(500));
        assert_eq!(backoff(2, cap), Duration::from_secs(1));
        assert_eq!(backoff(4, cap), Duration::from_secs(4));
        assert_eq!(backoff(30, cap), cap);
        assert_eq!(backoff(3, Duration::from_secs(1)), Duration::from_secs(1));
    }
}
