//! Bans (a banned user cannot log in and is kicked) and the paged, searchable
//! user list of the admin API.

use tern_proto::{ErrorCode, KickReason, UserId, WireError, SYSTEM_USER};

use super::{check_len, invalid, ServiceResult};
use crate::state::Shared;
use crate::storage::api::{Ban, UserRow};
use crate::storage::now_ms;

/// Longest ban reason, in characters.
pub const MAX_REASON: usize = 256;

/// Bans `user` with `reason`: every session is revoked and every connection
/// kicked (`kicked`, reason `admin`); logins and resumes are refused until
/// [`unban`]. Returns the sessions revoked.
pub async fn ban(s: &Shared, user: &UserId, reason: &str) -> ServiceResult<usize> {
    refuse_system(user)?;
    if reason.trim().is_empty() {
        return Err(invalid("`reason` must not be empty"));
    }
    check_len("reason", reason, MAX_REASON)?;
    s.store.ban_user(user, reason, now_ms()).await?;
    // After the ban is committed: a login racing it is refused by the ban
    // check or its session is revoked here.
    Ok(s.store
        .revoke_sessions(user, None, KickReason::Admin)
        .await?)
}

/// Lifts `user`'s ban; false when there was none.
pub async fn unban(s: &Shared, user: &UserId) -> ServiceResult<bool> {
    refuse_system(user)?;
    Ok(s.store.unban_user(user).await?)
}

fn refuse_system(user: &UserId) -> ServiceResult<()> {
    if user.as_str() == SYSTEM_USER {
        return Err(WireError::new(
            ErrorCode::Forbidden,
            "the `system` account is never banned",
        ));
    }
    Ok(())
}

/// `user`'s ban, if any.
pub async fn ban_of(s: &Shared, user: &UserId) -> ServiceResult<Option<Ban>> {
    Ok(s.store.ban_of(user).await?)
}

/// Refuses a login or resume of a banned user (`Forbidden`, with the reason).
pub async fn refuse_banned(s: &Shared, user: &UserId) -> ServiceResult<()> {
    match s.store.ban_of(user).await? {
        Some(ban) => Err(WireError::new(
            ErrorCode::Forbidden,
            format!("this account is banned: {}", ban.reason),
        )),
        None => Ok(()),
    }
}

/// A page of users ordered by id, after `after`, matching `query` (id or
/// nickname contains it, ASCII case-insensitive; 1 to 64 characters), at
/// most `limit` (default 50, clamped to `max_page`). The second value is the
/// `after` of the next page, when there may be one.
pub async fn list_users(
    s: &Shared,
    query: Option<&str>,
    after: Option<&UserId>,
    limit: Option<u32>,
) -> ServiceResult<(Vec<UserRow>, Option<UserId>)> {
    if let Some(q) = query {
        super::check_query(q)?;
    }
    let limit = super::page(s, limit, 50);
    let users = s
        .store
        .list_users(query, after, limit.saturating_add(1))
        .await?;
    Ok(super::paged(users, limit, |u| u.user.clone()))
}
