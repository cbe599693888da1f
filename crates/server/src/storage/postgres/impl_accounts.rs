//! [`Accounts`] on PostgreSQL.

use async_trait::async_trait;
use tern_proto::{FileId, KickReason, Profile, Push, UserId};

use super::{accounts, admin, change, changelog, read, relations, tx, PgStorage};
use crate::config::MultiDevicePolicy;
use crate::storage::api::Accounts;
use crate::storage::{Delivery, NewSession, SessionRow, StoreResult};

#[async_trait]
impl Accounts for PgStorage {
    async fn create_user(
        &self,
        user: &UserId,
        hash: &str,
        nickname: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        tx!(self, |tx| {
            match accounts::create_user(&tx, user, hash, now).await {
                Ok(()) => match nickname {
                    Some(n) => accounts::set_profile(&tx, user, Some(n), None, None)
                        .await
                        .map(drop),
                    None => Ok(()),
                },
                Err(e) => Err(e),
            }
        })
    }

    async fn password_hash(&self, user: &UserId) -> StoreResult<Option<String>> {
        read!(self, |tx| accounts::password_hash(&tx, user).await)
    }

    async fn set_password(
        &self,
        user: &UserId,
        hash: &str,
        keep: Option<&str>,
        reason: KickReason,
    ) -> StoreResult<usize> {
        let _stripe = self.stripe(user.as_str()).await;
        let n = tx!(self, |tx| match keep {
            Some(keep) => match accounts::set_password_hash(&tx, user, hash).await {
                Ok(()) => accounts::revoke_other_sessions(&tx, user, keep).await,
                Err(e) => Err(e),
            },
            None => admin::set_password(&tx, user, hash).await.map(|v| v.len()),
        })?;
        self.sink.kick_user(user, keep, reason);
        Ok(n)
    }

    async fn revoke_sessions(
        &self,
        user: &UserId,
        keep: Option<&str>,
        reason: KickReason,
    ) -> StoreResult<usize> {
        let _stripe = self.stripe(user.as_str()).await;
        let n = tx!(self, |tx| match keep {
            Some(keep) => accounts::revoke_other_sessions(&tx, user, keep).await,
            None => match accounts::require_user(&tx, user).await {
                Ok(()) => admin::revoke_all_sessions(&tx, user).await.map(|v| v.len()),
                Err(e) => Err(e),
            },
        })?;
        self.sink.kick_user(user, keep, reason);
        Ok(n)
    }

    async fn session(&self, id: &str) -> StoreResult<Option<SessionRow>> {
        read!(self, |tx| accounts::session(&tx, id).await)
    }

    async fn open_session(&self, s: &NewSession, policy: MultiDevicePolicy) -> StoreResult<()> {
        let _stripe = self.stripe(s.user.as_str()).await;
        let displaced = tx!(
            self,
            |tx| match accounts::require_user(&tx, &s.user).await {
                Ok(()) => accounts::create_session(&tx, s, policy).await,
                Err(e) => Err(e),
            }
        )?;
        self.sink
            .kick_sessions(&s.user, &displaced, KickReason::OtherDevice);
        Ok(())
    }

    async fn revoke_session(&self, id: &str) -> StoreResult<()> {
        tx!(self, |tx| accounts::revoke_session(&tx, id).await)
    }

    async fn record_minted(
        &self,
        user: &UserId,
        session: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        tx!(self, |tx| match accounts::require_user(&tx, user).await {
            Ok(()) => admin::record_minted(&tx, user, session, expires_at, now).await,
            Err(e) => Err(e),
        })
    }

    async fn session_start(&self, user: &UserId) -> StoreResult<(Profile, u64)> {
        read!(self, |tx| match accounts::my_profile(&tx, user).await {
            Ok(p) => changelog::current_version(&tx, user).await.map(|v| (p, v)),
            Err(e) => Err(e),
        })
    }

    async fn require_user(&self, user: &UserId) -> StoreResult<()> {
        read!(self, |tx| accounts::require_user(&tx, user).await)
    }

    async fn profiles(&self, users: &[UserId]) -> StoreResult<Vec<Profile>> {
        read!(self, |tx| accounts::profiles(&tx, users).await)
    }

    async fn set_profile(
        &self,
        user: &UserId,
        nickname: Option<&str>,
        avatar: Option<&FileId>,
        signature: Option<&str>,
    ) -> StoreResult<Profile> {
        change!(self, user.as_str(), |tx, out| {
            match accounts::set_profile(&tx, user, nickname, avatar, signature).await {
                // Nothing changed: no change-log entries, no pushes.
                Ok((p, false)) => Ok(p),
                Ok((p, true)) => relations::profile_changed(&tx, user, &p, &mut out)
                    .await
                    .map(|()| p),
                Err(e) => Err(e),
            }
        })
    }

    async fn search_users(&self, query: &str, limit: u32) -> StoreResult<Vec<Profile>> {
        read!(self, |tx| accounts::search_users(&tx, query, limit).await)
    }

    async fn announce_presence(&self, user: &UserId, online: bool) -> StoreResult<()> {
        let push = Push::Presence {
            user: user.clone(),
            online,
        };
        change!(self, user.as_str(), |tx, out| {
            match relations::followers(&tx, user).await {
                Ok(followers) => {
                    for f in followers {
                        out.push(Delivery {
                            user: f,
                            push: push.clone(),
                        });
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            }
        })
    }
}
