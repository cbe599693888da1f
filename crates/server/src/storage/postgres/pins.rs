//! Pinned messages on PostgreSQL (a port of `sqlite::pins`; the conversation's
//! row lock orders concurrent changes and the count check across processes).

use tern_proto::{Content, ConversationId, ErrorCode, GroupRole, Pin, Push, Seq, UserId};

use super::edits::check_may_write;
use super::messages::{members, visible_from};
use super::{groups, parse_user, Tx};
use crate::storage::{Delivery, StoreError, StoreResult};

/// The pins of `conv`, most recently pinned first.
pub(super) async fn list(c: &Tx<'_>, conv: &ConversationId) -> StoreResult<Vec<Pin>> {
    let rows = c
        .query(
            "SELECT seq, by_user, at FROM pins WHERE conv = $1 ORDER BY at DESC, seq DESC",
            &[&conv.to_string()],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(Pin {
            seq: Seq(r.try_get::<_, i64>(0)? as u64),
            by: parse_user(r.try_get(1)?)?,
            at: r.try_get(2)?,
        });
    }
    Ok(out)
}

async fn check_may_pin(
    c: &Tx<'_>,
    user: &UserId,
    conv: &ConversationId,
    now: i64,
) -> StoreResult<()> {
    if let ConversationId::Group(g) = conv {
        let m = groups::require_member(c, g, user).await?;
        if m.role == GroupRole::Member {
            return Err(StoreError::rejected(
                ErrorCode::NotManager,
                format!("only the owner or an admin of group `{g}` may pin messages"),
            ));
        }
    }
    check_may_write(c, user, conv, now).await
}

/// Pins (`on`) or unpins the message at `seq`; returns the pins now.
#[allow(clippy::too_many_arguments)]
pub(super) async fn pin(
    c: &Tx<'_>,
    user: &UserId,
    conv: &ConversationId,
    seq: Seq,
    on: bool,
    now: i64,
    max: u32,
    out: &mut Vec<Delivery>,
) -> StoreResult<Vec<Pin>> {
    check_may_pin(c, user, conv, now).await?;
    let key = conv.to_string();
    c.execute(
        "SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE",
        &[&key],
    )
    .await?;
    let s = seq.0.min(i64::MAX as u64) as i64;
    let changed = if on {
        let content: Option<String> = c
            .query_opt(
                "SELECT content FROM messages WHERE conv = $1 AND seq = $2",
                &[&key, &s],
            )
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let floor = visible_from(c, user, conv).await?;
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
        let pinned: bool = c
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM pins WHERE conv = $1 AND seq = $2)",
                &[&key, &s],
            )
            .await?
            .try_get(0)?;
        if pinned {
            false
        } else {
            let n: i64 = c
                .query_one("SELECT COUNT(*) FROM pins WHERE conv = $1", &[&key])
                .await?
                .try_get(0)?;
            if n >= i64::from(max) {
                return Err(StoreError::rejected(
                    ErrorCode::TooManyPins,
                    format!("{conv} already has {max} pinned messages (the most allowed); unpin one first"),
                ));
            }
            c.execute(
                "INSERT INTO pins (conv, seq, by_user, at) VALUES ($1, $2, $3, $4)",
                &[&key, &s, &user.as_str(), &now],
            )
            .await?;
            true
        }
    } else {
        c.execute("DELETE FROM pins WHERE conv = $1 AND seq = $2", &[&key, &s])
            .await?
            == 1
    };
    let pins = list(c, conv).await?;
    if changed {
        c.execute(
            "UPDATE conversations SET pin_version = pin_version + 1 WHERE id = $1",
            &[&key],
        )
        .await?;
        let push = Push::Pins {
            conv: conv.clone(),
            pins: pins.clone(),
        };
        for m in members(c, conv).await? {
            out.push(Delivery {
                user: m,
                push: push.clone(),
            });
        }
    }
    Ok(pins)
}
