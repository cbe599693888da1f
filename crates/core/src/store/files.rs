//! File messages waiting for their upload: the local message exists (state
//! `sending`, a placeholder file id) but is not in the outbox until the upload
//! has given it a real [`tern_proto::FileRef`]. An `uploads` row marks that
//! phase; whoever deletes it (the finished upload, or a cancel) decides what
//! happens to the message, in one transaction each.

use std::path::PathBuf;

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{ClientMsgId, Content, ConversationId, Millis, UserId};

use super::conversations::touch_conv;
use super::messages::message_by_client_id;
use super::rows::delivery_state;
use crate::error::{Detail, Error, Result};
use crate::types::{DeliveryState, LocalMessage};

/// An upload still to finish.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingUpload {
    /// The message's client id.
    pub client_id: ClientMsgId,
    /// Its conversation.
    pub conv: ConversationId,
    /// The local file to upload.
    pub path: PathBuf,
    /// Whether its message is `failed` (then only a resend restarts it).
    pub failed: bool,
}

fn json(v: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Storage(Detail::of(e)))
}

/// Puts a new file message in the cache (state `sending`, not in the outbox)
/// and records its upload, in one transaction.
pub(crate) fn queue_upload(
    c: &mut Connection,
    me: &UserId,
    conv: &ConversationId,
    client_id: &ClientMsgId,
    content: &Content,
    path: &std::path::Path,
    now: Millis,
) -> Result<LocalMessage> {
    let tx = c.transaction()?;
    tx.execute(
        "INSERT INTO messages (conv, client_id, sender, sent_at, content, state)
         VALUES (?1, ?2, ?3, ?4, ?5, 'sending')",
        params![
            conv.to_string(),
            client_id.as_str(),
            me.as_str(),
            now,
            json(content)?
        ],
    )?;
    tx.execute(
        "INSERT INTO uploads (client_id, conv, path, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            client_id.as_str(),
            conv.to_string(),
            path.to_string_lossy(),
            now
        ],
    )?;
    touch_conv(&tx, conv, None, now)?;
    tx.commit()?;
    message_by_client_id(c, me, me, client_id)?
        .ok_or_else(|| Error::Storage("queued message vanished".into()))
}

/// The upload of `client_id`, if it has not finished (nor been cancelled).
pub(crate) fn pending_upload(
    c: &Connection,
    me: &UserId,
    client_id: &ClientMsgId,
) -> Result<Option<PendingUpload>> {
    let row = c
        .query_row(
            "SELECT u.conv, u.path, m.state FROM uploads u
             JOIN messages m ON m.sender = ?1 AND m.client_id = u.client_id
             WHERE u.client_id = ?2",
            [me.as_str(), client_id.as_str()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    row.map(|(conv, path, state)| {
        Ok(PendingUpload {
            client_id: client_id.clone(),
            conv: ConversationId::parse(&conv).map_err(|e| Error::Storage(Detail::of(e)))?,
            path: PathBuf::from(path),
            failed: delivery_state(&state)? == DeliveryState::Failed,
        })
    })
    .transpose()
}

/// Every unfinished upload, oldest first (to restart them after a login).
pub(crate) fn pending_uploads(c: &Connection, me: &UserId) -> Result<Vec<PendingUpload>> {
    let ids: Vec<String> = c
        .prepare("SELECT client_id FROM uploads ORDER BY created_at, client_id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for id in ids {
        let id = ClientMsgId::new(id).map_err(|e| Error::Storage(Detail::of(e)))?;
        if let Some(p) = pending_upload(c, me, &id)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Deletes the record of the unfinished upload `client_id`; whether there was one.
fn take_upload(c: &Connection, client_id: &ClientMsgId) -> Result<bool> {
    let n = c.execute(
        "DELETE FROM uploads WHERE client_id = ?1",
        [client_id.as_str()],
    )?;
    Ok(n > 0)
}

/// The upload finished: gives the message its real content and hands it to the
/// outbox (same client id), in one transaction. Returns `None`, changing
/// nothing, when the upload was cancelled meanwhile.
pub(crate) fn finish_upload(
    c: &mut Connection,
    me: &UserId,
    client_id: &ClientMsgId,
    content: &Content,
    now: Millis,
) -> Result<Option<LocalMessage>> {
    let tx = c.transaction()?;
    if !take_upload(&tx, client_id)? {
        return Ok(None);
    }
    unindex_message(&tx, me, client_id)?;
    tx.execute(
        "UPDATE messages SET content = ?3 WHERE sender = ?1 AND client_id = ?2 AND seq IS NULL",
        params![me.as_str(), client_id.as_str(), json(content)?],
    )?;
    tx.execute(
        "INSERT INTO outbox (client_id, ord, queued_at, attempts, failed)
         VALUES (?1, (SELECT COALESCE(MAX(ord), 0) + 1 FROM outbox), ?2, 0, 0)
         ON CONFLICT (client_id) DO UPDATE SET queued_at = ?2, attempts = 0, failed = 0",
        params![client_id.as_str(), now],
    )?;
    tx.commit()?;
    message_by_client_id(c, me, me, client_id)
}

/// Cancels an unfinished upload: deletes its record and its local message.
/// Returns the removed message, or `None` when there was no unfinished upload
/// (it finished and the message is already in the outbox, or never existed).
pub(crate) fn cancel_upload(
    c: &mut Connection,
    me: &UserId,
    client_id: &ClientMsgId,
) -> Result<Option<LocalMessage>> {
    let tx = c.transaction()?;
    if !take_upload(&tx, client_id)? {
        return Ok(None);
    }
    let msg = message_by_client_id(&tx, me, me, client_id)?;
    unindex_message(&tx, me, client_id)?;
    tx.execute(
        "DELETE FROM messages WHERE sender = ?1 AND client_id = ?2 AND seq IS NULL",
        params![me.as_str(), client_id.as_str()],
    )?;
    tx.commit()?;
    Ok(msg)
}

/// Drops the message's search entry (re-made from its new content, or gone with it).
fn unindex_message(c: &Connection, me: &UserId, client_id: &ClientMsgId) -> Result<()> {
    let rowid: Option<i64> = c
        .query_row(
            "SELECT rowid FROM messages WHERE sender = ?1 AND client_id = ?2",
            [me.as_str(), client_id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    match rowid {
        Some(r) => super::search::unindex(c, r),
        None => Ok(()),
    }
}

/// Puts a failed file message back to `sending` (its upload restarts).
pub(crate) fn mark_uploading(c: &Connection, me: &UserId, client_id: &ClientMsgId) -> Result<()> {
    c.execute(
        "UPDATE messages SET state = 'sending', error = NULL
         WHERE sender = ?1 AND client_id = ?2 AND seq IS NULL",
        params![me.as_str(), client_id.as_str()],
    )?;
    Ok(())
}
