//! @mentions on SQLite: checked in the send's transaction (issue 17).

use rusqlite::Connection;
use tern_proto::{ConversationId, ErrorCode, UserId};

use super::{StoreError, StoreResult};

/// A mention list must be for a group and name only its members; `@all`
/// needs the owner or an admin.
pub(super) fn check(
    conn: &Connection,
    sender: &UserId,
    conv: &ConversationId,
    m: &tern_proto::Mentions,
) -> StoreResult<()> {
    let ConversationId::Group(g) = conv else {
        return Err(StoreError::rejected(
            ErrorCode::BadMention,
            "mentions are for group conversations",
        ));
    };
    if m.all {
        let role = super::groups::membership(conn, g, sender)?.map(|m| m.role);
        if !matches!(
            role,
            Some(tern_proto::GroupRole::Owner | tern_proto::GroupRole::Admin)
        ) {
            return Err(StoreError::rejected(
                ErrorCode::MentionAllNotAllowed,
                "only the group's owner and admins may mention @all",
            ));
        }
    }
    for u in &m.users {
        if super::groups::membership(conn, g, u)?.is_none() {
            return Err(StoreError::rejected(
                ErrorCode::BadMention,
                format!("{u} is not a member of {conv}"),
            ));
        }
    }
    Ok(())
}
