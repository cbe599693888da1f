//! Webhook delivery status and replay (admin API).

use tern_proto::{ErrorCode, WireError};

use super::{invalid, ServiceResult};
use crate::state::Shared;
use crate::storage::api::HookStatus;

fn unknown(name: &str) -> WireError {
    WireError::new(
        ErrorCode::NotFound,
        format!("no webhook endpoint named `{name}`"),
    )
}

/// The status of every configured endpoint, in configuration order.
pub async fn statuses(s: &Shared) -> ServiceResult<Vec<HookStatus>> {
    let mut out = Vec::new();
    for hook in s.webhooks.hooks() {
        if let Some(st) = s.webhooks.status(&hook.name).await? {
            out.push(st);
        }
    }
    Ok(out)
}

/// The status of endpoint `name` (`NotFound` when none has that name).
pub async fn status(s: &Shared, name: &str) -> ServiceResult<HookStatus> {
    s.webhooks.status(name).await?.ok_or_else(|| unknown(name))
}

/// Delivers the kept events of `name` from number `from` (≥ 1) on again, in
/// order; returns how many were marked for delivery.
pub async fn replay(s: &Shared, name: &str, from: u64) -> ServiceResult<u64> {
    if from == 0 {
        return Err(invalid("`from` must be at least 1"));
    }
    s.webhooks
        .replay(name, from)
        .await?
        .ok_or_else(|| unknown(name))
}
