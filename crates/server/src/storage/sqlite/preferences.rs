//! Per-user conversation settings and account settings on SQLite. The merge
//! rules are tern-proto's `settings::apply_edit`; this file loads, checks
//! access, stores and appends the change-log entry in the caller's transaction.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::settings::{apply_edit, EditContext, MAX_PINNED, MAX_UNSTARTED_CHATS};
use tern_proto::{
    AccountSettings, Change, ConvEdit, ConvSettings, ConversationId, ErrorCode, Seq, UserId,
};

use super::accounts::require_user;
use super::changelog::{append_change, Delivery};
use super::messages::check_access;
use super::{StoreError, StoreResult};

/// Fails unless `user` may keep settings for `conv`: a group they are in
/// (`NotFound` for no such group), or a direct conversation of theirs with a
/// user that exists (`NotFound` otherwise; `Forbidden` when not theirs).
fn require_conv(conn: &Connection, user: &UserId, conv: &ConversationId) -> StoreResult<()> {
    check_access(conn, user, conv)?;
    if let Some(peer) = conv.peer_of(user) {
        require_user(conn, peer)?;
    }
    Ok(())
}

/// The refusal past [`MAX_UNSTARTED_CHATS`].
pub(crate) fn unstarted_cap() -> StoreError {
    StoreError::rejected(
        ErrorCode::InvalidArgument,
        format!(
            "settings (a draft, a pin) are kept for at most {MAX_UNSTARTED_CHATS} one-to-one chats \
             not started yet; send a message first"
        ),
    )
}

fn load(conn: &Connection, user: &UserId, conv: &ConversationId) -> StoreResult<ConvSettings> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM conv_settings WHERE user_id = ?1 AND conv = ?2")?
        .query_row([user.as_str(), &conv.to_string()], |r| r.get(0))
        .optional()?;
    Ok(match body {
        Some(b) => serde_json::from_str(&b)?,
        None => ConvSettings::new(conv.clone()),
    })
}

/// See [`crate::storage::api::Preferences::edit_conv`].
pub fn edit_conv(
    conn: &Connection,
    user: &UserId,
    conv: &ConversationId,
    edit: &ConvEdit,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<ConvSettings> {
    require_conv(conn, user, conv)?;
    let max_seq: Option<i64> = conn
        .prepare_cached("SELECT max_seq FROM conversations WHERE id = ?1")?
        .query_row([conv.to_string()], |r| r.get(0))
        .optional()?;
    let started = max_seq.is_some();
    let max_seq = max_seq.unwrap_or(0);
    let (max_pin, pinned): (Option<i64>, i64) = conn
        .prepare_cached(
            "SELECT MAX(pin_order), COUNT(pin_order) FROM conv_settings WHERE user_id = ?1",
        )?
        .query_row([user.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let cur = load(conn, user, conv)?;
    if matches!(edit, ConvEdit::Pin { .. }) && cur.pinned.is_none() && pinned as u64 >= MAX_PINNED {
        return Err(StoreError::rejected(
            ErrorCode::InvalidArgument,
            format!("at most {MAX_PINNED} conversations can be pinned"),
        ));
    }
    let cx = EditContext {
        max_seq: Seq(max_seq as u64),
        max_pin,
        now,
    };
    let Some(next) = apply_edit(&cur, edit, cx) else {
        return Ok(cur);
    };
    if !started {
        // A one-to-one chat not started yet: a new one counts against the cap
        // (a change that changes nothing was answered above).
        let (known, unstarted): (bool, i64) = conn
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM conv_settings WHERE user_id = ?1 AND conv = ?2),
                   (SELECT COUNT(*) FROM conv_settings s WHERE s.user_id = ?1
                      AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = s.conv))",
            )?
            .query_row([user.as_str(), &conv.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        if !known && unstarted as u64 >= MAX_UNSTARTED_CHATS {
            return Err(unstarted_cap());
        }
    }
    conn.prepare_cached(
        "INSERT INTO conv_settings (user_id, conv, pin_order, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, conv) DO UPDATE SET pin_order = ?3, body = ?4",
    )?
    .execute(params![
        user.as_str(),
        conv.to_string(),
        next.pinned,
        serde_json::to_string(&next)?
    ])?;
    let settings = next.clone();
    append_change(conn, user, Change::ConvSettingsChanged { settings }, out)?;
    Ok(next)
}

/// Every conversation setting of `user`, by conversation id.
pub fn conv_settings(conn: &Connection, user: &UserId) -> StoreResult<Vec<ConvSettings>> {
    let mut stmt =
        conn.prepare_cached("SELECT body FROM conv_settings WHERE user_id = ?1 ORDER BY conv")?;
    let rows = stmt.query_map([user.as_str()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in rows {
        out.push(serde_json::from_str(&body?)?);
    }
    Ok(out)
}

/// `user`'s account settings, the defaults when never set.
pub fn account_settings(conn: &Connection, user: &UserId) -> StoreResult<AccountSettings> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM account_settings WHERE user_id = ?1")?
        .query_row([user.as_str()], |r| r.get(0))
        .optional()?;
    Ok(match body {
        Some(b) => serde_json::from_str(&b)?,
        None => AccountSettings::default(),
    })
}

/// Replaces `user`'s account settings; appends `settings_changed` when they differ.
pub fn set_account_settings(
    conn: &Connection,
    user: &UserId,
    settings: &AccountSettings,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<AccountSettings> {
    let cur = account_settings(conn, user)?;
    let mut next = settings.clone();
    next.updated_at = cur.updated_at;
    if next == cur {
        return Ok(cur);
    }
    next.updated_at = now;
    conn.prepare_cached(
        "INSERT INTO account_settings (user_id, body) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET body = ?2",
    )?
    .execute(params![user.as_str(), serde_json::to_string(&next)?])?;
    let settings = next.clone();
    append_change(conn, user, Change::SettingsChanged { settings }, out)?;
    Ok(next)
}
