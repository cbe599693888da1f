//! Query strings of the admin API's list routes: only the named parameters,
//! each checked with a 400 that names it.

use std::collections::HashMap;
use std::str::FromStr;

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;

use super::error::ApiError;

/// The parameters of one request.
pub type Params = HashMap<String, String>;

/// The query string, refusing parameters not in `allowed`.
pub fn params(
    query: Result<Query<Params>, QueryRejection>,
    allowed: &[&str],
) -> Result<Params, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::bad(format!("bad query string: {e}")))?;
    if let Some(k) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        let names: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
        return Err(ApiError::bad(format!(
            "unknown query parameter `{k}`; expected {}",
            names.join(", ")
        )));
    }
    Ok(params)
}

/// Parameter `name` parsed as `T`, if given; `what` says what it must be.
pub fn get<T: FromStr>(p: &Params, name: &str, what: &str) -> Result<Option<T>, ApiError> {
    match p.get(name) {
        Some(v) => v
            .parse::<T>()
            .map(Some)
            .map_err(|_| ApiError::bad(format!("query parameter `{name}`: {what}"))),
        None => Ok(None),
    }
}

/// `limit`: an integer from 1 (larger asks are clamped to `max_page`).
pub fn limit(p: &Params) -> Result<Option<u32>, ApiError> {
    match get::<u32>(p, "limit", LIMIT)? {
        Some(0) => Err(ApiError::bad(format!("query parameter `limit`: {LIMIT}"))),
        l => Ok(l),
    }
}

const LIMIT: &str = "an integer from 1 (larger asks are clamped to max_page)";

/// Parameter `name` parsed by `parse` (an id), if given.
pub fn id<T, E: std::fmt::Display>(
    p: &Params,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, ApiError> {
    p.get(name)
        .map(|v| parse(v).map_err(|e| ApiError::bad(format!("query parameter `{name}`: {e}"))))
        .transpose()
}
