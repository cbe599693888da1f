//! Pinned messages on SQLite: in a group its owner and admins pin, in a
//! one-to-one chat either side; at most `max_pins` per conversation. Every
//! change counts in `conversations.pin_version` and pushes the list to members.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{Content, ConversationId, ErrorCode, GroupRole, Pin, Push, Seq, UserId};

use super::accounts::parse_user;
use super::changelog::Delivery;
use super::edits::check_may_write;
use super::messages::{members, visible_from};
use super::{StoreError, StoreResult};

/// The pins of `conv`, most recently pinned first.
pub fn list(conn: &Connection, conv: &ConversationId) -> StoreResult<Vec<Pin>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, by_user, at FROM pins WHERE conv = ?1 ORDER BY at DESC, seq DESC",
    )?;
    let rows = stmt.query_map([conv.to_string()], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (seq, by, at) = r?;
        out.push(Pin {
            seq: Seq(seq as u64),
            by: parse_user(by)?,
            at,
        });
    }
    Ok(out)
}

/// Who may pin: a group's owner or admins (not muted), either side of a
/// one-to-one chat (not blocked by the peer).
fn check_may_pin(
    conn: &Connection,
    user: &UserId,
    conv: &ConversationId,
    now: i64,
) -> StoreResult<()> {
    if let ConversationId::Group(g) = conv {
        let m = super::groups::require_member(conn, g, user)?;
        if m.role == GroupRole::Member {
            return Err(StoreError::rejected(
                ErrorCode::NotManager,
                format!("only the owner or an admin of group `{g}` may pin messages"),
            ));
        }
    }
    check_may_write(conn, user, conv, now)
}

/// Pins (`on`) or unpins the message at `seq`; returns the pins now.
#[allow(clippy::too_many_arguments)]
pub fn pin(
    conn: &Connection,
    user: &UserId,
    conv: &ConversationId,
    seq: Seq,
    on: bool,
    now: i64,
    max: u32,
    out: &mut Vec<Delivery>,
) -> StoreResult<Vec<Pin>> {
    check_may_pin(conn, user, conv, now)?;
    let key = conv.to_string();
    let s = seq.0.min(i64::MAX as u64) as i64;
    let changed = if on {
        let content: Option<String> = conn
            .prepare_cached("SELECT content FROM messages WHERE conv = ?1 AND seq = ?2")?
            .query_row(params![key, s], |r| r.get(0))
            .optional()?;
        let floor = visible_from(conn, user, conv)?;
        let Some(content) = content.filter(|_| seq.0 > floor) else {
            return Err(StoreError::rejected(
                ErrorCode::NotFound,
                format!("no message {} in {conv} that you can read", seq.0),
            ));
        };
        if matches!(serde_json::from_str(&content)?, Content::Recalled { .. }) {
            return Err(StoreError::rejected(
                ErrorCode::NotEditable,
                format!("message {} was recalled", seq.0),
            ));
        }
        let pinned: bool = conn
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM pins WHERE conv = ?1 AND seq = ?2)")?
            .query_row(params![key, s], |r| r.get(0))?;
        if pinned {
            false
        } else {
            let n: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM pins WHERE conv = ?1")?
                .query_row([&key], |r| r.get(0))?;
            if n >= i64::from(max) {
                return Err(StoreError::rejected(
                    ErrorCode::TooManyPins,
                    format!("{conv} already has {max} pinned messages (the most allowed); unpin one first"),
                ));
            }
            conn.prepare_cached(
                "INSERT INTO pins (conv, seq, by_user, at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![key, s, user.as_str(), now])?;
            true
        }
    } else {
        conn.prepare_cached("DELETE FROM pins WHERE conv = ?1 AND seq = ?2")?
            .execute(params![key, s])?
            == 1
    };
    let pins = list(conn, conv)?;
    if changed {
        conn.prepare_cached(
            "UPDATE conversations SET pin_version = pin_version + 1 WHERE id = ?1",
        )?
        .execute([&key])?;
        let push = Push::Pins {
            conv: conv.clone(),
            pins: pins.clone(),
        };
        for m in members(conn, conv)? {
            out.push(Delivery {
                user: m,
                push: push.clone(),
            });
        }
    }
    Ok(pins)
}
