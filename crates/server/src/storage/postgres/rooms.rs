//! Chat rooms on PostgreSQL (a port of `sqlite::rooms`). A write locks the
//! room's row first, so the member cap, the seq counter and the roles hold
//! when several server processes write to one room at once.

use tern_proto::{
    Content, ErrorCode, RoomId, RoomInfo, RoomMember, RoomMessage, RoomRole, UserId, SYSTEM_USER,
};
use tokio_postgres::Row;

use super::accounts::require_user;
use super::{parse_user, Tx};
use crate::storage::api::{
    join_role, may_manage, no_room, not_in_room, parse_role, role_str, RoomActor, RoomCaps,
};
use crate::storage::{StoreError, StoreResult};

const INFO: &str = "SELECT r.id, r.name, r.owner, r.created_at,
        (SELECT COUNT(*) FROM room_members m WHERE m.room = r.id)
    FROM rooms r";

fn parse_room(s: String) -> StoreResult<RoomId> {
    RoomId::new(s).map_err(|e| StoreError::Corrupt(format!("room id: {e}")))
}

fn to_info(r: &Row) -> StoreResult<RoomInfo> {
    Ok(RoomInfo {
        room: parse_room(r.try_get(0)?)?,
        name: r.try_get(1)?,
        owner: parse_user(r.try_get(2)?)?,
        created_at: r.try_get(3)?,
        member_count: r.try_get::<_, i64>(4)? as u32,
    })
}

/// One room.
pub(super) async fn info(c: &Tx<'_>, room: &RoomId) -> StoreResult<Option<RoomInfo>> {
    let row = c
        .query_opt(&format!("{INFO} WHERE r.id = $1"), &[&room.as_str()])
        .await?;
    row.as_ref().map(to_info).transpose()
}

pub(super) async fn require(c: &Tx<'_>, room: &RoomId) -> StoreResult<RoomInfo> {
    info(c, room).await?.ok_or_else(|| no_room(room))
}

/// Locks the room's row (writes to one room apply one after the other).
pub(super) async fn lock(c: &Tx<'_>, room: &RoomId) -> StoreResult<RoomInfo> {
    c.query_opt(
        "SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE",
        &[&room.as_str()],
    )
    .await?
    .ok_or_else(|| no_room(room))?;
    require(c, room).await
}

/// Rooms by id.
pub(super) async fn list(
    c: &Tx<'_>,
    after: Option<&RoomId>,
    limit: u32,
) -> StoreResult<Vec<RoomInfo>> {
    let rows = c
        .query(
            &format!("{INFO} WHERE r.id > $1 ORDER BY r.id LIMIT $2"),
            &[&after.map_or("", |r| r.as_str()), &i64::from(limit)],
        )
        .await?;
    rows.iter().map(to_info).collect()
}

/// See [`crate::storage::api::Rooms::create_room`].
pub(super) async fn create(
    c: &Tx<'_>,
    owner: &UserId,
    id: &RoomId,
    name: &str,
    now: i64,
    caps: RoomCaps,
) -> StoreResult<RoomInfo> {
    require_user(c, owner).await?;
    c.query_opt(
        "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
        &[&owner.as_str()],
    )
    .await?;
    let owned: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM rooms WHERE owner = $1",
            &[&owner.as_str()],
        )
        .await?
        .try_get(0)?;
    if owned >= i64::from(caps.per_owner) {
        return Err(StoreError::rejected(
            ErrorCode::TooManyRooms,
            format!("you own {owned} rooms; at most {} allowed", caps.per_owner),
        ));
    }
    let own = caps.room_recent.map(i64::from);
    c.execute(
        "INSERT INTO rooms (id, name, owner, created_at, recent) VALUES ($1, $2, $3, $4, $5)",
        &[&id.as_str(), &name, &owner.as_str(), &now, &own],
    )
    .await?;
    add_member(c, id, owner, RoomRole::Owner, now).await?;
    require(c, id).await
}

async fn add_member(
    c: &Tx<'_>,
    room: &RoomId,
    user: &UserId,
    role: RoomRole,
    now: i64,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO room_members (room, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
        &[&room.as_str(), &user.as_str(), &role_str(role), &now],
    )
    .await?;
    Ok(())
}

