//! [`Rooms`] on SQLite.

use async_trait::async_trait;
use tern_proto::{Content, RoomId, RoomInfo, RoomMember, RoomMessage, RoomRole, UserId};

use super::{room_admin, rooms, SqliteStorage};
use crate::storage::api::{RoomActor, RoomCaps, Rooms};
use crate::storage::StoreResult;

/// An owned copy of a [`RoomActor`], to move into the writer.
enum Actor {
    User(UserId),
    Admin,
}

impl Actor {
    fn of(by: RoomActor<'_>) -> Self {
        match by {
            RoomActor::User(u) => Self::User(u.clone()),
            RoomActor::Admin => Self::Admin,
        }
    }
    fn get(&self) -> RoomActor<'_> {
        match self {
            Self::User(u) => RoomActor::User(u),
            Self::Admin => RoomActor::Admin,
        }
    }
}

#[async_trait]
impl Rooms for SqliteStorage {
    async fn create_room(
        &self,
        owner: &UserId,
        id: &RoomId,
        name: &str,
        now: i64,
        caps: RoomCaps,
    ) -> StoreResult<RoomInfo> {
        let (owner, id, name) = (owner.clone(), id.clone(), name.to_string());
        self.store
            .write(move |c| rooms::create(c, &owner, &id, &name, now, caps))
            .await
    }

    async fn list_rooms(&self, after: Option<&RoomId>, limit: u32) -> StoreResult<Vec<RoomInfo>> {
        let after = after.cloned();
        self.read(move |c| rooms::list(c, after.as_ref(), limit))
            .await
    }

    async fn room_info(&self, room: &RoomId) -> StoreResult<Option<RoomInfo>> {
        let room = room.clone();
        self.read(move |c| rooms::info(c, &room)).await
    }

    async fn join_room(
        &self,
        room: &RoomId,
        user: &UserId,
        now: i64,
        caps: RoomCaps,
    ) -> StoreResult<(RoomInfo, Vec<RoomMessage>)> {
        let (room, user) = (room.clone(), user.clone());
        self.store
            .write(move |c| rooms::join(c, &room, &user, now, caps))
            .await
    }

    async fn leave_room(&self, room: &RoomId, user: &UserId) -> StoreResult<()> {
        let (room, user) = (room.clone(), user.clone());
        self.store
            .write(move |c| rooms::leave(c, &room, &user))
            .await
    }

    async fn room_send(
        &self,
        room: &RoomId,
        from: &UserId,
        content: &Content,
        now: i64,
        keep: u32,
    ) -> StoreResult<(RoomMessage, Vec<UserId>)> {
        let (room, from, content) = (room.clone(), from.clone(), content.clone());
        self.store
            .write(move |c| rooms::send(c, &room, &from, &content, now, keep))
            .await
    }

    async fn room_members(
        &self,
        room: &RoomId,
        after: Option<&UserId>,
        limit: u32,
    ) -> StoreResult<Vec<RoomMember>> {
        let (room, after) = (room.clone(), after.cloned());
        self.read(move |c| rooms::members(c, &room, after.as_ref(), limit))
            .await
    }

    async fn room_member_ids(&self, room: &RoomId) -> StoreResult<Vec<UserId>> {
        let room = room.clone();
        self.read(move |c| rooms::member_ids(c, &room)).await
    }

    async fn room_precheck(&self, room: &RoomId, from: &UserId, now: i64) -> StoreResult<()> {
        let (room, from) = (room.clone(), from.clone());
        self.read(move |c| rooms::check_sender(c, &room, &from, now))
            .await
    }

    async fn room_role(&self, room: &RoomId, user: &UserId) -> StoreResult<Option<RoomRole>> {
        let (room, user) = (room.clone(), user.clone());
        self.read(move |c| rooms::role(c, &room, &user)).await
    }

    async fn room_kick(
        &self,
        room: &RoomId,
        by: RoomActor<'_>,
        user: &UserId,
        ban_until: Option<i64>,
    ) -> StoreResult<()> {
        let (room, by, user) = (room.clone(), Actor::of(by), user.clone());
        self.store
            .write(move |c| rooms::kick(c, &room, by.get(), &user, ban_until))
            .await
    }

    async fn room_mute(
        &self,
        room: &RoomId,
        by: RoomActor<'_>,
        user: &UserId,
        until: Option<i64>,
    ) -> StoreResult<()> {
        let (room, by, user) = (room.clone(), Actor::of(by), user.clone());
        self.store
            .write(move |c| rooms::mute(c, &room, by.get(), &user, until))
            .await
    }

    async fn set_room_admin(
        &self,
        room: &RoomId,
        by: RoomActor<'_>,
        user: &UserId,
        admin: bool,
    ) -> StoreResult<()> {
        let (room, by, user) = (room.clone(), Actor::of(by), user.clone());
        self.store
            .write(move |c| room_admin::set_admin(c, &room, by.get(), &user, admin))
            .await
    }

    async fn delete_room(&self, room: &RoomId, by: RoomActor<'_>) -> StoreResult<Vec<UserId>> {
        let (room, by) = (room.clone(), Actor::of(by));
        self.store
            .write(move |c| rooms::delete(c, &room, by.get()))
            .await
    }

    async fn drop_from_rooms(&self, user: &UserId) -> StoreResult<Vec<RoomId>> {
        let user = user.clone();
        self.store.write(move |c| rooms::drop_user(c, &user)).await
    }

    async fn rooms_of(&self, user: &UserId) -> StoreResult<Vec<RoomId>> {
        let user = user.clone();
        self.read(move |c| rooms::rooms_of(c, &user)).await
    }

    async fn room_users(&self) -> StoreResult<Vec<UserId>> {
        self.read(rooms::users).await
    }

    async fn room_recent(&self, room: &RoomId) -> StoreResult<Option<Option<u32>>> {
        let room = room.clone();
        self.read(move |c| room_admin::recent(c, &room)).await
    }

    async fn room_ban(&self, room: &RoomId, user: &UserId, until: i64) -> StoreResult<bool> {
        let (room, user) = (room.clone(), user.clone());
        self.store
            .write(move |c| room_admin::ban(c, &room, &user, until))
            .await
    }

    async fn room_unban(&self, room: &RoomId, user: &UserId, now: i64) -> StoreResult<bool> {
        let (room, user) = (room.clone(), user.clone());
        self.store
            .write(move |c| room_admin::unban(c, &room, &user, now))
            .await
    }
}
