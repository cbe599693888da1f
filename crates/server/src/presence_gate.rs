//! Spaces out each user's presence announcements (`presence` pushes to
//! their friends, `user.online` / `user.offline` webhook events) to at most
//! one per [`PRESENCE_GAP`] on this node. A change within the gap of the last
//! announcement waits for the gap's end, and then the state the user is in
//! by then is announced (read by the caller from who is connected, on any
//! node): a connection that flaps, or a client reconnecting in a loop, costs
//! their friends and the operator's webhook queue one announcement per gap
//! instead of two per reconnect (a loop of logins filled the 100,000-event
//! queue so that other users' events were dropped). A state may be announced
//! twice in a row (a blip within the gap), never left wrong: the gate does
//! not trust what it announced last, as in a cluster another node may have
//! announced since. Pure bookkeeping: the caller announces and sleeps.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use tern_proto::UserId;

/// The least time between two presence announcements of one user.
pub const PRESENCE_GAP: Duration = Duration::from_secs(1);

/// Past this many remembered users, those whose gap has ended are forgotten.
const PRUNE_FROM: usize = 1024;

/// What the caller does with a presence change.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Announce it now.
    Now,
    /// Call [`PresenceGate::due`] after this long, then announce the user's
    /// state at that time.
    Later(Duration),
    /// Nothing: a call to `due` is already waiting.
    Nothing,
}

#[derive(Debug)]
struct Gate {
    /// When the last announcement was made.
    at: Instant,
    /// A `due` call is pending.
    waiting: bool,
}

/// Each recently announced user's gate.
#[derive(Default)]
pub struct PresenceGate {
    users: Mutex<HashMap<UserId, Gate>>,
    pruned: Mutex<Option<Instant>>,
}

impl PresenceGate {
    /// `user` came online or went offline (a real change, as this node saw
    /// it) at `now`.
    pub fn change(&self, user: &UserId, now: Instant) -> Step {
        let mut users = self.users.lock();
        self.prune(&mut users, now);
        let Some(g) = users.get_mut(user) else {
            users.insert(
                user.clone(),
                Gate {
                    at: now,
                    waiting: false,
                },
            );
            return Step::Now;
        };
        if g.waiting {
            return Step::Nothing;
        }
        let due = g.at + PRESENCE_GAP;
        if now < due {
            g.waiting = true;
            return Step::Later(due - now);
        }
        g.at = now;
        Step::Now
    }

    /// The wait [`Step::Later`] asked for is over: the caller announces the
    /// user's state now (counted as this gap's announcement).
    pub fn due(&self, user: &UserId, now: Instant) {
        if let Some(g) = self.users.lock().get_mut(user) {
            g.waiting = false;
            g.at = now;
        }
    }

    /// Forgets the users whose gap has ended with nothing waiting, at most
    /// once per gap and only past [`PRUNE_FROM`] users (a forgotten user's
    /// next change is announced at once, as it would be anyway).
    fn prune(&self, users: &mut HashMap<UserId, Gate>, now: Instant) {
        let mut pruned = self.pruned.lock();
        if users.len() < PRUNE_FROM || pruned.is_some_and(|t| now < t + PRESENCE_GAP) {
            return;
        }
        users.retain(|_, g| g.waiting || now < g.at + PRESENCE_GAP);
        *pruned = Some(now);
    }

    /// Whether `user` changed within the last gap or has a `due` waiting
    /// (an announcement of theirs may be under way).
    pub fn knows(&self, user: &UserId) -> bool {
        self.users.lock().contains_key(user)
    }

    /// How many users are remembered (tests).
    pub fn len(&self) -> usize {
        self.users.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: usize) -> UserId {
        UserId::new(format!("u{n}")).unwrap()
    }

    #[test]
    fn changes_within_the_gap_wait_for_its_end() {
        let g = PresenceGate::default();
        let (u, t0) = (user(1), Instant::now());
        let ms = Duration::from_millis;
        assert_eq!(g.change(&u, t0), Step::Now);
        // Two changes 100 and 200 ms later: one wait to the gap's end.
        assert_eq!(g.change(&u, t0 + ms(100)), Step::Later(ms(900)));
        assert_eq!(g.change(&u, t0 + ms(200)), Step::Nothing);
        g.due(&u, t0 + ms(1000));
        // The next gap runs from that announcement.
        assert_eq!(g.change(&u, t0 + ms(1500)), Step::Later(ms(500)));
        g.due(&u, t0 + ms(2000));
        // Past the gap: at once.
        assert_eq!(g.change(&u, t0 + ms(3100)), Step::Now);
        assert_eq!(g.change(&u, t0 + ms(9000)), Step::Now);
    }

    #[test]
    fn users_past_their_gap_are_forgotten() {
        let g = PresenceGate::default();
        let t0 = Instant::now();
        for n in 0..PRUNE_FROM {
            assert_eq!(g.change(&user(n), t0), Step::Now);
        }
        // One still waiting is kept; the rest go once the map is full.
        assert!(matches!(g.change(&user(0), t0), Step::Later(_)));
        let later = t0 + PRESENCE_GAP * 2;
        assert_eq!(g.change(&user(PRUNE_FROM), later), Step::Now);
        assert_eq!(g.len(), 2);
    }
}
