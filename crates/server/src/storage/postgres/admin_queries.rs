//! The admin API's reads on PostgreSQL (a port of `sqlite::admin_queries`).

use async_trait::async_trait;
use tern_proto::{ConversationId, GroupId, Message, Seq, UserId, SYSTEM_USER};

use super::messages::{message_row, MESSAGE_SELECT};
use super::{corrupt, parse_user, read, PgStorage, Tx};
use crate::storage::api::{AdminQueries, FileMeta, TimeRange, Totals};
use crate::storage::{StoreError, StoreResult};

fn clamp(n: u64) -> i64 {
    n.min(i64::MAX as u64) as i64
}

async fn list_groups(
    c: &Tx<'_>,
    query: &str,
    after: &str,
    limit: u32,
) -> StoreResult<Vec<GroupId>> {
    let rows = c
        .query(
            "SELECT id FROM groups WHERE dismissed_at IS NULL AND id COLLATE \"C\" > $1
               AND ($2 = '' OR strpos(lower(id), lower($2)) > 0 OR strpos(lower(name), lower($2)) > 0)
             ORDER BY id COLLATE \"C\" LIMIT $3",
            &[&after, &query, &i64::from(limit)],
        )
        .await?;
    rows.iter()
        .map(|r| GroupId::new(r.try_get::<_, String>(0)?).map_err(corrupt))
        .collect()
}

async fn files_of(c: &Tx<'_>, user: &str, after: &str, limit: u32) -> StoreResult<Vec<FileMeta>> {
    let rows = c
        .query(
            "SELECT id, name, size, mime, sha256, created_at FROM files
             WHERE uploader = $1 AND id COLLATE \"C\" > $2 ORDER BY id COLLATE \"C\" LIMIT $3",
            &[&user, &after, &i64::from(limit)],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(FileMeta {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            size: r.try_get::<_, i64>(2)?.max(0) as u64,
            mime: r.try_get(3)?,
            sha256: r.try_get(4)?,
            created_at: r.try_get(5)?,
        });
    }
    Ok(out)
}

async fn totals(c: &Tx<'_>) -> StoreResult<Totals> {
    let r = c
        .query_one(
            "SELECT (SELECT COUNT(*) FROM users WHERE id <> $1),
                    (SELECT COUNT(*) FROM groups WHERE dismissed_at IS NULL),
                    (SELECT COUNT(*) FROM messages)",
            &[&SYSTEM_USER],
        )
        .await?;
    let n = |i: usize| -> StoreResult<u64> { Ok(r.try_get::<_, i64>(i)?.max(0) as u64) };
    Ok(Totals {
        users: n(0)?,
        groups: n(1)?,
        messages: n(2)?,
    })
}

async fn messages(
    c: &Tx<'_>,
    sql: &str,
    p: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> StoreResult<Vec<Message>> {
    c.query(sql, p).await?.iter().map(message_row).collect()
}

#[async_trait]
impl AdminQueries for PgStorage {
    async fn list_groups(
        &self,
        query: Option<&str>,
        after: Option<&GroupId>,
        limit: u32,
    ) -> StoreResult<Vec<GroupId>> {
        let query = query.unwrap_or_default();
        let after = after.map(|a| a.as_str()).unwrap_or_default();
        read!(self, |tx| list_groups(&tx, query, after, limit).await)
    }

    async fn message_sender(&self, conv: &ConversationId, seq: Seq) -> StoreResult<Option<UserId>> {
        let conv = conv.to_string();
        read!(self, |tx| {
            let row = tx
                .query_opt(
                    "SELECT sender FROM messages WHERE conv = $1 AND seq = $2",
                    &[&conv, &clamp(seq.0)],
                )
                .await?;
            match row {
                Some(r) => Ok(Some(parse_user(r.try_get(0)?)?)),
                None => Ok(None),
            }
        })
    }

    async fn messages_between(
        &self,
        conv: &ConversationId,
        range: TimeRange,
    ) -> StoreResult<Vec<Message>> {
        let conv = conv.to_string();
        let sql = format!(
            "{MESSAGE_SELECT} WHERE conv = $1 AND seq > $2 AND sent_at >= $3 AND sent_at <= $4
             ORDER BY seq LIMIT $5"
        );
        let (after, limit) = (clamp(range.after.0), i64::from(range.limit));
        read!(self, |tx| {
            let known: bool = tx
                .query_one(
                    "SELECT EXISTS(SELECT 1 FROM conversations WHERE id = $1)",
                    &[&conv],
                )
                .await?
                .try_get(0)?;
            if !known {
                return Err(StoreError::rejected(
                    tern_proto::ErrorCode::NotFound,
                    format!("no conversation {conv}"),
                ));
            }
            messages(&tx, &sql, &[&conv, &after, &range.from, &range.to, &limit]).await
        })
    }

    async fn messages_of(
        &self,
        user: &UserId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        let sql = format!("{MESSAGE_SELECT} WHERE sender = $1 AND id > $2 ORDER BY id LIMIT $3");
        let (after, limit) = (clamp(after), i64::from(limit));
        read!(self, |tx| {
            messages(&tx, &sql, &[&user.as_str(), &after, &limit]).await
        })
    }

    async fn files_of(&self, user: &UserId, after: &str, limit: u32) -> StoreResult<Vec<FileMeta>> {
        read!(self, |tx| files_of(&tx, user.as_str(), after, limit).await)
    }

    async fn user_created_at(&self, user: &UserId) -> StoreResult<Option<i64>> {
        read!(self, |tx| {
            let row = tx
                .query_opt(
                    "SELECT created_at FROM users WHERE id = $1",
                    &[&user.as_str()],
                )
                .await?;
            match row {
                Some(r) => Ok(Some(r.try_get(0)?)),
                None => Ok(None),
            }
        })
    }

    async fn totals(&self) -> StoreResult<Totals> {
        read!(self, |tx| totals(&tx).await)
    }
}
