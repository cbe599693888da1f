//! Chat-room calls (docs/protocol.md § 5.10): list, create, join, leave,
//! send, members, kick, mute, admins, delete.
//!
//! Rooms are live only: nothing about them goes into the cache. Messages
//! arrive as [`Event::RoomMessage`](crate::Event::RoomMessage); joining
//! answers the last messages the server keeps, which is all the history a
//! room has. The rooms joined in this session are remembered in memory and
//! joined again after a reconnect (a long outage may have dropped me); one
//! that refuses (banned, deleted, full) is reported as
//! [`Event::RoomLeft`](crate::Event::RoomLeft) with reason `dropped`.

use tern_proto::{cmd, reply, Command, Content, RoomId, RoomInfo, RoomMember, RoomMessage, UserId};

use super::Client;
use crate::error::Result;

impl Client {
    /// A page of open rooms by id (after `after`; `limit` up to the server's page size).
    pub async fn list_rooms(
        &self,
        after: Option<&RoomId>,
        limit: Option<u32>,
    ) -> Result<Vec<RoomInfo>> {
        let req = cmd::ListRooms {
            after: after.cloned(),
            limit,
        };
        Ok(self.shared()?.call(req).await?.rooms)
    }

    /// Creates a room owned by me (I am in it).
    pub async fn create_room(&self, name: &str) -> Result<RoomInfo> {
        let sh = self.shared()?;
        let req = cmd::CreateRoom {
            name: name.to_string(),
        };
        let reply::Room { room } = sh.call(req).await?;
        sh.marks.joined(room.room.clone());
        Ok(room)
    }

    /// Joins a room; returns it and the last messages it keeps, oldest first.
    pub async fn join_room(&self, room: &RoomId) -> Result<(RoomInfo, Vec<RoomMessage>)> {
        let sh = self.shared()?;
        let joined = crate::supervisor::join_room(&sh, room).await?;
        sh.marks.joined(room.clone());
        Ok(joined)
    }

    /// Leaves a room.
    pub async fn leave_room(&self, room: &RoomId) -> Result<()> {
        let sh = self.shared()?;
        sh.marks.left(room);
        self.done(cmd::LeaveRoom { room: room.clone() }).await
    }

    /// The rooms joined in this session.
    pub fn joined_rooms(&self) -> Vec<RoomId> {
        match self.shared() {
            Ok(sh) => sh.marks.rooms(),
            Err(_) => Vec::new(),
        }
    }

    /// Sends a text to a room I am in; returns it as kept (with its seq).
    pub async fn room_send_text(&self, room: &RoomId, text: &str) -> Result<RoomMessage> {
        let sh = self.shared()?;
        let content = Content::Text {
            text: text.to_string(),
        };
        let req = cmd::RoomSend {
            room: room.clone(),
            content: content.clone(),
        };
        let sent = sh.call(req).await?;
        Ok(RoomMessage {
            room: sent.room,
            seq: sent.seq,
            from: sh.me.clone(),
            content,
            sent_at: sent.sent_at,
        })
    }

    /// A page of a room's members by id (I must be in it); returns them and
    /// the `after` of the next page.
    pub async fn room_members(
        &self,
        room: &RoomId,
        after: Option<&UserId>,
        limit: Option<u32>,
    ) -> Result<(Vec<RoomMember>, Option<UserId>)> {
        let req = cmd::RoomMembers {
            room: room.clone(),
            after: after.cloned(),
            limit,
        };
        let page = self.shared()?.call(req).await?;
        Ok((page.members, page.next))
    }

    /// Kicks `user` and bans them for `ban_secs` seconds (0: no ban).
    pub async fn room_kick(&self, room: &RoomId, user: &UserId, ban_secs: u32) -> Result<()> {
        self.done(cmd::RoomKick {
            room: room.clone(),
            user: user.clone(),
            ban_secs,
        })
        .await
    }

    /// Mutes `user` for `minutes` (0 lifts it).
    pub async fn room_mute(&self, room: &RoomId, user: &UserId, minutes: u32) -> Result<()> {
        self.done(cmd::RoomMute {
            room: room.clone(),
            user: user.clone(),
            minutes,
        })
        .await
    }

    /// Makes `user` an admin of my room, or a plain member again.
    pub async fn set_room_admin(&self, room: &RoomId, user: &UserId, admin: bool) -> Result<()> {
        self.done(cmd::SetRoomAdmin {
            room: room.clone(),
            user: user.clone(),
            admin,
        })
        .await
    }

    /// Deletes my room.
    pub async fn delete_room(&self, room: &RoomId) -> Result<()> {
        self.done(cmd::DeleteRoom { room: room.clone() }).await
    }

    async fn done<C: Command>(&self, cmd: C) -> Result<()> {
        self.shared()?.call(cmd).await.map(drop)
    }
}
