//! `GET /admin/conversations/{conv}/messages` (a conversation's history by
//! time range, paged with a seq cursor) and `DELETE
//! /admin/conversations/{conv}/messages/{seq}` (recall any message).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Value};
use tern_proto::{ConversationId, Seq};

use super::error::ApiError;
use super::query::{self, Params};
use crate::service::admin_data as svc;
use crate::state::Shared;

fn path_conv(raw: &str) -> Result<ConversationId, ApiError> {
    ConversationId::parse(raw).map_err(|e| ApiError::bad(format!("path segment `conv`: {e}")))
}

const MILLIS: &str = "milliseconds since the Unix epoch, 0 or more";

/// Messages sent within `from..=to` (default: all time), by seq, after seq
/// `after`, at most `limit`; `next` is the `after` of the next page.
pub async fn history(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let conv = path_conv(&raw)?;
    let p = query::params(q, &["from", "to", "after", "limit"])?;
    let from = query::get::<u64>(&p, "from", MILLIS)?.unwrap_or(0);
    let to = query::get::<u64>(&p, "to", MILLIS)?.unwrap_or(i64::MAX as u64);
    let clamp = |n: u64| n.min(i64::MAX as u64) as i64;
    let after = query::get::<u64>(&p, "after", "a seq, 0 or more")?.unwrap_or(0);
    let limit = query::limit(&p)?;
    let range = (clamp(from), clamp(to));
    let (messages, next) = svc::conversation_page(&s, &conv, range, Seq(after), limit).await?;
    Ok(Json(
        json!({ "conv": conv, "messages": messages, "next": next }),
    ))
}

/// Recalls one message, whoever sent it, however long ago.
pub async fn recall(
    State(s): State<Arc<Shared>>,
    Path((c, seq)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let conv = path_conv(&c)?;
    let seq = seq
        .parse::<u64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| ApiError::bad("path segment `seq`: an integer from 1"))?;
    let by = svc::recall(&s, &conv, Seq(seq)).await?;
    Ok(Json(
        json!({ "conv": conv, "seq": seq, "recalled": true, "by": by }),
    ))
}
