//! The admin API's reads on SQLite (see [`crate::storage::api::AdminQueries`]).

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{ConversationId, GroupId, Message, Seq, UserId, SYSTEM_USER};

use super::accounts::parse_user;
use super::history::{collect_messages, MESSAGE_SELECT};
use super::SqliteStorage;
use crate::storage::api::{AdminQueries, FileMeta, TimeRange, Totals};
use crate::storage::{StoreError, StoreResult};

fn no_conv(conv: &str) -> StoreError {
    StoreError::rejected(
        tern_proto::ErrorCode::NotFound,
        format!("no conversation {conv}"),
    )
}

/// One page of a user's messages for the export, in id order. There is no
/// `(sender, id)` index (migration 0017: it cost every send a page write), so the
/// page walks the table by id from `after` — one pass over the table per export —
/// and never the `(sender, client_id)` key, whose order would need a sort of all
/// the sender's messages for every page.
fn messages_of_sql() -> String {
    format!("{MESSAGE_SELECT} NOT INDEXED WHERE sender = ?1 AND id > ?2 ORDER BY id LIMIT ?3")
}

fn clamp(n: u64) -> i64 {
    n.min(i64::MAX as u64) as i64
}

fn list_groups(c: &Connection, query: &str, after: &str, limit: u32) -> StoreResult<Vec<GroupId>> {
    let mut stmt = c.prepare_cached(
        "SELECT id FROM groups WHERE dismissed_at IS NULL AND id > ?1
           AND (?2 = '' OR instr(lower(id), lower(?2)) > 0 OR instr(lower(name), lower(?2)) > 0)
         ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![after, query, limit], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for id in rows {
        out.push(GroupId::new(id?).map_err(|e| StoreError::Corrupt(format!("group id: {e}")))?);
    }
    Ok(out)
}

fn files_of(c: &Connection, user: &str, after: &str, limit: u32) -> StoreResult<Vec<FileMeta>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, name, size, mime, sha256, created_at FROM files
         WHERE uploader = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![user, after, limit], |r| {
        Ok(FileMeta {
            id: r.get(0)?,
            name: r.get(1)?,
            size: r.get::<_, i64>(2)?.max(0) as u64,
            mime: r.get(3)?,
            sha256: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn totals(c: &Connection) -> StoreResult<Totals> {
    let count = |sql: &str| -> StoreResult<u64> {
        let n: i64 = c.query_row(sql, [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    };
    let users: i64 = c.query_row(
        "SELECT COUNT(*) FROM users WHERE id <> ?1",
        [SYSTEM_USER],
        |r| r.get(0),
    )?;
    Ok(Totals {
        users: users.max(0) as u64,
        groups: count("SELECT COUNT(*) FROM groups WHERE dismissed_at IS NULL")?,
        messages: count("SELECT COUNT(*) FROM messages")?,
    })
}

#[async_trait]
impl AdminQueries for SqliteStorage {
    async fn list_groups(
        &self,
        query: Option<&str>,
        after: Option<&GroupId>,
        limit: u32,
    ) -> StoreResult<Vec<GroupId>> {
        let query = query.unwrap_or_default().to_string();
        let after = after.map(|a| a.to_string()).unwrap_or_default();
        self.read(move |c| list_groups(c, &query, &after, limit))
            .await
    }

    async fn message_sender(&self, conv: &ConversationId, seq: Seq) -> StoreResult<Option<UserId>> {
        let conv = conv.to_string();
        self.read(move |c| {
            let sender: Option<String> = c
                .prepare_cached("SELECT sender FROM messages WHERE conv = ?1 AND seq = ?2")?
                .query_row(params![conv, clamp(seq.0)], |r| r.get(0))
                .optional()?;
            sender.map(parse_user).transpose()
        })
        .await
    }

    async fn messages_between(
        &self,
        conv: &ConversationId,
        range: TimeRange,
    ) -> StoreResult<Vec<Message>> {
        let conv = conv.to_string();
        self.read(move |c| {
            let known: bool = c
                .prepare_cached("SELECT EXISTS(SELECT 1 FROM conversations WHERE id = ?1)")?
                .query_row([&conv], |r| r.get(0))?;
            if !known {
                return Err(no_conv(&conv));
            }
            let sql = format!(
                "{MESSAGE_SELECT} WHERE conv = ?1 AND seq > ?2 AND sent_at >= ?3 AND sent_at <= ?4
                 ORDER BY seq LIMIT ?5"
            );
            let p = params![
                conv,
                clamp(range.after.0),
                range.from,
                range.to,
                range.limit
            ];
            collect_messages(c, &sql, p)
        })
        .await
    }

    async fn messages_of(
        &self,
        user: &UserId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        let user = user.to_string();
        self.read(move |c| {
            collect_messages(c, &messages_of_sql(), params![user, clamp(after), limit])
        })
        .await
    }

    async fn files_of(&self, user: &UserId, after: &str, limit: u32) -> StoreResult<Vec<FileMeta>> {
        let (user, after) = (user.to_string(), after.to_string());
        self.read(move |c| files_of(c, &user, &after, limit)).await
    }

    async fn user_created_at(&self, user: &UserId) -> StoreResult<Option<i64>> {
        let user = user.to_string();
        self.read(move |c| {
            Ok(
                c.prepare_cached("SELECT created_at FROM users WHERE id = ?1")?
                    .query_row([user], |r| r.get(0))
                    .optional()?,
            )
        })
        .await
    }

    async fn totals(&self) -> StoreResult<Totals> {
        self.read(totals).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The export's page is a range of the table by id: no index, no sort.
    #[test]
    fn export_page_walks_the_table_by_id() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = super::super::open_with_schema(&dir.path().join("t.db")).expect("open");
        let plan: Vec<String> = c
            .prepare(&format!("EXPLAIN QUERY PLAN {}", messages_of_sql()))
            .expect("prepare")
            .query_map(params!["alice", 0, 500], |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(
            plan,
            ["SEARCH messages USING INTEGER PRIMARY KEY (rowid>?)"],
            "{plan:?}"
        );
        let sender_index: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'messages_by_sender'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(sender_index, 0, "the send path keeps no (sender, id) index");
    }
}