/// The kept messages for `viewer`, oldest first: not those of users they blocked.
async fn recent(c: &Tx<'_>, room: &RoomId, viewer: &UserId) -> StoreResult<Vec<RoomMessage>> {
    let rows = c
        .query(
            "SELECT seq, sender, content, sent_at FROM room_messages m WHERE room = $1
               AND NOT EXISTS (SELECT 1 FROM blacklist b WHERE b.owner = $2 AND b.blocked = m.sender)
             ORDER BY seq",
            &[&room.as_str(), &viewer.as_str()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(RoomMessage {
                room: room.clone(),
                seq: r.try_get::<_, i64>(0)? as u64,
                from: parse_user(r.try_get(1)?)?,
                content: serde_json::from_str(r.try_get(2)?)?,
                sent_at: r.try_get(3)?,
            })
        })
        .collect()
}

/// A member's role.
pub(super) async fn role(
    c: &Tx<'_>,
    room: &RoomId,
    user: &UserId,
) -> StoreResult<Option<RoomRole>> {
    let row = c
        .query_opt(
            "SELECT role FROM room_members WHERE room = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )
        .await?;
    match row {
        Some(r) => Ok(Some(parse_role(r.try_get(0)?)?)),
        None => Ok(None),
    }
}

/// See [`crate::storage::api::Rooms::join_room`].
pub(super) async fn join(
    c: &Tx<'_>,
    room: &RoomId,
    user: &UserId,
    now: i64,
    caps: RoomCaps,
) -> StoreResult<(RoomInfo, Vec<RoomMessage>)> {
    let info = lock(c, room).await?;
    if role(c, room, user).await?.is_none() {
        let ban = c
            .query_opt(
                "SELECT until_ms FROM room_bans WHERE room = $1 AND user_id = $2",
                &[&room.as_str(), &user.as_str()],
            )
            .await?;
        if let Some(until) = ban
            .map(|r| r.try_get::<_, i64>(0))
            .transpose()?
            .filter(|u| *u > now)
        {
            return Err(StoreError::rejected(
                ErrorCode::RoomBanned,
                format!("you were kicked from this room; you may rejoin at {until} (ms)"),
            ));
        }
        if info.member_count >= caps.max_members {
            return Err(StoreError::rejected(
                ErrorCode::RoomFull,
                format!("the room has its maximum of {} members", caps.max_members),
            ));
        }
        add_member(c, room, user, join_role(info.owner.as_str(), user), now).await?;
        // A mute that has not ended comes back with the member.
        c.execute(
            "UPDATE room_members SET muted_until = (SELECT until_ms FROM room_mutes
               WHERE room = $1 AND user_id = $2 AND until_ms > $3)
             WHERE room = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str(), &now],
        )
        .await?;
    }
    Ok((require(c, room).await?, recent(c, room, user).await?))
}

