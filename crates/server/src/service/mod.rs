//! The use cases of the server, one module per domain. Each function
//! validates its arguments, authorises the caller (the rules that must hold at
//! commit are checked by the storage transaction itself), writes or reads
//! through [`crate::storage::Storage`], whose sink delivers after the commit.
//! The WebSocket handlers ([`crate::handlers`]) and the admin REST API
//! ([`crate::admin`]) are thin adapters over these functions; neither imports
//! the other. Errors are wire errors: a refusal with its code, or `Internal`.

pub mod accounts;
pub mod admin;
pub mod admin_data;
pub mod admin_groups;
pub mod admin_rooms;
pub mod files;
pub mod forward;
pub mod groups;
pub mod messages;
pub mod moderation;
pub mod preferences;
pub mod presence;
pub mod reactions;
pub mod rooms;
pub mod social;
pub mod webhooks;

use tern_proto::{ErrorCode, UserId, WireError};

use crate::state::Shared;

/// Result of a use case.
pub type ServiceResult<T> = Result<T, WireError>;

/// Most ids one request may carry (profiles, friends, presence).
pub const MAX_IDS: usize = 500;

/// An `InvalidArgument` error.
pub fn invalid(msg: impl Into<String>) -> WireError {
    WireError::new(ErrorCode::InvalidArgument, msg)
}

/// Checks that `text` has at most `max` characters (`TooLarge` otherwise).
pub fn check_len(field: &str, text: &str, max: usize) -> ServiceResult<()> {
    let n = text.chars().count();
    if n > max {
        return Err(WireError::new(
            ErrorCode::TooLarge,
            format!("`{field}` has {n} characters; at most {max} allowed"),
        ));
    }
    Ok(())
}

/// Checks that a list of user ids has at most `max` entries.
pub fn check_ids(field: &str, users: &[UserId], max: usize) -> ServiceResult<()> {
    if users.len() > max {
        return Err(invalid(format!(
            "`{field}` has {} ids; at most {max} per request",
            users.len()
        )));
    }
    Ok(())
}

/// Checks a search query: 1 to 64 characters.
pub fn check_query(query: &str) -> ServiceResult<()> {
    let n = query.chars().count();
    if !(1..=64).contains(&n) {
        return Err(invalid("query must be 1 to 64 characters"));
    }
    Ok(())
}

/// Cuts rows fetched with one more than `limit` (`limit.saturating_add(1)`: a
/// `max_page` of `u32::MAX` must not wrap to 0) back to `limit`; the second value is the next page's `after` (the
/// last row's key), `None` on the last page — also when that page is full.
pub fn paged<T, K>(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> K) -> (Vec<T>, Option<K>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(key) } else { None };
    (rows, next)
}

/// Clamps a requested page size to `1..=max_page` (default `default`).
pub fn page(shared: &Shared, limit: Option<u32>, default: u32) -> u32 {
    let max = shared.config.max_page.max(1);
    limit.unwrap_or(default).clamp(1, max)
}
