//! The in-memory side of chat rooms on one node: each user's room-message
//! budget (`room_messages_per_minute`) and a connection generation per user,
//! so a grace-period timer started when their last connection went can tell
//! whether they came back meanwhile.

use parking_lot::Mutex;
use std::collections::HashMap;

use tern_proto::UserId;

use crate::rate_limit::ReactionRate;

/// Per-node room state (see the module docs).
#[derive(Default)]
pub struct RoomState {
    /// Each user's room-send budget.
    pub rate: ReactionRate,
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
