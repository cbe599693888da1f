//! Which chat-room subjects a node needs: `tern.r.<hex room>` while a member
//! of the room is connected to it. Pure bookkeeping, like [`super::interest`]
//! for groups: [`super::nats`] subscribes when a room becomes needed and
//! unsubscribes when no member here needs it any more.
//!
//! A room message is published once on its room's subject with the list of
//! members it is for (read from the database when it was stored), so a node
//! pushes it only to those of its connections that are still members; a
//! member removed on another node (kick, grace-period drop) at worst keeps
//! this node subscribed until they disconnect.

use std::collections::{HashMap, HashSet};

use tern_proto::{RoomId, UserId};

/// The subject of a room's messages.
pub fn room_subject(room: &RoomId) -> String {
    format!("tern.r.{}", hex::encode(room.as_str()))
}

/// The local members of each room, and the rooms of each local user.
#[derive(Default)]
pub struct RoomInterest {
    members: HashMap<RoomId, HashSet<UserId>>,
    rooms: HashMap<UserId, HashSet<RoomId>>,
}

impl RoomInterest {
    /// `user` (connected here) is in `room`; true when the room became needed.
    pub fn watch(&mut self, user: &UserId, room: &RoomId) -> bool {
        self.rooms
            .entry(user.clone())
            .or_default()
            .insert(room.clone());
        let set = self.members.entry(room.clone()).or_default();
        let first = set.is_empty();
        set.insert(user.clone());
        first
    }

    /// `user` is no longer in `room`; true when the room is no longer needed.
    pub fn unwatch_room(&mut self, user: &UserId, room: &RoomId) -> bool {
        if let Some(rooms) = self.rooms.get_mut(user) {
            rooms.remove(room);
            if rooms.is_empty() {
                self.rooms.remove(user);
            }
        }
        self.remove(room, user)
    }

    /// `user` has no connection here any more; returns the rooms no longer needed.
    pub fn unwatch(&mut self, user: &UserId) -> Vec<RoomId> {
        let Some(rooms) = self.rooms.remove(user) else {
            return Vec::new();
        };
        rooms.into_iter().filter(|r| self.remove(r, user)).collect()
    }

    fn remove(&mut self, room: &RoomId, user: &UserId) -> bool {
        let Some(set) = self.members.get_mut(room) else {
            return false;
        };
        if !set.remove(user) {
            return false;
        }
        if set.is_empty() {
            self.members.remove(room);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_is_needed_while_a_local_member_is() {
        let (a, b) = (UserId::new("a").unwrap(), UserId::new("b").unwrap());
        let r = RoomId::new("r1").unwrap();
        let mut i = RoomInterest::default();
        assert!(i.watch(&a, &r));
        assert!(!i.watch(&b, &r));
        assert!(!i.unwatch_room(&a, &r));
        assert_eq!(i.unwatch(&b), vec![r.clone()]);
        assert!(i.unwatch(&a).is_empty());
        assert!(i.watch(&a, &r), "needed again");
    }
}
