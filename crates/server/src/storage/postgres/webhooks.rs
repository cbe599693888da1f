//! The webhook queue on PostgreSQL (a port of `sqlite::webhooks`). Numbers
//! come from the endpoint row, locked `FOR UPDATE` until commit, so events
//! commit in number order across processes; one node at a time delivers an
//! endpoint's events, the one holding its lease (`hook_lease`).

use async_trait::async_trait;

use super::{read, tx, PgStorage, Tx};
use crate::storage::after::PendingEvent;
use crate::storage::api::{HookRoutes, HookStatus, QueuedEvent, WebhookQueue};
use crate::storage::StoreResult;

async fn ensure(c: &Tx<'_>, endpoint: &str) -> StoreResult<()> {
    c.execute(
        "INSERT INTO webhook_endpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
        &[&endpoint],
    )
    .await?;
    Ok(())
}

async fn min_seq(c: &Tx<'_>, endpoint: &str, pending_only: bool) -> StoreResult<Option<i64>> {
    let sql = if pending_only {
        "SELECT MIN(seq) FROM webhook_events WHERE endpoint = $1 AND delivered_at IS NULL"
    } else {
        "SELECT MIN(seq) FROM webhook_events WHERE endpoint = $1"
    };
    Ok(c.query_one(sql, &[&endpoint]).await?.try_get(0)?)
}

/// Queues the after-events a write took from its scope
/// ([`crate::storage::after`]) in the write's transaction (`tx!` calls it
/// right before the commit).
pub(crate) async fn enqueue_pending(c: &Tx<'_>, events: &[PendingEvent]) -> StoreResult<()> {
    for ev in events {
        let seqs = enqueue(c, &ev.endpoints, &ev.kind, &ev.data, ev.now, ev.cap).await?;
        for (e, seq) in ev.endpoints.iter().zip(seqs) {
            if seq.is_none() {
                tracing::warn!(endpoint = %e, event = %ev.kind,
                    "webhook queue full of undelivered events: event dropped");
            }
        }
    }
    Ok(())
}

async fn enqueue(
    c: &Tx<'_>,
    endpoints: &[String],
    kind: &str,
    data: &str,
    now: i64,
    cap: u64,
) -> StoreResult<Vec<Option<u64>>> {
    let cap = cap.max(1) as i64;
    let mut out = Vec::with_capacity(endpoints.len());
    for endpoint in endpoints {
        let endpoint = endpoint.as_str();
        ensure(c, endpoint).await?;
        let next: i64 = c
            .query_one(
                "SELECT next_seq FROM webhook_endpoints WHERE name = $1 FOR UPDATE",
                &[&endpoint],
            )
            .await?
            .try_get(0)?;
        let mut rows = min_seq(c, endpoint, false).await?.map_or(0, |m| next - m);
        if rows >= cap {
            let first_pending = min_seq(c, endpoint, true).await?.unwrap_or(next);
            let below = first_pending.min(next - cap + 1);
            c.execute(
                "DELETE FROM webhook_events WHERE endpoint = $1 AND seq < $2",
                &[&endpoint, &below],
            )
            .await?;
            rows = min_seq(c, endpoint, false).await?.map_or(0, |m| next - m);
        }
        if rows >= cap {
            c.execute(
                "UPDATE webhook_endpoints SET dropped = dropped + 1 WHERE name = $1",
                &[&endpoint],
            )
            .await?;
            out.push(None);
            continue;
        }
        c.execute(
            "INSERT INTO webhook_events (endpoint, seq, kind, data, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[&endpoint, &next, &kind, &data, &now],
        )
        .await?;
        c.execute(
            "UPDATE webhook_endpoints SET next_seq = $2 WHERE name = $1",
            &[&endpoint, &(next + 1)],
        )
        .await?;
        out.push(Some(next as u64));
    }
    Ok(out)
}

async fn lease(
    c: &Tx<'_>,
    endpoint: &str,
    node: &str,
    now: i64,
    until: i64,
    force: bool,
) -> StoreResult<bool> {
    ensure(c, endpoint).await?;
    let n = c
        .execute(
            "UPDATE webhook_endpoints SET lease_node = $2, lease_until = $4
             WHERE name = $1 AND ($5 OR lease_node IS NULL OR lease_node = $2 OR lease_until < $3)",
            &[&endpoint, &node, &now, &until, &force],
        )
        .await?;
    Ok(n == 1)
}

async fn next_event(c: &Tx<'_>, endpoint: &str) -> StoreResult<Option<QueuedEvent>> {
    let Some(r) = c
        .query_opt(
            "SELECT seq, kind, data, created_at, attempts, next_attempt_at FROM webhook_events
             WHERE endpoint = $1 AND delivered_at IS NULL ORDER BY seq LIMIT 1",
            &[&endpoint],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(QueuedEvent {
        seq: r.try_get::<_, i64>(0)? as u64,
        kind: r.try_get(1)?,
        data: r.try_get(2)?,
        created_at: r.try_get(3)?,
        attempts: r.try_get::<_, i64>(4)? as u32,
        next_attempt_at: r.try_get(5)?,
    }))
}

