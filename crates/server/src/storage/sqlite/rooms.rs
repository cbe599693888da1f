//! Chat rooms on SQLite: each function runs in the caller's transaction (a
//! write on the writer thread, a read on a pooled connection). See
//! [`crate::storage::api::Rooms`] for what each one checks.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{
    Content, ErrorCode, RoomId, RoomInfo, RoomMember, RoomMessage, RoomRole, UserId, SYSTEM_USER,
};

use super::accounts::{parse_user, require_user};
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

fn info_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, i64, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_info(row: (String, String, String, i64, i64)) -> StoreResult<RoomInfo> {
    Ok(RoomInfo {
        room: parse_room(row.0)?,
        name: row.1,
        owner: parse_user(row.2)?,
        member_count: row.4 as u32,
        created_at: row.3,
    })
}

/// One room.
pub fn info(c: &Connection, room: &RoomId) -> StoreResult<Option<RoomInfo>> {
    let row = c
        .prepare_cached(&format!("{INFO} WHERE r.id = ?1"))?
        .query_row([room.as_str()], info_row)
        .optional()?;
    row.map(to_info).transpose()
}

pub(super) fn require(c: &Connection, room: &RoomId) -> StoreResult<RoomInfo> {
    info(c, room)?.ok_or_else(|| no_room(room))
}

/// Rooms by id.
pub fn list(c: &Connection, after: Option<&RoomId>, limit: u32) -> StoreResult<Vec<RoomInfo>> {
    let mut st = c.prepare_cached(&format!("{INFO} WHERE r.id > ?1 ORDER BY r.id LIMIT ?2"))?;
    let rows = st.query_map(
        params![after.map_or("", |r| r.as_str()), i64::from(limit)],
        info_row,
    )?;
    rows.map(|r| to_info(r?)).collect()
}

/// See [`crate::storage::api::Rooms::create_room`].
pub fn create(
    c: &Connection,
    owner: &UserId,
    id: &RoomId,
    name: &str,
    now: i64,
    caps: RoomCaps,
) -> StoreResult<RoomInfo> {
    require_user(c, owner)?;
    let owned: i64 = c
        .prepare_cached("SELECT COUNT(*) FROM rooms WHERE owner = ?1")?
        .query_row([owner.as_str()], |r| r.get(0))?;
    if owned >= i64::from(caps.per_owner) {
        return Err(StoreError::rejected(
            ErrorCode::TooManyRooms,
            format!("you own {owned} rooms; at most {} allowed", caps.per_owner),
        ));
    }
    c.prepare_cached(
        "INSERT INTO rooms (id, name, owner, created_at, recent) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id.as_str(),
        name,
        owner.as_str(),
        now,
        caps.room_recent
    ])?;
    add_member(c, id, owner, RoomRole::Owner, now)?;
    require(c, id)
}

fn add_member(
    c: &Connection,
    room: &RoomId,
    user: &UserId,
    role: RoomRole,
    now: i64,
) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO room_members (room, user_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![room.as_str(), user.as_str(), role_str(role), now])?;
    Ok(())
}

