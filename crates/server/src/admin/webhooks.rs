//! `GET /admin/webhooks`, `GET /admin/webhooks/{name}`,
//! `POST /admin/webhooks/{name}/replay`: delivery status and replay of the
//! webhook endpoints' after-events (docs/webhooks.md).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::body::Body;
use super::error::ApiError;
use crate::service::webhooks as svc;
use crate::state::Shared;

/// Body of `POST /admin/webhooks/{name}/replay`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    /// The first event number to deliver again (at least 1).
    pub from: u64,
}

/// Every endpoint's status.
pub async fn list(State(s): State<Arc<Shared>>) -> Result<Json<Value>, ApiError> {
    let hooks = svc::statuses(&s).await?;
    Ok(Json(json!({ "webhooks": hooks })))
}

/// One endpoint's status.
pub async fn status(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(svc::status(&s, &name).await?)))
}

/// Delivers again from a number on.
pub async fn replay(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    Body(b): Body<Replay>,
) -> Result<Json<Value>, ApiError> {
    let n = svc::replay(&s, &name, b.from).await?;
    Ok(Json(
        json!({ "endpoint": name, "from": b.from, "replayed": n }),
    ))
}
