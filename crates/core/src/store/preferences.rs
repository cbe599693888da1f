//! My settings that the server keeps and syncs to all my devices (see
//! tern-proto's `settings`): each conversation's (pin, mute, archive, draft,
//! clear history) in `conv_settings`, the account's notification settings in
//! `meta`. Written only from the server's change log or a snapshot, so every
//! device holds the same values.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{AccountSettings, Change, ConvSettings, ConversationId};

use super::rows::ensure_conv;
use crate::error::Result;
use crate::event::Event;

const ACCOUNT_KEY: &str = "account_settings";

/// Stores one conversation's settings; its synced draft becomes the local draft.
pub(crate) fn upsert(c: &Connection, s: &ConvSettings) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO conv_settings (conv, cleared_seq, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (conv) DO UPDATE SET cleared_seq = ?2, body = ?3",
    )?
    .execute(params![
        s.conv.to_string(),
        s.cleared_seq.0 as i64,
        serde_json::to_string(s)?
    ])?;
    ensure_conv(c, &s.conv)?;
    c.prepare_cached("UPDATE conversations SET draft = ?2 WHERE conv = ?1")?
        .execute(params![s.conv.to_string(), s.draft])?;
    Ok(())
}

/// Applies a change-log entry; returns the event announcing it (a settings
/// entry), `None` for any other entry.
pub(crate) fn apply_change(c: &Connection, change: &Change) -> Result<Option<Event>> {
    match change {
        Change::ConvSettingsChanged { settings } => {
            upsert(c, settings)?;
            Ok(Some(Event::ConvSettingsChanged {
                settings: Box::new(settings.clone()),
            }))
        }
        Change::SettingsChanged { settings } => {
            set_account(c, settings)?;
            Ok(Some(Event::AccountSettingsChanged {
                settings: Box::new(settings.clone()),
            }))
        }
        _ => Ok(None),
    }
}

/// Replaces every conversation's settings (a snapshot from the server).
pub(crate) fn replace_all(c: &Connection, all: &[ConvSettings]) -> Result<()> {
    c.execute("DELETE FROM conv_settings", [])?;
    for s in all {
        upsert(c, s)?;
    }
    Ok(())
}

/// My settings of `conv` (the defaults when it has none).
pub(crate) fn get(c: &Connection, conv: &ConversationId) -> Result<ConvSettings> {
    let body: Option<String> = c
        .prepare_cached("SELECT body FROM conv_settings WHERE conv = ?1")?
        .query_row([conv.to_string()], |r| r.get(0))
        .optional()?;
    Ok(match body {
        Some(b) => serde_json::from_str(&b)?,
        None => ConvSettings::new(conv.clone()),
    })
}

/// Every conversation's settings: pinned ones first (highest order first), then by id.
pub(crate) fn all(c: &Connection) -> Result<Vec<ConvSettings>> {
    let mut stmt = c.prepare_cached("SELECT body FROM conv_settings ORDER BY conv")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out: Vec<ConvSettings> = Vec::new();
    for b in rows {
        out.push(serde_json::from_str(&b?)?);
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.pinned.map_or(i128::MIN, i128::from)));
    Ok(out)
}

/// The account's notification settings (the defaults until the server said otherwise).
pub(crate) fn account(c: &Connection) -> Result<AccountSettings> {
    let body: Option<String> = c
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([ACCOUNT_KEY], |r| r.get(0))
        .optional()?;
    Ok(match body {
        Some(b) => serde_json::from_str(&b)?,
        None => AccountSettings::default(),
    })
}

/// Stores the account's notification settings.
pub(crate) fn set_account(c: &Connection, s: &AccountSettings) -> Result<()> {
    c.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute(params![ACCOUNT_KEY, serde_json::to_string(s)?])?;
    Ok(())
}
