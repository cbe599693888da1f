//! The in-memory side of chat rooms on one node: each user's room-message
//! budget (`room_messages_per_minute`) and a connection generation per user,
//! so a grace-period timer started when their last connection went can tell
//! whether they came back meanwhile.

use parking_lot::Mutex;
use std::collections::HashMap;

use tern_proto::UserId;

use crate::rate_limit::UserRate;

/// Per-node room state (see the module docs).
#[derive(Default)]
pub struct RoomState {
    /// Each user's room-send budget.
    pub rate: UserRate,
    generations: Mutex<HashMap<UserId, u64>>,
}

impl RoomState {
    /// Starts a new generation for `user` (a login or a last disconnect here);
    /// returns it.
    pub fn bump(&self, user: &UserId) -> u64 {
        let mut g = self.generations.lock();
        if g.len() > 100_000 {
            g.clear();
        }
        let n = g.entry(user.clone()).or_insert(0);
        *n += 1;
        *n
    }

    /// A login: a grace-period timer pending for `user` must not drop them.
    /// Only users with a pending timer have an entry, so a login adds none
    /// (an entry per connected user would cost every idle connection ≈ 70
    /// bytes; tern-bench S4).
    pub fn came_back(&self, user: &UserId) {
        if let Some(n) = self.generations.lock().get_mut(user) {
            *n += 1;
        }
    }

    /// Whether `user`'s generation is still `gen` (nothing happened since).
    pub fn unchanged(&self, user: &UserId, gen: u64) -> bool {
        let g = self.generations.lock();
        g.get(user) == Some(&gen)
    }

    /// Forgets `user` (their timer ended).
    pub fn forget(&self, user: &UserId, gen: u64) {
        let mut g = self.generations.lock();
        if g.get(user) == Some(&gen) {
            g.remove(user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_invalidates_a_pending_drop_and_otherwise_leaves_nothing_behind() {
        let rooms = RoomState::default();
        let u = UserId::new("u").unwrap();
        // Logged in with no drop pending: nothing is kept for the user.
        rooms.came_back(&u);
        assert!(rooms.generations.lock().is_empty());
        // Last connection gone: a drop is pending for this generation...
        let gen = rooms.bump(&u);
        assert!(rooms.unchanged(&u, gen));
        // ...until the user comes back before the grace period ends.
        rooms.came_back(&u);
        assert!(!rooms.unchanged(&u, gen));
        // A drop that went ahead forgets the user.
        let gen = rooms.bump(&u);
        rooms.forget(&u, gen);
        assert!(rooms.generations.lock().is_empty());
    }
}