/// The kept messages for `viewer`, oldest first: not those of users they blocked.
fn recent(c: &Connection, room: &RoomId, viewer: &UserId) -> StoreResult<Vec<RoomMessage>> {
    let mut st = c.prepare_cached(
        "SELECT seq, sender, content, sent_at FROM room_messages m WHERE room = ?1
           AND NOT EXISTS (SELECT 1 FROM blacklist b WHERE b.owner = ?2 AND b.blocked = m.sender)
         ORDER BY seq",
    )?;
    let rows = st.query_map([room.as_str(), viewer.as_str()], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    rows.map(|r| {
        let (seq, from, content, sent_at) = r?;
        Ok(RoomMessage {
            room: room.clone(),
            seq: seq as u64,
            from: parse_user(from)?,
            content: serde_json::from_str(&content)?,
            sent_at,
        })
    })
    .collect()
}

/// See [`crate::storage::api::Rooms::join_room`].
pub fn join(
    c: &Connection,
    room: &RoomId,
    user: &UserId,
    now: i64,
    caps: RoomCaps,
) -> StoreResult<(RoomInfo, Vec<RoomMessage>)> {
    let info = require(c, room)?;
    if role(c, room, user)?.is_none() {
        let until: Option<i64> = c
            .prepare_cached("SELECT until_ms FROM room_bans WHERE room = ?1 AND user_id = ?2")?
            .query_row([room.as_str(), user.as_str()], |r| r.get(0))
            .optional()?;
        if let Some(until) = until.filter(|u| *u > now) {
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
        add_member(c, room, user, join_role(info.owner.as_str(), user), now)?;
        // A mute that has not ended comes back with the member.
        c.prepare_cached(
            "UPDATE room_members SET muted_until = (SELECT until_ms FROM room_mutes
               WHERE room = ?1 AND user_id = ?2 AND until_ms > ?3)
             WHERE room = ?1 AND user_id = ?2",
        )?
        .execute(params![room.as_str(), user.as_str(), now])?;
    }
    Ok((require(c, room)?, recent(c, room, user)?))
}

/// A member's role.
pub fn role(c: &Connection, room: &RoomId, user: &UserId) -> StoreResult<Option<RoomRole>> {
    let r: Option<String> = c
        .prepare_cached("SELECT role FROM room_members WHERE room = ?1 AND user_id = ?2")?
        .query_row([room.as_str(), user.as_str()], |r| r.get(0))
        .optional()?;
    r.as_deref().map(parse_role).transpose()
}

/// See [`crate::storage::api::Rooms::leave_room`].
pub fn leave(c: &Connection, room: &RoomId, user: &UserId) -> StoreResult<()> {
    require(c, room)?;
    let n = c
        .prepare_cached("DELETE FROM room_members WHERE room = ?1 AND user_id = ?2")?
        .execute([room.as_str(), user.as_str()])?;
    if n == 0 {
        return Err(not_in_room("you are not in this room"));
    }
    Ok(())
}

/// Whether `from` may send to `room` now: it exists, they are in it (or the
/// system account) and not muted there. See [`crate::storage::api::Rooms::room_precheck`].
pub fn check_sender(c: &Connection, room: &RoomId, from: &UserId, now: i64) -> StoreResult<()> {
    require(c, room)?;
    let muted: Option<Option<i64>> = c
        .prepare_cached("SELECT muted_until FROM room_members WHERE room = ?1 AND user_id = ?2")?
        .query_row([room.as_str(), from.as_str()], |r| r.get(0))
        .optional()?;
    let muted = match muted {
        Some(m) => m,
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
pub fn send(
    c: &Connection,
    room: &RoomId,
    from: &UserId,
    content: &Content,
    now: i64,
    keep: u32,
) -> StoreResult<(RoomMessage, Vec<UserId>)> {
    check_sender(c, room, from, now)?;
    let (seq, own): (i64, Option<i64>) = c
        .prepare_cached(
            "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq, recent",
        )?
        .query_row([room.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let keep = own.unwrap_or(i64::from(keep));
    c.prepare_cached(
        "INSERT INTO room_messages (room, seq, sender, content, sent_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![room.as_str(), seq, from.as_str(), serde_json::to_string(content)?, now])?;
    c.prepare_cached("DELETE FROM room_messages WHERE room = ?1 AND seq <= ?2")?
        .execute(params![room.as_str(), seq - keep])?;
    let message = RoomMessage {
        room: room.clone(),
        seq: seq as u64,
        from: from.clone(),
        content: content.clone(),
        sent_at: now,
    };
    Ok((message, receivers(c, room, from)?))
}

/// The members a message of `from` goes to: every member but those who
/// blocked `from`, read once (the `(blocked, owner)` index; usually none)
/// rather than probed for each of up to 10,000 members.
fn receivers(c: &Connection, room: &RoomId, from: &UserId) -> StoreResult<Vec<UserId>> {
    let mut members = member_ids(c, room)?;
    let blockers = super::blacklist::blocked_by(c, from)?;
    if !blockers.is_empty() {
        let blockers: std::collections::HashSet<UserId> = blockers.into_iter().collect();
        members.retain(|m| !blockers.contains(m));
    }
    Ok(members)
}

/// Every member's id.
pub fn member_ids(c: &Connection, room: &RoomId) -> StoreResult<Vec<UserId>> {
    let mut st = c.prepare_cached("SELECT user_id FROM room_members WHERE room = ?1")?;
    let rows = st.query_map([room.as_str()], |r| r.get::<_, String>(0))?;
    rows.map(|r| parse_user(r?)).collect()
}

/// Members by id after `after`.
pub fn members(
    c: &Connection,
    room: &RoomId,
    after: Option<&UserId>,
    limit: u32,
) -> StoreResult<Vec<RoomMember>> {
    require(c, room)?;
    let mut st = c.prepare_cached(
        "SELECT user_id, role, joined_at, muted_until FROM room_members
         WHERE room = ?1 AND user_id > ?2 ORDER BY user_id LIMIT ?3",
    )?;
    let rows = st.query_map(
        params![
            room.as_str(),
            after.map_or("", |u| u.as_str()),
            i64::from(limit)
        ],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        },
    )?;
    let now = crate::storage::now_ms();
    rows.map(|r| {
        let (user, role, joined_at, muted_until) = r?;
        Ok(RoomMember {
            user: parse_user(user)?,
            role: parse_role(&role)?,
            joined_at,
            muted_until: muted_until.filter(|u| *u > now),
        })
    })
    .collect()
}

/// Checks that `by` may manage member `user`; returns the target's role.
fn authorise(
    c: &Connection,
    room: &RoomId,
    by: RoomActor<'_>,
    user: &UserId,
) -> StoreResult<RoomRole> {
    require(c, room)?;
    let actor = match by {
        RoomActor::Admin => None,
        RoomActor::User(u) => Some(role(c, room, u)?),
    };
    let target = role(c, room, user)?
        .ok_or_else(|| not_in_room(&format!("`{user}` is not in this room")))?;
    may_manage(actor, target)?;
    Ok(target)
}

/// See [`crate::storage::api::Rooms::room_kick`].
pub fn kick(
    c: &Connection,
    room: &RoomId,
    by: RoomActor<'_>,
    user: &UserId,
    ban_until: Option<i64>,
) -> StoreResult<()> {
    authorise(c, room, by, user)?;
    c.prepare_cached("DELETE FROM room_members WHERE room = ?1 AND user_id = ?2")?
        .execute([room.as_str(), user.as_str()])?;
    if let Some(until) = ban_until {
        c.prepare_cached(
            "INSERT INTO room_bans (room, user_id, until_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (room, user_id) DO UPDATE SET until_ms = excluded.until_ms",
        )?
        .execute(params![room.as_str(), user.as_str(), until])?;
    }
    Ok(())
}

/// See [`crate::storage::api::Rooms::room_mute`].
pub fn mute(
    c: &Connection,
    room: &RoomId,
    by: RoomActor<'_>,
    user: &UserId,
    until: Option<i64>,
) -> StoreResult<()> {
    authorise(c, room, by, user)?;
    c.prepare_cached("UPDATE room_members SET muted_until = ?3 WHERE room = ?1 AND user_id = ?2")?
        .execute(params![room.as_str(), user.as_str(), until])?;
    // Kept apart from the membership, so leaving and joining again keeps it.
    match until {
        Some(until) => c
            .prepare_cached(
                "INSERT INTO room_mutes (room, user_id, until_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (room, user_id) DO UPDATE SET until_ms = excluded.until_ms",
            )?
            .execute(params![room.as_str(), user.as_str(), until])?,
        None => c
            .prepare_cached("DELETE FROM room_mutes WHERE room = ?1 AND user_id = ?2")?
            .execute([room.as_str(), user.as_str()])?,
    };
    Ok(())
}

/// See [`crate::storage::api::Rooms::delete_room`].
pub fn delete(c: &Connection, room: &RoomId, by: RoomActor<'_>) -> StoreResult<Vec<UserId>> {
    let info = require(c, room)?;
    if let RoomActor::User(u) = by {
        if *u != info.owner {
            return Err(StoreError::rejected(
                ErrorCode::NotManager,
                "only the room's owner may delete it",
            ));
        }
    }
    let members = member_ids(c, room)?;
    for table in ["room_messages", "room_bans", "room_members"] {
        c.execute(
            &format!("DELETE FROM {table} WHERE room = ?1"),
            [room.as_str()],
        )?;
    }
    c.prepare_cached("DELETE FROM rooms WHERE id = ?1")?
        .execute([room.as_str()])?;
    Ok(members)
}

/// The rooms `user` is in.
pub fn rooms_of(c: &Connection, user: &UserId) -> StoreResult<Vec<RoomId>> {
    let mut st =
        c.prepare_cached("SELECT room FROM room_members WHERE user_id = ?1 ORDER BY room")?;
    let rows = st.query_map([user.as_str()], |r| r.get::<_, String>(0))?;
    rows.map(|r| parse_room(r?)).collect()
}

/// Removes `user` from every room.
pub fn drop_user(c: &Connection, user: &UserId) -> StoreResult<Vec<RoomId>> {
    let rooms = rooms_of(c, user)?;
    c.prepare_cached("DELETE FROM room_members WHERE user_id = ?1")?
        .execute([user.as_str()])?;
    Ok(rooms)
}

/// Everyone in some room.
pub fn users(c: &Connection) -> StoreResult<Vec<UserId>> {
    let mut st = c.prepare_cached("SELECT DISTINCT user_id FROM room_members ORDER BY user_id")?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|r| parse_user(r?)).collect()
}
