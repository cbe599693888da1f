//! Bans and the admin user list on SQLite (see [`crate::storage::api::UserAdmin`]).

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{UserId, SYSTEM_USER};

use super::{accounts, SqliteStorage};
use crate::storage::api::{Ban, UserAdmin, UserRow};
use crate::storage::{StoreError, StoreResult};

fn ban_of(c: &Connection, user: &str) -> StoreResult<Option<Ban>> {
    Ok(
        c.prepare_cached("SELECT reason, banned_at FROM user_bans WHERE user_id = ?1")?
            .query_row([user], |r| {
                Ok(Ban {
                    reason: r.get(0)?,
                    banned_at: r.get(1)?,
                })
            })
            .optional()?,
    )
}

fn list(c: &Connection, query: &str, after: &str, limit: u32) -> StoreResult<Vec<UserRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT u.id, u.nickname, u.created_at, b.reason, b.banned_at
         FROM users u LEFT JOIN user_bans b ON b.user_id = u.id
         WHERE u.id > ?1 AND u.id <> ?2
           AND (?3 = '' OR instr(lower(u.id), lower(?3)) > 0 OR instr(lower(u.nickname), lower(?3)) > 0)
         ORDER BY u.id LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![after, SYSTEM_USER, query, limit], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<i64>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, nickname, created_at, reason, at) = row?;
        out.push(UserRow {
            user: UserId::new(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            nickname,
            created_at,
            ban: reason.map(|reason| Ban {
                reason,
                banned_at: at.unwrap_or(0),
            }),
        });
    }
    Ok(out)
}

#[async_trait]
impl UserAdmin for SqliteStorage {
    async fn ban_user(&self, user: &UserId, reason: &str, now: i64) -> StoreResult<()> {
        let (user, reason) = (user.clone(), reason.to_string());
        self.store
            .write(move |c| {
                accounts::require_user(c, &user)?;
                c.prepare_cached(
                    "INSERT INTO user_bans (user_id, reason, banned_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason",
                )?
                .execute(params![user.as_str(), reason, now])?;
                Ok(())
            })
            .await
    }

    async fn unban_user(&self, user: &UserId) -> StoreResult<bool> {
        let user = user.clone();
        self.store
            .write(move |c| {
                accounts::require_user(c, &user)?;
                let n = c
                    .prepare_cached("DELETE FROM user_bans WHERE user_id = ?1")?
                    .execute([user.as_str()])?;
                Ok(n == 1)
            })
            .await
    }

    async fn ban_of(&self, user: &UserId) -> StoreResult<Option<Ban>> {
        let user = user.clone();
        self.read(move |c| ban_of(c, user.as_str())).await
    }

    async fn list_users(
        &self,
        query: Option<&str>,
        after: Option<&UserId>,
        limit: u32,
    ) -> StoreResult<Vec<UserRow>> {
        let query = query.unwrap_or_default().to_string();
        let after = after.map(|a| a.to_string()).unwrap_or_default();
        self.read(move |c| list(c, &query, &after, limit)).await
    }
}
