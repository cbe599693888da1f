//! [`Rooms`] on PostgreSQL.

use async_trait::async_trait;
use tern_proto::{Content, ErrorCode, RoomId, RoomInfo, RoomMember, RoomMessage, RoomRole, UserId};

use super::{parse_user, read, room_admin, rooms, tx, PgStorage};
use crate::storage::api::{not_in_room, role_str, RoomActor, RoomCaps, Rooms};
use crate::storage::{StoreError, StoreResult};

#[async_trait]
impl Rooms for PgStorage {
    async fn create_room(
        &self,
        owner: &UserId,
        id: &RoomId,
        name: &str,
        now: i64,
        caps: RoomCaps,
    ) -> StoreResult<RoomInfo> {
        tx!(self, |tx| rooms::create(&tx, owner, id, name, now, caps)
            .await)
    }

    async fn list_rooms(&self, after: Option<&RoomId>, limit: u32) -> StoreResult<Vec<RoomInfo>> {
        read!(self, |tx| rooms::list(&tx, after, limit).await)
    }

    async fn room_info(&self, room: &RoomId) -> StoreResult<Option<RoomInfo>> {
        read!(self, |tx| rooms::info(&tx, room).await)
    }

    async fn join_room(
        &self,
        room: &RoomId,
        user: &UserId,
        now: i64,
        caps: RoomCaps,
    ) -> StoreResult<(RoomInfo, Vec<RoomMessage>)> {
        tx!(self, |tx| rooms::join(&tx, room, user, now, caps).await)
    }

    async fn leave_room(&self, room: &RoomId, user: &UserId) -> StoreResult<()> {
        tx!(self, |tx| rooms::leave(&tx, room, user).await)
    }

    async fn room_send(
        &self,
        room: &RoomId,
        from: &UserId,
        content: &Content,
        now: i64,
        keep: u32,
    ) -> StoreResult<(RoomMessage, Vec<UserId>)> {
        tx!(self, |tx| rooms::send(&tx, room, from, content, now, keep)
            .await)
    }

    async fn room_members(
        &self,
        room: &RoomId,
        after: Option<&UserId>,
        limit: u32,
    ) -> StoreResult<Vec<RoomMember>> {
        read!(self, |tx| rooms::members(&tx, room, after, limit).await)
    }

    async fn room_member_ids(&self, room: &RoomId) -> StoreResult<Vec<UserId>> {
        read!(self, |tx| rooms::member_ids(&tx, room).await)
    }

    async fn room_precheck(&self, room: &RoomId, from: &UserId, now: i64) -> StoreResult<()> {
        read!(self, |tx| {
            rooms::require(&tx, room).await?;
            rooms::check_sender(&tx, room, from, now).await
        })
    }

    async fn room_role(&self, room: &RoomId, user: &UserId) -> StoreResult<Option<RoomRole>> {
        read!(self, |tx| rooms::role(&tx, room, user).await)
    }

    async fn room_kick(
        &self,
        room: &RoomId,
        by: RoomActor<'_>,
        user: &UserId,
        ban_until: Option<i64>,
    ) -> StoreResult<()> {
        tx!(self, |tx| {
            rooms::authorise(&tx, room, by, user).await?;
            tx.execute(
                "DELETE FROM room_members WHERE room = $1 AND user_id = $2",
                &[&room.as_str(), &user.as_str()],
            )
            .await?;
            if let Some(until) = ban_until {
                tx.execute(
                    "INSERT INTO room_bans (room, user_id, until_ms) VALUES ($1, $2, $3)
                     ON CONFLICT (room, user_id) DO UPDATE SET until_ms = EXCLUDED.until_ms",
                    &[&room.as_str(), &user.as_str(), &until],
                )
                .await?;
            }
            Ok(())
        })
    }

