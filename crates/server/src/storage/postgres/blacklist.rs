//! The blacklist on PostgreSQL (a port of `sqlite::blacklist`).

use tern_proto::{Change, ErrorCode, UserId};

use super::accounts::require_user;
use super::changelog::append_change;
use super::{parse_user, Tx};
use crate::storage::{Delivery, StoreError, StoreResult};

pub(super) async fn is_blocked(c: &Tx<'_>, owner: &UserId, other: &UserId) -> StoreResult<bool> {
    Ok(c.query_one(
        "SELECT EXISTS(SELECT 1 FROM blacklist WHERE owner = $1 AND blocked = $2)",
        &[&owner.as_str(), &other.as_str()],
    )
    .await?
    .try_get(0)?)
}

pub(super) async fn block(
    c: &Tx<'_>,
    me: &UserId,
    user: &UserId,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    if me == user {
        return Err(StoreError::rejected(
            ErrorCode::SelfTarget,
            "you cannot block yourself",
        ));
    }
    require_user(c, user).await?;
    let n = c
        .execute(
            "INSERT INTO blacklist (owner, blocked, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (owner, blocked) DO NOTHING",
            &[&me.as_str(), &user.as_str(), &now],
        )
        .await?;
    if n == 1 {
        append_change(c, me, Change::BlackAdded { user: user.clone() }, out).await?;
    }
    Ok(())
}

pub(super) async fn unblock(
    c: &Tx<'_>,
    me: &UserId,
    user: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let n = c
        .execute(
            "DELETE FROM blacklist WHERE owner = $1 AND blocked = $2",
            &[&me.as_str(), &user.as_str()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::rejected(
            ErrorCode::NotFound,
            format!("{user} is not on your blacklist"),
        ));
    }
    append_change(c, me, Change::BlackDeleted { user: user.clone() }, out).await
}

pub(super) async fn user_list(c: &Tx<'_>, sql: &str, user: &UserId) -> StoreResult<Vec<UserId>> {
    let rows = c.query(sql, &[&user.as_str()]).await?;
    rows.iter().map(|r| parse_user(r.try_get(0)?)).collect()
}

pub(super) async fn blocked(c: &Tx<'_>, me: &UserId) -> StoreResult<Vec<UserId>> {
    user_list(
        c,
        "SELECT blocked FROM blacklist WHERE owner = $1 ORDER BY blocked COLLATE \"C\"",
        me,
    )
    .await
}

pub(super) async fn blocked_by(c: &Tx<'_>, user: &UserId) -> StoreResult<Vec<UserId>> {
    user_list(c, "SELECT owner FROM blacklist WHERE blocked = $1", user).await
}
