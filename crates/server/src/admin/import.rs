//! `POST /admin/import/users`: creates up to 100 accounts in one request, each
//! row as `POST /admin/users` would, with a result per row.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tern_proto::UserId;

use super::body::Body;
use super::error::ApiError;
use crate::service::admin_data::{self, ImportRow};
use crate::state::Shared;

/// Body of `POST /admin/import/users`. Rows are read one by one, so a bad
/// row is reported as `invalid` instead of refusing the whole batch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportUsers {
    /// 1 to 100 rows `{"user", "password", "nickname"?}`.
    pub users: Vec<Value>,
}

/// One row, strictly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    user: UserId,
    password: String,
    #[serde(default)]
    nickname: Option<String>,
}

fn row(v: Value) -> ImportRow {
    let user = v.get("user").and_then(Value::as_str).map(str::to_string);
    if !v.is_object() {
        return Err((None, "a row must be a JSON object".into()));
    }
    let bytes = v.to_string();
    match super::body::parse::<Row>(bytes.as_bytes()) {
        Ok(r) => Ok((r.user, r.password, r.nickname)),
        Err(e) => Err((user, e.error.message.replacen("invalid body: ", "", 1))),
    }
}

/// Creates each row's account; 200 with `results` in row order and counts.
pub async fn users(
    State(s): State<Arc<Shared>>,
    Body(b): Body<ImportUsers>,
) -> Result<Json<Value>, ApiError> {
    let rows: Vec<ImportRow> = b.users.into_iter().map(row).collect();
    let results = admin_data::import(&s, rows).await?;
    let count = |r: &str| results.iter().filter(|x| x.result == r).count();
    let (created, exists, invalid) = (count("created"), count("exists"), count("invalid"));
    Ok(Json(json!({
        "results": results, "created": created, "exists": exists, "invalid": invalid,
    })))
}