    async fn room_mute(
        &self,
        room: &RoomId,
        by: RoomActor<'_>,
        user: &UserId,
        until: Option<i64>,
    ) -> StoreResult<()> {
        tx!(self, |tx| {
            rooms::authorise(&tx, room, by, user).await?;
            tx.execute(
                "UPDATE room_members SET muted_until = $3 WHERE room = $1 AND user_id = $2",
                &[&room.as_str(), &user.as_str(), &until],
            )
            .await?;
            // Kept apart from the membership, so leaving and joining again keeps it.
            match until {
                Some(until) => {
                    tx.execute(
                        "INSERT INTO room_mutes (room, user_id, until_ms) VALUES ($1, $2, $3)
                         ON CONFLICT (room, user_id) DO UPDATE SET until_ms = excluded.until_ms",
                        &[&room.as_str(), &user.as_str(), &until],
                    )
                    .await?
                }
                None => {
                    tx.execute(
                        "DELETE FROM room_mutes WHERE room = $1 AND user_id = $2",
                        &[&room.as_str(), &user.as_str()],
                    )
                    .await?
                }
            };
            Ok(())
        })
    }

    async fn set_room_admin(
        &self,
        room: &RoomId,
        by: RoomActor<'_>,
        user: &UserId,
        admin: bool,
    ) -> StoreResult<()> {
        tx!(self, |tx| {
            rooms::require_owner(&tx, room, by, "appoint admins").await?;
            let target = rooms::role(&tx, room, user)
                .await?
                .ok_or_else(|| not_in_room(&format!("`{user}` is not in this room")))?;
            if target == RoomRole::Owner {
                return Err(StoreError::rejected(
                    ErrorCode::SelfTarget,
                    "the owner's role does not change",
                ));
            }
            let role = if admin {
                RoomRole::Admin
            } else {
                RoomRole::Member
            };
            tx.execute(
                "UPDATE room_members SET role = $3 WHERE room = $1 AND user_id = $2",
                &[&room.as_str(), &user.as_str(), &role_str(role)],
            )
            .await?;
            Ok(())
        })
    }

    async fn delete_room(&self, room: &RoomId, by: RoomActor<'_>) -> StoreResult<Vec<UserId>> {
        tx!(self, |tx| {
            rooms::require_owner(&tx, room, by, "delete it").await?;
            let members = rooms::member_ids(&tx, room).await?;
            // The members, bans and messages go with it (ON DELETE CASCADE).
            tx.execute("DELETE FROM rooms WHERE id = $1", &[&room.as_str()])
                .await?;
            Ok(members)
        })
    }

    async fn drop_from_rooms(&self, user: &UserId) -> StoreResult<Vec<RoomId>> {
        tx!(self, |tx| {
            let rooms = rooms::rooms_of(&tx, user).await?;
            tx.execute(
                "DELETE FROM room_members WHERE user_id = $1",
                &[&user.as_str()],
            )
            .await?;
            Ok(rooms)
        })
    }

    async fn rooms_of(&self, user: &UserId) -> StoreResult<Vec<RoomId>> {
        read!(self, |tx| rooms::rooms_of(&tx, user).await)
    }

    async fn room_users(&self) -> StoreResult<Vec<UserId>> {
        read!(self, |tx| {
            let rows = tx
                .query(
                    "SELECT DISTINCT user_id FROM room_members ORDER BY user_id",
                    &[],
                )
                .await?;
            rows.iter().map(|r| parse_user(r.try_get(0)?)).collect()
        })
    }

    async fn room_recent(&self, room: &RoomId) -> StoreResult<Option<Option<u32>>> {
        read!(self, |tx| room_admin::recent(&tx, room).await)
    }

    async fn room_ban(&self, room: &RoomId, user: &UserId, until: i64) -> StoreResult<bool> {
        tx!(self, |tx| room_admin::ban(&tx, room, user, until).await)
    }

    async fn room_unban(&self, room: &RoomId, user: &UserId, now: i64) -> StoreResult<bool> {
        tx!(self, |tx| room_admin::unban(&tx, room, user, now).await)
    }
}
