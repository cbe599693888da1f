//! The storage interface: the operations the services need, one trait per
//! domain, and [`Storage`], every one of them. A domain interface, not a SQL
//! wrapper: each write method is one transaction that checks the rules that
//! must hold at commit (membership, blocks, gap-free seqs, dedup), appends the
//! change-log entries of everyone it affects, and after the commit hands what
//! must be pushed or kicked to the backend's [`super::Sink`], in commit order.
//! Refusals come back as [`super::StoreError::Rejected`] with the wire error.

mod accounts;
mod admin_queries;
mod groups;
mod messages;
mod operations;
mod preferences;
mod rooms;
mod social;
mod user_admin;
mod webhooks;

pub use accounts::Accounts;
pub use admin_queries::{AdminQueries, FileMeta, TimeRange, Totals};
pub use groups::Groups;
pub use messages::{
    group_reactions, split_read_page, Messages, NewMessage, PendingSend, ReactionChange,
    ReadByPage, TextEdit,
};
pub use operations::{Operations, Swept, WriterStats};
pub use preferences::Preferences;
pub use rooms::{
    join_role, may_manage, no_room, not_in_room, parse_role, role_str, RoomActor, RoomCaps, Rooms,
};
pub use social::Social;
pub use user_admin::{Ban, UserAdmin, UserRow};
pub use webhooks::{routes_now, HookRoutes, HookStatus, QueuedEvent, SharedRoutes, WebhookQueue};

/// Everything a backend provides; the services hold an `Arc<dyn Storage>`.
pub trait Storage:
    Accounts
    + Social
    + Messages
    + Groups
    + Operations
    + WebhookQueue
    + UserAdmin
    + Preferences
    + Rooms
    + AdminQueries
{
}

impl<T> Storage for T where
    T: Accounts
        + Social
        + Messages
        + Groups
        + Operations
        + WebhookQueue
        + UserAdmin
        + Preferences
        + Rooms
        + AdminQueries
{
}
