//! Where a backend sends what a write makes happen once it has committed: the
//! change-log pushes, a stored message to its members, the kicks a revocation
//! causes. A backend calls its sink right after each commit, in commit order,
//! so the pushes of one conversation or one user's change log arrive in the
//! order they were stored. Today the sink is the [`crate::hub::Hub`] of this
//! process; in a cluster it is the bus that reaches every node.

use tern_proto::{KickReason, Push, UserId};

/// A connection's id within this process (see [`crate::hub`]).
pub type ConnId = u64;

/// A push to send to every online device of `user` once the transaction commits.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Recipient.
    pub user: UserId,
    /// What to push.
    pub push: Push,
}

/// The receiver of committed effects (see the module docs).
pub trait Sink: Send + Sync + 'static {
    /// Change-log pushes, each to one user's devices.
    fn deliver(&self, deliveries: &[Delivery]);
    /// One push (a stored message) to every device of `members` except the
    /// connection `except` (the sender's, which gets the ack instead).
    fn message(&self, members: &[UserId], push: &Push, except: Option<ConnId>);
    /// Closes the connections of `user` on the given sessions.
    fn kick_sessions(&self, user: &UserId, sessions: &[String], reason: KickReason);
    /// Closes every connection of `user`, except those on session `keep`.
    fn kick_user(&self, user: &UserId, keep: Option<&str>, reason: KickReason);
}
