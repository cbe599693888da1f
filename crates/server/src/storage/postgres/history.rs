//! Reading conversations on PostgreSQL: message ranges (pull, history), the
//! conversation list and recalls (a port of `sqlite::history`).

use tern_proto::{Content, ConversationId, ConversationInfo, Message, RecallEntry, Seq, UserId};

use super::messages::{message_row, MESSAGE_SELECT};
use super::Tx;
use crate::storage::budget::Budget;
use crate::storage::{StoreError, StoreResult};
use futures_util::TryStreamExt;

/// The messages `sql` selects, read as they arrive until `budget` (one
/// answer's) is used up (the rest is discarded unread).
async fn collect(
    c: &Tx<'_>,
    sql: &str,
    p: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    budget: &mut Budget,
) -> StoreResult<Vec<Message>> {
    let rows = c.query_stream(sql, p).await?;
    futures_util::pin_mut!(rows);
    let mut out = Vec::new();
    while let Some(r) = rows.try_next().await? {
        // content, ext, mentions: the columns of unbounded size.
        let mut bytes = 0;
        for i in [6, 7, 10] {
            bytes += r.try_get::<_, Option<&str>>(i)?.map_or(0, str::len);
        }
        if !budget.admits(bytes) {
            break;
        }
        out.push(message_row(&r)?);
    }
    Ok(out)
}

pub(super) async fn pull(
    c: &Tx<'_>,
    conv: &ConversationId,
    from: Seq,
    to: Seq,
    limit: u32,
) -> StoreResult<Vec<Message>> {
    let sql = format!(
        "{MESSAGE_SELECT} WHERE conv = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4"
    );
    collect(
        c,
        &sql,
        &[
            &conv.to_string(),
            &(from.0.min(i64::MAX as u64) as i64),
            &(to.0.min(i64::MAX as u64) as i64),
            &i64::from(limit),
        ],
        &mut Budget::default(),
    )
    .await
}

pub(super) async fn history(
    c: &Tx<'_>,
    conv: &ConversationId,
    before: Option<Seq>,
    floor: u64,
    limit: u32,
) -> StoreResult<Vec<Message>> {
    history_within(c, conv, before, floor, limit, &mut Budget::default()).await
}

/// [`history`] within `budget`.
async fn history_within(
    c: &Tx<'_>,
    conv: &ConversationId,
    before: Option<Seq>,
    floor: u64,
    limit: u32,
    budget: &mut Budget,
) -> StoreResult<Vec<Message>> {
    let before = before
        .map(|s| s.0.min(i64::MAX as u64) as i64)
        .unwrap_or(i64::MAX);
    let floor = floor.min(i64::MAX as u64) as i64;
    let sql = format!(
        "{MESSAGE_SELECT} WHERE conv = $1 AND seq < $2 AND seq > $3 ORDER BY seq DESC LIMIT $4"
    );
    collect(
        c,
        &sql,
        &[&conv.to_string(), &before, &floor, &i64::from(limit)],
        budget,
    )
    .await
}

pub(super) async fn conversations(c: &Tx<'_>, user: &UserId) -> StoreResult<Vec<ConversationInfo>> {
    let rows = c
        .query(
            "SELECT c.id, c.max_seq, m.read_seq, c.recall_version,
               CASE WHEN c.kind = 'direct' THEN (SELECT MAX(p.read_seq) FROM members p
                 WHERE p.conv = c.id AND p.user_id <> m.user_id) END, m.visible_from,
               c.edit_version, c.reaction_version, c.pin_version
             FROM members m JOIN conversations c ON c.id = m.conv
             WHERE m.user_id = $1 ORDER BY c.last_at DESC, c.id COLLATE \"C\"",
            &[&user.as_str()],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    // The last messages share one answer's budget: past it `last` is left out.
    let mut budget = Budget::default();
    for r in rows {
        let id: String = r.try_get(0)?;
        let conv = ConversationId::parse(&id)
            .map_err(|e| StoreError::Corrupt(format!("conversation id: {e}")))?;
        let (max, read) = (
            r.try_get::<_, i64>(1)? as u64,
            r.try_get::<_, i64>(2)? as u64,
        );
        let peer_read: Option<i64> = r.try_get(4)?;
        let floor = r.try_get::<_, i64>(5)? as u64;
        let last = history_within(c, &conv, None, floor, 1, &mut budget)
            .await?
            .pop();
        out.push(ConversationInfo {
            conv,
            max_seq: Seq(max),
            read_seq: Seq(read),
            peer_read_seq: Seq(peer_read.unwrap_or(0) as u64),
            unread: max.saturating_sub(read),
            last,
            recall_version: r.try_get::<_, i64>(3)? as u64,
            edit_version: r.try_get::<_, i64>(6)? as u64,
            reaction_version: r.try_get::<_, i64>(7)? as u64,
            pin_version: r.try_get::<_, i64>(8)? as u64,
            visible_from: Seq(floor),
        });
    }
    Ok(out)
}

pub(super) async fn recalls(
    c: &Tx<'_>,
    conv: &ConversationId,
    since: u64,
    limit: u32,
) -> StoreResult<(u64, Vec<RecallEntry>)> {
    let latest: i64 = c
        .query_opt(
            "SELECT recall_version FROM conversations WHERE id = $1",
            &[&conv.to_string()],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or(0);
    let rows = c
        .query(
            "SELECT recall_version, seq, content FROM messages
             WHERE conv = $1 AND recall_version > $2 ORDER BY recall_version LIMIT $3",
            &[
                &conv.to_string(),
                &(since.min(i64::MAX as u64) as i64),
                &i64::from(limit),
            ],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (version, seq, content): (i64, i64, String) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let Content::Recalled { by, at } = serde_json::from_str(&content)? else {
            return Err(StoreError::Corrupt(format!(
                "message {seq} of {conv} has a recall version but no tombstone"
            )));
        };
        out.push(RecallEntry {
            version: version as u64,
            seq: Seq(seq as u64),
            by,
            at,
        });
    }
    Ok((latest as u64, out))
}