/// See [`crate::storage::api::Rooms::leave_room`].
pub(super) async fn leave(c: &Tx<'_>, room: &RoomId, user: &UserId) -> StoreResult<()> {
    lock(c, room).await?;
    let n = c
        .execute(
            "DELETE FROM room_members WHERE room = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )
        .await?;
    if n == 0 {
        return Err(not_in_room("you are not in this room"));
    }
    Ok(())
}

/// Whether `from` may send to `room` now: they are in it (or the system
/// account) and not muted there (the room's existence is the caller's). See
/// [`crate::storage::api::Rooms::room_precheck`].
pub(super) async fn check_sender(
    c: &Tx<'_>,
    room: &RoomId,
    from: &UserId,
    now: i64,
) -> StoreResult<()> {
    let row = c
        .query_opt(
            "SELECT muted_until FROM room_members WHERE room = $1 AND user_id = $2",
            &[&room.as_str(), &from.as_str()],
        )
        .await?;
    let muted: Option<i64> = match row {
        Some(row) => row.try_get(0)?,
        None if from.as_str() == SYSTEM_USER => None,
        None => return Err(not_in_room("join the room before sending to it")),
    };
    if let Some(until) = muted.filter(|u| *u > now) {
        return Err(StoreError::rejected(
            ErrorCode::Muted,
            format!("you are muted in this room until {until} (ms)"),
        ));
    }
    Ok(())
}

/// See [`crate::storage::api::Rooms::room_send`].
pub(super) async fn send(
    c: &Tx<'_>,
    room: &RoomId,
    from: &UserId,
    content: &Content,
    now: i64,
    keep: u32,
) -> StoreResult<(RoomMessage, Vec<UserId>)> {
    lock(c, room).await?;
    check_sender(c, room, from, now).await?;
    let row = c
        .query_one(
            "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq, recent",
            &[&room.as_str()],
        )
        .await?;
    let seq: i64 = row.try_get(0)?;
    let keep = row.try_get::<_, Option<i64>>(1)?.unwrap_or(i64::from(keep));
    let body = serde_json::to_string(content)?;
    c.execute(
        "INSERT INTO room_messages (room, seq, sender, content, sent_at) VALUES ($1, $2, $3, $4, $5)",
        &[&room.as_str(), &seq, &from.as_str(), &body, &now],
    )
    .await?;
    c.execute(
        "DELETE FROM room_messages WHERE room = $1 AND seq <= $2",
        &[&room.as_str(), &(seq - keep)],
    )
    .await?;
    let message = RoomMessage {
        room: room.clone(),
        seq: seq as u64,
        from: from.clone(),
        content: content.clone(),
        sent_at: now,
    };
    Ok((message, receivers(c, room, from).await?))
}

/// The members a message of `from` goes to: every member but those who
/// blocked `from`, read once (the `(blocked, owner)` index; usually none)
/// rather than probed for each of up to 10,000 members.
async fn receivers(c: &Tx<'_>, room: &RoomId, from: &UserId) -> StoreResult<Vec<UserId>> {
    let mut members = member_ids(c, room).await?;
    let blockers = super::blacklist::blocked_by(c, from).await?;
    if !blockers.is_empty() {
        let blockers: std::collections::HashSet<UserId> = blockers.into_iter().collect();
        members.retain(|m| !blockers.contains(m));
    }
    Ok(members)
}

/// Every member's id.
pub(super) async fn member_ids(c: &Tx<'_>, room: &RoomId) -> StoreResult<Vec<UserId>> {
    let rows = c
        .query(
            "SELECT user_id FROM room_members WHERE room = $1",
            &[&room.as_str()],
        )
        .await?;
    rows.iter().map(|r| parse_user(r.try_get(0)?)).collect()
}

/// Members by id after `after`.
pub(super) async fn members(
    c: &Tx<'_>,
    room: &RoomId,
    after: Option<&UserId>,
    limit: u32,
) -> StoreResult<Vec<RoomMember>> {
    require(c, room).await?;
    let rows = c
        .query(
            "SELECT user_id, role, joined_at, muted_until FROM room_members
             WHERE room = $1 AND user_id > $2 ORDER BY user_id LIMIT $3",
            &[
                &room.as_str(),
                &after.map_or("", |u| u.as_str()),
                &i64::from(limit),
            ],
        )
        .await?;
    let now = crate::storage::now_ms();
    rows.iter()
        .map(|r| {
            Ok(RoomMember {
                user: parse_user(r.try_get(0)?)?,
                role: parse_role(r.try_get(1)?)?,
                joined_at: r.try_get(2)?,
                muted_until: r.try_get::<_, Option<i64>>(3)?.filter(|u| *u > now),
            })
        })
        .collect()
}

/// Checks that `by` may manage member `user` (after locking the room).
pub(super) async fn authorise(
    c: &Tx<'_>,
    room: &RoomId,
    by: RoomActor<'_>,
    user: &UserId,
) -> StoreResult<RoomInfo> {
    let info = lock(c, room).await?;
    let actor = match by {
        RoomActor::Admin => None,
        RoomActor::User(u) => Some(role(c, room, u).await?),
    };
    let target = role(c, room, user)
        .await?
        .ok_or_else(|| not_in_room(&format!("`{user}` is not in this room")))?;
    may_manage(actor, target)?;
    Ok(info)
}

/// The owner-only check of `set_room_admin` and `delete_room`.
pub(super) async fn require_owner(
    c: &Tx<'_>,
    room: &RoomId,
    by: RoomActor<'_>,
    what: &str,
) -> StoreResult<RoomInfo> {
    let info = lock(c, room).await?;
    if let RoomActor::User(u) = by {
        if *u != info.owner {
            return Err(StoreError::rejected(
                ErrorCode::NotManager,
                format!("only the room's owner may {what}"),
            ));
        }
    }
    Ok(info)
}

/// The rooms `user` is in.
pub(super) async fn rooms_of(c: &Tx<'_>, user: &UserId) -> StoreResult<Vec<RoomId>> {
    let rows = c
        .query(
            "SELECT room FROM room_members WHERE user_id = $1 ORDER BY room",
            &[&user.as_str()],
        )
        .await?;
    rows.iter().map(|r| parse_room(r.try_get(0)?)).collect()
}