async fn status(c: &Tx<'_>, endpoint: &str) -> StoreResult<HookStatus> {
    let Some(row) = c
        .query_opt(
            "SELECT next_seq, dropped FROM webhook_endpoints WHERE name = $1",
            &[&endpoint],
        )
        .await?
    else {
        return Ok(HookStatus {
            endpoint: endpoint.into(),
            ..HookStatus::default()
        });
    };
    let (next, dropped): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    let pending: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM webhook_events WHERE endpoint = $1 AND delivered_at IS NULL",
            &[&endpoint],
        )
        .await?
        .try_get(0)?;
    let head = next_event(c, endpoint).await?;
    let first_pending = head.as_ref().map_or(next, |e| e.seq as i64);
    let last_error: Option<String> = match &head {
        Some(e) => c
            .query_one(
                "SELECT last_error FROM webhook_events WHERE endpoint = $1 AND seq = $2",
                &[&endpoint, &(e.seq as i64)],
            )
            .await?
            .try_get(0)?,
        None => None,
    };
    Ok(HookStatus {
        endpoint: endpoint.into(),
        last_seq: (next - 1) as u64,
        delivered_seq: (first_pending - 1) as u64,
        pending: pending as u64,
        dropped: dropped as u64,
        oldest_kept_seq: min_seq(c, endpoint, false).await?.unwrap_or(0) as u64,
        attempts: head.as_ref().map_or(0, |e| e.attempts),
        last_error,
        next_attempt_at: head.map_or(0, |e| e.next_attempt_at),
    })
}

async fn update(
    c: &Tx<'_>,
    sql: &str,
    endpoint: &str,
    seq: u64,
    text: Option<&str>,
    t: i64,
) -> StoreResult<u64> {
    Ok(c.execute(sql, &[&endpoint, &(seq as i64), &text, &t])
        .await?)
}

const DELIVERED: &str = "UPDATE webhook_events SET delivered_at = $4, last_error = $3
     WHERE endpoint = $1 AND seq = $2";
const FAILED: &str =
    "UPDATE webhook_events SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4
     WHERE endpoint = $1 AND seq = $2";
const REPLAY: &str = "UPDATE webhook_events SET delivered_at = NULL, attempts = 0, next_attempt_at = $4, last_error = $3
     WHERE endpoint = $1 AND seq >= $2 AND delivered_at IS NOT NULL";

/// Queues after-event `kind` in the caller's transaction for the endpoints
/// `routes` names (a port of `sqlite::webhooks::enqueue_routed`). The
/// endpoint rows stay locked until the commit, so numbers follow commit order.
pub(super) async fn enqueue_routed(
    c: &Tx<'_>,
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
    let seqs = enqueue(c, endpoints, kind, &data, now, routes.cap).await?;
    for (e, seq) in endpoints.iter().zip(seqs) {
        if seq.is_none() {
            tracing::warn!(endpoint = %e, event = kind,
                "webhook queue full of undelivered events: event dropped");
        }
    }
    Ok(())
}

#[async_trait]
impl WebhookQueue for PgStorage {
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
        tx!(self, |tx| enqueue(&tx, endpoints, kind, data, now, cap)
            .await)
    }

    async fn hook_lease(
        &self,
        endpoint: &str,
        node: &str,
        now: i64,
        until: i64,
        force: bool,
    ) -> StoreResult<bool> {
        tx!(self, |tx| lease(&tx, endpoint, node, now, until, force)
            .await)
    }

    async fn hook_next(&self, endpoint: &str) -> StoreResult<Option<QueuedEvent>> {
        read!(self, |tx| next_event(&tx, endpoint).await)
    }

    async fn hook_delivered(&self, endpoint: &str, seq: u64, now: i64) -> StoreResult<()> {
        tx!(self, |tx| update(&tx, DELIVERED, endpoint, seq, None, now)
            .await)
        .map(|_| ())
    }

    async fn hook_failed(
        &self,
        endpoint: &str,
        seq: u64,
        error: &str,
        retry_at: i64,
    ) -> StoreResult<()> {
        tx!(self, |tx| update(
            &tx,
            FAILED,
            endpoint,
            seq,
            Some(error),
            retry_at
        )
        .await)
        .map(|_| ())
    }

    async fn hook_replay(&self, endpoint: &str, from: u64, now: i64) -> StoreResult<u64> {
        tx!(self, |tx| update(&tx, REPLAY, endpoint, from, None, now)
            .await)
    }

    async fn hook_status(&self, endpoint: &str) -> StoreResult<HookStatus> {
        read!(self, |tx| status(&tx, endpoint).await)
    }
}
