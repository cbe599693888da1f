//! Per-user conversation settings and account settings on PostgreSQL (a port
//! of `sqlite::preferences`). The user's row is locked first, so concurrent
//! edits of one user's settings (from several server processes) apply one
//! after the other: the pin order and the read-modify-write of `body` stay right.

use tern_proto::settings::{apply_edit, EditContext, MAX_PINNED, MAX_UNSTARTED_CHATS};
use tern_proto::{
    AccountSettings, Change, ConvEdit, ConvSettings, ConversationId, ErrorCode, Seq, UserId,
};

use super::accounts::require_user;
use super::changelog::append_change;
use super::messages::check_access;
use super::Tx;
use crate::storage::{Delivery, StoreError, StoreResult};

async fn lock_user(c: &Tx<'_>, user: &UserId) -> StoreResult<()> {
    c.query_opt(
        "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
        &[&user.as_str()],
    )
    .await?;
    Ok(())
}

async fn require_conv(c: &Tx<'_>, user: &UserId, conv: &ConversationId) -> StoreResult<()> {
    check_access(c, user, conv).await?;
    if let Some(peer) = conv.peer_of(user) {
        require_user(c, peer).await?;
    }
    Ok(())
}

async fn load(c: &Tx<'_>, user: &UserId, conv: &ConversationId) -> StoreResult<ConvSettings> {
    let row = c
        .query_opt(
            "SELECT body FROM conv_settings WHERE user_id = $1 AND conv = $2",
            &[&user.as_str(), &conv.to_string()],
        )
        .await?;
    Ok(match row {
        Some(r) => serde_json::from_str(&r.try_get::<_, String>(0)?)?,
        None => ConvSettings::new(conv.clone()),
    })
}

/// See [`crate::storage::api::Preferences::edit_conv`].
pub(super) async fn edit_conv(
    c: &Tx<'_>,
    user: &UserId,
    conv: &ConversationId,
    edit: &ConvEdit,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<ConvSettings> {
    require_conv(c, user, conv).await?;
    lock_user(c, user).await?;
    let max_seq: Option<i64> = c
        .query_opt(
            "SELECT max_seq FROM conversations WHERE id = $1",
            &[&conv.to_string()],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let started = max_seq.is_some();
    let max_seq = max_seq.unwrap_or(0);
    let row = c
        .query_one(
            "SELECT MAX(pin_order), COUNT(pin_order) FROM conv_settings WHERE user_id = $1",
            &[&user.as_str()],
        )
        .await?;
    let (max_pin, pinned): (Option<i64>, i64) = (row.try_get(0)?, row.try_get(1)?);
    let cur = load(c, user, conv).await?;
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
        let row = c
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM conv_settings WHERE user_id = $1 AND conv = $2),
                   (SELECT COUNT(*) FROM conv_settings s WHERE s.user_id = $1
                      AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = s.conv))",
                &[&user.as_str(), &conv.to_string()],
            )
            .await?;
        let (known, unstarted): (bool, i64) = (row.try_get(0)?, row.try_get(1)?);
        if !known && unstarted as u64 >= MAX_UNSTARTED_CHATS {
            return Err(crate::storage::sqlite::preferences::unstarted_cap());
        }
    }
    c.execute(
        "INSERT INTO conv_settings (user_id, conv, pin_order, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, conv) DO UPDATE SET pin_order = $3, body = $4",
        &[
            &user.as_str(),
            &conv.to_string(),
            &next.pinned,
            &serde_json::to_string(&next)?,
        ],
    )
    .await?;
    let settings = next.clone();
    append_change(c, user, Change::ConvSettingsChanged { settings }, out).await?;
    Ok(next)
}

/// Every conversation setting of `user`, by conversation id.
pub(super) async fn conv_settings(c: &Tx<'_>, user: &UserId) -> StoreResult<Vec<ConvSettings>> {
    let rows = c
        .query(
            "SELECT body FROM conv_settings WHERE user_id = $1 ORDER BY conv COLLATE \"C\"",
            &[&user.as_str()],
        )
        .await?;
    rows.iter()
        .map(|r| Ok(serde_json::from_str(&r.try_get::<_, String>(0)?)?))
        .collect()
}

/// `user`'s account settings, the defaults when never set.
pub(super) async fn account_settings(c: &Tx<'_>, user: &UserId) -> StoreResult<AccountSettings> {
    let row = c
        .query_opt(
            "SELECT body FROM account_settings WHERE user_id = $1",
            &[&user.as_str()],
        )
        .await?;
    Ok(match row {
        Some(r) => serde_json::from_str(&r.try_get::<_, String>(0)?)?,
        None => AccountSettings::default(),
    })
}

/// Replaces `user`'s account settings; appends `settings_changed` when they differ.
pub(super) async fn set_account_settings(
    c: &Tx<'_>,
    user: &UserId,
    settings: &AccountSettings,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<AccountSettings> {
    lock_user(c, user).await?;
    let cur = account_settings(c, user).await?;
    let mut next = settings.clone();
    next.updated_at = cur.updated_at;
    if next == cur {
        return Ok(cur);
    }
    next.updated_at = now;
    c.execute(
        "INSERT INTO account_settings (user_id, body) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET body = $2",
        &[&user.as_str(), &serde_json::to_string(&next)?],
    )
    .await?;
    let settings = next.clone();
    append_change(c, user, Change::SettingsChanged { settings }, out).await?;
    Ok(next)
}
