//! The webhook queue on SQLite (see [`crate::storage::api::WebhookQueue`]).
//! Delivered events are always a prefix of an endpoint's numbers (delivery is
//! in order, a replay resets a suffix), so `next_seq - MIN(seq)` is its row count.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::SqliteStorage;
use crate::storage::after::PendingEvent;
use crate::storage::api::{HookRoutes, HookStatus, QueuedEvent, WebhookQueue};
use crate::storage::StoreResult;

fn ensure(c: &Connection, endpoint: &str) -> StoreResult<()> {
    c.prepare_cached("INSERT OR IGNORE INTO webhook_endpoints (name) VALUES (?1)")?
        .execute([endpoint])?;
    Ok(())
}

fn min_seq(c: &Connection, endpoint: &str, pending_only: bool) -> StoreResult<Option<i64>> {
    let sql = if pending_only {
        "SELECT MIN(seq) FROM webhook_events WHERE endpoint = ?1 AND delivered_at IS NULL"
    } else {
        "SELECT MIN(seq) FROM webhook_events WHERE endpoint = ?1"
    };
    Ok(c.prepare_cached(sql)?.query_row([endpoint], |r| r.get(0))?)
}

fn enqueue_one(
    c: &Connection,
    endpoint: &str,
    kind: &str,
    data: &str,
    now: i64,
    cap: u64,
) -> StoreResult<Option<u64>> {
    ensure(c, endpoint)?;
    let next: i64 = c
        .prepare_cached("SELECT next_seq FROM webhook_endpoints WHERE name = ?1")?
        .query_row([endpoint], |r| r.get(0))?;
    let cap = cap.max(1) as i64;
    let rows = |c: &Connection| -> StoreResult<i64> {
        Ok(min_seq(c, endpoint, false)?.map_or(0, |m| next - m))
    };
    if rows(c)? >= cap {
        // Make room by deleting the oldest delivered events.
        let first_pending = min_seq(c, endpoint, true)?.unwrap_or(next);
        let below = first_pending.min(next - cap + 1);
        c.prepare_cached("DELETE FROM webhook_events WHERE endpoint = ?1 AND seq < ?2")?
            .execute(params![endpoint, below])?;
        if rows(c)? >= cap {
            c.prepare_cached("UPDATE webhook_endpoints SET dropped = dropped + 1 WHERE name = ?1")?
                .execute([endpoint])?;
            return Ok(None);
        }
    }
    c.prepare_cached(
        "INSERT INTO webhook_events (endpoint, seq, kind, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![endpoint, next, kind, data, now])?;
    c.prepare_cached("UPDATE webhook_endpoints SET next_seq = ?2 WHERE name = ?1")?
        .execute(params![endpoint, next + 1])?;
    Ok(Some(next as u64))
}

/// Queues after-event `kind` (its data built by `data` only when some
/// endpoint wants it) in the caller's transaction, for the endpoints
/// `routes` names; a full queue drops it for that endpoint, as
/// [`WebhookQueue::hook_enqueue`] does.
pub(super) fn enqueue_routed(
    c: &Connection,
    routes: &HookRoutes,
    kind: &str,
    data: impl FnOnce() -> serde_json::Value,
    now: i64,
) -> StoreResult<()> {
    let endpoints = routes.endpoints(kind);
    if endpoints.is_empty() {
        return Ok(());
    }
    let data = data().to_string();
    for e in endpoints {
        if enqueue_one(c, e, kind, &data, now, routes.cap)?.is_none() {
            tracing::warn!(endpoint = %e, event = kind,
                "webhook queue full of undelivered events: event dropped");
        }
    }
    Ok(())
}

/// Queues the after-events a write took from its scope
/// ([`crate::storage::after`]) in the write's transaction.
pub(super) fn enqueue_pending(c: &Connection, events: &[PendingEvent]) -> StoreResult<()> {
    for ev in events {
        for e in &ev.endpoints {
            if enqueue_one(c, e, &ev.kind, &ev.data, ev.now, ev.cap)?.is_none() {
                tracing::warn!(endpoint = %e, event = %ev.kind,
                    "webhook queue full of undelivered events: event dropped");
            }
        }
    }
    Ok(())
}

fn status(c: &Connection, endpoint: &str) -> StoreResult<HookStatus> {
    let row = c
        .prepare_cached("SELECT next_seq, dropped FROM webhook_endpoints WHERE name = ?1")?
        .query_row([endpoint], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .optional()?;
    let Some((next, dropped)) = row else {
        return Ok(HookStatus {
            endpoint: endpoint.into(),
            ..HookStatus::default()
        });
    };
    let pending: i64 = c
        .prepare_cached(
            "SELECT COUNT(*) FROM webhook_events WHERE endpoint = ?1 AND delivered_at IS NULL",
        )?
        .query_row([endpoint], |r| r.get(0))?;
    let head = next_event(c, endpoint)?;
    let first_pending = head.as_ref().map_or(next, |e| e.seq as i64);
    let last_error = match &head {
        Some(e) => c
            .prepare_cached(
                "SELECT last_error FROM webhook_events WHERE endpoint = ?1 AND seq = ?2",
            )?
            .query_row(params![endpoint, e.seq as i64], |r| r.get(0))?,
        None => None,
    };
    Ok(HookStatus {
        endpoint: endpoint.into(),
        last_seq: (next - 1) as u64,
        delivered_seq: (first_pending - 1) as u64,
        pending: pending as u64,
        dropped: dropped as u64,
        oldest_kept_seq: min_seq(c, endpoint, false)?.unwrap_or(0) as u64,
        attempts: head.as_ref().map_or(0, |e| e.attempts),
        last_error,
        next_attempt_at: head.map_or(0, |e| e.next_attempt_at),
    })
}

fn next_event(c: &Connection, endpoint: &str) -> StoreResult<Option<QueuedEvent>> {
    Ok(c.prepare_cached(
        "SELECT seq, kind, data, created_at, attempts, next_attempt_at FROM webhook_events
             WHERE endpoint = ?1 AND delivered_at IS NULL ORDER BY seq LIMIT 1",
    )?
    .query_row([endpoint], |r| {
        Ok(QueuedEvent {
            seq: r.get::<_, i64>(0)? as u64,
            kind: r.get(1)?,
            data: r.get(2)?,
            created_at: r.get(3)?,
            attempts: r.get::<_, i64>(4)? as u32,
            next_attempt_at: r.get(5)?,
        })
    })
    .optional()?)
}

#[async_trait]
impl WebhookQueue for SqliteStorage {
    fn set_hook_routes(&self, routes: HookRoutes) {
        if let Ok(mut r) = self.hook_routes.write() {
            *r = std::sync::Arc::new(routes);
        }
    }

    async fn hook_enqueue(
        &self,
        endpoints: &[String],
        kind: &str,
        data: &str,
        now: i64,
        cap: u64,
    ) -> StoreResult<Vec<Option<u64>>> {
        let (endpoints, kind, data) = (endpoints.to_vec(), kind.to_string(), data.to_string());
        self.store
            .write(move |c| {
                endpoints
                    .iter()
                    .map(|e| enqueue_one(c, e, &kind, &data, now, cap))
                    .collect()
            })
            .await
    }

    async fn hook_lease(
        &self,
        endpoint: &str,
        node: &str,
        now: i64,
        until: i64,
        force: bool,
    ) -> StoreResult<bool> {
        let (endpoint, node) = (endpoint.to_string(), node.to_string());
        self.store
            .write(move |c| {
                ensure(c, &endpoint)?;
                let n = c
                    .prepare_cached(
                        "UPDATE webhook_endpoints SET lease_node = ?2, lease_until = ?4
                         WHERE name = ?1 AND (?5 OR lease_node IS NULL OR lease_node = ?2 OR lease_until < ?3)",
                    )?
                    .execute(params![endpoint, node, now, until, force])?;
                Ok(n == 1)
            })
            .await
    }

    async fn hook_next(&self, endpoint: &str) -> StoreResult<Option<QueuedEvent>> {
        let endpoint = endpoint.to_string();
        self.read(move |c| next_event(c, &endpoint)).await
    }

    async fn hook_delivered(&self, endpoint: &str, seq: u64, now: i64) -> StoreResult<()> {
        let endpoint = endpoint.to_string();
        self.store
            .write(move |c| {
                c.prepare_cached(
                    "UPDATE webhook_events SET delivered_at = ?3, last_error = NULL
                     WHERE endpoint = ?1 AND seq = ?2",
                )?
                .execute(params![endpoint, seq as i64, now])?;
                Ok(())
            })
            .await
    }

    async fn hook_failed(
        &self,
        endpoint: &str,
        seq: u64,
        error: &str,
        retry_at: i64,
    ) -> StoreResult<()> {
        let (endpoint, error) = (endpoint.to_string(), error.to_string());
        self.store
            .write(move |c| {
                c.prepare_cached(
                    "UPDATE webhook_events SET attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4
                     WHERE endpoint = ?1 AND seq = ?2",
                )?
                .execute(params![endpoint, seq as i64, error, retry_at])?;
                Ok(())
            })
            .await
    }

    async fn hook_replay(&self, endpoint: &str, from: u64, now: i64) -> StoreResult<u64> {
        let endpoint = endpoint.to_string();
        self.store
            .write(move |c| {
                let n = c
                    .prepare_cached(
                        "UPDATE webhook_events SET delivered_at = NULL, attempts = 0, next_attempt_at = ?3
                         WHERE endpoint = ?1 AND seq >= ?2 AND delivered_at IS NOT NULL",
                    )?
                    .execute(params![endpoint, from as i64, now])?;
                Ok(n as u64)
            })
            .await
    }

    async fn hook_status(&self, endpoint: &str) -> StoreResult<HookStatus> {
        let endpoint = endpoint.to_string();
        self.read(move |c| status(c, &endpoint)).await
    }
}
