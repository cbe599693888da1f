//! Bans and the admin user list on PostgreSQL (a port of `sqlite::user_admin`).

use async_trait::async_trait;
use tern_proto::{UserId, SYSTEM_USER};

use super::{accounts, parse_user, read, tx, PgStorage, Tx};
use crate::storage::api::{Ban, UserAdmin, UserRow};
use crate::storage::StoreResult;

async fn ban(c: &Tx<'_>, user: &UserId, reason: &str, now: i64) -> StoreResult<()> {
    accounts::require_user(c, user).await?;
    c.execute(
        "INSERT INTO user_bans (user_id, reason, banned_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason",
        &[&user.as_str(), &reason, &now],
    )
    .await?;
    Ok(())
}

async fn unban(c: &Tx<'_>, user: &UserId) -> StoreResult<bool> {
    accounts::require_user(c, user).await?;
    let n = c
        .execute(
            "DELETE FROM user_bans WHERE user_id = $1",
            &[&user.as_str()],
        )
        .await?;
    Ok(n == 1)
}

async fn ban_of(c: &Tx<'_>, user: &UserId) -> StoreResult<Option<Ban>> {
    let row = c
        .query_opt(
            "SELECT reason, banned_at FROM user_bans WHERE user_id = $1",
            &[&user.as_str()],
        )
        .await?;
    Ok(match row {
        Some(r) => Some(Ban {
            reason: r.try_get(0)?,
            banned_at: r.try_get(1)?,
        }),
        None => None,
    })
}

async fn list(c: &Tx<'_>, query: &str, after: &str, limit: u32) -> StoreResult<Vec<UserRow>> {
    let rows = c
        .query(
            "SELECT u.id, u.nickname, u.created_at, b.reason, b.banned_at
             FROM users u LEFT JOIN user_bans b ON b.user_id = u.id
             WHERE u.id COLLATE \"C\" > $1 AND u.id <> $2
               AND ($3 = '' OR strpos(lower(u.id), lower($3)) > 0 OR strpos(lower(u.nickname), lower($3)) > 0)
             ORDER BY u.id COLLATE \"C\" LIMIT $4",
            &[&after, &SYSTEM_USER, &query, &(limit as i64)],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let reason: Option<String> = r.try_get(3)?;
        let at: Option<i64> = r.try_get(4)?;
        out.push(UserRow {
            user: parse_user(r.try_get(0)?)?,
            nickname: r.try_get(1)?,
            created_at: r.try_get(2)?,
            ban: reason.map(|reason| Ban {
                reason,
                banned_at: at.unwrap_or(0),
            }),
        });
    }
    Ok(out)
}

#[async_trait]
impl UserAdmin for PgStorage {
    async fn ban_user(&self, user: &UserId, reason: &str, now: i64) -> StoreResult<()> {
        tx!(self, |tx| ban(&tx, user, reason, now).await)
    }

    async fn unban_user(&self, user: &UserId) -> StoreResult<bool> {
        tx!(self, |tx| unban(&tx, user).await)
    }

    async fn ban_of(&self, user: &UserId) -> StoreResult<Option<Ban>> {
        read!(self, |tx| ban_of(&tx, user).await)
    }

    async fn list_users(
        &self,
        query: Option<&str>,
        after: Option<&UserId>,
        limit: u32,
    ) -> StoreResult<Vec<UserRow>> {
        let query = query.unwrap_or_default();
        let after = after.map(|a| a.as_str()).unwrap_or_default();
        read!(self, |tx| list(&tx, query, after, limit).await)
    }
}
