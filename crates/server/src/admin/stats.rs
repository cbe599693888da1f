//! `GET /admin/stats`: database totals and this node's counters.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;

use super::error::ApiError;
use crate::service::admin_data::{self, Stats};
use crate::state::Shared;

/// Users, groups, messages, connections on this node, uptime, webhook backlog.
pub async fn get(State(s): State<Arc<Shared>>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(admin_data::stats(&s).await?))
}
