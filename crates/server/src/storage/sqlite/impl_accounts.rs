//! [`Accounts`] on SQLite.

use async_trait::async_trait;
use tern_proto::{FileId, KickReason, Profile, Push, UserId};

use super::accounts;
use super::{admin, changelog, relations, SqliteStorage};
use crate::config::MultiDevicePolicy;
use crate::storage::api::Accounts;
use crate::storage::{Delivery, StoreResult};
use crate::storage::{NewSession, SessionRow};

#[async_trait]
impl Accounts for SqliteStorage {
    async fn create_user(
        &self,
        user: &UserId,
        hash: &str,
        nickname: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        let (user, hash, nickname) = (user.clone(), hash.to_owned(), nickname.map(str::to_owned));
        self.store
            .write(move |c| {
                accounts::create_user(c, &user, &hash, now)?;
                if let Some(n) = nickname {
                    accounts::set_profile(c, &user, Some(&n), None, None)?;
                }
                Ok(())
            })
            .await
    }

    async fn password_hash(&self, user: &UserId) -> StoreResult<Option<String>> {
        let user = user.clone();
        self.read(move |c| accounts::password_hash(c, &user)).await
    }

    async fn set_password(
        &self,
        user: &UserId,
        hash: &str,
        keep: Option<&str>,
        reason: KickReason,
    ) -> StoreResult<usize> {
        let (u, hash, keep) = (user.clone(), hash.to_owned(), keep.map(str::to_owned));
        let (sink, kicked, k) = (self.sink.clone(), user.clone(), keep.clone());
        self.store
            .write_then(
                move |c| match &keep {
                    Some(keep) => {
                        accounts::set_password_hash(c, &u, &hash)?;
                        accounts::revoke_other_sessions(c, &u, keep)
                    }
                    None => admin::set_password(c, &u, &hash).map(|v| v.len()),
                },
                move |_: &usize| sink.kick_user(&kicked, k.as_deref(), reason),
            )
            .await
    }

    async fn revoke_sessions(
        &self,
        user: &UserId,
        keep: Option<&str>,
        reason: KickReason,
    ) -> StoreResult<usize> {
        let (u, keep) = (user.clone(), keep.map(str::to_owned));
        let (sink, kicked, k) = (self.sink.clone(), user.clone(), keep.clone());
        self.store
            .write_then(
                move |c| match &keep {
                    Some(keep) => accounts::revoke_other_sessions(c, &u, keep),
                    None => {
                        accounts::require_user(c, &u)?;
                        admin::revoke_all_sessions(c, &u).map(|v| v.len())
                    }
                },
                move |_: &usize| sink.kick_user(&kicked, k.as_deref(), reason),
            )
            .await
    }

    async fn session(&self, id: &str) -> StoreResult<Option<SessionRow>> {
        let id = id.to_owned();
        self.read(move |c| accounts::session(c, &id)).await
    }

    async fn open_session(&self, s: &NewSession, policy: MultiDevicePolicy) -> StoreResult<()> {
        let s = s.clone();
        let (sink, user) = (self.sink.clone(), s.user.clone());
        self.store
            .write_then(
                move |c| {
                    accounts::require_user(c, &s.user)?;
                    accounts::create_session(c, &s, policy)
                },
                move |displaced: &Vec<String>| {
                    sink.kick_sessions(&user, displaced, KickReason::OtherDevice)
                },
            )
            .await
            .map(drop)
    }

    async fn revoke_session(&self, id: &str) -> StoreResult<()> {
        let id = id.to_owned();
        self.store
            .write(move |c| accounts::revoke_session(c, &id))
            .await
    }

    async fn record_minted(
        &self,
        user: &UserId,
        session: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        let (u, sid) = (user.clone(), session.to_owned());
        self.store
            .write(move |c| {
                accounts::require_user(c, &u)?;
                admin::record_minted(c, &u, &sid, expires_at, now)
            })
            .await
    }

    async fn session_start(&self, user: &UserId) -> StoreResult<(Profile, u64)> {
        let u = user.clone();
        self.read(move |c| {
            Ok((
                relations::my_profile(c, &u)?,
                changelog::current_version(c, &u)?,
            ))
        })
        .await
    }

    async fn require_user(&self, user: &UserId) -> StoreResult<()> {
        let u = user.clone();
        self.read(move |c| accounts::require_user(c, &u)).await
    }

    async fn profiles(&self, users: &[UserId]) -> StoreResult<Vec<Profile>> {
        let users = users.to_vec();
        self.read(move |c| accounts::profiles(c, &users)).await
    }

    async fn set_profile(
        &self,
        user: &UserId,
        nickname: Option<&str>,
        avatar: Option<&FileId>,
        signature: Option<&str>,
    ) -> StoreResult<Profile> {
        let (me, nickname, avatar, signature) = (
            user.clone(),
            nickname.map(str::to_owned),
            avatar.cloned(),
            signature.map(str::to_owned),
        );
        self.change(move |c, out| {
            let (p, changed) = accounts::set_profile(
                c,
                &me,
                nickname.as_deref(),
                avatar.as_ref(),
                signature.as_deref(),
            )?;
            // Nothing changed: no change-log entries, no pushes.
            if changed {
                relations::profile_changed(c, &me, &p, out)?;
            }
            Ok(p)
        })
        .await
    }

    async fn search_users(&self, query: &str, limit: u32) -> StoreResult<Vec<Profile>> {
        let query = query.to_owned();
        self.read(move |c| accounts::search_users(c, &query, limit))
            .await
    }

    async fn announce_presence(&self, user: &UserId, online: bool) -> StoreResult<()> {
        // Through the writer queue, so online/offline announcements keep their order.
        let u = user.clone();
        let push = Push::Presence {
            user: user.clone(),
            online,
        };
        self.change(move |c, out| {
            for f in relations::followers(c, &u)? {
                out.push(Delivery {
                    user: f,
                    push: push.clone(),
                });
            }
            Ok(())
        })
        .await
    }
}
