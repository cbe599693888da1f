//! Accounts, sessions and profiles.

use async_trait::async_trait;
use tern_proto::{FileId, KickReason, Profile, UserId};

use crate::config::MultiDevicePolicy;
use crate::storage::StoreResult;
use crate::storage::{NewSession, SessionRow};

/// Accounts, sessions and profiles.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates a user with an optional nickname; `UserExists` if the id is
    /// taken (or was a deleted user's).
    async fn create_user(
        &self,
        user: &UserId,
        hash: &str,
        nickname: Option<&str>,
        now: i64,
    ) -> StoreResult<()>;
    /// The stored password hash, `None` for an unknown user.
    async fn password_hash(&self, user: &UserId) -> StoreResult<Option<String>>;
    /// Stores a new hash and revokes every session of the user except `keep`
    /// (all of them when `None`); their connections are kicked with `reason`.
    /// Returns the number of sessions revoked. `NotFound` for an unknown user.
    async fn set_password(
        &self,
        user: &UserId,
        hash: &str,
        keep: Option<&str>,
        reason: KickReason,
    ) -> StoreResult<usize>;
    /// Revokes every session of the user except `keep` (all when `None`) and
    /// kicks their connections with `reason`; returns how many were revoked.
    async fn revoke_sessions(
        &self,
        user: &UserId,
        keep: Option<&str>,
        reason: KickReason,
    ) -> StoreResult<usize>;
    /// A session as needed to authorise a token.
    async fn session(&self, id: &str) -> StoreResult<Option<SessionRow>>;
    /// Creates a session under the multi-device policy; the sessions it
    /// displaces are revoked and kicked (`other_device`). `NotFound` when the
    /// user does not exist.
    async fn open_session(&self, s: &NewSession, policy: MultiDevicePolicy) -> StoreResult<()>;
    /// Revokes one session (logout).
    async fn revoke_session(&self, id: &str) -> StoreResult<()>;
    /// Records a session for a token minted by the admin API (`NotFound`
    /// for an unknown user).
    async fn record_minted(
        &self,
        user: &UserId,
        session: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()>;
    /// What a fresh session starts with: my profile and change-log version.
    async fn session_start(&self, user: &UserId) -> StoreResult<(Profile, u64)>;
    /// `NotFound` unless the user exists.
    async fn require_user(&self, user: &UserId) -> StoreResult<()>;
    /// Profiles of the known ones of `users`, in order.
    async fn profiles(&self, users: &[UserId]) -> StoreResult<Vec<Profile>>;
    /// Changes the given fields (an avatar must be the user's own image
    /// upload); my devices and my friends get the change.
    async fn set_profile(
        &self,
        user: &UserId,
        nickname: Option<&str>,
        avatar: Option<&FileId>,
        signature: Option<&str>,
    ) -> StoreResult<Profile>;
    /// Users whose id or nickname contains `query`, by id, at most `limit`.
    async fn search_users(&self, query: &str, limit: u32) -> StoreResult<Vec<Profile>>;
    /// Pushes `user`'s presence to everyone who sees it (mutual, unblocked
    /// friends), ordered with the other writes.
    async fn announce_presence(&self, user: &UserId, online: bool) -> StoreResult<()>;
}
